"""Security against real uvicorn nodes (two of them, one Redis): the route and socket role matrix,
tokens only in the Authorization header, single-use socket tickets, revocation on every node within
a second, channel bindings, the admin API, lock-out under 1,000 parallel guesses, no secret in logs."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from litestar.routes import HTTPRoute, WebSocketRoute

from floor.accounts.model import ROLES, Principal, User
from floor.core.settings import Settings
from floor.floor import Floor
from floor.store import keys
from handheld_api.app import create_app
from handheld_api.logs import redact
from handheld_api.sessions import Sessions
from tests.live import LiveApp, ServerProcess
from tests.redis_server import RedisServer

PUBLIC = re.compile(r"^/(healthz(/live|/ready)?|api/auth/login|api/shipping/push/[^/]+|handheld/?|handheld/sw\.js|board/?|pack/?|static/.*|schema.*"
                    r"|api/channels/\{channel:str\}/\{shop:str\}/webhook)?$")  # webhooks: platform signature
SOCKETS = {"/ws/handheld": ("picker",), "/ws/board": ("supervisor", "admin")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(url: str, **credentials: str) -> str:
    response = httpx.post(f"{url}/api/auth/login", json=credentials, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def ticket(url: str, token: str) -> str:
    response = httpx.post(f"{url}/api/auth/ticket", headers=bearer(token), timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["ticket"])


async def socket_outcome(url: str, **connect: Any) -> tuple[dict[str, Any], int | None]:
    """First frame of a socket and its close code (None while it stays open)."""
    async with websockets.connect(url, **connect) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
        try:
            await asyncio.wait_for(ws.recv(), 0.3)
        except websockets.ConnectionClosed as closed:
            return first, closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            pass
        return first, None


@pytest.fixture(scope="module")
def app_routes(redis_server: RedisServer) -> list[Any]:
    """The route table of the application (built, not started)."""
    return list(create_app(Settings(redis_url=redis_server.url, secret="route-table")).routes)


def http_routes(routes: list[Any]) -> Iterator[tuple[str, str, tuple[str, ...] | None]]:
    """(method, path, roles or None when unguarded) of every HTTP handler except CORS preflights."""
    for route in routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS"}):
                guards = [g for layer in handler.ownership_layers for g in (layer.guards or [])]
                found = [getattr(g, "roles", None) for g in guards]
                yield method, route.path, next((r for r in found if r), None)


# -- the route and socket role matrix ------------------------------------------------------------

def test_every_route_but_the_public_ones_has_a_role_guard(app_routes: list[Any]) -> None:
    routes = list(http_routes(app_routes))
    assert len(routes) >= 30
    for method, path, roles in routes:
        if PUBLIC.match(path):
            assert roles is None, f"{method} {path} is public but guarded"
        else:
            assert roles, f"{method} {path} has no role guard"
            assert set(roles) <= set(ROLES)
    sockets = {route.path for route in app_routes if isinstance(route, WebSocketRoute)}
    assert sockets == set(SOCKETS), "a new socket must be added to the socket matrix (SOCKETS) and authenticate()"


def test_the_matrix_in_docs_security_md_is_the_route_table(app_routes: list[Any]) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    table = text.split("<!-- matrix")[1].split("\n\n")[0]
    header = [cell.strip() for cell in table.splitlines()[1].strip("|").split("|")]
    documented = {}
    for line in table.splitlines()[3:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        documented[cells[0].replace("`", "")] = {role for role, cell in zip(header[1:], cells[1:], strict=True) if cell}
    actual = {f"{method} {re.sub(r':str}', '}', path)}": {*roles, "admin"}
              for method, path, roles in http_routes(app_routes) if roles}
    actual |= {f"socket {path}": set(roles) for path, roles in SOCKETS.items()}
    assert documented == actual, "update the matrix in docs/security.md (it must list every guarded route)"


def test_each_guarded_route_answers_401_without_a_token_and_403_to_a_wrong_role(
    app_routes: list[Any], live_app: LiveApp
) -> None:
    checked = 0
    with httpx.Client(base_url=live_app.url, timeout=10) as client:
        for method, path, roles in http_routes(app_routes):
            if roles is None:
                continue
            url = re.sub(r"\{[^}]+\}", "x", path)
            body = {} if method == "POST" else None
            for headers in ({}, bearer("not.a-token"), bearer(live_app.token("supervisor") + "x")):
                response = client.request(method, url, json=body, headers=headers)
                assert response.status_code == 401, (method, path, response.text)
                assert response.json()["error"] == "unauthorized"
            wrong = [role for role in ROLES if role not in roles and role != "admin"]
            for role in wrong:
                response = client.request(method, url, json=body, headers=live_app.headers(role))
                assert response.status_code == 403, (method, path, role, response.text)
                assert "may not" in response.json()["reason"]
            checked += 1
    assert checked >= 25


async def test_socket_role_matrix(live_app: LiveApp) -> None:
    for path, allowed in SOCKETS.items():
        query = f"&warehouse={live_app.warehouse}" if path == "/ws/board" else ""
        for role in ROLES:
            frame, code = await socket_outcome(f"{live_app.ws_url}{path}?ticket={ticket(live_app.url, live_app.token(role))}{query}")
            if role in allowed:
                assert frame["type"] in ("welcome", "snapshot") and code is None, (path, role, frame)
            else:
                assert frame["code"] == "forbidden" and code == 4403, (path, role, frame)
        frame, code = await socket_outcome(f"{live_app.ws_url}{path}{query.replace('&', '?')}")
        assert frame["code"] == "unauthorized" and code == 4401


# -- tokens and tickets ------------------------------------------------------------------------------

def test_http_takes_the_token_only_from_the_authorization_header(live_app: LiveApp) -> None:
    token = live_app.token("supervisor")
    params = {"warehouse": live_app.warehouse}
    assert httpx.get(f"{live_app.url}/api/exceptions", params=params, headers=bearer(token)).status_code == 200
    for name in ("token", "access_token", "ticket"):
        response = httpx.get(f"{live_app.url}/api/exceptions", params={**params, name: token})
        assert response.status_code == 401, name
    assert httpx.get(f"{live_app.url}/api/exceptions", params=params, cookies={"token": token}).status_code == 401


async def test_tickets_are_single_use_and_sockets_also_take_the_header(live_app: LiveApp) -> None:
    picker_token = live_app.token("picker")
    once = ticket(live_app.url, picker_token)
    frame, code = await socket_outcome(f"{live_app.ws_url}/ws/handheld?ticket={once}")
    assert frame["type"] == "welcome" and code is None
    frame, code = await socket_outcome(f"{live_app.ws_url}/ws/handheld?ticket={once}")
    assert frame["code"] == "unauthorized" and "ticket" in frame["reason"] and code == 4401
    frame, code = await socket_outcome(f"{live_app.ws_url}/ws/handheld?ticket=made-up")
    assert code == 4401
    # Machine clients may send the token in the upgrade request's Authorization header instead.
    frame, code = await socket_outcome(f"{live_app.ws_url}/ws/handheld", additional_headers=bearer(picker_token))
    assert frame["type"] == "welcome" and code is None
    answer = httpx.post(f"{live_app.url}/api/auth/ticket", headers=bearer(picker_token)).json()
    assert set(answer) == {"ticket", "expires_ms"} and 25_000 < answer["expires_ms"] - time.time() * 1000 <= 30_000


@pytest.fixture(scope="module")
def strict_node(redis_server: RedisServer) -> Iterator[ServerProcess]:
    """A node that refuses ?token= on sockets (FLOOR_WS_QUERY_TOKEN=0)."""
    node = ServerProcess(redis_server.url, {"FLOOR_WS_QUERY_TOKEN": "0"})
    yield node
    node.stop()


async def test_a_node_can_refuse_tokens_in_socket_urls(strict_node: ServerProcess, live_app: LiveApp) -> None:
    token = live_app.token("picker")
    frame, code = await socket_outcome(f"{strict_node.ws_url}/ws/handheld?token={token}")
    assert code == 4401 and "ticket" in frame["reason"]
    frame, code = await socket_outcome(f"{strict_node.ws_url}/ws/handheld?ticket={ticket(strict_node.url, token)}")
    assert frame["type"] == "welcome" and code is None


async def test_no_token_ticket_or_pin_reaches_the_node_log(web_nodes: list[ServerProcess], live_app: LiveApp) -> None:
    node = web_nodes[0]
    token = live_app.token("picker")
    once = ticket(node.url, token)
    for query in (f"token={token}", f"ticket={once}"):
        frame, _code = await socket_outcome(f"{node.ws_url}/ws/handheld?{query}")
        assert frame["type"] == "welcome"
    _picker, badge, pin = live_app.pickers[1]
    httpx.post(f"{node.url}/api/auth/login", json={"badge": badge, "pin": pin})
    await asyncio.sleep(0.3)  # the node flushes each record; give the OS a moment
    text = Path(node.log.name).read_text(encoding="utf-8", errors="replace")
    assert "/ws/handheld?token=[redacted]" in text and "/ws/handheld?ticket=[redacted]" in text
    signature = token.split(".")[1]
    assert token not in text and signature not in text and once not in text


def test_redaction_patterns() -> None:
    assert redact('127.0.0.1 - "WebSocket /ws/board?token=abc.def&warehouse=W1" [accepted]') == \
        '127.0.0.1 - "WebSocket /ws/board?token=[redacted]&warehouse=W1" [accepted]'
    assert redact("GET /x?ticket=T1 HTTP/1.1") == "GET /x?ticket=[redacted] HTTP/1.1"
    assert redact('body {"badge": "B1", "pin": "1234", "password": "s3cret"}') == \
        'body {"badge": "B1", "pin": "[redacted]", "password": "[redacted]"}'
    assert redact("{'PIN': '1234'}") == "{'PIN': '[redacted]'}"
    assert redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer [redacted]"
    assert redact("spin=3 picker=p1 pinned=yes") == "spin=3 picker=p1 pinned=yes"


# -- revocation on every node within a second ----------------------------------------------------------

async def ended_after(http: httpx.AsyncClient, url: str, token: str, since: float, timeout: float = 3.0) -> float:
    """Seconds from ``since`` until ``url`` answers 401 to ``token`` (polled every 10 ms)."""
    while (await http.get(url, headers=bearer(token))).status_code != 401:
        assert time.perf_counter() - since < timeout, "the token still works"
        await asyncio.sleep(0.01)
    return time.perf_counter() - since


async def closed_at(ws: Any) -> tuple[float, int | None, list[dict[str, Any]]]:
    """When the server closed ``ws`` (perf_counter), its close code, and the frames before."""
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
    except websockets.ConnectionClosed as closed:
        return time.perf_counter(), closed.rcvd.code if closed.rcvd else None, frames


async def test_disabling_a_picker_ends_its_tokens_and_sockets_on_every_node_within_a_second(
    web_nodes: list[ServerProcess], live_app: LiveApp
) -> None:
    node_a, node_b = web_nodes
    admin = live_app.headers("admin")
    badge, pin = f"{live_app.warehouse}RV1", "2468"
    latencies: list[tuple[float, float]] = []
    async with httpx.AsyncClient(timeout=10) as http:
        created = await http.post(f"{node_a.url}/api/admin/pickers", headers=admin, json={
            "picker_id": f"{live_app.warehouse}rv1", "warehouse": live_app.warehouse, "badge": badge,
            "name": "Revoked", "pin": pin})
        assert created.status_code == 201, created.text
        location = f"{node_b.url}/api/inventory/locations/{live_app.warehouse}-A01-C01"
        for _round in range(3):
            token = login(node_b.url, badge=badge, pin=pin)
            assert (await http.get(location, headers=bearer(token))).status_code == 200  # node B has it cached
            ws = await websockets.connect(f"{node_b.ws_url}/ws/handheld?ticket={ticket(node_b.url, token)}")
            assert json.loads(await ws.recv())["type"] == "welcome"
            closing = asyncio.create_task(closed_at(ws))
            await asyncio.sleep(0.05)
            since = time.perf_counter()
            disabled = await http.post(f"{node_a.url}/api/admin/pickers/{badge}/disable", headers=admin)
            assert disabled.status_code == 200 and disabled.json()["disabled"] is True
            http_s = await ended_after(http, location, token, since)
            when, code, frames = await closing
            socket_s = when - since
            latencies.append((http_s, socket_s))
            assert code == 4401 and frames[-1]["code"] == "revoked"
            assert http_s < 1.0 and socket_s < 1.0, (http_s, socket_s)
            refused = await http.post(f"{node_b.url}/api/auth/login", json={"badge": badge, "pin": pin})
            assert refused.status_code == 401
            assert (await http.post(f"{node_a.url}/api/admin/pickers/{badge}/enable", headers=admin)).status_code == 200
            assert (await http.get(location, headers=bearer(token))).status_code == 401  # enabling revives no token
    print("\nrevocation latency (disable on node A -> node B), HTTP / socket: "
          + ", ".join(f"{h * 1000:.0f} / {s * 1000:.0f} ms" for h, s in latencies))


async def test_logout_ends_that_token_only_on_every_node_and_closes_its_sockets(
    web_nodes: list[ServerProcess], live_app: LiveApp
) -> None:
    node_a, node_b = web_nodes
    username, password = live_app.supervisor
    first = login(node_a.url, username=username, password=password)
    second = login(node_b.url, username=username, password=password)
    exceptions = f"{node_b.url}/api/exceptions?warehouse={live_app.warehouse}"
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(exceptions, headers=bearer(first))).status_code == 200
        board = await websockets.connect(
            f"{node_b.ws_url}/ws/board?ticket={ticket(node_b.url, first)}&warehouse={live_app.warehouse}")
        assert json.loads(await board.recv())["type"] == "snapshot"
        closing = asyncio.create_task(closed_at(board))
        await asyncio.sleep(0.05)
        since = time.perf_counter()
        assert (await http.post(f"{node_a.url}/api/auth/logout", headers=bearer(first))).status_code == 204
        http_s = await ended_after(http, exceptions, first, since)
        when, code, _frames = await closing
        socket_s = when - since
        assert http_s < 1.0 and socket_s < 1.0 and code == 4401
        assert (await http.get(exceptions, headers=bearer(second))).status_code == 200  # the other session lives on
        assert (await http.post(f"{node_a.url}/api/auth/ticket", headers=bearer(first))).status_code == 401
    print(f"\nlogout latency (node A -> node B), HTTP / socket: {http_s * 1000:.0f} / {socket_s * 1000:.0f} ms")


async def test_the_guard_costs_one_redis_read_per_subject_per_half_second(floor: Floor, warehouse: str) -> None:
    sessions = Sessions(floor.accounts)
    principal = Principal("supervisor", f"{warehouse}-hot", warehouse, int(time.time() * 1000) + 60_000, jti="j1")
    assert all(await asyncio.gather(*[sessions.valid(principal) for _ in range(500)]))
    assert sessions.lookups == 1  # 500 concurrent requests, one round trip
    others = [Principal("supervisor", f"{warehouse}-u{n}", warehouse, principal.expires_ms, jti="j") for n in range(20)]
    await asyncio.gather(*[sessions.valid(p) for p in others * 10])
    assert sessions.lookups == 21
    await floor.accounts.revoke(principal)
    assert await sessions.valid(principal)  # this node's view is still fresh (< 0.5 s) ...
    await asyncio.sleep(0.55)
    assert not await sessions.valid(principal)  # ... and then it is not
    assert sessions.lookups == 22
    assert not await sessions.valid(Principal("supervisor", "x", "*", principal.expires_ms))  # no jti: refused


def test_a_node_reads_auth_state_at_most_every_half_second_per_subject(
    live_app: LiveApp, redis_server: RedisServer
) -> None:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    token = live_app.token("supervisor", f"hot-{uuid.uuid4().hex[:6]}")
    before = client.info("commandstats").get("cmdstat_hgetall", {}).get("calls", 0)
    started = time.perf_counter()
    with httpx.Client(base_url=live_app.url, headers=bearer(token)) as http:
        for _ in range(150):  # POST /api/auth/ticket itself reads no hash
            assert http.post("/api/auth/ticket").status_code == 200
    elapsed = time.perf_counter() - started
    reads = client.info("commandstats")["cmdstat_hgetall"]["calls"] - before
    assert reads <= elapsed / 0.5 + 2, (reads, elapsed)


# -- channel bindings ---------------------------------------------------------------------------------------

async def test_channel_logins_post_and_read_only_their_own_channels_and_shops(live_app: LiveApp, small_demo: Floor) -> None:
    wh = live_app.warehouse
    await small_demo.accounts.put_user(User(f"{wh}-jd", "channel", [wh], ["jd"]), "jd password")
    await small_demo.accounts.put_user(User(f"{wh}-shop", "channel", [wh], ["tmall:shopA"]), "shop password")
    jd = bearer(login(live_app.url, username=f"{wh}-jd", password="jd password"))
    shop = bearer(login(live_app.url, username=f"{wh}-shop", password="shop password"))

    def order(channel: str, external_id: str, shop_id: str = "") -> dict[str, Any]:
        return {"channel": channel, "external_id": external_id, "warehouse": wh, "shop": shop_id,
                "lines": [{"sku": "SKU00001", "quantity": 1}]}

    def post(body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{live_app.url}/api/orders", json=body, headers=headers)

    mine = post(order("jd", "JD-77"), jd)
    assert mine.status_code == 200
    for body, headers in ((order("tmall", "TM-1"), jd), (order("tmall", "TM-1", "shopB"), shop),
                          (order("tmall", "TM-1"), shop), (order("jd", "JD-78", "shopA"), shop)):
        refused = post(body, headers)
        assert refused.status_code == 403 and "may not post orders for channel" in refused.json()["reason"], body
    ours = post(order("tmall", "TM-1", "shopA"), shop)
    assert ours.status_code == 200 and ours.json()["order"]["shop"] == "shopA"
    # Order ids are scoped per shop: shop B's TM-1 is another order, not shop A's returned as a repeat.
    theirs = post(order("tmall", "TM-1", "shopB"), live_app.headers("supervisor"))
    assert theirs.json()["repeat"] is False and theirs.json()["order"]["order_id"] != ours.json()["order"]["order_id"]
    read = f"{live_app.url}/api/orders/{{}}?warehouse={wh}"
    assert httpx.get(read.format(mine.json()["order"]["order_id"]), headers=jd).status_code == 200
    assert httpx.get(read.format(mine.json()["order"]["order_id"]), headers=shop).status_code == 404
    assert httpx.get(read.format(theirs.json()["order"]["order_id"]), headers=shop).status_code == 404
    assert httpx.get(read.format(ours.json()["order"]["order_id"]), headers=jd).status_code == 404


# -- the admin API -------------------------------------------------------------------------------------------

async def test_admin_api_manages_users_and_never_shows_a_hash(live_app: LiveApp, small_demo: Floor) -> None:
    wh = live_app.warehouse
    admin = live_app.headers("admin")
    url = f"{live_app.url}/api/admin"
    body = {"username": f"{wh}-int", "role": "channel", "password": "0123456789", "warehouses": [wh], "channels": ["douyin"]}
    created = httpx.post(f"{url}/users", json=body, headers=admin)
    assert created.status_code == 201 and created.json() == {
        "username": f"{wh}-int", "role": "channel", "warehouses": [wh], "channels": ["douyin"], "disabled": False}
    assert httpx.post(f"{url}/users", json=body, headers=admin).status_code == 409
    bad = httpx.post(f"{url}/users", json=dict(body, username=f"{wh}-int2", channels=[]), headers=admin)
    assert bad.status_code == 422 and "channel binding" in bad.json()["reason"]
    token = login(live_app.url, username=f"{wh}-int", password="0123456789")
    reset = httpx.post(f"{url}/users/{wh}-int/password", json={"password": "9876543210"}, headers=admin)
    assert reset.status_code == 200
    assert httpx.post(f"{live_app.url}/api/auth/ticket", headers=bearer(token)).status_code == 401  # ended
    assert httpx.post(f"{live_app.url}/api/auth/login", json={"username": f"{wh}-int", "password": "0123456789"}).status_code == 401
    login(live_app.url, username=f"{wh}-int", password="9876543210")
    assert httpx.post(f"{url}/users/{wh}-int/password", json={"password": "short"}, headers=admin).status_code == 400
    listing = httpx.get(f"{url}/users", headers=admin)
    pickers = httpx.get(f"{url}/pickers", params={"warehouse": wh}, headers=admin)
    assert {p["badge"] for p in pickers.json()} >= {badge for _p, badge, _pin in live_app.pickers}
    for text in (listing.text, pickers.text):
        assert "pbkdf2" not in text and "password" not in text and '"pin"' not in text
    assert httpx.post(f"{url}/users/nobody-{wh}/disable", headers=admin).status_code == 404
    # An admin of one warehouse manages that warehouse's pickers, not users or other warehouses.
    await small_demo.accounts.put_user(User(f"{wh}-wadmin", "admin", [wh]), "warehouse admin")
    local = bearer(login(live_app.url, username=f"{wh}-wadmin", password="warehouse admin"))
    assert httpx.get(f"{url}/users", headers=local).status_code == 403
    assert httpx.get(f"{url}/pickers/{live_app.pickers[0][1]}", headers=local).status_code == 200
    assert httpx.get(f"{url}/pickers", params={"warehouse": "ZZ1"}, headers=local).status_code == 403
    other = httpx.post(f"{url}/pickers", headers=local, json={
        "picker_id": "zz", "warehouse": "ZZ1", "badge": f"{wh}ZZ", "name": "Elsewhere", "pin": "1234"})
    assert other.status_code == 403


# -- lock-out under load, and the event loop stays free ----------------------------------------------------------

PROBE = """
import sys, time, httpx
url, seconds = sys.argv[1], float(sys.argv[2])
times = []
with httpx.Client(timeout=5) as client:
    print("ready", flush=True)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - started)
        time.sleep(0.01)
