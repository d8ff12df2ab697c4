#!/usr/bin/env bash
# Installs what building, running or testing Homeport needs on Debian or Ubuntu, and nothing
# that is already there. Usage: scripts/deps.sh run|test
#   run:  system libraries for Tauri (webkit2gtk 4.1 and friends), Node.js, the UI's npm packages
#   test: all of the above, plus Xvfb, WebKitWebDriver, tauri-driver, fonts, the lab's packages
#         and Docker Compose v2 as the oracle of the Compose model's tests
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=${1:-run}

# Debian packages needed to build and run the desktop app.
RUN_PACKAGES=(libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev pkg-config)

# Extra packages for the tests: a virtual display, the WebDriver for WebKitGTK, poppler-utils to
# read the text of PDF reports, fonts that cover Chinese (screenshots show boxes without them)
# and the Secret Service.
TEST_PACKAGES=(xvfb xauth x11-utils imagemagick poppler-utils webkit2gtk-driver fonts-dejavu-core fonts-noto-cjk
  gnome-keyring libsecret-tools dbus-x11 dbus-daemon keyutils procps)

# Node.js 20.19 or newer is what Vite 8 requires.
NODE_MAJOR_MIN=20

log() { printf 'deps: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$pkg"
  done
}

apt_install() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    log "missing packages: ${missing[*]}. This script installs them on Debian or Ubuntu only; install them with your package manager."
    exit 1
  fi
  log "installing ${missing[*]}"
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    log "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again"
    exit 1
  fi
}

ensure_node() {
  local major=0
  if command -v node >/dev/null; then
    major=$(node -p 'process.versions.node.split(".")[0]')
  fi
  if [ "$major" -lt "$NODE_MAJOR_MIN" ]; then
    apt_install nodejs npm
    major=$(node -p 'process.versions.node.split(".")[0]')
  fi
  if [ "$major" -lt "$NODE_MAJOR_MIN" ]; then
    log "Node.js $major is too old: the UI build needs Node.js $NODE_MAJOR_MIN or newer"
    exit 1
  fi
}

# Runs `npm ci` only when package-lock.json changed since the last install.
ensure_ui_packages() {
  local stamp="$ROOT/ui/node_modules/.homeport-lock-hash"
  local hash
  hash=$(sha256sum "$ROOT/ui/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    return 0
  fi
  log "installing the UI's npm packages"
  (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s' "$hash" >"$stamp"
}

# tauri-driver bridges WebDriver clients to WebKitWebDriver; it goes into .tools/, not ~/.cargo.
ensure_tauri_driver() {
  local bin="$ROOT/.tools/bin/tauri-driver"
  [ -x "$bin" ] && return 0
  log "installing tauri-driver into .tools/"
  cargo install tauri-driver --locked --root "$ROOT/.tools" --quiet
}

case "$MODE" in
  run)
    apt_install "${RUN_PACKAGES[@]}"
    ensure_rust
    ensure_node
    ensure_ui_packages
    ;;
  test)
    apt_install "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    ensure_rust
    ensure_node
    ensure_ui_packages
    ensure_tauri_driver
    "$ROOT/scripts/compose-oracle.sh"
    ;;
  *)
    log "usage: scripts/deps.sh run|test"
    exit 2
    ;;
esac
