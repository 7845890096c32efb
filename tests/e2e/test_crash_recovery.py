"""kill -9 of the web node and of redis-server mid-run: no acknowledged scan lost or doubled.

A shortened run of bench/crash.py (the same functions, so the test and the benchmark cannot
drift): 10 handhelds scanning 100/s for 15 s against a real redis-server (AOF, appendfsync
always) and a real uvicorn node. The node is killed halfway through a Redis stall (so scans it
had sent are applied after it died and their verdicts never reach the handheld) and started
again on the same port; later redis-server is killed and restarted from its AOF (half the
handhelds drop their sockets meanwhile and reconnect against a node whose store is down); at the
end Redis stalls for 1.5 s, past the node's 1 s timeout (`unavailable` answers for scans Redis
still applies). Then every verdict the handhelds got is checked against Redis
(bench/crash_check.py), and the same check is shown to catch a planted double and a planted
loss, so it cannot pass by looking at nothing.
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis

from bench.crash import CrashSettings, run
from bench.crash_check import Acknowledged, verify
from bench.scan_loop import WAREHOUSE
from floor.store import keys


async def plant_double_and_loss(redis_url: str, acked: Acknowledged) -> dict[str, Any]:
    """Doctor the store after the run: one ok item scan picked twice, one acknowledged scan's record gone."""
    doubled, lost = sorted(acked.ok_items())[:2]
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await client.xadd(keys.key(WAREHOUSE, "units"), {"type": "picked", "data": json.dumps(
            {"picker": doubled[0], "scan_id": doubled[1], "quantity": 1})})
        await client.delete(keys.key(WAREHOUSE, "scan", *lost))
    finally:
        await client.aclose()
    findings = await verify(redis_url, WAREHOUSE, acked)
    return {"doubled": findings.doubled, "lost": findings.lost, "clean": findings.clean}


async def test_kill_web_then_redis_loses_and_doubles_no_acknowledged_scan() -> None:
    settings = CrashSettings(handhelds=10, rate=100, seconds=15, web_kill_at=0.2, redis_kill_at=0.5,
                             redis_down_s=1.0, stall_ms=400, roam_percent=50, stall_at=0.85,
                             stall_alone_ms=1500, drain_s=30)
    summary = await run(settings, after=plant_double_and_loss)
    report = json.dumps({k: v for k, v in summary.items() if k != "settings"})

    assert summary["outbox_left"] == 0, report  # every scan got its verdict in the end
    assert summary["lost"] == 0, report
    assert summary["doubled"] == 0, report
    assert summary["phantom"] == 0, report
    assert summary["mismatched"] == 0, report
    assert summary["task_mismatches"] == [], report
    assert summary["counters_match"], report
    assert summary["ok"], report

    # The run did go through what it claims to test.
    assert [k["what"] for k in summary["kills"]] == ["web", "redis", "redis_stall"]
    assert summary["acknowledged"] >= 0.6 * settings.rate * settings.seconds, report
    assert summary["acknowledged_ok_items"] >= 0.3 * summary["acknowledged"], report
    assert summary["duplicates_seen"] > 0, report  # scans applied after the node died were re-sent
    assert summary["resent"] > 0 and summary["reconnects"] >= settings.handhelds, report
    assert summary["unavailable_errors"] > 0 and summary["connect_failures"] > 0, report
    assert summary["dropped_on_purpose"] == 5 and summary["fatal_closes"] == 0, report

    # ... and the check is not blind: a planted double and a planted loss are both reported.
    assert summary["after"] == {"doubled": 1, "lost": 1, "clean": False}, report
