"""The stock push profile of a registered shop, derived from what the admin API stores: the shop's
credentials (app key, secret, access token, API URL) and its SKU mappings (one listing per channel
SKU: its components, the platform item / SKU ids). Pure.

So a shop registered through ``POST /api/channels/shops`` with mappings through
``POST /api/channels/{channel}/{shop}/skus`` gets its pushes and ship / ack calls with no separate
configuration. What the admin sets on the profile itself (share, buffer, cap through
``PUT /api/availability/profiles``) is kept across a re-derivation; the warehouses are the shop's own
plus every site of its seller's routing rules.
"""

from __future__ import annotations

from floor.availability.model import ChannelProfile, Listing
from floor.channels.model import Mapping, Shop


def listing_of(channel: str, mapping: Mapping) -> Listing:
    """One mapping as a pushed listing. Without explicit ids the channel SKU's own form is used:
    ``<num_iid>:<sku_id>`` (Taobao, PDD, Douyin product:sku) or the code itself as the SKU id."""
    item_id, sku_id = mapping.item_id, mapping.sku_id
    if not sku_id:
        head, sep, tail = mapping.channel_sku.partition(":")
        if sep and head != "variant":
            item_id, sku_id = item_id or head, tail
        else:
            sku_id = tail if sep else mapping.channel_sku
    location = mapping.location_id  # Shopify needs it: a mapping without one is pushed and refused (reported)
    return Listing(listing=mapping.channel_sku[:64],
                   components=[(c.sku, c.quantity) for c in mapping.components],
                   item_id=item_id[:64], sku_id=sku_id[:64], location_id=location)


def profile_of(shop: Shop, mappings: list[Mapping], sites: list[str], previous: ChannelProfile | None) -> ChannelProfile:
    """The push profile of ``shop``: its credentials, one listing per mapping (gifts are not sold)."""
    warehouses = list(dict.fromkeys([shop.warehouse, *sites]))[:32]
    listings = [listing_of(shop.channel, m) for m in mappings if len(m.channel_sku) <= 64]
    return ChannelProfile(
        channel=shop.channel, shop=shop.shop, warehouses=warehouses, listings=listings[:5000],
        share_pct=previous.share_pct if previous else 100, buffer_units=previous.buffer_units if previous else 0,
        cap=previous.cap if previous else 0, endpoint=shop.api_url, app_key=shop.app_key, app_secret=shop.secret,
        access_token=shop.access_token)
