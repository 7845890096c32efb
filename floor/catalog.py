"""SKUs, GTINs and scanned barcodes.

A scanned barcode is one of: a location code (``W1-A03-C12``), a plain GTIN-8/12/13/14, or a
GS1 element string (GS1-128 / DataMatrix, e.g. ``(01)09501101530003(10)LOT7(17)270131``) parsed
with ``biip``. GTINs are compared in their 14-digit form.
"""

from __future__ import annotations

import re

import msgspec

from floor.errors import ValidationError
from floor.layout import is_location_code

_DIGITS = re.compile(r"^\d+$")
GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit for the digits of ``body`` (the GTIN without its last digit)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    return (
        len(code) in GTIN_LENGTHS
        and _DIGITS.match(code) is not None
        and gtin_check_digit(code[:-1]) == int(code[-1])
    )


def normalize_gtin(code: str) -> str:
    """The 14-digit form of a valid GTIN; raises ValidationError otherwise."""
    if not is_valid_gtin(code):
        raise ValidationError(f"'{code}' is not a valid GTIN-8/12/13/14 (length or check digit)")
    return code.zfill(14)


def make_gtin13(prefix: str, item: int) -> str:
    """A valid GTIN-13 from a company prefix and an item number (used by the demo)."""
    body = f"{prefix}{item:0{12 - len(prefix)}d}"
    return body + str(gtin_check_digit(body))


class Sku(msgspec.Struct, frozen=True):
    sku: str
    gtin: str  # 14-digit form
    name: str
    weight_g: int = 0


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
    if _DIGITS.match(text) and len(text) in GTIN_LENGTHS:
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
