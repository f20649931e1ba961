"""Storing a books comparison: one line per account (customer, vendor, month) with both sides' amounts in the
account's natural sign, its explanations and the notes that name their entries; the run's verdict and counts.
"""

from odoo import Command, models

from ..qbo import books

SECTION_ORDER = {"trial_balance": 1, "receivable": 2, "payable": 3, "profit_loss": 4}


class QuickbooksReconciliation(models.Model):
    _inherit = "quickbooks.reconciliation"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    def _books_store(self, specs):
        """Create the lines (in ``specs``' order, which is kept: ``specs`` is sorted in place)."""
        specs.sort(
            key=lambda spec: (
                SECTION_ORDER[spec.section],
                spec.period_start or spec.period_end,
                spec.comparison.state != "unexplained",
                spec.name.lower(),
            )
        )
        values = [self._books_line_values(spec, index) for index, spec in enumerate(specs)]
        return self.env["quickbooks.books.line"].sudo().create(values)

    def _books_line_values(self, spec, index):
        sign = -1 if spec.normal_side == "credit" else 1
        values = {
            "reconciliation_id": self.id,
            "section": spec.section,
            "section_sequence": SECTION_ORDER[spec.section],
            "sequence": index,
            "name": spec.name or "?",
            "period": spec.period,
            "period_start": spec.period_start,
            "period_end": spec.period_end,
            "cumulative": spec.cumulative,
            "qbo_account_id": spec.qbo_account.id if spec.qbo_account else False,
            "account_ids": [Command.set(spec.account_ids)],
            "partner_id": spec.partner_id or False,
            "qbo_party_id": spec.qbo_party_id or False,
            "account_group": spec.account_group,
            "mapping": spec.mapping,
            "normal_side": spec.normal_side,
            "note": spec.note or False,
            "ledger_accounts": ",".join(spec.ledger_accounts) or False,
        }
        values.update(self._books_amounts(spec, sign))
        values["explanation_ids"] = [Command.create(value) for value in self._books_explanations(spec, sign)]
        return values

    def _books_amounts(self, spec, sign):
        comparison = spec.comparison
        labels = dict(self.env["quickbooks.books.explanation"]._fields["kind"]._description_selection(self.env))
        parts = [
            f"{labels[kind]} {sign * comparison.explained[kind]:,.2f}"
            for kind in books.KINDS
            if comparison.explained.get(kind)
        ]
        if comparison.unexplained:
            parts.append(self.env._("Unexplained %s", f"{sign * comparison.unexplained:,.2f}"))
        return {
            "odoo_amount": float(sign * comparison.odoo),
            "qbo_amount": float(sign * comparison.qbo),
            "difference": float(sign * comparison.difference),
            "explained_amount": float(sign * (comparison.difference - comparison.unexplained)),
            "unexplained_amount": float(sign * comparison.unexplained),
            "unexplained_abs": float(abs(comparison.unexplained)),
            "state": comparison.state,
            "explanation_summary": "; ".join(parts) or False,
        }

    def _books_explanations(self, spec, sign):
        out = []
        for index, kind in enumerate(books.KINDS):
            amount = spec.comparison.explained.get(kind)
            if not amount:
                continue
            entries = spec.entries.get(kind, [])
            out.append(
                {
                    "kind": kind,
                    "sequence": index,
                    "amount": float(sign * amount),
                    "note": self._books_note(spec, kind, entries, sign),
                    "entry_count": spec.counts.get(kind, len(entries)),
                    "move_ids": [Command.set([entry[0] for entry in entries])],
                    "sync_state_ids": [Command.set(sorted({entry[3] for entry in entries if entry[3]}))],
                }
            )
        return out

    def _books_note(self, spec, kind, entries, sign):
        named = ", ".join(f"{name} ({sign * amount:,.2f})" for _move, name, amount, _sync in entries)
        count = spec.counts.get(kind, len(entries))
        more = self.env._(" and %s more", count - len(entries)) if count > len(entries) else ""
        if kind == "pending":
            return self.env._(
                "Entries the connector sends that are not in QuickBooks yet (waiting, failed or never queued; see "
                "their sync records): %(entries)s%(more)s.",
                entries=named,
                more=more,
            )
        if kind == "not_sent":
            return self.env._(
                "Entries of a kind the connector does not send (journal entries, bank statement lines that settle no "
                "document, documents whose sync is off): %(entries)s%(more)s.",
                entries=named,
                more=more,
            )
        if kind == "skipped":
            return self.env._("Entries marked Skip QuickBooks: %(entries)s%(more)s.", entries=named, more=more)
        if kind == "revaluation":
            return self.env._(
                "Currency revaluation entries of the exchange difference journal, which QuickBooks does not "
                "receive: %(entries)s%(more)s.",
                entries=named,
                more=more,
            )
        if kind == "elsewhere":
            return self.env._(
                "Payments in QuickBooks on an account no Odoo account is mapped to, that Odoo has in this "
                "account's journal: %s.",
                ", ".join(spec.elsewhere_rows) or "-",
            )
        if kind == "unposted":
            return self.env._(
                "QuickBooks transactions whose Odoo record has no posted journal entry: a payment reset to draft "
                "(Odoo 19 keeps its reconciliation, so the connector keeps it in QuickBooks) or a payment waiting "
                "for its bank statement: %s.",
                ", ".join(spec.unposted_rows) or "-",
            )
        if kind == "qbo_only":
            return self.env._(
                "QuickBooks transactions of this account and period that are linked to no Odoo record: %s.",
                ", ".join(spec.qbo_only_rows) or "-",
            )
        if kind == "tolerance":
            return self.env._(
                "Within the connection's books tolerance (%(tolerance)s %(currency)s).",
                tolerance=f"{self.books_tolerance:,.2f}",
                currency=self.currency_id.name,
            )
        return self._books_unmapped_note(spec, named, more)

    def _books_unmapped_note(self, spec, named, more):
        if spec.mapping == "odoo_only":
            return self.env._(
                "This Odoo account is mapped to no QuickBooks account: its balance is in Odoo only. Map it under "
                "Invoicing › Configuration › QuickBooks › Account Mapping."
            )
        if spec.mapping == "qbo_only":
            return self.env._(
                "No Odoo account is mapped to this QuickBooks account: its balance is in QuickBooks only."
            )
        if spec.mapping == "qbo_party":
            return self.env._("This QuickBooks customer or vendor is linked to no Odoo partner.")
        return self.env._(
            "The earlier fiscal years' result of Odoo accounts mapped to no QuickBooks account: %(entries)s%(more)s.",
            entries=named,
            more=more,
        )

    def _books_rewrite(self, line, spec):
        """Write a line again after a new explanation (what QuickBooks alone holds)."""
        sign = -1 if spec.normal_side == "credit" else 1
        line.explanation_ids.unlink()
        line.write(
            {
                **self._books_amounts(spec, sign),
                "explanation_ids": [Command.create(value) for value in self._books_explanations(spec, sign)],
            }
        )

    def _books_finish(self):
        lines = self.books_line_ids
        unexplained = lines.filtered(lambda line: line.state == "unexplained")
        explained = lines.filtered(lambda line: line.state == "explained")
        state = "unexplained" if unexplained else "explained" if explained else "match"
        total = sum(unexplained.mapped("unexplained_abs"))
        if unexplained:
            summary = self.env._(
                "%(count)s unexplained difference(s), %(total)s %(currency)s in all; %(explained)s explained",
                count=len(unexplained),
                total=f"{total:,.2f}",
                currency=self.currency_id.name,
                explained=len(explained),
            )
        elif explained:
            summary = self.env._("Every difference explained (%s)", len(explained))
        else:
            summary = self.env._("Every account agrees")
        self.write(
            {
                "books_state": state,
                "books_line_count": len(lines),
                "books_unexplained_count": len(unexplained),
                "books_explained_count": len(explained),
                "books_unexplained_total": total,
                "books_summary": summary,
            }
        )
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "UPDATE quickbooks_books_line SET latest = (reconciliation_id = %s) WHERE backend_id = %s AND "
            "(latest OR reconciliation_id = %s)",
            (self.id, self.backend_id.id, self.id),
        )
        # In each section and period, what is unexplained first (QuickBooks' ledger may have explained more).
        cr.execute(
            """UPDATE quickbooks_books_line line SET sequence = ordered.position
                 FROM (SELECT id, ROW_NUMBER() OVER (
                              ORDER BY section_sequence, COALESCE(period_start, period_end), state <> 'unexplained',
                                       lower(name), id) AS position
                         FROM quickbooks_books_line WHERE reconciliation_id = %s) ordered
                WHERE ordered.id = line.id""",
            (self.id,),
        )
        self.env["quickbooks.books.line"].invalidate_model(["latest", "sequence"])
