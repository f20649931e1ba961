"""The client-side governor keeps a burst under QBO's limits: no 429 ever reaches the caller."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from qbo import InMemoryRateLimiter, QBOClient, RateLimits, RetryPolicy

from .conftest import REALM

# QBO's real limits are per minute; the same algorithm is exercised on a 1.5 s window so the
# burst takes seconds.  Both sides use the same quota and window.
WINDOW = 1.5


def test_burst_of_2000_requests_stays_under_the_limit_with_zero_429(emulator, control, tokens):
    control.rate_limits(enabled=True, per_minute=500, concurrent=10, window_seconds=WINDOW)
    limiter = InMemoryRateLimiter(RateLimits(requests_per_window=500, max_concurrent=10, window=WINDOW))
    # max_attempts=1: a 429 would surface as an exception instead of being retried away.
    client = QBOClient(
        REALM, tokens["access_token"], base_url=emulator.url, limiter=limiter, retry=RetryPolicy(max_attempts=1)
    )
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one_call(_: int) -> None:
        try:
            client.query("select count(*) from Customer")
        except Exception as error:  # collected and asserted below
            with lock:
                errors.append(error)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(one_call, range(2000)))
    stats = control.rate_limits()
    assert errors == []
    assert stats["throttled"] == 0
    assert stats["served"] >= 2000


def test_without_the_governor_the_same_burst_is_throttled(emulator, control, tokens):
    """Proves the previous test can fail: the emulator does enforce the limit."""
    from qbo import NullRateLimiter, ThrottledError

    control.rate_limits(enabled=True, per_minute=50, concurrent=10, window_seconds=60)
    client = QBOClient(
        REALM,
        tokens["access_token"],
        base_url=emulator.url,
        limiter=NullRateLimiter(),
        retry=RetryPolicy(max_attempts=1),
    )
    throttled = 0
    for _ in range(60):
        try:
            client.query("select count(*) from Customer")
        except ThrottledError as error:
            throttled += 1
            assert error.code in ("3001", "003001") and error.retry_after
    assert throttled >= 10


def test_limiter_blocks_the_call_that_would_exceed_the_window():
    now = [0.0]
    limiter = InMemoryRateLimiter(
        RateLimits(requests_per_window=10, max_concurrent=5, window=60), margin=0, clock=lambda: now[0]
    )
    for _ in range(10):
        with limiter.acquire("r"):
            pass
    state = limiter._state("r")
    assert limiter._wait_time(state, 1, False, now[0]) == 60
    now[0] = 60.0
    assert limiter._wait_time(state, 1, False, now[0]) == 0


def test_limiter_counts_batch_items_and_batch_calls():
    now = [0.0]
    limiter = InMemoryRateLimiter(
        RateLimits(requests_per_window=100, max_concurrent=5, batch_calls_per_window=2, window=60),
        margin=0,
        clock=lambda: now[0],
    )
    with limiter.acquire("r", 30, batch=True):
        pass
    with limiter.acquire("r", 30, batch=True):
        pass
    state = limiter._state("r")
    assert state.used == 60
    assert limiter._wait_time(state, 1, True, now[0]) == 60  # third batch call this window
    assert limiter._wait_time(state, 50, False, now[0]) == 60  # 60 + 50 items > 100
    assert limiter._wait_time(state, 40, False, now[0]) == 0
