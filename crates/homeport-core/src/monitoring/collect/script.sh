# Prints one snapshot of a host's counters for Homeport's agentless monitoring. Each block
# follows a line `@@homeport-metrics NAME`, read by snapshot.rs. It reads /proc and runs `df`,
# nothing else: no process stays behind and nothing is written on the host. POSIX sh only; the
# unit tests run it under dash, bash and busybox ash. Homeport runs it as `sh -c SCRIPT`.

export LC_ALL=C

section() {
    printf '@@homeport-metrics %s\n' "$1"
}

# Copies a file line by line with shell builtins, so reading /proc starts no process: each
# `cat` or `grep` would cost the host a fork and an exec every interval. The second argument
# is one case pattern (an expanded `|` is not alternation); lines not matching it are skipped.
copy() {
    [ -r "$1" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        $2) printf '%s\n' "$line" ;;
        esac
    done <"$1"
}

# The host's clock, for the skew check. GNU date prints nanoseconds; where %N is not
# supported (busybox) the literal `N` or nothing follows the seconds, and the parser keeps
# whole seconds.
section clock
date +%s.%N 2>/dev/null

section uptime
copy /proc/uptime '*'

# Only the cpu lines: the intr line alone can be thousands of numbers long.
section stat
copy /proc/stat 'cpu*'

section loadavg
copy /proc/loadavg '*'

section meminfo
copy /proc/meminfo '*'

section diskstats
copy /proc/diskstats '*'

section netdev
copy /proc/net/dev '*'

# `df` can hang on an unreachable network share, so it runs under `timeout` when the host has
# one that takes a plain duration (busybox before 1.30 wants `-t 5` and runs without a limit).
limit=
if timeout 5 true >/dev/null 2>&1; then
    limit='timeout 5'
fi
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

section end
