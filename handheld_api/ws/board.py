"""``/ws/board``: the supervisor's live board. See docs/protocol.md.

Snapshot then events, or (with ``last_id``) catch-up from the Stream then events; a ``counts``
frame every second. The socket registers its queue with the hub *before* reading the snapshot or
the catch-up, and drops queued events it has already sent, so nothing is missed or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from floor.core.errors import FloorError
from floor.floor import Floor
from handheld_api.auth import authenticate
from handheld_api.http.metrics import SOCKETS
from handheld_api.ws.hub import BOARD_SKIPPED, Hub, StreamEvent, decode_entry
from handheld_api.ws.protocol import MAX_FRAME, BoardInbound, error_frame, frame

_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_decoder = msgspec.json.Decoder(BoardInbound)
COUNTS_EVERY_S = 1.0


def _id_key(stream_id: str) -> tuple[int, int]:
    ms, seq = stream_id.split("-")
    return int(ms), int(seq)


async def _counts(floor: Floor, warehouse: str) -> bytes:
    verdicts = await floor.picking.store.verdict_counts(warehouse)
    waves = await floor.waves.store.recent(warehouse, 10)
    return frame(
        "counts",
        verdicts=verdicts,
        waves=[
            {"wave_id": w.wave_id, "status": w.status, "units": w.units, "picked_units": w.picked_units,
             "short_units": w.short_units, "tasks_open": w.tasks_open}
            for w in waves
        ],
    )


async def _catch_up(send: Callable[[str], Awaitable[None]], floor: Floor, warehouse: str, last_id: str) -> str:
    while True:
        entries = await floor.events.after(warehouse, last_id, 1000)
        if not entries:
            return last_id
        for entry_id, fields in entries:
            last_id = entry_id
            if fields.get("type") in BOARD_SKIPPED:
                continue
            event = decode_entry(entry_id, fields)
            await send(frame("event", id=event.id, event=event.event, data=event.data).decode())


@websocket("/ws/board")
async def board_socket(socket: WebSocket) -> None:  # type: ignore[type-arg]
    principal = await authenticate(socket, ("supervisor", "admin"))
    if principal is None:
        return
    floor: Floor = socket.app.state.floor
    hub: Hub = socket.app.state.hub
    warehouse = socket.query_params.get("warehouse") or (
        principal.warehouse if principal.warehouse != "*" else floor.default_warehouse
    )
    last_id = socket.query_params.get("last_id", "")
    try:
        await floor.layouts.get(warehouse)
        if not principal.may_use(warehouse):
            raise FloorError(f"no access to warehouse {warehouse}", code="forbidden")
        if last_id and not _STREAM_ID.match(last_id):
            raise FloorError("last_id must be a stream id like 1796143934001-0", code="bad_frame")
    except FloorError as error:
        await socket.send_text(error_frame(error.code, error.reason).decode())
        await socket.close(code=4400)
        return

    lock = asyncio.Lock()

    async def send(text: str) -> None:
        async with lock:
            await socket.send_text(text)

    queue: asyncio.Queue[StreamEvent] = asyncio.Queue()
    await hub.add_board(warehouse, queue)
    SOCKETS.labels("board").inc()
    sender: asyncio.Task[None] | None = None
    ticker: asyncio.Task[None] | None = None
    try:
        if last_id:
            sent = await _catch_up(send, floor, warehouse, last_id)
        else:
            sent = await floor.events.last_id(warehouse)
            snapshot = frame(
                "snapshot",
                warehouse=warehouse,
                last_id=sent,
                exceptions=await floor.incidents.open(warehouse),
                waves=await floor.waves.store.recent(warehouse),
                verdicts=await floor.picking.store.verdict_counts(warehouse),
                pickers=await floor.picking.store.pickers(warehouse),
                layout=await floor.layouts.get(warehouse),
            )
            await send(snapshot.decode())

        async def forward(after: str) -> None:
            after_key = _id_key(after)
            while True:
                event = await queue.get()
                key = _id_key(event.id)
                if key <= after_key:
                    continue
                after_key = key
                await send(frame("event", id=event.id, event=event.event, data=event.data).decode())

        async def tick() -> None:
            while True:
                await asyncio.sleep(COUNTS_EVERY_S)
                await send((await _counts(floor, warehouse)).decode())

        sender = asyncio.create_task(forward(sent))
        ticker = asyncio.create_task(tick())
        while True:
            text = await socket.receive_text()
            if len(text) > MAX_FRAME:
                await send(error_frame("too_large", f"frames are limited to {MAX_FRAME} characters").decode())
                continue
            try:
                message = _decoder.decode(text)
            except msgspec.DecodeError as error:
                await send(error_frame("bad_frame", str(error)).decode())
                continue
            await send(frame("pong", id=message.id).decode())
    except WebSocketDisconnect:
        pass
    finally:
        SOCKETS.labels("board").dec()
        hub.remove_board(warehouse, queue)
        for task in (sender, ticker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
