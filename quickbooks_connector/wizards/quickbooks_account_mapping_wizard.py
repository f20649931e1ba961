"""Map the Odoo chart of accounts to QuickBooks in one screen.

The wizard pulls the QBO chart (every page), lists each Odoo account that can appear on a synced
document, proposes a QBO account with how sure that is (``account_proposals``: the account's purpose
against QuickBooks' detail type, its number, its name; the type alone is only a suggestion), and
lets the user accept the certain proposals in bulk.  Saving creates the mappings and, for income
accounts, binds the QBO service Item that invoice lines will reference.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.access import check_backends, check_manager, check_values
from .account_proposals import account_roles, default_role, propose

# Accounts that appear on documents the connector syncs: sales lines, receivables, payments.
SYNCED_ACCOUNT_TYPES = ("income", "income_other", "asset_receivable", "asset_cash")
# ... and, when vendor bills are synced, what purchase documents use: expense, direct cost, fixed
# assets, payables, credit cards (bill payments by card).
PURCHASE_ACCOUNT_TYPES = ("expense", "expense_direct_cost", "asset_fixed", "liability_payable", "liability_credit_card")


class QuickbooksAccountMappingWizard(models.TransientModel):
    _name = "quickbooks.account.mapping.wizard"
    _description = "Map Odoo accounts to QuickBooks"

    backend_id = fields.Many2one("quickbooks.backend", required=True, readonly=True)
    line_ids = fields.One2many("quickbooks.account.mapping.wizard.line", "wizard_id")
    proposal_count = fields.Integer(compute="_compute_counts", help="Certain proposals not taken yet.")
    check_count = fields.Integer(compute="_compute_counts", help="Accounts left unmapped that need a decision.")
    inactive_count = fields.Integer(compute="_compute_counts")

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, frozenset({"line_ids"}), frozenset({"backend_id"}), create=True)
        default = self.env.context.get("default_backend_id")
        check_backends(self.env, [vals.get("backend_id", default) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], frozenset({"line_ids"}))
        return super().write(vals)

    @api.depends("line_ids.proposed_qbo_account_id", "line_ids.qbo_account_id", "line_ids.proposal_certain")
    def _compute_counts(self):
        for wizard in self:
            wizard.proposal_count = len(
                wizard.line_ids.filtered(
                    lambda line: (
                        line.proposal_certain
                        and line.proposed_qbo_account_id
                        and line.qbo_account_id != line.proposed_qbo_account_id
                    )
                )
            )
            wizard.check_count = len(
                wizard.line_ids.filtered(lambda line: not line.qbo_account_id and not line.proposal_certain)
            )
            wizard.inactive_count = len(wizard.line_ids.filtered(lambda line: line.qbo_account_inactive))

    @api.model
    def _accounts_to_map(self, company, purchases=False, purchase_tax_accounts=False):
        """Accounts of synced types, plus any account already used on a posted customer invoice line (and,
        with ``purchases``, the purchase account types and the accounts of posted vendor bill lines; with
        ``purchase_tax_accounts``, those of purchase taxes: US bills carry their tax as expense lines)."""
        Account = self.env["account.account"].with_company(company)
        types = SYNCED_ACCOUNT_TYPES + (PURCHASE_ACCOUNT_TYPES if purchases else ())
        move_types = ("out_invoice", "out_refund") + (("in_invoice", "in_refund") if purchases else ())
        accounts = Account.search([("company_ids", "in", company.id), ("account_type", "in", types)])
        used = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("parent_state", "=", "posted"),
                    ("display_type", "=", "product"),
                    ("move_id.move_type", "in", move_types),
                ]
            )
            .account_id
        )
        if purchase_tax_accounts:
            used |= (
                self.env["account.tax"]
                .sudo()
                .search([("company_id", "=", company.id), ("type_tax_use", "=", "purchase")])
                .mapped("invoice_repartition_line_ids.account_id")
            )
        return (accounts | used.with_company(company)).sorted(lambda a: a.code or "")

    @api.model
    def _prepare_for_backend(self, backend):
        """Pull the chart and build the wizard with one line per account to map."""
        backend.ensure_one()
        self.env["quickbooks.qbo.account"]._pull_for_backend(backend)
        qbo_accounts = self.env["quickbooks.qbo.account"].search([("backend_id", "=", backend.id)])
        mappings = {
            m.account_id: m for m in self.env["quickbooks.account.mapping"].search([("backend_id", "=", backend.id)])
        }
        lines = []
        is_us = backend._is_us_company()
        roles = account_roles(self.env, backend.company_id, is_us)
        accounts = self._accounts_to_map(
            backend.company_id, purchases=backend.sync_bills, purchase_tax_accounts=backend.sync_bills and is_us
        )
        # What documents touch besides their lines: tax, exchange differences, banks, cash differences.
        accounts |= self.env["account.account"].with_company(backend.company_id).browse(list(roles)).exists()
        for account in accounts.sorted(lambda a: a.code or ""):
            proposal = propose(self.env, account, roles.get(account.id) or default_role(account), qbo_accounts)
            mapping = mappings.get(account)
            lines.append(
                {
                    "account_id": account.id,
                    "mapping_id": mapping.id if mapping else False,
                    "qbo_account_id": mapping.qbo_account_id.id if mapping else False,
                    "proposed_qbo_account_id": proposal.qbo_account.id,
                    "match_reason": proposal.reason,
                    "proposal_certain": proposal.certain,
                    "proposal_note": proposal.note,
                }
            )
        return self.create({"backend_id": backend.id, "line_ids": [fields.Command.create(v) for v in lines]})

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Map accounts to QuickBooks"),
        }

    def action_accept_proposals(self):
        """Take every certain proposal for lines still unmapped (existing choices are kept; the other
        proposals wait for the user, with their reason)."""
        check_manager(self.backend_id)
        for line in self.line_ids.filtered(
            lambda line: line.proposal_certain and line.proposed_qbo_account_id and not line.qbo_account_id
        ):
            line.qbo_account_id = line.proposed_qbo_account_id
        return self._reopen()

    def action_apply(self):
        """Store the wizard's lines as the connection's account mappings.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if a line maps to an inactive QuickBooks account
        """
        self.ensure_one()
        check_manager(self.backend_id)
        inactive = self.line_ids.filtered(lambda line: line.qbo_account_id and line.qbo_account_inactive)
        if inactive:
            raise UserError(
                self.env._(
                    "These QuickBooks accounts are inactive and cannot receive postings: %s. Pick active accounts.",
                    ", ".join(inactive.qbo_account_id.mapped("name")),
                )
            )
        Mapping = self.env["quickbooks.account.mapping"]
        touched = Mapping.browse()
        for line in self.line_ids.filtered("qbo_account_id"):
            mapping = line.mapping_id or Mapping.search(
                [("backend_id", "=", self.backend_id.id), ("account_id", "=", line.account_id.id)], limit=1
            )
            if mapping and mapping.qbo_account_id != line.qbo_account_id:
                mapping.write({"qbo_account_id": line.qbo_account_id.id, "qbo_item_id": False, "qbo_item_name": False})
            elif not mapping:
                mapping = Mapping.create(
                    {
                        "backend_id": self.backend_id.id,
                        "account_id": line.account_id.id,
                        "qbo_account_id": line.qbo_account_id.id,
                    }
                )
            touched |= mapping
        client = self.backend_id._qbo_client()
        touched._ensure_item(client)
        # Invoices also need their taxes mapped: map the obvious ones (one QBO code with the same
        # rate) now, so that saving the wizard is enough for a first invoice; the rest is named.
        new_tax_mappings = self.backend_id._map_taxes_by_rate(client=client)
        unmapped_taxes = self.env["quickbooks.tax.mapping"]._unmapped_sale_taxes(self.backend_id)
        self.backend_id._retry_mapping_failures()
        message = self.env._(
            "%(accounts)s account mapping(s) saved, %(taxes)s tax mapping(s) added by rate.",
            accounts=len(touched),
            taxes=len(new_tax_mappings),
        )
        if unmapped_taxes:
            message += " " + self.env._(
                "Map these taxes in the connection's Taxes section: %s.", ", ".join(unmapped_taxes.mapped("name"))
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if unmapped_taxes else "success",
                "title": self.env._("QuickBooks"),
                "message": message,
                "sticky": bool(unmapped_taxes),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
