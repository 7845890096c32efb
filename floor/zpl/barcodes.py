"""Barcode symbols as 1-bit images: Code 128 bars from our encoder, QR matrices from segno.

Invariant: images are mode '1' with 1 = black, no quiet zone added (ZPL places the symbol itself;
the caller leaves room), module sizes exactly as ^BY / ^BQ magnification say.
"""

from __future__ import annotations

import segno
from PIL import Image

from floor.zpl.code128 import encode, modules


def code128(data: str, mode: str, module: int, height: int) -> tuple[Image.Image, str]:
    """(bars image, human-readable text)."""
    values, text = encode(data, mode)
    pattern = modules(values)
    row = bytes(255 if bit == "1" else 0 for bit in pattern for _ in range(module))
    image = Image.frombytes("L", (len(row), 1), row).resize((len(row), max(1, height)), Image.Resampling.NEAREST)
    return image.convert("1", dither=Image.Dither.NONE), text


class QrError(ValueError):
    pass


def parse_qr_data(data: bytes) -> tuple[str, bytes]:
    """^BQ field data ``<ecc><mode>,<data>``: (error level, payload bytes). Manual mode ``M`` takes a
    character-mode letter (``N``, ``A``, or ``B`` with a 4-digit byte count) before the data."""
    if len(data) < 3 or data[2:3] != b",":
        raise QrError("QR field data must start with '<ECC><mode>,' e.g. 'QA,'")
    level = chr(data[0]).upper()
    if level not in "HQML":
        raise QrError(f"QR error correction {level!r} is not H, Q, M or L")
    mode = chr(data[1]).upper()
    payload = data[3:]
    if mode == "M":
        kind = chr(payload[0]).upper() if payload else ""
        if kind == "B":
            try:
                count = int(payload[1:5])
            except ValueError as error:
                raise QrError("QR manual byte mode needs a 4-digit length") from error
            payload = payload[5:5 + count]
        elif kind in ("N", "A"):
            payload = payload[1:]
        else:
            raise QrError(f"QR manual character mode {kind!r} not supported")
    elif mode != "A":
        raise QrError(f"QR input mode {mode!r} is not A or M")
    return level, payload


def qr(payload: bytes, level: str, magnification: int, mask: int | None = None) -> Image.Image:
    if not payload:
        raise QrError("empty QR payload")
    symbol = segno.make_qr(payload, error=level.lower(), boost_error=False, mask=mask)
    size = len(symbol.matrix)
    flat = bytes(255 if cell & 1 else 0 for row in symbol.matrix for cell in row)
    image = Image.frombytes("L", (size, size), flat)
    scaled = image.resize((size * magnification, size * magnification), Image.Resampling.NEAREST)
    return scaled.convert("1", dither=Image.Dither.NONE)
