"""Sales tax of sales documents (Invoice, CreditMemo, Estimate, SalesReceipt): ``TxnTaxDetail``.

Every rule and its source is listed in the package README ("Taxes"; purchases under "Payables").
In short:

* Tax is computed per TaxRate on the summed taxable *net* amount of the document, rounded half up to
  the cent.  ``Line.Amount`` is net whatever ``GlobalTaxCalculation`` says (that field only says how
  the document is shown); ``TaxInclusiveAmt`` is stored, never used to compute.
* Non-US companies: each line's tax code brings its rates.  US companies with manual sales tax:
  lines are ``TAX``/``NON`` (or a code id, taxable by its ``Taxable`` flag) and the document's code
  is ``TxnTaxDetail.TxnTaxCodeRef``, else the seeded default.  US companies with automated sales tax
  (setting ``automated_sales_tax``): the document's code comes from the ship-to state (transaction,
  else customer, else company address); a ``TxnTaxCodeRef`` sent is replaced.
* A supplied ``TxnTaxDetail`` is an override: ``TaxLine`` amounts are kept (rates the override
  omits are computed), or a ``TotalTax`` without tax line amounts is prorated over the document's
  rates.  Under automated sales tax the amount (``TotalTax``, or the tax lines summed) is prorated
  over the rates of the code the address chose.  ``TxnTaxCodeRef`` alone, ``{}``, ``null`` and a
  ``TotalTax`` of 0 without tax lines are not overrides.
* Whether the stored detail is an override is kept in the private ``_tax_override`` flag: a sparse
  update that does not send ``TxnTaxDetail`` keeps an override and recomputes a computed detail.
* Purchases (Bill, VendorCredit) of non-US companies use the same rules with the rates of each tax
  code's ``PurchaseTaxRateList`` (``rate_list``); :mod:`.payables` calls :func:`apply_tax` for them.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults, seed
from .entities import cents, check_ref, money, num, ref_value

if TYPE_CHECKING:
    from .company import Company

#: Private flag on stored sales documents: their ``TxnTaxDetail`` was supplied by the client.
OVERRIDE_FLAG = "_tax_override"

#: State names accepted for the seeded automated-sales-tax states (codes are the usual spelling).
STATE_NAMES = {"CALIFORNIA": "CA", "NEW YORK": "NY", "TEXAS": "TX"}


def apply_tax(
    company: Company,
    data: dict[str, Any],
    by_code: dict[str, Decimal],
    mode: str,
    party: dict[str, Any],
    rate_list: str = "SalesTaxRateList",
) -> Decimal:
    """Set ``TxnTaxDetail`` (and the override flag) from the taxable net amounts per line tax code.

    ``by_code``: line tax code Id -> net amount of the lines carrying it (after the discount share
    when the discount applies before tax).  ``rate_list``: which rates of each code apply (sales, or
    ``PurchaseTaxRateList`` for purchases, non-US companies only).  Returns the total tax.
    """
    raw = data.get("TxnTaxDetail")
    sent: dict[str, Any] = raw if isinstance(raw, dict) else {}
    data[OVERRIDE_FLAG] = False
    if mode == "NotApplicable":
        data["TxnTaxDetail"] = {"TotalTax": 0}
        return Decimal(0)
    detail: dict[str, Any] = {}
    if company.is_us:
        code = ast_tax_code(company, data, party) if company.automated_sales_tax else _manual_code(company, sent)
        detail["TxnTaxCodeRef"] = {"value": code["Id"]}
        amount = sum((value for code_id, value in by_code.items() if _is_taxable_us(company, code_id)), Decimal(0))
        bases = dict.fromkeys(rate_ids(code), amount)  # TaxRate Id -> taxable net amount
        taxable = amount != 0
    else:
        bases = {}
        for code_id, amount in by_code.items():
            for rate_id in rate_ids(company.store.get("TaxCode", code_id), rate_list):
                bases[rate_id] = bases.get(rate_id, Decimal(0)) + amount
        taxable = True
    lines = _sent_tax_lines(sent)
    total_sent = money(sent.get("TotalTax"), "TxnTaxDetail.TotalTax")
    override = bool(lines) or bool(total_sent)  # a TotalTax of 0 alone is what python-quickbooks always sends
    amounts, nets = _amounts(company, bases, lines, cents(total_sent) if total_sent else None)
    total = sum(amounts.values(), Decimal(0))
    if override and not bases:
        total = cents(total_sent or Decimal(0))  # no rate to prorate over: the total stands alone
    if bases and (taxable or override):
        detail["TaxLine"] = [_tax_line(company, rate_id, amounts[rate_id], nets[rate_id]) for rate_id in bases]
    detail["TotalTax"] = num(total)
    data["TxnTaxDetail"] = detail
    data[OVERRIDE_FLAG] = override
    return total


def _amounts(
    company: Company,
    bases: dict[str, Decimal],
    lines: list[tuple[str | None, Decimal, Decimal | None]],
    total_sent: Decimal | None,
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Tax and taxable amount per rate: computed, or from the supplied override."""
    percents = {rate_id: rate_value(company, rate_id) for rate_id in bases}
    computed = {rate_id: cents(base * percents[rate_id] / 100) for rate_id, base in bases.items()}
    nets = dict(bases)
    if company.automated_sales_tax and (lines or total_sent is not None):
        # Intuit's AST blog: an explicit tax amount is honoured and prorated over the AST code's rates.
        explicit = sum((amount for _, amount, _ in lines), Decimal(0)) if lines else total_sent
        return prorate(explicit or Decimal(0), percents), nets
    if lines:
        kept = _kept_lines(company, lines, bases)
        nets.update({rate_id: net for rate_id, (_, net) in kept.items() if net is not None})
        return {rate_id: kept[rate_id][0] if rate_id in kept else computed[rate_id] for rate_id in bases}, nets
    if total_sent is not None:
        return prorate(total_sent, computed if any(computed.values()) else percents), nets
    return computed, nets


