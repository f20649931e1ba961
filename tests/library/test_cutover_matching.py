"""How an import from QuickBooks matches QuickBooks' accounts, customers, vendors and items to Odoo's
(``quickbooks_connector/tools/cutover_matching.py``: plain values in, matches out)."""

from tools.cutover_matching import (
    Match,
    OdooAccount,
    Party,
    QboAccount,
    match_accounts,
    match_parties,
    new_account_code,
    odoo_type,
)

ODOO = [
    OdooAccount(1, "121000", "Account Receivable", "asset_receivable"),
    OdooAccount(2, "121100", "PoS Receivable", "asset_receivable"),
    OdooAccount(3, "400000", "Product Sales", "income"),
    OdooAccount(4, "1000", "Petty cash", "asset_cash"),
    OdooAccount(5, "600000", "Rent", "expense"),
    OdooAccount(6, "999999", "Undistributed Profits/Losses", "equity_unaffected"),
]


def qbo(qbo_id, name, account_type, number="", subtype=""):
    return QboAccount(qbo_id, name, number, account_type, subtype)


def test_accounts_match_by_number_then_name_then_the_one_of_a_kind_types():
    found = match_accounts(
        [
            qbo("10", "Checking", "Bank", number="1000"),
            qbo("11", "Rent", "Expense"),
            qbo("12", "Retained Earnings", "Equity", subtype="RetainedEarnings"),
            qbo("13", "Accounts Receivable (A/R)", "Accounts Receivable"),
            qbo("14", "Consulting", "Income"),
        ],
        ODOO,
        defaults={"asset_receivable": 1},
    )
    assert found == {
        "10": Match(4, "number"),
        "11": Match(5, "name"),
        "12": Match(6, "type"),
        "13": Match(1, "type"),  # two receivables: the one new customers get
        "14": Match(None, "new"),  # no income account of that name: a new one
    }


def test_a_number_or_name_of_an_incompatible_type_matches_nothing_and_each_account_is_taken_once():
    found = match_accounts(
        [qbo("20", "Rent", "Income", number="600000"), qbo("21", "Rent", "Expense"), qbo("22", "rent", "Expense")],
        ODOO,
    )
    assert found == {"20": Match(None, "new"), "21": Match(5, "name"), "22": Match(None, "new")}


def test_what_is_mapped_already_comes_first():
    found = match_accounts([qbo("30", "Checking", "Bank", number="1000")], ODOO, mapped={"30": 3})
    assert found == {"30": Match(3, "mapped")}


def test_odoo_types_of_quickbooks_accounts():
    assert odoo_type("Bank") == "asset_cash"
    assert odoo_type("Equity", "RetainedEarnings") == "equity_unaffected"
    assert odoo_type("Other Current Asset", "PrepaidExpenses") == "asset_prepayments"
    assert odoo_type("Cost of Goods Sold") == "expense_direct_cost"


def test_new_account_codes_take_quickbooks_number_when_free():
    assert new_account_code(qbo("7", "Equipment", "Fixed Asset", number="1500"), {"1000"}) == "1500"
    assert new_account_code(qbo("7", "Equipment", "Fixed Asset", number="1500"), {"1500"}) == "QBO7"
    assert new_account_code(qbo("7", "Equipment", "Fixed Asset"), {"QBO7"}) == "QBO7.2"


def test_parties_match_by_email_then_tax_number_then_name_once_each():
    odoo = [
        Party(1, "Amy's Bakery", email="amy@example.com"),
        Party(2, "Bill's Garage", vat="US123456789"),
        Party(3, "Carla's Studio"),
    ]
    found = match_parties(
        [
            Party("a", "Amy's Bakery Inc", email="AMY@example.com "),
            Party("b", "B. Garage", vat="US-123456789"),
            Party("c", "carla's  studio"),
            Party("d", "Carla's Studio"),  # the same name again: Carla's is taken
            Party("e", "Masked", vat="XXXXXX6789"),  # QuickBooks masks tax numbers: nothing to match
        ],
        odoo,
    )
    assert found == {
        "a": Match(1, "email"),
        "b": Match(2, "vat"),
        "c": Match(3, "name"),
        "d": Match(None, "new"),
        "e": Match(None, "new"),
    }


def test_items_match_by_sku_then_name_and_bound_ones_stay_bound():
    odoo = [Party(1, "Widget", sku="W-1"), Party(2, "Gadget"), Party(3, "Consulting")]
    found = match_parties(
        [Party("i1", "Widget XL", sku="w-1"), Party("i2", "Gadget"), Party("i3", "Hours")],
        odoo,
        keys=("sku", "name"),
        bound={"i3": 3},
    )
    assert found == {"i1": Match(1, "sku"), "i2": Match(2, "name"), "i3": Match(3, "bound")}
