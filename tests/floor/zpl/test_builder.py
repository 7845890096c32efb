"""The e-waybill builder: sizes, ^CI28, ^FH escaping (injection), the per-label ~DY font, decodable symbols."""

from __future__ import annotations

import re

import pytest

from floor.zpl import fonts
from floor.zpl.builder import LabelError, build
from floor.zpl.escape import fh
from floor.zpl.preview import render
from tests.floor.zpl.helpers import decode, sample

HOSTILE = "北京市朝阳区 ~JA^XZ^XA^FO0,0^GB800,1200,800^FS_5E ~DGR:X.GRF,1,1,FF \\&"


def test_fh_escapes_every_command_character() -> None:
    assert fh("a^b~c_d\\e\x01") == "a_5Eb_7Ec_5Fd_5Ce_01"
    assert fh("张三 88号") == "张三 88号"


@pytest.mark.parametrize("size,width,length", [("100x150", 800, 1200), ("76x130", 608, 1040)])
def test_label_sizes_and_symbols_decode(size: str, width: int, length: int) -> None:
    zpl = build(sample(size=size))
    assert f"^PW{width}^LL{length}" in zpl and "^CI28" in zpl
    result = render(zpl)
    assert len(result.pages) == 1 and result.pages[0].size == (width, length)
    assert [p for p in result.problems if p.command != "^PQ"] == []
    found = {(fmt, text) for fmt, text, _box in decode(result.pages[0])}
    assert found == {("Code128", "SF1234567890123"), ("QRCode", "https://t.example/SF1234567890123")}


def test_barcode_inside_label_with_quiet_zones() -> None:
    for size in ("100x150", "76x130"):
        result = render(build(sample(size=size)))
        page = result.pages[0]
        for fmt, _text, (x0, y0, x1, y1) in decode(page):
            module = 3 if (fmt == "Code128" and size == "100x150") else 2
            quiet = 10 * module if fmt == "Code128" else 4 * module
            assert x0 - quiet >= 0 and x1 + quiet <= page.width, (size, fmt, x0, x1)
            assert y0 >= 0 and y1 < page.height


def test_tilde_caret_underscore_in_customer_text_do_nothing() -> None:
    """A ~ (control command), ^ (format command) and _ in an address are printed, never run."""
    zpl = build(sample(receiver=sample().receiver.__class__("张三~JA", "138^XZ", HOSTILE), remark="_5E^FS~"))
    # every customer field is ^FH-escaped: no raw ^/~ from the customer survives in the job
    for field_data in re.findall(r"\^FD(.*?)\^FS", zpl):
        assert "~" not in field_data and "^" not in field_data
    result = render(zpl)
    assert result.errors == [] and len(result.pages) == 1
    assert [p.command for p in result.problems] == ["^PQ"]
    found = {text for _fmt, text, _box in decode(result.pages[0])}
    assert "SF1234567890123" in found  # the hostile ^GB did not black out the label
    # control: the same text NOT escaped is executed as commands (a second label, a download, ~JA)
    safe = render(f"^XA^CI28^FO10,10^A0N,20,20^FH^FD{fh(HOSTILE)}^FS^XZ")
    assert len(safe.pages) == 1 and safe.errors == []
    bad = render(f"^XA^CI28^FO10,10^A0N,20,20^FD{HOSTILE}^FS^XZ")
    assert len(bad.pages) == 2 and {"~JA"} <= {p.command for p in bad.problems}


def test_font_subset_covers_exactly_the_label_text() -> None:
    zpl = build(sample())
    match = re.match(r"~DYE:WAYBILL,A,T,(\d+),,([0-9A-F]+)\n", zpl)
    assert match is not None
    font = bytes.fromhex(match.group(2))
    assert len(font) == int(match.group(1)) and len(font) < 40_000
    assert fonts.missing("张三北京市朝阳区顺丰速运标快订单箱重量", font) == ""
    assert fonts.missing("龘", font) == "龘"  # not on the label, not in the subset
    assert "^CW1,E:WAYBILL.TTF" in zpl and "^A1N," in zpl


def test_refuses_text_the_font_cannot_print_and_bad_boxes() -> None:
    with pytest.raises(LabelError):
        build(sample(remark="\U0001f600"))
    with pytest.raises(LabelError):
        build(sample(box_no=3, box_count=2))
    with pytest.raises(LabelError):
        build(sample(size="4x6"))
