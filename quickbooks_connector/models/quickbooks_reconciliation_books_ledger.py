"""The QuickBooks side of a books comparison line's drill-down: QuickBooks' GeneralLedger of the line's
accounts and period, read by the run for the differing lines (worst first) and kept on them, so that opening a
line shows both ledgers without calling QuickBooks.  A transaction linked to no Odoo record (no sync record
holds its Id) is what QuickBooks alone holds: it explains its part of the difference; so does one whose Odoo
record has no posted journal entry (a payment reset to draft, which QuickBooks keeps).

The general ledger of a balance sheet account is read from the first day of the fiscal year: what QuickBooks
alone holds from earlier years is not found there (its beginning balance says how much there was).
"""

from datetime import date
from decimal import Decimal

from odoo import models

from .. import const
from ..adapters.settlement import statement_partials
from ..qbo import reports
from ..tools import books_routes


class QuickbooksReconciliation(models.Model):
    _inherit = "quickbooks.reconciliation"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    def _books_read_ledgers(self, lines, specs=None, routes=None):
        """Read QuickBooks' transactions of ``lines`` (one GeneralLedger request per period) and keep them on
        the lines; with ``specs`` (line id -> its comparison) and ``routes``, explain what QuickBooks alone
        holds, and the payments QuickBooks keeps on an account nothing maps to."""
        self.ensure_one()
        if not lines:
            return
        backend = self.backend_id.sudo()
        chart = books_routes.Chart(self.env, backend)
        classifications = {qbo_id: account.classification for qbo_id, account in chart.by_id.items()}
        groups: dict[tuple[date, date], list] = {}
        for line in lines:
            accounts = tuple(a for a in (line.ledger_accounts or "").split(",") if a in chart.by_id)
            end = line.period_end or self.books_date
            start = line.period_start or self.books_fiscal_start or end.replace(month=1, day=1)
            if accounts and end:
                groups.setdefault((start, end), []).append((line, accounts))
        if not groups:
            return
        client = backend._qbo_client()
        tolerance = Decimal(str(self.books_tolerance or 0))
        kept_elsewhere = []
        for (start, end), members in groups.items():
            wanted = sorted({account for _line, accounts in members for account in accounts})
            sections = reports.general_ledger(
                client.report(
                    "GeneralLedger",
                    start_date=start.isoformat(),
                    end_date=end.isoformat(),
                    account=",".join(wanted),
                    accounting_method="Accrual",
                ),
                classifications,
            )
            bound = self._books_bound(sections.values())
            unposted = self._books_unposted(bound.values())
            for line, accounts in members:
                found = [sections[account] for account in accounts if account in sections]
                spec = (specs or {}).get(line.id)
                rows = self._books_keep_ledger(line, found, bound, unposted, spec, tolerance)
                if line.section == "trial_balance" and line.mapping == "qbo_only":
                    kept_elsewhere.append((line, rows))
        if specs and routes:
            self._books_elsewhere(kept_elsewhere, specs, routes, tolerance)

    def _books_elsewhere(self, unmapped, specs, routes, tolerance):
        """A payment the connector sent or received that QuickBooks keeps on an account nothing maps to
        (a payment recorded in QuickBooks without a deposit account sits in Undeposited Funds) is in Odoo on
        its journal's account: it explains that account's line."""
        by_key = {spec.key: (line_id, spec) for line_id, spec in specs.items() if spec.section == "trial_balance"}
        SyncRecord = self.env["quickbooks.sync.state"].sudo()
        changed = {}
        for line, rows in unmapped:
            journals = set()
            for row, sync_id in rows:
                record = SyncRecord.browse(sync_id)._record() if sync_id else None
                if record is None or record._name not in ("account.payment", "account.bank.statement.line"):
                    continue
                account = record.journal_id.default_account_id
                key = routes.route(account.id).key if account else None
                if key not in by_key or key == ("qbo", line.qbo_account_id.qbo_id):
                    continue
                line_id, spec = by_key[key]
                spec.comparison.explain("elsewhere", row.amount)
                sign = -1 if spec.normal_side == "credit" else 1
                spec.elsewhere_rows.append(
                    f"{row.txn_type} {row.number or row.txn_id} ({row.day}, {sign * row.amount:,.2f}) on {line.name}"
                )
                changed[line_id] = spec
                journals.add(record.journal_id.name)
            if journals:
                line.note = self.env._(
                    "holds payments Odoo has in journal %s (no Odoo account is mapped here)",
                    ", ".join(sorted(journals)),
                )
        for line_id, spec in changed.items():
            spec.comparison.settle(tolerance)
            self._books_rewrite(self.env["quickbooks.books.line"].sudo().browse(line_id), spec)

    def _books_bound(self, sections):
        """(entity, QuickBooks Id) -> the sync record binding it, for the transactions of ``sections``."""
        pairs = {(row.entity, row.txn_id) for section in sections for row in section.rows if row.entity and row.txn_id}
        if not pairs:
            return {}
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search_read(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("qbo_entity", "in", sorted({entity for entity, _id in pairs})),
                    ("qbo_id", "in", sorted({qbo_id for _entity, qbo_id in pairs})),
                ],
                ["qbo_entity", "qbo_id"],
            )
        )
        return {(row["qbo_entity"], row["qbo_id"]): row["id"] for row in rows}

    def _books_unposted(self, sync_ids):
        """The sync records (of ``sync_ids``) whose Odoo record has no posted journal entry: a payment reset to
        draft (Odoo 19 keeps its reconciliation, so QuickBooks keeps the payment), a payment of a journal
        without outstanding accounts (no entry until a bank statement line is matched with its invoices), a
        document back in draft."""
        out = set()
        for row in self.env["quickbooks.sync.state"].sudo().browse(sorted(set(sync_ids))):
            record = row._record()
            if record is None or record._name not in ("account.move", "account.payment"):
                continue
            if (
                record._name == "account.payment"
                and not record.move_id
                and record.invoice_ids.filtered(statement_partials)
            ):
                continue  # its invoices are matched with a statement line: that entry is its money in Odoo
            move = record if record._name == "account.move" else record.move_id
            if not move or move.state != "posted":
                out.add(row.id)
        return out

    def _books_keep_ledger(self, line, sections, bound, unposted, spec, tolerance):
        party = line.qbo_party_id if line.section in ("receivable", "payable") else None
        sign = -1 if line.normal_side == "credit" else 1
        rows = sorted(
            (row for section in sections for row in section.rows if party is None or row.party_id == party),
            key=lambda row: (row.day or date.min, row.txn_type, row.txn_id),
        )
        line.ledger_row_ids.unlink()
        self.env["quickbooks.books.ledger.row"].sudo().create(
            [
                {
                    "line_id": line.id,
                    "date": row.day,
                    "txn_type": row.txn_type,
                    "qbo_entity": row.entity or False,
                    "qbo_txn_id": row.txn_id or False,
                    "number": row.number or False,
                    "party": row.party or False,
                    "memo": row.memo or False,
                    "split": row.split or False,
                    "amount": float(sign * row.amount),
                    "sync_state_id": bound.get((row.entity, row.txn_id), False),
                }
                for row in rows[: const.BOOKS_LEDGER_ROWS]
            ]
        )
        notes = []
        if len(rows) > const.BOOKS_LEDGER_ROWS:
            notes.append(
                self.env._("The first %(shown)s of %(all)s transactions.", shown=const.BOOKS_LEDGER_ROWS, all=len(rows))
            )
        if line.cumulative:
            notes.append(self.env._("From %s on; the beginning balance holds the earlier ones.", line.period_start))
        if party:
            notes.append(
                self.env._("This customer's or vendor's transactions on the control account, this fiscal year.")
            )
        line.write(
            {
                "ledger_fetched": True,
                "ledger_note": " ".join(notes) or False,
                "qbo_opening": float(sign * sum((section.beginning for section in sections), Decimal(0)))
                if line.cumulative
                else 0.0,
            }
        )
        kept = [(row, bound.get((row.entity, row.txn_id))) for row in rows]
        unbound = [row for row, sync_id in kept if not sync_id]
        draft = [row for row, sync_id in kept if sync_id in unposted]
        if spec is None or not (unbound or draft) or line.mapping not in ("mapped", "bound"):
            return kept
        for kind, found, described in (
            ("qbo_only", unbound, spec.qbo_only_rows),
            ("unposted", draft, spec.unposted_rows),
        ):
            if not found:
                continue
            described[:] = [
                f"{row.txn_type} {row.number or row.txn_id} ({row.day}, {sign * row.amount:,.2f})"
                for row in found[: const.BOOKS_ENTRIES_NAMED]
            ]
            if len(found) > const.BOOKS_ENTRIES_NAMED:
                described.append(self.env._("%s more", len(found) - const.BOOKS_ENTRIES_NAMED))
            spec.comparison.explain(kind, -sum((row.amount for row in found), Decimal(0)))
        spec.comparison.settle(tolerance)
        self._books_rewrite(line, spec)
        return kept
