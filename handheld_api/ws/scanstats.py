"""The scan path's latency histogram, counted locally and added to Prometheus in batches.

``Histogram.observe`` takes a lock and walks the buckets for every scan (~2-5 µs on the hot path).
:class:`BatchedHistogram` keeps per-bucket counts and the sum in plain Python numbers and adds them
to the Prometheus histogram at most a second after the first observation of a batch (one loop
timer), or every :data:`FLUSH_EVERY` observations. A scrape therefore sees every scan at most about
a second late; nothing is dropped (the node's shutdown loses at most that second's counts).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from typing import Any

FLUSH_EVERY = 512
FLUSH_AFTER_S = 1.0


class BatchedHistogram:
    def __init__(self, histogram: Any) -> None:
        self.histogram = histogram
        bounds = list(getattr(histogram, "_upper_bounds", []))
        self.exact = not (bounds and hasattr(histogram, "_buckets") and hasattr(histogram, "_sum"))
        self.bounds = bounds
        self.counts = [0] * len(bounds)
        self.total = 0.0
        self.pending = 0
        self.timer: asyncio.TimerHandle | None = None

    def observe(self, seconds: float, loop: asyncio.AbstractEventLoop) -> None:
        if self.exact:  # not the prometheus_client layout we know: observe one by one
            self.histogram.observe(seconds)
            return
        self.counts[bisect_left(self.bounds, seconds)] += 1  # bucket i counts values <= bound i (last: +Inf)
        self.total += seconds
        self.pending += 1
        if self.pending >= FLUSH_EVERY:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(FLUSH_AFTER_S, self.flush)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if not self.pending:
            return
        buckets = self.histogram._buckets
        for n, count in enumerate(self.counts):
            if count:
                buckets[n].inc(count)
                self.counts[n] = 0
        self.histogram._sum.inc(self.total)
        self.total = 0.0
        self.pending = 0
