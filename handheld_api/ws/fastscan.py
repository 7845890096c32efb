"""The handheld socket's callback scan path: frame -> script arguments -> pipeline -> verdict.

A plain live scan of the pick task on screen (it names that task, was not queued offline, passes
:func:`check_scan`) is decoded, its outbox slot reserved *before* the script is sent (a task push
caused by the scan waits behind its verdict), and submitted to the auto-pipeline with a callback;
the reply's callback (run from the Redis connection's ``data_received``) fills the slot with the
verdict frame exactly as :meth:`HandheldSession.answer` would have made it, then lets the socket's
:class:`FrameFeed` start the next frame. No task and no future per scan. Whatever happens, the slot
is filled and ``then()`` is called once. Every other frame takes the coroutine path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import msgspec

from floor.core.errors import FloorError
from floor.floor import Floor
from floor.store.autopipe import ScriptPipeline
from floor.store.client import UNAVAILABLE_ERRORS
from handheld_api.http.metrics import FRAME_ERRORS, SCAN_SECONDS, SCANS_REPEATED
from handheld_api.ws.outbox import SocketOutbox
from handheld_api.ws.protocol import MAX_FRAME, HandheldInbound, Scan, check_scan, error_frame
from handheld_api.ws.scanstats import BatchedHistogram

log = logging.getLogger("floor.handheld")
_STORE_DOWN: tuple[type[BaseException], ...] = (*UNAVAILABLE_ERRORS, OSError)
_decoder = msgspec.json.Decoder(HandheldInbound)
_SCAN_TIMES = BatchedHistogram(SCAN_SECONDS)  # the callback path's observations, added in batches


class FastScans:
    """Mixed into :class:`HandheldSession` (which sets these attributes)."""

    floor: Floor
    outbox: SocketOutbox
    pipeline: ScriptPipeline | None
    loop: asyncio.AbstractEventLoop
    picker: str
    warehouse: str
    task_id: str
    task_kind: str

    def fast_scan(self, text: str, then: Callable[[], None]) -> bool:
        """A plain live scan of the pick task on screen: decoded, submitted to the pipeline, and its
        verdict placed from the reply's callback (no task). False: the frame takes :meth:`handle`."""
        if self.pipeline is None or len(text) > MAX_FRAME:
            return False
        try:
            scan = _decoder.decode(text)
        except msgspec.DecodeError:
            return False
        if (type(scan) is not Scan or scan.queued_ms or not scan.task_id or scan.task_id != self.task_id
                or self.task_kind != "pick" or check_scan(scan) is not None):
            return False
        slot = self.outbox.reserve()  # before Redis: a push caused by this scan waits behind its verdict
        started = time.perf_counter()
        args = self.floor.picking.scan_args(self.picker, scan.task_id, scan.scan_id, scan.barcode, scan.quantity,
                                            scan.mode)

        def replied(reply: Any, error: BaseException | None) -> None:
            try:
                answer = self.verdict_of(scan, reply, error, started)
            except Exception as failure:  # the slot is filled whatever happens: the outbox waits on it
                answer = self.verdict_of(scan, None, failure, started)
            slot.fill(answer)
            then()

        try:
            self.pipeline.submit("scan", self.warehouse, args, replied)
        except Exception as failure:
            slot.fill(self.verdict_of(scan, None, failure, started))
            then()
        return True

    def verdict_of(self, scan: Scan, reply: Any, error: BaseException | None, started: float) -> str:
        """The frame for a scan's script reply (or its error), as :meth:`answer` would have made it."""
        if error is None:
            repeat, verdict = reply
            if repeat:
                verdict = '{"duplicate":true,' + verdict[1:]
                SCANS_REPEATED.inc()
            _SCAN_TIMES.observe(time.perf_counter() - started, self.loop)
            return str(verdict)
        if isinstance(error, FloorError):
            return error_frame(error.code, error.reason, scan.scan_id).decode()
        if isinstance(error, _STORE_DOWN):
            FRAME_ERRORS.labels("unavailable").inc()
            return error_frame(
                "unavailable", "the store did not answer: keep the scan and send it again with the same id",
                scan.scan_id, retry=True,
            ).decode()
        log.error("handheld %s: unexpected error", self.picker, exc_info=error)
        FRAME_ERRORS.labels("server_error").inc()
        return error_frame("server_error", "the server could not handle that frame", scan.scan_id, retry=False).decode()

