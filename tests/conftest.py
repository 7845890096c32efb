from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import msgspec
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from floor.accounts.model import User  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.run.demo import demo_credentials, demo_data, load_demo  # noqa: E402
from tests.live import LiveApp, ServerProcess  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    os.environ["FLOOR_TEST_REDIS_URL"] = server.url
    yield server
    server.stop()


_counter = iter(range(1, 10_000))


@pytest.fixture
def warehouse() -> str:
    """A fresh warehouse id per test: tests share one Redis but never each other's keys."""
    return f"T{next(_counter)}"


@pytest.fixture
async def floor(redis_server: RedisServer) -> AsyncIterator[Floor]:
    floor = Floor.from_url(redis_server.url)
    await floor.start()
    yield floor
    await floor.close()


@pytest.fixture
async def small_demo(floor: Floor, warehouse: str) -> Floor:
    """A small loaded warehouse: 4 aisles x 10 cells, 40 SKUs, 20 orders, 3 pickers."""
    data = demo_data(warehouse, aisles=4, cells=10, skus=40, orders=20, units_per_location=20)
    creds = demo_credentials(warehouse, pickers=3)
    creds.pickers = [(f"{warehouse}p{n}", f"{warehouse}B{n}", f"{1000 + n}") for n in range(1, 4)]
    await load_demo(floor, data, creds)
    floor.settings = msgspec.structs.replace(floor.settings, default_warehouse=warehouse)
    return floor


@pytest.fixture(scope="session")
def web_nodes(redis_server: RedisServer) -> Iterator[list[ServerProcess]]:
    """Two web nodes on the one test Redis (the same system, reached through either node)."""
    nodes = [ServerProcess(redis_server.url), ServerProcess(redis_server.url)]
    yield nodes
    for node in nodes:
        node.stop()


@pytest.fixture
async def live_app(web_nodes: list[ServerProcess], small_demo: Floor, warehouse: str) -> LiveApp:
    """Node A of the running server with a small demo warehouse of this test's own."""
    username, password = f"sup-{warehouse}", "sup-pass"
    await small_demo.accounts.put_user(User(username, "supervisor", [warehouse]), password)
    pickers = [(f"{warehouse}p{n}", f"{warehouse}B{n}", f"{1000 + n}") for n in range(1, 4)]
    return LiveApp(web_nodes[0].url, warehouse, pickers, (username, password))
