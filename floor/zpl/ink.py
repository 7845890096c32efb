"""Field contents as ink images (mode '1', 1 = ink) for the renderer: text, boxes, circles, diagonals.

Invariant: nothing here knows label state; each function gets resolved sizes and returns an image
whose (0, 0) is the field's top-left before rotation. ``rotate`` applies ZPL orientations N/R/I/B.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

ROTATIONS = {"N": None, "R": Image.Transpose.ROTATE_270, "I": Image.Transpose.ROTATE_180,
             "B": Image.Transpose.ROTATE_90}


@lru_cache(maxsize=256)
def truetype(data: bytes, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(data), size=max(1, size))


def rotate(image: Image.Image, orientation: str) -> Image.Image:
    how = ROTATIONS.get(orientation)
    return image if how is None else image.transpose(how)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrap at ``width`` dots: at spaces for Latin words, anywhere for CJK; ``\\&`` breaks."""
    lines: list[str] = []
    for paragraph in text.split("\\&"):
        line = ""
        for char in paragraph:
            trial = line + char
            if line and font.getlength(trial) > width:
                cut = line.rfind(" ")
                if char != " " and cut > 0 and line[cut + 1:].isascii():
                    lines.append(line[:cut])
                    line = line[cut + 1:] + char
                else:
                    lines.append(line.rstrip())
                    line = "" if char == " " else char
            else:
                line = trial
        lines.append(line)
    return lines


def text_block(
    lines: list[str], font: ImageFont.FreeTypeFont, height: int, block_width: int | None, spacing: int,
    justify: str, x_scale: float,
) -> tuple[Image.Image, int]:
    """(ink, lift): a line's baseline sits ``height - descent`` below the field origin, as Zebra places
    TrueType text; glyphs taller than that rise above the origin by ``lift`` dots."""
    widths = [int(font.getlength(line) + 0.999) for line in lines]
    inner = max(widths) if widths else 1
    width = block_width if block_width and x_scale == 1 else inner
    step = height + spacing
    ascent, descent = font.getmetrics()
    baseline = height - descent
    lift = max(0, ascent - baseline)
    tall = max(1, lift + step * (len(lines) - 1) + height)
    image = Image.new("1", (max(1, width), tall), 0)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    for i, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
        x = 0
        if block_width and x_scale == 1:
            if justify == "C":
                x = (block_width - line_width) // 2
            elif justify == "R":
                x = block_width - line_width
        draw.text((x, lift + i * step + baseline), line, font=font, fill=1, anchor="ls")
    if x_scale != 1:
        image = image.resize((max(1, int(image.width * x_scale)), image.height), Image.Resampling.NEAREST)
    return image, lift


def box(width: int, height: int, thickness: int, rounding: int) -> Image.Image:
    width, height = max(width, thickness, 1), max(height, thickness, 1)
    image = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(image)
    radius = rounding * min(width, height) // 16
    if radius:
        draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=radius, outline=1, width=thickness)
    else:
        draw.rectangle((0, 0, width - 1, height - 1), outline=1, width=thickness)
    if thickness * 2 >= min(width, height):
        draw.rectangle((0, 0, width - 1, height - 1), fill=1)
    return image


def ellipse(width: int, height: int, thickness: int) -> Image.Image:
    width, height = max(width, 1), max(height, 1)
    image = Image.new("1", (width, height), 0)
    ImageDraw.Draw(image).ellipse((0, 0, width - 1, height - 1), outline=1, width=max(1, thickness))
    return image


def diagonal(width: int, height: int, thickness: int, lean: str) -> Image.Image:
    width, height, thickness = max(width, thickness, 1), max(height, thickness, 1), max(thickness, 1)
    image = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(image)
    top_x = width - thickness if lean in ("R", "/") else 0
    bottom_x = 0 if lean in ("R", "/") else width - thickness
    draw.polygon([(top_x, 0), (top_x + thickness - 1, 0), (bottom_x + thickness - 1, height - 1),
                  (bottom_x, height - 1)], fill=1)
    return image
