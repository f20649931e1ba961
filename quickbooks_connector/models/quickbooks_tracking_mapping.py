"""Classes and locations: QuickBooks' Class and Department lists as read, and the Odoo analytic accounts
mapped to them.

The connection names an analytic plan for classes and one for locations (``quickbooks_backend_tracking.py``);
each analytic account of those plans gets a mapping row, matched by name to an entry of the QuickBooks list
when the lists are read, editable by a manager, or created in QuickBooks on request.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.access import check_backends, check_values

KINDS = [("class", "Class"), ("location", "Location")]
#: The QuickBooks entity of each kind.
QBO_ENTITY = {"class": "Class", "location": "Department"}


def name_key(name):
    """Names compared as QuickBooks compares list names: trimmed, case-insensitive."""
    return (name or "").strip().lower()


class QuickbooksQboTracking(models.Model):
    _name = "quickbooks.qbo.tracking"
    _description = "QuickBooks class or location"
    _order = "kind, fully_qualified_name, id"
    _rec_name = "fully_qualified_name"

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True)
    qbo_id = fields.Char("QuickBooks ID", required=True)
    name = fields.Char(required=True)
    fully_qualified_name = fields.Char("Full Name")
    qbo_active = fields.Boolean("Active in QuickBooks", default=True)

    _backend_kind_qbo_uniq = models.Constraint(
        "UNIQUE(backend_id, kind, qbo_id)", "This QuickBooks class or location is already known."
    )

    @api.model
    def _store_rows(self, backend, kind, rows):
        """Keep the copy of QuickBooks' list ``kind`` as read (``rows``: QBO objects); returns their copies.  The
        copy is QuickBooks' word: only the connector writes it, after the caller checked who asks."""
        Copies = self.sudo()
        known = {copy.qbo_id: copy for copy in Copies.search([("backend_id", "=", backend.id), ("kind", "=", kind)])}
        stored = Copies.browse()
        for row in rows:
            values = {
                "name": row.get("Name") or row["Id"],
                "fully_qualified_name": row.get("FullyQualifiedName") or row.get("Name") or row["Id"],
                "qbo_active": bool(row.get("Active", True)),
            }
            if row["Id"] in known:
                known[row["Id"]].write(values)
            else:
                known[row["Id"]] = Copies.create(
                    {**values, "backend_id": backend.id, "kind": kind, "qbo_id": row["Id"]}
                )
            stored |= known[row["Id"]]
        return stored


class QuickbooksTrackingMapping(models.Model):
    _name = "quickbooks.tracking.mapping"
    _description = "QuickBooks class or location mapping"
    _order = "kind, analytic_account_id, id"
    _check_company_auto = True

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", required=True, ondelete="cascade", check_company=True
    )
    qbo_tracking_id = fields.Many2one(
        "quickbooks.qbo.tracking",
        "In QuickBooks",
        ondelete="restrict",
        domain="[('backend_id', '=', backend_id), ('kind', '=', kind)]",
    )
    qbo_active = fields.Boolean(related="qbo_tracking_id.qbo_active", string="Active in QuickBooks")
    state = fields.Selection(
        [("mapped", "Mapped"), ("inactive", "Inactive in QuickBooks"), ("unmapped", "Not mapped")],
        compute="_compute_state",
        store=True,
    )

    _backend_kind_account_uniq = models.Constraint(
        "UNIQUE(backend_id, kind, analytic_account_id)", "This analytic account is already mapped for this connection."
    )

    #: What a manager writes; the connection and the kind are chosen when the row is made.
    _quickbooks_writable = frozenset({"analytic_account_id", "qbo_tracking_id"})
    _quickbooks_on_create = frozenset({"backend_id", "kind"})

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, self._quickbooks_writable, self._quickbooks_on_create, create=True)
        default = self.env.context.get("default_backend_id")
        check_backends(self.env, [vals.get("backend_id", default) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable)
        return super().write(vals)

    @api.constrains("backend_id", "kind", "qbo_tracking_id")
    def _check_qbo_tracking(self):
        for mapping in self.sudo():
            entry = mapping.qbo_tracking_id
            if entry and (entry.backend_id != mapping.backend_id or entry.kind != mapping.kind):
                raise ValidationError(self.env._("Map to a QuickBooks %s of this connection's company.", mapping.kind))

    @api.depends("qbo_tracking_id", "qbo_tracking_id.qbo_active")
    def _compute_state(self):
        for mapping in self:
            if not mapping.qbo_tracking_id:
                mapping.state = "unmapped"
            elif not mapping.qbo_tracking_id.qbo_active:
                mapping.state = "inactive"
            else:
                mapping.state = "mapped"

    @api.model
    def _propose_for_backend(self, backend, kind, plan, copies):
        """A row for every analytic account of ``plan`` (and its sub-plans); the unmapped ones mapped to the
        active entry of ``copies`` of the same name (full name first).  Returns the rows of the plan."""
        Mappings = self.sudo()
        accounts = (
            self.env["account.analytic.account"]
            .sudo()
            .search([("plan_id", "child_of", plan.id), ("company_id", "in", (False, backend.company_id.id))])
        )
        rows = {
            row.analytic_account_id: row
            for row in Mappings.search([("backend_id", "=", backend.id), ("kind", "=", kind)])
        }
        active = copies.filtered("qbo_active")
        by_name = {name_key(copy.name): copy for copy in active}
        by_name.update({name_key(copy.fully_qualified_name): copy for copy in active})
        for account in accounts:
            row = rows.get(account) or Mappings.create(
                {"backend_id": backend.id, "kind": kind, "analytic_account_id": account.id}
            )
            rows[account] = row
            if not row.qbo_tracking_id and (match := by_name.get(name_key(account.name))):
                row.qbo_tracking_id = match
        return Mappings.browse([rows[account].id for account in accounts])
