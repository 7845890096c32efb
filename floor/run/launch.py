"""``make run``: the whole stack on one machine.

Starts a local redis-server (AOF on, data under ``var/redis``) unless ``REDIS_URL`` is set, loads
the demo warehouse when the store is empty, prints the URLs and dev credentials, then runs the
``web`` and ``worker`` lines of the Procfile under :mod:`floor.run.supervise` (which names a process
that dies; the worker is restarted, a dead web server stops the stack). Ports already taken by
something this launcher did not start are refused with a clear message. Ctrl-C stops everything;
the data stays.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from floor.floor import Floor
from floor.run.demo import DemoCredentials, load_demo_from_csv
from floor.run.ports import Owner, PortTakenError, check_port_free, claim_redis_port
from floor.run.supervise import Program, Supervisor, parse_procfile
from floor.store import keys

ROOT = Path(__file__).resolve().parent.parent.parent
VAR = ROOT / "var"


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed: `make run` installs it as root (apt-get install redis-server)")
    data = VAR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--appendonly", "yes",
         # every acknowledged write is on disk before its answer: a kill -9 loses no acknowledged scan
         "--appendfsync", os.environ.get("FLOOR_REDIS_FSYNC", "always"),
         "--pidfile", str(data / "redis.pid"), "--logfile", str(data / "redis.log")],
        process_group=0,  # Ctrl-C reaches the launcher, which stops redis last
    )
    return process


async def wait_and_seed(url: str, warehouse: str) -> DemoCredentials | None:
    floor = Floor.from_url(url, default_warehouse=warehouse)
    for _ in range(100):
        try:
            await floor.client.ping()
            break
        except Exception:
            await asyncio.sleep(0.1)
    await floor.start()
    try:
        credentials_file = VAR / "demo-credentials.json"
        if await floor.client.exists(keys.key(warehouse, "layout")):
            if credentials_file.exists():
                return DemoCredentials(**json.loads(credentials_file.read_text()))
            return None
        print(f"empty store: loading the demo warehouse {warehouse} from floor/onboarding/demo/*.csv ...", flush=True)
        started = time.monotonic()
        credentials = await load_demo_from_csv(floor, warehouse)
        VAR.mkdir(exist_ok=True)
        credentials_file.write_text(json.dumps({"pickers": credentials.pickers, "users": credentials.users}))
        credentials_file.chmod(0o600)
        print(f"demo loaded in {time.monotonic() - started:.1f} s", flush=True)
        return credentials
    finally:
        await floor.close()


def banner(port: int, credentials: DemoCredentials | None) -> str:
    base = f"http://127.0.0.1:{port}"
    lines = [
        "",
        "=" * 72,
        f"  handheld page  {base}/handheld/",
        f"  board          {base}/board/",
        f"  API docs       {base}/schema  (OpenAPI: {base}/schema/openapi.json)",
        f"  health         {base}/healthz",
    ]
    if credentials:
        lines.append("  dev credentials (demo only):")
        for picker, badge, pin in credentials.pickers:
            lines.append(f"    picker {picker:10s} badge {badge}  PIN {pin}")
        for username, role, password in credentials.users:
            lines.append(f"    {role:10s} user {username:10s} password {password}")
    else:
        lines.append("  (store was not seeded by this launcher: no demo credentials to show)")
    lines += ["  Ctrl-C stops everything; the data stays in var/", "=" * 72, ""]
    return "\n".join(lines)


def main() -> int:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PORT", "8000")
    env.setdefault("NUMBA_NUM_THREADS", "1")
    warehouse = env.setdefault("FLOOR_DEFAULT_WAREHOUSE", "W1")
    VAR.mkdir(exist_ok=True)
    if not env.get("FLOOR_SECRET"):
        secret_file = VAR / "dev-secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_hex(32))
            secret_file.chmod(0o600)
        env["FLOOR_SECRET"] = secret_file.read_text().strip()
        print("FLOOR_SECRET not set: using the dev secret in var/dev-secret", flush=True)
    redis_process = None
    try:
        check_port_free(env.get("HOST", "0.0.0.0"), int(env["PORT"]), "the web server", setting="PORT")
        if not env.get("REDIS_URL"):
            port = int(env.get("FLOOR_REDIS_PORT", "6390"))
            listener = claim_redis_port("127.0.0.1", port, VAR / "redis")
            if listener.owner is Owner.OURS:
                print(f"reusing the floor's redis-server already on 127.0.0.1:{port} ({listener.describe()})",
                      flush=True)
            else:
                redis_process = start_redis(port)
                print(f"started redis-server on 127.0.0.1:{port} (AOF, data in var/redis)", flush=True)
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    except PortTakenError as error:
        print(error, file=sys.stderr, flush=True)
        return 2
    try:
        credentials = asyncio.run(wait_and_seed(env["REDIS_URL"], warehouse))
        print(banner(int(env["PORT"]), credentials), flush=True)
        programs = [Program(name, command, restart=name == "worker")
                    for name, command in parse_procfile((ROOT / "Procfile").read_text()).items() if name != "redis"]
        return Supervisor(programs, env=env, cwd=str(ROOT)).run()
    finally:
        if redis_process is not None:
            redis_process.send_signal(signal.SIGTERM)
            redis_process.wait(20)
            print("redis-server stopped (data kept in var/redis)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
