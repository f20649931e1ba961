"""The demo starts: ``docker/odoo-entrypoint.sh``, run with exactly the environment ``docker-compose.yml``
gives the odoo service when the user sets nothing, brings Odoo's configuration up without an error.

No Docker engine is needed: the compose file is read (YAML, with compose's ``${VAR:-default}``
interpolation of an empty environment), the entrypoint is run by bash with that environment, and
what the container would provide is stood in for by small programs: ``psql`` (the database answers;
the addon is not installed yet: the first start), the Odoo command (parses Odoo's configuration with
the arguments and environment it receives, as ``odoo`` does before anything else, and records it).
Only the container's layout is overridden: where the repository is mounted, the data volume, and
which Python runs Odoo.
"""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from odoo.tests import BaseCase, tagged
from odoo.tools import config

REPO = Path(__file__).resolve().parents[2]
#: Variables Odoo reads itself (an ODOO_<option> or PG* name) that the demo sets on purpose, and why.
ODOO_READS_ON_PURPOSE = {
    "PGHOST": "the database host: the same for the entrypoint's psql and for Odoo",
    "PGPORT": "the database port: the same for both",
    "PGUSER": "the database user: the same for both",
    "PGPASSWORD": "the database password: the same for both (never on a command line)",
    "ODOO_DATA_DIR": "Odoo's data directory: the entrypoint keeps its state there too",
}
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")

#: Stands in for ``odoo``: parses the configuration as the real command does first, records it.
FAKE_ODOO = """
import json, os, sys
args = sys.argv[1:]
if args[:1] == ["shell"]:  # the demo's set-up script comes on stdin
    args = args[1:]
    sys.stdin.read()
from odoo.tools import config
record = {"args": args}
try:
    config.parse_config(args)
    record.update(workers=config["workers"], db_name=config["db_name"], db_host=config["db_host"],
                  data_dir=config["data_dir"], server_wide_modules=config["server_wide_modules"])
except BaseException as error:  # what stops odoo at start-up
    record["error"] = f"{type(error).__name__}: {error}"
with open(os.environ["FAKE_ODOO_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
sys.exit(1 if "error" in record else 0)
"""
FAKE_PSQL = """#!/usr/bin/env bash
# The database answers; the addon is not installed yet (a first start).
case "$*" in *ir_module_module*) exit 0 ;; esac
echo 1
"""
#: Stands in for the image's python3: pip installs nothing (no network here), the rest is Python.
FAKE_PYTHON = """#!/usr/bin/env bash
if [ "${1:-}" = "-m" ] && [ "${2:-}" = "pip" ]; then exit 0; fi
exec "%s" "$@"
"""


def compose_environment(service, settings=None):
    """The environment docker compose gives ``service``: with no variable set and no .env, or with the
    ``settings`` of a .env file."""
    settings = settings or {}
    document = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    environment = document["services"][service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)

    def substitute(found):
        # ${VAR:-default}: VAR unless unset or empty; ${VAR-default}: VAR unless unset; ${VAR}: VAR or "".
        value = settings.get(found.group("name"))
        if value is None or (value == "" and found.group("op") == ":-"):
            return found.group("default") or ""
        return value

    def interpolate(value):
        return _INTERPOLATION.sub(substitute, str(value))

    return {name: interpolate(value) for name, value in environment.items() if value is not None}


def odoo_environment_names():
    """The environment variables Odoo's configuration reads (ODOO_<option>, PG*, ODOO_RC)."""
    return {option.env_name for option in config.options_index.values() if option.env_name}


@tagged("post_install", "-at_install")
class TestDemoStart(BaseCase):
    def test_the_compose_environment_uses_no_name_odoo_reads_by_accident(self):
        read_by_odoo = odoo_environment_names()
        self.assertIn("ODOO_WORKERS", read_by_odoo, "the check below relies on Odoo's own list")
        entrypoint = (REPO / "docker" / "odoo-entrypoint.sh").read_text()
        names = set(compose_environment("odoo")) | set(compose_environment("tests"))
        names |= set(re.findall(r"\$\{?((?:ODOO|PG)[A-Z0-9_]*)", entrypoint))
        accidental = sorted(name for name in names & read_by_odoo if name not in ODOO_READS_ON_PURPOSE)
        self.assertEqual(accidental, [], "Odoo reads these itself: rename them, or say why they mean the same")

    def start(self, **settings):
        """Run the entrypoint as the container does on its first start, with the compose environment
        and ``settings`` set in .env; returns the bash run and what each odoo command parsed."""
        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            bin_dir = scratch / "bin"
            bin_dir.mkdir()
            (bin_dir / "psql").write_text(FAKE_PSQL)
            (bin_dir / "python3").write_text(FAKE_PYTHON % sys.executable)
            for program in bin_dir.iterdir():
                program.chmod(0o755)
            (scratch / "fake_odoo.py").write_text(FAKE_ODOO)
            log = scratch / "odoo.log"
            environment = compose_environment("odoo", settings)
            environment.update(
                # The container's layout, not settings: the repository's mount, the data volume,
                # the image's odoo command and Python.
                QUICKBOOKS_REPO_DIR=str(REPO),
                ODOO_DATA_DIR=str(scratch / "data"),
                ODOO_COMMAND=f"{sys.executable} {scratch / 'fake_odoo.py'}",
                ODOO_PYTHON=str(bin_dir / "python3"),
                PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
                PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
                FAKE_ODOO_LOG=str(log),
            )
            run = subprocess.run(
                [shutil.which("bash") or "/bin/bash", str(REPO / "docker" / "odoo-entrypoint.sh")],
                env=environment,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            starts = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        self.assertEqual(run.returncode, 0, f"{run.stdout}\n{run.stderr}\n{starts}")
        self.assertFalse([start["error"] for start in starts if "error" in start])
        # First start: install, the demo's set-up in a shell, then the server.
        self.assertEqual(len(starts), 3, starts)
        self.assertNotIn("--stop-after-init", starts[-1]["args"])
        return starts[-1]

    def test_the_entrypoint_starts_odoo_with_the_compose_environment(self):
        server = self.start()
        shipped = configparser.ConfigParser()
        shipped.read(REPO / "odoo.conf")
        self.assertEqual(
            server["workers"],
            shipped.getint("options", "workers"),
            "odoo.conf's, untouched when QBO_DEMO_WORKERS is unset",
        )
        channels = dict(part.split(":")[:2] for part in shipped.get("queue_job", "channels").split(","))
        self.assertGreater(server["workers"], int(channels["root"]), "HTTP workers left when every job slot runs")
        self.assertEqual(server["db_name"], ["quickbooks_demo"])
        self.assertEqual(server["db_host"], "db")
        self.assertIn("queue_job", server["server_wide_modules"])

    def test_qbo_demo_workers_in_env_file_runs_odoo_threaded(self):
        self.assertEqual(self.start(QBO_DEMO_WORKERS="0")["workers"], 0)
