"""uvicorn's httptools HTTP/1.1 protocol with each response's head and first body part in ONE write.

uvicorn writes the status line + headers when the app sends ``http.response.start`` and the body when
it sends ``http.response.body``: two ``send`` system calls per answer (and on loopback two wake-ups of
the client). Issue 7 measured the head write alone at ~8 % of the web process on the webhook path.
:class:`OneWriteHttpToolsProtocol` holds the head bytes uvicorn produced and writes them together with
the first body part (or alone, when the response ends without one, e.g. ``HEAD``, or when the
transport is closed). Nothing else changes: uvicorn builds the head, checks lengths, keeps alive.

``python -m handheld_api.serve`` uses it unless ``--http`` names another (``--http fast`` names it).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle


class _Hold:
    """Stands in for the transport while uvicorn writes the head: keeps the bytes instead."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.head = b""

    def write(self, data: bytes) -> None:
        self.head += data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class _Prefix:
    """Stands in for the transport while uvicorn writes the first body part: head + part in one write."""

    def __init__(self, transport: Any, head: bytes) -> None:
        self.transport = transport
        self.head = head

    def write(self, data: bytes) -> None:
        head, self.head = self.head, b""
        self.transport.write(head + data if head else data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def flush(self) -> None:
        if self.head:
            head, self.head = self.head, b""
            self.transport.write(head)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class OneWriteCycle(RequestResponseCycle):
    _held: bytes = b""

    async def send(self, message: Any) -> None:
        transport = self.transport
        if message["type"] == "http.response.start" and not self.response_started:
            hold = _Hold(transport)
            self.transport = hold  # type: ignore[assignment]
            try:
                await super().send(message)
            finally:
                self.transport = transport
            self._held = hold.head
            return
        if not self._held:
            await super().send(message)
            return
        prefix = _Prefix(transport, self._held)
        self._held = b""
        self.transport = prefix  # type: ignore[assignment]
        try:
            await super().send(message)
        finally:
            self.transport = transport
            if not transport.is_closing():
                prefix.flush()  # the response ended without a body write (HEAD ...): the head alone


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        cycle.__class__ = OneWriteCycle  # before its task first runs: every send goes through OneWriteCycle
        super()._start_asgi_task(cycle, app)
