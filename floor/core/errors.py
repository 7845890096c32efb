"""Errors raised by the floor.

Every error a caller can act on derives from :class:`FloorError`; the HTTP layer maps each
subclass to one status code and passes ``reason`` through to the client::

    FloorError
    ├── ValidationError        (422) the input is malformed or names something impossible
    ├── NotFoundError          (404) the warehouse, order, task, SKU ... does not exist
    ├── IllegalTransitionError (409) a lifecycle move the transition table forbids
    ├── ConflictError          (409) the state changed underneath; reload and try again
    ├── InsufficientStockError (409) the command would take ``available`` below zero
    └── AuthError              (401) bad credentials or token
        └── ForbiddenError     (403) authenticated, but the role may not do this

Floor *exceptions* (short pick, damaged goods) are data, not Python errors: see
:mod:`floor.incidents.model`.
"""

from __future__ import annotations


class FloorError(Exception):
    """Base class: ``reason`` is a short human sentence, ``code`` a stable machine word."""

    status = 400
    code = "bad_request"

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if code is not None:
            self.code = code


class ValidationError(FloorError):
    status = 422
    code = "invalid"


class NotFoundError(FloorError):
    status = 404
    code = "not_found"


class IllegalTransitionError(FloorError):
    status = 409
    code = "illegal_transition"


class ConflictError(FloorError):
    status = 409
    code = "conflict"


class InsufficientStockError(FloorError):
    status = 409
    code = "insufficient_stock"


class AuthError(FloorError):
    status = 401
    code = "unauthorized"


class ForbiddenError(AuthError):
    status = 403
    code = "forbidden"
