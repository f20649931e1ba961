"""Shared fixtures for the Odoo tests: a real QBO emulator process and a connected backend.

The emulator is the project's own (``python -m tests.qbo_emulator`` from the repository root),
started once per test class on a free loopback port and driven over HTTP, exactly like Odoo
talks to QuickBooks.  Nothing here mocks QuickBooks.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import unittest
from datetime import timezone
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, settings

from odoo import fields
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.tests import TransactionCase
from odoo.tools import SQL, config

from ..const import ENCRYPTION_KEY_ENV, ENCRYPTION_KEY_OPTION
from ..qbo import TokenSet
from ..tools import crypto

REPO_ROOT = Path(__file__).resolve().parents[2]
EMULATOR_PACKAGE = REPO_ROOT / "tests" / "qbo_emulator"

CLIENT_ID = "odoo-test-client"
CLIENT_SECRET = "odoo-test-client-secret-value"
REALM_ID = "9130354000000042"
VERIFIER_TOKEN = "odoo-test-verifier-token"

# tests/run_all.sh names a file here; every secret the tests use is appended to it (``kind<TAB>value``
# lines, the emulator's --issued-secrets-file format) and the test database dump and the Odoo log are
# then searched for each of them.
SECRETS_FILE_ENV = "QBO_TEST_SECRETS_FILE"
_recorded_secrets = set()


def property_settings(examples):
    """Hypothesis' settings of the Odoo property tests: a fixed, derandomized set of ``examples`` (CI runs the
    same ones every time), no deadline (each example talks to the emulator), no example database, and the
    reproduction blob printed on failure."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


def record_test_secret(value, kind="test_secret"):
    """Note ``value`` as a secret that must never be found in plain text; nothing without QBO_TEST_SECRETS_FILE."""
    path = os.environ.get(SECRETS_FILE_ENV)
    if not path or not value:
        return
    parts = [part for part in str(value).splitlines() if part and part not in _recorded_secrets]
    if not parts:
        return
    with open(path, "a", encoding="utf-8") as file:  # other processes append too: one flushed write per line
        for part in parts:
            file.write(f"{kind}\t{part}\n")
            file.flush()
            _recorded_secrets.add(part)


def _record_url_secret(url, kind):
    """A webhook URL is a secret, and so is its path (a log may show the path alone)."""
    record_test_secret(url, kind)
    path = urlsplit(url).path
    record_test_secret(path, f"{kind}_path")
    record_test_secret(path.rstrip("/").rsplit("/", 1)[-1], f"{kind}_path_end")


def _record_what_the_addon_encrypts():
    """Whatever the addon encrypts is a secret (client secrets, tokens, verifier tokens, Slack webhook
    URLs, including those the tests make up), and so is every key it encrypts with: record them all."""
    if not os.environ.get(SECRETS_FILE_ENV) or getattr(crypto.encrypt, "records_test_secrets", False):
        return
    encrypt, key = crypto.encrypt, crypto._key

    def recording_encrypt(plaintext):
        if isinstance(plaintext, str) and "://" in plaintext:
            _record_url_secret(plaintext.strip(), "encrypted_url")
        else:
            record_test_secret(plaintext, "encrypted_value")
        return encrypt(plaintext)

    def recording_key():
        value = key()
        record_test_secret(value.decode(), "encryption_key")
        return value

    recording_encrypt.records_test_secrets = True
    crypto.encrypt, crypto._key = recording_encrypt, recording_key


def ensure_encryption_key():
    """Tests need a key like production does; use the configured one, else a throw-away one."""
    if not (config.get(ENCRYPTION_KEY_OPTION) or os.environ.get(ENCRYPTION_KEY_ENV)):
        os.environ[ENCRYPTION_KEY_ENV] = Fernet.generate_key().decode()
    record_test_secret(config.get(ENCRYPTION_KEY_OPTION) or os.environ.get(ENCRYPTION_KEY_ENV), "encryption_key")


