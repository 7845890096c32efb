"""Ids: new ones the server makes, and the checks every outside id passes.

Outside ids (command ids, scan ids, order references) are 1-64 printable ASCII characters
without spaces; the server scopes them by command type and sender before storing them, so two
senders that number their commands 1, 2, 3 ... never see each other's results.
"""

from __future__ import annotations

import secrets
import time

from floor.core.errors import ValidationError

MAX_ID = 64


def new_id(prefix: str) -> str:
    """A fresh id: ``prefix`` + seconds (hex) + 8 random hex digits (sortable by time)."""
    return f"{prefix}{int(time.time()):x}{secrets.token_hex(4)}"


def is_plain_id(value: str, max_length: int = MAX_ID) -> bool:
    """1..max_length printable ASCII characters, no spaces."""
    return 1 <= len(value) <= max_length and value.isascii() and value.isprintable() and " " not in value


def check_id(value: str, what: str = "command_id", max_length: int = MAX_ID) -> str:
    """``value`` if it is a plain id, else ValidationError naming the field."""
    if not is_plain_id(value, max_length):
        raise ValidationError(f"{what} must be 1-{max_length} printable ASCII characters without spaces")
    return value


def check_text(value: str, what: str, max_length: int) -> str:
    """Free text: at most ``max_length`` characters and no control characters."""
    if len(value) > max_length:
        raise ValidationError(f"{what} must be at most {max_length} characters")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        raise ValidationError(f"{what} must not contain control characters")
    return value
