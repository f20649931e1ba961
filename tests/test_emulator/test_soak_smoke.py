"""The soak's own helpers (``tests/soak``), without Odoo: its workload plan, its fault mix and its checks.

The soak itself needs a real Odoo 19 and runs as ``python -m tests.soak`` (layer 2 of the test
command); these tests make sure its plan is what it claims and that its checks do find losses and
duplicates when they are there, so a green soak means something.
"""

from collections import Counter

import pytest

from tests.soak import checks
from tests.soak.plan import CANCEL_ORDERS, make_plan
from tests.soak.runner import FAULT_MIX, fault_specs


def test_plan_is_deterministic_and_has_the_requested_size():
    first = make_plan(200, 80, 40, seed=7)
    again = make_plan(200, 80, 40, seed=7)
    assert [(a.kind, a.key) for a in first.actions] == [(a.kind, a.key) for a in again.actions]
    summary = first.summary()
    assert summary["invoices"] == 200
    assert summary["credit_notes"] == 20
    assert summary["odoo_payments"] + summary["qbo_payments"] == 80
    assert summary["odoo_edits"] + summary["qbo_edits"] == 40
    other = make_plan(200, 80, 40, seed=8)
    assert [(a.kind, a.key) for a in other.actions] != [(a.kind, a.key) for a in first.actions]


def test_plan_never_settles_an_invoice_twice_and_settles_after_posting():
    plan = make_plan(300, 150, 10, seed=3)
    settled = Counter()
    for payment in plan.payments.values():
        settled.update(payment.invoices)
        customers = {plan.invoices[key].customer for key in payment.invoices}
        assert len(customers) == 1, "a payment covers invoices of one customer"
        assert all(plan.invoices[key].group == payment.side for key in payment.invoices)
    settled.update(note.invoice for note in plan.credit_notes.values())
    settled.update(write_off.invoice for write_off in plan.write_offs.values())
    assert plan.write_offs and max(settled.values()) == 1
    slot = {(a.kind, a.key): a.slot for a in plan.actions}
    for payment in plan.payments.values():
        assert all(slot["payment", payment.key] > slot["invoice", key] for key in payment.invoices)
        if payment.change in ("update", "delete"):
            assert payment.side == "qbo" and slot["cpa_change", payment.key] > slot["payment", payment.key]
        elif payment.change == "cancel":
            assert payment.side == "odoo" and slot["cancel_payment", payment.key] > slot["payment", payment.key]
    for note in plan.credit_notes.values():
        assert slot["credit_note", note.key] > slot["invoice", note.invoice]
    for write_off in plan.write_offs.values():
        invoice = plan.invoices[write_off.invoice]
        assert invoice.group == "writeoff" and not invoice.cancel
        assert slot["write_off", write_off.key] > slot["invoice", write_off.invoice]
    cancelled = [invoice for invoice in plan.invoices.values() if invoice.cancel]
    assert cancelled and all(invoice.group == "open" for invoice in cancelled)
    assert all(slot["cancel_invoice", invoice.key] > slot["invoice", invoice.key] for invoice in cancelled)


def test_plan_cancels_invoices_in_every_order_against_their_push():
    plan = make_plan(60, 20, 5, seed=11, cancel_share=0.1)
    orders = Counter(invoice.cancel_order for invoice in plan.invoices.values() if invoice.cancel)
    assert set(orders) == set(CANCEL_ORDERS) and max(orders.values()) - min(orders.values()) <= 1
    assert all(invoice.cancel_order is None for invoice in plan.invoices.values() if not invoice.cancel)
    position = {(a.kind, a.key): index for index, a in enumerate(plan.actions)}
    for invoice in plan.invoices.values():
        if invoice.cancel:  # right after its invoice when it must beat the push
            gap = position["cancel_invoice", invoice.key] - position["invoice", invoice.key]
            assert gap > 0 and (invoice.cancel_order == "after_push" or gap == 1)


def test_fault_mix_adds_up_to_the_rate():
    assert sum(share for share, _spec in FAULT_MIX) == pytest.approx(1.0)
    specs = fault_specs(0.2, seed=5)
    assert sum(spec["probability"] for spec in specs) == pytest.approx(0.2)
    assert len({spec["seed"] for spec in specs}) == len(specs)
    expire = [spec for spec in specs if spec["kind"] == "expire_token"]
    assert expire and expire[0]["times"] > 1_000_000, "expire_token fires once unless told otherwise"
    assert {spec.get("status") for spec in specs if spec["kind"] == "status"} >= {429, 500, 503}
    assert fault_specs(0, seed=5) == []


