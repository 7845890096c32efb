"""The OpenAPI document against a real uvicorn node, with schemathesis.

Every operation of the served document gets (1) known-good requests built from the test's own
small demo warehouse, so 200/202 bodies are checked against their schemas, (2) a request without
a token where the route is guarded, and (3) generated requests, schema-conforming and not, a
bounded number each. Every response must have a documented status
(``status_code_conformance``), a body matching the documented schema for that status
(``response_schema_conformance``) and no 5xx (``not_a_server_error``).

Generated requests carry an admin token scoped to the test's warehouse, so they can only touch
that warehouse; generated log-ins raise the shared per-address lock-out counter, which the test
clears afterwards so later tests can still log in.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from floor.floor import Floor
from floor.store import keys
from tests.live import LiveApp

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Generated cases per operation and generation mode: the default keeps the whole run near 2,000
# requests however many operations the API has (FLOOR_SCHEMATHESIS_EXAMPLES sets it outright).
EXAMPLES = int(os.environ.get("FLOOR_SCHEMATHESIS_EXAMPLES", "0"))
TOTAL_GENERATED = 2_000
PUBLIC = {("POST", "/api/auth/login"), ("GET", "/healthz"), ("GET", "/healthz/ready"), ("GET", "/healthz/live"),
          ("POST", "/api/channels/{channel}/{shop}/webhook"),  # authenticated by the platform signature
          ("POST", "/api/shipping/push/{carrier}")}  # carriers sign their pushes; no token


def _schema(live_app: LiveApp) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(live_app.url + "/schema/openapi.json")


def _operations(schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation]:
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_lists_errors_and_public_routes(live_app: LiveApp) -> None:
    document = httpx.get(live_app.url + "/schema/openapi.json", timeout=10).json()
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    assert set(document["components"]["schemas"]["ErrorBody"]["required"]) == {"error", "reason"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            key = (method.upper(), path)
            responses = operation["responses"]
            if key in PUBLIC:
                assert operation.get("security") == [], f"{key} is public: security must be []"
            else:
                assert "security" not in operation and {"401", "403"} <= set(responses), key
            has_input = bool(operation.get("parameters") or operation.get("requestBody"))
            if path.startswith("/api/") and not path.startswith("/api/auth/"):
                assert {"404", "422", "503"} <= set(responses), key
                assert "400" in responses or not has_input, key
            elif path.startswith("/api/auth/"):  # login, ticket, logout: no path parameters, no warehouse
                assert "503" in responses, key
            if method == "post":
                assert "413" in responses, key
            for status, response in responses.items():
                if status.startswith(("4", "5")) and not path.startswith("/healthz"):
                    assert response["content"]["application/json"]["schema"] == error_ref, (key, status)
    assert {"401", "429"} <= set(document["paths"]["/api/auth/login"]["post"]["responses"])


Good = tuple[str, str, dict[str, Any], int]  # method, path, {path, query, body}, the status it must get


def _good_cases(live_app: LiveApp, ids: dict[str, str]) -> list[Good]:
    """Known-good requests (and a few with a known refusal), in the order they must run."""
    w = live_app.warehouse
    run = uuid.uuid4().hex[:6]
    inline, planned, task = f"ci-{run}", f"cw-{run}", f"ci-{run}-T01"
    q = {"warehouse": w}
    xid = {"exception_id": ids["exception_id"]}
    routed = {"channel": "taobao", "shop": "conf", "order_id": ids["routed_id"]}
    return [
        ("POST", "/api/auth/login", {"body": {"badge": live_app.pickers[0][1], "pin": live_app.pickers[0][2]}}, 200),
        ("POST", "/api/auth/login", {"body": {"username": live_app.supervisor[0], "password": live_app.supervisor[1]}}, 200),
        *[("POST", "/api/auth/login", {"body": {"badge": live_app.pickers[1][1], "pin": "0000"}}, 401)] * 5,
        ("POST", "/api/auth/login", {"body": {"badge": live_app.pickers[1][1], "pin": "0000"}}, 429),
        ("POST", "/api/orders", {"body": {"channel": "tmall", "external_id": f"conf-{run}", "warehouse": w,
                                          "lines": [{"sku": "SKU00001", "quantity": 1}]}}, 200),
        ("POST", "/api/orders", {"body": {"channel": "tmall", "external_id": f"big-{run}", "warehouse": w,
                                          "lines": [{"sku": "SKU00001", "quantity": 1}], "customer": "x" * 2_000_000}}, 413),
        ("GET", "/api/orders/{order_id}", {"path": {"order_id": ids["order_id"]}, "query": q}, 200),
        ("POST", "/api/inventory/adjustments", {"body": {"command_id": f"conf-{run}", "sku": "SKU00001", "delta": 1,
                                                         "location": f"{w}-A01-C01", "reason": "receipt", "warehouse": w}}, 200),
        ("POST", "/api/inventory/adjustments", {"body": {"command_id": f"conf2-{run}", "sku": "SKU00001", "delta": -9999,
                                                         "location": f"{w}-A01-C01", "reason": "damage", "warehouse": w}}, 409),
        ("GET", "/api/inventory/skus/{sku}", {"path": {"sku": "SKU00001"}, "query": q}, 200),
        ("GET", "/api/inventory/locations/{location}", {"path": {"location": f"{w}-A01-C01"}, "query": q}, 200),
        ("POST", "/api/waves", {"body": {"wave_id": inline, "pickers": 1, "max_orders": 2, "warehouse": w,
                                         "planner": "serpentine"}}, 200),
        ("POST", "/api/waves", {"body": {"wave_id": planned, "pickers": 1, "max_orders": 8, "warehouse": w}}, 202),
        ("GET", "/api/waves/{wave_id}", {"path": {"wave_id": inline}, "query": q}, 200),
        ("GET", "/api/waves/{wave_id}", {"path": {"wave_id": planned}, "query": q}, 202),
        ("GET", "/api/waves/tasks/{task_id}", {"path": {"task_id": task}, "query": q}, 200),
        ("GET", "/api/waves/tasks/{task_id}/route.svg", {"path": {"task_id": task}, "query": q}, 200),
        ("POST", "/api/waves/tasks/{task_id}/reassign", {"path": {"task_id": task}, "query": q,
                                                         "body": {"command_id": f"ra-{run}", "picker": ""}}, 200),
        ("POST", "/api/waves/tasks/{task_id}/reassign", {"path": {"task_id": task}, "query": q,
                                                         "body": {"command_id": f"rb-{run}",
                                                                  "picker": live_app.pickers[2][0]}}, 409),
        ("POST", "/api/exceptions", {"body": {"exception_id": f"conf-{run}", "kind": "damaged", "warehouse": w}}, 200),
        ("GET", "/api/exceptions", {"query": q}, 200),
        ("GET", "/api/exceptions/{exception_id}", {"path": xid, "query": q}, 200),
        ("POST", "/api/exceptions/{exception_id}/acknowledge", {"path": xid, "query": q,
                                                               "body": {"command_id": f"a-{run}"}}, 200),
        ("POST", "/api/exceptions/{exception_id}/resolve", {"path": xid, "query": q, "body": {"command_id": f"r-{run}"}}, 200),
        ("POST", "/api/exceptions/{exception_id}/resolve", {"path": xid, "query": q, "body": {"command_id": f"s-{run}"}}, 409),
        ("POST", "/api/shipping/quote", {"body": {"weight_g": 900, "province": "", "country": "US", "warehouse": w}}, 200),
        ("POST", "/api/shipping/quote", {"body": {"weight_g": 900, "province": "北京", "warehouse": w}}, 422),
        ("POST", "/api/shipping/printers/{station}", {"path": {"station": "PACK-1"}, "query": q,
                                                      "body": {"host": "127.0.0.1", "port": 9100}}, 200),
        ("POST", "/api/pack/{order_id}/ship-to", {"path": {"order_id": ids["order_id"]}, "query": q,
                                                  "body": {"name": "张三", "phone": "138", "province": "北京"}}, 200),
        ("POST", "/api/pack/{order_id}/start", {"path": {"order_id": ids["order_id"]}, "query": q,
                                                "body": {"station": "PACK-1"}}, 200),
        ("GET", "/api/pack/{order_id}", {"path": {"order_id": ids["order_id"]}, "query": q}, 200),
        ("POST", "/api/pack/{order_id}/scan", {"path": {"order_id": ids["order_id"]}, "query": q,
                                               "body": {"code": "NOT-IN-ORDER"}}, 200),
        ("POST", "/api/pack/{order_id}/close", {"path": {"order_id": ids["order_id"]}, "query": q,
                                                "body": {"weight_g": 100}}, 200),
        ("GET", "/api/shipping/shipments/{shipment_id}", {"path": {"shipment_id": "nope"}, "query": q}, 404),
        ("POST", "/api/shipping/push/{carrier}", {"path": {"carrier": "SF"}, "query": q}, 404),  # none configured
        ("GET", "/api/shipping/shipments/{shipment_id}/labels/{box_no}/zpl",
         {"path": {"shipment_id": "nope", "box_no": "1"}, "query": q}, 404),
        ("GET", "/api/shipping/shipments/{shipment_id}/labels/{box_no}/png",
         {"path": {"shipment_id": "nope", "box_no": "1"}, "query": q}, 404),
        ("GET", "/api/release/policy", {"query": q}, 200),
        ("PUT", "/api/release/policy", {"query": q, "body": {"mode": "cutoff", "cutoffs": []}}, 422),
        ("PUT", "/api/release/policy", {"query": q, "body": {"mode": "manual", "cutoffs": [{"at": "12:00"}],
                                                             "group_by": ["channel"]}}, 200),
        ("POST", "/api/release/tick", {"body": {"warehouse": w}}, 200),
        ("GET", "/api/release/decisions", {"query": {**q, "limit": 5}}, 200),
        ("GET", "/api/release/late", {"query": q}, 200),
        ("GET", "/api/sorting/{task_id}", {"path": {"task_id": "nope"}, "query": q}, 404),  # issue 11: put wall
        ("GET", "/api/orders/{order_id}", {"path": {"order_id": "nope"}, "query": q}, 404),
        ("GET", "/api/orders/{order_id}", {"path": {"order_id": "nope"}, "query": {"warehouse": "lower"}}, 422),
        ("GET", "/api/orders/{order_id}", {"path": {"order_id": "nope"}, "query": {"warehouse": "ZZ9"}}, 403),
        ("POST", "/api/imports/validate", {"body": {"import_id": f"iv-{run}", "files": {
            "skus": "warehouse,sku,gtin,name_en\n" + f"{w},IMP-{run},4006381333931,imported item\n"}}}, 200),
        ("POST", "/api/imports", {"body": {"import_id": f"im-{run}", "files": {
            "skus": "warehouse,sku,gtin,name_en\n" + f"{w},IMP-{run},4006381333931,imported item\n"}}}, 200),
        ("GET", "/api/imports/{import_id}", {"path": {"import_id": f"im-{run}"}}, 200),
        ("GET", "/api/admin/pickers", {"query": q}, 200),
        ("POST", "/api/admin/pickers", {"body": {"picker_id": f"cp{run}", "warehouse": w, "badge": f"CB{run}",
                                                 "name": "Conf", "pin": "1234"}}, 201),
        ("GET", "/api/admin/pickers/{badge}", {"path": {"badge": f"CB{run}"}}, 200),
        ("POST", "/api/admin/pickers/{badge}/pin", {"path": {"badge": f"CB{run}"}, "body": {"pin": "4321"}}, 200),
        ("POST", "/api/admin/pickers/{badge}/disable", {"path": {"badge": f"CB{run}"}}, 200),
        ("POST", "/api/admin/pickers/{badge}/enable", {"path": {"badge": f"CB{run}"}}, 200),
        # The conformance admin is bound to one warehouse: users are a whole-system admin's.
        ("GET", "/api/admin/users", {}, 403),
        ("POST", "/api/admin/users", {"body": {"username": f"cu{run}", "role": "supervisor", "password": "0123456789",
                                               "warehouses": [w]}}, 403),
        ("GET", "/api/admin/users/{username}", {"path": {"username": live_app.supervisor[0]}}, 403),
        ("POST", "/api/admin/users/{username}/disable", {"path": {"username": live_app.supervisor[0]}}, 403),
        ("POST", "/api/admin/users/{username}/enable", {"path": {"username": live_app.supervisor[0]}}, 403),
        ("POST", "/api/admin/users/{username}/password", {"path": {"username": live_app.supervisor[0]},
                                                           "body": {"password": "0123456789"}}, 403),
        # issue 9: planning, counting, returns, transfers
        ("GET", "/api/planning/stock/{sku}", {"path": {"sku": "SKU00001"}, "query": q}, 200),
        ("GET", "/api/planning/locations/{location}", {"path": {"location": f"{w}-A01-C01"}, "query": q}, 200),
        ("GET", "/api/planning/warehouse", {"query": q}, 200),
        ("POST", "/api/planning/thresholds", {"body": {"sku": "SKU00001", "safety": 2, "reorder_point": 5,
                                                       "warehouse": w}}, 200),
        ("POST", "/api/planning/locations", {"body": {"location": f"{w}-R01-01", "kind": "reserve", "capacity": 100,
                                                      "aisle": 1, "cell": 1, "warehouse": w}}, 200),
        ("POST", "/api/planning/receipts", {"body": {"command_id": f"pr-{run}", "sku": "SKU00001", "quantity": 3,
                                                     "location": f"{w}-R01-01", "warehouse": w}}, 200),
        ("POST", "/api/planning/replenishments", {"body": {"sku": "SKU00001", "location": f"{w}-A01-C01",
                                                           "warehouse": w}}, 200),
        ("POST", "/api/planning/on-order", {"body": {"command_id": f"oo-{run}", "sku": "SKU00001", "quantity": 10,
                                                     "warehouse": w}}, 200),
        ("GET", "/api/planning/tasks", {"query": q}, 200),
        ("GET", "/api/planning/suggestions", {"query": q}, 200),
        ("GET", "/api/planning/slotting", {"query": {"warehouse": w, "top": 5}}, 200),
        ("GET", "/api/planning/slotting", {"query": q}, 200),  # top is optional (20), as documented
        ("POST", "/api/planning/transfers", {"body": {"transfer_id": f"tr-{run}", "sku": "SKU00001", "quantity": 1,
                                                      "source": w, "target": w}}, 422),
        ("GET", "/api/planning/transfers/{transfer_id}", {"path": {"transfer_id": "nope"},
                                                          "query": {"warehouse": w, "target": w}}, 404),
        ("POST", "/api/planning/transfers/{transfer_id}/dispatch", {"path": {"transfer_id": "nope"}, "query": q}, 404),
        ("POST", "/api/planning/transfers/{transfer_id}/receive", {"path": {"transfer_id": "nope"}, "query": q,
                                                                   "body": {"good": 1}}, 404),
        ("POST", "/api/planning/transfers/{transfer_id}/resume", {"path": {"transfer_id": "nope"},
                                                                  "query": {"warehouse": w, "target": w}}, 404),
        ("POST", "/api/planning/transfers/suggest", {"body": {"warehouses": [w, w]}}, 200),
        ("POST", "/api/counts", {"body": {"command_id": f"cc-{run}", "location": f"{w}-A01-C01", "warehouse": w}}, 200),
        ("GET", "/api/counts", {"query": q}, 200),
        ("GET", "/api/counts/{count_id}", {"path": {"count_id": "nope"}, "query": q}, 404),
        ("POST", "/api/counts/{count_id}/decision", {"path": {"count_id": "nope"},
                                                     "body": {"decision": "approve", "warehouse": w}}, 404),
        ("POST", "/api/counts/schedule", {"body": {"command_id": f"cs-{run}", "limit": 2, "warehouse": w}}, 200),
        ("POST", "/api/returns/rmas", {"body": {"reference": f"rma-{run}", "channel": "jd", "warehouse": w,
                                                "lines": [{"sku": "SKU00001", "quantity": 1}]}}, 200),
        ("POST", "/api/returns/rmas/from-channel", {"body": {"refund_id": f"rf-{run}", "channel": "jd",
                                                             "external_id": "nope", "warehouse": w,
                                                             "lines": [{"sku": "SKU00001", "quantity": 1}]}}, 404),
        ("GET", "/api/returns/rmas/{rma_id}", {"path": {"rma_id": "nope"}, "query": q}, 404),
        ("POST", "/api/returns/rmas/{rma_id}/parcel", {"path": {"rma_id": "nope"}, "query": q}, 404),
        ("POST", "/api/returns/rmas/{rma_id}/items", {"path": {"rma_id": "nope"},
                                                      "body": {"unit_id": "u1", "sku": "SKU00001", "warehouse": w}}, 404),
        ("POST", "/api/returns/rmas/{rma_id}/dispositions", {"path": {"rma_id": "nope"}, "body": {
            "unit_id": "u1", "disposition": "damaged", "reason": "cracked", "warehouse": w}}, 404),
        ("POST", "/api/returns/rmas/{rma_id}/close", {"path": {"rma_id": "nope"}, "query": q}, 404),
        ("GET", "/api/returns/rates", {"query": q}, 200),
        ("POST", "/api/auth/ticket", {}, 200),
        ("POST", "/api/auth/logout", {"own_token": True}, 204),  # a token of its own: this one ends
        ("PUT", "/api/routing/rules", {"body": {"sites": [{"warehouse": w, "province": "31"}], "rules": [
            {"name": "conf", "split": "line", "max_parcels": 2, "fallback": "backorder"}]}}, 200),
        ("GET", "/api/routing/rules", {}, 200),
        ("GET", "/api/routing/orders/{channel}/{shop}/{order_id}/trace", {"path": routed}, 200),
        ("POST", "/api/routing/orders/{channel}/{shop}/{order_id}/hold", {"path": routed,
                                                                          "body": {"reason": "check address"}}, 200),
        ("POST", "/api/routing/orders/{channel}/{shop}/{order_id}/release", {"path": routed, "body": {}}, 200),
        ("POST", "/api/routing/orders/{channel}/{shop}/{order_id}/cancel", {"path": routed,
                                                                            "body": {"reason": "buyer"}}, 200),
        ("PUT", "/api/availability/skus/{sku}", {"path": {"sku": "SKU00003"}, "query": q, "body": {"safety": 1}}, 200),
        ("PUT", "/api/availability/profiles", {"body": {
            "channel": "taobao", "shop": "conf", "warehouses": [w], "endpoint": "http://127.0.0.1:9",
            "listings": [{"listing": "SKU00003", "components": [["SKU00003", 1]]}]}}, 200),
        ("GET", "/api/availability/{channel}/{shop}", {"path": {"channel": "taobao", "shop": "conf"}}, 200),
        ("POST", "/api/availability/{channel}/{shop}/shipments", {"path": {"channel": "taobao", "shop": "conf"},
                                                                  "body": {"parcel": f"p-{run}", "platform_order_id": "T1",
                                                                           "carrier": "SF", "waybill": "SF1"}}, 200),
        ("GET", "/api/availability/check", {"query": q}, 200),
        ("POST", "/api/availability/check", {"body": {"warehouse": w}}, 200),
        ("GET", "/healthz", {}, 200), ("GET", "/healthz/ready", {}, 200), ("GET", "/healthz/live", {}, 200),
        ("GET", "/metrics", {}, 200),
        # channels (docs/channels.md): a shop of this warehouse, its mappings, its webhook unsigned / unknown
        ("POST", "/api/channels/shops", {"body": {"channel": "jd", "shop": f"conf-{run}", "secret": "conformance-1",
                                                  "warehouse": w}}, 201),
        ("POST", "/api/channels/shops", {"body": {"channel": "jd", "shop": f"conf-{run}", "secret": "conformance-1",
                                                  "warehouse": "ZZ9"}}, 403),
        ("GET", "/api/channels/shops", {}, 200),
        ("POST", "/api/channels/{channel}/{shop}/skus", {"path": {"channel": "jd", "shop": f"conf-{run}"}, "body": {
            "mappings": [{"channel_sku": "JD-1", "components": [{"sku": "SKU00001", "quantity": 1}]}]}}, 200),
        ("GET", "/api/channels/{channel}/{shop}/skus", {"path": {"channel": "jd", "shop": f"conf-{run}"}}, 200),
        ("GET", "/api/channels/{channel}/{shop}/held", {"path": {"channel": "jd", "shop": f"conf-{run}"}}, 200),
        ("GET", "/api/channels/{channel}/{shop}/orders/{order_id}",
         {"path": {"channel": "jd", "shop": f"conf-{run}", "order_id": "nope"}}, 404),
        ("POST", "/api/channels/{channel}/{shop}/webhook", {"path": {"channel": "jd", "shop": f"conf-{run}"}}, 401),
        ("POST", "/api/channels/{channel}/{shop}/webhook", {"path": {"channel": "jd", "shop": "nope"}}, 404),
    ]


def fuzz(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode,
         check: Callable[[schemathesis.Case], None], examples: int) -> None:
    """Run ``check`` on ``examples`` generated cases of ``operation`` (derandomized: reproducible)."""

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def generated(case: schemathesis.Case) -> None:
        check(case)

    try:
        generated()
    except Unsatisfiable:  # nothing to get wrong: a negative case of an operation without input
        assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label


@pytest.fixture
async def demo_ids(small_demo: Floor, warehouse: str) -> dict[str, str]:
    from floor.incidents.model import RaiseException
    from floor.orders.model import NewOrder, OrderLine

    _, order = await small_demo.orders.intake(warehouse, NewOrder("jd", "conf-1", [OrderLine("SKU00002", 1)], warehouse))
    raised = await small_demo.incidents.raise_one(warehouse, RaiseException("conf-x", "damaged"), "dev1")
    routed = await _routed_order(small_demo, warehouse)
    return {"order_id": order.order_id, "exception_id": raised.exception_id, "routed_id": routed}


async def _routed_order(floor: Floor, warehouse: str) -> str:
    """A channel order placed by the router (for the /api/routing/orders routes)."""
    from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
    from floor.routing.model import Rule, RuleSet, Site

    await floor.routing.put_rules("default", RuleSet(sites=[Site(warehouse=warehouse, province="31")],
                                                     rules=[Rule(name="conf")]))
    platform_id = f"conf-{uuid.uuid4().hex[:6]}"
    address = Address(name="张三", phone="138-0000-0009", province_code="310000")
    await floor.routing.place(CanonicalOrder("taobao", "conf", platform_id, "ready", "WAIT_SELLER_SEND_GOODS",
                                             [CanonicalLine("1", "SKU00002", 1)], address), [("SKU00002", 1)])
    return platform_id


async def test_every_operation_conforms(live_app: LiveApp, small_demo: Floor, demo_ids: dict[str, str]) -> None:
    schema = _schema(live_app)
    token, _ = live_app.signer.issue("admin", "conformance", live_app.warehouse)
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    seen: dict[tuple[str, str], set[int]] = {}
    started = time.monotonic()

    calls = [0]

    def record(key: tuple[str, str], call: Callable[[], Any]) -> None:
        calls[0] += 1
        try:
            response = call()
            seen.setdefault(key, set()).add(response.status_code)
        except (AssertionError, FailureGroup) as error:  # what schemathesis raises for a failed check
            failures.append(f"{key[0]} {key[1]}: {error!r}"[:1500])

    operations = {(op.method.upper(), op.path): op for op in _operations(schema)}
    examples = EXAMPLES or max(6, TOTAL_GENERATED // (2 * len(operations)))
    cases = _good_cases(live_app, demo_ids)
    assert {(m, p) for m, p, _, _ in cases} == set(operations), "every operation needs a known-good request"
    await small_demo.client.delete(keys.login_failures("addr:127.0.0.1"))  # other tests' log-ins
    try:
        for method, path, request, status in cases:
            case = operations[method, path].Case(path_parameters=request.get("path"), query=request.get("query"),
                                                 **({"body": request["body"]} if "body" in request else {}))
            headers = auth
            if request.get("own_token"):
                headers = {"Authorization": f"Bearer {live_app.signer.issue('supervisor', 'leaving', live_app.warehouse)[0]}"}
            response = case.call_and_validate(base_url=live_app.url, headers=headers, checks=CHECKS, timeout=30)
            assert response.status_code == status, (method, path, request, response.status_code, response.text)
            seen.setdefault((method, path), set()).add(status)
        for key, operation in operations.items():
            if key not in PUBLIC:  # no token: 401
                bare = operation.Case(path_parameters=next(r.get("path") for m, p, r, _ in cases if (m, p) == key))
                record(key, lambda bare=bare: bare.call_and_validate(base_url=live_app.url, checks=CHECKS, timeout=30))
            if key == ("POST", "/api/auth/logout"):
                continue  # a generated logout would end the token every other generated case uses
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                fuzz(operation, mode, lambda case, key=key: record(key, lambda: case.call_and_validate(
                    base_url=live_app.url, headers=auth, checks=CHECKS, timeout=30)), examples)
    finally:
        # Generated log-ins count against 127.0.0.1: clear that so later tests can log in.
        await small_demo.client.delete(keys.login_failures("addr:127.0.0.1"))
    elapsed = time.monotonic() - started
    print(f"conformance: {len(cases)} known + {calls[0]} generated/no-token requests in {elapsed:.1f} s; statuses per operation: {seen}")
    assert not failures, f"{len(failures)} non-conforming responses:\n" + "\n\n".join(failures[:10])
    assert all({400, 401} <= seen[key] for key in operations if key not in PUBLIC and "{" in key[1]), seen
    budget = max(60.0, 0.6 * len(operations))  # about 2,000 generated requests plus the known-good ones
    assert elapsed < budget, f"the conformance run took {elapsed:.0f} s (budget {budget:.0f} s)"
