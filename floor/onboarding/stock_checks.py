"""Checks of stock rows taken together: capacity, allocations, reservations (pure).

An import *sets* the units of a SKU at a location (the sum of its rows there, one per lot); the
SKU's other locations keep theirs. So rows are judged per group ``(warehouse, sku, location)``:
a group is written whole or not at all (writing part of it would set the location to too little).
"""

from __future__ import annotations

from collections import defaultdict

from floor.onboarding.model import Existing, StockRow

Key = tuple[str, str, str]  # warehouse, sku, location
Flag = tuple[int, str, str, str]  # row number, field, problem code, message


def check_stock_totals(
    candidates: list[tuple[int, StockRow]],
    kinds: dict[tuple[str, str], str],
    capacity: dict[tuple[str, str], int],
    existing: Existing,
) -> list[Flag]:
    """Problems of rows that are fine alone but not together.

    ``candidates`` are every stock row in file order, the row number negated for rows already
    found invalid; ``kinds`` / ``capacity`` map ``(warehouse, location)`` for every location
    (this import's valid ones and the known ones).
    """
    flags: list[Flag] = []
    groups: dict[Key, list[tuple[int, StockRow]]] = defaultdict(list)
    for number, row in candidates:
        groups[(row.warehouse, row.sku, row.location)].append((number, row))

    live: dict[Key, int] = {}  # group -> units it sets
    for key, members in groups.items():
        if any(number < 0 for number, _ in members):
            _flag(flags, members, "location", "invalid_reference",
                  f"another row of SKU {key[1]} at {key[2]} is invalid; a location's units are set from all its rows together")
        else:
            live[key] = sum(row.quantity for _, row in members)

    by_location: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for key in live:
        by_location[(key[0], key[2])].append(key)
    for (w, loc), keys in by_location.items():
        held = existing.bins.get(w, {}).get(loc, {})
        replaced = {key[1] for key in keys}
        total = sum(units for sku, units in held.items() if sku not in replaced) + sum(live[key] for key in keys)
        if total > capacity.get((w, loc), 0):
            for key in keys:
                _flag(flags, groups[key], "quantity", "over_capacity",
                      f"{loc} would hold {total} units; its capacity is {capacity.get((w, loc), 0)}")
                del live[key]

    for key in list(live):
        w, sku, loc = key
        allocated = existing.stock.get(w, {}).get(sku)
        need = allocated.allocated.get(loc, 0) if allocated and kinds.get((w, loc)) == "pick_face" else 0
        if live[key] < need:
            _flag(flags, groups[key], "quantity", "below_allocated",
                  f"{need} units of {sku} at {loc} are allocated to open pick tasks; the import sets {live[key]}")
            del live[key]

    by_sku: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for key in live:
        if kinds.get((key[0], key[2])) == "pick_face":
            by_sku[(key[0], key[1])].append(key)
    for (w, sku), keys in by_sku.items():
        now = existing.stock.get(w, {}).get(sku)
        if now is None:
            continue
        on_hand = now.on_hand + sum(live[key] - now.locations.get(key[2], 0) for key in keys)
        if on_hand < now.reserved:
            for key in keys:
                _flag(flags, groups[key], "quantity", "below_reserved",
                      f"{sku} would have {on_hand} units on hand but {now.reserved} are reserved for orders")
    return flags


def _flag(flags: list[Flag], members: list[tuple[int, StockRow]], field: str, code: str, message: str) -> None:
    for number, _row in members:
        if number > 0:
            flags.append((number, field, code, message))
