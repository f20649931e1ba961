"""pytest layer: no Odoo.  The QBO library is imported as the plain package ``qbo``.

``quickbooks_connector/__init__.py`` imports Odoo, so the addon directory itself goes on
``sys.path`` and its framework-free ``qbo`` package is imported on its own (it only uses relative
imports; README, "Repository layout").
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "quickbooks_connector"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
