"""handheld_api/fasthttp.py: each answer's head and body in one write; nothing else changes (HEAD,
keep-alive, the shop webhook's fast path and its errors, over a raw TCP connection to a real node)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import pytest

from handheld_api.fasthttp import OneWriteCycle
from tests.live import ServerProcess


class _Transport:
    """Records writes (the cycle's own logic, no server: the number of writes is the point)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, _name: str) -> Any:
        return None


def _cycle(transport: _Transport, method: str = "POST", keep_alive: bool = True) -> OneWriteCycle:
    from uvicorn.protocols.http.flow_control import FlowControl

    scope: Any = {"type": "http", "method": method, "http_version": "1.1", "path": "/", "headers": []}
    return OneWriteCycle(scope=scope, transport=transport, flow=FlowControl(transport),  # type: ignore[arg-type]
                         logger=logging.getLogger("t"), access_logger=logging.getLogger("t"), access_log=False,
                         default_headers=[], message_event=asyncio.Event(), expect_100_continue=False,
                         keep_alive=keep_alive, on_response=lambda: None)


@pytest.mark.parametrize(("method", "keep_alive", "writes"), [("POST", True, 1), ("HEAD", True, 1), ("GET", False, 1)])
async def test_head_and_body_leave_in_one_write(method: str, keep_alive: bool, writes: int) -> None:
    transport = _Transport()
    cycle = _cycle(transport, method, keep_alive)
    await cycle.send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    assert transport.writes == []  # held until the body
    await cycle.send({"type": "http.response.body", "body": b"{}" if method != "HEAD" else b""})
    assert len(transport.writes) == writes
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b"\r\n\r\n{}" if method != "HEAD" else b"\r\n\r\n")
    assert transport.closed is not keep_alive  # connection: close still closes, after the write


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[bytes, bytes]:
    writer.write(request)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                  0)
    body = await asyncio.wait_for(reader.readexactly(length), 10) if not request.startswith(b"HEAD") else b""
    return head, body


async def test_a_keep_alive_connection_answers_head_get_and_webhook_errors(web_nodes: list[ServerProcess]) -> None:
    parts = urlsplit(web_nodes[0].url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    host = parts.netloc.encode()
    try:
        head, body = await _exchange(reader, writer, b"GET /healthz/live HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body
        head, _ = await _exchange(reader, writer, b"HEAD /healthz/live HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        assert head.startswith((b"HTTP/1.1 200", b"HTTP/1.1 405"))
        # the webhook's fast path: an unknown shop is a 404 with the app's error body, on the same connection
        payload = b'{"id": 1}'
        head, body = await _exchange(reader, writer, b"POST /api/channels/jd/no-such-shop/webhook HTTP/1.1\r\nHost: "
                                     + host + b"\r\ncontent-type: application/json\r\ncontent-length: "
                                     + str(len(payload)).encode() + b"\r\n\r\n" + payload)
        assert head.startswith(b"HTTP/1.1 404") and b"not_found" in body
        # a path parameter outside its pattern goes to the Litestar handler: 400, not 500
        head, body = await _exchange(reader, writer, b"POST /api/channels/nope/x/webhook HTTP/1.1\r\nHost: " + host
                                     + b"\r\ncontent-length: 2\r\n\r\n{}")
        assert head.startswith(b"HTTP/1.1 400")
        head, body = await _exchange(reader, writer, b"GET /healthz/live HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body
    finally:
        writer.close()


async def test_an_idle_keep_alive_connection_outlives_uvicorns_five_seconds(web_nodes: list[ServerProcess]) -> None:
    """A balancer re-uses an idle connection for up to 60 s: the node (75 s by default) must not close it
    first, or a request written onto the closing connection is lost (handheld_api/serve.py)."""
    parts = urlsplit(web_nodes[0].url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    request = b"GET /healthz/live HTTP/1.1\r\nHost: " + parts.netloc.encode() + b"\r\n\r\n"
    try:
        head, _ = await _exchange(reader, writer, request)
        assert head.startswith(b"HTTP/1.1 200")
        await asyncio.sleep(6.5)  # uvicorn's own default would have closed it after 5 s
        assert not reader.at_eof()
        head, body = await _exchange(reader, writer, request)
        assert head.startswith(b"HTTP/1.1 200") and body
    finally:
        writer.close()


async def test_the_webhook_bypass_answers_errors_as_litestars_router_does(web_nodes: list[ServerProcess]) -> None:
    """handheld_api/http/fastwebhook.py install(): a delivery to the exact webhook path skips Litestar's
    router; one with a trailing slash goes through it (and its route middleware). Same answers, errors
    included; an invalid Host header or an oversized body is still Litestar's 400 / 413."""
    parts = urlsplit(web_nodes[0].url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    host = parts.netloc.encode()

    def post(path: bytes, body: bytes, extra: bytes = b"", host_header: bytes = host) -> bytes:
        return (b"POST " + path + b" HTTP/1.1\r\nHost: " + host_header + b"\r\ncontent-type: application/json\r\n"
                + extra + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    try:
        for path in (b"/api/channels/jd/no-such-shop/webhook", b"/api/channels/shopify/no-such-shop/webhook"):
            fast = await _exchange(reader, writer, post(path, b'{"id": 1}'))
            routed = await _exchange(reader, writer, post(path + b"/", b'{"id": 1}'))
            assert fast[0].split(b"\r\n")[0] == routed[0].split(b"\r\n")[0] == b"HTTP/1.1 404 Not Found"
            assert fast[1] == routed[1] and b"not_found" in fast[1]
        head, _body = await _exchange(reader, writer, post(b"/api/channels/jd/x/webhook", b"{}", host_header=b"a b"))
        assert head.startswith(b"HTTP/1.1 400")
        big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
        head, _body = await _exchange(reader, writer, post(b"/api/channels/jd/x/webhook", big))
        assert head.startswith(b"HTTP/1.1 413")
    finally:
        writer.close()
