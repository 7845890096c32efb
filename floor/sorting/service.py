"""Put-wall sorting use cases (issue 11): a sort task's scans and its view.

The sort task exists from the wave's release (held, ``waiting``) and joins the ready queue when
its batch tour is picked (scan.lua); a present worker gets it like any task. The handheld socket
sends scans of a ``sort`` task here (``handheld_api/ws/handheld.py``); the answer is a verdict
frame (``kind`` = 'sort'). What the caller does next: show the verdict; on ``task_done`` the
worker's next task (or idle) is pushed as for picks.
"""

from __future__ import annotations

from floor.catalog.barcodes import classify_barcode
from floor.core.ids import check_id
from floor.sorting.model import SortView
from floor.sorting.store import SortStore


class Sorting:
    def __init__(self, store: SortStore, scan_ttl_s: int) -> None:
        self.store = store
        self.scan_ttl_s = scan_ttl_s

    async def scan(self, warehouse: str, picker: str, task_id: str, scan_id: str, barcode: str) -> tuple[bool, str]:
        """One scan of the sort task ``task_id`` ('' = the worker's current task): (repeat, verdict
        JSON). A unit's GTIN (any GS1 form) or a wall slot label; a repeat of ``scan_id`` returns
        the first verdict and changes nothing."""
        check_id(scan_id, "scan_id")
        code = classify_barcode(barcode)
        value = code.value if code.kind in ("item", "location", "tote") else barcode.strip()
        return await self.store.scan(warehouse, picker, task_id, scan_id, code.kind, value, self.scan_ttl_s, barcode)

    async def view(self, warehouse: str, task_id: str) -> SortView:
        return await self.store.view(warehouse, task_id)
