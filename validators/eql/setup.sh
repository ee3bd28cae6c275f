#!/usr/bin/env bash
# Install Elastic's reference EQL implementation (PyPI `eql`) and its
# parser dependency into the validators venv, pinned. Idempotent: a venv
# that already has exactly these versions is left alone.
#
#   validators/eql/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/eql/setup.sh
#
# Then run the EQL tests with TUNNELHUNT_VALIDATORS=1 and the same
# TUNNELHUNT_VENV; they call "$TUNNELHUNT_VENV/bin/python validators/eql/tunnelhunt_eql.py".
set -euo pipefail

EQL_VERSION=1.0.1
LARK_VERSION=1.3.1

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNNELHUNT_VENV:-$repo/target/validators-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

installed() {
    "$venv/bin/python" - "$EQL_VERSION" "$LARK_VERSION" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    ok = version("eql") == sys.argv[1] and version("lark") == sys.argv[2]
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

if ! installed; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
        "eql==$EQL_VERSION" "lark==$LARK_VERSION"
fi
installed
"$venv/bin/python" "$repo/validators/eql/tunnelhunt_eql.py" --self-test
