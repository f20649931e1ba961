"""How an Odoo document's taxes travel to QuickBooks: a tax code per line, Odoo's tax per QBO rate.

QuickBooks puts one tax code on each sales line (a code groups one or more tax rates) and, left to
itself, computes the tax per rate from the line amounts.  That computation is not Odoo's (Odoo
rounds per line or globally, may round cash, reduces the base for early-payment discounts), so the
plan also carries Odoo's own figures, sent as QuickBooks' tax override (``TxnTaxDetail``):

* outside the US: one ``TaxLine`` per QBO tax rate with Odoo's tax amount and base;
* US companies: lines are ``TAX``/``NON`` and the override is the total tax (``TotalTax``); with
  manual sales tax the document names its one tax code, with automated sales tax QuickBooks picks
  the code from the ship-to address and spreads Odoo's total over its rates.

Odoo's amounts come from Odoo's own tax engine on the document's base lines (``base_lines.py``: the
helpers the EDI modules use), so for a posted move they are the amounts of its tax journal items, and a
sales order's base lines are planned the same way (:func:`plan_taxes`; a move: :func:`plan_move_taxes`).

Vendor bills and refunds follow the same plan with the *purchase* rates of each QBO tax code
(``PurchaseTaxRateList``: the input tax a VAT return reclaims).  QuickBooks' US editions keep no tax
on purchases: a US bill's tax travels as expense lines on the accounts Odoo posted it to.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from ..qbo.money import cents
from ..qbo.payloads import Ref, TaxLineData
from .base_lines import move_base_lines, product_lines, tax_engine


@dataclass
class TaxPlan:
    """What the sales-document adapter needs to know about taxes."""

    line_codes: dict = field(default_factory=dict)  # index of a product base line -> Ref
    tax_lines: list = field(default_factory=list)  # [TaxLineData] (outside the US)
    total_tax: Decimal = Decimal(0)
    txn_tax_code: Ref | None = None  # US manual sales tax: the document's code
    inclusive: bool = False  # every taxed line has tax-included prices (outside the US)
    rounding_lines: list = field(default_factory=list)  # [(account.account, Decimal)]: cash rounding
    untaxed_code: Ref | None = None  # the code of lines without tax (cash rounding)
    problems: list = field(default_factory=list)
    #: US purchases: (account.account, Decimal) of each tax, sent as expense lines.
    tax_expense_lines: list = field(default_factory=list)


def rates_of(code, purchase=False) -> list[dict]:
    """The QBO tax rates of ``code``: those charged on sales, or those reclaimed on purchases."""
    details = code.purchase_rate_details if purchase else code.rate_details
    return [rate for rate in (details or []) if rate.get("id")]


def spread(amount: Decimal, rates: list[dict]) -> list[Decimal]:
    """Split ``amount`` over QBO rates in proportion to their percent; the remainder goes to the last."""
    total_percent = sum((Decimal(str(rate["rate"])) for rate in rates), Decimal(0))
    shares, left = [], amount
    for index, rate in enumerate(rates):
        if index == len(rates) - 1:
            shares.append(left)
        else:
            share = cents(amount * Decimal(str(rate["rate"])) / total_percent) if total_percent else Decimal(0)
            shares.append(share)
            left -= share
    return shares


class _OdooTaxes:
    """Odoo's rounded base and tax per mapping unit, and the units of each product base line."""

    def __init__(self, base_lines, unit_of):
        self.base_lines = base_lines

        def grouping(base_line, tax_data):
            return unit_of(tax_data) if tax_data else False

        engine = tax_engine(base_lines)
        totals = {}
        if engine is not None:
            aggregated = engine._aggregate_base_lines_tax_details(base_lines, grouping)
            totals = engine._aggregate_base_lines_aggregated_values(aggregated)
        self.per_unit = {
            key: (cents(values["base_amount_currency"]), cents(values["tax_amount_currency"]))
            for key, values in totals.items()
            if key
        }
        self.units_of_line = {}
        for index, base_line in enumerate(base_lines):
            if base_line.get("special_type"):
                continue
            units = []
            for tax_data in base_line["tax_details"]["taxes_data"]:
                unit = unit_of(tax_data)
                if unit not in units:
                    units.append(unit)
            self.units_of_line[index] = units

    def cash_rounding(self):
        """(account, amount) of each cash-rounding line added to the document (not the biggest-tax kind)."""
        for base_line in self.base_lines:
            if base_line.get("special_type") == "cash_rounding":
                yield base_line["account_id"], cents(base_line["price_unit"] * base_line["quantity"])


