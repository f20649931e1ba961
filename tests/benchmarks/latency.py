"""Latency: how long until an invoice a user validates is in QuickBooks, and until a payment the CPA
records in QuickBooks marks the Odoo invoice paid; idle, or under load (``--load N``: while the bulk
wizard drains a backlog of N invoices for N/10 new customers, as in ``tests.benchmarks.backfill``).

    python -m tests.benchmarks.latency --invoices 200                # idle
    python -m tests.benchmarks.latency --invoices 200 --load 5000    # during a 5,000-invoice backfill

Each sample: a draft invoice is posted through Odoo's external API (``action_post``), half of them
for a customer already in QuickBooks and half for a customer created just before; the clock starts
when ``action_post`` returns and stops when the invoice's sync ledger row says it is in QuickBooks
(written in the push's own transaction, after QuickBooks answered: an upper bound of the time it
exists in QuickBooks).  Then the CPA records a payment of the invoice in QuickBooks (the emulator's
control API, a change made in QuickBooks' screens; the emulator sends Odoo the signed webhook as Intuit
does); the clock starts when QuickBooks stored it and stops when Odoo shows the invoice paid.
Targets: invoice p95 ≤ 2 s, payment p95 ≤ 5 s, idle and under load.  Exit status 0 when it ran.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

from .backfill import Drain, prepare, push_with_wizard, report_drain
from .harness import Report, Stack, add_common_arguments, distribution, say

TARGET_INVOICE_P95 = 2.0
TARGET_PAYMENT_P95 = 5.0
POLL = 0.05


class Sampler:
    def __init__(self, stack: Stack, timeout: float = 300) -> None:
        self.stack = stack
        self.timeout = timeout
        self.invoice: list[dict] = []
        self.payment: list[dict] = []
        self.known_customers: list[int] = []
        self.count = 0

    def warm_up(self, customers: int = 5) -> None:
        """Customers already in QuickBooks (pushed when created, as the connection does)."""
        ids = self.stack.create_customers(customers, "LAT-KNOWN")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            done = self.stack.ledger_counts(ids, model="res.partner").get("done", 0)
            if done >= len(ids):
                break
            time.sleep(0.5)
        self.known_customers = ids

    def _wait(self, check, what: str) -> float | None:
        started = time.monotonic()
        while time.monotonic() - started < self.timeout:
            if check():
                return time.monotonic() - started
            time.sleep(POLL)
        say(f"  {what}: not seen within {self.timeout:.0f} s")
        return None

    def sample(self, during_load: bool) -> None:
        rpc = self.stack.rpc
        index = self.count
        self.count += 1
        new_customer = index % 2 == 1
        if new_customer:
            partner = self.stack.create_customers(1, f"LAT-NEW{index:05d}")[0]
        else:
            partner = self.known_customers[index // 2 % len(self.known_customers)]
        move = rpc.execute("account.move", "create", self.stack.invoice_values(partner, f"LAT-{index:05d}", lines=1))
        rpc.execute("account.move", "action_post", [move])
        started = time.monotonic()

        def in_qbo():
            rows = rpc.execute(
                "quickbooks.sync.state",
                "search_read",
                [["res_model", "=", "account.move"], ["res_id", "=", move], ["state", "=", "done"]],
                ["qbo_id"],
            )
            return rows[0]["qbo_id"] if rows else None

        seconds = self._wait(in_qbo, f"invoice {index}")
        if seconds is None:
            self.invoice.append({"seconds": None, "new_customer": new_customer, "load": during_load})
            return
        seconds = time.monotonic() - started
        self.invoice.append({"seconds": round(seconds, 3), "new_customer": new_customer, "load": during_load})
        qbo_id = in_qbo()
        invoice = self.stack.control.call("GET", f"entities/Invoice/{qbo_id}")
        balance = round(float(invoice.get("Balance") or 0), 2)
        self.stack.control.call(
            "POST",
            "entities/Payment",
            {
                "CustomerRef": invoice["CustomerRef"],
                "TotalAmt": balance,
                "TxnDate": self.stack.today,
                "PaymentRefNum": f"LAT-{index:05d}",
                "Line": [{"Amount": balance, "LinkedTxn": [{"TxnId": str(qbo_id), "TxnType": "Invoice"}]}],
            },
        )
        recorded = time.monotonic()

        def paid():
            state = rpc.execute("account.move", "read", [move], ["payment_state"])[0]["payment_state"]
            return state in ("paid", "in_payment")

        seconds = self._wait(paid, f"payment {index}")
        self.payment.append(
            {
                "seconds": None if seconds is None else round(time.monotonic() - recorded, 3),
                "new_customer": new_customer,
                "load": during_load,
            }
        )


def report_latency(report: Report, sampler: Sampler, label: str, during_load: bool) -> None:
    for kind, samples, target in (
        ("invoice", sampler.invoice, TARGET_INVOICE_P95),
        ("payment", sampler.payment, TARGET_PAYMENT_P95),
    ):
        chosen = [s for s in samples if s["load"] == during_load]
        values = [s["seconds"] for s in chosen if s["seconds"] is not None]
        stats = distribution(values)
        report.figure(
            f"{kind}_{label}_samples",
            len(chosen),
            "",
            f"{len(chosen) - len(values)} never seen" if len(chosen) != len(values) else "",
        )
        report.figure(f"{kind}_{label}_p50", stats["p50"], "s")
        report.target(f"{kind}_{label}_p95", stats["p95"], target, "s")
        report.figure(f"{kind}_{label}_max", stats["max"], "s")
        for new in (False, True):
            part = [s["seconds"] for s in chosen if s["new_customer"] == new and s["seconds"] is not None]
            if part:
                stats = distribution(part)
                report.figure(
                    f"{kind}_{label}_{'new' if new else 'known'}_customer_p50_p95",
                    f"{stats['p50']} / {stats['p95']}",
                    "s",
                )
        report.data.setdefault("samples", {})[f"{kind}_{label}"] = values


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=200, help="samples of each kind (default 200)")
    parser.add_argument(
        "--load", type=int, default=0, help="measure during a backfill of this many invoices (default 0: idle)"
    )
    parser.add_argument("--timeout", type=float, help="seconds to wait for the backfill's drain")
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    name = "latency_load" if options.load else "latency"
    customers = max(1, options.load // 10)
    report = Report(
        name,
        {
            "samples": options.invoices,
            "load_invoices": options.load,
            "load_customers": customers if options.load else 0,
            "workers": options.workers,
            "channels": options.channels,
        },
    )

    def body() -> None:
        with Stack(name, workers=options.workers, channels=options.channels, keep=options.keep) as stack:
            sampler = Sampler(stack)
            sampler.warm_up()
            if not options.load:
                say(f"idle: {options.invoices} invoices and payments, one after the other")
                for _index in range(options.invoices):
                    sampler.sample(during_load=False)
                print(f"\n== latency, idle: {options.invoices} samples", flush=True)
                report_latency(report, sampler, "idle", False)
            else:
                move_ids = prepare(stack, options.load, customers)
                drain = Drain(stack, move_ids)
                stack.control.call("DELETE", "requests")
                push_with_wizard(stack)
                watcher = threading.Thread(
                    target=drain.run, args=(options.timeout or 180 + 0.5 * options.load,), daemon=True
                )
                watcher.start()
                time.sleep(3)  # the look-ups are done and the pushes queued: the backlog is draining
                say(f"under load: sampling while the backlog of {options.load} drains")
                while sampler.count < options.invoices and not drain.finished.is_set():
                    sampler.sample(during_load=True)
                    if sampler.count % 20 == 0:
                        say(f"  {sampler.count} samples taken during the backfill")
                during = sampler.count
                watcher.join()
                stack.wait_drained([], timeout=300)  # the notifications of the pushes are counted too
                print(
                    f"\n== latency under load: {during} samples during a backfill of {options.load} invoices",
                    flush=True,
                )
                report_latency(report, sampler, "load", True)
                if during < options.invoices:
                    report.note(
                        f"the backlog drained after {during} samples of {options.invoices}: a larger "
                        f"--load keeps it busy longer"
                    )
                print(f"\n== the backfill itself ({options.load} invoices, latency samples interleaved)", flush=True)
                report_drain(report, stack, drain, options.load, customers)

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
