"""Markdown rows from scan_loop.py JSON results: ``python bench/summarize.py bench/results/*.json``."""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any


def phase_rows(rows: list[dict[str, Any]]) -> None:
    """Results with phases (one row per phase): latency, CPU per scan, the issue-12 ratios."""
    print("| run | nodes | Redis | ws / pipeline | offered/s | p50 ms | p99 ms | lost | web µs/scan (per node) "
          "| Redis main-thread µs/scan | web / Redis CPU | scans per write | load avg | EVAL c=1 / c=50 rps |")
    print("|" + "---|" * 14)
    for r in rows:
        rb = r.get("redis_benchmark", {})
        for p in r["phases"]:
            per_node = ", ".join(f"{v:.0f}" for k, v in sorted(p["cpu_us_per_scan"].items()) if k.startswith("web"))
            print(f"| {r['file'].split('/')[-1].removesuffix('.json')} | {r['nodes']} | "
                  f"{'cluster' if 'cluster' in r['redis'] else 'one'} | {r['ws']} / {r['pipeline']} | "
                  f"{p['offered_per_s']:.0f} | {p['p50_ms']:.2f} | {p['p99_ms']:.1f} | {p['lost']} | "
                  f"{p['server_cpu_us_per_scan']:.0f} ({per_node}) | {p['redis_main_thread_cpu_us_per_scan']:.0f} | "
                  f"{p['web_over_redis_cpu']} | {p.get('calls_per_write')} | {p.get('loadavg_1m', 0):.1f} | "
                  f"{rb.get('eval_c1_rps', 0):.0f} / {rb.get('eval_c50_rps', 0):.0f} |")
    for r in rows:
        ratios = r["ratios"]
        print(f"- {r['file'].split('/')[-1]}: web/Redis CPU {ratios['web_over_redis_cpu']}; best rate with p99 <= 15 ms "
              f"and 0 lost {ratios['best_rate_p99_ok']:.0f}/s = {ratios['best_rate_over_eval_c50']} of EVAL c=50 "
              f"({ratios['eval_c50_rps']:.0f}/s)")


def main() -> None:
    rows = [json.load(open(path)) | {"file": path} for path in sys.argv[1:]]  # noqa: SIM115
    if rows and all("phases" in r for r in rows):
        phase_rows(rows)
        return
    print("| run | server | nodes | pickers | offered/s | answered/s | p50 ms | p99 ms | p99.9 ms | max ms "
          "| lost | doubled | non-ok | web µs CPU/scan | Redis µs CPU/scan | redis-benchmark EVAL p50 ms (c=1 / c=50) |")
    print("|" + "---|" * 16)
    for r in rows:
        non_ok = sum(n for v, n in r["verdicts"].items() if v != "ok")
        rb = r.get("redis_benchmark", {})
        print(f"| {r['file'].split('/')[-1]} | {r['server']} | {r['nodes']} | {r['pickers']} | "
              f"{r.get('offered_per_s', r['target_rate'])} | {r['throughput_per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
              f"{r['p999_ms']} | {r['max_ms']} | {r['lost']} | {r['doubled']} | {non_ok} | {r['server_cpu_us_per_scan']} | "
              f"{r['redis_cpu_us_per_scan']} | {rb.get('eval_c1_p50_ms')} / {rb.get('eval_c50_p50_ms')} |")
    if len(rows) > 1:
        for key in ("throughput_per_s", "p50_ms", "p99_ms", "p999_ms"):
            print(f"median {key}: {statistics.median(r[key] for r in rows)}")


if __name__ == "__main__":
    main()
