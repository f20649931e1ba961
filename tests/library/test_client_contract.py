"""The QBO client against the emulator: CRUD, idempotency, faults, retries, queries, batch, CDC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from qbo import (
    BatchOperation,
    DuplicateNameError,
    InvalidReferenceError,
    NotFoundError,
    QBOClient,
    RetryPolicy,
    ServerError,
    StaleObjectError,
    ThrottledError,
    TransportError,
)
from qbo.payloads import CustomerData, InvoiceData, Ref, SalesLine, build_customer, build_invoice

from .conftest import FAST_RETRY, REALM, seeded


def _invoice_body(client: QBOClient, customer_id: str, amount: str = "100.00", doc_number: str | None = None):
    item = seeded(client, "Item", "Services")
    return build_invoice(
        InvoiceData(
            customer=Ref(customer_id),
            doc_number=doc_number,
            lines=[
                SalesLine(item=Ref(item["Id"]), quantity=Decimal(1), unit_price=Decimal(amount), tax_code=Ref("NON"))
            ],
        )
    )


def _customer(client: QBOClient, name: str = "Acme Corp") -> dict:
    return client.create("Customer", build_customer(CustomerData(display_name=name, email="ap@acme.test")))


def test_create_read_and_sparse_update_move_the_sync_token(client):
    created = _customer(client)
    assert created["Id"] and created["SyncToken"] == "0"
    fetched = client.get("Customer", created["Id"])
    assert fetched["DisplayName"] == "Acme Corp"

    updated = client.update(
        "Customer", {"Id": created["Id"], "SyncToken": "0", "PrimaryPhone": {"FreeFormNumber": "555-0100"}}
    )
    assert updated["SyncToken"] == "1"
    # A sparse update keeps what it did not send.
    assert updated["PrimaryEmailAddr"]["Address"] == "ap@acme.test"
    assert updated["PrimaryPhone"]["FreeFormNumber"] == "555-0100"


def test_every_call_sends_minorversion_and_writes_send_requestid_in_the_query_string(client, control):
    control.clear_requests()
    created = _customer(client)
    client.get("Customer", created["Id"])
    log = control.requests_log()
    assert log, "the emulator logged no request"
    for entry in log:
        assert entry["query"].get("minorversion") == "75"
    writes = [e for e in log if e["method"] == "POST" and e["path"].endswith("/customer")]
    reads = [e for e in log if e["method"] == "GET"]
    assert writes and all(len(e["query"].get("requestid", "")) > 0 for e in writes)
    assert reads and all("requestid" not in e["query"] for e in reads)


def test_same_requestid_returns_the_original_object_and_creates_nothing_new(client, control):
    body = build_customer(CustomerData(display_name="Replay Ltd"))
    first = client.create("Customer", body, request_id="cust-replay-1")
    again = client.create("Customer", body, request_id="cust-replay-1")
    assert again["Id"] == first["Id"]
    assert [c["DisplayName"] for c in control.entities("Customer")].count("Replay Ltd") == 1


def test_lost_response_after_commit_is_retried_and_leaves_exactly_one_invoice(client, control):
    customer = _customer(client)
    control.fault(method="POST", entity="invoice", kind="drop_after_commit", times=1)
    invoice = client.create("Invoice", _invoice_body(client, customer["Id"], doc_number="INV-LOST-1"))
    assert invoice["DocNumber"] == "INV-LOST-1"
    invoices = [i for i in control.entities("Invoice") if i.get("DocNumber") == "INV-LOST-1"]
    assert len(invoices) == 1
    posts = [e for e in control.requests_log() if e["method"] == "POST" and e["path"].endswith("/invoice")]
    assert len(posts) == 2 and posts[0]["query"]["requestid"] == posts[1]["query"]["requestid"]


def test_lost_response_without_retries_surfaces_as_a_retryable_transport_error(emulator, tokens, control):
    client = QBOClient(REALM, tokens["access_token"], base_url=emulator.url, retry=RetryPolicy(max_attempts=1))
    control.fault(method="POST", entity="customer", kind="drop_after_commit", times=1)
    with pytest.raises(TransportError) as caught:
        client.create("Customer", build_customer(CustomerData(display_name="Dropped")), request_id="drop-1")
    assert caught.value.retryable
    # The caller's later retry with the same id gets the object QBO committed.
    again = client.create("Customer", build_customer(CustomerData(display_name="Dropped")), request_id="drop-1")
    assert again["DisplayName"] == "Dropped"
    assert [c["DisplayName"] for c in control.entities("Customer")].count("Dropped") == 1


def test_server_errors_and_throttling_are_retried_with_backoff(client, control):
    control.fault(path="*", method="GET", kind="status", status=503, times=2)
    customer = _customer(client)
    assert client.get("Customer", customer["Id"])["Id"] == customer["Id"]
    control.fault(path="*", method="GET", kind="throttle", times=1, xml=True)
    assert client.get("Customer", customer["Id"])["Id"] == customer["Id"]


def test_persistent_server_error_gives_up_with_a_typed_error(emulator, tokens, control):
    client = QBOClient(
        REALM,
        tokens["access_token"],
        base_url=emulator.url,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02),
    )
    control.fault(path="*", method="GET", kind="status", status=500, times=10)
    with pytest.raises(ServerError) as caught:
        client.company_info()
    assert caught.value.status == 500 and caught.value.retryable


def test_xml_throttle_answer_becomes_a_throttled_error_not_a_crash(emulator, tokens, control):
    client = QBOClient(REALM, tokens["access_token"], base_url=emulator.url, retry=RetryPolicy(max_attempts=1))
    control.fault(path="*", method="GET", kind="throttle", times=1, xml=True)
    with pytest.raises(ThrottledError) as caught:
        client.company_info()
    assert caught.value.status == 429
    assert caught.value.code in ("3001", "003001")


def test_faults_map_to_typed_errors_with_qbo_codes(client):
    first = _customer(client, "Same Name")
    with pytest.raises(DuplicateNameError) as dup:
        _customer(client, "Same Name")
    assert dup.value.code == "6240" and dup.value.existing_id == first["Id"]
    with pytest.raises(NotFoundError) as missing:
        client.get("Invoice", "999999")
    assert missing.value.code == "610" and missing.value.status == 400
    with pytest.raises(InvalidReferenceError) as bad_ref:
        client.create("Invoice", _invoice_body(client, "424242"))
    assert bad_ref.value.code == "2500"


def test_stale_sync_token_is_refused(client):
    customer = _customer(client)
    client.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "Notes": "first"})
    with pytest.raises(StaleObjectError) as stale:
        client.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "Notes": "second"})
    assert stale.value.code == "5010"


def test_stale_update_is_merged_with_the_qbo_side_and_applied(client):
    customer = _customer(client)
    base = {"DisplayName": "Acme Corp", "PrimaryEmailAddr": {"Address": "ap@acme.test"}}
    # The CPA changes the phone in QuickBooks (QBO-side field we did not touch).
    client.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "PrimaryPhone": {"FreeFormNumber": "555-0199"}})
    # Odoo changes the email, still holding SyncToken 0.
    ours = {"DisplayName": "Acme Corp", "PrimaryEmailAddr": {"Address": "billing@acme.test"}}
    stored, conflicts = client.update_merging("Customer", customer["Id"], "0", ours, base)
    assert conflicts == []
    assert stored["PrimaryEmailAddr"]["Address"] == "billing@acme.test"
    assert stored["PrimaryPhone"]["FreeFormNumber"] == "555-0199"
    assert stored["SyncToken"] == "2"


def test_same_field_changed_on_both_sides_follows_the_master_and_is_reported(client):
    customer = _customer(client)
    base = {"DisplayName": "Acme Corp", "PrimaryEmailAddr": {"Address": "ap@acme.test"}}
    client.update(
        "Customer", {"Id": customer["Id"], "SyncToken": "0", "PrimaryEmailAddr": {"Address": "cpa@acme.test"}}
    )
    ours = {"DisplayName": "Acme Corp", "PrimaryEmailAddr": {"Address": "odoo@acme.test"}}
    stored, conflicts = client.update_merging("Customer", customer["Id"], "0", ours, base, prefer="ours")
    assert stored["PrimaryEmailAddr"]["Address"] == "odoo@acme.test"
    assert [c.path for c in conflicts] == ["PrimaryEmailAddr.Address"]
    assert conflicts[0].theirs == "cpa@acme.test"


def test_query_reads_every_page_and_count_agrees(client):
    for number in range(23):
        _customer(client, f"Paged Customer {number:02d}")
    names = [c["DisplayName"] for c in client.query_all("Customer", "DisplayName like 'Paged%'", page_size=5)]
    assert sorted(names) == [f"Paged Customer {n:02d}" for n in range(23)]
    assert client.count("Customer", "DisplayName like 'Paged%'") == 23


def test_find_by_quotes_literals(client):
    _customer(client, "O'Brien & Sons")
    rows = client.find_by("Customer", "DisplayName", "O'Brien & Sons")
    assert [r["DisplayName"] for r in rows] == ["O'Brien & Sons"]


def test_batch_runs_items_independently_and_splits_into_chunks_of_thirty(client, control):
    control.clear_requests()
    ops = [
        BatchOperation(
            entity="Customer", operation="create", body=build_customer(CustomerData(display_name=f"Batch {n}"))
        )
        for n in range(31)
    ]
    ops.append(
        BatchOperation(entity="Customer", operation="create", body=build_customer(CustomerData(display_name="Batch 0")))
    )
    ops.append(BatchOperation(query="select count(*) from Customer where DisplayName like 'Batch%'"))
    results = client.batch(ops)
    assert len(results) == 33
    assert all(r.ok and r.object["DisplayName"] == f"Batch {n}" for n, r in enumerate(results[:31]))
    assert isinstance(results[31].error, DuplicateNameError)
    assert results[32].ok and results[32].query_response is not None
    batch_calls = [e for e in control.requests_log() if e["path"].endswith("/batch")]
    assert len(batch_calls) == 2
    assert all(len(e["query"]["requestid"]) <= 36 for e in batch_calls)


def test_cdc_returns_changes_since_and_deletions(client):
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    customer = _customer(client)
    invoice = client.create("Invoice", _invoice_body(client, customer["Id"]))
    client.delete("Invoice", invoice["Id"], invoice["SyncToken"])
    changes = client.cdc(["Customer", "Invoice"], since)
    assert customer["Id"] in [c["Id"] for c in changes["Customer"]]
    deleted = [i for i in changes["Invoice"] if i["Id"] == invoice["Id"]]
    assert deleted and deleted[0].get("status") == "Deleted"


def test_company_info_names_the_connected_company(client):
    info = client.company_info()
    assert info["CompanyName"]


def test_void_invoice_and_payment(client):
    customer = _customer(client)
    invoice = client.create("Invoice", _invoice_body(client, customer["Id"], "80.00"))
    payment = client.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 30,
            "Line": [{"Amount": 30, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    assert client.get("Invoice", invoice["Id"])["Balance"] == 50
    client.void("Payment", payment["Id"], payment["SyncToken"])
    refreshed = client.get("Invoice", invoice["Id"])
    assert refreshed["Balance"] == 80
    voided = client.void("Invoice", refreshed["Id"], refreshed["SyncToken"])
    assert voided["Balance"] == 0


def test_client_refuses_retired_minor_versions_and_overlong_request_ids(emulator, tokens):
    with pytest.raises(ValueError, match="retired"):
        QBOClient(REALM, "token", base_url=emulator.url, minorversion=70)
    client = QBOClient(REALM, tokens["access_token"], base_url=emulator.url, retry=FAST_RETRY)
    with pytest.raises(ValueError, match="50"):
        client.create("Customer", {"DisplayName": "x"}, request_id="x" * 51)
