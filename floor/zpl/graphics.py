"""Bitmap data of ^GF and ~DG: ASCII hex (with Zebra run-length compression), binary, :Z64: and :B64:.

Invariant: ``decode`` returns exactly ``total`` bytes (rows of ``row_bytes``, 1 bit = 1 black dot)
or raises GraphicError saying what is wrong; ``to_image`` makes the Pillow mask the renderer pastes.
"""

from __future__ import annotations

import base64
import zlib

from PIL import Image


class GraphicError(ValueError):
    pass


def _counts() -> dict[str, int]:
    table = {chr(ord("G") + i): i + 1 for i in range(19)}
    table.update({chr(ord("g") + i): 20 * (i + 1) for i in range(20)})
    return table


COUNTS = _counts()
HEX = frozenset("0123456789ABCDEFabcdef")


def _ascii(text: str, row_bytes: int) -> bytes:
    """Rows of hex; G-Y/g-z repeat counts, ',' pads the row with 0, '!' with 1, ':' repeats the last row."""
    row_chars = row_bytes * 2
    rows: list[str] = []
    current = ""
    repeat = 0
    for char in text:
        if char in COUNTS:
            repeat += COUNTS[char]
            continue
        if char in HEX:
            current += char * (repeat or 1)
            repeat = 0
            while len(current) >= row_chars:
                rows.append(current[:row_chars])
                current = current[row_chars:]
        elif char in ",!":
            rows.append(current + ("0" if char == "," else "F") * (row_chars - len(current)))
            current = ""
        elif char == ":":
            if not rows:
                raise GraphicError("':' repeats a row but there is none yet")
            rows.append(rows[-1])
            current = ""
        elif not char.isspace():
            raise GraphicError(f"unexpected character {char!r} in hex graphic data")
    if current:
        rows.append(current + "0" * (row_chars - len(current)))
    return bytes.fromhex("".join(rows))


def decode(kind: str, data: bytes, total: int, row_bytes: int) -> bytes:
    if row_bytes <= 0 or total <= 0:
        raise GraphicError("graphic needs positive total and bytes per row")
    text = data.decode("latin-1")
    if text.startswith((":Z64:", ":B64:")):
        body = text[5:].split(":", 1)[0]
        raw = base64.b64decode(body)
        out = zlib.decompress(raw) if text.startswith(":Z64:") else raw
    elif kind == "A":
        out = _ascii(text, row_bytes)
    elif kind == "B":
        out = data
    else:
        raise GraphicError(f"compression type {kind!r} (only A, B, :Z64:, :B64:) is not supported")
    if len(out) < total:
        out += b"\x00" * (total - len(out))
    return out[:total]


def to_image(bits: bytes, row_bytes: int) -> Image.Image:
    """A mode '1' image where 1 = black dot (the renderer uses it as a paste mask)."""
    rows = len(bits) // row_bytes
    return Image.frombytes("1", (row_bytes * 8, rows), bits[:rows * row_bytes])
