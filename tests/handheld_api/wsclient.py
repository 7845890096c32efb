"""A small real WebSocket client helper for the tests (python-websockets)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets


class Client:
    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, url: str) -> Client:
        return cls(await websockets.connect(url, max_size=2**20))

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.connection.send(message if isinstance(message, str) else json.dumps(message))

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self.connection.recv(), timeout)))

    async def receive_type(self, kind: str, timeout: float = 5.0, skip: tuple[str, ...] = ("counts",)) -> dict[str, Any]:
        """Next frame of type ``kind``; fails on any other frame except those in ``skip``."""
        while True:
            frame = await self.receive(timeout)
            if frame["type"] == kind:
                return frame
            if frame["type"] not in skip:
                raise AssertionError(f"expected {kind}, got {frame}")

    async def until(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Skip frames until one satisfies ``predicate``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.receive(max(0.05, deadline - loop.time()))
            if predicate(frame):
                return frame

    async def close(self) -> None:
        await self.connection.close()


async def handheld(app: Any, picker: str) -> tuple[Client, dict[str, Any]]:
    """Connect a picker; returns the client and its first task-or-idle frame."""
    client = await Client.open(f"{app.ws_url}/ws/handheld?token={app.token('picker', picker)}")
    welcome = await client.receive_type("welcome")
    assert welcome["picker"] == picker
    first = await client.receive()
    assert first["type"] in ("task", "idle")
    return client, first
