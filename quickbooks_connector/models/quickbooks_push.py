"""What every push job shares: deterministic request ids, acting on failures, the pause rule.

Failures are sorted by ``tools/failures.sort_failure`` (the pull's inbox uses it too), and acted on here:
* transient (network, 429, 5xx, expired token): the job is retried by queue_job with the back-off
  of its job function (or QuickBooks' Retry-After); the sync record notes the attempt on a separate,
  committed cursor (the job's own transaction rolls back when it raises);
* connection paused (disconnected, reconnect needed): the job waits without using up its retries;
* permanent (QBO refused the content, a mapping is missing): recorded in the sync records, the job ends;
  nothing loops.
"""

import hashlib

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError

from .. import const
from ..qbo import QBOError, StaleObjectError
from ..qbo.redact import get_logger
from ..tools.failures import CONFLICT, sort_failure
from ..tools.jobs import declare_job_functions, note_and_retry

_logger = get_logger(__name__)


class QuickbooksPush(models.AbstractModel):
    _name = "quickbooks.push"
    _description = "QuickBooks push helpers"

    @api.model
    def _declare_job_functions(self):
        """Data hook (install, update): the job function of every QuickBooks job method."""
        return declare_job_functions(self.env)

    @api.model
    def _request_id(self, *parts) -> str:
        """A requestid that is the same for the same operation, whatever the retry (<= 50 chars).

        The database uuid keeps two Odoo databases writing to one QBO company apart.
        """
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        digest = hashlib.sha256("|".join(map(str, (dbuuid, *parts))).encode()).hexdigest()
        return f"odoo-{digest[:40]}"

    @api.model
    def _check_backend_active(self, backend):
        """Jobs for a paused connection wait instead of burning their retries.

        :raise RetryableJobError: while the connection is not connected (the job waits, its
            retries are not spent)
        """
        if backend.state != "connected":
            raise RetryableJobError(
                self.env._(
                    "QuickBooks connection of %(company)s is %(state)s: waiting for a manager to reconnect.",
                    company=backend.company_id.name,
                    state=backend.state,
                ),
                seconds=const.PAUSED_RECHECK_SECONDS,
                ignore_retry=True,
            )

    @api.model
    def _run_bound(self, backend, record, entity, work, **binding):
        """Run ``work()`` for ``record`` under its sync record for ``entity`` (see ``_run``); returns the row.

        ``binding`` goes to the sync record's ``_binding_for``: ``key=`` for a second binding of the same
        record, ``create=False`` for work that only concerns an existing binding (void, delete).
        """
        row = self.env["quickbooks.sync.state"]._binding_for(backend, record, entity, **binding)
        self._run(backend, row, work)
        return row

    def _run(self, backend, row, work):
        """Run ``work()`` for a job and act on its failure as :func:`~..tools.failures.sort_failure` sorts
        it; returns ``work``'s result (None when QuickBooks refused the content).

        :raise RetryableJobError: for a wait or a temporary problem (the attempt noted on the sync record)
        """
        self._check_backend_active(backend)
        try:
            return work()
        except QBOError as error:
            failure = sort_failure(self.env, error)
            if failure.retried:
                note_and_retry(
                    row.sudo(),
                    lambda r: {
                        "attempts": r.attempts + 1,
                        "last_error": failure.message,
                        "failure_kind": "transient",
                        "state": "pending",
                        "last_attempt_at": fields.Datetime.now(),
                    },
                    failure.message,
                    retry_after=failure.retry_after,
                )
            # Permanent: QBO refused the content (or kept changing it).  Recorded, shown on the record,
            # and not retried by itself (a manager fixes the cause, then uses Retry).
            message = row.last_error or failure.message if failure.kind == CONFLICT else failure.message
            if row:
                row._fail_with_note(
                    message, kind=failure.kind, state="conflict" if failure.kind == CONFLICT else "failed"
                )
            _logger.warning("QuickBooks refused %s: %s", row.res_name if row else "a push", error)
            return None
        except UserError:
            backend.invalidate_recordset(["state"])
            if backend.state != "connected":  # the token refresh found the authorization revoked
                self._check_backend_active(backend)
            raise

    @api.model
    def _merged_update(self, client, row, record, entity, ours, owned_fields, request_id):
        """Sparse update of a bound object; a stale SyncToken is re-fetched, merged three ways against
        the sync record's last synced values and retried.  Returns the stored object."""
        try:
            stored, conflicts = client.update_merging(
                entity,
                row.qbo_id,
                row.sync_token or "0",
                ours,
                row.synced_values or {},
                prefer="ours",
                fields=set(owned_fields),
                request_id=request_id,
            )
        except StaleObjectError:
            row._mark_failed(
                self.env._("QuickBooks kept changing this record while Odoo updated it; retry later."),
                state="conflict",
                kind="conflict",
            )
            raise
        row._mark_done(stored, ours, last_request_id=request_id, attempts=row.attempts + 1)
        self._note_conflicts(record, conflicts)
        return stored

    @api.model
    def _note_conflicts(self, record, conflicts):
        """Tell the record's followers what QBO had changed and which value was kept."""
        if not conflicts:
            return
        items = Markup("").join(
            Markup("<li>%s: QuickBooks had %s, Odoo has %s; kept %s</li>") % (c.path, c.theirs, c.ours, c.resolved)
            for c in conflicts
        )
        record._message_log(
            body=Markup("%s<ul>%s</ul>")
            % (self.env._("QuickBooks and Odoo both changed this record; Odoo is master for these fields:"), items)
        )
        _logger.info("QuickBooks: %d conflict(s) on %s resolved for Odoo", len(conflicts), record)
