"""Redis's cost of the scan script alone (no web node, no client): µs per call from ``INFO commandstats``.

Loads bench/scan_loop.py's warehouse, gives each variant its own pickers (one long task each), and
drives every task through the scan script directly (a location scan, then one item scan per unit),
``--block`` calls per pipeline. With ``--against DIR`` (another checkout, e.g. ``git archive <commit>``
unpacked) that tree's scan script is loaded next to this one's and the two take turns block by block
on the same Redis, so the machine's swings hit both alike; the report is each variant's median and
quartile of µs per call over the blocks, and the ratio of the medians.

    PYTHONPATH=. .venv/bin/python bench/scan_script.py
    PYTHONPATH=. .venv/bin/python bench/scan_script.py --against /tmp/old   # A/B against another tree
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import redis  # noqa: E402

from bench.scan_loop import WAREHOUSE, load  # noqa: E402
from bench.stack import Redis  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.store import keys  # noqa: E402

_BUILD = ("from importlib import resources; from floor.store import scripts; "
          "print(scripts.build('scan', (resources.files('floor.picking') / 'lua' / 'scan.lua').read_text()).source, end='')")


def source_of(tree: str) -> str:
    """The scan script as the checkout at ``tree`` builds it."""
    return subprocess.run([sys.executable, "-c", _BUILD], cwd=tree, env={**os.environ, "PYTHONPATH": tree},
                          capture_output=True, text=True, check=True).stdout


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = Redis()
    try:
        url = server.url
        variants = {"this tree": source_of(str(Path(__file__).resolve().parent.parent))}
        if args.against:
            variants[f"against {args.against}"] = source_of(args.against)
        per = args.pickers
        await load(url, per * len(variants), args.steps, 1)
        floor = Floor.from_url(url, default_warehouse=WAREHOUSE)
        await floor.start()
        picking = floor.picking
        plain = redis.Redis.from_url(url)
        shas = {name: plain.script_load(source) for name, source in variants.items()}
        calls: dict[str, list[tuple[Any, ...]]] = {}
        for v, name in enumerate(variants):
            plans = []
            for k in range(per):
                n = v * per + k
                picker = f"p{n}"
                await picking.join(WAREHOUSE, picker, f"bench-{n}", 3_600_000)
                task = await picking.task(WAREHOUSE, await picking.assign(WAREHOUSE, picker))
                plan = []
                for s, step in enumerate(task.steps):
                    plan.append(picking.scan_args(picker, task.task_id, f"{n}-L{s}", step.location, 1))
                    plan += [picking.scan_args(picker, task.task_id, f"{n}-I{s}-{u}", step.gtin, 1)
                             for u in range(step.quantity)]
                plans.append(plan)
            longest = max(len(p) for p in plans)  # the pickers' scans interleaved, each picker's in order
            calls[name] = [p[i] for i in range(longest) for p in plans if i < len(p)]
        stream, prefix = keys.key(WAREHOUSE, "events"), keys.prefix(WAREHOUSE)
        per_call: dict[str, list[float]] = {name: [] for name in variants}
        verdicts: dict[str, dict[str, int]] = {name: {} for name in variants}
        blocks = min(len(c) for c in calls.values()) // args.block
        for b in range(blocks):
            for name in variants:
                before = plain.info("commandstats")["cmdstat_evalsha"]
                pipe = plain.pipeline(transaction=False)
                for argv in calls[name][b * args.block:(b + 1) * args.block]:
                    pipe.evalsha(shas[name], 1, stream, prefix, *argv)
                replies = pipe.execute()
                after = plain.info("commandstats")["cmdstat_evalsha"]
                per_call[name].append((after["usec"] - before["usec"]) / (after["calls"] - before["calls"]))
                for _repeat, verdict in replies:
                    v = json.loads(verdict)["verdict"]
                    verdicts[name][v] = verdicts[name].get(v, 0) + 1
        await floor.close()
        out: dict[str, Any] = {"bench": "scan-script", "blocks": blocks, "block": args.block,
                               "load_avg_end": os.getloadavg(), "variants": {}}
        for name, values in per_call.items():
            values.sort()
            out["variants"][name] = {"median_us": round(statistics.median(values), 1),
                                     "p25_us": round(values[len(values) // 4], 1),
                                     "p75_us": round(values[3 * len(values) // 4], 1), "verdicts": verdicts[name]}
        if args.against:
            a, b = (v["median_us"] for v in out["variants"].values())
            out["ratio_this_over_against"] = round(a / b, 2)
        return out
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pickers", type=int, default=8, help="pickers per variant")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--block", type=int, default=100, help="script calls per pipeline (one measurement)")
    parser.add_argument("--against", default="", help="another checkout whose scan script is compared")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=1))


if __name__ == "__main__":
    main()
