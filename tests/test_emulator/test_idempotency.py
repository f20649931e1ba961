"""``requestid`` (a query-string parameter) makes a retried write return the original answer."""

from __future__ import annotations

import pytest
import requests

from .conftest import error_of, line


def invoice_body(customer, hours):
    return {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 50)]}


def test_same_requestid_returns_the_original_response(api, ctl, customer, hours):
    body = invoice_body(customer, hours)
    first = api.post("/invoice", body, requestid="rq-1")
    second = api.post("/invoice", body, requestid="rq-1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()  # byte-identical answer, "time" included
    assert len(ctl.entities("Invoice")) == 1
    log = ctl.requests_log()
    assert [entry["replayed"] for entry in log[-2:]] == [False, True]
    assert [entry["requestid"] for entry in log[-2:]] == ["rq-1", "rq-1"]


def test_requestid_is_scoped_to_the_endpoint(api, ctl):
    customer = api.post("/customer", {"DisplayName": "Shared Id"}, requestid="same")
    vendor = api.post("/vendor", {"DisplayName": "Shared Id Vendor"}, requestid="same")
    assert customer.status_code == vendor.status_code == 200
    assert "Vendor" in vendor.json()


def test_response_lost_after_commit_then_retry_with_same_requestid(api, ctl, customer, hours):
    ctl.fault(method="POST", entity="invoice", kind="drop_after_commit", times=1)
    body = invoice_body(customer, hours)
    with pytest.raises(requests.ConnectionError):
        api.post("/invoice", body, requestid="lost-1")
    assert len(ctl.entities("Invoice")) == 1  # it was committed
    assert ctl.requests_log()[-1]["dropped"] is True
    retried = api.post("/invoice", body, requestid="lost-1")
    assert retried.status_code == 200
    stored = ctl.entities("Invoice")
    assert len(stored) == 1
    assert retried.json()["Invoice"]["Id"] == stored[0]["Id"]


def test_without_requestid_a_retry_duplicates(api, ctl, customer, hours):
    ctl.fault(method="POST", entity="invoice", kind="drop_after_commit", times=1)
    body = invoice_body(customer, hours)
    with pytest.raises(requests.ConnectionError):
        api.post("/invoice", body)
    assert api.post("/invoice", body).status_code == 200
    assert len(ctl.entities("Invoice")) == 2


def test_request_id_header_is_ignored(api, ctl, customer, hours):
    body = invoice_body(customer, hours)
    for _ in range(2):
        response = api.request("POST", "/invoice", json=body, headers={"Request-Id": "header-id"})
        assert response.status_code == 200
    assert len(ctl.entities("Invoice")) == 2


def test_requestid_length_limits(api, ctl):
    error = error_of(api.post("/customer", {"DisplayName": "Long"}, requestid="x" * 51))
    assert error["code"] == "6000" and "50 characters" in error["Detail"]
    assert api.post("/customer", {"DisplayName": "Fifty"}, requestid="y" * 50).status_code == 200
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Term"}]}
    assert error_of(api.post("/batch", batch, requestid="z" * 37))["code"] == "6000"
    assert api.post("/batch", batch, requestid="z" * 36).status_code == 200


def test_reads_are_not_replayed(api, customer):
    first = api.get(f"/customer/{customer['Id']}", requestid="read-1").json()["Customer"]
    api.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "changed"})
    again = api.get(f"/customer/{customer['Id']}", requestid="read-1").json()["Customer"]
    assert (first["SyncToken"], again["SyncToken"]) == ("0", "1")


def test_batch_replay(api, ctl):
    body = {"BatchItemRequest": [{"bId": "a", "operation": "create", "Customer": {"DisplayName": "Batch One"}}]}
    first = api.post("/batch", body, requestid="batch-1").json()
    second = api.post("/batch", body, requestid="batch-1").json()
    assert first == second
    assert "Customer" in first["BatchItemResponse"][0]
    assert len(ctl.entities("Customer")) == 1
