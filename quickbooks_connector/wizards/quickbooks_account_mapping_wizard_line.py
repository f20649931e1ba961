"""One Odoo account of the mapping wizard, with its proposed and chosen QuickBooks account."""

from odoo import api, fields, models

from ..tools.access import check_values

#: What the wizard fills in when it lists the accounts; the user then picks the QuickBooks account.
PREPARED = frozenset(
    {
        "wizard_id",
        "account_id",
        "mapping_id",
        "proposed_qbo_account_id",
        "match_reason",
        "proposal_certain",
        "proposal_note",
    }
)


class QuickbooksAccountMappingWizardLine(models.TransientModel):
    _name = "quickbooks.account.mapping.wizard.line"
    _description = "Account to map to QuickBooks"
    _order = "account_code, id"

    wizard_id = fields.Many2one("quickbooks.account.mapping.wizard", required=True, ondelete="cascade")
    backend_id = fields.Many2one(related="wizard_id.backend_id")
    account_id = fields.Many2one("account.account", "Odoo Account", required=True, readonly=True)
    account_code = fields.Char(related="account_id.code", string="Code")
    account_type = fields.Selection(related="account_id.account_type")
    mapping_id = fields.Many2one("quickbooks.account.mapping", readonly=True)
    qbo_account_id = fields.Many2one(
        "quickbooks.qbo.account", "QuickBooks Account", domain="[('backend_id', '=', backend_id)]"
    )
    qbo_account_inactive = fields.Boolean(compute="_compute_qbo_account_inactive", string="Inactive in QuickBooks")
    proposed_qbo_account_id = fields.Many2one("quickbooks.qbo.account", "Proposal", readonly=True)
    match_reason = fields.Selection(
        [("number", "Same number"), ("name", "Same name"), ("purpose", "Same purpose"), ("type", "Same type only")],
        readonly=True,
    )
    proposal_certain = fields.Boolean(
        "Certain", readonly=True, help="Taken by Accept All Proposals; the other proposals need a decision."
    )
    proposal_note = fields.Char("Why", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, frozenset({"qbo_account_id"}), PREPARED, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], frozenset({"qbo_account_id"}))
        return super().write(vals)

    @api.depends("qbo_account_id.qbo_active")
    def _compute_qbo_account_inactive(self):
        for line in self:
            line.qbo_account_inactive = bool(line.qbo_account_id) and not line.qbo_account_id.qbo_active
