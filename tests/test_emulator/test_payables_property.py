"""Property: whatever bills, vendor credits and bill payments (partial, with credits, overpaid, updated,
deleted, voided) a vendor has, its ``Balance`` is its open bills - its open credits - what its bill
payments leave unapplied, to the cent, and A/P is the same in the home currency (each document's open
amount at its own rate, rounded to the cent)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.qbo_emulator.entities import cents

from .conftest import Api, Control
from .ledger import accounts_by_number
from .purchases import bill_payment, expense, paid, payable, purchase

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AMOUNTS = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
STEPS = st.sampled_from(["bill", "bill", "credit", "pay", "pay", "update", "delete", "void"])
RATES = {"USD": Decimal(1), "EUR": Decimal("1.1")}


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


class Book:
    """The documents created so far, read back from the emulator when checked."""

    def __init__(self, api: Api, accounts: dict[str, str]) -> None:
        self.api = api
        self.accounts = accounts
        self.vendors = [
            api.create("Vendor", {"DisplayName": "Home Supplies"}),
            api.create("Vendor", {"DisplayName": "Euro Supplies", "CurrencyRef": {"value": "EUR"}}),
        ]
        self.docs: list[tuple[str, dict[str, Any]]] = []  # (entity, created)
        self.payments: list[dict[str, Any]] = []  # live bill payments

    def rate_of(self, vendor: dict[str, Any]) -> dict[str, Any]:
        currency = vendor["CurrencyRef"]["value"]
        return {} if currency == "USD" else {"CurrencyRef": {"value": currency}, "ExchangeRate": float(RATES[currency])}

    def open_docs(self, vendor: dict[str, Any], entity: str) -> list[dict[str, Any]]:
        found = [
            self.api.read(entity, doc["Id"])
            for kind, doc in self.docs
            if kind == entity and doc["VendorRef"]["value"] == vendor["Id"]
        ]
        return [doc for doc in found if dec(doc["Balance"]) > 0]

    def lines(self, data: Any, vendor: dict[str, Any], exclude: dict[str, Any] | None) -> list[tuple[Any, ...]]:
        """Amounts to apply: a share of each open bill, then credits up to what the bills take."""
        given_back = {
            (link["LinkedTxn"][0]["TxnType"], link["LinkedTxn"][0]["TxnId"]): dec(link["Amount"])
            for link in (exclude or {}).get("Line") or []
        }
        applied: list[tuple[Any, ...]] = []
        bills_total = Decimal(0)
        for entity in ("Bill", "VendorCredit"):
            docs = {doc["Id"]: doc for doc in self.open_docs(vendor, entity)}
            for kind, doc_id in given_back:
                if kind == entity and doc_id not in docs:
                    docs[doc_id] = self.api.read(entity, doc_id)
            for doc in docs.values():
                available = dec(doc["Balance"]) + given_back.get((entity, doc["Id"]), Decimal(0))
                share = data.draw(st.integers(min_value=0, max_value=100), label=f"{entity} share")
                amount = (available * share / 100).quantize(Decimal("0.01"))
                if entity == "VendorCredit":
                    amount = min(amount, bills_total)
                    bills_total -= amount
                else:
                    bills_total += amount
                if amount > 0:
                    applied.append((doc, entity, float(amount)))
        return applied

    def pay(self, data: Any, vendor: dict[str, Any]) -> None:
        applied = self.lines(data, vendor, None)
        extra = data.draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("12.34"), Decimal("100")]), label="extra")
        total = (
            sum((dec(amount) * (-1 if kind == "VendorCredit" else 1) for _doc, kind, amount in applied), Decimal(0))
            + extra
        )
        by_card = data.draw(st.booleans(), label="by card")
        account = {"card": self.accounts["2050"]} if by_card else {"bank": self.accounts["1000"]}
        self.payments.append(
            paid(bill_payment(self.api, vendor, float(total), *applied, **account, **self.rate_of(vendor)))
        )

    def update(self, data: Any, index: int) -> None:
        payment = self.api.read("BillPayment", self.payments[index]["Id"])
        vendor = next(v for v in self.vendors if v["Id"] == payment["VendorRef"]["value"])
        applied = self.lines(data, vendor, payment)
        total = sum((dec(amount) * (-1 if kind == "VendorCredit" else 1) for _doc, kind, amount in applied), Decimal(0))
        lines = [
            {"Amount": amount, "LinkedTxn": [{"TxnId": doc["Id"], "TxnType": kind}]} for doc, kind, amount in applied
        ]
        self.payments[index] = self.api.update(
            "BillPayment",
            {
                "Id": payment["Id"],
                "SyncToken": payment["SyncToken"],
                "sparse": True,
                "TotalAmt": float(max(total, dec(payment["TotalAmt"]))),
                "Line": lines,
            },
        )

    def check(self) -> None:
        """Each document's balance, each vendor's and A/P, recomputed from what the emulator serves."""
        live = [self.api.read("BillPayment", payment["Id"]) for payment in self.payments]
        for entity, doc in self.docs:
            taken = sum(
                (
                    dec(row["Amount"])
                    for payment in live
                    for row in payment["Line"]
                    if (row["LinkedTxn"][0]["TxnType"], row["LinkedTxn"][0]["TxnId"]) == (entity, doc["Id"])
                ),
                Decimal(0),
            )
            assert dec(self.api.read(entity, doc["Id"])["Balance"]) == dec(doc["TotalAmt"]) - taken
        home = Decimal(0)
        for vendor in self.vendors:
            rate = RATES[vendor["CurrencyRef"]["value"]]
            expected = Decimal(0)
            for entity, sign in (("Bill", 1), ("VendorCredit", -1)):
                for doc in self.open_docs(vendor, entity):
                    expected += sign * dec(doc["Balance"])
                    home += sign * cents(dec(doc["Balance"]) * rate)
                    assert dec(doc["Balance"]) <= dec(doc["TotalAmt"])
            for payment in live:
                if payment["VendorRef"]["value"] != vendor["Id"]:
                    continue
                applied = sum(
                    (
                        dec(row["Amount"]) * (-1 if row["LinkedTxn"][0]["TxnType"] == "VendorCredit" else 1)
                        for row in payment["Line"]
                    ),
                    Decimal(0),
                )
                assert applied <= dec(payment["TotalAmt"])
                expected -= dec(payment["TotalAmt"]) - applied
                home -= cents((dec(payment["TotalAmt"]) - applied) * rate)
            assert dec(self.api.read("Vendor", vendor["Id"])["Balance"]) == expected, vendor["DisplayName"]
        # A/P in the home currency: each document's open amount at its own rate, in cents (QBO keeps
        # home amounts per transaction).
        assert dec(payable(self.api)) == home


@PROPERTY
@given(data=st.data())
def test_vendor_balance_is_open_bills_less_open_credits_less_unapplied(emulator, data):
    ctl = Control(emulator.url, emulator.control_token)
    ctl.reset()
    api = Api(emulator.url, ctl.tokens()["access_token"])
    book = Book(api, accounts_by_number(api))
    for step in data.draw(st.lists(STEPS, min_size=3, max_size=10), label="steps"):
        vendor = data.draw(st.sampled_from(book.vendors), label="vendor")
        if step in ("bill", "credit"):
            entity = "Bill" if step == "bill" else "VendorCredit"
            created = purchase(
                api, entity, vendor, expense(book.accounts["6000"], float(data.draw(AMOUNTS))), **book.rate_of(vendor)
            )
            book.docs.append((entity, created))
        elif step == "pay":
            book.pay(data, vendor)
        elif book.payments:
            index = data.draw(st.integers(min_value=0, max_value=len(book.payments) - 1), label="payment")
            current = api.read("BillPayment", book.payments[index]["Id"])
            if step == "update" and current["TotalAmt"] != 0:
                book.update(data, index)
            elif step == "delete":
                api.post("/billpayment", {"Id": current["Id"], "SyncToken": current["SyncToken"]}, operation="delete")
                book.payments.pop(index)
            elif step == "void":
                api.update(
                    "BillPayment",
                    {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True},
                    operation="update",
                    include="void",
                )
        book.check()
