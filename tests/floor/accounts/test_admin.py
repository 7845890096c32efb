"""Admin use cases and token state against a real Redis: create, list (no hashes), disable, enable,
reset; epochs, revoked token ids, single-use tickets; channel bindings."""

from __future__ import annotations

import asyncio
import time

import msgspec
import pytest

from floor.accounts.model import (
    NewPicker,
    NewUser,
    Principal,
    binding_admits,
    binding_problem,
    picker_sid,
    user_sid,
)
from floor.core.errors import AuthError, ConflictError, NotFoundError, ValidationError
from floor.floor import Floor


def new_user(name: str, role: str = "supervisor", **fields: object) -> NewUser:
    return msgspec.convert({"username": name, "role": role, "password": "long enough pw", "warehouses": ["*"],
                            **fields}, NewUser)


async def test_users_and_pickers_are_created_listed_without_hashes_and_refused_twice(
    floor: Floor, warehouse: str
) -> None:
    accounts = floor.accounts
    view = await accounts.create_user(new_user(f"{warehouse}-ch", "channel", channels=["jd", "tmall:shop1"]))
    assert view.channels == ["jd", "tmall:shop1"] and not view.disabled
    with pytest.raises(ConflictError):
        await accounts.create_user(new_user(f"{warehouse}-ch"))
    picker = await accounts.create_picker(NewPicker(f"{warehouse}np1", warehouse, f"{warehouse}NB1", "New", "2468"))
    assert picker.badge == f"{warehouse}NB1"
    with pytest.raises(ConflictError):  # the badge is taken
        await accounts.create_picker(NewPicker(f"{warehouse}np2", warehouse, f"{warehouse}NB1", "Other", "1357"))
    with pytest.raises(ConflictError):  # the picker id is taken in this warehouse
        await accounts.create_picker(NewPicker(f"{warehouse}np1", warehouse, f"{warehouse}NB2", "Other", "1357"))
    users = await accounts.users()
    pickers = await accounts.pickers(warehouse)
    assert f"{warehouse}-ch" in {u.username for u in users} and [p.picker_id for p in pickers] == [f"{warehouse}np1"]
    listed = msgspec.json.encode([users, pickers]).decode()
    assert "pbkdf2" not in listed and "password" not in listed and '"pin"' not in listed
    identity = await accounts.login_user(f"{warehouse}-ch", "long enough pw", "10.9.0.1")
    assert identity.role == "channel" and identity.channels == ["jd", "tmall:shop1"] and identity.warehouse == "*"
    await accounts.create_user(new_user(f"{warehouse}-two", warehouses=[warehouse, "ZZ9"]))
    assert (await accounts.login_user(f"{warehouse}-two", "long enough pw", "10.9.0.1")).warehouse == warehouse


async def test_inconsistent_users_are_refused_with_reasons(floor: Floor, warehouse: str) -> None:
    cases = [
        (new_user(f"{warehouse}-a", "picker"), "role must be one of"),
        (new_user(f"{warehouse}-b", "channel"), "at least one channel binding"),
        (new_user(f"{warehouse}-c", "supervisor", channels=["jd"]), "only channel users"),
        (new_user(f"{warehouse}-d", "channel", channels=["ebay"]), "unknown channel 'ebay'"),
        (new_user(f"{warehouse}-e", "admin", warehouses=["*", "W1"]), "either ['*']"),
    ]
    for user, reason in cases:
        with pytest.raises(ValidationError, match=reason.replace("[", r"\[").replace("*", r"\*")):
            await floor.accounts.create_user(user)
    assert not {f"{warehouse}-{x}" for x in "abcde"} & {u.username for u in await floor.accounts.users()}
    with pytest.raises(NotFoundError):
        await floor.accounts.set_user_disabled(f"{warehouse}-nobody", True)


