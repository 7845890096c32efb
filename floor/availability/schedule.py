"""The scheduled ledger audit the stock push worker runs (floor/jobs/stock_push.py): every
``audit_every`` rounds each warehouse's counters are re-derived from the ledger
(:meth:`Availability.check`); any drift raises ONE ``ledger_drift`` floor exception per warehouse
and drift picture (reference = a digest of the drift rows, so the same drift seen again is not
raised twice, a new one is). It never compensates by itself: a person reads the exception and runs
``python -m floor.availability compensate`` (or the admin endpoint). Then, when a warehouse's
ledger holds more than ``keep`` entries, the oldest are compacted into the base sums (the check's
answer is unchanged by compaction).
"""

from __future__ import annotations

import hashlib

import msgspec

from floor.availability.model import CheckReport
from floor.availability.service import Availability
from floor.core.ids import new_id


class AuditResult(msgspec.Struct, frozen=True):
    warehouse: str
    drift: int  # (sku, counter) pairs that disagree
    raised: bool  # a new ledger_drift exception was raised for it
    compacted: int  # ledger entries folded into the base


def drift_reference(report: CheckReport) -> str:
    rows = "|".join(f"{d.sku}:{d.field}:{d.difference}" for d in report.drift)
    return "drift:" + hashlib.sha1(rows.encode()).hexdigest()[:24]


def drift_detail(report: CheckReport) -> str:
    rows = ", ".join(f"{d.sku} {d.field} counter {d.counter} vs ledger {d.derived}" for d in report.drift[:10])
    more = f" (+{len(report.drift) - 10} more)" if len(report.drift) > 10 else ""
    return (f"ledger audit: {len(report.drift)} counter(s) disagree with the ledger in {report.warehouse}: "
            f"{rows}{more}; check and compensate with `python -m floor.availability check|compensate`")[:500]


async def audit(availability: Availability, warehouses: list[str] | None = None,
                keep: int = 100_000) -> list[AuditResult]:
    """Check every warehouse (or ``warehouses``); raise on drift; compact long ledgers."""
    results = []
    for warehouse in warehouses if warehouses is not None else await availability.store.warehouses():
        report = await availability.check(warehouse)
        raised = False
        if report.drift or report.negative:
            repeat, _id = await availability.incidents.raise_one(
                warehouse, new_id("X"), "ledger_drift", "", "", "", "", drift_detail(report), "ledger_audit",
                drift_reference(report))
            raised = not repeat
        compacted = await availability.compact(warehouse, keep) if not report.drift else 0
        results.append(AuditResult(warehouse, len(report.drift), raised, compacted))
    return results
