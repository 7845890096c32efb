"""The ledger next to the counters: every move is an entry written by the same script; the check
re-derives every counter, finds drift and compensates it; the ATS formula."""

from __future__ import annotations

import os
import subprocess
import sys

import msgspec
import pytest

from floor.availability.model import (
    ChannelProfile,
    Listing,
    StockSettings,
    StockState,
    channel_ats,
    listing_ats,
)
from floor.core.errors import InsufficientStockError
from floor.floor import Floor
from floor.store import keys
from tests.conftest import ROOT
from tests.floor.oms_setup import stock_warehouse
from tests.redis_server import RedisServer


def test_ats_formula_share_buffer_cap_and_bundles() -> None:
    states = [StockState("W1", "A", on_hand=10, reserved=2, unavailable=1, safety=2),  # 5
              StockState("W2", "A", on_hand=3, reserved=4),  # oversold view: counts 0, not -1
              StockState("W3", "A", on_hand=100)]  # not allowed for this channel
    base = ChannelProfile(channel="taobao", shop="s", warehouses=["W1", "W2"])
    assert channel_ats(base, states) == 5
    assert channel_ats(msgspec.structs.replace(base, share_pct=50), states) == 2
    assert channel_ats(msgspec.structs.replace(base, buffer_units=7), states) == 0
    assert channel_ats(msgspec.structs.replace(base, cap=3), states) == 3
    kit = Listing(listing="K", components=[("A", 2), ("B", 1)])
    b = [StockState("W1", "B", on_hand=1)]
    assert listing_ats(base, kit, {"A": states, "B": b}) == 1
    assert listing_ats(base, kit, {"A": states}) == 0


async def test_receipts_reservations_cancels_and_settings_are_ledger_entries(floor: Floor, warehouse: str) -> None:
    await stock_warehouse(floor, warehouse, {"A": 10}, ["A"])
    await floor.orders.store.intake(warehouse, "O1", "taobao", "X1", [("A", 4)], 5, None, "", 1)
    await floor.availability.set_state(warehouse, "A", StockSettings(unavailable=2, safety=1, incoming=50), "qa")
    await floor.orders.store.cancel(warehouse, "O1", "buyer cancelled")
    entries = await floor.availability.store.ledger(warehouse)
    assert [(e.field, e.delta, e.kind, e.ref) for e in entries] == [
        ("on_hand", 10, "adjust", "rcv-0"), ("reserved", 4, "reserve", "O1"),
        ("unavailable", 2, "unavailable", "qa"), ("reserved", -4, "release", "O1")]
    report = await floor.availability.check(warehouse)
    assert report.drift == [] and report.entries == 4 and report.skus == 1
    state = (await floor.availability.store.states([warehouse], ["A"]))["A"][0]
    assert (state.on_hand, state.reserved, state.unavailable, state.safety, state.incoming) == (10, 0, 2, 1, 50)
    # unavailable is never for sale; safety stock is not for the router (strict): 10 - 2 - 1 = 7
    await floor.orders.store.intake(warehouse, "O2", "taobao", "X2", [("A", 9)], 5, None, "", 1)
    assert (await floor.orders.get(warehouse, "O2")).status == "backordered"
    with pytest.raises(InsufficientStockError, match="A needs 8, available 7"):
        await floor.orders.store.intake(warehouse, "O3", "taobao", "X3", [("A", 8)], 5, None, "", 1, strict=True)
    await floor.orders.store.intake(warehouse, "O4", "taobao", "X4", [("A", 7)], 5, None, "", 1, strict=True)
    assert (await floor.orders.get(warehouse, "O4")).status == "reserved"
    assert (await floor.availability.check(warehouse)).drift == []


async def test_drift_is_reported_and_compensated(floor: Floor, warehouse: str) -> None:
    await stock_warehouse(floor, warehouse, {"A": 10, "B": 3}, ["A", "B"])
    await floor.client.hincrby(keys.key(warehouse, "sku", "A"), "reserved", 2)  # a move that skipped the ledger
    await floor.client.hincrby(keys.key(warehouse, "sku", "B"), "on_hand", -1)
    report = await floor.availability.check(warehouse)
    assert {(d.sku, d.field, d.counter, d.derived, d.difference) for d in report.drift} == {
        ("A", "reserved", 2, 0, 2), ("B", "on_hand", 2, 3, -1)}
    fixed = await floor.availability.check(warehouse, compensate=True, actor="qa")
    assert fixed.compensated == 2
    assert (await floor.availability.check(warehouse)).drift == []
    assert int(await floor.client.hget(keys.key(warehouse, "sku", "A"), "reserved")) == 2  # counters untouched


async def test_the_demo_warehouse_has_no_drift(small_demo: Floor, warehouse: str) -> None:
    report = await small_demo.availability.check(warehouse)
    assert report.drift == [] and report.skus == 40 and report.entries > 40


def test_check_command(redis_server: RedisServer, floor: Floor, warehouse: str) -> None:
    import asyncio

    async def prepare() -> None:
        client = Floor.from_url(redis_server.url)
        await client.start()
        await stock_warehouse(client, warehouse, {"A": 5}, ["A"])
        await client.close()

    asyncio.run(prepare())
    env = {**os.environ, "REDIS_URL": redis_server.url, "PYTHONPATH": str(ROOT), "FLOOR_SECRET": "x" * 32}
    ok = subprocess.run([sys.executable, "-m", "floor.availability", "check", "--warehouse", warehouse],
                        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert msgspec.json.decode(ok.stdout.strip())["drift"] == []


async def test_compaction_folds_old_entries_and_the_check_still_reports_exactly(floor: Floor, warehouse: str) -> None:
    await stock_warehouse(floor, warehouse, {"A": 10, "B": 5}, ["A", "B"])
    for n in range(6):
        await floor.orders.store.intake(warehouse, f"O{n}", "jd", f"X{n}", [("A", 1), ("B", 1)], 5, None, "", 1)
    await floor.client.hincrby(keys.key(warehouse, "sku", "B"), "reserved", 1)  # drift before compaction
    before = await floor.availability.check(warehouse)
    assert await floor.availability.compact(warehouse, keep=3) == 9  # 2 receipts + 5 orders x 2 lines - 3
    assert len(await floor.availability.store.ledger(warehouse)) == 3
    after = await floor.availability.check(warehouse)
    assert after.drift == before.drift and [(d.sku, d.difference) for d in after.drift] == [("B", 1)]
    await floor.orders.store.cancel(warehouse, "O0", "test")  # a move after compaction: the drift stays 1
    assert [(d.sku, d.field, d.difference) for d in (await floor.availability.check(warehouse)).drift] == [
        ("B", "reserved", 1)]
    assert await floor.availability.compact(warehouse, keep=100) == 0
