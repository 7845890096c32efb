"""Available-to-sell use cases: stock settings, ATS per channel listing, the ledger drift check,
and the stock push (dirty SKUs -> each channel's outbox -> the platform, idempotently).

The push has two steps a worker loop runs (floor/jobs/stock_push.py): :meth:`collect` pops the
SKUs that the scripts marked dirty, recomputes the ATS of every listing that sells them and writes
the desired quantity into the channel/shop outbox (within a loop period of the change);
:meth:`drain` pushes every listing whose desired quantity differs from what the platform last
accepted, and confirms queued shipments. Both can run again at any time: nothing is sent twice
that the platform already accepted, and a Douyin retry reuses its idempotent id.
"""

from __future__ import annotations

import time

import httpx
import msgspec

from floor.availability.acks import Ack, send_ack
from floor.availability.model import (
    ChannelProfile,
    CheckReport,
    ListingAts,
    StockSettings,
    derive,
    drift_of,
    listing_ats,
    profile_problems,
    settings_problems,
)
from floor.availability.senders import PushResult, Shipment, sender_for
from floor.availability.store import AvailabilityStore
from floor.core.errors import NotFoundError, ValidationError
from floor.core.ids import check_id, new_id
from floor.incidents.store import IncidentStore

SHIP_ALERT_AFTER = 3  # refused ship calls of one parcel before it is raised on the board


class Attempt(msgspec.Struct, frozen=True):
    start: int | None  # what the platform held when the attempt began (None = never pushed)
    to: int
    attempt_id: str


