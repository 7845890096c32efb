"""Fonts: the Debian CJK font subset per label (for ~DY), and the local faces the renderer draws with.

Per-label subsets are cut by :mod:`floor.zpl.ttf` (byte copies of the glyphs, ~1 ms); fontTools
reads the Debian collection once. Invariant: ``subset(text)`` returns a TrueType font holding a glyph for every character of ``text``
that the source font has (plus .notdef); ``missing(text)`` names the ones it has not, so the builder
can refuse or warn before a label prints empty boxes. Sources are read from Debian packages only
(fonts-wqy-microhei, fonts-noto-cjk, fonts-dejavu-core); nothing downloads.
"""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.ttLib import TTCollection, TTFont

from floor.zpl import ttf

CJK_SOURCES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
LATIN_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf")
LATIN_MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
_SUBSETS: OrderedDict[frozenset[str], bytes] = OrderedDict()
_SUBSET_CACHE = 512
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


class FontMissing(RuntimeError):
    """No CJK source font installed: install fonts-wqy-microhei (Debian)."""


def cjk_source_path() -> Path:
    for path in CJK_SOURCES:
        if path.exists():
            return path
    raise FontMissing("no CJK font found: apt-get install fonts-wqy-microhei")


@lru_cache(maxsize=1)
def cjk_source() -> bytes:
    """Face 0 of the Debian collection as a standalone TrueType file."""
    path = cjk_source_path()
    font = TTCollection(str(path), lazy=True).fonts[0] if path.suffix == ".ttc" else TTFont(str(path))
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _options() -> ft_subset.Options:
    options = ft_subset.Options()
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [1, 2, 4, 6]
    return options


def _cut(source: bytes, text: str) -> bytes:
    font = TTFont(io.BytesIO(source), lazy=True)
    subsetter = ft_subset.Subsetter(_options())
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def cmap_of(font: bytes) -> frozenset[int]:
    """The code points a TrueType font maps (the renderer's glyph check)."""
    return ttf.read_cmap(font)


@lru_cache(maxsize=1)
def _source() -> ttf.Source:
    return ttf.Source(cjk_source())


def missing(text: str, font: bytes | None = None) -> str:
    """The characters of ``text`` (not whitespace) with no glyph in ``font`` (default: the CJK source)."""
    cmap = cmap_of(font if font is not None else cjk_source())
    return "".join(sorted({c for c in text if not c.isspace() and ord(c) not in cmap}))


def subset(text: str) -> bytes:
    """A TrueType font with just the glyphs of ``text`` (cached per character set)."""
    chars = frozenset(text) | {" "}
    cached = _SUBSETS.get(chars)
    if cached is not None:
        _SUBSETS.move_to_end(chars)
        return cached
    text = "".join(sorted(chars))
    data = _source().cut(text) or _cut(cjk_source(), text)
    _SUBSETS[chars] = data
    if len(_SUBSETS) > _SUBSET_CACHE:
        _SUBSETS.popitem(last=False)
    return data


def download_command(name: str, font: bytes) -> str:
    """``~DY`` storing ``font`` as ``E:<name>.TTF`` in ASCII hex (text-safe in any transport)."""
    return f"~DYE:{name},A,T,{len(font)},,{font.hex().upper()}"
