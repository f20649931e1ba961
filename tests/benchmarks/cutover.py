"""Moving a company from QuickBooks to Odoo at scale: the emulator's seeded sample company (customers, vendors,
items, a year of invoices, payments, credit memos, bills, bill payments and journal entries, made through
its own create path) imported through the import's steps, over Odoo's external API, on one Odoo server
started with the repository's ``odoo.conf`` (its HTTP workers, job runner and channels).

    python -m tests.benchmarks.cutover --customers 20000 --invoices 100000   # a large company
    python -m tests.benchmarks.cutover --customers 50 --invoices 300          # the test command's size

A large company (20,000 customers, 100,000 invoices and about as many payments) fills the emulator in about a
minute: its store keeps which payments apply to each document, each number and each name, so filling a company
grows with its size, not its square.

Prints how long each step took, the open documents imported a second by the jobs (target ≥ 50), the
QuickBooks requests the import made, the largest growth of one Odoo worker's resident memory while the jobs run
(memory flat: it must not grow with the size; the review steps' growth, which holds the review lists, apart),
and the verdict of the books comparison that runs
right after (target: match).  Exit status 0 when it ran (whatever the figures), 2 when it could not run.
"""

from __future__ import annotations

import argparse
import sys
import time

from .harness import Report, Stack, add_common_arguments, say
from .reconciliation import MemoryWatch

TARGET_DOCUMENTS_PER_SECOND = 50.0


def wait_for_jobs(stack: Stack, what: str, timeout: float) -> float:
    """Seconds until no job is waiting or running."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if not stack.active_jobs():
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"{what}: jobs still waiting after {timeout:.0f} s: {stack.job_counts()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.cutover", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2_000, help="customers (default 2,000)")
    parser.add_argument("--invoices", type=int, default=10_000, help="invoices, most of them paid (default 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="the sample company's seed")
    parser.add_argument("--timeout", type=float, default=7200.0, help="seconds the import may take")
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    size = {
        "seed": options.seed,
        "customers": options.customers,
        "vendors": max(4, options.customers // 20),
        "items": 30,
        "invoices": options.invoices,
        "bills": max(10, options.invoices // 5),
        "entries": 12,
    }
    report = Report("cutover", {**size, "workers": options.workers})

    def body() -> None:
        with Stack("cutover", workers=options.workers, channels=options.channels, keep=options.keep) as stack:
            rpc = stack.rpc
            say(f"filling QuickBooks with the sample company {size}")
            # The company existed before Odoo was connected: Odoo's change-data-capture catch-up (which would
            # read the whole history, made just now in the emulator) and the nightly reconciliation stay out of
            # the import's way.
            for cron in ("ir_cron_quickbooks_cdc_catch_up", "ir_cron_quickbooks_reconciliation"):
                cron_id = rpc.retrying("ir.model.data", "check_object_reference", "quickbooks_connector", cron)[1]
                rpc.retrying("ir.cron", "write", [cron_id], {"active": False})
            started = time.monotonic()
            # Its history predates Odoo's subscription: no notification of it.
            created = stack.control.call("POST", "sample_company", {**size, "notify": False})["created"]
            report.figure("quickbooks_objects", sum(created.values()), "objects", str(created))
            report.figure("seed_seconds", round(time.monotonic() - started, 1), "s", "the emulator, not Odoo")
            stack.control.call("DELETE", "requests")
            run_id = rpc.retrying("quickbooks.import", "create", {"backend_id": stack.backend_id})
            steps = {}
            master = stack.nodes[0].process.pid
            # Two windows: the review steps hold the whole chart and every customer, vendor and item for the
            # review lists (a size that grows with the company by nature), the jobs must not grow with it.
            with MemoryWatch(master) as review_memory:
                for step in ("action_read_chart", "action_confirm_accounts"):
                    started = time.monotonic()
                    rpc.execute("quickbooks.import", step, [run_id], timeout=options.timeout)
                    steps[step] = time.monotonic() - started
            with MemoryWatch(master) as memory:
                started = time.monotonic()
                rpc.execute("quickbooks.import", "action_confirm_parties", [run_id], timeout=600)
                wait_for_jobs(stack, "the import's jobs", options.timeout)
                jobs_seconds = time.monotonic() - started  # from confirming the customers to the last job
                steps["parties_and_documents_jobs"] = jobs_seconds
                started = time.monotonic()
                rpc.execute("quickbooks.import", "action_opening_balances", [run_id], timeout=options.timeout)
                steps["action_opening_balances"] = time.monotonic() - started
            (run,) = rpc.retrying(
                "quickbooks.import", "read", [run_id], ["state", "documents_total", "documents_done", "summary"]
            )
            requests = stack.control.call("GET", "requests") or []
            for step, seconds in steps.items():
                report.figure(f"{step}_seconds", round(seconds, 1), "s")
            report.figure("documents_imported", run["documents_done"], "documents", f"of {run['documents_total']} open")
            report.target(
                "documents_per_second",
                round(run["documents_done"] / jobs_seconds, 1) if jobs_seconds else None,
                TARGET_DOCUMENTS_PER_SECOND,
                "documents/s",
                at_most=False,
            )
            kinds = {}
            for request in requests:
                subpath = str(request.get("subpath") or "")
                statement = str((request.get("query") or {}).get("query") or "")
                what = statement.split(" where")[0].replace("select * from ", "") if statement else subpath
                key = f"{request.get('method')} {what} {request.get('status')}"
                kinds[key] = kinds.get(key, 0) + 1
            report.figure("quickbooks_requests", len(requests), "requests", str(dict(sorted(kinds.items()))))
            grown, peak = review_memory.growth_mib()
            report.figure(
                "review_worker_memory_growth", grown, "MiB", f"peak {peak} MiB (reading for the review lists)"
            )
            grown, peak = memory.growth_mib()
            report.figure("worker_memory_growth", grown, "MiB", f"peak {peak} MiB (the jobs and the opening balances)")
            failed = rpc.retrying(
                "quickbooks.sync.state", "search_count", [["state", "in", ["failed", "conflict", "pending"]]]
            )
            report.figure("sync_records_not_done", failed, "records")
            jobs = rpc.retrying(
                "queue.job",
                "search_read",
                [["model_name", "=", "quickbooks.import"]],
                ["method_name", "exec_time"],
            )
            by_method = {}
            for job in jobs:
                total, count = by_method.get(job["method_name"], (0.0, 0))
                by_method[job["method_name"]] = (total + (job["exec_time"] or 0.0), count + 1)
            for method, (total, count) in sorted(by_method.items()):
                report.figure(
                    f"job{method.removeprefix('_quickbooks_import')}", round(total, 1), "s", f"{count} job(s)"
                )
            rpc.execute("quickbooks.backend", "action_reconcile_now", [stack.backend_id], timeout=3600)
            (verdict,) = rpc.retrying(
                "quickbooks.reconciliation",
                "search_read",
                [["backend_id", "=", stack.backend_id]],
                ["state", "books_state", "books_summary"],
                limit=1,
                order="id desc",
            )
            report.figure("books_after_import", verdict["books_state"], "", verdict["books_summary"] or "")
            if run["state"] != "done":
                raise RuntimeError(f"the import did not finish: {run}")
            report.note(
                "the jobs' rate is open documents imported over the time from confirming the customers to the last "
                "job (customers, vendors and products created and bound first)"
            )

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
