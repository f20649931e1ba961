"""Odoo account ↔ QuickBooks account, plus the QBO Item that carries sales lines to it.

QBO takes a sales line's income account from the line's Item (``ItemRef`` → ``IncomeAccountRef``),
not from the line itself.  Mapping an Odoo income account therefore also means choosing (or
creating) a service Item bound to the mapped QBO income account.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..qbo import NotFoundError
from ..qbo.payloads import ItemData, Ref, build_item
from ..qbo.redact import get_logger
from ..tools.access import check_backends, check_manager, check_values

_logger = get_logger(__name__)

INCOME_TYPES = ("income", "income_other")
QBO_INCOME_TYPES = ("Income", "Other Income")


class QuickbooksAccountMapping(models.Model):
    _name = "quickbooks.account.mapping"
    _description = "QuickBooks account mapping"
    _order = "account_code, id"
    _check_company_auto = True

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    account_id = fields.Many2one(
        "account.account", "Odoo Account", required=True, ondelete="cascade", check_company=True
    )
    account_code = fields.Char(related="account_id.code", string="Code")
    account_type = fields.Selection(related="account_id.account_type")
    qbo_account_id = fields.Many2one(
        "quickbooks.qbo.account", "QuickBooks Account", ondelete="restrict", domain="[('backend_id', '=', backend_id)]"
    )
    qbo_account_active = fields.Boolean(related="qbo_account_id.qbo_active", string="Active in QuickBooks")
    qbo_item_id = fields.Char("QuickBooks Item ID", help="Item used for invoice lines posted to this account.")
    qbo_item_name = fields.Char("QuickBooks Item")
    state = fields.Selection(
        [("mapped", "Mapped"), ("inactive", "QuickBooks account inactive"), ("unmapped", "Not mapped")],
        compute="_compute_state",
        store=True,
    )

    _backend_account_uniq = models.Constraint(
        "UNIQUE(backend_id, account_id)", "This Odoo account is already mapped for this connection."
    )

    #: What a manager writes (the connection: when the mapping is created); the rest is computed.
    _quickbooks_writable = frozenset({"account_id", "qbo_account_id", "qbo_item_id", "qbo_item_name"})
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

    @api.constrains("backend_id", "qbo_account_id")
    def _check_qbo_account_backend(self):
        for mapping in self.sudo():
            if mapping.qbo_account_id and mapping.qbo_account_id.backend_id != mapping.backend_id:
                raise ValidationError(self.env._("Map to an account of this connection's QuickBooks company."))

    @api.depends("qbo_account_id", "qbo_account_id.qbo_active")
    def _compute_state(self):
        for mapping in self:
            if not mapping.qbo_account_id:
                mapping.state = "unmapped"
            elif not mapping.qbo_account_id.qbo_active:
                mapping.state = "inactive"
            else:
                mapping.state = "mapped"

    @api.depends("account_id", "qbo_account_id")
    def _compute_display_name(self):
        for mapping in self:
            mapping.display_name = f"{mapping.account_id.display_name} → {mapping.qbo_account_id.display_name or '?'}"

    def _needs_item(self) -> bool:
        """An income account mapped to a QuickBooks income account carries sales lines: it needs an Item.
        (An exchange or cash difference gain is an income account in Odoo too, mapped elsewhere.)"""
        self.ensure_one()
        return self.account_id.account_type in INCOME_TYPES and self.qbo_account_id.account_type in QBO_INCOME_TYPES

    def _ensure_item(self, client=None, any_account=False):
        """Bind an income mapping to a service Item posting to its QBO income account.

        Reuses an active Item already bound to that account (preferring one we created before),
        and creates "Odoo <code> <name>" otherwise.  ``any_account``: also for accounts of other
        types that an invoice line uses (a customer deposit on a liability account, cash rounding):
        QBO takes every sales line's account from an Item.
        """
        for mapping in self.filtered(lambda m: (any_account or m._needs_item()) and m.qbo_account_id):
            client = client or mapping.backend_id._qbo_client()
            qbo_account = mapping.qbo_account_id
            if mapping.qbo_item_id:
                try:
                    item = client.get("Item", mapping.qbo_item_id)
                except NotFoundError:  # not in this QuickBooks company (any more): find or make another
                    item = {}
                if item.get("Active", True) and (item.get("IncomeAccountRef") or {}).get("value") == qbo_account.qbo_id:
                    continue
            name = f"Odoo {mapping.account_id.code} {mapping.account_id.name}"[:100]
            candidates = [
                item
                for item in client.query_all("Item", "Type = 'Service'")
                if (item.get("IncomeAccountRef") or {}).get("value") == qbo_account.qbo_id and item.get("Active", True)
            ]
            candidates.sort(key=lambda item: item.get("Name") != name)
            if candidates:
                item = candidates[0]
            else:
                item = client.create(
                    "Item",
                    build_item(
                        ItemData(
                            name=name,
                            income_account=Ref(qbo_account.qbo_id, qbo_account.name),
                            description=self.env._("Sales posted from Odoo to %s", qbo_account.name),
                        )
                    ),
                    request_id=f"odoo-item-{mapping.backend_id.id}-{mapping.account_id.id}-{qbo_account.qbo_id}",
                )
            mapping.write({"qbo_item_id": item["Id"], "qbo_item_name": item.get("Name")})

    @api.model
    def _problems_for_accounts(self, backend, accounts, sales_lines=False, items=True):
        """Human-readable reasons why documents using ``accounts`` cannot be sent (empty: fine).

        ``sales_lines``: the accounts are those of invoice lines, which all need an Item.
        ``items=False``: lines that name their account themselves (bills): no Item needed.
        """
        mappings = self.search([("backend_id", "=", backend.id), ("account_id", "in", accounts.ids)])
        by_account = {mapping.account_id: mapping for mapping in mappings}
        problems = []
        for account in accounts:
            mapping = by_account.get(account)
            if not mapping or mapping.state == "unmapped":
                problems.append(self.env._("Account %s is not mapped to a QuickBooks account.", account.display_name))
            elif mapping.state == "inactive":
                problems.append(
                    self.env._(
                        "Account %(account)s is mapped to the QuickBooks account %(qbo)s, which is "
                        "inactive in QuickBooks.",
                        account=account.display_name,
                        qbo=mapping.qbo_account_id.name,
                    )
                )
            elif items and (sales_lines or mapping._needs_item()) and not mapping.qbo_item_id:
                problems.append(
                    self.env._("Account %s has no QuickBooks Item for invoice lines.", account.display_name)
                )
        return problems

    def action_create_items(self):
        check_manager(self)
        self._ensure_item()
        return True

    @api.model
    def _check_accounts_or_raise(self, backend, accounts):
        problems = self._problems_for_accounts(backend, accounts)
        if problems:
            raise UserError(
                self.env._(
                    "This document cannot be sent to QuickBooks:\n%s\n\nFix the mapping under "
                    "Invoicing › Configuration › QuickBooks › Account Mapping.",
                    "\n".join(problems),
                )
            )
