"""A user posts N selected invoices at once: N draft invoices of customers already in QuickBooks, posted
in one call (the list's *Confirm* on the selection, ``action_post``), drained by one Odoo server started
with the repository's ``odoo.conf`` (its HTTP workers, cron worker, job runner and channels).

    python -m tests.benchmarks.bulkpost --invoices 300

While the pushes drain, the emulator notifies Odoo of every invoice it stores (signed webhooks, as
Intuit does) and a user keeps opening the invoice list. Prints invoices a minute (target ≥ 420),
requests an invoice (target ≤ 1.15), how long Odoo took to answer each webhook delivery (p95 and max,
target ≤ 1 s; deliveries that failed or were retried: target 0), how long the invoice list took to load
(p95 and max, target < 2 s), and duplicates in QuickBooks (target 0).
Exit status 0 when it ran (whatever the figures), 2 when it could not run.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

from .backfill import Drain
from .harness import Report, Stack, add_common_arguments, distribution, say

TARGET_INVOICES_PER_MINUTE = 420
TARGET_REQUESTS_PER_INVOICE = 1.15
TARGET_WEBHOOK_SECONDS = 1.0
TARGET_PAGE_SECONDS = 2.0
#: What the invoice list asks for (a subset of Odoo's own list of customer invoices, and the status column).
LIST_FIELDS = {
    "name": {},
    "invoice_partner_display_name": {},
    "invoice_date": {},
    "amount_total_in_currency_signed": {},
    "state": {},
    "payment_state": {},
    "quickbooks_status": {},
}


class PageLoads:
    """A user opening *Invoicing > Customers > Invoices* again and again: the web client's page, then the
    list's records (``web_search_read``, the first 80), each load timed from the first byte asked."""

    def __init__(self, stack: Stack, pause: float = 1.0) -> None:
        self.stack = stack
        self.pause = pause
        self.seconds: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="page-loads", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def _run(self) -> None:
        browser = self.stack.rpc.browser()
        url = self.stack.nodes[0].url
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                page = browser.get(f"{url}/odoo/action-account.action_move_out_invoice_type", timeout=60)
                page.raise_for_status()
                records = browser.post(
                    f"{url}/web/dataset/call_kw/account.move/web_search_read",
                    timeout=60,
                    json={
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "model": "account.move",
                            "method": "web_search_read",
                            "args": [],
                            "kwargs": {
                                "domain": [["move_type", "=", "out_invoice"]],
                                "specification": LIST_FIELDS,
                                "limit": 80,
                                "order": "invoice_date desc, name desc, id desc",
                            },
                        },
                    },
                )
                records.raise_for_status()
                if records.json().get("error"):
                    raise RuntimeError(str(records.json()["error"].get("message")))
                self.seconds.append(time.monotonic() - started)
            except Exception as error:  # counted and shown: a page that did not load is a finding
                self.failures.append(f"{type(error).__name__}: {error}")
            self._stop.wait(self.pause)


def webhook_attempts(stack: Stack) -> list[dict]:
    """Every delivery attempt the emulator made since its log was cleared, with its delivery's state."""
    state = stack.control.call("GET", "webhooks")
    return [
        {**attempt, "delivery_state": delivery["state"], "delivery": delivery["id"]}
        for delivery in state.get("deliveries") or []
        for attempt in delivery.get("attempts") or []
    ]


def prepare(stack: Stack, invoices: int, customers: int, prefix: str = "BP") -> list[int]:
    """Customers pushed to QuickBooks first (as they are once they have been invoiced before), then N draft
    invoices of theirs: the selection the user is about to post."""
    partner_ids = stack.create_customers(customers, prefix)
    drained, seconds = stack.wait_drained([], timeout=120 + 2 * customers)
    in_qbo = stack.ledger_counts(partner_ids, model="res.partner").get("done", 0)
    say(f"{in_qbo} of {customers} customers in QuickBooks after {seconds:.0f} s; creating {invoices} draft invoices")
    if not drained or in_qbo < customers:
        raise RuntimeError(f"only {in_qbo} of {customers} customers reached QuickBooks before the post")
    return stack.create_invoices(partner_ids, invoices, prefix, post=False, progress_every=0)


