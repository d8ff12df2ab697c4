#!/usr/bin/env bash
# Installs Homeport's .deb with dpkg and checks what it put on disk. Then it starts the installed
# app under Xvfb through the WebDriver harness (tests/e2e/tests/desktop.rs: the first screen,
# the About version, a second launch on the same data folder, the remembered window size and
# position, and starting in the tray). The package is removed again
# when the script ends, also after a failure. Needs root (or sudo), because dpkg writes to /usr.
#
# Usage: tests/package/deb_test.sh [PATH.deb]
#   Without a path it tests the newest .deb in target/release/bundle/deb (from `make package`),
#   or else bundles the debug build with `scripts/package.sh --from-debug`.
# Needs HOMEPORT_LAB_ENV (the lab's D-Bus session bus) and tauri-driver in .tools/, as the
# window tests do.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

log() { printf 'deb-test: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

: "${HOMEPORT_LAB_ENV:?start the lab first: tests/lab/lab.sh up, then export HOMEPORT_LAB_ENV=\$(tests/lab/lab.sh env)}"

DEB=${1:-}
if [ -z "$DEB" ]; then
  DEB=$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)
fi
if [ -z "$DEB" ]; then
  log "no release .deb found; bundling the debug build"
  DEB=$(scripts/package.sh --from-debug | tail -n 1)
fi
DEB=$(realpath "$DEB")
PACKAGE=$(dpkg-deb -f "$DEB" Package)
VERSION=$(dpkg-deb -f "$DEB" Version)
log "testing $DEB (package $PACKAGE $VERSION)"

if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
  log "$PACKAGE is already installed on this machine; remove it first (dpkg -r $PACKAGE), since this test removes the package when it ends"
  exit 1
fi

remove_package() {
  log "removing $PACKAGE"
  as_root dpkg -r "$PACKAGE" >/dev/null || log "dpkg -r $PACKAGE failed; remove it by hand"
}
trap remove_package EXIT

# dpkg -i installs no dependencies, so the ones the package names come from apt first.
missing=()
IFS=',' read -ra depends <<<"$(dpkg-deb -f "$DEB" Depends)"
for dep in "${depends[@]}"; do
  name=$(echo "$dep" | sed 's/[(|].*//' | xargs)
  [ -z "$name" ] && continue
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" || missing+=("$name")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing the package's dependencies: ${missing[*]}"
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

as_root dpkg -i "$DEB"

fail() {
  log "FAILED: $*"
  exit 1
}

# What the package must have put on disk.
[ -x /usr/bin/homeport-app ] || fail "/usr/bin/homeport-app is missing or not executable"
[ -x /usr/bin/homeport ] || fail "/usr/bin/homeport (the CLI) is missing or not executable"
ls /usr/share/applications/*.desktop 2>/dev/null | xargs grep -l '^Exec=homeport-app' >/dev/null ||
  fail "no .desktop file in /usr/share/applications starts homeport-app"

# The CLI and the package carry the same version.
cli_version=$(/usr/bin/homeport --version)
case "$cli_version" in
  "homeport $VERSION ("*")") log "CLI: $cli_version" ;;
  *) fail "homeport --version printed '$cli_version', expected 'homeport $VERSION (<commit>)'" ;;
esac

# The installed app in a real window, through the same harness as the window tests.
# shellcheck disable=SC1090
. "$HOMEPORT_LAB_ENV"
export DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS
export HOMEPORT_E2E_APP=/usr/bin/homeport-app
export HOMEPORT_E2E_VERSION=$VERSION
export TAURI_DRIVER="$ROOT/.tools/bin/tauri-driver"
# The same package set and features as scripts/e2e.sh, so cargo reuses what it built.
xvfb-run --auto-servernum --server-args="-screen 0 1280x860x24" \
  cargo test --workspace --exclude homeport-bench --exclude homeport-bare-window \
  --features homeport-app/custom-protocol --test desktop -- --test-threads=1

log "passed: $PACKAGE $VERSION installs, starts and removes"
