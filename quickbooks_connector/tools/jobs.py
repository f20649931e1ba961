"""Queueing QuickBooks jobs and asking queue_job to try one again later, the same way everywhere."""

from psycopg2 import errors as pg_errors

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

from .. import const

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
