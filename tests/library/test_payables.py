"""Payables payloads: what the builders send is what QuickBooks stores, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbo.payables import (
    BillData,
    BillPaymentData,
    ExpenseLine,
    PurchaseDocumentData,
    VendorData,
    build_bill,
    build_bill_payment,
    build_vendor,
    build_vendor_credit,
)
from qbo.payloads import PaymentApplication, Ref, TaxLineData
from qbo.totals import DocumentTotals, document_totals, payload_totals

from .conftest import seeded


def _purchase_rate(client, name):
    code = next(code for code in client.query_all("TaxCode") if code["Name"] == name)
    return code, code["PurchaseTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"]["value"]


def _vendor(client, name, currency=None):
    return client.create("Vendor", build_vendor(VendorData(display_name=name, currency_code=currency)))


def test_a_bill_with_input_tax_is_stored_as_built(client, control):
    control.settings(country="GB")
    vendor = _vendor(client, "Input Tax Ltd")
    office = seeded(client, "Account", "Office Expenses")
    code, rate = _purchase_rate(client, "Standard 15%")
    body = build_bill(
        BillData(
            vendor=Ref(vendor["Id"]),
            doc_number="INV-1",
            global_tax_calculation="TaxInclusive",
            lines=[
                ExpenseLine(
                    account=Ref(office["Id"]),
                    amount=Decimal("100"),
                    tax_code=Ref(code["Id"]),
                    tax_inclusive_amount=Decimal("115"),
                )
            ],
            tax_lines=[
                TaxLineData(rate=Ref(rate), percent=Decimal(15), amount=Decimal(15), taxable_amount=Decimal(100))
            ],
        )
    )
    detail = body["Line"][0]["AccountBasedExpenseLineDetail"]
    assert (detail["AccountRef"], detail["TaxInclusiveAmt"]) == ({"value": office["Id"]}, 115)
    stored = client.create("Bill", body)
    assert (
        document_totals(stored)
        == payload_totals(body)
        == DocumentTotals(
            subtotal=Decimal("100.00"),
            total_tax=Decimal("15.00"),
            total=Decimal("115.00"),
            home_total=Decimal("115.00"),
            tax_by_rate={rate: Decimal("15.00")},
        )
    )
    assert stored["DocNumber"] == "INV-1"


def test_a_foreign_vendor_credit_home_total_is_its_total_at_the_rate(client):
    vendor = _vendor(client, "Euro Vendor", "EUR")
    office = seeded(client, "Account", "Office Expenses")
    body = build_vendor_credit(
        PurchaseDocumentData(
            vendor=Ref(vendor["Id"]),
            currency_code="EUR",
            exchange_rate=Decimal("1.1"),
            lines=[ExpenseLine(account=Ref(office["Id"]), amount=Decimal("33.33"))],
        )
    )
    stored = client.create("VendorCredit", body)
    assert document_totals(stored).home_total == payload_totals(body).home_total == Decimal("36.66")


def test_vendor_credit_lines_change_through_a_full_update(client):
    vendor = _vendor(client, "Refunding Vendor")
    office = seeded(client, "Account", "Office Expenses")

    def credit(amount):
        return build_vendor_credit(
            PurchaseDocumentData(
                vendor=Ref(vendor["Id"]),
                lines=[ExpenseLine(account=Ref(office["Id"]), amount=Decimal(amount))],
                private_note="From Odoo: RBILL/1",
            )
        )

    stored = client.create("VendorCredit", credit("40"))
    updated, conflicts = client.update_merging("VendorCredit", stored["Id"], stored["SyncToken"], credit("55"), None)
    assert (updated["TotalAmt"], conflicts) == (55, [])
    assert updated["PrivateNote"] == "From Odoo: RBILL/1"


def test_a_bill_payment_by_card_applies_a_vendor_credit(client):
    vendor = _vendor(client, "Card Vendor")
    office = seeded(client, "Account", "Office Expenses")
    card = seeded(client, "Account", "Mastercard")
    bill = client.create(
        "Bill",
        build_bill(
            BillData(vendor=Ref(vendor["Id"]), lines=[ExpenseLine(account=Ref(office["Id"]), amount=Decimal("100"))])
        ),
    )
    credit = client.create(
        "VendorCredit",
        build_vendor_credit(
            PurchaseDocumentData(
                vendor=Ref(vendor["Id"]), lines=[ExpenseLine(account=Ref(office["Id"]), amount=Decimal("30"))]
            )
        ),
    )
    body = build_bill_payment(
        BillPaymentData(
            vendor=Ref(vendor["Id"]),
            total_amount=Decimal("70"),
            pay_type="CreditCard",
            account=Ref(card["Id"]),
            applications=[
                PaymentApplication(bill["Id"], Decimal("100"), "Bill"),
                PaymentApplication(credit["Id"], Decimal("30"), "VendorCredit"),
            ],
        )
    )
    assert body["CreditCardPayment"] == {"CCAccountRef": {"value": card["Id"]}}
    client.create("BillPayment", body)
    assert client.get("Bill", bill["Id"])["Balance"] == 0
    assert client.get("VendorCredit", credit["Id"])["Balance"] == 0
    assert client.get("Vendor", vendor["Id"])["Balance"] == 0


def test_a_bill_payment_applying_more_than_it_pays_is_refused_before_sending():
    with pytest.raises(ValueError, match=r"applies 100\.00"):
        build_bill_payment(
            BillPaymentData(
                vendor=Ref("1"),
                total_amount=Decimal("90"),
                pay_type="Check",
                account=Ref("2"),
                applications=[PaymentApplication("3", Decimal("100"), "Bill")],
            )
        )
    with pytest.raises(ValueError, match="PayType"):
        build_bill_payment(
            BillPaymentData(vendor=Ref("1"), total_amount=Decimal("1"), pay_type="Cash", account=Ref("2"))
        )
