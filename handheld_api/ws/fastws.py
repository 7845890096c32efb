"""uvicorn's sans-I/O WebSocket protocol with a direct frame channel for the hot socket.

:class:`FastWebSocketProtocol` is uvicorn's ``websockets-sansio`` protocol plus two things:

- **Frame parsing in place.** After the handshake, a complete, unfragmented, masked text frame
  without RSV bits (what a handheld sends) is unmasked and decoded here, without the
  ``websockets`` parser's generator machinery. Any other frame (control frames, fragments, binary,
  compressed, oversize, invalid UTF-8) is handed, whole, to the ``websockets`` parser, which then
  behaves exactly as in uvicorn (pong, close handshake, 1007 / 1009 ...). Frames are only split at
  frame boundaries, so the two parsers never see half a frame each.
- **The ``floor.fastws`` ASGI extension.** ``scope["extensions"]["floor.fastws"]["attach"]`` lets the
  application, once it has accepted the socket, take the socket's frames as direct calls:
  ``attach(on_text, on_gone)`` returns a :class:`FastChannel`; from then on every text message is
  ``on_text(str)`` called from ``data_received`` (no ASGI message, no queue, no task wake-up), and
  the end of the connection (peer close, lost, server close) is one ``on_gone()``. Messages that
  arrived before ``attach`` are delivered first, in order. ``FastChannel.write_text`` writes one
  frame with one ``transport.write``; ``writable()`` is False while the transport's buffer is
  above its high-water mark (the caller then uses the ordinary ASGI ``send``, which waits).
  Reading is paused / resumed by the owner (:meth:`FastChannel.pause_reading`).

An application that does not find the extension (another server, a test client) uses plain ASGI.
uvicorn's ``--ws`` option takes only names, so this class is given by ``python -m handheld_api.serve``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the C speedups are built for every wheel we use
    from websockets.utils import apply_mask

EXTENSION = "floor.fastws"
_TEXT_FIN = 0x81  # FIN, no RSV bits, opcode 1 (text)


class FastChannel:
    """What :func:`attach` returns: the socket's frames as calls, and a one-write frame sender."""

    __slots__ = ("protocol",)

    def __init__(self, protocol: FastWebSocketProtocol) -> None:
        self.protocol = protocol

    def write_text(self, data: bytes) -> bool:
        """Send one text frame (``data`` is UTF-8); False when the socket is closing or closed."""
        protocol = self.protocol
        if protocol.close_sent or protocol.disconnected or protocol.transport.is_closing():
            return False
        size = len(data)
        if size < 126:
            header = bytes((0x81, size))
        elif size < 65536:
            header = b"\x81\x7e" + size.to_bytes(2, "big")
        else:
            header = b"\x81\x7f" + size.to_bytes(8, "big")
        protocol.transport.write(header + data)
        return True

    def writable(self) -> bool:
        """True when a write goes straight to the transport's buffer (not above its high-water mark)."""
        protocol = self.protocol
        return protocol.writable.is_set() and not protocol.close_sent and not protocol.disconnected

    def pause_reading(self) -> None:
        protocol = self.protocol
        if not protocol.read_paused and not protocol.transport.is_closing():
            protocol.read_paused = True
            protocol.transport.pause_reading()

    def resume_reading(self) -> None:
        protocol = self.protocol
        if protocol.read_paused:
            protocol.read_paused = False
            if not protocol.transport.is_closing():
                protocol.transport.resume_reading()

    def detach(self) -> None:
        """No more calls (the owner is gone); later messages are dropped."""
        self.protocol.on_text = _drop
        self.protocol.on_gone = _nothing


def _drop(_text: str) -> None:
    return None


def _nothing() -> None:
    return None


class _Tap:
    """Stands in for the protocol's ASGI queue once attached: a disconnect message becomes one
    ``on_gone()`` (and is still queued, for an ASGI ``receive`` made afterwards)."""

    def __init__(self, protocol: FastWebSocketProtocol, queue: Any) -> None:
        self.protocol = protocol
        self.queue = queue
        self.gone = False

    def put_nowait(self, message: Any) -> None:
        self.queue.put_nowait(message)
        if message["type"] == "websocket.disconnect" and not self.gone:
            self.gone = True
            self.protocol.on_gone()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.queue, name)


class FastWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buffer = b""
        self.in_place = False  # frames are parsed here (decided once, at the first data after the handshake)
        self.decided = False
        self.on_text: Callable[[str], None] | None = None
        self.on_gone: Callable[[], None] = _nothing

    # -- the extension --------------------------------------------------------------------------

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = {"attach": self.attach}

    def attach(self, on_text: Callable[[str], None], on_gone: Callable[[], None]) -> FastChannel:
        """Deliver this socket's text messages to ``on_text`` from now on (those already queued first)."""
        queue = self.queue
        self.on_text = on_text
        self.on_gone = on_gone
        self.queue = _Tap(self, queue)  # type: ignore[assignment]
        channel = FastChannel(self)
        early: list[Any] = []
        while not queue.empty():
            early.append(queue.get_nowait())
        gone = False
        for message in early:
            if message["type"] == "websocket.receive":
                if not gone:
                    on_text(message.get("text") or "")
            else:
                gone = True
                queue.put_nowait(message)
        if gone:
            self.queue.gone = True  # type: ignore[attr-defined]
            on_gone()
        else:
            channel.resume_reading()  # uvicorn paused reading after the first queued message
        return channel

    def send_receive_event_to_app(self) -> None:
        if self.on_text is None:
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return
        if self.curr_msg_data_type == "text":
            try:
                text = data.decode()
            except UnicodeDecodeError:  # pragma: no cover - the websockets parser has checked it
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        else:
            text = ""  # a binary message on a text socket: answered as a bad frame
        self.on_text(text)

    async def send(self, message: Any) -> None:
        """A text frame on an open, writable socket is written here in one ``transport.write``."""
        if (message["type"] == "websocket.send" and self.handshake_complete and self.initial_response is None
                and not self.close_sent and not self.disconnected and self.writable.is_set()
                and message.get("bytes") is None and message.get("text") is not None):
            FastChannel(self).write_text(message["text"].encode())
            return
        await super().send(message)

    # -- frames parsed in place -----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if not self.in_place:
            if self.decided or not self.handshake_complete or self.initial_response is not None or self.close_sent:
                super().data_received(data)
                return
            self.decided = True
            # Only at a frame boundary: nothing half-read in the websockets parser.
            if self.conn.reader.buffer or self.response.status_code != 101 or self.conn.extensions:
                super().data_received(data)
                return
            self.in_place = True
        buffer = self.buffer + data if self.buffer else data
        size = len(buffer)
        start = 0
        while size - start >= 2:
            first, second = buffer[start], buffer[start + 1]
            length = second & 0x7F
            head = 2
            if length == 126:
                if size - start < 4:
                    break
                length = int.from_bytes(buffer[start + 2:start + 4], "big")
                head = 4
            elif length == 127:  # a frame of 64 KiB or more: the websockets parser (and its max_size)
                self._hand_over(buffer[start:])
                return
            total = head + 4 + length if second & 0x80 else head + length
            if size - start < total:
                break
            if first == _TEXT_FIN and second & 0x80 and (self.config.ws_max_size is None or length <= self.config.ws_max_size):
                mask = buffer[start + head:start + head + 4]
                payload = apply_mask(buffer[start + head + 4:start + total], mask)
                try:
                    text = payload.decode()
                except UnicodeDecodeError:
                    self._parse_one(buffer[start:start + total])
                else:
                    self._deliver(text)
            else:
                self._parse_one(buffer[start:start + total])
            start += total
            if not self.in_place:  # a close frame (or an error) went to the websockets parser: it keeps the rest
                if start < size:
                    super().data_received(buffer[start:])
                self.buffer = b""
                return
        self.buffer = buffer[start:] if start < size else b""

    def _deliver(self, text: str) -> None:
        if self.close_sent:
            return
        if self.on_text is not None:
            self.on_text(text)
            return
        self.curr_msg_data_type = "text"
        self.queue.put_nowait({"type": "websocket.receive", "text": text})
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    def _parse_one(self, frame: bytes) -> None:
        """One whole frame through the websockets parser (and uvicorn's handling of it)."""
        if frame[0] & 0x0F == 0x8:  # close: the closing handshake is the websockets parser's from here on
            self.in_place = False
        super().data_received(frame)
        if self.conn.parser_exc is not None or self.close_sent:
            self.in_place = False

    def _hand_over(self, rest: bytes) -> None:
        self.in_place = False
        self.buffer = b""
        super().data_received(rest)
