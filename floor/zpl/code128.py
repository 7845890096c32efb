"""Code 128 as ZPL ^BC draws it: field data with Zebra invocation codes -> symbol values -> modules.

Invariant: the returned values start with a start code and end with the check value and stop; the
human-readable text is the data without invocation codes. The caller turns modules into bars.
"""

from __future__ import annotations

from barcode.charsets.code128 import CODES, STOP

START = {"A": 103, "B": 104, "C": 105}
SWITCH = {"A": 101, "B": 100, "C": 99}  # value that switches to the set, seen from A/B (C uses same)
FNC1 = 102


class Code128Error(ValueError):
    """Data that cannot be encoded (the renderer reports it with the field's offset)."""


def _value(char: str, subset: str) -> int:
    code = ord(char)
    if subset == "B":
        if 32 <= code <= 127:
            return code - 32
    elif subset == "A":
        if 32 <= code <= 95:
            return code - 32
        if 0 <= code < 32:
            return code + 64
    raise Code128Error(f"character {char!r} not in Code 128 subset {subset}")


def _auto(data: str) -> list[int]:
    """Shortest-ish encoding: subset C for runs of 4+ digits (or an all-digit even field), else B/A."""
    values: list[int] = []
    subset = ""
    i = 0
    while i < len(data):
        run = 0
        while i + run < len(data) and data[i + run].isdigit() and data[i + run].isascii():
            run += 1
        if run >= 4 or (run >= 2 and run == len(data) - i and subset == "C"):
            run -= run % 2
            if subset != "C":
                values.append(START["C"] if not subset else SWITCH["C"])
                subset = "C"
            for j in range(i, i + run, 2):
                values.append(int(data[j:j + 2]))
            i += run
            continue
        char = data[i]
        want = "A" if ord(char) < 32 else "B"
        if subset != want:
            values.append(START[want] if not subset else SWITCH[want])
            subset = want
        values.append(_value(char, subset))
        i += 1
    if not values:
        raise Code128Error("empty Code 128 field")
    return values


def _invoked(data: str) -> tuple[list[int], str]:
    """Mode N with invocation codes (>9 >: >; start A/B/C, >7 >6 >5 switch A/B/C, >8 FNC1, >< '>')."""
    values: list[int] = []
    text: list[str] = []
    subset = ""
    i = 0
    starts = {"9": "A", ":": "B", ";": "C"}
    switches = {"7": "A", "6": "B", "5": "C"}
    while i < len(data):
        char = data[i]
        if char == ">" and i + 1 < len(data):
            code = data[i + 1]
            i += 2
            if code in starts and not values:
                subset = starts[code]
                values.append(START[subset])
            elif code in switches:
                subset = subset or "B"
                if not values:
                    values.append(START["B"])
                values.append(SWITCH[switches[code]])
                subset = switches[code]
            elif code == "8":
                if not values:
                    values.append(START["C"])
                    subset = "C"
                values.append(FNC1)
            elif code == "<" and subset in ("A", "B"):
                values.append(_value(">", subset))
                text.append(">")
            else:
                raise Code128Error(f"invocation code >{code} not supported here")
            continue
        if not values:
            values.append(START["B"])
            subset = "B"
        if subset == "C":
            pair = data[i:i + 2]
            if len(pair) != 2 or not pair.isdigit():
                raise Code128Error("subset C needs pairs of digits")
            values.append(int(pair))
            text.append(pair)
            i += 2
            continue
        values.append(_value(char, subset))
        text.append(char)
        i += 1
    return values, "".join(text)


def encode(data: str, mode: str = "N") -> tuple[list[int], str]:
    """(symbol values incl. start, check, stop = 106; human-readable text)."""
    if mode == "N":  # as a Zebra printer: subset B unless invocation codes say otherwise
        values, text = _invoked(data)
    else:
        values, text = _auto(data), data
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, 106], text


def modules(values: list[int]) -> str:
    """'1' = bar module, '0' = space module; 11 modules a symbol, 13 for the stop."""
    return "".join(STOP + "11" if v == 106 else CODES[v] for v in values)
