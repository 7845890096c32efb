"""Which face draws a ZPL font reference: downloaded (~DY) first, else a named local substitute.

Invariant: a substitute is always returned with the sentence saying so (the renderer turns it into
a warning); a downloaded font is used as is, and characters it lacks are reported by the caller.
"""

from __future__ import annotations

from functools import lru_cache

from floor.zpl import fonts

CJK_HINTS = ("ANMDS", "SIMSUN", "SIMHEI", "GB", "MSUNG", "HEI", "SONG", "KAI", "CHINESE", "CJK", "WQY", "NOTO")
BITMAP_FONTS = frozenset("ABCDEFGHPQRSTUV")


@lru_cache(maxsize=4)
def _file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def normalise(name: str) -> str:
    """``E:WAYBILL.TTF`` / ``R:waybill.ttf`` -> ``WAYBILL.TTF`` (drives are searched alike)."""
    name = name.strip().upper()
    return name.split(":", 1)[1] if ":" in name else name


def builtin(letter: str) -> tuple[bytes, str]:
    if letter == "0":
        return _file(str(fonts.LATIN_BOLD)), "font 0 (Zebra scalable) drawn with DejaVu Sans Condensed Bold"
    kind = "bitmap font" if letter in BITMAP_FONTS else "unknown font"
    return _file(str(fonts.LATIN_MONO)), f"{kind} {letter} drawn with DejaVu Sans Mono"


def resident(name: str) -> tuple[bytes, str]:
    """A printer-resident (not downloaded) font name: closest local face and the sentence."""
    if any(hint in name for hint in CJK_HINTS):
        return fonts.cjk_source(), f"font {name} is not downloaded; drawn with {fonts.cjk_source_path().name}"
    return _file(str(fonts.LATIN_BOLD)), f"font {name} is not downloaded; drawn with DejaVu Sans Condensed Bold"
