"""A holding in one database: three Odoo companies, each connected to its own QuickBooks company (realm)
of one emulator, side by side.

The US company (the test's main company) is connected to the emulator's start-up realm, a UK company (GBP)
and a French one (EUR, a home currency foreign to the other two) to realms the emulator serves besides it
(``--add-realm``).  Each realm numbers its objects from 1, so the same QuickBooks id names different
objects in different realms: the tests would notice a document, a payment or a notification applied to
the wrong company.
"""

import json
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .. import const
from ..qbo import RetryPolicy
from ..tools.rate_governor import PostgresRateLimiter
from .common import REALM_ID, VERIFIER_TOKEN, QuickbooksTestMixin

UK_REALM = "9130354000000043"
FR_REALM = "9130354000000044"

#: Loggers that report one company's failure while the others go on (muted: the failure is the test's).
CRON_LOGGERS = (
    "odoo.sql_db",
    "odoo.addons.quickbooks_connector.models.quickbooks_backend_tokens",
    "odoo.addons.quickbooks_connector.models.quickbooks_backend_cdc",
    "odoo.addons.quickbooks_connector.models.quickbooks_reconciliation",
    "odoo.addons.quickbooks_connector.models.quickbooks_qbo_account",
)


@tagged("post_install", "-at_install")
class TestMultiRealm(QuickbooksTestMixin, AccountTestInvoicingCommon, HttpCase):
    chart_template = "generic_coa"  # the same chart for the three companies, whatever their country
    emulator_realms = (f"{UK_REALM}:uk", f"{FR_REALM}:fr")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        for code in ("GBP", "EUR"):
            cls.env.ref(f"base.{code}").active = True
        cls.us = cls.company_data
        cls.uk = cls.setup_other_company(
            name="Holding UK Ltd", country_id=cls.env.ref("base.uk").id, currency_id=cls.env.ref("base.GBP").id
        )
        cls.fr = cls.setup_other_company(
            name="Filiale France SAS", country_id=cls.env.ref("base.fr").id, currency_id=cls.env.ref("base.EUR").id
        )
        cls.us["backend"], cls.us["realm"] = cls.backend, REALM_ID
        cls.uk["backend"], cls.uk["realm"] = cls.new_backend(cls.uk["company"]), UK_REALM
        cls.fr["backend"], cls.fr["realm"] = cls.new_backend(cls.fr["company"]), FR_REALM
        cls.sides = (cls.us, cls.uk, cls.fr)

    def setUp(self):
        super().setUp()
        patcher = patch.object(
            type(self.backend), "_qbo_retry_policy", RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        for side in self.sides:
            self.prepare(side)

    # ------------------------------------------------------------------ helpers
    def prepare(self, side):
        """Connect the company to its realm and map its accounts and sales tax, as a manager would."""
        backend = side["backend"]
        self.connect_backend(backend, realm=side["realm"])
        backend._refresh_company_facts()
        wizard = self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(backend)
        wizard.action_accept_proposals()
        wizard.action_apply()
        self.env["quickbooks.qbo.tax.code"]._pull_for_backend(backend)
        codes = self.env["quickbooks.qbo.tax.code"].search([("backend_id", "=", backend.id)])
        mapping = self.env["quickbooks.tax.mapping"].search(
            [("backend_id", "=", backend.id), ("tax_id", "=", side["default_tax_sale"].id)]
        )
        standard = codes.filtered(lambda code: code.name == "Standard 15%")
        if mapping:
            mapping.qbo_tax_code_id = standard
        else:
            self.env["quickbooks.tax.mapping"].create(
                {"backend_id": backend.id, "tax_id": side["default_tax_sale"].id, "qbo_tax_code_id": standard.id}
            )
        if not backend._is_us_company():
            backend.qbo_exempt_tax_code_id = codes.filtered(lambda code: code.name == "Exempt")
        side["token"] = self.emulator.mint_tokens(realm=side["realm"])["access_token"]

    def document(self, side, price, move_type="out_invoice", partner=None, taxed=True, **values):
        company = side["company"]
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "company_id": company.id,
                    "partner_id": (partner or self.partner_a).id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Consulting",
                                "quantity": 1,
                                "price_unit": price,
                                "tax_ids": [Command.set(side["default_tax_sale"].ids if taxed else [])],
                            }
                        )
                    ],
                    **values,
                }
            )
        )

    def post_all(self, *moves):
        """Post the moves; returns the trap holding their push jobs."""
        trap_context = trap_jobs()
        trap = trap_context.__enter__()
        self.addCleanup(trap_context.__exit__, None, None, None)
        for move in moves:
            move.action_post()
        return trap

    def run_trapped(self, trap):
        """Run the queued jobs once each, as the job runner would; returns the jobs that asked to wait."""
        waiting = []
        for _round in range(4):  # a push queues its customer's push first; their order is the runner's
            jobs, trap.enqueued_jobs = trap.enqueued_jobs, []
            for job in jobs:
                try:
                    job.perform()
                except RetryableJobError as error:
                    waiting.append((job, error))
            if not trap.enqueued_jobs:
                break
        return waiting

    def sync_record(self, side, record):
        row = self.env["quickbooks.sync.state"].search(
            [
                ("backend_id", "=", side["backend"].id),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("binding_key", "=", ""),
            ]
        )
        row.invalidate_recordset()
        return row

    def qbo_live(self, side, entity):
        return [obj for obj in self.emulator.entities(entity, realm=side["realm"]) if obj.get("status") != "Deleted"]

    def pushed(self, side, price, **kwargs):
        move = self.document(side, price, **kwargs)
        with trap_jobs() as trap:
            move.action_post()
            self.assertFalse(self.run_trapped(trap))
        row = self.sync_record(side, move)
        self.assertEqual(row.state, "done", row.last_error)
        return move, row

    @contextmanager
    def sql_error_for(self, side, model, method, backend_arg=False):
        """``method`` of ``model`` breaks the transaction (a failed SQL statement) for ``side``'s connection."""
        cls = type(self.env[model])
        original = getattr(cls, method)
        failed = []

        def broken(records, *args, **kwargs):
            backend = args[0] if backend_arg else records
            if backend.id == side["backend"].id:
                failed.append(backend.id)
                records.env.cr.execute("SELECT no_such_column FROM quickbooks_backend")
            return original(records, *args, **kwargs)

        with patch.object(cls, method, broken), mute_logger(*CRON_LOGGERS):
            yield failed
        self.assertEqual(failed, [side["backend"].id], "the failure was not provoked")

    # ------------------------------------------------------------------ tests
    def test_three_companies_connected_at_once_each_to_its_own_realm(self):
        self.assertEqual(
            [
                (side["backend"].state, side["backend"].realm_id, side["backend"].qbo_home_currency)
                for side in self.sides
            ],
            [("connected", REALM_ID, "USD"), ("connected", UK_REALM, "GBP"), ("connected", FR_REALM, "EUR")],
        )
        self.assertEqual(
            [side["backend"].qbo_company_name for side in self.sides[1:]],
            ["Emulated UK Company Ltd", "Emulated France Company SAS"],
        )
        # The grant of one company opens no other.
        with self.assertRaises(Exception) as refused:
            self.emulator.api(self.uk["token"], "GET", "companyinfo/" + FR_REALM, realm=FR_REALM)
        self.assertEqual(refused.exception.response.status_code, 401)

    def test_each_company_connects_to_the_company_picked_at_intuit(self):
        """Over real HTTP: Intuit's Reconnect URL starts the current company's authorization, the user picks
        the QuickBooks company on the selector, and the grant opens that company only."""
        fr = self.fr["backend"]
        fr.sudo().write({**const.TOKEN_RESET, "state": "disconnected"})
        self.authenticate("accountman", "accountman")
        self.opener.cookies.set("cids", str(self.fr["company"].id))  # the company switcher, on France
        start = self.url_open(const.OAUTH_START_ROUTE, allow_redirects=False)
        self.assertIn(start.status_code, (302, 303), start.text[:500])
        authorize = start.headers["Location"]
        added = self.emulator.add_realm(preset="ca")["realmId"]  # one more, while running
        selector = requests.get(authorize, allow_redirects=False, timeout=10)
        self.assertEqual(selector.status_code, 200)  # several companies: Intuit asks which one
        for realm in (REALM_ID, UK_REALM, FR_REALM, added):
            self.assertIn(f'data-realm-id="{realm}"', selector.text)
        self.emulator.select_company(FR_REALM)
        back = urlparse(requests.get(authorize, allow_redirects=False, timeout=10).headers["Location"])
        self.assertEqual(parse_qs(back.query)["realmId"], [FR_REALM])
        done = self.url_open(f"{back.path}?{back.query}", allow_redirects=False)
        self.assertIn(done.status_code, (302, 303), done.text[done.text.find("alert") :][:500])
        self.assertIn(f"/odoo/quickbooks/{fr.id}", done.headers["Location"])
        fr.invalidate_recordset()
        self.assertEqual(
            (fr.state, fr.realm_id, fr.qbo_company_name), ("connected", FR_REALM, "Emulated France Company SAS")
        )
        token = self.stored_secret("access_token_encrypted", fr)
        self.assertTrue(self.emulator.api(token, "GET", f"companyinfo/{FR_REALM}", realm=FR_REALM))
        with self.assertRaises(requests.HTTPError):
            self.emulator.api(token, "GET", f"companyinfo/{UK_REALM}", realm=UK_REALM)

        # The UK company's QuickBooks company picked for France: refused, nothing changes.
        fr.sudo().write({**const.TOKEN_RESET, "state": "disconnected"})
        self.emulator.select_company(UK_REALM)
        start = self.url_open(f"{const.OAUTH_START_ROUTE}?backend_id={fr.id}", allow_redirects=False)
        back = urlparse(requests.get(start.headers["Location"], allow_redirects=False, timeout=10).headers["Location"])
        self.assertEqual(parse_qs(back.query)["realmId"], [UK_REALM])
        self.assertEqual(self.url_open(f"{back.path}?{back.query}", allow_redirects=False).status_code, 400)
        fr.invalidate_recordset()
        self.assertEqual((fr.state, fr.realm_id), ("disconnected", FR_REALM))
        self.assertEqual((self.uk["backend"].state, self.uk["backend"].realm_id), ("connected", UK_REALM))

    def test_documents_land_only_in_their_own_realm(self):
        prices = {REALM_ID: 100.0, UK_REALM: 200.0, FR_REALM: 300.0}
        moves = {side["realm"]: self.document(side, prices[side["realm"]]) for side in self.sides}
        self.assertFalse(self.run_trapped(self.post_all(*moves.values())))
        for side in self.sides:
            move = moves[side["realm"]]
            row = self.sync_record(side, move)
            self.assertEqual(row.state, "done", row.last_error)
            invoices = self.qbo_live(side, "Invoice")
            self.assertEqual(len(invoices), 1, side["realm"])
            self.assertEqual(
                (invoices[0]["Id"], invoices[0]["DocNumber"], invoices[0]["TotalAmt"]),
                (row.qbo_id, move.name, round(prices[side["realm"]] * 1.15, 2)),
            )
            self.assertEqual(invoices[0]["CurrencyRef"]["value"], side["company"].currency_id.name)
            # The shared partner is a customer of each realm, bound once per connection.
            customer = self.sync_record(side, self.partner_a)
            self.assertEqual(
                [c["Id"] for c in self.qbo_live(side, "Customer") if c["DisplayName"] == "partner_a"], [customer.qbo_id]
            )
            # No other connection holds a binding of this move.
            self.assertEqual(
                self.env["quickbooks.sync.state"]
                .search([("res_model", "=", "account.move"), ("res_id", "=", move.id)])
                .backend_id,
                side["backend"],
            )
        # Every API call went to the realm of the connection that made it (the log of all realms).
        api_calls = [entry for entry in self.emulator.requests_log() if "/v3/company/" in entry["path"]]
        self.assertEqual({entry["realmId"] for entry in api_calls}, {REALM_ID, UK_REALM, FR_REALM})
        self.assertTrue(all(f"/v3/company/{entry['realmId']}/" in entry["path"] for entry in api_calls))

    def test_one_multi_realm_webhook_delivery_updates_each_company_and_nothing_else(self):
        moves = {side["realm"]: self.pushed(side, 100.0, taxed=False)[0] for side in self.sides}
        rows = {
            realm: self.sync_record(side, moves[realm])
            for realm, side in zip((REALM_ID, UK_REALM, FR_REALM), self.sides, strict=True)
        }
        self.assertEqual(len({row.qbo_id for row in rows.values()}), 1, "each realm numbers from 1")
        self.emulator.call(
            "POST",
            "webhooks",
            {
                "url": f"{self.base_url()}{const.WEBHOOK_ROUTE}",
                "verifier_token": VERIFIER_TOKEN,
                "format": "classic",
                "enabled": True,
                "hold": True,
            },
        )
        paid = {}
        for side in (self.uk, self.fr):  # the CPAs record a payment in two of the three companies
            invoice = self.emulator.api(
                side["token"], "GET", f"invoice/{rows[side['realm']].qbo_id}", realm=side["realm"]
            )["Invoice"]
            paid[side["realm"]] = self.emulator.api(
                side["token"],
                "POST",
                "payment",
                realm=side["realm"],
                json={
                    "CustomerRef": invoice["CustomerRef"],
                    "TotalAmt": 100,
                    "Line": [{"Amount": 100, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
                },
            )["Payment"]
        self.assertEqual(paid[UK_REALM]["Id"], paid[FR_REALM]["Id"])
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            deliveries = self.emulator.call("POST", "webhooks/flush", {})
        self.env.invalidate_all()
        self.assertEqual(len(deliveries), 1, "one delivery for every realm's events")
        body = json.loads(deliveries[0]["body"])
        self.assertEqual({entry["realmId"] for entry in body["eventNotifications"]}, {UK_REALM, FR_REALM})
        self.assertEqual([attempt["status"] for attempt in deliveries[0]["attempts"]], [200], deliveries[0])

        Inbox = self.env["quickbooks.webhook.event"]
        payments = Inbox.search([("entity", "=", "Payment")])
        self.assertEqual(
            sorted((row.backend_id.realm_id, row.company_id.id, row.qbo_id) for row in payments),
            sorted(
                [
                    (UK_REALM, self.uk["company"].id, paid[UK_REALM]["Id"]),
                    (FR_REALM, self.fr["company"].id, paid[FR_REALM]["Id"]),
                ]
            ),
        )
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [("model_name", "=", "quickbooks.webhook.event"), ("method_name", "=", "_quickbooks_process_object")]
            )
        )
        self.assertEqual(
            sorted((job.args[0].realm_id, *job.args[1:]) for job in jobs),
            [(UK_REALM, "Payment", paid[UK_REALM]["Id"]), (FR_REALM, "Payment", paid[FR_REALM]["Id"])],
        )
        self.assertEqual(sorted(jobs.company_id.ids), sorted((self.uk["company"] | self.fr["company"]).ids))
        for job in jobs:
            Job.load(self.env, job.uuid).perform()
        self.env.invalidate_all()
        self.assertEqual(set(payments.mapped("state")), {"done"}, payments.mapped("last_error"))
        self.assertEqual(moves[REALM_ID].payment_state, "not_paid")
        for realm in (UK_REALM, FR_REALM):
            move = moves[realm]
            self.assertIn(move.payment_state, ("paid", "in_payment"), realm)
            payment = self.env["account.payment"].search([("reconciled_invoice_ids", "in", move.ids)])
            self.assertEqual(
                (payment.company_id, payment.currency_id, payment.amount), (move.company_id, move.currency_id, 100.0)
            )
        self.assertFalse(self.env["account.payment"].search([("company_id", "=", self.us["company"].id)]))

    def test_a_connection_that_needs_a_reconnect_leaves_the_other_two_syncing(self):
        moves = [self.document(side, 100.0) for side in self.sides]
        trap = self.post_all(*moves)
        self.us["backend"]._mark_reconnect_needed("invalid_grant (test)")
        waiting = self.run_trapped(trap)
        self.assertTrue(waiting)
        self.assertTrue(
            all(job.recordset.company_id == self.us["company"] and error.ignore_retry for job, error in waiting),
            "only the paused company waits, without using retries",
        )
        self.assertEqual(self.sync_record(self.us, moves[0]).state, "pending")
        for side, move in zip(self.sides[1:], moves[1:], strict=True):
            self.assertEqual(self.sync_record(side, move).state, "done", self.sync_record(side, move).last_error)
        self.assertFalse(self.qbo_live(self.us, "Invoice"))
        # Reconnected, its jobs go through.
        self.connect_backend(self.us["backend"], realm=REALM_ID)
        trap.enqueued_jobs = [job for job, _error in waiting]
        self.assertFalse(self.run_trapped(trap))
        self.assertEqual(self.sync_record(self.us, moves[0]).state, "done")

    def test_a_throttled_realm_leaves_the_other_two_syncing(self):
        moves = [self.document(side, 100.0) for side in self.sides]
        trap = self.post_all(*moves)
        # QuickBooks' rate limit is per realm: the UK company used its minute up, the others did not.
        self.emulator.rate_limits(realm=UK_REALM, per_minute=1)
        waiting = self.run_trapped(trap)
        self.assertTrue(waiting)
        self.assertTrue(all(job.recordset.company_id == self.uk["company"] for job, _error in waiting))
        uk_row = self.sync_record(self.uk, moves[1])
        self.assertEqual((uk_row.state, uk_row.failure_kind), ("pending", "transient"), uk_row.last_error)
        for side, move in ((self.us, moves[0]), (self.fr, moves[2])):
            self.assertEqual(self.sync_record(side, move).state, "done", self.sync_record(side, move).last_error)
        limits = self.emulator.call("GET", "rate_limits", realm=UK_REALM)["realms"]
        self.assertTrue(limits[UK_REALM]["throttled"])
        self.assertFalse(any(limits[realm]["throttled"] for realm in (REALM_ID, FR_REALM)))
        # The budget back, the UK document goes too.
        self.emulator.rate_limits(realm=UK_REALM, per_minute=500)
        trap.enqueued_jobs = [job for job, _error in waiting]
        self.assertFalse(self.run_trapped(trap))
        self.assertEqual(self.sync_record(self.uk, moves[1]).state, "done")

    def test_odoo_rate_governor_is_per_realm(self):
        """The shared PostgreSQL governor: one realm's minute used up makes no other realm wait."""
        limiter = PostgresRateLimiter(self.env.registry, self.backend._qbo_rate_limits())
        self.env.cr.execute("SELECT extract(epoch from clock_timestamp())::float")
        now = self.env.cr.fetchone()[0]
        Slot = self.env["quickbooks.rate.slot"].sudo()
        Slot.create([{"realm_id": UK_REALM, "started_at": now, "finished_at": now, "cost": 1}] * limiter.budget)
        self.env.flush_all()
        slot, wait = limiter._try_take(UK_REALM, 1, False)
        self.assertIsNone(slot)
        self.assertGreater(wait, 0)
        for realm in (REALM_ID, FR_REALM):
            slot, wait = limiter._try_take(realm, 1, False)
            self.assertTrue(slot, realm)
            self.assertEqual(wait, 0)

    def test_record_rules_keep_every_user_in_their_companies(self):
        for side in self.sides:
            self.pushed(side, 50.0)
        self.env["quickbooks.reconciliation"]._cron_nightly_reconciliation(now=datetime.now().replace(hour=12))
        for side in self.sides:
            self.env["quickbooks.webhook.event"]._insert_new(
                [
                    {
                        "backend_id": side["backend"].id,
                        "realm_id": side["realm"],
                        "entity": "Customer",
                        "qbo_id": "1",
                        "operation": "update",
                        "dedupe_key": f"rules:{side['realm']}",
                        "source": "webhook",
                    }
                ]
            )
        groups = "account.group_account_invoice,quickbooks_connector.group_quickbooks_user"
        us_user = new_test_user(
            self.env,
            "mr_us_user",
            groups=groups,
            company_id=self.us["company"].id,
            company_ids=[Command.set(self.us["company"].ids)],
        )
        both = self.us["company"] | self.uk["company"]
        holding_user = new_test_user(
            self.env,
            "mr_holding_user",
            groups=groups,
            company_id=self.us["company"].id,
            company_ids=[Command.set(both.ids)],
        )
        models = (
            "quickbooks.backend",
            "quickbooks.sync.state",
            "quickbooks.webhook.event",
            "quickbooks.reconciliation",
        )
        everything = {model: self.env[model].sudo().search([]) for model in models}
        for model, records in everything.items():
            self.assertEqual(records.company_id, self.us["company"] | both | self.fr["company"], model)

        def seen(user, companies):
            env = self.env(user=user, context={"allowed_company_ids": companies.ids})
            return {model: env[model].search([]) for model in models}

        for model, records in seen(us_user, self.us["company"]).items():
            self.assertTrue(records, model)
            self.assertEqual(records.company_id, self.us["company"], model)
        other = everything["quickbooks.backend"].filtered(lambda b: b.company_id == self.uk["company"])
        with self.assertRaises(AccessError):
            other.with_user(us_user).read(["state"])
        # A user of two companies sees each under its own company, and only the selected ones.
        both_seen = seen(holding_user, both)
        for model, records in both_seen.items():
            self.assertEqual(records.company_id, both, model)
            self.assertEqual(records.sudo(), everything[model].filtered(lambda r: r.company_id in both), model)
        for company in both:
            for model, records in seen(holding_user, company).items():
                self.assertEqual(records.company_id, company, model)
        # The current company's connection is the one the settings show.
        backend = self.env["quickbooks.backend"].with_user(holding_user).with_company(self.uk["company"])._for_company()
        self.assertEqual(backend.realm_id, UK_REALM)

    # ------------------------------------------------------------------ crons, per connection
    def expire_access_tokens(self):
        soon = fields.Datetime.now() + timedelta(minutes=1)
        for side in self.sides:
            side["backend"].sudo().access_token_expires_at = soon

    def test_token_refresh_cron_goes_on_when_one_company_fails(self):
        self.expire_access_tokens()
        before = {side["realm"]: self.stored_secret("access_token_encrypted", side["backend"]) for side in self.sides}
        with self.sql_error_for(self.uk, "quickbooks.backend", "_refresh_tokens"):
            self.env["quickbooks.backend"]._cron_refresh_tokens()
        for side in self.sides:
            after = self.stored_secret("access_token_encrypted", side["backend"])
            self.assertEqual(after == before[side["realm"]], side is self.uk, side["realm"])

    def test_token_refresh_cron_goes_on_when_one_company_is_refused(self):
        self.expire_access_tokens()
        self.emulator.call("POST", "reset", {}, realm=UK_REALM)  # the UK company's grants are gone
        with mute_logger(*CRON_LOGGERS):
            self.env["quickbooks.backend"]._cron_refresh_tokens()
        self.assertEqual([side["backend"].state for side in self.sides], ["connected", "reconnect", "connected"])
        self.assertFalse(self.us["backend"]._access_token_expiring())
        self.assertFalse(self.fr["backend"]._access_token_expiring())

    def test_change_data_capture_cron_goes_on_when_one_company_fails(self):
        for failure in ("sql", "quickbooks"):
            with self.subTest(failure=failure):
                for side in self.sides:
                    side["backend"].sudo().write(
                        {"cdc_cursor": False, "cdc_last_run_at": False, "cdc_last_error": False}
                    )
                if failure == "sql":
                    with self.sql_error_for(self.uk, "quickbooks.backend", "_cdc_catch_up"):
                        self.env["quickbooks.backend"]._cron_cdc_catch_up()
                else:
                    self.emulator.fault(realm=UK_REALM, kind="status", status=500, path="*", method="*")
                    with mute_logger(*CRON_LOGGERS):
                        self.env["quickbooks.backend"]._cron_cdc_catch_up()
                    self.emulator.call("DELETE", "faults", realm=UK_REALM)
                for side in self.sides:
                    backend = side["backend"].sudo()
                    backend.invalidate_recordset()
                    self.assertTrue(backend.cdc_last_run_at, side["realm"])
                    self.assertEqual(bool(backend.cdc_last_error), side is self.uk, side["realm"])
                    self.assertEqual(bool(backend.cdc_cursor), side is not self.uk, side["realm"])

    def test_reconciliation_cron_goes_on_when_one_company_fails(self):
        noon = datetime.now().replace(hour=12, minute=0, second=0, microsecond=0)
        Run = self.env["quickbooks.reconciliation"]
        with self.sql_error_for(self.uk, "quickbooks.reconciliation", "_run_for_backend", backend_arg=True):
            runs = Run._cron_nightly_reconciliation(now=noon)
        self.assertEqual(runs.backend_id, self.us["backend"] | self.fr["backend"])
        self.assertEqual(set(runs.mapped("state")), {"match"}, runs.mapped("error_message"))
        # A QuickBooks failure of one company is its own run's error; the others are not run twice.
        self.emulator.fault(realm=UK_REALM, kind="status", status=500, path="*", method="*")
        with mute_logger(*CRON_LOGGERS):
            again = Run._cron_nightly_reconciliation(now=noon)
        self.assertEqual(again.backend_id, self.uk["backend"])
        self.assertNotEqual(again.state, "match")

    def test_inactive_account_cron_goes_on_when_one_company_fails(self):
        Account = self.env["quickbooks.qbo.account"]
        long_ago = datetime(2020, 1, 1)

        def refreshed():
            Account.invalidate_model()
            return [
                all(
                    account.last_pulled_at > long_ago
                    for account in Account.search([("backend_id", "=", side["backend"].id)])
                )
                for side in self.sides
            ]

        Account.sudo().search([]).write({"last_pulled_at": long_ago})  # as the pull left them
        with self.sql_error_for(self.uk, "quickbooks.qbo.account", "_pull_for_backend", backend_arg=True):
            Account._cron_pull_charts()
        self.assertEqual(refreshed(), [True, False, True])
        # A QuickBooks failure: the same.
        Account.sudo().search([]).write({"last_pulled_at": long_ago})  # as the pull left them
        self.emulator.fault(realm=FR_REALM, kind="status", status=500, path="*", method="*")
        with mute_logger(*CRON_LOGGERS):
            Account._cron_pull_charts()
        self.assertEqual(refreshed(), [True, True, False])

    # ------------------------------------------------------------------ inter-company documents
    def test_inter_company_invoice_goes_to_the_seller_realm_and_the_bill_to_the_buyer_realm(self):
        """Company A (US) invoices company B (UK): realm A gets the invoice; B, which syncs bills, records the
        vendor bill of the same document (Odoo Community has no inter-company rules module, so B's bill is
        entered in B, as its accountant would), and realm B gets it as a Bill."""
        us_partner, uk_partner = self.us["company"].partner_id, self.uk["company"].partner_id
        invoice, row = self.pushed(self.us, 500.0, partner=uk_partner, taxed=False)
        qbo_invoice = self.emulator.api(self.us["token"], "GET", f"invoice/{row.qbo_id}")["Invoice"]
        self.assertEqual(qbo_invoice["TotalAmt"], 500)
        customer = self.sync_record(self.us, uk_partner)
        self.assertEqual(qbo_invoice["CustomerRef"]["value"], customer.qbo_id)
        self.assertEqual(
            [c["DisplayName"] for c in self.qbo_live(self.us, "Customer") if c["Id"] == customer.qbo_id],
            ["Holding UK Ltd"],
        )
        self.assertFalse(self.qbo_live(self.uk, "Invoice"))

        self.assertTrue(self.uk["backend"].sync_bills)
        bill = self.document(
            self.uk,
            500.0,
            move_type="in_invoice",
            partner=us_partner,
            taxed=False,
            ref=invoice.name,
            currency_id=invoice.currency_id.id,
        )
        self.assertFalse(self.run_trapped(self.post_all(bill)))
        bill_row = self.sync_record(self.uk, bill)
        self.assertEqual((bill_row.state, bill_row.qbo_entity), ("done", "Bill"), bill_row.last_error)
        bills = self.qbo_live(self.uk, "Bill")
        self.assertEqual(len(bills), 1)
        qbo_bill = bills[0]
        currency = qbo_bill["CurrencyRef"]["value"]
        self.assertEqual(
            (qbo_bill["Id"], qbo_bill["DocNumber"], qbo_bill["TotalAmt"], currency),
            (bill_row.qbo_id, invoice.name, 500, "USD"),
        )
        vendor = self.env["quickbooks.sync.state"].search(
            [
                ("backend_id", "=", self.uk["backend"].id),
                ("res_model", "=", "res.partner"),
                ("res_id", "=", us_partner.id),
                ("qbo_entity", "=", "Vendor"),
            ]
        )
        self.assertEqual(qbo_bill["VendorRef"]["value"], vendor.qbo_id)
        self.assertFalse(self.qbo_live(self.us, "Bill"))
        self.assertFalse(self.qbo_live(self.uk, "Invoice"))

        # A company that does not sync bills sends none.
        self.uk["backend"].sync_bills = False
        other = self.document(self.uk, 70.0, move_type="in_invoice", partner=us_partner, taxed=False, ref="X-2")
        trap = self.post_all(other)
        self.assertFalse(trap.enqueued_jobs)
        self.assertFalse(self.sync_record(self.uk, other))
        self.assertEqual(len(self.qbo_live(self.uk, "Bill")), 1)
