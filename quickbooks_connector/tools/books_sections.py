"""The parts of a books comparison, from both sides' figures: the trial balance per QuickBooks account, the
profit and loss per account and month, the aging per customer and vendor (where each Odoo account is compared:
:mod:`.books_routes`).  Each part returns the lines to store, their comparisons and the largest entries of
each explanation.
"""

from datetime import date, timedelta
from decimal import Decimal

from odoo.tools import SQL

from .. import const
from ..qbo import books, reports
from . import books_figures as figures
from .books_routes import CLASS_GROUPS, Chart, LineSpec, Routes, decimal, odoo_group


def _describe(spec: LineSpec, routes: Routes, key) -> None:
    chart = routes.chart
    kind, ref = key[0], key[1]
    if kind == "qbo":
        account = chart.by_id.get(ref)
        spec.qbo_account = account
        spec.name = chart.label(ref)
        classification = chart.classification(ref)
        spec.account_group = CLASS_GROUPS.get(classification, "asset")
        spec.normal_side = "credit" if classification in reports.CREDIT_NORMAL else "debit"
        spec.account_ids = routes.members.get(ref, [])
        spec.mapping = "mapped" if ref in routes.targets or ref == chart.retained_earnings else "qbo_only"
        spec.ledger_accounts = (ref,) if account else ()
        derived = [a for a in spec.account_ids if a in routes.derived]
        if derived:
            spec.note = "; ".join(
                routes.env._(
                    "counts %(account)s, the outstanding payments account of %(journals)s",
                    account=f"{routes.account(a).code} {routes.account(a).name}",
                    journals=", ".join(routes.derived_note[a]),
                )
                for a in derived
            )
    else:
        account = routes.account(ref)
        spec.name = f"{account.code} {account.name}" if account.code else account.name
        spec.account_group = odoo_group(account.account_type)
        spec.normal_side = "credit" if spec.account_group in ("liability", "equity", "income") else "debit"
        spec.account_ids = [ref]
        spec.mapping = "odoo_only"


def _add_entries(specs: dict, rows, key_of) -> None:
    """Name the largest entries of each (key, status) from :func:`figures.top_entries` rows."""
    for row in rows:
        *partition, status, move_id, name, amount, sync_id, _rank = row
        found = key_of(*partition, status)
        if not found:
            continue
        key, status = found
        spec = specs.get(key)
        if spec is not None:
            spec.entries.setdefault(status, []).append((move_id, name, decimal(amount), sync_id))
    for spec in specs.values():
        for entries in spec.entries.values():
            entries.sort(key=lambda entry: (-abs(entry[2]), entry[0]))
            del entries[const.BOOKS_ENTRIES_NAMED :]


# ----------------------------------------------------------------------------- trial balance
def trial_balance(env, routes: Routes, trial: dict[str, Decimal], day: date, fiscal_start: date, tolerance):
    rows = figures.account_balances(env, fiscal_start)
    routes.prefetch(row[0] for row in rows)
    shares = books.routed(((a, e, s, decimal(b)) for a, e, s, b, _n in rows), {a: routes.route(a) for a, *_ in rows})
    counts: dict = {}
    for account, earlier, status, _balance, entries in rows:
        route = routes.route(account)
        if earlier and route.earlier_key is not None:
            key, status = route.earlier_key, route.earlier_status or status
        else:
            key = route.key
        counts[(key, status)] = counts.get((key, status), 0) + entries
    compared_keys = {("qbo", target) for target in routes.targets} | {key for key, _s, _a in shares}
    if routes.closes_into_retained_earnings():
        compared_keys.add(("qbo", routes.chart.retained_earnings))
    whole = {key: "unmapped" for key, _s, _a in shares if key[0] == "odoo"}
    whole |= {("qbo", qbo_id): "unmapped" for qbo_id in trial if ("qbo", qbo_id) not in compared_keys}
    comparisons = books.compare(shares, {("qbo", k): v for k, v in trial.items()}, whole, tolerance)
    specs = {}
    for key, comparison in comparisons.items():
        if not (comparison.odoo or comparison.qbo):
            continue
        spec = LineSpec("trial_balance", key, "", comparison, "", "")
        _describe(spec, routes, key)
        spec.cumulative = spec.account_group in ("asset", "liability", "equity")
        spec.period = env._("Balance at %s", day)
        spec.period_start, spec.period_end = fiscal_start, day
        spec.counts = {status: n for (k, status), n in counts.items() if k == key and status != books.SENT}
        if key == ("qbo", routes.chart.retained_earnings) or (routes.unaffected and key == ("odoo", routes.unaffected)):
            closing = env._(
                "includes the result of the fiscal years before %s: QuickBooks closes each year into Retained "
                "Earnings, Odoo's reports show it on its unaffected earnings account",
                fiscal_start,
            )
            spec.note = "; ".join(part for part in (spec.note, closing) if part)
        specs[key] = spec

    def key_of(account, earlier, status):
        route = routes.route(account)
        if earlier and route.earlier_key is not None:
            return route.earlier_key, route.earlier_status or status
        return route.key, status

    partition = SQL("l.account_id, l.date < %s", fiscal_start)
    _add_entries(specs, figures.top_entries(env, partition, SQL(""), const.BOOKS_ENTRIES_NAMED), key_of)
    return specs