def plan_taxes(base_lines, mappings, company, *, purchase=False, is_us, automated_sales_tax=False) -> TaxPlan:
    """The tax plan of a document's rounded base lines (problems listed, never raised).

    ``mappings``: the connection's tax mappings (:class:`~.mappings.Mappings`, taxes read); ``purchase``:
    a bill or refund (purchase rates).  QuickBooks' US editions keep no tax on purchases: a US purchase plan
    has no tax, the caller sends it as expense lines (a posted bill: :func:`plan_move_taxes`).
    """
    env = company.env
    plan = TaxPlan()
    tax_maps = mappings.taxes

    def unit_of(tax_data):
        # A group tax mapped as a whole stands for its children; otherwise each tax is mapped itself.
        group = tax_data.get("group")
        return group if group and group in tax_maps else tax_data["tax"]

    odoo = _OdooTaxes(base_lines, unit_of)
    plan.total_tax = sum((tax for _base, tax in odoo.per_unit.values()), Decimal(0))
    plan.rounding_lines = list(odoo.cash_rounding())
    lines = product_lines(base_lines)

    if is_us and purchase:
        plan.total_tax = Decimal(0)
    elif is_us:
        plan.untaxed_code = Ref("NON")
        _plan_us(plan, env, lines, odoo, tax_maps, automated_sales_tax)
    else:
        exempt = mappings.exempt_code
        plan.untaxed_code = exempt.ref if exempt else None
        if plan.rounding_lines and not exempt:
            plan.problems.append(
                env._(
                    "The cash-rounding line has no tax: choose the QuickBooks tax code for "
                    "untaxed lines on the connection."
                )
            )
        _plan_outside_us(plan, env, mappings, lines, odoo, purchase)
    plan.problems = list(dict.fromkeys(plan.problems))
    return plan


def plan_move_taxes(move, mappings, *, is_us, automated_sales_tax=False):
    """``(tax plan, base lines, layout)`` of a posted invoice, credit note, bill or refund; a US bill's tax
    travels as expense lines on the accounts Odoo posted it to."""
    base_lines, layout = move_base_lines(move)
    purchase = move.is_purchase_document()
    plan = plan_taxes(
        base_lines,
        mappings,
        move.company_id,
        purchase=purchase,
        is_us=is_us,
        automated_sales_tax=automated_sales_tax,
    )
    if is_us and purchase:
        plan.tax_expense_lines = _us_purchase_tax_lines(move)
    return plan, base_lines, layout


def _us_purchase_tax_lines(move):
    """(account, amount) of a US bill's tax journal items, by account, in the document currency."""
    amounts = {}
    for line in move.line_ids.filtered(lambda aml: aml.display_type == "tax"):
        amounts[line.account_id] = amounts.get(line.account_id, Decimal(0)) + cents(
            line.amount_currency * move.direction_sign
        )
    return [(account, amount) for account, amount in amounts.items() if amount]


def _is_taxing(unit) -> bool:
    """A tax that can produce an amount (0 % taxes are exempt or zero-rated)."""
    if unit.amount_type == "group":
        return any(_is_taxing(child) for child in unit.children_tax_ids)
    return bool(unit.amount)


def _plan_us(plan, env, lines, odoo, tax_maps, automated_sales_tax):
    codes = set()
    for index, _base_line in lines:
        units = odoo.units_of_line.get(index, [])
        taxing = [unit for unit in units if _is_taxing(unit)]
        plan.line_codes[index] = Ref("TAX" if taxing else "NON")
        if automated_sales_tax:
            continue  # QuickBooks picks the code from the ship-to address: no mapping needed
        for unit in taxing:
            code = tax_maps.get(unit)
            if code is None:
                plan.problems.append(env._("Tax %s is not mapped to a QuickBooks tax code.", unit.display_name))
            else:
                _check_rate(plan, env, unit, code)
                codes.add(code)
    if automated_sales_tax and not plan.total_tax:
        # Nothing to override with: "TotalTax 0" may read as "compute it", so no line is taxable.
        plan.line_codes = dict.fromkeys(plan.line_codes, Ref("NON"))
    if len(codes) > 1:
        plan.problems.append(
            env._(
                "With manual sales tax a US QuickBooks document carries one sales tax code; this one uses %s. "
                "Split the document, or turn on automated sales tax in QuickBooks.",
                ", ".join(sorted(code.name for code in codes)),
            )
        )
    elif codes:
        code = next(iter(codes))
        plan.txn_tax_code = code.ref
        # Odoo's total on the code's rates as tax lines: with manual sales tax QuickBooks takes a
        # TotalTax of 0 alone for "compute it yourself", so the amounts must travel per rate.
        rates = rates_of(code)
        base = sum((base for _unit, (base, _tax) in odoo.per_unit.items()), Decimal(0))
        plan.tax_lines = [
            TaxLineData(
                rate=Ref(rate["id"], rate.get("name")),
                percent=Decimal(str(rate["rate"])),
                amount=share,
                taxable_amount=base,
            )
            for rate, share in zip(rates, spread(plan.total_tax, rates), strict=True)
        ]


