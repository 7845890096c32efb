"""Every Redis key name, in one place.

Every key of warehouse W1 starts with the hash tag ``{W1}:``, so one Lua script touches one
Redis Cluster slot. The Lua scripts never spell a key: they write ``K.<name>(args)``, which the
loader (:mod:`floor.store.scripts`) replaces by :func:`lua_key`'s expression built from
:data:`TEMPLATES` (``K.sku(s)`` -> ``(P .. 'sku:' .. (s))``, ``P`` = the prefix from ARGV[1]).

Global (untagged) keys are few and never touched by a script: the warehouse registry, badges and
user accounts.
"""

from __future__ import annotations

# name -> template after the "{W}:" prefix; "{}" placeholders are filled in order.
TEMPLATES: dict[str, str] = {
    "events": "events",  # Stream: the warehouse's floor event log (what sockets and boards need)
    "units": "units",  # Stream: unit-level events (each picked unit) for KPI and archive readers
    "layout": "layout",  # string: msgspec JSON of floor.layout.Layout
    "sku": "sku:{}",  # hash: gtin, name, weight_g, on_hand, reserved
    "gtin": "gtin",  # hash: gtin14 -> sku
    "sku_bins": "skubins:{}",  # hash: location -> on hand units of this sku
    "sku_alloc": "skualloc:{}",  # hash: location -> units allocated to open tasks
    "bin": "bin:{}",  # hash: sku -> on hand units at this location
    "order": "order:{}",  # hash: order fields; "lines" is JSON
    "order_ext": "orderext:{}:{}",  # string: channel, external id -> order id
    "orders_reserved": "orders:reserved",  # zset: order id by urgency (priority, due)
    "orders_backordered": "orders:backordered",  # zset: order id by received time
    "wave": "wave:{}",  # hash: status, orders, tasks, units, picked_units
    "wave_job": "wavejob:{}",  # hash: state (queued|planning|committed|failed), reason, attempts
    "waves": "waves",  # zset: wave id by release time
    "task": "task:{}",  # hash: wave, picker, status, step, picked, at_loc, n_steps
    "steps": "task:{}:steps",  # list: JSON of floor.tasks.Step
    "tasks_ready": "tasks:ready",  # zset: task id waiting for a picker, by release order
    "picker": "picker:{}",  # hash: name, task (current task id)
    "pickers": "pickers",  # set: every picker of the warehouse
    "pickers_idle": "pickers:idle",  # set: present pickers without a task (waiting for work)
    "presence": "presence:{}",  # zset: picker -> its sockets' ids by lease expiry (ms, Redis TIME)
    "pickers_present": "pickers:present",  # zset: present picker by its latest lease expiry (ms)
    "pickers_absent": "pickers:absent",  # zset: absent picker by the time its last lease ended (ms)
    "pickers_grace": "pickers:grace",  # zset: absent picker by absent-since, until the grace check ran
    "scan": "scan:{}:{}",  # string: picker, scan id -> first verdict JSON (TTL)
    "command": "cmd:{}:{}:{}",  # string: command type, sender, sender's id -> first result (TTL)
    "exception_ref": "excref:{}:{}",  # string: sender, sender's exception id -> exception id
    "exception": "exc:{}",  # hash: floor exception fields
    "exceptions_open": "exc:open",  # zset: raised/acknowledged exception ids by time
    "verdicts": "verdicts",  # hash: verdict -> count (board counters)
    # master data written by floor.onboarding (docs/onboarding.md)
    "site": "site",  # hash: name, time_zone, depot_position, zones (JSON list of floor.onboarding Zone)
    "locations": "locations",  # hash: location code -> kind (pick_face | reserve)
    "location": "loc:{}",  # hash: kind, capacity, aisle, cell, level, zone, min_units, max_units
    "sku_attrs": "skuattr:{}",  # hash: names, dimensions, pack GTINs and units, control flags
    "pack_gtin": "packgtin",  # hash: case / inner GTIN-14 -> JSON {sku, units, pack}
    "reserve_bin": "rbin:{}",  # hash: sku -> units at this reserve location (not in on_hand)
    "sku_reserve": "skureserve:{}",  # hash: reserve location -> units of this sku
    "sku_lots": "skulots:{}",  # hash: "<location>|<lot>" -> units of this sku, as imported
    "lot_expiry": "lotexp:{}",  # hash: lot -> expiry YYYY-MM-DD of this sku
    # available-to-sell (floor.availability, docs/routing.md); the sku hash also holds unavailable, safety, incoming
    "ledger": "ledger",  # Stream: append-only moves of sku counters (sku, field, delta, kind, ref)
    "ats_dirty": "ats:dirty",  # set: SKUs whose counters moved since the stock push last looked
    "ledger_base": "ledger:base",  # hash: "<sku>|<field>" -> sum of the ledger entries compacted away
    # handheld (issue 10): totes, serials, cases
    "task_totes": "task:{}:totes",  # hash: need (JSON tote positions), p:<position> -> label, l:<label> -> position
    "tote": "tote:{}",  # string: tote label -> the task it is bound to (free once that task is not assigned)
    "serials": "serials:{}",  # set: every serial of this sku ever picked (each serial once, ever)
    "order_serials": "orderserials:{}",  # list: JSON {line, sku, serial, scan_id} of one order's serials
    "sscc": "sscc:{}",  # hash: a case / pallet label (SSCC) -> sku, units, lot, expiry (YYYYMMDD), used
    # shipping (floor/shipping, docs/shipping.md)
    "waybill_range": "wbrange:{}",  # hash: carrier -> next, end of the range being handed out
    "waybill_ranges": "wbranges:{}",  # list: carrier's ranges "start:end" (every one ever added)
    "waybill_pending": "wbpending:{}",  # list: carrier's ranges "start:end" not started yet
    "shipment": "shp:{}",  # string: msgspec JSON of floor.shipping.model.Shipment
    "shipment_of_order": "shporder:{}",  # string: order id -> shipment id
    "parcel": "parcel:{}",  # hash: waybill -> shipment, service, status, last_event_ms, promised_ms ...
    "parcel_events": "parcelev:{}",  # zset: waybill's tracking events (JSON) by event time
    "parcel_seen": "parcelseen:{}",  # set: waybill's "<event ms>|<code>" already applied
    "parcels_open": "parcels:open",  # zset: waybill not delivered/returned by its last event time
    "void_retry": "void:retry",  # zset: voided waybill the carrier has not confirmed -> next try (ms)
    "label": "label:{}:{}",  # hash: shipment, box -> zpl, png (base64), problems JSON, state
    "printer": "printer:{}",  # hash: pack station -> host, port, name
    "printers": "printers",  # set: pack stations with a printer
    "printer_lock": "printerlock:{}",  # string: pack station -> job holding the printer (PX)
    "pack": "pack:{}",  # string: order id -> msgspec JSON of floor.shipping.pack.PackSession
    "ship_to": "shipto:{}",  # string: order id -> msgspec JSON of floor.shipping.model.ShipTo
    # inventory planning, counting, transfers and returns (floor/planning, floor/counting, floor/returns)
    "sku_state": "skustate:{}",  # hash: damaged, quarantine, count_hold, transit_in, transit_out, on_order,
    #   receiving, carried, transfer_reserved, safety, reorder_point, order_qty, low_reorder, low_safety, abc, xyz
    "loc_state": "locstate:{}",  # hash: "<state>|<sku>" -> units unavailable at this location (damaged ...)
    "planned_skus": "plan:skus",  # set: SKUs with planning figures (thresholds or a non-zero state)
    "reserve_alloc": "rsvalloc:{}",  # hash: reserve location -> units of this sku allocated to open moves
    "move_open": "moveopen:{}:{}",  # string: kind, "<sku>|<location>" -> the open move task id there
    "move_tasks": "movetasks",  # zset: open non-pick task id by creation time (board and API list)
    "count": "count:{}",  # hash: count task fields; "c|<location>|<sku>" -> units counted
    "counts_pending": "counts:pending",  # zset: count task ids waiting for a supervisor, by time
    "suggestion": "suggest:{}",  # string: JSON of one replenishment / purchase / transfer suggestion
    "suggestions": "suggestions",  # zset: suggestion id by time
    "demand": "demand:{}",  # hash: YYYYMMDD -> units shipped (picked) of this sku that day
    "transfer": "xfer:{}",  # hash: one transfer's record in this warehouse (each side keeps its own)
    "transfers": "xfers",  # zset: transfer id by creation time
    "rma": "rma:{}",  # hash: RMA fields; lines JSON; "u|<unit id>" -> unit JSON
    "rmas": "rmas",  # zset: RMA id by creation time
    "rma_serials": "rmaserials",  # hash: "<sku>|<serial>" -> rma id that received it
    "plan_seq": "plan:seq",  # string: counter for ids made inside planning scripts (exceptions, suggestions)
    "plan_cursor": "plan:cursor",  # hash: stream name -> last entry id the planning follower applied
    "return_stats": "returnstats",  # hash: "r|<sku>|<channel>" returned, "s|<sku>|<channel>" shipped units
    # release policies (floor.waves.release, issue 11)
    "release_policy": "release:policy",  # string: msgspec JSON of floor.waves.policy.PolicyView
    "release_decisions": "release:decisions",  # list: recent automatic release decisions (JSON), newest first
    "release_lock": "release:lock",  # string: the node deciding releases now (lease, PX)
    # pick-and-sort (floor.sorting, issue 11): a batch tour's tote and the put-wall sort of it
    "sort_tote": "sort:{}:tote",  # hash: sku -> units picked into the batch tote of sort task <id>, not yet sorted
    "sort_slots": "sort:{}:slots",  # hash: "s|<step>" -> units sorted; "hold" -> JSON unit in hand (step, slot)
}

