import psycopg2

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import QuickbooksCase


@tagged("post_install", "-at_install")
class TestSyncRecords(QuickbooksCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "SyncRecords Customer"})
        cls.other_partner = cls.env["res.partner"].create({"name": "Other Customer"})
        cls.SyncRecords = cls.env["quickbooks.sync.state"]

    def test_a_record_is_bound_once_and_a_qbo_object_once(self):
        row = self.SyncRecords._binding_for(self.backend, self.partner, "Customer")
        self.assertEqual(self.SyncRecords._binding_for(self.backend, self.partner, "Customer"), row)
        row._mark_done({"Id": "58", "SyncToken": "0"}, {"DisplayName": "SyncRecords Customer"})
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation), self.cr.savepoint():
            self.SyncRecords.create(
                {
                    "backend_id": self.backend.id,
                    "res_model": "res.partner",
                    "res_id": self.partner.id,
                    "qbo_entity": "Customer",
                }
            )
        other = self.SyncRecords._binding_for(self.backend, self.other_partner, "Customer")
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation), self.cr.savepoint():
            other._mark_done({"Id": "58", "SyncToken": "0"})

    def test_partner_shows_its_status_and_a_link_to_quickbooks(self):
        self.assertEqual(self.partner.quickbooks_status, "none")
        row = self.SyncRecords._binding_for(self.backend, self.partner, "Customer")
        row._mark_done({"Id": "58", "SyncToken": "3"}, {"DisplayName": "SyncRecords Customer"})
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.quickbooks_status, "done")
        self.assertTrue(self.partner.quickbooks_url.endswith("/app/customerdetail?nameId=58"))
        self.assertEqual(row.sync_token, "3")
        self.assertEqual(row.synced_values, {"DisplayName": "SyncRecords Customer"})

    def test_failed_rows_carry_the_error_and_managers_can_retry(self):
        row = self.SyncRecords._binding_for(self.backend, self.partner, "Customer")
        row.write({"attempts": 1, "last_request_id": "req-1"})  # what a push records of its attempt
        row._mark_failed("Duplicate Name Exists Error (QuickBooks error 6240)")
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.quickbooks_status, "failed")
        self.assertIn("6240", self.partner.quickbooks_last_error)
        self.assertEqual((row.attempts, row.last_request_id), (1, "req-1"))
        failed = self.SyncRecords.search([("state", "=", "failed"), ("backend_id", "=", self.backend.id)])
        self.assertIn(row, failed)

        clerk = new_test_user(self.env, "qbo_clerk", groups="account.group_account_invoice")
        with self.assertRaises(UserError):
            row.with_user(clerk).action_retry()
        row.action_retry()
        self.assertEqual(row.state, "pending")
        self.assertFalse(row.last_error)

    def test_retry_of_a_deleted_record_is_skipped_with_a_reason(self):
        ghost = self.env["res.partner"].create({"name": "Ghost"})
        row = self.SyncRecords._binding_for(self.backend, ghost, "Customer")
        row._mark_failed("boom")
        ghost.unlink()
        row.action_retry()
        self.assertEqual(row.state, "skipped")
        self.assertIn("no longer exists", row.last_error)
