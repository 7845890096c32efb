"""E-waybill labels as ZPL: 100x150 mm and 76x130 mm at 203 dpi, Chinese text in a per-label ~DY font.

Invariant: every customer-supplied text goes through ^FH escaping (floor.zpl.escape), the label is
UTF-8 (^CI28), and the CJK font subset sent with the job (~DY E:WAYBILL.TTF, aliased ^CW1) holds every
character the label prints; ``build`` raises LabelError if the source font lacks one (the caller
fixes the address or prints with a platform route). The result is what goes to port 9100 as is.
"""

from __future__ import annotations

import msgspec

from floor.zpl import fonts
from floor.zpl.escape import fh

FONT_NAME = "WAYBILL"
SIZES = {"100x150": (800, 1200), "76x130": (608, 1040)}


class LabelError(ValueError):
    pass


class Party(msgspec.Struct, frozen=True):
    name: str
    phone: str
    address: str  # province city district street, as the buyer wrote it


class LabelData(msgspec.Struct, frozen=True):
    tracking: str
    carrier: str  # display name, e.g. 顺丰速运
    service: str  # e.g. 标快
    order_no: str
    sender: Party
    receiver: Party
    box_no: int = 1
    box_count: int = 1
    weight_g: int = 0
    sort_code: str = ""
    remark: str = ""
    qr: str = ""  # default: the tracking number
    size: str = "100x150"


def _wrap(text: str, width_dots: int, height: int) -> list[str]:
    """Pre-wrap (printers break CJK oddly in ^FB): full-width chars count ``height``, others half."""
    lines: list[str] = []
    line, used = "", 0
    for char in text:
        advance = height if ord(char) > 0x2E7F else (height * 11) // 20
        if used + advance > width_dots and line:
            lines.append(line)
            line, used = "", 0
        line += char
        used += advance
    if line:
        lines.append(line)
    return lines or [""]


class _Zpl:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.text: list[str] = []

    def text_at(self, x: int, y: int, height: int, value: str, customer: bool = True) -> None:
        self.text.append(value)
        data = fh(value) if customer else value
        self.parts.append(f"^FO{x},{y}^A1N,{height},{height}^FH^FD{data}^FS")

    def raw(self, command: str) -> None:
        self.parts.append(command)


def _party(z: _Zpl, tag: str, party: Party, x: int, y: int, width: int, size: int, max_lines: int) -> int:
    z.text_at(x, y, size, tag, customer=False)
    indent = x + size + 16
    z.text_at(indent, y, size, f"{party.name}  {party.phone}")
    y += size + 8
    for line in _wrap(party.address, width - (indent - x), size)[:max_lines]:
        z.text_at(indent, y, size, line)
        y += size + 6
    return y


def build(data: LabelData) -> str:
    """The complete job: font download, then the label format (^XA ... ^XZ)."""
    if data.size not in SIZES:
        raise LabelError(f"size must be one of {', '.join(SIZES)}")
    if not 1 <= data.box_no <= data.box_count:
        raise LabelError("box_no must be within 1..box_count")
    width, length = SIZES[data.size]
    big = data.size == "100x150"
    margin = 24 if big else 16
    inner = width - 2 * margin
    z = _Zpl()
    z.raw(f"^XA^CI28^PW{width}^LL{length}^LH0,0^CW1,E:{FONT_NAME}.TTF")
    z.text_at(margin, margin, 40 if big else 32, f"{data.carrier} {data.service}")
    if data.sort_code:
        z.text_at(width - margin - 260, margin, 56 if big else 44, data.sort_code)
    y = margin + (72 if big else 60)
    z.raw(f"^FO{margin},{y}^GB{inner},3,3^FS")
    bar_height = 120 if big else 96
    module = 3 if big else 2
    y += 16
    z.raw(f"^FO{margin + 30},{y}^BY{module},3,{bar_height}^BCN,{bar_height},N,N,N,A^FH^FD{fh(data.tracking)}^FS")
    y += bar_height + 8
    z.text_at(margin + 30, y, 32 if big else 26, data.tracking)
    y += (32 if big else 26) + 12
    z.raw(f"^FO{margin},{y}^GB{inner},3,3^FS")
    y += 14
    y = _party(z, "收", data.receiver, margin, y, inner, 36 if big else 28, 3)
    z.raw(f"^FO{margin},{y + 4}^GB{inner},2,2^FS")
    y += 16
    y = _party(z, "寄", data.sender, margin, y, inner, 26 if big else 22, 2)
    z.raw(f"^FO{margin},{y + 4}^GB{inner},2,2^FS")
    y += 18
    qr_mag = 6 if big else 4
    qr_x = width - margin - qr_mag * 29
    info = 28 if big else 22
    z.text_at(margin, y, info, f"订单 Order: {data.order_no}")
    z.text_at(margin, y + info + 10, info, f"箱 Box: {data.box_no}/{data.box_count}")
    z.text_at(margin, y + 2 * (info + 10), info, f"重量 Weight: {data.weight_g / 1000:.2f} kg")
    z.raw(f"^BY2,3,10^FO{qr_x},{y - 10}^BQN,2,{qr_mag}^FH^FDMA,{fh(data.qr or data.tracking)}^FS")
    y += 3 * (info + 10) + 8
    if data.remark:
        for line in _wrap(f"备注: {data.remark}", qr_x - margin - 10, 24 if big else 20)[:2]:
            z.text_at(margin, y, 24 if big else 20, line)
            y += (24 if big else 20) + 6
    z.raw("^PQ1^XZ")
    chars = "".join(z.text)
    lacking = fonts.missing(chars)
    if lacking:
        raise LabelError(f"the label font has no glyph for {lacking!r}")
    font = fonts.subset(chars)
    return fonts.download_command(FONT_NAME, font) + "\n" + "\n".join(z.parts) + "\n"
