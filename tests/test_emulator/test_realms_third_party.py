"""The unmodified PyPI ``python-quickbooks`` driving two companies of one emulator side by side.

Each company has its own ``AuthClient`` (its own tokens) and its own ``QuickBooks`` client
(``company_id`` = its realm), as an app connected to two QuickBooks companies would; see
``tests/test_third_party_client.py`` for how the client is pointed at the emulator.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

pytest.importorskip("quickbooks")
pytest.importorskip("intuitlib")

from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.exceptions import AuthorizationException, QuickbooksException
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.taxcode import TaxCode

from tests.qbo_emulator import EmulatorServer

from .conftest import session

US = "9130354000000001"
UK = "9130354000000002"
CLIENT_ID = "two-company-client"
CLIENT_SECRET = "two-company-secret"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(
        port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=US, realms=[{"realmId": UK, "preset": "uk"}]
    ) as server:
        yield server


def connect(emulator: EmulatorServer, realm: str) -> QuickBooks:
    control = session()
    control.headers.update(emulator.control_headers())
    tokens = control.post(f"{emulator.url}/_emulator/realms/{realm}/tokens", json={}, timeout=10).json()
    auth_client = AuthClient(
        CLIENT_ID,
        CLIENT_SECRET,
        "http://127.0.0.1:8069/callback",
        environment=f"{emulator.url}/.well-known/openid_configuration",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = QuickBooks(
            auth_client=auth_client, refresh_token=tokens["refresh_token"], company_id=realm, minorversion=75
        )
    client.api_url_v3 = f"{emulator.url}/v3"
    client.session.trust_env = False
    return client


@pytest.fixture
def clients(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, QuickBooks]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    session().post(
        f"{emulator.url}/_emulator/reset", json={}, headers=emulator.control_headers(), timeout=10
    ).raise_for_status()
    return {realm: connect(emulator, realm) for realm in (US, UK)}


def invoice_for(qb: QuickBooks, name: str, qty: int, price: float, tax_code: str | None = None) -> Invoice:
    customer = Customer()
    customer.DisplayName = name
    customer = customer.save(qb=qb)
    detail = SalesItemLineDetail()
    detail.ItemRef = Item.filter(Name="Hours", qb=qb)[0].to_ref()
    detail.Qty = qty
    detail.UnitPrice = price
    if tax_code:  # outside the US every line carries a tax code
        detail.TaxCodeRef = TaxCode.filter(Name=tax_code, qb=qb)[0].to_ref()
    sales_line = SalesItemLine()
    sales_line.Amount = qty * price
    sales_line.SalesItemLineDetail = detail
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(sales_line)
    return invoice.save(qb=qb)


def test_two_companies_side_by_side(clients):
    us, uk = clients[US], clients[UK]
    assert CompanyInfo.get(US, qb=us).Country == "US"
    assert CompanyInfo.get(UK, qb=uk).Country == "GB"
    us_invoice = invoice_for(us, "Holding Customer", 2, 100)
    uk_invoice = invoice_for(uk, "Holding Customer", 3, 10, "Standard 15%")  # the same name in each company
    assert (us_invoice.TotalAmt, uk_invoice.TotalAmt) == (200, 34.5)
    assert us_invoice.Id == uk_invoice.Id  # each company numbers its own documents
    assert Invoice.get(us_invoice.Id, qb=us).CurrencyRef.value == "USD"
    assert Invoice.get(uk_invoice.Id, qb=uk).CurrencyRef.value == "GBP"
    assert [c.DisplayName for c in Customer.all(qb=uk)] == ["Holding Customer"]
    # SyncTokens move in their own company only.
    for _ in range(2):
        fetched = Invoice.get(us_invoice.Id, qb=us)
        fetched.PrivateNote = "edited"
        fetched.save(qb=us)
    assert Invoice.get(us_invoice.Id, qb=us).SyncToken == "2"
    assert Invoice.get(uk_invoice.Id, qb=uk).SyncToken == "0"
    stale = Invoice.get(uk_invoice.Id, qb=uk)
    stale.SyncToken = "2"
    with pytest.raises(QuickbooksException) as refused:
        stale.save(qb=uk)
    assert int(refused.value.error_code) == 5010


def test_a_client_of_one_company_cannot_read_the_other(emulator, clients):
    us = clients[US]
    us.company_id = UK  # the US company's tokens, the UK company's URL
    with pytest.raises(AuthorizationException) as refused:
        Customer.all(qb=us)
    assert refused.value.error_code == 401
    assert "General Authentication Error" in refused.value.detail
