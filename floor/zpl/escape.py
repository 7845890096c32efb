"""^FH escaping of customer text: the only way customer data enters a ZPL field.

Invariant: the escaped text holds no format prefix (^), control prefix (~), hex indicator (_),
backslash or control character, so nothing a buyer types can run as a printer command. The caller
writes it as ``^FH^FD<escaped>^FS`` (``field``), with ``^CI28`` in force so the UTF-8 bytes mean what
they say.
"""

from __future__ import annotations

ESCAPED = frozenset("^~_\\")


def fh(text: str) -> str:
    """Hex-escape (``_XX`` per UTF-8 byte) every character that ZPL could act on."""
    out: list[str] = []
    for char in text:
        if char in ESCAPED or ord(char) < 0x20 or ord(char) == 0x7F:
            out.extend(f"_{byte:02X}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def field(text: str) -> str:
    """A complete field-data clause for customer text."""
    return f"^FH^FD{fh(text)}^FS"
