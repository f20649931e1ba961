"""Where each Odoo account is compared in the books comparison, and what a line to store holds.

An Odoo account is compared:

* mapped to a QuickBooks account: with it (many Odoo accounts may map to one QuickBooks account);
* not mapped, but the outstanding receipts or payments account of bank, cash or card journals whose own
  account is mapped to one QuickBooks account (the account of their payment methods, or the one their
  payments took from the chart when a method names none): with that one, because the connector deposits
  those journals' payments there;
* otherwise on a line of its own, explained as not mapped.

The fiscal year is QuickBooks'.  QuickBooks closes each year's income and expenses into Retained Earnings
without a transaction, and its TrialBalance shows them from the first day of the fiscal year; Odoo posts no
closing entry (its reports show the earlier years' result on the unaffected earnings account).  So that
like is compared with like, the journal items of an Odoo account mapped to a QuickBooks income or expense
account that are dated before the fiscal year are compared with QuickBooks' Retained Earnings; those of an
unmapped Odoo income or expense account go where Odoo's unaffected earnings account is compared, explained
as not mapped.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..qbo import books, reports
from . import books_figures as figures

CLASS_GROUPS = {
    "Asset": "asset",
    "Liability": "liability",
    "Equity": "equity",
    "Revenue": "income",
    "Expense": "expense",
}
ODOO_GROUPS = (("asset", "asset"), ("liability", "liability"), ("equity", "equity"), ("income", "income"))


def odoo_group(account_type: str) -> str:
    for prefix, group in ODOO_GROUPS:
        if (account_type or "").startswith(prefix):
            return group
    return "expense" if (account_type or "").startswith("expense") else "asset"


def decimal(value) -> Decimal:
    return Decimal(str(value or 0))


@dataclass
class LineSpec:
    """A line to store: its comparison and what the screen shows of it."""

    section: str
    key: tuple
    name: str
    comparison: books.Comparison
    account_group: str
    mapping: str
    normal_side: str = "debit"
    period: str = ""
    period_start: date | None = None
    period_end: date | None = None
    cumulative: bool = False
    qbo_account: object = None
    account_ids: list = field(default_factory=list)
    partner_id: int | None = None
    qbo_party_id: str | None = None
    note: str = ""
    entries: dict = field(default_factory=dict)  # status -> [(move id, move name, amount, sync record id)]
    counts: dict = field(default_factory=dict)  # status -> number of entries
    ledger_accounts: tuple = ()  # QuickBooks account Ids whose GeneralLedger shows the line's transactions
    qbo_only_rows: list = field(default_factory=list)  # what QuickBooks alone holds, described
    elsewhere_rows: list = field(default_factory=list)  # payments QuickBooks keeps on an unmapped account
    unposted_rows: list = field(default_factory=list)  # QuickBooks transactions whose Odoo entry is not posted


class Chart:
    """The connection's copy of QuickBooks' chart of accounts, by Id."""

    def __init__(self, env, backend):
        accounts = env["quickbooks.qbo.account"].sudo().search([("backend_id", "=", backend.id)])
        self.by_id = {account.qbo_id: account for account in accounts}
        retained = accounts.filtered(lambda a: a.account_subtype == "RetainedEarnings" and a.qbo_active)
        self.retained_earnings = retained[:1].qbo_id or None

    def label(self, qbo_id: str) -> str:
        account = self.by_id.get(qbo_id)
        if not account:
            return qbo_id
        return (
            f"{account.acct_num} {account.fully_qualified_name or account.name}"
            if account.acct_num
            else (account.fully_qualified_name or account.name)
        )

    def classification(self, qbo_id: str) -> str:
        account = self.by_id.get(qbo_id)
        return (account.classification or "") if account else ""

    def of_type(self, account_type: str) -> list[str]:
        return [qbo_id for qbo_id, account in self.by_id.items() if account.account_type == account_type]


class Routes:
    """Where each Odoo account is compared (see the module's docstring)."""

    def __init__(self, env, backend, chart: Chart):
        self.env = env
        self.chart = chart
        company = backend.company_id
        self.accounts_model = env["account.account"].sudo().with_company(company)  # codes are per company
        mappings = (
            env["quickbooks.account.mapping"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("qbo_account_id", "!=", False)])
        )
        self.mapped = {mapping.account_id.id: mapping.qbo_account_id.qbo_id for mapping in mappings}
        self.derived, self.derived_note = self._outstanding_accounts(env, company)
        unaffected = (
            env["account.account"]
            .sudo()
            .with_company(company)
            .search([("company_ids", "in", company.id), ("account_type", "=", "equity_unaffected")], limit=1)
        )
        self.unaffected = unaffected.id or None
        self.targets = set(self.mapped.values()) | set(self.derived.values())
        self.members: dict[str, list[int]] = {}
        for account, target in (*self.mapped.items(), *self.derived.items()):
            self.members.setdefault(target, []).append(account)
        self._routes: dict[int, books.Route] = {}
        self._accounts: dict[int, object] = {}

    def _outstanding_accounts(self, env, company):
        """{outstanding account id: the QuickBooks account its journal's payments are deposited to}, for
        the outstanding accounts no mapping names, and the journals each one serves.

        A journal's outstanding accounts are those of its payment methods and those its payments really
        used: without the Accounting app, a payment method without an outstanding account takes the chart's
        (``account_journal_payment_debit_account_id``/``..._credit_...``, or the transfer account) when the
        payment is made (Odoo's ``account.payment._get_outstanding_account``)."""
        targets: dict[int, set[str]] = {}
        journals_of: dict[int, list[str]] = {}
        journals = (
            env["account.journal"]
            .sudo()
            .search([("company_id", "=", company.id), ("type", "in", ("bank", "cash", "credit"))])
        )
        used = {
            (journal.id, account.id)
            for journal, account in env["account.payment"]
            .sudo()
            ._read_group(
                [("journal_id", "in", journals.ids), ("outstanding_account_id", "!=", False)],
                ["journal_id", "outstanding_account_id"],
            )
        }
        for journal in journals:
            target = self.mapped.get(journal.default_account_id.id)
            if not target:
                continue
            accounts = (journal.inbound_payment_method_line_ids | journal.outbound_payment_method_line_ids).mapped(
                "payment_account_id"
            ) | env["account.account"].sudo().browse(sorted(a for j, a in used if j == journal.id))
            for account in accounts:
                if account.id not in self.mapped:
                    targets.setdefault(account.id, set()).add(target)
                    journals_of.setdefault(account.id, []).append(journal.name)
        derived = {account: next(iter(found)) for account, found in targets.items() if len(found) == 1}
        notes = {account: sorted(set(journals_of[account])) for account in derived}
        return derived, notes

    def prefetch(self, account_ids) -> None:
        """Read the accounts of ``account_ids`` together (one query, not one per account)."""
        accounts = self.accounts_model.browse(sorted(set(account_ids) - set(self._accounts)))
        for account in accounts:
            self._accounts[account.id] = account

    def account(self, account_id: int):
        if account_id not in self._accounts:
            self._accounts[account_id] = self.accounts_model.browse(account_id)
        return self._accounts[account_id]

    def target(self, account_id: int) -> str | None:
        return self.mapped.get(account_id) or self.derived.get(account_id)

    def route(self, account_id: int) -> books.Route:
        if account_id in self._routes:
            return self._routes[account_id]
        target = self.target(account_id)
        retained = self.chart.retained_earnings
        if target:
            closes = self.chart.classification(target) in reports.INCOME_STATEMENT and retained and retained != target
            route = books.Route(("qbo", target), ("qbo", retained) if closes else None)
        else:
            account = self.account(account_id)
            earlier_key = None
            if account.account_type in figures.INCOME_STATEMENT_TYPES and self.unaffected not in (None, account_id):
                earlier_key = self.route(self.unaffected).key
            route = books.Route(("odoo", account_id), earlier_key, "unmapped" if earlier_key else None)
        self._routes[account_id] = route
        return route

    def pl_key(self, account_id: int):
        """Where an income or expense account's month is compared (None: QuickBooks' ProfitAndLoss does not
        show the QuickBooks account it is mapped to)."""
        target = self.target(account_id)
        if target:
            return ("qbo", target) if self.chart.classification(target) in reports.INCOME_STATEMENT else None
        return ("odoo", account_id)

    def closes_into_retained_earnings(self) -> bool:
        """Whether an Odoo account is mapped to a QuickBooks income or expense account (then Retained Earnings
        holds what they had in earlier years, on both sides)."""
        return bool(self.chart.retained_earnings) and any(
            self.chart.classification(target) in reports.INCOME_STATEMENT for target in self.targets
        )
