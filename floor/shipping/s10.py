"""UPU S10 item identifiers (EMS-style waybills): 2 letters, 8 digits, a check digit, a country code.

Invariant: ``check_digit`` follows S10 (weights 8 6 4 2 3 5 9 7, 11 - sum mod 11, 10 -> 0, 11 -> 5);
``make`` and ``valid`` agree with it.
"""

from __future__ import annotations

import re

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
PATTERN = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")


def check_digit(serial: str) -> int:
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError("an S10 serial is 8 digits")
    digit = 11 - sum(int(c) * w for c, w in zip(serial, WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(digit, digit)


def make(prefix: str, serial: int, country: str) -> str:
    body = f"{serial:08d}"
    return f"{prefix}{body}{check_digit(body)}{country}"


def valid(number: str) -> bool:
    return bool(PATTERN.match(number)) and check_digit(number[2:10]) == int(number[10])
