"""A QuickBooks company worth importing: a chart of accounts with sub-accounts, customers and vendors with
addresses, items of each type, and a year of invoices, payments, credit memos, bills, bill payments and journal
entries, some of them open.

Everything is created through the emulator's own create path (:meth:`Company.create`): each object is
validated, numbered, settled and posted exactly as one sent through the API, so the reports (TrialBalance,
aging, ProfitAndLoss) are computed from it like from any other.  The same seed and sizes give the same company.
US companies only (the sales lines are ``TAX``/``NON``, as QuickBooks' US editions take them).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .company import Company

FIRST_NAMES = ("Amy", "Bill", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas", "Kemal", "Lena")
TRADES = ("Bakery", "Garage", "Studio", "Florist", "Cafe", "Dental", "Plumbing", "Books", "Gym", "Print Shop")
SUPPLIES = ("Paper", "Hardware", "Freight", "Cleaning", "Software", "Energy", "Telecom", "Packaging")
STREETS = ("Main St", "Oak Ave", "Pine Rd", "Market St", "Lake Dr", "Hill St", "Bay Rd")
CITIES = (("San Mateo", "CA", "94401"), ("Austin", "TX", "78701"), ("Albany", "NY", "12207"), ("Reno", "NV", "89501"))

#: (name, AccountType, AccountSubType, parent name or None): added to the seeded chart.
CHART = (
    ("Consulting", "Income", "ServiceFeeIncome", "Services"),
    ("Training", "Income", "ServiceFeeIncome", "Services"),
    ("Supplies", "Expense", "SuppliesMaterials", "Office Expenses"),
    ("Software subscriptions", "Expense", "OfficeGeneralAdministrativeExpenses", "Office Expenses"),
    ("Rent", "Expense", "RentOrLeaseOfBuildings", None),
    ("Inventory Asset", "Other Current Asset", "Inventory", None),
    ("Accrued Liabilities", "Other Current Liability", "OtherCurrentLiabilities", None),
    ("Depreciation", "Expense", "OtherMiscellaneousServiceCost", None),
    ("Equipment", "Fixed Asset", "MachineryAndEquipment", None),
)


@dataclass(frozen=True)
class SampleSize:
    """How much the sample company holds; ``months`` of activity ending on the company's today."""

    customers: int = 25
    vendors: int = 10
    items: int = 12
    invoices: int = 120
    bills: int = 60
    entries: int = 12
    months: int = 12

    @classmethod
    def parse(cls, text: str) -> SampleSize:
        """``customers=40,invoices=300`` (any of the fields; the others keep their default)."""
        known = {field.name for field in fields(cls)}
        values: dict[str, int] = {}
        for part in filter(None, (piece.strip() for piece in (text or "").split(","))):
            name, _, value = part.partition("=")
            if name not in known or not value.strip().isdigit():
                raise ValueError(f"unknown sample size {part!r} (known: {', '.join(sorted(known))})")
            values[name] = int(value)
        return cls(**values)


