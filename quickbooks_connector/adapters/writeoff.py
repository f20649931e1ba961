"""A payment's write-off or early-payment discount → the QBO credit memo applied in the same payment.

QuickBooks' Payment has no discount or write-off of its own: the way its users record one is a
credit memo (on the discount or write-off account, with the tax part of an early-payment discount
as the memo's tax) applied to the invoice together with the cash.  A vendor payment's write-off is
the mirror image: a vendor credit on the write-off accounts, applied in the same bill payment.
"""

from decimal import Decimal

from ..qbo.money import cents
from ..qbo.payables import ExpenseLine, PurchaseDocumentData
from ..qbo.payloads import Ref, SalesDocumentData, SalesLine, TaxLineData, exchange_rate
from .purchase_document import account_refs
from .sales_document import MappingProblem, item_refs
from .tax_plan import rates_of, spread


def writeoff_memo_data(env, backend, settlement, party_qbo_id, *, is_us):
    """The credit memo (vendor credit) of ``settlement.writeoffs`` (raises :class:`MappingProblem`)."""
    problems = []
    purchase = settlement.side.name == "payable"
    base_lines = [w for w in settlement.writeoffs if not w.tax_line]
    tax_parts = [w for w in settlement.writeoffs if w.tax_line]
    if purchase and is_us:
        base_lines, tax_parts = settlement.writeoffs, []  # no tax on US purchases: the tax account is a line
    accounts = env["account.account"].union(*[w.account for w in base_lines])
    # Vendor-credit lines name their accounts; credit-memo lines take them from Items.
    refs = (account_refs if purchase else item_refs)(env, backend, accounts, problems)
    tax_maps = {
        m.tax_id: m.qbo_tax_code_id
        for m in env["quickbooks.tax.mapping"].sudo().search([("backend_id", "=", backend.id)])
    }
    lines = []
    for writeoff in base_lines:
        code = _line_tax_code(env, writeoff, tax_maps, backend.qbo_exempt_tax_code_id, is_us, problems)
        if code is not None:
            lines.append(_memo_line(env, writeoff, refs.get(writeoff.account), code, purchase, is_us))
    tax_lines, txn_code = _tax_lines(env, tax_parts, tax_maps, purchase, base_lines, problems)
    if problems:
        raise MappingProblem(list(dict.fromkeys(problems)))
    total_tax = sum((part.amount for part in tax_parts), Decimal(0))
    rate = None
    if settlement.currency != settlement.source.company_id.currency_id:
        home = cents(abs(sum(w.home_amount for w in settlement.writeoffs)))
        rate = exchange_rate(sum((w.amount for w in base_lines), Decimal(0)) + total_tax, home)
    common = {
        "lines": lines,
        "txn_date": settlement.date,
        "currency_code": settlement.currency.name,
        "exchange_rate": rate,
        "global_tax_calculation": None if is_us else "TaxExcluded",
        "tax_lines": tax_lines,
        "private_note": env._("Write-off of %s, from Odoo", settlement.source.display_name),
    }
    if purchase:
        return PurchaseDocumentData(vendor=Ref(party_qbo_id), total_tax=None if is_us else total_tax, **common)
    return SalesDocumentData(
        customer=Ref(party_qbo_id),
        txn_tax_code=Ref(txn_code.qbo_id, txn_code.name) if is_us and txn_code else None,
        total_tax=total_tax,
        **common,
    )


def _line_tax_code(env, writeoff, tax_maps, exempt, is_us, problems):
    """The QBO tax code of a write-off line (None, with the problem noted, when QuickBooks cannot carry it)."""
    taxes = writeoff.taxes.filtered("amount")
    if is_us:
        return Ref("TAX" if taxes else "NON")
    if len(taxes) == 1 and taxes in tax_maps:
        return Ref(tax_maps[taxes].qbo_id, tax_maps[taxes].name)
    if not taxes and exempt:
        return Ref(exempt.qbo_id, exempt.name)
    problems.append(
        env._(
            "The write-off on %(account)s has taxes QuickBooks cannot carry on one line "
            "(%(taxes)s): map them, or choose the tax code for untaxed lines on the connection.",
            account=writeoff.account.display_name,
            taxes=", ".join(writeoff.taxes.mapped("name")) or "-",
        )
    )
    return None


def _memo_line(env, writeoff, ref, code, purchase, is_us):
    """The memo's line of one write-off: an expense line on its account (vendor credit), or a sales line on
    the Item of its account (credit memo)."""
    description = env._("Write-off: %s", writeoff.account.name)
    if purchase:
        return ExpenseLine(
            account=ref, amount=writeoff.amount, description=description, tax_code=None if is_us else code
        )
    return SalesLine(
        kind="sales",
        description=description,
        item=ref,
        quantity=Decimal(1),
        unit_price=writeoff.amount,
        amount=writeoff.amount,
        tax_code=code,
    )


def _tax_lines(env, tax_parts, tax_maps, purchase, base_lines, problems):
    """``(QBO tax lines, the first tax code)`` of the tax parts of a write-off (an early-payment discount's
    tax), spread over each code's rates."""
    by_rate, txn_code = {}, None
    for part in tax_parts:
        code = tax_maps.get(part.tax_line)
        if code is None:
            problems.append(env._("Tax %s is not mapped to a QuickBooks tax code.", part.tax_line.display_name))
            continue
        txn_code = txn_code or code
        rates = rates_of(code, purchase)
        for rate, share in zip(rates, spread(part.amount, rates), strict=True):
            entry = by_rate.setdefault(rate["id"], [rate, Decimal(0)])
            entry[1] += share
    base = sum((w.amount for w in base_lines), Decimal(0))
    tax_lines = [
        TaxLineData(
            rate=Ref(rate_id, rate.get("name")), percent=Decimal(str(rate["rate"])), amount=amount, taxable_amount=base
        )
        for rate_id, (rate, amount) in sorted(by_rate.items())
    ]
    return tax_lines, txn_code
