"""JournalEntry payloads: what the builder sends is what QuickBooks stores, debits and credits to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbo.errors import QBOError
from qbo.journal import CREDIT, DEBIT, JournalEntryData, JournalLine, build_journal_entry, journal_totals
from qbo.payloads import PaymentApplication, PaymentData, Ref, build_payment

from .conftest import seeded


def _entry(lines, **header):
    return build_journal_entry(JournalEntryData(txn_date=date(2026, 11, 30), lines=lines, **header))


def test_a_journal_entry_is_stored_as_built(client):
    expenses = seeded(client, "Account", "Office Expenses")
    checking = seeded(client, "Account", "Checking")
    body = _entry(
        [
            JournalLine(DEBIT, Decimal("123.45"), Ref(expenses["Id"]), description="Accrued rent"),
            JournalLine(CREDIT, Decimal("123.45"), Ref(checking["Id"])),
        ],
        doc_number="MISC/2026/11/0001",
        private_note="From Odoo: MISC/2026/11/0001",
    )
    assert journal_totals(body) == (Decimal("123.45"), Decimal("123.45"))
    stored = client.create("JournalEntry", body)
    assert journal_totals(stored) == (Decimal("123.45"), Decimal("123.45"))
    assert (stored["DocNumber"], stored["TxnDate"]) == ("MISC/2026/11/0001", "2026-11-30")
    kept = {
        (line["JournalEntryLineDetail"]["PostingType"], line["JournalEntryLineDetail"]["AccountRef"]["value"])
        for line in stored["Line"]
    }
    assert kept == {(DEBIT, expenses["Id"]), (CREDIT, checking["Id"])}


def test_a_receivable_line_names_its_customer_or_quickbooks_refuses_it(client):
    receivable = seeded(client, "Account", "Accounts Receivable (A/R)")
    income = seeded(client, "Account", "Sales of Product Income")
    customer = client.create("Customer", {"DisplayName": "Journal Line Customer"})
    lines = [JournalLine(CREDIT, Decimal("50"), Ref(income["Id"]))]
    with pytest.raises(QBOError) as refused:
        client.create("JournalEntry", _entry([JournalLine(DEBIT, Decimal("50"), Ref(receivable["Id"])), *lines]))
    assert refused.value.code == "6000"
    named = JournalLine(DEBIT, Decimal("50"), Ref(receivable["Id"]), entity_type="Customer", entity=Ref(customer["Id"]))
    stored = client.create("JournalEntry", _entry([named, *lines]))
    detail = next(line for line in stored["Line"] if line["JournalEntryLineDetail"]["PostingType"] == DEBIT)
    assert detail["JournalEntryLineDetail"]["Entity"]["EntityRef"]["value"] == customer["Id"]


def test_an_unbalanced_entry_is_refused(client):
    expenses = seeded(client, "Account", "Office Expenses")
    checking = seeded(client, "Account", "Checking")
    body = _entry(
        [
            JournalLine(DEBIT, Decimal("10.00"), Ref(expenses["Id"])),
            JournalLine(CREDIT, Decimal("9.99"), Ref(checking["Id"])),
        ]
    )
    assert journal_totals(body) == (Decimal("10.00"), Decimal("9.99"))
    with pytest.raises(QBOError) as refused:
        client.create("JournalEntry", body)
    assert refused.value.code == "2300"


def test_a_journal_entry_credit_is_applied_to_an_invoice_by_a_payment_of_zero(client):
    receivable = seeded(client, "Account", "Accounts Receivable (A/R)")
    expenses = seeded(client, "Account", "Office Expenses")
    customer = client.create("Customer", {"DisplayName": "Written Off Ltd"})
    item = seeded(client, "Item", "Hours")
    invoice = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": 80,
                    "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "TaxCodeRef": {"value": "NON"}},
                }
            ],
        },
    )
    bad_debt = client.create(
        "JournalEntry",
        _entry(
            [
                JournalLine(DEBIT, Decimal("80"), Ref(expenses["Id"])),
                JournalLine(
                    CREDIT, Decimal("80"), Ref(receivable["Id"]), entity_type="Customer", entity=Ref(customer["Id"])
                ),
            ]
        ),
    )
    applications = [
        PaymentApplication(invoice["Id"], Decimal("80"), "Invoice"),
        PaymentApplication(bad_debt["Id"], Decimal("80"), "JournalEntry", credit=True),
    ]
    payment = client.create(
        "Payment",
        build_payment(PaymentData(customer=Ref(customer["Id"]), total_amount=Decimal(0), applications=applications)),
    )
    assert (payment["TotalAmt"], payment["UnappliedAmt"]) == (0, 0)
    assert client.get("Invoice", invoice["Id"])["Balance"] == 0
    assert client.get("Customer", customer["Id"])["Balance"] == 0
    # Counted as a charge, the same entry would make the payment apply more than it received.
    with pytest.raises(ValueError):
        build_payment(
            PaymentData(
                customer=Ref(customer["Id"]),
                total_amount=Decimal(0),
                applications=[PaymentApplication(bad_debt["Id"], Decimal("80"), "JournalEntry")],
            )
        )
