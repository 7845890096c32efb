"""Cancel after PACKING on real Redis (floor/putback/lua/putback_cancel.lua, floor/shipping/void.py):
a packed, labelled order not yet with the carrier is cancelled by its platform — its parcel is void
(waybills, labels, shipment), its queued ship call leaves the channel outbox and no ship call is ever
sent, the board shows the voided parcel, and the packed units go back from the pack station through
a put-back task whose scans restore bin stock exactly (ledger check clean). A repeat changes
nothing. An order whose parcel the carrier has is refused (a return). In a merged parcel (合单) with
one source order cancelled, the whole parcel is voided: the cancelled order's units go back, the
other order is packed again into a new parcel and confirmed once with the new waybill."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import msgspec
import pytest

from floor.core.errors import NotFoundError
from floor.floor import Floor
from floor.shipping import pack
from floor.shipping.carriers.model import RawEvent
from floor.shipping.carriers.service import SfAdapter
from floor.shipping.model import ShipTo
from floor.store import keys
from floor.waves.model import ReleaseWave
from tests.floor.availability.standins import Platforms
from tests.floor.life.helpers import pack_and_ship, register
from tests.floor.oms_setup import order, rule_set, stock_warehouse
from tests.floor.shipping.test_waybills_and_carriers import CHECK_WORD, StandIn
from tests.redis_server import free_port


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    p = Platforms()
    yield p
    p.stop()


async def _counters(floor: Floor, w: str, skus: tuple[str, ...] = ("LA", "LB")) -> dict[str, tuple[int, int]]:
    out = {}
    for sku in skus:
        row = await floor.client.hmget(keys.key(w, "sku", sku), "on_hand", "reserved")
        out[sku] = (int(row[0] or 0), int(row[1] or 0))
    return out


async def _pick(floor: Floor, w: str, order_ids: list[str], wave: str) -> str:
    """Release the orders in one wave and pick every step; returns the picker."""
    await floor.waves.release(w, ReleaseWave(wave, pickers=1, order_ids=order_ids, warehouse=w, planner="serpentine"))
    picker = f"{w}p1"
    await floor.picking.join(w, picker, f"sock-{picker}", 60_000)
    task_id = await floor.picking.assign(w, picker)
    assert task_id
    task = await floor.picking.task(w, task_id)
    for n, step in enumerate(task.steps):
        await floor.picking.scan(w, picker, task_id, f"{wave}-l{n}", step.location, 1)
        await floor.picking.scan(w, picker, task_id, f"{wave}-i{n}", step.gtin, step.quantity)
    assert (await floor.picking.task(w, task_id)).status == "completed"
    for order_id in order_ids:
        assert (await floor.orders.get(w, order_id)).status == "picked"
    return picker


async def _put_back(floor: Floor, w: str, picker: str, task_id: str) -> None:
    """Scan every unit of the put-back task, then its bin (the step's location)."""
    view = await floor.putback.task(w, task_id)
    gtins = {sku: str(await floor.client.hget(keys.key(w, "sku", sku), "gtin")) for _l, sku, _q, _g in view.steps}
    n = 0
    for location, sku, units, _got in view.steps:
        for _ in range(units):
            n += 1
            _r, item = await floor.planning.scan(w, picker, task_id, f"pb-i{n}", gtins[sku], 1, "putback")
            assert json.loads(item)["verdict"] == "ok"
            _r, bin_ = await floor.planning.scan(w, picker, task_id, f"pb-l{n}", location, 1, "putback")
            assert json.loads(bin_)["verdict"] == "ok"
    assert (await floor.putback.task(w, task_id)).status == "completed"


async def _events(floor: Floor, w: str, kind: str) -> list[dict[str, object]]:
    rows = await floor.client.xrange(keys.key(w, "events"))
    return [json.loads(f["data"]) for _id, f in rows if f["type"] == kind]


async def test_a_packed_order_cancelled_is_voided_and_put_back_once(floor: Floor, warehouse: str,
                                                                    platforms: Platforms) -> None:
    w = f"{warehouse}P"
    await stock_warehouse(floor, w, {"LA": 10, "LB": 5}, ["LA", "LB"])
    floor.shipping.origins[w] = "W1"
    await floor.shipping.store.add_range(w, "EMS", 10_000_000, 10_000_099)
    shop_id = f"pk-{warehouse.lower()}"
    shop = await register(floor, "taobao", shop_id, w, platforms.url)
    before = await _counters(floor, w)
    placed = order("PK1", [("LA", 2), ("LB", 1)], shop=shop_id)
    taken = await floor.channels.take(shop, placed)
    assert taken.result == "reserved"
    picker = await _pick(floor, w, [taken.floor_order], "wv-pk1")
    closed = await pack_and_ship(floor, w, taken.floor_order)
    assert closed.verdict == "ok" and closed.shipment_id
    waybill = (await floor.shipping.store.get(w, closed.shipment_id)).boxes[0].waybill
    assert await floor.availability.store.pending_shipments("taobao", shop_id)  # queued, not sent yet

    # the platform cancels the packed order (a shop without a seller: carried out at once)
    await floor.channels.take(shop, msgspec.structs.replace(placed, state="cancelled", updated_ms=5))
    assert (await floor.orders.get(w, taken.floor_order)).status == "cancelled"
    shipment = await floor.shipping.store.get(w, closed.shipment_id)
    assert (shipment.status, shipment.void_reason, shipment.labels_state) == ("void", "cancelled on the platform", "void")
    assert (await floor.shipping.store.parcel(w, waybill))["void"] == "1"
    assert (await floor.shipping.store.label(w, closed.shipment_id, 1))["state"] == "void"
    assert waybill not in await floor.shipping.store.open_parcels(w)  # no stuck/lost sweep for it
    await floor.shipping.apply_events(w, [RawEvent(waybill, int(time.time() * 1000) + 1000, "created")])
    assert waybill not in await floor.shipping.store.open_parcels(w)  # not even after a late carrier event
    assert await floor.shipping.store.of_order(w, taken.floor_order) is None
    with pytest.raises(NotFoundError):
        await floor.shipping.session(w, taken.floor_order)  # the pack session is gone with the parcel
    assert await floor.availability.store.pending_shipments("taobao", shop_id) == {}

    task_id = str(await floor.client.hget(keys.key(w, "order", taken.floor_order), "putback"))
    view = await floor.putback.task(w, task_id)
    first = f"{w}-A01-C01"
    assert (view.source, view.station, view.shipment) == ("pack", "PACK-1", closed.shipment_id)
    assert sorted(view.steps) == [(first, "LA", 2, 0), (first, "LB", 1, 0)] and view.units == 3
    [voided] = await _events(floor, w, "parcel_voided")
    assert voided == {"order_id": taken.floor_order, "shipment_id": closed.shipment_id, "waybills": waybill,
                      "station": "PACK-1", "task_id": task_id, "units": 3, "repack": "",
                      "reason": "cancelled on the platform"}
    [board] = [x for x in await floor.incidents.open(w) if x.kind == "parcel_voided"]
    assert closed.shipment_id in board.detail and waybill in board.detail and task_id in board.detail

    # repeats: the same answer, nothing twice (one task, one exception, one event)
    again = await floor.putback.cancel(w, taken.floor_order, "cancelled on the platform")
    assert (again.repeat, again.task_id, again.voided, again.packed) == (True, task_id, closed.shipment_id, True)
    assert await floor.life.cancel_on_floor(w, taken.floor_order, "again") == "cancelled"
    await floor.shipping._shipped(w, closed.shipment_id)  # a late repeated close: no ship call for a void parcel
    assert len(await _events(floor, w, "parcel_voided")) == 1
    assert len([x for x in await floor.incidents.open(w) if x.kind == "parcel_voided"]) == 1
    assert await floor.client.zcard(keys.key(w, "move_tasks")) == 1

    counts = await floor.availability.drain("taobao", shop_id, force=True)
    assert counts["shipped"] == 0 and counts["acked"] == 1
    assert platforms.shipments == {}  # never confirmed as shipped
    assert [a["flag"] for a in platforms.acks["top:PK1"]] == ["4"]

    # the packed units go back to their bins from the pack station
    assert await floor.client.hget(keys.key(w, "picker", picker), "task") == task_id
    after_cancel = await _counters(floor, w)
    assert after_cancel == {"LA": (before["LA"][0] - 2, 0), "LB": (before["LB"][0] - 1, 0)}
    await _put_back(floor, w, picker, task_id)
    assert await _counters(floor, w) == before
    assert int(await floor.client.hget(keys.key(w, "bin", first), "LA")) == 10
    report = await floor.availability.check(w)
    assert report.drift == [] and report.negative == []


async def test_a_shipped_order_cancel_is_refused_and_changes_nothing(floor: Floor, warehouse: str) -> None:
    w = f"{warehouse}S"
    await stock_warehouse(floor, w, {"LA": 10}, ["LA", "LB"])
    floor.shipping.origins[w] = "W1"
    await floor.shipping.store.add_range(w, "EMS", 10_000_000, 10_000_099)
    from floor.orders.model import NewOrder, OrderLine

    _r, placed = await floor.orders.intake(w, NewOrder("tmall", "SH-1", [OrderLine("LA", 2)], w))
    await _pick(floor, w, [placed.order_id], "wv-sh1")
    closed = await pack_and_ship(floor, w, placed.order_id)
    waybill = (await floor.shipping.store.get(w, closed.shipment_id)).boxes[0].waybill
    [(_repeat, status)] = await floor.shipping.apply_events(w, [RawEvent(waybill, int(time.time() * 1000) + 1000,
                                                                         "picked_up")])
    assert status == "picked_up"  # the carrier has it
    before = await _counters(floor, w)
    ledger = await floor.client.xlen(keys.key(w, "ledger"))

    outcome, why = await floor.life.cancel_detail(w, placed.order_id, "buyer asked")
    assert outcome == "shipped" and waybill in why and "picked_up" in why and "return" in why
    assert await floor.life.cancel_on_floor(w, placed.order_id, "buyer asked") == "shipped"
    assert (await floor.orders.get(w, placed.order_id)).status == "picked"
    assert (await floor.shipping.store.get(w, closed.shipment_id)).status == "labelled"
    assert (await floor.shipping.store.parcel(w, waybill)).get("void") is None
    assert await floor.client.hget(keys.key(w, "order", placed.order_id), "putback") is None
    assert await _counters(floor, w) == before and await floor.client.xlen(keys.key(w, "ledger")) == ledger
    assert await _events(floor, w, "parcel_voided") == []


async def test_a_merged_parcel_with_one_order_cancelled_is_voided_and_the_rest_repacked(
        floor: Floor, warehouse: str, platforms: Platforms) -> None:
    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    for w in (a, b, c):
        await stock_warehouse(floor, w, {"LA": 10, "LB": 10} if w == a else {}, ["LA", "LB"])
    floor.shipping.origins[a] = "W2"
    await floor.shipping.store.add_range(a, "EMS", 10_000_000, 10_000_099)
    seller = f"pm-{warehouse}"
    await floor.routing.put_rules(seller, msgspec.structs.replace(rule_set(a, b, c), merge_window_s=600))
    shop_id = f"pm-{warehouse.lower()}"
    shop = await register(floor, "taobao", shop_id, a, platforms.url, seller=seller)
    before = await _counters(floor, a)
    first = await floor.channels.take(shop, order("N1", [("LA", 1)], shop=shop_id))
    second = await floor.channels.take(shop, order("N2", [("LB", 2)], shop=shop_id))
    assert first.warehouse == second.warehouse == a
    picker = await _pick(floor, a, [first.floor_order, second.floor_order], "wv-pm")
    closed = await pack_and_ship(floor, a, first.floor_order)
    old = await floor.shipping.store.get(a, closed.shipment_id)
    assert old.orders == [second.floor_order]
    assert await floor.shipping.store.ship_to(a, second.floor_order) is None  # only the lead had one

    # the LEAD order of the parcel (its session's owner, the ship-to) is cancelled on the platform
    outcome = await floor.routing.cancel("taobao", shop_id, "N1", "buyer asked")
    assert [s.verdict for s in outcome.trace][-2:] == ["put_back", "unmerged"]
    assert outcome.trace[-2].reason.endswith(f"its parcel {closed.shipment_id} is void")
    assert (await floor.shipping.store.get(a, closed.shipment_id)).status == "void"
    assert (await floor.orders.get(a, second.floor_order)).status == "picked"  # back to packing
    assert await floor.shipping.store.of_order(a, second.floor_order) is None
    [voided] = await _events(floor, a, "parcel_voided")
    assert (voided["order_id"], voided["repack"]) == (first.floor_order, second.floor_order)
    task_id = str(await floor.client.hget(keys.key(a, "order", first.floor_order), "putback"))
    assert (await floor.putback.task(a, task_id)).steps == [(f"{a}-A01-C01", "LA", 1, 0)]  # only N1's units
    [board] = [x for x in await floor.incidents.open(a) if x.kind == "parcel_voided"]
    assert f"{second.floor_order} go back to packing" in board.detail
    lead_ship_to = await floor.shipping.store.ship_to(a, first.floor_order)
    assert lead_ship_to and await floor.shipping.store.ship_to(a, second.floor_order) == lead_ship_to  # kept

    session = await floor.shipping.start_pack(a, second.floor_order, "PACK-2")  # packed again, without N1
    assert session.expected == {"LB": 2} and session.orders == [] and session.boxes == []
    again = await pack_and_ship(floor, a, second.floor_order)
    assert again.verdict == "ok" and again.shipment_id != closed.shipment_id
    new = await floor.shipping.store.get(a, again.shipment_id)
    assert new.orders == [] and new.status == "labelled" and new.receiver == old.receiver  # the parcel's ship-to

    counts = await floor.availability.drain("taobao", shop_id, force=True)
    assert counts["shipped"] == 1 and counts["acked"] == 1
    calls = {k: [(x["waybill"], x["form"]["tid"]) for x in v] for k, v in platforms.shipments.items()}
    assert calls == {"top:N2": [(new.boxes[0].waybill, "N2")]}  # the void parcel never confirmed
    assert [x["flag"] for x in platforms.acks["top:N1"]] == ["4"]
    await _put_back(floor, a, picker, task_id)
    assert await _counters(floor, a) == {"LA": before["LA"], "LB": (before["LB"][0] - 2, 0)}
    assert (await floor.availability.check(a)).drift == []


async def test_an_open_pack_session_cancelled_mid_packing(floor: Floor, warehouse: str) -> None:
    """No label yet: the session is void (its boxes are unpacked), the units go back from the station;
    a close of the box afterwards finds no session; nothing is shipped."""
    w = f"{warehouse}O"
    await stock_warehouse(floor, w, {"LA": 10}, ["LA", "LB"])
    from floor.orders.model import NewOrder, OrderLine

    _r, placed = await floor.orders.intake(w, NewOrder("tmall", "OP-1", [OrderLine("LA", 3)], w))
    picker = await _pick(floor, w, [placed.order_id], "wv-op1")
    await floor.shipping.prepare(w, placed.order_id, ShipTo(name="张三", phone="13800000001", province="广东"))
    await floor.shipping.start_pack(w, placed.order_id, "PACK-3")
    assert (await floor.shipping.scan(w, placed.order_id, "LA"))[0] == "ok"  # one of three units in the box
    refund = await floor.putback.refund(w, placed.order_id, {"LA": 1}, "v2", "line refunded")  # not from a box
    assert (refund.outcome, refund.task_id, refund.packed) == ("unchanged", "", True)
    assert [x.kind for x in await floor.incidents.open(w)] == ["other"] and "PACK-3" in refund.detail
    result = await floor.putback.cancel(w, placed.order_id, "seller cancelled")
    assert (result.outcome, result.packed, result.voided) == ("put_back", True, "")
    view = await floor.putback.task(w, result.task_id)
    assert (view.source, view.station, view.units) == ("pack", "PACK-3", 3)
    with pytest.raises(NotFoundError):
        await floor.shipping.close_box(w, placed.order_id, 300, last=True)
    [voided] = await _events(floor, w, "parcel_voided")
    assert (voided["shipment_id"], voided["waybills"], voided["station"]) == ("", "", "PACK-3")
    await _put_back(floor, w, picker, result.task_id)
    assert (await _counters(floor, w))["LA"] == (10, 0)
    assert (await floor.availability.check(w)).drift == []


@pytest.fixture
def sf_stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sf"
    server.shutdown()
    server.server_close()


async def _packed_sf(floor: Floor, w: str, platform_id: str, adapter: SfAdapter) -> tuple[str, str]:
    """A packed, labelled SF parcel of one new order in ``w``: (floor order, shipment id)."""
    from floor.orders.model import NewOrder, OrderLine

    await stock_warehouse(floor, w, {"LA": 5}, ["LA", "LB"])
    floor.shipping.origins[w] = "W1"
    floor.shipping.adapters["SF"] = adapter
    _r, placed = await floor.orders.intake(w, NewOrder("tmall", platform_id, [OrderLine("LA", 1)], w))
    await _pick(floor, w, [placed.order_id], f"wv-{platform_id}")
    await floor.shipping.prepare(w, placed.order_id, ShipTo(name="张三", phone="13800000001", province="广东",
                                                            city="广州市", district="天河区", pinned="SF_STD"))
    session = await floor.shipping.start_pack(w, placed.order_id, "PACK-4")
    assert (await floor.shipping.scan(w, placed.order_id, "LA"))[0] == "ok"
    box = (await floor.shipping.session(w, placed.order_id)).open_box
    weight = pack.expected_weight(session, box, pack.suggest([session.items["LA"]]))
    closed = await floor.shipping.close_box(w, placed.order_id, weight, last=True)
    assert (await floor.shipping.store.get(w, closed.shipment_id)).boxes[0].waybill == "SF1400000000018"
    return placed.order_id, closed.shipment_id


async def test_an_sf_label_is_voided_with_the_carrier_once(floor: Floor, warehouse: str, sf_stand_in: str) -> None:
    """The shipment is cancelled with SF through its adapter (EXP_RECE_UPDATE_ORDER, dealType 2, the
    stand-in checks the msgDigest); a repeated cancel does not call SF again."""
    w = f"{warehouse}F"
    order_id, shipment_id = await _packed_sf(floor, w, "SF-1", SfAdapter(sf_stand_in, "partner", CHECK_WORD))
    StandIn.seen.clear()

    assert (await floor.putback.cancel(w, order_id, "seller cancelled")).voided == shipment_id
    assert (await floor.putback.cancel(w, order_id, "seller cancelled")).repeat
    calls = [f for f in StandIn.seen if f["serviceCode"] == "EXP_RECE_UPDATE_ORDER"]
    assert len(calls) == 1 and len(StandIn.seen) == 1
    msg = json.loads(calls[0]["msgData"])
    assert (msg["orderId"], msg["dealType"], msg["waybillNoInfoList"]) == (
        shipment_id, 2, [{"waybillNo": "SF1400000000018"}])
    [board] = [x for x in await floor.incidents.open(w) if x.kind == "parcel_voided"]
    assert "did not void" not in board.detail  # SF accepted the void
    parcel = await floor.shipping.store.parcel(w, "SF1400000000018")
    assert (parcel["void_carrier"], await floor.shipping.store.claim_voids(w, 2**62, 1000)) == ("confirmed", [])


async def test_a_void_the_carrier_did_not_take_is_asked_again_until_it_is(floor: Floor, warehouse: str,
                                                                            sf_stand_in: str) -> None:
    """SF unreachable when the order is cancelled: the void waits in void:retry with a backed-off next
    try; a try before it is due asks nothing; the first due try after SF is back voids it, once."""
    from floor.shipping.void import RETRY_FIRST_S, retry_voids

    w = f"{warehouse}R"
    order_id, shipment_id = await _packed_sf(floor, w, "SF-R", SfAdapter(sf_stand_in, "partner", CHECK_WORD))
    floor.shipping.adapters["SF"] = SfAdapter(f"http://127.0.0.1:{free_port()}/sf", "partner", CHECK_WORD)  # SF down
    before = int(time.time() * 1000)
    assert (await floor.putback.cancel(w, order_id, "seller cancelled")).voided == shipment_id
    waybill = "SF1400000000018"
    parcel = await floor.shipping.store.parcel(w, waybill)
    assert (parcel["void_carrier"], parcel["void_attempts"]) == ("retrying", "1")
    assert "Connection refused" in parcel["void_error"]
    [board] = [x for x in await floor.incidents.open(w) if x.kind == "parcel_voided"]
    assert "did not void SF1400000000018" in board.detail and "asked again" in board.detail
    assert (await floor.shipping.store.get(w, shipment_id)).status == "void"  # void for us at once

    assert await retry_voids(floor.shipping, w, before + 1000) == []  # not due yet: SF not asked
    due = before + RETRY_FIRST_S * 1000 + 60_000
    assert await retry_voids(floor.shipping, w, due) == [(waybill, "retrying")]  # still down
    parcel = await floor.shipping.store.parcel(w, waybill)
    assert (parcel["void_carrier"], parcel["void_attempts"]) == ("retrying", "2")
    assert await retry_voids(floor.shipping, w, due + RETRY_FIRST_S * 1000) == []  # backed off: 10 min now

    floor.shipping.adapters["SF"] = SfAdapter(sf_stand_in, "partner", CHECK_WORD)  # SF is back
    StandIn.seen.clear()
    later = due + 2 * RETRY_FIRST_S * 1000 + 60_000
    assert await retry_voids(floor.shipping, w, later) == [(waybill, "confirmed")]
    assert await retry_voids(floor.shipping, w, later + 10**9) == []  # done: never asked again
    [call] = StandIn.seen
    assert (call["serviceCode"], json.loads(call["msgData"])["waybillNoInfoList"]) == (
        "EXP_RECE_UPDATE_ORDER", [{"waybillNo": waybill}])
    parcel = await floor.shipping.store.parcel(w, waybill)
    assert (parcel["void_carrier"], parcel["void_attempts"], parcel["void_error"]) == ("confirmed", "3", "")


async def test_a_void_the_carrier_never_takes_goes_to_the_board_after_the_last_try(floor: Floor, warehouse: str,
                                                                                   sf_stand_in: str) -> None:
    """Every try refused: after VOID_TRIES the waybill leaves void:retry and the board says to void it by
    hand (once); two sweepers at the same moment try each due waybill once (the claim is leased)."""
    from floor.shipping.void import RETRY_MAX_S, VOID_TRIES, retry_voids

    w = f"{warehouse}V"
    order_id, _shipment_id = await _packed_sf(floor, w, "SF-V", SfAdapter(sf_stand_in, "partner", CHECK_WORD))
    floor.shipping.adapters["SF"] = SfAdapter(f"http://127.0.0.1:{free_port()}/sf", "partner", CHECK_WORD)  # SF down
    await floor.putback.cancel(w, order_id, "seller cancelled")
    waybill = "SF1400000000018"
    now = int(time.time() * 1000)
    for attempt in range(2, VOID_TRIES + 1):
        now += RETRY_MAX_S * 1000 + 1
        first, second = await asyncio.gather(retry_voids(floor.shipping, w, now), retry_voids(floor.shipping, w, now))
        assert sorted([*first, *second]) == [(waybill, "retrying" if attempt < VOID_TRIES else "manual")]
    parcel = await floor.shipping.store.parcel(w, waybill)
    assert (parcel["void_carrier"], parcel["void_attempts"]) == ("manual", str(VOID_TRIES))
    assert await retry_voids(floor.shipping, w, now + 10**9) == []
    [given_up] = [x for x in await floor.incidents.open(w) if "still did not void" in x.detail]
    assert (given_up.kind, f"after {VOID_TRIES} tries" in given_up.detail, "by hand" in given_up.detail) == (
        "parcel_voided", True, True)


async def test_a_routed_cancel_of_a_shipped_order_is_refused_in_the_trace(floor: Floor, warehouse: str,
                                                                          platforms: Platforms) -> None:
    """Through the routing (POST .../cancel): the trace says cancel_refused with the reason, the floor
    order and its parcel are untouched and no 'cancelled' acknowledgement is queued for the platform."""
    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    for w in (a, b, c):
        await stock_warehouse(floor, w, {"LA": 10} if w == a else {}, ["LA", "LB"])
    floor.shipping.origins[a] = "W2"
    await floor.shipping.store.add_range(a, "EMS", 10_000_000, 10_000_099)
    seller = f"rs-{warehouse}"
    await floor.routing.put_rules(seller, rule_set(a, b, c))
    shop_id = f"rs-{warehouse.lower()}"
    shop = await register(floor, "jd", shop_id, a, platforms.url, seller=seller)
    taken = await floor.channels.take(shop, order("R1", [("LA", 1)], channel="jd", shop=shop_id))
    await _pick(floor, a, [taken.floor_order], "wv-rs")
    closed = await pack_and_ship(floor, a, taken.floor_order)
    waybill = (await floor.shipping.store.get(a, closed.shipment_id)).boxes[0].waybill
    await floor.shipping.apply_events(a, [RawEvent(waybill, int(time.time() * 1000) + 1000, "picked_up")])

    outcome = await floor.routing.cancel("jd", shop_id, "R1", "buyer asked")
    step = outcome.trace[-1]
    assert step.verdict == "cancel_refused" and waybill in step.reason and "a return" in step.reason
    assert (await floor.orders.get(a, taken.floor_order)).status == "picked"
    assert (await floor.shipping.store.get(a, closed.shipment_id)).status == "labelled"
    assert await floor.availability.store.pending_acks("jd", shop_id) == {}
    assert (await floor.availability.drain("jd", shop_id))["shipped"] == 1  # its ship call still goes out


async def test_a_parcel_already_confirmed_to_the_platform_is_voided_and_flagged(floor: Floor, warehouse: str,
                                                                                platforms: Platforms) -> None:
    """The outbox sent the ship call before the cancel came (the parcel is still in the building): the
    parcel is voided and its units go back, and the board says the platform must be settled by hand."""
    w = f"{warehouse}C"
    await stock_warehouse(floor, w, {"LA": 10}, ["LA", "LB"])
    floor.shipping.origins[w] = "W1"
    await floor.shipping.store.add_range(w, "EMS", 10_000_000, 10_000_099)
    shop_id = f"ac-{warehouse.lower()}"
    shop = await register(floor, "douyin", shop_id, w, platforms.url)
    taken = await floor.channels.take(shop, order("AC1", [("LA", 1)], channel="douyin", shop=shop_id))
    await _pick(floor, w, [taken.floor_order], "wv-ac")
    closed = await pack_and_ship(floor, w, taken.floor_order)
    assert (await floor.availability.drain("douyin", shop_id))["shipped"] == 1
    result = await floor.putback.cancel(w, taken.floor_order, "seller cancelled")
    assert (result.outcome, result.voided) == ("put_back", closed.shipment_id)
    [board] = [x for x in await floor.incidents.open(w) if x.kind == "parcel_voided"]
    assert "already told AC1 shipped" in board.detail and "settle it on the platform" in board.detail
    assert len(platforms.shipments["douyin:AC1"]) == 1  # nothing more is sent
    assert (await floor.availability.drain("douyin", shop_id, force=True))["shipped"] == 0
