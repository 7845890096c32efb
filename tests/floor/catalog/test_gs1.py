"""GS1 and retail barcodes as handheld scanners really send them: with and without FNC1 / GS
separators, behind AIM symbology identifiers, in HRI form, with bad check digits, with
variable-length AIs in the middle and at the end, weights, counts and SSCCs."""

from __future__ import annotations

import pytest

from floor.catalog.barcodes import Barcode, ScannedCode, classify_barcode

GS = "\x1d"


@pytest.mark.parametrize("raw, expected", [
    # GS1-128 with symbology id, FNC1 as GS after a variable-length AI in the middle
    ("]C10109501101530003" + "10ABC123" + GS + "17270131",
     ScannedCode("item", "09501101530003", lot="ABC123", expiry="270131")),
    # the same data, fixed-length AIs first: no separator needed, lot at the end
    ("]C101095011015300031727013110ABC123", ScannedCode("item", "09501101530003", lot="ABC123", expiry="270131")),
    # no symbology id, a leading FNC1-as-GS (some scanners transmit FNC1 in first position)
    (GS + "0109501101530003" + "10ABC123", ScannedCode("item", "09501101530003", lot="ABC123")),
    # GS1 DataMatrix: lot in the middle, serial at the end
    ("]d2010950110153000317270131" + "104221" + GS + "21SN-0001",
     ScannedCode("item", "09501101530003", lot="4221", expiry="270131", serial="SN-0001")),
    # GS1 QR, expiry with day 00 (= the month's last day, resolved later with the century rule)
    ("]Q3010950110153000310LOT1" + GS + "17270200", ScannedCode("item", "09501101530003", lot="LOT1", expiry="270200")),
    # serial in the middle, lot at the end
    ("]d201095011015300032112345" + GS + "10L9", ScannedCode("item", "09501101530003", lot="L9", serial="12345")),
    # HRI with parentheses (typed or from a printout)
    ("(01)09501101530003(17)270131(10)ABC", ScannedCode("item", "09501101530003", lot="ABC", expiry="270131")),
    # AI 30 count and AI 3103 net weight (kg, 3 decimals -> grams)
    ("0109501101530003" + "3012" + GS + "10X", ScannedCode("item", "09501101530003", lot="X", count=12)),
    ("]C1010950110153000331030012341012", ScannedCode("item", "09501101530003", lot="12", weight_g=1234)),
    ("(01)09501101530003(3102)000250", ScannedCode("item", "09501101530003", weight_g=2500)),
    # AI 02 (contained GTIN) + 37 (count) on a logistics label
    ("]C1" + "0209501101530003" + "3712" + GS + "10B7", ScannedCode("item", "09501101530003", lot="B7", count=12)),
    # SSCC of a case / pallet
    ("]C100376104250021234569", ScannedCode("case", "376104250021234569")),
    ("(00)376104250021234569", ScannedCode("case", "376104250021234569")),
    ("00376104250021234569", ScannedCode("case", "376104250021234569")),
    # plain retail codes, normalised to GTIN-14
    ("036000291452", ScannedCode("item", "00036000291452")),  # UPC-A
    ("]E04006381333931", ScannedCode("item", "04006381333931")),  # EAN-13 with its symbology id
    ("96385074", ScannedCode("item", "00000096385074")),  # EAN-8
    ("10614141000415", ScannedCode("item", "10614141000415")),  # GTIN-14 (a case)
    # labels of the floor
    ("W1-A03-C12", ScannedCode("location", "W1-A03-C12")),
    ("]C0W1-A03-C12", ScannedCode("location", "W1-A03-C12")),
    ("TOTE-0042", ScannedCode("tote", "TOTE-0042")),
    ("tote0042", ScannedCode("tote", "TOTE0042")),
    ("hello", ScannedCode("unknown", "hello")),
])
def test_real_world_strings(raw: str, expected: ScannedCode) -> None:
    assert classify_barcode(raw) == expected


@pytest.mark.parametrize("raw", [
    "4006381333932",  # EAN-13, last digit wrong
    "036000291453",  # UPC-A
    "0104006381333932",  # GS1 with a bad GTIN check digit
    "]C10104006381333932" + "10A",
    "00376104250021234568",  # SSCC check digit
    "(01)09501101530003(17)271301",  # no month 13
    "]d2" + "01095011015300031727013",  # truncated date
    "(01)0950110153000",  # GTIN too short
])
def test_misreads_are_invalid_not_unknown(raw: str) -> None:
    code = classify_barcode(raw)
    assert code.kind == "invalid" and code.reason


def test_element_string_helper_round_trips() -> None:
    text = Barcode("9501101530003", lot="L1", expiry="270131", serial="S9").element_string()
    assert text == "0109501101530003" + "17270131" + "10L1" + GS + "21S9"
    assert classify_barcode(text) == ScannedCode("item", "09501101530003", lot="L1", expiry="270131", serial="S9")
    assert classify_barcode("]d2" + text) == classify_barcode(text)
