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

# The venv and the jsonschema pin are shared: validators/common/jsonschema_venv.sh.
source "$(dirname "${BASH_SOURCE[0]}")/../common/jsonschema_venv.sh"
"$venv/bin/python" "$repo/validators/defender/defender_check.py" --self-test
