"""deploy/backup-redis.sh and deploy/restore-redis.sh on real redis-server processes with AOF on.

Floor-like data (hashes, the event Stream with its ids, zsets, a set, a list, a string with a TTL,
a global badge hash) is backed up from a live server, the server is killed and its directory wiped,
the backup is restored into a fresh directory, and a fresh server started with ``appendonly yes``
must hold every key exactly -- also after a second restart from its AOF alone.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.ops.redis_proc import RedisProc

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup-redis.sh"
RESTORE = ROOT / "deploy" / "restore-redis.sh"
# AOF as in production; no diskless-sync wait so `redis-cli --rdb` starts at once
AOF = ("--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--repl-diskless-sync-delay", "0")

pytestmark = pytest.mark.skipif(shutil.which("redis-check-rdb") is None, reason="redis-tools not installed")


def write_floor_data(client: Redis) -> None:
    pipe = client.pipeline(transaction=False)
    for n in range(1, 41):
        pipe.hset(f"{{W1}}:order:O-{n}", mapping={
            "status": "reserved", "channel": "shop-1", "priority": n % 3, "received": 1764770000000 + n,
            "lines": '[{"sku":"SKU-1","qty":2}]', "name": "蓝色杯子 blue mug",
        })
        pipe.zadd("{W1}:orders:reserved", {f"O-{n}": n * 1.5})
    pipe.hset("{W1}:sku:SKU-1", mapping={"gtin": "04006381333931", "on_hand": 120, "reserved": 80})
    pipe.sadd("{W1}:pickers", "P1", "P2", "P3")
    pipe.rpush("{W1}:task:T1:steps", *[f'{{"location":"A01-{n:03d}","qty":1}}' for n in range(10)])
    pipe.set("{W1}:scan:P1:S-77", '{"verdict":"ok"}', ex=3600)
    pipe.hset("floor:badge:B-001", mapping={"warehouse": "W1", "picker": "P1", "pin": "scrypt$abc$def"})
    pipe.sadd("warehouses", "W1")
    pipe.execute()
    # the event Stream: explicit and generated ids, and a deleted tail, so last-generated-id matters
    client.xadd("{W1}:events", {"type": "order_received", "order": "O-1"}, id="1764770000000-0")
    client.xadd("{W1}:events", {"type": "order_received", "order": "O-2"}, id="1764770000000-1")
    for n in range(3, 41):
        client.xadd("{W1}:events", {"type": "order_reserved", "order": f"O-{n}", "units": n})
    last = client.xadd("{W1}:events", {"type": "scan", "verdict": "ok"})
    client.xdel("{W1}:events", last)


def snapshot(client: Redis) -> dict[str, Any]:
    """Every key's type and full value (stream: entries with ids, length, last generated id)."""
    found: dict[str, Any] = {}
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == "string":
            value: Any = (client.get(key), client.ttl(key) > 0)
        elif kind == "hash":
            value = client.hgetall(key)
        elif kind == "zset":
            value = client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = sorted(client.smembers(key))
        elif kind == "list":
            value = client.lrange(key, 0, -1)
        elif kind == "stream":
            info = client.xinfo_stream(key)
            value = (client.xrange(key), info["length"], info["last-generated-id"])
        else:
            raise AssertionError(f"unexpected type {kind} of {key}")
        found[key] = (kind, value)
    return found


def run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=60)


def restored_server(data: Path, expected: dict[str, Any]) -> None:
    """Start a server on the restored ``data`` (AOF on), compare, and again from the AOF alone."""
    server = RedisProc(data, *AOF)
    try:
        with server.client() as client:
            assert snapshot(client) == expected
            newest = client.xadd("{W1}:events", {"type": "after_restore"})
            assert newest > expected["{W1}:events"][1][2]  # stream ids never go backwards
            client.xdel("{W1}:events", newest)
    finally:
        server.stop()  # a clean SHUTDOWN: everysec may not have written the last commands before a kill -9
    (data / "dump.rdb").unlink(missing_ok=True)
    server = RedisProc(data, *AOF)
    try:
        with server.client() as client:
            after = snapshot(client)
            entries, length, last_id = after.pop("{W1}:events")[1]
            assert (entries, length) == expected["{W1}:events"][1][:2]  # every entry and its id
            assert last_id == newest
            assert after == {k: v for k, v in expected.items() if k != "{W1}:events"}
    finally:
        server.kill()


@pytest.mark.parametrize("method", ["rdb", "aof"])
def test_backup_then_restore_into_a_fresh_server_keeps_every_key(tmp_path: Path, method: str) -> None:
    source = RedisProc(tmp_path / "live", *AOF)
    try:
        with source.client() as client:
            write_floor_data(client)
            expected = snapshot(client)
            assert len(expected) == 48 and len(expected["{W1}:events"][1][0]) == 40
            client.bgrewriteaof()  # the AOF copy must also cope with a rewrite in flight
        done = run(BACKUP, "--port", str(source.port), "--method", method, str(tmp_path / "backups"))
        assert done.returncode == 0, done.stderr
        backup = Path(done.stdout.strip().splitlines()[-1])
        manifest = (backup / "MANIFEST").read_text()
        assert f"method={method}" in manifest and "keys=48" in manifest
        with source.client() as client:
            client.set("{W1}:written-after-the-backup", "x")  # a point in time: not in the backup
    finally:
        source.kill()
    shutil.rmtree(tmp_path / "live")

    data = tmp_path / "restored"
    done = run(RESTORE, str(backup), str(data))
    assert done.returncode == 0, done.stderr
    assert (data / "appendonlydir").is_dir()
    restored_server(data, expected)


def test_restore_refuses_a_running_server_and_keeps_old_data_aside(tmp_path: Path) -> None:
    source = RedisProc(tmp_path / "live", *AOF)
    with source.client() as client:
        write_floor_data(client)
        expected = snapshot(client)
    done = run(BACKUP, "--port", str(source.port), str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr
    backup = Path(done.stdout.strip().splitlines()[-1])
    try:
        refused = run(RESTORE, str(backup), str(tmp_path / "live"))
        assert refused.returncode == 1
        assert f"process {source.pid} (redis-server) works in" in refused.stderr
        assert "stop the server first" in refused.stderr
        with source.client() as client:
            client.set("only-in-the-old-data", "1")
    finally:
        source.stop()

    done = run(RESTORE, str(backup), str(tmp_path / "live"))
    assert done.returncode == 0, done.stderr
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("live.before-restore-")]
    assert len(aside) == 1 and (aside[0] / "appendonlydir").is_dir()  # the old data, kept
    server = RedisProc(tmp_path / "live", *AOF)
    try:
        with server.client() as client:
            assert snapshot(client) == expected
            assert client.exists("only-in-the-old-data") == 0
    finally:
        server.stop()


def test_bad_arguments_and_a_damaged_backup_are_refused(tmp_path: Path) -> None:
    assert run(BACKUP).returncode == 2
    assert "usage: deploy/backup-redis.sh" in run(BACKUP, "--help").stdout
    assert run(BACKUP, "--method", "tar", str(tmp_path)).returncode == 2
    assert "no Redis answers" in run(BACKUP, "--port", "1", str(tmp_path / "b")).stderr
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "dump.rdb").write_bytes(b"REDIS0010 this is not an rdb file")
    refused = run(RESTORE, str(damaged), str(tmp_path / "target"))
    assert refused.returncode == 1 and "rejects the backup" in refused.stderr
    assert not (tmp_path / "target").exists()  # nothing touched
    assert run(RESTORE, str(tmp_path)).returncode == 2
