"""The renderer, command by command: what is drawn, and what is reported (with byte offsets)."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from floor.zpl.preview import render
from tests.floor.zpl.helpers import bbox, decode, ink


def one(zpl: str | bytes) -> np.ndarray:
    result = render(zpl, 400, 300)
    assert result.errors == [], result.errors
    return ink(result.pages[0])


def test_box_is_drawn_where_and_as_big_as_asked() -> None:
    mask = one("^XA^FO50,40^GB100,60,5^FS^XZ")
    assert bbox(mask) == (50, 40, 149, 99)
    assert mask[70, 100] == 0 and mask[42, 100] == 1  # hollow, border 5 thick
    filled = one("^XA^FO10,10^GB30,20,20^FS^XZ")
    assert filled[10:30, 10:40].all()


def test_label_home_shift_and_print_orientation() -> None:
    assert bbox(one("^XA^LH20,30^FO10,10^GB10,10,10^FS^XZ")) == (30, 40, 39, 49)
    assert bbox(one("^XA^LS-5^FO10,10^GB10,10,10^FS^XZ")) == (5, 10, 14, 19)
    assert bbox(one("^XA^POI^FO0,0^GB10,10,10^FS^XZ")) == (390, 290, 399, 299)


def test_circle_diagonal_ellipse() -> None:
    circle = one("^XA^FO100,100^GC50,3^FS^XZ")
    assert bbox(circle) == (100, 100, 149, 149) and circle[125, 125] == 0
    right = one("^XA^FO0,0^GD40,40,3,B,R^FS^XZ")
    assert right[0, 38] and right[39, 1] and not right[0, 0]
    left = one("^XA^FO0,0^GD40,40,3,B,L^FS^XZ")
    assert left[0, 1] and left[39, 38] and not left[0, 39]
    assert bbox(one("^XA^FO10,20^GE80,40,2^FS^XZ")) == (10, 20, 89, 59)


def test_field_reverse_and_white_lines() -> None:
    mask = one("^XA^FO0,0^GB100,100,100^FS^FO25,25^FR^GB50,50,50^FS^XZ")
    assert mask[10, 10] and not mask[50, 50]
    white = one("^XA^FO0,0^GB100,100,100^FS^FO40,0^GB20,100,20,W^FS^XZ")
    assert white[50, 10] and not white[50, 50]


def test_graphic_field_hex_compressed_z64_and_download_recall() -> None:
    # 16x3 dots: row 1 all black, row 2 = row 1 (':'), row 3 left half black (',' pads with zeros)
    mask = one("^XA^FO10,10^GFA,6,6,2,FFFF:FF,^FS^XZ")
    assert mask[10:12, 10:26].all() and mask[12, 10:18].all() and not mask[12, 18:26].any()
    packed = base64.b64encode(zlib.compress(b"\xff\x00" * 4)).decode()
    z64 = one(f"^XA^FO0,0^GFA,8,8,2,:Z64:{packed}:0000^FS^XZ")
    assert z64[0:4, 0:8].all() and not z64[0:4, 8:16].any()
    recalled = render("~DGR:LOGO.GRF,4,1,F0F0F0F0^XA^FO5,5^XGR:LOGO.GRF,2,2^FS^XZ", 100, 100)
    assert recalled.errors == [] and bbox(ink(recalled.pages[0])) == (5, 5, 12, 12)
    binary = render(b"^XA^FO0,0^GFB,2,2,1,\xff\x80^FS^XZ", 50, 50)
    assert binary.errors == [] and bbox(ink(binary.pages[0])) == (0, 0, 7, 1)


def test_stored_format_and_field_numbers() -> None:
    zpl = ("^XA^DFR:SHIP.ZPL^FS^FO20,20^BY2^BCN,60,N,N,N,N^FN1^FDDEFAULT^FS^FO20,200^BQN,2,4^FN2^FS^XZ"
           "^XA^XFR:SHIP.ZPL^FS^FN1^FDJD0001234567-1-1-^FS^FN2^FDLA,张三 广东省^FS^XZ")
    result = render(zpl, 600, 400)
    assert result.errors == [] and len(result.pages) == 1  # the ^DF label itself prints nothing
    assert {(f, t) for f, t, _b in decode(result.pages[0])} == {("Code128", "JD0001234567-1-1-"),
                                                               ("QRCode", "张三 广东省")}
    missing = render("^XA^XFR:NONE.ZPL^FS^XZ")
    assert any("no such stored format" in p.message for p in missing.errors)


def test_prefix_and_delimiter_changes() -> None:
    mask = one("^XA^CC+ +FO10,10+GB20,20,20+FS+XZ")
    assert bbox(mask) == (10, 10, 29, 29)
    assert bbox(one("^XA^CD;^FO5;6^GB10;10;10^FS^XZ")) == (5, 6, 14, 15)


def test_non_visual_commands_accepted_listed_and_warned() -> None:
    result = render("^XA^MMT^MNY^MD10^PR4^PQ2^FO1,1^GB5,5,5^FS^XZ~JA")
    assert result.errors == []
    assert result.ignored == ["^MM", "^MN", "^MD", "^PR", "^PQ", "~JA"]
    assert {p.command for p in result.problems} == {"^MM", "^MN", "^MD", "^PR", "^PQ", "~JA"}


def test_unknown_and_malformed_are_reported_with_offsets() -> None:
    zpl = "^XA^FO10,10^GB20,20,2^FS^ZQ1,2^FOx,10^GB5,5^FS^BQN,2,4^FDZZ,bad^FS^XZ junk"
    result = render(zpl)
    by_command = {p.command: p for p in result.errors}
    assert by_command["^ZQ"].offset == zpl.index("^ZQ")
    assert by_command["^FO"].offset == zpl.index("^FOx")
    assert by_command["^BQ"].offset == zpl.index("^BQ")
    assert by_command["?"].offset == zpl.index("junk")


def test_field_block_wraps_and_reports_overflow() -> None:
    text = "WORD " * 12
    result = render(f"^XA^FO10,10^A0N,20,20^FB200,3,0,L^FD{text}^FS^XZ", 400, 300)
    lines = [m for m in ink(result.pages[0]).any(axis=1)]
    assert sum(1 for a, b in zip(lines, lines[1:], strict=False) if a and not b) == 3
    assert any("^FB allows 3" in p.message for p in result.problems)


@pytest.mark.parametrize("orientation", ["N", "R", "I", "B"])
def test_rotated_code128_and_qr_decode(orientation: str) -> None:
    result = render(f"^XA^FO50,50^BY2^BC{orientation},80,N^FDYT1234567890123^FS"
                    f"^FO400,400^BQ{orientation},2,5^FDQA,运单 YT1234567890123^FS^XZ", 812, 812)
    found = {(f, t) for f, t, _b in decode(result.pages[0])}
    assert found == {("Code128", "YT1234567890123"), ("QRCode", "运单 YT1234567890123")}


def test_code128_invocation_codes_and_narrow_modules() -> None:
    cases = {">;1234567890": "1234567890", ">:SF>5123456": "SF123456", "ABC-def_123": "ABC-def_123"}
    for data, expect in cases.items():
        result = render(f"^XA^FO40,40^BY1^BCN,60,N^FD{data}^FS^XZ", 500, 200)
        assert [(f, t) for f, t, _b in decode(result.pages[0])] == [("Code128", expect)], data


def test_missing_glyphs_and_substituted_fonts_are_warned() -> None:
    result = render("^XA^CI28^FO10,10^A0N,30,30^FD张三^FS^FO10,60^A@N,30,30,E:ANMDS.TTF^FD张三^FS^XZ")
    messages = " | ".join(p.message for p in result.problems)
    assert "font 0 (Zebra scalable) drawn with DejaVu" in messages
    assert "has no glyph for '三张'" in messages
    assert "font ANMDS.TTF is not downloaded" in messages
