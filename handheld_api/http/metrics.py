"""Prometheus metrics of this web node (``GET /metrics``, admin or supervisor token)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from handheld_api.auth import roles

SCAN_SECONDS = Histogram(
    "floor_scan_seconds",
    "Server time from a scan frame's decode to its verdict being queued for the socket",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
)
SCANS_REPEATED = Counter("floor_scans_repeated_total", "Scans answered from the idempotency record")
FRAME_ERRORS = Counter("floor_frame_errors_total", "Error frames sent", ["code"])
SOCKETS = Gauge("floor_sockets", "Open WebSockets on this node", ["kind"])
SLOW_CLOSES = Counter("floor_slow_socket_closes_total",
                      "Sockets closed by their outbox: too slow (overflow, send_timeout: 4408) or render (1011)",
                      ["kind", "reason"])

SCAN_PIPELINE = Gauge("floor_scan_pipeline",
                      "Auto-pipelined script calls (calls), the writes that carried them (writes), and calls "
                      "re-sent through the ordinary client (fallbacks), since the node started", ["what"])


def watch_pipeline(pipeline: Any) -> None:
    """Export a :class:`floor.store.autopipe.ScriptPipeline`'s counters (read at scrape time)."""
    SCAN_PIPELINE.labels("calls").set_function(lambda: pipeline.calls)
    SCAN_PIPELINE.labels("writes").set_function(lambda: pipeline.batches)
    SCAN_PIPELINE.labels("fallbacks").set_function(lambda: pipeline.fallbacks)


@get("/metrics", guards=[roles("supervisor")], tags=["health"], summary="Prometheus metrics of this node",
     include_in_schema=True)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

for _kind in ("handheld", "board"):  # export both series from the start, at 0
    SOCKETS.labels(_kind)
