"""SKUs and GTINs. GTINs are compared in their 14-digit form; digits are ASCII digits only."""

from __future__ import annotations

import re

import msgspec

from floor.core.errors import ValidationError

DIGITS = re.compile(r"[0-9]+")
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
        and DIGITS.fullmatch(code) is not None
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
