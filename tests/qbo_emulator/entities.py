"""Which entities exist, how each behaves, and the checks shared by all of them.

Name lists (Customer, Vendor, Employee, Item, Account, Term, Class, Department) are validated here; transactions
are in :mod:`.transactions`, :mod:`.payables` and :mod:`.payments`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from . import faults

if TYPE_CHECKING:
    from .company import Company


@dataclass(frozen=True)
class EntitySpec:
    """How one QBO entity behaves in the emulator."""

    name: str
    kind: str  # "name" | "txn" | "readonly" | "singleton"
    deletable: bool = False
    voidable: bool = False
    has_active: bool = False
    name_field: str | None = None
    name_scope: str | None = None  # entities sharing one name namespace share a scope
    webhook: bool = True


SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("Customer", "name", has_active=True, name_field="DisplayName", name_scope="party"),
        EntitySpec("Vendor", "name", has_active=True, name_field="DisplayName", name_scope="party"),
        EntitySpec("Employee", "name", has_active=True, name_field="DisplayName", name_scope="party"),
        EntitySpec("Item", "name", has_active=True, name_field="Name", name_scope="Item"),
        EntitySpec("Account", "name", has_active=True, name_field="Name", name_scope="Account"),
        EntitySpec("Term", "name", has_active=True, name_field="Name", name_scope="Term"),
        EntitySpec("Class", "name", has_active=True, name_field="Name", name_scope="Class"),
        EntitySpec("Department", "name", has_active=True, name_field="Name", name_scope="Department"),
        EntitySpec("TaxCode", "readonly", has_active=True, webhook=False),
        EntitySpec("TaxRate", "readonly", has_active=True, webhook=False),
        EntitySpec("Invoice", "txn", deletable=True, voidable=True),
        EntitySpec("CreditMemo", "txn", deletable=True, voidable=True),
        EntitySpec("Estimate", "txn", deletable=True),
        EntitySpec("SalesReceipt", "txn", deletable=True, voidable=True),
        EntitySpec("Payment", "txn", deletable=True, voidable=True),
        EntitySpec("Bill", "txn", deletable=True, voidable=True),  # voided in QBO's UI only (company.UI_ONLY_VOID)
        EntitySpec("VendorCredit", "txn", deletable=True),
        EntitySpec("BillPayment", "txn", deletable=True, voidable=True),
        EntitySpec("JournalEntry", "txn", deletable=True),
        EntitySpec("CompanyInfo", "singleton", webhook=False),
        EntitySpec("Preferences", "singleton", webhook=False),
    )
}

#: URL and query spelling (any case) -> entity name.
BY_LOWER = {name.lower(): name for name in SPECS}

#: Fields the server owns: never taken from a request body.
SERVER_FIELDS = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "time"}

#: Fields QBO computes for each entity (ignored when sent, recomputed on every write).
COMPUTED_FIELDS: dict[str, set[str]] = {
    "Customer": {"Balance", "BalanceWithJobs", "FullyQualifiedName", "Level"},
    "Vendor": {"Balance"},
    "Item": {"FullyQualifiedName", "Level", "SubItem"},
    "Account": {"FullyQualifiedName", "Classification", "CurrentBalance", "CurrentBalanceWithSubAccounts"},
    "Class": {"FullyQualifiedName", "SubClass"},
    "Department": {"FullyQualifiedName", "SubDepartment"},
    "Invoice": {"TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt"},
    "CreditMemo": {"TotalAmt", "Balance", "RemainingCredit", "HomeTotalAmt"},
    "Estimate": {"TotalAmt", "HomeTotalAmt"},
    "SalesReceipt": {"TotalAmt", "Balance", "HomeTotalAmt"},
    "Bill": {"TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt"},
    "VendorCredit": {"TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt"},
    "Payment": {"UnappliedAmt"},
    "BillPayment": set(),
    "JournalEntry": {"TotalAmt", "HomeTotalAmt"},
}

#: Dates clients (python-quickbooks among them) send as "" when unset.
DATE_FIELDS = ("TxnDate", "DueDate", "ShipDate", "OpenBalanceDate", "InvStartDate", "ExpirationDate")

ACCOUNT_CLASSIFICATION = {
    "Bank": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Receivable": "Asset",
    "Equity": "Equity",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Long Term Liability": "Liability",
    "Other Current Liability": "Liability",
    "Income": "Revenue",
    "Other Income": "Revenue",
}

#: Account subtypes that "cannot have a sub account and cannot be a sub account of another account"
#: (Intuit's Account reference, ``SubAccount``).
NO_SUB_ACCOUNTS = (
    "OpeningBalanceEquity",
    "UndepositedFunds",
    "RetainedEarnings",
    "CashReceiptIncome",
    "CashExpenditureExpense",
    "ExchangeGainOrLoss",
)

CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
    "CAD": "Canadian Dollar",
    "AUD": "Australian Dollar",
}

CENT = Decimal("0.01")


def entity_name(word: str) -> str | None:
    """``invoice`` / ``INVOICE`` / ``Invoice`` -> ``Invoice``; None when unknown."""
    return BY_LOWER.get((word or "").strip().lower())


# ----------------------------------------------------------------------------- small helpers
def money(value: Any, element: str = "Amount") -> Decimal | None:
    """A JSON number (or numeric string) as Decimal; None for absent/empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise faults.invalid_property(f"{element} must be a number", element)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise faults.invalid_property(f"{element} is not a valid number: {value!r}", element) from None


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> float | int:
    """Money out: a JSON number, never a string."""
    return float(value)


