"""Queueing QuickBooks jobs, asking queue_job to try one again later, and waiting for another job, the
same way everywhere."""

from psycopg2 import errors as pg_errors

from odoo import fields
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact
from odoo.tools import SQL

from .. import const

#: queue_job states of a job that has not ended: waiting for its dependencies, for its turn (or its
#: next try), handed to a worker, or running (a dead worker's job is requeued by the runner).
UNDER_WAY_STATES = ("wait_dependencies", "pending", "enqueued", "started")

#: Errors of a transaction that raced another one on the same rows: a payment's push binding the
#: QuickBooks payment whose creation a notification announces (unique binding), a token refresh
#: writing the connection (serialization).  Done again from a fresh snapshot, they succeed or find
#: the work done.
CONCURRENCY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
    pg_errors.UniqueViolation,
)


def enqueue(record, description, **options):
    """Queue a QuickBooks job on ``record``.  Its channel and back-off are its job function's
    (``data/queue_job_data.xml``), its retry limit :data:`const.JOB_MAX_RETRIES`; identical calls
    waiting in the queue collapse into one."""
    options.setdefault("identity_key", identity_exact)
    options.setdefault("max_retries", const.JOB_MAX_RETRIES)
    return record.with_delay(description=description, **options)


def note_and_retry(records, values, message, retry_after=None):
    """Record a temporary failure on ``records`` and raise :class:`RetryableJobError`.

    The note is written on a cursor of its own: the job's transaction rolls back when it raises.
    ``values`` is a dict or a function of each record returning one.  Without ``retry_after`` (a
    ``Retry-After`` the remote side sent) queue_job waits as the job function's pattern says.
    """
    env = records.env
    env.flush_all()  # the other cursor must see this transaction's rows (tests share one connection)
    with env.registry.cursor() as cr:
        for record in env(cr=cr, su=True)[records._name].browse(records.ids).exists():
            record.write(values(record) if callable(values) else values)
    records.invalidate_recordset()
    seconds = int(retry_after) if retry_after else None
    raise RetryableJobError(message, seconds=seconds)


def jobs_under_way(records, methods):
    """The queue.job rows of ``methods`` on any of ``records`` that have not ended (queued or running).

    Read from queue_job's own table, in the caller's snapshot: a job that ended in it has committed
    what it did in the same transaction (queue_job marks a job done in the job's own transaction).
    queue_job 19 stores ``records`` as a JSON document inside a jsonb string: both forms are read.
    """
    if not records:
        return records.env["queue.job"]
    env = records.env
    env.flush_all()
    env.cr.execute(
        SQL(
            """SELECT id FROM queue_job
                WHERE model_name = %s AND method_name IN %s AND state IN %s
                  AND EXISTS (
                      SELECT 1 FROM jsonb_array_elements_text(
                          CASE jsonb_typeof(records) WHEN 'string' THEN (records #>> '{}')::jsonb ELSE records END
                          -> 'ids'
                      ) AS rec(id) WHERE rec.id::int = ANY(%s))""",
            records._name,
            tuple(methods),
            UNDER_WAY_STATES,
            list(records.ids),
        )
    )
    return env["queue.job"].sudo().browse([row[0] for row in env.cr.fetchall()])


def wait_for_jobs(jobs, message):
    """Try the current job again once ``jobs`` (see :func:`jobs_under_way`) may have ended.

    Not counted as an attempt: the wait ends when those jobs end, and they have their own retry
    limit.  A job waiting for its next try is looked at again at that moment.

    :raise RetryableJobError: always
    """
    now = fields.Datetime.now()
    etas = [job.eta for job in jobs if job.state == "pending" and job.eta and job.eta > now]
    seconds = const.JOB_WAIT_RETRY_SECONDS
    if etas and len(etas) == len(jobs):
        seconds = max(seconds, int((min(etas) - now).total_seconds()) + 1)
    raise RetryableJobError(message, seconds=seconds, ignore_retry=True)
