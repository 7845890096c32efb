"""``/ws/handheld``: a picker's scanner. See docs/protocol.md.

Hot path per scan: one msgspec decode, one EVALSHA (validate + apply + verdict JSON built in
Lua), the verdict JSON queued as is in the socket's outbox. The socket reads and writes its frames
through the raw ASGI ``receive`` / ``send`` (handed over by :func:`raw_channel`, below Litestar's
per-message wrappers), and the EVALSHAs of all sockets made in one event-loop turn share one write
to Redis (auto-pipelining, floor/store/autopipe.py). A socket has at most one frame in flight (the
next is read once the previous one's answer is known), so verdict order per socket and the
effects are those of one round trip per scan. On a node started with ``python -m
handheld_api.serve`` (the ``floor.fastws`` extension, handheld_api/ws/fastws.py) frames arrive as
direct calls (:class:`FrameFeed`, still one in flight) and a live scan of the task on screen takes
the callback path (handheld_api/ws/fastscan.py): no task per frame, the verdict written as soon as
it is at the head of the outbox.

Every frame the server sends goes through the socket's :class:`SocketOutbox`, in order (text at its
head is written at once, the rest by the socket's own writer task): answers (each inbound frame reserves its answer's place *before* it goes
to Redis, so a task push caused by a scan never overtakes that scan's verdict) and task pushes
(handed over by the hub, rendered from Redis here, in this socket's writer, on a pool of their own).
A socket that falls too far behind is closed with 4408; the handheld reconnects and re-sends its
unanswered scans, each applied once.

Socket lifecycle hooks (presence): :meth:`HandheldSession.on_connect`, :meth:`~HandheldSession.on_tick`
(every ``presence_ttl_s / 3``) and :meth:`~HandheldSession.on_close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, cast

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.types import ASGIApp, Receive, Scope, Send

from floor.core.errors import FloorError
from floor.floor import Floor
from floor.incidents.model import RaiseException
from floor.incidents.service import RAISABLE_KINDS
from floor.picking.store import PickingStore
from floor.store.client import UNAVAILABLE_ERRORS
from handheld_api.auth import Principal, authenticate
from handheld_api.http.metrics import FRAME_ERRORS, SCAN_SECONDS, SCANS_REPEATED, SLOW_CLOSES, SOCKETS
from handheld_api.ws.fastscan import FastScans
from handheld_api.ws.fastws import EXTENSION
from handheld_api.ws.feed import FrameFeed
from handheld_api.ws.hub import Hub, StreamEvent
from handheld_api.ws.outbox import SocketOutbox, close_failed, run_until_done
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
from handheld_api.ws.replay import report_stale

log = logging.getLogger("floor.handheld")
_STORE_DOWN: tuple[type[BaseException], ...] = (*UNAVAILABLE_ERRORS, OSError)
_decoder = msgspec.json.Decoder(HandheldInbound)
HANDHELD_OUTBOX = 256  # frames waiting for one handheld; more and the socket is closed (4408)


RAW = "floor.raw_channel"  # scope key: the ASGI (receive, send) of the handheld socket


def raw_channel(app: ASGIApp) -> ASGIApp:
    """Route middleware: keeps the socket's ASGI ``receive`` / ``send`` in the scope, so the hot loop
    reads and writes frames without Litestar's per-message wrappers (state checks, event casts)."""

    async def keep(scope: Scope, receive: Receive, send: Send) -> None:
        scope[RAW] = (receive, send)  # type: ignore[literal-required]
        await app(scope, receive, send)

    return keep


class ShowTask(msgspec.Struct, frozen=True):
    """Outbox item: send this task (``task_id``; '' = idle) as the writer finds it in Redis."""

    task_id: str


