#!/usr/bin/env bash
# Homeport test lab: a private Docker engine, sshd hosts on loopback and in
# a network namespace of its own, and two Secret Service buses, for
# integration tests, benchmarks and manual checks.
#
# Usage: lab.sh up | down | status | env | rotate-key | db-images
# State dir: ${HOMEPORT_LAB_DIR:-/tmp/homeport-lab} (absolute path).
# Every process the lab starts has its PID in $STATE/pids/; `down` stops only
# those PIDs.

set -euo pipefail
umask 022

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
STATE=${HOMEPORT_LAB_DIR:-/tmp/homeport-lab}

DOCKER_GROUP=homeport-lab-docker
DOCKER_SOCK=$STATE/docker.sock
DOCKER_HOST_URL=unix://$DOCKER_SOCK
# The same engine also listens on TCP with TLS, for engine hosts from Docker
# contexts. The server demands a client certificate (--tlsverify).
DOCKER_TLS_ADDRESS=127.0.0.8
DOCKER_TLS_PORT=2376
DOCKER_TLS_DIR=$STATE/tls
# Certificates for the TLS endpoint checks: a local CA and leaves that expire soon, expired
# yesterday, are valid for 90 days, or carry the wrong name.
TLS_CHECK_DIR=$STATE/tls-check
TLS_CHECK_NAME=tls-lab.homeport.test
LAB_IMAGE=homeport-lab/busybox:1
WEB_CONTAINER=hp-web
WEB_CONTAINER_PORT=8080
WEB_PORT_FIRST=18080
WEB_PORT_LAST=18179
LAB_LABEL=homeport.lab=1

# Database images for the backup tests, built from a debootstrap Debian base by
# `lab.sh db-images` (see ensure_db_images). HOMEPORT_LAB_DEBIAN_MIRROR picks
# another Debian mirror.
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${HOMEPORT_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_BASE_IMAGE=homeport-lab/debian:bookworm
POSTGRES_IMAGE=homeport-lab/postgres:15
MARIADB_IMAGE=homeport-lab/mariadb:10.11

# The image registry (Debian's docker-registry, distribution 2.8) on a
# loopback address. dockerd allows plain HTTP to registries in 127.0.0.0/8
# without --insecure-registry, so the engine pushes and pulls there as is.
REGISTRY_ADDRESS=127.0.0.9
REGISTRY_PORT=5000
REGISTRY=$REGISTRY_ADDRESS:$REGISTRY_PORT
REGISTRY_DIR=$STATE/registry
# Pushed on every `up` to prove the engine reaches the registry.
REGISTRY_PROBE_IMAGE=$REGISTRY/homeport-lab/probe:1

# Debian's Prometheus, node-exporter and Alertmanager on 127.0.0.1, each on the first free
# port of its range (kept across runs in $STATE/<name>/port). Prometheus scrapes and
# evaluates rules every second, so tests see new samples and a firing alert within seconds.
MONITOR_ADDRESS=127.0.0.1
PROMETHEUS_DIR=$STATE/prometheus
PROMETHEUS_PORTS=19090:19099
NODE_EXPORTER_DIR=$STATE/node-exporter
NODE_EXPORTER_PORTS=19100:19109
ALERTMANAGER_DIR=$STATE/alertmanager
ALERTMANAGER_PORTS=19110:19119
# The alert of the lab's rule file: it fires from the first evaluation on.
LAB_ALERT_NAME=HomeportLabAlwaysFiring

KEY_USER=hplab-key
PASS_USER=hplab-pass
NODOCKER_USER=hplab-nodocker

# name:address:port:auth-methods of the three sshd hosts.
SSH_HOSTS=(
  "key:127.0.0.2:2222:publickey"
  "pass:127.0.0.3:2223:publickey,password"
  "rotate:127.0.0.4:2224:publickey"
)

# The keyboard-interactive host. sshd names its PAM service after the
# program it runs as (OpenSSH's default for SSHD_PAM_SERVICE, checked with
# Debian's OpenSSH 9.2). Running it through a symlink of this name therefore
# selects a lab-only PAM stack of pam_unix, not the system's /etc/pam.d/sshd.
KBD_SSHD_NAME=hplab-kbd-sshd
KBD_PAM_FILE=/etc/pam.d/$KBD_SSHD_NAME
KBD_ADDRESS=127.0.0.5
KBD_PORT=2225

# The fleet hosts: FLEET_COUNT loopback addresses, so fleet views and
# benchmarks see that many hosts (all on the lab engine). OpenSSH 9.2 listens
# on at most 16 sockets per sshd, so two sshd share the addresses, split at
# FLEET_SPLIT.
FLEET_COUNT=20
FLEET_SPLIT=10
FLEET_NET=127.0.1
FLEET_PORT=2230

# The jump-host topology. The bastion sshd runs in network namespace
# JUMP_NS, reachable from here at JUMP_ADDRESS through a veth pair. The inner
# sshd listens on the namespace's own loopback, which nothing outside the
# namespace can reach, so only a connection forwarded by the bastion gets in.
JUMP_NS=hplab-bastion
JUMP_VETH_OUTSIDE=hplab-jump0
JUMP_VETH_INSIDE=hplab-jump1
JUMP_OUTSIDE_ADDRESS=10.231.0.1
JUMP_ADDRESS=10.231.0.2
JUMP_PORT=22
INNER_ADDRESS=127.0.0.1
INNER_PORT=2226

# sshd re-executes itself from / for every connection and on SIGHUP, so its
# binary, config, log and every path inside the config must be absolute.
# Relative paths make each login fail with a connection reset.
SSHD_BIN=/usr/sbin/sshd

# Components `down` and `status` know about, as name:expected-comm. The comm
# check guards against stopping an unrelated process that reused a PID.
# /proc/PID/comm is cut to 15 bytes, hence "gnome-keyring-d" and "prometheus-node".
COMPONENTS=(
  "dockerd:dockerd"
  "registry:docker-registry"
  "sshd-key:sshd"
  "sshd-pass:sshd"
  "sshd-rotate:sshd"
  "sshd-kbd:$KBD_SSHD_NAME"
  "sshd-fleet1:sshd"
  "sshd-fleet2:sshd"
  "sshd-jump:sshd"
  "sshd-inner:sshd"
  "keyring-unlocked:gnome-keyring-d"
  "keyring-locked:gnome-keyring-d"
  "dbus-unlocked:dbus-daemon"
  "dbus-locked:dbus-daemon"
  "prometheus:prometheus"
  "node-exporter:prometheus-node"
  "alertmanager:prometheus-aler"
)

# Debian packages and one file from each that proves it is installed.
REQUIRED_PACKAGES=(
  "docker.io:/usr/sbin/dockerd"
  "docker-registry:/usr/bin/docker-registry"
  "containerd:/usr/bin/containerd"
  "busybox-static:/bin/busybox"
  "openssh-server:/usr/sbin/sshd"
  "openssh-client:/usr/bin/ssh-keyscan"
  "sshpass:/usr/bin/sshpass"
  "gnome-keyring:/usr/bin/gnome-keyring-daemon"
  "dbus-daemon:/usr/bin/dbus-daemon"
  "dbus-bin:/usr/bin/dbus-send"
  "libsecret-tools:/usr/bin/secret-tool"
  "curl:/usr/bin/curl"
  "openssl:/usr/bin/openssl"
  "docker-compose:/usr/bin/docker-compose"
  "prometheus:/usr/bin/promtool"
  "prometheus-node-exporter:/usr/bin/prometheus-node-exporter"
  "prometheus-alertmanager:/usr/bin/prometheus-alertmanager"
  "iproute2:/usr/bin/ss"
  "util-linux:/usr/bin/setpriv"
  "restic:/usr/bin/restic"
  "rclone:/usr/bin/rclone"
)

SSH_CLIENT_OPTS=(
  -F /dev/null
  -o StrictHostKeyChecking=no
  -o UserKnownHostsFile=/dev/null
  -o LogLevel=ERROR
  -o ConnectTimeout=5
  -o IdentitiesOnly=yes
)

# PIDs of short-lived helpers (an ssh port forward, a throwaway keyring
# daemon) that must not outlive the script if a step fails.
TEMP_PIDS=()

# ---------------------------------------------------------------- helpers

log() {
  printf 'lab: %s\n' "$*" >&2
}

die() {
  printf 'lab: error: %s\n' "$*" >&2
  exit 1
}

now_ms() {
  date +%s%3N
}

# Prints running, zombie or gone. PID 1 on some machines reaps orphans only
# every few seconds, and `kill -0` succeeds on a zombie, so read the state
# letter from /proc/PID/stat instead.
pid_state() {
  local pid=$1 stat state
  if ! stat=$(cat "/proc/$pid/stat" 2>/dev/null); then
    echo gone
    return
  fi
  state=${stat##*) }
  state=${state%% *}
  case $state in
    Z | X) echo zombie ;;
    *) echo running ;;
  esac
}

pid_alive() {
  [[ $(pid_state "$1") == running ]]
}

# Runs COMMAND... until it succeeds or TIMEOUT_SECONDS pass. Returns 1 on
# timeout. Output of the command is discarded.
wait_until() {
  local timeout_seconds=$1
  shift
  local deadline=$(($(now_ms) + timeout_seconds * 1000))
  until "$@" >/dev/null 2>&1; do
    if (($(now_ms) >= deadline)); then
      return 1
    fi
    sleep 0.1
  done
}

wait_pid_exit() {
  local pid=$1 timeout_seconds=$2
  local deadline=$(($(now_ms) + timeout_seconds * 1000))
  while pid_alive "$pid"; do
    if (($(now_ms) >= deadline)); then
      return 1
    fi
    sleep 0.1
  done
}

pid_file() {
  echo "$STATE/pids/$1.pid"
}

recorded_pid() {
  local file
  file=$(pid_file "$1")
  [[ -s $file ]] && cat "$file"
}

# Succeeds when component NAME has a recorded PID that is still running.
component_alive() {
  local pid
  pid=$(recorded_pid "$1") || return 1
  pid_alive "$pid"
}

record_pid() {
  echo "$2" >"$(pid_file "$1")"
}

