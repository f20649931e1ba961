"""The qbo package must stay importable without Odoo (README, "Repository layout"): no ``odoo`` import anywhere."""

import ast
import subprocess
import sys
from pathlib import Path

QBO = Path(__file__).resolve().parents[1] / "quickbooks_connector" / "qbo"


def test_no_module_under_qbo_imports_odoo_or_uses_absolute_imports():
    offenders = []
    for path in sorted(QBO.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("odoo", "quickbooks_connector", "qbo")
            ]
    assert offenders == []
    assert len(list(QBO.glob("*.py"))) >= 8


def test_importing_qbo_loads_no_odoo():
    code = "import sys, qbo; assert not [m for m in sys.modules if m == 'odoo' or m.startswith('odoo.')]"
    subprocess.run([sys.executable, "-c", code], cwd=QBO.parent, check=True)