record_test_secret(CLIENT_SECRET, "client_secret")
record_test_secret(VERIFIER_TOKEN, "verifier_token")
_record_what_the_addon_encrypts()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatorProcess:
    """The QBO emulator in a child process, plus its test-control API."""

    def __init__(self, webhook_url=None, webhook_format="cloudevents", realms=()):
        if not (EMULATOR_PACKAGE / "__main__.py").exists():
            raise unittest.SkipTest(f"the QBO emulator is not next to the addon ({EMULATOR_PACKAGE})")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            sys.executable,
            "-m",
            "tests.qbo_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--realm-id",
            REALM_ID,
            "--verifier-token",
            VERIFIER_TOKEN,
            "--webhook-format",
            webhook_format,
        ]
        if webhook_url:
            args += ["--webhook-url", webhook_url]
        for spec in realms:  # more companies served from the start (kept by a full reset), e.g. "9130354000000043:uk"
            args += ["--add-realm", spec]
        if os.environ.get(SECRETS_FILE_ENV):  # every code and token this emulator issues is recorded too
            args += ["--issued-secrets-file", os.environ[SECRETS_FILE_ENV]]
        # The control API's token, through the environment (not on the command line).
        self.control_token = secrets.token_urlsafe(32)
        record_test_secret(self.control_token, "control_token")
        env = {**os.environ, "QBO_EMULATOR_CONTROL_TOKEN": self.control_token}
        self.process = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.control_token}"
        deadline = time.monotonic() + 20
        while True:  # wait until it answers (a readiness poll, bounded)
            if self.process.poll() is not None:
                raise RuntimeError(f"the QBO emulator exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                self.http.get(f"{self.url}/_emulator/clock", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the QBO emulator did not start within 20 s") from None
                time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.http.close()

    # --- control API (``realm``: another company than the start-up one, see "Several companies")
    def call(self, method, path, payload=None, realm=None):
        if realm:  # the start-up realm answers at its address too
            path = f"realms/{realm}/{path}"
        if payload is None and method == "POST":
            payload = {}  # a POST is JSON, even an empty one
        response = self.http.request(method, f"{self.url}/_emulator/{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self):
        self.call("POST", "reset", {})

    def fault(self, realm=None, **spec):
        return self.call("POST", "faults", spec, realm=realm)

    def advance_clock(self, seconds):
        self.call("POST", "clock", {"advance": seconds})

    def entities(self, entity, realm=None):
        return self.call("GET", f"entities/{entity}", realm=realm)

    def requests_log(self, realm=None):
        return self.call("GET", "requests", realm=realm)

    def mint_tokens(self, realm=None):
        return self.call("POST", "tokens", {}, realm=realm)

    def add_realm(self, **spec):
        """Serve one more company from now on (``preset``, ``realmId``, settings); a full reset removes it,
        unlike the class's ``emulator_realms``.  Returns the realm with its settings."""
        return self.call("POST", "realms", spec)

    def select_company(self, realm, sticky=False):
        """The company the next authorization picks (Intuit's company selector, answered in advance)."""
        return self.call("POST", "oauth/company", {"realmId": realm, "sticky": sticky})

    def rate_limits(self, realm=None, **settings):
        return self.call("POST", "rate_limits", settings, realm=realm)

    def api(self, access_token, method, path, realm=None, **kwargs):
        """Call the emulator's QBO API directly, as another QBO user (the CPA) would."""
        response = self.http.request(
            method,
            f"{self.url}/v3/company/{realm or REALM_ID}/{path.lstrip('/')}",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            params={"minorversion": "75", **kwargs.pop("params", {})},
            timeout=30,
            **kwargs,
        )
        response.raise_for_status()
        return response.json()


class QuickbooksTestMixin:
    """A backend of the test company pointing at a fresh emulator process (one per class)."""

    #: ``--add-realm`` specifications of the companies the class's emulator serves besides the start-up one.
    emulator_realms = ()

    @classmethod
    def setup_quickbooks(cls):
        ensure_encryption_key()
        cls.emulator = EmulatorProcess(realms=cls.emulator_realms)
        cls.addClassCleanup(cls.emulator.stop)
        # Token refreshes open their own cursor; in tests it must wrap the test's cursor.
        if not cls._registry_patched:
            cls.registry_enter_test_mode_cls()
        cls.company = cls.env.company
        cls.backend = cls.new_backend(cls.company)

    @classmethod
    def new_backend(cls, company):
        """A connection of ``company`` to the class's emulator, with the one Intuit app every company shares."""
        return cls.env["quickbooks.backend"].create(
            {
                "company_id": company.id,
                "environment": "custom",
                "custom_base_url": cls.emulator.url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "webhook_verifier_token": VERIFIER_TOKEN,
            }
        )

    def setUp(self):
        super().setUp()
        self.emulator.reset()

    def connect_backend(self, backend=None, realm=None):
        """Connect without a browser: tokens of ``realm`` (the start-up one by default) minted by the
        emulator, stored like a real grant."""
        backend = backend or self.backend
        data = self.emulator.mint_tokens(realm=realm)
        tokens = TokenSet.from_response(data, fields.Datetime.now().replace(tzinfo=timezone.utc))
        backend.sudo().write({**backend._token_values(tokens), "realm_id": realm or REALM_ID, "state": "connected"})
        return data

    def stored_jobs(self, record, method):
        """The queue.job rows of ``method`` on ``record``, oldest first (jobs queued outside ``trap_jobs``
        are stored as queue_job stores them, and run with :meth:`run_stored_job`)."""
        return (
            self.env["queue.job"]
            .sudo()
            .search([("model_name", "=", record._name), ("method_name", "=", method)], order="id")
            .filtered(lambda job: record.id in job.records.ids)
        )

    def run_stored_job(self, queue_job):
        """Run a stored job as queue_job's runner does: started, performed (its work undone if it raises),
        then done, or back to pending when it asks to be tried again.  Returns that RetryableJobError."""
        job = Job.load(self.env, queue_job.uuid)
        job.set_started()
        job.store()
        try:
            with self.env.cr.savepoint():
                job.perform()
        except RetryableJobError as error:
            job.postpone(result=str(error), seconds=error.seconds)
            job.set_pending(reset_retry=False)
            job.store()
            return error
        job.set_done()
        job.store()
        return None

    def stored_secret(self, field_name, backend=None):
        backend = (backend or self.backend).sudo()
        backend.invalidate_recordset()
        backend.env["quickbooks.backend.token"].invalidate_model()  # tokens live in their own table
        return crypto.decrypt(backend[field_name])

    def assert_no_plaintext(self, *secrets):
        """No text, varchar or json column of any table contains one of ``secrets``."""
        secrets = [secret for secret in secrets if secret]
        self.assertTrue(secrets)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("""SELECT c.table_name, c.column_name FROM information_schema.columns c
                      JOIN information_schema.tables t
                        ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                        AND c.data_type IN ('character varying', 'text', 'jsonb', 'json')""")
        patterns = [f"%{secret}%" for secret in secrets]
        found = []
        for table, column in cr.fetchall():
            cr.execute(
                SQL(
                    "SELECT 1 FROM %s WHERE %s::text LIKE ANY(%s) LIMIT 1",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    patterns,
                )
            )
            if cr.fetchone():
                found.append(f"{table}.{column}")
        self.assertEqual(found, [], "a secret is stored in plain text")


class QuickbooksCase(QuickbooksTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
