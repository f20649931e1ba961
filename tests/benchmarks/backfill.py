"""Bulk backfill: N posted invoices for N/10 customers not yet in QuickBooks, pushed through the bulk
wizard the way a user does, drained by one Odoo server (or ``--nodes 2``: two servers, each with its
HTTP workers, cron worker and job runner, on one database).

    python -m tests.benchmarks.backfill --invoices 5000
    python -m tests.benchmarks.backfill --invoices 5000 --nodes 2

Prints requests and invoices per minute against the ceiling QuickBooks' limit allows, the drain
time, the 429s the emulator served and those a user would see (must be 0), duplicates in QuickBooks
(must be 0), requests per invoice (target ≤ 1.1) and what the connection form showed while it drained.
Exit status 0 when it ran (whatever the figures), 2 when it could not run.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

from .harness import QBO_PER_MINUTE, Report, Stack, add_common_arguments, say

#: Target: at least 90 % of the ceiling, counted in invoices (450 a minute per realm).
TARGET_SHARE = 0.9
TARGET_REQUESTS_PER_INVOICE = 1.1


def prepare(
    stack: Stack,
    invoices: int,
    customers: int,
    prefix: str = "BF",
    *,
    company_id: int | None = None,
    backend_id: int | None = None,
    tax_id: int | None = None,
    progress_every: int = 1000,
) -> list[int]:
    """Customers and posted invoices made while the connection's push switches are off: a history (of
    ``company_id`` and its connection ``backend_id``, default the first company's)."""
    stack.set_sync(False, backend_id)
    partner_ids = stack.create_customers(customers, prefix, company_id=company_id)
    say(f"{len(partner_ids)} customers created; creating and posting {invoices} invoices (sync off)")
    move_ids = stack.create_invoices(
        partner_ids, invoices, prefix, company_id=company_id, tax_id=tax_id, progress_every=progress_every
    )
    stack.set_sync(True, backend_id)
    return move_ids


def push_with_wizard(stack: Stack, rpc=None, backend_id: int | None = None) -> str:
    """Invoicing > Configuration > QuickBooks > Push Invoices: the wizard's default period, Push
    (for ``backend_id``'s company, default the first company's connection)."""
    rpc = rpc or stack.rpc
    context = stack.every_company()
    wizard = rpc.execute(
        "quickbooks.bulk.push.wizard", "create", {"backend_id": backend_id or stack.backend_id}, **context
    )
    count = rpc.execute("quickbooks.bulk.push.wizard", "read", [wizard], ["move_count"], **context)[0]["move_count"]
    result = rpc.execute("quickbooks.bulk.push.wizard", "action_push", [wizard], timeout=900, **context)
    message = (result or {}).get("params", {}).get("message", "")
    say(f"bulk wizard: {count} document(s) to send; it answered: {message}")
    return message


class Drain:
    """Watches a backlog drain: the ledger, the emulator's counters and the connection form's progress."""

    def __init__(self, stack: Stack, move_ids: list[int]) -> None:
        self.stack = stack
        self.move_ids = move_ids
        self.timeline: list[tuple[float, int]] = []
        self.progress_seen: list[dict] = []
        self.started = time.monotonic()
        self.limits_before = stack.rate_limits()
        self.finished = threading.Event()
        self.drained = False
        self.seconds = 0.0

    def tick(self, counts, _active) -> None:
        self.timeline.append((time.monotonic() - self.started, counts.get("done", 0)))
        if len(self.timeline) % 5 == 1:
            form = self.stack.rpc.retrying(
                "quickbooks.backend",
                "read",
                [self.stack.backend_id],
                [
                    "backlog_done",
                    "backlog_pending",
                    "backlog_failed",
                    "backlog_progress",
                    "backlog_rate",
                    "backlog_eta",
                ],
            )[0]
            self.progress_seen.append({"t": round(time.monotonic() - self.started, 1), **form})

    def run(self, timeout: float) -> None:
        try:
            self.drained, self.seconds = self.stack.wait_drained(self.move_ids, timeout, on_tick=self.tick)
        finally:
            self.finished.set()

    def steady_rate(self) -> float | None:
        """Invoices a minute between 10 % and 90 % of the backlog (start-up and tail left out)."""
        total = len(self.move_ids)
        low = next(((t, d) for t, d in self.timeline if d >= 0.1 * total), None)
        high = next(((t, d) for t, d in self.timeline if d >= 0.9 * total), None)
        if not low or not high or high[0] <= low[0]:
            return None
        return (high[1] - low[1]) / (high[0] - low[0]) * 60


