"""``python -m tests.benchmarks``: every benchmark on the running product at one size, one JSON of results.

    python -m tests.benchmarks --size full --out bench-results/      # the sizes of the README's table
    python -m tests.benchmarks --size tiny --out /tmp/bench --check   # what the test command runs

Runs, one after the other (each on its own fresh database, emulator and Odoo server(s), dropped
afterwards; the addon is installed once, in a template database each benchmark's database is copied
from): posting overhead A/B, reconciliation at scale, the books comparison at scale, latency idle,
the backfill through the bulk wizard, a selection of invoices posted at once (webhook answers and page
loads while it drains), latency during a backfill (which also gives that backfill's figures), two
Odoo nodes draining one backlog, three companies draining a backlog each into their own
QuickBooks realm, and the import of a company from QuickBooks.
Each writes its own JSON next to ``results.json`` (all of them); then
``tests.benchmarks.results`` draws the latency plot and the Markdown table.  ``--only latency,overhead``
runs some of them.  ``--check``: exit 1 if a benchmark did not run or printed no figures (timings are
never checked).
Exit status 0 when every benchmark ran, whatever the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

#: size -> benchmark -> its command-line arguments
SIZES = {
    "tiny": {
        "overhead": ["--invoices", "20", "--block", "5"],
        "reconciliation": ["--sizes", "100,1000"],
        "books": ["--accounts", "20", "--sizes", "100,1000"],
        "latency": ["--invoices", "4"],
        "backfill": ["--invoices", "40"],
        "bulkpost": ["--invoices", "30"],
        "latency_load": ["--invoices", "4", "--load", "60"],
        "two_nodes": ["--invoices", "40", "--nodes", "2"],
        "realms": ["--invoices", "20", "--realms", "3"],
        "cutover": ["--customers", "50", "--invoices", "300"],
    },
    "small": {
        "overhead": ["--invoices", "100"],
        "reconciliation": ["--sizes", "1000,10000"],
        "books": ["--accounts", "200", "--sizes", "2000,20000"],
        "latency": ["--invoices", "40"],
        "backfill": ["--invoices", "600"],
        "bulkpost": ["--invoices", "150"],
        "latency_load": ["--invoices", "40", "--load", "600"],
        "two_nodes": ["--invoices", "600", "--nodes", "2"],
        "realms": ["--invoices", "300", "--realms", "3"],
        "cutover": ["--customers", "500", "--invoices", "3000"],
    },
    "full": {
        "overhead": ["--invoices", "500"],
        "reconciliation": ["--sizes", "10000,100000"],
        "books": ["--accounts", "1000", "--sizes", "10000,100000"],
        "latency": ["--invoices", "200"],
        "backfill": ["--invoices", "5000"],
        "bulkpost": ["--invoices", "300"],
        "latency_load": ["--invoices", "200", "--load", "5000"],
        "two_nodes": ["--invoices", "3000", "--nodes", "2"],
        "realms": ["--invoices", "1500", "--realms", "3"],
        "cutover": ["--customers", "2000", "--invoices", "10000"],
    },
}
MODULES = {
    "latency": "latency",
    "latency_load": "latency",
    "two_nodes": "backfill",
    "overhead": "overhead",
    "reconciliation": "reconciliation",
    "books": "books",
    "backfill": "backfill",
    "bulkpost": "bulkpost",
    "realms": "realms",
    "cutover": "cutover",
}


def make_template() -> str | None:
    """Install the addon once into a template database (the benchmarks copy it); None if that fails."""
    from .harness import make_template_database

    try:
        return make_template_database()
    except Exception as error:  # each benchmark then installs on its own
        print(f"no template database ({type(error).__name__}: {error}); each benchmark installs the addon", flush=True)
        return None


def drop_template(template: str | None) -> None:
    if template:
        from tests.soak.processes import dropdb

        dropdb(template)


def run_all(chosen, options, out: Path, results: dict, problems: list, template: str | None) -> None:
    env = {**os.environ, **({"QBO_BENCH_TEMPLATE_DB": template} if template else {})}
    for name in chosen:
        arguments = SIZES[options.size][name]
        target = out / f"{name}.json"
        target.unlink(missing_ok=True)
        command = [sys.executable, "-m", f"tests.benchmarks.{MODULES[name]}", *arguments, "--json", str(target)]
        print(f"\n######## {name}: {' '.join(command[2:])}", flush=True)
        started = time.monotonic()
        status = subprocess.run(command, check=False, env=env).returncode
        print(f"######## {name}: exit {status} after {time.monotonic() - started:.0f} s", flush=True)
        data = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
        data["exit_status"] = status
        results[name] = data
        if status != 0 or not data.get("figures") or data.get("error"):
            problems.append(
                f"{name}: exit {status}, {len(data.get('figures') or {})} figures"
                f"{', ' + data['error'] if data.get('error') else ''}"
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--out", default="bench-results", help="directory of the JSON files, the plot and the table")
    parser.add_argument("--only", help="comma-separated: " + ", ".join(SIZES["full"]))
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a benchmark did not run or printed no figures"
    )
    options = parser.parse_args(argv)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = [name.strip() for name in options.only.split(",")] if options.only else list(SIZES[options.size])
    unknown = [name for name in chosen if name not in SIZES[options.size]]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results, problems = {}, []
    template = make_template()
    try:
        run_all(chosen, options, out, results, problems, template)
    finally:
        drop_template(template)
    summary = out / "results.json"
    if options.only and summary.exists():  # a partial run updates the earlier results
        earlier = json.loads(summary.read_text(encoding="utf-8"))
        results = {**earlier.get("benchmarks", {}), **results}
    summary.write_text(
        json.dumps({"size": options.size, "benchmarks": results}, indent=2, default=str), encoding="utf-8"
    )
    print(f"\nresults: {summary}", flush=True)
    from .results import render

    try:
        render(summary, out)
    except ImportError as error:  # the plot needs matplotlib (requirements-bench.txt): the table is written
        print(f"no plot: {error} (pip install -r requirements-bench.txt)", flush=True)
    except Exception as error:
        print(f"the plot or the table failed: {type(error).__name__}: {error}", flush=True)
        if options.check:
            problems.append(f"results: {error}")
    for problem in problems:
        print(f"PROBLEM {problem}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
