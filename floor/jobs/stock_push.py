"""The stock push worker: every ``period`` it moves dirty SKUs into the channel outboxes
(:meth:`Availability.collect`) and drains every outbox (:meth:`Availability.drain_all`).

Run as ``python -m floor.jobs.stock_push`` (the ``push`` line of the Procfile). One worker per
deployment is enough and safe to restart; two at once would both push the same desired quantity
(harmless for full-quantity and set-with-compare platforms, deduplicated by the idempotent id on
Douyin), so it is not forbidden, just wasteful.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from floor.availability.schedule import audit
from floor.core.settings import Settings
from floor.floor import Floor

log = logging.getLogger("floor.stock_push")


async def run(floor: Floor, stop: asyncio.Event, period_s: float = 0.1, drain_every: int = 1,
              reconcile_every: int = 600, audit_every: int = 36_000, keep: int = 100_000,
              audit_warehouses: list[str] | None = None) -> None:
    """Loop until ``stop`` is set. A failed round is logged and retried next period. Every
    ``reconcile_every`` rounds (1 min by default) every profile's ATS is recomputed in full: a dirty
    mark popped by a round that then failed is caught up there. Every ``audit_every`` rounds (1 h by
    default; 0 = never) the ledger audit runs (floor/availability/schedule.py: drift raises a
    ``ledger_drift`` floor exception, long ledgers are compacted to ``keep`` entries) over every
    warehouse (or ``audit_warehouses``)."""
    tick = 0
    while not stop.is_set():
        try:
            if audit_every and tick % audit_every == audit_every - 1:
                for result in await audit(floor.availability, audit_warehouses, keep=keep):
                    if result.drift:
                        log.error("ledger drift in %s: %d counter(s)", result.warehouse, result.drift)
            if tick % reconcile_every == reconcile_every - 1:
                for profile in await floor.availability.store.profiles():
                    await floor.availability.mark_profile(profile)
            if tick % 50 == 49:  # every 5 s: queued orders (no rule could place them) try again
                await floor.routing.retry_queued()
            await floor.availability.collect()
            if tick % drain_every == 0:
                await floor.availability.drain_all()
        except Exception:  # keep pushing: one bad round (Redis blip, platform down) must not stop the loop
            log.exception("stock push round failed")
        tick += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=period_s)


async def _main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    floor = Floor.from_settings(settings, socket_timeout=10.0)
    await floor.start()
    try:
        await run(floor, asyncio.Event())
    finally:
        await floor.close()


if __name__ == "__main__":
    asyncio.run(_main())
