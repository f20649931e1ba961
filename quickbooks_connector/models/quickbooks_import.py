"""Import a company from QuickBooks into Odoo, in steps a manager reviews (the cutover's first half).

1. *Chart of accounts*: each QuickBooks account matched to an Odoo account (number, name, type) or proposed
   as new; confirmed, the new ones are created (a bank or card account as a journal) and the mapping table
   is filled from it.
2. *Customers, vendors, products*: matched by e-mail, tax number, name (items by SKU, name) or created;
   each one bound to its QuickBooks original, so nothing is sent twice later.
3. *Open documents* (``quickbooks_import_documents.py``): the unpaid invoices, credit memos, bills and
   vendor credits, in jobs of a few dozen, each bound to its original.
4. *Opening balances* (``quickbooks_import_opening.py``): entries that make Odoo's trial balance equal
   QuickBooks' at the cutover date, account by account, and each month's profit and loss equal QuickBooks'.

Every step can be run again: what is bound is not created twice.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..adapters.entities import owned
from ..adapters.sides import PAYABLE, RECEIVABLE
from ..qbo.redact import get_logger
from ..tools import cutover_matching as matching
from ..tools.access import check_backends, check_manager, check_values
from ..tools.jobs import enqueue, job
from ..tools.statistics import refresh_statistics

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

    # ------------------------------------------------------------------ step 2: customers, vendors, products
    def _read_parties(self, backend):
        client = backend._qbo_client()
        Partners = self.env["res.partner"].sudo().with_context(active_test=False)
        partners = Partners.search([("company_id", "in", (False, self.company_id.id)), ("is_company", "=", True)])
        partners |= Partners.search([("company_id", "in", (False, self.company_id.id)), ("parent_id", "=", False)])
        odoo_parties = [
            matching.Party(partner.id, partner.name or "", partner.email or "", partner.vat or "")
            for partner in partners
        ]
        self.line_ids.filtered(lambda line: line.kind != "account").sudo().unlink()
        values = []
        for kind, entity, tax_field in (
            ("customer", "Customer", "PrimaryTaxIdentifier"),
            ("vendor", "Vendor", "TaxIdentifier"),
        ):
            found = list(client.query_all(entity, "Active = true"))
            parties = [
                matching.Party(
                    str(obj["Id"]),
                    obj.get("DisplayName") or "",
                    (obj.get("PrimaryEmailAddr") or {}).get("Address") or "",
                    obj.get(tax_field) or "",
                )
                for obj in found
            ]
            matches = matching.match_parties(parties, odoo_parties, bound=self._bound(backend, entity, "res.partner"))
            values += [
                {
                    "import_id": self.id,
                    "kind": kind,
                    "qbo_id": str(obj["Id"]),
                    "qbo_name": obj.get("DisplayName") or "",
                    "qbo_email": (obj.get("PrimaryEmailAddr") or {}).get("Address") or "",
                    "partner_id": matches[str(obj["Id"])].odoo_id,
                    "reason": matches[str(obj["Id"])].reason,
                }
                for obj in found
            ]
        Products = self.env["product.product"].sudo().with_context(active_test=False)
        products = Products.search([("company_id", "in", (False, self.company_id.id))])
        items = [item for item in client.query_all("Item", "Active = true") if item.get("Type") in PRODUCT_TYPE_OF]
        matches = matching.match_parties(
            [matching.Party(str(item["Id"]), item.get("Name") or "", sku=item.get("Sku") or "") for item in items],
            [matching.Party(product.id, product.name or "", sku=product.default_code or "") for product in products],
            keys=("sku", "name"),
            bound=self._bound(backend, "Item", "product.product"),
        )
        values += [
            {
                "import_id": self.id,
                "kind": "product",
                "qbo_id": str(item["Id"]),
                "qbo_name": item.get("Name") or "",
                "qbo_type": item.get("Type"),
                "qbo_sku": item.get("Sku") or "",
                "product_id": matches[str(item["Id"])].odoo_id,
                "reason": matches[str(item["Id"])].reason,
            }
            for item in items
        ]
        self.env["quickbooks.import.line"].sudo().create(values)

    def action_confirm_parties(self):
        """Queue the creation of the new customers, vendors and products (each bound to its QuickBooks
        original), then the import of the open documents."""
        self.ensure_one()
        check_manager(self)
        self._connected_backend()
        self.sudo().state = "documents"
        self.sudo().documents_started_at = fields.Datetime.now()
        enqueue(self, self.env._("QuickBooks import: customers, vendors and products"))._quickbooks_import_parties_job()
        return True

    @job
    def _quickbooks_import_parties_job(self, after=0):
        """Job: create and bind the next customers, vendors and products the review kept (``IMPORT_PARTY_CHUNK``
        at a time, in the order of their lines after line ``after``, then the next job), then list the open
        documents.  What is bound already (an earlier try) is skipped; one QuickBooks deleted since is left."""
        self.ensure_one()
        backend = self._connected_backend()
        entities = {"customer": "Customer", "vendor": "Vendor", "product": "Item"}
        bound = self._bound_party_ids(list(entities.values()))
        pending = self.line_ids.sorted("id").filtered(
            lambda line: line.id > after and line.kind in entities and (entities[line.kind], line.qbo_id) not in bound
        )
        chunk = pending[: const.IMPORT_PARTY_CHUNK]

        def work():
            client = backend._qbo_client()
            for kind, entity in entities.items():
                lines = chunk.filtered(lambda line, k=kind: line.kind == k)
                if not lines:
                    continue
                found = client.find_in(entity, "Id", lines.mapped("qbo_id"))
                for line in lines:
                    qbo_object = (found.get(line.qbo_id) or [None])[0]
                    if qbo_object is None:
                        continue
                    if entity == "Item":
                        self._bind_product(backend, line, qbo_object)
                    else:
                        partner = self._bind_party(backend, entity, qbo_object, line.partner_id)
                        line.sudo().write({"partner_id": partner.id, "reason": line.reason})

        self.env["quickbooks.push"]._run(backend, self.env["quickbooks.sync.state"], work)
        refresh_statistics(self.env, ("res_partner", "product_template", "product_product", "quickbooks_sync_state"))
        if len(pending) > len(chunk):
            enqueue(
                self, self.env._("QuickBooks import: customers, vendors and products (continued)")
            )._quickbooks_import_parties_job(after=chunk[-1].id)
        else:
            self._queue_documents()
        return self.env._("%s customer(s), vendor(s) and product(s) bound", len(chunk))

    def _bound_party_ids(self, entities):
        """{(QuickBooks entity, Id)} of the customers, vendors and items bound to Odoo records."""
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search_read(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("qbo_entity", "in", entities),
                    ("qbo_id", "!=", False),
                    ("res_model", "in", ("res.partner", "product.product")),
                ],
                ["qbo_entity", "qbo_id"],
            )
        )
        return {(row["qbo_entity"], row["qbo_id"]) for row in rows}

    @api.model
    def _bind_party(self, backend, entity, qbo_object, partner=None):
        """The Odoo partner of this QuickBooks customer (vendor), bound to it: the one bound already (a second
        run, or one Odoo sent), else ``partner``, else a new one made of QuickBooks' values."""
        side = RECEIVABLE if entity == "Customer" else PAYABLE
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        bound = SyncRecords._binding_for_qbo(backend, entity, qbo_object["Id"])
        if bound and bound.res_model == "res.partner":
            return self.env["res.partner"].browse(bound.res_id)
        Partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True, **{const.IMPORT_CONTEXT: True})
        )
        partner = partner or Partners.create(self._partner_values(qbo_object, side))
        rank = "customer_rank" if side is RECEIVABLE else "supplier_rank"
        if not partner[rank]:
            Partners.browse(partner.id)[rank] = 1
        home = backend.company_id.currency_id
        code = (qbo_object.get("CurrencyRef") or {}).get("value") or home.name
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        key = self.env["quickbooks.push"]._customer_key(backend, currency or home, side)
        row = SyncRecords._binding_for(backend, partner, entity, key=key)
        if not row.qbo_id:
            row._mark_done(qbo_object, owned(entity, qbo_object), origin="qbo")
        return partner

    @api.model
    def _partner_values(self, qbo_object, side):
        address = qbo_object.get("BillAddr") or {}
        country = self.env["res.country"].search(
            [("code", "in", ("US",) if address.get("Country") in ("USA", "US") else (address.get("Country") or "",))],
            limit=1,
        )
        state = (
            self.env["res.country.state"].search(
                [("country_id", "=", country.id), ("code", "=", address.get("CountrySubDivisionCode"))], limit=1
            )
            if country
            else self.env["res.country.state"]
        )
        return {
            "name": qbo_object.get("DisplayName") or qbo_object.get("CompanyName") or qbo_object["Id"],
            "is_company": True,
            "email": (qbo_object.get("PrimaryEmailAddr") or {}).get("Address") or False,
            "phone": (qbo_object.get("PrimaryPhone") or {}).get("FreeFormNumber") or False,
            "street": address.get("Line1") or False,
            "city": address.get("City") or False,
            "zip": address.get("PostalCode") or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
            "customer_rank": 1 if side is RECEIVABLE else 0,
            "supplier_rank": 1 if side is PAYABLE else 0,
        }

    def _bind_product(self, backend, line, item):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        bound = SyncRecords._binding_for_qbo(backend, "Item", item["Id"])
        if bound:
            if bound.res_model == "product.product":
                line.sudo().write({"product_id": bound.res_id, "reason": line.reason})
            return
        product = line.product_id or self.env["product.product"].sudo().create(self._product_values(item))
        line.sudo().write({"product_id": product.id, "reason": line.reason})
        SyncRecords._binding_for(backend, product, "Item")._mark_done(item, {}, origin="qbo")

    def _product_values(self, item):
        accounts = {line.qbo_id: line.account_id for line in self.account_line_ids}
        values = {
            "name": item.get("Name"),
            "default_code": item.get("Sku") or False,
            "type": PRODUCT_TYPE_OF.get(item.get("Type"), "service"),
            "list_price": float(item.get("UnitPrice") or 0),
            "standard_price": float(item.get("PurchaseCost") or 0),
            "sale_ok": bool(item.get("IncomeAccountRef")),
            "purchase_ok": bool(item.get("ExpenseAccountRef")),
        }
        income = accounts.get((item.get("IncomeAccountRef") or {}).get("value"))
        expense = accounts.get((item.get("ExpenseAccountRef") or {}).get("value"))
        if income:
            values["property_account_income_id"] = income.id
        if expense:
            values["property_account_expense_id"] = expense.id
        return values

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
