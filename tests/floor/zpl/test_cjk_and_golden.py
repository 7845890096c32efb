"""Chinese text is drawn as the font's glyphs (not boxes), and reference labels match their goldens.

Regenerate the goldens on purpose with ``ZPL_GOLDEN_WRITE=1`` (and look at them before committing).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from floor.zpl import fonts
from floor.zpl import ink as inkmod
from floor.zpl.builder import build
from floor.zpl.preview import render
from tests.floor.zpl.helpers import bbox, ink, sample

GOLDEN = Path(__file__).parent / "golden"
TEXT = "收件人张三广东省深圳市"


def _font_own_rendering(font: bytes, text: str, size: int) -> np.ndarray:
    """The string drawn by FreeType straight from the font file, cropped to its ink."""
    face = inkmod.truetype(font, size)
    image = Image.new("1", (size * (len(text) + 2), size * 2), 0)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    draw.text((size, size // 2), text, font=face, fill=1)
    mask = np.asarray(image, dtype=bool)
    x0, y0, x1, y1 = bbox(mask)
    return mask[y0:y1 + 1, x0:x1 + 1]


def test_chinese_text_is_the_downloaded_fonts_glyphs() -> None:
    font = fonts.subset(TEXT)
    zpl = fonts.download_command("CN", font) + f"^XA^CI28^FO40,40^A@N,48,48,E:CN.TTF^FH^FD{TEXT}^FS^XZ"
    result = render(zpl, 812, 200)
    assert result.problems == []
    drawn = ink(result.pages[0])
    x0, y0, x1, y1 = bbox(drawn)
    crop = drawn[y0:y1 + 1, x0:x1 + 1]
    expected = _font_own_rendering(font, TEXT, 48)
    assert crop.shape == expected.shape
    assert (crop ^ expected).sum() <= crop.size * 0.01
    # and it is not tofu: the same text in a face without CJK glyphs (what an un-downloaded font 0
    # prints) differs massively, and is reported
    tofu = render(f"^XA^CI28^FO40,40^A0N,48,48^FD{TEXT}^FS^XZ", 812, 200)
    assert any("has no glyph" in p.message for p in tofu.problems)
    other = ink(tofu.pages[0])
    tx0, ty0, tx1, ty1 = bbox(other)
    assert other[ty0:ty1 + 1, tx0:tx1 + 1].shape != crop.shape or (other[ty0:ty1 + 1, tx0:tx1 + 1] ^ crop).sum() > 500


def test_cjk_via_cw_alias_and_a_at_give_the_same_pixels() -> None:
    font = fonts.subset(TEXT)
    head = fonts.download_command("CN", font)
    via_at = render(head + f"^XA^CI28^FO10,10^A@N,40,40,E:CN.TTF^FD{TEXT}^FS^XZ", 600, 100)
    via_cw = render(head + f"^XA^CI28^CWZ,E:CN.TTF^FO10,10^AZN,40,40^FD{TEXT}^FS^XZ", 600, 100)
    assert (ink(via_at.pages[0]) == ink(via_cw.pages[0])).all()


def test_binary_font_download_is_read_too() -> None:
    font = fonts.subset(TEXT)
    data = f"~DYE:BIN,B,T,{len(font)},,".encode() + font + f"^XA^CI28^FO10,10^A@N,40,40,E:BIN.TTF^FD{TEXT}^FS^XZ".encode()
    result = render(data, 600, 100)
    assert result.problems == [] and ink(result.pages[0]).sum() > 1000


@pytest.mark.parametrize("size", ["100x150", "76x130"])
def test_golden_labels(size: str) -> None:
    page = render(build(sample(size=size))).pages[0]
    path = GOLDEN / f"waybill_{size}.png"
    if os.environ.get("ZPL_GOLDEN_WRITE") == "1":
        page.save(path)
    golden = np.asarray(Image.open(path).convert("1"), dtype=bool)
    now = np.asarray(page.convert("1"), dtype=bool)
    assert golden.shape == now.shape
    changed = int((golden ^ now).sum())
    assert changed <= golden.size * 0.002, f"{changed} dots differ from {path.name}"
