"""Load the Lua scripts once and call them by SHA.

Each capability keeps its scripts in ``floor/<capability>/lua/<name>.lua``. A script names the
shared library files it uses in its header (``-- requires: events, stock``); the loader sends
Redis: ``local P = ARGV[1]`` (the key prefix), each required ``store/lua/lib``
file (with its own requirements first, each once), then the script. A Lua runtime error names
the file and line it happened in (:func:`Script.explain`), not the line of the combined text.

Every script takes the warehouse's event stream as ``KEYS[1]`` (so Redis Cluster routes it to
the warehouse's slot) and the key prefix as ``ARGV[1]``; its own arguments start at ``ARGV[2]``.
Script time comes from Redis ``TIME`` (``lib/events.lua``), never from a web node's clock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis.exceptions import ResponseError

from floor.store import keys
from floor.store.cluster_calls import run_script

_REQUIRES = re.compile(r"^-- requires:\s*(.*)$", re.MULTILINE)
_LINE = re.compile(r"user_script:(\d+)")
_KEY_USE = re.compile(r"\bK\.(\w+)\b")
_KEY_CALL = re.compile(r"\bK\.(\w+)\(")


def _library(name: str) -> str:
    return (resources.files("floor.store") / "lua" / "lib" / f"{name}.lua").read_text()


def _requires(source: str) -> list[str]:
    match = _REQUIRES.search(source)
    if match is None:
        raise ValueError("a Lua file must declare '-- requires: ...' (or '(none)') in its header")
    names = [n.strip() for n in match.group(1).split(",")]
    return [n for n in names if n and n != "(none)"]


@dataclass(frozen=True)
class Script:
    """One script as sent to Redis, with a map from combined lines back to source files."""

    name: str
    source: str
    sha: str
    segments: tuple[tuple[int, str], ...]  # (first combined line, file name), in order

    def locate(self, line: int) -> str:
        """``file.lua:N`` for line ``line`` (1-based) of the combined source."""
        start, file = 1, "preamble"
        for first, name in self.segments:
            if first > line:
                break
            start, file = first, name
        return f"{file}:{line - start + 1}"

    def explain(self, message: str) -> str:
        """A Redis error message with ``user_script:N`` rewritten to the source file and line."""
        return _LINE.sub(lambda m: self.locate(int(m.group(1))), message)


_FUNCTION = re.compile(r"^local function (\w+)\(", re.MULTILINE)
_WORD = re.compile(r"\b\w+\b")


def _string_end(text: str, at: int) -> int:
    """Index after the Lua string literal that starts at ``text[at]`` (a quote)."""
    quote, n = text[at], at + 1
    while n < len(text) and text[n] != quote:
        n += 2 if text[n] == "\\" else 1
    return n + 1


def expand_keys(text: str) -> str:
    """``text`` with every ``K.<name>(a, b)`` call replaced by its key expression (:func:`keys.lua_key`):
    a key is string concatenation in the script, not a call of a closure made on every run. Arguments
    are kept verbatim (nested calls and ``K.`` calls included), so line numbers do not move; comments
    are left alone."""
    out, n = [], 0
    while True:
        found = _KEY_CALL.search(text, n)
        if found is None:
            out.append(text[n:])
            return "".join(out)
        line_start = text.rfind("\n", 0, found.start()) + 1
        if "--" in _strip_strings(text[line_start:found.start()]):  # in a comment
            out.append(text[n:found.end()])
            n = found.end()
            continue
        args, depth, at, start = [], 0, found.end(), found.end()
        while True:
            char = text[at]
            if char in "'\"":
                at = _string_end(text, at)
                continue
            if char in "({[":
                depth += 1
            elif char in ")}]":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                args.append(expand_keys(text[start:at]))
                start = at + 1
            at += 1
        if text[start:at].strip():
            args.append(expand_keys(text[start:at]))
        out.append(text[n:found.start()])
        out.append(keys.lua_key(found.group(1), args))
        n = at + 1


def _strip_strings(text: str) -> str:
    """``text`` (one line's start) with its complete string literals removed."""
    kept, at = [], 0
    while at < len(text):
        if text[at] in "'\"":
            at = _string_end(text, at)
            continue
        kept.append(text[at])
        at += 1
    return "".join(kept)


def _code_only(text: str) -> str:
    """``text`` without its Lua comments (a name in a comment does not make a function used)."""
    kept = []
    for line in text.splitlines():
        at = line.find("--")
        while at >= 0 and (line.count("'", 0, at) % 2 or line.count('"', 0, at) % 2):  # inside a string
            at = line.find("--", at + 2)
        kept.append(line if at < 0 else line[:at])
    return "\n".join(kept)


def _used_functions(libraries: list[tuple[str, str]], body: str) -> list[tuple[str, str]]:
    """The libraries with every top-level ``local function`` the script never reaches (from its body,
    through the functions it calls) blanked out, line for line: each definition is a closure made on
    every call, and blank lines keep :meth:`Script.locate`'s file:line mapping exact. Code outside
    functions (``NOW``, constants) always stays."""
    pieces: list[tuple[str, str, str]] = []  # (file, function name or '', text)
    for file, text in libraries:
        starts = [m.start() for m in _FUNCTION.finditer(text)]
        bounds = [0, *starts, len(text)]
        for start, end in zip(bounds, bounds[1:], strict=False):
            chunk = text[start:end]
            found = _FUNCTION.match(chunk)
            if found is None:
                pieces.append((file, "", chunk))
                continue
            # the chunk runs to the next function: its trailing comment lines belong to that one
            lines = chunk.splitlines(keepends=True)
            cut = len(lines)
            while cut > 1 and lines[cut - 1].startswith("--"):
                cut -= 1
            # code after the function's closing `end` (a constant ...) keeps the whole chunk
            closing = next((n for n, line in enumerate(lines) if line.rstrip() == "end"), len(lines))
            tail = [line for line in lines[closing + 1:cut] if line.strip() and not line.startswith("--")]
            pieces.append((file, "" if tail else found.group(1), "".join(lines[:cut])))
            if cut < len(lines):
                pieces.append((file, "", "".join(lines[cut:])))
    defined = {fn: text for _file, fn, text in pieces if fn}
    wanted: set[str] = set()
    pending = [body, *(text for _file, fn, text in pieces if not fn)]
    while pending:
        for word in _WORD.findall(_code_only(pending.pop())):
            if word in defined and word not in wanted:
                wanted.add(word)
                pending.append(defined[word])
    out: dict[str, list[str]] = {}
    for file, fn, text in pieces:
        out.setdefault(file, []).append(text if not fn or fn in wanted else "\n" * text.count("\n"))
    return [(file, "".join(out[file])) for file, _text in libraries]


def build(name: str, body: str) -> Script:
    """Assemble script ``name`` from its body and the libraries it requires (transitively)."""
    ordered: list[str] = []

    def visit(library: str, trail: tuple[str, ...]) -> None:
        if library in ordered:
            return
        if library in trail:
            raise ValueError(f"Lua library cycle: {' -> '.join((*trail, library))}")
        for dependency in _requires(_library(library)):
            visit(dependency, (*trail, library))
        ordered.append(library)

    for library in _requires(body):
        visit(library, (name,))
    # "#!lua": Redis 7 then refuses any key outside the declared key's slot, on every cluster layout.
    code = [*_used_functions([(f"lib/{library}.lua", _library(library)) for library in ordered], body),
            (f"{name}.lua", body)]
    used = set(_KEY_USE.findall("".join(_code_only(text) for _file, text in code)))
    unknown = sorted(used - set(keys.TEMPLATES))
    if unknown:
        raise ValueError(f"Lua script {name!r} uses keys that floor/store/keys.py does not define: {unknown}")
    code = [(file, expand_keys(text)) for file, text in code]
    preamble = "-- K.<name>(...) calls below were expanded by floor/store/keys.py lua_key\nlocal P = ARGV[1]\n"
    parts: list[tuple[str, str]] = [("shebang", "#!lua\n"), ("preamble", preamble), *code]
    segments, line, chunks = [], 1, []
    for file, text in parts:
        text = text if text.endswith("\n") else text + "\n"
        segments.append((line, file))
        line += text.count("\n")
        chunks.append(text)
    source = "".join(chunks)
    return Script(name, source, hashlib.sha1(source.encode()).hexdigest(), tuple(segments))


def discover(packages: tuple[str, ...]) -> dict[str, Script]:
    """Every ``lua/*.lua`` of the given capability packages, by script name (names are unique)."""
    scripts: dict[str, Script] = {}
    for package in packages:
        folder = resources.files(package) / "lua"
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".lua"):
                continue
            name = entry.name[:-4]
            if name in scripts:
                raise ValueError(f"two capabilities define the Lua script {name!r}")
            scripts[name] = build(name, entry.read_text())
    return scripts


