//! Converts real `docker run` commands (from Docker's documentation and the install pages of
//! popular homelab apps) and checks that every flag is in the report, in order.
//!
//! When docker-compose 1.29 (Debian's `docker-compose` package) is installed, `docker-compose
//! config` must accept each generated Compose file and show the mapped values. It only parses
//! and validates, so no engine is contacted.

use std::process::Command;

use homeport_import::docker_run::{convert, DockerRunConversion, FlagFate};

struct Case {
    command: &'static str,
    /// Every flag as written, in order, with combined short flags split.
    flags: &'static [&'static str],
    /// Lines `docker-compose config` must print for the service.
    config_lines: &'static [&'static str],
}

const CASES: &[Case] = &[
    // Portainer CE's install page.
    Case {
        command: "docker run -d -p 8000:8000 -p 9443:9443 --name portainer --restart=always \
                  -v /var/run/docker.sock:/var/run/docker.sock -v portainer_data:/data portainer/portainer-ce:lts",
        flags: &["-d", "-p", "-p", "--name", "--restart", "-v", "-v"],
        config_lines: &[
            "container_name: portainer",
            "restart: always",
            "- portainer_data:/data:rw",
            "name: portainer_data",
            "published: 9443",
        ],
    },
    // linuxserver.io's Jellyfin README, with its `#optional` markers.
    Case {
        command: "docker run -d \\\n  --name=jellyfin \\\n  -e PUID=1000 \\\n  -e PGID=1000 \\\n  -e TZ=Etc/UTC \\\n  \
                  -e JELLYFIN_PublishedServerUrl=http://192.168.0.5 `#optional` \\\n  -p 8096:8096 \\\n  \
                  -p 7359:7359/udp `#optional` \\\n  -v /path/to/jellyfin/library:/config \\\n  \
                  -v /path/to/tvseries:/data/tvshows \\\n  --device /dev/dri:/dev/dri \\\n  \
                  --restart unless-stopped \\\n  lscr.io/linuxserver/jellyfin:latest",
        flags: &["-d", "--name", "-e", "-e", "-e", "-e", "-p", "-p", "-v", "-v", "--device", "--restart"],
        config_lines: &[
            "JELLYFIN_PublishedServerUrl: http://192.168.0.5",
            "- /dev/dri:/dev/dri",
            "protocol: udp",
            "restart: unless-stopped",
        ],
    },
    // Home Assistant's container install page.
    Case {
        command: "docker run -d --name homeassistant --privileged --restart=unless-stopped -e TZ=MY_TIME_ZONE \
                  -v /PATH_TO_YOUR_CONFIG:/config -v /run/dbus:/run/dbus:ro --network=host \
                  ghcr.io/home-assistant/home-assistant:stable",
        flags: &["-d", "--name", "--privileged", "--restart", "-e", "-v", "-v", "--network"],
        config_lines: &["privileged: true", "network_mode: host", "- /run/dbus:/run/dbus:ro"],
    },
    // Pi-hole's README.
    Case {
        command: "docker run -d --name pihole -p 53:53/tcp -p 53:53/udp -p 80:80 -e TZ=Europe/London \
                  -v ./etc-pihole:/etc/pihole --cap-add NET_ADMIN --restart unless-stopped pihole/pihole:latest",
        flags: &["-d", "--name", "-p", "-p", "-p", "-e", "-v", "--cap-add", "--restart"],
        config_lines: &["- NET_ADMIN", "published: 53", "TZ: Europe/London"],
    },
    // The health check example of Docker's `docker run` reference.
    Case {
        command: "docker run --name=test -d --health-cmd='stat /etc/passwd || exit 1' --health-interval=2s busybox sleep 1d",
        flags: &["--name", "-d", "--health-cmd", "--health-interval"],
        config_lines: &["- stat /etc/passwd || exit 1", "interval: 2s", "- sleep", "- 1d"],
    },
    // Docker's `--ulimit` example, and a GPU request as Docker's GPU page writes it.
    Case {
        command: "docker run --ulimit nofile=1024:1024 --rm --gpus all debian sh -c \"ulimit -n\"",
        flags: &["--ulimit", "--rm", "--gpus"],
        config_lines: &["soft: 1024", "- gpu", "count: all", "- ulimit -n"],
    },
    // Most remaining flags of the task at once.
    Case {
        command: "docker run -it --rm --name kitchen --hostname kitchen.lan --user 1000:1000 -w /srv \
                  --entrypoint /bin/sh --label com.example.team=ops -l tier=back \
                  --cap-drop ALL --cap-add CHOWN --sysctl net.core.somaxconn=1024 --security-opt no-new-privileges:true \
                  --read-only --init --pid host --ipc shareable --stop-signal SIGINT --stop-timeout 30 \
                  --tmpfs /run:rw,size=64m --add-host db.lan:10.0.0.2 --dns 1.1.1.1 --dns-search lan \
                  --shm-size 256m --memory 512m --cpus 1.5 --log-driver json-file --log-opt max-size=10m \
                  --log-opt max-file=3 --env-file ./app.env --network backend --ip 172.30.0.10 \
                  --network-alias kitchen-svc --mount type=volume,source=cache,target=/cache \
                  --health-timeout 5s --health-retries 4 --health-start-period 10s -e 'PRICE=$5' \
                  alpine:3.20 -c 'echo ready'",
        flags: &[
            "-i",
            "-t",
            "--rm",
            "--name",
            "--hostname",
            "--user",
            "-w",
            "--entrypoint",
            "--label",
            "-l",
            "--cap-drop",
            "--cap-add",
            "--sysctl",
            "--security-opt",
            "--read-only",
            "--init",
            "--pid",
            "--ipc",
            "--stop-signal",
            "--stop-timeout",
            "--tmpfs",
            "--add-host",
            "--dns",
            "--dns-search",
            "--shm-size",
            "--memory",
            "--cpus",
            "--log-driver",
            "--log-opt",
            "--log-opt",
            "--env-file",
            "--network",
            "--ip",
            "--network-alias",
            "--mount",
            "--health-timeout",
            "--health-retries",
            "--health-start-period",
            "-e",
            // `-c` after the image belongs to the container command, not to docker run.
        ],
        config_lines: &[
            "hostname: kitchen.lan",
            "user: 1000:1000",
            "working_dir: /srv",
            "- /bin/sh",
            "com.example.team: ops",
            "net.core.somaxconn: '1024'",
            "- no-new-privileges:true",
            "read_only: true",
            "init: true",
            "pid: host",
            "ipc: shareable",
            "stop_signal: SIGINT",
            "stop_grace_period: 30s",
            "- /run:rw,size=64m",
            "- db.lan:10.0.0.2",
            "shm_size: 256m",
            "mem_limit: 512m",
            "cpus: 1.5",
            "max-file: '3'",
            "ipv4_address: 172.30.0.10",
            "- kitchen-svc",
            "external: true",
            "retries: 4",
            // docker-compose writes a literal `$` as `$$` again in its output.
            "PRICE: $$5",
            "- echo ready",
        ],
    },
];

