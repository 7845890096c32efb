"""Every frame a real server sends on both sockets decodes strictly against ws/protocol.py.

A handheld and a board on a real uvicorn node go through a picker's day in small (connect idle,
a wave released, scans, a report, a short pick, sync, ping, a bad frame); every frame either
socket receives is decoded with the strict outbound union, every board ``event`` frame's data
strictly against the event catalogue, and every outbound frame type must have been seen.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
import websockets

from floor.core import events
from handheld_api.ws import protocol
from tests.live import LiveApp


class Socket:
    """A real WebSocket that decodes everything it receives strictly and keeps it."""

    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection
        self.frames: list[msgspec.Struct] = []

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.connection.send(message if isinstance(message, str) else json.dumps(message))

    async def next(self, kind: str, timeout: float = 5.0) -> Any:
        """The next frame of type ``kind`` (other frames are decoded and kept on the way)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            text = await asyncio.wait_for(self.connection.recv(), max(0.05, deadline - loop.time()))
            frame = protocol.OUTBOUND_DECODER.decode(text)
            if isinstance(frame, protocol.EventFrame):
                events.decode_event(frame.id, {"type": frame.event, "data": json.dumps(frame.data)})
            self.frames.append(frame)
            if protocol.frame_name(type(frame)) == kind:
                return frame


async def test_every_frame_sent_decodes_strictly(live_app: LiveApp) -> None:
    picker = live_app.pickers[0][0]
    board = Socket(await websockets.connect(
        f"{live_app.ws_url}/ws/board?token={live_app.token('supervisor')}&warehouse={live_app.warehouse}"))
    hand = Socket(await websockets.connect(f"{live_app.ws_url}/ws/handheld?token={live_app.token('picker', picker)}"))
    try:
        await board.next("snapshot")
        await hand.next("welcome")
        await hand.next("idle")
        await asyncio.to_thread(live_app.release_wave, 1, 3)
        task = (await hand.next("task")).task
        step = task.steps[0]
        await board.next("event")
        await hand.send({"type": "scan", "scan_id": "f1", "barcode": "garbage", "task_id": task.task_id})
        assert (await hand.next("verdict")).verdict == "unknown_barcode"
        await hand.send({"type": "scan", "scan_id": "f2", "barcode": step.location, "task_id": task.task_id})
        assert (await hand.next("verdict")).expected is not None
        await hand.send({"type": "scan", "scan_id": "f2", "barcode": step.location, "task_id": task.task_id})
        assert (await hand.next("verdict")).duplicate is True
        await hand.send({"type": "report", "request_id": "f3", "kind": "damaged", "location": step.location})
        await hand.next("report_recorded")
        await hand.send({"type": "short_pick", "request_id": "f4", "task_id": task.task_id, "step": 0, "found": 0})
        await hand.next("short_pick_recorded")
        await hand.send({"type": "sync"})
        await hand.next("task")
        await hand.send({"type": "ping", "id": "p1"})
        assert (await hand.next("pong")).id == "p1"
        await hand.send({"type": "scan"})
        assert (await hand.next("error")).code == "bad_frame"
        await board.send({"type": "ping", "id": "b1"})
        await board.next("pong")
        await board.next("counts", timeout=3)
        # A board asking for an id the Stream never handed out: resync, then a fresh snapshot.
        late = Socket(await websockets.connect(
            f"{live_app.ws_url}/ws/board?token={live_app.token('supervisor')}&warehouse={live_app.warehouse}"
            "&last_id=99999999999999-0"))
        try:
            assert (await late.next("resync")).reason == "future"
            await late.next("snapshot")
        finally:
            await late.connection.close()
        board.frames += late.frames
    finally:
        await hand.connection.close()
        await board.connection.close()
    seen = {protocol.frame_name(type(f)) for f in hand.frames + board.frames}
    every = {protocol.frame_name(cls) for cls in protocol.OUTBOUND}
    assert seen == every, f"never sent: {every - seen}"
    kinds = {f.event for f in board.frames if isinstance(f, protocol.EventFrame)}
    assert {"wave_released", "task_assigned", "exception_raised"} <= kinds
