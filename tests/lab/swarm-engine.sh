#!/usr/bin/env bash
# A second Docker engine in swarm mode, for the Swarm export tests.
#
#   tests/lab/swarm-engine.sh up    start it (idempotent) and print its socket path
#   tests/lab/swarm-engine.sh down  stop it and remove its network namespace
#
# The shared lab engine stays a plain engine: a swarm manager changes what every other test
# sees (`docker info`, the ingress and docker_gwbridge networks). This engine runs in its own
# network namespace, so its docker0 bridge and swarm networks do not meet the lab engine's,
# with its own data root and socket under $HOMEPORT_LAB_DIR/swarm and its PID in pid. It is
# entered with nsenter, not `ip netns exec`, because the latter mounts a fresh /sys without
# the cgroup mounts dockerd needs. `docker swarm init --advertise-addr 127.0.0.1` works there
# with --iptables=false. The lab image is copied in from the lab engine, since nothing may
# be pulled.
set -euo pipefail

LAB_DIR=${HOMEPORT_LAB_DIR:-/tmp/homeport-lab}
STATE=$LAB_DIR/swarm
NETNS=hplab-swarm
SOCK=$STATE/docker.sock
PID_FILE=$STATE/pid
LAB_IMAGE=homeport-lab/busybox:1

log() { printf 'swarm-engine: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
docker_swarm() { docker -H "unix://$SOCK" "$@"; }

# True when PID runs dockerd and is not a zombie (PID 1 reaps late here).
alive() {
  local pid=$1 stat
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $stat == "$pid (dockerd) "* ]] || return 1
  [[ $(awk '{print $3}' <<<"$stat") != Z ]]
}

up() {
  mkdir -p "$STATE"
  if [[ -f $PID_FILE ]] && alive "$(cat "$PID_FILE")" && docker_swarm version >/dev/null 2>&1; then
    :
  else
    [[ -e /run/netns/$NETNS ]] || ip netns add "$NETNS"
    ip netns exec "$NETNS" ip link set lo up
    local driver=overlay2
    [[ -f $LAB_DIR/docker/storage-driver ]] && driver=$(cat "$LAB_DIR/docker/storage-driver")
    echo '{}' >"$STATE/daemon.json"
    rm -f "$SOCK"
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 nsenter --net="/run/netns/$NETNS" setsid dockerd \
      --config-file "$STATE/daemon.json" \
      --host "unix://$SOCK" \
      --data-root "$STATE/data" \
      --exec-root "$STATE/exec" \
      --pidfile "$STATE/dockerd.pid" \
      --storage-driver "$driver" \
      --iptables=false \
      --ip-forward=false \
      </dev/null >>"$STATE/dockerd.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$PID_FILE"
    local tries=0
    until docker_swarm version >/dev/null 2>&1; do
      alive "$pid" || die "dockerd exited; see $STATE/dockerd.log"
      ((++tries <= 300)) || { down; die "dockerd did not answer within 30 s; see $STATE/dockerd.log"; }
      sleep 0.1
    done
    log "dockerd started (PID $pid)"
  fi
  if [[ $(docker_swarm info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
    docker_swarm swarm init --advertise-addr 127.0.0.1 >/dev/null
    log "swarm initialised"
  fi
  if ! docker_swarm image inspect "$LAB_IMAGE" >/dev/null 2>&1; then
    docker -H "unix://$LAB_DIR/docker.sock" save "$LAB_IMAGE" | docker_swarm load >/dev/null
    log "copied $LAB_IMAGE from the lab engine"
  fi
  echo "$SOCK"
}

down() {
  if [[ -f $PID_FILE ]]; then
    local pid
    pid=$(cat "$PID_FILE")
    if alive "$pid"; then
      kill -TERM "$pid"
      local tries=0
      while alive "$pid" && ((++tries <= 200)); do sleep 0.1; done
      alive "$pid" && kill -KILL "$pid"
    fi
    rm -f "$PID_FILE"
  fi
  [[ -e /run/netns/$NETNS ]] && ip netns del "$NETNS"
  return 0
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
