"""An Estimate accepted or rejected in QuickBooks: its quotation is confirmed or cancelled in Odoo.

Only a quotation (draft or sent) follows QuickBooks: confirming or cancelling it is what a salesperson does
when the customer says yes or no, and nothing depends on it yet.  A confirmed order is never cancelled from
QuickBooks (deliveries, invoices and the customer's commitment depend on it): the rejection is recorded on
the order and its sync record, for a person to decide.  Closed (by the order's invoice) and Pending change
nothing.  What Odoo sent itself comes back with the status the order already has: an echo.
"""

from odoo import fields, models
from odoo.addons.quickbooks_connector.adapters.entities import ESTIMATE
from odoo.addons.quickbooks_connector.models.quickbooks_pull import Echo

QUOTATION_STATES = ("draft", "sent")


class QuickbooksPull(models.AbstractModel):
    _inherit = "quickbooks.pull"

    def _apply_status(self, backend, entity, qbo_id, qbo_object):
        if entity != ESTIMATE:
            return super()._apply_status(backend, entity, qbo_id, qbo_object)
        row = self.env["quickbooks.sync.state"]._binding_for_qbo(backend, ESTIMATE, qbo_id)
        order = row._record() if row else None
        if order is None:
            return self.env._("Not bound to an Odoo sales order: left alone.")
        if qbo_object is None:
            return self._estimate_gone(backend, row, order)
        status = qbo_object.get("TxnStatus")
        who = qbo_object.get("AcceptedBy")
        if status == "Accepted":
            if order.state == "sale":
                return Echo(self.env._("Already confirmed."))
            if order.state not in QUOTATION_STATES:
                return self._estimate_disagrees(backend, row, order, status)
            order.action_confirm()
            note = (
                self.env._("Accepted by %s in QuickBooks: the quotation was confirmed.", who)
                if who
                else self.env._("Accepted in QuickBooks: the quotation was confirmed.")
            )
            order.message_post(body=note)
            return note
        if status == "Rejected":
            if order.state == "cancel":
                return Echo(self.env._("Already cancelled."))
            if order.state not in QUOTATION_STATES:
                return self._estimate_disagrees(backend, row, order, status)
            order._action_cancel()
            note = self.env._("Rejected in QuickBooks: the quotation was cancelled.")
            order.message_post(body=note)
            return note
        return Echo(self.env._("Estimate %(status)s in QuickBooks: nothing to do.", status=status))

    def _estimate_disagrees(self, backend, row, order, status):
        """A status Odoo does not follow on this order (a confirmed order rejected, a cancelled one accepted):
        recorded where people look, changed by no one but them."""
        note = self.env._(
            "The Estimate of %(order)s was set %(status)s in QuickBooks, but the order is %(state)s in Odoo: "
            "nothing was changed. Decide in Odoo; its next change sends its status to QuickBooks again.",
            order=order.name,
            status=status,
            state=dict(order._fields["state"]._description_selection(self.env))[order.state],
        )
        if row.drift_note != note:
            row.sudo().write({"drift_detected": True, "drift_note": note, "drift_at": fields.Datetime.now()})
            order.message_post(body=note)
            backend._notify_managers(self.env._("Estimate %s in QuickBooks", status), note)
        return note

    def _estimate_gone(self, backend, row, order):
        if row.qbo_state == "deleted":
            return Echo(self.env._("Already known as deleted."))
        note = self.env._(
            "The Estimate of %s was deleted in QuickBooks. Odoo does not re-create it: a manager decides.",
            order.name,
        )
        row.sudo().write(
            {"qbo_state": "deleted", "drift_detected": True, "drift_note": note, "drift_at": fields.Datetime.now()}
        )
        order.message_post(body=note)
        return note
