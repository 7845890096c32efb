"""Raw values to typed fields, per column (the files are read by :mod:`floor.onboarding.read`).

Pure. Every check on one value is here, written with explicit ASCII tests (``str.isdigit`` and
``re``'s ``\\d`` accept Unicode digits such as ``１２`` or ``١٢``; a code must not). :func:`parse_row`
returns the fields that parsed and adds a problem for every one that did not; the checks of rows
against each other and the known master data are in :mod:`floor.onboarding.checks`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from floor.catalog.model import gtin_check_digit
from floor.onboarding.columns import COLUMNS, Column
from floor.onboarding.model import Problem

CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/")
TZ_CHARS = CODE_CHARS | frozenset("+")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# Fast paths (explicit ASCII ranges; the slow loops below find the offending character).
_CODE = re.compile(r"[A-Za-z0-9._/-]*")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class Bad(Exception):
    """One field's problem: ``code`` (see model.PROBLEMS) and a message that never echoes secrets."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def show(value: str) -> str:
    """A value quoted for a message: short, and control characters made visible."""
    text = value if len(value) <= 40 else value[:37] + "..."
    return "'" + "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text) + "'"


def is_ascii_digits(text: str) -> bool:
    """Only 0-9 (``isdigit`` alone also accepts ``１``, ``١``, ``²``; ``isascii`` rules those out)."""
    return text.isascii() and text.isdigit()


def _bad_char(text: str, allowed: frozenset[str]) -> str | None:
    if allowed is CODE_CHARS and _CODE.fullmatch(text):
        return None
    for position, ch in enumerate(text, start=1):
        if ch not in allowed:
            what = "a control character" if unicodedata.category(ch)[0] == "C" else f"'{ch}'"
            return f"{what} (U+{ord(ch):04X}) at position {position}"
    return None


def _text_control(text: str) -> str | None:
    if _CONTROL.search(text) is None:
        return None
    for position, ch in enumerate(text, start=1):
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI:
            return f"a control character (U+{ord(ch):04X}) at position {position}"
    return None


def _as_text(value: object, column: Column) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Bad("bad_format", f"{column.name} must be text")
    return str(value)


def _length(text: str, column: Column) -> None:
    if column.max_len and len(text) > column.max_len:
        raise Bad("too_long", f"{column.name} has {len(text)} characters; at most {column.max_len}")


def to_code(value: object, column: Column) -> str:
    text = _as_text(value, column).strip()
    _length(text, column)
    where = _bad_char(text, CODE_CHARS)
    if where:
        raise Bad("bad_characters", f"{column.name} {show(text)} has {where}: use ASCII letters, digits, . _ - /")
    return text


def to_text(value: object, column: Column) -> str:
    text = _as_text(value, column).strip()
    _length(text, column)
    where = _text_control(text)
    if where:
        raise Bad("bad_characters", f"{column.name} has {where}")
    return text


def _check_range(number: float, column: Column) -> None:
    if column.low == 1 and number <= 0:
        raise Bad("not_positive", f"{column.name} must be greater than 0 (got {number:g})")
    if (column.low is not None and number < column.low) or (column.high is not None and number > column.high):
        raise Bad("out_of_range", f"{column.name} {number:g} is outside {column.low:g}..{column.high:g}")


def to_int(value: object, column: Column) -> int:
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 12:  # the common case
        number = int(value)
        _check_range(number, column)
        return number
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Bad("bad_integer", f"{column.name} must be a whole number")
    if isinstance(value, int):
        number = value
    else:
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not is_ascii_digits(digits) or len(digits) > 12:
            raise Bad("bad_integer", f"{column.name} {show(text)} is not a whole number in ASCII digits")
        number = int(text)
    _check_range(number, column)
    return number


def to_decimal(value: object, column: Column) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Bad("bad_decimal", f"{column.name} must be a number")
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise Bad("bad_decimal", f"{column.name} must be a finite number")
    else:
        text = value.strip()
        whole, _, fraction = text.partition(".")
        if not is_ascii_digits(whole) or len(whole) > 6 or (fraction and (not is_ascii_digits(fraction) or len(fraction) > 3)):
            raise Bad("bad_decimal", f"{column.name} {show(text)} is not a decimal like 1.5 in ASCII digits")
        number = float(text)
    _check_range(number, column)
    return number


