"""Shops, SKU mappings and the resolution of a canonical order's lines to internal SKUs. Pure.

A shop is (channel, shop id) with its own credentials (app key + secret, signing method) and the
warehouse its orders go to until routing decides (``warehouse``). A mapping turns one channel SKU
(the platform's merchant code, or ``num_iid:sku_id`` / ``variant:<id>`` when there is none) into
internal SKUs x quantities (a bundle is several components) plus free gift SKUs per unit sold.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from floor.channels.canonical import CanonicalOrder
from floor.core.fields import Input, Sku, Warehouse

CHANNELS = ("taobao", "tmall", "jd", "pinduoduo", "douyin", "shopify", "own_site")
SIGN_METHODS = ("md5", "hmac", "hmac-sha256")
MAX_COMPONENTS = 20
MAX_MAPPINGS = 500

ChannelName = Annotated[str, msgspec.Meta(max_length=16, pattern=r"^(taobao|tmall|jd|pinduoduo|douyin|shopify|own_site)$",
                                          description="one of " + ", ".join(CHANNELS))]
ShopId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
                                     description="the shop's id on the platform (1-64 of A-Z a-z 0-9 . _ -)")]
ChannelSku = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"^[!-~]+$",
                                         description="the channel's SKU code (printable ASCII, no spaces)")]
Secret = Annotated[str, msgspec.Meta(min_length=8, max_length=256, pattern=r"^[!-~]+$")]
AppKey = Annotated[str, msgspec.Meta(max_length=128, pattern=r"^[!-~]*$")]
Url = Annotated[str, msgspec.Meta(max_length=300, pattern=r"^(https?://[!-~]+)?$")]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=1000)]


class NewShop(Input, frozen=True, forbid_unknown_fields=True):
    """``POST /api/channels/shops``: create or replace a shop's credentials (admin)."""

    channel: ChannelName
    shop: ShopId
    secret: Secret
    warehouse: Warehouse
    app_key: AppKey = ""
    sign_method: Annotated[str, msgspec.Meta(max_length=16, pattern=r"^(md5|hmac|hmac-sha256)$")] = "md5"
    api_url: Url = ""  # for the pull importer (the platform's gateway, or a stand-in in tests)
    name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    access_token: AppKey = ""  # the seller's OAuth session for pulls (never shown again)
    # The seller whose routing rules place this shop's orders ('' = every order goes to ``warehouse``).
    seller: Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[A-Za-z0-9._-]*$")] = ""


class Shop(msgspec.Struct, frozen=True):
    channel: str
    shop: str
    secret: str
    warehouse: str
    app_key: str = ""
    sign_method: str = "md5"
    api_url: str = ""
    name: str = ""
    created_ms: int = 0
    access_token: str = ""
    seller: str = ""


class ShopView(msgspec.Struct, frozen=True):
    """What the API shows: the secret only as its last four characters."""

    channel: str
    shop: str
    warehouse: str
    app_key: str
    sign_method: str
    api_url: str
    name: str
    secret_hint: str
    webhook_path: str
    created_ms: int
    seller: str = ""


def view(shop: Shop) -> ShopView:
    return ShopView(shop.channel, shop.shop, shop.warehouse, shop.app_key, shop.sign_method, shop.api_url,
                    shop.name, "…" + shop.secret[-4:], f"/api/channels/{shop.channel}/{shop.shop}/webhook",
                    shop.created_ms, shop.seller)


class Component(Input, frozen=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Quantity = 1


class Mapping(Input, frozen=True, forbid_unknown_fields=True):
    """One listing: ``components`` per unit sold (a bundle has several), ``gifts`` added free per unit."""

    channel_sku: ChannelSku
    components: Annotated[list[Component], msgspec.Meta(min_length=1, max_length=MAX_COMPONENTS)]
    gifts: Annotated[list[Component], msgspec.Meta(max_length=MAX_COMPONENTS)] = []
    # Where the stock push writes this listing (floor/channels/push_profile.py): the platform's item id
    # (num_iid / goods_id / product id), its SKU id (Shopify: the inventory item gid) and Shopify's location.
    item_id: Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[!-~]*$")] = ""
    sku_id: Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[!-~]*$")] = ""
    location_id: Annotated[str, msgspec.Meta(max_length=128, pattern=r"^[!-~]*$")] = ""


class MappingBody(Input, frozen=True, forbid_unknown_fields=True):
    """``POST /api/channels/{channel}/{shop}/skus``: add or replace mappings (admin)."""

    mappings: Annotated[list[Mapping], msgspec.Meta(min_length=1, max_length=MAX_MAPPINGS)]


class ResolvedLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    line_id: str  # the platform line it came from
    gift: bool = False


def resolve(order: CanonicalOrder, mappings: dict[str, Mapping]) -> tuple[list[ResolvedLine], list[str]]:
    """Internal lines of the lines that may ship (not refunding, not already shipped), and the reasons
    the order cannot go to the floor (an unmapped channel SKU). Quantities multiply through bundles."""
    lines: list[ResolvedLine] = []
    problems: list[str] = []
    for line in order.lines:
        if line.refunding or line.shipped or line.quantity == 0:
            continue
        mapping = mappings.get(line.channel_sku)
        if mapping is None:
            problems.append(f"line {line.line_id}: channel SKU '{line.channel_sku[:80]}' is not mapped "
                            f"(POST /api/channels/{order.channel}/{order.shop}/skus)")
            continue
        for part in mapping.components:
            lines.append(ResolvedLine(part.sku, part.quantity * line.quantity, line.line_id, line.gift))
        for gift in mapping.gifts:
            lines.append(ResolvedLine(gift.sku, gift.quantity * line.quantity, line.line_id, True))
    return lines, problems


def merged(lines: list[ResolvedLine]) -> list[tuple[str, int]]:
    """(sku, total quantity) in first-seen order: the same SKU from two lines/bundles summed once."""
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, 0) + line.quantity
    return list(totals.items())
