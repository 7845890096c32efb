"""Accounts use cases: logging in, administering users and pickers, ending tokens, WebSocket tickets.

Lock-out (counted before the check, so parallel guesses cannot slip past it; one pipeline of
atomic INCRs per attempt):

- per (badge or username, client address): ``login_limit`` attempts per window. A stranger who
  types wrong PINs for a badge locks that badge only at their own address; the picker's own
  handheld keeps working. Badges are printed, often sequential numbers: a limit per badge alone
  would let anyone lock the whole floor out by walking the numbers.
- per client address: ``login_address_limit`` attempts per window over all subjects, which
  stops one address walking badge numbers.
- per subject over all addresses: ``4 x login_limit`` per window, which bounds a distributed
  guess at one 4-digit PIN to 20 tries per window. Only attempts the first two limits let through
  count here, so one address cannot lock a badge out for everyone; it takes five addresses.

A successful login forgets the subject's per-address counter and takes itself back from the other
two, so only failures count. Password and PIN hashing run in a thread: PBKDF2 on the event loop
would stall every scan on the node.

Ending tokens: disabling a subject or resetting its secret bumps its epoch (every token it holds
stops working); logout revokes one token id. Both are announced on the revocation Stream; web
nodes cache the auth state for at most half a second (handheld_api/sessions.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time

import msgspec

from floor.accounts.model import (
    DUMMY_HASH,
    NewPicker,
    NewUser,
    Picker,
    PickerView,
    Principal,
    Revocation,
    User,
    UserView,
    hash_secret,
    new_user_problems,
    picker_sid,
    user_sid,
    verify_secret,
)
from floor.accounts.store import AccountStore
from floor.core.errors import AuthError, ConflictError, FloorError, NotFoundError, ValidationError


class TooManyAttemptsError(FloorError):
    status = 429
    code = "too_many_attempts"


class Identity(msgspec.Struct, frozen=True):
    """Who just logged in, and the epoch of its auth state read together with ``disabled``."""

    role: str
    subject: str
    warehouse: str  # the picker's warehouse; a user's first warehouse, or '*' for every warehouse
    epoch: int
    channels: list[str] = []


class AuthState(msgspec.Struct, frozen=True):
    epoch: int
    disabled: bool
    revoked: frozenset[str]  # token ids revoked one by one (logout), not yet expired


def _auth_state(fields: dict[str, str]) -> AuthState:
    revoked = frozenset(name[2:] for name in fields if name.startswith("j:"))
    return AuthState(int(fields.get("epoch", 0)), fields.get("disabled") == "1", revoked)


def _picker_view(badge: str, fields: dict[str, str], state: AuthState) -> PickerView:
    return PickerView(fields["picker"], fields["warehouse"], badge, fields.get("name", ""), state.disabled)


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


class Accounts:
    def __init__(self, store: AccountStore, limit: int = 5, address_limit: int = 50, window_s: int = 300) -> None:
        self.store = store
        self.limit = limit
        self.address_limit = address_limit
        self.window_s = window_s

    # -- logging in ----------------------------------------------------------------------------

    async def _admit(self, subject: str, address: str) -> None:
        """Count, then check. The subject-wide counter only sees attempts its address was allowed to
        make: one address hammering a badge locks itself out, not the badge everywhere."""
        here, everywhere = await self.store.count_attempts([f"{subject}@{address}", f"addr:{address}"], self.window_s)
        if here > self.limit or everywhere > self.address_limit:
            raise self._locked()
        [overall] = await self.store.count_attempts([subject], self.window_s)
        if overall > 4 * self.limit:
            raise self._locked()

    def _locked(self) -> TooManyAttemptsError:
        return TooManyAttemptsError(f"too many failed logins: wait {max(1, self.window_s // 60)} minutes")

    async def _succeeded(self, subject: str, address: str) -> None:
        await self.store.forgive_attempts([f"{subject}@{address}"], [f"addr:{address}", subject], self.window_s)

    async def login_picker(self, badge: str, pin: str, address: str) -> Identity:
        subject = f"badge:{badge}"
        await self._admit(subject, address)
        fields = await self.store.badge(badge)
        ok = await asyncio.to_thread(verify_secret, pin, fields.get("pin") or DUMMY_HASH)
        state = _auth_state(await self.store.auth_state(picker_sid(fields["warehouse"], fields["picker"]))) \
            if fields else None
        if state is None or not ok or state.disabled:
            raise AuthError("unknown badge or wrong PIN")
        await self._succeeded(subject, address)
        return Identity("picker", fields["picker"], fields["warehouse"], state.epoch)

    async def login_user(self, username: str, password: str, address: str) -> Identity:
        subject = f"user:{username}"
        await self._admit(subject, address)
        fields = await self.store.user(username)
        ok = await asyncio.to_thread(verify_secret, password, fields.get("password") or DUMMY_HASH)
        state = _auth_state(await self.store.auth_state(user_sid(username))) if fields else None
        if state is None or not ok or state.disabled:
            raise AuthError("unknown user or wrong password")
        await self._succeeded(subject, address)
        warehouses = _split(fields["warehouses"])
        scope = "*" if "*" in warehouses else warehouses[0]  # a token has one scope: the first warehouse
        return Identity(fields["role"], username, scope, state.epoch, _split(fields.get("channels", "")))

    # -- administering accounts -----------------------------------------------------------------

    async def put_picker(self, picker: Picker, pin: str) -> None:
        """Create or replace (demo, imports). The admin API uses :meth:`create_picker`."""
        await self.store.put_picker(picker, await asyncio.to_thread(hash_secret, pin))

    async def put_user(self, user: User, password: str) -> None:
        """Create or replace (demo, imports). The admin API uses :meth:`create_user`."""
        await self.store.put_user(user, await asyncio.to_thread(hash_secret, password))

    async def create_user(self, new: NewUser) -> UserView:
        """A new user; 422 with the reasons when the request is inconsistent, 409 when the name is taken."""
        problems = new_user_problems(new)
        if problems:
            raise ValidationError("; ".join(problems))
        if await self.store.user(new.username) or not await self.store.claim("user", new.username):
            raise ConflictError(f"user '{new.username}' exists (reset its password or enable it instead)")
        await self.put_user(User(new.username, new.role, list(new.warehouses), list(new.channels)), new.password)
        return await self.user(new.username)

    async def create_picker(self, new: NewPicker) -> PickerView:
        """A new picker of an existing warehouse (the caller checks it); 409 when badge or id is taken."""
        if await self.store.picker_known(new.warehouse, new.picker_id):
            raise ConflictError(f"picker '{new.picker_id}' exists in {new.warehouse}")
        if await self.store.badge(new.badge) or not await self.store.claim("badge", new.badge):
            raise ConflictError(f"badge '{new.badge}' is taken")
        await self.put_picker(Picker(new.picker_id, new.warehouse, new.badge, new.name), new.pin)
        return await self.picker(new.badge)

    async def user(self, username: str) -> UserView:
        fields = await self.store.user(username)
        if not fields:
            raise NotFoundError(f"user '{username}' does not exist")
        state = _auth_state(await self.store.auth_state(user_sid(username)))
        return UserView(username, fields["role"], _split(fields["warehouses"]), _split(fields.get("channels", "")),
                        state.disabled)

    async def picker(self, badge: str) -> PickerView:
        fields = await self.store.badge(badge)
        if not fields:
            raise NotFoundError(f"badge '{badge}' does not exist")
        state = _auth_state(await self.store.auth_state(picker_sid(fields["warehouse"], fields["picker"])))
        return _picker_view(badge, fields, state)

    async def users(self) -> list[UserView]:
        rows = [(name, fields) for name, fields in await self.store.all_users() if fields]
        states = await self.store.auth_states([user_sid(name) for name, _ in rows])
        return [UserView(name, f["role"], _split(f["warehouses"]), _split(f.get("channels", "")),
                         _auth_state(state).disabled) for (name, f), state in zip(rows, states, strict=True)]

    async def pickers(self, warehouse: str | None = None) -> list[PickerView]:
        rows = [(badge, f) for badge, f in await self.store.all_badges()
                if f and (warehouse is None or f["warehouse"] == warehouse)]
        states = await self.store.auth_states([picker_sid(f["warehouse"], f["picker"]) for _, f in rows])
        return [_picker_view(badge, f, _auth_state(state)) for (badge, f), state in zip(rows, states, strict=True)]

    async def set_user_disabled(self, username: str, disabled: bool) -> UserView:
        """Disable: logins refused and every token of the user ends (all nodes within a second)."""
        await self.user(username)  # 404
        await self._set_disabled(user_sid(username), disabled)
        return await self.user(username)

    async def set_picker_disabled(self, badge: str, disabled: bool) -> PickerView:
        picker = await self.picker(badge)
        await self._set_disabled(picker_sid(picker.warehouse, picker.picker_id), disabled)
        return await self.picker(badge)

    async def _set_disabled(self, sid: str, disabled: bool) -> None:
        if disabled:
            await self.store.end_tokens(sid, disable=True)
        else:
            await self.store.enable(sid)

    async def reset_password(self, username: str, password: str) -> UserView:
        """New password; the user's tokens end and its lock-out over all addresses is lifted."""
        await self.user(username)
        await self.store.set_password(username, await asyncio.to_thread(hash_secret, password))
        await self.store.end_tokens(user_sid(username))
        await self.store.forgive_attempts([f"user:{username}"], [], self.window_s)
        return await self.user(username)

    async def reset_pin(self, badge: str, pin: str) -> PickerView:
        picker = await self.picker(badge)
        await self.store.set_pin(badge, await asyncio.to_thread(hash_secret, pin))
        await self.store.end_tokens(picker_sid(picker.warehouse, picker.picker_id))
        await self.store.forgive_attempts([f"badge:{badge}"], [], self.window_s)
        return await self.picker(badge)

    # -- tokens: state, logout, tickets ---------------------------------------------------------

    async def auth_state(self, sid: str) -> AuthState:
        return _auth_state(await self.store.auth_state(sid))

    async def revoke(self, principal: Principal) -> None:
        """Logout: this token stops working (until it would have expired anyway)."""
        await self.store.revoke(principal.sid, principal.jti, principal.expires_ms)

    async def issue_ticket(self, principal: Principal, ttl_s: int) -> tuple[str, int]:
        """A single-use WebSocket ticket standing for ``principal`` for ``ttl_s``: (ticket, expires ms)."""
        ticket = secrets.token_urlsafe(24)
        digest = hashlib.sha256(ticket.encode()).hexdigest()
        await self.store.put_ticket(digest, msgspec.json.encode(principal), ttl_s)
        return ticket, int((time.time() + ttl_s) * 1000)

    async def redeem_ticket(self, ticket: str) -> Principal | None:
        """The principal a ticket stands for, once; None for an unknown, used or expired ticket."""
        if not 1 <= len(ticket) <= 64:
            return None
        claims = await self.store.take_ticket(hashlib.sha256(ticket.encode()).hexdigest())
        if claims is None:
            return None
        principal = msgspec.json.decode(claims, type=Principal)
        return principal if principal.expires_ms > time.time() * 1000 else None

    async def revocations_after(self, after: str) -> list[tuple[str, Revocation]]:
        return await self.store.revocations_after(after)

    async def last_revocation_id(self) -> str:
        return await self.store.last_revocation_id()
