#!/usr/bin/env bash
# Install the JSON Schema validator (PyPI `jsonschema`) the Sentinel ARM
# checks use into the validators venv, pinned. Idempotent: a venv that
# already has exactly this version is left alone.
#
#   validators/sentinel/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/sentinel/setup.sh
#
# Then run the deploy crate's tests with TUNNELHUNT_VALIDATORS=1 and the
# same TUNNELHUNT_VENV; tests/sentinel.rs calls
# "$TUNNELHUNT_VENV/bin/python validators/sentinel/sentinel_check.py".
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
"$venv/bin/python" "$repo/validators/sentinel/sentinel_check.py" --self-test
