"""Warehouse layout: parallel aisles, cells along each aisle, cross-aisles, a depot.

Location codes are human: ``W1-A03-C12`` is warehouse W1, aisle 3, cell 12 (both 1-based, cell 1
nearest the front cross-aisle where the depot is). Aisles have shelves on both sides; a cell is
one pick position along the aisle, so both sides of a cell share the walking position.

:meth:`Layout.walk_order` orders pick positions serpentine (S-shape): the baseline planner's
order. The optimal planner routes with the kernels (:mod:`floor.waves.optimal`).
"""

from __future__ import annotations

import re

import msgspec

from floor.core.errors import ValidationError

_WAREHOUSE_ID = re.compile(r"[A-Z][A-Z0-9]{0,7}")
_LOCATION = re.compile(r"([A-Z][A-Z0-9]{0,7})-A([0-9]{2,3})-C([0-9]{2,3})")


def check_warehouse_id(warehouse: str) -> str:
    """Return ``warehouse`` if it is a valid id (``W1``, ``SH2``...), else raise ValidationError."""
    if not _WAREHOUSE_ID.fullmatch(warehouse):
        raise ValidationError(f"warehouse id '{warehouse}' must be 1-8 upper-case letters/digits")
    return warehouse


class Location(msgspec.Struct, frozen=True):
    warehouse: str
    aisle: int  # 1-based
    cell: int  # 1-based from the front cross-aisle

    @property
    def code(self) -> str:
        return f"{self.warehouse}-A{self.aisle:02d}-C{self.cell:02d}"


def parse_location(code: str) -> Location | None:
    """Parse ``W1-A03-C12``; ``None`` when the text is not a location code."""
    match = _LOCATION.fullmatch(code)
    if match is None:
        return None
    return Location(match.group(1), int(match.group(2)), int(match.group(3)))


def is_location_code(code: str) -> bool:
    return _LOCATION.fullmatch(code) is not None


class Layout(msgspec.Struct, frozen=True):
    """A single-block (or multi-block) rectangular warehouse.

    Distances are in metres: ``aisle_distance`` centre to centre, ``cell_length`` between
    adjacent cells, ``front_gap``/``back_gap`` from the cross-aisles to the first/last cell.
    ``middle_cross_aisles`` lists cells k (1-based) *before* which a cross-aisle runs.
    """

    warehouse: str
    aisles: int
    cells: int
    aisle_distance: float = 5.0
    cell_length: float = 1.0
    front_gap: float = 1.5
    back_gap: float = 1.5
    depot_aisle: int = 1
    middle_cross_aisles: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_warehouse_id(self.warehouse)
        if not (1 <= self.aisles <= 999 and 1 <= self.cells <= 999):
            raise ValidationError("a layout needs 1-999 aisles and 1-999 cells per aisle")
        if not 1 <= self.depot_aisle <= self.aisles:
            raise ValidationError(f"depot aisle {self.depot_aisle} is outside 1..{self.aisles}")

    def location(self, aisle: int, cell: int) -> Location:
        if not (1 <= aisle <= self.aisles and 1 <= cell <= self.cells):
            raise ValidationError(f"aisle {aisle} cell {cell} is outside the {self.warehouse} layout")
        return Location(self.warehouse, aisle, cell)

    def check_location(self, code: str) -> Location:
        """Parse and bounds-check a location code of this warehouse."""
        location = parse_location(code)
        if location is None:
            raise ValidationError(f"'{code}' is not a location code (expected like {self.warehouse}-A03-C12)")
        if location.warehouse != self.warehouse:
            raise ValidationError(f"location {code} is not in warehouse {self.warehouse}")
        return self.location(location.aisle, location.cell)

    def walk_order(self, positions: list[tuple[int, int]]) -> list[int]:
        """Indices of ``positions`` ((aisle, cell), 1-based) in serpentine visiting order.

        Aisles are visited left to right; odd-numbered visits walk up the aisle, even ones down.
        """
        aisles = sorted({a for a, _ in positions})
        rank = {aisle: i for i, aisle in enumerate(aisles)}

        def key(index: int) -> tuple[int, int]:
            aisle, cell = positions[index]
            up = rank[aisle] % 2 == 0
            return (aisle, cell if up else -cell)

        return sorted(range(len(positions)), key=key)
