"""A rate governor whose state lives in PostgreSQL, shared by every worker and every server.

QBO's limits are per company (realm): 500 requests a minute (each batch item counts), 10 in flight,
40 batch calls a minute.  Production Odoo runs several worker processes, often on several
servers, so a per-process limiter would let them add up past the limit.  Each call takes a slot:
a row of ``quickbooks.rate.slot`` written and committed at once on its own cursor, under a
per-realm advisory lock, and released (marked finished) when the call returns.  A slot whose
worker died is ignored once its lease has passed.  Times are the database's clock, the one clock
all servers share.

Two lanes share a realm's budget.  A backfill's pushes (jobs at the backfill priority) are *bulk*:
they stop a few requests short of the budget, so an invoice a user validates now, or a payment the
CPA records now, finds room at once instead of queueing behind the backlog's window; and a bulk job
that would wait long for room gives its job slot back (it runs again when the room is there) rather
than holding it asleep while interactive jobs wait for a slot.  It does so even after it sent
something: a backfill fills the bulk share of a minute in well under a minute, so its next request
may wait half a minute for the oldest of the window to age out, and a job asleep that long in each
of the QuickBooks channel's slots kept an invoice a user validated waiting as long.  What it sent
stays sent: its requestids replay QuickBooks' answers when the rest is tried again.
"""

import math
import time
import zlib
from contextlib import contextmanager

from odoo import _
from odoo.addons.queue_job.exception import RetryableJobError

from .. import const
from ..qbo.ratelimit import QBO_LIMITS, RateLimits


class PostgresRateLimiter:
    """:class:`qbo.ratelimit.RateLimiter` backed by ``quickbooks_rate_slot``."""

    def __init__(self, registry, limits: RateLimits = QBO_LIMITS, sleep=time.sleep, *, bulk=False):
        self.registry = registry
        self.limits = limits
        self.budget = max(1, int(limits.requests_per_window * (1 - const.RATE_BUDGET_MARGIN)))
        self.batch_budget = max(1, int(limits.batch_calls_per_window * (1 - const.RATE_BUDGET_MARGIN)))
        #: bulk: a backfill's job, which stops short of the budget and yields its job slot
        self.bulk = bulk
        self.bulk_budget = max(1, self.budget - max(1, int(self.budget * const.RATE_BULK_RESERVE)))
        self._sleep = sleep

    def _try_take(self, realm_id, cost, batch):
        """Take a slot if the call fits now; returns (slot id, 0) or (None, seconds to wait)."""
        window = self.limits.window
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x51B0, zlib.crc32(realm_id.encode()) & 0x7FFFFFFF])
            cr.execute("SELECT extract(epoch from clock_timestamp())::float")
            now = cr.fetchone()[0]
            cr.execute(
                """
                SELECT coalesce(sum(cost), 0),
                       count(*) FILTER (WHERE is_batch),
                       count(*) FILTER (WHERE finished_at IS NULL AND started_at > %(lease)s),
                       min(started_at)
                  FROM quickbooks_rate_slot
                 WHERE realm_id = %(realm)s AND started_at > %(since)s
            """,
                {"realm": realm_id, "since": now - window, "lease": now - const.RATE_SLOT_LEASE_SECONDS},
            )
            used, batches, in_flight, oldest = cr.fetchone()
            waits = [0.0]
            if in_flight >= self.limits.max_concurrent:
                waits.append(0.05)
            budget = self.bulk_budget if self.bulk else self.budget
            if used + cost > budget and oldest is not None:
                waits.append(oldest + window - now)
            if batch and batches >= self.batch_budget and oldest is not None:
                waits.append(oldest + window - now)
            wait = max(waits)
            if wait > 0:
                return None, wait
            cr.execute(
                """INSERT INTO quickbooks_rate_slot (realm_id, started_at, cost, is_batch, is_bulk)
                          VALUES (%s, %s, %s, %s, %s) RETURNING id""",
                [realm_id, now, cost, batch, self.bulk],
            )
            return cr.fetchone()[0], 0.0

    @contextmanager
    def acquire(self, realm_id, cost=1, *, batch=False):
        """Hold one of the realm's request slots for the block: wait until the budget allows it.

        :raise RetryableJobError: in the bulk lane, when the wait would be long: the job gives its slot back
            and runs again later (not counted as an attempt)
        """
        cost = min(max(cost, 1), self.bulk_budget if self.bulk else self.budget)
        while True:
            slot_id, wait = self._try_take(realm_id, cost, batch)
            if slot_id:
                break
            if self.bulk and wait > const.RATE_BULK_YIELD_SECONDS:
                # Asleep here the job would hold a job slot an interactive push may need; run again later
                # it costs at most the replay of what it sent (same requestids).  Not an attempt.
                raise RetryableJobError(
                    # No env here (the limiter holds the registry, not a cursor of the job): Odoo's ``_``
                    # finds the language where it can.
                    _(  # pylint: disable=prefer-env-translation
                        "QuickBooks' request budget is used up for now: the backfill resumes in %s s.", math.ceil(wait)
                    ),
                    seconds=math.ceil(wait),
                    ignore_retry=True,
                )
            self._sleep(min(max(wait, 0.01), 1.0))
        try:
            yield
        finally:
            with self.registry.cursor() as cr:
                cr.execute(
                    "UPDATE quickbooks_rate_slot SET finished_at = extract(epoch from clock_timestamp()) WHERE id = %s",
                    [slot_id],
                )
