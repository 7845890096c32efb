"""Every Redis key name, in one place.

Every key of warehouse W1 starts with the hash tag ``{W1}:``, so one Lua script touches one
Redis Cluster slot. The Lua scripts never spell a key: :func:`lua_preamble` generates a ``K``
table of key builders from :data:`TEMPLATES`, prepended to every script at load time
(:mod:`floor.store.scripts`).

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
    # release policies (floor.waves.release, issue 11)
    "release_policy": "release:policy",  # string: msgspec JSON of floor.waves.policy.PolicyView
    "release_decisions": "release:decisions",  # list: recent automatic release decisions (JSON), newest first
    "release_lock": "release:lock",  # string: the node deciding releases now (lease, PX)
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


def lua_preamble() -> str:
    """Lua defining ``P`` (the prefix, from ARGV[1]) and ``K.<name>(...)`` for every template."""
    lines = ["-- generated by floor/store/keys.py: K.<name>(...) builds the key <name> of this warehouse",
             "local P = ARGV[1]", "local K = {}"]
    for name, template in TEMPLATES.items():
        pieces = template.split("{}")
        args = [f"a{i}" for i in range(len(pieces) - 1)]
        expression = "P"
        for index, piece in enumerate(pieces):
            if piece:
                expression += f" .. '{piece}'"
            if index < len(args):
                expression += f" .. {args[index]}"
        lines.append(f"K.{name} = function({', '.join(args)}) return {expression} end")
    return "\n".join(lines) + "\n"