fn flags_of(conversion: &DockerRunConversion) -> Vec<&str> {
    conversion.flags.iter().map(|report| report.flag.as_str()).collect()
}

#[test]
fn real_commands_report_every_flag() {
    for case in CASES {
        let conversion = convert(case.command).unwrap_or_else(|error| panic!("{}\n{error}", case.command));
        assert_eq!(flags_of(&conversion), case.flags, "{}", case.command);
        for report in &conversion.flags {
            if let FlagFate::Mapped { key } = &report.fate {
                let top_key = key.split('.').next().unwrap_or_default();
                assert!(
                    conversion.service_yaml.contains(&format!("  {top_key}:")),
                    "{} mapped to {key}, which is not in\n{}",
                    report.flag,
                    conversion.service_yaml
                );
            }
        }
    }
}

#[test]
fn real_commands_pass_docker_compose_config() {
    for case in CASES {
        let conversion = convert(case.command).unwrap_or_else(|error| panic!("{}\n{error}", case.command));
        let Some(output) = docker_compose_config(&conversion.compose_file) else {
            return;
        };
        let output =
            output.unwrap_or_else(|error| panic!("docker-compose rejected:\n{}\n{error}", conversion.compose_file));
        for line in case.config_lines {
            assert!(
                output
                    .lines()
                    .any(|printed| printed.trim() == *line || printed.trim().strip_prefix("- ") == Some(line)),
                "'{line}' missing from docker-compose config of {}:\n{output}",
                case.command
            );
        }
    }
}

#[test]
fn not_applicable_flags_have_reasons() {
    let conversion = convert("docker run -d --rm -it --sig-proxy=false nginx").expect("valid command");
    assert_eq!(flags_of(&conversion), ["-d", "--rm", "-i", "-t", "--sig-proxy"]);
    for report in &conversion.flags {
        let FlagFate::NotApplicable { reason } = &report.fate else {
            panic!("{report:?}");
        };
        assert!(!reason.is_empty());
    }
    assert_eq!(conversion.service_yaml, "nginx:\n  image: \"nginx\"\n");
}

/// Runs `docker-compose config`, or returns `None` when docker-compose is missing.
fn docker_compose_config(text: &str) -> Option<Result<String, String>> {
    let dir = tempfile::TempDir::new().expect("temporary directory");
    let file = dir.path().join("docker-compose.yml");
    std::fs::write(&file, text).expect("write Compose file");
    // env_file paths must exist for `config` to succeed.
    std::fs::write(dir.path().join("app.env"), "FROM_FILE=1\n").expect("write env file");
    let output = match Command::new("docker-compose")
        .arg("--project-directory")
        .arg(dir.path())
        .arg("-f")
        .arg(&file)
        .arg("config")
        .output()
    {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: docker-compose is not installed (apt-get install docker-compose)");
            return None;
        }
        Err(error) => panic!("docker-compose failed to start: {error}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    Some(if output.status.success() {
        Ok(stdout)
    } else {
        Err(stderr)
    })
}
