"""QuickBooks' web-app links ("View in QuickBooks") answer with a page of the object, not a bare 404."""

from __future__ import annotations

from .conftest import line, session


def test_an_invoice_link_shows_the_invoice_as_stored(emulator, api, customer, hours):
    invoice = api.create(
        "Invoice",
        {"CustomerRef": {"value": customer["Id"]}, "DocNumber": "INV/<7>", "Line": [line(hours["Id"], 2, 45)]},
    )
    page = session().get(f"{emulator.url}/app/invoice", params={"txnId": invoice["Id"]}, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "INV/&lt;7&gt;" in page.text, "the number, escaped"
    assert "90" in page.text and "Emulated Company Inc." in page.text


def test_a_customer_link_and_a_voided_invoice_say_what_they_are(emulator, api, customer, hours):
    page = session().get(f"{emulator.url}/app/customerdetail", params={"nameId": customer["Id"]}, timeout=10)
    assert page.status_code == 200 and customer["DisplayName"] in page.text
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 10)]})
    api.post("/invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="void")
    page = session().get(f"{emulator.url}/app/invoice", params={"txnId": invoice["Id"]}, timeout=10)
    assert "VOIDED" in page.text


def test_an_unknown_object_or_page_is_a_404_page_that_says_so(emulator):
    missing = session().get(f"{emulator.url}/app/invoice", params={"txnId": "999999"}, timeout=10)
    assert missing.status_code == 404 and "No invoice with Id 999999" in missing.text
    unknown = session().get(f"{emulator.url}/app/reportsdashboard", timeout=10)
    assert unknown.status_code == 404 and "does not show this page" in unknown.text
