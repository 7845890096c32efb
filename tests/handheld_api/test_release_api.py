"""Release policies through a running server: edit the policy, and the node's release loop gives an
idle picker a tour by itself; the decision is visible through the API (issue 11)."""

from __future__ import annotations

import asyncio
import time

import httpx

from floor.floor import Floor
from tests.live import LiveApp


async def test_policy_edit_and_continuous_release_on_a_live_node(live_app: LiveApp, small_demo: Floor) -> None:
    app, w = live_app, live_app.warehouse
    url, params = f"{app.url}/api/release", {"warehouse": w}
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await client.get(f"{url}/policy", params=params, headers=app.headers("picker"))).status_code == 403
        bad = await client.put(f"{url}/policy", params=params, headers=app.headers(), json={"mode": "cutoff"})
        assert bad.status_code == 422 and "cut-off" in bad.json()["reason"]
        assert (await client.get(f"{url}/policy", params=params, headers=app.headers())).json()["policy"]["mode"] == "manual"
        good = await client.put(f"{url}/policy", params=params, headers=app.headers(),
                                json={"mode": "continuous", "cart_capacity": 6, "group_by": ["profile"]})
        assert good.status_code == 200 and good.json()["updated_by"]
        try:
            picker = app.pickers[0][0]
            await small_demo.picking.join(w, picker, "sock-api", 60_000)
            assert await small_demo.picking.assign(w, picker) == ""  # idle: nothing released yet
            deadline = time.monotonic() + 10
            decisions: list = []
            while not decisions and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                decisions = (await client.get(f"{url}/decisions", params=params, headers=app.headers())).json()
            assert decisions, "the node's release loop released nothing for the idle picker"
            assert decisions[0]["mode"] == "continuous" and "idle" in decisions[0]["reason"]
            assert decisions[0]["orders"] and decisions[0]["waves"]
            assert await small_demo.picking.assign(w, picker) != ""  # the tour went to the picker
            late = await client.get(f"{url}/late", params=params, headers=app.headers())
            assert late.status_code == 200 and late.json() == []  # no ship-by: nothing at risk
        finally:
            await client.put(f"{url}/policy", params=params, headers=app.headers(), json={"mode": "manual"})
