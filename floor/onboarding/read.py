"""Import files to rows: CSV (UTF-8, a BOM tolerated, RFC 4180 quoting) or JSON (an array of objects).

Pure. :func:`parse_file` checks the header (no unknown columns, every required one present),
numbers rows (row N = data row N, spreadsheet row N + 1; blank lines count), and converts each row
with :func:`floor.onboarding.parse.parse_row`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from floor.onboarding.columns import COLUMNS, MAX_ROWS
from floor.onboarding.model import Problem
from floor.onboarding.parse import parse_row, show


class ParsedFile(msgspec.Struct):
    kind: str
    rows: list[tuple[int, dict[str, Any]]]  # (row number, field -> clean value) for fully parsed rows
    failed: list[tuple[int, dict[str, Any]]] = msgspec.field(default_factory=list)  # the fields that parsed of the others
    row_count: int = 0
    problems: list[Problem] = msgspec.field(default_factory=list)


def _header(kind: str, names: list[str], problems: list[Problem]) -> bool:
    known = {column.name for column in COLUMNS[kind]}
    for name in names:
        if name not in known:
            problems.append(Problem(kind, 0, name[:40], "unknown_column",
                                    f"{show(name)} is not a column of {kind} (known: {', '.join(sorted(known))})"))
    for column in COLUMNS[kind]:
        if column.required and column.name not in names:
            problems.append(Problem(kind, 0, column.name, "missing_column", f"the header has no {column.name} column"))
    if len(set(names)) != len(names):
        problems.append(Problem(kind, 0, "", "bad_format", "the header names a column twice"))
    return not problems


RawRows = tuple[list[tuple[int, dict[str, Any]]], list[Problem], int]


def read_rows(kind: str, fmt: str, data: bytes) -> RawRows:
    """Raw rows ``(row number, column -> value)`` of one file, its problems, and its row count."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return [], [Problem(kind, 0, "", "bad_encoding", f"the file is not UTF-8 (byte {error.start})")], 0
    text = text.removeprefix("\ufeff")
    return _read_json(kind, text) if fmt == "json" else _read_csv(kind, text)


def _read_csv(kind: str, text: str) -> RawRows:
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, dict[str, Any]]] = []
    count = 0
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            return [], [Problem(kind, 0, "", "empty_file", "the file has no header row")], 0
        names = [cell.strip() for cell in header]
        if not _header(kind, names, problems):
            return [], problems, 0
        for number, cells in enumerate(reader, start=1):
            count = number
            if number > MAX_ROWS:
                return [], [Problem(kind, 0, "", "too_many_rows", f"more than {MAX_ROWS} rows in one file")], 0
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line still counts, so row N stays spreadsheet row N + 1
            if len(cells) != len(names):
                problems.append(Problem(kind, number, "", "wrong_field_count",
                                        f"{len(cells)} fields where the header has {len(names)}"))
                continue
            rows.append((number, dict(zip(names, cells, strict=True))))
    except csv.Error as error:
        problems.append(Problem(kind, count + 1, "", "bad_format", f"CSV: {error}"))
    if count == 0 and not problems:
        problems.append(Problem(kind, 0, "", "empty_file", "the file has a header but no rows"))
    return rows, problems, count


def _read_json(kind: str, text: str) -> RawRows:
    try:
        document = msgspec.json.decode(text)
    except msgspec.DecodeError as error:
        return [], [Problem(kind, 0, "", "bad_format", f"JSON: {error}")], 0
    if not isinstance(document, list):
        return [], [Problem(kind, 0, "", "bad_format", "a JSON import file is an array of row objects")], 0
    if len(document) > MAX_ROWS:
        return [], [Problem(kind, 0, "", "too_many_rows", f"more than {MAX_ROWS} rows in one file")], 0
    known = {column.name for column in COLUMNS[kind]}
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(kind, number, "", "bad_format", "a row must be a JSON object"))
            continue
        unknown = [name for name in item if name not in known]
        for name in unknown:
            problems.append(Problem(kind, number, str(name)[:40], "unknown_column", f"{show(str(name))} is not a column of {kind}"))
        nested = [name for name, value in item.items() if isinstance(value, dict)
                  or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value))]
        for name in nested:
            problems.append(Problem(kind, number, str(name)[:40], "bad_format", f"{name} must be a plain value"))
        if not unknown and not nested:
            rows.append((number, item))
    if not document:
        problems.append(Problem(kind, 0, "", "empty_file", "the array has no rows"))
    return rows, problems, len(document)


def parse_file(kind: str, fmt: str, data: bytes) -> ParsedFile:
    raw, problems, count = read_rows(kind, fmt, data)
    parsed = ParsedFile(kind, [], row_count=count, problems=problems)
    for number, row in raw:
        ok, values = parse_row(kind, number, row, parsed.problems)
        (parsed.rows if ok else parsed.failed).append((number, values))
    return parsed
