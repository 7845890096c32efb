"""``python -m floor.availability check [--warehouse W] [--compensate]``: re-derive every stock
counter from the ledger and report drift (exit 1 when there is drift that was not compensated).
``python -m floor.availability compact [--warehouse W] [--keep N]``: fold old entries into base sums.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import msgspec

from floor.core.settings import Settings
from floor.floor import Floor


async def check(args: argparse.Namespace) -> int:
    floor = Floor.from_settings(Settings.from_env(), socket_timeout=30.0)
    await floor.start()
    try:
        warehouses = args.warehouse or await floor.availability.store.warehouses()
        drift = 0
        for warehouse in warehouses:
            if args.command == "compact":
                print(f"{warehouse}: {await floor.availability.compact(warehouse, args.keep)} entries folded")
                continue
            report = await floor.availability.check(warehouse, compensate=args.compensate, actor="cli")
            print(msgspec.json.encode(report).decode())
            if report.drift and not report.compensated:
                drift += len(report.drift)
        return 1 if drift else 0
    finally:
        await floor.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m floor.availability")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("check", help="re-derive counters from the ledger and report drift")
    run.add_argument("--warehouse", action="append", help="warehouse id (repeat; default: every warehouse)")
    run.add_argument("--compensate", action="store_true", help="write compensating ledger entries")
    fold = sub.add_parser("compact", help="fold old ledger entries into base sums (the check still re-derives)")
    fold.add_argument("--warehouse", action="append", help="warehouse id (repeat; default: every warehouse)")
    fold.add_argument("--keep", type=int, default=100_000, help="newest entries to keep")
    args = parser.parse_args(argv)
    return asyncio.run(check(args))


if __name__ == "__main__":
    sys.exit(main())