def _move(move_id, name, ref, total, residual, move_type="out_invoice"):
    return {
        "id": move_id,
        "name": name,
        "ref": ref,
        "move_type": move_type,
        "state": "posted",
        "amount_total": total,
        "amount_residual": residual,
    }


def _row(res_model, res_id, entity, qbo_id, **extra):
    return {
        "id": res_id * 10,
        "res_model": res_model,
        "res_id": res_id,
        "qbo_entity": entity,
        "qbo_id": qbo_id,
        "binding_key": "",
        "state": "done",
        "origin": "odoo",
        **extra,
    }


def test_document_check_finds_losses_duplicates_and_strays():
    moves = [
        _move(1, "INV/1", "SOAK-INV-1", 100, 100),
        _move(2, "INV/2", "SOAK-INV-2", 50, 0),
        _move(3, "INV/3", "SOAK-INV-3", 70, 70),
    ]
    sync_records = [_row("account.move", 1, "Invoice", "10"), _row("account.move", 2, "Invoice", "20")]
    qbo = [
        {"Id": "10", "DocNumber": "INV/1", "TotalAmt": 100, "Balance": 100},
        {"Id": "11", "DocNumber": "INV/1", "TotalAmt": 100, "Balance": 100},
        {"Id": "20", "DocNumber": "INV/2", "TotalAmt": 50, "Balance": 0},
        {"Id": "30", "DocNumber": "INV/9", "TotalAmt": 5, "Balance": 5},
        {"Id": "40", "status": "Deleted"},
    ]
    check = checks.check_documents(moves, qbo, [], sync_records)
    assert check.losses == 1 and "INV/3" in " ".join(check.failures)
    assert check.duplicates == 2  # INV/1 twice, and INV/9 that Odoo does not have
    assert checks.check_documents(moves[:2], qbo[:1] + qbo[2:3], [], sync_records).ok


def test_cancellations_must_reach_quickbooks():
    moves = [
        {**_move(1, "INV/1", "SOAK-INV-1", 100, 0), "state": "cancel"},
        {**_move(2, "INV/2", "SOAK-INV-2", 80, 0), "state": "cancel"},
    ]
    qbo = [
        {"Id": "10", "DocNumber": "INV/1", "TotalAmt": 100, "Balance": 100},
        {"Id": "20", "DocNumber": "INV/2", "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided"},
    ]
    check = checks.check_documents(moves, qbo, [], [])
    assert len(check.failures) == 1 and "INV/1" in check.failures[0] and "cancelled in Odoo" in check.failures[0]
    payments = [{"id": 1, "name": "P1", "memo": "SOAK-PAY-1", "state": "canceled", "amount": 5}]
    stale = checks.check_odoo_payments(payments, [{"Id": "3", "PaymentRefNum": "SOAK-PAY-1", "TotalAmt": 5}], [])
    assert not stale.ok and "cancelled in Odoo" in stale.failures[0]
    assert checks.check_odoo_payments(payments, [{"Id": "3", "status": "Deleted"}], []).ok


def test_open_amounts_and_customer_balances():
    moves = [_move(1, "INV/1", "SOAK-INV-1", 100, 40), _move(2, "RINV/1", "SOAK-CN-1", 30, 0, "out_refund")]
    sync_records = [
        _row("account.move", 1, "Invoice", "10"),
        _row("account.move", 2, "CreditMemo", "5"),
        _row("res.partner", 7, "Customer", "3"),
    ]
    invoices = [{"Id": "10", "DocNumber": "INV/1", "TotalAmt": 100, "Balance": 60}]
    memos = [{"Id": "5", "DocNumber": "RINV/1", "TotalAmt": 30, "RemainingCredit": 0}]
    check = checks.check_open_amounts(moves, invoices, memos, sync_records)
    assert check.checked == 2 and len(check.failures) == 1 and "INV/1" in check.failures[0]
    partners = [{"id": 7, "name": "A", "ref": "SOAK-C1"}]
    assert checks.check_customer_balances({7: 40.0}, partners, [{"Id": "3", "Balance": 40}], sync_records).ok
    assert not checks.check_customer_balances({7: 40.0}, partners, [{"Id": "3", "Balance": 60}], sync_records).ok


