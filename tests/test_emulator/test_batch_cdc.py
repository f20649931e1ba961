"""``/batch`` (independent items, at most 30) and Change Data Capture (deletes, 1000 cap, 30 days)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .conftest import Api, error_of, line


def test_batch_items_run_independently(api, ctl, customer):
    body = {
        "BatchItemRequest": [
            {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Batch New"}},
            {"bId": "2", "operation": "create", "Customer": {"DisplayName": "Acme Ltd"}},
            {"bId": "3", "Query": "select * from Customer where DisplayName = 'Acme Ltd'"},
            {
                "bId": "4",
                "operation": "update",
                "Customer": {"Id": customer["Id"], "SyncToken": "5", "sparse": True, "Notes": "stale"},
            },
            {
                "bId": "5",
                "operation": "update",
                "Customer": {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "fresh"},
            },
        ]
    }
    response = api.post("/batch", body)
    assert response.status_code == 200
    items = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
    assert [item["bId"] for item in response.json()["BatchItemResponse"]] == ["1", "2", "3", "4", "5"]
    assert items["1"]["Customer"]["DisplayName"] == "Batch New"
    assert items["2"]["Fault"]["type"] == "ValidationFault"
    assert items["2"]["Fault"]["Error"][0]["code"] == "6240"
    assert items["3"]["QueryResponse"]["Customer"][0]["Id"] == customer["Id"]
    assert items["4"]["Fault"]["Error"][0]["code"] == "5010"
    assert items["5"]["Customer"]["Notes"] == "fresh"
    assert len(ctl.entities("Customer")) == 2


def test_batch_delete_and_limit_of_30(api, ctl, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 5)]})
    deleted = api.post(
        "/batch",
        {
            "BatchItemRequest": [
                {"bId": "d", "operation": "delete", "Invoice": {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}}
            ]
        },
    ).json()
    assert deleted["BatchItemResponse"][0]["Invoice"]["status"] == "Deleted"
    items = [{"bId": str(n), "Query": "select count(*) from Customer"} for n in range(31)]
    too_many = api.post("/batch", {"BatchItemRequest": items})
    assert too_many.status_code == 400
    assert "30" in error_of(too_many)["Detail"]
    assert api.post("/batch", {"BatchItemRequest": items[:30]}).status_code == 200


def test_cdc_returns_changes_and_deletions(api, ctl, customer, hours):
    since = datetime.fromisoformat(api.read("CompanyInfo", "1")["MetaData"]["CreateTime"]) - timedelta(seconds=1)
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 10)]})
    payment = api.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 10,
            "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    api.post("/payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete")
    response = api.get("/cdc", entities="Invoice,Payment,Vendor", changedSince=since.isoformat())
    assert response.status_code == 200
    body = response.json()
    assert "time" in body
    results = body["CDCResponse"][0]["QueryResponse"]
    invoices, payments, vendors = results
    assert [row["Id"] for row in invoices["Invoice"]] == [invoice["Id"]]
    assert invoices["Invoice"][0]["Balance"] == 10  # the deleted payment no longer counts
    assert payments["Payment"] == [
        {"Id": payment["Id"], "status": "Deleted", "domain": "QBO", "MetaData": payments["Payment"][0]["MetaData"]}
    ]
    assert vendors["Vendor"][0]["DisplayName"] == "Office Supplies Co."
    ctl.advance(60)
    later = (datetime.fromisoformat(body["time"]) + timedelta(seconds=30)).isoformat()
    quiet = api.get("/cdc", entities="Invoice", changedSince=later).json()
    assert quiet["CDCResponse"][0]["QueryResponse"] == [{}]


def test_cdc_looks_back_at_most_30_days(emulator, ctl):
    ctl.advance(31 * 86400)
    api = Api(emulator.url, ctl.tokens()["access_token"])  # the old token expired a month ago
    now = datetime.fromisoformat(ctl.call("GET", "clock")["now"])
    response = api.get("/cdc", entities="Customer", changedSince=(now - timedelta(days=30, minutes=5)).isoformat())
    assert response.status_code == 400
    assert "30 days" in error_of(response)["Detail"]
    recent = (now - timedelta(days=29)).isoformat()
    assert api.get("/cdc", entities="Customer", changedSince=recent).status_code == 200


def test_cdc_caps_each_entity_at_1000_oldest_first(api, ctl):
    ctl.rate_limits(enabled=False)
    start = datetime.now().astimezone() - timedelta(minutes=1)
    number = 0
    for _ in range(34):  # 1020 customers, one batch per emulated second
        items = [
            {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"C{number + n:04d}"}} for n in range(30)
        ]
        number += 30
        assert api.post("/batch", {"BatchItemRequest": items}).status_code == 200
        ctl.advance(1)
    rows = api.get("/cdc", entities="Customer", changedSince=start.isoformat()).json()
    page = rows["CDCResponse"][0]["QueryResponse"][0]
    assert page["totalCount"] == 1000 and len(page["Customer"]) == 1000
    stamps = [datetime.fromisoformat(row["MetaData"]["LastUpdatedTime"]) for row in page["Customer"]]
    assert stamps == sorted(stamps)
    assert page["Customer"][0]["DisplayName"] == "C0000"
    # The client splits the window: from the last timestamp it saw, it gets the rest.
    rest = api.get("/cdc", entities="Customer", changedSince=page["Customer"][-1]["MetaData"]["LastUpdatedTime"])
    names = {row["DisplayName"] for row in rest.json()["CDCResponse"][0]["QueryResponse"][0]["Customer"]}
    assert {f"C{n:04d}" for n in range(1000, 1020)} <= names
