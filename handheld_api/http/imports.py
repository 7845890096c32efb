"""``/api/imports``: master data onboarding (admin). A whole import is validated first and answered
with a report (per row: the field and the problem); nothing is written while any row is wrong,
unless ``valid_only`` is set. Idempotent on (sender, import_id). Large imports run as a worker job:
the answer is then 202 with the job's progress; poll ``GET /api/imports/{import_id}``.
See docs/onboarding.md for every file and column."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter

from floor.core.fields import ControlCharacterError, Id, control_character_in
from floor.jobs import imports as import_jobs
from floor.onboarding import service
from floor.onboarding.model import KINDS, ImportReport, ImportRequest
from handheld_api.auth import roles
from handheld_api.http.common import floor_of, principal_of

MAX_IMPORT_BYTES = 64 * 1024 * 1024


class ImportUpload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # Not an Input: CSV files carry newlines (control characters) by nature; the import checks
    # every field of every row itself (docs/onboarding.md).
    """The files travel as text: ``files`` maps a kind (warehouses, layout, locations, skus, stock,
    pickers, users) to the file's content (CSV, or a JSON array of rows with ``format: json``)."""

    import_id: Id
    files: dict[Annotated[str, msgspec.Meta(max_length=16, pattern="^[a-z]+$")],
                Annotated[str, msgspec.Meta(max_length=MAX_IMPORT_BYTES)]]
    format: Annotated[str, msgspec.Meta(max_length=4, pattern="^(csv|json)$")] = "csv"
    valid_only: bool = False
    kinds: list[Annotated[str, msgspec.Meta(max_length=16, pattern="^[a-z]+$")]] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        for name, value in (("import_id", self.import_id), ("format", self.format), *(("kinds", k) for k in self.kinds)):
            if control_character_in(value):
                raise ControlCharacterError(f"`{name}` must not contain control characters")

    def split(self) -> tuple[ImportRequest, dict[str, bytes]]:
        return (ImportRequest(self.import_id, list(self.kinds), self.format, self.valid_only),
                {kind: text.encode("utf-8") for kind, text in self.files.items()})


QUEUED = {202: ResponseSpec(ImportReport, description="queued for a worker: poll GET /api/imports/{import_id}")}


def _scope(request: Request[Any, Any, Any]) -> tuple[str, ...]:
    warehouse = principal_of(request).warehouse
    return ("*",) if warehouse == "*" else (warehouse,)


class ImportController(Controller):
    path = "/api/imports"
    tags = ["onboarding"]

    @post("/", guards=[roles("admin")], status_code=200, responses=QUEUED, request_max_body_size=MAX_IMPORT_BYTES,
          summary="Import master data (warehouses, layout, locations, SKUs, stock, pickers, users)",
          description=f"Kinds: {', '.join(KINDS)}. Validated as a whole; refused entirely while any row is "
          "wrong unless valid_only. Idempotent on (sender, import_id).")
    async def submit(self, data: JSONBody[ImportUpload],
                     request: Request[Any, Any, Any]) -> Response[ImportReport]:
        floor = floor_of(request)
        import_request, files = data.split()
        report = await service.submit_import(
            floor.client, principal_of(request).subject, import_request, files,
            enqueue=partial(import_jobs.enqueue_import, floor.settings.jobs_redis_url), warehouses=_scope(request),
        )
        return Response(report, status_code=202 if report.status in ("queued", "validating", "writing") else 200)

    @post("/validate", guards=[roles("admin")], status_code=200, request_max_body_size=MAX_IMPORT_BYTES,
          summary="Dry run: the report an import would get; writes nothing")
    async def validate(self, data: JSONBody[ImportUpload], request: Request[Any, Any, Any]) -> ImportReport:
        import_request, files = data.split()
        return await service.validate_import(
            floor_of(request).client, principal_of(request).subject, import_request, files, warehouses=_scope(request)
        )

    @get("/{import_id:str}", guards=[roles("admin")], summary="An import's report, or its progress while it runs")
    async def status(self, import_id: Annotated[str, PathParameter(min_length=1, max_length=64)],
                     request: Request[Any, Any, Any]) -> ImportReport:
        return await service.import_status(floor_of(request).client, principal_of(request).subject, import_id)
