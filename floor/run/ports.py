"""Port guard for the launcher: never start on, or silently use, a port someone else holds.

``make run`` starts its own redis-server (``FLOOR_REDIS_PORT``, data in ``var/redis``) and the web
server (``PORT``).  Before starting either, the launcher asks:

* :func:`check_port_free` — raises :class:`PortTakenError` (a message naming the port, what wanted
  it, who holds it when that can be found out, and how to fix it) when anything listens there;
* :func:`identify_listener` — for the Redis port: is the listener OUR redis-server (its ``dir`` is
  our ``var/redis``, or its process id is the one in ``var/redis/redis.pid``), a stranger's Redis,
  or not Redis at all.  Ours (left over from a crashed launcher) may be reused; anything else must
  not be, because the demo loader and the scripts would write into someone else's data.

Everything here is synchronous and quick (1 s timeouts): it runs before the event loop exists.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, RedisError, ResponseError
from redis.retry import Retry

TIMEOUT_S = 1.0


class PortTakenError(RuntimeError):
    """A port the launcher wanted is held by another process; the message says how to fix it."""


class Owner(enum.Enum):
    NOBODY = "nobody"  # nothing listens: start our own
    OURS = "ours"  # our redis-server (its dir is our data dir): reuse it
    STRANGER_REDIS = "stranger-redis"  # a Redis with other data (or one we may not inspect)
    NOT_REDIS = "not-redis"  # something listens but does not speak Redis


@dataclass(frozen=True)
class Listener:
    """Who listens on a port; ``pid``/``program`` are filled in when /proc lets us see them."""

    owner: Owner
    pid: int | None = None
    program: str | None = None
    detail: str = ""

    def describe(self) -> str:
        who = f"pid {self.pid} ({self.program})" if self.pid else "another process"
        return f"{who}{': ' + self.detail if self.detail else ''}"


def _bind_error(host: str, port: int) -> OSError | None:
    """None when ``host:port`` could be bound now (the same test uvicorn and redis-server face)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


def listener_pid(port: int) -> tuple[int, str] | None:
    """(pid, program name) of the process listening on TCP ``port``, from /proc; None when not visible
    (another user's process when we are not root, or not Linux)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as handle:
            next(handle, None)
            for line in handle:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                    inodes.add(f"socket:[{inode}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name), (entry / "comm").read_text().strip()
        except OSError:
            continue
    return None


def check_port_free(host: str, port: int, what: str, setting: str = "PORT") -> None:
    """Return when ``host:port`` is free; otherwise raise :class:`PortTakenError` saying who holds it,
    ``what`` wanted it, and the two fixes (stop that process, or set ``setting`` to another port)."""
    error = _bind_error(host, port)
    if error is None:
        return
    if error.errno != errno.EADDRINUSE:
        raise PortTakenError(f"cannot use {host}:{port} for {what}: {error.strerror} "
                             f"(set {setting} to another port, e.g. {setting}={port + 1})")
    holder = listener_pid(port)
    who = f"pid {holder[0]} ({holder[1]})" if holder else "another process"
    raise PortTakenError(
        f"port {port} on {host} is already taken by {who}, so {what} cannot start there.\n"
        f"  fix: stop that process{f' (kill {holder[0]})' if holder else f' (see: ss -ltnp sport = :{port})'}, "
        f"or choose another port: {setting}={port + 1} make run"
    )


def _redis_pid_file(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "redis.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def identify_listener(host: str, port: int, data_dir: Path) -> Listener:
    """Who listens on ``host:port``, seen as a Redis: NOBODY, OURS (its ``CONFIG GET dir`` is
    ``data_dir``, or its ``INFO server`` process id is the one in ``data_dir/redis.pid``),
    STRANGER_REDIS (other data, a password, or CONFIG refused) or NOT_REDIS."""
    if _bind_error(host, port) is None:
        return Listener(Owner.NOBODY)
    holder = listener_pid(port)
    pid, program = holder if holder else (None, None)
    ours = data_dir.resolve()
    client = Redis(host=host, port=port, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S,
                   retry=Retry(NoBackoff(), 0))  # one look: redis-py would otherwise retry a refusal 3 times
    try:
        server = client.info("server")
        server_pid = int(server.get("process_id", 0))
        pid = pid or server_pid
        try:
            their_dir = client.config_get("dir").get("dir")
        except ResponseError:  # CONFIG renamed or forbidden by an ACL: cannot be our launcher's redis
            their_dir = None
        if their_dir is not None and Path(str(their_dir)).resolve() == ours:
            return Listener(Owner.OURS, pid, program or "redis-server", f"data in {their_dir}")
        if their_dir is None and server_pid and server_pid == _redis_pid_file(data_dir):
            return Listener(Owner.OURS, pid, program or "redis-server", f"pid file {data_dir / 'redis.pid'}")
        where = f"data in {their_dir}" if their_dir is not None else "its CONFIG is not readable"
        return Listener(Owner.STRANGER_REDIS, pid, program, f"a Redis {server.get('redis_version', '?')}, {where}")
    except (ResponseError, AuthenticationError) as error:  # NOAUTH, NOPERM: a Redis, not one we started
        if isinstance(error, AuthenticationError) or "authenticat" in str(error).lower():
            return Listener(Owner.STRANGER_REDIS, pid, program, "a Redis protected by a password")
        return Listener(Owner.STRANGER_REDIS, pid, program, f"a Redis that answers {str(error)[:60]!r}")
    except (RedisError, OSError) as error:
        return Listener(Owner.NOT_REDIS, pid, program, f"does not speak Redis ({type(error).__name__})")
    finally:
        client.close()


def claim_redis_port(host: str, port: int, data_dir: Path) -> Listener:
    """The launcher's one call before starting redis-server: NOBODY -> start one; OURS -> reuse it
    (say so); anything else raises :class:`PortTakenError` with the fix (``FLOOR_REDIS_PORT``)."""
    listener = identify_listener(host, port, data_dir)
    if listener.owner in (Owner.NOBODY, Owner.OURS):
        return listener
    stop = f"kill {listener.pid}" if listener.pid else f"see: ss -ltnp sport = :{port}"
    raise PortTakenError(
        f"port {port} on {host} is taken by {listener.describe()}; it is not the floor's own "
        f"redis-server (data in {data_dir}), so make run will not use it or start another there.\n"
        f"  fix: stop that process ({stop}), or choose another port: FLOOR_REDIS_PORT={port + 1} make run, "
        f"or use that Redis on purpose: REDIS_URL=redis://{host}:{port}/0 make run"
    )
