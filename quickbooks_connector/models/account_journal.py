from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    quickbooks_send_entries = fields.Boolean(
        "Send Entries to QuickBooks",
        help="Journal entries posted in this journal (accruals, reclassifications, payroll...) are sent to "
        "QuickBooks as journal entries, on the accounts they are mapped to. Entries marked 'Skip QuickBooks' "
        "are not, nor those Odoo makes for payments, exchange differences and cash-basis taxes (the "
        "connector sends those another way). On a bank journal: its statement lines matched with no "
        "customer or vendor item (bank fees, interest, transfers to another bank journal). Off by default: "
        "choose the journals whose entries your accountant wants in QuickBooks.",
    )
