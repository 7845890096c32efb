"""Readers and writers of the Heßler–Irnich text format (routing and order-batching instances).

A file is ``KEY : VALUE`` header lines, then ``ARTICLE_SECTION``, ``SKU_SECTION`` and
``ORDER_SECTION``, then ``EOF``.  In the file CELL counts from the cross-aisle opposite the depot
(the TOP when ``DEPOT_LOCATION : bottom``); the kernels count cells from the depot side (the front),
so the readers convert once here and keep ``file_cells`` for output.  ``DEPOT_LOCATION : top`` is
read as the mirror image, which leaves every distance unchanged.  The two-block variant adds a
middle cross-aisle of width 1 in the middle of every aisle (between cells C/2 and C/2+1 counted
from 1, the same cut from either end when C is even).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from kernels.layout import FloatArray, IntArray, Warehouse


class FormatError(ValueError):
    """The file does not follow the format; the message names the file and line."""


@dataclass(frozen=True)
class Layout:
    """A warehouse as read from a file; ``depot_offset`` is the depot's distance off the cross-aisle."""

    warehouse: Warehouse
    depot_offset: float
    depot_on_top: bool

    def front_cells(self, file_cells: IntArray) -> IntArray:
        """Cells counted from the depot side, as the kernels want them."""
        if self.depot_on_top:
            return file_cells.copy()
        return (self.warehouse.n_cells - 1 - file_cells).astype(np.int64)

    def file_cells(self, front_cells: IntArray) -> IntArray:
        """Inverse of :meth:`front_cells` (the map is its own inverse)."""
        return self.front_cells(front_cells)


@dataclass(frozen=True)
class RoutingInstance:
    """A single picker routing instance: one position per article to pick."""

    name: str
    layout: Layout
    aisles: IntArray
    file_cells: IntArray

    @property
    def cells(self) -> IntArray:
        return self.layout.front_cells(self.file_cells)


@dataclass(frozen=True)
class BatchingInstance:
    """An order batching instance; per order the aisle, file cell, quantity and weight of each line."""

    name: str
    layout: Layout
    capacity: int
    order_aisles: list[IntArray]
    order_file_cells: list[IntArray]
    order_quantities: list[IntArray]
    order_weights: list[FloatArray]

    def order_cells(self) -> list[IntArray]:
        return [self.layout.front_cells(cells) for cells in self.order_file_cells]


