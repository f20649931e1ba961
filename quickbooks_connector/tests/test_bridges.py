"""The connector needs neither the sale app nor its bridge addon: without them, Estimates are neither sent
nor followed (``quickbooks_connector_sale`` brings both, installed by itself with sale)."""

import ast
from pathlib import Path

from odoo.modules.module import get_manifest
from odoo.tests import tagged

from ..adapters.entities import PULLED_ENTITIES, qbo_entity
from .common import QuickbooksCase


@tagged("post_install", "-at_install")
class TestWithoutTheSaleApp(QuickbooksCase):
    def test_the_connector_depends_on_accounting_and_jobs_only(self):
        self.assertEqual(list(get_manifest("quickbooks_connector")["depends"]), ["account", "queue_job"])
        bridge = get_manifest("quickbooks_connector_sale")
        self.assertEqual(
            (list(bridge["depends"]), bool(bridge["auto_install"])), (["quickbooks_connector", "sale"], True)
        )
        modules = self.env["ir.module.module"].search([("name", "in", ("sale", "quickbooks_connector_sale"))])
        states = {module.name: module.state for module in modules}
        sale_installed = states.get("sale") == "installed"
        self.assertEqual(states.get("quickbooks_connector_sale") == "installed", sale_installed, states)
        if not sale_installed:  # the run of the connector alone (tests/run_all.sh): nothing of sale is there
            self.assertNotIn("sale.order", self.env)
            self.assertNotIn("sync_sale_estimates", self.backend._fields)

    def test_no_python_file_of_the_connector_imports_the_sale_app(self):
        for path in Path(__file__).resolve().parents[1].rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                self.assertFalse(
                    [
                        name
                        for name in names
                        if name.startswith(("odoo.addons.sale", "odoo.addons.quickbooks_connector_"))
                    ],
                    str(path),
                )

    def test_estimates_are_not_followed_unless_switched_on(self):
        self.assertEqual(qbo_entity("Estimate").switch, "sync_sale_estimates")
        self.assertNotIn("Estimate", PULLED_ENTITIES)
        # Without the bridge the switch does not exist; with it, it is off by default.
        self.assertNotIn("Estimate", self.backend._quickbooks_followed_entities())
        self.assertFalse(self.backend._quickbooks_switched_on("Estimate"))
        self.assertTrue(self.backend._quickbooks_switched_on("Invoice"))
