"""One soak run: set up, connect, drive under chaos, drain, check, report, clean up.

Phases (each printed with its duration):

1. **Set up**: the emulator on a free port (webhooks to Odoo's ``/quickbooks/webhook``, signed with a
   verifier token made for this run), a fresh database with the addon installed
   (``-i quickbooks_connector --stop-after-init``), then the server started again as users run it.
2. **Connect** as a manager does: the connection's credentials through the external API, then the
   real OAuth routes in a web session (``/quickbooks/oauth/start`` → the emulator's authorize page →
   ``/quickbooks/oauth/callback``), then the mapping wizard's *Accept All Proposals* and *Save*
   (which also maps the 15 % sales tax).
3. **Drive**: customers, invoices, credit notes, payments and edits through Odoo's external API, the
   CPA's payments (and their later edits and deletions) and notes through QuickBooks' API, while the
   emulator injects faults at the set rate, webhook deliveries are dropped, replayed and reordered,
   Odoo workers are SIGKILLed at random moments and the whole server is killed and restarted.
4. **Drain**: faults off, kills stopped; wait until no job is waiting or running and no notification
   is unprocessed, flushing the emulator's webhooks and running the change-data-capture catch-up
   until it finds nothing new (bounded: at the timeout, what is still pending is reported).
5. **Check** (:mod:`.checks`) and **report** the figures; exit status 0 only when every check passed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from . import checks as soak_checks
from .clients import CPAClient, CPAError, EmulatorControl, OdooRPC, RPCError, Transient, Unavailable
from .plan import Plan, cpa_note, edit_values, make_plan
from .processes import EmulatorProcess, OdooServer, dropdb, fernet_key

#: The API faults injected during the drive: (share of the fault rate, the emulator's fault spec).
FAULT_MIX = (
    (0.25, {"kind": "drop_after_commit"}),  # the answer is lost after QBO committed
    (0.10, {"kind": "drop_before_commit"}),  # the connection breaks before QBO did anything
    (0.15, {"kind": "status", "status": 503}),
    (0.05, {"kind": "status", "status": 500}),
    (0.10, {"kind": "status", "status": 429}),  # a 429 without Retry-After
    (0.10, {"kind": "throttle", "seconds": 2}),  # a 429 with Retry-After: 2
    (0.15, {"kind": "latency", "seconds": 1.5}),
    (0.05, {"kind": "expire_token", "times": 10**9}),  # the presented access token dies (401)
    (0.05, {"kind": "non_json", "status": 502}),  # a gateway's HTML error page
)
#: Which worker a kill hits.
KILL_TARGETS = (("WorkerHTTP", 0.6), ("WorkerJobRunner", 0.2), ("WorkerCron", 0.2))
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")
ODOO_KINDS = ("invoice", "credit_note", "payment:odoo", "edit:odoo")


class DriveError(Exception):
    """An action of the soak could not be done (Odoo or QuickBooks refused it, or never answered)."""


def fault_name(spec: dict) -> str:
    """``drop_after_commit``, ``status 503``, ``non_json 502``...: how the soak names a fault rule."""
    name = spec["kind"]
    if spec["kind"] in ("status", "non_json") and spec.get("status"):
        name += f" {spec['status']}"
    return name


def fault_specs(rate: float, seed: int, kinds: list[str] | None = None) -> list[dict]:
    """The emulator fault rules for a total fault rate ``rate`` (each rule its own seeded draw); ``kinds``
    keeps only those faults (by :func:`fault_name` or kind), their shares scaled up to the same rate."""
    mix = [
        (share, spec) for share, spec in FAULT_MIX if not kinds or fault_name(spec) in kinds or spec["kind"] in kinds
    ]
    if rate <= 0 or not mix:
        return []
    total = sum(share for share, _spec in mix)
    return [
        {**spec, "probability": round(rate * share / total, 6), "seed": seed * 100 + index}
        for index, (share, spec) in enumerate(mix)
    ]


class Soak:
    def __init__(self, options) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.chaos_rng = random.Random(options.seed + 1)
        self.stats: Counter = Counter()
        self.stats_lock = threading.Lock()
        self.reconnect_lock = threading.Lock()
        self.stop = threading.Event()
        self.drive_done = threading.Event()
        self.failures: list[str] = []  # what the soak itself could not do
        self.notes: list[str] = []
        self.started = time.monotonic()
        self.drive_started = time.monotonic()
        self.timings: dict[str, float] = {}
        self.run_tag = secrets.token_hex(4)
        self.workdir = Path(tempfile.mkdtemp(prefix="qbo-soak-"))
        self.database = f"{options.db_prefix}_{int(time.time())}_{os.getpid()}"
        self.client_id = f"soak-{self.run_tag}"
        self.client_secret = secrets.token_urlsafe(24)
        self.verifier_token = secrets.token_urlsafe(24)
        self.encryption_key = fernet_key()
        self.realm_id = "91303" + "".join(self.rng.choice("0123456789") for _ in range(11))
        self.odoo: OdooServer | None = None
        self.emulator: EmulatorProcess | None = None
        self.rpc: OdooRPC | None = None
        self.control: EmulatorControl | None = None
        self.cpa: CPAClient | None = None
        self.plan: Plan | None = None
        self.threads: list[threading.Thread] = []
        self.server_lock = threading.Lock()
        self.restarting = threading.Event()
        # what the drive did
        self.partner_ids: dict[str, int] = {}
        self.move_ids: dict[str, int] = {}
        self.move_names: dict[str, str] = {}
        self.done: dict[str, threading.Event] = {}
        self.cpa_created: dict[str, str] = {}
        self.cpa_notes: dict[int, str] = {}
        self.replay_candidates: list[int] = []
        self.progress = Counter()
        self.kills: list[tuple[float, str, int]] = []
        self.restarts: list[tuple[float, float]] = []
        self.qbo_snapshot: dict[str, dict] = {}
        self.qbo_snapshot_at = 0.0
        self.snapshot_lock = threading.Lock()
        self.tax_id = self.bank_journal_id = self.backend_id = None
        self.today = dt.date.today().isoformat()
        self.results: list[soak_checks.Check] = []
        self.figures: dict[str, Any] = {}

    # ------------------------------------------------------------------ helpers
    def bump(self, key: str, amount: int = 1) -> None:
        with self.stats_lock:
            self.stats[key] += amount

    def say(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f}s] {message}", flush=True)

    def phase(self, name: str, function) -> Any:
        self.say(f"== {name}")
        started = time.monotonic()
        try:
            return function()
        finally:
            self.timings[name] = round(time.monotonic() - started, 1)
            self.say(f"== {name}: {self.timings[name]} s")

    # ------------------------------------------------------------------ the run
    def run(self) -> int:
        status = 2
        try:
            self.phase("set up", self.setup)
            self.phase("connect", self.connect)
            self.phase("drive", self.drive)
            self.phase("drain", self.drain)
            self.phase("check", self.verify)
            status = self.report()
        except KeyboardInterrupt:
            self.say("interrupted: cleaning up")
            status = 130
        except Exception as error:  # a failure of the soak itself: report it, then clean up
            self.say(f"the soak stopped: {type(error).__name__}: {error}")
            traceback.print_exc()
            status = 2
        finally:
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # a second signal must not stop the clean-up
                with contextlib.suppress(ValueError, AttributeError):
                    signal.signal(getattr(signal, name), signal.SIG_IGN)
            self.cleanup(status)
        return status

    def setup(self) -> None:
        options = self.options
        self.plan = make_plan(
            options.invoices,
            options.payments,
            options.edits,
            credit_notes=options.credit_notes,
            customers=options.customers,
            qbo_share=options.qbo_share,
            cpa_change_share=options.cpa_changes,
            cancel_share=options.cancels,
            seed=options.seed,
        )
        self.say("plan: " + ", ".join(f"{k} {v}" for k, v in self.plan.summary().items()))
        self.odoo = OdooServer(
            self.workdir,
            python=options.odoo_python,
            database=self.database,
            workers=options.workers,
            channels=options.channels,
            encryption_key=self.encryption_key,
            extra_addons=os.environ.get("ODOO_ADDONS_PATH"),
            first_addons=options.addons_first,
        )
        if self.odoo.idle_gevent:
            note = (
                "Odoo's websocket (gevent) worker cannot start with this Python (gevent's plugin loader fails); "
                "it idles instead of being respawned in a loop. Nothing in the soak uses websockets."
            )
            self.notes.append(note)
            self.say(note)
        self.emulator = EmulatorProcess(
            self.workdir,
            client_id=self.client_id,
            client_secret=self.client_secret,
            verifier_token=self.verifier_token,
            realm_id=self.realm_id,
            webhook_url=f"{self.odoo.url}/quickbooks/webhook",
            python=options.emulator_python,
        )
        self.control = EmulatorControl(self.emulator.url, self.emulator.control_token)
        self.say(f"emulator on port {self.emulator.port}; installing quickbooks_connector in {self.database}")
        self.timings["install"] = round(self.odoo.install(), 1)
        self.say(
            f"installed in {self.timings['install']} s; starting Odoo on port {self.odoo.http_port} "
            f"({options.workers} HTTP workers, cron worker, job runner, channels {options.channels})"
        )
        self.odoo.start()
        self.rpc = OdooRPC(self.odoo.url, self.database, "admin", "admin", self.stats)
        self.rpc.retry(self.rpc.login, deadline=120)
        self.cpa = CPAClient(self.control, self.realm_id, self.stats)

    def oauth_round_trip(self) -> None:
        """The manager's browser: Connect to QuickBooks, Intuit's (the emulator's) page, back to Odoo."""
        rpc = self.rpc
        browser = rpc.browser()
        start = browser.get(
            f"{self.odoo.url}/quickbooks/oauth/start",
            params={"backend_id": self.backend_id},
            allow_redirects=False,
            timeout=120,
        )
        if start.status_code not in (301, 302, 303) or not start.headers.get("Location", "").startswith(
            self.emulator.url
        ):
            raise RuntimeError(f"/quickbooks/oauth/start answered {start.status_code}, not a redirect to QuickBooks")
        authorize = browser.get(start.headers["Location"], allow_redirects=False, timeout=60)
        callback = authorize.headers.get("Location", "")
        if authorize.status_code != 302 or not callback.startswith(f"{self.odoo.url}/quickbooks/oauth/callback"):
            raise RuntimeError(f"the emulator's authorize page answered {authorize.status_code}")
        back = browser.get(callback, allow_redirects=False, timeout=120)
        if back.status_code not in (301, 302, 303):
            raise RuntimeError(f"/quickbooks/oauth/callback answered {back.status_code}")
        backend = rpc.retrying(
            "quickbooks.backend", "read", [self.backend_id], ["state", "realm_id", "qbo_company_name"]
        )
        if backend[0]["state"] != "connected" or backend[0]["realm_id"] != self.realm_id:
            raise RuntimeError(f"the connection is {backend[0]['state']} after the OAuth round trip")

    def connect(self) -> None:
        rpc = self.rpc
        rpc.retrying("ir.config_parameter", "set_param", "web.base.url", self.odoo.url)
        rpc.retrying("ir.config_parameter", "set_param", "web.base.url.freeze", "True")
        company_id = rpc.retrying("res.users", "read", [rpc.uid], ["company_id"])[0]["company_id"][0]
        values = {
            "name": "QuickBooks Online (soak)",
            "environment": "custom",
            "custom_base_url": self.emulator.url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "webhook_verifier_token": self.verifier_token,
        }
        found = rpc.retrying("quickbooks.backend", "search", [["company_id", "=", company_id]])
        if found:
            self.backend_id = found[0]
            rpc.retrying("quickbooks.backend", "write", [self.backend_id], values)
        else:
            self.backend_id = rpc.retrying("quickbooks.backend", "create", {"company_id": company_id, **values})
        self.oauth_round_trip()
        backend = rpc.retrying("quickbooks.backend", "read", [self.backend_id], ["qbo_company_name"])
        self.say(f"connected through OAuth to {backend[0]['qbo_company_name']}")
        action = rpc.retrying("quickbooks.backend", "action_open_mapping_wizard", [self.backend_id])
        wizard = action["res_id"]
        rpc.retrying("quickbooks.account.mapping.wizard", "action_accept_proposals", [wizard])
        result = rpc.retrying("quickbooks.account.mapping.wizard", "action_apply", [wizard])
        self.say(f"mapping saved: {result.get('params', {}).get('message')}")
        if self.options.retry_pattern:
            pattern = {int(k): int(v) for k, v in (p.split(":") for p in self.options.retry_pattern.split(","))}
            functions = rpc.retrying("queue.job.function", "search", [["channel_id.name", "=", "quickbooks"]])
            rpc.retrying("queue.job.function", "write", functions, {"retry_pattern": pattern})
            self.notes.append(f"job back-off tuned by the soak (as an administrator can): {pattern}")
        taxes = rpc.retrying(
            "account.tax",
            "search_read",
            [["type_tax_use", "=", "sale"], ["amount", "=", 15], ["amount_type", "=", "percent"]],
            ["id"],
            limit=1,
        )
        journals = rpc.retrying("account.journal", "search_read", [["type", "=", "bank"]], ["id"], limit=1)
        if not taxes or not journals:
            raise RuntimeError("the company has no 15 % sales tax or no bank journal (chart of accounts?)")
        self.tax_id, self.bank_journal_id = taxes[0]["id"], journals[0]["id"]
        self.prepare_write_offs(rpc)
        mapped = rpc.retrying("quickbooks.tax.mapping", "search_count", [["tax_id", "=", self.tax_id]])
        if not mapped:
            raise RuntimeError("saving the mapping did not map the 15 % sales tax")

    def prepare_write_offs(self, rpc) -> None:
        """The miscellaneous journal sends its entries, and bad debt goes to an expense account mapped to
        QuickBooks' Office Expenses (as a manager sets them up)."""
        journals = rpc.retrying(
            "account.journal", "search_read", [["type", "=", "general"], ["code", "=", "MISC"]], ["id"], limit=1
        )
        accounts = rpc.retrying("account.account", "search_read", [["account_type", "=", "expense"]], ["id"], limit=1)
        office = rpc.retrying(
            "quickbooks.qbo.account",
            "search_read",
            [["backend_id", "=", self.backend_id], ["name", "=", "Office Expenses"]],
            ["id"],
            limit=1,
        )
        if not journals or not accounts or not office:
            raise RuntimeError("no miscellaneous journal, expense account or QuickBooks Office Expenses account")
        self.misc_journal_id, self.write_off_account_id = journals[0]["id"], accounts[0]["id"]
        rpc.retrying("account.journal", "write", [self.misc_journal_id], {"quickbooks_send_entries": True})
        mapping = rpc.retrying(
            "quickbooks.account.mapping",
            "search",
            [["backend_id", "=", self.backend_id], ["account_id", "=", self.write_off_account_id]],
        )
        if mapping:
            rpc.retrying("quickbooks.account.mapping", "write", mapping, {"qbo_account_id": office[0]["id"]})
        else:
            rpc.retrying(
                "quickbooks.account.mapping",
                "create",
                {
                    "backend_id": self.backend_id,
                    "account_id": self.write_off_account_id,
                    "qbo_account_id": office[0]["id"],
                },
            )

    # ------------------------------------------------------------------ drive
    def drive(self) -> None:
        plan = self.plan
        self.drive_started = time.monotonic()
        for key in [*plan.invoices, *plan.payments, *plan.credit_notes, *plan.customers]:
            self.done[key] = threading.Event()
        self.create_customers()
        specs = fault_specs(self.options.fault_rate, self.options.seed, self.options.fault_kinds)
        for spec in specs:
            self.control.call("POST", "faults", spec)
        if specs:
            self.say(
                f"faults on: {self.options.fault_rate:.0%} of QuickBooks API requests ("
                + ", ".join(f"{fault_name(spec)} {spec['probability']:.1%}" for spec in specs)
                + ")"
            )
        odoo_actions = [a for a in plan.actions if self._lane(a) == "odoo"]
        cpa_actions = [a for a in plan.actions if self._lane(a) == "cpa"]
        self.progress["odoo_total"] = len(odoo_actions)
        self.progress["cpa_total"] = len(cpa_actions)
        queue = list(odoo_actions)
        queue_lock = threading.Lock()

        def odoo_lane():
            while not self.stop.is_set() and not self.drive_expired():
                with queue_lock:
                    if not queue:
                        return
                    action = queue.pop(0)
                self.perform(action)
                self.progress["odoo_done"] += 1
                if self.options.pace:
                    time.sleep(self.options.pace)

        workers = [self.spawn(odoo_lane, f"odoo-lane-{n}") for n in range(self.options.drive_threads)]
        cpa = self.spawn(lambda: self.cpa_lane(cpa_actions), "cpa-lane")
        self.spawn(self.chaos, "kills", keep=True)
        self.spawn(self.webhook_chaos, "webhook-chaos", keep=True)
        self.spawn(self.monitor, "monitor", keep=True)
        for thread in workers:
            while thread.is_alive():
                thread.join(timeout=1)
        with queue_lock:
            left, queue[:] = list(queue), []
        for action in left:  # the drive was cut short
            self.failures.append(f"{action.kind} {action.key} not done: {self.figures.get('drive_cut')}")
            if action.key in self.done and action.kind in ("invoice", "credit_note", "payment"):
                self.done[action.key].set()
        while cpa.is_alive():
            cpa.join(timeout=1)
        self.drive_done.set()
        if self.restarts == [] and self.options.restarts and not self.stop.is_set():
            self.restart_server("at the end of the drive (it finished before the planned moment)")

    def drive_expired(self) -> bool:
        """Past ``--max-drive``: what is left is not done (and reported so)."""
        if not self.options.max_drive or time.monotonic() - self.drive_started < self.options.max_drive:
            return False
        if not self.figures.get("drive_cut"):
            self.figures["drive_cut"] = f"the drive was stopped after {self.options.max_drive:.0f} s"
            self.say(self.figures["drive_cut"] + ": the actions left are reported as not done")
        return True

    def _lane(self, action) -> str:
        if action.kind == "payment":
            return "cpa" if self.plan.payments[action.key].side == "qbo" else "odoo"
        if action.kind == "edit":
            return "cpa" if self.plan.edits[action.key].side == "qbo" else "odoo"
        if action.kind == "cpa_change":
            return "cpa"
        return "odoo"  # invoice, credit_note, cancel_invoice, cancel_payment

    def spawn(self, target, name: str, keep: bool = False) -> threading.Thread:
        def guarded():
            try:
                target()
            except Exception as error:
                self.failures.append(f"{name} stopped: {type(error).__name__}: {error}")
                traceback.print_exc()

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        if keep:
            self.threads.append(thread)
        return thread

    def perform(self, action) -> None:
        try:
            if action.kind == "invoice":
                self.do_invoice(self.plan.invoices[action.key])
            elif action.kind == "credit_note":
                self.do_credit_note(self.plan.credit_notes[action.key])
            elif action.kind == "payment":
                self.do_odoo_payment(self.plan.payments[action.key])
            elif action.kind == "edit":
                self.do_odoo_edit(self.plan.edits[action.key])
            elif action.kind == "cancel_invoice":
                self.do_cancel_invoice(self.plan.invoices[action.key])
            elif action.kind == "cancel_payment":
                self.do_cancel_payment(self.plan.payments[action.key])
            elif action.kind == "write_off":
                self.do_write_off(self.plan.write_offs[action.key])
        except (DriveError, RPCError, Unavailable, Transient) as error:
            self.failures.append(f"{action.kind} {action.key} not done: {type(error).__name__}: {error}")
            self.bump("actions_failed")
        finally:
            if action.key in self.done and action.kind in ("invoice", "credit_note", "payment"):
                self.done[action.key].set()

    def wait_for(self, keys, what: str) -> None:
        for key in keys:
            left = (self.options.max_drive or 3600) - (time.monotonic() - self.drive_started)
            if not self.done[key].wait(max(left, 1)):
                raise DriveError(f"{what}: {key} never finished")
            if key in self.plan.invoices and key not in self.move_ids:
                raise DriveError(f"{what}: invoice {key} was not created")

    def create_customers(self) -> None:
        rpc = self.rpc
        for customer in self.plan.customers.values():
            values = {
                "name": customer.name,
                "ref": f"SOAK-{customer.key}",
                "is_company": True,
                "customer_rank": 1,
                "street": customer.street,
                "city": customer.city,
                "zip": customer.zip,
                "email": customer.email,
                "phone": customer.phone,
            }
            for _attempt in range(20):
                found = rpc.retrying("res.partner", "search", [["ref", "=", values["ref"]]])
                if found:
                    self.partner_ids[customer.key] = found[0]
                    break
                with contextlib.suppress(Unavailable, Transient):
                    rpc.execute("res.partner", "create", values)
            else:
                raise DriveError(f"customer {customer.key} could not be created")
        self.say(f"{len(self.partner_ids)} customers created in Odoo")

    def _ensure(self, find, make, what: str, attempts: int = 30):
        """Make something once, whatever answers are lost: look first, act, look again."""
        for _attempt in range(attempts):
            found = find()
            if found is not None:
                return found
            try:
                make()
            except (Unavailable, Transient):
                self.bump("drive_retries")
                time.sleep(1)
        raise DriveError(f"{what}: not done after {attempts} attempts")

    def do_invoice(self, invoice) -> None:
        lines = [
            [
                0,
                0,
                {
                    "name": line.name,
                    "quantity": line.quantity,
                    "price_unit": line.price_unit,
                    "tax_ids": [[6, 0, [self.tax_id] if line.taxed else []]],
                },
            ]
            for line in invoice.lines
        ]
        values = {
            "move_type": "out_invoice",
            "partner_id": self.partner_ids[invoice.customer],
            "ref": invoice.key,
            "invoice_date": self.today,
            "invoice_line_ids": lines,
        }
        self._create_and_post("out_invoice", invoice.key, values)

    def _create_and_post(self, move_type: str, ref: str, values: dict) -> dict:
        rpc = self.rpc

        def find():
            rows = rpc.retrying(
                "account.move", "search_read", [["ref", "=", ref], ["move_type", "=", move_type]], ["state", "name"]
            )
            return rows[0] if rows else None

        move = self._ensure(find, lambda: rpc.execute("account.move", "create", values), f"create {ref}")
        posted = self._ensure(
            lambda: (lambda m: m if m and m["state"] == "posted" else None)(find()),
            lambda: rpc.execute("account.move", "action_post", [move["id"]]),
            f"post {ref}",
        )
        self.move_ids[ref] = posted["id"]
        self.move_names[ref] = posted["name"]
        self.bump(f"posted_{move_type}")
        return posted

    def do_credit_note(self, note) -> None:
        rpc = self.rpc
        self.wait_for([note.invoice], f"credit note {note.key}")
        invoice_id = self.move_ids[note.invoice]
        invoice = self.plan.invoices[note.invoice]
        scale = (lambda price: price) if note.fraction >= 1 else (lambda price: round(price * note.fraction, 2))
        lines = [
            [
                0,
                0,
                {
                    "name": f"Credit for {line.name}",
                    "quantity": line.quantity,
                    "price_unit": scale(line.price_unit),
                    "tax_ids": [[6, 0, [self.tax_id] if line.taxed else []]],
                },
            ]
            for line in invoice.lines
        ]
        values = {
            "move_type": "out_refund",
            "partner_id": self.partner_ids[invoice.customer],
            "ref": note.key,
            "invoice_date": self.today,
            "reversed_entry_id": invoice_id,
            "invoice_line_ids": lines,
        }
        self._create_and_post("out_refund", note.key, values)
        note_id = self.move_ids[note.key]

        def applied():
            lines = rpc.retrying(
                "account.move.line",
                "search_read",
                [["move_id", "=", note_id], ["account_id.account_type", "=", "asset_receivable"]],
                ["reconciled", "amount_residual", "matched_debit_ids"],
            )
            if not lines:
                raise DriveError(f"{note.key} has no receivable line")
            return lines[0] if lines[0]["matched_debit_ids"] or lines[0]["reconciled"] else None

        def apply():
            line = rpc.retrying(
                "account.move.line",
                "search",
                [["move_id", "=", note_id], ["account_id.account_type", "=", "asset_receivable"]],
            )
            rpc.execute("account.move", "js_assign_outstanding_line", [invoice_id], line[0])

        self._ensure(applied, apply, f"apply {note.key} to {note.invoice}")
        self.bump("credit_notes_applied")

    def do_write_off(self, write_off) -> None:
        """Bad debt written off by a journal entry of the miscellaneous journal, reconciled with the invoice."""
        rpc = self.rpc
        self.wait_for([write_off.invoice], f"write-off {write_off.key}")
        invoice_id = self.move_ids[write_off.invoice]
        receivable = rpc.retrying(
            "account.move.line",
            "search_read",
            [["move_id", "=", invoice_id], ["account_id.account_type", "=", "asset_receivable"]],
            ["account_id", "partner_id", "amount_residual"],
        )[0]
        amount = round(receivable["amount_residual"] * write_off.fraction, 2)
        line = {"name": f"Bad debt {write_off.invoice}", "partner_id": receivable["partner_id"][0]}
        values = {
            "move_type": "entry",
            "journal_id": self.misc_journal_id,
            "ref": write_off.key,
            "date": self.today,
            "line_ids": [
                [0, 0, {**line, "account_id": self.write_off_account_id, "debit": amount}],
                [0, 0, {**line, "account_id": receivable["account_id"][0], "credit": amount}],
            ],
        }
        self._create_and_post("entry", write_off.key, values)
        entry_id = self.move_ids[write_off.key]
        entry_line = [["move_id", "=", entry_id], ["account_id.account_type", "=", "asset_receivable"]]

        def applied():
            lines = rpc.retrying("account.move.line", "search_read", entry_line, ["matched_debit_ids", "reconciled"])
            return lines[0] if lines and (lines[0]["matched_debit_ids"] or lines[0]["reconciled"]) else None

        def apply():
            found = rpc.retrying("account.move.line", "search", entry_line)
            rpc.execute("account.move", "js_assign_outstanding_line", [invoice_id], found[0])

        self._ensure(applied, apply, f"apply {write_off.key} to {write_off.invoice}")
        self.bump("write_offs_applied")

    def do_odoo_payment(self, payment) -> None:
        rpc = self.rpc
        self.wait_for(payment.invoices, f"payment {payment.key}")
        ids = [self.move_ids[key] for key in payment.invoices]

        def find():
            rows = rpc.retrying("account.payment", "search_read", [["memo", "=", payment.key]], ["state", "amount"])
            return rows[0] if rows else None

        def register():
            residuals = rpc.retrying("account.move", "read", ids, ["amount_residual"])
            open_total = round(sum(r["amount_residual"] for r in residuals), 2)
            if open_total <= 0:
                raise DriveError(f"{payment.key}: the invoices are already paid")
            amount = open_total if payment.fraction is None else round(open_total * payment.fraction, 2)
            context = {"active_model": "account.move", "active_ids": ids}
            wizard = rpc.execute(
                "account.payment.register",
                "create",
                {
                    "amount": amount,
                    "payment_date": self.today,
                    "journal_id": self.bank_journal_id,
                    "communication": payment.key,
                    "group_payment": True,
                },
                context=context,
            )
            rpc.execute("account.payment.register", "action_create_payments", [wizard], context=context)

        self._ensure(find, register, f"register {payment.key}")
        self.bump("odoo_payments_registered")

    def do_cancel_invoice(self, invoice) -> None:
        """Cancel an unpaid invoice (reset to draft, then cancel) in the order the plan drew against its
        push (:data:`.plan.CANCEL_ORDERS`)."""
        rpc = self.rpc
        self.wait_for([invoice.key], f"cancel {invoice.key}")
        move_id = self.move_ids[invoice.key]

        def state():
            return rpc.retrying("account.move", "read", [move_id], ["state"])[0]["state"]

        def sync_record():
            rows = rpc.retrying(
                "quickbooks.sync.state",
                "search_read",
                [["res_model", "=", "account.move"], ["res_id", "=", move_id], ["binding_key", "=", ""]],
                ["state", "qbo_id"],
            )
            return rows[0] if rows else {}

        if invoice.cancel_order == "after_push":
            self.wait_until(lambda: sync_record().get("qbo_id"), f"{invoice.key} in QuickBooks")
        self._ensure(
            lambda: True if state() != "posted" else None,
            lambda: rpc.execute("account.move", "button_draft", [move_id]),
            f"reset {invoice.key}",
        )
        if invoice.cancel_order == "draft_then_push":
            # The push runs on the draft (faults and kills may delay it: at worst the cancel comes later).
            self.wait_until(lambda: sync_record().get("state") not in (None, "pending"), f"{invoice.key} pushed")
        self.bump(f"invoices_cancelled_{invoice.cancel_order or 'unordered'}")
        self._ensure(
            lambda: True if state() == "cancel" else None,
            lambda: rpc.execute("account.move", "button_cancel", [move_id]),
            f"cancel {invoice.key}",
        )
        self.bump("invoices_cancelled")

    def wait_until(self, condition, what: str, timeout: float = 180.0) -> bool:
        """Poll ``condition`` (an RPC read) until it holds, at most ``timeout`` seconds; the drive goes on
        either way (a push delayed by faults makes the order another one, not a failure)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stop.is_set():
            if condition():
                return True
            time.sleep(0.5)
        self.bump("cancel_orders_missed")
        self.say(f"{what}: not within {timeout:.0f} s, going on")
        return False

    def do_cancel_payment(self, payment) -> None:
        """Cancel a payment registered in Odoo (reset to draft, then cancel)."""
        rpc = self.rpc
        self.wait_for([payment.key], f"cancel {payment.key}")
        rows = rpc.retrying("account.payment", "search", [["memo", "=", payment.key]])
        if not rows:
            raise DriveError(f"{payment.key} was never registered: nothing to cancel")

        def state():
            return rpc.retrying("account.payment", "read", rows[:1], ["state"])[0]["state"]

        self._ensure(
            lambda: True if state() in ("draft", "canceled") else None,
            lambda: rpc.execute("account.payment", "action_draft", rows[:1]),
            f"reset {payment.key}",
        )
        self._ensure(
            lambda: True if state() == "canceled" else None,
            lambda: rpc.execute("account.payment", "action_cancel", rows[:1]),
            f"cancel {payment.key}",
        )
        self.bump("odoo_payments_cancelled")

    def do_odoo_edit(self, edit) -> None:
        partner = self.partner_ids[edit.customer]
        self.rpc.retrying("res.partner", "write", [partner], edit_values(self.plan, edit))
        self.bump("odoo_customer_edits")

    # ------------------------------------------------------------------ the CPA
    def cpa_lane(self, actions) -> None:
        """The CPA's work, in plan order; an action waits until what it needs is in QuickBooks."""
        waiting = list(actions)
        give_up = None
        while waiting and not self.stop.is_set():
            if self.drive_expired():
                for action in waiting:
                    self.failures.append(f"CPA {action.kind} {action.key} not done: {self.figures['drive_cut']}")
                    if action.kind == "payment":
                        self.done[action.key].set()
                return
            progressed = False
            for action in list(waiting):
                try:
                    ready = self.cpa_perform(action)
                except (CPAError, DriveError, RPCError, Unavailable, Transient) as error:
                    self.failures.append(f"CPA {action.kind} {action.key} not done: {type(error).__name__}: {error}")
                    self.bump("actions_failed")
                    ready = True
                if ready:  # else it waits; the actions after it that do not depend on it go on
                    waiting.remove(action)
                    self.progress["cpa_done"] += 1
                    progressed = True
                    if action.kind == "payment":
                        self.done[action.key].set()
            if not waiting:
                break
            if not progressed:
                odoo_finished = self.progress["odoo_done"] >= self.progress["odoo_total"]
                if odoo_finished and give_up is None:
                    give_up = time.monotonic() + self.options.cpa_wait
                if give_up is not None and time.monotonic() > give_up:
                    for action in waiting:
                        self.failures.append(
                            f"CPA {action.kind} {action.key} not done: what it needs never "
                            f"reached QuickBooks within {self.options.cpa_wait} s"
                        )
                        if action.kind == "payment":
                            self.done[action.key].set()
                    return
                time.sleep(2)

    def qbo_invoice(self, number: str, max_age: float = 5.0) -> dict | None:
        with self.snapshot_lock:
            if number not in self.qbo_snapshot and time.monotonic() - self.qbo_snapshot_at > max_age:
                invoices = soak_checks.live(self.control.entities("Invoice"))
                self.qbo_snapshot = {str(o.get("DocNumber")): o for o in invoices}
                self.qbo_snapshot_at = time.monotonic()
            return self.qbo_snapshot.get(number)

    def cpa_perform(self, action) -> bool:
        """Do one CPA action; False when what it needs is not there yet."""
        plan = self.plan
        if action.kind == "edit":
            edit = plan.edits[action.key]
            partner = self.partner_ids[edit.customer]
            rows = self.rpc.retrying(
                "quickbooks.sync.state",
                "search_read",
                [
                    ["res_model", "=", "res.partner"],
                    ["res_id", "=", partner],
                    ["binding_key", "=", ""],
                    ["qbo_id", "!=", False],
                ],
                ["qbo_id"],
            )
            if not rows:
                return False
            note = cpa_note(edit)
            self.control.call("POST", f"entities/Customer/{rows[0]['qbo_id']}", {"Notes": note})
            self.cpa_notes[partner] = note
            self.bump("qbo_customer_edits")
            return True
        payment = plan.payments[action.key]
        if action.kind == "cpa_change":
            if payment.key in self.cpa_created:
                return self.cpa_change(payment)
            if self.done[payment.key].is_set():  # the payment itself could not be recorded (reported)
                raise DriveError(f"{payment.key} was never recorded: nothing to {payment.change}")
            return False
        # a payment recorded by the CPA: the invoices must be in QuickBooks
        if any(not self.done[key].is_set() for key in payment.invoices):
            return False
        if any(key not in self.move_names for key in payment.invoices):
            raise DriveError(f"{payment.key}: an invoice was not created in Odoo")
        documents = [self.qbo_invoice(self.move_names[key]) for key in payment.invoices]
        if any(doc is None for doc in documents):
            return False
        current = [self.cpa.get("Invoice", doc["Id"]) for doc in documents]
        balances = [round(float(doc.get("Balance") or 0), 2) for doc in current]
        if not all(balance > 0 for balance in balances):
            raise DriveError(f"{payment.key}: an invoice is already paid in QuickBooks")
        amounts = balances if payment.fraction is None else [round(balances[0] * payment.fraction, 2)]
        body = {
            "CustomerRef": {"value": current[0]["CustomerRef"]["value"]},
            "TotalAmt": round(sum(amounts), 2),
            "TxnDate": self.today,
            "PaymentRefNum": payment.key,
            "PrivateNote": f"Received by the CPA ({payment.key})",
            "Line": [
                {"Amount": amount, "LinkedTxn": [{"TxnId": doc["Id"], "TxnType": "Invoice"}]}
                for amount, doc in zip(amounts, current, strict=False)
            ],
        }
        created = self.cpa.create("Payment", body, request_id=f"soak-{self.run_tag}-{payment.key}")
        self.cpa_created[payment.key] = str(created["Id"])
        self.bump("qbo_payments_recorded")
        return True

    def cpa_change(self, payment) -> bool:
        qbo_id = self.cpa_created[payment.key]
        for attempt in range(5):
            current = self.cpa.get("Payment", qbo_id)
            request_id = f"soak-{self.run_tag}-{payment.key}-{payment.change}-{current['SyncToken']}"
            try:
                if payment.change == "delete":
                    self.cpa.delete("Payment", qbo_id, current["SyncToken"], request_id)
                    self.bump("qbo_payments_deleted")
                else:
                    lines = [
                        {
                            "Amount": round(float(line["Amount"]) * payment.change_fraction, 2),
                            "LinkedTxn": line["LinkedTxn"],
                        }
                        for line in current.get("Line") or []
                    ]
                    total = round(sum(line["Amount"] for line in lines), 2)
                    self.cpa.update(
                        "Payment",
                        {"Id": qbo_id, "SyncToken": current["SyncToken"], "Line": lines, "TotalAmt": total},
                        request_id,
                    )
                    self.bump("qbo_payments_updated")
                return True
            except CPAError as error:
                if "5010" in json.dumps(error.body) and attempt < 4:
                    continue  # someone else changed it meanwhile: read it again
                raise
        return True

    # ------------------------------------------------------------------ chaos
    def chaos(self) -> None:
        """SIGKILL a worker every ``kill_every`` seconds (jittered); kill and restart the whole server once."""
        options = self.options
        restart_at = options.restart_at
        while not self.drive_done.is_set() and not self.stop.is_set():
            wait = self.chaos_rng.uniform(0.5, 1.5) * options.kill_every if options.kill_every > 0 else 2
            if self.stop.wait(wait) or self.drive_done.is_set():
                return
            total = max(1, self.progress["odoo_total"])
            if options.restarts > len(self.restarts) and self.progress["odoo_done"] / total >= restart_at:
                self.restart_server(f"at {self.progress['odoo_done']}/{total} Odoo actions")
                restart_at = min(1.0, restart_at + (1 - restart_at) / 2)
                continue
            if options.kill_every <= 0:
                continue
            kinds, weights = zip(*KILL_TARGETS, strict=True)
            kind = self.chaos_rng.choices(kinds, weights)[0]
            with self.server_lock:
                pid = self.odoo.kill_worker(kind, self.chaos_rng)
            if pid:
                self.kills.append((time.monotonic() - self.started, kind, pid))
                self.bump(f"kills_{kind}")

    def restart_server(self, why: str) -> None:
        with self.server_lock:
            self.restarting.set()
            self.say(f"killing the whole Odoo server (SIGKILL) and starting it again, {why}")
            try:
                down = self.odoo.restart()
            finally:
                self.restarting.clear()
        self.restarts.append((time.monotonic() - self.started, down))
        self.say(f"Odoo is back after {down:.1f} s")

    def webhook_chaos(self) -> None:
        """Lose, repeat and reorder webhook deliveries while the drive runs."""
        rate = self.options.fault_rate
        if rate <= 0 or not self.options.webhook_faults:
            return
        rng = self.chaos_rng
        while not self.drive_done.is_set() and not self.stop.wait(3):
            if rng.random() < rate:
                count = rng.randint(1, 3)
                self.control.call("POST", "webhooks/drop", {"count": count})
                self.bump("webhook_drops_armed", count)
            if rng.random() < rate and self.replay_candidates:
                delivery = rng.choice(self.replay_candidates[-200:])
                times = rng.randint(1, 2)
                with contextlib.suppress(Exception):
                    self.control.call("POST", "webhooks/replay", {"delivery_id": delivery, "times": times})
                    self.bump("webhook_replays", times)
            if rng.random() < rate:
                self.control.call("POST", "webhooks", {"hold": True})
                if self.stop.wait(rng.uniform(2, 6)):
                    self.control.call("POST", "webhooks", {"hold": False})
                    return
                sent = self.control.call("POST", "webhooks/flush", {"reverse": True}) or []
                self.control.call("POST", "webhooks", {"hold": False})
                self.bump("webhook_reorders")
                self.bump("webhook_deliveries_reordered", len(sent))
                self.replay_candidates.extend(d["id"] for d in sent if d.get("state") == "delivered")

    def reconnect_if_needed(self) -> None:
        """What the manager does on the "Reconnect QuickBooks" activity.  A worker killed between
        Intuit's answer to a token refresh and the commit of the rotated refresh token loses the
        connection (Intuit's rule: the old refresh token no longer works); no connector can avoid that
        window, so the soak counts it and reconnects, as a manager would, and the jobs that waited
        go on.  Nothing may be lost meanwhile."""
        with self.reconnect_lock:
            state = self.rpc.retrying("quickbooks.backend", "read", [self.backend_id], ["state"])[0]["state"]
            if state != "reconnect":
                return
            self.say(
                "the connection needs a reconnect (a refresh token lost with a killed worker): the manager reconnects"
            )
            self.oauth_round_trip()
            self.bump("manager_reconnects")

    def monitor(self) -> None:
        while not self.stop.wait(self.options.progress_every):
            with contextlib.suppress(Exception):
                self.reconnect_if_needed()
            jobs = None
            with contextlib.suppress(Exception):
                jobs = self.rpc.execute("queue.job", "search_count", [["state", "in", list(ACTIVE_JOB_STATES)]])
            kills = sum(v for k, v in self.stats.items() if k.startswith("kills_"))
            self.say(
                f"progress: Odoo actions {self.progress['odoo_done']}/{self.progress['odoo_total']}, CPA "
                f"{self.progress['cpa_done']}/{self.progress['cpa_total']}, jobs waiting or running "
                f"{jobs if jobs is not None else '?'}, kills {kills}, restarts {len(self.restarts)}"
            )

    # ------------------------------------------------------------------ drain
    def job_counts(self) -> dict[str, int]:
        groups = self.rpc.retrying("queue.job", "read_group", [], ["state"], ["state"], lazy=False)
        return {g["state"]: g["__count"] for g in groups}

    def drain(self) -> None:
        self.stop_chaos()
        control, rpc = self.control, self.rpc
        fired = control.call("GET", "faults") or []
        self.figures["api_faults_fired"] = {fault_name(rule): rule["fired"] for rule in fired}
        control.call("DELETE", "faults")
        control.call("POST", "webhooks", {"hold": False})
        started = time.monotonic()
        deadline = started + self.options.drain_timeout
        cdc_runs, quiet, last_report = 0, 0, 0.0
        while True:
            self.reconnect_if_needed()
            sent = control.call("POST", "webhooks/flush", {}) or []
            self.bump("drain_webhook_flushes")
            self.bump("drain_webhook_deliveries", len(sent))
            counts = self.job_counts()
            active = sum(counts.get(state, 0) for state in ACTIVE_JOB_STATES)
            unprocessed = rpc.retrying(
                "quickbooks.webhook.event", "search_count", [["state", "in", ["received", "queued"]]]
            )
            if time.monotonic() - last_report > 30:
                self.say(f"drain: jobs {dict(sorted(counts.items()))}, notifications to process {unprocessed}")
                last_report = time.monotonic()
            if not active and not unprocessed and not any(d.get("state") == "retrying" for d in sent):
                if cdc_runs < 5 and (cdc_runs == 0 or self.figures.get("cdc_last_new", 0)):
                    result = rpc.retrying("quickbooks.backend", "action_cdc_catch_up", [self.backend_id], timeout=1800)
                    message = (result or {}).get("params", {}).get("message", "")
                    found = re.search(r"(\d+) new change", message)
                    self.figures["cdc_last_new"] = int(found.group(1)) if found else 0
                    self.figures.setdefault("cdc_new_changes", []).append(self.figures["cdc_last_new"])
                    cdc_runs += 1
                    self.say(f"change-data-capture catch-up: {message}")
                    quiet = 0
                    continue
                quiet += 1
                if quiet >= 2:
                    break
            else:
                quiet = 0
            if time.monotonic() > deadline:
                self.figures["drain_timed_out"] = True
                self.say(
                    f"drain: timed out after {self.options.drain_timeout} s; still waiting: jobs "
                    f"{dict(sorted(counts.items()))}, notifications {unprocessed}"
                )
                self.report_leftovers()
                break
            time.sleep(5)
        self.figures["drain_seconds"] = round(time.monotonic() - started, 1)

    def report_leftovers(self, limit: int = 40) -> None:
        """What a drain that ran out of time leaves: the jobs not ended (with their last error and next
        try), the sync records still pending or failed, the notifications not processed; printed so
        that the failure explains itself, and kept in the figures."""
        rpc = self.rpc
        jobs = rpc.retrying(
            "queue.job",
            "search_read",
            [["state", "in", list(ACTIVE_JOB_STATES)]],
            ["name", "state", "retry", "max_retries", "eta", "date_created", "exc_message", "result"],
            limit=limit,
            order="date_created",
        )
        rows = rpc.retrying(
            "quickbooks.sync.state",
            "search_read",
            [["state", "in", ["pending", "failed", "conflict"]]],
            ["res_name", "qbo_entity", "qbo_id", "state", "attempts", "last_error", "write_date"],
            limit=limit,
        )
        events = rpc.retrying(
            "quickbooks.webhook.event",
            "search_read",
            [["state", "in", ["received", "queued"]]],
            ["entity", "qbo_id", "operation", "state", "attempts", "last_error"],
            limit=limit,
        )
        self.say(f"drain: {len(jobs)} job(s) not ended (first {limit}):")
        for job in jobs:
            reason = (job.get("exc_message") or job.get("result") or "").splitlines()[:1]
            self.say(
                f"  job {job['id']} {job['state']} try {job['retry']}/{job['max_retries']} next {job['eta'] or '-'}"
                f" created {job['date_created']}: {job['name']}{' | ' + reason[0][:200] if reason else ''}"
            )
        self.say(f"drain: {len(rows)} sync record(s) pending, failed or in conflict (first {limit}):")
        for row in rows:
            self.say(
                f"  {row['res_name']} ({row['qbo_entity']} {row['qbo_id'] or '-'}) {row['state']}, "
                f"{row['attempts']} attempt(s), last written {row['write_date']}: {(row['last_error'] or '')[:200]}"
            )
        self.say(f"drain: {len(events)} notification(s) not processed (first {limit}):")
        for event in events:
            self.say(
                f"  {event['entity']} {event['qbo_id']} {event['operation']} {event['state']}, "
                f"{event['attempts']} attempt(s): {(event['last_error'] or '')[:200]}"
            )
        self.figures["drain_leftovers"] = {"jobs": jobs, "sync_records": rows, "notifications": events}

    def stop_chaos(self) -> None:
        self.drive_done.set()
        for thread in self.threads:
            if thread.name in ("kills", "webhook-chaos"):
                thread.join(timeout=120)
        if self.odoo and not self.odoo.alive():
            self.say("Odoo is not running after the drive: starting it")
            self.odoo.start()

    # ------------------------------------------------------------------ check
    def verify(self) -> None:
        rpc, control = self.rpc, self.control
        action = rpc.retrying("quickbooks.backend", "action_reconcile_now", [self.backend_id], timeout=1800)
        run = rpc.retrying(
            "quickbooks.reconciliation",
            "read",
            [action["res_id"]],
            [
                "state",
                "error_message",
                "notes",
                "odoo_open_count",
                "qbo_open_count",
                "odoo_receivable",
                "qbo_receivable",
                "odoo_unapplied",
                "qbo_unapplied",
                "customer_mismatch_count",
                "max_drift",
                "explanation_count",
                "line_ids",
                "books_state",
                "books_summary",
                "books_error",
            ],
        )[0]
        lines = rpc.retrying("quickbooks.reconciliation.line", "read", run["line_ids"], []) if run["line_ids"] else []
        # The books comparison's unexplained differences, account by account: what a drift is made of.
        run["books_unexplained"] = rpc.retrying(
            "quickbooks.books.line",
            "search_read",
            [["reconciliation_id", "=", run["id"]], ["state", "=", "unexplained"]],
            ["section", "name", "period", "odoo_amount", "qbo_amount", "difference", "explanation_summary", "note"],
            limit=20,
        )
        moves = rpc.search_read_all(
            "account.move",
            [["ref", "like", "SOAK-"], ["move_type", "in", ["out_invoice", "out_refund"]]],
            [
                "name",
                "ref",
                "move_type",
                "state",
                "amount_total",
                "amount_residual",
                "commercial_partner_id",
                "payment_state",
            ],
        )
        payments = rpc.search_read_all(
            "account.payment", [["memo", "like", "SOAK-"]], ["name", "memo", "state", "amount", "partner_id"]
        )
        sync_records = rpc.search_read_all(
            "quickbooks.sync.state",
            [],
            [
                "res_model",
                "res_id",
                "res_name",
                "binding_key",
                "qbo_entity",
                "qbo_id",
                "state",
                "failure_kind",
                "last_error",
                "origin",
                "qbo_state",
                "attempts",
                "drift_detected",
            ],
        )
        partners = rpc.search_read_all(
            "res.partner", [["ref", "like", "SOAK-C"]], ["name", "ref", "street", "email", "phone"]
        )
        receivables = rpc.search_read_all(
            "account.move.line",
            [
                ["account_id.account_type", "=", "asset_receivable"],
                ["parent_state", "=", "posted"],
                ["reconciled", "=", False],
            ],
            ["partner_id", "amount_residual"],
        )
        balances: dict[int, float] = Counter()
        for line in receivables:
            if line["partner_id"]:
                balances[line["partner_id"][0]] += line["amount_residual"]
        jobs = rpc.search_read_all(
            "queue.job",
            [],
            ["name", "state", "retry", "max_retries", "exc_name", "exc_message", "method_name", "model_name"],
        )
        events = rpc.search_read_all(
            "quickbooks.webhook.event",
            [],
            ["entity", "qbo_id", "operation", "state", "source", "last_error", "attempts"],
        )
        qbo = {
            entity: control.entities(entity)
            for entity in ("Invoice", "CreditMemo", "Payment", "Customer", "JournalEntry")
        }
        hooks = control.call("GET", "webhooks") or {}
        limits = control.call("GET", "rate_limits") or {}

        self.results = [
            soak_checks.check_documents(moves, qbo["Invoice"], qbo["CreditMemo"], sync_records),
            soak_checks.check_open_amounts(moves, qbo["Invoice"], qbo["CreditMemo"], sync_records),
            soak_checks.check_cpa_payments(self.cpa_created, qbo["Payment"], payments, sync_records),
            soak_checks.check_odoo_payments(payments, qbo["Payment"], sync_records),
            soak_checks.check_credit_applications(moves, qbo["Payment"], sync_records),
            soak_checks.check_write_offs(
                [self.move_ids[key] for key in self.plan.write_offs if key in self.move_ids],
                qbo["JournalEntry"],
                qbo["Payment"],
                sync_records,
            ),
            soak_checks.check_customers(partners, qbo["Customer"], sync_records, self.cpa_notes),
            soak_checks.check_customer_balances(balances, partners, qbo["Customer"], sync_records),
            soak_checks.check_sync_records(sync_records),
            soak_checks.check_jobs(jobs),
            soak_checks.check_inbox(events),
            soak_checks.check_reconciliation(run, lines),
            soak_checks.check_secrets(self.odoo_log_text(), self.used_secrets()),
        ]
        planned = self.plan.summary()
        missing = [
            f"{kind}: planned {planned[kind]}, done {done}"
            for kind, done in (
                ("invoices", self.stats["posted_out_invoice"]),
                ("credit_notes", self.stats["posted_out_refund"]),
                ("odoo_payments", self.stats["odoo_payments_registered"]),
                ("qbo_payments", self.stats["qbo_payments_recorded"]),
                ("invoice_cancels", self.stats["invoices_cancelled"]),
                ("odoo_payment_cancels", self.stats["odoo_payments_cancelled"]),
                ("write_offs", self.stats["write_offs_applied"]),
            )
            if done != planned[kind]
        ]
        drive = soak_checks.Check("The soak did everything it planned", checked=len(self.plan.actions))
        for message in self.failures + missing:
            drive.fail(message)
        self.results.insert(0, drive)
        self.collect_figures(moves, payments, sync_records, jobs, events, qbo, hooks, limits, run)

    def odoo_log_text(self) -> str:
        text = ""
        for path in (self.odoo.install_log_path, self.odoo.log_path):
            if path.exists():
                text += path.read_text(encoding="utf-8", errors="replace")
        return text

    def used_secrets(self) -> list[tuple[str, str]]:
        found = [
            ("client_secret", self.client_secret),
            ("verifier_token", self.verifier_token),
            ("encryption_key", self.encryption_key),
        ]
        path = self.emulator.secrets_file
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                kind, _, value = line.partition("\t")
                if value:
                    found.append((kind, value))
        return found

    def collect_figures(self, moves, payments, sync_records, jobs, events, qbo, hooks, limits, run) -> None:
        log = self.odoo.log_path.read_text(encoding="utf-8", errors="replace") if self.odoo.log_path.exists() else ""
        states = Counter(job["state"] for job in jobs)
        posted = Counter(m["move_type"] for m in moves if m["state"] == "posted")
        # queue_job counts every run in ``retry`` (1 for a job done at the first try)
        retries = [max(0, (job.get("retry") or 0) - 1) for job in jobs]
        deliveries = hooks.get("deliveries") or []
        delivery_states = Counter(d.get("state") for d in deliveries)
        failed_attempts = sum(
            1 for d in deliveries for a in d.get("attempts") or [] if not (a.get("status") and 200 <= a["status"] < 300)
        )
        errors = Counter(m.group(1) for m in re.finditer(r" ERROR \S+ (\S+): ", log))
        self.figures.update(
            {
                "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "seed": self.options.seed,
                "plan": self.plan.summary(),
                "documents": {
                    "customers": len(self.partner_ids),
                    "invoices_posted": posted["out_invoice"],
                    "credit_notes_posted": posted["out_refund"],
                    "odoo_payments": self.stats["odoo_payments_registered"],
                    "odoo_payments_cancelled": self.stats["odoo_payments_cancelled"],
                    "invoices_cancelled": self.stats["invoices_cancelled"],
                    "qbo_payments_by_cpa": len(self.cpa_created),
                    "qbo_payments_updated": self.stats["qbo_payments_updated"],
                    "qbo_payments_deleted": self.stats["qbo_payments_deleted"],
                    "odoo_customer_edits": self.stats["odoo_customer_edits"],
                    "qbo_customer_edits": self.stats["qbo_customer_edits"],
                    "odoo_payments_mirroring_qbo": sum(
                        1
                        for p in payments
                        if p["memo"].startswith("QuickBooks payment")
                        and p["state"] in soak_checks.ACTIVE_PAYMENT_STATES
                    ),
                    "qbo_objects": {entity: len(soak_checks.live(objects)) for entity, objects in qbo.items()},
                    "sync_records": len(sync_records),
                },
                "faults": {
                    "api_faults_injected": sum(self.figures.get("api_faults_fired", {}).values()),
                    "api_faults_by_kind": self.figures.get("api_faults_fired", {}),
                    "rate_limit_429": limits.get("throttled"),
                    "api_requests_served": limits.get("served"),
                    "webhook_drops_armed": self.stats["webhook_drops_armed"],
                    "webhook_deliveries_dropped": delivery_states.get("dropped", 0),
                    "webhook_replays": self.stats["webhook_replays"],
                    "webhook_reorder_windows": self.stats["webhook_reorders"],
                    "webhook_deliveries_reordered": self.stats["webhook_deliveries_reordered"],
                    "webhook_deliveries": len(deliveries),
                    "webhook_deliveries_failed_for_good": delivery_states.get("failed", 0),
                    "webhook_attempts_refused_or_unanswered": failed_attempts,
                    "cpa_side": {k: v for k, v in self.stats.items() if k.startswith("cpa_")},
                },
                "kills": dict(Counter(kind for _t, kind, _pid in self.kills)),
                "kills_total": len(self.kills),
                "restarts": len(self.restarts),
                "restart_downtime_seconds": [round(down, 1) for _t, down in self.restarts],
                "jobs": {
                    "total": len(jobs),
                    "by_state": dict(states),
                    "retries": sum(retries),
                    "jobs_retried": sum(1 for r in retries if r),
                    "max_retries_of_one_job": max(retries or [0]),
                    "requeued_dead_by_runner": log.count("Re-queued dead job"),
                },
                "notifications": dict(Counter(f"{e['source']}:{e['state']}" for e in events)),
                "rpc_retries": self.stats["rpc_retries"],
                "drive_retries": self.stats["drive_retries"],
                "manager_reconnects": self.stats["manager_reconnects"],
                "duplicates": sum(check.duplicates for check in self.results),
                "losses": sum(check.losses for check in self.results),
                "odoo_log_errors": dict(errors.most_common(10)),
                "reconciliation": {
                    k: run.get(k)
                    for k in (
                        "state",
                        "odoo_open_count",
                        "qbo_open_count",
                        "odoo_receivable",
                        "qbo_receivable",
                        "odoo_unapplied",
                        "qbo_unapplied",
                        "customer_mismatch_count",
                        "max_drift",
                    )
                },
                "timings_seconds": {**self.timings},
            }
        )

    # ------------------------------------------------------------------ report
    def report(self) -> int:
        self.figures["timings_seconds"] = {**self.timings, "total": round(time.monotonic() - self.started, 1)}
        print("\n==================== soak figures ====================")
        for key, value in self.figures.items():
            if key in ("cdc_last_new", "api_faults_fired"):
                continue
            print(f"{key}: {json.dumps(value, sort_keys=False)}")
        for note in self.notes:
            print(f"note: {note}")
        print("\n==================== soak checks =====================")
        failed = 0
        for check in self.results:
            status = "PASS" if check.ok else "FAIL"
            extra = f" ({check.checked} checked"
            extra += f", {check.losses} lost" if check.losses else ""
            extra += f", {check.duplicates} duplicated" if check.duplicates else ""
            print(f"[{status}] {check.name}{extra})")
            for message in check.failures[: self.options.show]:
                print(f"       - {message}")
            if len(check.failures) > self.options.show:
                print(f"       ... and {len(check.failures) - self.options.show} more")
            failed += not check.ok
        if self.options.json:
            with open(self.options.json, "w", encoding="utf-8") as file:
                json.dump(
                    {
                        **self.figures,
                        "checks": [
                            {
                                "name": c.name,
                                "ok": c.ok,
                                "checked": c.checked,
                                "losses": c.losses,
                                "duplicates": c.duplicates,
                                "failures": c.failures,
                            }
                            for c in self.results
                        ],
                    },
                    file,
                    indent=2,
                    default=str,
                )
        verdict = "PASSED" if not failed else f"FAILED ({failed} check(s))"
        print(
            f"\nsoak {verdict}: {self.figures.get('losses', 0)} lost, "
            f"{self.figures.get('duplicates', 0)} duplicated, drain {self.figures.get('drain_seconds')} s, "
            f"total {self.figures['timings_seconds']['total']} s"
        )
        return 0 if not failed else 1

    # ------------------------------------------------------------------ clean up
    def cleanup(self, status: int) -> None:
        self.stop.set()
        self.drive_done.set()
        for thread in self.threads:
            thread.join(timeout=10)
        keep = self.options.keep
        with contextlib.suppress(Exception):
            if self.odoo:
                self.odoo.stop()
        with contextlib.suppress(Exception):
            if self.emulator:
                self.emulator.stop()
                self.emulator.secrets_file.unlink(missing_ok=True)
        if self.odoo and not keep:
            if dropdb(self.database):
                self.say(f"database {self.database} dropped")
            else:
                self.say(f"could not drop database {self.database}: drop it by hand")
        if keep or (status != 0 and not self.options.no_keep_logs):
            shutil.rmtree(self.workdir / "data", ignore_errors=True) if not keep else None
            self.say(
                f"run directory kept (Odoo log, install log, configuration): {self.workdir}"
                + (f"; database {self.database} kept" if keep else "")
            )
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP clean up like Ctrl-C does (the finally blocks run)."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        with contextlib.suppress(ValueError, AttributeError):
            signal.signal(getattr(signal, name), interrupt)


def main(options) -> int:
    install_signal_handlers()
    return Soak(options).run()
