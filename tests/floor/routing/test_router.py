"""Router.place against a real Redis: reservation per warehouse, retry when stock moved, holds,
merges, cancels, idempotency and the ledger staying exact throughout."""

from __future__ import annotations

import msgspec
import pytest

from floor.core.errors import ValidationError
from floor.floor import Floor
from floor.inventory.model import AdjustStock
from floor.routing.model import Risk, Rule, RuleSet, Site, Snapshot
from floor.routing.service import Router
from floor.routing.store import Stock
from floor.store import keys
from tests.floor.oms_setup import GUANGZHOU, order, rule_set, sites, stock_warehouse

SKUS = ["A", "B", "C"]


@pytest.fixture
async def three(floor: Floor, warehouse: str) -> tuple[str, str, str]:
    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    await stock_warehouse(floor, a, {"A": 5, "B": 1}, SKUS)
    await stock_warehouse(floor, b, {"A": 5, "B": 5, "C": 2}, SKUS)
    await stock_warehouse(floor, c, {"C": 5}, SKUS)
    return a, b, c


async def clean(floor: Floor, *warehouses: str) -> None:
    for w in warehouses:
        report = await floor.availability.check(w)
        assert report.drift == [] and report.negative == [], report


async def reserved(floor: Floor, warehouse: str, sku: str) -> int:
    return int(await floor.client.hget(keys.key(warehouse, "sku", sku), "reserved"))


async def test_routes_to_the_nearest_complete_warehouse_and_is_idempotent(floor: Floor, three: tuple[str, ...],
                                                                           warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c, sorts=["distance", "priority"]))
    first = await floor.routing.place(order("T1", [("A", 2)], address=GUANGZHOU), [("A", 2)], warehouse)
    assert first.status == "routed" and [p.warehouse for p in first.parcels] == [b]
    again = await floor.routing.place(order("T1", [("A", 2)], address=GUANGZHOU), [("A", 2)], warehouse)
    assert again.repeat and again.parcels == first.parcels
    assert await reserved(floor, b, "A") == 2
    floor_order = await floor.orders.get(b, first.parcels[0].order_id)
    assert floor_order.status == "reserved" and floor_order.external_id == "T1#1" and floor_order.shop == "s1"
    trace = await floor.routing.trace("taobao", "s1", "T1")
    assert any(s.verdict == "reserved" and s.warehouse == b for s in trace.trace)
    await clean(floor, a, b, c)


async def test_split_by_line_across_warehouses_then_backorder(floor: Floor, three: tuple[str, ...],
                                                              warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c, split="line", max_parcels=3, fallback="backorder",
                                                      sorts=["priority"]))
    outcome = await floor.routing.place(order("T2", []), [("A", 5), ("C", 4), ("B", 9)], warehouse)
    assert outcome.status == "partial"
    got = {(p.warehouse, tuple(p.lines), p.status) for p in outcome.parcels}
    assert (a, (("A", 5),), "reserved") in got and (c, (("C", 4),), "reserved") in got
    assert (a, (("B", 9),), "backordered") in got
    await clean(floor, a, b, c)


async def test_stock_moved_between_deciding_and_reserving_tries_the_next_candidate(
        floor: Floor, three: tuple[str, ...], warehouse: str) -> None:
    a, b, c = three

    class Stale(Router):
        """The first snapshot claims warehouse a has 50 units of C: sold elsewhere meanwhile."""

        calls = 0

        async def _snapshot(self, sites: list[str], skus: list[str],
                            read: Stock | None = None) -> tuple[Snapshot, set[str]]:
            fresh, known = await super()._snapshot(sites, skus, read)
            Stale.calls += 1
            if Stale.calls > 1:
                return fresh, known
            lie = {w: dict(v) for w, v in fresh.sellable_with_safety.items()}
            lie[a]["C"] = 50
            return msgspec.structs.replace(fresh, sellable_with_safety=lie), known

    router = Stale(floor.routing.store, floor.orders, floor.availability, floor.incidents.store)
    await router.put_rules(warehouse, rule_set(a, b, c, sorts=["priority"]))
    outcome = await router.place(order("T3", []), [("C", 4)], warehouse)
    verdicts = [(s.warehouse, s.verdict) for s in outcome.trace]
    assert (a, "moved") in verdicts and [p.warehouse for p in outcome.parcels] == [c]
    assert outcome.status == "routed" and await reserved(floor, c, "C") == 4
    await clean(floor, a, b, c)


