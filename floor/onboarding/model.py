"""The rows an import carries, the report it answers with, and the master data it is checked against.

Pure: msgspec Structs only. Row Structs hold *clean* values (GTINs in their 14-digit form, dates
as ``YYYY-MM-DD``, lists as tuples); they are produced by :mod:`floor.onboarding.parse` from the
files, never decoded straight from user input. ``Existing`` is the slice of current master data
an import is checked against (plain dicts and sets, read by :mod:`floor.onboarding.store`).
"""

from __future__ import annotations

import msgspec

from floor.layout.model import Layout

# Kinds in the order they are checked and written: each may refer only to kinds before it.
KINDS = ("warehouses", "layout", "locations", "skus", "stock", "pickers", "users")
FORMATS = ("csv", "json")
LOCATION_KINDS = ("pick_face", "reserve")
USER_ROLES = ("supervisor", "admin", "channel", "device")  # pickers come in pickers.csv
DEFAULT_TIME_ZONE = "Asia/Shanghai"

# Problem code -> what it means (docs/onboarding.md lists every one; a test keeps them in step).
PROBLEMS: dict[str, str] = {
    "bad_request": "the import request itself is wrong (import id, format, kinds)",
    "bad_encoding": "the file is not UTF-8 text",
    "bad_format": "the file is not valid CSV / JSON, or a JSON row is not an object",
    "empty_file": "the file has no header or no rows",
    "too_many_rows": "the file has more rows than one import accepts",
    "missing_column": "a required column is absent from the header",
    "unknown_column": "the header names a column this kind does not have",
    "wrong_field_count": "a CSV row has more or fewer fields than the header",
    "required": "a required value is empty",
    "too_long": "the value is longer than the column allows",
    "bad_characters": "control characters, or non-ASCII characters in a code",
    "bad_integer": "not a whole number written with ASCII digits",
    "bad_decimal": "not a decimal number written with ASCII digits",
    "out_of_range": "the number is outside the column's limits",
    "not_positive": "a quantity is zero or negative",
    "bad_boolean": "not one of true/false/yes/no/1/0",
    "bad_choice": "not one of the values the column allows",
    "bad_date": "not a real calendar date written YYYY-MM-DD",
    "date_out_of_range": "the date is outside 2000-01-01..2099-12-31",
    "bad_time_zone": "not an IANA time zone name (like Asia/Shanghai)",
    "bad_gtin": "a GTIN must be 8, 12, 13 or 14 ASCII digits (and not all zeros)",
    "bad_check_digit": "the GTIN's last digit is not its GS1 check digit",
    "bad_code": "a code does not have the required form",
    "weak_secret": "a PIN must be 4-8 digits, a password 8-128 characters",
    "duplicate": "the same key appears twice in this import (the first row wins)",
    "duplicate_gtin": "the GTIN is used twice in this import, or belongs to another SKU already",
    "inconsistent_units": "case / inner pack GTINs and unit counts do not fit together",
    "inconsistent_limits": "min / max / capacity of a location do not fit together",
    "inconsistent_expiry": "the same lot of a SKU has two different expiry dates",
    "unknown_warehouse": "the warehouse is neither in this import nor known",
    "missing_layout": "the warehouse has no layout (send layout.csv with it)",
    "forbidden_warehouse": "your account may not change this warehouse",
    "unknown_location": "the location is neither in this import nor known",
    "unknown_sku": "the SKU is neither in this import nor known",
    "unknown_zone": "the zone is not one of the layout's zones",
    "outside_layout": "the aisle / cell lies outside the warehouse's layout",
    "outside_zone": "the location's aisle is outside its zone's aisles",
    "invalid_reference": "the row names a row of this import that is itself invalid",
    "lot_required": "the SKU is lot controlled: a lot is needed",
    "expiry_required": "the SKU is expiry controlled: an expiry date is needed",
    "over_capacity": "the location would hold more units than its capacity",
    "below_allocated": "less than the units already allocated to open pick tasks",
    "below_reserved": "the SKU's on-hand would fall below the units reserved for orders",
    "write_conflict": "the data changed between the check and the write; the row was not written",
}


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong: ``row`` is the 1-based data row (0 = the file or the request as a whole)."""

    kind: str
    row: int
    field: str
    code: str
    message: str


class KindCount(msgspec.Struct):
    rows: int = 0
    valid: int = 0
    written: int = 0


class ImportProgress(msgspec.Struct):
    """Where a running or queued import is: ``phase`` is the kind being written, ``done`` of
    ``total`` clean rows are written (every chunk updates it)."""

    status: str = "queued"  # queued | validating | writing | then the final status
    phase: str = ""
    done: int = 0
    total: int = 0
    job_id: str = ""
    error: str = ""
    updated_ms: int = 0


class ImportReport(msgspec.Struct):
    """The answer to an import. ``status``: valid | invalid (a dry run); imported | partial |
    refused (a run: partial = only the valid rows were written); queued | running | failed (a job).
    At most ``MAX_REPORTED`` problems are listed; ``problem_count`` counts them all."""

    import_id: str
    status: str
    format: str = "csv"
    valid_only: bool = False
    repeat: bool = False
    counts: dict[str, KindCount] = msgspec.field(default_factory=dict)
    problems: list[Problem] = msgspec.field(default_factory=list)
    problem_count: int = 0
    job_id: str = ""
    started_ms: int = 0
    finished_ms: int = 0
    progress: ImportProgress | None = None  # while queued / running / after a failure


MAX_REPORTED = 1000


class ImportRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What to import. ``kinds`` empty = the kinds of the files sent; the files travel separately."""

    import_id: str
    kinds: list[str] = msgspec.field(default_factory=list)
    format: str = "csv"
    valid_only: bool = False


