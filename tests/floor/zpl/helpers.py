"""Shared helpers for the ZPL tests: decode with zxing-cpp, ink boxes, a sample label."""

from __future__ import annotations

import numpy as np
import zxingcpp
from PIL import Image

from floor.zpl.builder import LabelData, Party


def decode(image: Image.Image) -> list[tuple[str, str, tuple[int, int, int, int]]]:
    """(format, text, bbox x0, y0, x1, y1) of every symbol zxing-cpp finds."""
    found = []
    for result in zxingcpp.read_barcodes(image.convert("L")):
        p = result.position
        xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
        ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
        found.append((str(result.format).replace(" ", ""), result.text, (min(xs), min(ys), max(xs), max(ys))))
    return found


def ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys = np.where(mask.any(axis=1))[0]
    xs = np.where(mask.any(axis=0))[0]
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def bands(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Horizontal bands of ink (rows separated by blank rows), each as an ink bbox."""
    rows = mask.any(axis=1)
    out, start = [], None
    for i, value in enumerate([*rows, False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            x0, _y0, x1, _y1 = bbox(mask[start:i])
            out.append((x0, start, x1, i - 1))
            start = None
    return out


def sample(**changes: object) -> LabelData:
    base = LabelData(
        tracking="SF1234567890123", carrier="顺丰速运", service="标快", order_no="SO-20261203-0001",
        sender=Party("仓库 W1", "0755-12345678", "广东省深圳市宝安区福永街道物流园 3 号仓"),
        receiver=Party("张三", "138****8000", "北京市朝阳区建国路 88 号 SOHO 现代城 A 座 1201 室"),
        box_no=1, box_count=2, weight_g=1530, sort_code="755A-010", remark="请勿倒置",
        qr="https://t.example/SF1234567890123",
    )
    fields = {name: getattr(base, name) for name in base.__struct_fields__}
    fields.update(changes)
    return LabelData(**fields)  # type: ignore[arg-type]
