"""A rate governor whose state lives in PostgreSQL, shared by every worker and every server.

QBO's limits are per company (realm): 500 requests a minute (each batch item counts), 10 in flight,
40 batch calls a minute.  Production Odoo runs several worker processes, often on several
servers, so a per-process limiter would let them add up past the limit.  Each call takes a slot:
a row of ``quickbooks.rate.slot`` written and committed at once on its own cursor, under a
per-realm advisory lock, and released (marked finished) when the call returns.  A slot whose
worker died is ignored once its lease has passed.  Times are the database's clock, the one clock
all servers share.

Two lanes share a realm's budget.  A backfill's requests (its jobs ask for the lane on the connection) are *bulk*:
they stop a few requests short of the budget, so an invoice a user validates now, or a payment the
CPA records now, finds room at once instead of queueing behind the backlog's window; and a bulk job
that would wait long for room gives its job slot back (it runs again when the room is there) rather
than holding it asleep while interactive jobs wait for a slot.  It does so even after it sent
something: a backfill fills the bulk share of a minute in well under a minute, so its next request
may wait half a minute for the oldest of the window to age out, and a job asleep that long in each
of the QuickBooks channel's slots kept an invoice a user validated waiting as long.  What it sent
stays sent: its requestids replay QuickBooks' answers when the rest is tried again.

The bulk lane is also paced: at most a sixtieth of its share of the window in any sixtieth of it (8
requests a second at QuickBooks' 500 a minute).  Sent as fast as it could go, a backfill took the
minute's share in its first forty seconds and nothing in the last twenty; a minute later its requests
aged out of the window in the same bursts and gaps, and during each gap the window stayed full: what
users did then waited up to twenty seconds for a slot once the small reserve was used.  Paced, a
request of the window ages out every fraction of a second, and an interactive request takes the next
one (the bulk lane stops short of the budget, so a freed slot is the interactive lane's first).
"""

import math
import time
import zlib
from contextlib import contextmanager

from odoo import _
from odoo.addons.queue_job.exception import RetryableJobError

from .. import const
from ..qbo.ratelimit import QBO_LIMITS, RateLimits
from .jobs import users_work_waiting


class PostgresRateLimiter:
    """:class:`qbo.ratelimit.RateLimiter` backed by ``quickbooks_rate_slot``."""

    def __init__(
        self, registry, limits: RateLimits = QBO_LIMITS, sleep=time.sleep, *, bulk=False, yield_to_users=False
    ):
        self.registry = registry
        self.limits = limits
        self.budget = max(1, int(limits.requests_per_window * (1 - const.RATE_BUDGET_MARGIN)))
        self.batch_budget = max(1, int(limits.batch_calls_per_window * (1 - const.RATE_BUDGET_MARGIN)))
        #: bulk: a backfill's job, which stops short of the budget and yields its job slot
        self.bulk = bulk
        #: a bulk job that has got something done already: when its document's first request must wait, it gives
        #: its job slot back to users' work waiting for one (see :meth:`acquire`)
        self.yield_to_users = yield_to_users
        self.bulk_budget = max(1, self.budget - max(1, int(self.budget * const.RATE_BULK_RESERVE)))
        #: the bulk lane's pace: at most ``pace_budget`` in any ``pace_window`` seconds (see the module's doc)
        self.pace_window = limits.window / const.RATE_BULK_PACE_STEPS
        self.pace_budget = math.ceil(self.bulk_budget / const.RATE_BULK_PACE_STEPS)
        self._sleep = sleep
        self._calls = 0

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
                       min(started_at),
                       coalesce(sum(cost) FILTER (WHERE is_bulk AND started_at > %(paced)s), 0),
                       min(started_at) FILTER (WHERE is_bulk AND started_at > %(paced)s)
                  FROM quickbooks_rate_slot
                 WHERE realm_id = %(realm)s AND started_at > %(since)s
            """,
                {
                    "realm": realm_id,
                    "since": now - window,
                    "lease": now - const.RATE_SLOT_LEASE_SECONDS,
                    "paced": now - self.pace_window,
                },
            )
            used, batches, in_flight, oldest, paced, oldest_paced = cr.fetchone()
            waits = [0.0]
            if in_flight >= self.limits.max_concurrent:
                waits.append(0.05)
            budget = self.bulk_budget if self.bulk else self.budget
            if used + cost > budget and oldest is not None:
                waits.append(oldest + window - now)
            if self.bulk and paced and paced + cost > self.pace_budget:
                waits.append(oldest_paced + self.pace_window - now)
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

    def _users_waiting(self):
        with self.registry.cursor() as cr:
            return users_work_waiting(cr)

    @contextmanager
    def acquire(self, realm_id, cost=1, *, batch=False):
        """Hold one of the realm's request slots for the block: wait until the budget allows it.

        :raise RetryableJobError: in the bulk lane, when the wait would be long, or when it must wait while
            users' work waits for a job slot (``yield_to_users``): the job gives its slot back and runs again
            later (not counted as an attempt)
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
            if self.bulk and self.yield_to_users and not self._calls and self._users_waiting():
                # Paced, a backfill's request waits about a second; a user's job waiting for a job slot
                # meanwhile would wait as long for each of the chunk's documents.  Only before the document's
                # first request: after it, the document is finished (a second at most), not sent again.
                raise RetryableJobError(
                    _(  # pylint: disable=prefer-env-translation
                        "The backfill makes way for work users are waiting for; it resumes in a moment."
                    ),
                    seconds=1,
                    ignore_retry=True,
                )
            self._sleep(min(max(wait, 0.01), 1.0))
        self._calls += 1
        try:
            yield
        finally:
            with self.registry.cursor() as cr:
                cr.execute(
                    "UPDATE quickbooks_rate_slot SET finished_at = extract(epoch from clock_timestamp()) WHERE id = %s",
                    [slot_id],
                )
