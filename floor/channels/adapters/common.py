"""What every adapter shares: strict field access, platform times to UTC ms, masked receivers.

Adapters are pure functions ``payload (dict) -> CanonicalOrder``. A payload that does not have the
platform's documented shape raises :class:`AdapterError` naming the field (the webhook answers 400,
the pull importer records it); a shape that is fine but a status we do not know becomes state
``hold`` with a reason (never guessed).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec

from floor.channels.money import MoneyError

BEIJING = timezone(timedelta(hours=8))
_MASK = re.compile(r"\*{2,}|\*$|^\*")
_JSON = msgspec.json.Decoder(float_hook=Decimal)  # floats as Decimal (money), integers of any size


class AdapterError(ValueError):
    """The payload is not what the platform documents (missing/mistyped field, bad money)."""


def decode(body: bytes) -> Any:
    """JSON with every non-integer number as a Decimal (money never passes through a float)."""
    try:
        return _JSON.decode(body)
    except msgspec.DecodeError as error:
        raise AdapterError(f"the body is not JSON: {error}") from error


def obj(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AdapterError(f"{field}: expected an object")
    return value


def items(value: Any, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AdapterError(f"{field}: expected a list of objects")
    return value


def text(data: dict[str, Any], field: str, *, required: bool = False, where: str = "") -> str:
    """A string field; ids sent as JSON numbers (Taobao tid, Shopify id) become their digits."""
    value = data.get(field)
    if type(value) is str and value:  # the usual case, first
        return value.strip()
    if value is None or value == "":
        if required:
            raise AdapterError(f"{where}{field}: required")
        return ""
    if isinstance(value, (bool, Decimal)):
        raise AdapterError(f"{where}{field}: expected a string")
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise AdapterError(f"{where}{field}: expected a string")
    return value.strip()


def integer(data: dict[str, Any], field: str, *, default: int | None = None, where: str = "") -> int:
    value = data.get(field)
    if value is None or value == "":
        if default is None:
            raise AdapterError(f"{where}{field}: required")
        return default
    if isinstance(value, bool):
        raise AdapterError(f"{where}{field}: expected an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():  # not "１２"
        return int(value.strip())
    raise AdapterError(f"{where}{field}: expected an integer, got '{str(value)[:32]}'")


def quantity(data: dict[str, Any], field: str, where: str) -> int:
    value = integer(data, field, where=where)
    if not 0 <= value <= 100_000:
        raise AdapterError(f"{where}{field}: quantity {value} out of range")
    return value


def beijing_ms(value: str, field: str) -> int:
    """``"2026-12-03 10:00:00"`` (platform time, Beijing) -> UTC epoch ms; '' -> 0."""
    if not value:
        return 0
    if len(value) == 19:
        try:
            return _beijing_cached(value)
        except AdapterError:
            pass  # not cached; raised again below, naming the field
    return _beijing_ms(value, field)


@functools.lru_cache(maxsize=4096)
def _beijing_cached(value: str) -> int:
    """:func:`beijing_ms` of a 19-character value (an order's times repeat: created and modified,
    the push's timestamp within a second)."""
    return _beijing_ms(value, "time")


def _beijing_ms(value: str, field: str) -> int:
    if len(value) == 19 and value.isascii() and value[4] + value[7] + value[10] + value[13] + value[16] == "-- ::":
        y, mo, d, h, mi, sec = (value[0:4], value[5:7], value[8:10], value[11:13], value[14:16], value[17:19])
        if all(p.isdigit() for p in (y, mo, d, h, mi, sec)):  # the usual shape, without strptime's cost
            try:
                moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec), tzinfo=BEIJING)
                return int(moment.timestamp() * 1000)
            except ValueError as error:
                raise AdapterError(f"{field}: '{value[:32]}' is not 'YYYY-MM-DD HH:MM:SS'") from error
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError as error:
        raise AdapterError(f"{field}: '{value[:32]}' is not 'YYYY-MM-DD HH:MM:SS'") from error
    return int(moment.timestamp() * 1000)


def iso_ms(value: str, field: str) -> int:
    """ISO 8601 with an offset (Shopify) -> UTC epoch ms; '' -> 0."""
    if not value:
        return 0
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise AdapterError(f"{field}: '{value[:40]}' is not an ISO 8601 time") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def epoch_s_ms(value: int) -> int:
    return value * 1000


def looks_masked(*values: str) -> bool:
    """Platform-masked ('张**', '138****0001') or encrypted ('~AgAA...~', '#...#') receiver fields."""
    for value in values:
        if not value:
            continue
        if _MASK.search(value) or (len(value) > 2 and value[0] == value[-1] and value[0] in "~#$"):
            return True
    return False


def money_guard(error: MoneyError) -> AdapterError:
    return AdapterError(str(error))


def lookup(table: dict[str, str], status: str, what: str) -> tuple[str, str]:
    """(state, hold reason) of a platform status from a mapping table; unknown -> hold."""
    state = table.get(status)
    if state is None:
        return "hold", f"unknown {what} '{status[:40]}': held, not guessed"
    return state, ""
