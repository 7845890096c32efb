"""Closing the last box queues the labels job; a real RQ worker renders (PNG stored) and prints on
the station's loopback printer, byte for byte; a re-run prints nothing twice."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import sys
from pathlib import Path

from PIL import Image

from floor.floor import Floor
from floor.jobs import labels as jobs
from floor.orders.model import NewOrder, OrderLine
from floor.shipping.model import Printer, ShipTo
from tests.floor.shipping.test_printing import LoopbackPrinter
from tests.floor.zpl.helpers import decode
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[3]


async def test_worker_renders_and_prints_the_shipments_labels(small_demo: Floor, warehouse: str,
                                                              redis_server: RedisServer) -> None:
    floor = small_demo
    printer = LoopbackPrinter()
    await printer.start()
    try:
        floor.shipping.enqueue = jobs.enqueuer(redis_server.url)
        floor.shipping.origins[warehouse] = "W1"
        await floor.shipping.store.add_range(warehouse, "EMS", 1, 100)
        await floor.shipping.store.set_printer(warehouse, Printer("PACK-9", "127.0.0.1", printer.port))
        _r, order = await floor.orders.intake(warehouse, NewOrder(channel="tmall", external_id="JOB-1",
                                                                  warehouse=warehouse,
                                                                  lines=[OrderLine(sku="SKU00004", quantity=1)]))
        await floor.shipping.prepare(warehouse, order.order_id, ShipTo(name="王五", phone="139", province="上海",
                                                                       address="浦东新区世纪大道 1 号",
                                                                       pinned="EMS_STD"))
        session = await floor.shipping.start_pack(warehouse, order.order_id, "PACK-9")
        await floor.shipping.scan(warehouse, order.order_id, "SKU00004")
        closed = await floor.shipping.close_box(warehouse, order.order_id,
                                                session.items["SKU00004"].weight_g + 10, last=True)
        env = dict(os.environ, REDIS_URL=redis_server.url, PYTHONPATH=str(ROOT))
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_server.url, jobs.QUEUE,
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, err = await asyncio.wait_for(worker.communicate(), 120)
        assert worker.returncode == 0, err.decode()[-2000:]
        label = await floor.shipping.store.label(warehouse, closed.shipment_id, 1)
        assert label["state"] == "printed" and json.loads(label["problems"])[0]["command"] == "^PQ"
        assert printer.jobs == [label["zpl"].encode("utf-8")]
        png = Image.open(io.BytesIO(base64.b64decode(label["png"])))
        assert {t for _f, t, _b in decode(png)} == {label["waybill"]}
        again = await jobs.render_and_print(floor, warehouse, closed.shipment_id, "PACK-9")
        assert again["printed"] == [] and len(printer.jobs) == 1
    finally:
        await printer.stop()
