"""Dates people see: GS1 expiry dates and "today" in a warehouse's time zone.

Stored times are UTC milliseconds from Redis ``TIME`` (set inside the scripts). Dates a person
reads (expiry, cut-offs, shifts) are in the warehouse's time zone (default Asia/Shanghai).

GS1 rules (GS1 General Specifications 7.12): a YYMMDD date with DD = 00 means the last day of
that month; the two-digit year is placed in the century that puts it within -49..+50 years of
the current year.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from floor.core.errors import ValidationError

DEFAULT_TIME_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone '{name}' (use an IANA name like Asia/Shanghai)") from None


def local_today(time_zone: str = DEFAULT_TIME_ZONE, now: datetime | None = None) -> date:
    """Today's date in the warehouse's time zone."""
    return (now or datetime.now(UTC)).astimezone(zone(time_zone)).date()


def gs1_year(two_digits: int, current_year: int) -> int:
    """The full year of a GS1 two-digit year (GS1 GenSpecs 7.12 century window)."""
    century = current_year - current_year % 100
    difference = two_digits - current_year % 100
    if difference >= 51:
        return century - 100 + two_digits
    if difference <= -50:
        return century + 100 + two_digits
    return century + two_digits


def gs1_date(yymmdd: str, today: date) -> date:
    """The date of a GS1 YYMMDD (DD = 00: the month's last day); ValidationError if impossible."""
    if len(yymmdd) != 6 or not yymmdd.isascii() or not yymmdd.isdigit():
        raise ValidationError(f"'{yymmdd}' is not a GS1 date (YYMMDD)")
    year = gs1_year(int(yymmdd[:2]), today.year)
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if not 1 <= month <= 12:
        raise ValidationError(f"'{yymmdd}' has no month {month}")
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        day = last
    if day > last:
        raise ValidationError(f"'{yymmdd}': {year}-{month:02d} has no day {day}")
    return date(year, month, day)


def expiry_key(yymmdd: str, today: date) -> str:
    """A GS1 expiry as YYYYMMDD (comparable as text in Lua), or '' when it is not a valid date."""
    try:
        return gs1_date(yymmdd, today).strftime("%Y%m%d")
    except ValidationError:
        return ""
