use super::*;

fn fate_of<'a>(conversion: &'a DockerRunConversion, flag: &str) -> &'a FlagFate {
    &conversion
        .flags
        .iter()
        .find(|report| report.flag == flag)
        .unwrap_or_else(|| panic!("{flag} missing from the report: {:?}", conversion.flags))
        .fate
}

#[test]
fn convert_basic_command() {
    let conversion = convert("docker run -d --name Web_1 -p 8080:80 -e A=b nginx:1.27").expect("valid command");
    assert_eq!(conversion.service_name, "web_1");
    assert_eq!(conversion.image, "nginx:1.27");
    assert_eq!(
        conversion.service_yaml,
        "web_1:\n  image: \"nginx:1.27\"\n  container_name: \"Web_1\"\n  ports:\n    - \"8080:80\"\n  environment:\n    - \"A=b\"\n"
    );
    assert!(matches!(fate_of(&conversion, "-d"), FlagFate::NotApplicable { .. }));
    assert_eq!(
        fate_of(&conversion, "-p"),
        &FlagFate::Mapped {
            key: "ports".to_string()
        }
    );
}

#[test]
fn convert_names_service_after_image() {
    for (image, name) in [
        ("ghcr.io/linuxserver/jellyfin:10.9", "jellyfin"),
        ("localhost:5000/team/App@sha256:abc", "app"),
        ("nginx", "nginx"),
    ] {
        let conversion = convert(&format!("docker run {image}")).expect("valid command");
        assert_eq!(conversion.service_name, name, "{image}");
    }
}

#[test]
fn convert_splits_combined_short_flags() {
    let conversion = convert("docker run -dit -p80:80 -e=A=b alpine sh -c 'echo $HOME'").expect("valid command");
    let flags: Vec<&str> = conversion.flags.iter().map(|report| report.flag.as_str()).collect();
    assert_eq!(flags, ["-d", "-i", "-t", "-p", "-e"]);
    let columns: Vec<usize> = conversion.flags.iter().map(|report| report.column).collect();
    assert_eq!(columns, [13, 14, 15, 18, 26]);
    assert_eq!(conversion.flags[3].value.as_deref(), Some("80:80"));
    assert_eq!(conversion.flags[4].value.as_deref(), Some("A=b"));
    assert!(conversion
        .service_yaml
        .contains("command:\n    - \"sh\"\n    - \"-c\"\n    - \"echo $$HOME\"\n"));
}

#[test]
fn convert_keeps_unknown_flags_in_report() {
    let conversion = convert("docker run --frobnicate=3 --weird -Z nginx").expect("valid command");
    let flags: Vec<&str> = conversion.flags.iter().map(|report| report.flag.as_str()).collect();
    assert_eq!(flags, ["--frobnicate", "--weird", "-Z"]);
    for report in &conversion.flags {
        assert!(matches!(report.fate, FlagFate::Unmapped { .. }), "{report:?}");
    }
}

#[test]
fn convert_mount_long_syntax() {
    let conversion = convert(
        "docker run --mount type=bind,src=/srv/a,dst=/a,readonly --mount source=data,target=/data,volume-nocopy \
         --mount type=tmpfs,target=/cache,tmpfs-size=1048576,tmpfs-mode=1777 busybox",
    )
    .expect("valid command");
    assert!(conversion
        .service_yaml
        .contains("    - type: \"bind\"\n      source: \"/srv/a\"\n      target: \"/a\"\n      read_only: true\n"));
    assert!(conversion
        .service_yaml
        .contains("    - type: \"volume\"\n      source: \"data\"\n      target: \"/data\"\n      volume:\n        nocopy: true\n"));
    assert!(conversion
        .service_yaml
        .contains("        size: 1048576\n        mode: 1023\n"));
    assert_eq!(conversion.named_volumes, ["data"]);
}

#[test]
fn convert_named_volume_is_declared() {
    let conversion =
        convert("docker run -v data:/data -v /srv:/srv -v ./conf:/conf -v /anon nginx").expect("valid command");
    assert_eq!(conversion.named_volumes, ["data"]);
    assert!(conversion
        .compose_file
        .ends_with("volumes:\n  data:\n    name: \"data\"\n"));
}