class HandheldSession(FastScans):
    def __init__(self, socket: WebSocket, floor: Floor, principal: Principal, tasks: PickingStore) -> None:  # type: ignore[type-arg]
        self.socket = socket
        self.floor = floor
        self.tasks = tasks  # task reads for pushes: a pool of their own, never waiting behind scans
        self.picker = principal.subject
        self.warehouse = principal.warehouse
        self.task_id = ""  # the task last shown (written by the writer only)
        self.task_kind = "pick"  # issue 9: kind of the task last shown (pick | replenish | putaway | count | return)
        raw: tuple[Receive, Send] | None = socket.scope.get(RAW)  # type: ignore[assignment]
        self.raw_receive = raw[0] if raw else None
        self.outbox = SocketOutbox(socket, HANDHELD_OUTBOX, raw_send=raw[1] if raw else None)
        self.keeper = PresenceKeeper(floor, self.warehouse, self.picker)  # this socket's lease
        self.pipeline = floor.picking.store.pipeline  # the scan callback path needs the auto-pipeline
        self.loop = asyncio.get_running_loop()

    # -- lifecycle hooks (presence leases hook in here) ---------------------------------------

    async def on_connect(self) -> None:
        """The socket is accepted and registered with the hub: its presence lease starts (renewed
        by the keeper every ttl/3), so the picker may be handed tasks."""
        await self.keeper.join()

    async def on_tick(self) -> None:
        """Every ``presence_ttl_s / 3`` while the socket is open (the keeper renews the lease)."""

    async def on_close(self, last_on_node: bool) -> None:
        """The socket is gone (or closed as too slow) and unregistered: only this socket's lease is
        dropped; the picker stays present while any node holds another of its sockets."""
        try:
            await self.keeper.leave()
        except Exception:
            log.warning("could not drop the lease of %s (it runs out by time)", self.picker)

    async def ticking(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.on_tick()
            except Exception:
                log.warning("handheld %s: tick failed", self.picker, exc_info=True)

    # -- the writer side: what the outbox items become -----------------------------------------

    async def render(self, item: Any) -> str | None:
        if isinstance(item, ShowTask):
            return await self.task_frame(item.task_id)
        if isinstance(item, StreamEvent):
            return await self.push(item)
        raise TypeError(f"cannot render {type(item).__name__}")

    async def task_frame(self, task_id: str) -> str:
        view = await self.tasks.task(self.warehouse, task_id) if task_id else None
        text = frame("task", task=view) if view else frame("idle", picker=self.picker)
        self.task_kind = view.kind if view else "pick"  # issue 9: which script a scan of it goes to
        self.task_id = task_id  # only once it is read: a failed read is retried as a change
        return text.decode()

    async def push(self, event: StreamEvent) -> str | None:
        """A task was assigned to this picker, or changed, or finished: the frame to show, if any."""
        task_id = str(event.data.get("task_id", ""))
        if event.event in ("task_completed", "task_unassigned"):
            if task_id != self.task_id:
                return None
            # Our task is done or was taken away: show the next one, or idle.
            return await self.task_frame(await self.tasks.current_task_id(self.warehouse, self.picker))
        if event.event == "task_assigned" and task_id == self.task_id:
            return None  # already shown
        return await self.task_frame(task_id)

    # -- the receive side: every inbound frame gets its answer's place first -------------------

    async def receive(self) -> None:
        """Read frames one at a time; each is answered (its slot filled) before the next is read.

        With the server's ``floor.fastws`` extension the frames come as calls (:class:`FrameFeed`):
        a scan goes from the frame to the pipeline and its verdict to the socket without a task."""
        extension = self.socket.scope.get("extensions", {}).get(EXTENSION)  # type: ignore[union-attr]
        if extension is not None:
            feed = FrameFeed(cast(Any, extension)["attach"], self.fast_scan, self.handle)
            self.outbox.fast = feed.channel
            try:
                await feed.gone
            finally:
                feed.close()
                self.outbox.fast = None
            self.socket.connection_state = "disconnect"
            return
        receive = self.raw_receive
        if receive is None:  # no raw channel (a test app without the route middleware)
            try:
                while True:
                    await self.handle(await self.socket.receive_text())
            except WebSocketDisconnect:
                return
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":  # websocket.disconnect
                self.socket.connection_state = "disconnect"
                return
            await self.handle(message.get("text") or "")

    async def handle(self, text: str) -> None:
        slot = self.outbox.reserve()
        answer: Any = None
        try:
            answer = await self.answer(text)
        finally:
            slot.fill(answer)

    async def answer(self, text: str) -> Any:
        """The answer to one frame: text, a :class:`ShowTask`, or None."""
        if len(text) > MAX_FRAME:
            FRAME_ERRORS.labels("too_large").inc()
            return error_frame("too_large", f"frames are limited to {MAX_FRAME} characters").decode()
        try:
            message = _decoder.decode(text)
        except msgspec.DecodeError as error:
            FRAME_ERRORS.labels("bad_frame").inc()
            return error_frame("bad_frame", str(error)).decode()
        try:
            return await self.dispatch(message)
        except FloorError as error:
            return error_frame(error.code, error.reason, reference_of(message)).decode()
        except _STORE_DOWN:
            FRAME_ERRORS.labels("unavailable").inc()
            return error_frame(
                "unavailable", "the store did not answer: keep the scan and send it again with the same id",
                reference_of(message),
                retry=True,
            ).decode()
        except Exception:
            log.exception("handheld %s: unexpected error", self.picker)
            FRAME_ERRORS.labels("server_error").inc()
            return error_frame(
                "server_error", "the server could not handle that frame", reference_of(message), retry=False,
            ).decode()

    async def dispatch(self, message: HandheldInbound) -> Any:
        match message:
            case Scan():
                return await self.on_scan(message)
            case ShortPick():
                return await self.on_short_pick(message)
            case Report():
                return await self.on_report(message)
            case Ping():
                return frame("pong", id=message.id, server_time_ms=int(time.time() * 1000)).decode()
            case Sync():
                return ShowTask(await self.floor.picking.assign(self.warehouse, self.picker))
        return None

    async def on_scan(self, scan: Scan) -> str:
        started = time.perf_counter()
        reason = check_scan(scan)
        if reason:
            FRAME_ERRORS.labels("bad_frame").inc()
            return error_frame("bad_frame", reason, scan.scan_id[:64]).decode()
        # -- issue 9: a scan of a replenish / putaway / count task goes to that kind's script --
        kind = self.task_kind if scan.task_id and scan.task_id == self.task_id else await self.floor.planning.task_kind(
            self.warehouse, scan.task_id or await self.tasks.current_task_id(self.warehouse, self.picker))
        if kind == "sort":  # issue 11: a put-wall sort task (floor/sorting)
            repeat, verdict = await self.floor.sorting.scan(
                self.warehouse, self.picker, scan.task_id, scan.scan_id, scan.barcode)
        elif kind != "pick":
            repeat, verdict = await self.floor.planning.scan(
                self.warehouse, self.picker, scan.task_id, scan.scan_id, scan.barcode, scan.quantity, kind)
        else:  # -- end issue 9 --
            repeat, verdict = await self.floor.picking.scan(
                self.warehouse, self.picker, scan.task_id, scan.scan_id, scan.barcode, scan.quantity, mode=scan.mode
            )
        if scan.queued_ms and not repeat:  # issue 10: a scan replayed after offline that no longer applies
            await report_stale(self.floor, self.warehouse, self.picker, scan.scan_id, scan.queued_ms, verdict)
        if repeat:
            verdict = '{"duplicate":true,' + verdict[1:]
            SCANS_REPEATED.inc()
        SCAN_SECONDS.observe(time.perf_counter() - started)
        return verdict

    async def on_short_pick(self, request: ShortPick) -> str:
        reason = check_id(request.request_id, "request_id") or check_id(request.task_id, "task_id")
        if reason:
            return error_frame("bad_frame", reason, request.request_id[:64]).decode()
        try:
            repeat, result = await self.floor.picking.short_pick(
                self.warehouse, self.picker, request.task_id, request.request_id, request.step, request.found
            )
        except FloorError as error:
            return error_frame(error.code, error.reason, request.request_id).decode()
        return ('{"duplicate":true,' + result[1:]) if repeat else result

    async def on_report(self, report: Report) -> str:
        reason = check_id(report.request_id, "request_id")
        if report.kind not in RAISABLE_KINDS:
            reason = f"kind must be one of {', '.join(RAISABLE_KINDS)}"
        if reason:
            return error_frame("bad_frame", reason, report.request_id[:64]).decode()
        command = RaiseException(
            exception_id=report.request_id, kind=report.kind, location=report.location, sku=report.sku[:40],
            task_id=self.task_id, detail=report.detail, warehouse=self.warehouse,
        )
        try:
            exception = await self.floor.incidents.raise_one(self.warehouse, command, self.picker, picker=self.picker)
        except FloorError as error:
            return error_frame(error.code, error.reason, report.request_id).decode()
        return frame("report_recorded", request_id=report.request_id, exception_id=exception.exception_id).decode()


@websocket("/ws/handheld", middleware=[raw_channel])
async def handheld_socket(socket: WebSocket) -> None:  # type: ignore[type-arg]
    principal = await authenticate(socket, ("picker",))
    if principal is None:
        return
    floor: Floor = socket.app.state.floor
    hub: Hub = socket.app.state.hub
    session = HandheldSession(socket, floor, principal, socket.app.state.push_tasks)
    outbox = session.outbox
    SOCKETS.labels("handheld").inc()
    ticker: asyncio.Task[None] | None = None
    outbox.put(frame("welcome", picker=session.picker, warehouse=session.warehouse,
                     server_time_ms=int(time.time() * 1000)).decode())
    first = outbox.reserve()  # the current task, placed before any push can arrive
    try:
        await hub.add_picker(session.warehouse, session.picker, outbox)  # before assign: no push is missed
        await session.on_connect()
        outbox.start(session.render)
        ticker = asyncio.create_task(session.ticking(max(1.0, floor.settings.presence_ttl_s / 3)))
        first.fill(ShowTask(await floor.picking.assign(session.warehouse, session.picker)))
        await run_until_done(outbox, session.receive())
    finally:
        first.fill(None)
        if ticker is not None:
            ticker.cancel()
        SOCKETS.labels("handheld").dec()
        last = hub.remove_picker(session.warehouse, session.picker, outbox)
        await session.on_close(last)
        if outbox.writer is not None and not outbox.writer.done():
            outbox.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await outbox.writer
        if outbox.failure in ("overflow", "send_timeout", "render"):
            SLOW_CLOSES.labels("handheld", outbox.failure).inc()
            log.info("handheld %s closed: %s", session.picker, outbox.failure)
            await close_failed(socket, outbox)
