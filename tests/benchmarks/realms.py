"""Bulk backfill with several QuickBooks companies at once: a holding whose Odoo companies each sync with
their own realm, every one draining a backlog through the bulk wizard at the same time.

    python -m tests.benchmarks.realms --invoices 1500 --realms 3

QuickBooks' limits are per realm (500 requests a minute each), so three realms may take three times
what one takes.  The run first drains one company's backlog alone (the single-realm rate on this
machine, with this configuration), then one backlog in each of ``--realms`` companies at once, and
prints each realm's rate, the combined rate and their ratio to the single-realm rate (target: close
to the number of realms), each realm's requests a minute against its own limit, the 429s a user would
see (0), the documents pushed to the wrong realm or twice (0), and how busy the machine's cores were
(when they are saturated, the machine bounds the combined rate, not QuickBooks).
Exit status 0 when it ran (whatever the figures), 2 when it could not run.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter

from .backfill import prepare, push_with_wizard
from .harness import QBO_PER_MINUTE, Report, Stack, add_common_arguments, say

#: "Close to N times": at least 90 % of N times the single-realm rate.
TARGET_SCALING_SHARE = 0.9
#: Realm ids of the companies the emulator serves besides its start-up realm (US companies, like it).
EXTRA_REALMS = ("9130354000000301", "9130354000000302", "9130354000000303", "9130354000000304")


class CpuMeter:
    """The share of the machine's CPU time spent busy between ``start()`` and ``stop()`` (``/proc/stat``):
    near 1.0 the cores, not QuickBooks' limit, bound the rate."""

    @staticmethod
    def _sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    def start(self) -> None:
        self.first = self._sample()

    def stop(self) -> float | None:
        total, idle = self._sample()
        spent = total - self.first[0]
        return round(1 - (idle - self.first[1]) / spent, 3) if spent > 0 else None


class Company:
    """One Odoo company, its connection, its realm and its backlog."""

    def __init__(self, name: str, company_id: int, backend_id: int, tax_id: int, realm_id: str) -> None:
        self.name, self.company_id, self.backend_id, self.tax_id, self.realm_id = (
            name,
            company_id,
            backend_id,
            tax_id,
            realm_id,
        )
        self.move_ids: list[int] = []
        self.timeline: list[tuple[float, int]] = []
        self.drained_at: float | None = None

    def rate(self) -> float | None:
        """Invoices a minute from the wizard to this company's last document in QuickBooks."""
        done = self.timeline[-1][1] if self.timeline else 0
        return done / self.drained_at * 60 if self.drained_at else None


def backlog(stack: Stack, company: Company, invoices: int, customers: int, prefix: str) -> None:
    """Customers and posted invoices of ``company`` made while its connection's push switches are off."""
    company.move_ids = prepare(
        stack,
        invoices,
        customers,
        prefix,
        company_id=company.company_id,
        backend_id=company.backend_id,
        tax_id=company.tax_id,
        progress_every=0,
    )
    say(f"{company.name}: {customers} customers and {invoices} posted invoices waiting")


def drain(stack: Stack, companies: list[Company], timeout: float) -> float:
    """Push every company's backlog with its bulk wizard at once, then follow each to its end; seconds."""
    started = time.monotonic()
    threads = [
        threading.Thread(target=push_with_wizard, args=(stack,), kwargs={"backend_id": c.backend_id}) for c in companies
    ]  # the managers of the companies press Push at the same moment
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    last_print = 0.0
    while True:
        now = time.monotonic() - started
        for company in companies:
            if company.drained_at is not None:
                continue
            counts = stack.ledger_counts(company.move_ids, backend_id=company.backend_id)
            company.timeline.append((now, counts.get("done", 0)))
            if counts.get("pending", 0) == 0 and counts.get("done", 0) + counts.get("failed", 0) >= len(
                company.move_ids
            ):
                company.drained_at = now
        if all(c.drained_at is not None for c in companies):
            return max(c.drained_at for c in companies)
        if now - last_print > 30:
            last_print = now
            say("  " + ", ".join(f"{c.name} {c.timeline[-1][1]}/{len(c.move_ids)}" for c in companies))
        if now > timeout:
            return now
        time.sleep(2)


def realm_requests(stack: Stack, realm_id: str) -> list[dict]:
    """The emulator's log of the API requests one realm served since it was last cleared."""
    return stack.control.call("GET", f"realms/{realm_id}/requests") or []


