"""One line of a books comparison: an account of the trial balance, an account in one month of the profit and
loss, or a customer's or vendor's open balance; both sides' amounts, the difference, what explains it.

Amounts are in the company's currency and in the account's natural sign (credit positive on liabilities,
equity and income; what a vendor is owed positive).  The line's form is the drill-down: Odoo's journal items of
its accounts and period next to the QuickBooks transactions the run read from QuickBooks' GeneralLedger.
"""

from odoo import api, fields, models

from .. import const
from ..tools.access import check_manager, check_user

SECTIONS = [
    ("trial_balance", "Trial Balance"),
    ("profit_loss", "Profit and Loss"),
    ("receivable", "Receivables Aging"),
    ("payable", "Payables Aging"),
]
ACCOUNT_GROUPS = [
    ("asset", "Assets"),
    ("liability", "Liabilities"),
    ("equity", "Equity"),
    ("income", "Income"),
    ("expense", "Expenses"),
    ("customer", "Customers"),
    ("vendor", "Vendors"),
]
LINE_STATES = [("match", "Match"), ("explained", "Explained"), ("unexplained", "Unexplained")]
MAPPINGS = [
    ("mapped", "Mapped"),
    ("odoo_only", "Odoo account not mapped"),
    ("qbo_only", "QuickBooks account nothing maps to"),
    ("bound", "Linked"),
    ("odoo_partner", "Not in QuickBooks"),
    ("qbo_party", "Not linked to an Odoo partner"),
    ("unapplied", "Unapplied payments"),
]


