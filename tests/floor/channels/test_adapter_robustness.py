"""Every field of every fixture replaced by every wrong JSON type: the adapter returns an order or
raises AdapterError naming the problem (the webhook's 400), never anything else (a 500)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from floor.channels.adapters import AdapterError, adapt
from floor.channels.address import normalise
from tests.floor.channels import fixtures as fx

WRONG: list[Any] = [None, 0, -1, 10**20, "", "x", "１２", [], {}, True, Decimal("1.5"), [{}], {"name": {}}]
CASES = [("tmall", fx.taobao_trade), ("jd", fx.jd_order), ("pinduoduo", fx.pdd_order),
         ("douyin", fx.douyin_order), ("shopify", fx.shopify_order), ("own_site", fx.own_site_order)]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from paths(item, (*prefix, index))


def replaced(payload: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(payload)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


@pytest.mark.parametrize(("channel", "make"), CASES, ids=[c for c, _ in CASES])
def test_wrong_types_anywhere_are_a_clear_refusal(channel: str, make: Any) -> None:
    base = fx.deep(fx.douyin_order() if channel == "douyin" else make())
    base = replaced(base, ("order_info", "pay_amount"), Decimal("19.9")) if channel == "pinduoduo" else base
    if channel == "pinduoduo":
        base["order_info"]["item_list"][0]["goods_price"] = Decimal("19.9")
    tried = 0
    for path in list(paths(base)):
        for value in WRONG:
            try:
                order = adapt(channel, "s1", replaced(base, path, value))
            except AdapterError:
                continue
            normalise(order.address)  # the next step must not break on what the adapter let through
            tried += 1
    assert tried > 0  # some replacements are harmless (optional text fields) and must pass
