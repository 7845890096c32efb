"""Available-to-sell: per warehouse x SKU stock states, channel profiles and listings, the ATS
formula, and re-deriving counters from the ledger. Pure: no I/O.

ATS of a channel/shop for a SKU = the channel's buffer applied to the pool
``sum over allowed warehouses max(0, on_hand - reserved - unavailable - safety)``; a listing
(one platform SKU, possibly a bundle of several internal SKUs) sells ``min(ATS(sku) // qty)``.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from floor.core.fields import Id, Input, Sku, Warehouse, Word

COUNTERS = ("on_hand", "reserved", "unavailable")  # moved only through the ledger (lib/ledger.lua)
SETTINGS = ("safety", "incoming")  # set, not moved: no ledger entries
PUSH_CHANNELS = ("tmall", "taobao", "jd", "pinduoduo", "douyin", "shopify", "own_site")


class StockState(msgspec.Struct, frozen=True):
    warehouse: str
    sku: str
    on_hand: int = 0
    reserved: int = 0
    unavailable: int = 0
    safety: int = 0
    incoming: int = 0

    @property
    def sellable(self) -> int:
        """What this warehouse may still promise: never negative."""
        return max(0, self.on_hand - self.reserved - self.unavailable - self.safety)


class Listing(Input, frozen=True, forbid_unknown_fields=True):
    """One platform listing pushed by a channel profile: ``components`` = [[sku, units], ...]
    (one component for a plain SKU, several for a bundle)."""

    listing: Id  # our key for it (usually the channel SKU code)
    components: Annotated[list[tuple[Sku, int]], msgspec.Meta(min_length=1, max_length=20)]
    item_id: Annotated[str, msgspec.Meta(max_length=64)] = ""  # num_iid / goods_id / product id
    sku_id: Annotated[str, msgspec.Meta(max_length=64)] = ""  # platform sku id / Shopify inventory item gid
    location_id: Annotated[str, msgspec.Meta(max_length=128)] = ""  # Shopify location gid


class ChannelProfile(Input, frozen=True, forbid_unknown_fields=True):
    """What one channel/shop may sell and where its stock is pushed. ``share_pct`` of the pool is
    offered, minus ``buffer_units``, at most ``cap`` (0 = no cap)."""

    channel: Word
    shop: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    warehouses: Annotated[list[Warehouse], msgspec.Meta(min_length=1, max_length=32)]
    listings: Annotated[list[Listing], msgspec.Meta(max_length=5000)] = []
    share_pct: int = 100
    buffer_units: int = 0
    cap: int = 0
    endpoint: Annotated[str, msgspec.Meta(max_length=300)] = ""  # the platform API base URL
    app_key: Annotated[str, msgspec.Meta(max_length=128)] = ""
    app_secret: Annotated[str, msgspec.Meta(max_length=256)] = ""
    access_token: Annotated[str, msgspec.Meta(max_length=512)] = ""


def profile_problems(profile: ChannelProfile) -> list[str]:
    problems = []
    if profile.channel not in PUSH_CHANNELS:
        problems.append(f"channel must be one of {', '.join(PUSH_CHANNELS)}")
    if not 0 <= profile.share_pct <= 100:
        problems.append("share_pct must be 0..100")
    if profile.buffer_units < 0 or profile.cap < 0:
        problems.append("buffer_units and cap must not be negative")
    for listing in profile.listings:
        if any(not 1 <= qty <= 1000 for _sku, qty in listing.components):
            problems.append(f"listing {listing.listing}: component units must be 1..1000")
    if len({listing.listing for listing in profile.listings}) != len(profile.listings):
        problems.append("listing keys must be unique")
    return problems


def channel_ats(profile: ChannelProfile, states: list[StockState]) -> int:
    """ATS of one SKU for ``profile`` from that SKU's states in every warehouse (others ignored)."""
    allowed = set(profile.warehouses)
    pool = sum(state.sellable for state in states if state.warehouse in allowed)
    offered = pool * profile.share_pct // 100 - profile.buffer_units
    if profile.cap:
        offered = min(offered, profile.cap)
    return max(0, offered)


def listing_ats(profile: ChannelProfile, listing: Listing, states: dict[str, list[StockState]]) -> int:
    """Units of ``listing`` sellable: the scarcest component decides (bundles)."""
    return min(channel_ats(profile, states.get(sku, [])) // qty for sku, qty in listing.components)


class LedgerEntry(msgspec.Struct, frozen=True):
    entry_id: str
    sku: str
    field: str
    delta: int
    kind: str
    ref: str


class Drift(msgspec.Struct, frozen=True):
    warehouse: str
    sku: str
    field: str
    counter: int  # what the sku hash holds
    derived: int  # what the ledger sums to
    difference: int  # counter - derived: a compensating entry of this delta makes them agree


class CheckReport(msgspec.Struct, frozen=True):
    warehouse: str
    skus: int
    entries: int
    drift: list[Drift]
    compensated: int = 0
    negative: list[str] = []  # sku:field pairs below zero (should never be)


def derive(entries: list[LedgerEntry]) -> dict[tuple[str, str], int]:
    """(sku, field) -> the sum of the ledger's deltas: what the counter must hold."""
    totals: dict[tuple[str, str], int] = {}
    for entry in entries:
        totals[(entry.sku, entry.field)] = totals.get((entry.sku, entry.field), 0) + entry.delta
    return totals


def drift_of(warehouse: str, counters: dict[str, StockState], derived: dict[tuple[str, str], int]) -> list[Drift]:
    """Every (sku, counter) where the sku hash and the ledger disagree, sorted."""
    drift = []
    skus = sorted(set(counters) | {sku for sku, _field in derived})
    for sku in skus:
        state = counters.get(sku, StockState(warehouse, sku))
        for field in COUNTERS:
            counter, total = getattr(state, field), derived.get((sku, field), 0)
            if counter != total:
                drift.append(Drift(warehouse, sku, field, counter, total, counter - total))
    return drift


class StockSettings(Input, frozen=True, forbid_unknown_fields=True):
    """``PUT /api/availability/{warehouse}/{sku}``: unavailable (damaged, quality hold) is a counter
    moved through the ledger; safety and incoming are settings."""

    unavailable: int | None = None
    safety: int | None = None
    incoming: int | None = None


def settings_problems(settings: StockSettings) -> list[str]:
    problems = []
    for name in ("unavailable", "safety", "incoming"):
        value = getattr(settings, name)
        if value is not None and not 0 <= value <= 10_000_000:
            problems.append(f"{name} must be 0..10000000")
    return problems


class ListingAts(msgspec.Struct, frozen=True):
    channel: str
    shop: str
    listing: str
    ats: int
    pushed: int | None  # the last quantity the platform accepted (None = never pushed)
