# Sourced (not run) by the setup.sh of every validator that checks rule
# objects with JSON Schema (elastic, defender, sentinel, sumo, qradar,
# navigator): creates the validators venv if needed and installs PyPI
# `jsonschema` pinned, leaving a venv that already has exactly this version
# alone. One pin for all of them, so they can share one venv.
#
# Sets: repo (the repository root), venv ($TUNNELHUNT_VENV, default
# $repo/target/validators-venv). The caller then runs its own self-test.

JSONSCHEMA_VERSION=4.23.0

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNNELHUNT_VENV:-$repo/target/validators-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

jsonschema_installed() {
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

if ! jsonschema_installed; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
        "jsonschema==$JSONSCHEMA_VERSION"
fi
jsonschema_installed
