"""Log filters installed on loggers this addon does not own.

Odoo's HTTP server logs every request line with its query string (logger ``werkzeug``): Intuit's
redirect back to ``/quickbooks/oauth/callback`` carries the one-time authorization code, which must
not reach the log.  Only those lines are rewritten; every other request line is left as it is.
"""

import logging

from .. import const
from ..qbo.redact import redact


class OAuthCallbackFilter(logging.Filter):
    """Redact the authorization code (and state) of OAuth callback request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            return True
        if const.OAUTH_CALLBACK_ROUTE in message:
            record.msg, record.args = redact(message), None
        return True


_OAUTH_CALLBACK_FILTER = OAuthCallbackFilter()


def install():
    """Idempotent: add the filters to their loggers."""
    werkzeug = logging.getLogger("werkzeug")
    if _OAUTH_CALLBACK_FILTER not in werkzeug.filters:
        werkzeug.addFilter(_OAUTH_CALLBACK_FILTER)
