"""docs/protocol.md and docs/events.md against the catalogues they describe.

protocol.md: the "Frames at a glance" table names every frame of ``handheld_api.ws.protocol``
with its direction, socket(s) and exact fields, and every JSON example on the page decodes
strictly as a frame (an ``event`` example's data strictly as its event). events.md: each
``### `name``` heading under its Stream heading and its field table match the event Struct.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import msgspec
import pytest

from bench.gen_event_docs import render, type_name
from floor.core import events
from handheld_api.ws import protocol

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
EVENTS = (ROOT / "docs" / "events.md").read_text()
_any_frame = msgspec.json.Decoder(protocol.AnyFrame)


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _frame_table() -> dict[str, tuple[str, set[str], list[str]]]:
    """frame -> (direction, sockets, fields as written) from the 'Frames at a glance' table."""
    section = PROTOCOL.split("## Frames at a glance", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, set[str], list[str]]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        name = _ticked(cells[0])[0]
        assert name not in rows, f"{name} listed twice"
        rows[name] = (cells[1], {s.strip() for s in cells[2].split(",")}, _ticked(cells[3]))
    return rows


def _sockets(cls: type[msgspec.Struct]) -> set[str]:
    found = set()
    if cls in get_args(protocol.HandheldInbound) or cls in get_args(protocol.HandheldOutbound):
        found.add("handheld")
    if cls is protocol.BoardInbound or cls in get_args(protocol.BoardOutbound):
        found.add("board")
    return found


def _expected_fields(cls: type[msgspec.Struct]) -> list[str]:
    """Field names, ``?`` marking those an outbound frame may leave out (omitted defaults)."""
    omit = cls.__struct_config__.omit_defaults
    return [
        f.name + ("?" if omit and not f.required else "")
        for f in msgspec.structs.fields(cls)
    ]


def test_the_frame_table_lists_every_frame_with_its_fields() -> None:
    table = _frame_table()
    frames = {protocol.frame_name(cls): cls for cls in (*protocol.INBOUND, *protocol.OUTBOUND)}
    assert set(table) == set(frames), f"only in docs: {set(table) - set(frames)}; only in code: {set(frames) - set(table)}"
    for name, cls in frames.items():
        direction, sockets, fields = table[name]
        inbound = cls in protocol.INBOUND
        assert direction == ("client → server" if inbound else "server → client"), name
        assert sockets == _sockets(cls), f"{name}: sockets {sockets} in docs, {_sockets(cls)} in code"
        assert fields == _expected_fields(cls), f"{name}: docs list {fields}, the Struct has {_expected_fields(cls)}"


def _examples() -> list[str]:
    blocks = re.findall(r"```json\n(.*?)```", PROTOCOL, flags=re.S)
    inline = re.findall(r"`(\{\"type\": [^`]*\})`", PROTOCOL)
    return [*blocks, *inline]


@pytest.mark.parametrize("example", _examples(), ids=lambda e: json.loads(e)["type"])
def test_every_json_example_is_a_valid_frame(example: str) -> None:
    message = _any_frame.decode(example)
    if isinstance(message, protocol.EventFrame):
        events.decode_event(message.id, {"type": message.event, "data": json.dumps(message.data)})


def test_every_frame_has_an_example() -> None:
    shown = {json.loads(example)["type"] for example in _examples()}
    every = {protocol.frame_name(cls) for cls in (*protocol.INBOUND, *protocol.OUTBOUND)}
    assert every <= shown, f"no JSON example for {sorted(every - shown)}"


def test_events_doc_lists_every_event_with_its_fields() -> None:
    documented: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    stream = ""
    current = ""
    for line in EVENTS.splitlines():
        if m := re.fullmatch(r"## Stream `\{W\}:(\w+)`", line):
            stream = m.group(1)
        elif m := re.fullmatch(r"### `(\w+)`", line):
            current = m.group(1)
            assert current not in documented, f"{current} documented twice"
            documented[current] = (stream, [])
        elif current and (m := re.fullmatch(r"\| `(\w+)` \| (.+) \|", line)):
            documented[current][1].append((m.group(1), m.group(2)))
    assert set(documented) == set(events.EVENT_TYPES), (
        f"only in docs: {set(documented) - set(events.EVENT_TYPES)}; "
        f"only in code: {set(events.EVENT_TYPES) - set(documented)}"
    )
    for name, cls in events.EVENT_TYPES.items():
        info = msgspec.inspect.type_info(cls)
        assert isinstance(info, msgspec.inspect.StructType)
        expected = [(f.name, type_name(f.type)) for f in info.fields]
        assert documented[name] == (cls.stream, expected), f"{name}: run python bench/gen_event_docs.py"


def test_events_doc_is_what_the_generator_writes() -> None:
    assert render() == EVENTS, "docs/events.md is out of date: run python bench/gen_event_docs.py"
