"""Slotting: fast movers far from the depot are proposed near it; the kernel measures the saving."""

from __future__ import annotations

from floor.floor import Floor
from floor.layout.model import Layout
from floor.planning.slotting import propose


def test_fast_movers_move_near_the_depot() -> None:
    layout = Layout("W1", aisles=6, cells=20)
    faces = {f"S{n}": layout.location(1 + n % 6, 1 + (n * 7) % 20).code for n in range(60)}
    demand = {sku: (100.0 if n >= 55 else 1.0) for n, sku in enumerate(sorted(faces))}
    proposal = propose(layout, faces, demand, top=5, tours=100)
    fast = {m.sku for m in proposal.moves}
    assert fast and fast <= {sku for sku, d in demand.items() if d == 100.0}
    assert proposal.travel_proposed_m < proposal.travel_now_m and proposal.saved_pct > 0
    assert propose(layout, faces, demand, top=5, tours=100) == proposal  # seeded: the same every time


async def test_slotting_from_shipped_history(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    from datetime import UTC, datetime
    today = datetime.now(UTC).strftime("%Y%m%d")
    for n in range(30, 41):
        await floor.planning.store.record_demand(w, f"SKU{n:05d}", {today: 50})
    proposal = await floor.planning.slotting(w, await floor.layouts.get(w), top=5)
    assert proposal.travel_now_m > 0 and proposal.travel_proposed_m <= proposal.travel_now_m
    assert all(m.sku in {f"SKU{n:05d}" for n in range(30, 41)} for m in proposal.moves)
