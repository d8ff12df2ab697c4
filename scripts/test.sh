#!/usr/bin/env bash
# Runs every test: Rust unit and lab integration tests, the UI's unit tests and type check,
# and the end-to-end tests in the real window. The lab is started first and stopped at the end
# whatever happened.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

LAB="$ROOT/tests/lab/lab.sh"
export HOMEPORT_LAB_DIR=${HOMEPORT_LAB_DIR:-/tmp/homeport-lab}

step() { printf '\n==> %s\n' "$*"; }

stop_lab() {
  step "stopping the test lab"
  "$LAB" down || true
}

scripts/deps.sh test

step "starting the test lab"
trap stop_lab EXIT
"$LAB" up
HOMEPORT_LAB_ENV=$("$LAB" env)
export HOMEPORT_LAB_ENV
# shellcheck disable=SC1090
. "$HOMEPORT_LAB_ENV"
export DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS

step "UI: type check and unit tests"
(cd ui && npm run --silent check && npm test --silent)

step "UI: production build"
(cd ui && npm run --silent build)

step "Rust: formatting"
cargo fmt --all -- --check

step "test lab: database images for the backup tests"
# Built once per machine and kept; the database dump tests start containers from them.
"$LAB" db-images

step "Rust: unit and lab integration tests"
cargo test --workspace --exclude homeport-bench --exclude homeport-bare-window --features homeport-app/custom-protocol --no-fail-fast

step "end to end in the real window"
scripts/e2e.sh

# Bundles the debug build that scripts/e2e.sh just made, so this step compiles nothing;
# `make package` builds the release .deb.
step "the .deb: install it, start the installed app, remove it"
if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
  tests/package/deb_test.sh "$(scripts/package.sh --from-debug | tail -n 1)"
else
  echo "skipped: installing a .deb needs root or passwordless sudo"
fi
