"""Adapters turn Odoo records into the library's data and look nothing up (README, "Repository layout"): the
mappings they need are passed in, so no module under adapters/ reads a model through ``env[...]`` or imports
the layers above it."""

import ast
from pathlib import Path

ADAPTERS = Path(__file__).resolve().parents[1] / "quickbooks_connector" / "adapters"
#: What adapters may import from the addon: the library, and each other.
ALLOWED = ("qbo", "adapters")


def _modules():
    return sorted(ADAPTERS.glob("*.py"))


def test_no_adapter_looks_a_model_up_through_env():
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Subscript):
                target = node.value
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
                if name == "env":
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
    assert len(_modules()) >= 10


def test_adapters_import_only_the_library_and_each_other():
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                package = "adapters" if node.level == 1 else (node.module or "").split(".")[0]
                if package not in ALLOWED:
                    offenders.append(f"{path.name}: {'.' * node.level}{node.module or ''}")
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                offenders += [f"{path.name}: {name}" for name in names if name and name.split(".")[0] == "odoo"]
    assert offenders == []
