"""Transfers between two warehouses whose slots live on different masters of a real Redis Cluster:
every step is one script in one warehouse, so no step ever spans two shards (issue 9)."""

from __future__ import annotations

from floor.planning.model import TransferReceipt, TransferRequest
from floor.planning.transfers import Transfers
from tests.redis_cluster import RedisCluster
from tests.store.test_cluster_flows import cluster_floor  # noqa: F401  (the fixture)

SKU = "SKU00007"


async def test_a_transfer_between_two_masters(cluster_floor, redis_cluster: RedisCluster) -> None:  # noqa: F811
    floor, (a, b) = cluster_floor
    assert redis_cluster.master_of(a) != redis_cluster.master_of(b)
    transfers = Transfers(floor.planning)
    a0 = await floor.planning.state(a, SKU)
    b0 = await floor.planning.state(b, SKU)
    await transfers.create(TransferRequest("CX-1", SKU, 3, a, b), "sup")
    view = await transfers.dispatch(a, "CX-1", "sup")
    assert view.status == "in_transit" and view.problems == []
    assert (await floor.planning.state(b, SKU)).transit_in == b0.transit_in + 3
    view = await transfers.receive(b, "CX-1", TransferReceipt(2, damaged=1, reason="wet", location=f"{b}-A01-C01"),
                                   "dock")
    assert view.status == "closed" and view.problems == []
    a1, b1 = await floor.planning.state(a, SKU), await floor.planning.state(b, SKU)
    assert a1.on_hand == a0.on_hand - 3 and a1.transit_out == 0
    assert (b1.receiving, b1.unavailable["damaged"], b1.transit_in) == (b0.receiving + 2, b0.unavailable["damaged"] + 1, 0)
