"""Same-run Redis baselines and CPU accounting for bench/scan_loop.py.

- :func:`redis_benchmark`: ``redis-benchmark -n 50000 --csv eval "return 1" 0`` with 1 and 50 clients
  (p50 round trip and requests/s) against the Redis the run used.
- :class:`RedisCpu`: Redis's own CPU (``INFO cpu``: main thread user+sys, the thread that runs the
  scripts, and the whole process) and ``INFO commandstats`` (``evalsha`` calls and µs spent in them),
  read before and after a phase, summed over the masters of a cluster.
- :func:`ratios`: the two figures issue 12 asks for.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import redis


def redis_benchmark(port: int, requests: int = 50_000) -> dict[str, float]:
    binary = shutil.which("redis-benchmark")
    if binary is None:
        return {}
    result = {}
    for clients in (1, 50):
        out = subprocess.run(
            [binary, "-p", str(port), "-n", str(requests), "-c", str(clients), "--csv", "eval", "return 1", "0"],
            capture_output=True, text=True, timeout=300,
        ).stdout.strip().splitlines()
        header = [h.strip('"') for h in out[0].split(",")]
        values = [v.strip('"') for v in out[-1].split(",")]
        row = dict(zip(header, values, strict=False))
        result[f"eval_c{clients}_p50_ms"] = float(row["p50_latency_ms"])
        result[f"eval_c{clients}_rps"] = float(row["rps"])
    return result


class RedisCpu:
    """Counters of one or more Redis servers (the masters of a cluster), read over plain connections."""

    def __init__(self, ports: list[int]) -> None:
        self.clients = [redis.Redis(port=port, decode_responses=True) for port in ports]

    def read(self) -> dict[str, float]:
        totals: dict[str, float] = {"main_cpu_s": 0.0, "process_cpu_s": 0.0, "evalsha_calls": 0.0, "evalsha_usec": 0.0}
        for client in self.clients:
            cpu = client.info("cpu")
            totals["main_cpu_s"] += float(cpu.get("used_cpu_user_main_thread", cpu["used_cpu_user"])) + float(
                cpu.get("used_cpu_sys_main_thread", cpu["used_cpu_sys"]))
            totals["process_cpu_s"] += float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])
            stats = client.info("commandstats")
            for name, row in stats.items():
                totals[f"usec:{name[8:]}"] = totals.get(f"usec:{name[8:]}", 0.0) + float(row["usec"])
                totals[f"calls:{name[8:]}"] = totals.get(f"calls:{name[8:]}", 0.0) + float(row["calls"])
            for name in ("cmdstat_evalsha", "cmdstat_eval"):
                if name in stats:
                    totals["evalsha_calls"] += float(stats[name]["calls"])
                    totals["evalsha_usec"] += float(stats[name]["usec"])
        return totals

    @staticmethod
    def per_scan(before: dict[str, float], after: dict[str, float], scans: int) -> dict[str, float]:
        n = max(scans, 1)
        return {
            "redis_main_thread_cpu_us_per_scan": round((after["main_cpu_s"] - before["main_cpu_s"]) / n * 1e6, 1),
            "redis_process_cpu_us_per_scan": round((after["process_cpu_s"] - before["process_cpu_s"]) / n * 1e6, 1),
            "redis_script_us_per_scan": round((after["evalsha_usec"] - before["evalsha_usec"]) / n, 1),
            "redis_script_calls": after["evalsha_calls"] - before["evalsha_calls"],
            # every command's time per scan (INFO commandstats: time inside the command, not I/O)
            "redis_commands_us_per_scan": dict(sorted(
                ((name[5:], round((after[name] - before.get(name, 0.0)) / n, 1)) for name in after
                 if name.startswith("usec:") and after[name] - before.get(name, 0.0) > 0),
                key=lambda item: -item[1])[:8]),
            "redis_commands_calls_per_scan": {
                name[6:]: round((after[name] - before.get(name, 0.0)) / n, 3) for name in after
                if name.startswith("calls:") and (after[name] - before.get(name, 0.0)) / n >= 0.01},
        }

    def close(self) -> None:
        for client in self.clients:
            client.close()


def ratios(phases: list[dict[str, Any]], baseline: dict[str, float], p99_limit_ms: float = 15.0) -> dict[str, Any]:
    """Issue 12's two figures for one run.

    - ``web_over_redis_cpu``: per phase, web CPU per scan (all nodes) / Redis main-thread CPU per scan.
    - ``best_rate_over_eval_c50``: the highest offered rate whose phase kept p99 <= ``p99_limit_ms``
      and lost nothing, divided by redis-benchmark EVAL throughput with 50 clients.
    """
    good = [p["offered_per_s"] for p in phases if p["lost"] == 0 and p["doubled"] == 0 and p["p99_ms"] <= p99_limit_ms]
    best = max(good, default=0.0)
    c50 = baseline.get("eval_c50_rps", 0.0)
    return {
        "web_over_redis_cpu": [p["web_over_redis_cpu"] for p in phases],
        "best_rate_p99_ok": best,
        "eval_c50_rps": c50,
        "best_rate_over_eval_c50": round(best / c50, 3) if c50 else None,
    }
