"""Encryption at rest for QuickBooks secrets (client secret, tokens, webhook verifier token).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).  The key comes from odoo.conf
(``quickbooks_encryption_key`` under ``[options]``) or the ``QUICKBOOKS_ENCRYPTION_KEY``
environment variable; never from the database, so a database dump alone reveals no secret.
Generate one with ``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``.
"""

import os

from cryptography.fernet import Fernet, InvalidToken

from odoo.exceptions import UserError
from odoo.tools import config

from ..const import ENCRYPTION_KEY_ENV, ENCRYPTION_KEY_OPTION

# Plain strings: these are raised from places without an environment to translate with.
_MISSING_KEY = (
    "QuickBooks secrets cannot be stored or read: no encryption key is configured. Set "
    "'quickbooks_encryption_key' in the Odoo configuration file or the QUICKBOOKS_ENCRYPTION_KEY "
    "environment variable to a Fernet key, then restart Odoo."
)
_BAD_KEY = "The QuickBooks encryption key is not a valid Fernet key (32 url-safe base64-encoded bytes)."
_UNREADABLE = (
    "A stored QuickBooks secret cannot be decrypted with the configured key (was the key changed?). "
    "Enter the client secret again and reconnect to QuickBooks."
)


def _key() -> bytes:
    key = (config.get(ENCRYPTION_KEY_OPTION) or os.environ.get(ENCRYPTION_KEY_ENV) or "").strip()
    if not key:
        raise UserError(_MISSING_KEY)
    return key.encode()


def _fernet() -> Fernet:
    try:
        return Fernet(_key())
    except (ValueError, TypeError):
        raise UserError(_BAD_KEY) from None


def encryption_configured() -> bool:
    """True when a usable key is configured (the settings page warns otherwise)."""
    try:
        _fernet()
    except UserError:
        return False
    return True


def encrypt(plaintext: str | None) -> str | bool:
    """Ciphertext for a column; ``False`` for an empty value."""
    if not plaintext:
        return False
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str | None) -> str | None:
    """The secret behind a column value; raises a readable error, never the ciphertext."""
    if not ciphertext:
        return None
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise UserError(_UNREADABLE) from None
