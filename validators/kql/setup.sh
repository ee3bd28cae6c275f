#!/usr/bin/env bash
# Install the KQL validator (Microsoft's Kusto.Language from npm, version
# pinned in package-lock.json) into validators/kql/node_modules.
# Idempotent: does nothing when the pinned version is already installed.
set -euo pipefail
cd "$(dirname "$0")"
want="$(node -e 'console.log(require("./package-lock.json").packages["node_modules/@kusto/language-service-next"].version)')"
have="$(node -e 'try{console.log(require("./node_modules/@kusto/language-service-next/package.json").version)}catch(e){console.log("")}')"
if [ "$want" != "$have" ]; then
  npm ci --no-audit --no-fund
fi
echo '["DeviceProcessEvents | where FolderPath endswith @\"\\ssh.exe\""]' | node validate.js >/dev/null
echo "kql validator ready (@kusto/language-service-next $want)"
