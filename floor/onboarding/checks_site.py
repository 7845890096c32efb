"""Checks of warehouses, layouts and locations, and the helpers every check uses (pure).

:class:`SiteChecker` holds the state of one check run: the rows kept so far (``clean``), the keys
of rows found invalid (so later rows naming them get ``invalid_reference``), and the layouts and
zones in force (known ones, replaced by this import's valid ones).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from floor.core.errors import ValidationError
from floor.layout.model import Layout, Location, check_warehouse_id, parse_location
from floor.onboarding.columns import KEYS
from floor.onboarding.model import (
    CleanImport,
    Existing,
    LayoutRow,
    LocationRow,
    Problem,
    SkuRow,
    StockRow,
    WarehouseRow,
    Zone,
)
from floor.onboarding.parse import CODE_CHARS, is_ascii_digits, show


def is_warehouse_id(text: str) -> bool:
    try:
        check_warehouse_id(text)
    except ValidationError:
        return False
    return True


class SiteChecker:
    """Row checks in kind order; ``clean`` collects the rows that passed."""

    def __init__(self, existing: Existing, allowed: Collection[str]) -> None:
        self.existing = existing
        self.all_warehouses = "*" in allowed
        self.allowed = set(allowed)
        self.problems: list[Problem] = []
        self.clean = CleanImport()
        self.invalid: dict[str, set[Any]] = defaultdict(set)  # kind -> keys of invalid rows of this import
        self.layouts: dict[str, Layout] = dict(existing.layouts)
        self.zones: dict[str, dict[str, Zone]] = {w: dict(z) for w, z in existing.zones.items()}
        self.new_warehouses: dict[str, int] = {}  # warehouse -> row, valid warehouse rows
        self.locations: dict[tuple[str, str], tuple[str, int]] = {}  # (w, code) -> (kind, capacity)
        self.skus: dict[tuple[str, str], SkuRow] = {}
        self.failed_stock: list[tuple[int, StockRow]] = []  # (-row, key fields) of stock rows with a bad field

    # -- helpers ------------------------------------------------------------------------------
    def failed(self, kind: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Rows with a bad field: their keys (when those parsed) make references to them
        ``invalid_reference``; bad stock rows also spoil the other rows of their group."""
        names = KEYS[kind]
        for number, values in rows:
            if all(name in values for name in names if name != "lot"):
                key = tuple(values.get(name, "") for name in names)
                self.invalid[kind].add(key[0] if len(key) == 1 else key)
                if kind == "stock":
                    self.failed_stock.append((-number, StockRow(quantity=0, **{n: values.get(n, "") for n in names})))
    def problem(self, kind: str, row: int, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(kind, row, field, code, message))

    def scope(self, kind: str, row: int, warehouse: str, field: str = "warehouse") -> bool:
        """Warehouse id form and the caller's right to change it; False (with a problem) when not."""
        if not is_warehouse_id(warehouse):
            self.problem(kind, row, field, "bad_code", f"warehouse {show(warehouse)} must be 1-8 upper-case letters/digits, starting with a letter")
            return False
        if not self.all_warehouses and warehouse not in self.allowed:
            self.problem(kind, row, field, "forbidden_warehouse", f"you may not change warehouse {warehouse}")
            return False
        return True

    def known_warehouse(self, kind: str, row: int, warehouse: str, field: str = "warehouse") -> bool:
        if warehouse in self.layouts:
            return True
        if warehouse in self.invalid["layout"] or warehouse in self.invalid["warehouses"]:
            self.problem(kind, row, field, "invalid_reference", f"warehouse {warehouse} has an invalid row in this import")
        elif warehouse in self.new_warehouses:
            self.problem(kind, row, field, "missing_layout", f"warehouse {warehouse} has no layout yet (send layout.csv with it)")
        else:
            self.problem(kind, row, field, "unknown_warehouse", f"warehouse {warehouse} is not in this import and not known")
        return False

    def keep(self, kind: str, number: int, key: Any, ok: bool, row: Any) -> None:
        if ok:
            self.clean.add(kind, number, row)
        else:
            self.invalid[kind].add(key)

    def first(self, seen: dict[Any, int], key: Any, kind: str, number: int, field: str, what: str) -> bool:
        """True the first time ``key`` is seen; a ``duplicate`` problem after that."""
        if key in seen:
            self.problem(kind, number, field, "duplicate", f"{what} is also on row {seen[key]}; the first row wins")
            return False
        seen[key] = number
        return True

    # -- warehouses and layouts ----------------------------------------------------------------
    def check_warehouses(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seen: dict[Any, int] = {}
        for number, values in rows:
            w = values["warehouse"]
            ok = self.scope("warehouses", number, w) and self.first(seen, w, "warehouses", number, "warehouse", f"warehouse {w}")
            if ok:
                self.new_warehouses[w] = number
            self.keep("warehouses", number, w, ok, WarehouseRow(**values))

    def check_layout(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seen: dict[Any, int] = {}
        for number, values in rows:
            w = values["warehouse"]
            ok = self.scope("layout", number, w) and self.first(seen, w, "layout", number, "warehouse", f"the layout of {w}")
            if ok and w not in self.new_warehouses and w not in self.existing.layouts:
                ok = self.known_warehouse("layout", number, w)
            cross = self.cross_aisles(number, values)
            zones = self.zone_list(number, values)
            row = None
            if ok and cross is not None and zones is not None:
                row = LayoutRow(**{**values, "cross_aisles": cross, "zones": zones})
                ok = self.layout_fits(number, row)
            else:
                ok = False
            self.keep("layout", number, w, ok, row)
            if ok and row is not None:
                self.layouts[w] = row.layout()
                self.zones[w] = {zone.name: zone for zone in row.zones}

    def cross_aisles(self, number: int, values: dict[str, Any]) -> tuple[int, ...] | None:
        cells, result = values["cells"], []
        for item in values.get("cross_aisles", ()):
            if not is_ascii_digits(item) or not 2 <= int(item) <= cells:
                self.problem("layout", number, "cross_aisles", "out_of_range", f"cross aisle {show(item)} must be a cell number 2..{cells}")
                return None
            result.append(int(item))
        if result != sorted(set(result)):
            self.problem("layout", number, "cross_aisles", "bad_format", "cross aisles must be listed once each, in ascending order")
            return None
        return tuple(result)

    def zone_list(self, number: int, values: dict[str, Any]) -> tuple[Zone, ...] | None:
        aisles, zones = values["aisles"], {}
        for item in values.get("zones", ()):
            name, _, span = item.partition(":")
            first, _, last = span.partition("-")
            if not name or len(name) > 16 or any(ch not in CODE_CHARS for ch in name):
                self.problem("layout", number, "zones", "bad_code", f"zone {show(item)}: a name is 1-16 ASCII letters, digits, . _ - /")
                return None
            if span and not (is_ascii_digits(first) and is_ascii_digits(last) and 1 <= int(first) <= int(last) <= aisles):
                self.problem("layout", number, "zones", "out_of_range", f"zone {show(item)}: aisles are written first-last within 1..{aisles}")
                return None
            if name in zones:
                self.problem("layout", number, "zones", "duplicate", f"zone {name} is listed twice")
                return None
            zones[name] = Zone(name, int(first), int(last)) if span else Zone(name)
        return tuple(zones.values())

    def layout_fits(self, number: int, row: LayoutRow) -> bool:
        if row.depot_aisle > row.aisles:
            self.problem("layout", number, "depot_aisle", "outside_layout", f"depot aisle {row.depot_aisle} is beyond aisle {row.aisles}")
            return False
        outside = sorted(
            code for code, kind in self.existing.locations.get(row.warehouse, {}).items()
            if kind == "pick_face" and (loc := parse_location(code)) is not None
            and (loc.aisle > row.aisles or loc.cell > row.cells)
        )
        if outside:
            self.problem("layout", number, "aisles", "outside_layout",
                         f"{len(outside)} known pick faces would lie outside this layout, e.g. {', '.join(outside[:3])}")
            return False
        return True

    # -- locations -----------------------------------------------------------------------------
    def check_locations(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seen: dict[Any, int] = {}
        for number, values in rows:
            row = LocationRow(**values)
            w, code = row.warehouse, row.code
            ok = (self.scope("locations", number, w)
                  and self.first(seen, (w, code.upper()), "locations", number, "code", f"location {code} (letter case aside)")
                  and self.known_warehouse("locations", number, w))
            ok = ok and self.location_fits(number, row)
            self.keep("locations", number, (w, code), ok, row)
            if ok:
                self.locations[(w, code)] = (row.kind, row.capacity)

    def location_fits(self, number: int, row: LocationRow) -> bool:
        layout, w = self.layouts[row.warehouse], row.warehouse
        before = self.existing.locations.get(w, {}).get(row.code)
        if before is not None and before != row.kind:
            self.problem("locations", number, "kind", "bad_choice", f"{row.code} is known as a {before}; an import cannot change its kind")
            return False
        if not row.code.startswith(w + "-"):
            self.problem("locations", number, "code", "bad_code", f"a location code of {w} starts with '{w}-'")
            return False
        if row.kind == "pick_face":
            if not row.aisle or not row.cell:
                self.problem("locations", number, "aisle" if not row.aisle else "cell", "required", "a pick face needs its aisle and cell")
                return False
            canonical = Location(w, row.aisle, row.cell).code
            if row.code != canonical:
                self.problem("locations", number, "code", "bad_code", f"the pick face at aisle {row.aisle} cell {row.cell} is coded {canonical}")
                return False
        elif parse_location(row.code) is not None:
            self.problem("locations", number, "code", "bad_code", f"{row.code} reads as a pick face code; give reserve locations another form (like {w}-R01-01)")
            return False
        if (row.aisle or row.cell) and not (1 <= row.aisle <= layout.aisles and 1 <= row.cell <= layout.cells):
            self.problem("locations", number, "aisle", "outside_layout", f"aisle {row.aisle} cell {row.cell} is outside {w}'s {layout.aisles} x {layout.cells} layout")
            return False
        return self.zone_fits(number, row) and self.limits_fit(number, row)

    def zone_fits(self, number: int, row: LocationRow) -> bool:
        if not row.zone:
            return True
        zone = self.zones.get(row.warehouse, {}).get(row.zone)
        if zone is None:
            names = ", ".join(sorted(self.zones.get(row.warehouse, {}))) or "none"
            self.problem("locations", number, "zone", "unknown_zone", f"zone {row.zone} is not a zone of {row.warehouse} (zones: {names})")
            return False
        if zone.first_aisle and row.aisle and not zone.first_aisle <= row.aisle <= zone.last_aisle:
            self.problem("locations", number, "zone", "outside_zone", f"aisle {row.aisle} is outside zone {zone.name} (aisles {zone.first_aisle}-{zone.last_aisle})")
            return False
        return True

    def limits_fit(self, number: int, row: LocationRow) -> bool:
        if row.kind == "reserve" and (row.min_units or row.max_units):
            self.problem("locations", number, "min_units", "inconsistent_limits", "min/max units apply to pick faces only")
            return False
        top = row.max_units or row.capacity
        if row.max_units > row.capacity or row.min_units > top:
            self.problem("locations", number, "max_units", "inconsistent_limits",
                         f"need min_units <= max_units <= capacity (got {row.min_units}, {row.max_units}, {row.capacity})")
            return False
        held = sum(self.existing.bins.get(row.warehouse, {}).get(row.code, {}).values())
        if held > row.capacity:
            self.problem("locations", number, "capacity", "inconsistent_limits", f"{row.code} holds {held} units now, more than capacity {row.capacity}")
            return False
        return True

    def finish(self) -> None:
        """Warehouse rows whose layout is neither valid in this import nor known."""
        valid_layouts = {row.warehouse for row in self.clean.layout} | set(self.existing.layouts)
        for index in reversed(range(len(self.clean.warehouses))):
            row = self.clean.warehouses[index]
            if row.warehouse not in valid_layouts:
                number = self.clean.numbers["warehouses"][index]
                code = "invalid_reference" if row.warehouse in self.invalid["layout"] else "missing_layout"
                self.problem("warehouses", number, "warehouse", code, f"warehouse {row.warehouse} needs a valid layout (layout.csv)")
                self.clean.drop("warehouses", index)

