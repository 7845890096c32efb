"""A fast TrueType subsetter and cmap reader (struct only), for the per-label ~DY font.

Invariant: ``Source.cut(text)`` returns a valid TrueType file whose glyphs are byte copies of the
source's for every character of ``text`` the source maps (plus .notdef), with a format 4 (and, for
characters beyond the BMP, format 12) cmap. Composite glyphs bring their components, re-indexed. ``read_cmap`` lists the code points a font maps (the renderer's glyph check).
"""

from __future__ import annotations

import io
import struct
from functools import lru_cache

from fontTools.ttLib import TTFont

TABLES = (b"OS/2", b"cmap", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"name", b"post")


def _tables(data: bytes) -> dict[bytes, bytes]:
    count = struct.unpack(">H", data[4:6])[0]
    out = {}
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        out[tag] = data[offset:offset + length]
    return out


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return int(sum(struct.unpack(f">{len(padded) // 4}I", padded))) & 0xFFFFFFFF


def _cmap4(pairs: list[tuple[int, int]]) -> bytes:
    segments = [(c, c, g - c) for c, g in pairs if c <= 0xFFFF] + [(0xFFFF, 0xFFFF, 1)]
    n = len(segments)
    search = 2 ** (n.bit_length() - 1)
    body = struct.pack(">HHHH", 2 * n, 2 * search, search.bit_length() - 1, 2 * n - 2 * search)
    body += b"".join(struct.pack(">H", end) for _s, end, _d in segments) + b"\0\0"
    body += b"".join(struct.pack(">H", start) for start, _e, _d in segments)
    body += b"".join(struct.pack(">H", delta & 0xFFFF) for _s, _e, delta in segments)
    body += b"\0\0" * n
    return struct.pack(">HHH", 4, 6 + len(body), 0) + body


def _cmap12(pairs: list[tuple[int, int]]) -> bytes:
    groups = b"".join(struct.pack(">III", c, c, g) for c, g in pairs)
    return struct.pack(">HHIII", 12, 0, 16 + len(groups), 0, len(pairs)) + groups


class Source:
    """A TrueType face kept as raw tables plus its cmap, cut per label in well under a millisecond."""

    def __init__(self, font_file: bytes) -> None:
        self.raw = _tables(font_file)
        head = self.raw[b"head"]
        self.long_loca = struct.unpack(">h", head[50:52])[0] == 1
        self.num_glyphs = struct.unpack(">H", self.raw[b"maxp"][4:6])[0]
        self.num_hmetrics = struct.unpack(">H", self.raw[b"hhea"][34:36])[0]
        loca = self.raw[b"loca"]
        if self.long_loca:
            self.offsets = list(struct.unpack(f">{self.num_glyphs + 1}I", loca[:4 * (self.num_glyphs + 1)]))
        else:
            self.offsets = [2 * o for o in struct.unpack(f">{self.num_glyphs + 1}H", loca[:2 * (self.num_glyphs + 1)])]
        tt = TTFont(io.BytesIO(font_file), lazy=True)
        order = tt.getGlyphOrder()
        index = {name: i for i, name in enumerate(order)}
        self.cmap = {code: index[name] for code, name in (tt.getBestCmap() or {}).items()}

    def _glyph(self, gid: int) -> bytes:
        return self.raw[b"glyf"][self.offsets[gid]:self.offsets[gid + 1]]

    def _metric(self, gid: int) -> bytes:
        hmtx = self.raw[b"hmtx"]
        if gid < self.num_hmetrics:
            return hmtx[4 * gid:4 * gid + 4]
        advance = hmtx[4 * (self.num_hmetrics - 1):4 * self.num_hmetrics - 2]
        start = 4 * self.num_hmetrics + 2 * (gid - self.num_hmetrics)
        return advance + hmtx[start:start + 2]

    def _components(self, data: bytes) -> list[tuple[int, int]]:
        """(byte position of the glyph index, glyph index) of each component of a composite glyph."""
        out, at = [], 10
        while True:
            flags, gid = struct.unpack(">HH", data[at:at + 4])
            out.append((at + 2, gid))
            at += 4 + (4 if flags & 0x0001 else 2)
            at += 2 if flags & 0x0008 else 4 if flags & 0x0040 else 8 if flags & 0x0080 else 0
            if not flags & 0x0020:
                return out

    def _unhinted(self, data: bytes) -> bytes:
        """The glyph without its TrueType instructions (so no cvt/fpgm/prep is needed, as fontTools'
        subsetter does with hinting off; printers and FreeType then scale the outlines unhinted)."""
        if len(data) < 12:
            return data
        contours = struct.unpack(">h", data[:2])[0]
        if contours >= 0:
            at = 10 + 2 * contours
            length = struct.unpack(">H", data[at:at + 2])[0]
            return data[:at] + b"\0\0" + data[at + 2 + length:]
        patched = bytearray(data)
        last_flags_at = 0
        for pos, _gid in self._components(data):
            last_flags_at = pos - 2
            flags = struct.unpack(">H", patched[pos - 2:pos])[0]
            patched[pos - 2:pos] = struct.pack(">H", flags & ~0x0100)
        flags = struct.unpack(">H", data[last_flags_at:last_flags_at + 2])[0]
        at = last_flags_at + 4 + (4 if flags & 0x0001 else 2)
        at += 2 if flags & 0x0008 else 4 if flags & 0x0040 else 8 if flags & 0x0080 else 0
        return bytes(patched[:at])

    def cut(self, text: str) -> bytes | None:
        codes = sorted({ord(c) for c in text if ord(c) in self.cmap})
        wanted = {0} | {self.cmap[c] for c in codes}
        todo = list(wanted)
        while todo:  # composite glyphs pull in their components
            data = self._glyph(todo.pop())
            if len(data) >= 12 and struct.unpack(">h", data[:2])[0] < 0:
                for _pos, component in self._components(data):
                    if component not in wanted:
                        wanted.add(component)
                        todo.append(component)
        old = sorted(wanted)
        new_of = {g: i for i, g in enumerate(old)}
        glyphs, loca, offset = [], [], 0
        for gid in old:
            data = self._unhinted(self._glyph(gid))
            if len(data) >= 12 and struct.unpack(">h", data[:2])[0] < 0:
                patched = bytearray(data)
                for pos, component in self._components(data):
                    patched[pos:pos + 2] = struct.pack(">H", new_of[component])
                data = bytes(patched)
            data += b"\0" * (-len(data) % 4)
            loca.append(offset)
            glyphs.append(data)
            offset += len(data)
        loca.append(offset)
        pairs = [(c, new_of[self.cmap[c]]) for c in codes]
        subtables = [(3, 1, _cmap4(pairs))]
        if any(c > 0xFFFF for c in codes):
            subtables.append((3, 10, _cmap12(pairs)))
        header = struct.pack(">HH", 0, len(subtables))
        position = 4 + 8 * len(subtables)
        records, blobs = b"", b""
        for platform, encoding, blob in subtables:
            records += struct.pack(">HHI", platform, encoding, position + len(blobs))
            blobs += blob
        n = len(old)
        head = bytearray(self.raw[b"head"])
        head[8:12] = b"\0\0\0\0"
        head[50:52] = struct.pack(">h", 1)
        hhea = bytearray(self.raw[b"hhea"])
        hhea[34:36] = struct.pack(">H", n)
        maxp = bytearray(self.raw[b"maxp"])
        maxp[4:6] = struct.pack(">H", n)
        post = struct.pack(">I", 0x00030000) + self.raw[b"post"][4:32]
        tables = {
            b"OS/2": self.raw[b"OS/2"], b"cmap": header + records + blobs, b"glyf": b"".join(glyphs),
            b"head": bytes(head), b"hhea": bytes(hhea), b"hmtx": b"".join(self._metric(g) for g in old),
            b"loca": struct.pack(f">{len(loca)}I", *loca), b"maxp": bytes(maxp),
            b"name": self.raw.get(b"name", b""), b"post": post,
        }
        if b"gasp" in self.raw:
            tables[b"gasp"] = self.raw[b"gasp"]
        return _assemble(tables)