def wrong_realm_or_twice(
    stack: Stack, companies: list[Company], prefixes: dict[str, tuple[str, ...]], expected: dict[str, int]
) -> int:
    """Invoices and customers QuickBooks holds in a realm not of their Odoo company, held twice in one
    realm, or missing (each company's customers are named after its backlogs' prefixes)."""
    found = 0
    for company in companies:
        base = "" if company.realm_id == stack.realm_id else f"realms/{company.realm_id}/"
        invoices = stack.control.call("GET", f"{base}entities/Invoice") or []
        customers = stack.control.call("GET", f"{base}entities/Customer") or []
        numbers = Counter(str(o.get("DocNumber")) for o in invoices)
        found += sum(n - 1 for n in numbers.values() if n > 1)
        names = Counter(str(c.get("DisplayName")) for c in customers)
        found += sum(n - 1 for n in names.values() if n > 1)
        own = prefixes[company.realm_id]
        found += sum(1 for name in names if name.startswith("R") and not name.startswith(own))
        found += abs(len(invoices) - expected[company.realm_id])
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.realms", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1500, help="invoices in each company's backlog")
    parser.add_argument("--realms", type=int, default=3, help=f"companies at once (2 to {len(EXTRA_REALMS) + 1})")
    parser.add_argument("--timeout", type=float, help="seconds to wait for a drain (default: 3 min + 0.5 s each)")
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    realms = max(2, min(options.realms, len(EXTRA_REALMS) + 1))
    customers = max(1, options.invoices // 10)
    report = Report(
        "realms",
        {
            "invoices": options.invoices,
            "customers": customers,
            "realms": realms,
            "workers": options.workers,
            "channels": options.channels,
        },
    )
    extra = EXTRA_REALMS[: realms - 1]

    def body() -> None:
        with Stack(
            "realms",
            workers=options.workers,
            channels=options.channels,
            keep=options.keep,
            emulator_realms=tuple(f"{realm}:us" for realm in extra),
        ) as stack:
            timeout = options.timeout or 180 + 0.5 * options.invoices * realms
            first = Company("Company 1", stack.company_ids[0], stack.backend_id, stack.tax_id, stack.realm_id)
            companies = [first]
            for index, realm in enumerate(extra, start=2):
                name = f"Company {index}"
                company_id = stack.add_company(f"Holding {name}")
                backend_id, tax_id, _journal = stack.connect_company(company_id, realm, name=f"QuickBooks {name}")
                companies.append(Company(name, company_id, backend_id, tax_id, realm))
                say(f"{name} connected to realm {realm}")

            # One realm alone: the rate to compare with, same machine, same configuration.
            alone = Company(first.name, first.company_id, first.backend_id, first.tax_id, first.realm_id)
            backlog(stack, alone, options.invoices, customers, "R1A")
            stack.control.call("DELETE", "requests")
            single_meter = stack.cost_meter()
            single_seconds = drain(stack, [alone], timeout)
            stack.wait_drained([], timeout=300)
            single_cost = stack.read_cost(single_meter)
            single = alone.rate() or 0.0
            say(f"one realm alone: {single:.1f} invoices a minute ({single_seconds:.0f} s)")

            for index, company in enumerate(companies, start=1):
                backlog(stack, company, options.invoices, customers, f"R{index}B")
            stack.control.call("DELETE", "requests")
            cpu = CpuMeter()
            cpu.start()
            together_meter = stack.cost_meter()
            seconds = drain(stack, companies, timeout)
            busy = cpu.stop()
            logs = {company.realm_id: realm_requests(stack, company.realm_id) for company in companies}
            stack.wait_drained([], timeout=300)  # the jobs that follow the pushes (their notifications) count too
            together_cost = stack.read_cost(together_meter)

            print(
                f"\n== realms: {realms} companies at once, {options.invoices} invoices and {customers} new "
                f"customers each",
                flush=True,
            )
            report.figure(
                "single_realm_invoices_per_minute",
                round(single, 1),
                "/min",
                f"one company alone, {options.invoices} invoices, {single_seconds:.0f} s",
            )
            total_done = 0
            for company in companies:
                done = company.timeline[-1][1] if company.timeline else 0
                total_done += done
                log = logs[company.realm_id]
                minutes = max(company.drained_at or seconds, 1e-9) / 60
                throttled = sum(1 for entry in log if entry.get("status") == 429)
                key = company.name.lower().replace(" ", "_")
                report.figure(
                    f"{key}_invoices_per_minute",
                    round(company.rate() or 0.0, 1),
                    "/min",
                    f"realm {company.realm_id}: {done} of {len(company.move_ids)} in "
                    f"{company.drained_at or seconds:.0f} s",
                )
                report.figure(
                    f"{key}_requests_per_minute",
                    round(len(log) / minutes, 1),
                    "/min",
                    f"its own limit: {QBO_PER_MINUTE}; {throttled} answered 429",
                )
            combined = total_done / max(seconds, 1e-9) * 60
            report.figure(
                "combined_invoices_per_minute",
                round(combined, 1),
                "/min",
                f"{total_done} invoices of {realms} companies in {seconds:.0f} s",
            )
            report.target(
                "scaling_vs_one_realm",
                round(combined / single, 2) if single else None,
                round(TARGET_SCALING_SHARE * realms, 2),
                "x",
                at_most=False,
            )
            report.figure(
                "cpu_busy_share",
                busy,
                "",
                "of the machine's cores, while the companies drained together; near 1 the machine bounds the rate",
            )
            stack.report_cost(report, single_cost, len(alone.move_ids), "one_realm_")
            stack.report_cost(report, together_cost, total_done, "all_realms_")
            errors = stack.surfaced_errors()
            report.target("surfaced_429", errors["surfaced_429"], 0)
            report.figure("failed_jobs", errors["failed_jobs"])
            prefixes = {c.realm_id: (f"R{i}B",) for i, c in enumerate(companies, start=1)}
            prefixes[first.realm_id] = ("R1A", "R1B")
            expected = {c.realm_id: len(c.move_ids) for c in companies}
            expected[first.realm_id] += len(alone.move_ids)
            report.target(
                "wrong_realm_missing_or_duplicated", wrong_realm_or_twice(stack, companies, prefixes, expected), 0
            )

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
