"""Warehouse geometry shared by every kernel.

A rectangular parallel-aisle warehouse: ``n_aisles`` vertical aisles numbered left to right, a front
cross-aisle (where the depot is) at height 0, a back cross-aisle at the top and optionally middle
cross-aisles.  Every pick position is (aisle, cell) with cell 0 nearest the front.  The kernels never
see cells: :meth:`Warehouse.offsets` turns cells into distances above the front cross-aisle once,
and :meth:`Warehouse.cross_aisle_offsets` gives the heights of the cross-aisles.  Both are plain
float64 arrays, which is what the ``@njit`` code works on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class LayoutError(ValueError):
    """A warehouse or a pick position is not consistent (raised before any kernel runs)."""


@dataclass(frozen=True)
class Warehouse:
    """A rectangular warehouse; every distance in the same unit (metres, or file units).

    ``middle_cross_aisles`` holds cell indices k: a cross-aisle of width ``cross_aisle_width`` lies
    between cell k-1 and cell k of every aisle, so walking from cell k-1 to cell k in one aisle costs
    ``cell_length + cross_aisle_width``.  The depot sits on the front cross-aisle at ``depot_aisle``.
    """

    n_aisles: int
    n_cells: int
    aisle_distance: float = 5.0
    cell_length: float = 1.0
    front_gap: float = 1.5
    back_gap: float = 1.5
    depot_aisle: int = 0
    middle_cross_aisles: tuple[int, ...] = ()
    cross_aisle_width: float = 1.0

    def __post_init__(self) -> None:
        if self.n_aisles < 1 or self.n_cells < 1:
            raise LayoutError(f"need at least one aisle and one cell, got {self.n_aisles}x{self.n_cells}")
        if not 0 <= self.depot_aisle < self.n_aisles:
            raise LayoutError(f"depot aisle {self.depot_aisle} outside 0..{self.n_aisles - 1}")
        if min(self.aisle_distance, self.cell_length, self.front_gap, self.back_gap) < 0:
            raise LayoutError("distances must be non-negative")
        middles = self.middle_cross_aisles
        if list(middles) != sorted(set(middles)) or any(not 0 < k < self.n_cells for k in middles):
            raise LayoutError(f"middle cross-aisles {middles} must be increasing cells in 1..{self.n_cells - 1}")

    @property
    def n_blocks(self) -> int:
        """Number of blocks (cross-aisles minus one)."""
        return len(self.middle_cross_aisles) + 1

    @property
    def aisle_length(self) -> float:
        """Height of the back cross-aisle above the front cross-aisle."""
        return float(self.cross_aisle_offsets()[-1])

    def cross_aisle_offsets(self) -> FloatArray:
        """Heights of all cross-aisles, front (0.0) first, back last; a middle one at its centre line."""
        heights = [0.0]
        half = (self.cell_length + self.cross_aisle_width) / 2.0
        for k in self.middle_cross_aisles:
            heights.append(self._offset(k) - half)
        heights.append(self._offset(self.n_cells - 1) + self.back_gap)
        return np.array(heights, dtype=np.float64)

    def _offset(self, cell: int) -> float:
        crossed = sum(1 for k in self.middle_cross_aisles if k <= cell)
        return self.front_gap + cell * self.cell_length + crossed * self.cross_aisle_width

    def offsets(self, cells: npt.ArrayLike) -> FloatArray:
        """Distance of each cell above the front cross-aisle (vectorised, validated)."""
        cell_array = np.ascontiguousarray(cells, dtype=np.int64)
        if cell_array.size and (cell_array.min() < 0 or cell_array.max() >= self.n_cells):
            raise LayoutError(f"cell outside 0..{self.n_cells - 1}")
        crossed = np.zeros(cell_array.shape, dtype=np.float64)
        for k in self.middle_cross_aisles:
            crossed += cell_array >= k
        return self.front_gap + cell_array * self.cell_length + crossed * self.cross_aisle_width

    def check_aisles(self, aisles: npt.ArrayLike) -> IntArray:
        """Aisles as a contiguous int64 array; raises :class:`LayoutError` when one is out of range."""
        aisle_array = np.ascontiguousarray(aisles, dtype=np.int64)
        if aisle_array.size and (aisle_array.min() < 0 or aisle_array.max() >= self.n_aisles):
            raise LayoutError(f"aisle outside 0..{self.n_aisles - 1}")
        return aisle_array
