"""Fault injection: 5xx, latency, seeded random faults, XML 429, expiring tokens, non-JSON, drops."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import REALM, error_of

INFO = f"/companyinfo/{REALM}"


def test_status_fault_fires_the_given_number_of_times(api, ctl):
    created = ctl.fault(method="GET", path="/companyinfo", kind="status", status=503, times=1)
    response = api.get(INFO)
    assert response.status_code == 503
    error = error_of(response)
    assert error["type"] == "SystemFault"
    assert api.get(INFO).status_code == 200
    listed = ctl.call("GET", "faults")
    assert [(rule["id"], rule["kind"], rule["fired"]) for rule in listed] == [(created["id"], "status", 1)]


def test_status_fault_performs_nothing(api, ctl):
    ctl.fault(method="POST", entity="customer", kind="status", status=500)
    assert api.post("/customer", {"DisplayName": "Never"}).status_code == 500
    assert ctl.entities("Customer") == []
    assert api.post("/vendor", {"DisplayName": "Other entity is fine"}).status_code == 200
    ctl.call("DELETE", "faults")
    assert ctl.call("GET", "faults") == []
    assert api.post("/customer", {"DisplayName": "Now"}).status_code == 200


def test_latency(api, ctl):
    ctl.fault(path="/preferences", kind="latency", seconds=0.3, times=1)
    started = time.monotonic()
    assert api.get("/preferences").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_probability_is_reproducible_with_a_seed(api, ctl):
    def pattern() -> list[int]:
        ctl.fault(path="/companyinfo", kind="status", status=502, probability=0.3, seed=7)
        codes = [api.get(INFO).status_code for _ in range(40)]
        ctl.call("DELETE", "faults")
        return codes

    first = pattern()
    assert 0 < first.count(502) < 40
    assert set(first) == {200, 502}
    assert pattern() == first


def test_throttle_fault_as_xml_and_json(api, ctl):
    ctl.fault(path="/companyinfo", kind="throttle", xml=True, times=1)
    response = api.get(INFO)
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("application/xml")
    assert response.headers["Retry-After"]
    assert "ThrottleExceeded" in response.text and '<Error code="3001">' in response.text
    ctl.fault(path="/companyinfo", kind="throttle", times=1, seconds=7)
    response = api.get(INFO)
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert error_of(response)["code"] == "003001"
    assert ctl.rate_limits()["throttled_by_reason"]["injected"] == 2


def test_expire_token(api, ctl):
    ctl.fault(kind="expire_token")
    response = api.get(INFO)
    assert response.status_code == 401
    assert api.get(INFO).status_code == 401  # that token stays expired
    api.token = ctl.tokens()["access_token"]
    assert api.get(INFO).status_code == 200  # the fault fired once


def test_non_json_answer(api, ctl):
    ctl.fault(path="/query", kind="non_json", times=1)
    response = api.get("/query", query="select * from Term")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")


def test_drop_before_commit_loses_the_request(api, ctl):
    ctl.fault(method="POST", entity="customer", kind="drop_before_commit", times=1)
    with pytest.raises(requests.ConnectionError):
        api.post("/customer", {"DisplayName": "Lost"}, requestid="lost-before")
    assert ctl.entities("Customer") == []
    assert api.post("/customer", {"DisplayName": "Lost"}, requestid="lost-before").status_code == 200
    assert len(ctl.entities("Customer")) == 1


def test_unknown_fault_kind_is_refused(ctl):
    assert "unknown fault kind" in ctl.call("POST", "faults", {"kind": "explode"}, expect=400)["error"]
