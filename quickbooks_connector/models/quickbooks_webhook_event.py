"""The inbox of QuickBooks change notifications (webhooks and the change-data-capture safety net).

A verified webhook delivery is stored here before Odoo answers Intuit, then applied by a job; the
change-data-capture cron feeds what webhooks missed through the same inbox.

* One row per notification.  ``dedupe_key`` is unique per connection: a CloudEvent by its ``id``,
  a classic event by realm/entity/id/operation/``lastUpdated``, a change-data-capture row by
  entity/id/``LastUpdatedTime``.  A replayed or duplicated delivery therefore stores nothing new.
* ``change_key`` (entity, id, second of the change, change or delete) links a webhook event and the
  change-data-capture row of the same change: the cron does not store (nor apply) a change a webhook
  already brought.
* One job per QuickBooks object and delivery (``identity_key``): a burst collapses into one job; a later
  delivery gets a job of its own (a waiting job may already be handed to a worker that would not see the
  new rows), which finds nothing left when the first took them all.  The job reads every unprocessed row
  of the object and calls
  ``quickbooks.pull._process_change`` once, with the most decisive operation among them
  (delete > void > merge > update > create): the pull reads the object's current state from QBO,
  so late or out-of-order notifications converge, and a late "update" of a deleted object finds
  it gone instead of bringing it back.
* Events of realms without a connection of this database are not stored (logged and answered 200,
  Intuit would otherwise re-deliver them for days); ``backend_id`` is therefore always set.
* Failures stay in the inbox with their error and a Retry button; a temporary failure notes the
  attempt on its own cursor and lets queue_job retry.
"""

from datetime import datetime, timedelta

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError

from .. import const
from ..adapters.entities import DRIFT_ENTITIES, qbo_entity
from ..qbo.redact import get_logger
from ..tools.access import check_manager
from ..tools.dates import naive_utc
from ..tools.failures import FATAL, REFUSED, WAIT, sort_failure
from ..tools.jobs import enqueue, job, note_and_retry
from .quickbooks_pull import Echo

_logger = get_logger(__name__)

EVENT_STATES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("ignored", "Ignored"),
]
OPERATIONS = [
    ("create", "Create"),
    ("update", "Update"),
    ("delete", "Delete"),
    ("void", "Void"),
    ("merge", "Merge"),
    ("emailed", "Emailed"),
]
#: When several notifications of one object wait, the job passes the most decisive operation.
OPERATION_WEIGHT = {"emailed": 0, "create": 1, "update": 2, "merge": 3, "void": 4, "delete": 5}

#: Advisory-lock namespace of "one object applied by one worker at a time".
OBJECT_LOCK_NAMESPACE = 0x51B0
# Objects Odoo owns (the entity table's DRIFT_ENTITIES: documents, customers, vendors): a notification
# of one only checks it for drift (Odoo is master).  Every document Odoo pushes comes back as such a
# notification, so a backfill would spend one read per document on them: they wait a little, and the
# first job to run reads every waiting object of the entity at once (``Id IN (...)``, up to
# ``const.DRIFT_BATCH`` in one request, after ``const.DRIFT_DELAY_SECONDS``).


def change_key(entity: str, qbo_id: str, moment: datetime | None, deleted: bool) -> str:
    """The same key for one change whether a webhook or change data capture reported it."""
    moment = naive_utc(moment)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S") if moment else ""
    return f"{entity}:{qbo_id}:{stamp}:{'delete' if deleted else 'change'}"


