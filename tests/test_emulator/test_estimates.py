"""Estimates: statuses, the invoice that closes one, and the changes they notify (README, "Estimates")."""

from __future__ import annotations

from datetime import datetime, timedelta

from .conftest import error_of, line, session


def estimate_of(api, customer, hours, **fields):
    return api.create(
        "Estimate", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 2, 50)], **fields}
    )


def invoice_of(api, customer, hours, estimate_id):
    return api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [line(hours["Id"], 2, 50)],
            "LinkedTxn": [{"TxnId": estimate_id, "TxnType": "Estimate"}],
        },
    )


def test_status_fields_are_kept_and_checked(emulator, api, customer, hours):
    estimate = estimate_of(api, customer, hours, ExpirationDate="2027-01-31", DocNumber="S00042")
    assert (estimate["TxnStatus"], estimate["ExpirationDate"], estimate["TotalAmt"]) == ("Pending", "2027-01-31", 100)
    page = session().get(f"{emulator.url}/app/estimate", params={"txnId": estimate["Id"]}, timeout=10)
    assert page.status_code == 200 and "S00042" in page.text
    accepted = api.update(
        "Estimate",
        {
            "Id": estimate["Id"],
            "SyncToken": estimate["SyncToken"],
            "sparse": True,
            "TxnStatus": "Accepted",
            "AcceptedBy": "Jane Buyer",
            "AcceptedDate": "2027-01-10",
        },
    )
    assert (accepted["TxnStatus"], accepted["AcceptedBy"], accepted["AcceptedDate"]) == (
        "Accepted",
        "Jane Buyer",
        "2027-01-10",
    )
    wrong = api.post(
        "/estimate", {"Id": estimate["Id"], "SyncToken": accepted["SyncToken"], "sparse": True, "TxnStatus": "Won"}
    )
    assert error_of(wrong)["code"] == "2170"
    bad_date = api.post(
        "/estimate", {"Id": estimate["Id"], "SyncToken": accepted["SyncToken"], "sparse": True, "AcceptedDate": "10/01"}
    )
    assert error_of(bad_date)["code"] == "2060"


def test_an_invoice_linking_the_estimate_closes_it(api, ctl, customer, hours):
    estimate = estimate_of(api, customer, hours, TxnStatus="Accepted")
    invoice = invoice_of(api, customer, hours, estimate["Id"])
    assert {"TxnId": estimate["Id"], "TxnType": "Estimate"} in invoice["LinkedTxn"]
    closed = api.read("Estimate", estimate["Id"])
    assert closed["TxnStatus"] == "Closed"
    assert closed["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    assert int(closed["SyncToken"]) == int(estimate["SyncToken"]) + 1
    events = [(e["entity"], e["operation"], e["entityId"]) for e in ctl.call("GET", "webhooks/events")]
    assert ("Estimate", "Update", estimate["Id"]) in events
    # A sparse update that does not name the status leaves it closed; the invoice's void reopens it as accepted.
    renamed = api.update(
        "Estimate", {"Id": estimate["Id"], "SyncToken": closed["SyncToken"], "sparse": True, "PrivateNote": "x"}
    )
    assert renamed["TxnStatus"] == "Closed"
    api.update("Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="void")
    reopened = api.read("Estimate", estimate["Id"])
    assert (reopened["TxnStatus"], reopened.get("LinkedTxn")) == ("Accepted", None)


def test_deleting_the_invoice_reopens_the_estimate(api, customer, hours):
    estimate = estimate_of(api, customer, hours)
    invoice = invoice_of(api, customer, hours, estimate["Id"])
    api.post("/invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="delete")
    assert api.read("Estimate", estimate["Id"])["TxnStatus"] == "Pending"


def test_an_invoice_cannot_close_an_unknown_or_another_customers_estimate(api, customer, hours):
    missing = api.post(
        "/invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [line(hours["Id"], 1, 5)],
            "LinkedTxn": [{"TxnId": "999", "TxnType": "Estimate"}],
        },
    )
    assert error_of(missing)["code"] == "2500"
    other = api.create("Customer", {"DisplayName": "Other Buyer"})
    estimate = estimate_of(api, other, hours)
    foreign = api.post(
        "/invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [line(hours["Id"], 1, 5)],
            "LinkedTxn": [{"TxnId": estimate["Id"], "TxnType": "Estimate"}],
        },
    )
    assert error_of(foreign)["code"] == "6000"
    assert api.read("Estimate", estimate["Id"])["TxnStatus"] == "Pending"


def test_a_status_changed_in_quickbooks_is_notified_and_in_change_data_capture(api, ctl, customer, hours):
    since = datetime.fromisoformat(api.read("CompanyInfo", "1")["MetaData"]["CreateTime"]) - timedelta(seconds=1)
    estimate = estimate_of(api, customer, hours)
    ctl.call("POST", f"entities/estimate/{estimate['Id']}", {"TxnStatus": "Rejected"})
    events = [
        (e["entity"], e["operation"])
        for e in ctl.call("GET", "webhooks/events")
        if (e["entity"], e["entityId"]) == ("Estimate", estimate["Id"])
    ]
    assert events == [("Estimate", "Create"), ("Estimate", "Update")]
    changed = api.get("/cdc", entities="Estimate", changedSince=since.isoformat()).json()
    rows = changed["CDCResponse"][0]["QueryResponse"][0]["Estimate"]
    assert [(row["Id"], row["TxnStatus"]) for row in rows] == [(estimate["Id"], "Rejected")]


def test_estimates_post_nothing(api, ctl, customer, hours):
    before = api.get("/reports/TrialBalance").json()
    estimate_of(api, customer, hours, TxnStatus="Accepted")
    assert api.get("/reports/TrialBalance").json()["Rows"] == before["Rows"]
