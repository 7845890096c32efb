"""HTTP API against a real server process: auth, orders, inventory, waves, exceptions, bad input."""

from __future__ import annotations

import httpx

from tests.live import LiveApp
from tests.redis_server import RedisServer


def post(app: LiveApp, path: str, body: object, role: str = "supervisor", **params: str) -> httpx.Response:
    return httpx.post(f"{app.url}{path}", json=body, headers=app.headers(role), params=params, timeout=30)


def get(app: LiveApp, path: str, role: str = "supervisor") -> httpx.Response:
    return httpx.get(f"{app.url}{path}", headers=app.headers(role), params={"warehouse": app.warehouse}, timeout=30)


def test_health_and_openapi_are_public(live_app: LiveApp) -> None:
    health = httpx.get(f"{live_app.url}/healthz").json()
    assert health == {"status": "ok", "redis": True, "scripts": True}
    schema = httpx.get(f"{live_app.url}/schema/openapi.json").json()
    assert "/api/orders" in schema["paths"] and "BearerToken" in schema["components"]["securitySchemes"]


def test_metrics_need_a_supervisor_token_and_count_scans(live_app: LiveApp) -> None:
    assert httpx.get(f"{live_app.url}/metrics").status_code == 401
    text = httpx.get(f"{live_app.url}/metrics", headers=live_app.headers()).text
    assert "floor_scan_seconds_bucket" in text and 'floor_sockets{kind="handheld"}' in text


