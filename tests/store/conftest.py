from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_cluster import RedisCluster


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """One real 3-master Redis Cluster for the session (about 2 s to start)."""
    cluster = RedisCluster()
    yield cluster
    cluster.stop()
