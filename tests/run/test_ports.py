"""The launcher's port guard against real sockets and real redis-server processes."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from floor.run.ports import Owner, PortTakenError, check_port_free, claim_redis_port, identify_listener
from tests.ops.redis_proc import RedisProc
from tests.redis_server import free_port


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """A plain TCP listener of this very process on 127.0.0.1 (it accepts nothing)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


@pytest.fixture
def http_listener() -> Iterator[int]:
    """A listener that answers every connection like a web server would, then hangs up."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join(2)
    sock.close()


def test_a_free_port_passes_and_has_no_owner(tmp_path: Path) -> None:
    port = free_port()
    check_port_free("127.0.0.1", port, "the web server")
    assert identify_listener("127.0.0.1", port, tmp_path).owner is Owner.NOBODY


def test_a_taken_port_names_the_port_the_holder_and_the_fix(listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    with pytest.raises(PortTakenError) as caught:
        check_port_free("127.0.0.1", port, "redis-server for the floor data", setting="FLOOR_REDIS_PORT")
    message = str(caught.value)
    assert f"port {port} on 127.0.0.1" in message
    assert "redis-server for the floor data" in message
    assert f"pid {os.getpid()} " in message  # this test process holds it, found through /proc
    assert f"FLOOR_REDIS_PORT={port + 1} make run" in message


def test_a_loopback_listener_also_blocks_the_wildcard_address(listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    with pytest.raises(PortTakenError, match=f"PORT={port + 1}"):
        check_port_free("0.0.0.0", port, "the web server")


def test_a_port_freed_again_passes(listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    listening.close()
    check_port_free("127.0.0.1", port, "the web server")


def test_something_that_is_not_redis_is_refused(http_listener: int, tmp_path: Path) -> None:
    listener = identify_listener("127.0.0.1", http_listener, tmp_path)
    assert listener.owner is Owner.NOT_REDIS
    assert listener.pid == os.getpid()
    with pytest.raises(PortTakenError, match="does not speak Redis"):
        claim_redis_port("127.0.0.1", http_listener, tmp_path)


def test_our_own_redis_is_recognised_by_its_dir(tmp_path: Path) -> None:
    ours = tmp_path / "var" / "redis"
    server = RedisProc(ours, "--save", "", "--appendonly", "no")
    try:
        listener = identify_listener("127.0.0.1", server.port, ours)
        assert listener.owner is Owner.OURS
        assert listener.pid == server.pid
        assert claim_redis_port("127.0.0.1", server.port, ours).owner is Owner.OURS
        # the same server seen from another checkout is a stranger's
        assert identify_listener("127.0.0.1", server.port, tmp_path / "other").owner is Owner.STRANGER_REDIS
    finally:
        server.stop()


def test_a_strangers_redis_is_refused_with_the_fix(tmp_path: Path) -> None:
    server = RedisProc(tmp_path / "someone-else", "--save", "", "--appendonly", "no")
    try:
        with pytest.raises(PortTakenError) as caught:
            claim_redis_port("127.0.0.1", server.port, tmp_path / "var" / "redis")
        message = str(caught.value)
        assert f"pid {server.pid} (redis-server)" in message
        assert "not the floor's own redis-server" in message
        assert f"FLOOR_REDIS_PORT={server.port + 1} make run" in message
        assert f"REDIS_URL=redis://127.0.0.1:{server.port}/0" in message
        with server.client() as client:  # and it was not written to
            assert client.dbsize() == 0
    finally:
        server.stop()


def test_a_password_protected_redis_is_a_stranger(tmp_path: Path) -> None:
    ours = tmp_path / "var" / "redis"
    server = RedisProc(ours, "--save", "", "--appendonly", "no", password="not-ours")
    try:
        listener = identify_listener("127.0.0.1", server.port, ours)
        assert listener.owner is Owner.STRANGER_REDIS
        assert listener.detail == "a Redis protected by a password"
    finally:
        server.stop()


def test_without_config_only_our_pid_file_makes_it_ours(tmp_path: Path) -> None:
    ours = tmp_path / "var" / "redis"
    server = RedisProc(ours, "--save", "", "--appendonly", "no", "--rename-command", "CONFIG", "")
    try:
        assert identify_listener("127.0.0.1", server.port, ours).owner is Owner.STRANGER_REDIS
        (ours / "redis.pid").write_text(f"{server.pid}\n")
        listener = identify_listener("127.0.0.1", server.port, ours)
        assert listener.owner is Owner.OURS
        assert "redis.pid" in listener.detail
    finally:
        server.stop()