class QuickbooksWebhookEvent(models.Model):
    _name = "quickbooks.webhook.event"
    _description = "QuickBooks change notification"
    _order = "id desc"

    backend_id = fields.Many2one("quickbooks.backend", "Connection", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    realm_id = fields.Char("Realm ID", required=True)
    entity = fields.Char("QuickBooks Entity", required=True)
    qbo_id = fields.Char("QuickBooks ID", required=True)
    operation = fields.Selection(OPERATIONS, required=True)
    occurred_at = fields.Datetime("Changed on", help="When QuickBooks says the change happened (UTC).")
    event_id = fields.Char("Event ID", help="CloudEvents id of the notification.")
    dedupe_key = fields.Char(required=True, readonly=True)
    change_key = fields.Char(readonly=True, index=True)
    source = fields.Selection(
        [("webhook", "Webhook"), ("cdc", "Change data capture")], required=True, default="webhook"
    )
    payload = fields.Json(readonly=True, help="The notification itself (never the request headers).")
    state = fields.Selection(EVENT_STATES, default="received", required=True, index=True)
    attempts = fields.Integer(default=0, readonly=True)
    last_error = fields.Text(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    outcome = fields.Char(readonly=True)
    echo = fields.Boolean(
        "Echo of Odoo's change",
        readonly=True,
        index=True,
        help="QuickBooks reported a change the connector itself had just made: nothing to do, hidden by default.",
    )

    _dedupe_uniq = models.Constraint(
        "UNIQUE(backend_id, dedupe_key)", "This QuickBooks notification is already in the inbox."
    )
    _object_idx = models.Index("(backend_id, entity, qbo_id, state)")

    @api.depends("entity", "qbo_id", "operation")
    def _compute_display_name(self):
        labels = dict(OPERATIONS)
        for event in self:
            event.display_name = f"{event.entity} {event.qbo_id} ({labels.get(event.operation, event.operation)})"

    # ------------------------------------------------------------------ storage
    @api.model
    def _insert_new(self, values_list, skip_known_changes=False):
        """Create the rows not stored yet (by ``dedupe_key``; by ``change_key`` too when asked).

        A concurrent request storing the same notification is caught by the unique constraint:
        that row is skipped, the others are kept.
        """
        Inbox = self.sudo()
        fresh, seen = [], set()
        for values in values_list:
            key = (values["backend_id"], values["dedupe_key"])
            if key not in seen:
                seen.add(key)
                fresh.append(values)
        if not fresh:
            return Inbox.browse()
        known = set()
        for backend_id in {values["backend_id"] for values in fresh}:
            mine = [values for values in fresh if values["backend_id"] == backend_id]
            existing = Inbox.search_fetch(
                [("backend_id", "=", backend_id), ("dedupe_key", "in", [v["dedupe_key"] for v in mine])], ["dedupe_key"]
            )
            known.update((backend_id, row.dedupe_key) for row in existing)
            if skip_known_changes:
                keys = [v["change_key"] for v in mine if v.get("change_key")]
                existing = (
                    Inbox.search_fetch([("backend_id", "=", backend_id), ("change_key", "in", keys)], ["change_key"])
                    if keys
                    else Inbox
                )
                changes = set(existing.mapped("change_key"))
                known.update((backend_id, v["dedupe_key"]) for v in mine if v.get("change_key") in changes)
        fresh = [values for values in fresh if (values["backend_id"], values["dedupe_key"]) not in known]
        if not fresh:
            return Inbox.browse()
        try:
            with self.env.cr.savepoint():
                return Inbox.create(fresh)
        except pg_errors.UniqueViolation:
            rows = Inbox.browse()
            for values in fresh:  # someone stored one of them meanwhile: keep the others
                try:
                    with self.env.cr.savepoint():
                        rows |= Inbox.create(values)
                except pg_errors.UniqueViolation:
                    continue
            return rows

    def _schedule_processing(self):
        """Queue one job per object; rows Odoo has nothing to do with are marked ignored."""
        now = fields.Datetime.now()
        ignored = self.browse()
        for row in self:
            reason = row._ignore_reason()
            if reason:
                row.sudo().write({"state": "ignored", "outcome": reason, "processed_at": now})
                ignored |= row
        objects = {}
        for row in self - ignored:
            objects.setdefault((row.backend_id, row.entity, row.qbo_id), self.browse())
            objects[(row.backend_id, row.entity, row.qbo_id)] |= row
        echoes = self._own_creations(objects)
        for key, rows in objects.items():
            if key in echoes:
                rows.sudo()._mark_processed(Echo(self.env._("Created by Odoo: nothing to apply.")))
                continue
            self._enqueue_object(*key)
            rows.sudo().write({"state": "queued"})

    def _ignore_reason(self):
        self.ensure_one()
        backend = self.backend_id.sudo()
        if self.entity not in backend._quickbooks_followed_entities():
            return self.env._("Odoo does not synchronise %s from QuickBooks.", self.entity)
        if self.operation == "emailed":
            return self.env._("Sent by e-mail in QuickBooks: nothing changed.")
        if qbo_entity(self.entity).payable and not backend.sync_bills:
            return self.env._("Vendor bills are not synced.")
        if qbo_entity(self.entity).pulled == "apply" and not backend.sync_payments_from_qbo:
            return self.env._("Pulling payments is switched off.")
        return False

    @api.model
    def _enqueue_object(self, backend, entity, qbo_id):
        """The job of one QuickBooks object; identical calls of one transaction collapse into one."""
        Inbox = self.env[self._name].with_user(SUPERUSER_ID).with_company(backend.company_id)
        options = {"eta": const.DRIFT_DELAY_SECONDS} if entity in DRIFT_ENTITIES else {}
        return enqueue(
            Inbox,
            f"QuickBooks: apply {entity} {qbo_id}",
            **options,
        )._quickbooks_process_object(backend.with_env(Inbox.env), entity, str(qbo_id))

    # ------------------------------------------------------------------ processing (job)
    @job
    @api.model
    def _quickbooks_process_object(self, backend, entity, qbo_id):
        """Job: bring Odoo in line with QuickBooks' current state of one object.

        Marks the object's waiting rows done (with the pull's outcome) or failed (with the error); a
        :class:`RetryableJobError` notes the attempt and lets queue_job retry.
        """
        rows = self.sudo().search(
            [
                ("backend_id", "=", backend.id),
                ("entity", "=", entity),
                ("qbo_id", "=", qbo_id),
                ("state", "in", ("received", "queued", "failed")),
            ],
            order="occurred_at, id",
        )
        if not rows:
            return self.env._("Nothing left to process for %(entity)s %(id)s.", entity=entity, id=qbo_id)
        operation = max(rows.mapped("operation"), key=lambda op: OPERATION_WEIGHT.get(op, 0))
        self.env["quickbooks.push"]._check_backend_active(backend)  # paused: wait without using retries
        self._lock_object(backend, entity, qbo_id)
        batch = {}
        try:
            with self.env.cr.savepoint():
                if entity in DRIFT_ENTITIES and operation != "delete":
                    batch = self._read_drift_batch(backend, entity, qbo_id)
                outcome = self.env["quickbooks.pull"]._process_change(
                    backend, entity, qbo_id, operation, qbo_object=batch.pop(qbo_id, None)
                )
        except Exception as error:  # sorted in one place with the push's failures (tools/failures)
            failure = sort_failure(self.env, error)
            if failure.kind == WAIT:
                raise  # a deliberate wait (paused connection, object busy, another job): not an attempt
            if failure.kind == REFUSED:
                backend.invalidate_recordset(["state"])
                if backend.state != "connected":  # the authorization was revoked meanwhile
                    self.env["quickbooks.push"]._check_backend_active(backend)
            if failure.retried:
                last = self._is_last_try(error if isinstance(error, RetryableJobError) else None)
                note_and_retry(
                    rows, rows._attempt_values(failure.message, final=last), failure.message, failure.retry_after
                )
            if failure.kind == FATAL:
                _logger.exception("QuickBooks: applying %s %s failed", entity, qbo_id)
            return rows._mark_failed(failure.message)
        rows._mark_processed(outcome)
        for other_id, qbo_object in batch.items():
            self._apply_read_object(backend, entity, other_id, qbo_object)
        self._close_jobs_applied_here(backend, entity, list(batch))
        return outcome

    def _mark_processed(self, outcome):
        self.invalidate_recordset()
        for row in self:
            row.write(
                {
                    "state": "done",
                    "echo": isinstance(outcome, Echo),
                    "outcome": (outcome or "")[:250] or False,
                    "last_error": False,
                    "processed_at": fields.Datetime.now(),
                    "attempts": row.attempts + 1,
                }
            )

    def _waiting(self, backend, entity, qbo_ids=None):
        domain = [("backend_id", "=", backend.id), ("entity", "=", entity), ("state", "in", ("received", "queued"))]
        if qbo_ids is not None:
            domain.append(("qbo_id", "in", list(qbo_ids)))
        return self.sudo().search(domain, order="occurred_at, id")

    @api.model
    def _lock_object(self, backend, entity, qbo_id):
        """One worker at a time per object: a job started while another one applies the same object
        (identity keys only merge jobs that have not started) waits for it instead of racing it.

        :raise RetryableJobError: while another worker holds the object (looked at again later,
            not counted as an attempt)
        """
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))",
            [OBJECT_LOCK_NAMESPACE, f"{backend.id}:{entity}:{qbo_id}"],
        )
        if not self.env.cr.fetchone()[0]:
            raise RetryableJobError(
                self.env._(
                    "%(entity)s %(id)s is being applied by another worker: will look again.", entity=entity, id=qbo_id
                ),
                seconds=const.OBJECT_BUSY_RETRY_SECONDS,
                ignore_retry=True,
            )

    def _mark_failed(self, message):
        self.invalidate_recordset()
        for row in self.sudo():
            row.write(
                {
                    "state": "failed",
                    "last_error": message,
                    "processed_at": fields.Datetime.now(),
                    "attempts": row.attempts + 1,
                    "outcome": False,
                }
            )
        _logger.warning(
            "QuickBooks: %d notification(s) of %s %s failed: %s", len(self), self[:1].entity, self[:1].qbo_id, message
        )
        return message

    def _attempt_values(self, message, final=False):
        """What a temporary failure writes on a row (see :func:`~..tools.jobs.note_and_retry`)."""

        def values(row):
            values = {"attempts": row.attempts + 1, "last_error": message}
            if final:
                values.update(
                    state="failed",
                    processed_at=fields.Datetime.now(),
                    last_error=self.env._(
                        "Gave up after %(count)s attempts: %(error)s", count=row.attempts + 1, error=message
                    ),
                )
            return values

        return values

    def _is_last_try(self, error):
        """Whether queue_job turns this retryable error into a final failure (retries used up)."""
        uuid = self.env.context.get("job_uuid")
        if not uuid or (error is not None and getattr(error, "ignore_retry", False)):
            return False
        job = self.env["queue.job"].sudo().search([("uuid", "=", uuid)], limit=1)
        return bool(job and job.max_retries and job.retry + 1 >= job.max_retries)

    # ------------------------------------------------------------------ actions
    def action_retry(self):
        """Managers: apply the failed (or stuck) notifications again."""
        check_manager(self, "read")  # the inbox is the connector's to write: managers read it and ask
        rows = self.filtered(lambda r: r.state in ("failed", "received", "queued")).sudo()
        rows.write({"state": "received", "last_error": False})
        rows._schedule_processing()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("QuickBooks"),
                "message": self.env._("%s notification(s) scheduled again.", len(rows)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.autovacuum
    def _gc_processed_events(self):
        """Processed notifications are kept two months (well past the change-data-capture look-back)."""
        limit = fields.Datetime.now() - timedelta(days=const.INBOX_RETENTION_DAYS)
        self.sudo().search([("state", "in", ("done", "ignored")), ("create_date", "<", limit)]).unlink()
