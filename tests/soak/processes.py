"""Odoo and the QBO emulator as child processes of the soak: ports, configuration, start, kill, restart.

Odoo runs as users run it (see ``odoo.conf`` and ``docker/odoo-entrypoint.sh``): the repository's
``odoo.conf`` with this run's ports, database and paths, prefork HTTP workers, a cron worker and
queue_job's runner (``server_wide_modules``, ``[queue_job] channels``).  Its log goes to the run's
temporary directory.

One allowance: Odoo's prefork server also starts its websocket (gevent) worker, and respawns it as
soon as it dies.  Where that worker cannot start at all (a gevent install whose plugin loader fails,
seen with old setuptools and new zope.interface wheels), Odoo would respawn it without pause and
keep a CPU busy for the whole run.  The soak then starts Odoo through a copy of ``odoo-bin`` whose
only difference is that the websocket worker idles instead (nothing in the soak uses websockets); it
says so when it does.
"""

from __future__ import annotations

import base64
import configparser
import contextlib
import getpass
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Odoo's odoo-bin, plus the websocket-worker guard described in the module docstring.
LAUNCHER = '''#!/usr/bin/env python3
"""odoo-bin of the soak: Odoo's own, except that a websocket worker that cannot start idles."""
import os
import sys
import time

if sys.argv[1:2] == ["gevent"] and os.environ.get("QBO_SOAK_IDLE_GEVENT") == "1":
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    sys.exit(0)

import odoo.cli  # noqa: E402

if __name__ == "__main__":
    odoo.cli.main()
'''

WORKER_RE = re.compile(r"\bWorker (WorkerHTTP|WorkerCron|WorkerJobRunner) \((\d+)\) alive")


_PORTS_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on, and one this process has not handed out already.

    The kernel may give the port of a socket just closed to the next ``bind(0)``: Odoo's port is
    chosen long before Odoo binds it, so without the set the emulator could be given the same port
    and answer Odoo's requests (a 404 on ``/xmlrpc/2/common``).
    """
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _PORTS_GIVEN:
            _PORTS_GIVEN.add(port)
            return port


def fernet_key() -> str:
    """A Fernet key (32 random bytes, URL-safe base64), as ``Fernet.generate_key()`` makes."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _wait_http(url: str, deadline: float, process: subprocess.Popen | None = None, what: str = "server") -> None:
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the {what} exited with status {process.returncode} before answering")
        try:
            if requests.get(url, timeout=3).status_code < 500:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {what} did not answer {url} in time")
        time.sleep(0.5)