def _lines(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.replace(":", " : ").split()
        if words:
            yield number, words


def _fields(words: list[str]) -> dict[str, str]:
    return {words[i]: words[i + 1] for i in range(0, len(words) - 1, 2)}


def _parse(path: str) -> tuple[dict[str, str], dict[str, list[dict[str, str]]], list[list[dict[str, str]]]]:
    with open(path, encoding="latin-1") as handle:
        text = handle.read()
    name = os.path.basename(path)
    header: dict[str, str] = {}
    sections: dict[str, list[dict[str, str]]] = {"ARTICLE_SECTION": [], "SKU_SECTION": [], "ORDER_SECTION": []}
    orders: list[list[dict[str, str]]] = []
    section = ""
    for number, words in _lines(text, name):
        try:
            if words[0] in sections:
                section = words[0]
            elif words[0] == "EOF":
                break
            elif len(words) >= 3 and words[1] == ":":
                if section == "ORDER_SECTION" and words[0] == "NUM_ARTICLES_IN_ORDER":
                    orders.append([])
                elif not section:
                    header[words[0]] = " ".join(words[2:])
            elif words[0] == "ID" and section:
                sections[section].append(_fields(words))
                if section == "ORDER_SECTION" and orders:
                    orders[-1].append(_fields(words))
            else:
                raise FormatError(f"{name}:{number}: unexpected line {' '.join(words)!r}")
        except IndexError as error:
            raise FormatError(f"{name}:{number}: truncated line") from error
    return header, sections, orders


def read_layout(header: dict[str, str], two_blocks: bool = False) -> Layout:
    """Warehouse of a parsed header; ``two_blocks`` adds the middle cross-aisle of the 2-block variant."""
    try:
        cells = int(header["NUM_CELLS"])
        on_top = header.get("DEPOT_LOCATION", "bottom").strip().lower() == "top"
        near = float(header["DISTANCE_TOP_TO_CELL" if on_top else "DISTANCE_BOTTOM_TO_CELL"])
        far = float(header["DISTANCE_BOTTOM_TO_CELL" if on_top else "DISTANCE_TOP_TO_CELL"])
        warehouse = Warehouse(
            n_aisles=int(header["NUM_AISLES"]), n_cells=cells,
            aisle_distance=float(header["DISTANCE_AISLE_TO_AISLE"]),
            cell_length=float(header["DISTANCE_CELL_TO_CELL"]), front_gap=near, back_gap=far,
            depot_aisle=int(header["DEPOT_AISLE"]),
            middle_cross_aisles=(cells // 2,) if two_blocks or "two" in header.get("LAYOUT", "") else ())
        offset = float(header.get("DISTANCE_TOP_OR_BOTTOM_TO_DEPOT", "0"))
    except (KeyError, ValueError) as error:
        raise FormatError(f"bad or missing header field: {error}") from error
    return Layout(warehouse, offset, on_top)


def _positions(sections: dict[str, list[dict[str, str]]]) -> dict[int, tuple[int, int]]:
    positions: dict[int, tuple[int, int]] = {}
    for sku in sections["SKU_SECTION"]:
        # scattered storage: the first position listed for an article is the one used
        positions.setdefault(int(sku["ID"]), (int(sku["AISLE"]), int(sku["CELL"])))
    return positions


def read_routing(path: str, two_blocks: bool = False) -> RoutingInstance:
    """Read a ``Single_picker_routing`` file; raises :class:`FormatError`."""
    header, sections, _ = _parse(path)
    layout = read_layout(header, two_blocks)
    positions = _positions(sections)
    try:
        picks = [positions[int(line["ID"])] for line in sections["ORDER_SECTION"]]
    except KeyError as error:
        raise FormatError(f"{os.path.basename(path)}: article {error} has no SKU position") from error
    aisles = np.array([p[0] for p in picks], dtype=np.int64)
    cells = np.array([p[1] for p in picks], dtype=np.int64)
    return RoutingInstance(os.path.basename(path), layout, aisles, cells)


def read_batching(path: str, two_blocks: bool = False) -> BatchingInstance:
    """Read an ``Order_batching`` file; raises :class:`FormatError`."""
    header, sections, orders = _parse(path)
    name = os.path.basename(path)
    layout = read_layout(header, two_blocks)
    positions = _positions(sections)
    weight = {int(a["ID"]): float(a.get("WEIGHT", "1")) for a in sections["ARTICLE_SECTION"]}
    if "PICKER_CAPACITY" not in header:
        raise FormatError(f"{name}: missing PICKER_CAPACITY")
    aisles, cells, quantities, weights = [], [], [], []
    for lines in orders:
        try:
            ids = [int(line["ID"]) for line in lines]
            aisles.append(np.array([positions[i][0] for i in ids], dtype=np.int64))
            cells.append(np.array([positions[i][1] for i in ids], dtype=np.int64))
            quantities.append(np.array([int(line.get("QUANTITY", "1")) for line in lines], dtype=np.int64))
            weights.append(np.array([weight.get(i, 1.0) for i in ids], dtype=np.float64))
        except KeyError as error:
            raise FormatError(f"{name}: article {error} has no SKU position") from error
    return BatchingInstance(name, layout, int(header["PICKER_CAPACITY"]), aisles, cells, quantities, weights)


def _write_header(out: TextIO, name: str, kind: str, layout: Layout, extra: dict[str, str]) -> None:
    w = layout.warehouse
    rows = {
        "NAME": name, "TYPE": kind, "COMMENT": "generated by python -m kernels.instances",
        "LAYOUT": "single-block" if not w.middle_cross_aisles else "two-block",
        "NUM_AISLES": str(w.n_aisles), "NUM_CELLS": str(w.n_cells), "DEPOT_AISLE": str(w.depot_aisle),
        "DEPOT_LOCATION": "top" if layout.depot_on_top else "bottom", **extra,
        "DISTANCE_AISLE_TO_AISLE": f"{w.aisle_distance:g}", "DISTANCE_CELL_TO_CELL": f"{w.cell_length:g}",
        "DISTANCE_TOP_TO_CELL": f"{w.back_gap if not layout.depot_on_top else w.front_gap:g}",
        "DISTANCE_BOTTOM_TO_CELL": f"{w.front_gap if not layout.depot_on_top else w.back_gap:g}",
        "DISTANCE_TOP_OR_BOTTOM_TO_DEPOT": f"{layout.depot_offset:g}",
    }
    out.writelines(f"{key} : {value}\n" for key, value in rows.items())


def write_routing(out: TextIO, instance: RoutingInstance) -> None:
    """Write ``instance`` (one article per pick, article i at pick i)."""
    _write_header(out, instance.name, "Single_picker_routing", instance.layout, {})
    n = instance.aisles.shape[0]
    out.write(f"ARTICLE_SECTION\nNUM_ARTICLES : {n}\n")
    out.writelines(f"ID {i}\n" for i in range(n))
    out.write(f"SKU_SECTION\nNUM_SKUS : {n}\n")
    for i in range(n):
        out.write(f"ID {i} AISLE {instance.aisles[i]} CELL {instance.file_cells[i]} QUANTITY 1 "
                  "LEFT_RIGHT_HAND_SIDE left\n")
    out.write(f"ORDER_SECTION\nNUM_ARTICLES : {n}\n")
    out.writelines(f"ID {i} QUANTITY 1\n" for i in range(n))
    out.write("EOF\n")


def write_batching(out: TextIO, instance: BatchingInstance) -> None:
    """Write ``instance``; one article per distinct (aisle, cell) position."""
    _write_header(out, instance.name, "Order_batching", instance.layout,
                  {"PICKER_CAPACITY": str(instance.capacity)})
    articles: dict[tuple[int, int], int] = {}
    lines = []
    for aisles, cells, quantities in zip(instance.order_aisles, instance.order_file_cells,
                                         instance.order_quantities, strict=True):
        lines.append([(articles.setdefault((int(a), int(c)), len(articles)), int(q))
                      for a, c, q in zip(aisles, cells, quantities, strict=True)])
    out.write(f"ARTICLE_SECTION\nNUM_ARTICLES : {len(articles)}\n")
    out.writelines(f"ID {k} WEIGHT 1\n" for k in range(len(articles)))
    out.write(f"SKU_SECTION\nNUM_SKUS : {len(articles)}\n")
    for (aisle, cell), k in articles.items():
        out.write(f"ID {k} AISLE {aisle} CELL {cell} QUANTITY 1 LEFT_RIGHT_HAND_SIDE left\n")
    out.write(f"ORDER_SECTION\nNUM_ORDERS : {len(lines)}\n")
    for order in lines:
        out.write(f"NUM_ARTICLES_IN_ORDER : {len(order)}\n")
        out.writelines(f"ID {k} QUANTITY {q}\n" for k, q in order)
    out.write("EOF\n")
