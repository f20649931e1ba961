"""Security, the write path: ``create`` and ``write`` of every model the addon defines or extends, field by
field, through ``/web/dataset/call_kw`` as each role, against the decisions of ``security_decisions``.

For each role, model and operation, a first call says whether Odoo lets the role touch the record at all
(``create`` of the model's plain values, without any of the addon's fields; ``has_access("write")``).  Refused
(an ``AccessError``): every field is refused alike, and the table must not say otherwise.  Allowed: each
field is then set on its own, and the call must succeed exactly when the table allows that role, or be
refused with an ``AccessError``.  Every call is rolled back, so each starts from the same records.  Also:
every public method of the addon's abstract models, reached through ``call_kw``, is refused to everyone.
"""

import json
import logging
from contextlib import closing

from odoo import fields as odoo_fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools.access import ADDON
from .common import REALM_ID, QuickbooksTestMixin
from .rpc import call_kw
from .security_decisions import DECISIONS, EXTENDED_WITHOUT_FIELDS, MIXIN_FIELDS, ODOO, ROLES

_logger = logging.getLogger(__name__)

MAGIC = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}
#: Values that must be valid for the field (model, field) or (model, field, operation) when it is allowed.
VALUES = {
    ("quickbooks.backend", "minorversion"): 76,
    ("quickbooks.backend", "environment", "create"): "sandbox",
    ("quickbooks.backend", "environment", "write"): "production",
    ("quickbooks.backend", "qbo_exempt_tax_code_id", "create"): False,
    ("quickbooks.backend", "reconciliation_hour"): 3,
    ("quickbooks.backend", "reconciliation_tz"): "Europe/Brussels",
    ("quickbooks.backend", "slack_webhook_url"): "http://127.0.0.1:9/services/T/B/write-path",
    ("quickbooks.backend", "custom_base_url"): "http://127.0.0.1:9",
    ("quickbooks.sync.state", "res_model"): "res.partner",
}


