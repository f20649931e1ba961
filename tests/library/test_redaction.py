"""Secrets never reach a log line or an error message."""

import logging

from qbo import TokenSet, redact
from qbo.redact import get_logger


def test_redact_hides_bearer_basic_and_token_values():
    text = (
        'Authorization: Bearer eyJhbGciOi.abc.def refresh_token=AB12CD34EF&x=1 '
        '{"access_token": "tok-123456789", "client_secret": "s3cr3t"} Basic dXNlcjpwYXNz'
    )
    cleaned = redact(text)
    for secret in ("eyJhbGciOi.abc.def", "AB12CD34EF", "tok-123456789", "s3cr3t", "dXNlcjpwYXNz"):
        assert secret not in cleaned
    assert "x=1" in cleaned


def test_library_loggers_redact_formatted_arguments(caplog):
    logger = get_logger("qbo.test")
    caplog.set_level(logging.INFO, logger="qbo.test")
    logger.info("calling with %s", "Authorization: Bearer super-secret-token-value")
    assert "super-secret-token-value" not in caplog.text
    assert "Bearer ***" in caplog.text


def test_token_set_repr_shows_no_token():
    from datetime import datetime, timezone

    tokens = TokenSet("access-abcdef", "refresh-ghijkl", datetime.now(timezone.utc), None)
    assert "access-abcdef" not in repr(tokens) and "refresh-ghijkl" not in repr(tokens)