WAREHOUSES = "warehouses"  # set of warehouse ids
GLOBAL_PREFIX = "floor:"


def prefix(warehouse: str) -> str:
    return "{" + warehouse + "}:"


def key(warehouse: str, name: str, *parts: str) -> str:
    """The key ``name`` of ``warehouse`` (``key("W1", "sku", "A1")`` -> ``{W1}:sku:A1``)."""
    return prefix(warehouse) + TEMPLATES[name].format(*parts)


def badge(badge_id: str) -> str:
    """Global: hash warehouse, picker, name, pin (salted hash)."""
    return f"{GLOBAL_PREFIX}badge:{badge_id}"


def user(username: str) -> str:
    """Global: hash role, password (salted hash), warehouses."""
    return f"{GLOBAL_PREFIX}user:{username}"


def login_failures(subject: str) -> str:
    """Global: failed logins of one badge or username (expires after the lock-out window)."""
    return f"{GLOBAL_PREFIX}loginfail:{subject}"


def import_key(part: str, scope: str) -> str:
    """Global: an import of one sender (``scope`` = ``<actor>:<import id>``); ``part`` is
    ``record`` (final report JSON), ``lock`` (running claim), ``progress`` (hash) or ``files``."""
    return f"{GLOBAL_PREFIX}import:{part}:{scope}"


