#!/usr/bin/env bash
# Install the browser check (playwright-core and axe-core from npm,
# versions pinned in package-lock.json) into validators/browser/node_modules.
# Idempotent: does nothing when the pinned versions are installed.
# Chromium itself is Debian's package (/usr/bin/chromium; playwright-core
# downloads no browser): .ci/run installs it with apt when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
version() {
  node -e 'try{console.log(require("./node_modules/"+process.argv[1]+"/package.json").version)}catch(e){console.log("")}' "$1"
}
locked() {
  node -e 'console.log(require("./package-lock.json").packages["node_modules/"+process.argv[1]].version)' "$1"
}
if [ "$(version playwright-core)" != "$(locked playwright-core)" ] || [ "$(version axe-core)" != "$(locked axe-core)" ]; then
  npm ci --no-audit --no-fund
fi
chromium="${TUNNELHUNT_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "browser check: $chromium not found (apt-get install chromium)" >&2
  exit 1
fi
echo "browser check ready (playwright-core $(version playwright-core), axe-core $(version axe-core), $("$chromium" --version 2>/dev/null | head -1))"
