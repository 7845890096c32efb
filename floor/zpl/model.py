"""What a render returns: pages (1-bit images), the problems found and the ignored commands.

Invariant: a render never hides anything: ``problems`` holds one entry per ignored command,
substituted font, missing glyph, malformed parameter or unknown command, each with its byte offset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image


@dataclass(frozen=True, slots=True)
class Problem:
    offset: int
    command: str
    message: str
    severity: str = "warning"  # warning (drawn anyway, maybe approximated) | error (not drawn)


@dataclass(slots=True)
class RenderResult:
    pages: list[Image.Image] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # non-visual commands accepted, in order

    def png(self, page: int = 0) -> bytes:
        out = io.BytesIO()
        self.pages[page].save(out, format="PNG", optimize=False, compress_level=1)
        return out.getvalue()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
