"""Every QuickBooks job runs on the QuickBooks channel with its back-off: declared once, checked here."""

from odoo.tests import TransactionCase, tagged

from .. import const
from ..tools.jobs import declare_job_functions, enqueue, job_methods

#: The jobs the connector queues; a new one must be declared (tools.jobs.job) and appear here.
EXPECTED = {
    ("res.partner", "_quickbooks_push_job"),
    ("product.product", "_quickbooks_item_job"),
    ("account.move", "_quickbooks_push_job"),
    ("account.move", "_quickbooks_push_chunk_job"),
    ("account.move", "_quickbooks_void_job"),
    ("account.move", "_quickbooks_settle_job"),
    ("account.payment", "_quickbooks_settle_job"),
    ("account.payment", "_quickbooks_push_job"),
    ("account.payment", "_quickbooks_void_job"),
    ("account.bank.statement.line", "_quickbooks_settle_job"),
    ("quickbooks.pull", "_quickbooks_repull_job"),
    ("quickbooks.webhook.event", "_quickbooks_process_object"),
    ("quickbooks.reconciliation", "_send_slack_alert"),
    ("quickbooks.backend", "_quickbooks_prepare_backfill_job"),
    ("quickbooks.import", "_quickbooks_import_parties_job"),
    ("quickbooks.import", "_quickbooks_import_list_job"),
    ("quickbooks.import", "_quickbooks_import_documents_job"),
    ("quickbooks.parallel.run", "_quickbooks_send_opening_job"),
}


@tagged("post_install", "-at_install")
class TestJobFunctions(TransactionCase):
    def function(self, model, method):
        return self.env["queue.job.function"].search([("model_id.model", "=", model), ("method", "=", method)])

    def test_every_job_method_has_its_job_function_on_the_quickbooks_channel(self):
        declared = job_methods(self.env.registry, addons=("quickbooks_connector",))
        self.assertEqual(set(declared), EXPECTED, "a job method was added or removed: declare it and list it")
        for model, method in declared:
            function = self.function(model, method)
            self.assertEqual(len(function), 1, f"{model}.{method}")
            self.assertEqual(function.channel, "root.quickbooks", f"{model}.{method}")
            self.assertEqual(
                {int(k): v for k, v in function.retry_pattern.items()}, const.JOB_RETRY_PATTERN, f"{model}.{method}"
            )
        self.assertEqual(
            self.function("quickbooks.reconciliation", "_send_slack_alert").on_fail_method, "_on_slack_alert_job_failed"
        )

    def test_only_declared_methods_can_be_queued(self):
        partner = self.env["res.partner"].create({"name": "Not A Job"})
        with self.assertRaisesRegex(ValueError, "not declared a QuickBooks job"):
            enqueue(partner, "not a job")._quickbooks_schedule_sync()

    def test_a_tuned_job_function_is_kept_and_a_missing_one_is_declared_again(self):
        tuned = self.function("account.move", "_quickbooks_push_job")
        tuned.retry_pattern = {1: 5}
        missing = self.function("res.partner", "_quickbooks_push_job")
        missing.unlink()
        created = declare_job_functions(self.env)
        self.assertEqual(created.mapped("method"), ["_quickbooks_push_job"])
        self.assertEqual(created.model_id.model, "res.partner")
        self.assertEqual(
            {int(k): v for k, v in tuned.retry_pattern.items()}, {1: 5}, "an administrator's tuning survives"
        )

    def test_identical_calls_collapse_within_a_transaction_but_never_into_an_earlier_ones_job(self):
        partner = self.env["res.partner"].create({"name": "Queued Twice"})
        backend = self.env["quickbooks.backend"].create({"name": "Jobs", "company_id": self.env.company.id})
        Job = self.env["queue.job"]
        call = f"res.partner({partner.id},)._quickbooks_push_job("

        def queued():
            return Job.search([("func_string", "like", call)])

        enqueue(partner, "push")._quickbooks_push_job(backend)
        enqueue(partner, "push")._quickbooks_push_job(backend)
        first = queued()
        self.assertEqual(len(first), 1, "a burst of one transaction is one job")
        # The same call queued by an earlier transaction (queue_job's exact identity, without this
        # transaction), already handed to a worker: that worker may run it before this transaction
        # commits, so a new call gets a job of its own.
        first.write({"identity_key": first.identity_key.rsplit(":", 1)[0], "state": "enqueued"})
        enqueue(partner, "push")._quickbooks_push_job(backend)
        self.assertEqual(len(queued()), 2)
