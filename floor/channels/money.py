"""Money from platform payloads to integer minor units, exactly (never through a float).

Payload JSON is decoded with ``parse_float=Decimal`` (:func:`floor.channels.adapters.common.decode`),
so a JSON number arrives here as a Decimal or an int. Yuan strings ("4999.00") become fen; a value
with more decimals than the currency has (``"1.005"`` CNY) is refused, not rounded: the caller
turns the MoneyError into a 400 / hold naming the field.
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

# ISO 4217 minor-unit exponents that differ from 2 (the rest of the world uses cents).
_ZERO_DECIMAL = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"])
_THREE_DECIMAL = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])


MAX_AMOUNT = Decimal(10) ** 12  # no order line is worth a trillion: a bigger value is a unit mistake


class MoneyError(ValueError):
    """A money value that is not an exact amount in its currency."""


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def to_minor(value: object, currency: str = "CNY", *, field: str = "amount") -> int:
    """``"4999.00"`` CNY -> 499900; ``"1500"`` JPY -> 1500; ``None``/``""`` -> 0."""
    if type(value) is str:  # prices repeat across orders: parsed once (an error is not cached)
        try:
            return _str_minor(value, currency)
        except MoneyError:
            pass  # raised again below, naming the field
    return _to_minor(value, currency, field)


@functools.lru_cache(maxsize=4096)
def _str_minor(value: str, currency: str) -> int:
    return _to_minor(value, currency, "amount")


def _to_minor(value: object, currency: str, field: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise MoneyError(f"{field}: expected a decimal string, got {type(value).__name__}")
    if isinstance(value, str) and not value.strip().isascii():
        raise MoneyError(f"{field}: '{value[:32]}' is not an ASCII decimal amount")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as error:
        raise MoneyError(f"{field}: '{str(value)[:32]}' is not a decimal amount") from error
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise MoneyError(f"{field}: '{str(value)[:32]}' is not a finite amount")
    minor = amount.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise MoneyError(f"{field}: '{value}' has more decimals than {currency} allows")
    return int(minor)


def fen(value: object, *, field: str = "amount") -> int:
    """Integer fen as Douyin sends it (an int, or a digit string); a fraction is refused."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise MoneyError(f"{field}: expected integer fen")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise MoneyError(f"{field}: expected integer fen, got '{str(value)[:32]}'")
