from odoo import api, models

from .. import const
from ..adapters.sides import RECEIVABLE, side_of_entity
from ..tools.access import check_manager, check_values
from ..tools.jobs import enqueue, job

# Partner fields that end up in the QBO customer (vendor): editing one of them schedules a push.
CUSTOMER_SOURCE_FIELDS = frozenset(
    {
        "name",
        "is_company",
        "parent_id",
        "email",
        "phone",
        "website",
        "street",
        "street2",
        "city",
        "state_id",
        "zip",
        "country_id",
        "active",
    }
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "quickbooks.bound.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, create=True, own_model=False)
        partners = super().create(vals_list)
        if not self._quickbooks_importing():
            partners.filtered(lambda p: p.customer_rank > 0 and p.is_company)._quickbooks_schedule_sync()
        return partners

    def write(self, vals):
        check_values(self, [vals], own_model=False)
        result = super().write(vals)
        if CUSTOMER_SOURCE_FIELDS & set(vals) and not self._quickbooks_importing():
            self._quickbooks_schedule_sync()
        return result

    def _quickbooks_importing(self):
        """Whether an import from QuickBooks writes this partner (from its QuickBooks original, which it
        binds it to: nothing to send back).  Only the connector's own code, as superuser, says so."""
        return self.env.su and self.env.context.get(const.IMPORT_CONTEXT)

    def _quickbooks_schedule_sync(self, backend=None):
        """One push job per (partner, connection, customer or vendor, currency) the partner is, or should
        be, bound to (vendors are first pushed with their first bill).

        Bursts of edits in one transaction collapse into one job (identity key); the job runs after it
        commits, as queue_job only sees committed jobs.
        """
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        Backend = self.env["quickbooks.backend"].sudo()
        for partner in self.commercial_partner_id:
            rows = SyncRecords.search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id)])
            targets = {
                (row.backend_id, row.qbo_entity, row.binding_key)
                for row in rows
                if not backend or row.backend_id == backend
            }
            if not any(entity == RECEIVABLE.party_entity for _b, entity, _k in targets) and partner.customer_rank > 0:
                default = backend or Backend._for_company(partner.company_id or self.env.company)
                if default:
                    targets.add((default, RECEIVABLE.party_entity, ""))
            for target, entity, key in targets:
                side = side_of_entity(entity)
                enabled = target.sync_bills if side and side.name == "payable" else target.sync_customers
                if side is None or target.state != "connected" or not enabled:
                    continue
                code = key.removeprefix(side.party_key_prefix).lstrip(":")
                currency = (
                    self.env["res.currency"].search([("name", "=", code)], limit=1)
                    if code
                    else target.company_id.currency_id
                )
                enqueue(
                    partner,
                    f"QuickBooks: push {entity.lower()} {partner.display_name}",
                )._quickbooks_push_job(target, currency, entity)

    def action_quickbooks_send(self):
        """ "Send to QuickBooks" on selected contacts: each is created or updated in QuickBooks as the
        customer (and the vendor) it is there, or as a customer when it is one in Odoo.

        :raise AccessError: if the user is not a QuickBooks manager
        """
        check_manager(self)
        self._quickbooks_schedule_sync()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("QuickBooks"),
                "message": self.env._("%s contact(s) queued for QuickBooks.", len(self.commercial_partner_id)),
            },
        }

    @job
    def _quickbooks_push_job(self, backend, currency, entity=RECEIVABLE.party_entity):
        """Job: create or update this partner's QBO customer (or vendor) in ``currency``."""
        self.ensure_one()
        Push = self.env["quickbooks.push"]
        side = side_of_entity(entity)
        key = Push._customer_key(backend, currency, side)
        return Push._run_bound(
            backend, self, entity, lambda: Push._push_party(backend, self, currency, None, side), key=key
        ).state
