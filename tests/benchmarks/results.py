"""The README's benchmark results from a ``results.json`` of ``python -m tests.benchmarks``: a PNG of the
latency distributions (matplotlib, ``requirements-bench.txt``) and a Markdown table of each figure
next to its target.

    python -m tests.benchmarks.results tests/benchmarks/results/results.json [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

#: (benchmark, figure, label, unit) shown in the table besides the figures that have a target
SHOWN = (
    ("latency", "invoice_idle_p50", "invoice post → in QuickBooks, idle, p50", "s"),
    ("latency", "invoice_idle_max", "invoice post → in QuickBooks, idle, max", "s"),
    ("latency", "payment_idle_p50", "payment in QuickBooks → Odoo invoice paid, idle, p50", "s"),
    ("latency", "payment_idle_max", "payment in QuickBooks → Odoo invoice paid, idle, max", "s"),
    ("latency_load", "invoice_load_samples", "samples taken during the backfill", ""),
    ("latency_load", "invoice_load_p50", "invoice post → in QuickBooks, during a backfill, p50", "s"),
    ("latency_load", "invoice_load_max", "invoice post → in QuickBooks, during a backfill, max", "s"),
    ("latency_load", "payment_load_p50", "payment → paid, during a backfill, p50", "s"),
    ("latency_load", "payment_load_max", "payment → paid, during a backfill, max", "s"),
    ("backfill", "drain_seconds", "backfill drain time", "s"),
    ("backfill", "requests_per_minute", "backfill requests per minute (QuickBooks allows 500)", "/min"),
    ("backfill", "ceiling_invoices_per_minute", "ceiling in invoices (one create per invoice and customer)", "/min"),
    ("backfill", "invoices_per_minute_steady", "backfill invoices per minute, 10 % → 90 %", "/min"),
    ("backfill", "throttled_by_emulator_429", "backfill 429s served by QuickBooks", ""),
    ("backfill", "odoo_cpu_per_invoice", "Odoo's CPU per invoice (workers, runner, cron, PostgreSQL)", "s"),
    ("backfill", "emulator_cpu_per_invoice", "the emulator's CPU per invoice (it stands in for Intuit)", "s"),
    ("backfill", "jobs_per_invoice", "jobs per invoice", ""),
    ("backfill", "sql_statements_per_invoice", "SQL statements per invoice, in jobs", ""),
    ("backfill", "requests_by_kind", "backfill requests by kind", ""),
    ("latency_load", "drain_seconds", "backfill drain time (latency samples interleaved)", "s"),
    ("latency_load", "invoices_per_minute", "backfill invoices per minute (latency samples interleaved)", "/min"),
    ("two_nodes", "drain_seconds", "two nodes: drain time", "s"),
    ("two_nodes", "requests_per_minute", "two nodes: requests per minute (QuickBooks allows 500)", "/min"),
    ("two_nodes", "throttled_by_emulator_429", "two nodes: 429s served by QuickBooks", ""),
    ("realms", "single_realm_invoices_per_minute", "one realm alone, invoices per minute", "/min"),
    ("realms", "company_1_invoices_per_minute", "realm 1 of 3 at once, invoices per minute", "/min"),
    ("realms", "company_2_invoices_per_minute", "realm 2 of 3 at once, invoices per minute", "/min"),
    ("realms", "company_3_invoices_per_minute", "realm 3 of 3 at once, invoices per minute", "/min"),
    ("realms", "combined_invoices_per_minute", "three realms at once, combined invoices per minute", "/min"),
    ("realms", "company_1_requests_per_minute", "realm 1: requests per minute (its own limit: 500)", "/min"),
    ("realms", "cpu_busy_share", "share of the machine's CPU busy while the three drained", ""),
    ("realms", "all_realms_odoo_cpu_per_invoice", "three realms: Odoo's CPU per invoice", "s"),
    ("bulkpost", "post_call_seconds", "the user's post of the selection (action_post), until it returned", "s"),
    ("bulkpost", "drain_seconds", "from the post's return to the last invoice in QuickBooks", "s"),
    ("bulkpost", "webhook_attempts", "webhook deliveries to Odoo during the drain", ""),
    ("bulkpost", "page_loads", "invoice list loads during the drain", ""),
    ("bulkpost", "requests_by_kind", "requests by kind", ""),
    ("overhead", "settled_post_connected_mean", "action_post, connected, mean", "s"),
    ("overhead", "settled_post_sync_disabled_mean", "action_post, sync disabled, mean", "s"),
    ("overhead", "settled_overhead_ratio_median", "overhead ratio of the medians", "x"),
    (
        "overhead",
        "back_to_back_overhead_ratio_mean",
        "back to back (pushes running meanwhile): ratio of the means",
        "x",
    ),
)
LABELS = {
    "invoice_idle_p95": "invoice post → in QuickBooks, idle, p95",
    "payment_idle_p95": "payment in QuickBooks → Odoo invoice paid, idle, p95",
    "invoice_load_p95": "invoice post → in QuickBooks, during a backfill, p95",
    "payment_load_p95": "payment → paid, during a backfill, p95",
    "invoices_per_minute": "invoices per minute",
    "requests_per_invoice": "requests per invoice",
    "surfaced_429": "429s surfaced to the user",
    "duplicates_in_qbo": "duplicates in QuickBooks",
    "overhead_ratio_mean": "posting time connected / sync disabled (means), each post on a quiet server",
    "reconcile_seconds_at_100000": "reconciliation wall time at 100,000 invoices",
    "reconcile_odoo_seconds_at_100000": "the same, less the time QuickBooks (the emulator) took to answer",
    "memory_growth_ratio_largest_to_smallest": "reconciliation memory growth, largest / smallest size",
    "scaling_vs_one_realm": "three realms at once / one realm alone (invoices per minute)",
    "wrong_realm_missing_or_duplicated": "documents in the wrong realm, missing or twice",
    "books_seconds_at_100000": "books comparison wall time at 1,000 accounts and 100,000 journal items",
    "books_odoo_seconds_at_100000": "the same, less the time QuickBooks (the emulator) took to answer",
    "books_memory_growth_ratio": "books comparison memory growth, largest / smallest size",
    "webhook_answer_p95": "Odoo's answer to a webhook delivery, p95",
    "webhook_answer_max": "Odoo's answer to a webhook delivery, max",
    "webhook_attempts_failed": "webhook deliveries refused or unanswered",
    "page_load_p95": "invoice list load (page and its 80 records), p95",
    "page_load_max": "invoice list load (page and its 80 records), max",
    "page_loads_failed": "invoice list loads that failed",
}
TITLES = {
    "latency": "Latency, idle",
    "latency_load": "Latency during a backfill",
    "backfill": "Backfill (one node)",
    "two_nodes": "Backfill, two Odoo nodes",
    "realms": "Backfill, three realms at once",
    "overhead": "Posting overhead",
    "reconciliation": "Reconciliation",
    "books": "Books comparison",
    "bulkpost": "Posting a selection of invoices",
    "cutover": "Import from QuickBooks",
}
ORDER = (
    "latency",
    "latency_load",
    "backfill",
    "bulkpost",
    "two_nodes",
    "realms",
    "overhead",
    "reconciliation",
    "books",
    "cutover",
)


def _shown(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _size(name: str, data: dict) -> str:
    size = data.get("size") or {}
    if name == "latency":
        return f"{size.get('samples')} samples of each"
    if name == "latency_load":
        return f"{size.get('samples')} samples of each, during a backfill of {size.get('load_invoices'):,}"
    if name in ("backfill", "two_nodes"):
        return (
            f"{size.get('invoices'):,} invoices, {size.get('customers'):,} new customers, {size.get('nodes')} node(s)"
        )
    if name == "bulkpost":
        return (
            f"{size.get('invoices'):,} draft invoices of {size.get('customers'):,} customers already in "
            "QuickBooks, posted in one call"
        )
    if name == "realms":
        return (
            f"{size.get('realms')} companies, {size.get('invoices'):,} invoices and {size.get('customers'):,} "
            "new customers each"
        )
    if name == "overhead":
        posts = size.get("invoices")
        return f"{posts} posts settled and {posts} back to back, A/B blocks of {size.get('block')}"
    if name == "reconciliation":
        return "open invoices on both sides: " + ", ".join(f"{s:,}" for s in size.get("sizes", []))
    if name == "books":
        items = ", ".join(f"{s:,}" for s in size.get("sizes", []))
        return f"{size.get('accounts', 0):,} accounts mapped, journal items on both sides: {items}"
    return json.dumps(size)


def _when(data: dict, channels: str) -> str:
    """When a benchmark ran, how loaded the machine was at its end (5-minute load average; above the
    number of cores, other work shared them) and its Odoo configuration when not the usual one."""
    parts = [f"run {data['date'][:16].replace('T', ' ')} UTC"] if data.get("date") else []
    load = ((data.get("machine_at_end") or {}).get("load_average") or [None, None])[1]
    if load is not None:
        parts.append(f"load {load:.1f}")
    size = data.get("size") or {}
    if size.get("channels") and (size.get("channels") != channels or size.get("workers") != 2):
        parts.append(f"{size.get('workers')} HTTP workers, channels `{size['channels']}`")
    return f" ({', '.join(parts)})" if parts else ""


def table(results: dict) -> str:
    benchmarks = results.get("benchmarks", {})
    dates = sorted(d.get("date", "") for d in benchmarks.values() if d.get("date"))
    machine = next((d.get("machine") for d in benchmarks.values() if d.get("machine")), {}) or {}
    used = Counter(
        (d.get("size") or {}).get("channels") for d in benchmarks.values() if (d.get("size") or {}).get("channels")
    )
    channels = used.most_common(1)[0][0] if used else "?"
    span = (
        f"{dates[0][:10]} to {dates[-1][:10]}"
        if dates and dates[0][:10] != dates[-1][:10]
        else (dates[0][:10] if dates else "?")
    )
    lines = [
        f"Runs of {span} (size `{results.get('size')}`), on a machine with "
        f"{machine.get('cores', '?')} cores ({machine.get('system', '')} {machine.get('machine', '')}, Python "
        f"{machine.get('python', '?')}); Odoo with the HTTP workers of the repository's odoo.conf when it ran "
        "(each benchmark's JSON says how many), the cron worker and queue_job's runner "
        f"(channels `{channels}`) unless said otherwise; the emulator with QuickBooks' limits (500 "
        f"requests/min/realm, 10 concurrent, 40 batch calls/min, one-minute window). Each benchmark says "
        f"when it ran and the machine's load average (5 min) at its end: above {machine.get('cores', 2)}, "
        "other work shared the cores.",
        "",
        "| benchmark | size | figure | measured | target | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in ORDER:
        data = benchmarks.get(name)
        if not data:
            continue
        title, size = TITLES[name], _size(name, data) + _when(data, channels)
        if data.get("error") or data.get("exit_status"):
            why = data.get("error") or f"exit {data.get('exit_status')}"
            lines.append(f"| {title} | {size} | did not run | {why} | | |")
            continue
        figures = data.get("figures", {})
        rows = []
        for key, target in data.get("targets", {}).items():
            sign = "≤" if target.get("at_most", True) else "≥"
            rows.append(
                (
                    LABELS.get(key, key),
                    f"{_shown(target['value'])} {target.get('unit', '')}".strip(),
                    f"{sign} {_shown(target['target'])} {target.get('unit', '')}".strip(),
                    target["verdict"],
                )
            )
        for bench, key, label, unit in SHOWN:
            if bench == name and key in figures:
                rows.append((label, f"{_shown(figures[key])} {unit}".strip(), "", ""))
        if name == "reconciliation":
            for run in data.get("runs", []):
                rows.append(
                    (
                        f"{run['invoices']:,} invoices: wall time (of which QuickBooks answering), worker "
                        f"memory growth, result",
                        f"{run['seconds']} s ({run.get('qbo_seconds', '?')} s, {run.get('qbo_requests', '?')} "
                        f"requests), {run['memory_growth_mib']} MiB, {run['state']}",
                        "",
                        "",
                    )
                )
        if name == "books":
            for run in data.get("runs", []):
                rows.append(
                    (
                        f"{run['items']:,} journal items: wall time (of which QuickBooks answering), worker memory "
                        "growth, verdict",
                        f"{run['seconds']} s ({run.get('qbo_seconds', '?')} s, {run.get('qbo_requests', '?')} "
                        f"requests), {run['memory_growth_mib']} MiB, {run['books_state']} "
                        f"({run['books_line_count']} lines, {run['books_unexplained_count']} unexplained)",
                        "",
                        "",
                    )
                )
        for label, value, target, state in rows:
            lines.append(f"| {title} | {size} | {label} | {value} | {target} | {state} |")
            title = size = ""
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> bool:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    benchmarks = results.get("benchmarks", {})
    series = {}
    for name, label in (("latency", "idle"), ("latency_load", "during a backfill")):
        samples = (benchmarks.get(name) or {}).get("samples") or {}
        for key, values in samples.items():
            kind = key.split("_")[0]
            if values:
                series[kind, label] = sorted(values)
    if not series:
        return False
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, (kind, title, target) in zip(
        axes,
        (
            ("invoice", "Invoice posted in Odoo → in QuickBooks", 2.0),
            ("payment", "Payment in QuickBooks → invoice paid in Odoo", 5.0),
        ),
        strict=True,
    ):
        for label in ("idle", "during a backfill"):
            values = series.get((kind, label))
            if values:
                shares = [(index + 1) / len(values) for index in range(len(values))]
                axis.step(values, shares, where="post", label=f"{label} (n={len(values)})")
        axis.axvline(target, color="red", linestyle="--", linewidth=1, label=f"target p95 ≤ {target:g} s")
        axis.axhline(0.95, color="grey", linestyle=":", linewidth=1)
        axis.set_xscale("log")
        axis.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _pos: f"{value:g}"))
        axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        axis.set_xlabel("seconds (log scale)")
        axis.set_ylabel("share of samples")
        axis.set_title(title, fontsize=10)
        axis.legend(fontsize=8, loc="lower right")
        axis.grid(True, which="both", alpha=0.3)
    figure.suptitle("Latency distributions (cumulative)", fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def render(summary: Path, out: Path) -> None:
    results = json.loads(Path(summary).read_text(encoding="utf-8"))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(table(results), encoding="utf-8")
    print(f"table: {out / 'results.md'}", flush=True)
    if plot(results, out / "latency.png"):
        print(f"plot: {out / 'latency.png'}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.results", description=__doc__.split("\n\n")[0])
    parser.add_argument("summary", help="results.json written by python -m tests.benchmarks")
    parser.add_argument("--out", help="directory of the PNG and the table (default: next to the JSON)")
    options = parser.parse_args(argv)
    render(Path(options.summary), Path(options.out) if options.out else Path(options.summary).parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
