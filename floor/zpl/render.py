"""ZPL -> 1-bit pages, offline: the label state machine (^XA ... ^XZ) and the field commands.

Invariant: what the printer would draw is drawn, at dot resolution; anything not drawn exactly as a
printer would (ignored, approximated, substituted, malformed, unknown) is a Problem with the byte
offset of its command. Printer memory (~DY fonts, ~DG graphics, ^DF formats) lives on the Renderer
and survives across labels of one input, as on a printer. Use: ``render(zpl_bytes).png()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, ImageChops

from floor.zpl import graphics
from floor.zpl.barcodes import QrError
from floor.zpl.code128 import Code128Error
from floor.zpl.model import Problem, RenderResult
from floor.zpl.parse import Lexer, Token, tokenize

NON_VISUAL = frozenset(
    ["^MM", "^MN", "^MT", "^MD", "^PR", "^PQ", "^JM", "^JU", "^XB", "~SD", "~TA", "~JS", "^PA", "^JZ", "~JA", "~JR", "~PS", "~PH", "~HS", "~HQ", "~HI", "~HM", "~HB", "~HD", "~HH", "^HH", "~JC", "~JL", "^SZ", "^JJ", "^MF", "^ML", "^MP", "^MW", "^SS", "^ST", "~JD", "~JE", "~RO", "^PF", "^PH", "^PP", "^KL", "^KN", "^KP", "~WC", "^JB", "^JH", "^JI"]
)
NO_PARAMS = frozenset({"^XA", "^XZ", "^FS", "^FR"})
ENCODINGS = {28: "utf-8", 27: "cp1252"}


class ParamError(ValueError):
    pass


def _int(value: str, default: int, low: int = 0, high: int = 32000) -> int:
    value = value.strip()
    if not value:
        return default
    try:
        number = int(float(value))
    except ValueError as error:
        raise ParamError(f"{value!r} is not a number") from error
    if not low <= number <= high:
        raise ParamError(f"{number} outside {low}..{high}")
    return number


@dataclass(slots=True)
class Field:
    x: int = 0
    y: int = 0
    typeset: bool = False  # ^FT: baseline / bottom-left origin
    offset: int = 0
    font: tuple[str, str, int, int] | None = None  # reference, orientation, height, width
    barcode: tuple[str, list[str], int] | None = None  # command, params, offset
    block: tuple[int, int, int, str] | None = None  # ^FB width, lines, spacing, justify
    hex_indicator: int | None = None
    reverse: bool = False
    data: bytes | None = None
    number: int | None = None  # ^FN
    content: Callable[[], tuple[Image.Image, str]] | None = None  # graphics: (ink, "B"|"W")


@dataclass(slots=True)
class Label:
    width: int
    length: int
    home: tuple[int, int] = (0, 0)
    shift: int = 0
    top: int = 0
    invert: bool = False
    reverse_all: bool = False
    orientation: str = "N"
    default_font: tuple[str, int, int] = ("A", 9, 5)
    aliases: dict[str, str] = field(default_factory=dict)
    encoding: int = 0
    bar: tuple[int, float, int] = (2, 3.0, 10)
    ops: list[tuple[Image.Image, int, int, str]] = field(default_factory=list)  # ink, x, y, B|W|X
    recall: str | None = None
    fn_values: dict[int, bytes] = field(default_factory=dict)
    fld: Field = field(default_factory=Field)


class Renderer:
    def __init__(self, width: int = 812, length: int = 1218) -> None:
        self.default_size = (width, length)
        self.fonts: dict[str, bytes] = {}
        self.graphics: dict[str, tuple[bytes, int]] = {}
        self.formats: dict[str, list[Token]] = {}
        self.result = RenderResult()
        self.label: Label | None = None
        self.capture: tuple[str, list[Token]] | None = None
        self.replaying = False
        self.delimiter = ","
        self._said: set[str] = set()

    # ---- reporting
    def warn(self, token: Token, message: str, severity: str = "warning") -> None:
        key = f"{token.name}|{message}"
        if key in self._said:
            return
        self._said.add(key)
        self.result.problems.append(Problem(token.offset, token.name, message, severity))

    def render(self, data: bytes) -> RenderResult:
        lexer = Lexer()
        for token in tokenize(data, lexer):
            self.delimiter = chr(lexer.delimiter)
            self.handle(token)
        if self.label is not None:
            self.result.problems.append(Problem(len(data), "^XZ", "input ends inside a label (no ^XZ)", "error"))
            self.finish()
        return self.result

    def handle(self, token: Token) -> None:
        if self.capture is not None and token.name != "^XZ":
            self.capture[1].append(token)
            return
        name = token.name
        if name == "?":
            self.warn(token, f"data outside a command ignored: {token.params[:16]!r}", "error")
            return
        if name in NON_VISUAL:
            self.result.ignored.append(name)
            self.warn(token, f"{name} has no visual effect: accepted, ignored in the preview")
            return
        if name in NO_PARAMS and token.params.strip():
            stray = token.params.strip()
            at = token.offset + len(name) + token.params.index(stray[:1])
            self.warn(Token("?", stray, at), f"data outside a command ignored: {stray[:16]!r}", "error")
        handler = HANDLERS.get(name)
        if handler is None:
            self.warn(token, f"unknown or unsupported command {name}: ignored", "error")
            return
        if self.label is None and name not in OUTSIDE_LABEL:
            self.warn(token, f"{name} outside ^XA ... ^XZ: ignored", "error")
            return
        try:
            handler(self, token, token.params.decode("latin-1").split(self.delimiter) if name not in RAW else [])
        except (ParamError, graphics.GraphicError, Code128Error, QrError, ValueError) as error:
            self.warn(token, f"{name}: {error}", "error")

    def finish(self) -> None:
        label = self.label
        assert label is not None
        self.label = None
        canvas = Image.new("1", (label.width, label.length), 1)
        for image, x, y, mode in label.ops:
            if mode == "X":
                box = (x, y, x + image.width, y + image.height)
                region = canvas.crop(box)
                canvas.paste(ImageChops.logical_xor(region, image), box)
            else:
                canvas.paste(0 if mode == "B" else 1, (x, y, x + image.width, y + image.height), image)
        if label.invert:
            canvas = canvas.transpose(Image.Transpose.ROTATE_180)
        self.result.pages.append(canvas)

    # ---- fields
    def place(self, token: Token, image: Image.Image, colour: str, origin_from_bottom: int = 0,
              lift: int = 0, left: int = 0) -> None:
        """Put ``image`` at the field origin (^FT: ``origin_from_bottom`` dots above it is the origin
        line; ``lift``: ink above the origin line, e.g. tall glyphs)."""
        label = self.label
        assert label is not None
        f = label.fld
        x = f.x + label.home[0] + label.shift - left
        y = f.y + label.home[1] + label.top - lift
        if f.typeset:
            y -= origin_from_bottom
        if x < 0 or y < 0 or x + image.width > label.width or y + image.height > label.length:
            self.warn(token, f"field at ({x},{y}) size {image.width}x{image.height} runs off the "
                             f"{label.width}x{label.length} label (clipped)")
        mode = "X" if (f.reverse or label.reverse_all) else colour
        label.ops.append((image, x, y, mode))


# Filled by floor.zpl.commands (the field and label commands); floor.zpl.preview.render is the entry.
HANDLERS: dict[str, Callable[[Renderer, Token, list[str]], None]] = {}
OUTSIDE_LABEL: set[str] = set()
RAW: set[str] = set()  # commands whose parameters the handler reads as bytes (token.params)
