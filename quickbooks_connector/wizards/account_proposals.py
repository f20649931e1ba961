"""Which QuickBooks account an Odoo account should be mapped to, how sure that is, and why.

An account is proposed from what it is *for* in Odoo (its role: the company's receivable, a sales
tax's account, the exchange difference accounts, a bank journal's account...) matched against
QuickBooks' detail type (``AccountSubType``), then from its number and its name, the account types
having to agree; a match on the account type alone is only a suggestion.  Only certain proposals are
taken by "Accept All Proposals"; the others wait for the user, with the reason.
"""

from dataclasses import dataclass

from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)

# Odoo account type -> the QuickBooks AccountTypes an account of that type can be mapped to.
COMPATIBLE_TYPES = {
    "income": ("Income", "Other Income"),
    "income_other": ("Other Income", "Income"),
    "expense": ("Expense", "Other Expense", "Cost of Goods Sold"),
    "expense_other": ("Other Expense", "Expense"),
    "expense_direct_cost": ("Cost of Goods Sold", "Expense"),
    "expense_depreciation": ("Expense", "Other Expense"),
    "asset_receivable": ("Accounts Receivable", "Other Current Asset", "Other Current Liability"),
    "asset_cash": ("Bank",),
    "asset_current": ("Other Current Asset", "Bank", "Other Current Liability"),
    "asset_prepayments": ("Other Current Asset",),
    "asset_fixed": ("Fixed Asset",),
    "asset_non_current": ("Other Asset",),
    "liability_payable": ("Accounts Payable", "Other Current Liability"),
    "liability_current": ("Other Current Liability", "Credit Card"),
    "liability_credit_card": ("Credit Card",),
    "liability_non_current": ("Long Term Liability",),
    "equity": ("Equity",),
    "equity_unaffected": ("Equity",),
}
# QuickBooks detail types that carry a purpose of their own: proposed only for that purpose, never
# because the account type alone matches.
SPECIAL_SUBTYPES = {
    "AccountsReceivable",
    "AccountsPayable",
    "UndepositedFunds",
    "SalesTaxPayable",
    "GlobalTaxPayable",
    "GlobalTaxSuspense",
    "ExchangeGainOrLoss",
    "DiscountsRefundsGiven",
    "UnappliedCashPaymentIncome",
    "OpeningBalanceEquity",
    "RetainedEarnings",
}
TAX_SUBTYPES = ("SalesTaxPayable", "GlobalTaxPayable", "GlobalTaxSuspense")


@dataclass(frozen=True)
class Role:
    """What an Odoo account is for, and what QuickBooks account serves the same purpose."""

    key: str
    label: object  # a lazy translation
    qbo_types: tuple = ()  # AccountTypes that serve it
    qbo_subtypes: tuple = ()  # ... narrowed to these detail types (preferred, in order)
    only_subtypes: bool = False  # nothing but those detail types will do
    one_of_type_is_certain: bool = False  # the only active account of the type is the right one
    forbid_types: tuple = ()  # AccountTypes it must never go to
    none_note: object = None  # why nothing is proposed when no account serves it (lazy translation)
    purpose_is_certain: bool = True  # False when the role is only guessed from the account type


