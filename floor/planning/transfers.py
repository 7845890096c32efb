"""Transfers between warehouses: each step one idempotent script in ONE warehouse (the two may sit
on different Redis Cluster shards), so a crash between steps loses or doubles nothing; a
:meth:`Transfers.resume` runs whatever step one side has done and the other has not.

Steps: release (A: units leave available) -> dispatch (A: off the pick faces, in transit out)
-> expect (B: in transit in) -> receive (B: good units to receiving + putaway, damaged, short)
-> close (A: transit out released). ``crash`` (tests) is called after each step with its name.
"""

from __future__ import annotations

from collections.abc import Callable

from floor.core.errors import ConflictError, NotFoundError, ValidationError
from floor.core.ids import check_id, new_id
from floor.planning.model import (
    StockState,
    Suggestion,
    TransferReceipt,
    TransferRequest,
    TransferView,
    check_units,
    transfer_problems,
    transfer_status,
)
from floor.planning.service import Planning


class Transfers:
    def __init__(self, planning: Planning, crash: Callable[[str], None] | None = None) -> None:
        self.planning = planning
        self.store = planning.store
        self.crash = crash or (lambda _step: None)

    async def create(self, command: TransferRequest, by: str) -> TransferView:
        check_id(command.transfer_id)
        reason = check_units(command.quantity, "quantity", 1)
        if reason:
            raise ValidationError(reason)
        if command.source == command.target:
            raise ValidationError("source and target must be different warehouses")
        await self.store.state(command.target, command.sku)  # NotFoundError: the target lacks the SKU
        await self.store.transfer_step("xfer_release", command.source, command.transfer_id, command.sku,
                                       command.quantity, command.target, by)
        self.crash("release")
        return await self.view(command.source, command.target, command.transfer_id)

    async def dispatch(self, source: str, transfer_id: str, by: str) -> TransferView:
        record = await self.store.transfer(source, transfer_id)
        if not record:
            raise NotFoundError(f"transfer '{transfer_id}' does not exist in {source}")
        await self.store.transfer_step("xfer_dispatch", source, transfer_id, by)
        self.crash("dispatch")
        await self.store.transfer_step("xfer_expect", record["to"], transfer_id, record["sku"],
                                       int(record["quantity"]), source)
        self.crash("expect")
        return await self.view(source, record["to"], transfer_id)

    async def receive(self, target: str, transfer_id: str, command: TransferReceipt, by: str) -> TransferView:
        record = await self.store.transfer(target, transfer_id)
        if not record:
            raise NotFoundError(f"transfer '{transfer_id}' is not expected in {target}")
        for field in ("good", "short", "damaged"):
            reason = check_units(getattr(command, field), field)
            if reason:
                raise ValidationError(reason)
        if (command.short or command.damaged) and not command.reason:
            raise ValidationError("a short or damaged receipt needs a reason")
        location = command.location or await self.planning.suggest(target, record["sku"], command.good)
        if command.good and not location:
            raise ValidationError("no putaway location known: give one")
        await self.store.transfer_step("xfer_receive", target, transfer_id, command.good, command.short,
                                       command.damaged, command.reason[:200], location, new_id("P"), by)
        self.crash("receive")
        await self.store.transfer_step("xfer_close", record["from"], transfer_id, command.good, command.short,
                                       command.damaged)
        self.crash("close")
        return await self.view(record["from"], target, transfer_id)

    async def resume(self, source: str, target: str, transfer_id: str) -> TransferView:
        """Run the step one side has done and the other not (after a crash); a no-op when none is."""
        s = await self.store.transfer(source, transfer_id)
        t = await self.store.transfer(target, transfer_id)
        if s.get("status") == "dispatched" and not t:
            await self.store.transfer_step("xfer_expect", target, transfer_id, s["sku"], int(s["quantity"]), source)
        if t.get("status") == "received" and s.get("status") == "dispatched":
            await self.store.transfer_step("xfer_close", source, transfer_id, int(t["good"]), int(t["short"]),
                                           int(t["damaged"]))
        return await self.view(source, target, transfer_id)

    async def suggest(self, warehouses: list[str], now_ms: int) -> list[Suggestion]:
        """Propose (never execute) a transfer for each SKU below its reorder point in one warehouse
        while another holds units above its own reorder point; recorded in the short warehouse."""
        found: list[Suggestion] = []
        states: dict[str, dict[str, StockState]] = {}
        for w in warehouses:
            states[w] = {}
            for sku in await self.store.planned_skus(w):
                states[w][sku] = await self.store.state(w, sku)
        for target in warehouses:
            made: list[Suggestion] = []
            for sku, st in states[target].items():
                need = st.reorder_point + st.order_qty - _level(st) - st.transit_in
                if st.reorder_point <= 0 or _level(st) >= st.reorder_point or need <= 0:
                    continue
                donors = sorted(((_level(o[sku]) - o[sku].reorder_point, w) for w, o in states.items()
                                 if w != target and sku in o and o[sku].reorder_point > 0), reverse=True)
                if donors and donors[0][0] > 0:
                    surplus, source = donors[0]
                    made.append(Suggestion(new_id("S"), "transfer", sku, min(need, surplus), now_ms, source, target,
                                           _level(st), "reorder_point"))
            await self.store.put_suggestions(target, made)
            found += made
        return found

    async def view(self, source: str, target: str, transfer_id: str) -> TransferView:
        s = await self.store.transfer(source, transfer_id)
        t = await self.store.transfer(target, transfer_id)
        if not s and not t:
            raise NotFoundError(f"transfer '{transfer_id}' does not exist")
        if s and s.get("to") != target:
            raise ConflictError(f"transfer '{transfer_id}' goes to {s.get('to')}, not {target}")
        return TransferView(
            transfer_id=transfer_id, source=source, target=target, sku=s.get("sku", t.get("sku", "")),
            quantity=int(s.get("quantity", t.get("quantity", 0))), status=transfer_status(s, t),
            source_record=s, target_record=t, problems=transfer_problems(s, t),
        )


def _level(state: StockState) -> int:
    """The figure thresholds are compared with (lib/planning.lua stock_level)."""
    return state.on_hand + state.reserve - state.unavailable.get("count_hold", 0)