print(" ".join(f"{t:.4f}" for t in times), flush=True)
"""


async def test_1000_parallel_wrong_pins_reach_the_check_five_times_and_the_node_stays_responsive(
    live_app: LiveApp, small_demo: Floor
) -> None:
    """Only `limit` of 1,000 parallel guesses get a PIN check (401), the rest 429; meanwhile a
    liveness probe from another process keeps being answered (PBKDF2 runs in threads, and only
    five times)."""
    _picker, badge, _pin = live_app.pickers[2]
    counters = [keys.login_failures(f"badge:{badge}@127.0.0.1"), keys.login_failures("addr:127.0.0.1"),
                keys.login_failures(f"badge:{badge}")]
    await small_demo.client.delete(*counters)  # earlier tests' failures from this address
    probe = subprocess.Popen([sys.executable, "-c", PROBE, f"{live_app.url}/healthz/live", "4"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert probe.stdout is not None and probe.stdout.readline().strip() == "ready"
        await asyncio.sleep(0.2)
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=0)
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=live_app.url, limits=limits, timeout=60) as client:
            answers = await asyncio.gather(*[
                client.post("/api/auth/login", json={"badge": badge, "pin": f"{n:04d}"}) for n in range(1000)])
        storm_s = time.perf_counter() - started
        statuses = [answer.status_code for answer in answers]
        times = sorted(float(t) for t in probe.communicate(timeout=30)[0].split())
    finally:
        probe.kill()
        await small_demo.client.delete(*counters)
    assert statuses.count(401) == 5 and statuses.count(429) == 995, {s: statuses.count(s) for s in set(statuses)}
    median, p95, worst = times[len(times) // 2], times[int(len(times) * 0.95)], times[-1]
    print(f"\n1000 parallel wrong PINs in {storm_s:.1f} s: 5 checked (401), 995 refused (429); /healthz/live "
          f"over {len(times)} probes: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, worst {worst * 1000:.0f} ms")
    assert median < 0.2 and p95 < 0.2, (median, p95)
    assert worst < 1.0
