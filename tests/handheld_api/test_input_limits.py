"""Input limits, walked over the route table against a real node: every string field of every
request body is bounded; over-long values, control characters and non-ASCII digits in codes are
refused with a 4xx and a reason, and change nothing in Redis; bodies over FLOOR_MAX_BODY get 413."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
import redis
from litestar.routes import HTTPRoute

from floor.core.settings import Settings
from handheld_api.app import create_app
from tests.live import LiveApp
from tests.redis_server import RedisServer

ARABIC_INDIC_DIGITS = "\u0661\u0662\u0663"  # "123" in Arabic-Indic digits: \d matches them, [0-9] does not
FULLWIDTH_DIGITS = "\uff11\uff12"


PATH_VALUES = {"channel": "jd"}  # path parameters with a fixed vocabulary: a valid value, so the body is what is refused


def base_bodies(app: LiveApp) -> dict[str, dict[str, Any]]:
    """A valid body for every POST route that takes one (the walk fails on a route missing here)."""
    wh = app.warehouse
    return {
        "/api/auth/login": {"badge": "B1", "pin": "1234", "username": None, "password": None},
        "/api/orders": {"channel": "jd", "external_id": "E-1", "warehouse": wh, "customer": "张三", "shop": "s1",
                        "lines": [{"sku": "SKU00001", "quantity": 1}]},
        "/api/inventory/adjustments": {"command_id": "c1", "sku": "SKU00001", "location": f"{wh}-A01-C01",
                                       "delta": 1, "reason": "receipt", "warehouse": wh},
        "/api/waves": {"wave_id": "w1", "warehouse": wh, "planner": "serpentine", "order_ids": ["O1"]},
        "/api/exceptions": {"exception_id": "x1", "kind": "damaged", "location": f"{wh}-A01-C01", "sku": "SKU00001",
                            "task_id": "t1", "detail": "box", "warehouse": wh},
        "/api/exceptions/{exception_id:str}/acknowledge": {"command_id": "c1", "note": "ok"},
        "/api/shipping/quote": {"weight_g": 900, "province": "北京", "city": "北京市", "district": "朝阳区",
                                "country": "CN", "promise_date": "2026-12-31", "pinned": "", "warehouse": wh},
        "/api/shipping/printers/{station:str}": {"host": "127.0.0.1", "port": 9100, "name": "ZD621"},
        "/api/pack/{order_id:str}/ship-to": {"name": "张三", "phone": "138", "province": "北京", "city": "北京市",
                                            "district": "朝阳区", "address": "建国路 88 号", "country": "CN",
                                            "promise_date": "", "pinned": ""},
        "/api/pack/{order_id:str}/start": {"station": "PACK-1"},
        "/api/pack/{order_id:str}/scan": {"code": "SKU00001", "serial": ""},
        "/api/pack/{order_id:str}/close": {"weight_g": 100, "box_type": "", "last": False},
        "/api/exceptions/{exception_id:str}/resolve": {"command_id": "c1", "note": "ok"},
        "/api/admin/users": {"username": "u1", "role": "supervisor", "password": "0123456789", "warehouses": [wh],
                             "channels": ["jd"]},
        "/api/admin/users/{username:str}/password": {"password": "0123456789"},
        "/api/admin/pickers": {"picker_id": "p1", "warehouse": wh, "badge": "B1", "name": "Li", "pin": "1234"},
        "/api/admin/pickers/{badge:str}/pin": {"pin": "1234"},
        "/api/waves/tasks/{task_id:str}/reassign": {"command_id": "c1", "picker": "p1"},
        "/api/imports": {"import_id": "i1", "files": {"skus": "warehouse,sku,gtin,name_en\n"}, "kinds": ["skus"]},
        "/api/routing/orders/{channel:str}/{shop:str}/{order_id:str}/hold": {"reason": "check"},
        "/api/routing/orders/{channel:str}/{shop:str}/{order_id:str}/release": {"note": "ok"},
        "/api/routing/orders/{channel:str}/{shop:str}/{order_id:str}/cancel": {"reason": "buyer"},
        "/api/availability/check": {"compensate": False, "warehouse": wh},
        "/api/availability/{channel:str}/{shop:str}/shipments": {"parcel": "p1", "platform_order_id": "T1",
                                                                  "carrier": "SF", "waybill": "SF1", "line_ids": ["1"]},
        # issue 9
        "/api/planning/thresholds": {"sku": "SKU00001", "safety": 1, "reorder_point": 2, "warehouse": wh},
        "/api/planning/locations": {"location": f"{wh}-R01-01", "kind": "reserve", "warehouse": wh},
        "/api/planning/replenishments": {"sku": "SKU00001", "location": f"{wh}-A01-C01", "warehouse": wh},
        "/api/planning/receipts": {"command_id": "c1", "sku": "SKU00001", "quantity": 1, "location": f"{wh}-A01-C01",
                                   "warehouse": wh},
        "/api/planning/on-order": {"command_id": "c1", "sku": "SKU00001", "quantity": 1, "warehouse": wh},
        "/api/planning/transfers": {"transfer_id": "t1", "sku": "SKU00001", "quantity": 1, "source": wh, "target": wh},
        "/api/planning/transfers/{transfer_id:str}/receive": {"good": 1, "reason": "ok", "location": f"{wh}-A01-C01"},
        "/api/planning/transfers/suggest": {"warehouses": [wh, wh]},
        "/api/counts": {"command_id": "c1", "location": f"{wh}-A01-C01", "sku": "", "warehouse": wh},
        "/api/counts/{count_id:str}/decision": {"decision": "approve", "note": "ok", "warehouse": wh},
        "/api/counts/schedule": {"command_id": "c1", "warehouse": wh},
        "/api/returns/rmas": {"reference": "r1", "channel": "jd", "order_id": "O1", "warehouse": wh,
                              "lines": [{"sku": "SKU00001", "quantity": 1}]},
        "/api/returns/rmas/from-channel": {"refund_id": "r1", "channel": "jd", "external_id": "E1", "warehouse": wh,
                                           "lines": [{"sku": "SKU00001", "quantity": 1}]},
        "/api/returns/rmas/{rma_id:str}/items": {"unit_id": "u1", "sku": "SKU00001", "serial": "S1", "lot": "L1",
                                                 "warehouse": wh},
        "/api/returns/rmas/{rma_id:str}/dispositions": {"unit_id": "u1", "disposition": "damaged", "reason": "x",
                                                        "location": f"{wh}-A01-C01", "warehouse": wh},
        "/api/imports/validate": {"import_id": "i1", "files": {"skus": "warehouse,sku,gtin,name_en\n"}, "kinds": ["skus"]},
        "/api/channels/shops": {"channel": "jd", "shop": "s1", "secret": "secret-0001", "warehouse": wh,
                                "app_key": "k1", "sign_method": "md5", "api_url": "", "name": "JD shop"},
        "/api/channels/{channel:str}/{shop:str}/skus": {"mappings": [{"channel_sku": "C1", "components": [
            {"sku": "SKU00001", "quantity": 1}], "gifts": [{"sku": "SKU00002", "quantity": 1}]}]},
        "/api/release/tick": {"warehouse": wh},
    }


@pytest.fixture(scope="module")
def body_routes(redis_server: RedisServer) -> list[tuple[str, type[msgspec.Struct]]]:
    """(path, body Struct) of every POST route that reads a body."""
    app = create_app(Settings(redis_url=redis_server.url, secret="input-limits"))
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                data = handler.parsed_fn_signature.parameters.get("data")
                if "POST" in handler.http_methods and data is not None:
                    found.append((route.path, data.annotation))
    return found


def string_fields(struct: type[msgspec.Struct]) -> Iterator[tuple[tuple[str | int, ...], msgspec.inspect.StrType]]:
    """Every string field (path into the body, its constraints), through Optional, lists and nested Structs."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    yield from _strings(info, ())


