"""Pick strategies on a real Redis: discrete (one order per tour); zone picking with hand-over is in
test_handover.py, batch pick-and-sort in tests/floor/sorting."""

from __future__ import annotations

from floor.floor import Floor
from floor.waves.model import ReleaseWave


async def test_discrete_strategy_makes_one_tour_per_order(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    ids = await floor.orders.store.reserved_ids(w, 4)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("d1", order_ids=ids, strategy="discrete"))
    assert len(wave.tasks) == 4
    for task_id in wave.tasks:
        task = await floor.picking.task(w, task_id)
        assert len({s.order_id for s in task.steps}) == 1


async def test_strategy_is_checked(small_demo: Floor, warehouse: str) -> None:
    import pytest

    from floor.core.errors import ValidationError

    with pytest.raises(ValidationError):
        await small_demo.waves.release(warehouse, ReleaseWave("bad", max_orders=2, strategy="teleport"))
    with pytest.raises(ValidationError):
        await small_demo.waves.release(warehouse, ReleaseWave("bad2", max_orders=2, strategy="zone",
                                                              planner="serpentine"))


async def test_profile_grouping_batches_single_unit_orders_for_pick_and_sort(small_demo: Floor, warehouse: str) -> None:
    """Release policy ``strategy: batch`` with ``group_by: [profile]``: the single-unit orders become a
    pick-and-sort wave (a batch tour and its held put-wall sort task), the multi-line ones a cluster wave."""
    from floor.orders.model import NewOrder, OrderLine
    from floor.waves.policy import ReleasePolicy

    floor, w = small_demo, warehouse
    singles = [(await floor.orders.intake(w, NewOrder("tmall", f"PS-{n}", [OrderLine(f"SKU0001{n}", 1)], w)))[1]
               for n in range(3)]
    assert all(o.status == "reserved" for o in singles)
    await floor.release.set_policy(w, ReleasePolicy(mode="continuous", group_by=["profile"], strategy="batch",
                                                    cart_capacity=1000), "sup", 0)
    await floor.picking.join(w, f"{w}p1", "sock-1", 60_000)
    assert await floor.picking.assign(w, f"{w}p1") == ""  # idle: the next tick releases
    decisions = await floor.release.tick(w)
    assert decisions and "group single" in decisions[0].reason
    waves = {wave_id: await floor.waves.get(w, wave_id) for wave_id in decisions[0].waves}
    batch = next(v for v in waves.values() if {o.order_id for o in singles} <= set(v.orders))
    assert all(o.units == 1 for o in await floor.orders.store.many(w, batch.orders))  # single-unit orders only
    kinds = {(await floor.picking.task(w, t)).kind: t for t in batch.tasks}
    assert set(kinds) == {"pick", "sort"} and kinds["pick"].endswith("-B01")
    tour = await floor.picking.task(w, kinds["pick"])
    assert {s.order_id for s in tour.steps} == {""}
    assert (await floor.picking.task(w, kinds["sort"])).status == "waiting"
    for view in waves.values():
        if view is not batch:  # multi-line orders: cluster picking, one tote per order
            for task_id in view.tasks:
                assert all(s.order_id for s in (await floor.picking.task(w, task_id)).steps)