# ----------------------------------------------------------------------------- profit and loss
def months(day: date, count: int = const.BOOKS_MONTHS) -> list[tuple[date, date]]:
    """The ``count`` months up to ``day`` (the last one ends on ``day``), oldest first."""
    out = []
    start = day.replace(day=1)
    end = day
    for _index in range(count):
        out.append((start, end))
        end = start - timedelta(days=1)
        start = end.replace(day=1)
    return out[::-1]


def profit_and_loss(env, routes: Routes, monthly: dict[date, dict[str, Decimal]], periods, tolerance):
    """``monthly``: first day of the month -> QuickBooks' ProfitAndLoss of that month (account Id -> net debit)."""
    start = periods[0][0]
    ends = dict(periods)
    rows = figures.monthly_balances(env, start)
    shares, counts = [], {}
    for account, month, status, balance, entries in rows:
        base = routes.pl_key(account)
        if base is None or month not in ends:
            continue
        shares.append(((base, month), status, decimal(balance)))
        counts[((base, month), status)] = counts.get(((base, month), status), 0) + entries
    qbo = {(("qbo", qbo_id), month): amount for month, amounts in monthly.items() for qbo_id, amount in amounts.items()}
    whole = {key: "unmapped" for key, _s, _a in shares if key[0][0] == "odoo"}
    whole |= {key: "unmapped" for key in qbo if key[0][1] not in routes.targets}
    comparisons = books.compare(shares, qbo, whole, tolerance)
    specs, matched = {}, 0
    for key, comparison in comparisons.items():
        if comparison.state == "match":
            matched += bool(comparison.odoo or comparison.qbo)
            continue
        base, month = key
        spec = LineSpec("profit_loss", key, "", comparison, "", "")
        _describe(spec, routes, base)
        spec.period = month.strftime("%Y-%m")
        spec.period_start, spec.period_end = month, ends[month]
        spec.counts = {status: n for (k, status), n in counts.items() if k == key and status != books.SENT}
        specs[key] = spec

    def key_of(account, month, status):
        base = routes.pl_key(account)
        return ((base, month), status) if base else None

    partition = SQL("l.account_id, date_trunc('month', l.date)::date")
    extra = SQL("AND l.date >= %s AND a.account_type IN %s", start, figures.INCOME_STATEMENT_TYPES)
    if specs:
        _add_entries(specs, figures.top_entries(env, partition, extra, const.BOOKS_ENTRIES_NAMED), key_of)
    return specs, matched


# ----------------------------------------------------------------------------- aging
SIDES = {"asset_receivable": "receivable", "liability_payable": "payable"}