def report_drain(report: Report, stack: Stack, drain: Drain, invoices: int, customers: int) -> None:
    limits = stack.rate_limits()
    before = drain.limits_before
    requests = limits["served"] - before["served"]
    throttled = limits["throttled"] - before["throttled"]
    minutes = max(drain.seconds, 1e-9) / 60
    ledger = stack.ledger_counts(drain.move_ids)
    done = ledger.get("done", 0)
    ceiling = QBO_PER_MINUTE * invoices / (invoices + customers)  # one create per invoice and per customer
    report.figure("invoices_in_qbo", done, f"of {invoices}")
    report.figure("drain_seconds", round(drain.seconds, 1), "s", "" if drain.drained else "NOT DRAINED: timeout")
    report.figure("requests_total", requests, "API requests served by the emulator")
    report.figure(
        "requests_per_minute",
        round(requests / minutes, 1),
        "/min",
        f"QuickBooks allows {QBO_PER_MINUTE}; short backlogs fit in the first minute's burst",
    )
    report.figure(
        "ceiling_invoices_per_minute",
        round(ceiling, 1),
        "/min",
        f"{QBO_PER_MINUTE} requests/min with one create per invoice and per new customer",
    )
    per_minute = done / minutes
    report.target(
        "invoices_per_minute", round(per_minute, 1), round(TARGET_SHARE * QBO_PER_MINUTE), "/min", at_most=False
    )
    steady = drain.steady_rate()
    report.figure(
        "invoices_per_minute_steady",
        round(steady, 1) if steady else None,
        "/min",
        "between 10 % and 90 % of the backlog",
    )
    report.figure("share_of_ceiling", round(per_minute / ceiling, 3) if ceiling else None)
    report.target("requests_per_invoice", round(requests / max(done, 1), 3), TARGET_REQUESTS_PER_INVOICE)
    report.figure("requests_by_kind", stack.request_breakdown())
    report.figure("throttled_by_emulator_429", throttled, "", str(limits.get("throttled_by_reason")))
    errors = stack.surfaced_errors()
    report.target("surfaced_429", errors["surfaced_429"], 0)
    report.figure("failed_jobs", errors["failed_jobs"])
    report.figure("retried_jobs", errors["retried_jobs"])
    report.figure("failed_ledger_rows", errors["failed_ledger_rows"])
    if len(stack.nodes) > 1:
        report.figure(
            "jobs_run_by_node",
            " / ".join(str(n) for n in stack.jobs_run_by_node()),
            "",
            "queue_job's elected runner starts jobs through a load balancer in front of the servers",
        )
    duplicates = stack.qbo_duplicates()
    report.target("duplicates_in_qbo", duplicates["Invoice"] + duplicates["Customer"], 0)
    if drain.progress_seen:
        middle = drain.progress_seen[len(drain.progress_seen) // 2]
        report.figure(
            "connection_form_mid_drain",
            f"{middle['backlog_done']} sent, {middle['backlog_pending']} waiting, "
            f"{middle['backlog_failed']} failed, {middle['backlog_progress']:.0f} %, "
            f"{middle['backlog_rate']:.0f}/min, {middle['backlog_eta'] or '-'} left",
        )
        report.data["progress_seen"] = drain.progress_seen
    report.data["timeline"] = drain.timeline[:: max(1, len(drain.timeline) // 200)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.backfill", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--customers", type=int, help="default: a tenth of the invoices (at least 1)")
    parser.add_argument("--nodes", type=int, default=1, help="Odoo servers on the database (default 1)")
    parser.add_argument("--timeout", type=float, help="seconds to wait for the drain (default: 3 min + 0.5 s each)")
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    customers = options.customers or max(1, options.invoices // 10)
    name = "two_nodes" if options.nodes > 1 else "backfill"
    report = Report(
        name,
        {
            "invoices": options.invoices,
            "customers": customers,
            "nodes": options.nodes,
            "workers": options.workers,
            "channels": options.channels,
        },
    )

    def body() -> None:
        with Stack(
            name, nodes=options.nodes, workers=options.workers, channels=options.channels, keep=options.keep
        ) as stack:
            move_ids = prepare(stack, options.invoices, customers)
            drain = Drain(stack, move_ids)
            stack.control.call("DELETE", "requests")
            meter = stack.cost_meter()
            push_with_wizard(stack)
            drain.run(options.timeout or 180 + 0.5 * options.invoices)
            stack.wait_drained([], timeout=300)  # what follows the pushes (notifications of them) is counted too
            print(
                f"\n== {name}: {options.invoices} invoices, {customers} customers, {options.nodes} Odoo server(s)",
                flush=True,
            )
            cost = stack.read_cost(meter)
            report_drain(report, stack, drain, options.invoices, customers)
            stack.report_cost(report, cost, options.invoices)

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
