"""``/ws/handheld``: a picker's scanner. See docs/protocol.md.

Hot path per scan: one msgspec decode, one EVALSHA (validate + apply + verdict JSON built in
Lua), one send of that JSON as is.
"""

from __future__ import annotations

import asyncio
import logging
import time

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from floor.core.errors import FloorError
from floor.floor import Floor
from floor.incidents.model import RaiseException
from floor.incidents.service import RAISABLE_KINDS
from handheld_api.auth import Principal, authenticate
from handheld_api.http.metrics import FRAME_ERRORS, SCAN_SECONDS, SCANS_REPEATED, SOCKETS
from handheld_api.ws.hub import Hub, StreamEvent
from handheld_api.ws.presence import PresenceKeeper
from handheld_api.ws.protocol import (
    MAX_FRAME,
    HandheldInbound,
    Ping,
    Report,
    Scan,
    ShortPick,
    Sync,
    check_id,
    check_scan,
    error_frame,
    frame,
    reference_of,
)

log = logging.getLogger("floor.handheld")
_decoder = msgspec.json.Decoder(HandheldInbound)


class HandheldSession:
    def __init__(self, socket: WebSocket, floor: Floor, principal: Principal) -> None:  # type: ignore[type-arg]
        self.socket = socket
        self.floor = floor
        self.picker = principal.subject
        self.warehouse = principal.warehouse
        self.task_id = ""
        self.lock = asyncio.Lock()

    async def send(self, text: str) -> None:
        async with self.lock:
            await self.socket.send_text(text)

    async def send_task(self, task_id: str) -> None:
        self.task_id = task_id
        if not task_id:
            await self.send(frame("idle", picker=self.picker).decode())
            return
        view = await self.floor.picking.task(self.warehouse, task_id)
        await self.send(frame("task", task=view).decode())

    async def on_event(self, event: StreamEvent) -> None:
        """Hub callback: a task was assigned to this picker, or changed."""
        task_id = str(event.data.get("task_id", ""))
        if event.event in ("task_completed", "task_unassigned"):
            if task_id == self.task_id:  # our task is done or taken away: show the next one, or idle
                await self.send_task(await self.floor.picking.store.current_task_id(self.warehouse, self.picker))
            return
        if event.event == "task_assigned" and task_id == self.task_id:
            return  # already sent
        await self.send_task(task_id)

    async def handle(self, text: str) -> None:
        if len(text) > MAX_FRAME:
            await self.send(error_frame("too_large", f"frames are limited to {MAX_FRAME} characters").decode())
            FRAME_ERRORS.labels("too_large").inc()
            return
        try:
            message = _decoder.decode(text)
        except msgspec.DecodeError as error:
            await self.send(error_frame("bad_frame", str(error)).decode())
            FRAME_ERRORS.labels("bad_frame").inc()
            return
        try:
            await self.dispatch(message)
        except FloorError as error:
            await self.send(error_frame(error.code, error.reason, reference_of(message)).decode())
        except (RedisConnectionError, RedisTimeoutError, OSError):
            FRAME_ERRORS.labels("unavailable").inc()
            await self.send(error_frame(
                "unavailable", "the store is unreachable: keep the scan and send it again", reference_of(message),
                retry=True,
            ).decode())
        except Exception:
            log.exception("handheld %s: unexpected error", self.picker)
            FRAME_ERRORS.labels("server_error").inc()
            await self.send(error_frame(
                "server_error", "the server could not handle that frame", reference_of(message), retry=False,
            ).decode())

    async def dispatch(self, message: HandheldInbound) -> None:
        match message:
            case Scan():
                await self.on_scan(message)
            case ShortPick():
                await self.on_short_pick(message)
            case Report():
                await self.on_report(message)
            case Ping():
                await self.send(frame("pong", id=message.id, server_time_ms=int(time.time() * 1000)).decode())
            case Sync():
                await self.send_task(await self.floor.picking.assign(self.warehouse, self.picker))

    async def on_scan(self, scan: Scan) -> None:
        started = time.perf_counter()
        reason = check_scan(scan)
        if reason:
            await self.send(error_frame("bad_frame", reason, scan.scan_id[:64]).decode())
            FRAME_ERRORS.labels("bad_frame").inc()
            return
        repeat, verdict = await self.floor.picking.scan(
            self.warehouse, self.picker, scan.task_id, scan.scan_id, scan.barcode, scan.quantity
        )
        if repeat:
            verdict = '{"duplicate":true,' + verdict[1:]
            SCANS_REPEATED.inc()
        await self.send(verdict)
        SCAN_SECONDS.observe(time.perf_counter() - started)

    async def on_short_pick(self, request: ShortPick) -> None:
        reason = check_id(request.request_id, "request_id") or check_id(request.task_id, "task_id")
        if reason:
            await self.send(error_frame("bad_frame", reason, request.request_id[:64]).decode())
            return
        try:
            repeat, result = await self.floor.picking.short_pick(
                self.warehouse, self.picker, request.task_id, request.request_id, request.step, request.found
            )
        except FloorError as error:
            await self.send(error_frame(error.code, error.reason, request.request_id).decode())
            return
        await self.send(('{"duplicate":true,' + result[1:]) if repeat else result)

    async def on_report(self, report: Report) -> None:
        reason = check_id(report.request_id, "request_id")
        if report.kind not in RAISABLE_KINDS:
            reason = f"kind must be one of {', '.join(RAISABLE_KINDS)}"
        if reason:
            await self.send(error_frame("bad_frame", reason, report.request_id[:64]).decode())
            return
        command = RaiseException(
            exception_id=report.request_id, kind=report.kind, location=report.location, sku=report.sku[:40],
            task_id=self.task_id, detail=report.detail, warehouse=self.warehouse,
        )
        try:
            exception = await self.floor.incidents.raise_one(self.warehouse, command, self.picker, picker=self.picker)
        except FloorError as error:
            await self.send(error_frame(error.code, error.reason, report.request_id).decode())
            return
        await self.send(
            frame("report_recorded", request_id=report.request_id, exception_id=exception.exception_id).decode()
        )


@websocket("/ws/handheld")
async def handheld_socket(socket: WebSocket) -> None:  # type: ignore[type-arg]
    principal = await authenticate(socket, ("picker",))
    if principal is None:
        return
    floor: Floor = socket.app.state.floor
    hub: Hub = socket.app.state.hub
    session = HandheldSession(socket, floor, principal)
    keeper = PresenceKeeper(floor, session.warehouse, session.picker)
    await hub.add_picker(session.warehouse, session.picker, session.on_event)
    SOCKETS.labels("handheld").inc()
    try:
        await session.send(
            frame("welcome", picker=session.picker, warehouse=session.warehouse,
                  server_time_ms=int(time.time() * 1000)).decode()
        )
        await keeper.join()  # a lease of this socket's own, renewed every ttl/3
        await session.send_task(await floor.picking.assign(session.warehouse, session.picker))
        while True:
            text = await socket.receive_text()
            await session.handle(text)
    except WebSocketDisconnect:
        pass
    finally:
        SOCKETS.labels("handheld").dec()
        hub.remove_picker(session.warehouse, session.picker, session.on_event)
        await keeper.leave()  # drops this socket's lease only; the picker may be on another node
