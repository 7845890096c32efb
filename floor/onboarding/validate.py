"""Check a whole import before anything is written: the report, and the rows that are clean.

Pure: files (bytes) and a snapshot of known master data (:class:`Existing`) in, an
:class:`ImportReport` and a :class:`CleanImport` out. Kinds are checked in :data:`KINDS` order and a
row may only name rows of earlier kinds (valid ones) or known master data; a row naming a row of
this import that is itself invalid gets ``invalid_reference``, so a report points at the cause.

The caller writes ``clean`` when the report has no problems, or when it asked for the valid rows
only (``valid_only``); otherwise it writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from floor.onboarding.checks_items import Checker
from floor.onboarding.checks_site import is_warehouse_id
from floor.onboarding.model import (
    FORMATS,
    KINDS,
    MAX_REPORTED,
    CleanImport,
    Existing,
    ImportReport,
    ImportRequest,
    KindCount,
    Problem,
)
from floor.onboarding.parse import CODE_CHARS, show
from floor.onboarding.read import ParsedFile, parse_file

IMPORT_ID_CHARS = CODE_CHARS | frozenset(":")


def check_request(request: ImportRequest, files: Mapping[str, bytes]) -> list[Problem]:
    """Problems of the request itself (row 0 of kind ``request``); empty when it may go on."""
    problems = []

    def bad(message: str) -> None:
        problems.append(Problem("request", 0, "", "bad_request", message))

    if not 1 <= len(request.import_id) <= 64 or any(ch not in IMPORT_ID_CHARS for ch in request.import_id):
        bad("import_id must be 1-64 ASCII letters, digits or . _ - / :")
    if request.format not in FORMATS:
        bad(f"format must be one of {', '.join(FORMATS)}")
    for kind in [*request.kinds, *files]:
        if kind not in KINDS:
            bad(f"{show(kind)} is not a kind of import (kinds: {', '.join(KINDS)})")
    if request.kinds and set(request.kinds) != set(files):
        bad("kinds names " + ", ".join(sorted(request.kinds)) + " but the files sent are " + ", ".join(sorted(files)))
    if not files:
        bad("an import needs at least one file")
    return problems


def parse_files(request: ImportRequest, files: Mapping[str, bytes]) -> dict[str, ParsedFile]:
    return {kind: parse_file(kind, request.format, files[kind]) for kind in KINDS if kind in files}


def needs(parsed: Mapping[str, ParsedFile]) -> dict[str, set[Any]]:
    """What of the known master data the checks need: warehouses, SKUs, locations, badges, users named."""
    wanted: dict[str, set[Any]] = {"warehouses": set(), "skus": set(), "locations": set(), "badges": set(), "users": set()}
    for kind, file in parsed.items():
        for _number, row in file.rows:
            if "warehouse" in row:
                wanted["warehouses"].add(row["warehouse"])
            wanted["warehouses"].update(w for w in row.get("warehouses", ()) if w != "*")
            if kind == "stock":
                wanted["skus"].add((row["warehouse"], row["sku"]))
            if kind in ("stock", "locations"):
                wanted["locations"].add((row["warehouse"], row.get("location") or row["code"]))
            if kind == "pickers":
                wanted["badges"].add(row["badge"])
            if kind == "users":
                wanted["users"].add(row["username"])
    wanted["warehouses"] = {w for w in wanted["warehouses"] if is_warehouse_id(w)}
    return wanted


def validate_files(
    request: ImportRequest, files: Mapping[str, bytes], existing: Existing, allowed: Collection[str] = ("*",)
) -> tuple[ImportReport, CleanImport]:
    """Everything at once (tests, small imports): request, parse, check."""
    problems = check_request(request, files)
    if problems:
        return make_report(request, "invalid", {}, problems, CleanImport()), CleanImport()
    return check(request, parse_files(request, files), existing, allowed)


def check(
    request: ImportRequest, parsed: Mapping[str, ParsedFile], existing: Existing, allowed: Collection[str] = ("*",)
) -> tuple[ImportReport, CleanImport]:
    checker = Checker(existing, allowed)
    for kind in KINDS:
        if kind in parsed:
            checker.problems.extend(parsed[kind].problems)
            checker.failed(kind, parsed[kind].failed)
            getattr(checker, f"check_{kind}")(parsed[kind].rows)
    checker.finish()
    problems = [*checker.problems]
    status = "invalid" if problems else "valid"
    return make_report(request, status, parsed, problems, checker.clean), checker.clean


def make_report(
    request: ImportRequest, status: str, parsed: Mapping[str, ParsedFile], problems: list[Problem], clean: CleanImport
) -> ImportReport:
    order = {kind: index for index, kind in enumerate(("request", *KINDS))}
    problems.sort(key=lambda p: (order.get(p.kind, 99), p.row))
    counts = {kind: KindCount(rows=file.row_count, valid=len(clean.rows(kind))) for kind, file in parsed.items()}
    return ImportReport(
        import_id=request.import_id, status=status, format=request.format, valid_only=request.valid_only,
        counts=counts, problems=problems[:MAX_REPORTED], problem_count=len(problems),
    )




__all__ = ["Checker", "check", "check_request", "make_report", "needs", "parse_files", "validate_files"]
