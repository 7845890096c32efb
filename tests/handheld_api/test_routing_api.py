"""The routing and availability routes on a real node: rules round trip, the trace, hold / release /
cancel, scope and channel bindings, push profiles without their secrets, the drift check."""

from __future__ import annotations

import httpx

from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
from floor.floor import Floor
from tests.live import LiveApp


async def test_rules_trace_hold_release_cancel_and_the_check(live_app: LiveApp, small_demo: Floor) -> None:
    wh, url = live_app.warehouse, live_app.url
    admin = {"Authorization": f"Bearer {live_app.signer.issue('admin', 'api-admin', wh)[0]}"}
    sup = {"Authorization": f"Bearer {live_app.signer.issue('supervisor', 'api-sup', wh)[0]}"}
    seller = f"api-{wh}"
    rules = {"sites": [{"warehouse": wh, "province": "31"}], "rules": [{"name": "only", "split": "line"}],
             "risk": {"remark_keywords": ["刷单"]}}
    put = httpx.put(f"{url}/api/routing/rules?seller={seller}", json=rules, headers=admin)
    assert put.status_code == 200 and put.json()["version"] >= 1
    assert httpx.put(f"{url}/api/routing/rules?seller={seller}", json=rules, headers=sup).status_code == 403
    elsewhere = {**rules, "sites": [{"warehouse": "ZZ1", "province": "31"}], "rules": [{"name": "x"}]}
    assert httpx.put(f"{url}/api/routing/rules?seller={seller}", json=elsewhere, headers=admin).status_code == 403
    assert httpx.get(f"{url}/api/routing/rules?seller={seller}", headers=sup).json()["rules"][0]["name"] == "only"

    address = Address(name="张三", phone="138-0000-0011", province_code="310000")
    order = CanonicalOrder("jd", "shop1", f"API-{wh}", "ready", "WAIT_SELLER_STOCK_OUT",
                           [CanonicalLine("1", "SKU00003", 2)], address, buyer_message="刷单")
    await small_demo.routing.place(order, [("SKU00003", 2)], seller)
    base = f"{url}/api/routing/orders/jd/shop1/API-{wh}"
    trace = httpx.get(f"{base}/trace", headers=sup).json()
    assert trace["status"] == "held" and trace["holds"] == ["remark contains '刷单'"]
    assert any(step["verdict"] == "reserved" for step in trace["trace"])
    released = httpx.post(f"{base}/release", json={}, headers=sup).json()
    assert released["status"] == "routed"
    assert httpx.post(f"{base}/hold", json={"reason": "address check"}, headers=sup).json()["status"] == "held"
    cancelled = httpx.post(f"{base}/cancel", json={"reason": "buyer asked"}, headers=sup).json()
    assert cancelled["status"] == "cancelled" and cancelled["parcels"][0]["status"] == "cancelled"
    assert httpx.get(f"{url}/api/routing/orders/jd/shop1/nope/trace", headers=sup).status_code == 404
    tmall = {"Authorization": f"Bearer {live_app.signer.issue('channel', 'tm', wh, channels=['tmall'])[0]}"}
    jd = {"Authorization": f"Bearer {live_app.signer.issue('channel', 'jd', wh, channels=['jd:shop1'])[0]}"}
    assert httpx.get(f"{base}/trace", headers=tmall).status_code == 404
    assert httpx.get(f"{base}/trace", headers=jd).status_code == 200

    profile = {"channel": "jd", "shop": "shop1", "warehouses": [wh], "endpoint": "http://127.0.0.1:9",
               "app_secret": "do-not-echo", "access_token": "nor-this",
               "listings": [{"listing": "SKU00003", "components": [["SKU00003", 1]], "sku_id": "9001"}]}
    saved = httpx.put(f"{url}/api/availability/profiles", json=profile, headers=admin).json()
    assert saved["app_secret"] == "" and saved["access_token"] == ""
    state = httpx.put(f"{url}/api/availability/skus/SKU00003?warehouse={wh}", json={"safety": 2, "unavailable": 1},
                      headers=sup).json()
    assert (state["safety"], state["unavailable"]) == (2, 1)
    level = await small_demo.stock.level(wh, "SKU00003")
    ats = httpx.get(f"{url}/api/availability/jd/shop1", headers=jd).json()
    assert ats == [{"channel": "jd", "shop": "shop1", "listing": "SKU00003",
                    "ats": max(0, level.available - 1 - 2), "pushed": None}]
    assert httpx.get(f"{url}/api/availability/jd/shop1", headers=tmall).status_code == 404
    shipped = {"parcel": f"P-{wh}", "platform_order_id": "API", "carrier": "SF", "waybill": "SF1"}
    assert httpx.post(f"{url}/api/availability/jd/shop1/shipments", json=shipped, headers=sup).json() == {"queued": True}
    assert httpx.post(f"{url}/api/availability/jd/shop1/shipments", json=shipped, headers=sup).json() == {"queued": False}
    report = httpx.get(f"{url}/api/availability/check?warehouse={wh}", headers=admin).json()
    assert report["drift"] == [] and report["negative"] == []
    assert httpx.get(f"{url}/api/availability/check?warehouse={wh}", headers=sup).status_code == 403
