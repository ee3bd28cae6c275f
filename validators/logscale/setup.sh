#!/usr/bin/env bash
# Install what the LogScale checks use into the validators venv, pinned:
# the JSON Schema validator (PyPI `jsonschema`, the same pin as
# validators/elastic) and PyYAML (the YAML 1.1 reader that loads the alert
# resources and the humio-operator CRDs; the same pin as validators/yaral).
# Idempotent: a venv that already has exactly these versions is left alone.
#
#   validators/logscale/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/logscale/setup.sh
#
# Then run the deploy crate's tests with TUNNELHUNT_VALIDATORS=1 and the
# same TUNNELHUNT_VENV; tests/logscale.rs calls
# "$TUNNELHUNT_VENV/bin/python validators/logscale/logscale_check.py".
set -euo pipefail

JSONSCHEMA_VERSION=4.23.0
PYYAML_VERSION=6.0.4

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNNELHUNT_VENV:-$repo/target/validators-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

installed() {
    "$venv/bin/python" - "$JSONSCHEMA_VERSION" "$PYYAML_VERSION" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    ok = version("jsonschema") == sys.argv[1] and version("PyYAML") == sys.argv[2]
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

if ! installed; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
        "jsonschema==$JSONSCHEMA_VERSION" "PyYAML==$PYYAML_VERSION"
fi
installed
"$venv/bin/python" "$repo/validators/logscale/logscale_check.py" --self-test
