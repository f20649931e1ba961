"""The seeded company: small, deterministic, enough for every flow the connector has.

Ids are fixed by insertion order (a reset gives the same Ids again).  Tests should still find
seeded objects by name rather than hard-code Ids.  Accounts carry numbers (``AcctNum``) only while
the company setting ``account_numbers`` is on (the emulator's default; QBO's own default is off and
QBO assigns no numbers itself: see the package README).  "Exchange Gain or Loss" is QBO's system
account for realized exchange differences (Other Expense / ExchangeGainOrLoss, as QBO creates it);
"Unrealized Gain or Loss" stands for the system account QBO shows for unrealized ones.  "Mastercard"
is a credit card account bills can be paid from (``PayType`` CreditCard).  "Opening Balance Equity" and
"Retained Earnings" are the equity accounts every QBO company has: opening balances are entered against
the first, and QBO rolls each closed fiscal year's net income into the second (see the package README,
"Books: postings and reports").  Every seeded account starts with a balance of 0: an account's
``CurrentBalance`` is what the ledger posted to it, nothing is stored.

The non-US tax codes carry separate purchase rates (``PurchaseTaxRateList``), as QBO's do (a UK
"20.0% S" code has the sales rate "SS-20.0" and the purchase rate "SP-20.0": intuit/QuickBooks-V3-PHP-SDK
issue #48); the rate values are the emulator's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import tracking
from .entities import ACCOUNT_CLASSIFICATION, CURRENCY_NAMES

if TYPE_CHECKING:
    from .company import Company

# Name, AccountType, AccountSubType, AcctNum, Active
ACCOUNTS = (
    ("Checking", "Bank", "Checking", "1000", True),
    ("Savings", "Bank", "Savings", "1010", True),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "1100", True),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "1200", True),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "2000", True),
    ("Sales Tax Payable", "Other Current Liability", "SalesTaxPayable", "2100", True),
    ("Sales of Product Income", "Income", "SalesOfProductIncome", "4000", True),
    ("Services", "Income", "ServiceFeeIncome", "4100", True),
    ("Discounts given", "Income", "DiscountsRefundsGiven", "4200", True),
    ("Old Sales", "Income", "OtherPrimaryIncome", "4900", False),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "5000", True),
    ("Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses", "6000", True),
    ("Exchange Gain or Loss", "Other Expense", "ExchangeGainOrLoss", "7990", True),
    ("Unrealized Gain or Loss", "Other Expense", "UnrealisedLossOnSecuritiesNetOfTax", "7991", True),
    ("Mastercard", "Credit Card", "CreditCard", "2050", True),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity", "3000", True),
    ("Retained Earnings", "Equity", "RetainedEarnings", "3900", True),
)

# Name, RateValue.  "State Sales Tax" to "Other State Sales Tax" stand in for QBO's automated sales tax
# (see AST_TAX_CODES); the last three are the purchase (input tax) rates of the non-US codes.
TAX_RATES = (
    ("Standard Rate", 15),
    ("Reduced Rate", 5),
    ("Zero Rate", 0),
    ("State Sales Tax", 6.25),
    ("City Sales Tax", 2),
    ("NY State Sales Tax", 4),
    ("NY Local Sales Tax", 4.875),
    ("TX State Sales Tax", 6.5),
    ("TX Local Sales Tax", 1.25),
    ("Other State Sales Tax", 7),
    ("Standard Rate Purchases", 15),
    ("Reduced Rate Purchases", 5),
    ("Zero Rate Purchases", 0),
)

# Id (None = next), Name, Taxable, TaxGroup, sales rate names, purchase rate names
TAX_CODES: tuple[tuple[str | None, str, bool, bool, tuple[str, ...], tuple[str, ...]], ...] = (
    ("TAX", "TAX", True, False, (), ()),
    ("NON", "NON", False, False, (), ()),
    (None, "Standard 15%", True, False, ("Standard Rate",), ("Standard Rate Purchases",)),
    (None, "Reduced 5%", True, False, ("Reduced Rate",), ("Reduced Rate Purchases",)),
    (None, "Zero-rated 0%", True, False, ("Zero Rate",), ("Zero Rate Purchases",)),
    (None, "Exempt", False, False, (), ()),
    (None, "Sales Tax 8.25%", True, True, ("State Sales Tax", "City Sales Tax"), ()),
    (None, "NY Sales Tax 8.875%", True, True, ("NY State Sales Tax", "NY Local Sales Tax"), ()),
    (None, "TX Sales Tax 7.75%", True, True, ("TX State Sales Tax", "TX Local Sales Tax"), ()),
    (None, "Other States Sales Tax 7%", True, False, ("Other State Sales Tax",), ()),
)

DEFAULT_SALES_TAX_CODE = "Sales Tax 8.25%"

#: Automated sales tax: ship-to state -> tax code.  The rates are invented for the emulator (QBO's
#: engine works from the full address and real jurisdictions); they only need to differ per state.
AST_TAX_CODES = {"CA": "Sales Tax 8.25%", "NY": "NY Sales Tax 8.875%", "TX": "TX Sales Tax 7.75%"}
AST_FALLBACK_TAX_CODE = "Other States Sales Tax 7%"

#: The seeded company's address (a US company is in California).
COMPANY_STATE = "CA"


def seed_company(company: Company) -> None:
    """Write the seeded company into an empty store."""
    accounts = {}
    numbered = bool(company.setting("account_numbers"))
    for name, account_type, sub_type, number, active in ACCOUNTS:
        account = {
            "Name": name,
            "FullyQualifiedName": name,
            "AccountType": account_type,
            "AccountSubType": sub_type,
            "Active": active,
            "SubAccount": False,
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
            "CurrencyRef": _currency(company.home_currency),
            "Classification": ACCOUNT_CLASSIFICATION[account_type],
        }
        if numbered:
            account["AcctNum"] = number
        accounts[name] = _add(company, "Account", account)["Id"]
    for name, income, price, item_type in (
        ("Services", "Services", 0, "Service"),
        ("Hours", "Services", 75, "Service"),
        ("Sales", "Sales of Product Income", 0, "NonInventory"),
    ):
        item = {
            "Name": name,
            "FullyQualifiedName": name,
            "Type": item_type,
            "Active": True,
            "Taxable": True,
            "UnitPrice": price,
            "IncomeAccountRef": {"value": accounts[income], "name": income},
        }
        if item_type == "NonInventory":
            item["ExpenseAccountRef"] = {"value": accounts["Cost of Goods Sold"], "name": "Cost of Goods Sold"}
        _add(company, "Item", item)
    _add(
        company,
        "Item",
        {
            "Name": "Discontinued Product",
            "FullyQualifiedName": "Discontinued Product",
            "Type": "Service",
            "Active": False,
            "UnitPrice": 10,
            "IncomeAccountRef": {"value": accounts["Sales of Product Income"]},
        },
    )
    rates = {}
    for name, value in TAX_RATES:
        rates[name] = _add(
            company,
            "TaxRate",
            {
                "Name": name,
                "Description": name,
                "RateValue": value,
                "Active": True,
                "AgencyRef": {"value": "1"},
                "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly",
            },
        )["Id"]
    for code_id, name, taxable, group, sales_names, purchase_names in TAX_CODES:
        obj = {
            "Name": name,
            "Description": name,
            "Taxable": taxable,
            "TaxGroup": group,
            "Active": True,
            "SalesTaxRateList": rate_list(rates, sales_names),
            "PurchaseTaxRateList": rate_list(rates, purchase_names),
        }
        if code_id:
            obj["Id"] = code_id
        _add(company, "TaxCode", obj)
    _add(company, "Term", {"Name": "Net 30", "Active": True, "Type": "STANDARD", "DueDays": 30})
    _add(company, "Term", {"Name": "Due on receipt", "Active": True, "Type": "STANDARD", "DueDays": 0})
    _add(
        company,
        "Vendor",
        {
            "DisplayName": "Office Supplies Co.",
            "CompanyName": "Office Supplies Co.",
            "Active": True,
            "CurrencyRef": _currency(company.home_currency),
            "Balance": 0,
        },
    )
    _add(company, "CompanyInfo", company_info(company))
    _add(company, "Preferences", preferences(company))


def rate_list(rates: dict[str, str], names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """A ``TaxRateList`` of the named rates (``rates``: name -> Id)."""
    return {
        "TaxRateDetail": [
            {"TaxRateRef": {"value": rates[name], "name": name}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}
            for name in names
        ]
    }


def company_info(company: Company) -> dict[str, Any]:
    country = company.country
    address = {"Id": "1", "Line1": "1 Emulator Way", "City": "Mountain View", "Country": country, "PostalCode": "94043"}
    if company.is_us:
        address["CountrySubDivisionCode"] = COMPANY_STATE
    return {
        "Id": "1",
        "CompanyName": company.setting("company_name"),
        "LegalName": company.setting("company_name"),
        "Country": country,
        "CompanyAddr": address,
        "Email": {"Address": "books@example.com"},
        "FiscalYearStartMonth": "January",
        "SupportedLanguages": "en",
        "DefaultTimeZone": "America/Los_Angeles",
        "CompanyStartDate": "2024-01-01",
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IsQbdtMigrated", "Value": "false"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
        ],
    }


def preferences(company: Company) -> dict[str, Any]:
    return {
        "Id": "1",
        "AccountingInfoPrefs": {
            "FirstMonthOfFiscalYear": "January",
            "UseAccountNumbers": bool(company.setting("account_numbers")),
            **tracking.preferences(company),
        },
        "CurrencyPrefs": {"HomeCurrency": {"value": company.home_currency}, "MultiCurrencyEnabled": True},
        "SalesFormsPrefs": {"CustomTxnNumbers": True, "AllowDiscount": True, "AllowDeposit": False},
        "TaxPrefs": tax_prefs(company),
        "OtherPrefs": {
            "NameValue": [
                {"Name": "WarnDuplicateDocNum", "Value": str(bool(company.setting("warn_duplicate_docnum"))).lower()},
                {
                    "Name": "WarnDuplicateBillNumber",
                    "Value": str(bool(company.setting("warn_duplicate_bill_number"))).lower(),
                },
            ]
        },
    }


def tax_prefs(company: Company) -> dict[str, Any]:
    """``PartnerTaxEnabled`` is there only when automated sales tax is on (Intuit's AST FAQ: absent
    means the company does not use AST; false would mean AST without sales tax set up)."""
    prefs: dict[str, Any] = {"UsingSalesTax": True}
    if company.automated_sales_tax:
        prefs["PartnerTaxEnabled"] = True
    return prefs


def _add(company: Company, entity: str, obj: dict[str, Any]) -> dict[str, Any]:
    stamp = company.now_text()
    if "Id" not in obj:
        obj["Id"] = company.store.next_id(entity)
    obj.update(
        {
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
    )
    company.store.put(entity, obj)
    return obj


def _currency(code: str) -> dict[str, str]:
    return {"value": code, "name": CURRENCY_NAMES.get(code, code)}
