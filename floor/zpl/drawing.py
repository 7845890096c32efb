"""^FS: turn the finished field (text, Code 128, QR or a graphic) into ink placed on the label.

Invariant: field data is un-escaped (^FH) at byte level, then decoded per ^CI; a face that is
substituted or lacks glyphs of the text is reported; the field is drawn once or not at all.
"""

from __future__ import annotations

from PIL import Image

from floor.zpl import fontres, ink
from floor.zpl.barcodes import QrError, code128, parse_qr_data, qr
from floor.zpl.code128 import Code128Error
from floor.zpl.fonts import cmap_of
from floor.zpl.parse import Token
from floor.zpl.render import ENCODINGS, Field, ParamError, Renderer, _int

HEX_DIGITS = b"0123456789abcdefABCDEF"


def unescape(data: bytes, indicator: int | None) -> tuple[bytes, bool]:
    """(bytes, all escapes well formed)."""
    if indicator is None or indicator not in data:
        return data, True
    out = bytearray()
    ok = True
    i = 0
    while i < len(data):
        if data[i] == indicator:
            pair = data[i + 1:i + 3]
            if len(pair) == 2 and all(c in HEX_DIGITS for c in pair):
                out.append(int(pair, 16))
                i += 3
                continue
            ok = False
        out.append(data[i])
        i += 1
    return bytes(out), ok


def _text(r: Renderer, f: Field, token: Token) -> str:
    assert r.label is not None
    raw, ok = unescape(f.data or b"", f.hex_indicator)
    if not ok:
        r.warn(token, "^FH: a hex escape is not two hex digits; left as typed")
    codec = ENCODINGS.get(r.label.encoding, "latin-1")
    text = raw.decode(codec, errors="replace")
    if "\ufffd" in text:
        r.warn(token, f"field data is not valid {codec}: replaced characters drawn as U+FFFD")
    return text


def _face(r: Renderer, ref: str, token: Token) -> tuple[bytes, bool, str]:
    """(font bytes, is a real downloaded TrueType, name for messages)."""
    assert r.label is not None
    name = ref[1:] if ref.startswith("@") else r.label.aliases.get(ref, "")
    if name:
        if name in r.fonts:
            return r.fonts[name], True, name
        data, why = fontres.resident(name)
        r.warn(token, why)
        return data, False, name
    data, why = fontres.builtin(ref)
    r.warn(token, why)
    return data, False, f"font {ref}"


def draw_text(r: Renderer, f: Field, token: Token) -> None:
    label = r.label
    assert label is not None
    ref, orient, height, width = f.font or (label.default_font[0], label.orientation, label.default_font[1],
                                            label.default_font[2])
    text = _text(r, f, token)
    data, downloaded, name = _face(r, ref, token)
    cmap = cmap_of(data)
    lacking = "".join(sorted({c for c in text if not c.isspace() and ord(c) not in cmap}))
    if lacking:
        r.warn(token, f"{name} has no glyph for {lacking[:20]!r}: the printer prints blanks or boxes there")
    face = ink.truetype(data, height)
    scale = width / height if downloaded and width and abs(width - height) > 1 else 1.0
    step = height
    if f.block is not None:
        block_width, max_lines, spacing, justify = f.block
        step = height + spacing
        lines = ink.wrap(text, face, max(1, int(block_width / scale)) if block_width else 10 ** 6)
        if len(lines) > max_lines:
            r.warn(token, f"^FB allows {max_lines} line(s), the text needs {len(lines)}: the printer overprints "
                          "the last line; the preview drops the extra lines")
            lines = lines[:max_lines]
        image, lift = ink.text_block(lines, face, height, block_width or None, spacing, justify, scale)
    else:
        lines = [text]
        image, lift = ink.text_block(lines, face, height, None, 0, "L", scale)
    baseline = height - face.getmetrics()[1]
    image = ink.rotate(image, orient)
    upright = orient in ("N", "I")
    r.place(token, image, "B", (len(lines) - 1) * step + baseline if upright else 0, lift if upright else 0)


def _human(text: str, module: int) -> Image.Image:
    data, _why = fontres.builtin("A")
    face = ink.truetype(data, max(10, module * 9))
    return ink.text_block([text], face, max(10, module * 9), None, 0, "L", 1.0)[0]


