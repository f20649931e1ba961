"""Posting overhead: what the connector adds to validating an invoice.

    python -m tests.benchmarks.overhead --invoices 500

N draft invoices (customers already in QuickBooks) are posted one ``action_post`` call each through
Odoo's external API, in alternating blocks: A with the connection connected and pushing, B with the
same database and the connection's push switches off (customers and invoices).  Alternating in one
run spreads the machine's noise (other load, caches) over both.  Twice: first *settled*, each post
on a quiet server (the benchmark waits, untimed, until the post's push is done: a user validating
invoices one at a time), which the target applies to; then *back to back*, where the pushes of the
previous posts share the machine's two cores with the next post.  Target: time per post with the
connector ≤ 1.10 times without.  Exit status 0 when it ran.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from .harness import Report, Stack, add_common_arguments, distribution, say

TARGET_RATIO = 1.10


def post_alternating(stack: Stack, drafts: list[int], block: int, settle: bool) -> tuple[list[float], list[float]]:
    """Post each draft with one ``action_post`` call, A (connected) and B (sync off) in alternating blocks."""
    timings = {"A": [], "B": []}
    mode = None
    for index, move in enumerate(drafts):
        wanted = "A" if (index // block) % 2 == 0 else "B"
        if wanted != mode:
            stack.set_sync(wanted == "A")
            mode = wanted
        started = time.perf_counter()
        stack.rpc.execute("account.move", "action_post", [move])
        timings[mode].append(time.perf_counter() - started)
        if settle and mode == "A":  # until this post's push is done (later drift checks may wait)
            while stack.ledger_counts([move]).get("pending"):
                time.sleep(0.05)
    stack.set_sync(True)
    return timings["A"], timings["B"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.overhead", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=500, help="invoices posted, half A and half B (default 500)")
    parser.add_argument("--block", type=int, default=10, help="posts per block before switching A/B (default 10)")
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    report = Report(
        "overhead",
        {
            "invoices": options.invoices,
            "block": options.block,
            "workers": options.workers,
            "channels": options.channels,
        },
    )

    def body() -> None:
        with Stack("overhead", workers=options.workers, channels=options.channels, keep=options.keep) as stack:
            partners = stack.create_customers(20, "OVH")
            stack.wait_drained([], timeout=300)  # the customers are in QuickBooks: A posts for known customers
            for settle in (True, False):
                label = "settled" if settle else "back_to_back"
                say(
                    f"creating {options.invoices} draft invoices; posting them A/B, "
                    + (
                        "each on a quiet server (its push done before the next post)"
                        if settle
                        else "back to back (pushes of earlier posts running meanwhile)"
                    )
                )
                drafts = stack.create_invoices(
                    partners, options.invoices, f"OVH{label[:1].upper()}", post=False, progress_every=0
                )
                connected, disconnected = post_alternating(stack, drafts, options.block, settle)
                print(
                    f"\n== posting overhead, {label.replace('_', ' ')}: {len(connected)} posts connected (A), "
                    f"{len(disconnected)} with sync disabled (B), alternating blocks of {options.block}",
                    flush=True,
                )
                a, b = distribution(connected), distribution(disconnected)
                report.figure(f"{label}_post_connected_mean", round(a["mean"], 4), "s")
                report.figure(f"{label}_post_connected_p50_p95", f"{a['p50']:.4f} / {a['p95']:.4f}", "s")
                report.figure(f"{label}_post_sync_disabled_mean", round(b["mean"], 4), "s")
                report.figure(f"{label}_post_sync_disabled_p50_p95", f"{b['p50']:.4f} / {b['p95']:.4f}", "s")
                ratio = round(statistics.fmean(connected) / statistics.fmean(disconnected), 3)
                if settle:
                    report.target("overhead_ratio_mean", ratio, TARGET_RATIO, "x")
                else:
                    report.figure(
                        "back_to_back_overhead_ratio_mean",
                        ratio,
                        "x",
                        "2 cores shared with the pushes of the posts before",
                    )
                report.figure(
                    f"{label}_overhead_ratio_median",
                    round(statistics.median(connected) / statistics.median(disconnected), 3),
                    "x",
                )
                report.data.setdefault("samples", {})[label] = {
                    "connected": [round(v, 4) for v in connected],
                    "sync_disabled": [round(v, 4) for v in disconnected],
                }

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