@tagged("post_install", "-at_install")
class TestWritePath(QuickbooksTestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.env["ir.config_parameter"].sudo().set_param("quickbooks.slack_webhook_url_prefixes", "http://127.0.0.1:9/")
        company = cls.company
        # The manager's second company, without a connection yet: where a manager creates one.
        cls.company_two = cls.env["res.company"].create({"name": "Write Path Second Company"})
        other = cls.env["res.company"].create({"name": "Write Path Other Company"})
        both = [(6, 0, (company | cls.company_two).ids)]
        cls.users = {
            "portal": new_test_user(cls.env, "wp_portal", groups="base.group_portal"),
            "internal": new_test_user(cls.env, "wp_internal", groups="base.group_user"),
            "billing": new_test_user(cls.env, "wp_billing", groups="account.group_account_invoice"),
            "qbo_user": new_test_user(
                cls.env, "wp_qbo_user", groups="base.group_user,quickbooks_connector.group_quickbooks_user"
            ),
            "other_manager": new_test_user(
                cls.env,
                "wp_other_manager",
                groups="account.group_account_manager",
                company_id=other.id,
                company_ids=[(6, 0, other.ids)],
            ),
            "manager": new_test_user(
                cls.env, "wp_manager", groups="account.group_account_manager", company_id=company.id, company_ids=both
            ),
        }

    def setUp(self):
        super().setUp()
        self.connect_backend()
        self.fixtures = self._fixtures()
        self.env.flush_all()

    # ------------------------------------------------------------------ the records
    def misc_journal(self):
        return self.env["account.journal"].search(
            [("type", "=", "general"), ("company_id", "=", self.company.id)], limit=1
        )

    def _fixtures(self):
        env, backend, company = self.env, self.backend, self.company
        partner = env["res.partner"].create({"name": "Write Path Customer"})
        accounts = env["account.account"].search(
            [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=3
        )
        taxes = env["account.tax"].create(
            [
                {"name": f"Write path {rate}%", "amount": rate, "type_tax_use": "sale", "company_id": company.id}
                for rate in (3, 4, 6)
            ]
        )
        self.assertEqual((len(accounts), len(taxes)), (3, 3), "the fixtures need three income accounts and taxes")
        qbo_accounts = env["quickbooks.qbo.account"].create(
            [
                {"backend_id": backend.id, "qbo_id": str(n), "name": f"Income {n}", "account_type": "Income"}
                for n in (81, 82)
            ]
        )
        code = env["quickbooks.qbo.tax.code"].create({"backend_id": backend.id, "qbo_id": "3", "name": "Tax 15%"})
        plan = env["account.analytic.plan"].create({"name": "Write Path Divisions"})
        analytic = env["account.analytic.account"].create(
            [{"name": f"Division {n}", "plan_id": plan.id, "company_id": company.id} for n in (1, 2, 3)]
        )
        qbo_classes = env["quickbooks.qbo.tracking"].create(
            [{"backend_id": backend.id, "kind": "class", "qbo_id": str(n), "name": f"Class {n}"} for n in (1, 2)]
        )
        run = env["quickbooks.reconciliation"].create({"backend_id": backend.id, "state": "drift", "threshold": 0.1})
        books_line = env["quickbooks.books.line"].create(
            {"reconciliation_id": run.id, "section": "trial_balance", "name": "Income 81", "state": "match"}
        )
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [(0, 0, {"name": "Work", "price_unit": 100.0, "account_id": accounts[0].id})],
            }
        )
        invoice.action_post()
        payment = env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": 10.0,
                "journal_id": journal.id,
            }
        )
        payment.action_post()
        receivable = invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        counterpart = payment.move_id.line_ids.filtered(lambda line: line.account_id == receivable.account_id)
        (receivable | counterpart).reconcile()
        partial = receivable.matched_credit_ids
        self.assertTrue(partial)
        draft = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner.id})
        manager = env(user=self.users["manager"])
        cutover = env["quickbooks.import"].create({"backend_id": backend.id})
        parallel = env["quickbooks.parallel.run"].create({"backend_id": backend.id})
        wizard = manager["quickbooks.account.mapping.wizard"].create({"backend_id": backend.id})
        item_review = manager["quickbooks.item.match.wizard"].create({"backend_id": backend.id})
        product = env["product.product"].create({"name": "Write Path Widget"})
        records = {
            "quickbooks.backend": backend,
            "quickbooks.backend.token": backend.sudo().token_ids,  # made by connect_backend()
            "quickbooks.sync.state": env["quickbooks.sync.state"].create(
                {"backend_id": backend.id, "res_model": "res.partner", "res_id": partner.id, "qbo_entity": "Customer"}
            ),
            "quickbooks.webhook.event": env["quickbooks.webhook.event"].create(
                {
                    "backend_id": backend.id,
                    "realm_id": REALM_ID,
                    "entity": "Payment",
                    "qbo_id": "5",
                    "operation": "create",
                    "dedupe_key": "write-path",
                    "state": "failed",
                }
            ),
            "quickbooks.account.mapping": env["quickbooks.account.mapping"].create(
                {"backend_id": backend.id, "account_id": accounts[0].id, "qbo_account_id": qbo_accounts[0].id}
            ),
            "quickbooks.tax.mapping": env["quickbooks.tax.mapping"].create(
                {"backend_id": backend.id, "tax_id": taxes[0].id, "qbo_tax_code_id": code.id}
            ),
            "quickbooks.qbo.account": qbo_accounts[0],
            "quickbooks.qbo.tax.code": code,
            "quickbooks.qbo.tracking": qbo_classes[0],
            "quickbooks.tracking.mapping": env["quickbooks.tracking.mapping"].create(
                {
                    "backend_id": backend.id,
                    "kind": "class",
                    "analytic_account_id": analytic[0].id,
                    "qbo_tracking_id": qbo_classes[0].id,
                }
            ),
            "quickbooks.rate.slot": env["quickbooks.rate.slot"].create({"realm_id": REALM_ID, "started_at": 1.0}),
            "quickbooks.reconciliation": run,
            "quickbooks.reconciliation.line": env["quickbooks.reconciliation.line"].create(
                {"reconciliation_id": run.id, "kind": "odoo_only", "move_id": invoice.id}
            ),
            "quickbooks.books.line": books_line,
            "quickbooks.books.explanation": env["quickbooks.books.explanation"].create(
                {"line_id": books_line.id, "kind": "unmapped"}
            ),
            "quickbooks.books.ledger.row": env["quickbooks.books.ledger.row"].create({"line_id": books_line.id}),
            "quickbooks.account.mapping.wizard": wizard,
            "quickbooks.account.mapping.wizard.line": manager["quickbooks.account.mapping.wizard.line"].create(
                {"wizard_id": wizard.id, "account_id": accounts[1].id}
            ),
            "quickbooks.bulk.push.wizard": manager["quickbooks.bulk.push.wizard"].create({"backend_id": backend.id}),
            "quickbooks.item.match.wizard": item_review,
            "quickbooks.item.match.wizard.line": manager["quickbooks.item.match.wizard.line"].create(
                {"wizard_id": item_review.id, "product_id": product.id}
            ),
            "account.move": draft,
            "account.journal": self.misc_journal(),
            "account.payment": payment,
            "res.partner": partner,
            "account.partial.reconcile": partial,
            "res.company": company,
            "res.config.settings": env["res.config.settings"].create({}),
            "quickbooks.import": cutover,
            "quickbooks.import.line": env["quickbooks.import.line"]
            .sudo()
            .create({"import_id": cutover.id, "kind": "account", "qbo_id": "81", "qbo_account_id": qbo_accounts[0].id}),
            "quickbooks.parallel.run": parallel,
            "quickbooks.parallel.day": env["quickbooks.parallel.day"]
            .sudo()
            .create({"run_id": parallel.id, "date": "2026-01-05", "clean": True}),
        }
        # What each field is set to (many2one: a record of the company; for a unique pair, one not used yet).
        self.references = {
            "quickbooks.backend": backend,
            "res.company": self.company_two,
            "account.account": accounts[2],
            "account.tax": taxes[1],
            "quickbooks.qbo.account": qbo_accounts[1],
            "quickbooks.qbo.tax.code": code,
            "res.partner": partner,
            "account.move": invoice,
            "account.analytic.plan": plan,
            "account.analytic.account": analytic[1],
            "quickbooks.qbo.tracking": qbo_classes[1],
        }
        # Plain values of a record a role would create (the company's own, as a manager of it makes them).
        self.create_values = {
            "quickbooks.backend": {"company_id": self.company_two.id},
            "quickbooks.backend.token": {"backend_id": backend.id},
            "quickbooks.sync.state": {
                "backend_id": backend.id,
                "res_model": "res.partner",
                "res_id": partner.id,
                "qbo_entity": "Customer",
                "binding_key": "write-path",
            },
            "quickbooks.webhook.event": {
                "backend_id": backend.id,
                "realm_id": REALM_ID,
                "entity": "Payment",
                "qbo_id": "6",
                "operation": "create",
                "dedupe_key": "write-path-2",
            },
            "quickbooks.account.mapping": {"backend_id": backend.id, "account_id": accounts[1].id},
            "quickbooks.tax.mapping": {"backend_id": backend.id, "tax_id": taxes[2].id, "qbo_tax_code_id": code.id},
            "quickbooks.qbo.account": {"backend_id": backend.id, "qbo_id": "83", "name": "Income 83"},
            "quickbooks.qbo.tax.code": {"backend_id": backend.id, "qbo_id": "4", "name": "Tax 5%"},
            "quickbooks.qbo.tracking": {"backend_id": backend.id, "kind": "class", "qbo_id": "9", "name": "Class 9"},
            "quickbooks.tracking.mapping": {
                "backend_id": backend.id,
                "kind": "class",
                "analytic_account_id": analytic[2].id,
            },
            "quickbooks.rate.slot": {"realm_id": REALM_ID, "started_at": 2.0},
            "quickbooks.reconciliation": {"backend_id": backend.id},
            "quickbooks.reconciliation.line": {"reconciliation_id": run.id, "kind": "qbo_only"},
            "quickbooks.books.line": {"reconciliation_id": run.id, "section": "profit_loss", "name": "Income 82"},
            "quickbooks.books.explanation": {"line_id": books_line.id, "kind": "pending"},
            "quickbooks.books.ledger.row": {"line_id": books_line.id},
            "quickbooks.account.mapping.wizard": {"backend_id": backend.id},
            "quickbooks.account.mapping.wizard.line": {"wizard_id": wizard.id, "account_id": accounts[2].id},
            "quickbooks.bulk.push.wizard": {"backend_id": backend.id},
            "quickbooks.item.match.wizard": {"backend_id": backend.id},
            "quickbooks.item.match.wizard.line": {"wizard_id": item_review.id, "product_id": product.id},
            "account.move": {"move_type": "out_invoice", "partner_id": partner.id, "company_id": company.id},
            "account.journal": {
                "name": "Write Path Accruals",
                "code": "WPA",
                "type": "general",
                "company_id": company.id,
            },
            "account.payment": {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": 5.0,
                "journal_id": journal.id,
                "company_id": company.id,
            },
            "res.partner": {"name": "Write Path Prospect"},
            "account.partial.reconcile": {
                "debit_move_id": receivable.id,
                "credit_move_id": counterpart.id,
                "amount": 1.0,
                "debit_amount_currency": 1.0,
                "credit_amount_currency": 1.0,
            },
            "res.company": {"name": "Write Path Third Company"},
            "res.config.settings": {},
            "quickbooks.import": {"backend_id": backend.id},
            "quickbooks.import.line": {"import_id": cutover.id, "kind": "customer", "qbo_id": "9"},
            "quickbooks.parallel.run": {"backend_id": backend.id},
            "quickbooks.parallel.day": {"run_id": parallel.id, "date": "2026-01-06"},
        }
        return records

    # ------------------------------------------------------------------ the fields
    def addon_models(self):
        """{model: [fields]} of every model the addon defines (all its fields) or extends (the fields it adds).
        A bridge addon's (``quickbooks_connector_sale``) are its own: the models it alone makes bound (a sales
        order gets the bound mixin there) and the fields it adds, here on a connection, are not counted."""
        found = {}
        bridges = f"{ADDON}_"
        for name in self.env.registry:
            model = self.env[name]
            if model._abstract:
                continue
            own = model._original_module == ADDON
            extended = own or any(
                cls.__module__.startswith(f"odoo.addons.{ADDON}.") and cls._name == name for cls in type(model).__mro__
            )
            if not extended:
                continue
            found[name] = sorted(
                field_name
                for field_name, field in model._fields.items()
                if field_name not in MAGIC
                and (field._module == ADDON or (own and not (field._module or "").startswith(bridges)))
            )
        return found

    def decision(self, model, field_name):
        field = self.env[model]._fields[field_name]
        if field_name in DECISIONS.get(model, {}):
            return DECISIONS[model][field_name]
        if self.env[model]._original_module == ADDON and field._module in MIXIN_FIELDS:
            return MIXIN_FIELDS[field._module]
        return None

    def value(self, model, field_name, operation):
        for key in ((model, field_name, operation), (model, field_name)):
            if key in VALUES:
                return VALUES[key]
        field = self.env[model]._fields[field_name]
        record = self.fixtures[model]
        current = record[field_name] if operation == "write" and field.type not in ("one2many", "many2many") else None
        if field.type == "boolean":
            return not current
        if field.type in ("char", "text", "html"):
            return "write-path"
        if field.type in ("integer", "many2one_reference"):
            return self.references["res.partner"].id if field.type == "many2one_reference" else 7
        if field.type in ("float", "monetary"):
            return 1.5
        if field.type == "date":
            return "2026-01-02"
        if field.type == "datetime":
            return "2026-01-02 03:04:05"
        if field.type == "json":
            return {"write": "path"}
        if field.type == "selection":
            options = [key for key, _label in field._description_selection(self.env)]
            return next((key for key in options if key != current), options[0])
        if field.type == "many2one":
            target = self.references.get(field.comodel_name) or self.env[field.comodel_name].search([], limit=1)
            return target.id
        if field.type in ("one2many", "many2many"):
            return []
        raise AssertionError(f"no test value for {model}.{field_name} ({field.type})")

    # ------------------------------------------------------------------ calling
    def attempt(self, model, operation, values):
        """``(error name or None, message)`` of one create or write, rolled back whatever happened."""
        record = self.fixtures[model]
        args = [[{**self.create_values[model], **values}]] if operation == "create" else [record.ids, values]
        args = json.loads(json.dumps(args, default=odoo_fields.Datetime.to_string))
        with closing(self.env.cr.savepoint()):
            _result, error, message = call_kw(self, model, operation, args)
        self.env.invalidate_all()
        return error, message

    def probe(self, model, operation):
        """Whether Odoo lets the role touch the record at all: create it with plain values, or write it (Odoo's
        own answer, ``has_access``: its access rights and record rules), as ``(error name or None, message)``."""
        if operation == "create":
            return self.attempt(model, "create", {})
        allowed, error, message = call_kw(self, model, "has_access", [self.fixtures[model].ids, "write"])
        self.assertIsNone(error, message)
        return (None, None) if allowed else ("AccessError", "has_access('write') is false")

    def test_every_field_of_every_model_is_refused_or_allowed_as_decided(self):
        models = self.addon_models()
        undecided = sorted(
            f"{model}.{name}" for model, names in models.items() for name in names if self.decision(model, name) is None
        )
        self.assertEqual(
            undecided, [], "a field without a decision: say who may set it, and why: " + ", ".join(undecided)
        )
        self.assertEqual({m for m, names in models.items() if not names}, EXTENDED_WITHOUT_FIELDS)
        self.assertEqual(set(self.fixtures), {m for m, names in models.items() if names}, "a model without a record")
        stale = sorted(f"{m}.{n}" for m in DECISIONS for n in DECISIONS[m] if n not in models.get(m, ()))
        self.assertEqual(stale, [], "decisions about fields that no longer exist")
        outcome, calls = [], 0
        for role in ROLES:
            self.authenticate(self.users[role].login, self.users[role].login)
            for model, names in models.items():
                if not names:
                    continue
                for operation in ("create", "write"):
                    column = 0 if operation == "create" else 1
                    probe, message = self.probe(model, operation)
                    calls += 1
                    self.assertIn(probe, (None, "AccessError"), f"{role} {operation} {model}: {message}")
                    for name in names:
                        who = self.decision(model, name)[column]
                        allowed = probe is None if who == ODOO else role in who
                        if probe is not None:
                            self.assertFalse(allowed, f"{role} may {operation} {model}.{name}, but not the record")
                            continue
                        error, message = self.attempt(model, operation, {name: self.value(model, name, operation)})
                        calls += 1
                        if allowed:
                            self.assertIsNone(error, f"{role} {operation} {model}.{name}: {message}")
                        else:
                            self.assertEqual(error, "AccessError", f"{role} {operation} {model}.{name}: {message}")
                        outcome.append((role, model, name, operation, error is None))
        allowed = {(role, model, name, operation) for role, model, name, operation, ok in outcome if ok}
        self.assertTrue(allowed, "managers still configure their connection")
        self.assertTrue({role for role, *_rest in allowed} <= {"manager", "billing"}, sorted(allowed))
        self.assertLess(calls, 1500, "batched: a role that cannot touch a record is not asked field by field")
        _logger.info(
            "Write path: %d models, %d fields, %d calls; allowed: %s",
            len(models),
            sum(len(names) for names in models.values()),
            calls,
            ", ".join(sorted({f"{role} {operation} {model}.{name}" for role, model, name, operation in allowed})),
        )

    def test_public_methods_of_abstract_models_are_refused_to_everyone(self):
        methods = set()
        for name in self.env.registry:
            model = self.env[name]
            if not (model._abstract and model._original_module == ADDON):
                continue
            for cls in type(model).__mro__:
                if cls.__module__.startswith(f"odoo.addons.{ADDON}."):
                    methods |= {(name, m) for m, v in vars(cls).items() if not m.startswith("_") and callable(v)}
        self.assertTrue(methods)
        for role in ROLES:
            self.authenticate(self.users[role].login, self.users[role].login)
            for model, method in sorted(methods):
                function = getattr(type(self.env[model]), method)
                args = [] if getattr(function, "_api_model", False) else [[1]]
                _result, error, message = call_kw(self, model, method, args)
                self.assertEqual(error, "AccessError", f"{role} {model}.{method}: {message or 'allowed'}")
