"""Pull every pulled shop once (or the ones named): ``python -m floor.run.pull_channels [channel/shop ...]``.

Run it from cron or a systemd timer every minute or so. Each shop with an ``api_url`` on a pulled
channel (Taobao/Tmall, JD, PDD, Douyin) reads its windows up to now and, for Douyin, fetches the
orders thin push messages announced. A shop that fails is reported and the others still run (its
cursor did not move: the next run reads the same window again). Exit status 1 when any shop failed.
"""

from __future__ import annotations

import asyncio
import sys

import httpx

from floor.channels.pull import APIS, Puller, PullError
from floor.core.settings import Settings
from floor.floor import Floor


async def pull(names: list[str]) -> int:
    floor = Floor.from_settings(Settings.from_env(), socket_timeout=30)
    await floor.start()
    failed = 0
    try:
        shops = [s for s in await floor.channels.shops()
                 if s.channel in APIS and s.api_url and (not names or f"{s.channel}/{s.shop}" in names)]
        async with httpx.AsyncClient() as http:
            puller = Puller(floor.channels, http)
            for shop in shops:
                try:
                    report = await puller.run(shop.channel, shop.shop)
                    if shop.channel == "douyin":
                        await puller.refetch(shop.channel, shop.shop)
                    print(f"{shop.channel}/{shop.shop}: {report.windows} windows, {report.orders} order reads "
                          f"{report.outcomes}, cursor {report.cursor_ms}")
                except PullError as error:
                    failed += 1
                    print(f"{shop.channel}/{shop.shop}: FAILED {error}", file=sys.stderr)
    finally:
        await floor.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(pull(sys.argv[1:])))
