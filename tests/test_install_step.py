"""The install step of the test command, against Odoo 19's own pins, without Odoo.

``tests/run_all.sh`` installs into the Python that runs Odoo: ``requirements-odoo.txt`` and
``requirements.txt`` with their dependencies, ``requirements-odoo-addons.txt`` without them.  Here pip
resolves exactly that (``--dry-run --report``) for Python 3.10, 3.11 and 3.12, in an environment
that has Odoo 19's pins for that Python (``tests/odoo19_pins.txt``, as constraints): the resolution
must succeed without changing one of them, with wheels only (what an install on that Python gets).
The package index is needed, as for the install itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
#: The Pythons Odoo 19 supports on the distributions it names (Ubuntu 22.04, Debian 12, Ubuntu 24.04).
PYTHONS = ("3.10.12", "3.11.2", "3.12.3")
WITH_DEPENDENCIES = ("requirements-odoo.txt", "requirements.txt")
WITHOUT_DEPENDENCIES = ("requirements-odoo-addons.txt",)


def requirements_for(python: str, path: Path) -> list[Requirement]:
    """The requirements of a requirements file that apply to ``python`` on Linux (pip itself evaluates
    markers for the Python it runs on, whatever ``--python-version`` says)."""
    environment = {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
    }
    found = []
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line)
        if requirement.marker and not Marker(str(requirement.marker)).evaluate(environment):
            continue
        requirement.marker = None
        found.append(requirement)
    return found


def odoo_pins(python: str) -> dict[str, str]:
    """{name: version} of what Odoo 19 pins (``==``) for ``python`` on Linux."""
    pins = {}
    for requirement in requirements_for(python, ROOT / "tests" / "odoo19_pins.txt"):
        exact = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if exact:
            pins[requirement.name.lower().replace("_", "-")] = exact[0]
    return pins


def resolve(python: str, files, tmp_path: Path, no_deps: bool = False) -> dict[str, str]:
    """What pip would install for ``python`` from ``files`` under Odoo's pins: {name: version}."""
    constraints = tmp_path / f"odoo19-{python}.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in odoo_pins(python).items()))
    report = tmp_path / f"report-{python}-{int(no_deps)}.json"
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--dry-run",
        "--ignore-installed",
        "--target",
        str(tmp_path / "target"),  # what pip asks for with --python-version; nothing is written
        "--python-version",
        python,
        "--only-binary=:all:",
        "--report",
        str(report),
        "-c",
        str(constraints),
    ]
    if no_deps:
        command.append("--no-deps")
    for name in files:
        applying = tmp_path / f"{name}-{python}"
        applying.write_text("".join(f"{requirement}\n" for requirement in requirements_for(python, ROOT / name)))
        command += ["-r", str(applying)]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    if run.returncode:
        errors = [line[:300] for line in run.stderr.splitlines() if not line.startswith("WARNING: Location")]
        pytest.fail(f"pip cannot install {' '.join(files)} on Python {python} next to Odoo 19:\n" + "\n".join(errors))
    installs = json.loads(report.read_text()).get("install", [])
    return {item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"] for item in installs}


@pytest.mark.parametrize("python", PYTHONS)
def test_the_addons_requirements_install_next_to_odoo_19_without_changing_a_pin(python, tmp_path):
    pins = odoo_pins(python)
    assert pins["lxml"] and pins["cryptography"], "Odoo's pins were read"
    planned = resolve(python, WITH_DEPENDENCIES, tmp_path)
    assert {"openupgradelib", "websocket-client", "hypothesis", "pyyaml", "requests"} <= set(planned)
    changed = {
        name: (pins[name], version) for name, version in planned.items() if name in pins and pins[name] != version
    }
    assert changed == {}
    assert "odoo" not in planned, "nothing installed with its dependencies may require Odoo itself"


@pytest.mark.parametrize("python", PYTHONS)
def test_odoo_addons_from_pypi_install_without_their_dependencies(python, tmp_path):
    planned = resolve(python, WITHOUT_DEPENDENCIES, tmp_path, no_deps=True)
    assert set(planned) == {"odoo-addon-queue-job"}


def test_no_odoo_addon_is_installed_with_its_dependencies():
    # An addon's wheel requires odoo==19.0.*: pip would resolve Odoo's own requirements again.
    for name in WITH_DEPENDENCIES:
        for line in (ROOT / name).read_text().splitlines():
            assert not line.strip().lower().startswith("odoo"), (
                f"{name}: {line} belongs in requirements-odoo-addons.txt"
            )