def test_login_picker_and_supervisor(live_app: LiveApp) -> None:
    picker, badge, pin = live_app.pickers[0]
    ok = httpx.post(f"{live_app.url}/api/auth/login", json={"badge": badge, "pin": pin})
    assert ok.status_code == 200 and ok.json()["role"] == "picker" and ok.json()["subject"] == picker
    assert httpx.post(f"{live_app.url}/api/auth/login", json={"badge": badge, "pin": "0000"}).status_code == 401
    username, password = live_app.supervisor
    sup = httpx.post(f"{live_app.url}/api/auth/login", json={"username": username, "password": password})
    assert sup.json()["role"] == "supervisor" and sup.json()["warehouse"] == live_app.warehouse
    for _ in range(4):  # with the one above, five wrong PINs lock the badge for five minutes, even for the right PIN
        assert httpx.post(f"{live_app.url}/api/auth/login", json={"badge": badge, "pin": "9999"}).status_code == 401
    locked = httpx.post(f"{live_app.url}/api/auth/login", json={"badge": badge, "pin": pin})
    assert locked.status_code == 429 and "too many failed logins" in locked.json()["reason"]
    bad = httpx.post(f"{live_app.url}/api/auth/login", json={"badge": live_app.pickers[1][1]})
    assert bad.status_code == 422 and "badge + pin" in bad.json()["reason"]
    # The token works for its warehouse only.
    token = sup.json()["token"]
    other = httpx.get(f"{live_app.url}/api/exceptions", params={"warehouse": "ZZ9"}, headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 403


def test_every_api_route_needs_a_token_of_the_right_role(live_app: LiveApp) -> None:
    assert httpx.get(f"{live_app.url}/api/exceptions").status_code == 401
    assert httpx.get(f"{live_app.url}/api/exceptions", headers={"Authorization": "Bearer x.y"}).status_code == 401
    assert post(live_app, "/api/orders", {}, role="picker").status_code == 403
    assert post(live_app, "/api/waves", {"wave_id": "w"}, role="channel").status_code == 403


def test_order_intake_is_idempotent_and_reserves_once(live_app: LiveApp) -> None:
    sku = get(live_app, "/api/inventory/skus/SKU00040").json()
    body = {"channel": "jd", "external_id": "JD-1", "lines": [{"sku": "SKU00040", "quantity": 2}],
            "warehouse": live_app.warehouse}
    first = post(live_app, "/api/orders", body, role="channel")
    assert first.status_code == 200 and first.json()["order"]["status"] == "reserved"
    second = post(live_app, "/api/orders", body, role="channel")
    assert second.json()["repeat"] is True
    assert second.json()["order"]["order_id"] == first.json()["order"]["order_id"]
    after = get(live_app, "/api/inventory/skus/SKU00040").json()
    assert after["reserved"] == sku["reserved"] + 2 and after["available"] == sku["available"] - 2


def test_order_beyond_stock_is_backordered_with_reason_then_reserved_by_a_receipt(live_app: LiveApp) -> None:
    stock = get(live_app, "/api/inventory/skus/SKU00039").json()
    body = {"channel": "shopify", "external_id": "S-9", "warehouse": live_app.warehouse,
            "lines": [{"sku": "SKU00039", "quantity": stock["available"] + 5}]}
    order = post(live_app, "/api/orders", body, role="channel").json()["order"]
    assert order["status"] == "backordered" and "SKU00039 needs" in order["reason"]
    assert get(live_app, "/api/inventory/skus/SKU00039").json() == stock  # reserved nothing
    receipt = post(live_app, "/api/inventory/adjustments", {
        "command_id": "r-39", "sku": "SKU00039", "location": f"{live_app.warehouse}-A02-C02", "delta": 10,
        "reason": "receipt", "warehouse": live_app.warehouse})
    assert receipt.json()["backorders_reserved"] == [order["order_id"]]
    assert get(live_app, f"/api/orders/{order['order_id']}", role="channel").json()["status"] == "reserved"


def test_order_bad_input_is_rejected_and_changes_nothing(live_app: LiveApp) -> None:
    cases = [
        ({"channel": "ebay", "external_id": "1", "lines": [{"sku": "SKU00001", "quantity": 1}]}, 422, "unknown channel"),
        ({"channel": "jd", "external_id": "1", "lines": []}, 422, "at least one line"),
        ({"channel": "jd", "external_id": "1", "lines": [{"sku": "SKU00001", "quantity": 0}]}, 422, "quantity"),
        ({"channel": "jd", "external_id": "1", "lines": [{"sku": "NOPE", "quantity": 1}]}, 422, "unknown SKU"),
        ({"channel": "jd", "lines": [{"sku": "SKU00001", "quantity": 1}]}, 400, ""),
        ({"channel": "jd", "external_id": "1", "lines": [{"sku": "SKU00001", "quantity": "x"}]}, 400, ""),
    ]
    for body, status, reason in cases:
        body["warehouse"] = live_app.warehouse
        response = post(live_app, "/api/orders", body, role="channel")
        assert response.status_code == status, (body, response.text)
        assert reason in response.text
    # The rejected external id 1 was not recorded: a valid order with it is accepted as new.
    good = post(live_app, "/api/orders", {"channel": "jd", "external_id": "1", "warehouse": live_app.warehouse,
                                          "lines": [{"sku": "SKU00001", "quantity": 1}]}, role="channel")
    assert good.json()["repeat"] is False


def test_inventory_adjustments(live_app: LiveApp) -> None:
    location = f"{live_app.warehouse}-A03-C03"
    body = {"command_id": "adj-1", "sku": "SKU00030", "location": location, "delta": 7, "reason": "receipt",
            "warehouse": live_app.warehouse}
    first = post(live_app, "/api/inventory/adjustments", body).json()
    again = post(live_app, "/api/inventory/adjustments", body).json()
    assert again["repeat"] is True and again["on_hand"] == first["on_hand"]
    at = httpx.get(f"{live_app.url}/api/inventory/locations/{location}", params={"warehouse": live_app.warehouse},
                   headers=live_app.headers()).json()
    assert at["skus"]["SKU00030"] >= 7
    too_much = dict(body, command_id="adj-2", delta=-10_000, reason="cycle_count")
    response = post(live_app, "/api/inventory/adjustments", too_much)
    assert response.status_code == 409 and response.json()["error"] == "insufficient_stock"
    for bad in (dict(body, command_id="adj-3", location="W1-Z9"), dict(body, command_id="adj-4", reason="magic"),
                dict(body, command_id="adj-5", delta=0)):
        assert post(live_app, "/api/inventory/adjustments", bad).status_code == 422
    malformed = post(live_app, "/api/inventory/adjustments", dict(body, command_id="a b"))  # refused while decoding
    assert malformed.status_code == 400 and "command_id" in malformed.text
    assert get(live_app, "/api/inventory/skus/NOPE").status_code == 404


def test_wave_release_is_idempotent_and_exceptions_follow_their_lifecycle(live_app: LiveApp) -> None:
    body = {"wave_id": "wave-http", "pickers": 2, "max_orders": 4, "warehouse": live_app.warehouse, "planner": "serpentine"}
    first = post(live_app, "/api/waves", body).json()
    again = post(live_app, "/api/waves", body).json()
    assert again["repeat"] is True and again["wave"]["tasks"] == first["wave"]["tasks"]
    assert len(first["wave"]["tasks"]) == 2 and len(first["wave"]["orders"]) == 4
    task = get(live_app, f"/api/waves/tasks/{first['wave']['tasks'][0]}").json()
    positions = [(s["location"].split("-")[1], s["location"].split("-")[2]) for s in task["steps"]]
    aisles = [a for a, _ in positions]
    assert aisles == sorted(aisles)  # serpentine: aisle by aisle
    assert post(live_app, "/api/waves", dict(body, wave_id="w2", pickers=0)).status_code == 422
    assert post(live_app, "/api/waves", dict(body, wave_id="w3", order_ids=["nope"])).status_code == 404

    exc = post(live_app, "/api/exceptions", {"exception_id": "ex-1", "kind": "damaged", "warehouse": live_app.warehouse}).json()
    assert exc["status"] == "raised"
    path = f"/api/exceptions/{exc['exception_id']}"
    resolved = post(live_app, f"{path}/resolve", {"command_id": "c1"}, warehouse=live_app.warehouse).json()
    assert resolved["status"] == "resolved"
    illegal = post(live_app, f"{path}/acknowledge", {"command_id": "c2"}, warehouse=live_app.warehouse)
    assert illegal.status_code == 409 and "resolved" in illegal.json()["reason"]
    repeat = post(live_app, f"{path}/resolve", {"command_id": "c1"}, warehouse=live_app.warehouse)
    assert repeat.status_code == 200
    assert post(live_app, "/api/exceptions/none/resolve", {"command_id": "c3"}, warehouse=live_app.warehouse).status_code == 404
    assert get(live_app, "/api/exceptions").json() == []


def test_large_wave_is_planned_by_an_rq_worker_with_optimal_routes(live_app: LiveApp, redis_server: RedisServer) -> None:
    import os
    import subprocess
    import sys

    from tests.live import ROOT

    body = {"wave_id": "wave-rq", "max_orders": 12, "cart_capacity": 10, "warehouse": live_app.warehouse}
    queued = post(live_app, "/api/waves", body)
    assert queued.status_code == 202 and queued.json()["state"] == "queued", queued.text
    pending = get(live_app, "/api/waves/wave-rq")
    assert pending.status_code == 202 and pending.json()["state"] == "queued"  # not planned yet
    worker = subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_server.url, "floor"],
                            cwd=ROOT, env=dict(os.environ, REDIS_URL=redis_server.url), capture_output=True, text=True,
                            timeout=300)
    assert worker.returncode == 0, worker.stderr[-2000:]
    wave = get(live_app, "/api/waves/wave-rq").json()
    assert wave["status"] == "released" and len(wave["orders"]) == 12
    again = post(live_app, "/api/waves", body)  # a repeat after commit returns the wave
    assert again.status_code == 200 and again.json()["repeat"] is True
    for task_id in wave["tasks"]:
        task = get(live_app, f"/api/waves/tasks/{task_id}").json()
        assert sum(step["quantity"] for step in task["steps"]) <= 10
    svg = httpx.get(f"{live_app.url}/api/waves/tasks/{wave['tasks'][0]}/route.svg", params={"warehouse": live_app.warehouse},
                    headers=live_app.headers())
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count("<circle") == len(get(live_app, f"/api/waves/tasks/{wave['tasks'][0]}").json()["steps"]) + 1
    assert "<polyline" in svg.text
