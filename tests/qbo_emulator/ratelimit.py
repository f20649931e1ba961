"""QBO's throttling, per realm: requests per rolling minute, concurrent requests, batch calls.

Defaults follow Intuit's published policy read strictly (see QBO_API.md): 500 requests a minute
with every batch item metered as one request, 10 requests in flight, 40 batch calls a minute of at
most 30 items.  Windows run on the emulator clock, so tests advance time instead of waiting.
Refused requests do not count against the window.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from .clock import Clock


@dataclass
class RateSettings:
    enabled: bool = True
    per_minute: int = 500
    concurrent: int = 10
    batch_per_minute: int = 40
    batch_max_items: int = 30
    window_seconds: float = 60.0  # shorter windows let load tests run the same algorithm in seconds


@dataclass
class _RealmState:
    requests: deque[tuple[float, int]]
    batches: deque[float]
    in_flight: int = 0


class RateLimiter:
    """Admission control for API requests; ``acquire`` must be paired with ``release`` when admitted."""

    def __init__(self, clock: Clock, enabled: bool = True) -> None:
        self.clock = clock
        self.settings = RateSettings(enabled=enabled)
        self._realms: dict[str, _RealmState] = {}
        self._lock = threading.Lock()
        self.throttled = {"per_minute": 0, "concurrent": 0, "batch_per_minute": 0, "injected": 0}
        self.admitted = 0

    def _state(self, realm: str) -> _RealmState:
        return self._realms.setdefault(realm, _RealmState(deque(), deque()))

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            for key, value in changes.items():
                if not hasattr(self.settings, key):
                    raise ValueError(f"unknown rate limit setting {key!r}")
                kind = type(getattr(self.settings, key))
                setattr(self.settings, key, bool(value) if kind is bool else kind(value))
        return self.snapshot()

    def reset(self) -> None:
        """Forget windows and counters (in-flight requests still finish and release)."""
        with self._lock:
            for state in self._realms.values():
                state.requests.clear()
                state.batches.clear()
            self.throttled = dict.fromkeys(self.throttled, 0)
            self.admitted = 0

    def acquire(self, realm: str, cost: int = 1, batch: bool = False) -> tuple[bool, int, str]:
        """(admitted, retry_after_seconds, reason)."""
        now = self.clock.timestamp()
        with self._lock:
            state = self._state(realm)
            limits = self.settings
            window = limits.window_seconds
            while state.requests and state.requests[0][0] <= now - window:
                state.requests.popleft()
            while state.batches and state.batches[0] <= now - window:
                state.batches.popleft()
            if limits.enabled:
                if state.in_flight >= limits.concurrent:
                    self.throttled["concurrent"] += 1
                    return False, 1, "concurrent"
                used = sum(c for _, c in state.requests)
                if used + cost > limits.per_minute:
                    self.throttled["per_minute"] += 1
                    return False, self._wait(state.requests, used + cost - limits.per_minute, now, window), "per_minute"
                if batch and len(state.batches) >= limits.batch_per_minute:
                    self.throttled["batch_per_minute"] += 1
                    oldest = state.batches[0]
                    return False, max(1, math.ceil(oldest + window - now)), "batch_per_minute"
            state.requests.append((now, cost))
            if batch:
                state.batches.append(now)
            state.in_flight += 1
            self.admitted += 1
            return True, 0, ""

    @staticmethod
    def _wait(entries: deque[tuple[float, int]], excess: int, now: float, window: float) -> int:
        """Seconds until enough of the window has slid out to admit the request."""
        freed = 0
        for stamp, cost in entries:
            freed += cost
            if freed >= excess:
                return max(1, math.ceil(stamp + window - now))
        return max(1, math.ceil(window))

    def release(self, realm: str) -> None:
        with self._lock:
            state = self._state(realm)
            state.in_flight = max(0, state.in_flight - 1)

    def count_injected(self) -> None:
        """A 429 served by fault injection (counted with the others: every 429 the clients saw)."""
        with self._lock:
            self.throttled["injected"] += 1

    def snapshot(self) -> dict[str, Any]:
        """Settings and counters: ``throttled`` is every 429 served, ``served`` every admitted request."""
        now = self.clock.timestamp()
        with self._lock:
            window = self.settings.window_seconds
            realms = {
                realm: {
                    "in_flight": state.in_flight,
                    "requests_in_window": sum(c for t, c in state.requests if t > now - window),
                    "batches_in_window": sum(1 for t in state.batches if t > now - window),
                }
                for realm, state in self._realms.items()
            }
            return {
                **asdict(self.settings),
                "throttled": sum(self.throttled.values()),
                "throttled_by_reason": dict(self.throttled),
                "served": self.admitted,
                "realms": realms,
            }
