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

step "Rust: unit and lab integration tests"
cargo test --workspace --exclude homeport-bench --exclude homeport-bare-window --features homeport-app/custom-protocol --no-fail-fast

step "end to end in the real window"
scripts/e2e.sh