ROLES = {
    "receivable": Role(
        "receivable",
        _lt("customer receivables"),
        ("Accounts Receivable",),
        ("AccountsReceivable",),
        one_of_type_is_certain=True,
    ),
    "payable": Role(
        "payable", _lt("vendor payables"), ("Accounts Payable",), ("AccountsPayable",), one_of_type_is_certain=True
    ),
    "non_trade": Role(
        "non_trade",
        _lt("a receivable or payable that is not a customer's or a vendor's"),
        ("Other Current Asset", "Other Current Liability"),
        forbid_types=("Accounts Receivable", "Accounts Payable"),
        none_note=_lt(
            "QuickBooks' A/R and A/P accounts hold customers' and vendors' documents only: create an Other "
            "Current Asset (or Liability) account for it in QuickBooks, then map it."
        ),
    ),
    "tax": Role(
        "tax",
        _lt("sales tax (collected, due or to recover)"),
        ("Other Current Liability",),
        TAX_SUBTYPES,
        only_subtypes=True,
        none_note=_lt("No QuickBooks tax liability account (detail type Sales Tax Payable) was found."),
    ),
    "purchase_tax_us": Role(
        "purchase_tax_us",
        _lt("tax paid on purchases"),
        none_note=_lt(
            "A US QuickBooks company books the tax of a bill as part of its expense: map this account to "
            "the expense account that should carry it."
        ),
    ),
    "exchange": Role(
        "exchange",
        _lt("exchange differences"),
        ("Other Expense", "Other Income"),
        ("ExchangeGainOrLoss",),
        only_subtypes=True,
        none_note=_lt(
            "QuickBooks books exchange differences on its system account Exchange Gain or Loss, which "
            "appears once multicurrency is on."
        ),
    ),
    "sales": Role(
        "sales",
        _lt("sales"),
        ("Income",),
        ("SalesOfProductIncome", "ServiceFeeIncome"),
        forbid_types=("Other Income",),
    ),
    "income": Role(
        "income",
        _lt("income"),
        ("Income",),
        ("SalesOfProductIncome", "ServiceFeeIncome"),
        forbid_types=("Other Income",),
        purpose_is_certain=False,
    ),
    "purchases": Role("purchases", _lt("purchases"), ("Expense",), one_of_type_is_certain=True),
    "cost_of_sales": Role(
        "cost_of_sales", _lt("cost of goods sold"), ("Cost of Goods Sold",), one_of_type_is_certain=True
    ),
    "bank": Role("bank", _lt("a bank account"), ("Bank",), ("Checking",), forbid_types=("Other Current Asset",)),
    "cash": Role("cash", _lt("cash on hand"), ("Bank",), ("CashOnHand",)),
    "credit_card": Role("credit_card", _lt("a credit card"), ("Credit Card",), one_of_type_is_certain=True),
    "other_gain": Role(
        "other_gain",
        _lt("a gain that is not a sale (cash difference, discount received)"),
        ("Other Income",),
        forbid_types=("Income",),
        none_note=_lt(
            "Not a sale: it needs an Other Income account in QuickBooks (never a sales income account, "
            "whose Item would carry invoice lines)."
        ),
    ),
    "other_loss": Role(
        "other_loss",
        _lt("a loss that is not an operating expense (cash difference, discount given)"),
        ("Other Expense", "Expense"),
        forbid_types=("Income",),
    ),
}


@dataclass(frozen=True)
class Proposal:
    qbo_account: object  # a quickbooks.qbo.account record (maybe empty)
    reason: str | bool  # number | name | purpose | type | False
    certain: bool
    note: str


def account_roles(env, company, is_us):
    """{account id: role key} of the accounts whose purpose the company's configuration says."""
    roles = {}

    def mark(accounts, role, overwrite=False):
        for account in accounts:
            if account and (overwrite or account.id not in roles):
                roles[account.id] = role

    Tax = env["account.tax"].sudo().with_context(active_test=False)
    taxes = Tax.search([("company_id", "=", company.id)])
    repartition = taxes.mapped("invoice_repartition_line_ids") | taxes.mapped("refund_repartition_line_ids")
    sale_lines = repartition.filtered(lambda line: line.tax_id.type_tax_use == "sale")
    purchase_lines = repartition.filtered(lambda line: line.tax_id.type_tax_use == "purchase")
    groups = taxes.tax_group_id
    mark(company.income_currency_exchange_account_id | company.expense_currency_exchange_account_id, "exchange")
    mark(groups.tax_payable_account_id | groups.tax_receivable_account_id, "tax")
    mark(groups.advance_tax_payment_account_id, "tax")
    mark(sale_lines.account_id, "tax")
    mark(purchase_lines.account_id, "purchase_tax_us" if is_us else "tax")
    Journal = env["account.journal"].sudo()
    journals = Journal.search([("company_id", "=", company.id)])
    mark(journals.filtered(lambda j: j.type == "bank").default_account_id, "bank")
    mark(journals.filtered(lambda j: j.type == "cash").default_account_id, "cash")
    mark(journals.filtered(lambda j: j.type == "credit").default_account_id, "credit_card")
    mark(
        company.default_cash_difference_income_account_id
        | journals.profit_account_id
        | company.account_journal_early_pay_discount_gain_account_id,
        "other_gain",
    )
    mark(
        company.default_cash_difference_expense_account_id
        | journals.loss_account_id
        | company.account_journal_early_pay_discount_loss_account_id,
        "other_loss",
    )
    mark(company.income_account_id | journals.filtered(lambda j: j.type == "sale").default_account_id, "sales")
    mark(company.expense_account_id | journals.filtered(lambda j: j.type == "purchase").default_account_id, "purchases")
    return roles


