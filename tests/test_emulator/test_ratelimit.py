"""Throttling per realm: 500 requests a minute, 10 in flight, batch calls and batch items metered."""

from __future__ import annotations

import threading

from .conftest import REALM, error_of, wait_for

INFO = f"/companyinfo/{REALM}"


def test_500_requests_a_minute_then_429(api, ctl):
    for _ in range(500):
        assert api.get(INFO).status_code == 200
    response = api.get(INFO)
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    error = error_of(response)
    assert error["code"] == "003001"
    assert error["Message"] == "message=ThrottleExceeded; errorCode=003001; statusCode=429"
    stats = ctl.rate_limits()
    assert stats["throttled"] == 1 and stats["throttled_by_reason"]["per_minute"] == 1
    assert stats["served"] == 500
    assert stats["realms"][REALM]["requests_in_window"] == 500
    ctl.advance(retry_after)
    assert api.get(INFO).status_code == 200


def test_eleventh_concurrent_request_is_throttled(api, ctl):
    ctl.fault(method="GET", path="/companyinfo", kind="latency", seconds=2.5)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(api.get(INFO).status_code)) for _ in range(10)]
    for thread in threads:
        thread.start()
    wait_for(lambda: ctl.rate_limits()["realms"].get(REALM, {}).get("in_flight") == 10)
    response = api.get("/preferences")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    for thread in threads:
        thread.join(timeout=10)
    assert results == [200] * 10
    assert ctl.rate_limits()["throttled_by_reason"]["concurrent"] == 1
    assert api.get("/preferences").status_code == 200


def test_batch_items_count_against_the_minute(api, ctl):
    ctl.rate_limits(per_minute=50)
    batch = {"BatchItemRequest": [{"bId": str(n), "Query": "select count(*) from Term"} for n in range(30)]}
    assert api.post("/batch", batch).status_code == 200
    assert api.post("/batch", batch).status_code == 429  # 30 + 30 > 50
    assert api.get(INFO).status_code == 200  # 31 used
    assert ctl.rate_limits()["realms"][REALM]["requests_in_window"] == 31


def test_batch_calls_per_minute(api, ctl):
    ctl.rate_limits(batch_per_minute=2)
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select count(*) from Term"}]}
    assert [api.post("/batch", batch).status_code for _ in range(3)] == [200, 200, 429]
    assert api.get(INFO).status_code == 200  # plain calls are not batch calls
    ctl.advance(61)
    assert api.post("/batch", batch).status_code == 200


def test_window_length_is_tunable(api, ctl):
    ctl.rate_limits(per_minute=2, window_seconds=5)
    assert [api.get(INFO).status_code for _ in range(3)] == [200, 200, 429]
    ctl.advance(5)
    assert api.get(INFO).status_code == 200


def test_batch_item_limit_is_tunable(api, ctl):
    ctl.rate_limits(batch_max_items=2)
    batch = {"BatchItemRequest": [{"bId": str(n), "Query": "select count(*) from Term"} for n in range(3)]}
    assert api.post("/batch", batch).status_code == 400


def test_rate_limits_can_be_switched_off(emulator, api, ctl):
    ctl.rate_limits(per_minute=3)
    assert [api.get(INFO).status_code for _ in range(4)] == [200, 200, 200, 429]
    settings = ctl.rate_limits(enabled=False)
    assert settings["enabled"] is False
    assert all(api.get(INFO).status_code == 200 for _ in range(10))
    ctl.reset()  # reset restores the start-up settings
    assert ctl.rate_limits()["enabled"] is True and ctl.rate_limits()["per_minute"] == 500
