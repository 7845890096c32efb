from __future__ import annotations

import pytest

from floor.catalog.barcodes import Barcode, classify_barcode
from floor.catalog.model import gtin_check_digit, is_valid_gtin, make_gtin13, normalize_gtin
from floor.core.errors import ValidationError


@pytest.mark.parametrize("gtin", ["96385074", "036000291452", "4006381333931", "09501101530003", "10614141000415"])
def test_valid_gtins_of_every_length(gtin: str) -> None:
    assert is_valid_gtin(gtin)
    assert normalize_gtin(gtin) == gtin.zfill(14)


@pytest.mark.parametrize("code", ["96385075", "036000291453", "4006381333932", "123", "abcdefghijklm", "400638133393"])
def test_invalid_gtins(code: str) -> None:
    assert not is_valid_gtin(code)
    with pytest.raises(ValidationError):
        normalize_gtin(code)


def test_check_digit_and_demo_gtins() -> None:
    assert gtin_check_digit("400638133393") == 1
    assert all(is_valid_gtin(make_gtin13("690123", n)) for n in range(1, 600))


def test_classify_barcodes() -> None:
    assert classify_barcode("W1-A03-C12").kind == "location"
    assert classify_barcode(" 4006381333931 ").value == "04006381333931"
    assert classify_barcode("4006381333932").kind == "invalid"  # a misread, told apart from unknown
    gs1 = classify_barcode(Barcode("04006381333931", lot="L7", expiry="270131").element_string())
    assert (gs1.kind, gs1.value, gs1.lot, gs1.expiry) == ("item", "04006381333931", "L7", "270131")
    hri = classify_barcode("(01)04006381333931(10)ABC")
    assert (hri.kind, hri.lot) == ("item", "ABC")
    assert classify_barcode("hello").kind == "unknown"
    assert classify_barcode("0104006381333932").kind == "invalid"  # bad check digit inside GS1
