"""The scheduled ledger audit: the stock push loop re-derives the counters from the ledger, raises ONE
ledger_drift floor exception for a drift (not again for the same drift), never compensates by itself,
and compacts long ledgers without changing the check's answer."""

from __future__ import annotations

import asyncio

from floor.availability.schedule import audit
from floor.floor import Floor
from floor.jobs.stock_push import run
from floor.store import keys
from tests.floor.oms_setup import stock_warehouse


async def test_the_push_loop_audits_the_ledger_and_raises_on_drift(floor: Floor, warehouse: str) -> None:
    w = f"{warehouse}A"
    await stock_warehouse(floor, w, {"QA": 7, "QB": 3}, ["QA", "QB"])
    await floor.orders.store.intake(w, "O-aud", "taobao", "AUD-1", [("QA", 2)], 5, None, "", 1)
    [clean] = await audit(floor.availability, [w], keep=1)
    assert (clean.drift, clean.raised) == (0, False) and clean.compacted >= 2  # folded into the base
    assert (await floor.availability.check(w)).drift == []  # compaction changes nothing the check sees

    await floor.client.hincrby(keys.key(w, "sku", "QA"), "on_hand", 3)  # a write that bypassed the ledger
    stop = asyncio.Event()
    loop = asyncio.create_task(run(floor, stop, period_s=0.01, audit_every=3, audit_warehouses=[w]))
    for _ in range(300):
        if any(e.kind == "ledger_drift" for e in await floor.incidents.open(w)):
            break
        await asyncio.sleep(0.02)
    stop.set()
    await loop
    [raised] = [e for e in await floor.incidents.open(w) if e.kind == "ledger_drift"]
    assert "QA on_hand counter" in raised.detail and "compensate" in raised.detail
    [again] = await audit(floor.availability, [w])
    assert (again.drift, again.raised, again.compacted) == (1, False, 0)  # the same drift: not raised twice
    assert len([e for e in await floor.incidents.open(w) if e.kind == "ledger_drift"]) == 1
    assert (await floor.availability.check(w, compensate=True)).compensated == 1  # a person decides
    [fixed] = await audit(floor.availability, [w])
    assert fixed.drift == 0
