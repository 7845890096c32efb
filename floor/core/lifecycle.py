"""Lifecycles as transition tables.

A :class:`Lifecycle` is a name, a set of states and a table ``{(from_state, event): to_state}``.
The pure code asks :meth:`Lifecycle.next_state` before committing; the Lua scripts receive the
allowed *from* states computed here (:meth:`Lifecycle.sources`) and re-check them atomically, so
the table in Python is the single definition and Redis still refuses a stale move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from floor.core.errors import IllegalTransitionError


@dataclass(frozen=True)
class Lifecycle:
    name: str
    initial: str
    table: Mapping[tuple[str, str], str]
    states: frozenset[str] = field(init=False)
    entries: tuple[str, ...] = ()  # other states a record may be created in (e.g. a task held at release)

    def __post_init__(self) -> None:
        states = {self.initial, *self.entries}
        for (source, _event), target in self.table.items():
            states.update((source, target))
        object.__setattr__(self, "states", frozenset(states))

    def next_state(self, state: str, event: str) -> str:
        """The state after ``event``; raises :class:`IllegalTransitionError` if the table forbids it."""
        try:
            return self.table[(state, event)]
        except KeyError:
            allowed = sorted(e for (s, e) in self.table if s == state)
            raise IllegalTransitionError(
                f"{self.name} in state '{state}' cannot '{event}'"
                + (f" (allowed: {', '.join(allowed)})" if allowed else " (final state)"),
            ) from None

    def sources(self, event: str) -> list[str]:
        """Every state from which ``event`` is legal (handed to Lua as the expected states)."""
        return sorted(s for (s, e) in self.table if e == event)

    def target(self, event: str) -> str:
        """The one state ``event`` leads to (events in these tables always have one target)."""
        targets = {t for (_s, e), t in self.table.items() if e == event}
        if len(targets) != 1:
            raise ValueError(f"{self.name}: event '{event}' has targets {sorted(targets)}")
        return targets.pop()

    def events(self) -> Iterable[str]:
        return sorted({e for (_s, e) in self.table})

    def is_final(self, state: str) -> bool:
        return not any(s == state for (s, _e) in self.table)
