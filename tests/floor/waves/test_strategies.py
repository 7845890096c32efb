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