class Availability:
    def __init__(self, store: AvailabilityStore, incidents: IncidentStore, http: httpx.AsyncClient | None = None) -> None:
        self.store = store
        self.incidents = incidents
        self.http = http or httpx.AsyncClient(timeout=5.0)

    async def close(self) -> None:
        await self.http.aclose()

    async def set_state(self, warehouse: str, sku: str, settings: StockSettings, actor: str) -> dict[str, int]:
        check_id(sku, "sku", 40)
        problems = settings_problems(settings)
        if problems:
            raise ValidationError("; ".join(problems))
        return await self.store.set_state(warehouse, sku, settings.unavailable, settings.safety, settings.incoming,
                                          actor)

    async def put_profile(self, profile: ChannelProfile) -> ChannelProfile:
        problems = profile_problems(profile)
        if problems:
            raise ValidationError("; ".join(problems))
        await self.store.put_profile(profile)
        await self.mark_profile(profile)
        return profile

    async def profile(self, channel: str, shop: str) -> ChannelProfile:
        profile = await self.store.profile(channel, shop)
        if profile is None:
            raise NotFoundError(f"no stock push profile for {channel}/{shop}")
        return profile

    async def ats(self, channel: str, shop: str) -> list[ListingAts]:
        profile = await self.profile(channel, shop)
        skus = sorted({sku for listing in profile.listings for sku, _q in listing.components})
        states = await self.store.states(profile.warehouses, skus)
        _desired, pushed, _inflight = await self.store.outbox(channel, shop)
        return [ListingAts(channel, shop, lst.listing, listing_ats(profile, lst, states), pushed.get(lst.listing))
                for lst in profile.listings]

    # -- the drift check ----------------------------------------------------------------------
    async def check(self, warehouse: str, compensate: bool = False, actor: str = "check") -> CheckReport:
        """Re-derive on_hand / reserved / unavailable of every SKU from the ledger and report drift;
        with ``compensate`` append entries that make the ledger agree with the counters."""
        before = await self.store.ledger(warehouse)
        skus = sorted(set(await self.store.known_skus(warehouse)) | {e.sku for e in before})
        last, counters = await self.store.snapshot(warehouse, skus)
        after = "(" + before[-1].entry_id if before else "-"
        entries = before + (await self.store.ledger(warehouse, after, last) if last != "0-0" else [])
        derived = derive(entries)
        for pair, total in (await self.store.base(warehouse)).items():  # entries compacted away
            derived[pair] = derived.get(pair, 0) + total
        drift = drift_of(warehouse, counters, derived)
        negative = [f"{s.sku}:{f}" for s in counters.values() for f in ("on_hand", "reserved", "unavailable")
                    if getattr(s, f) < 0]
        written = 0
        if compensate and drift:
            written = await self.store.compensate(warehouse, [(d.sku, d.field, d.difference) for d in drift], actor)
        return CheckReport(warehouse, len(counters), len(entries), drift, written, negative)

    async def compact(self, warehouse: str, keep: int = 100_000) -> int:
        """Fold all but the newest ``keep`` ledger entries into the base sums; returns entries removed.
        The check's answer is unchanged (base + entries = the whole ledger)."""
        entries = await self.store.ledger(warehouse)
        if len(entries) <= keep:
            return 0
        folded = entries[: len(entries) - keep]
        sums = [(sku, field, total) for (sku, field), total in sorted(derive(folded).items())]
        return await self.store.compact(warehouse, folded[-1].entry_id, sums)

    # -- the push -----------------------------------------------------------------------------
    async def mark_profile(self, profile: ChannelProfile) -> int:
        """Write the ATS of every listing of ``profile`` into its outbox (a new or changed profile)."""
        skus = sorted({sku for listing in profile.listings for sku, _q in listing.components})
        states = await self.store.states(profile.warehouses, skus)
        quantities = {lst.listing: listing_ats(profile, lst, states) for lst in profile.listings}
        if quantities:
            await self.store.mark(profile.channel, profile.shop, quantities, int(time.time() * 1000))
        return len(quantities)

    async def collect(self) -> int:
        """Dirty SKUs of every warehouse -> the desired quantity of each listing that sells them."""
        dirty = await self.store.take_dirty(await self.store.warehouses())
        if not dirty:
            return 0
        by_profile: dict[tuple[str, str], set[str]] = {}
        for name in await self.store.listings_of(sorted(dirty)):
            channel, shop, listing = name.split(":", 2)
            by_profile.setdefault((channel, shop), set()).add(listing)
        marked = 0
        for (channel, shop), wanted in sorted(by_profile.items()):
            profile = await self.store.profile(channel, shop)
            if profile is None:
                continue
            listings = [lst for lst in profile.listings if lst.listing in wanted]
            skus = sorted({sku for lst in listings for sku, _q in lst.components})
            states = await self.store.states(profile.warehouses, skus)
            quantities = {lst.listing: listing_ats(profile, lst, states) for lst in listings}
            await self.store.mark(channel, shop, quantities, int(time.time() * 1000))
            marked += len(quantities)
        return marked

    async def drain(self, channel: str, shop: str, force: bool = False) -> dict[str, int]:
        """Push every listing whose desired quantity the platform has not accepted yet; confirm
        queued shipments. A key that failed waits (0.5 s, doubling, at most 60 s) unless ``force``.
        Returns counts by outcome."""
        profile = await self.profile(channel, shop)
        sender = sender_for(profile, self.http)
        listings = {lst.listing: lst for lst in profile.listings}
        desired, pushed, inflight = await self.store.outbox(channel, shop)
        backoff = await self.store.backoff(channel, shop)
        now = int(time.time() * 1000)

        def waiting(key: str) -> bool:
            return not force and backoff.get(key, (0, 0))[0] > now

        async def failed(key: str, detail: str) -> None:
            attempts = backoff.get(key, (0, 0))[1] + 1
            await self.store.failed(channel, shop, key, detail, attempts, now + min(60_000, 500 * 2 ** (attempts - 1)))

        counts = {"accepted": 0, "retry": 0, "refused": 0, "shipped": 0, "acked": 0}
        for key, want in sorted(desired.items()):
            listing = listings.get(key)
            if listing is None or waiting(key):
                continue
            raw = inflight.get(key)
            attempt = msgspec.json.decode(raw, type=Attempt) if raw else None
            if attempt is None or attempt.start != pushed.get(key):  # a new attempt (else: retry the same)
                if pushed.get(key) == want:
                    continue
                attempt = Attempt(pushed.get(key), want, new_id("P"))
                await self.store.set_inflight(channel, shop, key, msgspec.json.encode(attempt))
            result = await sender.set_stock(listing, attempt.start, attempt.to, attempt.attempt_id)
            counts[result.outcome] += 1
            if result.outcome == "accepted":
                await self.store.accepted(channel, shop, key, attempt.to)
            else:
                await failed(key, f"{result.outcome}: {result.detail}")
                await self._refusal(profile, key, attempt.to, result)
        for parcel, raw in sorted((await self.store.pending_shipments(channel, shop)).items()):
            if waiting(parcel):
                continue
            result = await sender.confirm(msgspec.json.decode(raw, type=Shipment))
            if result.outcome == "accepted":
                await self.store.shipment_confirmed(channel, shop, parcel)
                counts["shipped"] += 1
            else:
                counts[result.outcome] += 1
                await failed(parcel, result.detail)
                if backoff.get(parcel, (0, 0))[1] + 1 == SHIP_ALERT_AFTER:
                    await self._ship_stuck(profile, parcel, result.detail)
        # -- cancels and holds acknowledged (floor/availability/acks.py), after the ship calls --
        for key, raw in sorted((await self.store.pending_acks(channel, shop)).items()):
            if waiting(key):
                continue
            result = await send_ack(sender, msgspec.json.decode(raw, type=Ack))
            if result.outcome in ("accepted", "not_applicable"):
                await self.store.ack_done(channel, shop, key, result.outcome)
                counts["acked"] += 1
            else:
                counts["retry"] += 1
                await failed(key, result.detail)
        return counts

    async def _refusal(self, profile: ChannelProfile, key: str, quantity: int, result: PushResult) -> None:
        if result.outcome == "refused":
            # On the board, once per (listing, quantity): the push keeps trying, a person decides.
            reference = f"{profile.channel}:{profile.shop}:{key}:{quantity}"[:64]
            await self.incidents.raise_one(
                profile.warehouses[0], new_id("X"), "channel_push", "", "", "", "", result.detail[:500],
                "stock_push", reference)
            await self.store.set_inflight(profile.channel, profile.shop, key, None)

    async def _ship_stuck(self, profile: ChannelProfile, parcel: str, detail: str) -> None:
        """A parcel's ship call refused ``SHIP_ALERT_AFTER`` times in a row: on the board once per
        parcel (the confirmation keeps being retried; a person checks the shop's credentials or the
        carrier code the platform wants)."""
        reference = f"ship:{profile.channel}:{profile.shop}:{parcel}"[:64]
        await self.incidents.raise_one(
            profile.warehouses[0], new_id("X"), "channel_push", "", "", "", "",
            f"ship confirmation of {parcel} refused {SHIP_ALERT_AFTER} times: {detail}"[:500], "ship_confirm", reference)

    async def drain_all(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for profile in await self.store.profiles():
            for outcome, n in (await self.drain(profile.channel, profile.shop)).items():
                totals[outcome] = totals.get(outcome, 0) + n
        return totals

    async def confirm_shipment(self, channel: str, shop: str, shipment: Shipment) -> bool:
        """Queue a parcel's confirmation; False when that parcel was queued or confirmed before."""
        await self.profile(channel, shop)
        return await self.store.enqueue_shipment(channel, shop, shipment.parcel, msgspec.json.encode(shipment))

    async def acknowledge(self, channel: str, shop: str, ack: Ack) -> bool:
        """Queue a cancel / hold acknowledgement; False when that key was queued or sent before."""
        await self.profile(channel, shop)
        return await self.store.enqueue_ack(channel, shop, ack.key, msgspec.json.encode(ack))
