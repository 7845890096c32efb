"""The node's WebSocket protocol (handheld_api/ws/fastws.py) parses frames in place: on a real node,
over a raw TCP socket (so the test controls the bytes), every way frames can arrive is answered as
the websockets parser would: several frames in one TCP segment, a frame split byte by byte, a
fragmented message, control frames, a binary frame, invalid UTF-8 (1007), the client's close.
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest

from bench.scan_client import client_frame
from tests.live import LiveApp


class RawSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, live_app: LiveApp) -> RawSocket:
        parts = urlsplit(live_app.url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET /ws/handheld?token={live_app.token('picker')} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    async def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: (opcode, payload)."""
        first, second = await asyncio.wait_for(self.reader.readexactly(2), 10)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        return first & 0x0F, await self.reader.readexactly(length)

    async def json(self, skip: tuple[str, ...] = ("welcome", "task", "idle")) -> dict[str, Any]:
        while True:
            opcode, payload = await self.frame()
            assert opcode == 0x1, (opcode, payload)
            message: dict[str, Any] = msgspec.json.decode(payload)
            if message["type"] not in skip:
                return message


def ping(n: int) -> bytes:
    return msgspec.json.encode({"type": "ping", "id": f"p{n}"})


async def test_frames_in_any_segmentation_are_answered_in_order(live_app: LiveApp) -> None:
    sock = await RawSocket.open(live_app)
    try:
        # three frames in one write; then one frame a byte at a time
        sock.writer.write(b"".join(client_frame(ping(n)) for n in range(3)))
        one = client_frame(ping(3))
        for byte in range(len(one)):
            sock.writer.write(one[byte:byte + 1])
            await sock.writer.drain()
            await asyncio.sleep(0.001)
        # a masked frame with a real mask key
        mask = b"\x12\x34\x56\x78"
        payload = ping(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        sock.writer.write(bytes((0x81, 0x80 | len(payload))) + mask + masked)
        # a fragmented message (text, then continuation), with a ping control frame in between
        payload = ping(5)
        sock.writer.write(bytes((0x01,)) + client_frame(payload[:7])[1:])  # text, FIN not set
        sock.writer.write(client_frame(b"hi", 0x9))
        sock.writer.write(client_frame(payload[7:], 0x0))
        # a frame of 126+ bytes (16-bit length)
        sock.writer.write(client_frame(ping(6) + b" " * 200))
        ids = []
        pong_seen = False
        while len(ids) < 7:
            opcode, body = await sock.frame()
            if opcode == 0xA:
                assert body == b"hi"
                pong_seen = True
                continue
            message = msgspec.json.decode(body)
            if message["type"] == "pong":
                ids.append(message["id"])
        assert ids == [f"p{n}" for n in range(7)]
        assert pong_seen

        # a binary frame: an error frame, the socket stays open
        sock.writer.write(client_frame(ping(7), 0x2))
        error = await sock.json()
        assert error["type"] == "error" and error["code"] == "bad_frame"
        sock.writer.write(client_frame(ping(8)))
        assert (await sock.json())["id"] == "p8"

        # invalid UTF-8 in a text frame: the websockets parser's answer, close 1007
        sock.writer.write(client_frame(b'{"type":"ping","id":"\xff"}'))
        while True:
            opcode, body = await sock.frame()
            if opcode == 0x8:
                assert int.from_bytes(body[:2], "big") == 1007
                break
    finally:
        sock.writer.close()


async def test_a_client_close_is_answered_and_ends_the_socket(live_app: LiveApp) -> None:
    sock = await RawSocket.open(live_app)
    try:
        sock.writer.write(client_frame(ping(1)))
        assert (await sock.json())["id"] == "p1"
        sock.writer.write(client_frame((1000).to_bytes(2, "big"), 0x8))
        while True:
            opcode, body = await sock.frame()
            if opcode == 0x8:
                assert int.from_bytes(body[:2], "big") == 1000
                break
        assert await asyncio.wait_for(sock.reader.read(), 10) == b""  # the server closed the TCP connection
    finally:
        sock.writer.close()


def test_serve_fills_in_the_app_and_the_fast_protocol_but_keeps_what_is_given() -> None:
    from handheld_api.serve import APP, FAST, FAST_HTTP, arguments

    http = ["--http", FAST_HTTP]  # handheld_api/fasthttp.py, unless --http names another
    idle = ["--timeout-keep-alive", "75"]  # above a load balancer's 60 s idle timeout, unless given
    assert arguments(["--host", "::", "--port", "80"], {}) == [APP, "--factory", "--host", "::", "--port", "80",
                                                              "--ws", FAST, *http, *idle]
    assert arguments(["--ws", "fast"], {}) == [APP, "--factory", "--ws", FAST, *http, *idle]
    assert arguments(["--ws", "websockets-sansio"], {}) == [APP, "--factory", "--ws", "websockets-sansio", *http, *idle]
    assert arguments(["other.app:make", "--ws", "wsproto"], {}) == ["other.app:make", "--ws", "wsproto", *http, *idle]
    assert arguments(["--http", "fast"], {}) == [APP, "--factory", "--http", FAST_HTTP, "--ws", FAST, *idle]
    assert arguments(["--http", "httptools"], {}) == [APP, "--factory", "--http", "httptools", "--ws", FAST, *idle]


def test_serve_takes_the_keep_alive_from_the_environment_or_the_command_line() -> None:
    from handheld_api.serve import APP, FAST, FAST_HTTP, arguments

    base = [APP, "--factory", "--ws", FAST, "--http", FAST_HTTP]
    assert arguments([], {"FLOOR_HTTP_KEEPALIVE_S": "120"}) == [*base, "--timeout-keep-alive", "120"]
    assert arguments(["--timeout-keep-alive", "30"], {"FLOOR_HTTP_KEEPALIVE_S": "120"}) == [
        APP, "--factory", "--timeout-keep-alive", "30", "--ws", FAST, "--http", FAST_HTTP]
    assert arguments(["--timeout-keep-alive=30"], {}) == [APP, "--factory", "--timeout-keep-alive=30", "--ws", FAST,
                                                           "--http", FAST_HTTP]
    assert arguments([], {"UVICORN_TIMEOUT_KEEP_ALIVE": "90"}) == base  # uvicorn reads its own variable
    for bad in ("0", "-5", "1.5", "soon"):
        with pytest.raises(SystemExit, match="FLOOR_HTTP_KEEPALIVE_S"):
            arguments([], {"FLOOR_HTTP_KEEPALIVE_S": bad})