class _Filler:
    def __init__(self, company: Company, seed: int, size: SampleSize) -> None:
        self.company = company
        self.rng = random.Random(seed)
        self.size = size
        self.end = company.today()
        self.start = self.end - timedelta(days=30 * size.months)
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ helpers
    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        self.counts[entity] = self.counts.get(entity, 0) + 1
        return self.company.create(entity, body)

    def account(self, name: str) -> dict[str, Any]:
        found = next((obj for obj in self.company.store.all("Account") if obj.get("Name") == name), None)
        if found is None:
            raise ValueError(f"the sample company needs the account {name!r}")
        return found

    def ref(self, obj: dict[str, Any]) -> dict[str, str]:
        return {"value": str(obj["Id"])}

    def day(self, start: date | None = None) -> date:
        first = start or self.start
        span = max((self.end - first).days, 0)
        return first + timedelta(days=self.rng.randint(0, span))

    def money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    def address(self) -> dict[str, str]:
        city, state, postal = self.rng.choice(CITIES)
        return {
            "Line1": f"{self.rng.randint(1, 999)} {self.rng.choice(STREETS)}",
            "City": city,
            "CountrySubDivisionCode": state,
            "PostalCode": postal,
            "Country": "USA",
        }

    # ------------------------------------------------------------------ lists
    def chart(self) -> None:
        for name, account_type, sub_type, parent in CHART:
            body: dict[str, Any] = {"Name": name, "AccountType": account_type, "AccountSubType": sub_type}
            if parent:
                body.update({"SubAccount": True, "ParentRef": self.ref(self.account(parent))})
            self.create("Account", body)

    def parties(self, entity: str, count: int, words: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for number in range(count):
            name = f"{self.rng.choice(FIRST_NAMES)}'s {self.rng.choice(words)} {number + 1}"
            slug = name.lower().replace("'", "").replace(" ", ".")
            out.append(
                self.create(
                    entity,
                    {
                        "DisplayName": name,
                        "CompanyName": name,
                        "PrimaryEmailAddr": {"Address": f"{slug}@example.com"},
                        "PrimaryPhone": {
                            "FreeFormNumber": f"(555) {self.rng.randint(100, 999)}-{self.rng.randint(1000, 9999)}"
                        },
                        "BillAddr": self.address(),
                    },
                )
            )
        return out

    def items(self) -> list[dict[str, Any]]:
        income = [self.account("Consulting"), self.account("Training"), self.account("Sales of Product Income")]
        cogs, asset = self.account("Cost of Goods Sold"), self.account("Inventory Asset")
        kinds = ("Service", "NonInventory", "Inventory")
        out = []
        for number in range(self.size.items):
            kind = kinds[number % len(kinds)]
            body: dict[str, Any] = {
                "Name": f"{kind} {number + 1:03d}",
                "Sku": f"SKU-{number + 1:04d}",
                "Type": kind,
                "UnitPrice": float(self.money(20, 400)),
                "IncomeAccountRef": self.ref(income[number % len(income)] if kind == "Service" else income[2]),
            }
            if kind != "Service":
                body["ExpenseAccountRef"] = self.ref(cogs)
            if kind == "Inventory":
                body.update(
                    {
                        "AssetAccountRef": self.ref(asset),
                        "TrackQtyOnHand": True,
                        "QtyOnHand": self.rng.randint(10, 200),
                        "InvStartDate": self.start.isoformat(),
                    }
                )
            out.append(self.create("Item", body))
        return out

    # ------------------------------------------------------------------ transactions
    def sales(self, customers: list[dict[str, Any]], items: list[dict[str, Any]]) -> None:
        checking = self.account("Checking")
        for _ in range(self.size.invoices):
            customer = self.rng.choice(customers)
            txn_date = self.day()
            lines = []
            for _line in range(self.rng.randint(1, 4)):
                item = self.rng.choice(items)
                qty = self.rng.randint(1, 5)
                price = self.money(20, 400)
                lines.append(
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": float(price * qty),
                        "SalesItemLineDetail": {
                            "ItemRef": self.ref(item),
                            "Qty": qty,
                            "UnitPrice": float(price),
                            "TaxCodeRef": {"value": "NON"},
                        },
                    }
                )
            invoice = self.create(
                "Invoice",
                {
                    "CustomerRef": self.ref(customer),
                    "TxnDate": txn_date.isoformat(),
                    "DueDate": (txn_date + timedelta(days=30)).isoformat(),
                    "Line": lines,
                },
            )
            self.settle_invoice(invoice, customer, checking, items)

    def settle_invoice(self, invoice: dict[str, Any], customer: dict[str, Any], checking: dict, items: list) -> None:
        """Most invoices older than a month are paid (some in part), a few get a credit memo."""
        txn_date = date.fromisoformat(invoice["TxnDate"])
        if (self.end - txn_date).days < 30 or self.rng.random() < 0.15:
            return  # open
        total = Decimal(str(invoice["TotalAmt"]))
        lines = []
        if self.rng.random() < 0.1:
            credit = min(total, self.money(10, 80))
            memo = self.create(
                "CreditMemo",
                {
                    "CustomerRef": self.ref(customer),
                    "TxnDate": txn_date.isoformat(),
                    "Line": [
                        {
                            "DetailType": "SalesItemLineDetail",
                            "Amount": float(credit),
                            "SalesItemLineDetail": {"ItemRef": self.ref(items[0]), "TaxCodeRef": {"value": "NON"}},
                        }
                    ],
                },
            )
            lines.append({"Amount": float(credit), "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]})
        paid = total if self.rng.random() < 0.85 else (total / 2).quantize(Decimal("0.01"))
        lines.insert(0, {"Amount": float(paid), "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]})
        cash = paid - sum((Decimal(str(line["Amount"])) for line in lines[1:]), Decimal(0))
        if cash < 0:
            return
        self.create(
            "Payment",
            {
                "CustomerRef": self.ref(customer),
                "TxnDate": self.day(txn_date).isoformat(),
                "TotalAmt": float(cash),
                "DepositToAccountRef": self.ref(checking),
                "Line": lines,
            },
        )

    def purchases(self, vendors: list[dict[str, Any]]) -> None:
        checking = self.account("Checking")
        accounts = [self.account(name) for name in ("Supplies", "Software subscriptions", "Rent", "Cost of Goods Sold")]
        for _ in range(self.size.bills):
            vendor = self.rng.choice(vendors)
            txn_date = self.day()
            bill = self.create(
                "Bill",
                {
                    "VendorRef": self.ref(vendor),
                    "TxnDate": txn_date.isoformat(),
                    "DueDate": (txn_date + timedelta(days=30)).isoformat(),
                    "DocNumber": f"V-{self.rng.randint(1000, 99999)}",
                    "Line": [
                        {
                            "DetailType": "AccountBasedExpenseLineDetail",
                            "Amount": float(self.money(15, 900)),
                            "AccountBasedExpenseLineDetail": {"AccountRef": self.ref(self.rng.choice(accounts))},
                        }
                        for _line in range(self.rng.randint(1, 3))
                    ],
                },
            )
            if (self.end - txn_date).days >= 30 and self.rng.random() < 0.8:
                self.create(
                    "BillPayment",
                    {
                        "VendorRef": self.ref(vendor),
                        "TxnDate": self.day(txn_date).isoformat(),
                        "PayType": "Check",
                        "CheckPayment": {"BankAccountRef": self.ref(checking)},
                        "TotalAmt": bill["TotalAmt"],
                        "Line": [{"Amount": bill["TotalAmt"], "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
                    },
                )

    def journal_entries(self) -> None:
        """Monthly depreciation and accruals, as an accountant posts them."""
        pairs = (("Depreciation", "Equipment"), ("Rent", "Accrued Liabilities"))
        for number in range(self.size.entries):
            debit, credit = (self.account(name) for name in pairs[number % len(pairs)])
            amount = float(self.money(50, 600))
            self.create(
                "JournalEntry",
                {
                    "TxnDate": self.day().isoformat(),
                    "DocNumber": f"JE-{number + 1:04d}",
                    "Line": [
                        {
                            "DetailType": "JournalEntryLineDetail",
                            "Amount": amount,
                            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": self.ref(account)},
                        }
                        for posting, account in (("Debit", debit), ("Credit", credit))
                    ],
                },
            )

    def fill(self) -> dict[str, int]:
        if not self.company.is_us:
            raise ValueError("the sample company is a US company: start the realm with the us preset")
        self.chart()
        customers = self.parties("Customer", self.size.customers, TRADES)
        vendors = self.parties("Vendor", self.size.vendors, SUPPLIES)
        items = self.items()
        self.sales(customers, items)
        self.purchases(vendors)
        self.journal_entries()
        return dict(sorted(self.counts.items()))


def fill_company(company: Company, seed: int, size: SampleSize | None = None) -> dict[str, int]:
    """Fill ``company`` (freshly reset) with the sample company of ``seed``; returns how many objects of each
    entity were created."""
    return _Filler(company, seed, size or SampleSize()).fill()


def describe(size: SampleSize) -> dict[str, int]:
    return asdict(size)
