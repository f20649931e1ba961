"""What the soak checks once everything has drained: both sides compared, pure Python.

Inputs are plain dicts as read from Odoo's external API (``search_read``) and the emulator's control
API (every object, deletion tombstones included), so these functions can be unit-tested without
either.  Each check returns a :class:`Check` with its failures written for a person (numbers, ids,
what differs), and counts the losses and duplicates it found.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CENT = 0.005
#: Odoo payment states that are money received (not draft, not cancelled or rejected).
ACTIVE_PAYMENT_STATES = ("in_process", "paid")
#: Sync record failure kinds a manager can act on from the message alone.
ACTIONABLE_KINDS = ("mapping", "validation", "totals", "conflict")


@dataclass
class Check:
    name: str
    checked: int = 0
    failures: list[str] = field(default_factory=list)
    duplicates: int = 0
    losses: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, message: str, *, duplicate: int = 0, loss: int = 0) -> None:
        self.failures.append(message)
        self.duplicates += duplicate
        self.losses += loss


def money(value: Any) -> float:
    return round(float(value or 0), 2)


def differ(a: Any, b: Any) -> bool:
    return abs(float(a or 0) - float(b or 0)) > CENT


def live(objects: Iterable[dict]) -> list[dict]:
    """QBO objects that still exist and count (not deleted, not voided)."""
    return [obj for obj in objects if str(obj.get("status") or "").lower() != "deleted" and not voided(obj)]


def voided(obj: dict) -> bool:
    return "Voided" in str(obj.get("PrivateNote") or "") and not float(obj.get("TotalAmt") or 0)


def _m2o(value: Any) -> int | None:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value or None


def _bindings(sync_records: Iterable[dict], res_model: str, key: str | None = "") -> dict[int, dict]:
    return {
        row["res_id"]: row
        for row in sync_records
        if row["res_model"] == res_model and (key is None or (row.get("binding_key") or "") == key)
    }


# ---------------------------------------------------------------------------- documents
def check_documents(
    moves: list[dict], qbo_invoices: list[dict], qbo_memos: list[dict], sync_records: list[dict]
) -> Check:
    """Each posted Odoo invoice / credit note exactly once in QuickBooks (by DocNumber), with its total,
    and bound in the sync_records to that very object; no QuickBooks document of ours that Odoo does not have."""
    check = Check("Each Odoo invoice and credit note exactly once in QuickBooks")
    entities = {"out_invoice": ("Invoice", live(qbo_invoices)), "out_refund": ("CreditMemo", live(qbo_memos))}
    by_number: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for entity, objects in entities.values():
        for obj in objects:
            by_number[entity, str(obj.get("DocNumber") or "")].append(obj)
    bindings = _bindings(sync_records, "account.move")
    names = set()
    for move in moves:
        if move["state"] == "cancel":
            entity, _objects = entities[move["move_type"]]
            check.checked += 1
            still = by_number.get((entity, move["name"]), []) if move["name"] and move["name"] != "/" else []
            if still:
                names.add((entity, move["name"]))
                check.fail(
                    f"{move['name']} ({move['ref']}) is cancelled in Odoo but open in QuickBooks: "
                    f"{entity} {', '.join(str(o['Id']) for o in still)} (total "
                    f"{money(still[0].get('TotalAmt'))}, balance {money(still[0].get('Balance'))})",
                    duplicate=len(still),
                )
            continue
        if move["state"] != "posted":
            continue
        entity, _objects = entities[move["move_type"]]
        names.add((entity, move["name"]))
        check.checked += 1
        found = by_number.get((entity, move["name"]), [])
        if not found:
            check.fail(f"{move['name']} ({move['ref']}) is not in QuickBooks", loss=1)
            continue
        if len(found) > 1:
            check.fail(
                f"{move['name']} ({move['ref']}) is {len(found)} times in QuickBooks: "
                f"{entity} ids {', '.join(str(o['Id']) for o in found)}",
                duplicate=len(found) - 1,
            )
        obj = found[0]
        if differ(obj.get("TotalAmt"), move["amount_total"]):
            check.fail(
                f"{move['name']}: total {money(move['amount_total'])} in Odoo, {money(obj.get('TotalAmt'))} "
                f"in QuickBooks ({entity} {obj['Id']})"
            )
        row = bindings.get(move["id"])
        if not row or str(row.get("qbo_id") or "") not in {str(o["Id"]) for o in found}:
            check.fail(
                f"{move['name']}: the sync record binds {row and row.get('qbo_id')!r}, QuickBooks has it as "
                f"{entity} {obj['Id']}"
            )
    for (entity, number), objects in sorted(by_number.items()):
        if (entity, number) not in names:
            check.fail(
                f"QuickBooks {entity} {number or '(no number)'} (ids "
                f"{', '.join(str(o['Id']) for o in objects)}) matches no posted Odoo document",
                duplicate=len(objects),
            )
    return check


def check_open_amounts(
    moves: list[dict], qbo_invoices: list[dict], qbo_memos: list[dict], sync_records: list[dict]
) -> Check:
    """Per document, what is still open: Odoo's residual and QuickBooks' Balance (RemainingCredit)."""
    check = Check("Open amount of each invoice and credit note agrees")
    objects = {("Invoice", str(o["Id"])): o for o in live(qbo_invoices)}
    objects.update({("CreditMemo", str(o["Id"])): o for o in live(qbo_memos)})
    bindings = _bindings(sync_records, "account.move")
    for move in moves:
        if move["state"] != "posted":
            continue
        row = bindings.get(move["id"])
        entity = "CreditMemo" if move["move_type"] == "out_refund" else "Invoice"
        obj = objects.get((entity, str((row or {}).get("qbo_id") or "")))
        if obj is None:
            continue  # not in QuickBooks: the document check reports it
        check.checked += 1
        qbo_open = obj.get("RemainingCredit", obj.get("Balance")) if entity == "CreditMemo" else obj.get("Balance")
        if differ(qbo_open, move["amount_residual"]):
            check.fail(
                f"{move['name']} ({move['ref']}): open {money(move['amount_residual'])} in Odoo, "
                f"{money(qbo_open)} in QuickBooks ({entity} {obj['Id']})"
            )
    return check


# ---------------------------------------------------------------------------- payments
def check_cpa_payments(
    created: dict[str, str], qbo_payments: list[dict], odoo_payments: list[dict], sync_records: list[dict]
) -> Check:
    """Each payment the CPA recorded in QuickBooks exactly once in Odoo (or, deleted since, not at all)."""
    check = Check("Each CPA payment exactly once in Odoo")
    by_id = {str(o["Id"]): o for o in qbo_payments}
    odoo_by_memo: dict[str, list[dict]] = defaultdict(list)
    for payment in odoo_payments:
        odoo_by_memo[str(payment.get("memo") or "")].append(payment)
    rows = {str(row.get("qbo_id")): row for row in sync_records if row["qbo_entity"] == "Payment" and row.get("qbo_id")}
    for key, qbo_id in sorted(created.items()):
        check.checked += 1
        obj = by_id.get(str(qbo_id))
        gone = obj is None or str(obj.get("status") or "").lower() == "deleted" or voided(obj)
        mirrors = [p for p in odoo_by_memo.get(f"QuickBooks payment {key}", []) if p["state"] in ACTIVE_PAYMENT_STATES]
        if gone:
            if mirrors:
                check.fail(
                    f"{key} (QuickBooks payment {qbo_id}) was deleted in QuickBooks but Odoo still has "
                    f"{', '.join(p['name'] for p in mirrors)}",
                    duplicate=len(mirrors),
                )
            continue
        total = money(obj.get("TotalAmt"))
        if not mirrors:
            check.fail(f"{key} (QuickBooks payment {qbo_id}, {total}) has no payment in Odoo", loss=1)
            continue
        if len(mirrors) > 1:
            check.fail(
                f"{key} (QuickBooks payment {qbo_id}) is {len(mirrors)} payments in Odoo: "
                f"{', '.join(p['name'] for p in mirrors)}",
                duplicate=len(mirrors) - 1,
            )
        if differ(mirrors[0]["amount"], total):
            check.fail(f"{key}: {total} in QuickBooks, {money(mirrors[0]['amount'])} in Odoo ({mirrors[0]['name']})")
        row = rows.get(str(qbo_id))
        if not row:
            check.fail(f"{key} (QuickBooks payment {qbo_id}): no sync record binds it", loss=0)
        elif (
            row["res_model"] != "account.payment"
            or row["res_id"] not in {p["id"] for p in mirrors}
            or row.get("origin") != "qbo"
        ):
            check.fail(
                f"{key} (QuickBooks payment {qbo_id}): the sync record binds {row['res_model']},{row['res_id']} "
                f"(origin {row.get('origin')}), Odoo's payment is {mirrors[0]['name']}"
            )
    return check


def check_odoo_payments(
    odoo_payments: list[dict], qbo_payments: list[dict], sync_records: list[dict], prefix: str = "SOAK-PAY-"
) -> Check:
    """Each payment registered in Odoo exactly once in QuickBooks, for its amount, bound in the sync_records."""
    check = Check("Each Odoo payment exactly once in QuickBooks")
    by_ref: dict[str, list[dict]] = defaultdict(list)
    for obj in live(qbo_payments):
        by_ref[str(obj.get("PaymentRefNum") or "")].append(obj)
    bindings = _bindings(sync_records, "account.payment")
    memos = Counter(
        str(p.get("memo") or "")
        for p in odoo_payments
        if str(p.get("memo") or "").startswith(prefix) and p["state"] in ACTIVE_PAYMENT_STATES
    )
    for memo, count in memos.items():
        if count > 1:
            check.fail(f"{memo} is {count} payments in Odoo", duplicate=count - 1)
    for payment in odoo_payments:
        memo = str(payment.get("memo") or "")
        if memo.startswith(prefix) and payment["state"] == "canceled" and memos[memo] == 0:
            check.checked += 1
            still = by_ref.get(memo[:21], [])
            if still:
                check.fail(
                    f"{payment['name']} ({memo}) is cancelled in Odoo but QuickBooks still has payment "
                    f"{', '.join(str(o['Id']) for o in still)} ({money(still[0].get('TotalAmt'))})",
                    duplicate=len(still),
                )
            continue
        if not memo.startswith(prefix) or payment["state"] not in ACTIVE_PAYMENT_STATES:
            continue
        check.checked += 1
        found = by_ref.get(memo[:21], [])
        if not found:
            check.fail(f"{payment['name']} ({memo}, {money(payment['amount'])}) is not in QuickBooks", loss=1)
            continue
        if len(found) > 1:
            check.fail(
                f"{payment['name']} ({memo}) is {len(found)} payments in QuickBooks: ids "
                f"{', '.join(str(o['Id']) for o in found)}",
                duplicate=len(found) - 1,
            )
        if differ(found[0].get("TotalAmt"), payment["amount"]):
            check.fail(
                f"{payment['name']} ({memo}): {money(payment['amount'])} in Odoo, "
                f"{money(found[0].get('TotalAmt'))} in QuickBooks (payment {found[0]['Id']})"
            )
        row = bindings.get(payment["id"])
        if not row or str(row.get("qbo_id") or "") not in {str(o["Id"]) for o in found}:
            check.fail(
                f"{payment['name']} ({memo}): the sync record binds {row and row.get('qbo_id')!r}, QuickBooks has "
                f"payment {found[0]['Id']}"
            )
    return check


def check_credit_applications(moves: list[dict], qbo_payments: list[dict], sync_records: list[dict]) -> Check:
    """Each credit note applied in Odoo is applied by exactly one QuickBooks payment (of 0)."""
    check = Check("Each credit note application exactly once in QuickBooks")
    memo_ids = {
        row["res_id"]: str(row.get("qbo_id"))
        for row in sync_records
        if row["res_model"] == "account.move"
        and row["qbo_entity"] == "CreditMemo"
        and not row.get("binding_key")
        and row.get("qbo_id")
    }
    linking: dict[str, list[dict]] = defaultdict(list)
    for obj in live(qbo_payments):
        for line in obj.get("Line") or []:
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == "CreditMemo":
                    linking[str(linked.get("TxnId"))].append(obj)
    for move in moves:
        if move["move_type"] != "out_refund" or move["state"] != "posted":
            continue
        applied = money(move["amount_total"]) - money(move["amount_residual"])
        qbo_id = memo_ids.get(move["id"])
        if not qbo_id:
            continue  # not in QuickBooks: the document check reports it
        check.checked += 1
        payments = {str(p["Id"]): p for p in linking.get(qbo_id, [])}
        if applied > CENT and not payments:
            check.fail(f"{move['name']} is applied for {applied} in Odoo, by no QuickBooks payment", loss=1)
        elif len(payments) > 1:
            check.fail(
                f"{move['name']} is applied by {len(payments)} QuickBooks payments: {', '.join(sorted(payments))}",
                duplicate=len(payments) - 1,
            )
    return check


def check_write_offs(
    entry_ids: list[int], qbo_entries: list[dict], qbo_payments: list[dict], sync_records: list[dict]
) -> Check:
    """Each write-off entry posted in Odoo is exactly one QuickBooks journal entry, applied by exactly one
    QuickBooks payment (of 0)."""
    check = Check("Each write-off exactly once in QuickBooks, applied once")
    bound = {
        row["res_id"]: str(row.get("qbo_id"))
        for row in sync_records
        if row["res_model"] == "account.move" and row["qbo_entity"] == "JournalEntry" and not row.get("binding_key")
    }
    entries = {str(obj["Id"]) for obj in live(qbo_entries)}
    linking: dict[str, set[str]] = defaultdict(set)
    for obj in live(qbo_payments):
        for line in obj.get("Line") or []:
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == "JournalEntry":
                    linking[str(linked.get("TxnId"))].add(str(obj["Id"]))
    for entry_id in entry_ids:
        check.checked += 1
        qbo_id = bound.get(entry_id)
        if not qbo_id or qbo_id not in entries:
            check.fail(f"write-off entry {entry_id} is not in QuickBooks", loss=1)
        elif len(linking.get(qbo_id, ())) != 1:
            found = len(linking.get(qbo_id, ()))
            check.fail(
                f"journal entry {qbo_id} is applied by {found} QuickBooks payments",
                loss=int(not found),
                duplicate=max(found - 1, 0),
            )
    if len(entries) > len(entry_ids):
        check.fail(
            f"QuickBooks holds {len(entries)} journal entries for {len(entry_ids)} write-offs",
            duplicate=len(entries) - len(entry_ids),
        )
    return check


# ---------------------------------------------------------------------------- customers
def check_customers(
    partners: list[dict], qbo_customers: list[dict], sync_records: list[dict], notes: dict[int, str]
) -> Check:
    """One QuickBooks customer per Odoo customer, carrying Odoo's values (Odoo is master) and the CPA's
    last note (a field Odoo does not own: a merge must keep it)."""
    check = Check("Each customer exactly once in QuickBooks, with Odoo's values and the CPA's notes")
    alive = live(qbo_customers)
    by_id = {str(o["Id"]): o for o in alive}
    names = Counter(str(o.get("DisplayName") or "") for o in alive)
    bindings = _bindings(sync_records, "res.partner")
    for partner in partners:
        check.checked += 1
        row = bindings.get(partner["id"])
        obj = by_id.get(str((row or {}).get("qbo_id") or ""))
        if obj is None:
            check.fail(
                f"customer {partner['name']} ({partner['ref']}) is not in QuickBooks (sync_records: "
                f"{row and row.get('qbo_id')!r})",
                loss=1,
            )
            continue
        same = [
            o
            for o in alive
            if str(o.get("DisplayName") or "") == partner["name"]
            or str(o.get("DisplayName") or "").startswith(partner["name"] + " [")
        ]
        if len(same) > 1:
            check.fail(
                f"customer {partner['name']} is {len(same)} customers in QuickBooks: ids "
                f"{', '.join(str(o['Id']) for o in same)}",
                duplicate=len(same) - 1,
            )
        wanted = {
            "DisplayName": partner["name"],
            "PrimaryEmailAddr": partner.get("email") or None,
            "PrimaryPhone": partner.get("phone") or None,
            "BillAddr": partner.get("street") or None,
        }
        found = {
            "DisplayName": obj.get("DisplayName"),
            "PrimaryEmailAddr": (obj.get("PrimaryEmailAddr") or {}).get("Address"),
            "PrimaryPhone": (obj.get("PrimaryPhone") or {}).get("FreeFormNumber"),
            "BillAddr": (obj.get("BillAddr") or {}).get("Line1"),
        }
        stale = [f"{name} {found[name]!r} (Odoo: {value!r})" for name, value in wanted.items() if found[name] != value]
        if stale:
            check.fail(f"customer {partner['name']} (QuickBooks {obj['Id']}) differs: {'; '.join(stale)}")
        note = notes.get(partner["id"])
        if note and obj.get("Notes") != note:
            check.fail(
                f"customer {partner['name']} (QuickBooks {obj['Id']}) lost the CPA's note {note!r} "
                f"(has {obj.get('Notes')!r})",
                loss=1,
            )
    for name, count in names.items():
        if count > 1 and not any(p["name"] == name for p in partners):
            check.fail(f"{count} QuickBooks customers are named {name!r}", duplicate=count - 1)
    return check


def check_customer_balances(
    balances: dict[int, float], partners: list[dict], qbo_customers: list[dict], sync_records: list[dict]
) -> Check:
    """Per customer, what they owe: Odoo's open receivables and QuickBooks' Balance."""
    check = Check("Balance of each customer agrees")
    by_id = {str(o["Id"]): o for o in live(qbo_customers)}
    bindings = _bindings(sync_records, "res.partner")
    for partner in partners:
        obj = by_id.get(str((bindings.get(partner["id"]) or {}).get("qbo_id") or ""))
        if obj is None:
            continue
        check.checked += 1
        odoo_balance = balances.get(partner["id"], 0.0)
        if differ(odoo_balance, obj.get("Balance")):
            check.fail(
                f"customer {partner['name']}: owes {money(odoo_balance)} in Odoo, {money(obj.get('Balance'))} "
                f"in QuickBooks (customer {obj['Id']})"
            )
    return check


# ---------------------------------------------------------------------------- the machinery
def check_sync_records(sync_records: list[dict]) -> Check:
    """No sync record left failed, in conflict or pending; a failure must at least say why."""
    check = Check("No sync record failed, in conflict or pending")
    for row in sync_records:
        check.checked += 1
        if row["state"] not in ("failed", "conflict", "pending"):
            continue
        what = (
            f"{row['res_model']},{row['res_id']} {row.get('res_name') or ''} -> {row['qbo_entity']} "
            f"{row.get('qbo_id') or '(none)'}"
        )
        reason = (row.get("last_error") or "").strip().replace("\n", " ")
        kind = row.get("failure_kind") or ""
        if row["state"] == "pending":
            check.fail(f"sync record {row['id']} still pending: {what}; {reason or 'no message'}")
        elif not reason or kind not in ACTIONABLE_KINDS:
            check.fail(
                f"sync record {row['id']} {row['state']} WITHOUT an actionable reason ({kind or 'no kind'}): "
                f"{what}; {reason[:300] or 'no message'}"
            )
        else:
            check.fail(f"sync record {row['id']} {row['state']} ({kind}): {what}; {reason[:300]}")
    return check


def check_jobs(jobs: list[dict]) -> Check:
    """No queue job failed or left behind."""
    check = Check("No job failed, dead or left pending")
    for job in jobs:
        check.checked += 1
        if job["state"] in ("done", "cancelled"):
            continue
        message = (job.get("exc_message") or job.get("exc_name") or "").strip().replace("\n", " ")
        check.fail(
            f"job {job['id']} {job['state']} after {job.get('retry', 0)} tries: {job.get('name')}"
            f"{'; ' + message[:300] if message else ''}"
        )
    return check


def check_inbox(events: list[dict]) -> Check:
    """Every QuickBooks notification received was applied (or deliberately ignored)."""
    check = Check("Every QuickBooks notification processed")
    for event in events:
        check.checked += 1
        if event["state"] in ("done", "ignored"):
            continue
        check.fail(
            f"notification {event['id']} ({event['entity']} {event['qbo_id']} {event['operation']}, "
            f"{event['source']}) {event['state']}: {(event.get('last_error') or '')[:300]}"
        )
    return check


RECONCILIATION_FIGURES = ("open_count", "receivable", "unapplied")


def check_reconciliation(run: dict, lines: list[dict]) -> Check:
    """The connector's own reconciliation: no drift at all (not just under its threshold)."""
    check = Check("Reconciliation: no drift")
    check.checked = 1
    if run.get("state") == "error":
        check.fail(f"the reconciliation failed: {run.get('error_message')}")
        return check
    for key in RECONCILIATION_FIGURES:
        odoo_value, qbo_value = run.get(f"odoo_{key}"), run.get(f"qbo_{key}")
        if differ(odoo_value, qbo_value):
            check.fail(f"{key}: Odoo {odoo_value}, QuickBooks {qbo_value}")
    if run.get("customer_mismatch_count"):
        check.fail(f"{run['customer_mismatch_count']} customer balance(s) differ")
    if run.get("state") != "match" and not check.failures:
        check.fail(
            f"state {run.get('state')} (max drift {run.get('max_drift')} %); books: {run.get('books_state')} "
            f"{run.get('books_summary') or run.get('books_error') or ''}".rstrip()
        )
    for line in run.get("books_unexplained") or []:
        check.failures.append(
            f"  books, {line.get('section')} {line.get('name')} {line.get('period') or ''}: "
            f"Odoo {line.get('odoo_amount')}, QuickBooks {line.get('qbo_amount')}, difference {line.get('difference')}"
            f"{' (' + line['note'] + ')' if line.get('note') else ''}"
        )
    for line in lines[:20]:
        check.failures.append(
            f"  explained by: {line.get('kind')} {line.get('qbo_entity') or ''} "
            f"{line.get('qbo_id') or ''} move {line.get('move_id')}: Odoo {line.get('odoo_amount')}, "
            f"QuickBooks {line.get('qbo_amount')}"
        )
    return check


def check_secrets(log_text: str, secrets: list[tuple[str, str]]) -> Check:
    """No token, code or secret the run used appears in Odoo's log (shown by kind and first 4 characters)."""
    check = Check("No secret in the Odoo log")
    seen = set()
    for kind, value in secrets:
        if len(value) < 12 or value in seen:
            continue
        seen.add(value)
        check.checked += 1
        if value in log_text:
            check.fail(f"{kind} {value[:4]}... ({len(value)} characters) is in the Odoo log")
    return check
