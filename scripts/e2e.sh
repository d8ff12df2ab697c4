#!/usr/bin/env bash
# Builds the desktop app with the UI embedded and drives it in a real window under Xvfb
# through tauri-driver and WebKitWebDriver. Needs the test lab up (HOMEPORT_LAB_ENV set).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

: "${HOMEPORT_LAB_ENV:?start the lab first: tests/lab/lab.sh up, then export HOMEPORT_LAB_ENV=\$(tests/lab/lab.sh env)}"

# The same package set and features as scripts/test.sh, so cargo reuses what that step built
# instead of compiling the dependencies again with other features.
SCOPE=(--workspace --exclude homeport-bench --exclude homeport-bare-window --features homeport-app/custom-protocol)
cargo build "${SCOPE[@]}"

export HOMEPORT_E2E_APP="$ROOT/target/debug/homeport-app"
export TAURI_DRIVER="$ROOT/.tools/bin/tauri-driver"
export HOMEPORT_E2E_SCREENSHOTS="$ROOT/target/e2e-screenshots"
mkdir -p "$HOMEPORT_E2E_SCREENSHOTS"

# One window at a time: the tests share one virtual display and the lab's rotating host.
xvfb-run --auto-servernum --server-args="-screen 0 1280x860x24" \
  cargo test "${SCOPE[@]}" --no-fail-fast --test window -- --test-threads=1
