"""Tokens, role guards, and socket authentication.

A token is ``base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, claims))``; the claims
(:class:`floor.accounts.model.Principal`) are role, subject, warehouse ('*' = all), expiry, the
token's id ``jti``, the subject's ``epoch`` at login and, for channel users, the channels it may
post for. Every route names the roles it admits with :func:`roles`; the guard checks signature and
expiry, then (through :class:`handheld_api.sessions.Sessions`) that the token was not revoked, and
puts the :class:`Principal` on ``connection.state.principal``.

HTTP takes the token only from ``Authorization: Bearer``. Sockets take, in this order: a
single-use ``?ticket=`` (``POST /api/auth/ticket``; what the pages use), the ``Authorization``
header of the upgrade request (machine clients), or ``?token=`` unless FLOOR_WS_QUERY_TOKEN=0.
Query strings are redacted from every log line (:mod:`handheld_api.logs`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

import msgspec
from litestar import WebSocket
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from floor.accounts.model import ROLES, Principal
from floor.store.client import UNAVAILABLE_ERRORS
from handheld_api.sessions import Sessions
from handheld_api.ws.protocol import error_frame

__all__ = ["Principal", "TokenSigner", "authenticate", "roles", "token_from"]


class TokenSigner:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self.key = secret.encode()
        self.ttl_s = ttl_s

    def issue(self, role: str, subject: str, warehouse: str, *, epoch: int = 0,
              channels: Sequence[str] = ()) -> tuple[str, Principal]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role}")
        principal = Principal(role, subject, warehouse, int((time.time() + self.ttl_s) * 1000),
                              jti=secrets.token_urlsafe(12), epoch=epoch, channels=list(channels))
        claims = msgspec.json.encode(principal)
        signature = hmac.new(self.key, claims, hashlib.sha256).digest()
        return f"{_b64(claims)}.{_b64(signature)}", principal

    def verify(self, token: str) -> Principal | None:
        """The claims of a well-signed, unexpired token (no I/O: revocation is checked apart)."""
        if not token or len(token) > 8192:
            return None
        try:
            claims_text, signature_text = token.split(".")
            claims = _unb64(claims_text)
            signature = _unb64(signature_text)
        except ValueError:
            return None
        expected = hmac.new(self.key, claims, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return None
        try:
            principal = msgspec.json.decode(claims, type=Principal)
        except msgspec.DecodeError:
            return None
        if principal.expires_ms < time.time() * 1000:
            return None
        return principal


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError("bad base64") from error


def token_from(connection: ASGIConnection) -> str:  # type: ignore[type-arg]
    """The token of ``Authorization: Bearer`` (HTTP never reads the query string, which logs keep)."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return ""


def roles(*allowed: str):  # type: ignore[no-untyped-def]
    """A Litestar guard admitting the given roles (admin is always admitted). The guard's roles are
    readable as ``guard.roles`` (the route-table test walks them)."""

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        signer: TokenSigner = connection.app.state.signer
        principal = signer.verify(token_from(connection))
        if principal is None:
            raise NotAuthorizedException("missing, invalid or expired token (POST /api/auth/login)")
        sessions: Sessions = connection.app.state.sessions
        if not await sessions.valid(principal):
            raise NotAuthorizedException("this token was ended (logout, disabled account or new secret): log in again")
        if principal.role not in allowed and principal.role != "admin":
            raise PermissionDeniedException(f"role '{principal.role}' may not do this (needs {', '.join(allowed)})")
        connection.state.principal = principal

    guard.roles = allowed  # type: ignore[attr-defined]
    return guard


async def _socket_principal(socket: WebSocket) -> tuple[Principal | None, str]:  # type: ignore[type-arg]
    """The principal a socket presents, or None and why."""
    ticket = socket.query_params.get("ticket")
    if ticket is not None:
        principal = await socket.app.state.floor.accounts.redeem_ticket(ticket)
        return principal, "" if principal else "unknown, used or expired ticket (POST /api/auth/ticket)"
    signer: TokenSigner = socket.app.state.signer
    token = token_from(socket)
    if not token and "token" in socket.query_params:
        if not socket.app.state.ws_query_token:
            return None, "tokens in the URL are refused here: connect with ?ticket= (POST /api/auth/ticket)"
        token = socket.query_params.get("token", "")
    principal = signer.verify(token)
    return principal, "" if principal else "missing, invalid or expired token"


async def authenticate(socket: WebSocket, allowed: tuple[str, ...]) -> Principal | None:  # type: ignore[type-arg]
    """Accept, check the socket's ticket or token; on failure send an error frame and close (4401
    bad or ended token, 4403 wrong role, 1013 store unreachable: try again). Sockets admit exactly the roles named (no implicit admin:
    a handheld socket acts as one picker in one warehouse). An accepted socket is registered so it
    is closed (4401) when its token is revoked or its subject disabled."""
    await socket.accept()
    sessions: Sessions = socket.app.state.sessions
    try:
        principal, reason = await _socket_principal(socket)
        if principal is not None and not await sessions.valid(principal):
            principal, reason = None, "this login was ended (logout, disabled or new PIN): log in again"
    except UNAVAILABLE_ERRORS:
        # The store is down: the ticket was not used up; the client reconnects with it (or a new one).
        await socket.send_text(error_frame(
            "unavailable", "the store is unreachable: connect again shortly", retry=True).decode())
        await socket.close(code=1013)  # RFC 6455 "Try Again Later"
        return None
    if principal is None:
        await socket.send_text(error_frame("unauthorized", reason).decode())
        await socket.close(code=4401)
        return None
    if principal.role not in allowed:
        await socket.send_text(error_frame("forbidden", f"role '{principal.role}' may not use this socket").decode())
        await socket.close(code=4403)
        return None
    sessions.add_socket(socket, principal)
    return principal
