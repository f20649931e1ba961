"""Property: whatever a company does (invoices with tax, credit memos, payments partial, full, over or
applying credits, bills, vendor credits, bill payments by check or card, journal entries, in the home
currency or in euros, over two fiscal years, some payments voided or deleted), its books hold together
to the cent: the trial balance balances; A/R is the customers' open balances (invoices' ``Balance`` -
credit memos' ``RemainingCredit`` - payments' ``UnappliedAmt``, each at its own rate) and so are the
AgedReceivables and CustomerBalance totals and the A/R account's ``CurrentBalance``; the same for A/P;
the balance sheet balances with the year's net income; and each account's GeneralLedger adds up to its
trial balance movement over the period."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.qbo_emulator.entities import cents

from .books import grand_total, groups, ledger_sections, money, run_report, summary, trial_debit, trial_rows
from .conftest import Api, Control, line
from .ledger import accounts_by_number, je_line
from .purchases import bill_payment, expense, paid, purchase

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AMOUNTS = st.integers(min_value=1, max_value=40_000).map(lambda c: Decimal(c) / 100)
DAYS = st.integers(min_value=0, max_value=150).map(lambda n: date(2025, 11, 1) + timedelta(days=n))
EURO_RATES = st.sampled_from([Decimal("1.1"), Decimal("1.05"), Decimal("1.2345")])
STEPS = st.sampled_from(
    [
        "invoice",
        "invoice",
        "credit",
        "pay",
        "pay",
        "bill",
        "bill",
        "vendor_credit",
        "bill_pay",
        "bill_pay",
        "journal",
        "undo",
    ]
)
END = date(2026, 3, 31)
YEAR = {"start_date": "2026-01-01", "end_date": END.isoformat()}
#: Journal entries move money between accounts that are not A/R or A/P (their open items are documents).
JOURNAL_ACCOUNTS = ("1000", "1010", "2050", "4000", "5000", "6000", "3000")


def dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


class Company:
    """The documents created so far; the emulator is read back when the books are checked."""

    def __init__(self, api: Api, data: Any) -> None:
        self.api = api
        self.data = data
        self.accounts = accounts_by_number(api)
        self.hours = api.find("Item", "Hours")
        eur = {"CurrencyRef": {"value": "EUR"}}
        self.customers = [
            api.create("Customer", {"DisplayName": "Home Customer"}),
            api.create("Customer", {"DisplayName": "Euro Customer", **eur}),
        ]
        self.vendors = [
            api.create("Vendor", {"DisplayName": "Home Supplies"}),
            api.create("Vendor", {"DisplayName": "Euro Supplies", **eur}),
        ]
        self.docs: list[tuple[str, str, str]] = []  # (entity, Id, customer or vendor Id)
        self.payments: list[tuple[str, str]] = []

    def draw(self, strategy: Any, label: str) -> Any:
        return self.data.draw(strategy, label=label)

    def currency(self, party: dict[str, Any]) -> dict[str, Any]:
        if party["CurrencyRef"]["value"] == "USD":
            return {}
        return {"CurrencyRef": {"value": "EUR"}, "ExchangeRate": float(self.draw(EURO_RATES, "rate"))}

    def sale(self, entity: str) -> None:
        customer = self.draw(st.sampled_from(self.customers), "customer")
        lines = [
            line(
                self.hours["Id"],
                1,
                float(self.draw(AMOUNTS, "price")),
                tax=self.draw(st.sampled_from(["TAX", "NON"]), "tax"),
            )
            for _ in range(self.draw(st.integers(1, 2), "lines"))
        ]
        body = {"CustomerRef": {"value": customer["Id"]}, "TxnDate": self.draw(DAYS, "day").isoformat(), "Line": lines}
        created = self.api.create(entity, {**body, **self.currency(customer)})
        self.docs.append((entity, created["Id"], customer["Id"]))

    def buy(self, entity: str) -> None:
        vendor = self.draw(st.sampled_from(self.vendors), "vendor")
        account = self.accounts[self.draw(st.sampled_from(["6000", "5000"]), "expense")]
        day = self.draw(DAYS, "day").isoformat()
        created = purchase(
            self.api,
            entity,
            vendor,
            expense(account, float(self.draw(AMOUNTS, "amount"))),
            TxnDate=day,
            **self.currency(vendor),
        )
        self.docs.append((entity, created["Id"], vendor["Id"]))

    def open_lines(self, party: dict[str, Any], kinds: tuple[str, str]) -> list[tuple[dict[str, Any], str, float]]:
        """Shares of the party's open documents (``kinds``: what is paid, what is credited), credits never
        above what is paid."""
        field = "CustomerRef" if kinds[0] == "Invoice" else "VendorRef"
        applied: list[tuple[dict[str, Any], str, float]] = []
        paid_total = Decimal(0)
        for entity in kinds:
            for kind, doc_id, party_id in self.docs:
                if kind != entity or party_id != party["Id"]:
                    continue
                doc = self.api.read(entity, doc_id)
                if doc[field]["value"] != party["Id"] or dec(doc["Balance"]) <= 0:
                    continue
                share = self.draw(st.sampled_from([100, 50, 33]) | st.integers(0, 100), f"{entity} share")
                amount = (dec(doc["Balance"]) * share / 100).quantize(Decimal("0.01"))
                if entity == kinds[1]:
                    amount = min(amount, paid_total)
                    paid_total -= amount
                else:
                    paid_total += amount
                if amount > 0:
                    applied.append((doc, entity, float(amount)))
        return applied

    def settle(self, payer: str) -> None:
        parties, kinds = (
            (self.customers, ("Invoice", "CreditMemo"))
            if payer == "Payment"
            else (self.vendors, ("Bill", "VendorCredit"))
        )
        owing = [p for p in parties if any(kind == kinds[0] and who == p["Id"] for kind, _id, who in self.docs)]
        party = self.draw(st.sampled_from(owing or parties), "payer")  # mostly someone with something to pay
        applied = self.open_lines(party, kinds)
        net = sum((dec(amount) * (-1 if kind == kinds[1] else 1) for _doc, kind, amount in applied), Decimal(0))
        total = float(net + self.draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("12.34")]), "over"))
        day = self.draw(DAYS, "day").isoformat()
        if payer == "Payment":
            lines = [{"Amount": a, "LinkedTxn": [{"TxnId": d["Id"], "TxnType": k}]} for d, k, a in applied]
            body = {"CustomerRef": {"value": party["Id"]}, "TotalAmt": total, "Line": lines, "TxnDate": day}
            created = self.api.create("Payment", {**body, **self.currency(party)})
        else:
            account = (
                {"card": self.accounts["2050"]} if self.draw(st.booleans(), "card") else {"bank": self.accounts["1000"]}
            )
            created = paid(
                bill_payment(self.api, party, total, *applied, **account, TxnDate=day, **self.currency(party))
            )
        self.payments.append((payer, created["Id"]))

    def journal(self) -> None:
        debit, credit = self.draw(
            st.lists(st.sampled_from(JOURNAL_ACCOUNTS), min_size=2, max_size=2, unique=True), "accounts"
        )
        amount = float(self.draw(AMOUNTS, "amount"))
        body = {
            "TxnDate": self.draw(DAYS, "day").isoformat(),
            "Line": [je_line(self.accounts[debit], "Debit", amount), je_line(self.accounts[credit], "Credit", amount)],
        }
        if self.draw(st.booleans(), "in euros"):
            body.update({"CurrencyRef": {"value": "EUR"}, "ExchangeRate": float(self.draw(EURO_RATES, "rate"))})
        self.api.create("JournalEntry", body)

    def undo(self) -> None:
        if not self.payments:
            return
        payer, payment_id = self.payments.pop(self.draw(st.integers(0, len(self.payments) - 1), "payment"))
        current = self.api.read(payer, payment_id)
        if self.draw(st.booleans(), "void"):
            self.api.update(
                payer,
                {"Id": payment_id, "SyncToken": current["SyncToken"], "sparse": True},
                operation="update",
                include="void",
            )
        else:
            self.api.post(
                f"/{payer.lower()}", {"Id": payment_id, "SyncToken": current["SyncToken"]}, operation="delete"
            )

    # ------------------------------------------------------------------ the books
    def open_home(self, kinds: tuple[str, str], payer: str) -> Decimal:
        """Open documents in the home currency, each at its own rate in cents; credits negative."""
        total = Decimal(0)
        for entity, doc_id, _party in self.docs:
            doc = self.api.read(entity, doc_id)
            open_amount = dec(doc.get("RemainingCredit", doc["Balance"]))
            sign = 1 if entity == kinds[0] else -1 if entity == kinds[1] else 0
            total += sign * cents(open_amount * dec(doc.get("ExchangeRate") or 1))
        for entity, payment_id in self.payments:
            if entity != payer:
                continue
            payment = self.api.read(entity, payment_id)
            applied = sum(
                (
                    dec(row["Amount"]) * (-1 if row["LinkedTxn"][0]["TxnType"] == kinds[1] else 1)
                    for row in payment["Line"]
                ),
                Decimal(0),
            )
            total -= cents((dec(payment["TotalAmt"]) - applied) * dec(payment.get("ExchangeRate") or 1))
        return total

    def check(self) -> None:
        api = self.api
        trial = run_report(api, "TrialBalance", **YEAR)
        rows = trial_rows(trial)
        debits = sum((money(debit) for debit, _credit in rows.values()), Decimal(0))
        credits = sum((money(credit) for _debit, credit in rows.values()), Decimal(0))
        assert debits == credits, (debits, credits)
        assert [money(value) for value in grand_total(trial)] == [debits, credits]
        before = run_report(api, "TrialBalance", start_date="2025-01-01", end_date="2025-12-31")
        assert len(set(grand_total(before))) == 1
        for control, kinds, payer, aging, balance, sign in (
            ("1100", ("Invoice", "CreditMemo"), "Payment", "AgedReceivables", "CustomerBalance", 1),
            ("2000", ("Bill", "VendorCredit"), "BillPayment", "AgedPayables", "VendorBalance", -1),
        ):
            expected = self.open_home(kinds, payer)
            assert sign * trial_debit(trial, self.accounts[control]) == expected, control
            assert money(grand_total(run_report(api, aging, report_date=END.isoformat()))[-1]) == expected, aging
            assert money(grand_total(run_report(api, balance, report_date=END.isoformat()))[-1]) == expected, balance
            assert dec(api.read("Account", self.accounts[control])["CurrentBalance"]) == expected, control
        sheet = groups(run_report(api, "BalanceSheet", **YEAR))
        assert summary(sheet["TotalAssets"]) == summary(sheet["TotalLiabilitiesAndEquity"])
        profit = run_report(api, "ProfitAndLoss", **YEAR)
        assert sheet["NetIncome"]["ColData"][1]["value"] == summary(groups(profit)["NetIncome"])
        self.check_general_ledger(trial, before)

    def check_general_ledger(self, trial: dict[str, Any], before: dict[str, Any]) -> None:
        """Each account's GeneralLedger over the year adds up to its trial balance movement (income and
        expenses start the year at zero; Retained Earnings moves by the closed year, not a transaction)."""
        sections = ledger_sections(run_report(self.api, "GeneralLedger", **YEAR))
        for row in self.api.query("select * from Account where Active in (true, false) maxresults 1000")["Account"]:
            if row["AccountSubType"] == "RetainedEarnings":
                continue
            credit_normal = row["Classification"] in ("Liability", "Equity", "Revenue")
            start = Decimal(0) if row["Classification"] in ("Revenue", "Expense") else trial_debit(before, row["Id"])
            movement = trial_debit(trial, row["Id"]) - start
            expected = -movement if credit_normal else movement
            section = sections.get(row["Id"])
            found = money(section["Summary"]["ColData"][6]["value"]) if section else Decimal(0)
            assert found == expected, row["Name"]


@PROPERTY
@given(data=st.data())
def test_the_books_hold_together(emulator, data):
    ctl = Control(emulator.url, emulator.control_token)
    ctl.reset()
    company = Company(Api(emulator.url, ctl.tokens()["access_token"]), data)
    for step in data.draw(st.lists(STEPS, min_size=3, max_size=12), label="steps"):
        if step in ("invoice", "credit"):
            company.sale("Invoice" if step == "invoice" else "CreditMemo")
        elif step in ("bill", "vendor_credit"):
            company.buy("Bill" if step == "bill" else "VendorCredit")
        elif step in ("pay", "bill_pay"):
            company.settle("Payment" if step == "pay" else "BillPayment")
        elif step == "journal":
            company.journal()
        else:
            company.undo()
    company.check()
