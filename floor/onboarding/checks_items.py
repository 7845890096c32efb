"""Checks of SKUs, stock, pickers and users (pure): :class:`Checker` is the whole row checker."""

from __future__ import annotations

from typing import Any

from floor.onboarding.checks_site import SiteChecker
from floor.onboarding.model import PickerRow, SkuRow, StockRow, UserRow
from floor.onboarding.parse import show
from floor.onboarding.stock_checks import check_stock_totals


class Checker(SiteChecker):
    # -- SKUs -------------------------------------------------------------------------------------
    def check_skus(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seen: dict[Any, int] = {}
        gtins: dict[tuple[str, str], tuple[str, int]] = {}  # (w, gtin) -> (sku, row) in this import
        known = {(w, sku.upper()): sku for w, skus in self.existing.skus.items() for sku in skus}
        for number, values in rows:
            row = SkuRow(**values)
            w, sku = row.warehouse, row.sku
            ok = self.scope("skus", number, w) and self.known_warehouse("skus", number, w)
            ok = ok and self.first(seen, (w, sku.upper()), "skus", number, "sku", f"SKU {sku} (letter case aside)")
            if ok and known.get((w, sku.upper()), sku) != sku:
                self.problem("skus", number, "sku", "duplicate", f"SKU {sku} differs only in letter case from the known SKU {known[(w, sku.upper())]}")
                ok = False
            if not row.name_zh and not row.name_en:
                self.problem("skus", number, "name_en", "required", "a SKU needs name_zh or name_en (or both)")
                ok = False
            ok = self.units_fit(number, row) and ok
            ok = ok and self.gtins_free(number, row, gtins)
            self.keep("skus", number, (w, sku), ok, row)
            if ok:
                self.skus[(w, sku)] = row

    def units_fit(self, number: int, row: SkuRow) -> bool:
        problems = []
        for pack, gtin, units in (("case", row.case_gtin, row.case_units), ("inner", row.inner_gtin, row.inner_units)):
            if bool(gtin) != bool(units):
                problems.append((f"{pack}_units", f"{pack}_gtin and {pack}_units go together"))
            elif units == 1:
                problems.append((f"{pack}_units", f"a {pack} holds at least 2 units"))
            if gtin and gtin == row.gtin:
                problems.append((f"{pack}_gtin", f"the {pack} GTIN equals the unit GTIN"))
        if row.case_units and row.inner_units:
            if row.inner_units >= row.case_units:
                problems.append(("inner_units", f"an inner pack ({row.inner_units}) must hold fewer units than a case ({row.case_units})"))
            elif row.case_units % row.inner_units:
                problems.append(("inner_units", f"a case of {row.case_units} cannot hold whole inner packs of {row.inner_units}"))
        if row.case_gtin and row.case_gtin == row.inner_gtin:
            problems.append(("inner_gtin", "the inner GTIN equals the case GTIN"))
        for field, message in problems:
            self.problem("skus", number, field, "inconsistent_units", message)
        return not problems

    def gtins_free(self, number: int, row: SkuRow, taken: dict[tuple[str, str], tuple[str, int]]) -> bool:
        ok = True
        known = self.existing.gtins.get(row.warehouse, {})
        for field, gtin in (("gtin", row.gtin), ("case_gtin", row.case_gtin), ("inner_gtin", row.inner_gtin)):
            if not gtin:
                continue
            other = taken.get((row.warehouse, gtin))
            if other is not None:
                self.problem("skus", number, field, "duplicate_gtin", f"GTIN {gtin} is also on row {other[1]} (SKU {other[0]})")
                ok = False
            elif known.get(gtin, row.sku) != row.sku:
                self.problem("skus", number, field, "duplicate_gtin", f"GTIN {gtin} already belongs to SKU {known[gtin]}")
                ok = False
        if ok:
            for gtin in (row.gtin, row.case_gtin, row.inner_gtin):
                if gtin:
                    taken[(row.warehouse, gtin)] = (row.sku, number)
        return ok

    # -- stock, pickers, users -----------------------------------------------------------------------
    def check_stock(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seen: dict[Any, int] = {}
        expiries: dict[tuple[str, str, str], tuple[str, int]] = {}
        candidates: list[tuple[int, StockRow]] = list(self.failed_stock)
        for number, values in rows:
            row = StockRow(**values)
            w = row.warehouse
            ok = (self.scope("stock", number, w)
                  and self.first(seen, (w, row.location, row.sku, row.lot), "stock", number, "lot",
                                 f"SKU {row.sku} lot {show(row.lot)} at {row.location}")
                  and self.known_warehouse("stock", number, w))
            ok = ok and self.stock_refs(number, row)
            if ok and row.lot and row.expiry:
                first = expiries.setdefault((w, row.sku, row.lot), (row.expiry, number))
                if first[0] != row.expiry:
                    self.problem("stock", number, "expiry", "inconsistent_expiry", f"lot {row.lot} of {row.sku} has expiry {first[0]} on row {first[1]}")
                    ok = False
            candidates.append((number, row) if ok else (-number, row))
        kinds = {key: kind for key, (kind, _cap) in self.locations.items()}
        capacity = {key: cap for key, (_kind, cap) in self.locations.items()}
        for w, codes in self.existing.locations.items():
            for code, kind in codes.items():
                kinds.setdefault((w, code), kind)
                capacity.setdefault((w, code), self.existing.capacity.get(w, {}).get(code, 0))
        flagged = set()
        for number, field, code, message in check_stock_totals(candidates, kinds, capacity, self.existing):
            self.problem("stock", number, field, code, message)
            flagged.add(number)
        for number, row in candidates:
            ok = number > 0 and number not in flagged
            self.keep("stock", abs(number), (row.warehouse, row.location, row.sku, row.lot), ok, row)

    def stock_refs(self, number: int, row: StockRow) -> bool:
        w = row.warehouse
        if (w, row.location) not in self.locations and row.location not in self.existing.locations.get(w, {}):
            code = "invalid_reference" if (w, row.location) in self.invalid["locations"] else "unknown_location"
            self.problem("stock", number, "location", code, f"location {row.location} is not a valid location of {w} in this import or known")
            return False
        sku = self.skus.get((w, row.sku))
        if sku is None and row.sku not in self.existing.skus.get(w, {}):
            code = "invalid_reference" if (w, row.sku) in self.invalid["skus"] else "unknown_sku"
            self.problem("stock", number, "sku", code, f"SKU {row.sku} is not a valid SKU of {w} in this import or known")
            return False
        lot_control = sku.lot_controlled if sku else row.sku in self.existing.lot_controlled.get(w, set())
        expiry_control = sku.expiry_controlled if sku else row.sku in self.existing.expiry_controlled.get(w, set())
        if lot_control and not row.lot:
            self.problem("stock", number, "lot", "lot_required", f"SKU {row.sku} is lot controlled: give the lot")
            return False
        if expiry_control and not row.expiry:
            self.problem("stock", number, "expiry", "expiry_required", f"SKU {row.sku} is expiry controlled: give the expiry date")
            return False
        return True

    def check_pickers(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seen: dict[Any, int] = {}
        badges: dict[Any, int] = {}
        for number, values in rows:
            row = PickerRow(**values)
            w = row.warehouse
            ok = (self.scope("pickers", number, w)
                  and self.first(seen, (w, row.picker_id), "pickers", number, "picker_id", f"picker {row.picker_id}")
                  and self.first(badges, row.badge, "pickers", number, "badge", f"badge {row.badge}")
                  and self.known_warehouse("pickers", number, w))
            owner = self.existing.badges.get(row.badge)
            if ok and owner is not None and owner != (w, row.picker_id):
                self.problem("pickers", number, "badge", "duplicate", f"badge {row.badge} belongs to picker {owner[1]} of {owner[0]}")
                ok = False
            self.keep("pickers", number, (w, row.picker_id), ok, row)

    def check_users(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        seen: dict[Any, int] = {}
        for number, values in rows:
            row = UserRow(**values)
            ok = self.first(seen, row.username.lower(), "users", number, "username", f"user {row.username} (letter case aside)")
            for w in row.warehouses:
                if w == "*":
                    if not self.all_warehouses:
                        self.problem("users", number, "warehouses", "forbidden_warehouse", "only an account for every warehouse may grant '*'")
                        ok = False
                    elif len(row.warehouses) > 1:
                        self.problem("users", number, "warehouses", "bad_format", "'*' stands alone")
                        ok = False
                elif not (self.scope("users", number, w, "warehouses") and self.known_warehouse("users", number, w, "warehouses")):
                    ok = False
            now = self.existing.users.get(row.username, ())
            if ok and not self.all_warehouses and any(w == "*" or w not in self.allowed for w in now):
                self.problem("users", number, "username", "forbidden_warehouse",
                             f"user {row.username} exists with warehouses you may not change ({', '.join(now)})")
                ok = False
            self.keep("users", number, row.username, ok, row)
