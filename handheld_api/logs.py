"""No secret in any log line: every log record of the process is redacted when it is made.

uvicorn logs each accepted WebSocket with its path *and query string* at INFO, even with
``--no-access-log`` ("WebSocket /ws/handheld?ticket=... [accepted]"); access logs, tracebacks and
our own messages could carry a token, ticket, PIN or password too. :func:`install` wraps the
process's LogRecord factory so that every record, whichever logger or handler, is formatted once
and redacted before any handler sees it: ``token=``/``ticket=``/``pin=``/``password=``/``secret=``
values, ``"pin": "..."``-style JSON fields and ``Bearer <token>``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"
_NAMES = r"(?:token|ticket|pin|password|passwd|secret|authorization)"
_PATTERNS = (
    re.compile(rf"(?i)(\b{_NAMES}=)[^&\s\"'<>]+"),  # query strings, key=value
    re.compile(rf"(?i)([\"']{_NAMES}[\"']\s*:\s*[\"'])[^\"']*"),  # JSON / dict reprs
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+"),  # Authorization header values
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\1{REDACTED}", text)
    return text


def install() -> None:
    """Redact every log record of this process from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
