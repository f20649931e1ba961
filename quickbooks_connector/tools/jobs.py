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


def job(function=None, *, on_fail=None):
    """Declare a QuickBooks job method (``@job``, or ``@job(on_fail="_method")`` for the method queue_job
    calls when it gives up).  :func:`enqueue` queues only declared methods, and each one gets its job
    function (the QuickBooks channel, :data:`const.JOB_RETRY_PATTERN`) from :func:`declare_job_functions`:
    a job method without one would run on queue_job's root channel, without back-off."""

    def declare(method):
        method._quickbooks_job = {"on_fail": on_fail}
        return method

    return declare(function) if function else declare


class _DeclaredJobs:
    """``record.with_delay(...)`` that refuses a method not declared with :func:`job`."""

    def __init__(self, record, delayable):
        self._record = record
        self._delayable = delayable

    def __getattr__(self, name):
        if not getattr(getattr(type(self._record), name, None), "_quickbooks_job", None):
            raise ValueError(f"{self._record._name}.{name} is not declared a QuickBooks job (tools.jobs.job)")
        return getattr(self._delayable, name)


def identity_in_transaction(job_):
    """queue_job's exact identity (model, records, method, arguments), scoped to the current transaction.

    Identical calls queued by one transaction collapse into one job.  A job queued by an earlier
    transaction is never reused: queue_job would collapse into it while it is "enqueued", that is handed
    to a worker that may run it before this transaction commits and read the state as it was before
    (a notification stored now left "queued" with no job to apply it; a reconciliation made now never
    pushed).  Every job reads the state when it runs, so a second job for the same call costs one read.
    """
    return f"{identity_exact(job_)}:{_transaction_id(job_.env.cr)}"


def users_work_waiting(cr):
    """Whether a QuickBooks job queued ahead of the backfill's (a lower priority number: what users do now,
    payments recorded in QuickBooks) is due and waiting for a worker."""
    cr.execute(
        """
        SELECT 1 FROM queue_job
         WHERE state IN ('pending', 'enqueued') AND priority < %s AND channel LIKE 'root.quickbooks%%'
           AND (eta IS NULL OR eta <= now() at time zone 'utc')
         LIMIT 1
        """,
        [const.BACKFILL_PRIORITY],
    )
    return bool(cr.fetchone())


def _transaction_id(cr):
    """PostgreSQL's id of the current transaction, read once per transaction (a delivery of notifications
    queues a job per object)."""
    key = "quickbooks_transaction_id"
    if key not in cr.cache:
        cr.execute("SELECT txid_current()")
        cr.cache[key] = cr.fetchone()[0]

        def forget():
            cr.cache.pop(key, None)

        cr.postcommit.add(forget)
        cr.postrollback.add(forget)
    return cr.cache[key]


def enqueue(record, description, **options):
    """Queue a QuickBooks job on ``record`` (``enqueue(record, ...)._method(args)``).  Its channel and
    back-off are its job function's, its retry limit :data:`const.JOB_MAX_RETRIES`; identical calls
    queued by one transaction collapse into one (:func:`identity_in_transaction`).

    :raise ValueError: when the method is not declared with :func:`job`
    """
    options.setdefault("identity_key", identity_in_transaction)
    options.setdefault("max_retries", const.JOB_MAX_RETRIES)
    return _DeclaredJobs(record, record.with_delay(description=description, **options))


#: The connector's addon name; its bridge addons (``quickbooks_connector_sale``) are named after it.
CONNECTOR = __name__.split(".")[2]


def _declared_by(module, addons):
    """Whether the Python ``module`` belongs to one of ``addons`` (None: the connector and its bridge addons)."""
    parts = module.split(".")
    if len(parts) < 3 or parts[:2] != ["odoo", "addons"]:
        return False
    if addons is None:
        return parts[2] == CONNECTOR or parts[2].startswith(CONNECTOR + "_")
    return parts[2] in addons


def job_methods(registry, addons=None):
    """``{(model, method): on_fail}`` of every job method the connector and its bridge addons declare (only
    ``addons``' if given), on the models that run them (a mixin's methods are counted on the models that
    inherit it, not on the mixin itself)."""
    mixins = {
        parent
        for model in registry.values()
        for parent in ([model._inherit] if isinstance(model._inherit, str) else model._inherit or [])
        if parent != model._name
    }
    found = {}
    for name, model in registry.items():
        if model._abstract and name in mixins:
            continue
        for cls in type.mro(model):
            if not _declared_by(cls.__module__, addons):
                continue
            for attribute, value in vars(cls).items():
                declared = getattr(value, "_quickbooks_job", None)
                if declared is not None:
                    found[(name, attribute)] = declared["on_fail"]
    return found


def declare_job_functions(env):
    """Give every declared job method its job function: the QuickBooks channel and the retry pattern.
    Existing job functions are left as they are (an administrator may have tuned them in Job Queue >
    Job Functions); only missing ones are created.  Returns the ones created."""
    JobFunction = env["queue.job.function"].sudo()
    channel = env.ref(f"{CONNECTOR}.queue_job_channel_quickbooks")
    created = JobFunction.browse()
    for (model, method), on_fail in sorted(job_methods(env.registry).items()):
        ir_model = env["ir.model"]._get(model)
        if JobFunction.search_count([("model_id", "=", ir_model.id), ("method", "=", method)], limit=1):
            continue
        values = {"model_id": ir_model.id, "method": method, "channel_id": channel.id}
        function = JobFunction.create({**values, "retry_pattern": dict(const.JOB_RETRY_PATTERN)})
        if on_fail:
            function.on_fail_method = on_fail
        created |= function
    return created


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
