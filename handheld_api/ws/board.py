"""``/ws/board``: the supervisor's live board. See docs/protocol.md.

Snapshot then events, or (with ``last_id``) catch-up from the Stream then events; a ``counts``
frame every second. The socket registers its outbox with the hub *before* reading the snapshot or
the catch-up, and its writer drops queued events it has already sent, so nothing is missed or
doubled. A ``last_id`` the Stream can no longer serve (trimmed, in the future, or more than
``CATCH_UP_LIMIT`` events behind) gets a ``resync`` frame and a fresh snapshot instead of a gap.
Everything goes out through the board's own :class:`SocketOutbox`: a stalled board is closed with
4408 and never delays another socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from floor.core.errors import FloorError
from floor.floor import Floor
from floor.store.stream import id_key
from handheld_api.auth import authenticate
from handheld_api.http.metrics import SLOW_CLOSES, SOCKETS
from handheld_api.ws.hub import BOARD_SKIPPED, BoardEvent, Hub, board_frame, decode_entry
from handheld_api.ws.outbox import SocketOutbox, close_failed, run_until_done
from handheld_api.ws.protocol import MAX_FRAME, BoardInbound, error_frame, frame

log = logging.getLogger("floor.board")
_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_decoder = msgspec.json.Decoder(BoardInbound)
COUNTS_EVERY_S = 1.0
BOARD_OUTBOX = 2048  # frames waiting for one board; more and the socket is closed (4408)


async def _counts(floor: Floor, warehouse: str) -> str:
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
    ).decode()


async def _snapshot(floor: Floor, warehouse: str) -> tuple[str, str]:
    """(the Stream id it is current to, the snapshot frame)."""
    last_id = await floor.events.last_id(warehouse)
    snapshot = frame(
        "snapshot",
        warehouse=warehouse,
        last_id=last_id,
        exceptions=await floor.incidents.open(warehouse),
        waves=await floor.waves.store.recent(warehouse),
        verdicts=await floor.picking.store.verdict_counts(warehouse),
        pickers=await floor.picking.store.pickers(warehouse),
        layout=await floor.layouts.get(warehouse),
    )
    return last_id, snapshot.decode()


class BoardStream:
    """One board's writer side: the prelude (snapshot or catch-up) and the live events after it."""

    def __init__(self, floor: Floor, warehouse: str, outbox: SocketOutbox) -> None:
        self.floor = floor
        self.warehouse = warehouse
        self.outbox = outbox
        self.sent = (0, 0)  # id_key of the last event the board has (snapshot or event frame)

    async def catch_up(self, last_id: str) -> bool:
        """Send every event after ``last_id``; False (after a ``resync`` frame) when that cannot be done."""
        result = await self.floor.events.catch_up(self.warehouse, last_id)
        if result.resync:
            await self.outbox.send(frame(
                "resync", reason=result.resync, last_id=last_id, first_id=result.first_id, newest_id=result.last_id,
            ).decode())
            return False
        self.sent = id_key(last_id)
        for entry_id, fields in result.entries:
            self.sent = id_key(entry_id)
            if fields.get("type") in BOARD_SKIPPED:
                continue
            try:
                event = decode_entry(entry_id, fields)
            except msgspec.DecodeError:
                continue
            await self.outbox.send(board_frame(event).text)
        return True

    async def prelude(self, last_id: str) -> None:
        if last_id and await self.catch_up(last_id):
            return
        snapshot_id, snapshot = await _snapshot(self.floor, self.warehouse)
        self.sent = id_key(snapshot_id)
        await self.outbox.send(snapshot)

    async def render(self, item: Any) -> str | None:
        if isinstance(item, BoardEvent):
            if item.key <= self.sent:
                return None  # already sent by the catch-up (or contained in the snapshot)
            self.sent = item.key
            return item.text
        raise TypeError(f"cannot render {type(item).__name__}")

    async def tick(self) -> None:
        while True:
            await asyncio.sleep(COUNTS_EVERY_S)
            try:
                self.outbox.put(await _counts(self.floor, self.warehouse))
            except Exception as error:  # the store is down: the next tick tries again
                log.warning("board counts %s: %s", self.warehouse, error)


async def _receive(socket: WebSocket, outbox: SocketOutbox) -> None:  # type: ignore[type-arg]
    try:
        while True:
            text = await socket.receive_text()
            if len(text) > MAX_FRAME:
                outbox.put(error_frame("too_large", f"frames are limited to {MAX_FRAME} characters").decode())
                continue
            try:
                message = _decoder.decode(text)
            except msgspec.DecodeError as error:
                outbox.put(error_frame("bad_frame", str(error)).decode())
                continue
            outbox.put(frame("pong", id=message.id).decode())
    except WebSocketDisconnect:
        pass


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

    outbox = SocketOutbox(socket, BOARD_OUTBOX)
    board = BoardStream(floor, warehouse, outbox)
    SOCKETS.labels("board").inc()
    ticker: asyncio.Task[None] | None = None
    try:
        await hub.add_board(warehouse, outbox)  # before the snapshot / catch-up: nothing is missed
        outbox.start(board.render, lambda: board.prelude(last_id))
        ticker = asyncio.create_task(board.tick())
        await run_until_done(outbox, _receive(socket, outbox))
    finally:
        SOCKETS.labels("board").dec()
        hub.remove_board(warehouse, outbox)
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await ticker
        if outbox.failure in ("overflow", "send_timeout", "render"):
            SLOW_CLOSES.labels("board", outbox.failure).inc()
            log.info("board of %s closed: %s", warehouse, outbox.failure)
            await close_failed(socket, outbox)
