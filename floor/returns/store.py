"""Returns in Redis: ``rma:<id>`` (fields, "u|<unit>" unit JSON, "got|<sku>", "n|<disposition>"),
``rmas``, ``rmaserials`` and ``returnstats``; scripts in ``returns/lua``."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import NotFoundError
from floor.returns.model import ReturnUnit, RmaView
from floor.store import keys
from floor.store.results import COMMAND_TTL, unwrap
from floor.store.scripts import Scripts


class ReturnStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def create(self, warehouse: str, rma_id: str, sender: str, reference: str, channel: str, order_id: str,
                     lines: list[tuple[str, int]], source: str) -> tuple[bool, str]:
        repeat, found = unwrap(await self.scripts.call(
            "rma_create", warehouse, rma_id, sender, reference, channel, order_id, msgspec.json.encode(lines),
            source, COMMAND_TTL))
        return repeat, str(found)

    async def receive(self, warehouse: str, rma_id: str, action: str, unit_id: str, sku: str, serial: str,
                      lot: str, by: str) -> None:
        unwrap(await self.scripts.call("rma_receive", warehouse, rma_id, action, unit_id, sku, serial, lot, by))

    async def queue_task(self, warehouse: str, rma_id: str, dock: str, task_id: str) -> tuple[bool, str]:
        repeat, task = unwrap(await self.scripts.call("rma_queue", warehouse, rma_id, dock, task_id))
        return repeat, str(task)

    async def dispose(self, warehouse: str, rma_id: str, unit_id: str, disposition: str, reason: str,
                      location: str, task_id: str, by: str) -> None:
        unwrap(await self.scripts.call(
            "rma_dispose", warehouse, rma_id, unit_id, disposition, reason, location, task_id, by))

    async def view(self, warehouse: str, rma_id: str) -> RmaView:
        f = await self.client.hgetall(keys.key(warehouse, "rma", rma_id))
        if not f:
            raise NotFoundError(f"RMA '{rma_id}' does not exist in {warehouse}")
        units = []
        for name, value in sorted(f.items()):
            if name.startswith("u|"):
                u = msgspec.json.decode(value)
                units.append(ReturnUnit(name[2:], u["sku"], u["serial"], u["lot"], u["disposition"], u["reason"],
                                        u.get("location", ""), u.get("task_id", "")))
        return RmaView(
            rma_id=rma_id, status=f["status"], channel=f["channel"], reference=f["reference"], order_id=f["order_id"],
            lines=[(line[0], int(line[1])) for line in msgspec.json.decode(f["lines"])], units=int(f["units"]),
            received=int(f["received"]), disposed=int(f["disposed"]), received_units=units,
            task_id=f.get("task", ""),
        )

    async def unit_sku(self, warehouse: str, rma_id: str, unit_id: str) -> str:
        raw = await self.client.hget(keys.key(warehouse, "rma", rma_id), f"u|{unit_id}")
        if raw is None:
            raise NotFoundError(f"RMA '{rma_id}' has no unit '{unit_id}'")
        return str(msgspec.json.decode(raw)["sku"])

    async def order_of(self, warehouse: str, channel: str, external_id: str) -> str:
        return str(await self.client.get(keys.key(warehouse, "order_ext", channel, external_id)) or "")

    async def stats(self, warehouse: str) -> dict[str, str]:
        found: dict[str, str] = await self.client.hgetall(keys.key(warehouse, "return_stats"))
        return found
