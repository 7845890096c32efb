"""Imports on a real redis-server: the demo CSVs, all-or-nothing vs valid rows only, idempotency,
re-imports, and the existing scripts (intake, wave release, scans) working on imported data."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from bench.import_bench import make_files
from floor.accounts.model import User
from floor.floor import Floor
from floor.inventory.model import AdjustStock
from floor.onboarding import service, store
from floor.onboarding.demo_files import demo_badge, demo_files, demo_username
from floor.onboarding.model import ImportRequest
from floor.onboarding.validate import check, needs, parse_files
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from floor.waves.model import ReleaseWave
from tests.floor.onboarding.rows import base, gtin13, pack, to_csv


async def test_the_demo_csvs_load_and_the_floor_runs_on_them(floor: Floor, wh: str) -> None:
    demo = await service.load_demo_csv(floor, warehouse=wh, passwords={"supervisor": "super-secret-1"})
    counts = {kind: (c.rows, c.valid, c.written) for kind, c in demo.report.counts.items()}
    assert counts == {"warehouses": (1, 1, 1), "layout": (1, 1, 1), "locations": (372, 372, 372), "skus": (600, 600, 600),
                      "stock": (732, 732, 732), "pickers": (5, 5, 5), "users": (4, 4, 4)}
    assert demo.report.status == "imported" and demo.report.problem_count == 0
    assert await floor.catalog.count(wh) == 600
    layout = await floor.layouts.get(wh)
    assert (layout.aisles, layout.cells, layout.depot_aisle) == (12, 30, 1)
    assert wh in await floor.layouts.warehouses()
    # Stock as the existing scripts keep it: on hand = sum of pick faces; reserve stock apart.
    first = await floor.inventory.level(wh, "SKU00001")
    assert first.on_hand == sum(first.locations.values()) == 80 and first.reserved == 0
    assert await floor.client.hget(keys.key(wh, "sku_reserve", "SKU00001"), f"{wh}-R01-01") == "240"
    for n in range(1, 601, 37):
        stock = await floor.inventory.level(wh, f"SKU{n:05d}")
        assert stock.on_hand == sum(stock.locations.values()) > 0
    assert await floor.client.xlen(keys.key(wh, "events")) == 720  # one stock_adjusted per pick-face row
    assert (await floor.accounts.login_picker(demo_badge("B0001", wh), "1001", "test")).warehouse == wh
    assert (await floor.accounts.login_user(demo_username("supervisor", wh), "super-secret-1", "test")).role == "supervisor"
    attrs = await floor.client.hgetall(keys.key(wh, "sku_attrs", "SKU00006"))
    assert attrs["name_zh"].endswith("6号") and attrs["case_units"] == "12" and attrs["inner_units"] == "6"
    site = await floor.client.hgetall(keys.key(wh, "site"))
    assert (site["time_zone"], site["tote_scan"]) == ("Asia/Shanghai", "0")  # tote_scan: docs/handheld.md

    # The existing use cases on imported data: an order reserves, a wave releases, scans pick.
    _repeat, order = await floor.orders.intake(wh, NewOrder(channel="manual", external_id=f"{wh}-1", warehouse=wh,
                                                       lines=[OrderLine(sku="SKU00001", quantity=2)]))
    assert order.status == "reserved"
    _repeat, wave = await floor.waves.release(wh, ReleaseWave("w1", order_ids=[order.order_id], planner="serpentine"))
    await floor.picking.join(wh, "picker1", "sock-1", 60_000)
    task_id = await floor.picking.assign(wh, "picker1")
    task = await floor.picking.task(wh, task_id)
    step = task.steps[0]
    assert task_id == wave.tasks[0] and step.sku == "SKU00001"
    verdicts = [await floor.picking.scan(wh, "picker1", task_id, f"s{n}", code, 1)
                for n, code in enumerate([step.location, step.gtin, step.gtin])]
    assert all(msgspec.json.decode(v)["verdict"] == "ok" for _r, v in verdicts), verdicts
    after = await floor.inventory.level(wh, "SKU00001")
    assert after.on_hand == 78 and after.locations[step.location] == first.locations[step.location] - 2


async def test_one_bad_row_refuses_the_whole_import(client: Any, wh: str) -> None:
    rows = base(wh)
    rows["skus"][1]["gtin"] = "6909990000020"  # bad check digit
    before = await client.dbsize()
    report = await service.run_import(client, "admin", ImportRequest(f"{wh}-imp-1"), to_csv(rows))
    assert report.status == "refused" and report.problem_count == 2
    assert {(p.kind, p.row, p.code) for p in report.problems} == {("skus", 2, "bad_check_digit"), ("stock", 2, "invalid_reference")}
    assert all(c.written == 0 for c in report.counts.values())
    # Nothing of the warehouse was written: only the import's own record and progress keys exist.
    assert await client.dbsize() == before + 2
    assert not await client.exists(keys.key(wh, "layout"), keys.key(wh, "sku", "A-1"), keys.key(wh, "gtin"))


async def test_valid_only_writes_the_valid_rows(floor: Floor, wh: str) -> None:
    rows = base(wh)
    rows["skus"][1]["gtin"] = "6909990000020"  # A-2 is wrong, and so its stock row
    report = await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-imp-1", valid_only=True), to_csv(rows))
    assert report.status == "partial" and report.problem_count == 2
    assert {k: (c.rows, c.valid, c.written) for k, c in report.counts.items()}["skus"] == (3, 2, 2)
    assert report.counts["stock"].written == 4
    assert await floor.catalog.count(wh) == 2
    assert not await floor.client.exists(keys.key(wh, "sku", "A-2"))
    assert (await floor.inventory.level(wh, "A-1")).on_hand == 40
    lots = await floor.client.hgetall(keys.key(wh, "sku_lots", "A-3"))
    assert lots == {f"{wh}-A02-C10|L1": "10", f"{wh}-A02-C10|L2": "5"}
    assert await floor.client.hget(keys.key(wh, "lot_expiry", "A-3"), "L2") == "2027-03-31"


async def test_an_import_id_is_idempotent_per_sender(floor: Floor, wh: str) -> None:
    files = to_csv(base(wh))
    first = await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-same"), files)
    assert first.status == "imported" and not first.repeat
    events = await floor.client.xlen(keys.key(wh, "events"))
    changed = base(wh)
    changed["stock"][0]["quantity"] = "7"
    changed["skus"][0]["name_en"] = "Renamed"
    again = await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-same"), to_csv(changed))
    assert again.repeat and again.status == "imported" and again.counts == first.counts
    assert (await floor.inventory.level(wh, "A-1")).on_hand == 40
    assert await floor.client.hget(keys.key(wh, "sku", "A-1"), "name") == "Tea cup"
    assert await floor.client.xlen(keys.key(wh, "events")) == events
    # Another sender's id is its own: the same id runs (and sets the new quantity).
    other = await service.run_import(floor.client, "other-admin", ImportRequest(f"{wh}-same"), to_csv(changed))
    assert not other.repeat and other.status == "imported"
    assert (await floor.inventory.level(wh, "A-1")).on_hand == 7
    assert await floor.client.hget(keys.key(wh, "sku", "A-1"), "name") == "Renamed"
    # A refused import keeps its report too: the id is spent (fix the file, send a new id).
    bad = base(wh)
    bad["stock"][0]["quantity"] = "-1"
    refused = await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-bad-1"), to_csv(bad))
    assert refused.status == "refused"
    assert (await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-bad-1"), files)).repeat


async def test_concurrent_runs_of_one_id_write_once(floor: Floor, wh: str) -> None:
    files = to_csv(base(wh))
    reports = await asyncio.gather(*[service.run_import(floor.client, "admin", ImportRequest(f"{wh}-race"), files) for _ in range(4)])
    fresh = [r for r in reports if r.status == "imported" and not r.repeat]
    assert len(fresh) == 1 and all(r.status in ("imported", "validating", "writing") for r in reports)
    assert await floor.client.xlen(keys.key(wh, "events")) == 3  # at their pick faces, once


async def test_a_reimport_sets_stock_and_moves_gtins(floor: Floor, wh: str) -> None:
    await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-one"), to_csv(base(wh)))
    _repeat, order = await floor.orders.intake(wh, NewOrder(channel="manual", external_id=f"{wh}-r", warehouse=wh,
                                                       lines=[OrderLine(sku="A-1", quantity=30)]))
    assert order.status == "reserved"
    rows = base(wh)
    rows["skus"][0].update(gtin=gtin13(7), case_gtin=pack(3, gtin13(7)), inner_gtin="", inner_units="")
    rows["stock"][0]["quantity"] = "25"  # 30 are reserved: refused as a whole
    report = await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-two"), to_csv(rows))
    assert report.status == "refused" and {p.code for p in report.problems} == {"below_reserved"}
    rows["stock"][0]["quantity"] = "35"
    report = await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-three"), to_csv(rows))
    assert report.status == "imported", report.problems
    stock = await floor.inventory.level(wh, "A-1")
    assert (stock.on_hand, stock.reserved, stock.locations) == (35, 30, {f"{wh}-A01-C01": 35})
    gtins = await floor.client.hgetall(keys.key(wh, "gtin"))
    packs = await floor.client.hgetall(keys.key(wh, "pack_gtin"))
    assert gtins["0" + gtin13(7)] == "A-1" and "0" + gtin13(1) not in gtins
    assert set(packs) == {pack(1, gtin13(2))[:0] + pack(3, gtin13(7))}  # old case and inner GTINs freed
    # The freed GTIN can go to another SKU now.
    follow = to_csv({"skus": [{"warehouse": wh, "sku": "A-9", "gtin": gtin13(1), "name_en": "new owner"}]})
    assert (await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-four"), follow)).status == "imported"


async def test_stock_refuses_at_write_time_what_changed_after_the_check(floor: Floor, wh: str) -> None:
    """The Lua guard, not only the snapshot: a SKU reserved between check and write is not written."""
    await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-one"), to_csv(base(wh)))
    rows = base(wh)
    rows["stock"][1]["quantity"] = "10"  # A-2 down from 30 to 10: fine when checked ...
    request = ImportRequest(f"{wh}-two")
    parsed = parse_files(request, to_csv(rows))
    existing = await store.load_existing(floor.client, needs(parsed))
    report, clean = check(request, parsed, existing)
    assert report.status == "valid"
    await floor.orders.intake(wh, NewOrder(channel="manual", external_id=f"{wh}-x", warehouse=wh,
                                      lines=[OrderLine(sku="A-2", quantity=30)]))  # ... but then 30 are reserved

    async def progress(kind: str, done: int) -> None:
        return None

    written, late = await store.Writer(floor.client, "admin", f"import:admin:{wh}-two", progress).write(clean, existing)
    assert [(p.kind, p.row, p.code) for p in late] == [("stock", 2, "write_conflict")] and "below_reserved" in late[0].message
    assert written["stock"] == 4 and (await floor.inventory.level(wh, "A-2")).on_hand == 30


async def test_a_5000_sku_import_and_its_progress(client: Any) -> None:
    files = make_files(5000, "BX5")
    report = await service.run_import(client, "bench", ImportRequest("b5"), files)
    assert report.status == "imported" and {k: c.written for k, c in report.counts.items()} == {
        "warehouses": 1, "layout": 1, "locations": 5000, "skus": 5000, "stock": 5000}
    assert await client.hlen(keys.key("BX5", "gtin")) == 5000 and await client.hlen(keys.key("BX5", "pack_gtin")) == 2500
    status = await service.import_status(client, "bench", "b5")
    assert status.status == "imported" and status.finished_ms >= status.started_ms > 0
    progress = await client.hgetall(keys.import_key("progress", "bench:b5"))
    assert progress["status"] == "imported" and progress["done"] == progress["total"] == "15002"


async def test_status_of_unknown_and_crashed_imports(client: Any) -> None:
    assert (await service.import_status(client, "admin", "never")).status == "unknown"
    await client.hset(keys.import_key("progress", "admin:crashed"), mapping={"status": "writing", "done": 5, "total": 9})
    crashed = await service.import_status(client, "admin", "crashed")
    assert crashed.status == "failed" and crashed.progress is not None and crashed.progress.done == 5


async def test_demo_passwords_are_random_when_not_given(floor: Floor, wh: str) -> None:
    demo = await service.load_demo_csv(floor, warehouse=wh)
    passwords = {password for _u, _r, password in demo.users}
    assert len(passwords) == 4 and all(len(p) >= 12 for p in passwords)
    assert b",," not in demo_files(wh, {"supervisor": "x" * 8})["users"].split(b"\n")[1]
    assert (await service.load_demo_csv(floor, warehouse=wh)).report.repeat


async def test_adjust_stock_still_works_on_an_imported_location(floor: Floor, wh: str) -> None:
    await service.run_import(floor.client, "admin", ImportRequest(f"{wh}-one"), to_csv(base(wh)))
    result = await floor.inventory.adjust(wh, AdjustStock("adj-1", "A-2", f"{wh}-A02-C01", -5, "damage"), "sup")
    assert result.on_hand == 25 and (await floor.stock.at_location(wh, f"{wh}-A02-C01")) == {"A-2": 25}


async def test_a_scoped_sender_changes_only_its_warehouses(floor: Floor, wh: str) -> None:
    await service.run_import(floor.client, "root", ImportRequest(f"{wh}-all"), to_csv(base(wh)))
    await floor.accounts.put_user(User("boss-" + wh.lower(), "admin", ["*"]), "old-password-1")
    takeover = to_csv({"users": [{"username": "boss-" + wh.lower(), "role": "admin", "warehouses": wh, "password": "new-password-1"}]})
    report = await service.run_import(floor.client, "w-admin", ImportRequest(f"{wh}-u"), takeover, warehouses=(wh,))
    assert report.status == "refused" and report.problems[0].code == "forbidden_warehouse"
    assert (await floor.accounts.login_user("boss-" + wh.lower(), "old-password-1", "test")).role == "admin"
    other = to_csv({"skus": [{"warehouse": "ZZ9", "sku": "X", "gtin": gtin13(9), "name_en": "x"}]})
    report = await service.run_import(floor.client, "w-admin", ImportRequest(f"{wh}-o"), other, warehouses=(wh,))
    assert [p.code for p in report.problems] == ["forbidden_warehouse"]