def default_role(account):
    """The role an account's type alone gives it (when the configuration says nothing)."""
    kind = account.account_type
    if kind == "asset_receivable":
        return "non_trade" if account.non_trade else "receivable"
    if kind == "liability_payable":
        return "non_trade" if account.non_trade else "payable"
    return {
        "income": "income",
        "expense_direct_cost": "cost_of_sales",
        "liability_credit_card": "credit_card",
        "asset_cash": "bank",
    }.get(kind)


def _fits(qbo, account, role):
    """Whether ``qbo`` can take ``account`` at all (types agree, the role forbids nothing)."""
    if qbo.account_type not in COMPATIBLE_TYPES.get(account.account_type, ()):
        return False
    if role and qbo.account_type in role.forbid_types:
        return False
    special = qbo.account_subtype in SPECIAL_SUBTYPES
    return not special or bool(role and qbo.account_subtype in role.qbo_subtypes)


def propose(env, account, role_key, qbo_accounts):
    """The :class:`Proposal` for ``account`` among ``qbo_accounts`` (a quickbooks.qbo.account recordset)."""
    role = ROLES.get(role_key) if role_key else None
    active = qbo_accounts.filtered("qbo_active")
    empty = qbo_accounts.browse()
    code = (account.code or "").strip()
    by_number = active.filtered(lambda q: code and (q.acct_num or "").strip() == code and _fits(q, account, role))
    if by_number:
        return Proposal(by_number[0], "number", True, env._("Same account number."))
    name = (account.name or "").strip().lower()
    by_name = active.filtered(
        lambda q: (
            name
            and name in {(q.name or "").strip().lower(), (q.fully_qualified_name or "").strip().lower()}
            and _fits(q, account, role)
        )
    )
    if by_name:
        return Proposal(by_name[0], "name", True, env._("Same account name."))
    if role:
        serving = active.filtered(
            lambda q: (
                q.account_type in role.qbo_types
                # A purpose QuickBooks serves with one account of its own (exchange differences: gains and
                # losses on one Other Expense account) takes it whatever Odoo's type.
                and (
                    role.only_subtypes
                    or q.account_type in COMPATIBLE_TYPES.get(account.account_type, (q.account_type,))
                )
                and (q.account_subtype not in SPECIAL_SUBTYPES or q.account_subtype in role.qbo_subtypes)
            )
        )
        for subtype in role.qbo_subtypes:
            exact = serving.filtered(lambda q, subtype=subtype: q.account_subtype == subtype)
            if len(exact) == 1 and role.purpose_is_certain:
                return Proposal(
                    exact,
                    "purpose",
                    True,
                    env._("Used in Odoo for %s: the QuickBooks account of that kind.", env._(role.label)),
                )
            if len(exact) == 1:
                note = env._("An %s account: the QuickBooks account of that kind fits; check.", env._(role.label))
                return Proposal(exact, "type", False, note)
            if exact:
                return Proposal(
                    exact[0],
                    "purpose",
                    False,
                    env._(
                        "Used in Odoo for %s: several QuickBooks accounts are of that kind; check.", env._(role.label)
                    ),
                )
        if role.only_subtypes or not role.qbo_types:
            return Proposal(
                empty,
                False,
                False,
                env._(role.none_note)
                if role.none_note
                else env._("No QuickBooks account serves %s.", env._(role.label)),
            )
        if len(serving) == 1 and role.one_of_type_is_certain:
            return Proposal(
                serving,
                "purpose",
                True,
                env._("Used in Odoo for %s: the only QuickBooks account of that type.", env._(role.label)),
            )
        if serving:
            return Proposal(
                serving[0],
                "type",
                False,
                env._("Used in Odoo for %s; only the account type matches: check.", env._(role.label)),
            )
        if role.none_note:
            return Proposal(empty, False, False, env._(role.none_note))
    by_type = active.filtered(lambda q: _fits(q, account, role))
    if by_type:
        return Proposal(by_type[0], "type", False, env._("Only the account type matches: check."))
    return Proposal(
        empty, False, False, env._("No active QuickBooks account of a matching type: create one, then reopen.")
    )
