"""Change data capture: the safety net behind webhooks.

Every 15 minutes each connection pulling from QuickBooks asks QBO's ``/cdc`` what changed since
its cursor, and feeds every changed object through the webhook inbox (``source = cdc``), where a
change a webhook already brought is recognised by its entity, id and ``LastUpdatedTime`` and not
stored twice.

* The cursor starts one day back and is never older than QBO's 30-day look-back (clamped, logged).
* QBO returns at most 1,000 objects per entity, oldest changes first, and takes no upper time bound.
  When an entity comes back full, the window is split at the last ``LastUpdatedTime`` of that page:
  everything before it is complete, and the rest of the window is queried again from there.
* The cursor moves only after the rows are stored (same transaction), to the newest
  ``LastUpdatedTime`` seen minus a small overlap for clock skew; with nothing new it still follows
  the clock at a safe distance, so it never ages past the look-back.
"""

from datetime import timedelta, timezone

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..adapters.entities import PULLED_ENTITIES, SWITCHED_ENTITIES, qbo_entity
from ..qbo import QBOError
from ..qbo.redact import get_logger
from ..tools.access import check_manager, check_user
from ..tools.dates import parse_qbo_time

_logger = get_logger(__name__)

CDC_ENTITIES = PULLED_ENTITIES


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    def _quickbooks_switched_on(self, entity):
        """Whether this connection exchanges ``entity``: always, unless the entity table gives it a switch (an
        entity of a bridge addon), which must exist on the connection and be on."""
        self.ensure_one()
        row = qbo_entity(entity)
        switch = row.switch if row else None
        return not switch or bool(switch in self._fields and self.sudo()[switch])

    def _quickbooks_followed_entities(self):
        """The entities whose changes in QuickBooks this connection follows (webhooks, change data capture)."""
        self.ensure_one()
        return CDC_ENTITIES + tuple(entity for entity in SWITCHED_ENTITIES if self._quickbooks_switched_on(entity))

    cdc_cursor = fields.Datetime(
        "Changes Read Until",
        copy=False,
        readonly=True,
        groups=const.GROUP_MANAGER,
        help="Change data capture resumes from here (UTC): every QuickBooks change before it was read.",
    )
    cdc_last_run_at = fields.Datetime("Last Catch-up", copy=False, readonly=True, groups=const.GROUP_MANAGER)
    cdc_last_error = fields.Text("Last Catch-up Error", copy=False, readonly=True, groups=const.GROUP_MANAGER)
    webhook_event_count = fields.Integer(compute="_compute_webhook_event_count", groups=const.GROUP_MANAGER)

    def _compute_webhook_event_count(self):
        groups = self.env["quickbooks.webhook.event"]._read_group(
            [("backend_id", "in", self.ids), ("state", "=", "failed")], ["backend_id"], ["__count"]
        )
        counts = {backend.id: count for backend, count in groups}
        for backend in self:
            backend.webhook_event_count = counts.get(backend.id, 0)

    # ------------------------------------------------------------------ cron and button
    @api.model
    def _cron_cdc_catch_up(self):
        """Cron: read what changed in QuickBooks for every connection that pulls from it."""
        backends = self.sudo().search([("state", "=", "connected"), ("sync_payments_from_qbo", "=", True)])
        for position, backend in enumerate(backends, start=1):
            try:
                with self.env.cr.savepoint():
                    backend._cdc_catch_up()
            except Exception as error:  # one company's failure must not stop the others
                if isinstance(error, (QBOError, UserError)):
                    _logger.warning("QuickBooks change data capture for %s failed: %s", backend.display_name, error)
                else:
                    _logger.exception("QuickBooks change data capture for %s failed", backend.display_name)
                backend.write({"cdc_last_error": str(error), "cdc_last_run_at": fields.Datetime.now()})
            if self.env.context.get("ir_cron_progress_id"):  # commit each company's progress
                self.env["ir.cron"]._commit_progress(1, remaining=len(backends) - position)

    def action_cdc_catch_up(self):
        """ "Catch up from QuickBooks": run change data capture now.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if QuickBooks refuses the catch-up or cannot be reached
        """
        self.ensure_one()
        check_manager(self)
        try:
            rows = self._cdc_catch_up()
        except QBOError as error:
            raise UserError(self.env._("QuickBooks did not answer the catch-up: %s", error)) from None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("QuickBooks"),
                "message": self.env._("%s new change(s) read from QuickBooks.", len(rows)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_webhook_events(self):
        check_user(self)
        return self._failed_rows_action("quickbooks_connector.action_quickbooks_webhook_event")

    # ------------------------------------------------------------------ change data capture
    def _cdc_start(self, now):
        """Where this run starts: the cursor, one day back at first, never beyond QBO's look-back."""
        self.ensure_one()
        since = self.sudo().cdc_cursor or now - const.CDC_FIRST_LOOKBACK
        oldest = now - const.CDC_MAX_LOOKBACK + const.CDC_LOOKBACK_MARGIN
        if since < oldest:
            _logger.warning(
                "QuickBooks change data capture for %s: cursor %s is beyond QuickBooks' 30-day look-back; "
                "reading from %s (older changes are left to the reconciliation)",
                self.display_name,
                since,
                oldest,
            )
            since = oldest
        return since

    def _cdc_catch_up(self):
        """Store what changed in QuickBooks since the cursor, queue it, advance the cursor.

        Returns the new inbox rows.
        """
        self.ensure_one()
        backend = self.sudo()
        Inbox = self.env["quickbooks.webhook.event"].sudo()
        now = fields.Datetime.now()
        start = since = backend._cdc_start(now)
        client = backend._qbo_client()
        rows, newest, resume = Inbox.browse(), None, None
        for request in range(1, const.CDC_MAX_REQUESTS + 1):
            entities = [
                e for e in backend._quickbooks_followed_entities() if backend.sync_bills or not qbo_entity(e).payable
            ]
            changes = client.cdc(entities, changed_since=since.replace(tzinfo=timezone.utc))
            values = []
            for entity, objects in changes.items():
                for obj in objects:
                    item = Inbox._cdc_values(backend, entity, obj)
                    values.append(item)
                    if item["occurred_at"] and (newest is None or item["occurred_at"] > newest):
                        newest = item["occurred_at"]
            rows |= Inbox._insert_new(values, skip_known_changes=True)
            full = [objects for objects in changes.values() if len(objects) >= const.CDC_PAGE_LIMIT]
            if not full:
                break
            # Oldest first: before the last change of a full page, everything was returned.
            split = min(
                max((parse_qbo_time((o.get("MetaData") or {}).get("LastUpdatedTime")) or since) for o in objects)
                for objects in full
            )
            if split <= since:
                _logger.error(
                    "QuickBooks change data capture for %s: more than %d changes of one entity at %s; "
                    "the ones QuickBooks did not return cannot be read (the reconciliation will show them)",
                    backend.display_name,
                    const.CDC_PAGE_LIMIT,
                    since,
                )
                split = since + timedelta(seconds=1)
            _logger.info(
                "QuickBooks change data capture for %s: a full page, window split at %s", backend.display_name, split
            )
            since = split
            if request == const.CDC_MAX_REQUESTS:
                resume = split  # a large backlog: the next run continues from here
        rows._schedule_processing()
        # A backlog continues where it stopped; otherwise everything up to QBO's "now" was read.
        cursor = resume or max(filter(None, (newest and newest - const.CDC_OVERLAP, now - const.CDC_IDLE_LAG, start)))
        backend.write({"cdc_cursor": cursor, "cdc_last_run_at": now, "cdc_last_error": False})
        if rows:
            _logger.info(
                "QuickBooks change data capture for %s: %d change(s) not seen before", backend.display_name, len(rows)
            )
        return rows
