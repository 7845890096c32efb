"""The ZPL commands the renderer understands: label framing, layout, fonts, fields, graphics, downloads.

Invariant: each handler changes the label state or records one drawing; a bad parameter raises
ParamError (reported with the offset by the Renderer) and draws nothing. Text/barcode drawing at ^FS
is in :mod:`floor.zpl.drawing`.
"""

from __future__ import annotations

from PIL import Image

from floor.zpl import fontres, graphics, ink
from floor.zpl.drawing import end_field
from floor.zpl.parse import Token
from floor.zpl.render import HANDLERS, OUTSIDE_LABEL, RAW, Field, Label, ParamError, Renderer, _int


def _p(params: list[str], index: int) -> str:
    return params[index].strip() if index < len(params) else ""


def _orientation(value: str, default: str) -> str:
    value = value.strip().upper()[:1]
    if value and value not in "NRIB":
        raise ParamError(f"orientation {value!r} is not N, R, I or B")
    return value or default


def start_label(r: Renderer, token: Token, _params: list[str]) -> None:
    if r.label is not None:
        r.warn(token, "^XA inside a label: the open label is ended here", "error")
        r.finish()
    r.label = Label(*r.default_size)


def end_label(r: Renderer, token: Token, _params: list[str]) -> None:
    if r.capture is not None:
        name, tokens = r.capture
        r.formats[name] = tokens
        r.capture = None
        r.label = None
        return
    label = r.label
    if label is None:
        r.warn(token, "^XZ without ^XA", "error")
        return
    if label.recall is not None:
        stored = r.formats.get(label.recall)
        if stored is None:
            r.warn(token, f"^XF {label.recall}: no such stored format", "error")
        else:
            r.replaying = True
            try:
                for inner in stored:
                    r.handle(inner)
            finally:
                r.replaying = False
    r.finish()


def origin(typeset: bool):  # type: ignore[no-untyped-def]
    def handler(r: Renderer, token: Token, params: list[str]) -> None:
        assert r.label is not None
        f = r.label.fld
        f.x, f.y = _int(_p(params, 0), 0), _int(_p(params, 1), 0)
        f.typeset, f.offset = typeset, token.offset
    return handler


