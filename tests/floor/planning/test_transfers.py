"""Transfers between two warehouses: idempotent steps per warehouse, a process killed between
steps, and the consistency check proving no unit was lost or doubled."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from floor.core.errors import InsufficientStockError, ValidationError
from floor.floor import Floor
from floor.planning.model import TransferReceipt, TransferRequest
from floor.planning.transfers import Transfers
from floor.run.demo import demo_credentials, demo_data, load_demo
from tests.floor.planning.helpers import picker_of, present, run_move_task

ROOT = Path(__file__).resolve().parents[3]
SKU = "SKU00013"


async def _two(floor: Floor, warehouse: str) -> str:
    target = f"X{warehouse}"
    await load_demo(floor, demo_data(target, aisles=2, cells=5, skus=20, orders=0, units_per_location=5),
                    demo_credentials(target, 1))
    return target


async def _figures(floor: Floor, w: str) -> tuple[int, int, int, int, int]:
    s = await floor.planning.state(w, SKU)
    return s.on_hand, s.transit_out, s.transit_in, s.receiving, s.unavailable["damaged"]


async def test_transfer_steps_are_idempotent_and_conserve_units(small_demo: Floor, warehouse: str) -> None:
    floor, a = small_demo, warehouse
    b = await _two(floor, a)
    transfers = Transfers(floor.planning)
    a0, b0 = await _figures(floor, a), await _figures(floor, b)
    avail0 = (await floor.planning.state(a, SKU)).available
    with pytest.raises(InsufficientStockError):
        await transfers.create(TransferRequest("T-big", SKU, avail0 + 1, a, b), "sup")
    view = await transfers.create(TransferRequest("T-1", SKU, 6, a, b), "sup")
    assert view.status == "released" and view.problems == []
    assert (await floor.planning.state(a, SKU)).available == avail0 - 6
    again = await transfers.create(TransferRequest("T-1", SKU, 6, a, b), "sup")  # a repeat changes nothing
    assert again.status == "released" and (await floor.planning.state(a, SKU)).available == avail0 - 6
    view = await transfers.dispatch(a, "T-1", "sup")
    await transfers.dispatch(a, "T-1", "sup")
    assert view.status == "in_transit" and view.problems == []
    assert await _figures(floor, a) == (a0[0] - 6, 6, 0, 0, 0)
    assert (await _figures(floor, b))[2] == 6
    with pytest.raises(ValidationError):
        await transfers.receive(b, "T-1", TransferReceipt(4, short=1, damaged=1), "dock")  # no reason
    view = await transfers.receive(b, "T-1", TransferReceipt(4, short=1, damaged=1, reason="crushed box",
                                                             location=f"{b}-A01-C01"), "dock")
    await transfers.receive(b, "T-1", TransferReceipt(4, short=1, damaged=1, reason="crushed box"), "dock")
    assert view.status == "closed" and view.problems == []
    assert await _figures(floor, a) == (a0[0] - 6, 0, 0, 0, 0)
    assert await _figures(floor, b) == (b0[0], 0, 0, 4, 1)
    task = view.target_record["putaway_task"]
    assert await present(floor, b, picker_of(b, 1)) == task
    await run_move_task(floor, b, picker_of(b, 1), task)
    assert await _figures(floor, b) == (b0[0] + 4, 0, 0, 0, 1)


_KILLED = textwrap.dedent("""
    import asyncio, os, sys
    from floor.floor import Floor
    from floor.planning.model import TransferReceipt, TransferRequest
    from floor.planning.transfers import Transfers

    url, a, b, step, tid = sys.argv[1:6]

    def crash(name):
        if name == step:
            os._exit(9)  # killed between two steps: no cleanup, no later step

    async def main():
        floor = Floor.from_url(url)
        await floor.start()
        t = Transfers(floor.planning, crash)
        if step in ("release", "dispatch", "expect"):
            await t.create(TransferRequest(tid, "SKU00013", 5, a, b), "sup")
            await t.dispatch(a, tid, "sup")
        await t.receive(b, tid, TransferReceipt(5, location=b + "-A01-C01"), "dock")

    asyncio.run(main())
""")


@pytest.mark.parametrize("step", ["dispatch", "receive"])
async def test_a_kill_between_steps_loses_and_doubles_nothing(small_demo: Floor, warehouse: str, step: str) -> None:
    floor, a = small_demo, warehouse
    b = await _two(floor, a)
    transfers = Transfers(floor.planning)
    a0, b0 = await _figures(floor, a), await _figures(floor, b)
    tid = f"K-{step}"
    if step == "receive":
        await transfers.create(TransferRequest(tid, SKU, 5, a, b), "sup")
        await transfers.dispatch(a, tid, "sup")
    url = os.environ["FLOOR_TEST_REDIS_URL"]
    run = subprocess.run([sys.executable, "-c", _KILLED, url, a, b, step, tid], cwd=ROOT, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert run.returncode == 9, run.stderr
    view = await transfers.view(a, b, tid)
    assert len(view.problems) == 1 and view.problems[0].startswith("pending")
    if step == "dispatch":  # A dispatched, B never heard of it: units are in A's transit_out, not lost
        assert await _figures(floor, a) == (a0[0] - 5, 5, 0, 0, 0) and (await _figures(floor, b))[2] == 0
    view = await transfers.resume(a, b, tid)
    await transfers.resume(a, b, tid)  # resuming twice doubles nothing
    if step == "dispatch":
        assert view.status == "in_transit" and view.problems == []
        view = await transfers.receive(b, tid, TransferReceipt(5, location=f"{b}-A01-C01"), "dock")
    assert view.status == "closed" and view.problems == []
    assert await _figures(floor, a) == (a0[0] - 5, 0, 0, 0, 0)
    assert await _figures(floor, b) == (b0[0], 0, 0, 5, 0)


async def test_a_transfer_is_suggested_from_surplus(small_demo: Floor, warehouse: str) -> None:
    from floor.planning.model import Thresholds

    floor, a = small_demo, warehouse
    b = await _two(floor, a)
    level_a = (await floor.planning.state(a, SKU)).on_hand
    level_b = (await floor.planning.state(b, SKU)).on_hand
    await floor.planning.set_thresholds(a, Thresholds(SKU, 0, reorder_point=level_a - 10))  # surplus 10
    await floor.planning.set_thresholds(b, Thresholds(SKU, 0, reorder_point=level_b + 4))  # short by 4
    made = await Transfers(floor.planning).suggest([a, b], 1)
    assert [(s.kind, s.sku, s.quantity, s.source, s.target) for s in made] == [("transfer", SKU, 4, a, b)]
    kinds = [s.kind for s in await floor.planning.suggestions(b)]
    assert "transfer" in kinds and "purchase" in kinds  # the crossing in b also suggested a purchase
    assert (await floor.planning.state(a, SKU)).on_hand == level_a  # proposed only, nothing moved
