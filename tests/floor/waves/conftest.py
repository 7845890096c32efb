"""Release policies left automatic would be acted on by the session's live web nodes (their release
loop reads every warehouse of the shared test Redis): every test here ends with its warehouse manual."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from floor.floor import Floor
from floor.waves.policy import ReleasePolicy


@pytest.fixture(autouse=True)
async def manual_afterwards(floor: Floor, warehouse: str) -> AsyncIterator[None]:
    yield
    await floor.release.set_policy(warehouse, ReleasePolicy(), "test-cleanup", 0)
