"""The unmodified PyPI ``python-quickbooks`` (with Intuit's ``intuit-oauth``) against the emulator.

Someone else's QBO client working unchanged is the evidence that the emulator speaks QBO.  The
client is pointed at the emulator through configuration only:

* ``intuitlib.client.AuthClient`` treats an ``environment`` that is neither "sandbox" nor
  "production" as the URL of an OpenID discovery document; the emulator serves one, so the token
  endpoint comes from there.
* ``quickbooks.QuickBooks`` builds every URL from its ``api_url_v3`` attribute; it is set on the
  client instance (the class keeps Intuit's production URL).
* Its ``requests_oauthlib`` session refuses plain HTTP unless ``OAUTHLIB_INSECURE_TRANSPORT`` is
  set, oauthlib's documented switch for local servers; the emulator listens on loopback HTTP.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import requests

pytest.importorskip("quickbooks")
pytest.importorskip("intuitlib")

from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.bill import Bill
from quickbooks.objects.billpayment import BillPayment, BillPaymentLine, CheckPayment
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.vendor import Vendor
from quickbooks.objects.vendorcredit import VendorCredit

from tests.qbo_emulator import EmulatorServer

REALM = "9130354000000001"
CLIENT_ID = "third-party-client"
CLIENT_SECRET = "third-party-secret"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=REALM) as server:
        yield server


@pytest.fixture
def qb(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> QuickBooks:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    control = requests.Session()
    control.trust_env = False
    control.headers.update(emulator.control_headers())
    control.post(f"{emulator.url}/_emulator/reset", json={}, timeout=10).raise_for_status()
    tokens = control.post(f"{emulator.url}/_emulator/tokens", json={}, timeout=10).json()
    auth_client = AuthClient(
        CLIENT_ID,
        CLIENT_SECRET,
        "http://127.0.0.1:8069/callback",
        environment=f"{emulator.url}/.well-known/openid_configuration",
    )
    auth_client.trust_env = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # No access token yet: the client refreshes through the emulator's token endpoint first.
        client = QuickBooks(
            auth_client=auth_client, refresh_token=tokens["refresh_token"], company_id=REALM, minorversion=75
        )
    assert client.refresh_token != tokens["refresh_token"]  # rotated by the refresh
    client.api_url_v3 = f"{emulator.url}/v3"
    client.session.trust_env = False
    return client


def make_customer(qb: QuickBooks, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    return customer.save(qb=qb)


def make_invoice(qb: QuickBooks, customer: Customer, qty: int, price: float) -> Invoice:
    hours = Item.filter(Name="Hours", qb=qb)[0]
    detail = SalesItemLineDetail()
    detail.ItemRef = hours.to_ref()
    detail.Qty = qty
    detail.UnitPrice = price
    line = SalesItemLine()
    line.Amount = qty * price
    line.SalesItemLineDetail = detail
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(line)
    return invoice.save(qb=qb)


def expense_line(account: Account, amount: float) -> AccountBasedExpenseLine:
    detail = AccountBasedExpenseLineDetail()
    detail.AccountRef = account.to_ref()
    line = AccountBasedExpenseLine()
    line.Amount = amount
    line.AccountBasedExpenseLineDetail = detail
    return line


def error_code(error: Any) -> int:
    return int(error.value.error_code)


def test_customer_and_invoice_round_trip(qb):
    customer = make_customer(qb, "Third Party Ltd")
    assert customer.Id and customer.SyncToken == "0"
    assert Customer.get(customer.Id, qb=qb).DisplayName == "Third Party Ltd"
    invoice = make_invoice(qb, customer, 4, 75)
    assert invoice.TotalAmt == 300 and invoice.Balance == 300
    read = Invoice.get(invoice.Id, qb=qb)
    assert read.CustomerRef.value == customer.Id
    assert read.Line[0].SalesItemLineDetail.ItemRef.name == "Hours"


def test_update_and_stale_object(qb):
    customer = make_customer(qb, "Stale Ltd")
    invoice = make_invoice(qb, customer, 1, 50)
    fresh = Invoice.get(invoice.Id, qb=qb)
    old_copy = Invoice.get(invoice.Id, qb=qb)
    fresh.PrivateNote = "updated through python-quickbooks"
    saved = fresh.save(qb=qb)  # a full update carrying every field it read
    assert saved.SyncToken == "1"
    assert saved.TotalAmt == 50
    old_copy.PrivateNote = "too late"
    with pytest.raises(QuickbooksException) as stale:
        old_copy.save(qb=qb)
    assert error_code(stale) == 5010


def test_queries(qb):
    customer = make_customer(qb, "Query Ltd")
    for qty in (1, 2, 3):
        make_invoice(qb, customer, qty, 10)
    mine = Invoice.filter(CustomerRef=customer.Id, qb=qb)
    assert sorted(inv.TotalAmt for inv in mine) == [10, 20, 30]
    assert len(Invoice.all(qb=qb)) == 3
    assert Invoice.count(qb=qb) == 3
    assert Invoice.count("Balance > '15'", qb=qb) == 2
    assert [item.Name for item in Item.all(qb=qb)] == ["Services", "Hours", "Sales"]


def test_payment_closes_the_invoice(qb):
    customer = make_customer(qb, "Payer Ltd")
    invoice = make_invoice(qb, customer, 2, 60)
    linked = LinkedTxn()
    linked.TxnId = invoice.Id
    linked.TxnType = "Invoice"
    payment_line = PaymentLine()
    payment_line.Amount = 120
    payment_line.LinkedTxn.append(linked)
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 120
    payment.Line.append(payment_line)
    payment.save(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 0


def test_faults_come_back_with_qbo_codes(qb):
    make_customer(qb, "Twice Ltd")
    with pytest.raises(QuickbooksException) as duplicate:
        make_customer(qb, "Twice Ltd")
    assert error_code(duplicate) == 6240
    with pytest.raises(ObjectNotFoundException) as missing:
        Customer.get(987654, qb=qb)
    assert error_code(missing) == 610


def test_request_id_makes_a_retry_idempotent(qb):
    first = Customer()
    first.DisplayName = "Idempotent Ltd"
    second = Customer()
    second.DisplayName = "Idempotent Ltd"
    a = first.save(qb=qb, request_id="python-quickbooks-1")
    b = second.save(qb=qb, request_id="python-quickbooks-1")
    assert a.Id == b.Id
    ref = Ref()
    ref.value = a.Id
    assert Customer.get(ref.value, qb=qb).DisplayName == "Idempotent Ltd"


def test_payables_round_trip(qb):
    vendor = Vendor()
    vendor.DisplayName = "Third Party Supplies"
    vendor = vendor.save(qb=qb)
    expenses = Account.filter(Name="Office Expenses", qb=qb)[0]
    checking = Account.filter(Name="Checking", qb=qb)[0]
    bill = Bill()
    bill.VendorRef = vendor.to_ref()
    bill.DocNumber = "SUP-1"
    bill.Line.append(expense_line(expenses, 120))
    bill = bill.save(qb=qb)
    assert (bill.TotalAmt, bill.Balance, bill.DocNumber) == (120, 120, "SUP-1")
    credit = VendorCredit()
    credit.VendorRef = vendor.to_ref()
    credit.Line.append(expense_line(expenses, 20))
    credit = credit.save(qb=qb)
    assert credit.TotalAmt == 20
    payment = BillPayment()
    payment.VendorRef = vendor.to_ref()
    payment.PayType = "Check"
    payment.TotalAmt = 100  # the bill less the vendor credit
    payment.CheckPayment = CheckPayment()
    payment.CheckPayment.BankAccountRef = checking.to_ref()
    for target, amount in ((bill, 120), (credit, 20)):
        payment_line = BillPaymentLine()
        payment_line.Amount = amount
        payment_line.LinkedTxn.append(target.to_linked_txn())
        payment.Line.append(payment_line)
    payment = payment.save(qb=qb)
    read = BillPayment.get(payment.Id, qb=qb)
    assert [(row.Amount, row.LinkedTxn[0].TxnType) for row in read.Line] == [(120, "Bill"), (20, "VendorCredit")]
    assert read.CheckPayment.BankAccountRef.value == checking.Id
    paid_bill = Bill.get(bill.Id, qb=qb)
    assert paid_bill.Balance == 0
    assert (paid_bill.LinkedTxn[0].TxnId, paid_bill.LinkedTxn[0].TxnType) == (payment.Id, "BillPaymentCheck")
    assert VendorCredit.get(credit.Id, qb=qb).Balance == 0
    assert Vendor.get(vendor.Id, qb=qb).Balance == 0
    read.void(qb=qb)  # python-quickbooks voids a BillPayment with operation=update&include=void
    voided = BillPayment.get(payment.Id, qb=qb)
    assert (voided.TotalAmt, voided.Line) == (0, [])
    assert Bill.get(bill.Id, qb=qb).Balance == 120
    assert Vendor.get(vendor.Id, qb=qb).Balance == 100
