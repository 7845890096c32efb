"""Scanned barcodes: what a scan says, decided without touching the store (pure, on the hot path).

A scanned barcode is one of: a location code (``W1-A03-C12``), a plain GTIN-8/12/13/14, or a
GS1 element string (GS1-128 / DataMatrix, e.g. ``(01)09501101530003(10)LOT7(17)270131``) parsed
with ``biip``.
"""

from __future__ import annotations

import msgspec

from floor.catalog.model import DIGITS, GTIN_LENGTHS, is_valid_gtin
from floor.layout.model import is_location_code


class ScannedCode(msgspec.Struct, frozen=True):
    """What a barcode says. ``kind`` is ``location``, ``item`` or ``unknown``."""

    kind: str
    value: str  # location code, GTIN-14, or the raw text
    lot: str = ""
    expiry: str = ""  # YYMMDD as in GS1 AI 17


def classify_barcode(raw: str) -> ScannedCode:
    """Decide what a scanned barcode is, without touching the store (pure, cheap on the hot path)."""
    text = raw.strip()
    if is_location_code(text):
        return ScannedCode("location", text)
    if DIGITS.fullmatch(text) and len(text) in GTIN_LENGTHS:
        if is_valid_gtin(text):
            return ScannedCode("item", text.zfill(14))
        return ScannedCode("unknown", text)
    if text.startswith("(") or (text[:2] == "01" and len(text) > 16) or text.startswith("]"):
        return _parse_gs1(text)
    return ScannedCode("unknown", text)


def _parse_gs1(text: str) -> ScannedCode:
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    try:
        message = GS1Message.parse_hri(text) if text.startswith("(") else GS1Message.parse(text)
    except (ParseError, ValueError):
        return ScannedCode("unknown", text)
    strings = message.element_strings
    gtin = strings.get(ai="01")
    if gtin is None or gtin.gtin is None:
        return ScannedCode("unknown", text)
    lot = strings.get(ai="10")
    expiry = strings.get(ai="17")
    return ScannedCode(
        "item",
        gtin.value.zfill(14),
        lot=lot.value if lot else "",
        expiry=expiry.value if expiry else "",
    )


class Barcode(msgspec.Struct, frozen=True):
    """Convenience for tests and the demo: the GS1 element string of a GTIN with lot/expiry."""

    gtin: str
    lot: str = ""
    expiry: str = ""

    def element_string(self) -> str:
        text = "01" + self.gtin.zfill(14)
        if self.expiry:
            text += "17" + self.expiry
        if self.lot:
            text += "10" + self.lot
        return text