def aging(env, backend, chart: Chart, qbo_rows: dict, bindings: dict, day: date, tolerance, unapplied=None):
    """``qbo_rows``: side -> the aging report's rows (:func:`reports.aging`); ``bindings``: side -> QuickBooks
    customer (vendor) Id -> (partner, currency code or "" for the home currency); ``unapplied``: QuickBooks'
    unapplied customer payments (home currency) or None when not read."""
    home = backend.company_id.currency_id.name
    bound = {
        (side, partner, code or home): qbo_id
        for side, pairs in bindings.items()
        for qbo_id, (partner, code) in pairs.items()
    }
    rows = figures.partner_balances(env)
    shares, counts = [], {}

    def key_for(account_type, partner, currency):
        side = SIDES[account_type]
        qbo_id = bound.get((side, partner, currency))
        return (side, "qbo", qbo_id) if qbo_id else (side, "odoo", partner or 0, currency)

    for account_type, partner, currency, status, balance, entries in rows:
        key = key_for(account_type, partner, currency)
        shares.append((key, status, decimal(balance)))
        counts[(key, status)] = counts.get((key, status), 0) + entries
    qbo = {}
    for side, found in qbo_rows.items():
        sign = 1 if side == "receivable" else -1
        for qbo_id, row in found.items():
            qbo[(side, "qbo", qbo_id)] = sign * row.total
    known = {(side, "qbo", qbo_id) for side, pairs in bindings.items() for qbo_id in pairs}
    whole = {key: "unmapped" for key in qbo if key not in known}
    if unapplied is not None:
        shares += [
            (("receivable", "unapplied"), status, decimal(amount)) for status, amount in figures.unapplied_credits(env)
        ]
        qbo[("receivable", "unapplied")] = -unapplied
    comparisons = books.compare(shares, qbo, whole, tolerance)
    receivable_accounts, payable_accounts = chart.of_type("Accounts Receivable"), chart.of_type("Accounts Payable")
    partners = env["res.partner"].sudo()
    specs = {}
    for key, comparison in comparisons.items():
        if not (comparison.odoo or comparison.qbo):
            continue
        side = key[0]
        spec = LineSpec(side, key, "", comparison, "customer" if side == "receivable" else "vendor", "bound")
        spec.normal_side = "debit" if side == "receivable" else "credit"
        spec.period = env._("Open at %s", day)
        spec.period_end = day
        spec.ledger_accounts = tuple(receivable_accounts if side == "receivable" else payable_accounts)
        if key[1] == "unapplied":
            spec.name = env._("Unapplied customer payments")
            spec.mapping = "unapplied"
            spec.normal_side = "credit"
            spec.ledger_accounts = ()
        elif key[1] == "qbo":
            spec.qbo_party_id = key[2]
            partner_id, code = bindings.get(side, {}).get(key[2], (None, ""))
            spec.partner_id = partner_id
            qbo_name = qbo_rows.get(side, {}).get(key[2])
            spec.name = (
                partners.browse(partner_id).display_name if partner_id else (qbo_name.name if qbo_name else key[2])
            )
            if code:
                spec.name = f"{spec.name} ({code})"
            if key not in known:
                spec.mapping = "qbo_party"
        else:
            spec.partner_id = key[2] or None
            spec.mapping = "odoo_partner"
            spec.name = partners.browse(key[2]).display_name if key[2] else env._("(no partner)")
            if key[3] != home:
                spec.name = f"{spec.name} ({key[3]})"
            spec.ledger_accounts = ()
        spec.counts = {status: n for (k, status), n in counts.items() if k == key and status != books.SENT}
        specs[key] = spec

    def key_of(account_type, partner, currency, status):
        return key_for(account_type, partner, currency), status

    partition = SQL("a.account_type, p.commercial_partner_id, c.name")
    extra = SQL("AND a.account_type IN %s AND a.non_trade IS NOT TRUE", figures.PARTNER_TYPES)
    _add_entries(specs, figures.top_entries(env, partition, extra, const.BOOKS_ENTRIES_NAMED), key_of)
    return specs


# ----------------------------------------------------------------------------- opening balances
def monthly_differences(env, backend, client, day: date):
    """What the profit and loss comparison finds up to ``day``, as opening balances need it: {the last day of
    each month: [(comparison key, Odoo minus QuickBooks)]}, oldest month first, and the routes it used.  Read
    from both books now (an import or a history sent since changed one of them)."""
    periods = months(day)
    monthly = reports.read_monthly_profit_and_loss(client, periods)
    figures.build_statuses(env, backend, day)
    routes = Routes(env, backend, Chart(env, backend))
    by_month, _agreeing = profit_and_loss(env, routes, monthly, periods, Decimal(0))
    ends = dict(periods)
    out: dict[date, list] = {}
    for (key, month), spec in by_month.items():
        out.setdefault(ends[month], []).append((key, spec.comparison.difference))
    return dict(sorted(out.items())), routes


def balance_differences(env, backend, trial: dict[str, Decimal], day: date, fiscal_start: date):
    """What the trial balance comparison at ``day`` finds against QuickBooks' ``trial``: [(comparison key, Odoo
    minus QuickBooks)], and the routes it used (Odoo's side read now)."""
    figures.build_statuses(env, backend, day)
    routes = Routes(env, backend, Chart(env, backend))
    specs = trial_balance(env, routes, trial, day, fiscal_start, Decimal(0))
    return [(key, spec.comparison.difference) for key, spec in specs.items()], routes
