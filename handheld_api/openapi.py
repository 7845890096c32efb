"""Make the OpenAPI document tell the truth about errors and about who may call what.

Litestar documents a route's success status and, for routes with input, a 400 body the API
never sends (its own ``{status_code, detail, extra}``). Every error this API answers is an
:class:`~handheld_api.http.common.ErrorBody` (app.py's exception handlers make it so), and which
statuses a route can answer follows from what it is, so this module derives them centrally
instead of repeating them on every handler:

====  ===========================================================  ==========================
400   the body or a parameter does not parse (Litestar validation)  routes with input
401   missing, invalid or expired token                             guarded routes
403   the token's role or warehouse may not do this                 guarded routes
404   the warehouse, or the thing the path names, does not exist    ``/api/`` except login
409   a lifecycle or stock conflict                                 ``/api/`` POST commands
413   the body is larger than FLOOR_MAX_BODY_BYTES                  POST routes
422   the input parses but is not acceptable (a reason says why)    ``/api/`` routes
429   too many failed log-ins (lock-out)                            login
503   the store (Redis) is unreachable                              ``/api/`` routes
====  ===========================================================  ==========================

Routes without guards are public: their operations carry ``security: []`` (Litestar would
otherwise leave them under the document-wide bearer requirement). A status a handler documents
itself (``responses=``) is kept. Call :func:`document` once on the built app, before the schema
is first served; tests/handheld_api/test_openapi_conformance.py runs schemathesis against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.routes import HTTPRoute

from handheld_api.http.common import ErrorBody

DESCRIPTIONS = {
    400: "The body or a parameter could not be read (details name the field)",
    401: "Missing, invalid or expired token (POST /api/auth/login)",
    403: "The token's role or warehouse may not do this",
    404: "The warehouse, or what the path names, does not exist",
    409: "Conflict: a lifecycle move the state does not allow, or not enough stock",
    413: "The request body is too large",
    422: "The input is not acceptable: the reason says why",
    429: "Too many failed attempts: locked out for a while (Retry-After)",
    503: "The store is unreachable: try again shortly (Retry-After)",
}
LOGIN = "/api/auth/login"
_RESERVED = {"request", "socket", "state", "headers", "cookies", "query", "scope", "body"}  # not client input


@dataclass
class PublicOperation(Operation):
    """An operation anyone may call: ``security: []`` overrides the document-wide requirement."""

    def __post_init__(self) -> None:
        if self.security is None:
            self.security = []


def error_statuses(path: str, methods: set[str], guarded: bool, has_input: bool) -> set[int]:
    """The error statuses a route can answer (see the module table). Pure."""
    statuses: set[int] = set()
    api = path.startswith("/api/")
    if has_input:
        statuses.add(400)
    if guarded:
        statuses |= {401, 403}
    if api:
        statuses |= {422, 503}
        if path != LOGIN:
            statuses |= {403, 404}
    if "POST" in methods:
        statuses.add(413)
        if api and path != LOGIN:
            statuses.add(409)
    if path == LOGIN:
        statuses |= {401, 429}
    return statuses


def document(app: Litestar) -> None:
    """Add the ErrorBody responses and the public marking to every documented HTTP handler."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            signature = handler.parsed_fn_signature.parameters
            has_input = any(name not in _RESERVED for name in signature)
            guarded = bool(handler.resolve_guards())
            methods = {str(m) for m in handler.http_methods}
            responses = dict(handler.responses or {})
            for status in sorted(error_statuses(route.path, methods, guarded, has_input)):
                responses.setdefault(
                    status, ResponseSpec(ErrorBody, description=DESCRIPTIONS[status], generate_examples=False)
                )
            handler.responses = responses
            if not guarded:
                handler.operation_class = PublicOperation
