#!/usr/bin/env bash
# Install the JSON Schema validator (PyPI `jsonschema`) the QRadar saved-search
# checks use into the validators venv, pinned. Idempotent: a venv that
# already has exactly this version is left alone.
#
#   validators/qradar/setup.sh            # venv at $repo/target/validators-venv
#   TUNNELHUNT_VENV=/some/venv validators/qradar/setup.sh
#
# Then run the deploy crate's tests with TUNNELHUNT_VALIDATORS=1 and the
# same TUNNELHUNT_VENV; tests/qradar.rs calls
# "$TUNNELHUNT_VENV/bin/python validators/qradar/qradar_check.py".
set -euo pipefail

# The venv and the jsonschema pin are shared: validators/common/jsonschema_venv.sh.
source "$(dirname "${BASH_SOURCE[0]}")/../common/jsonschema_venv.sh"
"$venv/bin/python" "$repo/validators/qradar/qradar_check.py" --self-test
