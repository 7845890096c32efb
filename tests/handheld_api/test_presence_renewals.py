"""The node's batched lease renewals (handheld_api/ws/presence.py Renewals) on the real Redis: one
timer keeps every socket's lease alive, a socket that leaves is no longer renewed, and a lease
renewal in flight does not undo a leave."""

from __future__ import annotations

import asyncio

from floor.floor import Floor
from handheld_api.ws.presence import PresenceKeeper, Renewals


async def test_one_timer_keeps_every_socket_present_and_stops_with_the_last(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    keepers = [PresenceKeeper(floor, warehouse, f"{warehouse}p{n}", ttl_s=0.3) for n in (1, 2, 3)]
    for keeper in keepers:
        await keeper.join()
    renewals = Renewals.of(floor)
    assert renewals is Renewals.of(floor) and len(renewals.leases) >= 3
    calls: list[int] = []
    original = floor.picking.renew_many

    async def counted(w: str, leases: list[tuple[str, str, int]]) -> list[str]:
        calls.append(len(leases))
        return await original(w, leases)

    floor.picking.renew_many = counted  # type: ignore[method-assign]  # counts calls, the real script runs
    try:
        await asyncio.sleep(1.2)  # four lease lifetimes: only renewals keep them
        for keeper in keepers:
            assert (await floor.picking.presence(warehouse, keeper.picker)).present
        assert calls and max(calls) == 3  # the three leases went together
        await keepers[0].leave()
        await asyncio.sleep(0.6)
        assert not (await floor.picking.presence(warehouse, keepers[0].picker)).present  # left: not renewed
        assert (await floor.picking.presence(warehouse, keepers[1].picker)).present
    finally:
        floor.picking.renew_many = original  # type: ignore[method-assign]
        for keeper in keepers[1:]:
            await keeper.leave()
    await asyncio.sleep(0.2)
    assert not renewals.leases and (renewals.task is None or renewals.task.done())
