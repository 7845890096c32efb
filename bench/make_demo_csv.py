"""Write the demo warehouse as import CSV files (run once; the output is committed).

    python bench/make_demo_csv.py [out_dir]     # default: floor/onboarding/demo

The layout, SKUs (GTIN-13s), stocked locations and pickers come from ``floor.demo.demo_data`` /
``demo_credentials`` (12 aisles x 30 cells, 600 SKUs, 5 pickers); this adds what the demo never
had: names in Chinese and English, dimensions, case / inner pack GTINs, lot and expiry control,
zones, location capacities and a few reserve locations. Passwords are left empty on purpose:
``load_demo_csv`` fills them in; a copy used as a template must set its own.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from floor.catalog.model import gtin_check_digit  # noqa: E402
from floor.onboarding.columns import COLUMNS  # noqa: E402
from floor.run.demo import demo_credentials, demo_data  # noqa: E402

ITEMS = [  # (zh, en, lot and expiry controlled)
    ("茶杯", "tea cup", False), ("毛巾", "towel", False), ("牙刷", "toothbrush", False),
    ("保温杯", "vacuum flask", False), ("笔记本", "notebook", False), ("雨伞", "umbrella", False),
    ("拖鞋", "slippers", False), ("洗发水", "shampoo", True), ("饼干", "biscuits", True),
    ("绿茶", "green tea", True), ("酱油", "soy sauce", True), ("大米", "rice", True),
    ("面条", "noodles", True), ("手套", "gloves", False), ("电池", "batteries", False),
    ("数据线", "USB cable", False), ("台灯", "desk lamp", False), ("剪刀", "scissors", False),
    ("胶带", "tape", False), ("袜子", "socks", False),
]
VARIANTS = [("红色", "Red"), ("蓝色", "Blue"), ("白色", "White"), ("黑色", "Black"), ("绿色", "Green"),
            ("小号", "Small"), ("大号", "Large"), ("家庭装", "Family pack")]
ZONES = (("FAST", 1, 4), ("MID", 5, 8), ("BULK", 9, 12))
PICK_CAPACITY = 200


def pack_gtin(indicator: int, gtin14: str) -> str:
    body = f"{indicator}{gtin14[1:13]}"
    return body + str(gtin_check_digit(body))


def write(folder: Path, kind: str, rows: list[dict[str, object]]) -> None:
    names = [column.name for column in COLUMNS[kind]]
    with (folder / f"{kind}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in names})


def main(out: Path) -> None:
    rng = random.Random(2026)
    data = demo_data("W1")
    credentials = demo_credentials("W1")
    layout = data.layout
    out.mkdir(parents=True, exist_ok=True)
    write(out, "warehouses", [{"warehouse": "W1", "name": "上海演示仓 Shanghai demo DC", "time_zone": "Asia/Shanghai"}])
    zones = ";".join(f"{name}:{first}-{last}" for name, first, last in ZONES) + ";RESERVE"
    write(out, "layout", [{
        "warehouse": "W1", "aisles": layout.aisles, "cells": layout.cells, "aisle_distance_m": layout.aisle_distance,
        "cell_length_m": layout.cell_length, "front_gap_m": layout.front_gap, "back_gap_m": layout.back_gap,
        "depot_aisle": layout.depot_aisle, "depot_position": "front", "cross_aisles": "", "zones": zones,
    }])
    locations: list[dict[str, object]] = []
    for aisle in range(1, layout.aisles + 1):
        zone = next(name for name, first, last in ZONES if first <= aisle <= last)
        for cell in range(1, layout.cells + 1):
            locations.append({"warehouse": "W1", "code": layout.location(aisle, cell).code, "kind": "pick_face",
                              "capacity": PICK_CAPACITY, "aisle": aisle, "cell": cell, "level": 1 + (cell % 3),
                              "zone": zone, "min_units": 10, "max_units": 150})
    reserves = [f"W1-R01-{n:02d}" for n in range(1, 13)]
    locations += [{"warehouse": "W1", "code": code, "kind": "reserve", "capacity": 5000, "zone": "RESERVE"}
                  for code in reserves]
    write(out, "locations", locations)

    skus: list[dict[str, object]] = []
    controlled: set[str] = set()
    for n, sku in enumerate(data.skus, start=1):
        item_zh, item_en, lots = ITEMS[(n - 1) % len(ITEMS)]
        variant_zh, variant_en = VARIANTS[((n - 1) // len(ITEMS)) % len(VARIANTS)]
        row: dict[str, object] = {
            "warehouse": "W1", "sku": sku.sku, "gtin": sku.gtin[1:],  # GTIN-13 as printed on the item
            "name_zh": f"{variant_zh}{item_zh} {n}号", "name_en": f"{variant_en} {item_en} No. {n}",
            "weight_g": sku.weight_g, "length_mm": rng.randint(30, 400), "width_mm": rng.randint(30, 300),
            "height_mm": rng.randint(10, 300), "lot_controlled": str(lots).lower(),
            "expiry_controlled": str(lots).lower(), "serial_controlled": "false",
        }
        if n % 3 == 0:
            row.update(case_gtin=pack_gtin(1, sku.gtin), case_units=12)
        if n % 6 == 0:
            row.update(inner_gtin=pack_gtin(2, sku.gtin), inner_units=6)
        if lots:
            controlled.add(sku.sku)
        skus.append(row)
    write(out, "skus", skus)

    stock: list[dict[str, object]] = []
    held: dict[str, int] = {}
    for index, (sku_code, location, units) in enumerate(data.stock):
        row = {"warehouse": "W1", "location": location, "sku": sku_code, "quantity": units}
        if sku_code in controlled:
            row.update(lot=f"L26{index % 12 + 1:02d}{index % 7}", expiry=f"2027-{index % 12 + 1:02d}-28")
        stock.append(row)
        held[location] = held.get(location, 0) + units
    assert max(held.values()) <= PICK_CAPACITY, max(held.values())
    for number, code in enumerate(reserves):  # back stock of the fastest movers
        sku_code = data.skus[number].sku
        row = {"warehouse": "W1", "location": code, "sku": sku_code, "quantity": 240}
        if sku_code in controlled:
            row.update(lot=f"R2606{number}", expiry="2027-06-30")
        stock.append(row)
    write(out, "stock", stock)
    write(out, "pickers", [{"warehouse": "W1", "picker_id": p, "badge": b, "name": p.title(), "pin": pin}
                           for p, b, pin in credentials.pickers])
    write(out, "users", [{"username": u, "role": role, "warehouses": "*", "password": ""}
                         for u, role, _secret in credentials.users])
    print(f"wrote {len(skus)} SKUs, {len(locations)} locations, {len(stock)} stock rows to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "floor" / "onboarding" / "demo")