def test_payment_checks_both_ways():
    qbo = [
        {"Id": "1", "PaymentRefNum": "SOAK-QBO-1", "TotalAmt": 25},
        {"Id": "2", "PaymentRefNum": "SOAK-QBO-2", "TotalAmt": 10},
        {"Id": "3", "status": "Deleted"},
        {"Id": "4", "PaymentRefNum": "SOAK-PAY-1", "TotalAmt": 40},
        {"Id": "5", "PaymentRefNum": "SOAK-PAY-1", "TotalAmt": 40},
    ]
    odoo = [
        {"id": 1, "name": "P1", "memo": "QuickBooks payment SOAK-QBO-1", "state": "paid", "amount": 25},
        {"id": 2, "name": "P2", "memo": "QuickBooks payment SOAK-QBO-1", "state": "paid", "amount": 25},
        {"id": 3, "name": "P3", "memo": "QuickBooks payment SOAK-QBO-3", "state": "paid", "amount": 9},
        {"id": 4, "name": "P4", "memo": "SOAK-PAY-1", "state": "in_process", "amount": 40},
        {"id": 5, "name": "P5", "memo": "SOAK-PAY-2", "state": "paid", "amount": 8},
    ]
    sync_records = [
        _row("account.payment", 1, "Payment", "1", origin="qbo"),
        _row("account.payment", 4, "Payment", "4"),
    ]
    cpa = checks.check_cpa_payments({"SOAK-QBO-1": "1", "SOAK-QBO-2": "2", "SOAK-QBO-3": "3"}, qbo, odoo, sync_records)
    assert cpa.duplicates == 2  # SOAK-QBO-1 twice in Odoo; SOAK-QBO-3 deleted in QBO but kept in Odoo
    assert cpa.losses == 1  # SOAK-QBO-2 never reached Odoo
    pushed = checks.check_odoo_payments(odoo, qbo, sync_records)
    assert pushed.duplicates == 1 and pushed.losses == 1  # SOAK-PAY-1 twice in QBO, SOAK-PAY-2 missing


def test_credit_application_and_customer_checks():
    moves = [_move(2, "RINV/1", "SOAK-CN-1", 30, 0, "out_refund")]
    sync_records = [_row("account.move", 2, "CreditMemo", "5"), _row("res.partner", 7, "Customer", "3")]
    link = {"Amount": 30, "LinkedTxn": [{"TxnId": "5", "TxnType": "CreditMemo"}]}
    assert checks.check_credit_applications(moves, [], sync_records).losses == 1
    twice = [{"Id": "8", "TotalAmt": 0, "Line": [link]}, {"Id": "9", "TotalAmt": 0, "Line": [link]}]
    assert checks.check_credit_applications(moves, twice, sync_records).duplicates == 1
    partner = {
        "id": 7,
        "name": "Soak Customer",
        "ref": "SOAK-C1",
        "email": "a@example.com",
        "phone": "1",
        "street": "1 Road",
    }
    good = {
        "Id": "3",
        "DisplayName": "Soak Customer",
        "PrimaryEmailAddr": {"Address": "a@example.com"},
        "PrimaryPhone": {"FreeFormNumber": "1"},
        "BillAddr": {"Line1": "1 Road"},
        "Notes": "CPA note 00002",
    }
    assert checks.check_customers([partner], [good], sync_records, {7: "CPA note 00002"}).ok
    lost_note = checks.check_customers([partner], [{**good, "Notes": None}], sync_records, {7: "CPA note 00002"})
    assert lost_note.losses == 1
    doubled = checks.check_customers([partner], [good, {**good, "Id": "4"}], sync_records, {})
    assert doubled.duplicates == 1


def test_machinery_checks():
    sync_records = [
        {
            "id": 1,
            "res_model": "account.move",
            "res_id": 1,
            "qbo_entity": "Invoice",
            "qbo_id": None,
            "state": "failed",
            "failure_kind": "transient",
            "last_error": "Temporary QuickBooks problem",
        },
        {"id": 2, "res_model": "account.move", "res_id": 2, "qbo_entity": "Invoice", "qbo_id": "1", "state": "done"},
    ]
    check = checks.check_sync_records(sync_records)
    assert len(check.failures) == 1 and "WITHOUT an actionable reason" in check.failures[0]
    jobs = [{"id": 1, "state": "done"}, {"id": 2, "state": "failed", "retry": 3, "name": "push", "exc_message": "boom"}]
    assert len(checks.check_jobs(jobs).failures) == 1
    run = {"state": "drift", "odoo_receivable": 10, "qbo_receivable": 12, "customer_mismatch_count": 1}
    assert len(checks.check_reconciliation(run, []).failures) == 2
    found = checks.check_secrets(
        "token abcdefghijklmnop in a log line", [("access_token", "abcdefghijklmnop"), ("short", "abc")]
    )
    assert found.checked == 1 and not found.ok and "abcd..." in found.failures[0]
    assert "abcdefghijklmnop" not in found.failures[0]