def _assemble(tables: dict[bytes, bytes]) -> bytes:
    count = len(tables)
    search = 2 ** (count.bit_length() - 1)
    directory = struct.pack(">IHHHH", 0x00010000, count, 16 * search, search.bit_length() - 1, 16 * (count - search))
    offset = 12 + 16 * count
    records, body = b"", b""
    for tag in sorted(tables):
        data = tables[tag]
        records += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(directory + records + body)
    head_at = font.find(b"head", 12, 12 + 16 * count)
    head_offset = struct.unpack(">I", font[head_at + 8:head_at + 12])[0]
    adjust = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_offset + 8:head_offset + 12] = struct.pack(">I", adjust)
    return bytes(font)


@lru_cache(maxsize=64)
def read_cmap(font: bytes) -> frozenset[int]:
    """Code points mapped by a TrueType font's (3,1)/(3,10)/(0,x) cmap (formats 4 and 12)."""
    cmap = _tables(font).get(b"cmap", b"")
    if len(cmap) < 4:
        return frozenset()
    count = struct.unpack(">H", cmap[2:4])[0]
    codes: set[int] = set()
    for i in range(count):
        platform, _encoding, offset = struct.unpack(">HHI", cmap[4 + 8 * i:12 + 8 * i])
        if platform not in (0, 3):
            continue
        fmt = struct.unpack(">H", cmap[offset:offset + 2])[0]
        if fmt == 4:
            segx2 = struct.unpack(">H", cmap[offset + 6:offset + 8])[0]
            n = segx2 // 2
            ends = struct.unpack(f">{n}H", cmap[offset + 14:offset + 14 + segx2])
            starts = struct.unpack(f">{n}H", cmap[offset + 16 + segx2:offset + 16 + 2 * segx2])
            deltas = struct.unpack(f">{n}h", cmap[offset + 16 + 2 * segx2:offset + 16 + 3 * segx2])
            ranges_at = offset + 16 + 3 * segx2
            range_offsets = struct.unpack(f">{n}H", cmap[ranges_at:ranges_at + segx2])
            for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
                for code in range(start, end + 1):
                    if code == 0xFFFF:
                        continue
                    if range_offsets[k] == 0:
                        gid = (code + deltas[k]) & 0xFFFF
                    else:
                        at = ranges_at + 2 * k + range_offsets[k] + 2 * (code - start)
                        gid = struct.unpack(">H", cmap[at:at + 2])[0]
                        gid = (gid + deltas[k]) & 0xFFFF if gid else 0
                    if gid:
                        codes.add(code)
        elif fmt == 12:
            groups = struct.unpack(">I", cmap[offset + 12:offset + 16])[0]
            for g in range(groups):
                start, end, first = struct.unpack(">III", cmap[offset + 16 + 12 * g:offset + 28 + 12 * g])
                codes.update(c for c in range(start, end + 1) if first + (c - start))
    return frozenset(codes)
