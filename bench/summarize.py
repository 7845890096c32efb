"""Markdown rows from scan_loop.py JSON results: ``python bench/summarize.py bench/results/*.json``."""

from __future__ import annotations

import json
import statistics
import sys


def main() -> None:
    rows = [json.load(open(path)) | {"file": path} for path in sys.argv[1:]]  # noqa: SIM115
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
