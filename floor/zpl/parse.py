"""ZPL tokenizer: bytes -> commands with their byte offsets; prefixes changed by ^CC/~CC/^CT/~CT/^CD.

Invariant: every byte of the input is either part of a token or reported (stray data outside a
command). CR and LF are ignored as a printer does. Binary downloads (~DY ...,B / ^GFB / ^GFC) take
exactly their declared byte count; hex data runs to the next prefix. The renderer consumes the tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# commands whose name is one letter followed by a parameter letter (^A0N,.. ^AAN,.. but ^A@)
ONE_LETTER = frozenset("A")
STRAY_LIMIT = 32


@dataclass(frozen=True, slots=True)
class Token:
    """``name`` with its prefix normalised (``^FO``, ``~DY``); ``params`` raw bytes without CR/LF."""

    name: str
    params: bytes
    offset: int


@dataclass(slots=True)
class Lexer:
    caret: int = ord("^")
    tilde: int = ord("~")
    delimiter: int = ord(",")


def _binary_length(name: str, params: bytes, delimiter: int) -> tuple[int, int] | None:
    """For a binary download: (number of delimiters before the data, byte count), else None."""
    parts = params.split(bytes((delimiter,)))
    try:
        if name == "~DY" and len(parts) >= 4 and parts[1].strip().upper() in (b"B", b"C"):
            return 5, int(parts[3])
        if name == "^GF" and len(parts) >= 2 and parts[0].strip().upper() in (b"B", b"C"):
            return 4, int(parts[1])
    except ValueError:
        return None
    return None


def _next_prefix(data: bytes, start: int, lex: Lexer) -> int:
    """Index of the next caret or tilde at or after ``start`` (``len(data)`` if none)."""
    caret = data.find(bytes((lex.caret,)), start)
    tilde = data.find(bytes((lex.tilde,)), start)
    found = [p for p in (caret, tilde) if p >= 0]
    return min(found) if found else len(data)


def tokenize(data: bytes, lexer: Lexer | None = None) -> Iterator[Token]:
    """Yield tokens; stray bytes come as a ``?`` token (the renderer reports them with their offset)."""
    lex = lexer or Lexer()
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte in (10, 13, 32, 9):
            i += 1
            continue
        if byte != lex.caret and byte != lex.tilde:
            start = i
            i = _next_prefix(data, i, lex)
            yield Token("?", data[start:start + STRAY_LIMIT], start)
            continue
        prefix = "^" if byte == lex.caret else "~"
        start = i
        name = data[i + 1:i + 2].decode("latin-1").upper()
        i += 2
        if name in ONE_LETTER and data[i:i + 1] == b"@":
            name, i = name + "@", i + 1
        elif name not in ONE_LETTER:
            name += data[i:i + 1].decode("latin-1").upper()
            i += 1
        full = prefix + name
        if full in ("^CC", "~CC", "^CT", "~CT", "^CD", "~CD"):
            new = data[i:i + 1]
            i += 1
            if new:
                if full[1:] == "CC":
                    lex.caret = new[0]
                elif full[1:] == "CT":
                    lex.tilde = new[0]
                else:
                    lex.delimiter = new[0]
            yield Token(full, new, start)
            continue
        end = _next_prefix(data, i, lex)
        params = data[i:end]
        binary = _binary_length(full, params, lex.delimiter)
        if binary is not None:
            commas, count = binary
            pos = i
            for _ in range(commas):
                found = data.find(bytes((lex.delimiter,)), pos, n)
                if found < 0:
                    break
                pos = found + 1
            end = min(n, pos + count)
            params = data[i:end]
            yield Token(full, params, start)
            i = end
            continue
        params = params.replace(b"\r", b"").replace(b"\n", b"")
        yield Token(full, params, start)
        i = end