cleanup_temp_pids() {
  local pid
  for pid in "${TEMP_PIDS[@]}"; do
    if pid_alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      wait_pid_exit "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  TEMP_PIDS=()
}

# Writes a random URL-safe string of 32 characters, without a newline, to
# FILE (mode 0600) unless FILE already exists, so secrets survive repeated
# `up` runs. gnome-keyring-daemon --unlock takes all of stdin as the password,
# newline included.
ensure_secret_file() {
  local file=$1 secret
  if [[ -s $file ]]; then
    return
  fi
  secret=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
  (umask 077 && printf '%s' "$secret" >"$file")
}

# Prints VALUE in single quotes so a POSIX shell reads it back unchanged.
shell_quote() {
  local value=$1
  printf "'%s'" "${value//\'/\'\\\'\'}"
}

docker_lab() {
  docker -H "$DOCKER_HOST_URL" "$@"
}

# Command prefix that runs a program as the user who invoked lab.sh through
# sudo, empty when root ran it. A prefix array rather than a function, so
# that `"${CALLER_PREFIX[@]}" prog &` makes $! the PID of prog itself.
set_caller() {
  CALLER_UID=${SUDO_UID:-0}
  CALLER_GID=${SUDO_GID:-0}
  CALLER_PREFIX=()
  if ((CALLER_UID != 0)); then
    CALLER_PREFIX=(setpriv --reuid="$CALLER_UID" --regid="$CALLER_GID" --init-groups --)
  fi
}

# ---------------------------------------------------------------- setup

# Re-runs the script through sudo when not root: dockerd, sshd for other
# users and useradd all need root.
ensure_root() {
  if ((EUID == 0)); then
    return
  fi
  command -v sudo >/dev/null || die "lab.sh needs root and sudo is not installed. Run it as root."
  exec sudo --preserve-env=HOMEPORT_LAB_DIR -- "$SCRIPT_PATH" "$@"
}

