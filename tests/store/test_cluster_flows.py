"""The core floor flows on a real 3-master Redis Cluster, two warehouses whose slots live on
different masters: intake, wave release, scans to completion, short pick, board catch-up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import msgspec
import pytest

from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.run.demo import demo_credentials, demo_data, load_demo
from floor.store import keys
from floor.store.client import is_cluster
from floor.waves.model import ReleaseWave
from tests.redis_cluster import RedisCluster


@pytest.fixture
async def cluster_floor(redis_cluster: RedisCluster) -> AsyncIterator[tuple[Floor, list[str]]]:
    warehouses = redis_cluster.warehouses_on_distinct_masters(2, prefix="K")
    floor = Floor.from_url(redis_cluster.url)
    assert is_cluster(floor.client)
    await floor.start()
    for warehouse in warehouses:
        await floor.client.delete(keys.key(warehouse, "layout"))  # a fresh warehouse per run of the session
        data = demo_data(warehouse, aisles=4, cells=10, skus=30, orders=8, units_per_location=20)
        credentials = demo_credentials(warehouse, pickers=2)
        credentials.pickers = [(f"{warehouse}p{n}", f"{warehouse}B{n}", f"{1000 + n}") for n in (1, 2)]
        await load_demo(floor, data, credentials)
    yield floor, warehouses
    await floor.close()


async def test_core_flows_on_two_masters(cluster_floor: tuple[Floor, list[str]], redis_cluster: RedisCluster) -> None:
    floor, warehouses = cluster_floor
    assert len({redis_cluster.master_of(w) for w in warehouses}) == 2  # really on different masters
    for warehouse in warehouses:
        # Intake (idempotent), on this warehouse's master.
        order = NewOrder("jd", f"CL-{warehouse}", [OrderLine("SKU00001", 1)])
        repeat, placed = await floor.orders.intake(warehouse, order)
        again, same = await floor.orders.intake(warehouse, order)
        assert not repeat and again and same.order_id == placed.order_id
        # Board catch-up starts here.
        mark = await floor.events.last_id(warehouse)
        # Wave release, then every scan of the first task to its end.
        picker = f"{warehouse}p1"
        await floor.picking.join(warehouse, picker, f"sock-{picker}", 60_000)  # only present pickers get tasks
        _, wave = await floor.waves.release(warehouse, ReleaseWave("cw1", max_orders=3, planner="optimal"))
        task_id = await floor.picking.assign(warehouse, picker)
        task = await floor.picking.task(warehouse, task_id)
        short_done = False
        for index, step in enumerate(task.steps):
            _, verdict = await floor.picking.scan(warehouse, picker, task_id, f"l{index}", step.location, 1)
            assert json.loads(verdict)["verdict"] == "ok"
            if not short_done:
                # Short pick on the first step: found none.
                _, result = await floor.picking.short_pick(warehouse, picker, task_id, "sp1", index, 0)
                assert json.loads(result)["type"] == "short_pick_recorded"
                short_done = True
                continue
            _, verdict = await floor.picking.scan(warehouse, picker, task_id, f"i{index}", step.gtin, step.quantity)
            assert json.loads(verdict)["verdict"] == "ok"
        # Relocated steps (if any) were appended: finish whatever is left.
        task = await floor.picking.task(warehouse, task_id)
        while task.status == "assigned":
            step = task.steps[task.step]
            await floor.picking.scan(warehouse, picker, task_id, f"L{task.step}", step.location, 1)
            await floor.picking.scan(warehouse, picker, task_id, f"I{task.step}", step.gtin, step.quantity - task.picked)
            task = await floor.picking.task(warehouse, task_id)
        assert task.status == "completed"
        # Board catch-up from the mark: every event since, in order, on this warehouse's master.
        entries = await floor.events.after(warehouse, mark, 1000)
        kinds = [fields["type"] for _id, fields in entries]
        assert kinds[:2] == ["picker_present", "wave_released"] and "exception_raised" in kinds and "task_completed" in kinds
        assert [entry_id for entry_id, _ in entries] == sorted(entry_id for entry_id, _ in entries)
        assert (await floor.waves.get(warehouse, wave.wave_id)).picked_units > 0
    # The two warehouses never saw each other's events.
    first = {msgspec.json.decode(f["data"]).get("order_id") for _i, f in await floor.events.after(warehouses[0], "0-0")}
    second = {msgspec.json.decode(f["data"]).get("order_id") for _i, f in await floor.events.after(warehouses[1], "0-0")}
    assert not (first - {None}) & (second - {None})
    assert await floor.healthy() == {"redis": True, "scripts": True}


async def test_routing_stock_read_per_site_on_two_masters(cluster_floor: tuple[Floor, list[str]]) -> None:
    """Issue 7 round 2: the stock read is one script per warehouse (its keys in that warehouse's slot):
    on a cluster each goes to its own master, through the lane (the first call of a fresh cluster is a
    NOSCRIPT fallback) and through the client."""
    from floor.routing.store import RoutingStore

    floor, warehouses = cluster_floor
    skus = ["SKU00001", "SKU00002", "NOSUCHSKU"]
    expected = [await floor.client.hmget(keys.key(w, "sku", sku), "on_hand", "reserved", "unavailable", "safety")
                for w in warehouses for sku in skus]
    assert any(row[0] is not None for row in expected) and expected[2] == [None, None, None, None]
    lane = RoutingStore(floor.client, floor.scripts)
    lane.pipeline = floor.routing.store.pipeline
    plain = RoutingStore(floor.client, floor.scripts)  # no lane: script by script through the client
    assert lane.pipeline is not None
    for store in (lane, plain):
        rows, used = await store.stock(warehouses, skus)
        assert rows == expected and set(used) == set(warehouses)
        rows, _ = await store.stock(warehouses, skus)  # loaded by now: EVALSHA
        assert rows == expected