async def test_disable_bumps_the_epoch_enable_allows_login_again_and_reset_ends_tokens(
    floor: Floor, warehouse: str
) -> None:
    accounts = floor.accounts
    badge = f"{warehouse}DB1"
    await accounts.create_picker(NewPicker(f"{warehouse}dp1", warehouse, badge, "Dis", "2468"))
    sid = picker_sid(warehouse, f"{warehouse}dp1")
    first = await accounts.login_picker(badge, "2468", "10.9.1.1")
    assert first.epoch == (await accounts.auth_state(sid)).epoch
    assert (await accounts.set_picker_disabled(badge, True)).disabled
    assert (await accounts.auth_state(sid)).epoch == first.epoch + 1
    with pytest.raises(AuthError):
        await accounts.login_picker(badge, "2468", "10.9.1.2")
    assert not (await accounts.set_picker_disabled(badge, False)).disabled
    again = await accounts.login_picker(badge, "2468", "10.9.1.3")
    assert again.epoch == first.epoch + 1  # the old token's epoch stays behind: it stays ended
    await accounts.reset_pin(badge, "9753")
    assert (await accounts.auth_state(sid)).epoch == again.epoch + 1
    with pytest.raises(AuthError):
        await accounts.login_picker(badge, "2468", "10.9.1.4")
    assert (await accounts.login_picker(badge, "9753", "10.9.1.4")).subject == f"{warehouse}dp1"


async def test_logout_revokes_one_token_id_and_forgets_expired_ones(floor: Floor, warehouse: str) -> None:
    accounts = floor.accounts
    now_ms = int(time.time() * 1000)
    old = Principal("supervisor", f"{warehouse}-sup", warehouse, now_ms - 1, jti="old")
    current = Principal("supervisor", f"{warehouse}-sup", warehouse, now_ms + 60_000, jti="current")
    await accounts.revoke(old)
    await accounts.revoke(current)
    state = await accounts.auth_state(user_sid(f"{warehouse}-sup"))
    assert state.revoked == {"current"}  # "old" had expired: forgotten when "current" was revoked
    after = await accounts.last_revocation_id()
    await accounts.revoke(Principal("supervisor", f"{warehouse}-sup", warehouse, now_ms + 60_000, jti="third"))
    [(_id, revocation)] = await accounts.revocations_after(after)
    assert revocation.sid == user_sid(f"{warehouse}-sup") and revocation.jti == "third"


async def test_tickets_work_once_and_expire(floor: Floor, warehouse: str) -> None:
    accounts = floor.accounts
    principal = Principal("picker", f"{warehouse}p1", warehouse, int(time.time() * 1000) + 60_000, jti="t1")
    ticket, expires_ms = await accounts.issue_ticket(principal, 30)
    assert len(ticket) >= 32 and expires_ms > time.time() * 1000 + 25_000
    assert await accounts.redeem_ticket(ticket) == principal
    assert await accounts.redeem_ticket(ticket) is None  # single use
    results = await asyncio.gather(*[accounts.redeem_ticket(t) for t in [(await accounts.issue_ticket(principal, 30))[0]] * 20])
    assert sum(result is not None for result in results) == 1  # GETDEL: one of twenty racing connects wins
    short, _ = await accounts.issue_ticket(principal, 1)
    await asyncio.sleep(1.2)
    assert await accounts.redeem_ticket(short) is None
    assert await accounts.redeem_ticket("x" * 65) is None and await accounts.redeem_ticket("") is None


def test_channel_bindings() -> None:
    assert binding_admits(["tmall"], "tmall", "") and binding_admits(["tmall"], "tmall", "any-shop")
    assert binding_admits(["tmall:s1"], "tmall", "s1")
    assert not binding_admits(["tmall:s1"], "tmall", "s2") and not binding_admits(["tmall:s1"], "tmall", "")
    assert not binding_admits(["jd"], "tmall", "") and not binding_admits([], "jd", "")
    assert binding_problem("jd") is None and binding_problem("tmall:shop-1.a_b") is None
    assert "unknown channel" in str(binding_problem("ebay"))
    assert "shop" in str(binding_problem("tmall:")) and "shop" in str(binding_problem("tmall:ш"))
