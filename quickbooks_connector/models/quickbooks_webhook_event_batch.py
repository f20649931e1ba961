"""Notifications of objects Odoo owns, read together: a push's own echo, or a change made in QuickBooks.

Each waits ``const.DRIFT_DELAY_SECONDS``; the first job to run reads every waiting object of its entity in one
query (up to ``const.DRIFT_BATCH``), checks each for drift, and marks done the jobs the others were waiting
for, so a backfill's notifications cost a few jobs, not one each.
"""

from odoo import api, models

from .. import const
from ..adapters.entities import PARTY, qbo_entity
from ..qbo import AuthenticationError, QBOError
from ..qbo.redact import get_logger
from .quickbooks_webhook_event import OPERATION_WEIGHT

_logger = get_logger(__name__)


class QuickbooksWebhookEvent(models.Model):
    _inherit = "quickbooks.webhook.event"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _read_drift_batch(self, backend, entity, qbo_id):
        """``{Id: object}`` of ``qbo_id`` and of the other waiting objects of ``entity`` (not deletions),
        read in one query; objects the query does not return (deleted meanwhile) are read by their own job."""
        waiting = self._waiting(backend, entity).filtered(lambda row: row.operation != "delete")
        ids = list(dict.fromkeys([qbo_id, *waiting.mapped("qbo_id")]))[: const.DRIFT_BATCH]
        if len(ids) == 1:
            return {}
        where = "Active in (true, false)" if qbo_entity(entity).kind == PARTY else None
        try:
            found = backend._qbo_client().find_in(entity, "Id", ids, where=where, chunk=const.DRIFT_BATCH)
        except QBOError as error:
            if error.retryable or isinstance(error, AuthenticationError):
                raise
            return {}  # a query QuickBooks refuses: each object is read on its own, as before
        return {str(object_id): objects[0] for object_id, objects in found.items() if len(objects) == 1}

    @api.model
    def _apply_read_object(self, backend, entity, qbo_id, qbo_object):
        """Check one more object of a batch read for drift; anything unusual is left to its own job."""
        rows = self._waiting(backend, entity, [qbo_id])
        if not rows or "delete" in rows.mapped("operation"):
            return
        operation = max(rows.mapped("operation"), key=lambda op: OPERATION_WEIGHT.get(op, 0))
        try:
            with self.env.cr.savepoint():
                self._lock_object(backend, entity, qbo_id)
                outcome = self.env["quickbooks.pull"]._process_change(
                    backend, entity, qbo_id, operation, qbo_object=qbo_object
                )
        except Exception as error:  # its own job applies it again, with the usual handling
            _logger.info("QuickBooks: %s %s left to its own job: %s", entity, qbo_id, error)
            return
        rows._mark_processed(outcome)

    @api.model
    def _close_jobs_applied_here(self, backend, entity, qbo_ids):
        """Mark done the jobs still waiting for objects this job's batch applied: each would only find nothing
        left, and a job costs its start and end however little it does (a backfill's notifications came to a
        job each).  Only jobs still waiting their turn are touched, in one statement that checks it: one a
        worker has taken meanwhile runs and finds nothing left, as before.  An object with a row still to
        process (failed, or notified again meanwhile) keeps its job."""
        if not qbo_ids:
            return
        left = set(self._waiting(backend, entity, qbo_ids).mapped("qbo_id"))
        applied = [qbo_id for qbo_id in qbo_ids if qbo_id not in left]
        if not applied:
            return
        self.env.flush_all()
        # queue_job keeps a job's arguments as JSON text in a jsonb column (a JSON string): read it as JSON.
        self.env.cr.execute(
            """
            WITH waiting AS (
                SELECT id, CASE WHEN jsonb_typeof(args) = 'string' THEN (args #>> '{}')::jsonb ELSE args END AS a
                  FROM queue_job
                 WHERE state = 'pending' AND model_name = %(model)s AND method_name = '_quickbooks_process_object'
            )
            UPDATE queue_job
               SET state = 'done', date_done = now() at time zone 'utc', result = %(result)s
              FROM waiting
             WHERE queue_job.id = waiting.id
               AND queue_job.state = 'pending'
               AND waiting.a->0->'ids'->>0 = %(backend)s
               AND waiting.a->>1 = %(entity)s
               AND waiting.a->>2 = ANY(%(ids)s)
            """,
            {
                "result": self.env._("Applied with the other notifications of %s read together.", entity),
                "model": self._name,
                "backend": str(backend.id),
                "entity": entity,
                "ids": applied,
            },
        )