class ScriptError(RuntimeError):
    """A Lua runtime error, located in its source file (a bug in a script: not the caller's fault)."""


class Scripts:
    """The project's Lua scripts, loaded on one Redis client (plain or cluster)."""

    def __init__(self, client: Any, packages: tuple[str, ...]) -> None:
        self.client = client
        self.scripts = discover(packages)
        self._stream: dict[str, tuple[str, str]] = {}  # warehouse -> (key prefix, stream key)

    @property
    def shas(self) -> dict[str, str]:
        return {name: script.sha for name, script in self.scripts.items()}

    def _keys(self, warehouse: str) -> tuple[str, str]:
        found = self._stream.get(warehouse)
        if found is None:
            found = self._stream[warehouse] = (keys.prefix(warehouse), keys.key(warehouse, "events"))
        return found

    async def load(self) -> None:
        """SCRIPT LOAD every script (on every master of a cluster); safe to call again."""
        for script in self.scripts.values():
            sha = await self.client.script_load(script.source)
            if sha != script.sha:  # pragma: no cover - Redis computes the same SHA1
                raise RuntimeError(f"unexpected SHA for script {script.name}")

    async def loaded(self) -> bool:
        flags = await self.client.script_exists(*self.shas.values())
        return bool(flags) and all(flags)

    async def call(self, name: str, warehouse: str, *args: Any) -> Any:
        """Run script ``name`` for ``warehouse``; ``args`` become ARGV[2:]."""
        script = self.scripts[name]
        prefix, stream = self._keys(warehouse)
        try:
            # EVALSHA routed by the stream key's slot; after a restart or SCRIPT FLUSH of that master,
            # EVAL of the source on the same key (which caches it there again).
            return await run_script(self.client, script.sha, script.source, [stream], [prefix, *args])
        except ResponseError as error:
            if "user_script" in str(error):
                raise ScriptError(f"Lua error in {name}: {script.explain(str(error))}") from error
            raise
