"""Import a company from QuickBooks into Odoo, in steps a manager reviews (the cutover's first half).

1. *Chart of accounts*: each QuickBooks account matched to an Odoo account (number, name, type) or proposed
   as new; confirmed, the new ones are created (a bank or card account as a journal) and the mapping table
   is filled from it.
2. *Customers, vendors, products* (``quickbooks_import_parties.py``): matched by e-mail, tax number, name
   (items by SKU, name) or created; each one bound to its QuickBooks original, so nothing is sent twice later.
3. *Open documents* (``quickbooks_import_documents.py``): the unpaid invoices, credit memos, bills and
   vendor credits, in jobs of a few dozen, each bound to its original.
4. *Opening balances* (``quickbooks_import_opening.py``): entries that make Odoo's trial balance equal
   QuickBooks' at the cutover date, account by account, and each month's profit and loss equal QuickBooks'.

Every step can be run again: what is bound is not created twice.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..qbo.redact import get_logger
from ..tools import cutover_matching as matching
from ..tools.access import check_backends, check_manager, check_values

_logger = get_logger(__name__)

IMPORT_STATES = [
    ("draft", "Start"),
    ("accounts", "Chart of Accounts"),
    ("parties", "Customers, Vendors, Products"),
    ("documents", "Open Documents and Opening Balances"),
    ("done", "Done"),
]
#: The code of the account the imported documents' other side waits on until the opening balances.
CLEARING_CODE = "QBOCUTOVER"
#: QuickBooks Item Type -> Odoo product type.
PRODUCT_TYPE_OF = {"Service": "service", "NonInventory": "consu", "Inventory": "consu"}


class QuickbooksImport(models.Model):
    _name = "quickbooks.import"
    _description = "Import from QuickBooks"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    backend_id = fields.Many2one("quickbooks.backend", "Connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    cutover_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="Odoo takes over the books from this day: the open documents and the balances are QuickBooks' as "
        "of this date.",
    )
    state = fields.Selection(IMPORT_STATES, default="draft", required=True, readonly=True)
    line_ids = fields.One2many("quickbooks.import.line", "import_id", "Matches")
    account_line_ids = fields.One2many(
        "quickbooks.import.line", "import_id", "Accounts", domain=[("kind", "=", "account")]
    )
    customer_line_ids = fields.One2many(
        "quickbooks.import.line", "import_id", "Customers", domain=[("kind", "=", "customer")]
    )
    vendor_line_ids = fields.One2many(
        "quickbooks.import.line", "import_id", "Vendors", domain=[("kind", "=", "vendor")]
    )
    product_line_ids = fields.One2many(
        "quickbooks.import.line", "import_id", "Products", domain=[("kind", "=", "product")]
    )
    clearing_account_id = fields.Many2one(
        "account.account",
        "Cutover Clearing Account",
        readonly=True,
        help="Where the imported documents' other side waits until the opening balances empty it.",
    )
    summary = fields.Text(readonly=True)

    #: What a manager writes: the cutover date, and the matches through the lists (each line checks its own
    #: fields); the connection when the import is made.  The rest is the import's own, written by its code.
    _quickbooks_writable = frozenset(
        {"cutover_date", "line_ids", "account_line_ids", "customer_line_ids", "vendor_line_ids", "product_line_ids"}
    )
    _quickbooks_on_create = frozenset({"backend_id"})

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, self._quickbooks_writable, self._quickbooks_on_create, create=True)
        default = self.env.context.get("default_backend_id")
        check_backends(self.env, [vals.get("backend_id", default) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable)
        return super().write(vals)

    @api.depends("backend_id", "cutover_date")
    def _compute_name(self):
        for run in self:
            run.name = self.env._(
                "Import of %(company)s at %(date)s", company=run.company_id.name or "", date=run.cutover_date or ""
            )

    # ------------------------------------------------------------------ step 1: chart of accounts
    def action_read_chart(self):
        """Read QuickBooks' chart and propose, for each account, the Odoo account it is (or a new one)."""
        self.ensure_one()
        check_manager(self)
        backend = self._connected_backend()
        self.env["quickbooks.qbo.account"].sudo()._pull_for_backend(backend)
        qbo_accounts = (
            self.env["quickbooks.qbo.account"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("qbo_active", "=", True)], order="id")
        )
        odoo_accounts = self._odoo_accounts()
        mapped = {
            mapping.qbo_account_id.qbo_id: mapping.account_id.id
            for mapping in self.env["quickbooks.account.mapping"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("qbo_account_id", "!=", False)], order="id")
        }
        matches = matching.match_accounts(
            [self._qbo_account_value(account) for account in qbo_accounts],
            [
                matching.OdooAccount(account.id, account.code or "", account.name or "", account.account_type)
                for account in odoo_accounts
            ],
            mapped,
            self._default_party_accounts(),
        )
        self.account_line_ids.sudo().unlink()
        self.env["quickbooks.import.line"].sudo().create(
            [
                {
                    "import_id": self.id,
                    "kind": "account",
                    "qbo_id": account.qbo_id,
                    "qbo_name": account.fully_qualified_name or account.name,
                    "qbo_type": account.account_type,
                    "qbo_account_id": account.id,
                    "account_id": matches[account.qbo_id].odoo_id,
                    "reason": matches[account.qbo_id].reason,
                    "new_account_type": matching.odoo_type(account.account_type, account.account_subtype),
                }
                for account in qbo_accounts
            ]
        )
        self.sudo().state = "accounts"
        return True

    def action_confirm_accounts(self):
        """Create the new accounts (journals for banks and cards), fill the mapping table, then read the
        customers, vendors and items to match."""
        self.ensure_one()
        check_manager(self)
        backend = self._connected_backend()
        lines = self.account_line_ids
        chosen = lines.filtered("account_id")
        twice = {
            account
            for account in chosen.account_id
            if len(chosen.filtered(lambda line, a=account: line.account_id == a)) > 1
        }
        if twice:
            raise UserError(
                self.env._(
                    "One Odoo account can stand for one QuickBooks account only: %s. Choose another account, or "
                    "let the import create one.",
                    ", ".join(account.display_name for account in twice),
                )
            )
        for line in lines - chosen:
            line.sudo().write({"account_id": self._create_account(line).id, "reason": "new"})
        Mappings = self.env["quickbooks.account.mapping"].sudo()
        for line in lines:
            mapping = Mappings.search([("backend_id", "=", backend.id), ("account_id", "=", line.account_id.id)])
            if mapping:
                mapping.qbo_account_id = line.qbo_account_id
            else:
                Mappings.create(
                    {
                        "backend_id": backend.id,
                        "account_id": line.account_id.id,
                        "qbo_account_id": line.qbo_account_id.id,
                    }
                )
        self._ensure_clearing_account()
        # Odoo's sales and purchase taxes get the QuickBooks tax code of the same rate (when one code alone has
        # it), as when a connection's mapping is saved: the connection's Taxes section shows the rest.
        backend._map_taxes_by_rate()
        self._read_parties(backend)
        self.sudo().state = "parties"
        return True

    def _create_account(self, line):
        company = self.company_id
        journal_type = matching.JOURNAL_TYPE_OF.get(line.qbo_type)
        used = set(self._odoo_accounts().mapped("code"))
        code = matching.new_account_code(self._qbo_account_value(line.qbo_account_id), used)
        if journal_type:
            journal = (
                self.env["account.journal"]
                .sudo()
                .create(
                    {
                        "name": line.qbo_name,
                        "type": journal_type,
                        "company_id": company.id,
                        "code": self._free_journal_code(line.qbo_name),
                    }
                )
            )
            journal.default_account_id.sudo().write({"name": line.qbo_name, "code": code})
            return journal.default_account_id
        return (
            self.env["account.account"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "name": line.qbo_name,
                    "code": code,
                    "account_type": line.new_account_type or "asset_current",
                    "company_ids": [(6, 0, company.ids)],
                    "reconcile": line.new_account_type in ("asset_receivable", "liability_payable"),
                }
            )
        )

    def _free_journal_code(self, name):
        Journals = self.env["account.journal"].sudo()
        base = "".join(ch for ch in (name or "QB").upper() if ch.isalnum())[:3] or "QB"
        code, number = base, 1
        while Journals.search_count([("company_id", "=", self.company_id.id), ("code", "=", code)]):
            number += 1
            code = f"{base[:3]}{number}"
        return code

    def _ensure_clearing_account(self):
        """The cutover clearing account (the company's one: a second import uses it again)."""
        if self.clearing_account_id:
            return
        company = self.company_id
        Accounts = self.env["account.account"].sudo().with_company(company)
        account = Accounts.search([("company_ids", "in", company.id), ("code", "=", CLEARING_CODE)], limit=1)
        self.sudo().clearing_account_id = account or Accounts.create(
            {
                "name": self.env._("QuickBooks Cutover Clearing"),
                "code": CLEARING_CODE,
                "account_type": "asset_current",
                "company_ids": [(6, 0, company.ids)],
            }
        )

    # ------------------------------------------------------------------ helpers
    def _default_party_accounts(self):
        """{Odoo type: account} of the receivable and payable accounts a new partner of the company gets."""
        partner = self.env["res.partner"].with_company(self.company_id).new({})
        return {
            "asset_receivable": partner.property_account_receivable_id.id,
            "liability_payable": partner.property_account_payable_id.id,
        }

    def _party_account(self, account_type):
        """The Odoo account the import mapped QuickBooks' A/R (A/P) to, if any."""
        lines = self.account_line_ids.filtered(lambda line: line.account_id.account_type == account_type)
        return lines[:1].account_id

    def _bound(self, backend, entity, res_model):
        """{QuickBooks Id: Odoo id} of the ``entity`` objects bound to a record of ``res_model``."""
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search_read(
                [
                    ("backend_id", "=", backend.id),
                    ("qbo_entity", "=", entity),
                    ("res_model", "=", res_model),
                    ("qbo_id", "!=", False),
                ],
                ["qbo_id", "res_id"],
            )
        )
        return {row["qbo_id"]: row["res_id"] for row in rows}

    def _connected_backend(self):
        backend = self.backend_id.sudo()
        if backend.state != "connected":
            raise UserError(self.env._("Connect to QuickBooks first: the import reads the QuickBooks company."))
        return backend

    def _odoo_accounts(self):
        return (
            self.env["account.account"]
            .sudo()
            .with_company(self.company_id)
            .search([("company_ids", "in", self.company_id.id)])
        )

    @api.model
    def _qbo_account_value(self, account):
        return matching.QboAccount(
            account.qbo_id,
            account.name or "",
            account.acct_num or "",
            account.account_type or "",
            account.account_subtype or "",
            account.fully_qualified_name or "",
        )


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # the import's entry point

    def action_open_import(self):
        """The connection's import from QuickBooks: the one under way, else a new one."""
        self.ensure_one()
        check_manager(self)
        self._ensure_connected()
        Imports = self.env["quickbooks.import"]
        run = Imports.search([("backend_id", "=", self.id), ("state", "!=", "done")], limit=1)
        run = run or Imports.create({"backend_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import from QuickBooks"),
            "res_model": "quickbooks.import",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