def report_post(
    report: Report, stack: Stack, drain: Drain, post_seconds: float, pages: PageLoads, attempts: list[dict]
) -> None:
    invoices = len(drain.move_ids)
    limits = stack.rate_limits()
    requests = limits["served"] - drain.limits_before["served"]
    done = stack.ledger_counts(drain.move_ids).get("done", 0)
    # From the user's click to the last invoice in QuickBooks: the post's own transaction included (its
    # jobs can only start once it commits).
    minutes = max(post_seconds + drain.seconds, 1e-9) / 60
    report.figure("invoices_in_qbo", done, f"of {invoices}")
    report.figure("post_call_seconds", round(post_seconds, 2), "s", "the user's click: action_post of the selection")
    report.figure(
        "drain_seconds",
        round(drain.seconds, 1),
        "s",
        "after the post returned" + ("" if drain.drained else ": NOT DRAINED, timeout"),
    )
    report.target("invoices_per_minute", round(done / minutes, 1), TARGET_INVOICES_PER_MINUTE, "/min", at_most=False)
    report.target("requests_per_invoice", round(requests / max(done, 1), 3), TARGET_REQUESTS_PER_INVOICE)
    report.figure("requests_by_kind", stack.request_breakdown())
    report.figure("throttled_by_emulator_429", limits["throttled"] - drain.limits_before["throttled"])
    answered = [a["seconds"] for a in attempts if a.get("seconds") is not None]
    hooks = distribution(answered)
    report.figure("webhook_attempts", len(attempts), "", "deliveries of Intuit's notifications to Odoo")
    report.target("webhook_answer_p95", hooks.get("p95"), TARGET_WEBHOOK_SECONDS, "s")
    report.target("webhook_answer_max", hooks.get("max"), TARGET_WEBHOOK_SECONDS, "s")
    refused = [a for a in attempts if not (a.get("status") and 200 <= a["status"] < 300)]
    report.target(
        "webhook_attempts_failed",
        len(refused),
        0,
        "",
    )
    waiting = sum(1 for a in attempts if a["delivery_state"] in ("retrying", "failed", "pending", "held"))
    report.figure("webhook_deliveries_not_delivered", waiting)
    loads = distribution(pages.seconds)
    report.figure("page_loads", len(pages.seconds), "", f"{len(pages.failures)} failed")
    report.target("page_load_p95", loads.get("p95"), TARGET_PAGE_SECONDS, "s")
    report.target("page_load_max", loads.get("max"), TARGET_PAGE_SECONDS, "s")
    report.target("page_loads_failed", len(pages.failures), 0)
    errors = stack.surfaced_errors()
    report.target("surfaced_429", errors["surfaced_429"], 0)
    report.figure("failed_jobs", errors["failed_jobs"])
    report.figure("retried_jobs", errors["retried_jobs"])
    duplicates = stack.qbo_duplicates()
    report.target("duplicates_in_qbo", duplicates["Invoice"] + duplicates["Customer"], 0)
    if pages.failures:
        report.note(f"first page load that failed: {pages.failures[0]}")
    report.data["webhook_seconds"] = hooks
    report.data["page_load_seconds"] = loads
    report.data["timeline"] = drain.timeline[:: max(1, len(drain.timeline) // 200)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bulkpost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--customers", type=int, help="default: a tenth of the invoices (at least 1)")
    parser.add_argument("--timeout", type=float, help="seconds to wait for the drain (default: 2 min + 1 s each)")
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    customers = options.customers or max(1, options.invoices // 10)
    report = Report(
        "bulkpost",
        {
            "invoices": options.invoices,
            "customers": customers,
            "workers": options.workers,
            "channels": options.channels,
        },
    )

    def body() -> None:
        with Stack("bulkpost", workers=options.workers, channels=options.channels, keep=options.keep) as stack:
            move_ids = prepare(stack, options.invoices, customers)
            stack.control.call("DELETE", "requests")
            stack.control.call("DELETE", "webhooks")
            drain = Drain(stack, move_ids)
            pages = PageLoads(stack)
            pages.start()
            started = time.monotonic()
            try:
                stack.rpc.execute("account.move", "action_post", move_ids, timeout=900)
                post_seconds = time.monotonic() - started
                say(f"{len(move_ids)} invoices posted in one call ({post_seconds:.1f} s); draining")
                drain.run(options.timeout or 120 + options.invoices)
                stack.wait_drained([], timeout=300)  # the notifications of the pushes are applied too
                stack.control.call("POST", "webhooks/flush")  # retries still waiting are made now, and seen
            finally:
                pages.stop()
            print(f"\n== bulkpost: {options.invoices} invoices of {customers} customers posted at once", flush=True)
            report_post(report, stack, drain, post_seconds, pages, webhook_attempts(stack))

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
