"""GS1 dates and the warehouse's today (GS1 General Specifications 7.12)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from floor.core.clock import expiry_key, gs1_date, gs1_year, local_today
from floor.core.errors import ValidationError


@pytest.mark.parametrize(
    ("two_digits", "current", "expected"),
    [(26, 2026, 2026), (76, 2026, 2076), (77, 2026, 1977), (99, 2026, 1999), (0, 2026, 2000),
     (49, 2026, 2049), (10, 2099, 2110), (61, 2010, 1961), (60, 2010, 2060)],
)
def test_two_digit_years_follow_the_gs1_century_window(two_digits: int, current: int, expected: int) -> None:
    assert gs1_year(two_digits, current) == expected


def test_day_zero_means_the_last_day_of_the_month() -> None:
    today = date(2026, 12, 3)
    assert gs1_date("270200", today) == date(2027, 2, 28)
    assert gs1_date("280200", today) == date(2028, 2, 29)  # leap year
    assert gs1_date("261200", today) == date(2026, 12, 31)
    assert expiry_key("261200", today) == "20261231"  # mid-month: not expired


@pytest.mark.parametrize("text", ["261301", "260230", "2612", "26120A", "２６１２３１"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        gs1_date(text, date(2026, 12, 3))
    assert expiry_key(text, date(2026, 12, 3)) == ""


def test_today_is_the_warehouse_date_not_utc() -> None:
    late_utc = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)  # 01:30 on the 4th in Shanghai
    assert local_today("Asia/Shanghai", late_utc) == date(2026, 12, 4)
    assert local_today("Europe/London", late_utc) == date(2026, 12, 3)
    with pytest.raises(ValidationError, match="time zone"):
        local_today("Mars/Base", late_utc)
