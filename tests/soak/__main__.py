"""``python -m tests.soak``: the soak of the connector against a real Odoo 19 and the QBO emulator.

    python -m tests.soak --small                      # the size the project's test command runs
    python -m tests.soak --full                       # 2,000 invoices, 1,000 payments, 500 edits
    python -m tests.soak --invoices N --payments M --edits E --fault-rate 0.2 --kill-every S ...

Run it from the repository root with a Python that has ``requests`` (Odoo's own has it, and
werkzeug for the emulator).  Odoo is found through ``ODOO_PYTHON`` (default
``~/.venvs/odoo19/bin/python``), PostgreSQL through ``PGHOST``/``PGPORT``/``PGUSER`` (default
127.0.0.1, 5432, the current user; never the ``postgres`` role).  Exit status: 0 every check passed,
1 a check failed (a loss, a duplicate, a disagreement), 2 the soak itself could not run, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

PRESETS = {
    "small": {
        "invoices": 100,
        "payments": 50,
        "edits": 25,
        "kill_every": 15.0,
        "drain_timeout": 600.0,
        "cpa_wait": 300.0,
        "max_drive": 600.0,
    },
    "full": {
        "invoices": 2000,
        "payments": 1000,
        "edits": 500,
        "kill_every": 5.0,
        "drain_timeout": 3600.0,
        "cpa_wait": 1800.0,
        "max_drive": 3600.0,
    },
}


def _odoo_python() -> str:
    for candidate in (os.environ.get("ODOO_PYTHON"), str(Path.home() / ".venvs/odoo19/bin/python"), sys.executable):
        if not candidate:
            continue
        probe = "import odoo.release as r, sys; sys.exit(0 if r.version_info[0] == 19 else 1)"
        try:
            if subprocess.run([candidate, "-c", probe], capture_output=True, timeout=60, check=False).returncode == 0:
                return candidate
        except OSError:
            continue
    return ""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--small",
        dest="preset",
        action="store_const",
        const="small",
        help="100 invoices, 50 payments, 25 edits, a kill every 15 s (the default size)",
    )
    size.add_argument(
        "--full",
        dest="preset",
        action="store_const",
        const="full",
        help="2,000 invoices, 1,000 payments, 500 edits, a kill every 5 s",
    )
    parser.add_argument("--invoices", type=int, help="customer invoices posted in Odoo")
    parser.add_argument("--payments", type=int, help="payments, on both sides (see --qbo-share)")
    parser.add_argument("--edits", type=int, help="customer edits (80 %% in Odoo, 20 %% notes by the CPA)")
    parser.add_argument("--credit-notes", type=int, help="credit notes applied to invoices (default 10 %% of them)")
    parser.add_argument("--customers", type=int, help="customers (default a tenth of the invoices, at least 3)")
    parser.add_argument(
        "--qbo-share", type=float, default=0.5, help="share of the payments the CPA records in QuickBooks (default 0.5)"
    )
    parser.add_argument(
        "--cpa-changes",
        type=float,
        default=0.1,
        help="share of the CPA's payments the CPA edits or deletes later (default 0.1)",
    )
    parser.add_argument(
        "--cancels",
        type=float,
        default=0.05,
        help="share of the invoices (unpaid ones) and of the Odoo payments cancelled in Odoo later (default 0.05)",
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.2,
        help="share of QuickBooks API requests that fail, "
        "and rate of webhook drops, replays and reorderings (default 0.2)",
    )
    parser.add_argument(
        "--fault-kinds",
        type=lambda text: [k.strip() for k in text.split(",") if k.strip()],
        help="only these API faults, e.g. drop_after_commit,status 503 (default: all of them: "
        "drop_after_commit, drop_before_commit, status 503, status 500, status 429, throttle, "
        "latency, expire_token, non_json 502)",
    )
    parser.add_argument(
        "--webhook-faults",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="drop, replay and reorder webhook deliveries at the fault rate (default on)",
    )
    parser.add_argument("--kill-every", type=float, help="seconds between worker kills, jittered; 0: no kills")
    parser.add_argument("--restarts", type=int, default=1, help="whole-server kills and restarts (default 1)")
    parser.add_argument(
        "--restart-at",
        type=float,
        default=0.5,
        help="when the restart happens, as the share of Odoo actions done (default 0.5)",
    )
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers (default 2)")
    parser.add_argument(
        "--channels", default="root:2,root.quickbooks:2", help="queue_job channels (default root:2,root.quickbooks:2)"
    )
    parser.add_argument("--drive-threads", type=int, default=2, help="parallel Odoo users (default 2)")
    parser.add_argument("--pace", type=float, default=0.0, help="seconds each Odoo user waits between actions")
    parser.add_argument(
        "--retry-pattern",
        help="tune the QuickBooks job functions' back-off like an administrator "
        "can, e.g. 1:10,3:30,5:60 (default: the addon's own)",
    )
    parser.add_argument(
        "--max-drive",
        type=float,
        help="seconds after which the drive stops; what is left is "
        "reported as not done (default: small 600, full 3600)",
    )
    parser.add_argument("--drain-timeout", type=float, help="seconds to wait for the queues to drain")
    parser.add_argument(
        "--cpa-wait", type=float, help="seconds the CPA waits, after the Odoo actions, for invoices to reach QuickBooks"
    )
    parser.add_argument("--seed", type=int, default=20251201, help="workload, faults and kills (default 20251201)")
    parser.add_argument("--db-prefix", default="qbo_soak", help="database name prefix")
    parser.add_argument(
        "--addons-first",
        help="addons directories searched before the repository, e.g. to try a patched copy of quickbooks_connector",
    )
    parser.add_argument(
        "--odoo-python",
        default=None,
        help="Odoo 19's Python (default: $ODOO_PYTHON, then ~/.venvs/odoo19/bin/python, then this Python)",
    )
    parser.add_argument("--progress-every", type=float, default=30.0, help="seconds between progress lines")
    parser.add_argument("--show", type=int, default=25, help="failures shown per check (default 25)")
    parser.add_argument("--json", help="also write the figures and checks to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the database and the run directory")
    parser.add_argument(
        "--no-keep-logs",
        action="store_true",
        help="remove the run directory even when a check fails (by default it is kept for the Odoo log)",
    )
    options = parser.parse_args(argv)
    preset = PRESETS[options.preset or "small"]
    for name, value in preset.items():
        if getattr(options, name, None) is None:
            setattr(options, name, value)
    options.odoo_python = options.odoo_python or _odoo_python()
    if not options.odoo_python:
        parser.error("no Odoo 19 found: set ODOO_PYTHON to the Python of an Odoo 19 install")
    options.emulator_python = sys.executable if importlib.util.find_spec("werkzeug") else options.odoo_python
    if options.invoices < 1 or options.payments < 0 or options.edits < 0:
        parser.error("--invoices must be at least 1, --payments and --edits at least 0")
    return options


def main(argv=None) -> int:
    options = parse_args(argv)
    from .runner import main as run  # imported once the arguments are known to be usable

    return run(options)


if __name__ == "__main__":
    sys.exit(main())
