#!/usr/bin/env bash
# Install Splunk's content tool (PyPI `contentctl` 5.x) and Splunk's .conf
# parser (PyPI `addonfactory-splunk-conf-parser-lib`) into their OWN venv,
# every package pinned in requirements.txt and installed with --no-deps:
# contentctl pins pydantic and friends tightly, so it does not share the
# validators venv. Idempotent: a venv that already has exactly these
# versions is left alone.
#
#   validators/splunk/setup.sh          # venv at $repo/target/validators-venv-contentctl
#   TUNNELHUNT_VENV=/some/venv validators/splunk/setup.sh   # at /some/venv-contentctl
#
# Then run the deploy crate's tests with TUNNELHUNT_VALIDATORS=1 and the
# same TUNNELHUNT_VENV; tests/splunk.rs calls
# "$TUNNELHUNT_VENV-contentctl/bin/python validators/splunk/splunk_check.py".
# Nothing is downloaded at check time: contentctl.yml turns enrichment off.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TUNNELHUNT_VENV:-$repo/target/validators-venv}-contentctl"
requirements="$repo/validators/splunk/requirements.txt"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

installed() {
    "$venv/bin/python" - "$requirements" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    name, pinned = line.split("==")
    try:
        ok = ok and version(name) == pinned
    except PackageNotFoundError:
        ok = False
sys.exit(0 if ok else 1)
PY
}

if ! installed; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
        --no-deps -r "$requirements"
fi
installed
"$venv/bin/python" "$repo/validators/splunk/splunk_check.py" --self-test