def _plan_outside_us(plan, env, mappings, lines, odoo, purchase):
    tax_maps = mappings.taxes
    taxed_inclusive = []
    for index, base_line in lines:
        units = odoo.units_of_line.get(index, [])
        if units:
            taxed_inclusive.append(all(tax.price_include for tax in base_line["tax_ids"]))
        code = _line_code(plan, env, mappings, base_line, units, purchase)
        if code is not None:
            plan.line_codes[index] = code.ref
    plan.inclusive = bool(taxed_inclusive) and all(taxed_inclusive)
    by_rate = {}
    for unit, (base, tax) in odoo.per_unit.items():
        code = tax_maps.get(unit)
        if code is None:
            continue  # already a problem
        rates = rates_of(code, purchase)
        if not rates:
            if tax:
                plan.problems.append(
                    env._(
                        "Tax %(tax)s is mapped to the QuickBooks code %(code)s, which has no tax rate: QuickBooks "
                        "cannot carry its %(amount)s of tax. Map it to a code with a rate.",
                        tax=unit.display_name,
                        code=code.name,
                        amount=tax,
                    )
                )
            continue
        for rate, share in zip(rates, spread(tax, rates), strict=True):
            entry = by_rate.setdefault(rate["id"], {"rate": rate, "amount": Decimal(0), "base": Decimal(0)})
            entry["amount"] += share
            entry["base"] += base
    plan.tax_lines = [
        TaxLineData(
            rate=Ref(rate_id, entry["rate"].get("name")),
            percent=Decimal(str(entry["rate"]["rate"])),
            amount=entry["amount"],
            taxable_amount=entry["base"],
        )
        for rate_id, entry in sorted(by_rate.items())
    ]


def _percent(unit):
    """The rate of a percent tax (a group: the sum of its children), None for other kinds of tax."""
    if unit.amount_type == "group":
        children = [_percent(child) for child in unit.children_tax_ids]
        return None if None in children else sum(children, Decimal(0))
    return Decimal(str(unit.amount)) if unit.amount_type == "percent" else None


def _check_rate(plan, env, unit, code, purchase=False):
    """A tax mapped to a code of another rate would land on the wrong line of the VAT return."""
    percent = _percent(unit)
    if percent is None:
        return
    code_percent = sum((Decimal(str(rate["rate"])) for rate in rates_of(code, purchase)), Decimal(0))
    if abs(percent - code_percent) > Decimal("0.0001"):
        plan.problems.append(
            env._(
                "Tax %(tax)s (%(percent)s %%) is mapped to the QuickBooks tax code %(code)s (%(code_percent)s %%): "
                "the rates differ. Map it to a code with the same rate.",
                tax=unit.display_name,
                percent=f"{percent.normalize():f}",
                code=code.name,
                code_percent=f"{code_percent.normalize():f}",
            )
        )


def _line_code(plan, env, mappings, base_line, units, purchase):
    """The QBO tax code of one product line (None after noting the problem)."""
    tax_maps = mappings.taxes
    if not units:
        if mappings.exempt_code:
            return mappings.exempt_code
        plan.problems.append(
            env._(
                "Line '%s' has no tax: choose the QuickBooks tax code for untaxed lines on the connection.",
                base_line.get("name"),
            )
        )
        return None
    unmapped = [unit for unit in units if unit not in tax_maps]
    if unmapped:
        plan.problems += [
            env._("Tax %s is not mapped to a QuickBooks tax code.", unit.display_name) for unit in unmapped
        ]
        return None
    for unit in units:
        _check_rate(plan, env, unit, tax_maps[unit], purchase)
    if len(units) == 1:
        return tax_maps[units[0]]
    # Several taxes on one line: QuickBooks needs one code that combines exactly their rates.
    wanted = {rate["id"] for unit in units for rate in rates_of(tax_maps[unit], purchase)}
    combined = [code for code in mappings.active_codes if {rate["id"] for rate in rates_of(code, purchase)} == wanted]
    if combined and wanted:
        return min(combined, key=lambda code: code.qbo_id)
    names = sorted({rate.get("name") or rate["id"] for unit in units for rate in rates_of(tax_maps[unit], purchase)})
    plan.problems.append(
        env._(
            "Line '%(line)s' has the taxes %(taxes)s together: QuickBooks needs one tax code combining the rates "
            "%(rates)s. Create that combined tax code in QuickBooks, then press 'Read QuickBooks tax codes'.",
            line=base_line.get("name"),
            taxes=" + ".join(unit.display_name for unit in units),
            rates=", ".join(names),
        )
    )
    return None