def carried_detail(existing: dict[str, Any]) -> dict[str, Any] | None:
    """What a sparse update that does not send ``TxnTaxDetail`` starts from.

    A stored override is kept as sent back (its amounts stay); a computed detail keeps only the
    document's tax code, so the tax is computed again from the (possibly new) lines.
    """
    stored = existing.get("TxnTaxDetail")
    if not isinstance(stored, dict):
        return None
    if existing.get(OVERRIDE_FLAG):
        return copy.deepcopy(stored)
    code = stored.get("TxnTaxCodeRef")
    return {"TxnTaxCodeRef": copy.deepcopy(code)} if code else None


def prorate(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Split ``total`` over the keys in proportion to ``weights``, in cents, remainder on the last."""
    keys = list(weights)
    if not keys:
        return {}
    whole = sum(weights.values(), Decimal(0))
    shares: dict[str, Decimal] = {}
    for key in keys[:-1]:
        shares[key] = cents(total * weights[key] / whole) if whole else Decimal(0)
    shares[keys[-1]] = total - sum(shares.values(), Decimal(0))
    return shares


def ast_tax_code(company: Company, data: dict[str, Any], party: dict[str, Any]) -> dict[str, Any]:
    """The tax code automated sales tax picks from the ship-to state (seeded table, see ``seed``)."""
    company_info = company.store.get("CompanyInfo", "1") or {}
    state = _state(data.get("ShipAddr")) or _state(party.get("ShipAddr")) or _state(company_info.get("CompanyAddr"))
    name = seed.AST_TAX_CODES.get(state, seed.AST_FALLBACK_TAX_CODE)
    for code in company.store.all("TaxCode"):
        if code.get("Name") == name:
            return code
    raise faults.business(f"Automated sales tax has no tax code for {state or 'this address'}.", "ShipAddr")


def rate_ids(code: dict[str, Any] | None, rate_list: str = "SalesTaxRateList") -> list[str]:
    details = ((code or {}).get(rate_list) or {}).get("TaxRateDetail") or []
    return [str(d["TaxRateRef"]["value"]) for d in details if ref_value(d.get("TaxRateRef"))]


def rate_value(company: Company, rate_id: str) -> Decimal:
    rate = company.store.get("TaxRate", rate_id) or {}
    return Decimal(str(rate.get("RateValue") or 0))


# ----------------------------------------------------------------------------- helpers
def _manual_code(company: Company, sent: dict[str, Any]) -> dict[str, Any]:
    code_id = ref_value(sent.get("TxnTaxCodeRef")) or company.default_sales_tax_code_id
    code = check_ref(company, "TaxCode", {"value": code_id}, "TxnTaxDetail.TxnTaxCodeRef")
    assert code is not None
    return code


def _is_taxable_us(company: Company, code: str) -> bool:
    if code in ("TAX", "NON"):
        return code == "TAX"
    return bool((company.store.get("TaxCode", code) or {}).get("Taxable"))


def _state(address: Any) -> str:
    if not isinstance(address, dict):
        return ""
    state = str(address.get("CountrySubDivisionCode") or "").strip().upper()
    return STATE_NAMES.get(state, state)


def _sent_tax_lines(sent: dict[str, Any]) -> list[tuple[str | None, Decimal, Decimal | None]]:
    """(TaxRate Id, amount, NetAmountTaxable) of every supplied tax line that has an ``Amount``."""
    found = []
    for entry in sent.get("TaxLine") or []:
        if not isinstance(entry, dict):
            continue
        amount = money(entry.get("Amount"), "TxnTaxDetail.TaxLine.Amount")
        if amount is None:
            continue
        detail = entry.get("TaxLineDetail") if isinstance(entry.get("TaxLineDetail"), dict) else {}
        net = money(detail.get("NetAmountTaxable"), "TxnTaxDetail.TaxLine.TaxLineDetail.NetAmountTaxable")
        found.append((ref_value(detail.get("TaxRateRef")), cents(amount), None if net is None else cents(net)))
    return found


def _kept_lines(
    company: Company, lines: list[tuple[str | None, Decimal, Decimal | None]], bases: dict[str, Decimal]
) -> dict[str, tuple[Decimal, Decimal | None]]:
    """Supplied tax lines by rate; each must name a rate of the document's tax codes."""
    element = "TxnTaxDetail.TaxLine.TaxLineDetail.TaxRateRef"
    kept: dict[str, tuple[Decimal, Decimal | None]] = {}
    for rate_id, amount, net in lines:
        if rate_id is None:
            raise faults.required_missing(element)
        rate = check_ref(company, "TaxRate", {"value": rate_id}, element, allow_inactive=True)
        assert rate is not None
        if rate_id not in bases:
            raise faults.business(
                f"The tax rate {rate.get('Name') or rate_id} isn't part of the tax codes used on this transaction.",
                element,
            )
        previous_amount, previous_net = kept.get(rate_id, (Decimal(0), None))
        kept[rate_id] = (previous_amount + amount, net if net is not None else previous_net)
    return kept


def _tax_line(company: Company, rate_id: str, amount: Decimal, net: Decimal) -> dict[str, Any]:
    return {
        "Amount": num(amount),
        "DetailType": "TaxLineDetail",
        "TaxLineDetail": {
            "TaxRateRef": {"value": rate_id},
            "PercentBased": True,
            "TaxPercent": float(rate_value(company, rate_id)),
            "NetAmountTaxable": num(cents(net)),
        },
    }
