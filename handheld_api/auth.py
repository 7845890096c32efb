"""Tokens and role guards.

A token is ``base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, claims))``; claims are
role, subject, warehouse ('*' = all) and expiry. Every route names the roles it admits with
:func:`roles`; the guard puts the verified :class:`Principal` on ``connection.state.principal``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import msgspec
from litestar import WebSocket
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from floor.accounts.model import ROLES
from handheld_api.ws.protocol import error_frame


class Principal(msgspec.Struct, frozen=True):
    role: str
    subject: str
    warehouse: str  # '*' = every warehouse
    expires_ms: int

    def may_use(self, warehouse: str) -> bool:
        return self.warehouse in ("*", warehouse)


class TokenSigner:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self.key = secret.encode()
        self.ttl_s = ttl_s

    def issue(self, role: str, subject: str, warehouse: str) -> tuple[str, Principal]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role}")
        principal = Principal(role, subject, warehouse, int((time.time() + self.ttl_s) * 1000))
        claims = msgspec.json.encode(principal)
        signature = hmac.new(self.key, claims, hashlib.sha256).digest()
        return f"{_b64(claims)}.{_b64(signature)}", principal

    def verify(self, token: str) -> Principal | None:
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
    """HTTP: the token only from ``Authorization: Bearer`` (never the query string, which logs keep)."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return ""


def roles(*allowed: str):  # type: ignore[no-untyped-def]
    """A Litestar guard admitting the given roles (admin is always admitted)."""

    def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        signer: TokenSigner = connection.app.state.signer
        principal = signer.verify(token_from(connection))
        if principal is None:
            raise NotAuthorizedException("missing, invalid or expired token (POST /api/auth/login)")
        if principal.role not in allowed and principal.role != "admin":
            raise PermissionDeniedException(f"role '{principal.role}' may not do this (needs {', '.join(allowed)})")
        connection.state.principal = principal

    return guard


async def authenticate(socket: WebSocket, allowed: tuple[str, ...]) -> Principal | None:  # type: ignore[type-arg]
    """Accept, check the socket's token (``?token=``); on failure send an error frame and close
    (4401 bad token, 4403 wrong role). Sockets admit exactly the roles named (no implicit admin:
    a handheld socket acts as one picker in one warehouse)."""
    await socket.accept()
    signer: TokenSigner = socket.app.state.signer
    principal = signer.verify(socket.query_params.get("token", ""))
    if principal is None:
        await socket.send_text(error_frame("unauthorized", "missing, invalid or expired token").decode())
        await socket.close(code=4401)
        return None
    if principal.role not in allowed:
        await socket.send_text(error_frame("forbidden", f"role '{principal.role}' may not use this socket").decode())
        await socket.close(code=4403)
        return None
    return principal
