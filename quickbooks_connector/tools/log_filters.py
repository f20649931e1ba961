"""Log filters installed on loggers this addon does not own.

* Odoo's HTTP server logs every request line with its query string (logger ``werkzeug``): Intuit's
  redirect back to ``/quickbooks/oauth/callback`` carries the one-time authorization code.
* urllib3 logs request paths at DEBUG level: a Slack incoming webhook's path is its credential.
* Odoo logs every failed query as an ERROR (logger ``odoo.sql_db``, "bad query"), also a transaction
  that lost a race to a concurrent one (serialization failure, lock timeout, deadlock): those are
  rolled back and run again (Odoo retries the request, queue_job the job, the scheduler the cron),
  nothing is lost, and during a bulk push they alarmed whoever read the log.  They are logged at INFO.

Only the lines concerned are rewritten; every other line is left as it is.
"""

import logging
import re

from psycopg2 import errorcodes

from .. import const
from ..qbo.redact import redact

_WEBHOOK_PATH = re.compile(r"/(services|triggers|workflows)/[^\s\"']+")


class RewritingFilter(logging.Filter):
    """Rewrite a record's message with ``rewrite(message)`` (None: leave the record alone)."""

    def __init__(self, rewrite):
        super().__init__()
        self.rewrite = rewrite

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            return True
        rewritten = self.rewrite(message)
        if rewritten is not None and rewritten != message:
            record.msg, record.args = rewritten, None
        return True


def _oauth_callback(message):
    return redact(message) if const.OAUTH_CALLBACK_ROUTE in message else None


def _webhook_path(message):
    return _WEBHOOK_PATH.sub(r"/\1/***", message) if _WEBHOOK_PATH.search(message) else None


#: The errors Odoo's own retry loop retries (``odoo.service.model.PG_CONCURRENCY_ERRORS_TO_RETRY``).
RETRIED_PGCODES = frozenset(
    {errorcodes.SERIALIZATION_FAILURE, errorcodes.LOCK_NOT_AVAILABLE, errorcodes.DEADLOCK_DETECTED}
)


class RetriedQueryFilter(logging.Filter):
    """A "bad query" that lost a race to a concurrent transaction: INFO, saying it is retried."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        error = args[-1] if args else None
        if record.levelno == logging.ERROR and getattr(error, "pgcode", None) in RETRIED_PGCODES:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.msg = "concurrent update, the transaction is rolled back and retried: " + str(record.msg)
        return True


_FILTERS = {
    "werkzeug": RewritingFilter(_oauth_callback),
    "urllib3.connectionpool": RewritingFilter(_webhook_path),
    "odoo.sql_db": RetriedQueryFilter(),
}


def install():
    """Idempotent: add each filter to its logger."""
    for name, log_filter in _FILTERS.items():
        logger = logging.getLogger(name)
        if log_filter not in logger.filters:
            logger.addFilter(log_filter)
