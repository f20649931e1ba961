"""The running product the benchmarks measure: the QBO emulator with QuickBooks' real limits, one or two
Odoo 19 servers as users run them, connected through the real OAuth routes, and the helpers every
benchmark shares (data, waiting, figures, reporting).

Odoo and the emulator are started with the soak's process helpers (:mod:`tests.soak.processes`): the
repository's ``odoo.conf`` with this run's ports and database, prefork HTTP workers, the cron worker
and queue_job's runner.  The emulator keeps its defaults: 500 requests a minute per realm (each
batch item metered as one request), 10 concurrent requests, 40 batch calls a minute, over a real
one-minute window.  Nothing here asserts a timing: each benchmark prints its figures next to their
targets, ``MET`` or ``MISSED``.
"""

from __future__ import annotations

import configparser
import contextlib
import datetime as dt
import getpass
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from tests.soak.clients import EmulatorControl, OdooRPC
from tests.soak.processes import REPO_ROOT, EmulatorProcess, OdooServer, dropdb, fernet_key

#: queue_job's states of a job that is not finished yet.
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")
#: QuickBooks' per-realm budget, and the share of it the connector's governor allows itself.
QBO_PER_MINUTE = 500


def _odoo_conf_channels() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO_ROOT / "odoo.conf", encoding="utf-8")
    return parser.get("queue_job", "channels", fallback="root:2,root.quickbooks:1")


def _odoo_conf_workers() -> int:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO_ROOT / "odoo.conf", encoding="utf-8")
    return parser.getint("options", "workers", fallback=2)


#: The channels and HTTP workers of the repository's odoo.conf (what the product ships with).
DEFAULT_CHANNELS = _odoo_conf_channels()
DEFAULT_WORKERS = _odoo_conf_workers()


def odoo_python() -> str:
    """Odoo 19's Python: ``$ODOO_PYTHON``, ``~/.venvs/odoo19/bin/python``, then this Python."""
    for candidate in (os.environ.get("ODOO_PYTHON"), str(Path.home() / ".venvs/odoo19/bin/python"), sys.executable):
        if not candidate:
            continue
        probe = "import odoo.release as r, sys; sys.exit(0 if r.version_info[0] == 19 else 1)"
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            if subprocess.run([candidate, "-c", probe], capture_output=True, timeout=60, check=False).returncode == 0:
                return candidate
    raise SystemExit("no Odoo 19 found: set ODOO_PYTHON to the Python of an Odoo 19 install")


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1), None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def distribution(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "max": max(values) if values else None,
        "mean": round(statistics.fmean(values), 4) if values else None,
    }