def ref_value(ref: Any) -> str | None:
    if isinstance(ref, dict):
        value = ref.get("value")
        return str(value) if value not in (None, "") else None
    if isinstance(ref, (str, int)) and str(ref):
        return str(ref)
    return None


def check_ref(
    company: Company, entity: str, ref: Any, element: str, *, required: bool = False, allow_inactive: bool = False
) -> dict[str, Any] | None:
    """Resolve a ``{"value": id}`` reference: 2020 if required and absent, 2500 if unknown/inactive."""
    value = ref_value(ref)
    if value is None:
        if required:
            raise faults.required_missing(element)
        return None
    target = company.store.get(entity, value)
    if target is None:
        raise faults.invalid_reference(element)
    if not allow_inactive and target.get("Active") is False:
        raise faults.inactive_reference(element)
    return target


def currency_ref(company: Company, ref: Any, element: str = "CurrencyRef") -> dict[str, str]:
    """A currency reference, defaulting to the home currency; 2500 for a currency not enabled."""
    code = (ref_value(ref) or company.home_currency).upper()
    if code not in company.currencies:
        raise faults.invalid_reference(element)
    return {"value": code, "name": CURRENCY_NAMES.get(code, code)}


def clean_input(entity: str, body: dict[str, Any]) -> dict[str, Any]:
    """Drop server-owned and computed fields, and the empty dates some clients send."""
    drop = SERVER_FIELDS | COMPUTED_FIELDS.get(entity, set())
    data = {key: value for key, value in body.items() if key not in drop and not key.startswith("_")}
    for key in DATE_FIELDS:
        if data.get(key) == "":
            data.pop(key)
    return data


def name_key(spec: EntitySpec):
    """The store's reverse-link key of a named object's name, as names are compared (case-insensitive,
    trimmed): names are looked up without reading every object."""
    field = spec.name_field or "Name"

    def keys(obj: dict[str, Any]) -> list[tuple[str, str]]:
        return [("Name", str(obj.get(field) or "").strip().lower())]

    return keys


def check_unique_name(company: Company, spec: EntitySpec, name: str, own_id: str | None) -> None:
    """6240 when another object of the same namespace has this name (case-insensitive, trimmed)."""
    wanted = name.strip().lower()
    scope = [other for other, other_spec in SPECS.items() if other_spec.name_scope == spec.name_scope]
    for other_entity in scope:
        for other_id in company.store.linked_to(other_entity, ("Name", wanted)):
            if not (other_entity == spec.name and other_id == own_id):
                raise faults.duplicate_name(other_id)


# ----------------------------------------------------------------------------- name lists
_PERSON_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


