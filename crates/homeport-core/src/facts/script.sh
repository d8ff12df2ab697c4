# Prints the facts Homeport reads from a host. Each fact follows a line `@@homeport-facts NAME`,
# and the parser in parse.rs reads the sections by name. It uses only POSIX sh, and the unit
# tests run it under dash, bash and busybox ash. A missing file or tool leaves its section
# empty, and the script exits 0 either way. Homeport runs it as `sh -c SCRIPT` with no input.

# Untranslated `df` headers and messages, whatever the login's locale.
export LC_ALL=C

section() {
    printf '\n@@homeport-facts %s\n' "$1"
}

# `df` can hang on an unreachable NFS server and `docker` on a stuck daemon, so both run under
# `timeout` when the host has one. Busybox before 1.30 spells it `timeout -t 10`, so the probe
# fails there and those commands run without a limit.
limit=
if timeout 10 true >/dev/null 2>&1; then
    limit='timeout 10'
fi

section os-release
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null

section uname
uname -srm 2>/dev/null

section cpuinfo
grep -E '^(processor|model name|Processor|cpu model)[[:space:]]*:' /proc/cpuinfo 2>/dev/null

section nproc
nproc 2>/dev/null

section meminfo
grep -E '^(MemTotal|MemAvailable|MemFree|Buffers|Cached):' /proc/meminfo 2>/dev/null

# GNU df and current busybox df print a type column with -T. Where df lacks it (toybox, old
# busybox builds), plain `df -kP` runs instead and the types come from /proc/mounts.
table=$($limit df -kPT 2>/dev/null)
case $table in
*Type*)
    section df-typed
    printf '%s\n' "$table"
    ;;
*)
    section df
    $limit df -kP 2>/dev/null
    section mounts
    cat /proc/mounts 2>/dev/null
    ;;
esac

section uptime
cat /proc/uptime 2>/dev/null

if command -v docker >/dev/null 2>&1; then
    section docker-version
    $limit docker version --format '{{.Server.Version}}' 2>/dev/null
    section docker-driver
    $limit docker info --format '{{.Driver}}' 2>/dev/null
fi

# The parser treats output without this marker as cut short.
section end
exit 0