def verdict(value, target, at_most: bool = True) -> str:
    if value is None:
        return "NOT MEASURED"
    return "MET" if (value <= target if at_most else value >= target) else "MISSED"


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.system(),
        "machine": platform.machine(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


class Report:
    """Figures of one benchmark: printed as they come, next to their targets, and kept for the JSON."""

    def __init__(self, name: str, size: dict[str, Any]) -> None:
        self.name = name
        self.data: dict[str, Any] = {
            "benchmark": name,
            "size": size,
            "figures": {},
            "targets": {},
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(),
            "notes": [],
        }

    def figure(self, key: str, value: Any, unit: str = "", note: str = "") -> None:
        self.data["figures"][key] = value
        shown = f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else value
        print(f"  {key:<46} {shown} {unit}{'  (' + note + ')' if note else ''}", flush=True)

    def target(self, key: str, value, target, unit: str = "", at_most: bool = True) -> None:
        state = verdict(value, target, at_most)
        self.data["figures"][key] = value
        self.data["targets"][key] = {
            "value": value,
            "target": target,
            "at_most": at_most,
            "unit": unit,
            "verdict": state,
        }
        shown = (
            "-" if value is None else (f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else value)
        )
        sign = "≤" if at_most else "≥"
        print(f"  {key:<46} {shown} {unit}   target {sign} {target} {unit}   {state}", flush=True)

    def note(self, text: str) -> None:
        self.data["notes"].append(text)
        print(f"  note: {text}", flush=True)

    def write(self, path: str | None) -> None:
        self.data["machine_at_end"] = machine()  # the load average says whether the machine was shared
        if path:
            Path(path).write_text(json.dumps(self.data, indent=2, default=str), encoding="utf-8")

    def run(self, body, path: str | None) -> int:
        """Run a benchmark's ``body()`` and write the figures to ``path`` whatever happens; the exit
        status: 0 it ran, 2 it failed (the error is kept in the JSON), 130 interrupted."""
        try:
            body()
        except KeyboardInterrupt:
            return 130
        except Exception as error:
            traceback.print_exc()
            self.data["error"] = f"{type(error).__name__}: {error}"
            self.write(path)
            return 2
        self.write(path)
        return 0


@contextlib.contextmanager
def mock_free_port(port: int):
    """Make the soak's process helpers pick ``port`` (to start a server again on the port it had)."""
    from tests.soak import processes

    original = processes.free_port
    processes.free_port = lambda: port
    try:
        yield
    finally:
        processes.free_port = original


_STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", flush=True)


class RoundRobinProxy:
    """The load balancer in front of several Odoo servers, for queue_job's runner: each new connection
    goes to the next server (plain TCP relay on loopback)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._next = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self.sock.accept()
            except OSError:
                return
            port = self.ports[self._next % len(self.ports)]
            self._next += 1
            threading.Thread(target=self._relay, args=(client, port), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def _relay(self, client: socket.socket, port: int) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=600)
        except OSError:
            client.close()
            return
        back = threading.Thread(target=self._pipe, args=(upstream, client), daemon=True)
        back.start()
        self._pipe(client, upstream)
        back.join()
        client.close()
        upstream.close()

    def close(self) -> None:
        self._closed = True
        self.sock.close()


class Stack:
    """Emulator + ``nodes`` Odoo servers on one fresh database, connected and mapped; torn down on exit."""

    def __init__(
        self,
        name: str,
        *,
        nodes: int = 1,
        workers: int = 2,
        channels: str = DEFAULT_CHANNELS,
        keep: bool = False,
        emulator_data: str | None = None,
        emulator_realms: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.nodes_wanted = nodes
        self.workers = workers
        self.channels = channels
        self.keep = keep
        self.python = odoo_python()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"qbo-bench-{name}-"))
        #: "in-workdir": the emulator keeps its company in a SQLite file of the run directory
        self.emulator_data = str(self.workdir / "emulator.sqlite") if emulator_data == "in-workdir" else emulator_data
        #: companies the emulator serves besides the start-up realm (``--add-realm`` specs)
        self.emulator_realms = emulator_realms
        self.database = f"qbo_bench_{name}_{int(time.time())}_{os.getpid()}"
        self.client_id = f"bench-{secrets.token_hex(4)}"
        self.client_secret = secrets.token_urlsafe(24)
        self.verifier_token = secrets.token_urlsafe(24)
        self.control_token = secrets.token_urlsafe(32)  # the same for every start of the emulator
        self.encryption_key = fernet_key()
        self.realm_id = "91309" + "".join(str(secrets.randbelow(10)) for _ in range(11))
        self.nodes: list[OdooServer] = []
        self.emulator: EmulatorProcess | None = None
        self.stats: Counter = Counter()
        self.rpc: OdooRPC | None = None
        self.rpcs: list[OdooRPC] = []
        self.control: EmulatorControl | None = None
        self.backend_id: int | None = None
        self.tax_id: int | None = None
        self.bank_journal_id: int | None = None
        self.today = dt.date.today().isoformat()
        #: the Odoo companies of this run (the admin user works in all of them)
        self.company_ids: list[int] = []

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        first = OdooServer(
            self.workdir,
            python=self.python,
            database=self.database,
            workers=self.workers,
            channels=self.channels,
            encryption_key=self.encryption_key,
            extra_addons=os.environ.get("ODOO_ADDONS_PATH"),
        )
        self.nodes.append(first)
        for index in range(1, self.nodes_wanted):
            workdir = self.workdir / f"node{index + 1}"
            workdir.mkdir()
            (self.workdir / "data").mkdir(exist_ok=True)
            (workdir / "data").symlink_to(self.workdir / "data")  # one filestore, as on a shared volume
            self.nodes.append(
                OdooServer(
                    workdir,
                    python=self.python,
                    database=self.database,
                    workers=self.workers,
                    channels=self.channels,
                    encryption_key=self.encryption_key,
                    extra_addons=os.environ.get("ODOO_ADDONS_PATH"),
                )
            )
        self.proxy = None
        if len(self.nodes) > 1:
            # queue_job elects one runner per database (the others stand by); it starts jobs through
            # HTTP, here through a load balancer, so the jobs run on the workers of every server.
            self.proxy = RoundRobinProxy([node.http_port for node in self.nodes])
            for node in self.nodes:
                parser = configparser.ConfigParser(interpolation=None)
                parser.read(node.config_path, encoding="utf-8")
                parser["queue_job"]["port"] = str(self.proxy.port)
                with open(node.config_path, "w", encoding="utf-8") as file:
                    parser.write(file)
        emulator_python = sys.executable
        with contextlib.suppress(ImportError):
            import werkzeug  # noqa: F401
        if "werkzeug" not in sys.modules:
            emulator_python = self.python
        self.emulator_python = emulator_python
        self.start_emulator()
        self.control = EmulatorControl(self.emulator.url, self.control_token)
        limits = self.control.call("GET", "rate_limits")
        say(
            f"emulator on port {self.emulator.port}: {limits['per_minute']} requests/min/realm, "
            f"{limits['concurrent']} concurrent, {limits['batch_per_minute']} batch calls/min, "
            f"window {limits['window_seconds']:.0f} s; installing quickbooks_connector in {self.database}"
        )
        template = os.environ.get("QBO_BENCH_TEMPLATE_DB")
        if template:
            started = time.monotonic()
            subprocess.run(
                [shutil.which("createdb") or "createdb", "-T", template, self.database],
                env=pg_env(),
                check=True,
                capture_output=True,
                timeout=600,
            )
            seconds = time.monotonic() - started
        else:
            seconds = first.install()
        copied = f" (copy of {template})" if template else ""
        say(
            f"installed in {seconds:.0f} s{copied}; starting {len(self.nodes)} Odoo server(s) "
            f"({self.workers} HTTP workers, cron worker, job runner, channels {self.channels} each)"
        )
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            rpc = OdooRPC(node.url, self.database, "admin", "admin", self.stats)
            rpc.retry(rpc.login, deadline=120)
            self.rpcs.append(rpc)
        self.rpc = self.rpcs[0]
        self.connect()

    def start_emulator(self, port: int | None = None) -> None:
        """The emulator, QuickBooks' limits on; with ``emulator_data`` its company lives in that SQLite file
        (``QBO_EMULATOR_DATA``), and ``port`` starts it again where Odoo expects it."""
        overrides = {"QBO_EMULATOR_DATA": self.emulator_data} if self.emulator_data else {}
        if self.emulator_realms:
            overrides["QBO_EMULATOR_ADD_REALMS"] = ";".join(self.emulator_realms)
        saved = {key: os.environ.get(key) for key in overrides}
        os.environ.update(overrides)
        try:
            if port:
                with mock_free_port(port):
                    self.emulator = self._new_emulator()
            else:
                self.emulator = self._new_emulator()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _new_emulator(self) -> EmulatorProcess:
        for _attempt in range(2):  # a port taken between choosing it and binding it: once more
            with contextlib.suppress(RuntimeError):
                return self._emulator_process()
        return self._emulator_process()

    def _emulator_process(self) -> EmulatorProcess:
        return EmulatorProcess(
            self.workdir,
            client_id=self.client_id,
            client_secret=self.client_secret,
            verifier_token=self.verifier_token,
            realm_id=self.realm_id,
            webhook_url=f"{self.nodes[0].url}/quickbooks/webhook",
            python=self.emulator_python,
            rate_limit=True,
            control_token=self.control_token,
        )

    def stop(self) -> None:
        with contextlib.suppress(ValueError):  # a second Ctrl-C must not stop the clean-up half-way
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.stop()
        if self.emulator is not None:
            with contextlib.suppress(Exception):
                self.emulator.stop()
        if getattr(self, "proxy", None) is not None:
            self.proxy.close()
        if self.keep:
            say(f"kept: database {self.database}, run directory {self.workdir}")
            return
        dropdb(self.database)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def cost_meter(self):
        """Start measuring what the product costs the machine: a ``cost.ProcessCost`` of this stack's Odoo
        servers and emulator, and the Odoo logs' sizes now (the jobs' statements are counted from there).
        ``read_cost`` reads it."""
        from .cost import ProcessCost, log_size

        meter = ProcessCost(
            [node.process.pid for node in self.nodes],
            [node.log_path for node in self.nodes],
            [self.emulator.process.pid],
            self.database,
        )
        meter.start()
        return meter, [log_size(node.log_path) for node in self.nodes]

    def read_cost(self, started) -> dict:
        """CPU seconds by process since ``cost_meter()`` and the jobs run since then, their SQL statements."""
        from .cost import job_statements

        meter, offsets = started
        jobs = {"jobs": 0, "statements": 0, "sql_seconds": 0.0}
        for node, offset in zip(self.nodes, offsets, strict=True):
            for key, value in job_statements(node.log_path, offset).items():
                jobs[key] += value
        return {"seconds": meter.stop(), **jobs}

    @staticmethod
    def report_cost(report: Report, cost: dict, documents: int, prefix: str = "") -> None:
        """CPU seconds by process and SQL statements by job, per synced document, next to the throughput
        (figures named with ``prefix`` first when a run measures several drains)."""
        from .cost import odoo_cpu

        seconds = cost["seconds"]
        per = max(documents, 1)
        report.figure(
            f"{prefix}cpu_seconds_by_process",
            seconds,
            "s",
            "Odoo workers, job runner, cron, main; PostgreSQL; emulator; driver",
        )
        report.figure(
            f"{prefix}odoo_cpu_per_invoice",
            round(odoo_cpu(seconds) / per, 4),
            "s",
            "Odoo's processes and PostgreSQL, the emulator excluded",
        )
        report.figure(
            f"{prefix}emulator_cpu_per_invoice", round(seconds["emulator"] / per, 4), "s", "stands in for Intuit"
        )
        report.figure(f"{prefix}jobs_per_invoice", round(cost["jobs"] / per, 3))
        report.figure(
            f"{prefix}sql_statements_per_invoice",
            round(cost["statements"] / per, 1),
            "",
            f"in jobs; {round(cost['statements'] / max(cost['jobs'], 1), 1)} a job, "
            f"{round(cost['sql_seconds'] / per * 1000, 1)} ms of SQL an invoice",
        )

    def connect(self) -> None:
        """The connection as a manager makes it: credentials, the OAuth round trip, the mapping wizard."""
        rpc = self.rpc
        url = self.nodes[0].url
        rpc.retrying("ir.config_parameter", "set_param", "web.base.url", url)
        rpc.retrying("ir.config_parameter", "set_param", "web.base.url.freeze", "True")
        company_id = rpc.retrying("res.users", "read", [rpc.uid], ["company_id"])[0]["company_id"][0]
        self.company_ids.append(company_id)
        self.backend_id, self.tax_id, self.bank_journal_id = self.connect_company(company_id)
        say("connected through OAuth, accounts and taxes mapped")

    def connect_company(
        self, company_id: int, realm_id: str | None = None, name: str = "QuickBooks Online (benchmark)"
    ) -> tuple[int, int, int]:
        """Connect one Odoo company to a QuickBooks company of the emulator (``realm_id``: the one picked
        on Intuit's company selector; default: the start-up realm) and map its accounts and taxes;
        (connection id, its 15 % sales tax, its bank journal)."""
        rpc = self.rpc
        url = self.nodes[0].url
        context = {"allowed_company_ids": [company_id]}
        values = {
            "name": name,
            "environment": "custom",
            "custom_base_url": self.emulator.url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "webhook_verifier_token": self.verifier_token,
        }
        found = rpc.retrying("quickbooks.backend", "search", [["company_id", "=", company_id]], context=context)
        if found:
            backend_id = found[0]
            rpc.retrying("quickbooks.backend", "write", [backend_id], values, context=context)
        else:
            backend_id = rpc.retrying(
                "quickbooks.backend", "create", {"company_id": company_id, **values}, context=context
            )
        if realm_id or self.emulator_realms:  # several companies: Intuit's page asks which one
            self.control.call("POST", "oauth/company", {"realmId": realm_id or self.realm_id})
        browser = rpc.browser()
        start = browser.get(
            f"{url}/quickbooks/oauth/start", params={"backend_id": backend_id}, allow_redirects=False, timeout=120
        )
        authorize = browser.get(start.headers["Location"], allow_redirects=False, timeout=60)
        back = browser.get(authorize.headers["Location"], allow_redirects=False, timeout=120)
        if back.status_code not in (301, 302, 303):
            raise RuntimeError(f"/quickbooks/oauth/callback answered {back.status_code}")
        connected = rpc.retrying("quickbooks.backend", "read", [backend_id], ["state", "realm_id"], context=context)[0]
        if connected["state"] != "connected" or (realm_id and connected["realm_id"] != realm_id):
            raise RuntimeError(
                f"the connection is {connected['state']} (realm {connected['realm_id']}) after the OAuth round trip"
            )
        action = rpc.retrying("quickbooks.backend", "action_open_mapping_wizard", [backend_id], context=context)
        rpc.retrying(
            "quickbooks.account.mapping.wizard", "action_accept_proposals", [action["res_id"]], context=context
        )
        rpc.retrying("quickbooks.account.mapping.wizard", "action_apply", [action["res_id"]], context=context)
        taxes = rpc.retrying(
            "account.tax",
            "search_read",
            [
                ["type_tax_use", "=", "sale"],
                ["amount", "=", 15],
                ["amount_type", "=", "percent"],
                ["company_id", "=", company_id],
            ],
            ["id"],
            limit=1,
            context=context,
        )
        journals = rpc.retrying(
            "account.journal",
            "search_read",
            [["type", "=", "bank"], ["company_id", "=", company_id]],
            ["id"],
            limit=1,
            context=context,
        )
        if not taxes or not journals:
            raise RuntimeError("the company has no 15 % sales tax or no bank journal (chart of accounts?)")
        return backend_id, taxes[0]["id"], journals[0]["id"]

    def add_company(self, name: str, chart_template: str = "generic_coa") -> int:
        """Another company in the database, as an administrator makes one (same country and currency as
        the first, its own chart of accounts); the admin user may work in it."""
        rpc = self.rpc
        first = rpc.retrying("res.users", "read", [rpc.uid], ["company_id"])[0]["company_id"][0]
        country, currency = (lambda c: (c["country_id"][0], c["currency_id"][0]))(
            rpc.retrying("res.company", "read", [first], ["country_id", "currency_id"])[0]
        )
        company_id = rpc.execute(
            "res.company", "create", {"name": name, "country_id": country, "currency_id": currency}, timeout=600
        )
        rpc.execute("res.users", "write", [rpc.uid], {"company_ids": [[4, company_id]]})
        self.company_ids.append(company_id)
        rpc.execute(
            "account.chart.template",
            "try_loading",
            [],
            chart_template,
            company_id,
            timeout=900,
            context={"allowed_company_ids": [company_id]},
        )
        return company_id

    # ------------------------------------------------------------------ switches
    def set_sync(self, enabled: bool, backend_id: int | None = None) -> None:
        """The connection's push switches (customers and invoices), as a manager sets them."""
        self.rpc.retrying(
            "quickbooks.backend",
            "write",
            [backend_id or self.backend_id],
            {"sync_customers": enabled, "sync_invoices": enabled},
        )

    # ------------------------------------------------------------------ data
    def create_customers(self, count: int, prefix: str, batch: int = 200, company_id: int | None = None) -> list[int]:
        context = {"allowed_company_ids": [company_id]} if company_id else {}
        ids: list[int] = []
        for start in range(0, count, batch):
            values = [
                {
                    "name": f"{prefix} Customer {n:06d}",
                    "ref": f"{prefix}-{n:06d}",
                    "is_company": True,
                    "customer_rank": 1,
                    "city": "Springfield",
                    "email": f"c{n}@{prefix.lower()}.example",
                }
                for n in range(start, min(count, start + batch))
            ]
            ids.extend(self.rpc.execute("res.partner", "create", values, timeout=600, context=context))
        return ids

    def invoice_values(self, partner_id: int, ref: str, lines: int = 2, tax_id: int | None = None) -> dict:
        tax_id = tax_id or self.tax_id
        return {
            "move_type": "out_invoice",
            "partner_id": partner_id,
            "ref": ref,
            "invoice_date": self.today,
            "invoice_line_ids": [
                [
                    0,
                    0,
                    {
                        "name": f"Service {k + 1}",
                        "quantity": 1 + k,
                        "price_unit": 100.0 + k * 10,
                        "tax_ids": [[6, 0, [tax_id] if k % 2 == 0 else []]],
                    },
                ]
                for k in range(lines)
            ],
        }

    def create_invoices(
        self,
        partner_ids: list[int],
        count: int,
        prefix: str,
        post: bool = True,
        batch: int = 100,
        progress_every: int = 1000,
        company_id: int | None = None,
        tax_id: int | None = None,
    ) -> list[int]:
        """``count`` invoices spread over ``partner_ids``, created (and posted) in batches through the API
        (in ``company_id``, with ``tax_id`` on every other line, when given)."""
        context = {"allowed_company_ids": [company_id]} if company_id else {}
        ids: list[int] = []
        for start in range(0, count, batch):
            values = [
                self.invoice_values(partner_ids[n % len(partner_ids)], f"{prefix}-{n:06d}", tax_id=tax_id)
                for n in range(start, min(count, start + batch))
            ]
            created = self.rpc.execute("account.move", "create", values, timeout=900, context=context)
            if post:
                self.rpc.execute("account.move", "action_post", created, timeout=900, context=context)
            ids.extend(created)
            if progress_every and len(ids) % progress_every < batch:
                say(f"  {len(ids)} invoices created{' and posted' if post else ''}")
        return ids

    # ------------------------------------------------------------------ reading both sides
    def every_company(self) -> dict:
        """The context that shows the records of every company of the run (record rules follow it)."""
        return {"context": {"allowed_company_ids": self.company_ids}} if len(self.company_ids) > 1 else {}

    def job_counts(self, channel: str = "root.quickbooks") -> dict[str, int]:
        groups = self.rpc.retrying(
            "queue.job",
            "read_group",
            [["channel", "=", channel]],
            ["state"],
            ["state"],
            lazy=False,
            **self.every_company(),
        )
        return {group["state"]: group["__count"] for group in groups}

    def active_jobs(self) -> int:
        return self.rpc.retrying(
            "queue.job", "search_count", [["state", "in", list(ACTIVE_JOB_STATES)]], **self.every_company()
        )

    def ledger_counts(
        self, res_ids: list[int] | None = None, model: str = "account.move", backend_id: int | None = None
    ) -> dict[str, int]:
        domain = [["res_model", "=", model], ["backend_id", "=", backend_id or self.backend_id]]
        if res_ids is not None:
            domain.append(["res_id", "in", res_ids])
        groups = self.rpc.retrying(
            "quickbooks.sync.state", "read_group", domain, ["state"], ["state"], lazy=False, **self.every_company()
        )
        return {group["state"]: group["__count"] for group in groups}

    def jobs_run_by_node(self) -> list[int]:
        """How many jobs each server ran (its log's ``/queue_job/runjob`` requests)."""
        counts = []
        for node in self.nodes:
            text = node.log_path.read_text(encoding="utf-8", errors="replace") if node.log_path.exists() else ""
            counts.append(text.count("GET /queue_job/runjob"))
        return counts

    def rate_limits(self) -> dict:
        return self.control.call("GET", "rate_limits")

    def surfaced_errors(self) -> dict[str, int]:
        """What a user would see of throttling: failed or retried QuickBooks jobs, failed ledger rows, and
        any of those whose message names a 429 or a rate limit."""
        rpc = self.rpc
        every = self.every_company()
        failed_jobs = rpc.retrying(
            "queue.job",
            "search_read",
            [["channel", "=like", "root.quickbooks%"], ["state", "=", "failed"]],
            ["exc_info", "result"],
            **every,
        )
        retried = rpc.retrying(
            "queue.job",
            "search_read",
            [["channel", "=like", "root.quickbooks%"], ["retry", ">", 1]],
            ["exc_info", "result", "exc_message"],
            **every,
        )
        backends = [["backend_id", "=", self.backend_id]] if not every else []
        ledger = rpc.retrying(
            "quickbooks.sync.state",
            "search_read",
            [*backends, ["state", "in", ["failed", "conflict"]]],
            ["last_error"],
            **every,
        )

        def throttled(text) -> bool:
            text = (text or "").lower()
            return any(marker in text for marker in ("429", "throttl", "rate limit", "too many requests"))

        surfaced_429 = (
            sum(throttled(j.get("exc_info")) or throttled(j.get("result")) for j in failed_jobs)
            + sum(throttled(j.get("exc_info")) or throttled(j.get("exc_message")) for j in retried)
            + sum(throttled(row.get("last_error")) for row in ledger)
        )
        return {
            "failed_jobs": len(failed_jobs),
            "retried_jobs": len(retried),
            "failed_ledger_rows": len(ledger),
            "surfaced_429": surfaced_429,
        }

    def request_breakdown(self) -> dict[str, int]:
        """The emulator's request log since it was last cleared, by kind (``POST invoice``, ``GET query
        Customer``...): where the requests of a run went."""
        kinds: Counter = Counter()
        for entry in self.control.call("GET", "requests") or []:
            parts = [p for p in str(entry.get("subpath") or "").split("/") if p]
            head = parts[0] if parts else "?"
            kind = f"{entry.get('method')} {head}"
            statement = str((entry.get("query") or {}).get("query") or entry.get("statement") or "")
            if head == "query" and statement:
                words = statement.split()
                lowered = [w.lower() for w in words]
                entity = words[lowered.index("from") + 1] if "from" in lowered[:-1] else "?"
                kind += f" {entity}" + (" IN" if " in (" in statement.lower() else "")
            elif (entry.get("query") or {}).get("operation"):
                kind += f" {entry['query']['operation']}"
            if entry.get("status") == 429:
                kind += " (429)"
            kinds[kind] += 1
        return dict(kinds.most_common())

    def qbo_duplicates(self) -> dict[str, int]:
        """Documents and customers QuickBooks holds twice (live ones, by number / display name)."""
        result = {}
        for entity, key in (("Invoice", "DocNumber"), ("Customer", "DisplayName")):
            objs = [
                o
                for o in self.control.entities(entity)
                if o.get("Active", True) is not False and o.get("status") != "Deleted" and not o.get("_deleted")
            ]
            counts = Counter(str(o.get(key)) for o in objs)
            result[entity] = sum(n - 1 for n in counts.values() if n > 1)
        return result

    def wait_drained(self, ids: list[int], timeout: float, on_tick=None, every: float = 2.0) -> tuple[bool, float]:
        """Wait until none of ``ids``' ledger rows is pending (every one is in QuickBooks, or failed), or
        without ``ids`` until no job is active; (drained, seconds)."""
        started = time.monotonic()
        last_print = 0.0
        while True:
            counts = self.ledger_counts(ids)
            active = self.active_jobs()
            done = counts.get("done", 0)
            if on_tick:
                on_tick(counts, active)
            if counts.get("pending", 0) == 0 and (ids or active == 0):
                return True, time.monotonic() - started
            now = time.monotonic()
            if now - last_print > 30:
                last_print = now
                say(f"  {done}/{len(ids)} in QuickBooks, {counts.get('pending', 0)} pending, {active} active jobs")
            if now - started > timeout:
                return False, now - started
            time.sleep(every)


def make_template_database() -> str:
    """A database with the addon installed, for ``createdb -T`` (``QBO_BENCH_TEMPLATE_DB``); its name."""
    workdir = Path(tempfile.mkdtemp(prefix="qbo-bench-template-"))
    database = f"qbo_bench_template_{int(time.time())}_{os.getpid()}"
    try:
        server = OdooServer(
            workdir,
            python=odoo_python(),
            database=database,
            workers=2,
            channels=DEFAULT_CHANNELS,
            encryption_key=fernet_key(),
            extra_addons=os.environ.get("ODOO_ADDONS_PATH"),
        )
        say(f"installing quickbooks_connector once, into the template database {database}")
        seconds = server.install()
        say(f"template installed in {seconds:.0f} s")
        return database
    except BaseException:
        dropdb(database)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def add_common_arguments(parser) -> None:
    parser.add_argument("--json", help="write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the database and the run directory")
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"Odoo HTTP workers per server (default {DEFAULT_WORKERS}, the repository's odoo.conf)",
    )
    parser.add_argument(
        "--channels",
        default=DEFAULT_CHANNELS,
        help=f"queue_job channels (default {DEFAULT_CHANNELS}, the repository's odoo.conf)",
    )


def pg_env() -> dict[str, str]:
    return {
        **os.environ,
        "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PGPORT": os.environ.get("PGPORT", "5432"),
        "PGUSER": os.environ.get("PGUSER") or getpass.getuser(),
    }


__all__ = ["REPO_ROOT", "Report", "Stack", "add_common_arguments", "distribution", "say", "verdict"]
