"""The books comparison at scale: 1,000 accounts mapped one to one and N journal items on both sides, compared
account by account (trial balance, aging, profit and loss by month); only the comparison is measured.

    python -m tests.benchmarks.books --accounts 1000 --items 100000
    python -m tests.benchmarks.books --accounts 1000 --sizes 10000,100000    # memory flat in N?

``--accounts`` accounts are made on both sides with the same numbers (half expenses, half current assets)
and mapped to each other; each entry is a journal entry of two journal items (an expense against a current
asset), dated over the last thirteen months (so that the profit and loss of every month and the year-end
close into Retained Earnings have work to do).  One entry goes through Odoo (posted through the API); the
others are copies of it made directly in PostgreSQL (``account_move``, ``account_move_line``, one ``INSERT
... SELECT`` each, other accounts, amounts and dates) with their sync records, and, as the same
JournalEntry objects, in the emulator's store (its SQLite data file, written while it is stopped, loaded
when it starts again on the same port).  Each size is then compared three times through *Reconcile Now* (the
nightly run: the reconciliation's figures and the books), over Odoo's external API, while the Odoo worker
serving it is watched: the first run's wall time and QuickBooks' share of it, and the smallest growth of
the serving worker's resident memory above what it used before (the first request a worker serves grows
it by whatever it loads, whatever the size).  Targets: ≤ 30 s at 1,000 accounts and 100,000 journal
items; memory flat in N.  Exit status 0 when it ran.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import time

from .harness import Report, Stack, add_common_arguments, pg_env, say
from .reconciliation import MemoryWatch

TARGET_SECONDS = 30.0
TARGET_ITEMS = 100_000
TARGET_ACCOUNTS = 1_000
CODE = "B{:05d}"
REPEAT = 3


class Books:
    """The accounts and the entries of both sides."""

    def __init__(self, stack: Stack, accounts: int) -> None:
        import psycopg2  # Odoo's own driver, in Odoo's Python

        env = pg_env()
        self.conn = psycopg2.connect(host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=stack.database)
        self.stack = stack
        self.count = accounts
        self.half = accounts // 2
        self.made = 0
        self.today = dt.date.today()

    # ------------------------------------------------------------------ accounts
    def kind(self, n: int) -> tuple[str, str, str, str]:
        """(Odoo type, QBO AccountType, AccountSubType, Classification) of account ``n``."""
        if n < self.half:
            return "expense", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"
        return "asset_current", "Other Current Asset", "OtherCurrentAssets", "Asset"

    def make_accounts(self) -> None:
        rpc = self.stack.rpc
        values = [
            {"code": CODE.format(n), "name": f"Bench account {n}", "account_type": self.kind(n)[0]}
            for n in range(self.count)
        ]
        ids = rpc.execute("account.account", "create", values, timeout=900)
        self.odoo_accounts = dict(zip(range(self.count), ids, strict=True))

    def qbo_accounts(self, data_file: str) -> None:
        """The same accounts in the emulator's store (stopped), numbered as in Odoo."""
        rows = []
        for n in range(self.count):
            _odoo, account_type, subtype, classification = self.kind(n)
            rows.append(
                (
                    f"BA{n}",
                    json.dumps(
                        {
                            "Id": f"BA{n}",
                            "Name": f"Bench account {n}",
                            "FullyQualifiedName": f"Bench account {n}",
                            "AcctNum": CODE.format(n),
                            "AccountType": account_type,
                            "AccountSubType": subtype,
                            "Classification": classification,
                            "Active": True,
                            "SubAccount": False,
                            "CurrentBalance": 0,
                            "CurrencyRef": {"value": "USD"},
                            "SyncToken": "0",
                        }
                    ),
                )
            )
        db = sqlite3.connect(data_file)
        with db:
            db.executemany("INSERT INTO objects (entity, id, data) VALUES ('Account', ?, ?)", rows)
        db.close()

    def map_accounts(self) -> None:
        rpc = self.stack.rpc
        rpc.execute("quickbooks.backend", "action_pull_chart_of_accounts", [self.stack.backend_id], timeout=600)
        qbo = rpc.execute(
            "quickbooks.qbo.account",
            "search_read",
            [["backend_id", "=", self.stack.backend_id], ["acct_num", "=like", "B%"]],
            ["acct_num"],
        )
        by_number = {row["acct_num"]: row["id"] for row in qbo}
        values = [
            {
                "backend_id": self.stack.backend_id,
                "account_id": self.odoo_accounts[n],
                "qbo_account_id": by_number[CODE.format(n)],
            }
            for n in range(self.count)
        ]
        rpc.execute("quickbooks.account.mapping", "create", values, timeout=900)

    # ------------------------------------------------------------------ entries
    def template(self) -> int:
        """One journal entry through Odoo: the copies take its columns."""
        rpc = self.stack.rpc
        journal = rpc.execute("account.journal", "search", [["type", "=", "general"]], limit=1)[0]
        move = rpc.execute(
            "account.move",
            "create",
            {
                "move_type": "entry",
                "journal_id": journal,
                "date": self.today.isoformat(),
                "line_ids": [
                    [0, 0, {"account_id": self.odoo_accounts[0], "debit": 1.0, "name": "Bench"}],
                    [0, 0, {"account_id": self.odoo_accounts[self.half], "credit": 1.0, "name": "Bench"}],
                ],
            },
        )
        rpc.execute("account.move", "action_post", [move])
        self.template_id = move
        return move

    def entry(self, g: int) -> tuple[int, int, float, dt.date]:
        """Entry ``g``: (expense account, asset account, amount, date) - the same on both sides."""
        debit = g % self.half
        credit = self.half + (g * 7) % (self.count - self.half)
        amount = round(10 + (g % 997) * 1.37, 2)
        day = self.today - dt.timedelta(days=g % 390)
        return debit, credit, amount, day

    def _columns(self, cr, table: str, skip: tuple[str, ...]) -> list[str]:
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cr.fetchall() if row[0] not in skip]

    def odoo(self, count: int) -> list[int]:
        """``count`` more entries in Odoo, bound to their QuickBooks JournalEntry; returns their numbers."""
        start = self.made + 1
        numbers = list(range(start, start + count))
        moves = [(g, *self.entry(g)) for g in numbers]
        move_skip = ("id", "name", "date", "sequence_number", "sequence_prefix", "ref", "invoice_date")
        line_skip = (
            "id",
            "move_id",
            "move_name",
            "account_id",
            "date",
            "debit",
            "credit",
            "balance",
            "amount_currency",
        )
        line_skip += ("amount_residual", "amount_residual_currency")
        q = lambda cols, alias: ", ".join(f'{alias}."{c}"' for c in cols)  # noqa: E731
        names = lambda cols: ", ".join(f'"{c}"' for c in cols)  # noqa: E731
        with self.conn, self.conn.cursor() as cr:
            move_cols = self._columns(cr, "account_move", move_skip)
            line_cols = self._columns(cr, "account_move_line", line_skip)
            cr.execute("DROP TABLE IF EXISTS bench_books")
            cr.execute(
                "CREATE TEMP TABLE bench_books (g int, new_id int, name text, day date, debit_account int, "
                "credit_account int, amount numeric)"
            )
            cr.executemany(
                "INSERT INTO bench_books VALUES (%s, nextval('account_move_id_seq'), %s, %s, %s, %s, %s)",
                [
                    (g, f"BENCHJE/{g:07d}", day, self.odoo_accounts[debit], self.odoo_accounts[credit], amount)
                    for g, debit, credit, amount, day in moves
                ],
            )
            # Column names come from information_schema, values are parameters: no outside text in the SQL.
            cr.execute(
                f"""INSERT INTO account_move (id, name, date, sequence_prefix, sequence_number, ref, {names(move_cols)})
                SELECT b.new_id, b.name, b.day, 'BENCHJE/', b.g, b.name, {q(move_cols, "t")}
                FROM bench_books b JOIN account_move t ON t.id = %s""",  # noqa: S608
                [self.template_id],
            )
            cr.execute(
                f"""INSERT INTO account_move_line (id, move_id, move_name, account_id, date, debit, credit, balance,
                                               amount_currency, amount_residual, amount_residual_currency,
                                               {names(line_cols)})
                SELECT nextval('account_move_line_id_seq'), b.new_id, b.name,
                       CASE WHEN l.debit > 0 THEN b.debit_account ELSE b.credit_account END, b.day,
                       CASE WHEN l.debit > 0 THEN b.amount ELSE 0 END, CASE WHEN l.debit > 0 THEN 0 ELSE b.amount END,
                       CASE WHEN l.debit > 0 THEN b.amount ELSE -b.amount END,
                       CASE WHEN l.debit > 0 THEN b.amount ELSE -b.amount END, 0, 0, {q(line_cols, "l")}
                FROM bench_books b JOIN account_move_line l ON l.move_id = %s""",  # noqa: S608
                [self.template_id],
            )
            cr.execute(
                """INSERT INTO quickbooks_sync_state (backend_id, company_id, res_model, res_id, res_name, binding_key,
                                                  qbo_entity, qbo_id, qbo_doc_number, origin, state, qbo_state,
                                                  attempts, create_date, write_date, last_success_at)
                SELECT %s, m.company_id, 'account.move', b.new_id, b.name, '', 'JournalEntry', 'BJ' || b.g, b.name,
                       'odoo', 'done', 'active', 1, now() at time zone 'UTC', now() at time zone 'UTC',
                       now() at time zone 'UTC'
                FROM bench_books b JOIN account_move m ON m.id = b.new_id""",
                [self.stack.backend_id],
            )
            cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE quickbooks_sync_state")
        self.made += count
        return numbers

    def qbo(self, data_file: str, numbers: list[int]) -> None:
        """The same entries as JournalEntry objects in the emulator's store (stopped)."""

        def line(account: int, posting: str, amount: float) -> dict:
            return {
                "DetailType": "JournalEntryLineDetail",
                "Amount": amount,
                "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": f"BA{account}"}},
            }

        rows = []
        for g in numbers:
            debit, credit, amount, day = self.entry(g)
            rows.append(
                (
                    f"BJ{g}",
                    json.dumps(
                        {
                            "Id": f"BJ{g}",
                            "DocNumber": f"BENCHJE/{g:07d}",
                            "TxnDate": day.isoformat(),
                            "SyncToken": "0",
                            "TotalAmt": amount,
                            "Line": [line(debit, "Debit", amount), line(credit, "Credit", amount)],
                        }
                    ),
                )
            )
        db = sqlite3.connect(data_file)
        with db:
            db.executemany("INSERT INTO objects (entity, id, data) VALUES ('JournalEntry', ?, ?)", rows)
        db.close()


