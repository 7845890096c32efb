"""Raw 9100 printing against a loopback printer: exact bytes, ~HS before/after, faults as exceptions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from floor.floor import Floor
from floor.shipping.model import Printer
from floor.shipping.printing.model import PrinterFault, StatusError, hs_answer, parse_hs
from floor.shipping.printing.service import PrinterClient, Printing
from floor.shipping.store import ShippingStore
from floor.zpl.builder import build
from tests.floor.zpl.helpers import sample


@dataclass
class LoopbackPrinter:
    """A TCP listener that answers ~HS from a scripted state and keeps every job's bytes."""

    state: dict[str, bool] = field(default_factory=dict)
    silent: bool = False
    jobs: list[bytes] = field(default_factory=list)
    status_queries: int = 0
    log: list[str] = field(default_factory=list)  # connection kinds in arrival order
    port: int = 0
    server: asyncio.base_events.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.read(3)
            self.log.append("HS" if first == b"~HS" else "JOB")
            if first == b"~HS":
                self.status_queries += 1
                if not self.silent:
                    writer.write(hs_answer(**self.state))
                    await writer.drain()
                await reader.read()  # until the client closes
            else:
                rest = await reader.read()
                self.jobs.append(first + rest)
        finally:
            writer.close()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def printer() -> AsyncIterator[LoopbackPrinter]:
    p = LoopbackPrinter()
    await p.start()
    yield p
    await p.stop()


def fast() -> PrinterClient:
    return PrinterClient(connect_timeout_s=0.5, status_timeout_s=0.4, send_timeout_s=1.0, retries=1, retry_delay_s=0.05)


def test_hs_parsing() -> None:
    ok = parse_hs(hs_answer())
    assert ok.faults() == [] and ok.idle
    bad = parse_hs(hs_answer(paper_out=True, head_open=True, paused=True, ribbon_out=True, buffer_full=True,
                             formats=2, remaining=3))
    assert bad.faults() == ["paper_out", "head_open", "paused", "ribbon_out", "buffer_full"]
    assert (bad.formats_in_buffer, bad.labels_remaining) == (2, 3)
    with pytest.raises(StatusError):
        parse_hs(b"\x02030,0,0\x03\r\n")


async def test_the_printer_receives_the_label_byte_for_byte(floor: Floor, warehouse: str,
                                                            printer: LoopbackPrinter) -> None:
    store = ShippingStore(floor.client, floor.scripts)
    await store.set_printer(warehouse, Printer("PACK-1", "127.0.0.1", printer.port, "ZD621"))
    printing = Printing(store, floor.incidents.store, fast())
    job = build(sample()).encode("utf-8")
    report = await printing.print(warehouse, "PACK-1", job, "L1")
    assert printer.jobs == [job] and report.bytes_sent == len(job)
    assert printer.status_queries == 2  # before and after
    assert await floor.incidents.open(warehouse) == []


async def test_one_job_at_a_time_per_printer(floor: Floor, warehouse: str, printer: LoopbackPrinter) -> None:
    store = ShippingStore(floor.client, floor.scripts)
    await store.set_printer(warehouse, Printer("PACK-2", "127.0.0.1", printer.port))
    # two Printing objects = two processes: the Redis lock serialises them
    a, b = Printing(store, floor.incidents.store, fast()), Printing(store, floor.incidents.store, fast())
    jobs = [f"^XA^FO10,10^GB10,10,10^FS^FX{i}^XZ".encode() for i in range(6)]
    await asyncio.gather(*((a if i % 2 else b).print(warehouse, "PACK-2", job, f"J{i}") for i, job in enumerate(jobs)))
    assert sorted(printer.jobs) == sorted(jobs)
    # never interleaved: each job is status, job, status before the next job's first status
    assert printer.log == ["HS", "JOB", "HS"] * len(jobs)


@pytest.mark.parametrize("state,silent,kind", [({"paper_out": True}, False, "paper_out"),
                                               ({"head_open": True}, False, "head_open"),
                                               ({}, True, "silent")])
async def test_faults_raise_a_floor_exception_and_send_nothing(
    floor: Floor, warehouse: str, printer: LoopbackPrinter, state: dict[str, bool], silent: bool, kind: str,
) -> None:
    printer.state, printer.silent = state, silent
    store = ShippingStore(floor.client, floor.scripts)
    await store.set_printer(warehouse, Printer("PACK-3", "127.0.0.1", printer.port))
    printing = Printing(store, floor.incidents.store, fast())
    with pytest.raises(PrinterFault) as fault:
        await printing.print(warehouse, "PACK-3", b"^XA^XZ", "L9")
    assert kind in fault.value.kinds and printer.jobs == []
    [exception] = await floor.incidents.open(warehouse)
    assert exception.kind == "printer_fault" and kind in exception.detail and "PACK-3" in exception.detail
    with pytest.raises(PrinterFault):  # a retry of the same label does not raise a second exception
        await printing.print(warehouse, "PACK-3", b"^XA^XZ", "L9")
    assert len(await floor.incidents.open(warehouse)) == 1


async def test_unreachable_printer_is_a_fault(floor: Floor, warehouse: str) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    store = ShippingStore(floor.client, floor.scripts)
    await store.set_printer(warehouse, Printer("PACK-4", "127.0.0.1", port))
    with pytest.raises(PrinterFault) as fault:
        await Printing(store, floor.incidents.store, fast()).print(warehouse, "PACK-4", b"^XA^XZ", "L1")
    assert fault.value.kinds == ["unreachable"]
    assert [x.kind for x in await floor.incidents.open(warehouse)] == ["printer_fault"]
