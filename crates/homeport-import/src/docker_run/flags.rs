//! The flags of `docker run` (Docker CLI 28), which tell the parser which flags take a value.

/// One `docker run` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlagSpec {
    /// Long name without the dashes.
    pub long: &'static str,
    pub short: Option<char>,
    pub takes_value: bool,
}

const fn value(long: &'static str, short: Option<char>) -> FlagSpec {
    FlagSpec {
        long,
        short,
        takes_value: true,
    }
}

const fn switch(long: &'static str, short: Option<char>) -> FlagSpec {
    FlagSpec {
        long,
        short,
        takes_value: false,
    }
}

/// Every flag `docker run --help` of Docker CLI 28 lists, and the hidden `--help`.
const FLAGS: &[FlagSpec] = &[
    value("add-host", None),
    value("annotation", None),
    value("attach", Some('a')),
    value("blkio-weight", None),
    value("blkio-weight-device", None),
    value("cap-add", None),
    value("cap-drop", None),
    value("cgroup-parent", None),
    value("cgroupns", None),
    value("cidfile", None),
    value("cpu-count", None),
    value("cpu-percent", None),
    value("cpu-period", None),
    value("cpu-quota", None),
    value("cpu-rt-period", None),
    value("cpu-rt-runtime", None),
    value("cpu-shares", Some('c')),
    value("cpus", None),
    value("cpuset-cpus", None),
    value("cpuset-mems", None),
    switch("detach", Some('d')),
    value("detach-keys", None),
    value("device", None),
    value("device-cgroup-rule", None),
    value("device-read-bps", None),
    value("device-read-iops", None),
    value("device-write-bps", None),
    value("device-write-iops", None),
    switch("disable-content-trust", None),
    value("dns", None),
    value("dns-option", None),
    value("dns-search", None),
    value("domainname", None),
    value("entrypoint", None),
    value("env", Some('e')),
    value("env-file", None),
    value("expose", None),
    value("gpus", None),
    value("group-add", None),
    value("health-cmd", None),
    value("health-interval", None),
    value("health-retries", None),
    value("health-start-interval", None),
    value("health-start-period", None),
    value("health-timeout", None),
    switch("help", None),
    value("hostname", Some('h')),
    switch("init", None),
    switch("interactive", Some('i')),
    value("io-maxbandwidth", None),
    value("io-maxiops", None),
    value("ip", None),
    value("ip6", None),
    value("ipc", None),
    value("isolation", None),
    value("kernel-memory", None),
    value("label", Some('l')),
    value("label-file", None),
    value("link", None),
    value("link-local-ip", None),
    value("log-driver", None),
    value("log-opt", None),
    value("mac-address", None),
    value("memory", Some('m')),
    value("memory-reservation", None),
    value("memory-swap", None),
    value("memory-swappiness", None),
    value("mount", None),
    value("name", None),
    value("network", None),
    value("network-alias", None),
    switch("no-healthcheck", None),
    switch("oom-kill-disable", None),
    value("oom-score-adj", None),
    value("pid", None),
    value("pids-limit", None),
    value("platform", None),
    switch("privileged", None),
    value("publish", Some('p')),
    switch("publish-all", Some('P')),
    value("pull", None),
    switch("quiet", Some('q')),
    switch("read-only", None),
    value("restart", None),
    switch("rm", None),
    value("runtime", None),
    value("security-opt", None),
    value("shm-size", None),
    switch("sig-proxy", None),
    value("stop-signal", None),
    value("stop-timeout", None),
    value("storage-opt", None),
    value("sysctl", None),
    value("tmpfs", None),
    switch("tty", Some('t')),
    value("ulimit", None),
    switch("use-api-socket", None),
    value("user", Some('u')),
    value("userns", None),
    value("uts", None),
    value("volume", Some('v')),
    value("volume-driver", None),
    value("volumes-from", None),
    value("workdir", Some('w')),
];

/// Other names the Docker CLI accepts for a flag, and the flag they stand for.
const ALIASES: &[(&str, &str)] = &[
    ("net", "network"),
    ("net-alias", "network-alias"),
    ("dns-opt", "dns-option"),
];

/// Returns the flag with long name `name` (without dashes), following aliases.
pub(crate) fn find_long(name: &str) -> Option<&'static FlagSpec> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, target)| target);
    FLAGS.iter().find(|flag| flag.long == name)
}

/// Returns the flag with the one-letter name `letter`.
pub(crate) fn find_short(letter: char) -> Option<&'static FlagSpec> {
    FLAGS.iter().find(|flag| flag.short == Some(letter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_have_unique_names() {
        for (index, flag) in FLAGS.iter().enumerate() {
            assert!(
                FLAGS[index + 1..].iter().all(|other| other.long != flag.long),
                "--{} twice",
                flag.long
            );
            if let Some(letter) = flag.short {
                assert_eq!(find_short(letter), Some(flag), "-{letter}");
            }
        }
    }

    #[test]
    fn flags_follow_aliases() {
        assert_eq!(find_long("net").map(|flag| flag.long), Some("network"));
        assert_eq!(find_long("dns-opt").map(|flag| flag.long), Some("dns-option"));
        assert!(find_long("no-such-flag").is_none());
    }
}
