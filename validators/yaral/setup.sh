#!/usr/bin/env bash
# Install the YARA-L 2.0 parser used to check the YARA-L backend's output
# (PyPI `yaraast`, its YARA-L parser is reachable through the Python API)
# into the shared validators venv, pinned with its dependencies.
# Idempotent: a venv that already has exactly these versions is left alone.
#
#   validators/yaral/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/yaral/setup.sh
#
# Then run the YARA-L tests with TUNNELHUNT_VALIDATORS=1 and the same
# TUNNELHUNT_VENV; they call "$TUNNELHUNT_VENV/bin/python validators/yaral/yaral_check.py"
# (the backend's queries) and validators/yaral/secops_check.py (the SecOps
# rule objects of export --as rule|repo; PyYAML, pinned below, reads their
# rule_config.yaml).
set -euo pipefail

PINS=(
    "yaraast==2.1.0"
    "attrs==26.1.0"
    "click==8.5.1"
    "PyYAML==6.0.4"
    "rich==15.0.0"
    "markdown-it-py==4.3.0"
    "mdurl==0.1.2"
    "Pygments==2.21.0"
)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNNELHUNT_VENV:-$repo/target/validators-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

installed() {
    "$venv/bin/python" - "${PINS[@]}" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    try:
        ok = ok and version(name) == wanted
    except PackageNotFoundError:
        ok = False
sys.exit(0 if ok else 1)
PY
}

if ! installed; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "${PINS[@]}"
fi
installed
"$venv/bin/python" "$repo/validators/yaral/yaral_check.py" --self-test
"$venv/bin/python" "$repo/validators/yaral/secops_check.py" --self-test
