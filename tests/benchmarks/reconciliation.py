"""Reconciliation at scale: the nightly comparison of Odoo and QuickBooks with N open invoices on both
sides; only the reconciliation is measured.

    python -m tests.benchmarks.reconciliation --invoices 100000
    python -m tests.benchmarks.reconciliation --sizes 10000,100000    # memory flat in N?

A few invoices go through the real product (posted in Odoo, pushed to QuickBooks by the connector);
the rest are copies of them made directly in PostgreSQL (``account_move``, ``account_move_line`` and
the sync ledger, one ``INSERT ... SELECT`` each) and in the emulator's store (its SQLite data file,
``--data``, written while it is stopped, then loaded when it starts again on the same port), so that
both sides hold the same N open invoices, bound to each other.  Each size is then reconciled once
through *Reconcile Now* (the same comparison the nightly cron runs), over Odoo's external API, while
the Odoo worker serving it is watched: wall time, and the peak resident memory of that worker above
what it used before.  Targets: ≤ 30 s at 100,000 invoices; memory flat in N.  Exit status 0 when it ran.
"""

from __future__ import annotations

import argparse
import copy
import json
import sqlite3
import sys
import threading
import time
from pathlib import Path

from .harness import Report, Stack, add_common_arguments, pg_env, say

TARGET_SECONDS = 30.0
TARGET_AT = 100_000
TEMPLATES = 20
PAGE_BYTES = 4096


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class MemoryWatch:
    """Peak RSS of each child process of the Odoo server (its workers) while a call runs."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.baseline = {pid: _rss_kib(pid) for pid in _children(master)}
        self.peak = dict(self.baseline)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            for pid in _children(self.master):
                self.peak[pid] = max(self.peak.get(pid, 0), _rss_kib(pid))
            time.sleep(0.05)

    def __enter__(self) -> MemoryWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def growth_mib(self) -> tuple[float, float]:
        """(largest growth of one worker above its own start, that worker's peak), in MiB."""
        best = (0.0, 0.0)
        for pid, peak in self.peak.items():
            grown = (peak - self.baseline.get(pid, 0)) / 1024
            if pid not in self.baseline:  # a worker born during the call (a respawn): its whole size
                grown = peak / 1024
            if grown > best[0]:
                best = (grown, peak / 1024)
        return round(best[0], 1), round(best[1], 1)


class Generator:
    """Copies of the template invoices, in PostgreSQL and in the emulator's data file."""

    def __init__(self, stack: Stack, templates: list[int]) -> None:
        import psycopg2  # Odoo's own driver, in Odoo's Python

        env = pg_env()
        self.conn = psycopg2.connect(host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=stack.database)
        self.stack = stack
        self.templates = templates
        self.made = 0

    def _columns(self, table: str, skip: tuple[str, ...]) -> list[str]:
        with self.conn.cursor() as cr:
            cr.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND table_schema = current_schema() ORDER BY ordinal_position",
                [table],
            )
            return [row[0] for row in cr.fetchall() if row[0] not in skip]

    def odoo(self, count: int) -> list[tuple[int, str, int]]:
        """``count`` more copies in Odoo; returns (template id, name, copy number) for each."""
        start = self.made + 1
        move_cols = self._columns(
            "account_move", ("id", "name", "sequence_number", "sequence_prefix", "ref", "payment_reference")
        )
        line_cols = self._columns("account_move_line", ("id", "move_id", "move_name"))
        ledger_cols = self._columns(
            "quickbooks_sync_state", ("id", "res_id", "res_name", "qbo_id", "qbo_doc_number", "last_request_id")
        )
        q = lambda cols, alias: ", ".join(f'{alias}."{c}"' for c in cols)  # noqa: E731
        names = lambda cols: ", ".join(f'"{c}"' for c in cols)  # noqa: E731
        # Column names come from information_schema, values are parameters: no outside text in the SQL.
        with self.conn, self.conn.cursor() as cr:
            cr.execute("DROP TABLE IF EXISTS bench_map")
            cr.execute(
                """CREATE TEMP TABLE bench_map AS
                SELECT g, (%s::int[])[1 + (g %% %s)] AS template_id, nextval('account_move_id_seq') AS new_id,
                       'BENCH/' || lpad(g::text, 7, '0') AS name
                FROM generate_series(%s, %s) g""",
                [self.templates, len(self.templates), start, start + count - 1],
            )
            cr.execute(f"""INSERT INTO account_move (id, name, sequence_prefix, sequence_number, ref,
                               payment_reference, {names(move_cols)})
                SELECT m.new_id, m.name, 'BENCH/', m.g, m.name, m.name, {q(move_cols, 't')}
                FROM bench_map m JOIN account_move t ON t.id = m.template_id""")  # noqa: S608
            cr.execute(f"""INSERT INTO account_move_line (id, move_id, move_name, {names(line_cols)})
                SELECT nextval('account_move_line_id_seq'), m.new_id, m.name, {q(line_cols, 'l')}
                FROM bench_map m JOIN account_move_line l ON l.move_id = m.template_id""")  # noqa: S608
            cr.execute(f"""INSERT INTO quickbooks_sync_state (res_id, res_name, qbo_id, qbo_doc_number,
                               {names(ledger_cols)})
                SELECT m.new_id, m.name, 'B' || m.g, m.name, {q(ledger_cols, 's')}
                FROM bench_map m JOIN quickbooks_sync_state s
                  ON s.res_model = 'account.move' AND s.res_id = m.template_id""")  # noqa: S608
            cr.execute("SELECT template_id, name, g FROM bench_map ORDER BY g")
            rows = cr.fetchall()
            cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE quickbooks_sync_state")
        self.made += count
        return rows

    @staticmethod
    def qbo(data_file: str, rows: list[tuple[int, str, int]], template_qbo: dict[int, dict]) -> None:
        """The same copies in the emulator's data file (the emulator is stopped)."""
        db = sqlite3.connect(data_file)
        with db:
            db.executemany(
                "INSERT INTO objects (entity, id, data) VALUES ('Invoice', ?, ?)",
                (
                    (
                        f"B{g}",
                        json.dumps(
                            {
                                **copy.deepcopy(template_qbo[template]),
                                "Id": f"B{g}",
                                "DocNumber": name,
                                "SyncToken": "0",
                            }
                        ),
                    )
                    for template, name, g in rows
                ),
            )
        db.close()