class QuickbooksBooksLine(models.Model):
    _name = "quickbooks.books.line"
    _description = "QuickBooks books comparison line"
    _order = "reconciliation_id desc, section_sequence, sequence, id"

    reconciliation_id = fields.Many2one(
        "quickbooks.reconciliation", "Run", required=True, index=True, ondelete="cascade", readonly=True
    )
    backend_id = fields.Many2one(related="reconciliation_id.backend_id", store=True, string="Connection")
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    run_date = fields.Date(
        related="reconciliation_id.books_date",
        store=True,
        string="Compared On",
        help="The date both books are read at.",
    )
    latest = fields.Boolean(
        "Latest Run", index=True, readonly=True, help="This line belongs to the connection's latest books comparison."
    )
    section = fields.Selection(SECTIONS, required=True, readonly=True, index=True)
    section_sequence = fields.Integer(readonly=True)
    sequence = fields.Integer(readonly=True)
    name = fields.Char("Account", required=True, readonly=True)
    period = fields.Char(readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    qbo_account_id = fields.Many2one("quickbooks.qbo.account", "QuickBooks Account", readonly=True, ondelete="set null")
    account_ids = fields.Many2many("account.account", string="Odoo Accounts", readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True, ondelete="set null")
    qbo_party_id = fields.Char("QuickBooks Customer/Vendor ID", readonly=True)
    account_group = fields.Selection(ACCOUNT_GROUPS, "Account Type", readonly=True, index=True)
    mapping = fields.Selection(MAPPINGS, readonly=True)
    normal_side = fields.Selection(
        [("debit", "Debit"), ("credit", "Credit")],
        readonly=True,
        help="Amounts are shown positive on this side (credit: liabilities, equity, income, vendors).",
    )
    odoo_amount = fields.Monetary("Odoo", readonly=True)
    qbo_amount = fields.Monetary("QuickBooks", readonly=True)
    difference = fields.Monetary(readonly=True, help="Odoo minus QuickBooks.")
    explained_amount = fields.Monetary("Explained", readonly=True)
    unexplained_amount = fields.Monetary("Unexplained", readonly=True)
    unexplained_abs = fields.Monetary(
        "Unexplained (absolute)",
        readonly=True,
        help="The unexplained difference without its sign: what the graph adds up (signed differences of a "
        "balanced trial balance would cancel out).",
    )
    state = fields.Selection(LINE_STATES, readonly=True, index=True)
    explanation_ids = fields.One2many("quickbooks.books.explanation", "line_id", "Explanations", readonly=True)
    explanation_summary = fields.Char("Explanation", readonly=True)
    note = fields.Char(readonly=True, help="What the Odoo amount counts besides the mapped accounts' journal items.")
    ledger_accounts = fields.Char(
        "QuickBooks Accounts Read",
        readonly=True,
        help="Ids of the QuickBooks accounts whose GeneralLedger lists the transactions.",
    )
    ledger_row_ids = fields.One2many("quickbooks.books.ledger.row", "line_id", "QuickBooks Transactions", readonly=True)
    ledger_fetched = fields.Boolean("QuickBooks Transactions Read", readonly=True)
    ledger_note = fields.Char("About the QuickBooks Transactions", readonly=True)
    cumulative = fields.Boolean(
        readonly=True, help="A balance sheet account: its balance counts every year, not only the period's."
    )
    qbo_opening = fields.Monetary("QuickBooks Beginning Balance", readonly=True)
    odoo_item_ids = fields.Many2many(
        "account.move.line", string="Odoo Journal Items", compute="_compute_odoo_items", compute_sudo=False
    )
    odoo_opening = fields.Monetary("Odoo Beginning Balance", compute="_compute_odoo_items")
    odoo_item_note = fields.Char(compute="_compute_odoo_items")

    # ------------------------------------------------------------------ the drill-down
    def _item_domain(self, before=False):
        """Journal items behind the Odoo amount: posted, of the line's accounts (a customer's or vendor's
        trade account), in its period (``before``: up to the period)."""
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id), ("parent_state", "=", "posted")]
        if self.mapping == "unapplied":  # payments' and statement lines' open credit
            return [
                *domain,
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("balance", "<", 0),
                ("move_id.move_type", "=", "entry"),
                ("date", "<=", self.period_end),
            ]
        if self.section in ("receivable", "payable"):
            kind = "asset_receivable" if self.section == "receivable" else "liability_payable"
            domain += [("account_id.account_type", "=", kind), ("account_id.non_trade", "=", False)]
            domain.append(("partner_id.commercial_partner_id", "=", self.partner_id.id or False))
        else:
            domain.append(("account_id", "in", self.account_ids.ids))
        if before:
            return [*domain, ("date", "<", self.period_start)] if self.period_start else None
        if self.period_start:
            domain.append(("date", ">=", self.period_start))
        if self.period_end:
            domain.append(("date", "<=", self.period_end))
        return domain

    @api.depends("account_ids", "period_start", "period_end", "partner_id", "section", "cumulative", "normal_side")
    def _compute_odoo_items(self):
        Item = self.env["account.move.line"]
        for line in self:
            line.odoo_item_ids = line.odoo_opening = False
            line.odoo_item_note = False
            domain = line._item_domain() if line.id else None
            if not domain or (not line.account_ids and line.section in ("trial_balance", "profit_loss")):
                continue
            items = Item.search(domain, order="date, move_id, id", limit=const.BOOKS_DRILLDOWN_ITEMS + 1)
            line.odoo_item_ids = items[: const.BOOKS_DRILLDOWN_ITEMS]
            if len(items) > const.BOOKS_DRILLDOWN_ITEMS:
                line.odoo_item_note = self.env._(
                    "The first %s journal items are shown: open them all in a list.", const.BOOKS_DRILLDOWN_ITEMS
                )
            before = line._item_domain(before=True)
            if before and line.cumulative:
                opening = sum(amount for (amount,) in Item._read_group(before, [], ["balance:sum"]) if amount)
                line.odoo_opening = -opening if line.normal_side == "credit" else opening

    def action_open_ledgers(self):
        """Open the line with Odoo's journal items and QuickBooks' transactions of its account and period.

        :raise AccessError: if the user is not a QuickBooks user allowed to read the line
        """
        self.ensure_one()
        check_user(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("%(account)s: both ledgers", account=self.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("quickbooks_connector.view_quickbooks_books_line_form").id, "form")],
            "target": "current",
        }

    def action_open_odoo_items(self):
        """Every Odoo journal item behind the line's Odoo amount, in a list.

        :raise AccessError: if the user is not a QuickBooks user allowed to read the line
        """
        self.ensure_one()
        check_user(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Journal items: %s", self.name),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "domain": self._item_domain(),
            "context": {"search_default_group_by_account": 0},
        }

    def action_fetch_quickbooks_ledger(self):
        """Read the QuickBooks transactions of this line's account and period again, now.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if QuickBooks cannot be read
        """
        self.ensure_one()
        check_manager(self)
        self.reconciliation_id.sudo()._books_read_ledgers(self.sudo())
        return self.action_open_ledgers()
