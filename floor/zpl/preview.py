"""The offline preview: ``render(zpl)`` -> RenderResult (pages, problems, ignored commands).

Importing this module registers every command handler (floor.zpl.commands).
"""

from __future__ import annotations

from floor.zpl import commands  # noqa: F401  (registers the handlers)
from floor.zpl.model import Problem, RenderResult
from floor.zpl.render import Renderer


def render(data: bytes | str, width: int = 812, length: int = 1218) -> RenderResult:
    """Render every label of ``data``; ``width``/``length`` apply until ^PW/^LL say otherwise."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Renderer(width, length).render(raw)


__all__ = ["Problem", "RenderResult", "render"]
