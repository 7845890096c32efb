"""~HS host status: three framed lines (<STX> ... <ETX> CR LF) -> PrinterStatus.

Invariant: ``parse_hs`` accepts exactly three framed lines with the documented field counts (else
StatusError); ``faults`` names every condition that stops printing. Silence is not parsed here: the
sender treats no answer as a fault (printers may not answer with the head open or media out).
"""

from __future__ import annotations

import msgspec

STX, ETX = b"\x02", b"\x03"


class StatusError(ValueError):
    pass


class PrinterFault(RuntimeError):
    """A printer that must not get (or did not take) a job; ``kinds`` for the floor exception."""

    def __init__(self, kinds: list[str], detail: str) -> None:
        super().__init__(f"{', '.join(kinds)}: {detail}")
        self.kinds = kinds
        self.detail = detail


class PrinterStatus(msgspec.Struct, frozen=True):
    paper_out: bool
    paused: bool
    label_length: int
    formats_in_buffer: int
    buffer_full: bool
    corrupt_ram: bool
    under_temperature: bool
    over_temperature: bool
    head_open: bool
    ribbon_out: bool
    labels_remaining: int

    def faults(self) -> list[str]:
        names = ("paper_out", "head_open", "paused", "ribbon_out", "buffer_full", "corrupt_ram",
                 "under_temperature", "over_temperature")
        return [name for name in names if getattr(self, name)]

    @property
    def idle(self) -> bool:
        return self.formats_in_buffer == 0 and self.labels_remaining == 0


def frames(data: bytes) -> list[str]:
    out = []
    for chunk in data.split(STX)[1:]:
        if ETX not in chunk:
            raise StatusError("status line without <ETX>")
        out.append(chunk.split(ETX, 1)[0].decode("ascii", errors="replace"))
    return out


def complete(data: bytes) -> bool:
    return data.count(ETX) >= 3


def parse_hs(data: bytes) -> PrinterStatus:
    lines = frames(data)
    if len(lines) != 3:
        raise StatusError(f"~HS answer has {len(lines)} lines, 3 expected")
    one, two = lines[0].split(","), lines[1].split(",")
    if len(one) != 12 or len(two) != 11:
        raise StatusError(f"~HS lines have {len(one)} and {len(two)} fields, 12 and 11 expected")
    try:
        return PrinterStatus(
            paper_out=one[1] == "1", paused=one[2] == "1", label_length=int(one[3]),
            formats_in_buffer=int(one[4]), buffer_full=one[5] == "1", corrupt_ram=one[9] == "1",
            under_temperature=one[10] == "1", over_temperature=one[11] == "1", head_open=two[2] == "1",
            ribbon_out=two[3] == "1", labels_remaining=int(two[8]),
        )
    except ValueError as error:
        raise StatusError(f"~HS field is not a number: {error}") from error


def hs_answer(paper_out: bool = False, paused: bool = False, head_open: bool = False, ribbon_out: bool = False,
              buffer_full: bool = False, formats: int = 0, remaining: int = 0) -> bytes:
    """A printer's ~HS answer for the given state (for stand-ins and docs)."""
    b = lambda flag: "1" if flag else "0"  # noqa: E731
    one = f"030,{b(paper_out)},{b(paused)},1200,{formats:03d},{b(buffer_full)},0,0,000,0,0,0"
    two = f"001,0,{b(head_open)},{b(ribbon_out)},0,2,4,0,{remaining:08d},1,000"
    return b"\x02" + one.encode() + b"\x03\r\n\x02" + two.encode() + b"\x03\r\n\x021234,0\x03\r\n"
