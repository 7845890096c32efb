"""The columns of every import file: name, type, whether required, limits, an example.

This table is the file format: the parser reads with it, ``docs/onboarding.md`` documents it (a
test checks the docs name every column), and the templates in ``demo/`` follow it. JSON rows use
the same names as keys (values may be JSON numbers / booleans / lists, or the CSV text form).

Types: ``code`` (ASCII letters, digits and ``. _ - /``), ``text`` (any Unicode without control
characters), ``int``, ``decimal``, ``bool``, ``gtin``, ``date`` (YYYY-MM-DD), ``choice``,
``list`` (``;``-separated in CSV), ``tz`` (IANA time zone), ``secret`` (PIN / password).
"""

from __future__ import annotations

import msgspec

from floor.onboarding.model import DEFAULT_TIME_ZONE, LOCATION_KINDS, USER_ROLES

MAX_ROWS = 200_000  # per file


class Column(msgspec.Struct, frozen=True):
    name: str
    type: str
    required: bool = False
    max_len: int = 0  # characters, for code / text / list / secret
    low: float | None = None  # numbers: inclusive limits
    high: float | None = None
    choices: tuple[str, ...] = ()
    default: str = ""
    example: str = ""
    doc: str = ""


def _c(name: str, type_: str, required: bool = False, **kw: object) -> Column:
    return Column(name, type_, required, **kw)  # type: ignore[arg-type]


