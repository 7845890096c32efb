"""People and machines that may talk to the floor, what a token says about them, and how secrets are checked.

Roles: ``picker`` (badge + PIN on a handheld), ``supervisor``, ``admin``, ``channel`` (order
intake integrations, bound to the channels and shops they may post for) and ``device`` (shelves,
AGVs). Secrets are stored as salted PBKDF2 hashes and never leave the store layer.

Every login subject has a *sid* (``user:<name>``, ``picker:<warehouse>:<picker id>``) naming its
auth state in Redis: an ``epoch`` that every token carries (bumping it ends every token of the
subject) and the ids (``jti``) of tokens revoked one by one (logout).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Annotated

import msgspec

from floor.core.fields import Badge, Input, Name, NewPassword, Pin, Username, Warehouse
from floor.orders.model import CHANNELS

ROLES = ("picker", "supervisor", "admin", "channel", "device")
USER_ROLES = tuple(role for role in ROLES if role != "picker")  # pickers log in with a badge
_ITERATIONS = 20_000  # PINs are short: brute force is stopped by rate limits, not by this cost


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, _ITERATIONS)
    return f"pbkdf2${_ITERATIONS}${salt.hex()}${digest.hex()}"


# Checked against when the badge or user is unknown, so both cases cost the same time
# (hash_secret("not a secret", salt=bytes(12)); a test keeps it in step with _ITERATIONS).
DUMMY_HASH = "pbkdf2$20000$000000000000000000000000$c26cc98f65c07df4cacf96382d1be0d32f0ef5c566700ccc562164ce96d815a2"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2":
        return False
    computed = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(computed.hex(), digest)


def user_sid(username: str) -> str:
    return f"user:{username}"


def picker_sid(warehouse: str, picker_id: str) -> str:
    return f"picker:{warehouse}:{picker_id}"


class Picker(msgspec.Struct, frozen=True):
    picker_id: str
    warehouse: str
    badge: str
    name: str


class User(msgspec.Struct, frozen=True):
    username: str
    role: str
    warehouses: list[str]  # ["*"] = every warehouse
    channels: list[str] = []  # role channel: "tmall" (any shop) or "tmall:shop123"


class PickerView(msgspec.Struct, frozen=True):
    """What the admin API shows of a picker (never the PIN hash)."""

    picker_id: str
    warehouse: str
    badge: str
    name: str
    disabled: bool


class UserView(msgspec.Struct, frozen=True):
    """What the admin API shows of a user (never the password hash)."""

    username: str
    role: str
    warehouses: list[str]
    channels: list[str]
    disabled: bool


class Principal(msgspec.Struct, frozen=True):
    """The claims of a token: who, which warehouse ('*' = all), until when, and what revokes it."""

    role: str
    subject: str
    warehouse: str
    expires_ms: int
    jti: str = ""  # the token's own id: logout revokes it
    epoch: int = 0  # the subject's epoch at login: disabling the subject bumps it
    channels: list[str] = []  # role channel: what it may post for

    def may_use(self, warehouse: str) -> bool:
        return self.warehouse in ("*", warehouse)

    @property
    def sid(self) -> str:
        return picker_sid(self.warehouse, self.subject) if self.role == "picker" else user_sid(self.subject)


class Revocation(msgspec.Struct, frozen=True):
    """One entry of the revocation Stream: every token of ``sid`` older than ``epoch``, or the token ``jti``."""

    sid: str
    jti: str = ""
    epoch: int = 0


# -- channel bindings --------------------------------------------------------------------------

def binding_problem(binding: str) -> str | None:
    """Why ``binding`` ("tmall" or "tmall:shop123") is not a valid channel binding, or None."""
    channel, _, shop = binding.partition(":")
    if channel not in CHANNELS:
        return f"unknown channel '{channel}' (known: {', '.join(CHANNELS)})"
    if ":" in binding and not (shop and len(shop) <= 64 and shop.isascii()
                               and all(c.isalnum() or c in "._-" for c in shop)):
        return f"shop in '{binding}' must be 1-64 ASCII letters, digits, '.', '_' or '-'"
    return None


def binding_admits(bindings: list[str], channel: str, shop: str) -> bool:
    """True when a token bound to ``bindings`` may post and read orders of (channel, shop)."""
    return channel in bindings or (bool(shop) and f"{channel}:{shop}" in bindings)


# -- admin requests ----------------------------------------------------------------------------

Binding = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"^[a-z_]+(:[A-Za-z0-9._-]+)?$",
                                      description="a channel ('tmall') or one shop of it ('tmall:shop123')")]
Scope = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^([A-Z][A-Z0-9]*|\*)$")]


class NewUser(Input, frozen=True, forbid_unknown_fields=True):
    """``POST /api/admin/users``. ``channels`` only (and at least one) for role channel."""

    username: Username
    role: Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=r"^[a-z]+$")]
    password: NewPassword
    warehouses: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=100)]
    channels: Annotated[list[Binding], msgspec.Meta(max_length=20)] = []  # they travel in every token


class NewPicker(Input, frozen=True, forbid_unknown_fields=True):
    """``POST /api/admin/pickers``: a badge and PIN for one picker of one warehouse."""

    picker_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    warehouse: Warehouse
    badge: Badge
    name: Name
    pin: Pin


class NewPasswordBody(Input, frozen=True, forbid_unknown_fields=True):
    password: NewPassword


class NewPinBody(Input, frozen=True, forbid_unknown_fields=True):
    pin: Pin


def new_user_problems(user: NewUser) -> list[str]:
    """Reasons ``user`` cannot be created as sent (empty = fine). Pure."""
    problems = []
    if user.role not in USER_ROLES:
        problems.append(f"role must be one of {', '.join(USER_ROLES)} (pickers: POST /api/admin/pickers)")
    if "*" in user.warehouses and len(user.warehouses) > 1:
        problems.append("warehouses is either ['*'] or a list of warehouse ids")
    if user.role == "channel" and not user.channels:
        problems.append("a channel user needs at least one channel binding ('tmall' or 'tmall:shop123')")
    if user.role != "channel" and user.channels:
        problems.append("only channel users have channel bindings")
    problems += [problem for problem in map(binding_problem, user.channels) if problem]
    return problems
