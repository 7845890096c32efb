"""Floor exception use cases: raise (idempotent per sender), acknowledge, resolve."""

from __future__ import annotations

from floor.core.errors import ValidationError
from floor.core.ids import check_id, check_text, new_id
from floor.incidents.model import EXCEPTION_KINDS, ExceptionCommand, FloorException, RaiseException
from floor.incidents.store import IncidentStore
from floor.layout.store import LayoutStore

# Kinds a person or device may raise by hand; short_pick only comes from the short-pick path,
# which also corrects stock (a faked short pick would skip that); picker_absent only from the
# presence sweep (it is about leases, which no sender can vouch for).
RAISABLE_KINDS = tuple(kind for kind in EXCEPTION_KINDS if kind not in ("short_pick", "picker_absent",
                                                                         "late_risk"))  # late_risk: the release policy


class Incidents:
    def __init__(self, store: IncidentStore, layouts: LayoutStore) -> None:
        self.store = store
        self.layouts = layouts

    async def raise_one(self, warehouse: str, command: RaiseException, sender: str, picker: str = "") -> FloorException:
        check_id(command.exception_id, "exception_id")
        if command.kind not in RAISABLE_KINDS:
            raise ValidationError(f"kind must be one of {', '.join(RAISABLE_KINDS)}")
        check_text(command.detail, "detail", 500)
        if command.sku:
            check_id(command.sku, "sku", 40)
        if command.task_id:
            check_id(command.task_id, "task_id")
        location = ""
        if command.location:
            location = (await self.layouts.get(warehouse)).check_location(command.location).code
        _repeat, exception_id = await self.store.raise_one(
            warehouse, new_id("X"), command.kind, picker, command.task_id, location, command.sku, command.detail,
            sender, command.exception_id,
        )
        return await self.store.get(warehouse, exception_id)

    async def transition(
        self, warehouse: str, exception_id: str, event: str, command: ExceptionCommand, actor: str
    ) -> tuple[bool, FloorException]:
        check_id(command.command_id)
        check_id(exception_id, "exception_id")
        check_text(command.note, "note", 500)
        repeat, _state = await self.store.transition(
            warehouse, exception_id, command.command_id, event, actor, command.note
        )
        return repeat, await self.store.get(warehouse, exception_id)

    async def get(self, warehouse: str, exception_id: str) -> FloorException:
        return await self.store.get(warehouse, exception_id)

    async def open(self, warehouse: str) -> list[FloorException]:
        return await self.store.open(warehouse)