def users() -> str:
    """Global: set of every username (the admin list)."""
    return f"{GLOBAL_PREFIX}users"


def badges() -> str:
    """Global: set of every badge (the admin list of pickers)."""
    return f"{GLOBAL_PREFIX}badges"


def auth_state(sid: str) -> str:
    """Global: hash of one login subject (``user:<name>`` or ``picker:<W>:<id>``): ``epoch`` (bumped to
    end every token), ``disabled``, and ``j:<token id>`` -> expiry ms of each revoked token. No TTL."""
    return f"{GLOBAL_PREFIX}auth:{sid}"


def revocations() -> str:
    """Global: Stream of revocations (sid, jti or epoch) every web node follows to close sockets."""
    return f"{GLOBAL_PREFIX}revocations"


def ticket(digest: str) -> str:
    """Global: a WebSocket ticket (by the SHA-256 of the ticket) -> the token's claims; short TTL, single use."""
    return f"{GLOBAL_PREFIX}ticket:{digest}"


def warehouses() -> str:
    return GLOBAL_PREFIX + WAREHOUSES


def lua_key(name: str, args: list[str]) -> str:
    """The Lua expression of key ``name`` with the Lua argument expressions ``args`` (``P`` = the
    warehouse prefix): what a script's ``K.<name>(...)`` becomes when it is loaded."""
    pieces = TEMPLATES[name].split("{}")
    if len(args) != len(pieces) - 1:
        raise ValueError(f"key {name!r} takes {len(pieces) - 1} argument(s), got {len(args)}")
    expression = "P"
    for index, piece in enumerate(pieces):
        if piece:
            expression += f" .. '{piece}'"
        if index < len(args):
            expression += f" .. ({args[index].strip()})"
    return f"({expression})"


# -- channels (floor/channels/store.py): global keys, one shop's keys share the {ch:<channel>:<shop>} tag --

def channel_shops() -> str:
    """Global: set of "<channel>/<shop>" of every registered shop."""
    return f"{GLOBAL_PREFIX}chshops"


def _shop_tag(channel: str, shop: str) -> str:
    return "{ch:" + channel + ":" + shop + "}"


def channel_shop(channel: str, shop: str) -> str:
    """Hash: one shop's credentials and settings (floor.channels.model.Shop fields)."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:shop"


def channel_skus(channel: str, shop: str) -> str:
    """Hash: channel SKU -> msgspec JSON of floor.channels.model.Mapping."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:skus"


def channel_order(channel: str, shop: str, order_id: str) -> str:
    """Hash: one platform order as we last took it (updated_ms, digest, done, state, outcome ...)."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:order:{order_id}"


def channel_orders(channel: str, shop: str) -> str:
    """Zset: platform order id by the platform's updated_ms (the shop's order list)."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:orders"


def channel_held(channel: str, shop: str) -> str:
    """Zset: platform order id held (reason in its order hash) by updated_ms."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:held"


def channel_webhook(channel: str, shop: str, webhook_id: str) -> str:
    """String with TTL: a delivery id (Shopify X-Shopify-Webhook-Id) already handled."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:hook:{webhook_id}"


def channel_cursor(channel: str, shop: str) -> str:
    """Hash: the pull importer's cursor (end_ms of the last complete window, windows, orders)."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:cursor"


def channel_refetch(channel: str, shop: str) -> str:
    """Zset: platform order ids announced by a thin push message (no lines), to fetch by pull."""
    return f"{GLOBAL_PREFIX}{_shop_tag(channel, shop)}:refetch"