async def test_risk_hold_keeps_the_reservation_out_of_waves_and_raises_an_exception(
        floor: Floor, three: tuple[str, ...], warehouse: str) -> None:
    a, b, c = three
    rs = msgspec.structs.replace(rule_set(a, b, c), risk=Risk(remark_keywords=["刷单"], amount_over=500_000))
    await floor.routing.put_rules(warehouse, rs)
    outcome = await floor.routing.place(order("T4", [], message="请尽快发货 刷单", total=900_000), [("A", 1)],
                                        warehouse)
    assert outcome.status == "held"
    assert "remark contains '刷单'" in outcome.holds and "amount 900000 above 500000" in outcome.holds
    parcel = outcome.parcels[0]
    assert (await floor.orders.get(parcel.warehouse, parcel.order_id)).status == "held"
    assert parcel.order_id not in await floor.orders.store.reserved_ids(parcel.warehouse, 100)
    assert await reserved(floor, parcel.warehouse, "A") == 1
    board = await floor.incidents.open(parcel.warehouse)
    assert [e.kind for e in board] == ["order_hold"] and "刷单" in board[0].detail
    released = await floor.routing.release("taobao", "s1", "T4", "supervisor")
    assert released.status == "routed"
    assert parcel.order_id in await floor.orders.store.reserved_ids(parcel.warehouse, 100)
    await clean(floor, a, b, c)


async def test_unnormalised_address_and_platform_hold(floor: Floor, three: tuple[str, ...], warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c))
    raw = order("T5", [], address=msgspec.structs.replace(GUANGZHOU, province_code=""))
    assert (await floor.routing.place(raw, [("A", 1)], warehouse)).holds == ["address not normalised (no province code)"]
    locked = msgspec.structs.replace(order("T6", []), state="hold", hold_reasons=["JD LOCKED"])
    assert (await floor.routing.place(locked, [("A", 1)], warehouse)).holds == ["platform: JD LOCKED"]


async def test_cancel_releases_every_parcel_through_the_ledger(floor: Floor, three: tuple[str, ...],
                                                               warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c, split="line", max_parcels=3))
    placed = await floor.routing.place(order("T7", []), [("A", 2), ("C", 1)], warehouse)
    assert {p.warehouse for p in placed.parcels} == {a, b}
    cancelled = await floor.routing.place(order("T7", [], state="cancelled"), [("A", 2), ("C", 1)], warehouse)
    assert cancelled.status == "cancelled" and {p.status for p in cancelled.parcels} == {"cancelled"}
    assert [await reserved(floor, w, s) for w in (a, b) for s in SKUS] == [0] * 6
    entries = await floor.availability.store.ledger(a)
    assert [(e.kind, e.delta) for e in entries if e.field == "reserved"] == [("reserve", 2), ("release", -2)]
    await clean(floor, a, b, c)


async def test_merge_same_buyer_and_address_then_unlink_on_cancel(floor: Floor, three: tuple[str, ...],
                                                                  warehouse: str) -> None:
    a, b, c = three
    rs = msgspec.structs.replace(rule_set(a, b, c, sorts=["balance"]), merge_window_s=600)
    await floor.routing.put_rules(warehouse, rs)
    first = await floor.routing.place(order("M1", []), [("A", 1)], warehouse)
    second = await floor.routing.place(order("M2", []), [("A", 1)], warehouse)  # balance would still pick it
    assert first.merge_group and second.merge_group == first.merge_group
    assert second.parcels[0].warehouse == first.parcels[0].warehouse
    assert any(s.verdict == "merged" and "M1" in s.reason for s in second.trace)
    other = await floor.routing.place(order("M3", [], buyer="buyer-2"), [("A", 1)], warehouse)
    assert other.merge_group != first.merge_group
    await floor.routing.cancel("taobao", "s1", "M1")
    group = await floor.routing.store.merge_group(first.merge_group)
    assert group is not None and group.orders == ["M2"]


async def test_pending_then_ready_and_unknown_sku(floor: Floor, three: tuple[str, ...], warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c))
    pending = await floor.routing.place(order("P1", [], channel="pinduoduo", state="pending"), [("A", 1)], warehouse)
    assert pending.status == "pending" and pending.parcels == []
    ready = await floor.routing.place(order("P1", [], channel="pinduoduo"), [("A", 1)], warehouse)
    assert ready.status == "routed"
    with pytest.raises(ValidationError, match="unknown SKU NOPE"):
        await floor.routing.place(order("P2", []), [("A", 1), ("NOPE", 1)], warehouse)
    assert await floor.routing.store.record("taobao", "s1", "P2") is None
    assert await reserved(floor, a, "A") == 1


async def test_rules_are_validated_and_versioned(floor: Floor, warehouse: str) -> None:
    bad = RuleSet(sites=sites("X", "Y", "Z"), rules=[Rule(name="r", fallback="pray")])
    with pytest.raises(ValidationError, match="fallback must be one of"):
        await floor.routing.put_rules(warehouse, bad)
    good = RuleSet(sites=sites("X", "Y", "Z"), rules=[Rule(name="r")])
    assert (await floor.routing.put_rules(warehouse, good)).version == 1
    assert (await floor.routing.put_rules(warehouse, good)).version == 2
    assert (await floor.routing.rules(warehouse)).rules[0].name == "r"


