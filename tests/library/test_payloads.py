"""Payload builders produce JSON QuickBooks accepts, with totals that agree to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbo.money import cents as money
from qbo.payloads import (
    Address,
    CustomerData,
    InvoiceData,
    ItemData,
    PaymentApplication,
    PaymentData,
    Ref,
    SalesDocumentData,
    SalesLine,
    build_credit_memo,
    build_customer,
    build_invoice,
    build_item,
    build_payment,
    expected_subtotal,
)

from .conftest import seeded


def test_money_rounds_half_up_like_qbo():
    assert money("2.345") == Decimal("2.35")
    assert money("2.344") == Decimal("2.34")
    assert money("-2.345") == Decimal("-2.35")


def test_customer_payload_and_sparse_update_shape():
    data = CustomerData(
        display_name=" Acme ",
        email="a@b.test",
        currency_code="EUR",
        billing_address=Address(line1="1 Main St", city="Springfield", region="IL", postal_code="62701", country="US"),
    )
    created = build_customer(data)
    assert created["DisplayName"] == "Acme" and created["CurrencyRef"] == {"value": "EUR"}
    assert created["BillAddr"]["CountrySubDivisionCode"] == "IL"
    update = build_customer(data, object_id="5", sync_token="3")
    assert update["Id"] == "5" and update["SyncToken"] == "3" and update["sparse"] is True
    assert "CurrencyRef" not in update  # a QBO customer's currency is fixed at creation
    with pytest.raises(ValueError):
        build_customer(data, object_id="5")


def test_discounted_line_keeps_unit_price_times_quantity_equal_to_amount():
    line = SalesLine(item=Ref("1"), quantity=Decimal(3), unit_price=Decimal("19.99"), discount_percent=Decimal(10))
    body = build_invoice(InvoiceData(customer=Ref("1"), lines=[line]))
    sent = body["Line"][0]
    assert sent["Amount"] == 53.97
    assert round(sent["SalesItemLineDetail"]["Qty"] * sent["SalesItemLineDetail"]["UnitPrice"], 2) == 53.97


def test_sales_line_without_item_is_refused_before_sending():
    with pytest.raises(ValueError, match="Item"):
        build_invoice(InvoiceData(customer=Ref("1"), lines=[SalesLine(item=None)]))


def test_invoice_with_discount_description_and_tax_is_accepted_with_matching_totals(client):
    customer = client.create("Customer", build_customer(CustomerData(display_name="Totals Inc")))
    services = seeded(client, "Item", "Services")
    lines = [
        SalesLine(kind="description", description="Section: consulting"),
        SalesLine(
            item=Ref(services["Id"]),
            description="Design",
            quantity=Decimal("2.5"),
            unit_price=Decimal("80"),
            tax_code=Ref("NON"),
        ),
        SalesLine(
            item=Ref(services["Id"]),
            description="Build",
            quantity=Decimal(3),
            unit_price=Decimal("19.99"),
            discount_percent=Decimal(10),
            tax_code=Ref("NON"),
        ),
    ]
    invoice = client.create(
        "Invoice",
        build_invoice(
            InvoiceData(
                customer=Ref(customer["Id"]),
                lines=lines,
                doc_number="INV/2026/0001",
                txn_date=date(2026, 11, 1),
                due_date=date(2026, 12, 1),
                private_note="from Odoo",
            )
        ),
    )
    assert Decimal(str(invoice["TotalAmt"])) == expected_subtotal(lines) == Decimal("253.97")
    assert invoice["DocNumber"] == "INV/2026/0001"
    credit = client.create(
        "CreditMemo",
        build_credit_memo(
            SalesDocumentData(customer=Ref(customer["Id"]), lines=lines[1:2], doc_number="RINV/2026/0001")
        ),
    )
    assert Decimal(str(credit["TotalAmt"])) == Decimal("200.00")


def test_item_and_payment_payloads_are_accepted(client):
    income = seeded(client, "Account", "Services")
    item = client.create(
        "Item", build_item(ItemData(name="Odoo 400000 Product Sales", income_account=Ref(income["Id"])))
    )
    assert item["IncomeAccountRef"]["value"] == income["Id"]
    customer = client.create("Customer", build_customer(CustomerData(display_name="Payer")))
    invoice = client.create(
        "Invoice",
        build_invoice(
            InvoiceData(
                customer=Ref(customer["Id"]),
                lines=[SalesLine(item=Ref(item["Id"]), unit_price=Decimal(100), tax_code=Ref("NON"))],
            )
        ),
    )
    bank = seeded(client, "Account", "Checking")
    payment = client.create(
        "Payment",
        build_payment(
            PaymentData(
                customer=Ref(customer["Id"]),
                total_amount=Decimal(60),
                deposit_account=Ref(bank["Id"]),
                applications=[PaymentApplication(invoice["Id"], Decimal(40))],
            )
        ),
    )
    assert payment["UnappliedAmt"] == 20
    assert client.get("Invoice", invoice["Id"])["Balance"] == 60


def test_payment_cannot_apply_more_than_received():
    with pytest.raises(ValueError):
        build_payment(
            PaymentData(
                customer=Ref("1"), total_amount=Decimal(10), applications=[PaymentApplication("5", Decimal(11))]
            )
        )
