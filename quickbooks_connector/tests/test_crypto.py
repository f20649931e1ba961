import os
from unittest.mock import patch

from cryptography.fernet import Fernet

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..const import ENCRYPTION_KEY_ENV
from ..tools import crypto
from .common import CLIENT_SECRET, VERIFIER_TOKEN, QuickbooksCase


@tagged("post_install", "-at_install")
class TestSecretsAtRest(QuickbooksCase):
    def test_secrets_are_stored_encrypted_and_never_read_back(self):
        self.backend.invalidate_recordset()
        self.assertFalse(self.backend.client_secret, "the secret input field must never show the secret")
        self.assertTrue(self.backend.client_secret_set)
        self.env.cr.execute(
            "SELECT client_secret_encrypted, webhook_verifier_token_encrypted FROM quickbooks_backend WHERE id = %s",
            [self.backend.id],
        )
        secret_column, verifier_column = self.env.cr.fetchone()
        self.assertNotIn(CLIENT_SECRET, secret_column)
        self.assertNotIn(VERIFIER_TOKEN, verifier_column)
        self.assertEqual(self.stored_secret("client_secret_encrypted"), CLIENT_SECRET)
        self.assertEqual(self.stored_secret("webhook_verifier_token_encrypted"), VERIFIER_TOKEN)
        tokens = self.connect_backend()
        self.assert_no_plaintext(CLIENT_SECRET, VERIFIER_TOKEN, tokens["access_token"], tokens["refresh_token"])

    def test_missing_key_is_a_clear_error_not_a_crash(self):
        with patch.dict(os.environ, {ENCRYPTION_KEY_ENV: ""}):
            self.assertFalse(crypto.encryption_configured())
            with self.assertRaisesRegex(UserError, "quickbooks_encryption_key"):
                self.backend.client_secret = "another-secret"
            settings = self.env["res.config.settings"].create({})
            self.assertFalse(settings.quickbooks_encryption_ok)

    def test_secret_stored_with_another_key_is_reported_not_leaked(self):
        with (
            patch.dict(os.environ, {ENCRYPTION_KEY_ENV: Fernet.generate_key().decode()}),
            self.assertRaises(UserError) as caught,
        ):
            self.backend._get_client_secret()
        self.assertIn("cannot be decrypted", str(caught.exception))
        self.assertNotIn(self.backend.sudo().client_secret_encrypted, str(caught.exception))
