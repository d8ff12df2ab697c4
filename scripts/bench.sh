#!/usr/bin/env bash
# Measures Homeport's start-up to first paint and idle memory against a bare Tauri window, and
# its warm container-list latency against the docker CLI, then writes docs/benchmarks.md; then
# a fleet refresh of the lab's fleet hosts against the docker CLI, in docs/benchmarks-fleet.md.
# Then the host-side cost of one metrics collection against a node-exporter scrape, in
# docs/benchmarks-collection.md, and one evaluation of 1,000 alert rules against promtool, in
# docs/benchmarks-alerts.md.
#
# Starts the test lab and stops it at exit, unless HOMEPORT_LAB_ENV already names the env file
# of a running lab, which is then used and left running.
#
# BENCH_PROFILE=debug (default) or release picks the cargo profile of both apps and of the
# benchmark, which calls Homeport's API in-process. Debug is the default because a release
# build of the app took too long on the 2-CPU machines this was written on.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

LAB="$ROOT/tests/lab/lab.sh"
PROFILE=${BENCH_PROFILE:-debug}
case "$PROFILE" in
  debug) PROFILE_ARGS=() ;;
  release) PROFILE_ARGS=(--release) ;;
  *)
    echo "bench: invalid BENCH_PROFILE '$PROFILE'; use debug or release" >&2
    exit 2
    ;;
esac

step() { printf '\n==> %s\n' "$*"; }

FBDIR=$(mktemp -d "${TMPDIR:-/tmp}/homeport-bench-fb.XXXXXX")
STARTED_LAB=no
cleanup() {
  rm -rf "$FBDIR"
  if [ "$STARTED_LAB" = yes ]; then
    step "stopping the test lab"
    "$LAB" down || true
  fi
}
trap cleanup EXIT

scripts/deps.sh run
if ! command -v xvfb-run >/dev/null; then
  echo "bench: xvfb-run is missing; install the test packages with scripts/deps.sh test" >&2
  exit 1
fi

step "UI: production build"
(cd ui && npm run --silent build)

# Separate cargo calls, so that each app gets the same Tauri features as when built alone.
# The benchmark's own screenshot analysis is optimised even in the debug profile, so that it
# takes little CPU away from the app that is starting.
step "building both apps and the benchmark ($PROFILE)"
cargo build "${PROFILE_ARGS[@]}" -p homeport-app --features custom-protocol
cargo build "${PROFILE_ARGS[@]}" -p homeport-bare-window --features custom-protocol
cargo build "${PROFILE_ARGS[@]}" -p homeport-bench --config 'profile.dev.package.homeport-bench.opt-level = 3'

if [ -z "${HOMEPORT_LAB_ENV:-}" ]; then
  step "starting the test lab"
  STARTED_LAB=yes
  "$LAB" up
  HOMEPORT_LAB_ENV=$("$LAB" env)
fi
export HOMEPORT_LAB_ENV
# shellcheck disable=SC1090
. "$HOMEPORT_LAB_ENV"
# Homeport reads host secrets from the Secret Service, so point it at the lab's unlocked keyring.
export DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS

step "measuring (about 3 minutes)"
# -fbdir makes Xvfb keep the screen in a memory-mapped XWD file, which the benchmark reads
# for its screenshots without starting a process per screenshot.
xvfb-run --auto-servernum --server-args="-screen 0 1280x860x24 -fbdir $FBDIR" \
  "target/$PROFILE/homeport-bench" \
  --homeport "target/$PROFILE/homeport-app" \
  --bare "target/$PROFILE/homeport-bare-window" \
  --framebuffer "$FBDIR/Xvfb_screen0" \
  --profile "$PROFILE" \
  --work-dir target/bench \
  --output docs/benchmarks.md

step "measuring a fleet refresh of the lab's fleet hosts"
"target/$PROFILE/homeport-fleet-bench" --output docs/benchmarks-fleet.md

step "measuring what agentless collection costs the host, against a node-exporter scrape"
"target/$PROFILE/homeport-collect-bench" --output docs/benchmarks-collection.md

step "timing 1,000 alert rules over 500 series, against promtool test rules"
"target/$PROFILE/homeport-alerts-bench" --profile "$PROFILE" --output docs/benchmarks-alerts.md

step "backing up 100 MiB through Homeport against restic by hand, and timing a drill"
"target/$PROFILE/homeport-backup-bench" --output docs/benchmarks-backups.md