def draw_code128(r: Renderer, f: Field, token: Token, params: list[str]) -> None:
    label = r.label
    assert label is not None
    orient = (params[0].strip().upper()[:1] if params and params[0].strip() else label.orientation)
    height = _int(params[1] if len(params) > 1 else "", label.bar[2], 1, 32000)
    line = (params[2].strip().upper()[:1] if len(params) > 2 else "") or "Y"
    above = (params[3].strip().upper()[:1] if len(params) > 3 else "") or "N"
    mode = (params[5].strip().upper()[:1] if len(params) > 5 else "") or "N"
    if mode not in "NAUD":
        raise ParamError(f"^BC mode {mode!r} is not N, U, A or D")
    if mode in "UD":
        r.warn(token, f"^BC mode {mode} drawn as automatic subset selection (no UCC check digit added)")
    bars, human = code128(_text(r, f, token), "A" if mode in "AUD" else "N", label.bar[0], height)
    image, bar_top = bars, 0
    if line == "Y":
        r.warn(token, "^BC interpretation line drawn with DejaVu Sans Mono (the printer uses its font)")
        caption = _human(human, label.bar[0])
        gap = 4
        image = Image.new("1", (max(bars.width, caption.width), bars.height + gap + caption.height), 0)
        caption_x = (image.width - caption.width) // 2
        if above == "Y":
            bar_top = caption.height + gap
            image.paste(caption, (caption_x, 0))
        else:
            image.paste(caption, (caption_x, bars.height + gap))
        image.paste(bars, (0, bar_top))
    # the field origin anchors the bars; the interpretation line sits outside them, rotated with them
    w, h = image.size
    x0, y0, x1, y1 = 0, bar_top, bars.width, bar_top + bars.height
    left, top = {"N": (x0, y0), "R": (h - y1, x0), "I": (w - x1, h - y1), "B": (y0, w - x1)}[orient]
    r.place(token, ink.rotate(image, orient), "B", height if orient == "N" else 0, top, left)


def draw_qr(r: Renderer, f: Field, token: Token, params: list[str]) -> None:
    label = r.label
    assert label is not None
    model = _int(params[1] if len(params) > 1 else "", 2, 1, 2)
    if model == 1:
        r.warn(token, "^BQ model 1 drawn as model 2")
    magnification = _int(params[2] if len(params) > 2 else "", 2, 1, 100)
    mask_text = params[4].strip() if len(params) > 4 else ""
    mask = _int(mask_text, 7, 0, 7) if mask_text else 7  # the manual: mask default 7
    raw, ok = unescape(f.data or b"", f.hex_indicator)
    if not ok:
        r.warn(token, "^FH: a hex escape is not two hex digits; left as typed")
    level, payload = parse_qr_data(raw)
    image = qr(payload, level, magnification, mask)
    # Printer quirk (Zebra firmware, Labelary and zplkit agree): a QR placed with ^FO starts ^BY-height
    # dots lower (the well-known "10 dots" with the default ^BY). Drawn where the printer draws it.
    f.y += label.bar[2] if not f.typeset else 0
    r.place(token, image, "B", image.height)


def end_field(r: Renderer, token: Token, _params: list[str]) -> None:
    label = r.label
    assert label is not None
    f = label.fld
    at = Token(token.name, b"", f.offset or token.offset)
    if f.number is not None:
        if label.recall is not None and not r.replaying:
            label.fn_values[f.number] = f.data or b""
            return
        if r.replaying:
            f.data = label.fn_values.get(f.number, f.data)
    if f.content is not None:
        image, colour = f.content()
        r.place(at, image, colour, image.height)
        return
    if f.barcode is not None:
        name, params, _offset = f.barcode
        at = Token(name, b"", _offset)
        try:
            if f.data is None:
                r.warn(at, f"{name} without field data: nothing drawn", "error")
            elif name == "^BC":
                draw_code128(r, f, at, params)
            else:
                draw_qr(r, f, at, params)
        except (ParamError, QrError, Code128Error) as error:
            r.warn(at, f"{name}: {error}", "error")
        return
    if f.data is not None:
        draw_text(r, f, at)