def to_bool(value: object, column: Column) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int)) else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Bad("bad_boolean", f"{column.name} must be true or false (also yes/no, 1/0)")


def to_gtin(value: object, column: Column) -> str:
    if not isinstance(value, str):
        raise Bad("bad_gtin", f"{column.name} must be written as text (a number loses leading zeros)")
    text = value.strip()
    if not is_ascii_digits(text):
        hint = " (a spreadsheet may have turned it into a number)" if "E+" in text.upper() else ""
        raise Bad("bad_gtin", f"{column.name} {show(text)} must be ASCII digits only{hint}")
    if len(text) not in (8, 12, 13, 14) or set(text) == {"0"}:
        raise Bad("bad_gtin", f"{column.name} {show(text)} has {len(text)} digits; a GTIN has 8, 12, 13 or 14")
    expected = gtin_check_digit(text[:-1])
    if expected != int(text[-1]):
        raise Bad("bad_check_digit", f"{column.name} {text}: the check digit should be {expected}, not {text[-1]}")
    return text.zfill(14)


def to_date(value: object, column: Column) -> str:
    text = _as_text(value, column).strip()
    parts = text.split("-")
    if len(parts) != 3 or [len(p) for p in parts] != [4, 2, 2] or not all(is_ascii_digits(p) for p in parts):
        raise Bad("bad_date", f"{column.name} {show(text)} must be written YYYY-MM-DD")
    try:
        day = date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise Bad("bad_date", f"{column.name} {text} is not a calendar date") from None
    if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        raise Bad("date_out_of_range", f"{column.name} {text} is outside 2000-01-01..2099-12-31")
    return text


def to_choice(value: object, column: Column) -> str:
    text = _as_text(value, column).strip().lower()
    if text not in column.choices:
        raise Bad("bad_choice", f"{column.name} must be one of {', '.join(column.choices)}")
    return text


def to_list(value: object, column: Column) -> tuple[str, ...]:
    if isinstance(value, list):
        items = [_as_text(item, column).strip() for item in value]
        _length(";".join(items), column)
    else:
        text = _as_text(value, column)
        _length(text, column)
        items = [item.strip() for item in text.split(";")]
    for item in items:
        where = _bad_char(item, CODE_CHARS | frozenset(":*"))
        if where:
            raise Bad("bad_characters", f"{column.name} item {show(item)} has {where}")
    return tuple(item for item in items if item)


def to_time_zone(value: object, column: Column) -> str:
    text = _as_text(value, column).strip()
    _length(text, column)
    if _bad_char(text, TZ_CHARS) or ".." in text or text.startswith("/"):
        raise Bad("bad_time_zone", f"{column.name} {show(text)} is not an IANA time zone name")
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise Bad("bad_time_zone", f"{column.name} {show(text)} is not an IANA time zone name (like Asia/Shanghai)") from None
    return text


def to_secret(value: object, column: Column) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise Bad("bad_format", f"{column.name} must be text")
    text = str(value)
    if column.name == "pin":
        if not is_ascii_digits(text) or not 4 <= len(text) <= 8:
            raise Bad("weak_secret", "pin must be 4-8 ASCII digits")
    elif not 8 <= len(text) <= 128:
        raise Bad("weak_secret", f"{column.name} must have 8-128 characters")
    if _text_control(text):
        raise Bad("bad_characters", f"{column.name} contains a control character")
    return text


CONVERTERS: dict[str, Any] = {
    "code": to_code, "text": to_text, "int": to_int, "decimal": to_decimal, "bool": to_bool,
    "gtin": to_gtin, "date": to_date, "choice": to_choice, "list": to_list, "tz": to_time_zone,
    "secret": to_secret,
}


def parse_row(kind: str, number: int, raw: dict[str, Any], problems: list[Problem]) -> tuple[bool, dict[str, Any]]:
    """Convert one raw row, appending a problem per bad field: (every field fine?, the fields that are)."""
    values: dict[str, Any] = {}
    ok = True
    for column in COLUMNS[kind]:
        value = raw.get(column.name)
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            if column.required:
                problems.append(Problem(kind, number, column.name, "required", f"{column.name} is required"))
                ok = False
                continue
            if not column.default:
                continue
            value = column.default
        try:
            values[column.name] = CONVERTERS[column.type](value, column)
        except Bad as bad:
            problems.append(Problem(kind, number, column.name, bad.code, bad.message))
            ok = False
    return ok, values
