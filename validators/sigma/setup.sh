#!/usr/bin/env bash
# Install sigma-cli (pySigma's command line, which reads rules with PyYAML,
# i.e. YAML 1.1) into the validators venv, pinned. Idempotent: a venv that
# already has exactly these versions is left alone.
#
#   validators/sigma/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/sigma/setup.sh
#
# Then run the Sigma writer's tests with TUNNELHUNT_VALIDATORS=1 and the
# same TUNNELHUNT_VENV; tests/sigma_validators.rs calls
# "$TUNNELHUNT_VENV/bin/python validators/sigma/sigma_check.py".
set -euo pipefail

SIGMA_CLI_VERSION=3.1.0
PYSIGMA_VERSION=1.5.1

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNNELHUNT_VENV:-$repo/target/validators-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

installed() {
    "$venv/bin/python" - "$SIGMA_CLI_VERSION" "$PYSIGMA_VERSION" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    ok = version("sigma-cli") == sys.argv[1] and version("pysigma") == sys.argv[2]
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

if ! installed; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
        "sigma-cli==$SIGMA_CLI_VERSION" "pysigma==$PYSIGMA_VERSION"
fi
installed
"$venv/bin/python" "$repo/validators/sigma/sigma_check.py" --self-test
