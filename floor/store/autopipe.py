"""Auto-pipelining of hot script calls: every call made in one event-loop turn shares one write.

A :class:`ScriptPipeline` keeps one connection per Redis server (per master on a cluster) next to
the command client. :meth:`ScriptPipeline.call` queues an ``EVALSHA`` (one script call per caller,
as before) and returns its reply; the first call of a loop turn schedules a flush, so every call
made before the loop polls again (many sockets' scans arriving in one read) goes out in *one*
``write`` and their replies come back in one read, parsed by hiredis.

Invariants the callers rely on:

- Calls reach Redis in the order they were made, each exactly once, on one connection; replies
  are matched to calls by position (Redis answers a connection's commands in order). A caller
  that awaits its reply before calling again (one scan in flight per socket) sees the same order
  and the same effects as with one round trip per call.
- A reply that is an error before the script ran (``NOSCRIPT`` after ``SCRIPT FLUSH``, ``MOVED`` /
  ``ASK`` / ``TRYAGAIN`` / ``CLUSTERDOWN`` on a cluster, ``LOADING``, ``OOM``, ``BUSY``) is sent again
  through :meth:`Scripts.call` (the ordinary client: NOSCRIPT -> EVAL, redirects, its own errors).
  The script did not run, so this is its one run. A Lua runtime error is a :class:`ScriptError`.
- No reply within the client's ``socket_timeout`` (1 s on web nodes): every call waiting on that
  connection fails with ``TimeoutError`` (its outcome is unknown; never re-sent) and the connection
  is dropped, so later replies can never be matched to the wrong call. A lost connection fails its
  waiting calls with ``ConnectionError``. Both are :data:`UNAVAILABLE_ERRORS`: the handheld is told
  "unavailable, retry with the same id", as before; the next call opens a new connection.
- TLS (``rediss://``) is not handled here: :func:`ScriptPipeline.for_client` returns None and the
  caller uses :meth:`Scripts.call`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Any, cast

import hiredis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.asyncio.connection import SSLConnection
from redis.crc import key_slot
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from floor.store.cluster_calls import run_script
from floor.store.scripts import ScriptError, Scripts

log = logging.getLogger("floor.autopipe")
CLIENT_NAME = b"floor-script-pipeline"
_NOT_RUN = ("MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "LOADING")  # error replies of a command that did not run
Done = Callable[[Any, BaseException | None], None]  # (reply, None) or (None, error)
CHECK_EVERY_S = 0.25  # how often a connection with calls waiting checks for a reply older than its timeout
# hiredis >= 2.1 packs commands in C; with an older one (redis[hiredis] allows it) the Python packer below.
_hiredis_pack: Callable[[tuple[Any, ...]], bytes] | None = getattr(hiredis, "pack_command", None)


def pack(args: tuple[bytes, ...]) -> bytes:
    """One command in RESP (an array of bulk strings)."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


def _pack_any(command: tuple[Any, ...]) -> bytes:
    """:func:`pack` of a command whose arguments are str, bytes or numbers (hiredis packs it in C; the
    same bytes: str as UTF-8, int and float as ``str()`` gives them; anything else, a bool say, is
    packed here as ``str()`` gives it)."""
    if _hiredis_pack is not None:
        try:
            return _hiredis_pack(command)
        except TypeError:
            pass
    out = [b"*%d\r\n" % len(command)]
    for value in command:
        text = value.encode() if type(value) is str else value if type(value) is bytes else str(value).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(text), text))
    return b"".join(out)


class Callback:
    """A waiting call answered by a direct call instead of a future: ``fn(reply, None)`` from the
    connection's ``data_received`` (no task wake-up, no loop turn), or ``fn(None, error)``."""

    __slots__ = ("fn",)

    def __init__(self, fn: Done) -> None:
        self.fn = fn

    def answer(self, reply: Any, error: BaseException | None) -> None:
        try:
            self.fn(reply, error)
        except Exception:  # a caller's bug must not stop the replies of the others
            log.exception("auto-pipelined call: the reply's callback failed")


def _settle(sink: Any, reply: Any, error: BaseException | None) -> None:
    if type(sink) is Callback:
        sink.answer(reply, error)
    elif not sink.done():  # a cancelled caller (its socket closed) leaves its reply unread
        if error is None:
            sink.set_result(reply)
        else:
            sink.set_exception(error)


