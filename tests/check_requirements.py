"""Installing the addon's requirements must not change any package already installed next to Odoo.

Odoo pins its dependencies per Python version (``cryptography==3.4.8`` and ``pyopenssl==21.0.0`` on
Python 3.11, for instance); upgrading one of them can stop Odoo from loading.  This asks pip what it
would do (``pip install --dry-run --report``) in the given Python and fails, naming the package,
when an installed package would be replaced by another version.

    python tests/check_requirements.py ODOO_PYTHON [--no-deps] requirements.txt [more files...]

``--no-deps``: the files are installed with pip's ``--no-deps`` (Odoo addons from PyPI, whose
``odoo`` requirement would otherwise make pip resolve Odoo's own requirements again).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def installed_versions(python: str) -> dict[str, str]:
    script = (
        "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name'].lower(): d.version "
        "for d in m.distributions() if d.metadata['Name']}))"
    )
    output = subprocess.run([python, "-c", script], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def planned_installs(python: str, files: list[str], no_deps: bool = False) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--dry-run",
            "--report",
            str(report),
        ]
        if no_deps:
            command.append("--no-deps")
        for name in files:
            command += ["-r", name]
        subprocess.run(command, check=True)
        data = json.loads(report.read_text())
    return {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in data.get("install", [])}


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    python, files = argv[1], argv[2:]
    no_deps = "--no-deps" in files
    files = [name for name in files if name != "--no-deps"]
    before = installed_versions(python)
    changes = [
        (name, before[name], version)
        for name, version in sorted(planned_installs(python, files, no_deps).items())
        if name in before and before[name] != version
    ]
    if changes:
        for name, old, new in changes:
            print(
                f"Installing {' '.join(files)} would change {name} {old} -> {new}, a package of the Odoo "
                f"environment: pin a range that accepts {old}.",
                file=sys.stderr,
            )
        return 1
    print(f"{' '.join(files)}: no package of the Odoo environment ({len(before)} installed) would change.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
