"""RQ entry points for shipping: render a shipment's labels (ZPL -> PNG, stored) and print them at
the pack station; sweep open parcels for stuck / lost ones.

Idempotent: the job id is ``labels-<warehouse>-<shipment id>``; a label already printed is not
printed again when the job re-runs (at-least-once delivery); a printer fault leaves the label
'print_failed' with the fault (the floor exception is raised by floor.shipping.printing) and the job
fails so RQ's retry sends it again later.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from typing import Any

import msgspec
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job

from floor.core.errors import NotFoundError
from floor.core.settings import Settings
from floor.floor import Floor
from floor.jobs.waves import QUEUE
from floor.shipping.printing.model import PrinterFault
from floor.shipping.store import problems_json
from floor.shipping.void import is_void, retry_voids
from floor.store.client import connect_sync
from floor.zpl.preview import render

log = logging.getLogger("floor.shipping")


def labels_job_id(warehouse: str, shipment_id: str) -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c == "-") else f"_{ord(c):02x}" for c in shipment_id)
    return f"labels-{warehouse}-{safe}"


async def render_and_print(floor: Floor, warehouse: str, shipment_id: str, station: str) -> dict[str, Any]:
    shipment = await floor.shipping.store.get(warehouse, shipment_id)
    store = floor.shipping.store
    out: dict[str, Any] = {"rendered": [], "printed": [], "platform": []}
    if await is_void(store, warehouse, shipment):
        return out | {"void": True}  # its order was cancelled after packing: no label is printed
    for box in shipment.boxes:
        label = await store.label(warehouse, shipment_id, box.box_no)
        if label.get("route") != "zpl_self":
            out["platform"].append(box.box_no)  # printed by the platform's print client, not by us
            continue
        if "png" not in label:
            result = render(label["zpl"])
            await store.save_label(warehouse, shipment_id, box.box_no, {
                "png": base64.b64encode(result.png()).decode(), "problems": problems_json(result.problems),
                "state": "printed" if label.get("state") == "printed" else "rendered"})
            out["rendered"].append(box.box_no)
    if shipment.labels_state == "queued":
        shipment = msgspec.structs.replace(shipment, labels_state="rendered")
        await store.save(shipment)
    if not station:
        return out
    try:
        await store.printer(warehouse, station)
    except NotFoundError:
        return out | {"printer": "none"}
    for box in shipment.boxes:
        label = await store.label(warehouse, shipment_id, box.box_no)
        if label.get("route") != "zpl_self" or label.get("state") == "printed":
            continue
        try:
            await floor.printing.print(warehouse, station, label["zpl"].encode("utf-8"), f"{shipment_id}-{box.box_no}")
        except PrinterFault as fault:
            await store.save_label(warehouse, shipment_id, box.box_no, {"state": "print_failed", "fault": str(fault)})
            await store.save(msgspec.structs.replace(shipment, labels_state="print_failed"))
            raise
        await store.save_label(warehouse, shipment_id, box.box_no, {"state": "printed", "fault": ""})
        out["printed"].append(box.box_no)
    if out["printed"]:
        await store.save(msgspec.structs.replace(shipment, labels_state="printed"))
    return out


def labels(warehouse: str, shipment_id: str, station: str = "") -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        floor = Floor.from_settings(Settings.from_env(), socket_timeout=30.0)
        await floor.start()
        try:
            return await render_and_print(floor, warehouse, shipment_id, station)
        finally:
            await floor.close()

    return asyncio.run(run())


def sweep_parcels(warehouse: str) -> list[tuple[str, str]]:
    """The periodic stuck / lost check (schedule it, e.g. every 15 min per warehouse)."""
    async def run() -> list[tuple[str, str]]:
        floor = Floor.from_settings(Settings.from_env(), socket_timeout=30.0)
        await floor.start()
        try:
            return await floor.shipping.sweep(warehouse)
        finally:
            await floor.close()

    return asyncio.run(run())


def enqueue_labels(jobs_redis_url: str, warehouse: str, shipment_id: str, station: str) -> str:
    connection = connect_sync(jobs_redis_url, decode_responses=False)
    job_id = labels_job_id(warehouse, shipment_id)
    try:
        try:
            job = Job.fetch(job_id, connection=connection)
            if not (job.is_failed or job.is_finished):
                return job_id
            job.delete()
        except NoSuchJobError:
            pass
        Queue(QUEUE, connection=connection).enqueue(
            labels, warehouse, shipment_id, station, job_id=job_id, retry=Retry(max=3, interval=[5, 30, 120]),
            job_timeout=120, result_ttl=86_400, failure_ttl=7 * 86_400)
        return job_id
    finally:
        connection.close()


def enqueuer(jobs_redis_url: str):  # type: ignore[no-untyped-def]
    """The ``Shipping.enqueue`` callable for a web node: queue the labels job off the event loop."""
    async def enqueue(warehouse: str, shipment_id: str, station: str) -> None:
        await asyncio.to_thread(enqueue_labels, jobs_redis_url, warehouse, shipment_id, station)
    return enqueue


class ParcelSweeper:
    """Every ``interval_s`` run the stuck / lost sweep on every warehouse (each node may run it: a
    parcel is flagged once per kind, whoever sweeps first), and every ``void_every_s`` ask carriers
    again for the voids they did not confirm (each due try is leased to one node: void_claim.lua).
    Started and stopped by the web app."""

    def __init__(self, floor: Floor, interval_s: float = 900.0, void_every_s: float = 60.0) -> None:
        self.floor, self.interval_s, self.void_every_s = floor, interval_s, void_every_s
        self.task: asyncio.Task[None] | None = None
        self.stopping = asyncio.Event()

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="parcel-sweeper")

    async def stop(self) -> None:
        """Stop between sweeps (cancelling inside a Redis command can leave its connection stuck)."""
        if self.task is None:
            return
        self.stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), 10.0)
        except TimeoutError:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def sweep_all(self) -> list[tuple[str, str]]:
        flagged: list[tuple[str, str]] = []
        for warehouse in await self.floor.layouts.warehouses():
            flagged += await self.floor.shipping.sweep(warehouse)
        return flagged

    async def retry_voids_all(self) -> list[tuple[str, str]]:
        """Ask carriers again for the voids they did not confirm yet (floor/shipping/void.py)."""
        tried: list[tuple[str, str]] = []
        for warehouse in await self.floor.layouts.warehouses():
            tried += await retry_voids(self.floor.shipping, warehouse)
        return tried

    async def _run(self) -> None:
        """Voids due for another try every ``void_every_s``; the stuck / lost sweep every ``interval_s``."""
        last_sweep = asyncio.get_running_loop().time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), min(self.void_every_s, self.interval_s))
            if self.stopping.is_set():
                return
            try:
                await self.retry_voids_all()
                now = asyncio.get_running_loop().time()
                if now - last_sweep >= self.interval_s:
                    last_sweep = now
                    await self.sweep_all()
            except Exception:  # a failed sweep is retried at the next interval; the node keeps serving
                log.exception("parcel sweep failed")