def reconcile(stack: Stack) -> dict:
    rpc = stack.rpc
    master = stack.nodes[0].process.pid
    stack.control.call("DELETE", "requests")
    with MemoryWatch(master) as watch:
        started = time.perf_counter()
        rpc.execute("quickbooks.backend", "action_reconcile_now", [stack.backend_id], timeout=3600)
        seconds = time.perf_counter() - started
    log = stack.control.call("GET", "requests") or []
    qbo_seconds = sum(float(entry.get("duration_ms") or 0) for entry in log) / 1000
    run = rpc.execute(
        "quickbooks.reconciliation",
        "search_read",
        [["backend_id", "=", stack.backend_id]],
        ["state", "odoo_open_count", "qbo_open_count", "error_message"],
        order="id desc",
        limit=1,
    )[0]
    grown, peak = watch.growth_mib()
    # The emulator's answering times add up past the wall time when it served other requests meanwhile
    # (a job, a poll): then Odoo's own share cannot be told apart.
    odoo_seconds = round(seconds - qbo_seconds, 2) if qbo_seconds <= seconds else None
    return {
        "seconds": round(seconds, 2),
        "qbo_requests": len(log),
        "qbo_seconds": round(qbo_seconds, 2),
        "odoo_seconds": odoo_seconds,
        "memory_growth_mib": grown,
        "worker_peak_mib": peak,
        **run,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.reconciliation", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--invoices", type=int, default=TARGET_AT, help=f"open invoices (default {TARGET_AT:,})")
    parser.add_argument(
        "--sizes", help="several sizes in one run, growing (default: a tenth of --invoices, then --invoices)"
    )
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    sizes = (
        sorted({int(s) for s in options.sizes.split(",")})
        if options.sizes
        else sorted({max(TEMPLATES, options.invoices // 10), options.invoices})
    )
    report = Report("reconciliation", {"sizes": sizes, "invoices": sizes[-1], "workers": options.workers})

    def body() -> None:
        with Stack(
            "reconciliation",
            workers=options.workers,
            channels=options.channels,
            keep=options.keep,
            emulator_data="in-workdir",
        ) as stack:
            partners = stack.create_customers(TEMPLATES, "REC")
            templates = stack.create_invoices(partners, TEMPLATES, "REC", progress_every=0)
            stack.wait_drained(templates, timeout=300)
            ledger = stack.rpc.execute(
                "quickbooks.sync.state",
                "search_read",
                [["res_model", "=", "account.move"], ["res_id", "in", templates]],
                ["res_id", "qbo_id"],
            )
            qbo_of = {row["res_id"]: row["qbo_id"] for row in ledger}
            template_qbo = {move: stack.control.call("GET", f"entities/Invoice/{qbo_of[move]}") for move in templates}
            generator = Generator(stack, templates)
            results = []
            have = TEMPLATES
            for size in sizes:
                more = size - have
                if more > 0:
                    say(f"generating {more:,} more open invoices on both sides (to {size:,})")
                    started = time.monotonic()
                    rows = generator.odoo(more)
                    port = stack.emulator.port
                    stack.emulator.stop()
                    Generator.qbo(stack.emulator_data, rows, template_qbo)
                    stack.start_emulator(port=port)
                    say(f"  generated in {time.monotonic() - started:.0f} s; reconciling")
                    have = size
                result = {"invoices": size, **reconcile(stack)}
                say(
                    f"  {size:,} invoices: {result['seconds']} s ({result['qbo_seconds']} s in QuickBooks), "
                    f"worker grew {result['memory_growth_mib']} MiB, "
                    f"state {result['state']} (Odoo {result['odoo_open_count']}, QuickBooks {result['qbo_open_count']} "
                    f"open){' ' + result['error_message'] if result.get('error_message') else ''}"
                )
                results.append(result)
            print(f"\n== reconciliation: {', '.join(f'{s:,}' for s in sizes)} open invoices on both sides", flush=True)
            for result in results:
                size = result["invoices"]
                report.figure(
                    f"reconcile_{size}_seconds",
                    result["seconds"],
                    "s",
                    f"{result['qbo_requests']} QuickBooks requests answered in {result['qbo_seconds']} s "
                    f"by the emulator; the rest, {result['odoo_seconds']} s, is Odoo's",
                )
                report.figure(
                    f"reconcile_{size}_odoo_seconds",
                    result["odoo_seconds"],
                    "s",
                    "wall time less the emulator's time answering",
                )
                report.figure(
                    f"reconcile_{size}_memory_growth",
                    result["memory_growth_mib"],
                    "MiB",
                    f"worker peak {result['worker_peak_mib']} MiB",
                )
                report.figure(
                    f"reconcile_{size}_state",
                    result["state"],
                    "",
                    f"open: Odoo {result['odoo_open_count']}, QuickBooks {result['qbo_open_count']}",
                )
            last = results[-1]
            if last["invoices"] >= TARGET_AT:
                report.target("reconcile_seconds_at_100000", last["seconds"], TARGET_SECONDS, "s")
                report.target("reconcile_odoo_seconds_at_100000", last["odoo_seconds"], TARGET_SECONDS, "s")
            else:
                report.figure(
                    "reconcile_seconds_largest",
                    last["seconds"],
                    "s",
                    f"the target ({TARGET_SECONDS:.0f} s) is at {TARGET_AT:,}",
                )
            if len(results) > 1:
                first = results[0]
                ratio = (last["memory_growth_mib"] + 1) / (first["memory_growth_mib"] + 1)
                report.target(
                    "memory_growth_ratio_largest_to_smallest",
                    round(ratio, 2),
                    2.0,
                    "x",
                )
                scale = last["invoices"] // first["invoices"]
                report.note(
                    f"memory flat in N: the worker's growth at {last['invoices']:,} over its growth at "
                    f"{first['invoices']:,} (+1 MiB each); ≤ 2x counts as flat for a {scale}x larger company"
                )
            report.data["runs"] = results

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
