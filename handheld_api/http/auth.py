"""``/api/auth``: log in (badge + PIN, or username + password). Public: it is how a token is got."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post

from floor.core.errors import ValidationError
from handheld_api.auth import TokenSigner
from handheld_api.http.common import floor_of


class Login(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Picker: badge + pin. Everyone else: username + password."""

    badge: str | None = None
    pin: str | None = None
    username: str | None = None
    password: str | None = None


class LoginResult(msgspec.Struct, frozen=True):
    token: str
    role: str
    subject: str
    warehouse: str
    expires_ms: int


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200, security=[], summary="Log in: picker badge + PIN, or username + password",
          description="Public. Lock-out: 5 failed attempts per badge/user and client address within 5 "
          "minutes answer 429 (see docs/security.md).")
    async def login(self, data: Login, request: Request[Any, Any, Any]) -> LoginResult:
        floor = floor_of(request)
        signer: TokenSigner = request.app.state.signer
        address = _address(request)
        if data.badge is not None and data.pin is not None and data.username is None:
            if not 1 <= len(data.badge) <= 64 or not 1 <= len(data.pin) <= 64:
                raise ValidationError("badge and pin are 1-64 characters")
            picker = await floor.accounts.login_picker(data.badge, data.pin, address)
            token, principal = signer.issue("picker", picker.picker_id, picker.warehouse)
        elif data.username is not None and data.password is not None and data.badge is None:
            if not 1 <= len(data.username) <= 64 or not 1 <= len(data.password) <= 256:
                raise ValidationError("username is 1-64 and password 1-256 characters")
            user = await floor.accounts.login_user(data.username, data.password, address)
            scope = "*" if "*" in user.warehouses else user.warehouses[0]
            token, principal = signer.issue(user.role, user.username, scope)
        else:
            raise ValidationError("send either badge + pin or username + password")
        return LoginResult(token, principal.role, principal.subject, principal.warehouse, principal.expires_ms)
