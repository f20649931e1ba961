"""Classes and locations on the connection: what the QuickBooks company tracks, which Odoo analytic plans stand
for its classes and locations, and the mapping of their analytic accounts (``quickbooks_tracking_mapping.py``).

What QuickBooks tracks is its Preferences' word (``AccountingInfoPrefs``: ``ClassTrackingPerTxnLine``,
``ClassTrackingPerTxn``, ``TrackDepartments``, ``DepartmentTerminology``), read with the company's other facts
on connecting and on every refresh.  Documents carry classes and locations only when it tracks them.
"""

from markupsafe import Markup

from odoo import fields, models

from ..qbo import QBOError
from ..qbo.payloads import Ref
from ..tools.access import check_manager
from .quickbooks_tracking_mapping import QBO_ENTITY

CLASS_TRACKING = [
    ("none", "Not tracked"),
    ("txn", "One class per transaction"),
    ("line", "One class per line"),
]


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    qbo_class_tracking = fields.Selection(
        CLASS_TRACKING,
        "Classes in QuickBooks",
        default="none",
        readonly=True,
        help="What QuickBooks' 'Track classes' setting says: one class to each row, one to the entire transaction, "
        "or none.",
    )
    qbo_track_locations = fields.Boolean(
        "Locations in QuickBooks", readonly=True, help="QuickBooks' 'Track locations' setting."
    )
    qbo_location_terminology = fields.Char(
        "Locations Called", readonly=True, help="What the QuickBooks company calls its locations."
    )
    class_plan_id = fields.Many2one(
        "account.analytic.plan",
        "Analytic Plan of Classes",
        help="The analytic accounts of this plan stand for QuickBooks classes: a line's class is the account of "
        "this plan with the largest share of its analytic distribution.",
    )
    location_plan_id = fields.Many2one(
        "account.analytic.plan",
        "Analytic Plan of Locations",
        help="The analytic accounts of this plan stand for QuickBooks locations: a document's location is the "
        "account of this plan carrying the largest amount over its lines.",
    )
    tracking_mapping_ids = fields.One2many("quickbooks.tracking.mapping", "backend_id", "Classes and Locations")
    qbo_tracking_ids = fields.One2many("quickbooks.qbo.tracking", "backend_id", "QuickBooks Classes and Locations")

    def action_refresh_tracking(self):
        """Read what QuickBooks tracks and its classes and locations, and map the plans' accounts by name."""
        self.ensure_one()
        check_manager(self)
        self._ensure_connected()
        self._refresh_tracking()
        return True

    def _refresh_tracking(self, client=None):
        self.ensure_one()
        client = client or self._qbo_client()
        self._refresh_company_facts(client)
        Copies = self.env["quickbooks.qbo.tracking"]
        Mappings = self.env["quickbooks.tracking.mapping"]
        for kind, plan in (("class", self.class_plan_id), ("location", self.location_plan_id)):
            copies = Copies._store_rows(self, kind, client.query_all(QBO_ENTITY[kind], "Active in (true, false)"))
            if plan:
                Mappings._propose_for_backend(self, kind, plan, copies)

    def action_create_missing_tracking(self):
        """Create in QuickBooks, under the analytic account's name, each class or location not mapped yet."""
        self.ensure_one()
        check_manager(self)
        self._ensure_connected()
        client = self._qbo_client()
        self._refresh_tracking(client)
        Copies = self.env["quickbooks.qbo.tracking"]
        failed = []
        for row in self.sudo().tracking_mapping_ids.filtered(lambda mapping: mapping.state == "unmapped"):
            entity = QBO_ENTITY[row.kind]
            try:
                created = client.create(entity, {"Name": row.analytic_account_id.name})
            except QBOError as error:
                failed.append(f"{row.analytic_account_id.name}: {error}")
                continue
            row.qbo_tracking_id = Copies._store_rows(self, row.kind, [created])
        if failed:
            items = Markup("").join(Markup("<li>%s</li>") % problem for problem in failed)
            self.message_post(body=Markup("%s<ul>%s</ul>") % (self.env._("Not created in QuickBooks:"), items))
        return True

    def _tracking_refs(self, kind):
        """Analytic account -> Ref of its QuickBooks class (location), for the mapped accounts of ``kind``."""
        self.ensure_one()
        rows = (
            self.env["quickbooks.tracking.mapping"]
            .sudo()
            .search([("backend_id", "=", self.id), ("kind", "=", kind), ("state", "=", "mapped")])
        )
        return {
            row.analytic_account_id: Ref(row.qbo_tracking_id.qbo_id, row.qbo_tracking_id.fully_qualified_name)
            for row in rows
        }
