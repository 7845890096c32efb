"""Return use cases: make an RMA (by hand or from a channel event), receive the parcel and its
units, record each unit's disposition (restock queues a putaway), and the return rates."""

from __future__ import annotations

from floor.core.errors import NotFoundError, ValidationError
from floor.core.ids import check_id, new_id
from floor.planning.service import Planning
from floor.returns.model import (
    DISPOSITIONS,
    ChannelReturn,
    Disposition,
    NewRma,
    ReceiveItem,
    ReturnLine,
    ReturnRate,
    RmaView,
    return_rates,
)
from floor.returns.store import ReturnStore


def _lines(lines: list[ReturnLine]) -> list[tuple[str, int]]:
    for line in lines:
        if not 1 <= line.quantity <= 10_000:
            raise ValidationError("a line's quantity must be 1..10000")
    return [(line.sku, line.quantity) for line in lines]


def _check_dock(warehouse: str, dock: str) -> None:
    if dock and not dock.startswith(warehouse + "-"):
        raise ValidationError(f"location {dock} is not in warehouse {warehouse}")


class Returns:
    def __init__(self, store: ReturnStore, planning: Planning) -> None:
        self.store = store
        self.planning = planning

    async def create(self, warehouse: str, command: NewRma, sender: str) -> RmaView:
        check_id(command.reference)
        _check_dock(warehouse, command.dock)  # before anything is written: a bad dock changes nothing
        _repeat, rma_id = await self.store.create(warehouse, new_id("RMA"), sender, command.reference,
                                                  command.channel, command.order_id, _lines(command.lines), "manual")
        if command.dock:
            await self.queue_task(warehouse, rma_id, command.dock)
        return await self.store.view(warehouse, rma_id)

    async def queue_task(self, warehouse: str, rma_id: str, dock: str) -> str:
        """Queue the RMA's return-receipt task at ``dock`` (one per RMA): the handheld scans the dock
        (the parcel), then each unit through the same checks as :meth:`receive_item`. Its task id."""
        _check_dock(warehouse, dock)
        _repeat, task_id = await self.store.queue_task(warehouse, rma_id, dock, new_id("T"))
        return task_id

    async def from_channel(self, warehouse: str, event: ChannelReturn, sender: str) -> RmaView:
        """A channel's refund/return event: the RMA for its order (NotFoundError if the order is unknown)."""
        order_id = await self.store.order_of(warehouse, event.channel, event.external_id)
        if not order_id:
            raise NotFoundError(f"no {event.channel} order '{event.external_id}' in {warehouse}")
        _repeat, rma_id = await self.store.create(warehouse, new_id("RMA"), sender, f"refund:{event.refund_id}",
                                                  event.channel, order_id, _lines(event.lines), "channel")
        return await self.store.view(warehouse, rma_id)

    async def view(self, warehouse: str, rma_id: str) -> RmaView:
        return await self.store.view(warehouse, rma_id)

    async def receive_parcel(self, warehouse: str, rma_id: str, by: str) -> RmaView:
        await self.store.receive(warehouse, rma_id, "parcel", "", "", "", "", by)
        return await self.store.view(warehouse, rma_id)

    async def receive_item(self, warehouse: str, rma_id: str, command: ReceiveItem, by: str) -> RmaView:
        check_id(command.unit_id)
        await self.store.receive(warehouse, rma_id, "item", command.unit_id, command.sku, command.serial,
                                 command.lot, by)
        return await self.store.view(warehouse, rma_id)

    async def dispose(self, warehouse: str, rma_id: str, command: Disposition, by: str) -> RmaView:
        if command.disposition not in DISPOSITIONS:
            raise ValidationError(f"disposition must be one of {', '.join(DISPOSITIONS)}")
        if not command.reason:
            raise ValidationError("a disposition needs a reason")
        location = ""
        if command.disposition == "restock":
            sku = await self.store.unit_sku(warehouse, rma_id, command.unit_id)
            location = command.location or await self.planning.suggest(warehouse, sku, 1)
            if not location:
                raise ValidationError(f"no location known for {sku}: give one")
        await self.store.dispose(warehouse, rma_id, command.unit_id, command.disposition, command.reason, location,
                                 new_id("P"), by)
        return await self.store.view(warehouse, rma_id)

    async def close(self, warehouse: str, rma_id: str, by: str) -> RmaView:
        """Close an RMA whose parcel held fewer units than authorised (every received one disposed)."""
        await self.store.dispose(warehouse, rma_id, "", "close", "", "", "", by)
        return await self.store.view(warehouse, rma_id)

    async def rates(self, warehouse: str, sku: str = "") -> list[ReturnRate]:
        rows = return_rates(await self.store.stats(warehouse))
        return [row for row in rows if not sku or row.sku == sku]
