"""A run's books comparison in its alert: the verdict, then the unexplained lines, worst first, with both
sides' figures; and a link to the Books Comparison screen.  The alert itself (Slack in a job, the managers'
activity) is the reconciliation's (``quickbooks_reconciliation_alert.py``)."""

from odoo import models

from .. import const


class QuickbooksReconciliation(models.Model):
    _inherit = "quickbooks.reconciliation"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    def _drifting_figures(self):
        labels = super()._drifting_figures()
        if self.books_state == "unexplained":
            labels.append(self.env._("Books (%s unexplained)", self.books_unexplained_count))
        return labels

    def _books_worst_lines(self, limit):
        self.ensure_one()
        unexplained = self.books_line_ids.filtered(lambda line: line.state == "unexplained")
        return unexplained.sorted(lambda line: (-line.unexplained_abs, line.section_sequence, line.sequence))[:limit]

    def _figure_lines(self, mark=" :warning:"):
        lines = super()._figure_lines(mark=mark)
        if not self.books_state or self.books_state == "error":
            return lines
        flag = mark if self.books_state == "unexplained" else ""
        lines.append(
            self.env._("Books comparison at %(date)s: %(verdict)s", date=self.books_date, verdict=self.books_summary)
            + flag
        )
        sections = dict(self.env["quickbooks.books.line"]._fields["section"]._description_selection(self.env))
        currency = self.currency_id
        for line in self._books_worst_lines(const.BOOKS_ALERT_LINES):
            period = f" {line.period}" if line.section == "profit_loss" else ""
            lines.append(
                self.env._(
                    "%(section)s, %(name)s%(period)s: Odoo %(odoo)s | QuickBooks %(qbo)s | unexplained %(left)s",
                    section=sections[line.section],
                    name=line.name,
                    period=period,
                    odoo=f"{line.odoo_amount:,.2f} {currency.name}",
                    qbo=f"{line.qbo_amount:,.2f} {currency.name}",
                    left=f"{line.unexplained_amount:+,.2f} {currency.name}",
                )
            )
        more = self.books_unexplained_count - const.BOOKS_ALERT_LINES
        if more > 0:
            lines.append(self.env._("... and %s more unexplained in Odoo.", more))
        return lines

    def _alert_text(self):
        text = super()._alert_text()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        if base and self.books_state == "unexplained":
            text += "\n" + self.env._(
                "Books comparison: %s", f"{base}/odoo/action-quickbooks_connector.action_quickbooks_books_line"
            )
        return text
