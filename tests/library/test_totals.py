"""Tax overrides and totals: what the payload predicts is what QuickBooks stores, to the cent."""

from __future__ import annotations

from decimal import Decimal

from qbo.money import cents as money
from qbo.payloads import (
    CustomerData,
    InvoiceData,
    Ref,
    SalesLine,
    TaxLineData,
    build_customer,
    build_invoice,
    exchange_rate,
)
from qbo.totals import DocumentTotals, differences, document_totals, payload_totals

from .conftest import seeded


def _tax_code(client, name):
    return next(code for code in client.query_all("TaxCode") if code["Name"] == name)


def _rate_of(client, code):
    return code["SalesTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"]["value"]


def test_a_tax_inclusive_line_sends_its_net_amount_and_its_gross_one(client, control):
    control.settings(country="GB")
    customer = client.create("Customer", build_customer(CustomerData(display_name="Inclusive Ltd")))
    services = seeded(client, "Item", "Services")
    standard = _tax_code(client, "Standard 15%")
    rate = _rate_of(client, standard)
    body = build_invoice(
        InvoiceData(
            customer=Ref(customer["Id"]),
            global_tax_calculation="TaxInclusive",
            lines=[
                SalesLine(
                    item=Ref(services["Id"]),
                    amount=Decimal(100),
                    tax_code=Ref(standard["Id"]),
                    tax_inclusive_amount=Decimal(115),
                )
            ],
            tax_lines=[
                TaxLineData(rate=Ref(rate), percent=Decimal(15), amount=Decimal(15), taxable_amount=Decimal(100))
            ],
        )
    )
    line = body["Line"][0]
    assert (line["Amount"], line["SalesItemLineDetail"]["TaxInclusiveAmt"]) == (100, 115)
    stored = client.create("Invoice", body)
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


def test_odoo_rounding_kept_through_the_override_where_qbo_would_round_otherwise(client, control):
    control.settings(country="GB")
    customer = client.create("Customer", build_customer(CustomerData(display_name="Per Line Ltd")))
    services = seeded(client, "Item", "Services")
    standard = _tax_code(client, "Standard 15%")
    rate = _rate_of(client, standard)
    lines = [
        SalesLine(item=Ref(services["Id"]), amount=Decimal("0.10"), tax_code=Ref(standard["Id"])) for _ in range(3)
    ]
    computed = client.create("Invoice", build_invoice(InvoiceData(customer=Ref(customer["Id"]), lines=lines)))
    assert document_totals(computed).total_tax == Decimal("0.05")  # QBO's own: 0.30 x 15 %
    per_line = build_invoice(
        InvoiceData(
            customer=Ref(customer["Id"]),
            lines=lines,
            tax_lines=[
                TaxLineData(rate=Ref(rate), percent=Decimal(15), amount=Decimal("0.06"), taxable_amount=Decimal("0.30"))
            ],
        )
    )
    stored = client.create("Invoice", per_line)
    assert document_totals(stored).total_tax == Decimal("0.06")  # the source's per-line rounding
    assert differences(payload_totals(per_line), document_totals(stored)) == []


def test_us_total_tax_override_is_honoured(client, control):
    control.settings(country="US")
    customer = client.create("Customer", build_customer(CustomerData(display_name="Override Inc")))
    services = seeded(client, "Item", "Services")
    body = build_invoice(
        InvoiceData(
            customer=Ref(customer["Id"]),
            total_tax=Decimal("7.77"),
            lines=[SalesLine(item=Ref(services["Id"]), amount=Decimal(100), tax_code=Ref("TAX"))],
        )
    )
    assert body["TxnTaxDetail"] == {"TotalTax": 7.77}
    stored = client.create("Invoice", body)
    assert differences(payload_totals(body), document_totals(stored), per_rate=False) == []
    assert document_totals(stored).total == Decimal("107.77")


def test_quantity_and_price_are_dropped_when_seven_decimals_cannot_reproduce_the_amount(client):
    services = seeded(client, "Item", "Services")
    exact = build_invoice(
        InvoiceData(
            customer=Ref("1"),
            lines=[SalesLine(item=Ref(services["Id"]), quantity=Decimal(3), amount=Decimal("100.00"))],
        )
    )
    detail = exact["Line"][0]["SalesItemLineDetail"]
    assert (detail["Qty"], detail["UnitPrice"]) == (3, 33.3333333)
    awkward = build_invoice(
        InvoiceData(
            customer=Ref("1"),
            lines=[SalesLine(item=Ref(services["Id"]), quantity=Decimal(987654), amount=Decimal("1000.01"))],
        )
    )
    assert money(Decimal(987654) * Decimal("0.0010125")) != Decimal("1000.01")  # the best 7-decimal price
    assert "Qty" not in awkward["Line"][0]["SalesItemLineDetail"]
    assert awkward["Line"][0]["Amount"] == 1000.01
    customer = client.create("Customer", build_customer(CustomerData(display_name="Bulk Buyer")))
    stored = client.create("Invoice", {**awkward, "CustomerRef": {"value": customer["Id"]}})
    assert document_totals(stored).subtotal == Decimal("1000.01")


def test_exchange_rate_reproduces_the_home_total():
    assert exchange_rate(Decimal("100.00"), Decimal("200.00")) == Decimal(2)
    rate = exchange_rate(Decimal("123456.78"), Decimal("152012.34"))
    assert money(Decimal("123456.78") * rate) == Decimal("152012.34")
    assert exchange_rate(Decimal(0), Decimal(0), fallback=Decimal("1.5")) == Decimal("1.5")


def test_differences_name_each_figure_that_disagrees():
    odoo = DocumentTotals(
        subtotal=Decimal(100),
        total_tax=Decimal(15),
        total=Decimal(115),
        home_total=Decimal(230),
        tax_by_rate={"3": Decimal(15)},
    )
    qbo = DocumentTotals(
        subtotal=Decimal(100),
        total_tax=Decimal("17.25"),
        total=Decimal("117.25"),
        home_total=Decimal("234.50"),
        tax_by_rate={"3": Decimal("17.25")},
    )
    found = differences(odoo, qbo)
    assert found == [
        "tax 15 ≠ 17.25",
        "total 115 ≠ 117.25",
        "home-currency total 230 ≠ 234.50",
        "tax of rate 3 15 ≠ 17.25",
    ]
    assert "tax of rate" not in " ".join(differences(odoo, qbo, per_rate=False))