# ---------------------------------------------------------------------------- the emulator
class EmulatorProcess:
    """``python -m tests.qbo_emulator`` on a free port, webhooks pointed at Odoo, secrets recorded."""

    def __init__(
        self,
        workdir: Path,
        *,
        client_id: str,
        client_secret: str,
        verifier_token: str,
        realm_id: str,
        webhook_url: str,
        python: str | None = None,
        rate_limit: bool = True,
        control_token: str | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secrets_file = workdir / "issued-secrets.tsv"
        self.stderr_path = workdir / "emulator.stderr.log"
        args = [
            python or sys.executable,
            "-m",
            "tests.qbo_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--client-id",
            client_id,
            "--realm-id",
            realm_id,
            "--webhook-url",
            webhook_url,
            "--webhook-format",
            "cloudevents",
            "--issued-secrets-file",
            str(self.secrets_file),
        ]
        if not rate_limit:
            args.append("--no-rate-limit")
        # The secrets go through the environment, not the command line (which any local user can list).
        self.control_token = control_token or secrets.token_urlsafe(32)
        env = {
            **os.environ,
            "QBO_EMULATOR_CLIENT_SECRET": client_secret,
            "QBO_EMULATOR_VERIFIER_TOKEN": verifier_token,
            "QBO_EMULATOR_CONTROL_TOKEN": self.control_token,
        }
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in stop()
        # Its start-up banner names the client secret: it goes nowhere.
        self.process = subprocess.Popen(
            args, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._stderr, start_new_session=True
        )
        _wait_http(f"{self.url}/_emulator/health", time.monotonic() + 30, self.process, "QBO emulator")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._stderr.close()


# ---------------------------------------------------------------------------- Odoo
class OdooServer:
    """One Odoo 19 server of the soak: configuration, install, start, worker kills, hard restart."""

    def __init__(
        self,
        workdir: Path,
        *,
        python: str,
        database: str,
        workers: int,
        channels: str,
        encryption_key: str,
        extra_addons: str | None = None,
        first_addons: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.python = python
        self.database = database
        self.workers = workers
        self.channels = channels
        self.http_port = free_port()
        self.gevent_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.log_path = workdir / "odoo.log"
        self.install_log_path = workdir / "odoo-install.log"
        self.config_path = workdir / "odoo.conf"
        self.launcher = workdir / "odoo-bin"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._stdout = None
        self._log_offset = 0
        self._workers: dict[int, str] = {}
        self.idle_gevent = not self._gevent_works()
        self.env = {
            **os.environ,
            "QUICKBOOKS_ENCRYPTION_KEY": encryption_key,
            "QBO_SOAK_IDLE_GEVENT": "1" if self.idle_gevent else "0",
        }
        self._write_config(extra_addons, first_addons)
        self.launcher.write_text(LAUNCHER, encoding="utf-8")

    def _gevent_works(self) -> bool:
        """Whether Odoo's websocket worker can start here (gevent's plugin loader resolves gevent)."""
        probe = "import pkg_resources, gevent.events; pkg_resources.require('gevent')"
        result = subprocess.run([self.python, "-c", probe], capture_output=True, timeout=60, check=False)
        return result.returncode == 0

    def _write_config(self, extra_addons: str | None, first_addons: str | None) -> None:
        """The repository's odoo.conf with this run's database, ports and paths."""
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(REPO_ROOT / "odoo.conf", encoding="utf-8")
        options = parser["options"]
        split = lambda text: [p.strip() for p in (text or "").split(",") if p.strip()]  # noqa: E731
        addons = [*split(first_addons), str(REPO_ROOT), *split(extra_addons)]
        host = os.environ.get("PGHOST", "127.0.0.1")
        port = os.environ.get("PGPORT", "5432")
        user = os.environ.get("PGUSER") or getpass.getuser()
        options.update(
            {
                "addons_path": ",".join(addons),
                "data_dir": str(self.workdir / "data"),
                "workers": str(self.workers),
                "max_cron_threads": "1",
                "http_interface": "127.0.0.1",
                "http_port": str(self.http_port),
                "gevent_port": str(self.gevent_port),
                "db_host": host,
                "db_port": port,
                "db_user": user,
                "db_name": self.database,
                "dbfilter": f"^{re.escape(self.database)}$",
                "list_db": "False",
                "proxy_mode": "False",
                "logfile": str(self.log_path),
                "log_level": "info",
                # /jsonrpc logs a deprecation warning per call: the soak makes thousands
                "log_handler": ":INFO,odoo.addons.rpc.controllers.jsonrpc:ERROR",
            }
        )
        if "queue_job" not in parser:
            parser["queue_job"] = {}
        parser["queue_job"].update({"channels": self.channels, "host": "127.0.0.1", "port": str(self.http_port)})
        with open(self.config_path, "w", encoding="utf-8") as file:
            parser.write(file)

    def _command(self, *extra: str) -> list[str]:
        return [self.python, str(self.launcher), "-c", str(self.config_path), *extra]

    # ------------------------------------------------------------------ lifecycle
    def install(self, timeout: float = 1800) -> float:
        """A fresh database with the addon installed (``-i`` and ``--stop-after-init``); returns seconds."""
        started = time.monotonic()
        command = self._command(
            "-i", "quickbooks_connector", "--stop-after-init", "--no-http", "--logfile", str(self.install_log_path)
        )
        result = subprocess.run(
            command,
            env=self.env,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
        log = (
            self.install_log_path.read_text(encoding="utf-8", errors="replace")
            if self.install_log_path.exists()
            else ""
        )
        if result.returncode != 0 or "Some modules are not loaded" in log or "Failed to load registry" in log:
            raise RuntimeError(
                f"installing quickbooks_connector failed (exit {result.returncode}); "
                f"see the install log in the run directory"
            )
        return time.monotonic() - started

    def start(self, timeout: float = 300) -> float:
        """Start the server (HTTP workers, cron, job runner) and wait until it answers; returns seconds."""
        started = time.monotonic()
        if self._stdout is None:
            self._stdout = open(self.workdir / "odoo.stdout.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self._command(),
            env=self.env,
            cwd=self.workdir,
            stdout=self._stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1
        _wait_http(f"{self.url}/web/health", time.monotonic() + timeout, self.process, "Odoo server")
        return time.monotonic() - started

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def hard_stop(self) -> None:
        """SIGKILL the whole server (master, workers, runner) at once: a crash, not a shutdown."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        self._workers.clear()

    def stop(self) -> None:
        """Stop gracefully (SIGTERM, then SIGKILL after 30 s), then anything left of its process group."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        if self._stdout is not None:
            self._stdout.close()
            self._stdout = None

    def restart(self, timeout: float = 300) -> float:
        """Kill the whole server and start it again; returns the seconds it was unavailable."""
        started = time.monotonic()
        self.hard_stop()
        self.start(timeout)
        return time.monotonic() - started

    # ------------------------------------------------------------------ workers
    def workers_alive(self) -> dict[int, str]:
        """``{pid: WorkerHTTP | WorkerCron | WorkerJobRunner}`` of the running server's live workers."""
        if self.log_path.exists():
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                chunk = log.read()
            cut = chunk.rfind(b"\n") + 1
            self._log_offset += cut
            for match in WORKER_RE.finditer(chunk[:cut].decode("utf-8", errors="replace")):
                self._workers[int(match.group(2))] = match.group(1)
        master = self.process.pid if self.alive() else None
        live = {pid: kind for pid, kind in self._workers.items() if master and _parent_pid(pid) == master}
        self._workers = dict(live)
        return live

    def kill_worker(self, kind: str, rng) -> int | None:
        """SIGKILL one live worker of ``kind`` (chosen by ``rng``); returns its pid, None when there is none."""
        candidates = sorted(pid for pid, found in self.workers_alive().items() if found == kind)
        if not candidates:
            return None
        pid = rng.choice(candidates)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        self._workers.pop(pid, None)
        return pid


def dropdb(database: str) -> bool:
    """Drop the soak's database (its connections are closed first); True when it is gone."""
    program = shutil.which("dropdb")
    if not program:
        return False
    for extra in (["--force"], []):
        result = subprocess.run(
            [program, "--if-exists", *extra, database], capture_output=True, timeout=120, check=False
        )
        if result.returncode == 0:
            return True
    return False