def compare(stack: Stack) -> dict:
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
        ["state", "books_state", "books_line_count", "books_unexplained_count", "books_summary", "error_message"],
        order="id desc",
        limit=1,
    )[0]
    grown, peak = watch.growth_mib()
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
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.books", description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=TARGET_ACCOUNTS, help=f"accounts (default {TARGET_ACCOUNTS:,})")
    parser.add_argument("--items", type=int, default=TARGET_ITEMS, help=f"journal items (default {TARGET_ITEMS:,})")
    parser.add_argument(
        "--sizes", help="several item counts in one run, growing (default: a tenth of --items, then it)"
    )
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    sizes = (
        sorted({int(s) for s in options.sizes.split(",")})
        if options.sizes
        else sorted({max(2, options.items // 10), options.items})
    )
    accounts = max(2, options.accounts)
    report = Report("books", {"accounts": accounts, "sizes": sizes, "items": sizes[-1], "workers": options.workers})

    def body() -> None:
        with Stack(
            "books", workers=options.workers, channels=options.channels, keep=options.keep, emulator_data="in-workdir"
        ) as stack:
            books = Books(stack, accounts)
            say(f"{accounts:,} accounts on both sides, mapped one to one")
            books.make_accounts()
            port = stack.emulator.port
            stack.emulator.stop()
            books.qbo_accounts(stack.emulator_data)
            stack.start_emulator(port=port)
            books.map_accounts()
            books.template()
            entries = 1  # the template, posted in Odoo only: it explains its own difference (not sent)
            results = []
            for size in sizes:
                more = size // 2 - entries
                if more > 0:
                    say(f"generating {more:,} more journal entries on both sides (to {size:,} journal items)")
                    started = time.monotonic()
                    numbers = books.odoo(more)
                    stack.emulator.stop()
                    books.qbo(stack.emulator_data, numbers)
                    stack.start_emulator(port=port)
                    entries += more
                    say(f"  generated in {time.monotonic() - started:.0f} s; comparing")
                # Three times: the first may land on a worker that has not served anything heavy yet (its
                # growth is what any first request loads); memory is the smallest growth of the three.
                tries = [compare(stack) for _index in range(REPEAT)]
                result = {
                    "items": entries * 2,
                    "accounts": accounts,
                    **tries[0],
                    "memory_growth_mib": min(t["memory_growth_mib"] for t in tries),
                    "worker_peak_mib": max(t["worker_peak_mib"] for t in tries),
                    "seconds_each": [t["seconds"] for t in tries],
                    "memory_growth_each": [t["memory_growth_mib"] for t in tries],
                }
                say(
                    f"  {result['items']:,} journal items, {accounts:,} accounts: {result['seconds']} s "
                    f"(then {', '.join(str(t) for t in result['seconds_each'][1:])} s) "
                    f"({result['qbo_seconds']} s in QuickBooks), worker grew {result['memory_growth_mib']} MiB, "
                    f"books {result['books_state']} ({result['books_line_count']} lines, "
                    f"{result['books_unexplained_count']} unexplained), run {result['state']}"
                    f"{' ' + result['error_message'] if result.get('error_message') else ''}"
                )
                results.append(result)
            counts = ", ".join(f"{result['items']:,}" for result in results)
            print(f"\n== books comparison: {accounts:,} accounts, {counts} journal items", flush=True)
            for result in results:
                items = result["items"]
                report.figure(
                    f"books_{items}_seconds",
                    result["seconds"],
                    "s",
                    f"{result['qbo_requests']} QuickBooks requests answered in {result['qbo_seconds']} s by the "
                    f"emulator; the rest, {result['odoo_seconds']} s, is Odoo's",
                )
                report.figure(
                    f"books_{items}_odoo_seconds", result["odoo_seconds"], "s", "wall time less the emulator's"
                )
                report.figure(
                    f"books_{items}_memory_growth",
                    result["memory_growth_mib"],
                    "MiB",
                    f"smallest of {REPEAT} runs {result['memory_growth_each']}, "
                    f"worker peak {result['worker_peak_mib']} MiB",
                )
                report.figure(
                    f"books_{items}_verdict",
                    result["books_state"],
                    "",
                    f"{result['books_line_count']} lines, {result['books_unexplained_count']} unexplained",
                )
            last = results[-1]
            if last["items"] >= TARGET_ITEMS and accounts >= TARGET_ACCOUNTS:
                report.target("books_seconds_at_100000", last["seconds"], TARGET_SECONDS, "s")
                report.target("books_odoo_seconds_at_100000", last["odoo_seconds"], TARGET_SECONDS, "s")
            else:
                report.figure(
                    "books_seconds_largest",
                    last["seconds"],
                    "s",
                    f"the target ({TARGET_SECONDS:.0f} s) is at {TARGET_ACCOUNTS:,} accounts, {TARGET_ITEMS:,} items",
                )
            if len(results) > 1:
                first = results[0]
                ratio = (last["memory_growth_mib"] + 1) / (first["memory_growth_mib"] + 1)
                report.target("books_memory_growth_ratio", round(ratio, 2), 2.0, "x")
                report.note(
                    f"memory flat in N: the worker's growth at {last['items']:,} journal items over its growth at "
                    f"{first['items']:,} (+1 MiB each); ≤ 2x counts as flat"
                )
            report.data["runs"] = results

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