def prepare_name(
    company: Company, spec: EntitySpec, data: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate and complete a Customer/Vendor/Employee/Item/Account/Term about to be stored."""
    own_id = existing["Id"] if existing else None
    if spec.name in ("Customer", "Vendor", "Employee"):
        display = str(data.get("DisplayName") or "").strip()
        if not display:
            display = " ".join(str(data[p]).strip() for p in _PERSON_PARTS if str(data.get(p) or "").strip())
        if not display and spec.name != "Employee":
            display = str(data.get("CompanyName") or "").strip()
        if not display:
            raise faults.required_missing("DisplayName")
        data["DisplayName"] = display
        check_unique_name(company, spec, display, own_id)
        if spec.name == "Customer":
            data["FullyQualifiedName"] = display
        if spec.name != "Employee":
            _fixed_currency(company, spec, data, existing)
    else:
        name = str(data.get("Name") or "").strip()
        if not name:
            raise faults.required_missing("Name")
        data["Name"] = name
        check_unique_name(company, spec, name, own_id)
        data["FullyQualifiedName"] = name
        if spec.name == "Item":
            _prepare_item(company, data)
        elif spec.name == "Account":
            _prepare_account(company, data, existing)
        elif spec.name == "Term":
            data.setdefault("Type", "STANDARD")
            data.setdefault("DueDays", 0)
    data["Active"] = data.get("Active", True) is not False
    return data


def _fixed_currency(company: Company, spec: EntitySpec, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """A customer's (vendor's) currency is chosen at creation and can never change (as in QBO)."""
    if existing is None:
        data["CurrencyRef"] = currency_ref(company, data.get("CurrencyRef"))
        return
    current = existing.get("CurrencyRef") or {"value": company.home_currency}
    sent = ref_value(data.get("CurrencyRef"))
    if sent is not None and sent.upper() != current["value"]:
        raise faults.business(
            f"You can't change the currency of this {spec.name.lower()}. Its currency is {current['value']}.",
            "CurrencyRef",
        )
    data["CurrencyRef"] = current


def _prepare_item(company: Company, data: dict[str, Any]) -> None:
    data.setdefault("Type", "Service")
    if data["Type"] not in ("Service", "NonInventory", "Inventory", "Category", "Group"):
        raise faults.invalid_property(f"Item Type {data['Type']!r} is not supported", "Type")
    if data["Type"] in ("Service", "NonInventory", "Inventory"):
        check_ref(company, "Account", data.get("IncomeAccountRef"), "IncomeAccountRef", required=True)
    if data["Type"] == "Inventory":
        check_ref(company, "Account", data.get("AssetAccountRef"), "AssetAccountRef", required=True)
    check_ref(company, "Account", data.get("ExpenseAccountRef"), "ExpenseAccountRef")
    data.setdefault("UnitPrice", 0)
    _item_parent(company, data)


def _item_parent(company: Company, data: dict[str, Any]) -> None:
    """An Item under a Category (``ParentRef``): ``SubItem`` true, its ``Level`` one below the parent's and its
    ``FullyQualifiedName`` the parent's then its own name, after a colon; the parent must be an active Category
    (2500 otherwise, the emulator's code).  Without ``ParentRef``: a top-level Item."""
    parent = check_ref(company, "Item", data.get("ParentRef"), "ParentRef")
    if parent is None:
        data["SubItem"] = False
        data["Level"] = 0
        data.pop("ParentRef", None)
        return
    if parent.get("Type") != "Category":
        raise faults.invalid_reference("ParentRef")
    data["SubItem"] = True
    data["ParentRef"] = {"value": str(parent["Id"]), "name": parent.get("Name")}
    data["Level"] = int(parent.get("Level") or 0) + 1
    data["FullyQualifiedName"] = f"{parent.get('FullyQualifiedName') or parent.get('Name')}:{data['Name']}"


def _prepare_account(company: Company, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
    account_type = data.get("AccountType") or (existing or {}).get("AccountType")
    if not account_type:
        raise faults.required_missing("AccountType")
    if account_type not in ACCOUNT_CLASSIFICATION:
        raise faults.invalid_property(f"AccountType {account_type!r} is not valid", "AccountType")
    data["AccountType"] = account_type
    data["Classification"] = ACCOUNT_CLASSIFICATION[account_type]
    data.setdefault("CurrentBalance", 0)
    _opening_balance(company, data, existing)
    _parent_account(company, data, existing)
    if existing is None:
        data["CurrencyRef"] = currency_ref(company, data.get("CurrencyRef"))
    else:
        data["CurrencyRef"] = existing.get("CurrencyRef") or currency_ref(company, None)


def _opening_balance(company: Company, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """``OpeningBalance`` (and ``OpeningBalanceDate``, default today) is taken when a balance sheet account
    is created and kept as it was afterwards; the ledger posts it against Opening Balance Equity."""
    if existing is not None:
        for key in ("OpeningBalance", "OpeningBalanceDate"):
            data.pop(key, None)
            if key in existing:
                data[key] = existing[key]
        return
    amount = money(data.get("OpeningBalance"), "OpeningBalance")
    if amount is None:
        data.pop("OpeningBalance", None)
        data.pop("OpeningBalanceDate", None)
        return
    data["OpeningBalance"] = num(cents(amount))
    day = str(data.get("OpeningBalanceDate") or company.today().isoformat())[:10]
    try:
        data["OpeningBalanceDate"] = date.fromisoformat(day).isoformat()
    except ValueError:
        raise faults.invalid_property(
            f"OpeningBalanceDate {day!r} is not a date (yyyy-mm-dd)", "OpeningBalanceDate"
        ) from None


def _parent_account(company: Company, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """Sub-accounts: ``SubAccount`` with a ``ParentRef`` (6150 without one, as QBO's error list says)."""
    parent_id = ref_value(data.get("ParentRef"))
    sub = data.get("SubAccount") in (True, "true", "True") or parent_id is not None
    data["SubAccount"] = sub
    if not sub:
        data.pop("ParentRef", None)
        return
    if parent_id is None:
        raise faults.QBOFault(
            "6150",
            "ParentRef Required Validation Error",
            "A ParentRef is required when SubAccount is true.",
            element="ParentRef",
        )
    parent = check_ref(company, "Account", data["ParentRef"], "ParentRef")
    assert parent is not None
    for account in (data, parent):
        if account.get("AccountSubType") in NO_SUB_ACCOUNTS:
            raise faults.business(
                f"Accounts of type {account['AccountSubType']} can't have sub-accounts or be a sub-account.",
                "ParentRef",
            )
    own_id = existing["Id"] if existing else None
    ancestor: dict[str, Any] | None = parent
    while ancestor is not None:
        if ancestor["Id"] == own_id:
            raise faults.invalid_property("An account cannot be its own parent", "ParentRef")
        ancestor = company.store.get("Account", ref_value(ancestor.get("ParentRef")) or "")
    data["ParentRef"] = {"value": parent["Id"], "name": parent.get("FullyQualifiedName") or parent["Name"]}
    data["FullyQualifiedName"] = f"{parent.get('FullyQualifiedName') or parent['Name']}:{data['Name']}"