def _strings(info: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(info, msgspec.inspect.Metadata):  # Annotated with a description
        yield from _strings(info.type, path)
    elif isinstance(info, msgspec.inspect.StructType):
        for field in info.fields:
            yield from _strings(field.type, (*path, field.encode_name))
    elif isinstance(info, msgspec.inspect.UnionType):
        for member in info.types:
            yield from _strings(member, path)
    elif isinstance(info, msgspec.inspect.ListType):
        yield from _strings(info.item_type, (*path, 0))
    elif isinstance(info, msgspec.inspect.StrType):
        yield path, info


def with_value(body: dict[str, Any], path: tuple[str | int, ...], value: str) -> dict[str, Any]:
    copy = msgspec.json.decode(msgspec.json.encode(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return dict(copy)


def test_every_string_field_of_every_request_body_is_bounded(body_routes: list[tuple[str, type[msgspec.Struct]]]) -> None:
    assert len(body_routes) >= 11
    for path, struct in body_routes:
        fields = list(string_fields(struct))
        assert fields, path
        for field, info in fields:
            assert info.max_length is not None, f"{path}: {'.'.join(map(str, field))} has no max_length"


def _quiet_writes(store: redis.Redis) -> int:
    """Redis's write counter once the live nodes' background loops (release loop, planning follower,
    presence sweeps) have been quiet for 0.3 s (at most 5 s of waiting)."""
    last = store.info("persistence")["rdb_changes_since_last_save"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = store.info("persistence")["rdb_changes_since_last_save"]
        if now == last:
            return int(now)
        last = now
    return int(last)


def test_bad_strings_are_refused_with_a_reason_and_change_nothing(
    live_app: LiveApp, body_routes: list[tuple[str, type[msgspec.Struct]]], redis_server: RedisServer
) -> None:
    bodies = base_bodies(live_app)
    store = redis.Redis.from_url(redis_server.url)
    tried = 0
    with httpx.Client(base_url=live_app.url, headers=live_app.headers("admin"), timeout=10) as client:
        for path, struct in body_routes:
            assert path in bodies, f"add a valid body for POST {path} to base_bodies()"
            url = re.sub(r"\{([^}:]+)[^}]*\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)
            # Background loops of the shared live nodes may write at any moment: a route passes when one
            # of two rounds of its bad bodies runs with Redis's write counter unchanged.
            writes = []
            for _round in range(2):
                before = _quiet_writes(store)
                for field, info in string_fields(struct):
                    good = "A" if info.pattern is None or re.search(info.pattern, "A") else "1"
                    bad = {"control character": good + "\x07", "newline": good + "\n", "NUL": "\x00" + good,
                           "line separator": good + "\u2028", "over-long": good * ((info.max_length or 0) + 1)}
                    if info.pattern is not None:  # a code: digits are ASCII digits
                        bad |= {"Arabic-Indic digits": ARABIC_INDIC_DIGITS, "full-width digits": FULLWIDTH_DIGITS}
                    for what, value in bad.items():
                        response = client.post(url, json=with_value(bodies[path], field, value))
                        name = ".".join(map(str, field))
                        assert 400 <= response.status_code < 500, (path, name, what, response.text)
                        named = next(str(step) for step in reversed(field) if isinstance(step, str))
                        assert named in response.json()["reason"], (path, name, what, response.text)  # which field
                        tried += 1
                writes.append(store.info("persistence")["rdb_changes_since_last_save"] - before)
                if writes[-1] == 0:
                    break
            assert writes[-1] == 0, f"POST {path}: bad input changed Redis (writes per round: {writes})"
    assert tried >= 200, tried


def test_dates_are_range_checked(live_app: LiveApp) -> None:
    body = base_bodies(live_app)["/api/orders"]
    for due in (-1, 0, 1_700_000_000_000, 10**10):  # negative, epoch 0, milliseconds, year 2286
        response = httpx.post(f"{live_app.url}/api/orders", json=dict(body, due=due, external_id=f"D{due}"),
                              headers=live_app.headers("supervisor"))
        assert response.status_code == 422 and "due must be epoch seconds" in response.json()["reason"]


def test_request_bodies_over_the_limit_get_413(live_app: LiveApp) -> None:
    huge = b'{"channel": "jd", "external_id": "' + b"x" * 1_100_000 + b'"}'
    for path, headers in (("/api/orders", live_app.headers("supervisor")), ("/api/auth/login", {})):
        response = httpx.post(f"{live_app.url}{path}", content=huge,
                              headers={**headers, "Content-Type": "application/json"}, timeout=30)
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"] == "too_large"
