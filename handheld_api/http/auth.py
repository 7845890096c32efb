"""``/api/auth``: log in (public), WebSocket tickets and logout (any role, with the token)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from floor.accounts.model import ROLES
from floor.core.errors import ValidationError
from floor.core.fields import Badge, Input, Password, Username
from handheld_api.auth import TokenSigner, roles
from handheld_api.http.common import ErrorBody, floor_of, principal_of

LoginPin = Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=r"^[0-9]+$", description="ASCII digits")]


class Login(Input, frozen=True, forbid_unknown_fields=True):
    """Picker: badge + pin. Everyone else: username + password."""

    badge: Badge | None = None
    pin: LoginPin | None = None
    username: Username | None = None
    password: Password | None = None


class LoginResult(msgspec.Struct, frozen=True):
    token: str
    role: str
    subject: str
    warehouse: str
    expires_ms: int
    channels: list[str] = []


class Ticket(msgspec.Struct, frozen=True):
    """Open a socket with ``?ticket=<ticket>`` before ``expires_ms``; it works once."""

    ticket: str
    expires_ms: int


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


LOCKED = {429: ResponseSpec(ErrorBody, description="too many failed logins for this badge/user or address")}


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200, security=[], responses=LOCKED,
          summary="Log in: picker badge + PIN, or username + password",
          description="Public. Lock-out: 5 failed attempts per badge/user and client address within 5 "
          "minutes answer 429 (see docs/security.md).")
    async def login(self, data: JSONBody[Login], request: Request[Any, Any, Any]) -> LoginResult:
        floor = floor_of(request)
        signer: TokenSigner = request.app.state.signer
        address = _address(request)
        if data.badge is not None and data.pin is not None and data.username is None:
            identity = await floor.accounts.login_picker(data.badge, data.pin, address)
        elif data.username is not None and data.password is not None and data.badge is None:
            identity = await floor.accounts.login_user(data.username, data.password, address)
        else:
            raise ValidationError("send either badge + pin or username + password")
        token, principal = signer.issue(identity.role, identity.subject, identity.warehouse,
                                        epoch=identity.epoch, channels=identity.channels)
        return LoginResult(token, principal.role, principal.subject, principal.warehouse, principal.expires_ms,
                           principal.channels)

    @post("/ticket", guards=[roles(*ROLES)], status_code=200,
          summary="A single-use WebSocket ticket for this token (valid FLOOR_TICKET_TTL seconds, default 30)",
          description="Open /ws/handheld or /ws/board with ?ticket=<ticket>: the long-lived token never "
          "appears in a URL. A ticket works once and dies with the token it was made from.")
    async def ticket(self, request: Request[Any, Any, Any]) -> Ticket:
        floor = floor_of(request)
        ticket, expires_ms = await floor.accounts.issue_ticket(principal_of(request), floor.settings.ticket_ttl_s)
        return Ticket(ticket, expires_ms)

    @post("/logout", guards=[roles(*ROLES)], status_code=204,
          summary="End this token (on every node within a second; its open sockets are closed)")
    async def logout(self, request: Request[Any, Any, Any]) -> None:
        principal = principal_of(request)
        await floor_of(request).accounts.revoke(principal)
        request.app.state.sessions.forget(principal.sid)