class Zone(msgspec.Struct, frozen=True):
    name: str
    first_aisle: int = 0  # 0 = the zone is not tied to aisles (a reserve area, a cold room)
    last_aisle: int = 0


class WarehouseRow(msgspec.Struct, frozen=True):
    warehouse: str
    name: str
    time_zone: str = DEFAULT_TIME_ZONE
    tote_scan: bool = False  # the handheld confirms totes (docs/handheld.md)


class LayoutRow(msgspec.Struct, frozen=True):
    warehouse: str
    aisles: int
    cells: int
    aisle_distance_m: float = 5.0
    cell_length_m: float = 1.0
    front_gap_m: float = 1.5
    back_gap_m: float = 1.5
    depot_aisle: int = 1
    depot_position: str = "front"
    cross_aisles: tuple[int, ...] = ()
    zones: tuple[Zone, ...] = ()

    def layout(self) -> Layout:
        return Layout(
            warehouse=self.warehouse, aisles=self.aisles, cells=self.cells,
            aisle_distance=self.aisle_distance_m, cell_length=self.cell_length_m,
            front_gap=self.front_gap_m, back_gap=self.back_gap_m, depot_aisle=self.depot_aisle,
            middle_cross_aisles=self.cross_aisles,
        )


class LocationRow(msgspec.Struct, frozen=True):
    warehouse: str
    code: str
    kind: str  # pick_face | reserve
    capacity: int
    aisle: int = 0  # 0 = not in the pick layout (reserve only)
    cell: int = 0
    level: int = 0
    zone: str = ""
    min_units: int = 0
    max_units: int = 0


class SkuRow(msgspec.Struct, frozen=True):
    warehouse: str
    sku: str
    gtin: str  # GTIN-14
    name_zh: str = ""
    name_en: str = ""
    weight_g: int = 0
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    category: str = ""
    case_gtin: str = ""
    case_units: int = 0
    inner_gtin: str = ""
    inner_units: int = 0
    lot_controlled: bool = False
    expiry_controlled: bool = False
    serial_controlled: bool = False

    @property
    def name(self) -> str:
        """The single display name older screens show (English, else Chinese)."""
        return self.name_en or self.name_zh


class StockRow(msgspec.Struct, frozen=True):
    warehouse: str
    location: str
    sku: str
    quantity: int
    lot: str = ""
    expiry: str = ""  # YYYY-MM-DD


class PickerRow(msgspec.Struct, frozen=True):
    warehouse: str
    picker_id: str
    badge: str
    name: str
    pin: str  # plain until the store hashes it; never reported


class UserRow(msgspec.Struct, frozen=True):
    username: str
    role: str
    warehouses: tuple[str, ...]
    password: str  # plain until the store hashes it; never reported


ROW_TYPES: dict[str, type[msgspec.Struct]] = {
    "warehouses": WarehouseRow, "layout": LayoutRow, "locations": LocationRow, "skus": SkuRow,
    "stock": StockRow, "pickers": PickerRow, "users": UserRow,
}


class CleanImport(msgspec.Struct):
    """The rows that passed every check, per kind, in file order."""

    warehouses: list[WarehouseRow] = msgspec.field(default_factory=list)
    layout: list[LayoutRow] = msgspec.field(default_factory=list)
    locations: list[LocationRow] = msgspec.field(default_factory=list)
    skus: list[SkuRow] = msgspec.field(default_factory=list)
    stock: list[StockRow] = msgspec.field(default_factory=list)
    pickers: list[PickerRow] = msgspec.field(default_factory=list)
    users: list[UserRow] = msgspec.field(default_factory=list)
    numbers: dict[str, list[int]] = msgspec.field(default_factory=dict)  # kind -> row numbers, in step

    def rows(self, kind: str) -> list[msgspec.Struct]:
        return list(getattr(self, kind))

    def add(self, kind: str, number: int, row: msgspec.Struct) -> None:
        getattr(self, kind).append(row)
        self.numbers.setdefault(kind, []).append(number)

    def drop(self, kind: str, index: int) -> None:
        del getattr(self, kind)[index]
        del self.numbers[kind][index]


class SkuStock(msgspec.Struct):
    """Current counters of one SKU (only for SKUs that stock rows name)."""

    on_hand: int = 0
    reserved: int = 0
    locations: dict[str, int] = msgspec.field(default_factory=dict)  # pick face -> units
    allocated: dict[str, int] = msgspec.field(default_factory=dict)  # pick face -> units on open tasks


class Existing(msgspec.Struct):
    """Current master data of the warehouses an import names (empty = a fresh Redis).

    Keys of the per-warehouse dicts are warehouse ids."""

    layouts: dict[str, Layout] = msgspec.field(default_factory=dict)
    zones: dict[str, dict[str, Zone]] = msgspec.field(default_factory=dict)
    skus: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)  # sku -> unit GTIN-14
    gtins: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)  # any GTIN-14 -> sku
    lot_controlled: dict[str, set[str]] = msgspec.field(default_factory=dict)
    expiry_controlled: dict[str, set[str]] = msgspec.field(default_factory=dict)
    locations: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)  # code -> kind
    capacity: dict[str, dict[str, int]] = msgspec.field(default_factory=dict)  # code -> capacity
    bins: dict[str, dict[str, dict[str, int]]] = msgspec.field(default_factory=dict)  # loc -> sku -> units
    stock: dict[str, dict[str, SkuStock]] = msgspec.field(default_factory=dict)
    badges: dict[str, tuple[str, str]] = msgspec.field(default_factory=dict)  # badge -> (warehouse, picker)
    users: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)  # username -> its warehouses now
