"""Scanned barcodes: what a scan says, decided without touching the store (pure, on the hot path).

A scanned barcode is one of:

- a location label (``W1-A03-C12``) -> ``location``;
- a tote label (``TOTE-0042``, see :data:`TOTE_LABEL`) -> ``tote``;
- a plain UPC-A / EAN-8 / EAN-13 / GTIN-14 -> ``item`` (value: the GTIN-14);
- a GS1 element string (GS1-128, GS1 DataMatrix, GS1 QR, DataBar), with or without FNC1 / group
  separators (``\\x1d``), in HRI form with parentheses, or behind an AIM symbology identifier
  (``]C1``, ``]d2``, ``]Q3``, ``]e0``), parsed with ``biip``: AI 00 (SSCC) -> ``case``; AI 01 / 02
  (GTIN / contained GTIN) -> ``item`` with AI 10 lot, 17 expiry, 21 serial, 30 / 37 count and
  310x net weight;
- a GTIN or GS1 string whose check digit or structure is wrong -> ``invalid`` (the picker is told
  to rescan: a misread, not an unknown product);
- anything else -> ``unknown``.

Whether a GTIN is a unit or a case (and how many units the case holds) is master data: the scan
script looks a GTIN up in the unit and pack GTIN tables.
"""

from __future__ import annotations

import re
from decimal import Decimal

import msgspec

from floor.catalog.model import DIGITS, GTIN_LENGTHS, is_valid_gtin
from floor.layout.model import is_location_code

TOTE_LABEL = re.compile(r"TOTE-?[0-9A-Z]{1,20}")
GS1_SEPARATOR = "\x1d"  # ASCII GS: what a scanner sends for FNC1 in the middle of an element string
# AIM symbology identifiers whose data is a GS1 element string (ISO/IEC 15424).
GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})
KINDS = ("location", "tote", "item", "case", "invalid", "unknown")


class ScannedCode(msgspec.Struct, frozen=True):
    """What a barcode says. ``kind`` is one of :data:`KINDS`."""

    kind: str
    value: str  # location code, tote label, GTIN-14, SSCC (18 digits), or the raw text
    lot: str = ""
    expiry: str = ""  # YYMMDD as in GS1 AI 17 (the caller turns it into a date: century rule)
    serial: str = ""
    count: int = 0  # AI 30 / 37: units this one label stands for (0 = not given)
    weight_g: int = 0  # AI 310x net weight in grams (weighed goods), 0 = not given
    reason: str = ""  # for ``invalid``: why (bad check digit, malformed element string)


def classify_barcode(raw: str) -> ScannedCode:
    """Decide what a scanned barcode is, without touching the store (pure, cheap on the hot path)."""
    text = raw.strip(" \t\r\n")
    symbology = ""
    if text.startswith("]") and len(text) > 3:
        symbology, text = text[:3], text[3:]
    text = text.lstrip(GS1_SEPARATOR)
    if symbology in GS1_SYMBOLOGIES:
        return _parse_gs1(text)
    if is_location_code(text):
        return ScannedCode("location", text)
    if TOTE_LABEL.fullmatch(text.upper()):
        return ScannedCode("tote", text.upper())
    if DIGITS.fullmatch(text):
        if len(text) in GTIN_LENGTHS:
            if is_valid_gtin(text):
                return ScannedCode("item", text.zfill(14))
            return ScannedCode("invalid", text, reason="bad check digit")
        if len(text) > 14:
            return _parse_gs1(text)  # an element string read without separators (fixed-length AIs)
        return ScannedCode("unknown", text)
    if text.startswith("(") or GS1_SEPARATOR in text or (text[:2] in ("00", "01", "02") and len(text) > 16):
        return _parse_gs1(text)
    return ScannedCode("unknown", text)


def _parse_gs1(text: str) -> ScannedCode:
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    try:
        message = GS1Message.parse_hri(text) if text.startswith("(") else GS1Message.parse(text)
    except (ParseError, ValueError) as error:
        return ScannedCode("invalid", text, reason=_short(str(error)))
    fields: dict[str, str] = {}
    weight_g = 0
    for element in message.element_strings:
        ai = element.ai.ai
        if element.gtin_error or element.sscc_error:
            return ScannedCode("invalid", text, reason=f"AI {ai}: bad check digit")
        if ai.startswith("310") and element.decimal is not None:
            weight_g = int((element.decimal * Decimal(1000)).to_integral_value())
        fields.setdefault(ai, element.value)
    count = int(fields.get("30") or fields.get("37") or 0)
    if "00" in fields and "01" not in fields and "02" not in fields:
        return ScannedCode("case", fields["00"], count=count)
    gtin = fields.get("01") or fields.get("02") or ""
    if not gtin:
        return ScannedCode("unknown", text, reason="no GTIN or SSCC in the element string")
    return ScannedCode(
        "item", gtin.zfill(14), lot=fields.get("10", ""), expiry=fields.get("17", ""),
        serial=fields.get("21", ""), count=count, weight_g=weight_g,
    )


def _short(message: str) -> str:
    return message.splitlines()[0][:120] if message else "malformed GS1 element string"


class Barcode(msgspec.Struct, frozen=True):
    """Convenience for tests and the demo: the GS1 element string of a GTIN with lot/expiry/serial
    (fixed-length AIs first, variable-length ones separated by GS, as a GS1-128 printer writes it)."""

    gtin: str
    lot: str = ""
    expiry: str = ""
    serial: str = ""

    def element_string(self) -> str:
        text = "01" + self.gtin.zfill(14)
        if self.expiry:
            text += "17" + self.expiry
        variable = [ai + value for ai, value in (("10", self.lot), ("21", self.serial)) if value]
        return text + GS1_SEPARATOR.join(variable)