check_state_dir() {
  [[ $STATE == /* ]] || die "HOMEPORT_LAB_DIR must be an absolute path, got '$STATE'"
  # A Unix socket path may be at most 107 bytes long. The longest one in the
  # lab is containerd's, 45 bytes below the state dir.
  ((${#STATE} <= 60)) || die "HOMEPORT_LAB_DIR is ${#STATE} characters long; use a path of at most 60 so socket paths fit"
}

ensure_packages() {
  local entry package file missing=()
  for entry in "${REQUIRED_PACKAGES[@]}"; do
    package=${entry%%:*}
    file=${entry#*:}
    [[ -e $file ]] || missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    return
  fi

  log "installing ${missing[*]}"
  # Another apt-get may hold the dpkg lock, so wait for it instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

create_state_dirs() {
  mkdir -p "$STATE"/{pids,logs,keys,client,ssh,home,image,run,tls}
  chmod 0755 "$STATE" "$STATE/keys" "$STATE/home"
  # Private keys, passwords and the env file are only for the caller.
  mkdir -p -m 0700 "$STATE/secrets"
  chmod 0700 "$STATE/secrets" "$STATE/client"
  chown "$CALLER_UID:$CALLER_GID" "$STATE/client" "$STATE/secrets"
}

ensure_group_and_users() {
  groupadd -f "$DOCKER_GROUP"

  ensure_user "$KEY_USER" with-docker
  ensure_user "$PASS_USER" with-docker
  ensure_user "$NODOCKER_USER" without-docker

  # With UsePAM no, sshd rejects every login, even by key, for an account
  # whose password field starts with "!" (what useradd sets). "*" means no
  # password but not locked.
  local user
  for user in "$KEY_USER" "$NODOCKER_USER"; do
    [[ $(getent shadow "$user" | cut -d: -f2) == '*' ]] || usermod -p '*' "$user"
  done

  ensure_secret_file "$STATE/secrets/ssh-pass-password"
  printf '%s:%s\n' "$PASS_USER" "$(cat "$STATE/secrets/ssh-pass-password")" | chpasswd
}

# Creates or updates USER with shell /bin/sh and a home under the state dir.
# MODE with-docker adds the user to the lab docker group, and without-docker
# makes sure the user is not in it.
ensure_user() {
  local user=$1 mode=$2 home=$STATE/home/$1 entry
  if entry=$(getent passwd "$user"); then
    # usermod prints "no changes" when nothing differs, so only call it then.
    if [[ $(cut -d: -f6,7 <<<"$entry") != "$home:/bin/sh" ]]; then
      usermod -d "$home" -s /bin/sh "$user"
    fi
  else
    useradd -M -d "$home" -s /bin/sh "$user"
  fi
  mkdir -p "$home"
  chown "$user:" "$home"

  local in_group=no
  if id -nG "$user" | tr ' ' '\n' | grep -qx "$DOCKER_GROUP"; then
    in_group=yes
  fi
  if [[ $mode == with-docker && $in_group == no ]]; then
    usermod -a -G "$DOCKER_GROUP" "$user"
  elif [[ $mode == without-docker && $in_group == yes ]]; then
    gpasswd -d "$user" "$DOCKER_GROUP" >/dev/null
  fi
}

# ---------------------------------------------------------------- docker

# Makes a CA, a server certificate for the TLS listener and a client
# certificate, as `dockerd --tlsverify` and `docker --tlsverify` use them, plus
# a second CA that signed nothing, for tests that must see a refusal. The
# client key belongs to the caller, since tests read it.
ensure_engine_tls() {
  local dir=$DOCKER_TLS_DIR
  if [[ -s $dir/ca.pem && -s $dir/server-cert.pem && -s $dir/cert.pem && -s $dir/other-ca.pem ]] \
    && openssl x509 -checkend 86400 -noout -in "$dir/server-cert.pem" >/dev/null; then
    return
  fi
  log "making TLS certificates for the engine's TCP listener"
  (
    umask 077
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
      -subj '/CN=Homeport lab engine CA' -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
      -subj '/CN=Homeport lab unrelated CA' -keyout other-ca-key.pem -out other-ca.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=$DOCKER_TLS_ADDRESS" -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$DOCKER_TLS_ADDRESS" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
      -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj '/CN=homeport-lab-client' -keyout key.pem -out client.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
      -extfile client.ext -out cert.pem 2>/dev/null
    rm -f server.csr client.csr server.ext client.ext
  )
  chmod 0644 "$dir"/{ca,other-ca,server-cert,cert}.pem
  chown "$CALLER_UID:$CALLER_GID" "$dir/key.pem" "$dir/cert.pem"
  # A running engine holds the old server certificate; restart it.
  if component_alive dockerd; then
    stop_component dockerd dockerd
  fi
}

# Signs a leaf for the TLS checks with the lab CA, valid from $3 to $4 (Unix seconds).
# `openssl ca` is used because it alone takes arbitrary start and end dates in OpenSSL 3.0.
sign_tls_check_leaf() {
  local name=$1 dns=$2 start=$3 end=$4
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$dns" -keyout "$name-key.pem" -out "$name.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$dns" >"$name.ext"
  openssl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca-key.pem -in "$name.csr" \
    -out "$name.pem" -extfile "$name.ext" \
    -startdate "$(date -u -d "@$start" +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d "@$end" +%Y%m%d%H%M%SZ)" \
    2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

# Makes the TLS check certificates. They are made again when the one that expires soon has
# less than 2 days left, so it always reports 2 days right after `up`.
ensure_tls_check_certs() {
  local dir=$TLS_CHECK_DIR
  if [[ -s $dir/soon.pem && -s $dir/expired.pem && -s $dir/valid.pem && -s $dir/wrong-name.pem ]] \
    && openssl x509 -checkend 172800 -noout -in "$dir/soon.pem" >/dev/null; then
    return
  fi
  log "making certificates for the TLS endpoint checks"
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    umask 022
    cd "$dir"
    local now day=86400
    now=$(date -u +%s)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 400 \
      -subj '/CN=Homeport lab TLS check CA' -keyout ca-key.pem -out ca.pem 2>/dev/null
    : >index.txt
    printf '1000\n' >serial
    printf '%s\n' '[ca]' 'default_ca = lab' '[lab]' 'database = index.txt' 'new_certs_dir = .' \
      'serial = serial' 'default_md = sha256' 'policy = any' 'unique_subject = no' \
      '[any]' 'commonName = supplied' >ca.cnf
    sign_tls_check_leaf soon "$TLS_CHECK_NAME" $((now - day)) $((now + 2 * day + day / 2))
    sign_tls_check_leaf expired "$TLS_CHECK_NAME" $((now - 30 * day)) $((now - day))
    sign_tls_check_leaf valid "$TLS_CHECK_NAME" $((now - day)) $((now + 90 * day))
    sign_tls_check_leaf wrong-name "other.homeport.test" $((now - day)) $((now + 90 * day))
    rm -f ./*.old index.txt.attr ./1[0-9][0-9][0-9].pem
  )
  chown -R "$CALLER_UID:$CALLER_GID" "$dir"
}

docker_tls_lab() {
  docker --tlsverify --tlscacert "$DOCKER_TLS_DIR/ca.pem" --tlscert "$DOCKER_TLS_DIR/cert.pem" \
    --tlskey "$DOCKER_TLS_DIR/key.pem" -H "tcp://$DOCKER_TLS_ADDRESS:$DOCKER_TLS_PORT" "$@"
}

verify_engine_tls() {
  docker_tls_lab version >/dev/null 2>&1 \
    || die "the engine does not answer with TLS on $DOCKER_TLS_ADDRESS:$DOCKER_TLS_PORT; see $STATE/logs/dockerd.log"
}

start_dockerd() {
  if component_alive dockerd; then
    # An engine started by an older lab has no TLS listener; restart it with one.
    if docker_tls_lab version >/dev/null 2>&1; then
      return
    fi
    log "restarting dockerd to add its TLS listener"
    stop_component dockerd dockerd
  fi

  local driver_file=$STATE/docker/storage-driver driver
  mkdir -p "$STATE/docker"/{data,exec}
  driver=$(cat "$driver_file" 2>/dev/null || echo overlay2)

  if ! launch_dockerd "$driver"; then
    # NOTE: this fallback has not run on the test machine, where overlay2
    # works on ext4.
    if [[ $driver == overlay2 ]]; then
      log "dockerd did not start with overlay2 (see $STATE/logs/dockerd.log); falling back to the vfs storage driver, which copies every layer"
      driver=vfs
      launch_dockerd "$driver" || die "dockerd did not start with vfs either; see $STATE/logs/dockerd.log"
    else
      die "dockerd did not start with $driver; see $STATE/logs/dockerd.log"
    fi
  fi
  echo "$driver" >"$driver_file"
}

# Starts dockerd with storage driver DRIVER and waits until `docker version`
# succeeds. Returns 1, with dockerd stopped, when it exits or times out.
launch_dockerd() {
  local driver=$1 pid
  # An empty config file keeps /etc/docker/daemon.json of a system engine
  # out of the lab. PREFER_OFFLINE_IMAGE stops swarm tasks from trying to
  # pull from a registry before they start.
  echo '{}' >"$STATE/docker/daemon.json"
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid dockerd \
    --config-file "$STATE/docker/daemon.json" \
    --host "$DOCKER_HOST_URL" \
    --host "tcp://$DOCKER_TLS_ADDRESS:$DOCKER_TLS_PORT" \
    --tlsverify \
    --tlscacert "$DOCKER_TLS_DIR/ca.pem" \
    --tlscert "$DOCKER_TLS_DIR/server-cert.pem" \
    --tlskey "$DOCKER_TLS_DIR/server-key.pem" \
    --group "$DOCKER_GROUP" \
    --data-root "$STATE/docker/data" \
    --exec-root "$STATE/docker/exec" \
    --pidfile "$STATE/docker/dockerd.pid" \
    --storage-driver "$driver" \
    --iptables=false \
    --ip-forward=false \
    </dev/null >>"$STATE/logs/dockerd.log" 2>&1 &
  pid=$!
  record_pid dockerd "$pid"

  local deadline=$(($(now_ms) + 30000))
  until docker_lab version >/dev/null 2>&1; do
    if ! pid_alive "$pid"; then
      rm -f "$(pid_file dockerd)"
      return 1
    fi
    if (($(now_ms) >= deadline)); then
      log "dockerd (PID $pid) did not answer within 30 s; stopping it"
      stop_component dockerd dockerd
      return 1
    fi
    sleep 0.1
  done
}

verify_docker_socket() {
  local mode
  mode=$(stat -c '%a %U:%G' "$DOCKER_SOCK")
  [[ $mode == "660 root:$DOCKER_GROUP" ]] || die "docker socket $DOCKER_SOCK has mode/owner '$mode', expected '660 root:$DOCKER_GROUP'"
}

docker_api_version() {
  docker_lab version --format '{{.Server.APIVersion}}'
}

# Builds the lab image from busybox-static without any registry.
ensure_image() {
  if docker_lab image inspect "$LAB_IMAGE" >/dev/null 2>&1; then
    return
  fi

  local rootfs=$STATE/image/rootfs applet
  rm -rf "$rootfs"
  mkdir -p "$rootfs"/{bin,dev,etc,proc,sys,tmp,www}
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"

  tar -C "$rootfs" -c . | docker_lab import \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/sh"]' \
    - "$LAB_IMAGE" >/dev/null
  docker_lab image inspect "$LAB_IMAGE" >/dev/null || die "docker import did not create $LAB_IMAGE"
}

# ---------------------------------------------------------------- database images

# Builds the Debian base and the PostgreSQL and MariaDB images that the database
# backup tests start. They are built only when asked (`lab.sh db-images`, or `up`
# with HOMEPORT_LAB_DB_IMAGES=1) because a cold build downloads about 120 MB of
# Debian packages and takes about two minutes. Images that exist are kept.
ensure_db_images() {
  component_alive dockerd || die "the lab Docker engine is not running; run 'lab.sh up' first"
  ensure_debian_base_image

  local missing=() image pid failed=0
  local -A build_pids=()
  for image in "$POSTGRES_IMAGE" "$MARIADB_IMAGE"; do
    docker_lab image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
  done
  if ((${#missing[@]} == 0)); then
    return
  fi

  # The two builds mostly wait on downloads, so they run side by side. The
  # classic builder is requested because the engine (20.10) has no buildx
  # component for the docker CLI to use.
  for image in "${missing[@]}"; do
    write_db_build_context "$image"
    log "building $image (log: $STATE/logs/build-${image//[\/:]/-}.log)"
    DOCKER_BUILDKIT=0 docker_lab build --network host --pull=false -t "$image" "$(db_build_dir "$image")" \
      >"$STATE/logs/build-${image//[\/:]/-}.log" 2>&1 &
    build_pids[$image]=$!
    TEMP_PIDS+=("$!")
  done
  for image in "${missing[@]}"; do
    pid=${build_pids[$image]}
    if ! wait "$pid"; then
      log "building $image failed; see $STATE/logs/build-${image//[\/:]/-}.log"
      failed=1
    fi
  done
  ((failed == 0)) || die "could not build the database images"
}

# Imports a minimal Debian bookworm made with debootstrap as DEBIAN_BASE_IMAGE,
# so no image comes from a registry.
ensure_debian_base_image() {
  if docker_lab image inspect "$DEBIAN_BASE_IMAGE" >/dev/null 2>&1; then
    return
  fi
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends debootstrap >/dev/null
  fi

  local rootfs=$STATE/db-images/rootfs
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  log "debootstrap $DEBIAN_SUITE from $DEBIAN_MIRROR (log: $STATE/logs/debootstrap.log)"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$STATE/logs/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $STATE/logs/debootstrap.log"
  # Package scripts must not start their services during the image build: there
  # is no init system, and a server started there would leave its PID file in
  # the data folder. invoke-rc.d skips every start when this script exits 101.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

  tar -C "$rootfs" -c . | docker_lab import --change 'CMD ["/bin/bash"]' - "$DEBIAN_BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  docker_lab image inspect "$DEBIAN_BASE_IMAGE" >/dev/null || die "docker import did not create $DEBIAN_BASE_IMAGE"
}

db_build_dir() {
  echo "$STATE/db-images/${1//[\/:]/-}"
}

# Writes the Dockerfile (and for MariaDB the entrypoint) of IMAGE into its build folder.
write_db_build_context() {
  local image=$1 dir
  dir=$(db_build_dir "$image")
  mkdir -p "$dir"
  case $image in
    "$POSTGRES_IMAGE") write_postgres_build_context "$dir" ;;
    "$MARIADB_IMAGE") write_mariadb_build_context "$dir" ;;
    *) die "no build context for $image" ;;
  esac
}

# PostgreSQL 15 from Debian, running the cluster that the package creates as the
# postgres user. Local connections use peer authentication, so `docker exec` as
# the image's user reaches the server as database user postgres without a
# password. PGDATA is set as in the official image.
write_postgres_build_context() {
  cat >"$1/Dockerfile" <<EOF_DOCKERFILE
FROM $DEBIAN_BASE_IMAGE
RUN apt-get update -q \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15 \\
 && rm -rf /var/lib/apt/lists/* \\
 && install -d -o postgres -g postgres /run/postgresql
ENV PGDATA=/var/lib/postgresql/15/main
USER postgres
CMD ["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/15/main", "-c", "config_file=/etc/postgresql/15/main/postgresql.conf"]
EOF_DOCKERFILE
}

# MariaDB from Debian. Like the official image, it takes the root password from
# MARIADB_ROOT_PASSWORD or MYSQL_ROOT_PASSWORD; without one, root logs in through
# the Unix socket as the system's root user (Debian's default).
write_mariadb_build_context() {
  cat >"$1/Dockerfile" <<EOF_DOCKERFILE
FROM $DEBIAN_BASE_IMAGE
RUN apt-get update -q \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mariadb-server mariadb-client \\
 && rm -rf /var/lib/apt/lists/*
COPY entrypoint.sh /usr/local/bin/homeport-lab-mariadb
CMD ["/usr/local/bin/homeport-lab-mariadb"]
EOF_DOCKERFILE

  # The password reaches the server through an init file that only the mysql
  # user can read, never through the server's argv. Quotes in it are doubled,
  # as SQL string literals require.
  cat >"$1/entrypoint.sh" <<'EOF_ENTRYPOINT'
#!/bin/sh
set -eu
install -d -o mysql -g mysql /run/mysqld
password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
if [ -z "$password" ]; then
  exec mariadbd --user=mysql
fi
init_file=/run/mysqld/homeport-lab-init.sql
escaped=$(printf '%s' "$password" | sed "s/'/''/g")
(
  umask 077
  printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\n" "$escaped" >"$init_file"
)
chown mysql:mysql "$init_file"
exec mariadbd --user=mysql --init-file="$init_file"
EOF_ENTRYPOINT
  chmod 0755 "$1/entrypoint.sh"
}

port_in_use() {
  [[ -n $(ss -Htln "sport = :$1") ]]
}

# Prints the state of container NAME (running, exited, ...) or "missing".
container_state() {
  local state
  if state=$(docker_lab container inspect -f '{{.State.Status}}' "$1" 2>/dev/null); then
    echo "$state"
  else
    echo missing
  fi
}

# Prints the host port of hp-web: the one it already publishes, else the
# one recorded by an earlier run, else the first free port in the range.
choose_web_port() {
  local published port
  if published=$(docker_lab port "$WEB_CONTAINER" "$WEB_CONTAINER_PORT/tcp" 2>/dev/null); then
    echo "${published##*:}" | head -n 1
    return
  fi
  port=$(cat "$STATE/web-port" 2>/dev/null || true)
  if [[ -n $port ]] && ! port_in_use "$port"; then
    echo "$port"
    return
  fi
  for ((port = WEB_PORT_FIRST; port <= WEB_PORT_LAST; port++)); do
    if ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  done
  die "no free TCP port on 127.0.0.1 between $WEB_PORT_FIRST and $WEB_PORT_LAST for $WEB_CONTAINER"
}

# The hp-web entrypoint: a log line every second plus busybox httpd. Without
# the TERM trap, sh as PID 1 ignores SIGTERM and `docker stop` waits the full
# 10 s before it kills. `sleep & wait` lets the trap run at once.
WEB_SCRIPT='
echo ok >/www/health
echo "<h1>hp-web</h1>" >/www/index.html
httpd -f -p 8080 -h /www &
httpd_pid=$!
trap "kill \$httpd_pid; echo hp-web stopping; exit 0" TERM INT
n=0
while true; do
  n=$((n + 1))
  echo "hp-web tick $n"
  sleep 1 &
  wait $!
done
'

ensure_web_container() {
  local state port output
  state=$(container_state "$WEB_CONTAINER")
  port=$(choose_web_port)

  case $state in
    running) ;;
    missing)
      # ensure_image has created the image. --pull never still turns a
      # missing image into an error instead of a registry request. The
      # output is kept only on failure: on success it is the container ID
      # and a warning that IPv4 forwarding is off, which the lab wants.
      output=$(docker_lab run -d --pull never \
        --name "$WEB_CONTAINER" \
        --label "$LAB_LABEL" \
        -p "127.0.0.1:$port:$WEB_CONTAINER_PORT" \
        "$LAB_IMAGE" /bin/sh -c "$WEB_SCRIPT" 2>&1) \
        || die "docker run of $WEB_CONTAINER failed: $output"
      ;;
    *)
      docker_lab start "$WEB_CONTAINER" >/dev/null
      ;;
  esac
  echo "$port" >"$STATE/web-port"
}

verify_web_container() {
  local port
  port=$(cat "$STATE/web-port")
  wait_until 10 curl -fsS "http://127.0.0.1:$port/health" || die "$WEB_CONTAINER does not serve http://127.0.0.1:$port/health within 10 s"
  wait_until 5 sh -c "docker -H '$DOCKER_HOST_URL' logs --tail 5 '$WEB_CONTAINER' 2>&1 | grep -q 'hp-web tick'" \
    || die "$WEB_CONTAINER printed no 'hp-web tick' log line within 5 s"
}

# ---------------------------------------------------------------- registry

# Writes the registry's config: plain HTTP on $REGISTRY only, no auth, data
# under the state dir, and deletes allowed so tests may remove manifests.
write_registry_config() {
  mkdir -p "$REGISTRY_DIR/data"
  cat >"$REGISTRY_DIR/config.yml" <<EOF
# Generated by lab.sh ($SCRIPT_PATH); rewritten on every 'up'.
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
}

# Succeeds when a socket listens on $REGISTRY_PORT at the registry's address
# or at a wildcard address, either of which blocks the registry's bind.
registry_port_taken() {
  ss -Htln "sport = :$REGISTRY_PORT" | awk '{print $4}' \
    | grep -qE "^($REGISTRY_ADDRESS|0\.0\.0\.0|\*|\[::\]):$REGISTRY_PORT\$"
}

start_registry() {
  write_registry_config
  if component_alive registry; then
    return
  fi
  if registry_port_taken; then
    die "another process listens on $REGISTRY, so the lab registry cannot start there"
  fi

  local pid
  setsid docker-registry serve "$REGISTRY_DIR/config.yml" \
    </dev/null >>"$STATE/logs/registry.log" 2>&1 &
  pid=$!
  record_pid registry "$pid"
  wait_until 10 curl -fsS "http://$REGISTRY/v2/" \
    || die "the registry (PID $pid) does not answer on http://$REGISTRY/v2/ within 10 s; see $STATE/logs/registry.log"
}

# Pushes a one-file probe image through the engine and checks that the
# engine's distribution endpoint (what Homeport's update check calls) returns
# the digest the push recorded. That also proves that the engine speaks plain
# HTTP to a 127.0.0.0/8 registry without --insecure-registry.
verify_registry() {
  local cidrs probe_dir output pushed remote
  cidrs=$(docker_lab info --format '{{json .RegistryConfig.InsecureRegistryCIDRs}}')
  [[ $cidrs == *'"127.0.0.0/8"'* ]] \
    || die "the engine's insecure registry ranges are $cidrs; 127.0.0.0/8 is needed to reach $REGISTRY over HTTP"

  if ! docker_lab image inspect "$REGISTRY_PROBE_IMAGE" >/dev/null 2>&1; then
    probe_dir=$STATE/image/probe
    rm -rf "$probe_dir"
    mkdir -p "$probe_dir"
    echo 'homeport lab registry probe' >"$probe_dir/probe.txt"
    tar -C "$probe_dir" -c . | docker_lab import - "$REGISTRY_PROBE_IMAGE" >/dev/null
  fi
  output=$(docker_lab push "$REGISTRY_PROBE_IMAGE" 2>&1) \
    || die "docker push $REGISTRY_PROBE_IMAGE failed: $output"

  pushed=$(docker_lab image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$REGISTRY_PROBE_IMAGE" \
    | sed -n "s|^$REGISTRY/homeport-lab/probe@||p" | head -n 1)
  remote=$(curl -fsS --unix-socket "$DOCKER_SOCK" "http://localhost/distribution/$REGISTRY_PROBE_IMAGE/json" \
    | sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p')
  [[ -n $pushed && $pushed == "$remote" ]] \
    || die "the engine reports digest '$remote' for $REGISTRY_PROBE_IMAGE, but the push recorded '$pushed'"
}

# ---------------------------------------------------------------- monitoring

# Prints the port of component NAME whose range is FIRST:LAST: the recorded one while NAME
# runs (it listens there), else the recorded one if free, else the first free one.
choose_monitor_port() {
  local name=$1 range=$2 dir=$3 first last port
  first=${range%%:*}
  last=${range#*:}
  port=$(cat "$dir/port" 2>/dev/null || true)
  if [[ -n $port ]] && { component_alive "$name" || ! port_in_use "$port"; }; then
    echo "$port"
    return
  fi
  for ((port = first; port <= last; port++)); do
    if ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  done
  die "no free TCP port on $MONITOR_ADDRESS between $first and $last for $name"
}

# Writes CONTENT (stdin) to FILE and succeeds only when the file changed, so a running
# daemon is told to reload only then.
write_if_changed() {
  local file=$1 tmp=$1.tmp
  cat >"$tmp"
  if cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
}

# Starts component NAME as `setsid COMMAND...` with its output in $STATE/logs/NAME.log, unless
# it runs already. With a running one, CONFIG_CHANGED=yes sends SIGHUP, on which Prometheus and
# Alertmanager read their configuration again.
start_monitor_component() {
  local name=$1 config_changed=$2 pid
  shift 2
  if component_alive "$name"; then
    if [[ $config_changed == yes ]]; then
      kill -HUP "$(recorded_pid "$name")"
      log "told $name to reload its configuration"
    fi
    return
  fi
  setsid "$@" </dev/null >>"$STATE/logs/$name.log" 2>&1 &
  pid=$!
  record_pid "$name" "$pid"
}

# Alertmanager with one receiver that notifies nobody: tests read alerts from its API. Its
# cluster listener (0.0.0.0:9094 by default) is switched off.
start_alertmanager() {
  local port changed=no
  mkdir -p "$ALERTMANAGER_DIR/data"
  port=$(choose_monitor_port alertmanager "$ALERTMANAGER_PORTS" "$ALERTMANAGER_DIR")
  echo "$port" >"$ALERTMANAGER_DIR/port"
  write_if_changed "$ALERTMANAGER_DIR/alertmanager.yml" <<EOC && changed=yes
# Generated by lab.sh ($SCRIPT_PATH); rewritten on every 'up'.
route:
  receiver: lab
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: lab
EOC
  start_monitor_component alertmanager "$changed" prometheus-alertmanager \
    --config.file="$ALERTMANAGER_DIR/alertmanager.yml" \
    --storage.path="$ALERTMANAGER_DIR/data" \
    --web.listen-address="$MONITOR_ADDRESS:$port" \
    --cluster.listen-address=
  wait_until 20 curl -fsS "http://$MONITOR_ADDRESS:$port/-/ready" \
    || die "Alertmanager does not answer on http://$MONITOR_ADDRESS:$port/-/ready within 20 s; see $STATE/logs/alertmanager.log"
}

start_node_exporter() {
  local port
  mkdir -p "$NODE_EXPORTER_DIR"
  port=$(choose_monitor_port node-exporter "$NODE_EXPORTER_PORTS" "$NODE_EXPORTER_DIR")
  echo "$port" >"$NODE_EXPORTER_DIR/port"
  start_monitor_component node-exporter no prometheus-node-exporter \
    --web.listen-address="$MONITOR_ADDRESS:$port"
  wait_until 20 sh -c "curl -fsS 'http://$MONITOR_ADDRESS:$port/metrics' | grep -q '^node_cpu_seconds_total'" \
    || die "node-exporter does not serve node_cpu_seconds_total on http://$MONITOR_ADDRESS:$port/metrics within 20 s; see $STATE/logs/node-exporter.log"
}

# Prometheus scraping itself, node-exporter and Alertmanager every second, with one rule file
# whose alert always fires, sent to the lab's Alertmanager with a resend delay of 1 s.
start_prometheus() {
  local port node_port alertmanager_port changed=no
  mkdir -p "$PROMETHEUS_DIR/data"
  port=$(choose_monitor_port prometheus "$PROMETHEUS_PORTS" "$PROMETHEUS_DIR")
  echo "$port" >"$PROMETHEUS_DIR/port"
  node_port=$(cat "$NODE_EXPORTER_DIR/port")
  alertmanager_port=$(cat "$ALERTMANAGER_DIR/port")

  write_if_changed "$PROMETHEUS_DIR/rules.yml" <<EOC && changed=yes
# Generated by lab.sh ($SCRIPT_PATH); rewritten on every 'up'.
groups:
  - name: homeport-lab
    rules:
      - alert: $LAB_ALERT_NAME
        expr: vector(1)
        labels:
          severity: info
        annotations:
          summary: Always fires, so alert tests have one to read.
EOC
  write_if_changed "$PROMETHEUS_DIR/prometheus.yml" <<EOC && changed=yes
# Generated by lab.sh ($SCRIPT_PATH); rewritten on every 'up'.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["$MONITOR_ADDRESS:$alertmanager_port"]
rule_files:
  - $PROMETHEUS_DIR/rules.yml
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["$MONITOR_ADDRESS:$port"]
  - job_name: node
    static_configs:
      - targets: ["$MONITOR_ADDRESS:$node_port"]
  - job_name: alertmanager
    static_configs:
      - targets: ["$MONITOR_ADDRESS:$alertmanager_port"]
EOC
  promtool check config "$PROMETHEUS_DIR/prometheus.yml" >"$STATE/logs/promtool.log" 2>&1 \
    || die "promtool rejects $PROMETHEUS_DIR/prometheus.yml; see $STATE/logs/promtool.log"

  start_monitor_component prometheus "$changed" prometheus \
    --config.file="$PROMETHEUS_DIR/prometheus.yml" \
    --storage.tsdb.path="$PROMETHEUS_DIR/data" \
    --storage.tsdb.retention.time=2d \
    --web.listen-address="$MONITOR_ADDRESS:$port" \
    --rules.alert.resend-delay=1s
  wait_until 30 curl -fsS "http://$MONITOR_ADDRESS:$port/-/ready" \
    || die "Prometheus does not answer on http://$MONITOR_ADDRESS:$port/-/ready within 30 s; see $STATE/logs/prometheus.log"
}

# Succeeds when Prometheus reports job JOB's target as up (`up == 1`).
prometheus_target_up() {
  local port=$1 job=$2
  curl -fsS -G "http://$MONITOR_ADDRESS:$port/api/v1/query" --data-urlencode "query=up{job=\"$job\"} == 1" \
    | grep -q "\"job\":\"$job\""
}

# Checks that Prometheus scrapes all three targets and that the lab alert reached Alertmanager.
verify_monitoring() {
  local port alertmanager_port job
  port=$(cat "$PROMETHEUS_DIR/port")
  alertmanager_port=$(cat "$ALERTMANAGER_DIR/port")
  for job in prometheus node alertmanager; do
    wait_until 20 prometheus_target_up "$port" "$job" \
      || die "Prometheus reports no scrape of job '$job' as up within 20 s; see http://$MONITOR_ADDRESS:$port/targets and $STATE/logs/prometheus.log"
  done
  wait_until 20 sh -c "curl -fsS 'http://$MONITOR_ADDRESS:$alertmanager_port/api/v2/alerts' | grep -q '\"alertname\":\"$LAB_ALERT_NAME\"'" \
    || die "Alertmanager has no $LAB_ALERT_NAME alert from Prometheus within 20 s; see $STATE/logs/prometheus.log and alertmanager.log"
}

# ---------------------------------------------------------------- ssh

ensure_client_keys() {
  local key=$STATE/client/client_ed25519 enc_key=$STATE/client/client_enc_ed25519
  ensure_secret_file "$STATE/secrets/client-key-passphrase"

  if [[ ! -s $key ]]; then
    ssh-keygen -q -t ed25519 -N '' -C homeport-lab -f "$key"
  fi
  if [[ ! -s $enc_key ]]; then
    ssh-keygen -q -t ed25519 -N "$(cat "$STATE/secrets/client-key-passphrase")" -C homeport-lab-encrypted -f "$enc_key"
  fi
  # One key of each other type OpenSSH 9 generates by default, for the
  # key-type tests.
  if [[ ! -s $STATE/client/client_ecdsa ]]; then
    ssh-keygen -q -t ecdsa -b 256 -N '' -C homeport-lab-ecdsa -f "$STATE/client/client_ecdsa"
  fi
  if [[ ! -s $STATE/client/client_rsa ]]; then
    ssh-keygen -q -t rsa -b 3072 -N '' -C homeport-lab-rsa -f "$STATE/client/client_rsa"
  fi
  chown "$CALLER_UID:$CALLER_GID" "$key" "$key.pub" "$enc_key" "$enc_key.pub" "$STATE"/client/client_{ecdsa,rsa}{,.pub}

  local user
  for user in "$KEY_USER" "$PASS_USER" "$NODOCKER_USER"; do
    cat "$key.pub" "$enc_key.pub" "$STATE/client/client_ecdsa.pub" "$STATE/client/client_rsa.pub" >"$STATE/keys/$user.pub"
    chmod 0644 "$STATE/keys/$user.pub"
  done
}

ensure_host_key() {
  local dir=$STATE/ssh/$1
  mkdir -p "$dir"
  if [[ ! -s $dir/ssh_host_ed25519_key ]]; then
    ssh-keygen -q -t ed25519 -N '' -C "homeport-lab-$1" -f "$dir/ssh_host_ed25519_key"
  fi
}

# Writes the sshd_config of host NAME listening on ADDRESS:PORT that accepts
# the comma-separated AUTH_METHODS.
write_sshd_config() {
  local name=$1 address=$2 port=$3 methods=$4 dir=$STATE/ssh/$1 password=no listen i
  [[ $methods == *password* ]] && password=yes
  listen="ListenAddress $address:$port"
  case $name in
    fleet1) listen=$(for ((i = 1; i <= FLEET_SPLIT; i++)); do echo "ListenAddress $FLEET_NET.$i:$port"; done) ;;
    fleet2) listen=$(for ((i = FLEET_SPLIT + 1; i <= FLEET_COUNT; i++)); do echo "ListenAddress $FLEET_NET.$i:$port"; done) ;;
  esac

  # UsePAM no: sshd checks passwords against /etc/shadow itself (checked
  # with OpenSSH 9.2 on Debian 12), which keeps the host's PAM stack out of
  # the lab.
  cat >"$dir/sshd_config" <<EOF
# Generated by lab.sh for the '$name' lab host; rewritten on every 'up'.
$listen
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $STATE/keys/%u.pub
StrictModes no
UsePAM no
PermitRootLogin no
AllowUsers $KEY_USER $PASS_USER $NODOCKER_USER
AuthenticationMethods ${methods//,/ }
PubkeyAuthentication yes
PasswordAuthentication $password
KbdInteractiveAuthentication no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
Subsystem sftp internal-sftp
SetEnv DOCKER_HOST=$DOCKER_HOST_URL
# A fleet refresh opens a connection to every host at once, and the default
# (10:30:100) drops some of them at random.
MaxStartups 128
EOF
}

# Starts the sshd of host NAME, inside network namespace NETNS when given.
# `ip netns exec` and setsid both exec the next program, so $! ends up as
# sshd's own PID.
start_sshd() {
  local name=$1 netns=${2:-} dir=$STATE/ssh/$1 pid prefix=() binary=$SSHD_BIN
  if component_alive "sshd-$name"; then
    return
  fi
  [[ -n $netns ]] && prefix=(ip netns exec "$netns")
  [[ $name == kbd ]] && binary=$STATE/bin/$KBD_SSHD_NAME
  # sshd's privilege separation directory is compiled in as /run/sshd.
  mkdir -p /run/sshd
  "$SSHD_BIN" -t -f "$dir/sshd_config" || die "sshd_config of host '$name' is invalid: $dir/sshd_config"
  # Its stdout and stderr go to the log too, so that a caller reading the
  # output of `lab.sh up` through a pipe sees the pipe close when up ends.
  "${prefix[@]}" setsid "$binary" -D -f "$dir/sshd_config" -E "$STATE/logs/sshd-$name.log" \
    </dev/null >>"$STATE/logs/sshd-$name.log" 2>&1 &
  pid=$!
  record_pid "sshd-$name" "$pid"
}

ensure_ssh_hosts() {
  local entry name address port methods
  for entry in "${SSH_HOSTS[@]}"; do
    IFS=: read -r name address port methods <<<"$entry"
    ensure_host_key "$name"
    write_sshd_config "$name" "$address" "$port" "$methods"
    start_sshd "$name"
  done

  # Both fleet sshd use the host key of "fleet", as one machine would.
  ensure_host_key fleet
  for name in fleet1 fleet2; do
    mkdir -p "$STATE/ssh/$name"
    write_sshd_config "$name" "$FLEET_NET" "$FLEET_PORT" publickey
    sed -i "s|^HostKey .*|HostKey $STATE/ssh/fleet/ssh_host_ed25519_key|" "$STATE/ssh/$name/sshd_config"
    start_sshd "$name"
  done

  for entry in "${SSH_HOSTS[@]}" "fleet:$FLEET_NET.1:$FLEET_PORT:" "fleet:$FLEET_NET.$FLEET_COUNT:$FLEET_PORT:"; do
    IFS=: read -r name address port methods <<<"$entry"
    wait_until 10 ssh-keyscan -T 1 -t ed25519 -p "$port" "$address" \
      || die "sshd host '$name' does not answer on $address:$port within 10 s; see $STATE/logs/sshd-$name.log"
  done
}

# ---------------------------------------------------------------- keyboard-interactive host

# Writes the lab's PAM service and the sshd symlink that selects it. `down`
# deletes the PAM file again.
ensure_kbd_pam() {
  mkdir -p "$STATE/bin"
  ln -sfn "$SSHD_BIN" "$STATE/bin/$KBD_SSHD_NAME"
  cat >"$KBD_PAM_FILE" <<EOF
# Written by the Homeport test lab ($SCRIPT_PATH); removed by 'lab.sh down'.
auth     required pam_unix.so
account  required pam_unix.so
password required pam_deny.so
session  required pam_permit.so
EOF
}

# Starts a host that offers only keyboard-interactive, where PAM prompts for
# the password user's password.
ensure_kbd_host() {
  ensure_kbd_pam
  ensure_host_key kbd
  write_sshd_config kbd "$KBD_ADDRESS" "$KBD_PORT" keyboard-interactive
  sed -i -e 's/^UsePAM no/UsePAM yes/' \
    -e 's/^KbdInteractiveAuthentication no/KbdInteractiveAuthentication yes/' \
    -e 's/^PubkeyAuthentication yes/PubkeyAuthentication no/' \
    "$STATE/ssh/kbd/sshd_config"
  start_sshd kbd
  wait_until 10 ssh-keyscan -T 1 -t ed25519 -p "$KBD_PORT" "$KBD_ADDRESS" \
    || die "the keyboard-interactive host does not answer on $KBD_ADDRESS:$KBD_PORT within 10 s; see $STATE/logs/sshd-kbd.log"
}

verify_kbd_host() {
  local methods
  methods=$(offered_auth_methods "$KBD_ADDRESS" "$KBD_PORT")
  [[ $methods == keyboard-interactive ]] || die "host $KBD_ADDRESS:$KBD_PORT offers '$methods', expected 'keyboard-interactive'"
  sshpass -f "$STATE/secrets/ssh-pass-password" \
    ssh "${SSH_CLIENT_OPTS[@]}" -o PreferredAuthentications=keyboard-interactive \
    -p "$KBD_PORT" "$PASS_USER@$KBD_ADDRESS" true \
    || die "keyboard-interactive login $PASS_USER@$KBD_ADDRESS:$KBD_PORT failed; see $STATE/logs/sshd-kbd.log"
}

delete_kbd_pam() {
  if [[ -f $KBD_PAM_FILE ]] && grep -q 'Written by the Homeport test lab' "$KBD_PAM_FILE"; then
    rm -f "$KBD_PAM_FILE"
  fi
}

# ---------------------------------------------------------------- jump host

# Creates the bastion's namespace and veth pair unless they exist. The
# namespace's name is recorded, so `down` deletes only a namespace the lab
# made.
ensure_jump_namespace() {
  if ! ip netns list | cut -d' ' -f1 | grep -qx "$JUMP_NS"; then
    ip netns add "$JUMP_NS"
  fi
  echo "$JUMP_NS" >"$STATE/netns"

  if ! ip link show "$JUMP_VETH_OUTSIDE" >/dev/null 2>&1; then
    ip link add "$JUMP_VETH_OUTSIDE" type veth peer name "$JUMP_VETH_INSIDE" netns "$JUMP_NS"
  fi
  ip addr replace "$JUMP_OUTSIDE_ADDRESS/30" dev "$JUMP_VETH_OUTSIDE"
  ip link set "$JUMP_VETH_OUTSIDE" up
  ip netns exec "$JUMP_NS" ip addr replace "$JUMP_ADDRESS/30" dev "$JUMP_VETH_INSIDE"
  ip netns exec "$JUMP_NS" ip link set "$JUMP_VETH_INSIDE" up
  ip netns exec "$JUMP_NS" ip link set lo up
}

ensure_jump_hosts() {
  ensure_jump_namespace

  ensure_host_key jump
  write_sshd_config jump "$JUMP_ADDRESS" "$JUMP_PORT" publickey
  start_sshd jump "$JUMP_NS"

  ensure_host_key inner
  write_sshd_config inner "$INNER_ADDRESS" "$INNER_PORT" publickey
  start_sshd inner "$JUMP_NS"

  wait_until 10 ssh-keyscan -T 1 -t ed25519 -p "$JUMP_PORT" "$JUMP_ADDRESS" \
    || die "the bastion does not answer on $JUMP_ADDRESS:$JUMP_PORT within 10 s; see $STATE/logs/sshd-jump.log"
  wait_until 10 ip netns exec "$JUMP_NS" ssh-keyscan -T 1 -t ed25519 -p "$INNER_PORT" "$INNER_ADDRESS" \
    || die "the inner host does not answer on $INNER_ADDRESS:$INNER_PORT in $JUMP_NS within 10 s; see $STATE/logs/sshd-inner.log"
}

# Checks both halves of the jump test: the inner host accepts a login through
# the bastion, and its port is closed outside the namespace.
verify_jump_hosts() {
  local key=$STATE/client/client_ed25519 hop
  hop="ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
  hop+=" -o BatchMode=yes -i $key -p $JUMP_PORT -W %h:%p $KEY_USER@$JUMP_ADDRESS"
  ssh "${SSH_CLIENT_OPTS[@]}" -o BatchMode=yes -i "$key" -o "ProxyCommand=$hop" \
    -p "$INNER_PORT" "$KEY_USER@$INNER_ADDRESS" true \
    || die "login to the inner host through the bastion failed; see $STATE/logs/sshd-jump.log and sshd-inner.log"
  if timeout 3 bash -c "exec 3<>/dev/tcp/$INNER_ADDRESS/$INNER_PORT" 2>/dev/null; then
    die "$INNER_ADDRESS:$INNER_PORT answers outside $JUMP_NS, so the jump test would prove nothing; stop what listens there"
  fi
}

delete_jump_namespace() {
  [[ -s $STATE/netns ]] || return 0
  local name
  name=$(cat "$STATE/netns")
  if ip netns list | cut -d' ' -f1 | grep -qx "$name"; then
    # Deleting the namespace also deletes both ends of the veth pair.
    ip netns delete "$name" || log "could not delete network namespace $name"
  fi
  rm -f "$STATE/netns"
}

# Writes known_hosts lines for the host keys as they are now. After
# `rotate-key` this file still contains the old key of the rotate host until
# the next `up`.
write_known_hosts() {
  local entry name address port methods i
  : >"$STATE/known_hosts"
  for entry in "${SSH_HOSTS[@]}" "kbd:$KBD_ADDRESS:$KBD_PORT:" "jump:$JUMP_ADDRESS:$JUMP_PORT:" "inner:$INNER_ADDRESS:$INNER_PORT:"; do
    IFS=: read -r name address port methods <<<"$entry"
    known_hosts_line "$name" "$address" "$port" >>"$STATE/known_hosts"
  done
  for ((i = 1; i <= FLEET_COUNT; i++)); do
    known_hosts_line fleet "$FLEET_NET.$i" "$FLEET_PORT" >>"$STATE/known_hosts"
  done
  chmod 0644 "$STATE/known_hosts"
}

# Prints the known_hosts line of host NAME at ADDRESS:PORT. As in OpenSSH,
# port 22 is written as the bare address; a `[address]:22` entry matches
# nothing.
known_hosts_line() {
  local name=$1 address=$2 port=$3 key
  key=$(cut -d' ' -f1,2 "$STATE/ssh/$name/ssh_host_ed25519_key.pub")
  if ((port == 22)); then
    printf '%s %s\n' "$address" "$key"
  else
    printf '[%s]:%s %s\n' "$address" "$port" "$key"
  fi
}

ssh_key_login() {
  local user=$1 address=$2 port=$3
  shift 3
  ssh "${SSH_CLIENT_OPTS[@]}" -o BatchMode=yes -i "$STATE/client/client_ed25519" -p "$port" "$user@$address" "$@"
}

# Prints the auth methods a host offers, e.g. "publickey,password", taken
# from the "Permission denied (...)" line of a login that tries none.
offered_auth_methods() {
  local address=$1 port=$2 output
  output=$(ssh "${SSH_CLIENT_OPTS[@]}" -o BatchMode=yes -o PreferredAuthentications=none \
    -p "$port" "$KEY_USER@$address" true 2>&1 || true)
  sed -n 's/.*Permission denied (\(.*\)).*/\1/p' <<<"$output"
}

verify_ssh_auth() {
  local methods
  ssh_key_login "$KEY_USER" 127.0.0.2 2222 true || die "key login $KEY_USER@127.0.0.2:2222 failed; see $STATE/logs/sshd-key.log"
  ssh_key_login "$KEY_USER" 127.0.0.4 2224 true || die "key login $KEY_USER@127.0.0.4:2224 failed; see $STATE/logs/sshd-rotate.log"

  methods=$(offered_auth_methods 127.0.0.2 2222)
  [[ $methods == publickey ]] || die "key host 127.0.0.2:2222 offers '$methods', expected 'publickey'"
  methods=$(offered_auth_methods 127.0.0.3 2223)
  [[ $methods == publickey,password ]] || die "password host 127.0.0.3:2223 offers '$methods', expected 'publickey,password'"

  sshpass -f "$STATE/secrets/ssh-pass-password" \
    ssh "${SSH_CLIENT_OPTS[@]}" -o PreferredAuthentications=password -o PubkeyAuthentication=no \
    -p 2223 "$PASS_USER@127.0.0.3" true \
    || die "password login $PASS_USER@127.0.0.3:2223 failed; see $STATE/logs/sshd-pass.log"

  # sshpass types the passphrase when ssh prompts for the encrypted key.
  sshpass -P 'passphrase for key' -f "$STATE/secrets/client-key-passphrase" \
    ssh "${SSH_CLIENT_OPTS[@]}" -o PreferredAuthentications=publickey -i "$STATE/client/client_enc_ed25519" \
    -p 2222 "$KEY_USER@127.0.0.2" true \
    || die "login with the encrypted key $STATE/client/client_enc_ed25519 failed"
}

# Checks that the docker socket is usable over ssh only for members of the
# lab docker group. The remote docker CLI finds the lab engine through the
# DOCKER_HOST that sshd sets (SetEnv).
verify_remote_docker_access() {
  local output
  ssh_key_login "$KEY_USER" 127.0.0.2 2222 "docker -H '$DOCKER_HOST_URL' ps" >/dev/null \
    || die "'docker ps' as $KEY_USER over ssh failed"
  ssh_key_login "$KEY_USER" 127.0.0.2 2222 'docker ps' >/dev/null \
    || die "'docker ps' as $KEY_USER over ssh without -H failed; is SetEnv DOCKER_HOST in effect?"

  if output=$(ssh_key_login "$NODOCKER_USER" 127.0.0.2 2222 "docker -H '$DOCKER_HOST_URL' ps" 2>&1); then
    die "'docker ps' as $NODOCKER_USER succeeded, expected permission denied"
  fi
  grep -qi 'permission denied' <<<"$output" \
    || die "'docker ps' as $NODOCKER_USER failed without 'permission denied': $output"
}

# Forwards a local Unix socket to the lab docker socket through the key host
# (direct-streamlocal) and pings the engine through it.
verify_streamlocal_forward() {
  local forward_sock=$STATE/run/forward-check.sock pid answer
  rm -f "$forward_sock"
  ssh "${SSH_CLIENT_OPTS[@]}" -o BatchMode=yes -o ExitOnForwardFailure=yes \
    -i "$STATE/client/client_ed25519" -p 2222 -N \
    -L "$forward_sock:$DOCKER_SOCK" "$KEY_USER@127.0.0.2" </dev/null &
  pid=$!
  TEMP_PIDS+=("$pid")

  wait_until 10 test -S "$forward_sock" || die "ssh -L did not create $forward_sock within 10 s"
  answer=$(curl -fsS --max-time 5 --unix-socket "$forward_sock" http://docker/_ping) \
    || die "GET /_ping through the forwarded socket $forward_sock failed"
  [[ $answer == OK ]] || die "GET /_ping through $forward_sock returned '$answer', expected 'OK'"

  cleanup_temp_pids
  rm -f "$forward_sock"
}

# ---------------------------------------------------------------- secret service

# Writes a session bus config that listens on SOCKET and has no service
# directories, so the bus never starts a second keyring daemon or the GTK
# prompter by activation. Every process on a lab bus is one the lab recorded.
write_dbus_config() {
  local config=$1 socket=$2
  cat >"$config" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
}

# Starts the session bus of keyring KIND (unlocked or locked).
start_dbus() {
  local kind=$1 dir=$STATE/secrets/$1 pid
  if component_alive "dbus-$kind"; then
    return
  fi
  rm -f "$dir/bus.sock"
  write_dbus_config "$dir/bus.conf" "$dir/bus.sock"
  chown "$CALLER_UID:$CALLER_GID" "$dir/bus.conf"
  "${CALLER_PREFIX[@]}" setsid dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile \
    </dev/null >>"$STATE/logs/dbus-$kind.log" 2>&1 &
  pid=$!
  record_pid "dbus-$kind" "$pid"
  wait_until 10 test -S "$dir/bus.sock" || die "dbus-daemon ($kind) did not create $dir/bus.sock within 10 s; see $STATE/logs/dbus-$kind.log"
}

bus_address() {
  echo "unix:path=$STATE/secrets/$1/bus.sock"
}

# Sets KEYRING_ENV to an `env` command for keyring KIND: its bus and its own
# XDG folders, so no keyring of the real user is read or written.
set_keyring_env() {
  local kind=$1 dir=$STATE/secrets/$1
  KEYRING_ENV=(
    env
    HOME="$dir/home"
    DBUS_SESSION_BUS_ADDRESS="$(bus_address "$kind")"
    XDG_RUNTIME_DIR="$dir/runtime"
    XDG_DATA_HOME="$dir/data"
    XDG_CONFIG_HOME="$dir/config"
    XDG_CACHE_HOME="$dir/cache"
  )
}

with_keyring_env() {
  set_keyring_env "$1"
  shift
  "${CALLER_PREFIX[@]}" "${KEYRING_ENV[@]}" "$@"
}

prepare_keyring_dirs() {
  local dir=$STATE/secrets/$1
  mkdir -p "$dir"/{home,runtime,data,config,cache}
  chmod 0700 "$dir" "$dir/runtime"
  chown -R "$CALLER_UID:$CALLER_GID" "$dir"
}

secret_service_owned() {
  with_keyring_env "$1" dbus-send --print-reply --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}

# Starts gnome-keyring-daemon (secrets only) on the bus of KIND and sets
# KEYRING_PID. With UNLOCK=unlock it reads PASSWORD_FILE on stdin, which
# unlocks the login keyring or creates it with that password.
launch_keyring() {
  local kind=$1 unlock=$2 password_file=$3 args=(--foreground --components=secrets)
  [[ $unlock == unlock ]] && args+=(--unlock)
  set_keyring_env "$kind"
  "${CALLER_PREFIX[@]}" "${KEYRING_ENV[@]}" setsid gnome-keyring-daemon "${args[@]}" \
    <"$password_file" >>"$STATE/logs/keyring-$kind.log" 2>&1 &
  KEYRING_PID=$!
}

start_keyring_unlocked() {
  if component_alive keyring-unlocked; then
    return
  fi
  ensure_secret_file "$STATE/secrets/keyring-password"
  chown "$CALLER_UID:$CALLER_GID" "$STATE/secrets/keyring-password"
  launch_keyring unlocked unlock "$STATE/secrets/keyring-password"
  record_pid keyring-unlocked "$KEYRING_PID"
  wait_until 10 secret_service_owned unlocked \
    || die "gnome-keyring-daemon (unlocked) did not take org.freedesktop.secrets within 10 s; see $STATE/logs/keyring-unlocked.log"
}

# The locked keyring needs a login keyring file that exists but is not
# unlocked. The first run creates it with a throwaway daemon started with
# --unlock, stops that daemon, then starts one without --unlock.
start_keyring_locked() {
  local keyring_file=$STATE/secrets/locked/data/keyrings/login.keyring
  if component_alive keyring-locked; then
    return
  fi
  ensure_secret_file "$STATE/secrets/keyring-locked-password"
  chown "$CALLER_UID:$CALLER_GID" "$STATE/secrets/keyring-locked-password"

  if [[ ! -s $keyring_file ]]; then
    launch_keyring locked unlock "$STATE/secrets/keyring-locked-password"
    TEMP_PIDS+=("$KEYRING_PID")
    wait_until 10 test -s "$keyring_file" || die "gnome-keyring-daemon did not create $keyring_file within 10 s; see $STATE/logs/keyring-locked.log"
    cleanup_temp_pids
  fi

  launch_keyring locked no-unlock /dev/null
  record_pid keyring-locked "$KEYRING_PID"
  wait_until 10 secret_service_owned locked \
    || die "gnome-keyring-daemon (locked) did not take org.freedesktop.secrets within 10 s; see $STATE/logs/keyring-locked.log"
}

# Stores a random value on the unlocked bus and reads it back.
verify_keyring_unlocked() {
  local value read_back
  value=probe-$(head -c 9 /dev/urandom | base64 | tr '+/' '-_')
  printf '%s' "$value" | with_keyring_env unlocked timeout 10 \
    secret-tool store --label='Homeport lab probe' homeport-lab probe \
    || die "secret-tool store on the unlocked bus failed; see $STATE/logs/keyring-unlocked.log"
  read_back=$(with_keyring_env unlocked timeout 10 secret-tool lookup homeport-lab probe) \
    || die "secret-tool lookup on the unlocked bus failed"
  [[ $read_back == "$value" ]] || die "secret-tool lookup returned '$read_back', expected '$value'"
}

# Checks that storing on the locked bus fails, and keeps its output in
# $STATE/logs/keyring-locked-probe.log for tests that match the message.
verify_keyring_locked() {
  local rc=0 output
  output=$(printf 'value' | with_keyring_env locked timeout 10 \
    secret-tool store --label='Homeport lab probe' homeport-lab probe 2>&1) || rc=$?
  printf 'exit status %s\n%s\n' "$rc" "$output" >"$STATE/logs/keyring-locked-probe.log"
  ((rc != 0)) || die "secret-tool store on the locked bus succeeded; the keyring is not locked"
  ((rc != 124)) || die "secret-tool store on the locked bus hung for 10 s instead of failing"
  LOCKED_PROBE_RESULT="exit $rc: $output"
}

# ---------------------------------------------------------------- env file

env_line() {
  printf 'export %s=%s\n' "$1" "$(shell_quote "$2")"
}

write_env_file() {
  local tmp=$STATE/env.tmp
  (
    umask 077
    {
      echo "# Generated by lab.sh up. Values are in single quotes (POSIX shell)."
      env_line HOMEPORT_LAB_DIR "$STATE"
      env_line LAB_DOCKER_SOCK "$DOCKER_SOCK"
      env_line LAB_DOCKER_HOST "$DOCKER_HOST_URL"
      env_line LAB_DOCKER_API_VERSION "$DOCKER_API_VERSION"
      env_line LAB_DOCKER_GROUP "$DOCKER_GROUP"
      env_line LAB_DOCKER_TLS_HOST "$DOCKER_TLS_ADDRESS"
      env_line LAB_DOCKER_TLS_PORT "$DOCKER_TLS_PORT"
      env_line LAB_DOCKER_TLS_CA "$DOCKER_TLS_DIR/ca.pem"
      env_line LAB_DOCKER_TLS_CERT "$DOCKER_TLS_DIR/cert.pem"
      env_line LAB_DOCKER_TLS_KEY "$DOCKER_TLS_DIR/key.pem"
      env_line LAB_DOCKER_TLS_OTHER_CA "$DOCKER_TLS_DIR/other-ca.pem"
      env_line LAB_IMAGE "$LAB_IMAGE"
      env_line LAB_REGISTRY "$REGISTRY"
      env_line LAB_WEB_CONTAINER "$WEB_CONTAINER"
      env_line LAB_WEB_PORT "$(cat "$STATE/web-port")"
      env_line LAB_SSH_KEY_HOST 127.0.0.2
      env_line LAB_SSH_KEY_PORT 2222
      env_line LAB_SSH_KEY_USER "$KEY_USER"
      env_line LAB_SSH_PASS_HOST 127.0.0.3
      env_line LAB_SSH_PASS_PORT 2223
      env_line LAB_SSH_PASS_USER "$PASS_USER"
      env_line LAB_SSH_PASS_PASSWORD "$(cat "$STATE/secrets/ssh-pass-password")"
      env_line LAB_SSH_ROTATE_HOST 127.0.0.4
      env_line LAB_SSH_ROTATE_PORT 2224
      env_line LAB_SSH_ROTATE_USER "$KEY_USER"
      env_line LAB_SSH_NODOCKER_USER "$NODOCKER_USER"
      env_line LAB_SSH_FLEET_HOSTS "$(for ((i = 1; i <= FLEET_COUNT; i++)); do printf '%s.%s ' "$FLEET_NET" "$i"; done)"
      env_line LAB_SSH_FLEET_PORT "$FLEET_PORT"
      env_line LAB_SSH_JUMP_HOST "$JUMP_ADDRESS"
      env_line LAB_SSH_JUMP_PORT "$JUMP_PORT"
      env_line LAB_SSH_INNER_HOST "$INNER_ADDRESS"
      env_line LAB_SSH_INNER_PORT "$INNER_PORT"
      env_line LAB_SSH_CLIENT_KEY "$STATE/client/client_ed25519"
      env_line LAB_SSH_CLIENT_KEY_ENC "$STATE/client/client_enc_ed25519"
      env_line LAB_SSH_CLIENT_KEY_ECDSA "$STATE/client/client_ecdsa"
      env_line LAB_SSH_CLIENT_KEY_RSA "$STATE/client/client_rsa"
      env_line LAB_SSH_KBD_HOST "$KBD_ADDRESS"
      env_line LAB_SSH_KBD_PORT "$KBD_PORT"
      env_line LAB_SSH_CLIENT_KEY_PASSPHRASE "$(cat "$STATE/secrets/client-key-passphrase")"
      env_line LAB_SSH_KNOWN_HOSTS "$STATE/known_hosts"
      env_line LAB_DBUS_ADDRESS "$(bus_address unlocked)"
      env_line LAB_DBUS_LOCKED_ADDRESS "$(bus_address locked)"
      env_line LAB_XDG_RUNTIME_DIR "$STATE/secrets/unlocked/runtime"
      env_line LAB_PROMETHEUS_URL "http://$MONITOR_ADDRESS:$(cat "$PROMETHEUS_DIR/port")"
      env_line LAB_NODE_EXPORTER_URL "http://$MONITOR_ADDRESS:$(cat "$NODE_EXPORTER_DIR/port")"
      env_line LAB_ALERTMANAGER_URL "http://$MONITOR_ADDRESS:$(cat "$ALERTMANAGER_DIR/port")"
      env_line LAB_ALERT_NAME "$LAB_ALERT_NAME"
      env_line LAB_TLS_CHECK_DIR "$TLS_CHECK_DIR"
      env_line LAB_TLS_CHECK_NAME "$TLS_CHECK_NAME"
    } >"$tmp"
  )
  chown "$CALLER_UID:$CALLER_GID" "$tmp"
  mv -f "$tmp" "$STATE/env"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local started_ms
  started_ms=$(now_ms)
  trap cleanup_temp_pids EXIT

  ensure_packages
  create_state_dirs
  ensure_group_and_users

  ensure_engine_tls
  ensure_tls_check_certs
  start_dockerd
  verify_docker_socket
  verify_engine_tls
  DOCKER_API_VERSION=$(docker_api_version)
  ensure_image
  if [[ ${HOMEPORT_LAB_DB_IMAGES:-0} == 1 ]]; then
    ensure_db_images
  fi
  ensure_web_container
  verify_web_container
  start_registry
  verify_registry
  start_alertmanager
  start_node_exporter
  start_prometheus

  ensure_client_keys
  ensure_ssh_hosts
  ensure_kbd_host
  ensure_jump_hosts
  write_known_hosts
  verify_ssh_auth
  verify_remote_docker_access
  verify_streamlocal_forward
  verify_jump_hosts
  verify_kbd_host

  prepare_keyring_dirs unlocked
  prepare_keyring_dirs locked
  start_dbus unlocked
  start_dbus locked
  start_keyring_unlocked
  start_keyring_locked
  verify_keyring_unlocked
  verify_keyring_locked
  verify_monitoring

  write_env_file
  print_summary "$(($(now_ms) - started_ms))"
}

print_summary() {
  local elapsed_ms=$1
  cat <<EOF
Homeport lab is up ($(printf '%d.%03d' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))) s)
  docker    $DOCKER_HOST_URL  API $DOCKER_API_VERSION  storage $(cat "$STATE/docker/storage-driver")
  docker    tcp://$DOCKER_TLS_ADDRESS:$DOCKER_TLS_PORT (TLS, client certificate)
  web       $WEB_CONTAINER ($LAB_IMAGE) on http://127.0.0.1:$(cat "$STATE/web-port")/
  registry  http://$REGISTRY/ (docker-registry, no auth, plain HTTP)
  ssh key   $KEY_USER@127.0.0.2:2222 (publickey)
  ssh pass  $PASS_USER@127.0.0.3:2223 (password, publickey)
  ssh rot.  $KEY_USER@127.0.0.4:2224 (publickey; lab.sh rotate-key swaps its host key)
  ssh kbd   $PASS_USER@$KBD_ADDRESS:$KBD_PORT (keyboard-interactive only, lab PAM service)
  ssh fleet $KEY_USER@$FLEET_NET.1-$FLEET_COUNT:$FLEET_PORT (publickey, two sshd, one host key)
  ssh jump  $KEY_USER@$JUMP_ADDRESS:$JUMP_PORT (bastion in network namespace $JUMP_NS)
  ssh inner $KEY_USER@$INNER_ADDRESS:$INNER_PORT (only through the bastion)
  keyring   $(bus_address unlocked) (unlocked)
  keyring   $(bus_address locked) (locked; store gives $LOCKED_PROBE_RESULT)
  prom.     http://$MONITOR_ADDRESS:$(cat "$PROMETHEUS_DIR/port") (Prometheus, 1 s scrapes, alert $LAB_ALERT_NAME)
  node exp. http://$MONITOR_ADDRESS:$(cat "$NODE_EXPORTER_DIR/port")/metrics
  alertmgr  http://$MONITOR_ADDRESS:$(cat "$ALERTMANAGER_DIR/port") (one receiver that notifies nobody)
  env file  $STATE/env
EOF
}

# Stops component NAME if its recorded PID still runs a process named COMM.
stop_component() {
  local name=$1 comm=$2 pid actual timeout_seconds=5
  pid=$(recorded_pid "$name") || return 0
  [[ $name == dockerd ]] && timeout_seconds=20

  if pid_alive "$pid"; then
    actual=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    if [[ $actual != "$comm" ]]; then
      log "PID $pid recorded for $name now runs '$actual', not '$comm'; leaving it alone"
    else
      kill -TERM "$pid" 2>/dev/null || true
      if ! wait_pid_exit "$pid" "$timeout_seconds"; then
        log "$name (PID $pid) did not exit within $timeout_seconds s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_pid_exit "$pid" 5 || log "$name (PID $pid) is still running after SIGKILL"
      fi
      log "stopped $name (PID $pid)"
    fi
  fi
  rm -f "$(pid_file "$name")"
}

remove_lab_containers() {
  local ids
  component_alive dockerd || return 0
  ids=$(docker_lab ps -aq --filter "label=$LAB_LABEL" 2>/dev/null) || return 0
  if [[ -n $ids ]]; then
    # shellcheck disable=SC2086 # one container ID per word
    docker_lab rm -f $ids >/dev/null 2>&1 || log "could not remove lab containers $ids"
  fi
}

cmd_down() {
  local entry
  [[ -d $STATE/pids ]] || return 0
  remove_lab_containers
  for entry in "${COMPONENTS[@]}"; do
    stop_component "${entry%%:*}" "${entry#*:}"
  done
  delete_jump_namespace
  delete_kbd_pam
  rm -f "$STATE/secrets/unlocked/bus.sock" "$STATE/secrets/locked/bus.sock"
}

cmd_status() {
  local entry name pid state all_running=0
  for entry in "${COMPONENTS[@]}"; do
    name=${entry%%:*}
    if pid=$(recorded_pid "$name"); then
      state=$(pid_state "$pid")
      printf '%-18s PID %-8s %s\n' "$name" "$pid" "$state"
    else
      state='not recorded'
      printf '%-18s %-12s %s\n' "$name" '-' "$state"
    fi
    [[ $state == running ]] || all_running=1
  done

  if component_alive dockerd; then
    state=$(container_state "$WEB_CONTAINER")
    printf '%-18s %-12s %s\n' "container $WEB_CONTAINER" '-' "$state"
    [[ $state == running ]] || all_running=1
  fi
  return "$all_running"
}

cmd_env() {
  echo "$STATE/env"
  [[ -s $STATE/env ]] || die "$STATE/env does not exist; run 'lab.sh up' first"
}

cmd_rotate_key() {
  local dir=$STATE/ssh/rotate pid old_fp new_fp new_key
  pid=$(recorded_pid sshd-rotate) && pid_alive "$pid" || die "the rotate sshd is not running; run 'lab.sh up' first"

  old_fp=$(ssh-keygen -lf "$dir/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
  rm -f "$dir/new_host_key" "$dir/new_host_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C homeport-lab-rotate -f "$dir/new_host_key"
  mv -f "$dir/new_host_key.pub" "$dir/ssh_host_ed25519_key.pub"
  mv -f "$dir/new_host_key" "$dir/ssh_host_ed25519_key"
  new_fp=$(ssh-keygen -lf "$dir/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
  new_key=$(cut -d' ' -f2 "$dir/ssh_host_ed25519_key.pub")

  # On SIGHUP sshd re-executes itself with the same arguments and PID and
  # reads its host keys again.
  kill -HUP "$pid"
  wait_until 10 rotate_host_serves_key "$new_key" \
    || die "sshd at 127.0.0.4:2224 still does not serve the new host key $new_fp after 10 s; see $STATE/logs/sshd-rotate.log"
  echo "rotate host key changed: $old_fp -> $new_fp"
}

cmd_db_images() {
  trap cleanup_temp_pids EXIT
  ensure_db_images
  echo "database images ready: $POSTGRES_IMAGE $MARIADB_IMAGE"
}

rotate_host_serves_key() {
  local served
  served=$(ssh-keyscan -T 1 -t ed25519 -p 2224 127.0.0.4 2>/dev/null | cut -d' ' -f3)
  [[ $served == "$1" ]]
}

usage() {
  cat <<EOF
Usage: lab.sh COMMAND

Commands:
  up          start (or re-verify) the Docker engine, registry, sshd hosts,
              keyrings, Prometheus, node-exporter and Alertmanager
  down        stop every process recorded in \$HOMEPORT_LAB_DIR/pids
  status      show each component and whether its recorded PID runs;
              exits 1 if any does not
  env         print the path of the env file written by 'up'
  rotate-key  give the rotate host (127.0.0.4:2224) a new host key
  db-images   build the PostgreSQL and MariaDB images of the database
              backup tests ($POSTGRES_IMAGE, $MARIADB_IMAGE) unless they
              exist; 'up' builds them too when HOMEPORT_LAB_DB_IMAGES=1

State dir: \${HOMEPORT_LAB_DIR:-/tmp/homeport-lab} (now $STATE)
EOF
}

main() {
  local command=${1:-}
  case $command in
    up | down | status | env | rotate-key | db-images) ;;
    -h | --help | help)
      usage
      return 0
      ;;
    *)
      usage >&2
      return 2
      ;;
  esac

  check_state_dir
  ensure_root "$@"
  set_caller

  case $command in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    rotate-key) cmd_rotate_key ;;
    db-images) cmd_db_images ;;
  esac
}

main "$@"
