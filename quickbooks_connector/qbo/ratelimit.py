"""Client-side rate governor: stay under QBO's limits instead of discovering them through 429s.

QBO meters per realm: 500 requests per minute (every batch item counts as one), at most 10 requests
in flight, at most 40 batch calls per minute.  :class:`RateLimiter` is the interface the client
uses; :class:`InMemoryRateLimiter` serves one process.  The Odoo addon supplies an implementation
whose state lives in PostgreSQL so that every worker of every server shares one budget.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateLimits:
    """QBO's documented per-realm limits; ``window`` is seconds (60 in production)."""

    requests_per_window: int = 500
    max_concurrent: int = 10
    batch_calls_per_window: int = 40
    window: float = 60.0


QBO_LIMITS = RateLimits()


class RateLimiter(Protocol):
    """Blocks until a call of ``cost`` requests may start for ``realm_id``; frees its slot after."""

    def acquire(self, realm_id: str, cost: int = 1, *, batch: bool = False):  # -> ContextManager[None]
        ...


class NullRateLimiter:
    """No limiting at all (for tools and for tests that want to provoke 429s)."""

    @contextmanager
    def acquire(self, realm_id: str, cost: int = 1, *, batch: bool = False) -> Iterator[None]:
        yield


class _RealmState:
    def __init__(self, limits: RateLimits) -> None:
        self.calls: collections.deque[tuple[float, int]] = collections.deque()  # (start, cost)
        self.used = 0
        self.batches: collections.deque[float] = collections.deque()
        self.in_flight = 0
        self.cond = threading.Condition()
        self.limits = limits


class InMemoryRateLimiter:
    """Sliding-window limiter for one process: requests/window, batch calls/window, concurrency.

    ``clock`` is monotonic seconds; tests pass a scaled window instead of waiting a real minute.
    A small ``margin`` keeps us a little under the limit, because QBO's own window and ours do not
    start at the same instant.
    """

    def __init__(
        self,
        limits: RateLimits = QBO_LIMITS,
        *,
        margin: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._budget = max(1, int(limits.requests_per_window * (1 - margin)))
        self._batch_budget = max(1, int(limits.batch_calls_per_window * (1 - margin)))
        self._realms: dict[str, _RealmState] = {}
        self._lock = threading.Lock()

    def _state(self, realm_id: str) -> _RealmState:
        with self._lock:
            state = self._realms.get(realm_id)
            if state is None:
                state = self._realms[realm_id] = _RealmState(self.limits)
            return state

    def _wait_time(self, state: _RealmState, cost: int, batch: bool, now: float) -> float:
        """Seconds until this call fits; 0 when it fits now."""
        window = self.limits.window
        while state.calls and state.calls[0][0] <= now - window:
            state.used -= state.calls.popleft()[1]
        while state.batches and state.batches[0] <= now - window:
            state.batches.popleft()
        waits = [0.0]
        if state.in_flight >= self.limits.max_concurrent:
            waits.append(0.05)  # woken by release; the timeout only guards against lost wake-ups
        if state.used + cost > self._budget and state.calls:
            # Free enough old calls for this one: walk the window from its oldest entry.
            freed, needed = 0, state.used + cost - self._budget
            for started, spent in state.calls:
                freed += spent
                if freed >= needed:
                    waits.append(started + window - now)
                    break
        if batch and len(state.batches) >= self._batch_budget:
            waits.append(state.batches[0] + window - now)
        return max(waits)

    @contextmanager
    def acquire(self, realm_id: str, cost: int = 1, *, batch: bool = False) -> Iterator[None]:
        cost = min(max(cost, 1), self._budget)
        state = self._state(realm_id)
        with state.cond:
            while True:
                now = self.clock()
                wait = self._wait_time(state, cost, batch, now)
                if wait <= 0:
                    break
                state.cond.wait(timeout=min(wait, 1.0))
            state.calls.append((now, cost))
            state.used += cost
            if batch:
                state.batches.append(now)
            state.in_flight += 1
        try:
            yield
        finally:
            with state.cond:
                state.in_flight -= 1
                state.cond.notify_all()
