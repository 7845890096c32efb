"""The web process's work per order without the machine's noise (issue 7 round 3): the signed-webhook
intake path run in ONE process through uvicorn's HTTP protocol (handheld_api.fasthttp, fed the
requests bench/intake.py sends, over an in-memory transport: no sockets to the client), the app
(create_app: the webhook bypass, Litestar for the rest) and the floor, against a real Redis (AOF off).

Run it under valgrind's callgrind to count the instructions per order (user space; the system calls
and the event loop's polling are not in it). The count does not depend on the machine's load (runs
repeat within ~2 %: the number of requests sharing a Redis write varies), so two trees can be compared
when the CPU counters swing by 30 % from minute to minute:

    PYTHONPATH=. valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python bench/intake_cpu.py --orders 500 --callgrind    # "Collected" / 500 = per order
    PYTHONPATH=. .venv/bin/python bench/intake_cpu.py --orders 4000       # CPU µs per order (noisy)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import intake as B  # noqa: E402
from bench.stack import Redis  # noqa: E402


class Transport:
    """What uvicorn's protocol writes to: answers are counted when complete (head + content-length)."""

    def __init__(self, done: Any) -> None:
        self.buffer = bytearray()
        self.done = done
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5555)}.get(name, default)

    def write(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15:].split(b"\r\n")[0]) if at >= 0 else 0
        if len(self.buffer) >= end + 4 + length:
            status = int(self.buffer[9:12])
            del self.buffer[:end + 4 + length]
            self.done(status)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def run(args: argparse.Namespace) -> None:
    redis = Redis()
    os.environ["REDIS_URL"] = redis.url
    os.environ.setdefault("FLOOR_SECRET", "bench-intake-cpu-secret-000000001")
    try:
        import uvicorn
        from uvicorn.server import ServerState

        from handheld_api.app import create_app
        from handheld_api.fasthttp import OneWriteHttpToolsProtocol

        floor = await B.setup(redis.url, 1_000_000)
        app = create_app()  # its start-up (kernels, background loops) is not run: the floor is set below
        app.state.floor = floor
        config = uvicorn.Config(app, http=OneWriteHttpToolsProtocol, lifespan="off", access_log=False,
                                log_level="warning")
        config.load()
        state = ServerState()
        gc.collect()
        gc.freeze()  # as the app's start-up does
        gc.set_threshold(20_000, 10, 10)
        counter = itertools.count()
        statuses: dict[int, int] = {}
        loop = asyncio.get_running_loop()

        async def phase(items: list[bytes]) -> None:
            queue = iter(items)

            async def connection() -> None:
                waiter: asyncio.Future[int] | None = None

                def done(status: int) -> None:
                    statuses[status] = statuses.get(status, 0) + 1
                    assert waiter is not None
                    waiter.set_result(status)

                protocol = OneWriteHttpToolsProtocol(config=config, server_state=state, app_state={})
                protocol.connection_made(Transport(done))  # type: ignore[arg-type]
                for raw in queue:
                    waiter = loop.create_future()
                    protocol.data_received(raw)
                    await waiter
                protocol.connection_lost(None)

            await asyncio.gather(*(connection() for _ in range(args.concurrency)))

        await phase([B.request(next(counter), 8000) for _ in range(args.warmup)])
        items = [B.request(next(counter), 8000) for _ in range(args.orders)]
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True, check=False)
        started = time.process_time()
        await phase(items)
        used = time.process_time() - started
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True, check=False)
        print(f"{args.orders} orders, statuses {statuses}, {used * 1e6 / args.orders:.0f} µs of CPU per order"
              f" (this process: client side included, no socket system calls)")
        await floor.close()
    finally:
        redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--callgrind", action="store_true", help="turn callgrind's instrumentation on around the orders")
    uvloop.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