class Lane:
    """One connection at a time to one Redis server; calls queued in one loop turn are written together."""

    def __init__(self, address: dict[str, Any], timeout: float, connect_timeout: float) -> None:
        # The loop is looked up once: asyncio.get_running_loop() costs a getpid() system call each time.
        self.loop = asyncio.get_running_loop()
        self.address = address  # host/port or path, username, password, db
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.transport: asyncio.Transport | None = None
        self.ready = False  # connected and set up (AUTH / SELECT answered): calls may be written
        self.reader = hiredis.Reader(replyError=ResponseError, encoding="utf-8")
        self.queued: list[bytes] = []
        self.queued_futures: list[Any] = []  # asyncio.Future or Callback per queued command, a _Batch per batch
        self.queued_calls = 0  # commands queued (a batch counts each of its commands)
        self.waiting: collections.deque[tuple[Any, float]] = collections.deque()
        self.flushing = False
        self.connecting: asyncio.Task[None] | None = None
        self.checker: asyncio.TimerHandle | None = None
        self.batches = 0  # writes made (a test and the benchmark read calls/batches)
        self.calls = 0

    # -- the caller's side ------------------------------------------------------------------

    def submit(self, command: bytes) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = self.loop.create_future()
        self.submit_callback(command, future)
        return future

    def submit_callback(self, command: bytes, sink: Any) -> None:
        """Queue ``command``; its reply settles ``sink`` (an ``asyncio.Future`` or a :class:`Callback`)."""
        self.queued.append(command)
        self.queued_futures.append(sink)
        self.queued_calls += 1
        if not self.flushing:
            self.flushing = True
            self.loop.call_soon(self.flush)

    def submit_many(self, commands: list[bytes]) -> asyncio.Future[list[Any]]:
        """Several commands, one future for all their replies (in order): one write with the loop turn's
        other calls, one wake-up of the caller. A lost connection / timeout fails the whole batch."""
        batch = _Batch(self.loop.create_future(), len(commands))
        if not commands:
            batch.future.set_result([])
            return batch.future
        self.queued.append(b"".join(commands))
        self.queued_futures.append(batch)  # one entry: it takes its len(commands) replies in order
        self.queued_calls += len(commands)
        if not self.flushing:
            self.flushing = True
            self.loop.call_soon(self.flush)
        return batch.future

    def flush(self) -> None:
        self.flushing = False
        if not self.queued:
            return
        if not self.ready or self.transport is None or self.transport.is_closing():
            if self.connecting is None or self.connecting.done():
                self.connecting = self.loop.create_task(self._connect())
            return  # written once connected (or failed)
        commands, futures = self.queued, self.queued_futures
        self.queued, self.queued_futures = [], []
        now = self.loop.time()
        self.waiting.extend((future, now) for future in futures)
        self.transport.write(b"".join(commands))
        self.batches += 1
        self.calls += self.queued_calls
        self.queued_calls = 0
        if self.checker is None:
            self.checker = self.loop.call_later(CHECK_EVERY_S, self._check)

    async def _connect(self) -> None:
        loop = self.loop
        try:
            async with asyncio.timeout(self.connect_timeout):
                if self.address.get("path"):
                    await loop.create_unix_connection(lambda: _Connection(self), self.address["path"])
                else:
                    await loop.create_connection(lambda: _Connection(self), self.address["host"], self.address["port"])
                hello: list[bytes] = []
                if self.address.get("password"):
                    user = self.address.get("username")
                    hello.append(pack((b"AUTH", *((user.encode(),) if user else ()),
                                       str(self.address["password"]).encode())))
                if self.address.get("db"):
                    hello.append(pack((b"SELECT", str(self.address["db"]).encode())))
                hello.append(pack((b"CLIENT", b"SETNAME", CLIENT_NAME)))  # CLIENT LIST shows who it is
                if self.transport is not None:
                    futures = [loop.create_future() for _ in hello]
                    self.waiting.extend((future, loop.time()) for future in futures)
                    self.transport.write(b"".join(hello))
                    for reply in await asyncio.gather(*futures):
                        if isinstance(reply, ResponseError):
                            raise RedisConnectionError(f"Redis refused the connection set-up: {reply}")
        except (OSError, TimeoutError, RedisConnectionError) as error:
            if self.transport is not None:
                self.transport.abort()
            self._fail_queued(RedisConnectionError(f"cannot reach Redis: {error}"))
            return
        self.ready = True
        self.flush()

    def _fail_queued(self, error: Exception) -> None:
        futures, self.queued, self.queued_futures = self.queued_futures, [], []
        self.queued_calls = 0
        for future in futures:
            _settle(future, None, error)

    # -- the connection's side --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass it
        self.reader = hiredis.Reader(replyError=ResponseError, encoding="utf-8")

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        waiting = self.waiting
        while True:
            reply = self.reader.gets()
            if reply is False:
                return
            if not waiting:  # pragma: no cover - a reply nobody asked for: the stream is out of step
                self._drop(RedisConnectionError("unexpected reply from Redis"))
                return
            sink = waiting[0][0]
            if type(sink) is _Batch:  # several replies in a row: answered with the last
                replies = sink.replies
                replies.append(reply)
                if len(replies) == sink.size:
                    waiting.popleft()
                    if not sink.future.done():
                        sink.future.set_result(replies)
                continue
            waiting.popleft()
            if type(sink) is Callback:
                sink.answer(reply, None)
            elif not sink.done():  # a cancelled caller (its socket closed) leaves its reply unread
                sink.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.ready = False
        self._fail_waiting(RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def _fail_waiting(self, error: Exception) -> None:
        waiting, self.waiting = self.waiting, collections.deque()
        for sink, _sent in waiting:
            _settle(sink, None, error)

    def _drop(self, error: Exception) -> None:
        self._fail_waiting(error)
        if self.transport is not None:
            self.transport.abort()
            self.transport = None
        self.ready = False

    def _check(self) -> None:
        self.checker = None
        if not self.waiting:
            return
        if self.loop.time() - self.waiting[0][1] > self.timeout:
            self._drop(RedisTimeoutError("Timeout reading from Redis (auto-pipelined script call)"))
            return
        self.checker = self.loop.call_later(CHECK_EVERY_S, self._check)

    def close(self) -> None:
        if self.checker is not None:
            self.checker.cancel()
            self.checker = None
        self._fail_queued(RedisConnectionError("closed"))
        self._drop(RedisConnectionError("closed"))


class _Batch:
    """The replies of one :meth:`Lane.submit_many`: one waiting entry that takes ``size`` replies in a
    row (a batch is written as one piece, so its replies come together, in order); its future gets
    them all with the last. A lost connection / timeout fails it once (:meth:`set_exception`)."""

    __slots__ = ("future", "replies", "size")

    def __init__(self, future: asyncio.Future[list[Any]], size: int) -> None:
        self.future = future
        self.size = size
        self.replies: list[Any] = []

    def done(self) -> bool:
        return self.future.done()

    def set_exception(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class _Connection(asyncio.Protocol):
    """One TCP (or unix) connection of a lane. Events of a connection the lane has already replaced
    (dropped after a timeout, say) are ignored: its late replies or its close never touch the calls
    waiting on the new one."""

    def __init__(self, lane: Lane) -> None:
        self.lane = lane
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.lane.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.lane.transport is self.transport:
            self.lane.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.lane.transport is self.transport:
            self.lane.connection_lost(exc)


class ScriptPipeline:
    """Auto-pipelined ``EVALSHA`` of the project's scripts on a plain Redis or a cluster's masters."""

    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts
        self.cluster = isinstance(client, AsyncRedisCluster)
        self.lanes: dict[tuple[Any, ...], Lane] = {}
        self.heads: dict[tuple[str, str], tuple[tuple[str, str, int, str, str], str]] = {}  # (script, warehouse) -> head, stream
        self.by_stream: dict[str, tuple[int, Lane]] = {}
        self.by_slot: dict[int, tuple[int, Lane]] = {}  # plain commands on a cluster (:meth:`commands`)
        self.fallbacks = 0  # calls re-sent through Scripts.call
        self.tasks: set[asyncio.Task[None]] = set()  # submit()'s re-sends in flight (kept referenced)

    @classmethod
    def for_client(cls, client: Any, scripts: Scripts) -> ScriptPipeline | None:
        """A pipeline for ``client``, or None when this client's connections are not plain TCP/unix."""
        if isinstance(client, AsyncRedisCluster):
            kwargs = client.connection_kwargs
        else:
            kwargs = client.connection_pool.connection_kwargs
            if client.connection_pool.connection_class is SSLConnection:
                return None
        if kwargs.get("ssl") or kwargs.get("connection_class") is SSLConnection:
            return None
        return cls(client, scripts)

    def _options(self) -> dict[str, Any]:
        if self.cluster:
            return dict(self.client.connection_kwargs)
        return dict(self.client.connection_pool.connection_kwargs)

    def _lane(self, stream: str) -> Lane:
        """The lane for ``stream``'s server (cached per stream; looked up again after a refused call,
        whose re-send through the client has refreshed its slot map, or when the lane's loop is gone)."""
        cached = self.by_stream.get(stream)
        if cached is not None and cached[0] == self._epoch() and not cached[1].loop.is_closed():
            return cached[1]
        lane = self._find_lane(stream)
        self.by_stream[stream] = (self._epoch(), lane)
        return lane

    def _epoch(self) -> int:
        return self.fallbacks  # a refused call (MOVED after a resharding ...) looks the servers up again

    def _find_lane(self, stream: str) -> Lane:
        options = self._options()
        if self.cluster:
            node = self.client.get_node_from_key(stream)
            address = {"host": node.host, "port": node.port}
        elif options.get("path"):
            address = {"path": options["path"]}
        else:
            address = {"host": options.get("host", "localhost"), "port": options.get("port", 6379),
                       "db": options.get("db", 0)}
        address.update(username=options.get("username"), password=options.get("password"))
        key = tuple(sorted((k, str(v)) for k, v in address.items()))
        lane = self.lanes.get(key)
        if lane is None or lane.loop.is_closed():
            lane = self.lanes[key] = Lane(address, float(options.get("socket_timeout") or 1.0),
                                          float(options.get("socket_connect_timeout") or 1.0))
        return lane

    def _head(self, name: str, warehouse: str) -> tuple[tuple[str, str, int, str, str], str]:
        """(``EVALSHA`` sha 1 stream prefix, stream) of ``name`` on ``warehouse``: the script's arguments follow."""
        found = self.heads.get((name, warehouse))
        if found is None:
            prefix, stream = self.scripts._keys(warehouse)
            sha = self.scripts.scripts[name].sha
            found = self.heads[(name, warehouse)] = (("EVALSHA", sha, 1, stream, prefix), stream)
        return found

    async def call(self, name: str, warehouse: str, *args: Any) -> Any:
        """Like :meth:`Scripts.call` (same arguments, same reply), sharing a write with concurrent calls."""
        head, stream = self._head(name, warehouse)
        command = _pack_any(head + args)
        if self.cluster:
            await self.client.initialize()  # no-op once the slot map is known
        reply = await self._lane(stream).submit(command)
        if isinstance(reply, ResponseError):
            message = str(reply)
            if "user_script" in message:
                raise ScriptError(f"Lua error in {name}: {self.scripts.scripts[name].explain(message)}")
            self.fallbacks += 1  # refused before the script ran: its one run goes through the client
            return await self.scripts.call(name, warehouse, *args)
        return reply

    async def commands(self, *commands: tuple[Any, ...], sources: dict[str, str] | None = None) -> list[Any]:
        """Any commands (``(name, key, args...)``: each routed by its first key; an ``EVALSHA`` by its
        first key, its SHA's text in ``sources``), queued together so they share a write with each
        other and with every call made in this loop turn; the replies in order. An error reply raises
        ``ResponseError`` once every reply is in (the commands before and after it ran, as in a
        non-transactional pipeline); a reply refused before the command ran (NOSCRIPT, MOVED ...) is
        sent again through the client (NOSCRIPT: ``EVAL`` of the source)."""
        if not self.cluster:  # a plain Redis has one server: one batch, one future
            replies: list[Any] = await self._lane("").submit_many([_pack_any(command) for command in commands])
        else:
            await self.client.initialize()
            replies = await self._cluster_commands(commands)
        for index, reply in enumerate(replies):
            if isinstance(reply, ResponseError):
                command = commands[index]
                message = str(reply)
                if command[0] == "EVALSHA" and sources is not None and message.startswith(("NOSCRIPT", *_NOT_RUN)):
                    self.fallbacks += 1
                    n = int(command[2])
                    replies[index] = await run_script(self.client, str(command[1]), sources[str(command[1])],
                                                      list(command[3:3 + n]), list(command[3 + n:]))
                    continue
                if not message.startswith(_NOT_RUN):
                    raise reply
                self.fallbacks += 1  # refused before it ran (MOVED after a resharding ...): through the client
                replies[index] = await self.client.execute_command(*command)
        return replies

    async def _cluster_commands(self, commands: tuple[tuple[Any, ...], ...]) -> list[Any]:
        """:meth:`commands` on a cluster: one batch per master (each command routed by its first key)."""
        by_lane: dict[int, tuple[Lane, list[int], list[bytes]]] = {}
        for index, command in enumerate(commands):
            lane = self._lane_of(str(command[3] if command[0] == "EVALSHA" else command[1]))
            entry = by_lane.get(id(lane))
            if entry is None:
                entry = by_lane[id(lane)] = (lane, [], [])
            entry[1].append(index)
            entry[2].append(_pack_any(command))
        if len(by_lane) == 1:
            lane, _indexes, packed = next(iter(by_lane.values()))
            return await lane.submit_many(packed)
        replies: list[Any] = [None] * len(commands)
        order = [indexes for _lane, indexes, _packed in by_lane.values()]
        answers = await asyncio.gather(*(lane.submit_many(packed) for lane, _i, packed in by_lane.values()))
        for indexes, answer in zip(order, answers, strict=True):
            for index, reply in zip(indexes, answer, strict=True):
                replies[index] = reply
        return replies

    async def script(self, sha: str, source: str, keys: list[str], args: list[Any]) -> Any:
        """``EVALSHA`` of a script kept outside the registry (:func:`cluster_calls.run_script`'s contract:
        a reply refused before the script ran, NOSCRIPT or a redirect, goes through the client)."""
        if self.cluster:
            await self.client.initialize()
        command = _pack_any(("EVALSHA", sha, len(keys), *keys, *args))
        reply = await self._lane_of(keys[0]).submit(command)
        if isinstance(reply, ResponseError):
            if "user_script" in str(reply):
                raise reply
            self.fallbacks += 1
            return await run_script(self.client, sha, source, keys, args)
        return reply

    def _lane_of(self, key: str) -> Lane:
        """The lane of ``key``'s server: the one lane of a plain Redis; on a cluster, cached per slot."""
        if not self.cluster:
            return self._lane("")  # a plain Redis has one server: every key shares the one lane
        slot = key_slot(key.encode())
        cached = self.by_slot.get(slot)
        if cached is not None and cached[0] == self._epoch() and not cached[1].loop.is_closed():
            return cached[1]
        lane = self._find_lane(key)
        self.by_slot[slot] = (self._epoch(), lane)
        return lane
    def submit(self, name: str, warehouse: str, args: tuple[Any, ...], done: Done) -> None:
        """:meth:`call` without a coroutine: ``done(reply, None)`` or ``done(None, error)`` is called once,
        from the connection's ``data_received`` when the reply is plain (the hot path: no task, no
        future). A refused call (NOSCRIPT, MOVED ...) is re-sent through :meth:`Scripts.call` in a task
        and ``done`` gets its outcome; a Lua error is a :class:`ScriptError`."""
        if self.cluster and getattr(self.client, "_initialize", True):  # the slot map is not known yet
            self._spawn(asyncio.get_running_loop(), self._call_then(name, warehouse, args, done))
            return
        head, stream = self._head(name, warehouse)
        command = _pack_any(head + args)
        lane = self._lane(stream)
        lane.submit_callback(command, Callback(_Reply(self, lane.loop, name, warehouse, args, done)))

    def _spawn(self, loop: asyncio.AbstractEventLoop, work: Any) -> None:
        task = loop.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _call_then(self, name: str, warehouse: str, args: tuple[Any, ...], done: Done,
                         refused: bool = False) -> None:
        try:
            reply = await (self.scripts.call(name, warehouse, *args) if refused else self.call(name, warehouse, *args))
        except Exception as error:
            done(None, error)
            return
        done(reply, None)

    @property
    def batches(self) -> int:
        return sum(lane.batches for lane in self.lanes.values())

    @property
    def calls(self) -> int:
        return sum(lane.calls for lane in self.lanes.values())

    def close(self) -> None:
        for lane in self.lanes.values():
            lane.close()
        self.lanes.clear()
        self.by_stream.clear()
        self.by_slot.clear()


class _Reply:
    """The reply of one :meth:`ScriptPipeline.submit`: a refused call goes through the client once."""

    __slots__ = ("args", "done", "loop", "name", "pipeline", "warehouse")

    def __init__(self, pipeline: ScriptPipeline, loop: asyncio.AbstractEventLoop, name: str, warehouse: str,
                 args: tuple[Any, ...], done: Done) -> None:
        self.pipeline = pipeline
        self.loop = loop
        self.name = name
        self.warehouse = warehouse
        self.args = args
        self.done = done

    def __call__(self, reply: Any, error: BaseException | None) -> None:
        if error is None and isinstance(reply, ResponseError):
            message = str(reply)
            if "user_script" in message:
                explained = self.pipeline.scripts.scripts[self.name].explain(message)
                self.done(None, ScriptError(f"Lua error in {self.name}: {explained}"))
                return
            self.pipeline.fallbacks += 1  # refused before the script ran: its one run goes through the client
            self.pipeline._spawn(self.loop, self.pipeline._call_then(self.name, self.warehouse, self.args, self.done, True))
            return
        self.done(reply, error)
