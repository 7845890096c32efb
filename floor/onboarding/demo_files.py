"""The demo warehouse's import files (``floor/onboarding/demo/*.csv``), ready to import.

The files describe warehouse ``W1`` and leave passwords empty (they are also the templates users
copy). :func:`demo_files` can re-home them to another warehouse id (tests load many demo
warehouses into one Redis: badges and usernames are global, so they get the id as a prefix /
suffix) and fill in passwords.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from importlib import resources

from floor.onboarding.model import KINDS

DEMO_WAREHOUSE = "W1"


def demo_files(warehouse: str = DEMO_WAREHOUSE, passwords: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """kind -> CSV bytes. ``passwords``: username (as in users.csv) -> password for its empty cell."""
    folder = resources.files("floor.onboarding") / "demo"
    files: dict[str, bytes] = {}
    for kind in KINDS:
        data = (folder / f"{kind}.csv").read_bytes()
        if warehouse != DEMO_WAREHOUSE or (kind == "users" and passwords):
            data = _rewrite(kind, data, warehouse, passwords or {})
        files[kind] = data
    return files


def demo_username(username: str, warehouse: str = DEMO_WAREHOUSE) -> str:
    return username if warehouse == DEMO_WAREHOUSE else f"{username}-{warehouse.lower()}"


def demo_badge(badge: str, warehouse: str = DEMO_WAREHOUSE) -> str:
    return badge if warehouse == DEMO_WAREHOUSE else f"{warehouse}{badge}"


def _rewrite(kind: str, data: bytes, warehouse: str, passwords: Mapping[str, str]) -> bytes:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or ()), lineterminator="\n")
    writer.writeheader()
    rehome = warehouse != DEMO_WAREHOUSE
    for row in reader:
        if rehome:
            if "warehouse" in row:
                row["warehouse"] = warehouse
            for column in ("code", "location"):
                if column in row and row[column].startswith(DEMO_WAREHOUSE + "-"):
                    row[column] = warehouse + row[column][len(DEMO_WAREHOUSE):]
            if "badge" in row:
                row["badge"] = demo_badge(row["badge"], warehouse)
        if kind == "users":
            if not row["password"]:
                row["password"] = passwords.get(row["username"], "")
            if rehome:
                row["username"] = demo_username(row["username"], warehouse)
                row["warehouses"] = warehouse
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
