"""Login lock-out against a real Redis: counted before the check, per badge x address, per address,
per subject; good logins never count; unknown badges cost the same as known ones."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from floor.accounts.model import _ITERATIONS, DUMMY_HASH, Picker, User, hash_secret
from floor.accounts.service import Accounts, TooManyAttemptsError
from floor.core.errors import AuthError
from floor.floor import Floor

_addresses = itertools.count(1)


def address() -> str:
    """A client address of the test's own (the counters are global and the Redis is shared)."""
    return f"10.{next(_addresses) // 250}.{next(_addresses) % 250}.9"


async def outcomes(calls: list) -> dict[str, int]:  # type: ignore[type-arg]
    results = await asyncio.gather(*calls, return_exceptions=True)
    seen = {"ok": 0, "401": 0, "429": 0}
    for result in results:
        if isinstance(result, TooManyAttemptsError):
            seen["429"] += 1
        elif isinstance(result, AuthError):
            seen["401"] += 1
        elif isinstance(result, BaseException):
            raise result
        else:
            seen["ok"] += 1
    return seen


async def test_1000_parallel_guesses_reach_the_pin_check_only_limit_times(floor: Floor, warehouse: str) -> None:
    badge = f"{warehouse}LB1"
    await floor.accounts.put_picker(Picker(f"{warehouse}lp1", warehouse, badge, "Lock"), "4321")
    where = address()
    seen = await outcomes([floor.accounts.login_picker(badge, f"{n % 10000:04d}", where) for n in range(1000)])
    # "4321" is among the guesses, but only the first `limit` attempts are checked at all.
    assert seen["401"] + seen["ok"] == floor.accounts.limit == 5
    assert seen["429"] == 995
    with pytest.raises(TooManyAttemptsError):  # even the right PIN, from that address
        await floor.accounts.login_picker(badge, "4321", where)
    # The picker's own handheld (another address) still logs in: a stranger cannot lock a badge out.
    assert (await floor.accounts.login_picker(badge, "4321", address())).subject == f"{warehouse}lp1"


async def test_one_address_walking_badge_numbers_is_stopped_by_the_address_limit(floor: Floor, warehouse: str) -> None:
    accounts = Accounts(floor.accounts.store, limit=5, address_limit=20, window_s=60)
    where = address()
    seen = await outcomes([accounts.login_picker(f"{warehouse}-walk-{n:04d}", "0000", where) for n in range(100)])
    assert seen == {"ok": 0, "401": 20, "429": 80}


async def test_a_distributed_guess_at_one_badge_is_bounded_by_the_subject_limit(floor: Floor, warehouse: str) -> None:
    badge = f"{warehouse}LB2"
    await floor.accounts.put_picker(Picker(f"{warehouse}lp2", warehouse, badge, "Spread"), "4321")
    seen = await outcomes([floor.accounts.login_picker(badge, "0000", address()) for _ in range(100)])
    assert seen["401"] == 4 * floor.accounts.limit and seen["429"] == 100 - 20


async def test_good_logins_do_not_count_against_the_address(floor: Floor, warehouse: str) -> None:
    """A shift starting at one reception PC: 60 good logins from one address, then a wrong one is a 401."""
    accounts = Accounts(floor.accounts.store, limit=5, address_limit=10, window_s=60)
    username = f"{warehouse}-reception"
    await accounts.put_user(User(username, "supervisor", [warehouse]), "a good password")
    where = address()
    for _ in range(60):
        assert (await accounts.login_user(username, "a good password", where)).warehouse == warehouse
    with pytest.raises(AuthError) as wrong:
        await accounts.login_user(username, "wrong", where)
    assert not isinstance(wrong.value, TooManyAttemptsError)


async def test_unknown_and_disabled_accounts_look_like_wrong_secrets(floor: Floor, warehouse: str) -> None:
    assert hash_secret("not a secret", salt=bytes(12)) == DUMMY_HASH  # same cost as a real PIN check
    assert f"${_ITERATIONS}$" in DUMMY_HASH
    with pytest.raises(AuthError, match="unknown badge or wrong PIN"):
        await floor.accounts.login_picker(f"{warehouse}-nobody", "1234", address())
    badge = f"{warehouse}LB3"
    await floor.accounts.put_picker(Picker(f"{warehouse}lp3", warehouse, badge, "Off"), "4321")
    await floor.accounts.set_picker_disabled(badge, True)
    with pytest.raises(AuthError, match="unknown badge or wrong PIN"):
        await floor.accounts.login_picker(badge, "4321", address())
