#!/usr/bin/env bash
# Install the JSON Schema validator (PyPI `jsonschema`) the Defender XDR
# detection-rule checks use into the validators venv, pinned (the same
# version validators/defender/setup.sh installs). Idempotent: a venv that
# already has exactly this version is left alone.
#
#   validators/defender/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/defender/setup.sh
#
# Then run the deploy crate's tests with TUNNELHUNT_VALIDATORS=1 and the
# same TUNNELHUNT_VENV; tests/defender.rs calls
# "$TUNNELHUNT_VENV/bin/python validators/defender/defender_check.py".
set -euo pipefail

JSONSCHEMA_VERSION=4.23.0

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNNELHUNT_VENV:-$repo/target/validators-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

installed() {
    "$venv/bin/python" - "$JSONSCHEMA_VERSION" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    ok = version("jsonschema") == sys.argv[1]
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

if ! installed; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
        "jsonschema==$JSONSCHEMA_VERSION"
fi
installed
"$venv/bin/python" "$repo/validators/defender/defender_check.py" --self-test