COLUMNS: dict[str, tuple[Column, ...]] = {
    "warehouses": (
        _c("warehouse", "code", True, max_len=8, example="W1", doc="1-8 upper-case letters/digits, starts with a letter"),
        _c("name", "text", True, max_len=80, example="上海一号仓 Shanghai DC 1"),
        _c("time_zone", "tz", max_len=64, default=DEFAULT_TIME_ZONE, example="Asia/Shanghai",
           doc="IANA name; dates people see (expiry, cut-offs) use it"),
        _c("tote_scan", "bool", default="false", example="false",
           doc="cluster picking confirms totes: bind them to cart positions, scan one after each item"),
    ),
    "layout": (
        _c("warehouse", "code", True, max_len=8, example="W1"),
        _c("aisles", "int", True, low=1, high=999, example="12"),
        _c("cells", "int", True, low=1, high=999, example="30", doc="pick positions along each aisle"),
        _c("aisle_distance_m", "decimal", low=0.5, high=100, default="5.0", example="5.0",
           doc="aisle centre to aisle centre, metres"),
        _c("cell_length_m", "decimal", low=0.1, high=20, default="1.0", example="1.0"),
        _c("front_gap_m", "decimal", low=0, high=100, default="1.5", example="1.5",
           doc="front cross-aisle to cell 1"),
        _c("back_gap_m", "decimal", low=0, high=100, default="1.5", example="1.5"),
        _c("depot_aisle", "int", low=1, high=999, default="1", example="1"),
        _c("depot_position", "choice", choices=("front",), default="front", example="front",
           doc="the router supports a depot on the front cross-aisle"),
        _c("cross_aisles", "list", max_len=400, example="11;21",
           doc="cells k (2..cells) before which a middle cross-aisle runs"),
        _c("zones", "list", max_len=400, example="FAST:1-4;BULK:5-12;RESERVE",
           doc="NAME or NAME:first-last aisle; NAME is a code of at most 16 characters"),
    ),
    "locations": (
        _c("warehouse", "code", True, max_len=8, example="W1"),
        _c("code", "code", True, max_len=32, example="W1-A03-C12",
           doc="pick face: exactly `W-Aaa-Ccc` for its aisle and cell (2 digits, 3 from 100); reserve: starts `W-`, not of that form"),
        _c("kind", "choice", True, choices=LOCATION_KINDS, example="pick_face"),
        _c("capacity", "int", True, low=1, high=1_000_000, example="200", doc="units, all SKUs together"),
        _c("aisle", "int", low=0, high=999, default="0", example="3", doc="required for a pick face"),
        _c("cell", "int", low=0, high=999, default="0", example="12", doc="required for a pick face"),
        _c("level", "int", low=0, high=99, default="0", example="1", doc="shelf level, 0 = not given"),
        _c("zone", "code", max_len=16, example="FAST", doc="one of the layout's zones"),
        _c("min_units", "int", low=0, high=1_000_000, default="0", example="10",
           doc="pick face replenishment trigger"),
        _c("max_units", "int", low=0, high=1_000_000, default="0", example="150",
           doc="pick face replenishment target, <= capacity (0 = capacity)"),
    ),
    "skus": (
        _c("warehouse", "code", True, max_len=8, example="W1"),
        _c("sku", "code", True, max_len=32, example="SKU00001"),
        _c("gtin", "gtin", True, max_len=14, example="6901234000017", doc="GTIN-8/12/13/14, stored as GTIN-14"),
        _c("name_zh", "text", max_len=120, example="红色茶杯 350毫升", doc="at least one name is required"),
        _c("name_en", "text", max_len=120, example="Red tea cup 350 ml"),
        _c("weight_g", "int", low=0, high=1_000_000, default="0", example="350"),
        _c("length_mm", "int", low=0, high=10_000, default="0", example="90"),
        _c("width_mm", "int", low=0, high=10_000, default="0", example="90"),
        _c("height_mm", "int", low=0, high=10_000, default="0", example="110"),
        _c("category", "code", max_len=32, example="DRINKWARE",
           doc="product category: release policies can group waves by it (docs/waves.md)"),
        _c("case_gtin", "gtin", max_len=14, example="16901234000014"),
        _c("case_units", "int", low=0, high=100_000, default="0", example="12", doc="units in a case, >= 2"),
        _c("inner_gtin", "gtin", max_len=14, example="26901234000011"),
        _c("inner_units", "int", low=0, high=100_000, default="0", example="6",
           doc="units in an inner pack: >= 2, < case_units and divides it"),
        _c("lot_controlled", "bool", default="false", example="false"),
        _c("expiry_controlled", "bool", default="false", example="false"),
        _c("serial_controlled", "bool", default="false", example="false"),
    ),
    "stock": (
        _c("warehouse", "code", True, max_len=8, example="W1"),
        _c("location", "code", True, max_len=32, example="W1-A03-C12"),
        _c("sku", "code", True, max_len=32, example="SKU00001"),
        _c("quantity", "int", True, low=1, high=1_000_000, example="40", doc="units, > 0"),
        _c("lot", "code", max_len=20, example="L2601A", doc="required for lot-controlled SKUs"),
        _c("expiry", "date", max_len=10, example="2027-01-31", doc="required for expiry-controlled SKUs"),
    ),
    "pickers": (
        _c("warehouse", "code", True, max_len=8, example="W1"),
        _c("picker_id", "code", True, max_len=32, example="picker1"),
        _c("badge", "code", True, max_len=32, example="B0001", doc="unique across all warehouses"),
        _c("name", "text", True, max_len=64, example="王芳 Wang Fang"),
        _c("pin", "secret", True, max_len=8, example="1001", doc="4-8 ASCII digits; stored hashed"),
    ),
    "users": (
        _c("username", "code", True, max_len=32, example="supervisor"),
        _c("role", "choice", True, choices=USER_ROLES, example="supervisor"),
        _c("warehouses", "list", True, max_len=200, example="W1;W2", doc="warehouse ids, or `*` for all"),
        _c("password", "secret", True, max_len=128, example="(8-128 characters)", doc="stored hashed"),
    ),
}

# The key of each kind: a second row with the same key is a duplicate.
KEYS: dict[str, tuple[str, ...]] = {
    "warehouses": ("warehouse",), "layout": ("warehouse",), "locations": ("warehouse", "code"),
    "skus": ("warehouse", "sku"), "stock": ("warehouse", "location", "sku", "lot"),
    "pickers": ("warehouse", "picker_id"), "users": ("username",),
}
