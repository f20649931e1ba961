"""Step 4 of an import from QuickBooks: the opening balances.

The figures are the books comparison's own (``tools/books_sections.py``), read at the cutover date, so that
what the nightly comparison checks afterwards is what the import made equal:

* for each of the months the comparison covers (``const.BOOKS_MONTHS``, up to the cutover), an entry
  dated the month's last day that gives each income and expense account QuickBooks' ProfitAndLoss of that
  month (what Odoo has already of it deducted);
* then one entry at the cutover date that gives every balance sheet account QuickBooks' TrialBalance
  figure, Retained Earnings included (the earlier years' result, on Odoo's unaffected earnings account),
  and empties the cutover clearing account the imported documents used.

A second run finds nothing left to enter.  Customers' and vendors' balances come from the open documents,
not from these entries: a difference left on receivables or payables is refused with its figures.
"""

from decimal import Decimal

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..qbo import reports
from ..tools import books_routes, books_sections
from ..tools.access import check_manager
from ..tools.jobs import UNDER_WAY_STATES

ZERO = Decimal(0)


class QuickbooksImport(models.Model):
    _inherit = "quickbooks.import"  # pylint: disable=consider-merging-classes-inherited  # a file per step

    def action_opening_balances(self):
        """Enter the opening balances (once every open document is imported)."""
        self.ensure_one()
        check_manager(self)
        backend = self._connected_backend()
        waiting = (
            self.env["queue.job"]
            .sudo()
            .search_count([("model_name", "=", self._name), ("state", "in", UNDER_WAY_STATES)])
        )
        if waiting or self.documents_done < self.documents_total:
            raise UserError(
                self.env._(
                    "The open documents are still being imported (%(done)s of %(total)s): enter the opening "
                    "balances once they are all in.",
                    done=self.documents_done,
                    total=self.documents_total,
                )
            )
        client = backend._qbo_client()
        day = self.cutover_date
        fiscal_start = reports.read_fiscal_year_start(client, day)
        trial = reports.read_trial_balance(client, fiscal_start, day)
        created = self.env["account.move"]
        by_month, routes = books_sections.monthly_differences(self.env, backend, client, day)
        for month_end, differences in by_month.items():
            lines = [(key[1], -difference) for key, difference in differences if key[0] == "qbo"]
            if lines:
                label = self.env._("QuickBooks profit and loss of %s", month_end.strftime("%Y-%m"))
                created |= self._opening_entry(routes, month_end, label, lines)
        differences, routes = books_sections.balance_differences(self.env, backend, trial, day, fiscal_start)
        balance_lines = [(key[1], -difference) for key, difference in differences if key[0] == "qbo" and difference]
        clearing = self.clearing_account_id
        created |= self._opening_entry(
            routes, day, self.env._("QuickBooks opening balances"), balance_lines, final=True
        )
        self.sudo().write(
            {
                "state": "done",
                "summary": self.env._(
                    "Imported: %(documents)s open document(s), %(count)s opening entry(ies); the clearing account "
                    "%(account)s is empty. The books comparison now compares both books every night.",
                    documents=self.documents_done,
                    count=len(created),
                    account=clearing.display_name,
                ),
            }
        )
        return created

    def _opening_entry(self, routes, day, label, lines, final=False):
        """Post an entry giving each QuickBooks account of ``lines`` ([(Id, net debit)]) that amount on its
        Odoo account, balanced on the clearing account (emptied by the ``final`` one)."""
        account_of = {line.qbo_id: line.account_id for line in self.account_line_ids}
        values = []
        total = ZERO
        for qbo_id, amount in lines:
            amount = books_routes.decimal(amount).quantize(Decimal("0.01"))
            if not amount:
                continue
            account = account_of.get(qbo_id) or routes.accounts_model.browse(
                next((a for a, target in routes.mapped.items() if target == qbo_id), None) or []
            )
            if not account:
                raise UserError(
                    self.env._(
                        "QuickBooks account %s has a balance but no Odoo account: map it, then enter the "
                        "opening balances again.",
                        routes.chart.label(qbo_id),
                    )
                )
            if account.account_type in ("asset_receivable", "liability_payable"):
                raise UserError(
                    self.env._(
                        "%(account)s differs by %(amount)s from QuickBooks once the open documents are in: "
                        "customers' and vendors' balances come from their documents only. Check the documents "
                        "QuickBooks holds on it besides invoices, bills and credits (payments not applied, "
                        "journal entries naming a customer or vendor).",
                        account=account.display_name,
                        amount=amount,
                    )
                )
            values.append(self._opening_line(account, amount, label))
            total += amount
        clearing = self.clearing_account_id
        if final:
            clearing_balance = self._balance(clearing, day)
            values.append(self._opening_line(clearing, -clearing_balance, label))
            total -= clearing_balance
            if total:
                raise UserError(
                    self.env._(
                        "The opening balances do not balance (%s): QuickBooks' trial balance holds an account the "
                        "chart of accounts step did not map.",
                        total,
                    )
                )
        elif total:
            values.append(self._opening_line(clearing, -total, label))
        if not any(v["debit"] or v["credit"] for v in values):
            return self.env["account.move"]
        journal = (
            self.env["account.journal"]
            .sudo()
            .search([("company_id", "=", self.company_id.id), ("type", "=", "general")], limit=1)
        )
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": day,
                    "ref": label,
                    "quickbooks_import_id": self.id,
                    "line_ids": [(0, 0, v) for v in values if v["debit"] or v["credit"]],
                }
            )
        )
        move.action_post()
        return move

    def _opening_line(self, account, amount, label):
        amount = float(amount)
        return {
            "account_id": account.id,
            "name": label,
            "debit": amount if amount > 0 else 0.0,
            "credit": -amount if amount < 0 else 0.0,
        }

    def _balance(self, account, day):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE account_id = %s AND company_id = %s "
                "AND parent_state = 'posted' AND date <= %s",
                account.id,
                self.company_id.id,
                day,
            )
        )
        return books_routes.decimal(self.env.cr.fetchone()[0]).quantize(Decimal("0.01"))
