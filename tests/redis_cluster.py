"""Start a real, throw-away 3-master Redis Cluster on loopback ports (for the tests and benchmarks).

Three ``redis-server --cluster-enabled yes`` processes, each in its own temp dir (no RDB, no AOF, its
``nodes.conf`` in that dir), joined with ``redis-cli --cluster create ... --cluster-replicas 0``.
The constructor returns only when every node reports ``cluster_state:ok`` and all nodes agree on the
slot map, so a test can use :attr:`RedisCluster.url` at once. :meth:`RedisCluster.stop` kills every
process and removes the dirs; it is safe to call twice and after a failed start.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from redis.crc import key_slot

from tests.redis_server import free_port

HOST = "127.0.0.1"


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (each node needs a client port and a cluster-bus port)."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


class RedisCluster:
    """A running 3-master cluster; ``url`` is understood by :func:`floor.store.client.connect`."""

    def __init__(self, masters: int = 3, start_timeout: float = 20.0) -> None:
        self.binary = shutil.which("redis-server")
        self.cli = shutil.which("redis-cli")
        if self.binary is None or self.cli is None:
            raise RuntimeError("redis-server / redis-cli missing: apt-get install redis-server redis-tools")
        self.root = Path(tempfile.mkdtemp(prefix="floor-cluster-"))
        ports = _free_ports(2 * masters)
        self.nodes: list[tuple[str, int]] = [(HOST, port) for port in ports[:masters]]
        self.bus_ports = ports[masters:]
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        try:
            for (_, port), bus in zip(self.nodes, self.bus_ports, strict=True):
                self.start_node(port, bus)
            self._create(start_timeout)
        except BaseException:
            self.stop()
            raise
        self.url = f"redis+cluster://{HOST}:{self.nodes[0][1]}"

    # -- processes -----------------------------------------------------------------------------------

    def start_node(self, port: int, bus_port: int | None = None) -> None:
        """Start (or restart, keeping its nodes.conf) the node on ``port``; waits until it answers PING."""
        if bus_port is None:
            bus_port = self.bus_ports[[p for _, p in self.nodes].index(port)]
        node_dir = self.root / str(port)
        node_dir.mkdir(exist_ok=True)
        self.processes[port] = subprocess.Popen(
            [self.binary or "redis-server", "--port", str(port), "--bind", HOST, "--dir", str(node_dir),
             "--save", "", "--appendonly", "no", "--protected-mode", "no",
             "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
             "--cluster-port", str(bus_port), "--cluster-node-timeout", "2000",
             "--logfile", str(node_dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis(HOST, port, socket_timeout=0.5, socket_connect_timeout=0.5) as node:
                    node.ping()
                    return
            except redis.ConnectionError as error:
                if self.processes[port].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {port} did not start: see {node_dir}/redis.log") from error
                time.sleep(0.02)

    def kill_node(self, port: int) -> None:
        """Kill one node hard (SIGKILL), as a crash would."""
        process = self.processes.pop(port)
        process.kill()
        process.wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
        for process in self.processes.values():
            process.wait(10)
        self.processes.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- cluster -------------------------------------------------------------------------------------

    def _create(self, timeout: float) -> None:
        addresses = [f"{host}:{port}" for host, port in self.nodes]
        result = subprocess.run(
            [self.cli or "redis-cli", "--cluster", "create", *addresses,
             "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed:\n{result.stdout}\n{result.stderr}")
        self.wait_ok(timeout)

    def wait_ok(self, timeout: float = 10.0) -> None:
        """Wait until every running node says cluster_state:ok and all of them report the same slot map."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                maps = []
                for _host, port in self.nodes:
                    if port not in self.processes:
                        continue
                    with redis.Redis(HOST, port, socket_timeout=1, decode_responses=True) as node:
                        if self._cluster_state(node) != "ok":
                            break
                        maps.append(self._slot_map(node))
                else:
                    if maps and all(m == maps[0] for m in maps) and len(maps[0]) == 16384:
                        return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not reach cluster_state:ok with one agreed slot map")
            time.sleep(0.05)

    @staticmethod
    def _cluster_state(node: redis.Redis) -> str:
        info = node.execute_command("CLUSTER INFO")  # redis-py parses it into a dict
        if isinstance(info, dict):
            return str(info.get("cluster_state"))
        return "ok" if "cluster_state:ok" in str(info) else "fail"

    @staticmethod
    def _slot_map(node: redis.Redis) -> dict[int, tuple[str, int]]:
        """slot -> (host, port) of its master, from CLUSTER SLOTS on ``node``."""
        owners: dict[int, tuple[str, int]] = {}
        for entry in node.execute_command("CLUSTER SLOTS"):
            first, last, master = int(entry[0]), int(entry[1]), entry[2]
            address = (str(master[0]), int(master[1]))
            for slot in range(first, last + 1):
                owners[slot] = address
        return owners

    def slot_owner(self, slot: int) -> tuple[str, int]:
        """The (host, port) of the master that serves ``slot``."""
        with redis.Redis(*self.nodes[0], socket_timeout=1, decode_responses=True) as node:
            return self._slot_map(node)[slot]

    def master_of(self, warehouse: str) -> tuple[str, int]:
        """The master holding ``warehouse``'s keys (``{W}:...`` hash tag)."""
        return self.slot_owner(key_slot(f"{{{warehouse}}}:events".encode()))

    def warehouses_on_distinct_masters(self, n: int = 2, prefix: str = "C") -> list[str]:
        """``n`` warehouse ids (``C1``, ``C2`` ...) whose ``{W}`` hash-tag slots live on ``n`` different masters."""
        if n > len(self.nodes):
            raise ValueError(f"only {len(self.nodes)} masters")
        with redis.Redis(*self.nodes[0], socket_timeout=1, decode_responses=True) as node:
            owners = self._slot_map(node)
        chosen: dict[tuple[str, int], str] = {}
        number = 0
        while len(chosen) < n:
            number += 1
            warehouse = f"{prefix}{number}"
            owner = owners[key_slot(f"{{{warehouse}}}:events".encode())]
            chosen.setdefault(owner, warehouse)
        return list(chosen.values())


def warehouses_on_distinct_masters(cluster: RedisCluster, n: int = 2) -> list[str]:
    """Module-level form of :meth:`RedisCluster.warehouses_on_distinct_masters`."""
    return cluster.warehouses_on_distinct_masters(n)
