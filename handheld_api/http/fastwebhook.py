"""The shop webhook's hot path: route middleware on ``POST /api/channels/{channel}/{shop}/webhook`` that
answers a well-formed delivery from the raw ASGI ``receive`` / ``send`` (the way /ws/handheld's
``raw_channel`` does for its socket), without Litestar's per-request machinery (Request object,
signature model, parameter parsing, response object). Issue 7: ~100 µs of web CPU per order.

Invariant: the answer is the one the Litestar handler gives. Everything unusual goes to that handler
unchanged — path parameters outside their declared patterns (400), no or a bad ``content-length``,
a body larger than the route's limit (413): the fast path only takes what the handler would read the
same way. Errors raised here (401 bad signature, 400 malformed body, 404 unknown shop ...) are raised
before the response starts, into the app's exception handlers (the same error bodies). The response
is one ``http.response.start`` with its length and one body message.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import msgspec
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.exceptions import InternalServerException
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

_CHANNEL = re.compile(r"^(taobao|tmall|jd|pinduoduo|douyin|shopify|own_site)$")  # as ChannelPath
_SHOP = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # as ShopPath
_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")


def fast_webhook(app: ASGIApp) -> ASGIApp:
    """Route middleware (the webhook route only): see the module docstring."""

    async def webhook(scope: Scope, receive: Receive, send: Send) -> None:
        params = scope.get("path_params") or {}
        channel, shop = params.get("channel"), params.get("shop")
        if (not isinstance(channel, str) or not isinstance(shop, str)
                or not _CHANNEL.match(channel) or not _SHOP.match(shop)):
            await app(scope, receive, send)
            return
        headers = _headers(scope)
        if not _takes(headers, scope["route_handler"].resolve_request_max_body_size()):  # type: ignore[union-attr]
            await app(scope, receive, send)  # the handler answers (413, chunked bodies ...)
            return
        await _answer(scope, receive, send, channel, shop, headers)

    return webhook


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


def _takes(headers: dict[str, str], limit: int | None) -> bool:
    """Whether the fast path reads this body the way the handler would (a length within the limit)."""
    length = headers.get("content-length", "")
    return length.isdigit() and (limit is None or int(length) <= limit) and "transfer-encoding" not in headers


async def _answer(scope: Scope, receive: Receive, send: Send, channel: str, shop: str, headers: dict[str, str]) -> None:
    """Read the body, take the delivery, answer: anything raised is raised before the response starts."""
    body = await _body(receive)
    query = query_params(scope.get("query_string", b""))
    receipt = await scope["app"].state.floor.channels.receive(channel, shop, body, headers, query)
    content = _encode(receipt)
    await send({"type": "http.response.start", "status": 200,
                "headers": [_JSON, (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content, "more_body": False})


_PROBE = "/api/channels/shopify/probe/webhook"
_ERROR = "floor.fastwebhook.error"  # scope key: the error the fast path raised, re-raised to Litestar's handling


async def _reraise(scope: Scope, _receive: Receive, _send: Send) -> None:
    raise scope.pop(_ERROR)  # type: ignore[misc]


try:  # Litestar internals the bypass needs (2.x); without them it is not installed (everything via the router)
    from litestar._asgi.utils import is_valid_host, wrap_in_exception_handler
except ImportError:  # pragma: no cover - another Litestar 2 release
    is_valid_host = wrap_in_exception_handler = None  # type: ignore[assignment]


def install(app: Litestar) -> bool:
    """Let a well-formed delivery to the webhook route skip Litestar's per-request routing and
    exception middleware (issue 7 round 3: ~5 % of the web process's work per order).

    The app's ASGI handler is wrapped: a ``POST`` whose path is exactly the webhook route's (no root
    path, a valid channel and shop, a valid Host header: what Litestar's router checks) and whose body
    the fast path takes (:func:`_takes`) is answered by :func:`_answer` with the scope Litestar's
    router would have set (path params, route handler, template). An error it raises (before the
    response starts) is handed to Litestar's own exception middleware with the route's exception
    handlers: the same logging, hooks and error body. Everything else goes through Litestar unchanged.
    Not installed (False) when the app has anything that wraps every request (CORS, before_send hooks,
    OpenTelemetry) or the route's stack is more than :func:`fast_webhook` over the handler."""
    if is_valid_host is None or wrap_in_exception_handler is None:
        return False
    if app.cors_config or app.before_send or any(type(p).__name__ == "OpenTelemetryPlugin" for p in app.plugins):
        return False
    route_app, handler, _path, _params, template = app.asgi_router.handle_routing(path=_PROBE, method="POST")
    if getattr(route_app, "__qualname__", "") != "fast_webhook.<locals>.webhook":
        return False
    handlers = handler.resolve_exception_handlers()
    limit = handler.resolve_request_max_body_size()  # type: ignore[union-attr]
    inner = app.asgi_handler
    errors = wrap_in_exception_handler(app=_reraise)

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["method"] == "POST" and not scope.get("root_path"):
            parts = scope["path"].split("/")
            if (len(parts) == 6 and parts[5] == "webhook" and parts[2] == "channels" and parts[1] == "api"
                    and parts[0] == "" and _CHANNEL.match(parts[3]) and _SHOP.match(parts[4])):
                headers = _headers(scope)
                host = next((value for name, value in scope["headers"] if name == b"host"), None)  # as Litestar
                if _takes(headers, limit) and (host is None or is_valid_host(host)):
                    scope["path_params"] = {"channel": parts[3], "shop": parts[4]}
                    scope["route_handler"] = handler
                    scope["path_template"] = template
                    try:
                        await _answer(scope, receive, send, parts[3], parts[4], headers)
                    except Exception as error:  # raised before the response started (see _answer)
                        ScopeState.from_scope(scope).exception_handlers = handlers
                        scope[_ERROR] = error  # type: ignore[literal-required]
                        await errors(scope, receive, send)
                    return
        await inner(scope, receive, send)

    app.asgi_handler = handle
    return True


def query_params(query_string: bytes) -> dict[str, str]:
    """The query as Litestar's ``parse_query_string`` reads it (latin-1, ``&`` only, blank values kept,
    ``+`` and ``%xx`` decoded as UTF-8; the last of a repeated name wins), without its cost: a name or
    value with nothing to decode is taken as it is (a TOP-style push's signed query)."""
    params: dict[str, str] = {}
    if not query_string:
        return params
    for piece in query_string.decode("latin-1").split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in name or "+" in name:
            name = unquote(name.replace("+", " "))
        if "%" in value or "+" in value:
            value = unquote(value.replace("+", " "))
        params[name] = value
    return params


async def _body(receive: Receive) -> bytes:
    """The whole body (its length was checked against the limit; the server holds it to content-length)."""
    parts: list[bytes] = []
    while True:
        event: Any = await receive()
        if event["type"] == "http.disconnect":
            raise InternalServerException("client disconnected prematurely")
        parts.append(event.get("body", b""))
        if not event.get("more_body", False):
            return parts[0] if len(parts) == 1 else b"".join(parts)
