#!/usr/bin/env bash
# Install the JSON Schema validator (PyPI `jsonschema`) the ATT&CK Navigator
# layer checks use into the validators venv, pinned (the same version
# validators/elastic/setup.sh installs). Idempotent: a venv that already has
# exactly this version is left alone.
#
#   validators/navigator/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/navigator/setup.sh
#
# Then run the deploy crate's tests with TUNNELHUNT_VALIDATORS=1 and the
# same TUNNELHUNT_VENV; tests/navigator.rs calls
# "$TUNNELHUNT_VENV/bin/python validators/navigator/navigator_check.py".
set -euo pipefail

# The venv and the jsonschema pin are shared: validators/common/jsonschema_venv.sh.
source "$(dirname "${BASH_SOURCE[0]}")/../common/jsonschema_venv.sh"
"$venv/bin/python" "$repo/validators/navigator/navigator_check.py" --self-test