def page_width(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.width = _int(_p(params, 0), r.label.width, 2, 5000)


def label_length(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.length = _int(_p(params, 0), r.label.length, 1, 32000)


def home(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.home = (_int(_p(params, 0), 0), _int(_p(params, 1), 0))


def shift(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.shift = _int(_p(params, 0), 0, -9999, 9999)


def top(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.top = _int(_p(params, 0), 0, -120, 120)


def print_orientation(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.invert = _p(params, 0).upper() == "I"


def label_reverse(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.reverse_all = _p(params, 0).upper() == "Y"


def field_orientation(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.orientation = _orientation(_p(params, 0), r.label.orientation)


def field_reverse(r: Renderer, _t: Token, _params: list[str]) -> None:
    assert r.label is not None
    r.label.fld.reverse = True


def font(r: Renderer, token: Token, params: list[str]) -> None:
    label = r.label
    assert label is not None
    first = _p(params, 0)
    if not first:
        raise ParamError("^A needs a font name")
    letter = first[0].upper()
    orient = _orientation(first[1:2], label.orientation)
    height = _int(_p(params, 1), label.default_font[1], 1, 32000)
    width = _int(_p(params, 2), 0, 0, 32000)
    label.fld.font = (letter, orient, height, width)


def font_at(r: Renderer, token: Token, params: list[str]) -> None:
    label = r.label
    assert label is not None
    orient = _orientation(_p(params, 0), label.orientation)
    height = _int(_p(params, 1), label.default_font[1], 1, 32000)
    width = _int(_p(params, 2), 0, 0, 32000)
    name = _p(params, 3)
    if not name:
        raise ParamError("^A@ needs a font name (d:o.x)")
    label.fld.font = ("@" + fontres.normalise(name), orient, height, width)


def change_font(r: Renderer, _t: Token, params: list[str]) -> None:
    label = r.label
    assert label is not None
    letter = (_p(params, 0) or label.default_font[0])[0].upper()
    height = _int(_p(params, 1), label.default_font[1], 1, 32000)
    label.default_font = (letter, height, _int(_p(params, 2), height, 0, 32000))


def font_alias(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    letter, name = _p(params, 0).upper()[:1], _p(params, 1)
    if not letter or not name:
        raise ParamError("^CW needs a letter and a font name")
    r.label.aliases[letter] = fontres.normalise(name)


def encoding(r: Renderer, token: Token, params: list[str]) -> None:
    assert r.label is not None
    number = _int(_p(params, 0), 0, 0, 36)
    if number not in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 27, 28):
        r.warn(token, f"^CI{number} is not modelled: bytes read as Latin-1")
    r.label.encoding = number


def field_data(r: Renderer, token: Token, _params: list[str]) -> None:
    assert r.label is not None
    r.label.fld.data = token.params
    if not r.label.fld.offset:
        r.label.fld.offset = token.offset


def field_hex(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    indicator = _p(params, 0)
    r.label.fld.hex_indicator = ord(indicator[0]) if indicator else ord("_")


def field_block(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    justify = (_p(params, 3) or "L").upper()[:1]
    if justify not in "LCRJ":
        raise ParamError(f"^FB justification {justify!r} is not L, C, R or J")
    r.label.fld.block = (_int(_p(params, 0), 0, 0, 9999), _int(_p(params, 1), 1, 1, 9999),
                         _int(_p(params, 2), 0, -9999, 9999), justify)


def field_number(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.fld.number = _int(_p(params, 0), 0, 0, 9999)


def comment(_r: Renderer, _t: Token, _params: list[str]) -> None:
    return None


def _colour(value: str) -> str:
    value = (value or "B").upper()[:1]
    if value not in "BW":
        raise ParamError(f"line colour {value!r} is not B or W")
    return value


def graphic_box(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    thickness = _int(_p(params, 2), 1, 1, 32000)
    w, h = _int(_p(params, 0), thickness, 1, 32000), _int(_p(params, 1), thickness, 1, 32000)
    colour, rounding = _colour(_p(params, 3)), _int(_p(params, 4), 0, 0, 8)
    r.label.fld.content = lambda: (ink.box(w, h, thickness, rounding), colour)


def graphic_circle(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    d, t, colour = _int(_p(params, 0), 3, 3, 4095), _int(_p(params, 1), 1, 1, 4095), _colour(_p(params, 2))
    r.label.fld.content = lambda: (ink.ellipse(d, d, t), colour)


def graphic_ellipse(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    w, h = _int(_p(params, 0), 3, 3, 4095), _int(_p(params, 1), 3, 3, 4095)
    t, colour = _int(_p(params, 2), 1, 1, 4095), _colour(_p(params, 3))
    r.label.fld.content = lambda: (ink.ellipse(w, h, t), colour)


def graphic_diagonal(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    t = _int(_p(params, 2), 1, 1, 32000)
    w, h = _int(_p(params, 0), t, 3, 32000), _int(_p(params, 1), t, 3, 32000)
    colour, lean = _colour(_p(params, 3)), (_p(params, 4) or "R").upper()[:1]
    if lean not in "RL/\\":
        raise ParamError(f"^GD orientation {lean!r} is not R or L")
    r.label.fld.content = lambda: (ink.diagonal(w, h, t, lean), colour)


def _split(raw: bytes, count: int) -> list[bytes]:
    parts = raw.split(b",", count)
    if len(parts) <= count:
        raise ParamError(f"needs {count} parameters before the data")
    return parts


def graphic_field(r: Renderer, _t: Token, _params: list[str]) -> None:
    assert r.label is not None
    kind, _binary, total, row, data = _split(_t.params, 4)
    total_n, row_n = _int(total.decode("latin-1"), 0, 1, 10_000_000), _int(row.decode("latin-1"), 0, 1, 99999)
    bits = graphics.decode(kind.decode("latin-1").strip().upper() or "A", data, total_n, row_n)
    image = graphics.to_image(bits, row_n)
    r.label.fld.content = lambda: (image, "B")


def download_graphic(r: Renderer, token: Token, _params: list[str]) -> None:
    name, total, row, data = _split(token.params, 3)
    total_n, row_n = _int(total.decode("latin-1"), 0, 1, 10_000_000), _int(row.decode("latin-1"), 0, 1, 99999)
    key = fontres.normalise(name.decode("latin-1"))
    r.graphics[key if "." in key else key + ".GRF"] = (graphics.decode("A", data, total_n, row_n), row_n)


def recall_graphic(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    key = fontres.normalise(_p(params, 0))
    key = key if "." in key else key + ".GRF"
    if key not in r.graphics:
        raise ParamError(f"graphic {key} was not downloaded (~DG)")
    bits, row = r.graphics[key]
    mx, my = _int(_p(params, 1), 1, 1, 10), _int(_p(params, 2), 1, 1, 10)
    image = graphics.to_image(bits, row)
    if mx != 1 or my != 1:
        image = image.resize((image.width * mx, image.height * my), Image.Resampling.NEAREST)
    r.label.fld.content = lambda: (image, "B")


def download_font(r: Renderer, token: Token, _params: list[str]) -> None:
    name, kind, extension, total, _width, data = _split(token.params, 5)
    size = _int(total.decode("latin-1"), 0, 1, 50_000_000)
    form, ext = kind.decode("latin-1").strip().upper(), extension.decode("latin-1").strip().upper()
    if ext not in ("T", "TTF"):
        raise ParamError(f"~DY extension {ext!r}: only TrueType (T) fonts are used by the preview")
    if form == "A":
        body = bytes.fromhex("".join(data.decode("latin-1").split()))
    elif form == "B":
        body = data
    else:
        raise ParamError(f"~DY format {form!r} (compressed) is not supported")
    if len(body) != size:
        r.warn(token, f"~DY declares {size} bytes but carries {len(body)}", "error")
    key = fontres.normalise(name.decode("latin-1"))
    r.fonts[key if "." in key else key + ".TTF"] = body


def bar_defaults(r: Renderer, _t: Token, params: list[str]) -> None:
    label = r.label
    assert label is not None
    module = _int(_p(params, 0), label.bar[0], 1, 10)
    ratio = float(_p(params, 1) or label.bar[1])
    label.bar = (module, ratio, _int(_p(params, 2), label.bar[2], 1, 32000))


def barcode(name: str):  # type: ignore[no-untyped-def]
    def handler(r: Renderer, token: Token, params: list[str]) -> None:
        assert r.label is not None
        r.label.fld.barcode = (name, params, token.offset)
    return handler


def store_format(r: Renderer, _t: Token, params: list[str]) -> None:
    r.capture = (fontres.normalise(_p(params, 0) or "R:UNKNOWN.ZPL"), [])


def recall_format(r: Renderer, _t: Token, params: list[str]) -> None:
    assert r.label is not None
    r.label.recall = fontres.normalise(_p(params, 0))


def new_field(r: Renderer, token: Token, params: list[str]) -> None:
    assert r.label is not None
    end_field(r, token, params)
    r.label.fld = Field()


HANDLERS.update({
    "^XA": start_label, "^XZ": end_label, "^FS": new_field, "^FO": origin(False), "^FT": origin(True),
    "^FX": comment, "^PW": page_width, "^LL": label_length, "^LH": home, "^LS": shift, "^LT": top,
    "^PO": print_orientation, "^LR": label_reverse, "^FW": field_orientation, "^FR": field_reverse,
    "^A": font, "^A@": font_at, "^CF": change_font, "^CW": font_alias, "^CI": encoding,
    "^FD": field_data, "^FV": field_data, "^FH": field_hex, "^FB": field_block, "^FN": field_number,
    "^GB": graphic_box, "^GC": graphic_circle, "^GE": graphic_ellipse, "^GD": graphic_diagonal,
    "^GF": graphic_field, "~DG": download_graphic, "^XG": recall_graphic, "~DY": download_font,
    "^BY": bar_defaults, "^BC": barcode("^BC"), "^BQ": barcode("^BQ"), "^DF": store_format,
    "^XF": recall_format,
    "^CC": comment, "~CC": comment, "^CT": comment, "~CT": comment, "^CD": comment, "~CD": comment,
})
OUTSIDE_LABEL.update({"^XA", "^XZ", "~DG", "~DY", "^CC", "~CC", "^CT", "~CT", "^CD", "~CD", "^FX"})
RAW.update({"^FD", "^FV", "^FX", "^GF", "~DG", "~DY"})
