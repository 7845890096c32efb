"""``/api/shipping`` (quotes, shipments, labels, printers) and ``/api/pack`` (the pack bench).

The pack bench: start an order at a station, scan each unit (verdict: ok, wrong_item, extra,
serial_required, serial_repeat), close boxes with their weight; closing the last box creates the
shipment and queues its labels (render + print) with no further request. Labels download as ZPL
(what the printer gets) and PNG (rendered from that ZPL, offline).
"""

from __future__ import annotations

import base64
import time
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, PathParameter

from floor.core.errors import ValidationError
from floor.shipping import pack as packing
from floor.shipping.carriers.model import PushRejected
from floor.shipping.model import (
    Destination,
    PackClose,
    PackScan,
    PackStart,
    Parcel,
    Printer,
    PrinterInput,
    QuoteAnswer,
    QuoteRequest,
    Shipment,
    ShipTo,
)
from floor.shipping.rates import choose, quote
from floor.shipping.service import CloseResult
from handheld_api.auth import roles
from handheld_api.http.common import ErrorBody, WarehouseQuery, floor_of, warehouse_for

OrderPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
ShipmentPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
StationPath = Annotated[str, PathParameter(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
BoxPath = Annotated[str, PathParameter(min_length=1, max_length=3, pattern=r"^[1-9][0-9]{0,2}$")]


class PackView(msgspec.Struct, frozen=True):
    session: packing.PackSession
    missing: dict[str, int]
    suggested_box: str


class ScanAnswer(msgspec.Struct, frozen=True):
    verdict: str
    view: PackView


class Done(msgspec.Struct, frozen=True):
    ok: bool


def _box(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 999:
        from floor.core.errors import ValidationError

        raise ValidationError("box_no must be 1..999")
    return int(text)


def _view(session: packing.PackSession) -> PackView:
    box = session.boxes[-1] if session.boxes and not session.boxes[-1].closed else None
    items = [session.items[s] for s in (box.items if box else []) if s in session.items]
    suggestion = packing.suggest(items) if items else None
    return PackView(session, session.missing(), suggestion.code if suggestion else "")


class PushAnswer(msgspec.Struct, frozen=True):
    applied: int
    repeats: int


CarrierPath = Annotated[str, PathParameter(min_length=2, max_length=8, pattern=r"^[A-Z]{2,8}$")]
REJECTED = {401: ResponseSpec(ErrorBody, description="the push's signature does not verify: nothing applied",
                              generate_examples=False)}


class ShippingController(Controller):
    path = "/api/shipping"
    tags = ["shipping"]

    @post("/quote", guards=[roles("supervisor", "device", "channel")], status_code=200,
          summary="Quote every eligible service and choose one (cheapest meeting the promise, or pinned)")
    async def quote(self, data: JSONBody[QuoteRequest], request: Request[Any, Any, Any]) -> QuoteAnswer:
        wh = warehouse_for(request, data.warehouse)
        origin = floor_of(request).shipping.origins.get(wh, wh)
        quotes = quote(origin, Destination(data.province, data.city, data.district, data.country),
                       Parcel(data.weight_g, data.length_mm, data.width_mm, data.height_mm), int(time.time() * 1000))
        return QuoteAnswer(quotes, choose(quotes, data.promise_date, data.pinned))

    @get("/shipments/{shipment_id:str}", guards=[roles("supervisor", "picker")], summary="One shipment")
    async def shipment(self, shipment_id: ShipmentPath, request: Request[Any, Any, Any],
                       warehouse: WarehouseQuery = None) -> Shipment:
        return await floor_of(request).shipping.store.get(warehouse_for(request, warehouse), shipment_id)

    @get("/shipments/{shipment_id:str}/labels/{box_no:str}/zpl", guards=[roles("supervisor", "picker")],
         media_type="text/plain", summary="The label as sent to the printer (ZPL, UTF-8)")
    async def label_zpl(self, shipment_id: ShipmentPath, box_no: BoxPath, request: Request[Any, Any, Any],
                        warehouse: WarehouseQuery = None) -> Response[str]:
        label = await floor_of(request).shipping.store.label(warehouse_for(request, warehouse), shipment_id, _box(box_no))
        return Response(label.get("zpl", ""), media_type="text/plain; charset=utf-8")

    @get("/shipments/{shipment_id:str}/labels/{box_no:str}/png", guards=[roles("supervisor", "picker")],
         media_type="image/png", summary="The label rendered from its ZPL (once the labels job ran)")
    async def label_png(self, shipment_id: ShipmentPath, box_no: BoxPath, request: Request[Any, Any, Any],
                        warehouse: WarehouseQuery = None) -> Response[bytes]:
        label = await floor_of(request).shipping.store.label(warehouse_for(request, warehouse), shipment_id, _box(box_no))
        if "png" not in label:
            from floor.core.errors import NotFoundError

            raise NotFoundError("the label is not rendered yet (the labels job renders it)")
        return Response(base64.b64decode(label["png"]), media_type="image/png")

    @post("/push/{carrier:str}", status_code=200, security=[], responses=REJECTED,
          summary="A carrier's tracking push (public; verified by the carrier's own signature)",
          description="SF: form with msgData, timestamp, msgDigest; JD: JSON + X-Jd-Signature; Cainiao: form with "
          "logistics_interface + data_digest; local carriers: JSON + X-Floor-Signature. Idempotent per event.")
    async def push(self, carrier: CarrierPath, request: Request[Any, Any, Any],
                   warehouse: WarehouseQuery = None) -> PushAnswer:
        floor = floor_of(request)
        wh = floor.warehouse(warehouse)
        adapter = floor.shipping.push_adapter(wh, carrier)
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            events = adapter.parse_push(headers, body)
        except PushRejected as error:
            raise NotAuthorizedException(str(error)) from error
        except (KeyError, ValueError, TypeError) as error:
            raise ValidationError(f"the push verified but is not the carrier's format: {error}") from error
        results = await floor.shipping.apply_events(wh, events)
        return PushAnswer(len(results), sum(1 for repeat, _ in results if repeat))

    @post("/printers/{station:str}", guards=[roles("admin")], status_code=200,
          summary="Set the label printer (raw TCP, port 9100) of a pack station")
    async def set_printer(self, station: StationPath, data: JSONBody[PrinterInput],
                          request: Request[Any, Any, Any], warehouse: WarehouseQuery = None) -> Printer:
        printer = Printer(station, data.host, data.port, data.name)
        await floor_of(request).shipping.store.set_printer(warehouse_for(request, warehouse), printer)
        return printer


class PackController(Controller):
    path = "/api/pack"
    tags = ["pack"]

    @post("/{order_id:str}/ship-to", guards=[roles("supervisor", "channel")], status_code=200,
          summary="Where and how the order ships (receiver, promise date, pinned service)")
    async def ship_to(self, order_id: OrderPath, data: JSONBody[ShipTo], request: Request[Any, Any, Any],
                      warehouse: WarehouseQuery = None) -> Done:
        wh = warehouse_for(request, warehouse)
        await floor_of(request).orders.get(wh, order_id)
        await floor_of(request).shipping.prepare(wh, order_id, data)
        return Done(True)

    @post("/{order_id:str}/start", guards=[roles("picker", "supervisor")], status_code=200,
          summary="Put an order on a pack station (its lines; idempotent)")
    async def start(self, order_id: OrderPath, data: JSONBody[PackStart], request: Request[Any, Any, Any],
                    warehouse: WarehouseQuery = None) -> PackView:
        wh = warehouse_for(request, warehouse)
        return _view(await floor_of(request).shipping.start_pack(wh, order_id, data.station))

    @get("/{order_id:str}", guards=[roles("picker", "supervisor")], summary="The order's pack session")
    async def view(self, order_id: OrderPath, request: Request[Any, Any, Any],
                   warehouse: WarehouseQuery = None) -> PackView:
        return _view(await floor_of(request).shipping.session(warehouse_for(request, warehouse), order_id))

    @post("/{order_id:str}/scan", guards=[roles("picker", "supervisor")], status_code=200,
          summary="Scan one unit (SKU or GTIN) into the open box; a wrong or extra unit is refused")
    async def scan(self, order_id: OrderPath, data: JSONBody[PackScan], request: Request[Any, Any, Any],
                   warehouse: WarehouseQuery = None) -> ScanAnswer:
        wh = warehouse_for(request, warehouse)
        verdict, session = await floor_of(request).shipping.scan(wh, order_id, data.code, data.serial)
        return ScanAnswer(verdict, _view(session))

    @post("/{order_id:str}/close", guards=[roles("picker", "supervisor")], status_code=200,
          summary="Close the open box with its weight; the last box ships the order and prints its labels")
    async def close(self, order_id: OrderPath, data: JSONBody[PackClose], request: Request[Any, Any, Any],
                    warehouse: WarehouseQuery = None) -> CloseResult:
        wh = warehouse_for(request, warehouse)
        return await floor_of(request).shipping.close_box(wh, order_id, data.weight_g, data.box_type, data.last)
