#!/usr/bin/env bash
# Builds the Linux .deb with Tauri's bundler, which needs no download for this format. The
# package contains the desktop app (/usr/bin/homeport-app) and the CLI (/usr/bin/homeport), both
# built from the same checkout, so they report the same version and commit.
#
# Usage: scripts/package.sh               builds the UI, both binaries (release), then the .deb.
#        scripts/package.sh --from-debug  bundles the debug binaries that `cargo build` with
#                                         `--features homeport-app/custom-protocol` made. The
#                                         package test uses it to skip a release build.
# Prints the path of the .deb on the last line of standard output.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Tauri's bundler comes from npm's `@tauri-apps/cli`, which ships a prebuilt binary, installed
# into .tools/tauri-cli: `cargo install tauri-cli` compiled for 10 to 25 minutes on the 2-core
# machines this was written on.
TAURI_CLI_VERSION=2.12.4
TAURI_PREFIX="$ROOT/.tools/tauri-cli"
TAURI="$TAURI_PREFIX/node_modules/.bin/tauri"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

log() { printf 'package: %s\n' "$*" >&2; }

ensure_tauri_cli() {
  if [ -x "$TAURI" ] && "$TAURI" --version 2>/dev/null | grep -qx "tauri-cli $TAURI_CLI_VERSION"; then
    return 0
  fi
  log "installing @tauri-apps/cli $TAURI_CLI_VERSION into .tools/tauri-cli"
  mkdir -p "$TAURI_PREFIX"
  npm install --prefix "$TAURI_PREFIX" --no-audit --no-fund --no-save --loglevel=error \
    "@tauri-apps/cli@$TAURI_CLI_VERSION"
}

# Tauri's config takes a JSON merge patch on the command line. This one points the package's
# /usr/bin/homeport at the CLI binary of the chosen profile, and drops beforeBuildCommand. The
# Tauri CLI runs that command from the workspace root, where `../ui` is the wrong folder, so
# this script builds the UI itself first.
cli_mapping() {
  printf '{"build":{"beforeBuildCommand":null},"bundle":{"linux":{"deb":{"files":{"/usr/bin/homeport":"%s"}}}}}' "$1"
}

MODE=${1:-release}
case "$MODE" in
  release | --from-debug) ;;
  *)
    log "unknown option '$MODE'; usage: scripts/package.sh [--from-debug]"
    exit 2
    ;;
esac

if ! command -v dpkg-deb >/dev/null; then
  log "dpkg-deb is missing: the .deb can only be built on Debian or Ubuntu"
  exit 1
fi

scripts/deps.sh run
ensure_tauri_cli

# build.rs of homeport-api embeds this commit; set it once so the app and the CLI agree even
# when the two builds run at different times.
if [ -z "${HOMEPORT_COMMIT:-}" ]; then
  HOMEPORT_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
fi
export HOMEPORT_COMMIT

if [ "$MODE" = "--from-debug" ]; then
  PROFILE_DIR="$TARGET_DIR/debug"
  for bin in homeport-app homeport; do
    if [ ! -x "$PROFILE_DIR/$bin" ]; then
      log "$PROFILE_DIR/$bin is missing: build it first with cargo build --workspace --features homeport-app/custom-protocol"
      exit 1
    fi
  done
  log "bundling the debug build in $PROFILE_DIR"
  # `tauri bundle` packages the binaries as they are and compiles nothing.
  (cd src-tauri && "$TAURI" bundle --debug --bundles deb --ci \
    --config "$(cli_mapping "$PROFILE_DIR/homeport")")
else
  PROFILE_DIR="$TARGET_DIR/release"
  log "building the CLI (release)"
  cargo build --release -p homeport-cli
  log "building the UI"
  (cd ui && npm run --silent build)
  log "building the app (release), then the .deb"
  (cd src-tauri && "$TAURI" build --bundles deb --ci \
    --config "$(cli_mapping "$PROFILE_DIR/homeport")")
fi

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
DEB=$(ls -t "$PROFILE_DIR"/bundle/deb/*_"$VERSION"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$DEB" ]; then
  log "the bundler finished but no .deb for version $VERSION is in $PROFILE_DIR/bundle/deb"
  exit 1
fi
log "built $DEB ($(du -h "$DEB" | cut -f1), commit $HOMEPORT_COMMIT)"
echo "$DEB"
