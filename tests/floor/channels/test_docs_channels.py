"""docs/channels.md shows the adapters' status tables as they are (a changed table fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from floor.channels.adapters import douyin, jd, shopify, taobao

DOC = (Path(__file__).resolve().parents[3] / "docs" / "channels.md").read_text()


@pytest.mark.parametrize("table", [taobao.STATES, jd.STATES, douyin.STATES, shopify.FINANCIAL],
                         ids=["taobao", "jd", "douyin", "shopify"])
def test_status_rows(table: dict[str, str]) -> None:
    for status, state in table.items():
        assert f"| `{status}` | {state} |" in DOC, f"docs/channels.md lacks the row {status} -> {state}"


def test_every_route_is_documented() -> None:
    for route in ("POST /api/channels/shops", "GET /api/channels/shops", "/api/channels/{channel}/{shop}/skus",
                  "/api/channels/{channel}/{shop}/orders/", "/api/channels/{channel}/{shop}/held",
                  "/api/channels/{channel}/{shop}/webhook"):
        assert route.split(" ")[-1] in DOC, route
