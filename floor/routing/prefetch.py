"""The routing claim and stock read sent ahead, in the caller's own round trip (the channel claim's).

Invariant: a :class:`Prefetch` whose claim was taken (``claimed``) is owned by whoever holds it until
:meth:`Router.place` consumes it (``used``; its finish drops the claim); a caller that ends without
placing the order sends :meth:`Prefetch.release` (the claim dropped) with its own finish. The stock
read is a guess made from the SKUs the caller expected: :meth:`Prefetch.stock_for` answers None when
the order's SKUs are not all in it, and the router reads the stock itself.
"""

from __future__ import annotations

from typing import Any

from floor.routing.store import SOURCES, Record, Stock, claim_commands, claim_of, unclaim_command

STOCK_SOURCES = SOURCES  # the text of the scripts :attr:`Prefetch.commands` may call (EVALSHA; NOSCRIPT fallback)


class Prefetch:
    def __init__(self, channel: str, shop: str, platform_id: str, sites: list[str], skus: list[str],
                 capped: list[str] | None = None, one_slot: bool = False) -> None:
        """``capped``: the sites whose daily count is read (None = all); ``one_slot``: a plain Redis (one
        stock read for every site)."""
        self.ref = (channel, shop, platform_id)
        self.sites = sites
        self.skus = skus
        self.capped = capped
        self.commands: list[tuple[Any, ...]] = claim_commands(channel, shop, platform_id, sites, skus,
                                                              capped=capped, one_slot=one_slot)
        self.claimed = False
        self.record: Record | None = None
        self.stock: Stock | None = None
        self.used = False

    def read(self, replies: list[Any]) -> None:
        """Take the replies of :attr:`commands` (in order)."""
        self.claimed, self.record, self.stock = claim_of(replies, self.sites, self.capped)

    def stock_for(self, sites: list[str], skus: list[str], capped: list[str] | None = None) -> Stock | None:
        """The read rows of ``sites`` x ``skus`` in that order (as :meth:`RoutingStore.stock` with
        ``capped``), or None."""
        if self.stock is None or sites != self.sites or capped != self.capped or not set(skus) <= set(self.skus):
            return None
        rows, used = self.stock
        if skus == self.skus:  # the guess was exact (the usual case): the rows as read
            return rows, used
        at = {(w, sku): rows[i * len(self.skus) + j] for i, w in enumerate(self.sites) for j, sku in enumerate(self.skus)}
        return [at[(w, sku)] for w in sites for sku in skus], used

    def release(self) -> list[tuple[Any, ...]]:
        """What to send when the order was not placed after all: the claim dropped (nothing if not taken)."""
        return [unclaim_command(*self.ref)] if self.claimed and not self.used else []
