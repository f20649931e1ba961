"""A local copy of the QuickBooks chart of accounts, so mappings can point at real QBO accounts."""

from odoo import api, fields, models

from ..qbo.redact import get_logger

_logger = get_logger(__name__)


class QuickbooksQboAccount(models.Model):
    _name = "quickbooks.qbo.account"
    _description = "QuickBooks account"
    _order = "acct_num, name, id"
    _rec_names_search = ["name", "acct_num", "fully_qualified_name"]

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    qbo_id = fields.Char("QuickBooks ID", required=True)
    name = fields.Char(required=True)
    fully_qualified_name = fields.Char()
    acct_num = fields.Char("Number")
    account_type = fields.Char("Type")
    account_subtype = fields.Char("Detail Type")
    classification = fields.Char()
    currency_code = fields.Char("Currency")
    qbo_active = fields.Boolean("Active in QuickBooks", default=True)
    last_pulled_at = fields.Datetime(readonly=True)

    _backend_qbo_uniq = models.Constraint(
        "UNIQUE(backend_id, qbo_id)", "This QuickBooks account is already known for this connection."
    )

    @api.depends("name", "acct_num", "account_type", "qbo_active")
    def _compute_display_name(self):
        for account in self:
            label = f"{account.acct_num} {account.name}" if account.acct_num else account.name or ""
            if account.account_type:
                label += f" ({account.account_type})"
            if not account.qbo_active:
                label += self.env._(" [inactive in QuickBooks]")
            account.display_name = label

    @api.model
    def _pull_for_backend(self, backend):
        """Read every page of the QBO chart (inactive accounts included) and upsert the copy.

        Returns the accounts that were active before and are inactive now.  The copy is QuickBooks' word:
        only this code writes it (managers read it), after the caller checked who asks.
        """
        Accounts = self.sudo()
        client = backend._qbo_client()
        now = fields.Datetime.now()
        known = {account.qbo_id: account for account in Accounts.search([("backend_id", "=", backend.id)])}
        went_inactive = Accounts.browse()
        seen = set()
        for row in client.query_all("Account", "Active in (true, false)"):
            values = {
                "name": row.get("Name") or row["Id"],
                "fully_qualified_name": row.get("FullyQualifiedName"),
                "acct_num": row.get("AcctNum") or False,
                "account_type": row.get("AccountType"),
                "account_subtype": row.get("AccountSubType"),
                "classification": row.get("Classification"),
                "currency_code": (row.get("CurrencyRef") or {}).get("value"),
                "qbo_active": bool(row.get("Active", True)),
                "last_pulled_at": now,
            }
            seen.add(row["Id"])
            account = known.get(row["Id"])
            if account:
                if account.qbo_active and not values["qbo_active"]:
                    went_inactive |= account
                account.write(values)
            else:
                Accounts.create({**values, "backend_id": backend.id, "qbo_id": row["Id"]})
        # QBO never hard-deletes accounts; one we no longer see is treated as unusable.
        vanished = Accounts.browse([a.id for qbo_id, a in known.items() if qbo_id not in seen and a.qbo_active])
        went_inactive |= vanished
        vanished.write({"qbo_active": False})
        _logger.info("QuickBooks: pulled %d accounts for realm %s", len(seen), backend.realm_id)
        return went_inactive

    @api.model
    def _cron_pull_charts(self):
        """Weekly: refresh every connected company's QBO chart and flag mappings gone inactive."""
        for backend in self.env["quickbooks.backend"].sudo().search([("state", "=", "connected")]):
            try:
                with self.env.cr.savepoint():
                    went_inactive = self._pull_for_backend(backend)
                    broken = self.env["quickbooks.account.mapping"].search(
                        [("backend_id", "=", backend.id), ("qbo_account_id", "in", went_inactive.ids)]
                    )
                    if broken:
                        backend._notify_managers(
                            self.env._("QuickBooks accounts became inactive"),
                            self.env._(
                                "These mappings point to QuickBooks accounts that are now inactive; documents using "
                                "them will not be sent until they are remapped: %s",
                                ", ".join(broken.mapped("display_name")),
                            ),
                        )
            except Exception as error:  # one company's failure (SQL or QuickBooks) must not stop the others
                _logger.warning(
                    "QuickBooks: pulling the chart of accounts of %s failed: %s", backend.company_id.name, error
                )
