"""Hand-written labels (from the ZPL manual's command descriptions, not from the builder): every
barcode in the preview decodes to the expected payload; and the same labels through zplkit (an
independent renderer calibrated on a real printer) decode alike, with symbols within 2 dots."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from floor.zpl.preview import render
from tests.floor.zpl.helpers import bands, decode, ink, sample

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.zpl"))


def _parse_expect(path: Path) -> set[tuple[str, str]]:
    first = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("^FX expect ")
    out: set[tuple[str, str]] = set()
    cursor = first
    while cursor:
        fmt, _, rest = cursor.partition("=")
        nxt = min((rest.find(f" {f}=") for f in ("Code128", "QRCode") if rest.find(f" {f}=") >= 0), default=-1)
        value, cursor = (rest, "") if nxt < 0 else (rest[:nxt], rest[nxt + 1:])
        out.add((fmt, value))
    return out


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_decodes_to_field_data(path: Path) -> None:
    result = render(path.read_bytes())
    assert result.errors == [], result.errors
    assert result.pages
    found = {(f, t) for page in result.pages for f, t, _b in decode(page)}
    assert found == _parse_expect(path)


zplkit = pytest.importorskip("zplkit")


def _zplkit(data: bytes, width: int = 812, length: int = 1218) -> Image.Image:
    document = zplkit.render(data, zplkit.Options(width=width, height=length, dpi=203))
    return Image.open(io.BytesIO(document.labels[-1].png()))


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_differential_against_zplkit(path: Path) -> None:
    data = path.read_bytes()
    theirs = decode(_zplkit(data))
    ours = decode(render(data).pages[-1])
    assert sorted((f, t) for f, t, _b in ours) == sorted((f, t) for f, t, _b in theirs)
    for (fa, ta, box_a), (_fb, _tb, box_b) in zip(sorted(ours), sorted(theirs), strict=True):
        assert all(abs(a - b) <= 2 for a, b in zip(box_a, box_b, strict=True)), (fa, ta, box_a, box_b)


@pytest.mark.parametrize("size", ["100x150", "76x130"])
def test_builder_labels_match_zplkit_within_two_dots(size: str) -> None:
    from floor.zpl.builder import SIZES, build

    zpl = build(sample(size=size)).replace("^PQ1", "").encode()
    width, length = SIZES[size]
    theirs_img, ours_img = _zplkit(zpl, width, length), render(zpl).pages[0]
    assert sorted((f, t) for f, t, _ in decode(theirs_img)) == sorted((f, t) for f, t, _ in decode(ours_img))
    theirs, ours = bands(ink(theirs_img)), bands(ink(ours_img))
    assert len(theirs) == len(ours)
    for a, b in zip(theirs, ours, strict=True):
        # text lines, rules and symbols: top/bottom/left within 2 dots; right edge within 2 % of the width
        assert abs(a[0] - b[0]) <= 2 and abs(a[1] - b[1]) <= 2 and abs(a[3] - b[3]) <= 2, (a, b)
        assert abs(a[2] - b[2]) <= max(2, (a[2] - a[0]) * 0.02), (a, b)