async def test_platform_updates_adjust_the_reservation_and_older_updates_are_ignored(
        floor: Floor, three: tuple[str, ...], warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c, sorts=["priority"]))
    first = msgspec.structs.replace(order("U1", []), updated_ms=1000)
    placed = await floor.routing.place(first, [("A", 2), ("B", 1)], warehouse)
    assert placed.parcels[0].warehouse == a and await reserved(floor, a, "A") == 2
    refund = msgspec.structs.replace(first, updated_ms=2000)  # line B refunded: the adapter leaves it out
    updated = await floor.routing.place(refund, [("A", 2)], warehouse)
    assert updated.status == "routed" and updated.parcels[0].external_id == "U1~1#1"
    assert (await reserved(floor, a, "A"), await reserved(floor, a, "B")) == (2, 0)
    assert any(s.verdict == "updated" and "lines changed" in s.reason for s in updated.trace)
    stale = await floor.routing.place(msgspec.structs.replace(first, updated_ms=1500), [("A", 2), ("B", 1)], warehouse)
    assert stale.repeat and stale.parcels == updated.parcels
    await clean(floor, a, b, c)


async def test_a_normalised_address_update_releases_the_address_hold(floor: Floor, three: tuple[str, ...],
                                                                    warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c))
    raw = order("U2", [], address=msgspec.structs.replace(GUANGZHOU, province_code="", city_code="", district_code=""))
    assert (await floor.routing.place(raw, [("A", 1)], warehouse)).status == "held"
    fixed = await floor.routing.place(order("U2", [], address=GUANGZHOU), [("A", 1)], warehouse)
    assert fixed.status == "routed" and fixed.holds == []
    assert sum([await reserved(floor, w, "A") for w in (a, b, c)]) == 1
    await clean(floor, a, b, c)


async def test_queued_orders_are_placed_when_stock_arrives_and_the_trace_shows_reserved_backorders(
        floor: Floor, three: tuple[str, ...], warehouse: str) -> None:
    a, b, c = three
    await floor.routing.put_rules(warehouse, rule_set(a, b, c, fallback="queue"))
    queued = await floor.routing.place(order("Q1", []), [("C", 9)], warehouse)
    assert queued.status == "queued" and queued.parcels == []
    assert await floor.routing.retry_queued() == 0
    await floor.inventory.adjust(c, AdjustStock("more-c", "C", f"{c}-A01-C01", 10, "receipt"), "test")
    await floor.routing.retry_queued()
    assert (await floor.routing.trace("taobao", "s1", "Q1")).status == "routed"
    await floor.routing.put_rules(warehouse, rule_set(a, b, c, fallback="backorder"))
    back = await floor.routing.place(order("Q2", []), [("B", 7)], warehouse)
    assert [p.status for p in back.parcels] == ["backordered"]
    await floor.inventory.adjust(back.parcels[0].warehouse, AdjustStock("more-b", "B", f"{back.parcels[0].warehouse}-A01-C01",
                                                                         10, "receipt"), "test")
    assert [p.status for p in (await floor.routing.trace("taobao", "s1", "Q2")).parcels] == ["reserved"]
    await clean(floor, a, b, c)


async def test_daily_capacity_is_counted_and_honoured_with_and_without_the_stock_read_ahead(
        floor: Floor, three: tuple[str, ...], warehouse: str) -> None:
    """Only capped sites' day counts are read (issue 7 round 3): a full site is still rejected, whether
    the stock was read ahead with the claim (the channel path) or by place() itself."""
    a, b, c = three
    capped = [Site(warehouse=a, province="31", priority=1, daily_capacity=1), *sites(a, b, c)[1:]]
    await floor.routing.put_rules(warehouse, RuleSet(sites=capped, rules=[Rule(name="default", sorts=["priority"])]))
    first = await floor.routing.place(order("CAP1", []), [("A", 1)], warehouse)
    assert [p.warehouse for p in first.parcels] == [a]
    ahead = order("CAP2", [])
    prefetch = await floor.routing.prefetch(ahead, warehouse, ["A"])
    assert prefetch is not None and prefetch.capped == [a]
    prefetch.read(await floor.routing.store.batch(prefetch.commands))
    second = await floor.routing.place(ahead, [("A", 1)], warehouse, prefetch)
    assert [p.warehouse for p in second.parcels] == [b]
    assert any(s.warehouse == a and s.verdict == "rejected" and "daily capacity 1 reached" in s.reason
               for s in second.trace)
    third = await floor.routing.place(order("CAP3", []), [("A", 1)], warehouse)
    assert [p.warehouse for p in third.parcels] == [b]
    await clean(floor, a, b, c)
