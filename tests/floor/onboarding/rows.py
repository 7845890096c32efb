"""A small valid import to mutate: each validation test breaks exactly one thing in it."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from floor.catalog.model import gtin_check_digit, make_gtin13
from floor.onboarding.columns import COLUMNS


def gtin13(n: int) -> str:
    return make_gtin13("690999", n)


def pack(indicator: int, gtin: str) -> str:
    body = f"{indicator}{gtin[:12]}"
    return body + str(gtin_check_digit(body))


def base(wh: str = "V1") -> dict[str, list[dict[str, Any]]]:
    """2 aisles x 10 cells, 4 pick faces + 1 reserve, 3 SKUs (one lot + expiry controlled), stock, a picker, a user."""
    return {
        "warehouses": [{"warehouse": wh, "name": "验证仓 Validation DC", "time_zone": "Asia/Shanghai"}],
        "layout": [{"warehouse": wh, "aisles": "2", "cells": "10", "zones": "A:1-1;B:2-2;RES"}],
        "locations": [
            {"warehouse": wh, "code": f"{wh}-A01-C01", "kind": "pick_face", "capacity": "100", "aisle": "1", "cell": "1", "zone": "A"},
            {"warehouse": wh, "code": f"{wh}-A01-C02", "kind": "pick_face", "capacity": "100", "aisle": "1", "cell": "2",
             "min_units": "5", "max_units": "80"},
            {"warehouse": wh, "code": f"{wh}-A02-C01", "kind": "pick_face", "capacity": "100", "aisle": "2", "cell": "1", "zone": "B"},
            {"warehouse": wh, "code": f"{wh}-A02-C10", "kind": "pick_face", "capacity": "100", "aisle": "2", "cell": "10"},
            {"warehouse": wh, "code": f"{wh}-R01", "kind": "reserve", "capacity": "1000", "zone": "RES"},
        ],
        "skus": [
            {"warehouse": wh, "sku": "A-1", "gtin": gtin13(1), "name_zh": "茶杯", "name_en": "Tea cup", "weight_g": "350",
             "case_gtin": pack(1, gtin13(1)), "case_units": "12", "inner_gtin": pack(2, gtin13(1)), "inner_units": "6"},
            {"warehouse": wh, "sku": "A-2", "gtin": gtin13(2), "name_en": "Towel"},
            {"warehouse": wh, "sku": "A-3", "gtin": gtin13(3), "name_zh": "饼干", "lot_controlled": "yes", "expiry_controlled": "1"},
        ],
        "stock": [
            {"warehouse": wh, "location": f"{wh}-A01-C01", "sku": "A-1", "quantity": "40"},
            {"warehouse": wh, "location": f"{wh}-A02-C01", "sku": "A-2", "quantity": "30"},
            {"warehouse": wh, "location": f"{wh}-A02-C10", "sku": "A-3", "quantity": "10", "lot": "L1", "expiry": "2027-01-31"},
            {"warehouse": wh, "location": f"{wh}-A02-C10", "sku": "A-3", "quantity": "5", "lot": "L2", "expiry": "2027-03-31"},
            {"warehouse": wh, "location": f"{wh}-R01", "sku": "A-1", "quantity": "240"},
        ],
        "pickers": [{"warehouse": wh, "picker_id": f"{wh.lower()}p1", "badge": f"{wh}-BADGE-1", "name": "王芳 Wang Fang", "pin": "4321"}],
        "users": [{"username": f"sup-{wh.lower()}", "role": "supervisor", "warehouses": wh, "password": "correct horse"}],
    }


def to_csv(rows: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
    files = {}
    for kind, items in rows.items():
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=[c.name for c in COLUMNS[kind]], lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow({name: item.get(name, "") for name in writer.fieldnames})
        files[kind] = out.getvalue().encode("utf-8")
    return files


def to_json(rows: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
    return {kind: msgspec.json.encode(items) for kind, items in rows.items()}
