"""Raw TCP 9100 printing: status before, the job, status after; one job at a time per printer.

Invariant: a job is sent only to a printer that answered ~HS without a fault; no answer within the
status timeout is a fault ("silent"), never "ok"; a refused or timed-out connection is "unreachable"
after the retries. Every fault raises PrinterFault, and :class:`Printing` turns it into a floor
exception (kind printer_fault) on the board. Bytes are sent exactly as given.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import msgspec

from floor.core.ids import new_id
from floor.incidents.store import IncidentStore
from floor.shipping.model import Printer
from floor.shipping.printing.model import PrinterFault, PrinterStatus, StatusError, complete, parse_hs
from floor.shipping.store import ShippingStore


class PrintReport(msgspec.Struct, frozen=True):
    station: str
    bytes_sent: int
    attempts: int
    before: PrinterStatus
    after: PrinterStatus
    took_ms: int


class PrinterClient:
    def __init__(self, connect_timeout_s: float = 3.0, status_timeout_s: float = 6.0, send_timeout_s: float = 10.0,
                 retries: int = 2, retry_delay_s: float = 0.3) -> None:
        self.connect_timeout_s, self.status_timeout_s = connect_timeout_s, status_timeout_s
        self.send_timeout_s, self.retries, self.retry_delay_s = send_timeout_s, retries, retry_delay_s
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), self.connect_timeout_s)
            except (OSError, TimeoutError) as error:
                last = error
                if attempt < self.retries:
                    await asyncio.sleep(self.retry_delay_s)
        raise PrinterFault(["unreachable"], f"{host}:{port}: {last}")

    async def status(self, host: str, port: int) -> PrinterStatus:
        reader, writer = await self._open(host, port)
        try:
            writer.write(b"~HS")
            await asyncio.wait_for(writer.drain(), self.send_timeout_s)
            data = b""
            deadline = time.monotonic() + self.status_timeout_s
            while not complete(data):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PrinterFault(["silent"], f"{host}:{port} did not answer ~HS in {self.status_timeout_s} s")
                try:
                    chunk = await asyncio.wait_for(reader.read(256), left)
                except TimeoutError:
                    continue
                if not chunk:
                    raise PrinterFault(["silent"], f"{host}:{port} closed without answering ~HS")
                data += chunk
            try:
                return parse_hs(data)
            except StatusError as error:
                raise PrinterFault(["bad_status"], f"{host}:{port}: {error}") from error
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _send(self, host: str, port: int, job: bytes) -> int:
        for attempt in range(self.retries + 1):
            reader, writer = await self._open(host, port)
            try:
                writer.write(job)
                await asyncio.wait_for(writer.drain(), self.send_timeout_s)
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), self.send_timeout_s)
                return attempt + 1
            except (OSError, TimeoutError) as error:
                writer.close()
                if attempt == self.retries:
                    raise PrinterFault(["send_failed"], f"{host}:{port}: {error}") from error
                await asyncio.sleep(self.retry_delay_s)
        raise AssertionError("unreachable")

    async def print_job(self, printer: Printer, job: bytes) -> PrintReport:
        """Status, job, status; serialised per printer inside this process (the Redis lock of
        :class:`Printing` serialises across processes)."""
        lock = self._locks.setdefault((printer.host, printer.port), asyncio.Lock())
        async with lock:
            started = time.monotonic()
            before = await self.status(printer.host, printer.port)
            if before.faults():
                raise PrinterFault(before.faults(), f"{printer.station} before the job")
            attempts = await self._send(printer.host, printer.port, job)
            after = await self.status(printer.host, printer.port)
            if after.faults():
                raise PrinterFault(after.faults(), f"{printer.station} after the job")
            return PrintReport(printer.station, len(job), attempts, before, after,
                               int((time.monotonic() - started) * 1000))


class Printing:
    """Printers per pack station (admin), jobs under a Redis lock, faults as floor exceptions."""

    def __init__(self, store: ShippingStore, incidents: IncidentStore, client: PrinterClient | None = None,
                 lock_ms: int = 60_000, lock_wait_s: float = 30.0) -> None:
        self.store, self.incidents = store, incidents
        self.client = client or PrinterClient()
        self.lock_ms, self.lock_wait_s = lock_ms, lock_wait_s

    async def print(self, warehouse: str, station: str, job: bytes, reference: str) -> PrintReport:
        """Print ``job`` on the station's printer; on a fault raise a printer_fault exception (once per
        ``reference``, e.g. the label id) and re-raise PrinterFault for the caller (job retry)."""
        printer = await self.store.printer(warehouse, station)
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.lock_wait_s
        while not await self.store.lock_printer(warehouse, station, token, self.lock_ms):
            if time.monotonic() > deadline:
                raise PrinterFault(["busy"], f"{station}: another job holds the printer")
            await asyncio.sleep(0.05)
        try:
            return await self.client.print_job(printer, job)
        except PrinterFault as fault:
            await self.incidents.raise_one(
                warehouse, new_id("X"), "printer_fault", "", "", "", "",
                f"printer {printer.name or printer.host}:{printer.port} at {station}: {fault}", "shipping",
                f"print-{reference}-{'-'.join(fault.kinds)}",
            )
            raise
        finally:
            await self.store.unlock_printer(warehouse, station, token)
