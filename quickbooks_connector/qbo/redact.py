"""Keep tokens and secrets out of logs and exception messages.

Every logger of this library goes through :func:`get_logger`, which installs
:class:`SecretRedactingFilter`; the same :func:`redact` is used on anything that could echo a
request back (error bodies, URLs).
"""

from __future__ import annotations

import logging
import re

REDACTED = "***"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization headers, in any case, Bearer or Basic.
    (
        re.compile(r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
        rf"\1\2 {REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    # key=value and "key": "value" pairs for the secrets OAuth and webhooks carry.
    (
        re.compile(
            r"(?i)([\"']?\b(?:access_token|refresh_token|id_token|client_secret|verifier_token|"
            r"code|token|password|intuit-signature)\b[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]+)"
        ),
        rf"\1{REDACTED}",
    ),
)


def redact(text: object) -> str:
    """Return ``text`` with bearer/basic credentials and token-like values replaced."""
    result = str(text)
    for pattern, replacement in _PATTERNS:
        result = pattern.sub(replacement, result)
    return result


class SecretRedactingFilter(logging.Filter):
    """Rewrite a record's message (after %-formatting) so it carries no secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


_FILTER = SecretRedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """A logger whose records are redacted before any handler sees them."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
