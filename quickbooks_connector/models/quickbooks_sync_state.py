"""The sync records: one row per bound record, with its QBO identity and sync history.

A row binds an Odoo record to a QBO object (entity + Id), keeps the SyncToken and the values
last synced (the base of the three-way merge after a stale update), and records each attempt:
state, attempts, last error, last requestid.  Unique per (backend, Odoo record) and per
(backend, QBO entity, QBO id), so a record can never be bound twice.
"""

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError

from .. import const
from ..adapters.entities import PAYMENT_ENTITIES, fingerprint
from ..tools.access import check_manager, check_user

SYNC_STATES = [
    ("pending", "Pending"),
    ("done", "Synced"),
    ("failed", "Failed"),
    ("conflict", "Conflict"),
    ("skipped", "Skipped"),
    ("draft", "Draft in Odoo"),
]


class QuickbooksSyncState(models.Model):
    _name = "quickbooks.sync.state"
    _description = "QuickBooks sync record"
    _order = "write_date desc, id desc"
    _rec_name = "res_name"

    backend_id = fields.Many2one("quickbooks.backend", "Connection", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    res_model = fields.Char("Odoo Model (technical)", required=True, index=True)
    res_id = fields.Many2oneReference("Odoo Record ID", model_field="res_model", required=True, index=True)
    binding_key = fields.Char(
        default="",
        required=True,
        help="Distinguishes several QBO objects for one record: a customer invoiced in a second currency "
        "gets its own QBO customer, keyed by that currency.",
    )
    res_name = fields.Char("Record", compute="_compute_res_name", store=True)
    qbo_entity = fields.Char("QuickBooks Type", required=True)
    qbo_id = fields.Char("QuickBooks ID", index=True, copy=False)
    qbo_doc_number = fields.Char("QuickBooks Number")
    sync_token = fields.Char("SyncToken", copy=False)
    synced_values = fields.Json(
        "Last Synced Values", copy=False, help="What was last sent to (or read from) QuickBooks: the merge base."
    )
    qbo_fingerprint = fields.Json(
        "QuickBooks Fingerprint",
        copy=False,
        help="The Odoo-owned fields as QuickBooks last returned them: a later "
        "version that differs was changed in QuickBooks.",
    )
    drift_detected = fields.Boolean("Changed in QuickBooks", copy=False, index=True)
    drift_note = fields.Text("QuickBooks Changes", copy=False)
    drift_at = fields.Datetime("Changed in QuickBooks on", copy=False)
    origin = fields.Selection(
        [("odoo", "Created in Odoo"), ("qbo", "Created in QuickBooks")], default="odoo", required=True
    )
    state = fields.Selection(SYNC_STATES, default="pending", required=True, index=True)
    failure_kind = fields.Selection(
        [
            ("mapping", "Missing mapping"),
            ("validation", "Refused by QuickBooks"),
            ("totals", "Totals differ"),
            ("transient", "Temporary problem"),
            ("conflict", "Conflict"),
            ("waiting", "Waiting for another record"),
            ("other", "Other"),
        ],
        help="Why the last attempt failed; missing mappings are retried once the mapping exists, payments "
        "waiting for a document once that document reaches QuickBooks.",
    )
    qbo_state = fields.Selection(
        [("active", "Active"), ("voided", "Voided"), ("deleted", "Deleted")],
        string="QuickBooks State",
        default="active",
    )
    qbo_absent_at = fields.Datetime(
        "Not in QuickBooks on",
        copy=False,
        help="A backfill looked this record's number (or name) up in QuickBooks, in a batch, and found "
        "nothing, or the Items review refused the Item a product matched: its push creates it without looking "
        "again.",
    )
    opening_balance = fields.Boolean(
        "Sent as an Opening Balance",
        copy=False,
        help="Moving to QuickBooks: this document was open when the history sent began, and QuickBooks has it for "
        "its open amount that day; later changes to it in Odoo are not sent.",
    )
    attempts = fields.Integer(default=0)
    last_error = fields.Text()
    last_request_id = fields.Char(
        "Last Request Key", help="The idempotency key (QuickBooks' requestid) of the last write: technical."
    )
    last_attempt_at = fields.Datetime(
        "Last Attempt", help="When the connector last tried to sync it, whatever came of it."
    )
    last_success_at = fields.Datetime("Last Synced")
    qbo_url = fields.Char("View in QuickBooks", compute="_compute_qbo_url")
    record_type = fields.Char("Odoo Document", compute="_compute_record_details")
    partner_id = fields.Many2one("res.partner", compute="_compute_record_details")
    currency_id = fields.Many2one("res.currency", compute="_compute_record_details")
    amount = fields.Monetary(compute="_compute_record_details", currency_field="currency_id")
    record_date = fields.Date("Date", compute="_compute_record_details")

    _record_uniq = models.Constraint(
        "UNIQUE(backend_id, res_model, res_id, binding_key)", "This Odoo record already has a QuickBooks binding."
    )
    _qbo_uniq = models.Constraint(
        "UNIQUE(backend_id, qbo_entity, qbo_id)", "This QuickBooks object is already bound to an Odoo record."
    )

    @api.depends("res_model", "res_id")
    def _compute_res_name(self):
        for row in self:
            record = row._record()
            row.res_name = record.display_name if record else f"{row.res_model},{row.res_id}"

    @api.depends("qbo_entity", "qbo_id", "backend_id")
    def _compute_qbo_url(self):
        for row in self:
            row.qbo_url = row.backend_id._qbo_app_url(row.qbo_entity, row.qbo_id) if row.qbo_id else False

    def _compute_record_details(self):
        """What an accountant reads on the list: the kind of document, its partner, date and amount."""
        model_names = {
            model.model: model.name
            for model in self.env["ir.model"].sudo().search([("model", "in", list(set(self.mapped("res_model"))))])
        }
        by_model = {}
        for row in self:
            by_model.setdefault(row.res_model, set()).add(row.res_id)
        records = {
            model: {record.id: record for record in self.env[model].sudo().browse(list(ids)).exists()}
            for model, ids in by_model.items()
            if model in self.env
        }
        for row in self:
            record = records.get(row.res_model, {}).get(row.res_id)
            row.record_type = model_names.get(row.res_model, row.res_model)
            if record is None:
                row.partner_id = row.currency_id = row.amount = row.record_date = False
                continue
            known = record._fields
            if row.res_model == "res.partner":
                partner = record
            else:
                partner = record.partner_id if "partner_id" in known else False
            row.partner_id = partner.commercial_partner_id if partner else False
            row.amount, row.currency_id, row.record_date = 0.0, False, False
            if row.res_model == "account.move":
                move_types = dict(known["move_type"]._description_selection(self.env))
                row.record_type = move_types.get(record.move_type, row.record_type)
                row.amount, row.currency_id = record.amount_total, record.currency_id
                row.record_date = record.invoice_date or record.date
            elif "amount" in known and "currency_id" in known:  # payments, statement lines
                row.amount, row.currency_id = record.amount, record.currency_id
                row.record_date = record.date if "date" in known else False

    def _record(self):
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env or not self.res_id:
            return None
        record = self.env[self.res_model].browse(self.res_id).exists()
        return record or None

    # ------------------------------------------------------------------ sync record API
    @api.model
    def _binding_for(self, backend, record, qbo_entity=None, create=True, key="", racing=True):
        """The row of ``record`` for ``backend`` (created pending when missing and ``create``).

        ``racing=False``: no other transaction can be binding ``record`` now (a post binds the document it
        posts, which no other transaction sees posted yet), so the new row needs no savepoint.
        """
        record.ensure_one()
        row = self.sudo().search(
            [
                ("backend_id", "=", backend.id),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("binding_key", "=", key or ""),
            ],
            limit=1,
        )
        if not row and create:
            if not qbo_entity:
                raise ValueError("a new binding needs the QBO entity name")
            values = {
                "backend_id": backend.id,
                # Given, so that the new row is one INSERT: computed, they cost a read of the record and an
                # UPDATE of the row (a post binds its document: this is on every user's post).
                "company_id": backend.company_id.id,
                "res_name": record.display_name,
                "res_model": record._name,
                "res_id": record.id,
                "qbo_entity": qbo_entity,
                "binding_key": key or "",
            }
            if not racing:  # the savepoint would cost every post two statements for nothing
                return self.sudo().create(values)
            try:
                with self.env.cr.savepoint():
                    row = self.sudo().create(values)
            except pg_errors.UniqueViolation as error:
                # Another job bound the same record meanwhile (two invoices of one new customer pushed
                # side by side).  Its row is invisible to this transaction's snapshot: try again in a
                # moment (that job commits within seconds; the job function's back-off would wait 30 s),
                # when the binding (and its QuickBooks object) can be read and reused.
                raise RetryableJobError(
                    f"{record.display_name} is being bound to QuickBooks by another job; trying again",
                    seconds=const.BINDING_RACE_RETRY_SECONDS,
                ) from error
        return row

    @api.model
    def _binding_for_qbo(self, backend, qbo_entity, qbo_id):
        return self.sudo().search(
            [("backend_id", "=", backend.id), ("qbo_entity", "=", qbo_entity), ("qbo_id", "=", str(qbo_id))], limit=1
        )

    def _mark_done(self, qbo_object, synced_values=None, **extra):
        """Record a successful sync: QBO's Id and SyncToken, and what is now the merge base."""
        values = self._done_values(self.qbo_entity, qbo_object, synced_values, **extra)
        values["qbo_doc_number"] = values["qbo_doc_number"] or self.qbo_doc_number
        values["synced_values"] = synced_values if synced_values is not None else self.synced_values
        self.sudo().write(values)

    @api.model
    def _done_values(self, qbo_entity, qbo_object, synced_values=None, **extra):
        """The values of a row that synced ``qbo_object`` now (:meth:`_mark_done`; a new row's, when many
        are bound at once)."""
        now = fields.Datetime.now()
        summary = fingerprint(qbo_entity, qbo_object)
        if summary is not None:  # our own write is the new reference for drift detection
            extra.setdefault("qbo_fingerprint", summary)
            extra.setdefault("drift_detected", False)
        return {
            "state": "done",
            "qbo_id": str(qbo_object["Id"]),
            "sync_token": str(qbo_object.get("SyncToken", "")),
            "qbo_doc_number": qbo_object.get("DocNumber") or False,
            "synced_values": synced_values,
            "last_error": False,
            "failure_kind": False,
            "last_success_at": now,
            "last_attempt_at": now,
            **extra,
        }

    def _mark_failed(self, message, state="failed", kind="other"):
        self.sudo().write(
            {"state": state, "last_error": message, "failure_kind": kind, "last_attempt_at": fields.Datetime.now()}
        )

    def _fail_with_note(self, message, kind="other", state="failed"):
        """Fail the sync record, and tell its record's followers why (once per distinct reason)."""
        for row in self:
            record = row._record()
            if record is not None and row.last_error != message:
                record._quickbooks_note(message)
        self._mark_failed(message, state=state, kind=kind)

    def _mark_skipped(self, reason):
        self.sudo().write({"state": "skipped", "last_error": reason, "last_attempt_at": fields.Datetime.now()})

    def _mark_draft(self, reason):
        """The record went back to draft in Odoo before its push ran: nothing to do until it is posted."""
        self.sudo().write(
            {"state": "draft", "last_error": reason, "failure_kind": False, "last_attempt_at": fields.Datetime.now()}
        )

    # ------------------------------------------------------------------ actions
    def action_retry(self):
        """Retry failed or conflicting rows: back to pending, and the record's sync is scheduled."""
        check_manager(self, "read")  # the sync records is the connector's to write: managers read it and ask
        retried = 0
        for row in self.filtered(lambda r: r.state in ("failed", "conflict", "pending") or r.drift_detected):
            record = row._record()
            if record is None:
                row._mark_skipped(self.env._("The Odoo record no longer exists."))
                continue
            row.sudo().write({"state": "pending", "last_error": False})
            if row.origin == "qbo" and row.qbo_entity in PAYMENT_ENTITIES:
                # QuickBooks is master of the payments recorded there: apply its current version again.
                self.env["quickbooks.pull"]._schedule_repull(row)
            else:  # every bound record and settlement source says how it is sent
                record._quickbooks_schedule_sync(row.backend_id)
            retried += 1
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("QuickBooks"),
                "message": self.env._("%s synchronisation(s) scheduled again.", retried),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_record(self):
        """Open the Odoo record this sync record is bound to.

        :raise AccessError: if the user is not a QuickBooks user
        :raise UserError: if the Odoo record no longer exists
        """
        self.ensure_one()
        check_user(self)
        record = self._record()
        if record is None:
            raise UserError(self.env._("The Odoo record no longer exists."))
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_view_in_quickbooks(self):
        """Open the bound object in QuickBooks, in a new tab.

        :raise AccessError: if the user is not a QuickBooks user
        :raise UserError: if the record is not in QuickBooks yet
        """
        self.ensure_one()
        check_user(self)
        if not self.qbo_url:
            raise UserError(self.env._("This record is not in QuickBooks yet."))
        return {"type": "ir.actions.act_url", "url": self.qbo_url, "target": "new"}
