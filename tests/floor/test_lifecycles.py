"""The lifecycle tables: every legal move works, every other move raises and names the state."""

from __future__ import annotations

import pytest

from floor.core.errors import IllegalTransitionError
from floor.core.lifecycle import Lifecycle
from floor.counting.model import COUNT_LIFECYCLE  # issue 9
from floor.incidents.model import EXCEPTION_LIFECYCLE
from floor.orders.model import ORDER_LIFECYCLE
from floor.picking.model import TASK_LIFECYCLE
from floor.planning.model import TRANSFER_IN_LIFECYCLE, TRANSFER_OUT_LIFECYCLE  # issue 9
from floor.returns.model import RMA_LIFECYCLE  # issue 9
from floor.waves.model import WAVE_LIFECYCLE

LIFECYCLES = [ORDER_LIFECYCLE, WAVE_LIFECYCLE, TASK_LIFECYCLE, EXCEPTION_LIFECYCLE,
              COUNT_LIFECYCLE, TRANSFER_OUT_LIFECYCLE, TRANSFER_IN_LIFECYCLE, RMA_LIFECYCLE]


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.name)
def test_table_is_followed_exactly(lifecycle: Lifecycle) -> None:
    for state in lifecycle.states:
        for event in lifecycle.events():
            if (state, event) in lifecycle.table:
                assert lifecycle.next_state(state, event) == lifecycle.table[(state, event)]
            else:
                with pytest.raises(IllegalTransitionError, match=f"'{state}' cannot '{event}'"):
                    lifecycle.next_state(state, event)


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.name)
def test_every_state_is_reachable_from_the_initial_one(lifecycle: Lifecycle) -> None:
    reached, frontier = {lifecycle.initial, *lifecycle.entries}, [lifecycle.initial, *lifecycle.entries]
    while frontier:
        state = frontier.pop()
        for (source, _event), target in lifecycle.table.items():
            if source == state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == lifecycle.states


def test_sources_feed_the_lua_checks() -> None:
    assert ORDER_LIFECYCLE.sources("release") == ["reserved"]
    assert ORDER_LIFECYCLE.sources("reserve") == ["backordered", "received"]
    assert EXCEPTION_LIFECYCLE.sources("resolve") == ["acknowledged", "raised"]
    assert EXCEPTION_LIFECYCLE.target("acknowledge") == "acknowledged"
    assert EXCEPTION_LIFECYCLE.is_final("resolved") and not EXCEPTION_LIFECYCLE.is_final("raised")
    with pytest.raises(IllegalTransitionError, match="final state"):
        EXCEPTION_LIFECYCLE.next_state("resolved", "resolve")


def test_statuses_written_by_lua_are_states_of_the_tables() -> None:
    import re
    from pathlib import Path

    floor = Path(__file__).resolve().parents[2] / "floor"
    files = sorted(floor.glob("*/lua/*.lua")) + sorted(floor.glob("store/lua/lib/*.lua"))
    assert len(files) >= 15
    text = "".join(path.read_text() for path in files)
    written = set(re.findall(r"'HSET', [^\n]*?'status', '([a-z_]+)'", text)) | set(re.findall(r"status = '([a-z_]+)'", text))
    for chosen in re.findall(r"'HSET', [^\n]*?'status', [^\n]*? and '([a-z_]+)' or '([a-z_]+)'", text):
        written |= set(chosen)  # 'status', waits > 0 and 'waiting' or 'ready'
    assert "waiting" in written
    known = frozenset().union(*(lifecycle.states for lifecycle in LIFECYCLES))
    assert written and written <= known