#[test]
fn convert_network_settings_follow_network() {
    let conversion =
        convert("docker run --ip 172.20.0.5 --network-alias db --net backend postgres:16").expect("valid command");
    assert_eq!(conversion.external_networks, ["backend"]);
    assert_eq!(
        fate_of(&conversion, "--ip"),
        &FlagFate::Mapped {
            key: "networks.backend.ipv4_address".to_string()
        }
    );
    assert!(conversion
        .compose_file
        .contains("networks:\n  backend:\n    external: true\n"));

    let conversion = convert("docker run --network host --ip 10.0.0.2 nginx").expect("valid command");
    assert!(conversion.service_yaml.contains("network_mode: \"host\""));
    assert!(matches!(fate_of(&conversion, "--ip"), FlagFate::Unmapped { .. }));
}

#[test]
fn convert_gpus_forms() {
    let conversion = convert("docker run --gpus all nvidia/cuda").expect("valid command");
    assert!(conversion
        .service_yaml
        .contains("      reservations:\n        devices:\n          - count: \"all\"\n            capabilities:\n              - \"gpu\"\n"));

    let conversion = convert(r#"docker run --gpus '"device=1,2"' nvidia/cuda"#).expect("valid command");
    assert!(conversion
        .service_yaml
        .contains("          - device_ids:\n              - \"1\"\n              - \"2\"\n"));

    let error = convert("docker run --gpus many nvidia/cuda").expect_err("invalid count");
    assert_eq!(error.code(), "invalid_value");
    assert_eq!(error.column, 19);
}

#[test]
fn convert_healthcheck_and_limits() {
    let conversion = convert(
        "docker run --health-cmd 'curl -f http://localhost/ || exit 1' --health-interval 30s --health-retries 3 \
         --ulimit nofile=1024:2048 --ulimit nproc=512 --stop-timeout 20 --entrypoint '' redis",
    )
    .expect("valid command");
    let yaml = &conversion.service_yaml;
    assert!(yaml.contains("    test:\n      - \"CMD-SHELL\"\n      - \"curl -f http://localhost/ || exit 1\"\n"));
    assert!(yaml.contains("    retries: 3\n"));
    assert!(yaml.contains("  ulimits:\n    nofile:\n      soft: 1024\n      hard: 2048\n    nproc: 512\n"));
    assert!(yaml.contains("  stop_grace_period: \"20s\"\n"));
    assert!(yaml.contains("  entrypoint: []\n"));
}

#[test]
fn convert_reports_variables() {
    let conversion = convert("docker run -v \"$PWD/data\":/data -e TZ=${TZ:-UTC} nginx").expect("valid command");
    assert_eq!(conversion.variables, ["PWD", "TZ"]);
    assert!(conversion.flags[0]
        .note
        .as_deref()
        .is_some_and(|note| note.contains("$PWD")));
}

#[test]
fn convert_errors_name_place_and_fix() {
    let cases = [
        ("", "empty", 1, 1),
        ("sudo docker run nginx", "not_docker", 1, 1),
        ("docker ps -a", "not_run", 1, 8),
        ("docker run -d -p", "missing_value", 1, 15),
        ("docker run -d --name", "missing_value", 1, 15),
        ("docker run -d -p 80:80", "missing_image", 1, 23),
        ("docker run --restart sometimes nginx", "invalid_value", 1, 22),
        ("docker run \\\n  -e 'A=b nginx", "unterminated_quote", 2, 6),
    ];
    for (command, code, line, column) in cases {
        let error = convert(command).expect_err(command);
        assert_eq!(error.code(), code, "{command}: {error}");
        assert_eq!((error.line, error.column), (line, column), "{command}: {error}");
    }

    let error = convert("sudo docker run nginx").expect_err("sudo");
    assert_eq!(
        error.to_string(),
        "line 1, column 1: the command starts with 'sudo' instead of 'docker'. Remove 'sudo' so the command starts with 'docker run'"
    );
}

#[test]
fn convert_double_dash_ends_flags() {
    let conversion = convert("docker container run --rm -- alpine -v").expect("valid command");
    assert_eq!(conversion.image, "alpine");
    assert_eq!(conversion.flags.len(), 1);
    assert!(conversion.service_yaml.contains("command:\n    - \"-v\"\n"));
}

#[test]
fn convert_switch_values() {
    let conversion = convert("docker run --privileged=false --read-only --init=true nginx").expect("valid command");
    assert!(conversion
        .service_yaml
        .contains("  privileged: false\n  read_only: true\n  init: true\n"));
    let error = convert("docker run --init=maybe nginx").expect_err("invalid switch");
    assert_eq!(error.code(), "invalid_value");
}
