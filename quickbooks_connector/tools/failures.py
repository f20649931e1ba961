"""What a failed QuickBooks job means, decided in one place for the push and the pull.

* ``wait``: a deliberate wait (a paused connection, an object another worker applies, another job to
  end): queue_job tries again later and it is not an attempt;
* ``transient``: the network, a 429 or 5xx, an expired token, a race with another transaction, a
  retryable wait: tried again with the job function's back-off (or QuickBooks' Retry-After), the
  attempt noted;
* ``conflict``: QuickBooks kept changing the object while Odoo updated it (a stale SyncToken after
  the merges);
* ``validation``: QuickBooks refused the content: recorded, not retried by itself (a manager fixes the
  cause, then uses Retry);
* ``refused``: Odoo refused it (a user-facing error raised on purpose, with its message);
* ``fatal``: anything else, a defect: recorded with its type, logged with its traceback.
"""

from dataclasses import dataclass

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError

from ..qbo import AuthenticationError, QBOError, StaleObjectError
from .jobs import CONCURRENCY_ERRORS

WAIT, TRANSIENT, CONFLICT, VALIDATION, REFUSED, FATAL = (
    "wait",
    "transient",
    "conflict",
    "validation",
    "refused",
    "fatal",
)


@dataclass(frozen=True)
class Failure:
    kind: str
    message: str
    retry_after: int | None = None

    @property
    def retried(self):
        """Whether queue_job tries the job again (``wait`` without counting it as an attempt)."""
        return self.kind in (WAIT, TRANSIENT)


def sort_failure(env, error):
    """The :class:`Failure` that ``error``, raised by a QuickBooks job's work, is."""
    if isinstance(error, RetryableJobError):
        return Failure(WAIT if error.ignore_retry else TRANSIENT, str(error), error.seconds)
    if isinstance(error, QBOError):
        if isinstance(error, AuthenticationError) or error.retryable:
            message = env._("Temporary QuickBooks problem, will retry: %s", error)
            return Failure(TRANSIENT, message, getattr(error, "retry_after", None))
        if isinstance(error, StaleObjectError):
            return Failure(CONFLICT, str(error))
        return Failure(VALIDATION, env._("QuickBooks refused the request: %s", error))
    if isinstance(error, CONCURRENCY_ERRORS):
        return Failure(
            TRANSIENT, env._("Changed by another worker meanwhile, will apply again: %s", type(error).__name__)
        )
    if isinstance(error, UserError):
        return Failure(REFUSED, str(error))
    return Failure(FATAL, f"{type(error).__name__}: {error}")
