from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import QuickbooksCase


@tagged("post_install", "-at_install")
class TestAccess(QuickbooksCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoicing_user = new_test_user(cls.env, "qbo_invoicing", groups="account.group_account_invoice")
        cls.accounting_admin = new_test_user(cls.env, "qbo_admin", groups="account.group_account_manager")

    def test_groups_follow_the_accounting_groups(self):
        self.assertTrue(self.invoicing_user.has_group("quickbooks_connector.group_quickbooks_user"))
        self.assertFalse(self.invoicing_user.has_group("quickbooks_connector.group_quickbooks_manager"))
        self.assertTrue(self.accounting_admin.has_group("quickbooks_connector.group_quickbooks_manager"))

    def test_invoicing_user_sees_the_status_but_no_secret_or_token(self):
        self.connect_backend()
        backend = self.backend.with_user(self.invoicing_user)
        self.assertEqual(backend.state, "connected")
        for field_name in (
            "client_secret_encrypted",
            "access_token_encrypted",
            "refresh_token_encrypted",
            "webhook_verifier_token_encrypted",
            "client_id",
            "client_secret",
        ):
            backend.invalidate_recordset()
            with self.assertRaises(AccessError, msg=field_name):
                backend.read([field_name])
        with self.assertRaises(AccessError):
            backend.write({"name": "renamed"})
        with self.assertRaises(AccessError):
            self.env["quickbooks.sync.state"].with_user(self.invoicing_user).create(
                {"backend_id": self.backend.id, "res_model": "res.partner", "res_id": 1, "qbo_entity": "Customer"}
            )

    def test_accounting_admin_cannot_read_raw_ciphertext_either(self):
        backend = self.backend.with_user(self.accounting_admin)
        self.assertTrue(backend.client_secret_set)
        with self.assertRaises(AccessError):
            backend.read(["client_secret_encrypted"])

    def test_a_company_never_sees_another_companys_connection(self):
        company_b = self.env["res.company"].create({"name": "QBO Company B"})
        backend_b = self.env["quickbooks.backend"].create({"company_id": company_b.id, "name": "B's QuickBooks"})
        user_a = new_test_user(
            self.env,
            "qbo_admin_a",
            groups="account.group_account_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        visible = self.env["quickbooks.backend"].with_user(user_a).search([])
        self.assertIn(self.backend, visible)
        self.assertNotIn(backend_b, visible)
        with self.assertRaises(AccessError):
            backend_b.with_user(user_a).read(["name"])
