"""Put-wall sorting (issue 11, batch pick-and-sort): what a sort task and its scans look like (pure).

A batch tour (``floor.waves.putwall``) picks SKU totals into one tote; its sort task (kind
``sort``) has one step per order line, ``location`` = the wall slot label of the order and
``tote`` = the slot number. The sorter scans a unit (``put_to_slot`` names the slot), then the
slot (``ok``: the order is credited with that unit). Verdicts beyond the pick ones are
:data:`SORT_VERDICTS` (docs/protocol.md).
"""

from __future__ import annotations

import msgspec

SORT_VERDICTS = (
    "put_to_slot",  # the unit scanned goes to this slot (`slot`): scan the slot to confirm
    "wrong_slot",  # the slot scanned is not the unit's: nothing changed, the unit is still in hand
    "scan_slot_first",  # a unit is in hand: put it (scan its slot) before taking another
    "scan_item_first",  # a slot was scanned with no unit in hand
)


class SlotRef(msgspec.Struct, frozen=True):
    """A wall slot: its number, its label (what the sorter scans) and the order it holds."""

    position: int
    label: str
    order_id: str


class SortLine(msgspec.Struct, frozen=True):
    """One order line of a sort task: its slot, SKU, units wanted and units sorted so far."""

    slot: SlotRef
    sku: str
    quantity: int
    sorted: int


class SortView(msgspec.Struct, frozen=True):
    """A sort task as the API shows it: the batch tour it sorts, the units still in the tote per
    SKU, each line's progress, and the unit in hand (the slot it waits for), if any."""

    task_id: str
    tour_id: str
    status: str
    picker: str
    wall: str
    in_tote: dict[str, int]
    lines: list[SortLine]
    in_hand: SlotRef | None = None

    @property
    def done(self) -> bool:
        return all(line.sorted >= line.quantity for line in self.lines)
