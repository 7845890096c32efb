"""Write docs/events.md from the event catalogue (floor/core/events.py).

    python bench/gen_event_docs.py           # rewrite docs/events.md
    python bench/gen_event_docs.py --check   # exit 1 if docs/events.md is not what the catalogue gives

tests/handheld_api/test_docs_contract.py parses the written tables and compares them with the
Structs, so a changed event without regenerated docs fails the suite.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from floor.core import events  # noqa: E402

DOC = ROOT / "docs" / "events.md"

HEADER = """# Events

Every change on the floor is appended by the Lua script that makes it, in the same atomic step,
to one of the warehouse's two Redis Streams:

- `{W}:events` — the floor log. Web nodes follow it to push tasks to pickers and events to
  boards (`event` frames, docs/protocol.md); a board reconnecting with `last_id` catches up from it.
- `{W}:units` — one entry per accepted item scan (`picked`), for KPI and archive readers.

An entry has two fields: `type` (the event name) and `data` (a JSON object with exactly the
fields below). The catalogue is `floor/core/events.py` (one msgspec Struct per event,
`decode_event()` decodes an entry strictly); this page is generated from it by
`python bench/gen_event_docs.py`, and a test fails when the two differ. Times are epoch
milliseconds (UTC) from Redis `TIME`; quantities are units.
"""


def type_name(info: msgspec.inspect.Type) -> str:
    """A short, stable name for a field type (the docs test compares these)."""
    if isinstance(info, msgspec.inspect.StrType):
        return "string"
    if isinstance(info, msgspec.inspect.BoolType):
        return "boolean"
    if isinstance(info, msgspec.inspect.IntType):
        return "integer"
    if isinstance(info, msgspec.inspect.FloatType):
        return "number"
    if isinstance(info, msgspec.inspect.LiteralType):
        return " \\| ".join(f"`{value}`" for value in info.values)
    if isinstance(info, msgspec.inspect.ListType):
        return f"list of {type_name(info.item_type)}"
    if isinstance(info, msgspec.inspect.DictType):
        return f"object of {type_name(info.value_type)}"
    if isinstance(info, msgspec.inspect.UnionType):
        return " or ".join(type_name(t) for t in info.types)
    if isinstance(info, msgspec.inspect.NoneType):
        return "null"
    if isinstance(info, msgspec.inspect.StructType):
        return info.cls.__name__
    return type(info).__name__.removesuffix("Type").lower()


def render() -> str:
    parts = [HEADER]
    for stream in (events.FLOOR_STREAM, events.UNITS_STREAM):
        parts.append(f"\n## Stream `{{W}}:{stream}`\n")
        for cls in events.CATALOGUE:
            if cls.stream != stream:
                continue
            info = msgspec.inspect.type_info(cls)
            assert isinstance(info, msgspec.inspect.StructType)
            doc = " ".join(line.strip() for line in inspect.cleandoc(cls.__doc__ or "").splitlines()).replace("``", "`")
            rows = "\n".join(f"| `{f.name}` | {type_name(f.type)} |" for f in info.fields)
            parts.append(f"\n### `{events.event_name(cls)}`\n\n{doc}\n\n| field | type |\n|---|---|\n{rows}\n")
    return "".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if DOC.read_text() != text:
            print(f"{DOC} is out of date: run python bench/gen_event_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
