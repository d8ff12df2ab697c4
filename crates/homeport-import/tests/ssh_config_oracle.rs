//! Compares `SshConfig::resolve` with the installed OpenSSH client.
//!
//! Each test writes configuration files to a temporary directory, runs `ssh -G -F FILE ALIAS`
//! (which prints the resolved configuration without connecting) and compares hostname, user,
//! port, identity files, IdentitiesOnly, ProxyJump and ProxyCommand. `ssh -G` of OpenSSH 9.2
//! prints IdentityFile values before expanding tokens, so the token test runs `ssh -v` with
//! `ProxyCommand=true` instead: ssh then prints the expanded paths, and the proxy command exits
//! before any network connection starts.
//!
//! `ssh` resolves relative `Include` paths against the real `~/.ssh`, so these tests include by
//! absolute path; relative includes are tested in the crate's unit tests. Without `ssh` on the
//! PATH the tests fail: `make test` installs openssh-client.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use homeport_import::ssh_config::{ConfigErrorKind, Environment, JumpHop, ResolvedHost, SshConfig, WarningKind};
use tempfile::TempDir;

/// A temporary directory for configuration files, and the environment that `ssh` itself uses.
struct Lab {
    dir: TempDir,
    environment: Environment,
}

impl Lab {
    fn new() -> Lab {
        let dir = TempDir::new().expect("temporary directory");
        // `from_os` takes the home directory from /etc/passwd, as ssh does for `~` and `%d`.
        let mut environment = Environment::from_os().expect("local environment");
        environment.ssh_dir = dir.path().to_path_buf();
        Lab { dir, environment }
    }

    /// Writes `text` to `name`, with `{dir}` replaced by the temporary directory.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::create_dir_all(path.parent().expect("parent directory")).expect("create directory");
        fs::write(&path, text.replace("{dir}", &self.dir.path().to_string_lossy())).expect("write file");
        path
    }

    fn load(&self, path: &Path) -> SshConfig {
        SshConfig::load(path, &self.environment).unwrap_or_else(|errors| panic!("load failed:\n{errors}"))
    }

    /// Resolves `alias` and checks every compared field against `ssh -G`.
    fn assert_same_as_ssh(&self, config_path: &Path, alias: &str) -> ResolvedHost {
        let ours = self.load(config_path).resolve(alias);
        let theirs = ssh_g(config_path, alias);

        assert_eq!(ours.host_name, single(&theirs, "hostname"), "hostname of {alias}");
        assert_eq!(ours.user, single(&theirs, "user"), "user of {alias}");
        assert_eq!(ours.port.to_string(), single(&theirs, "port"), "port of {alias}");
        assert_eq!(
            yes_no(ours.identities_only),
            single(&theirs, "identitiesonly"),
            "identitiesonly of {alias}"
        );
        assert_eq!(ours.proxy_jump, ssh_proxy_jump(&theirs), "proxyjump of {alias}");
        assert_eq!(
            ours.proxy_command.as_deref(),
            theirs.get("proxycommand").map(|v| v[0].as_str()),
            "proxycommand of {alias}"
        );
        self.assert_identity_files(&ours, &theirs);
        ours
    }

    /// `ssh -G` lists OpenSSH's default keys when no IdentityFile applies, where Homeport lists
    /// none, and prints `~` unexpanded.
    fn assert_identity_files(&self, ours: &ResolvedHost, theirs: &BTreeMap<String, Vec<String>>) {
        let printed = theirs.get("identityfile").cloned().unwrap_or_default();
        if ours.identity_files.is_empty() {
            assert!(
                printed.iter().all(|path| path.starts_with("~/.ssh/id_")),
                "ssh lists {printed:?}"
            );
            return;
        }
        let expected: Vec<PathBuf> = printed.iter().map(|path| self.expand_home(path)).collect();
        assert_eq!(ours.identity_files, expected, "identity files of {}", ours.alias);
    }

    fn expand_home(&self, path: &str) -> PathBuf {
        assert!(
            !path.contains('%') && !path.contains("${"),
            "compare {path} with ssh_identity_files"
        );
        match path.strip_prefix("~/") {
            Some(rest) => self.environment.home_dir.join(rest),
            None => PathBuf::from(path),
        }
    }
}

fn run_ssh(args: &[&str], config: &Path) -> Output {
    Command::new("ssh")
        .args(&args[..args.len() - 1])
        .arg("-F")
        .arg(config)
        .arg(args[args.len() - 1])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run ssh: {error}. These tests compare with the OpenSSH client: install openssh-client (make test does)")
        })
}

/// Runs `ssh -G -F config alias` and returns its `keyword value` lines by keyword.
fn ssh_g(config: &Path, alias: &str) -> BTreeMap<String, Vec<String>> {
    let output = run_ssh(&["-G", alias], config);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "ssh -G {alias} failed: {stderr}");

    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let (keyword, value) = line.split_once(' ').unwrap_or((line, ""));
        values.entry(keyword.to_string()).or_default().push(value.to_string());
    }
    values
}

/// Returns the identity files ssh would offer to `alias`, tokens expanded, from `ssh -v`. The
/// command-line `ProxyCommand=true` takes precedence over the configuration and exits at once,
/// so ssh never opens a socket. BatchMode stops it from prompting.
fn ssh_identity_files(config: &Path, alias: &str) -> Result<Vec<PathBuf>, String> {
    let output = run_ssh(&["-v", "-o", "ProxyCommand=true", "-o", "BatchMode=yes", alias], config);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let printed: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("debug1: identity file "))
        .filter_map(|rest| rest.rsplit_once(" type ").map(|(path, _)| path))
        .collect();
    if printed.is_empty() {
        return Err(stderr);
    }
    // ssh prints each file and then the same path with "-cert" appended.
    Ok(printed.iter().step_by(2).map(PathBuf::from).collect())
}

fn single(values: &BTreeMap<String, Vec<String>>, keyword: &str) -> String {
    match values.get(keyword).map(Vec::as_slice) {
        Some([value]) => value.clone(),
        other => panic!("ssh -G printed {keyword} as {other:?}"),
    }
}

fn ssh_proxy_jump(values: &BTreeMap<String, Vec<String>>) -> Vec<JumpHop> {
    match values.get("proxyjump") {
        Some(printed) => JumpHop::parse_chain(&printed[0]).expect("ssh prints a valid chain"),
        None => Vec::new(),
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

/// Runs `ssh -G` on a configuration it must reject and returns the line numbers its error
/// messages name (`FILE line N: ...` or `FILE: line N: ...`).
fn ssh_error_lines(config: &Path) -> Vec<usize> {
    let output = run_ssh(&["-G", "a"], config);
    assert!(!output.status.success(), "ssh accepted {}", config.display());
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| line.split_once("line ")?.1.split(':').next()?.parse().ok())
        .collect()
}

#[test]
fn precedence_first_value_wins() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host example1\n    HostName 198.51.100.1\n    IdentityFile ~/.ssh/special\n\
         Host example2\n    HostName 198.51.100.2\n\
         Host example*\n    User exampleuser\n    Port 23\n    IdentityFile ~/.ssh/regular\n",
    );
    let home = &lab.environment.home_dir;

    let example1 = lab.assert_same_as_ssh(&config, "example1");
    assert_eq!(example1.host_name, "198.51.100.1");
    assert_eq!(example1.user, "exampleuser");
    assert_eq!(example1.port, 23);
    assert_eq!(
        example1.identity_files,
        [home.join(".ssh/special"), home.join(".ssh/regular")]
    );

    let example2 = lab.assert_same_as_ssh(&config, "example2");
    assert_eq!(example2.host_name, "198.51.100.2");
    assert_eq!(example2.user, "exampleuser");
    assert_eq!(example2.port, 23);
    assert_eq!(example2.identity_files, [home.join(".ssh/regular")]);
}

#[test]
fn include_after_host_star() {
    let lab = Lab::new();
    lab.write(
        "config.d/10-lab.conf",
        "Host nas\n  HostName 192.0.2.10\n  User backup\n  Port 2222\n",
    );
    let config = lab.write(
        "config",
        "Host *\n  ForwardAgent yes\n  ServerAliveInterval 30\nInclude {dir}/config.d/*.conf\n",
    );

    assert_eq!(lab.load(&config).aliases(), ["nas"]);
    let nas = lab.assert_same_as_ssh(&config, "nas");
    assert_eq!(
        (nas.host_name.as_str(), nas.user.as_str(), nas.port),
        ("192.0.2.10", "backup", 2222)
    );
    lab.assert_same_as_ssh(&config, "other");
}

#[test]
fn include_glob_order() {
    let lab = Lab::new();
    lab.write("conf.d/20-b.conf", "Host a\n  User from-b\n  IdentityFile /keys/b\n");
    lab.write("conf.d/10-a.conf", "Host a\n  User from-a\n  IdentityFile /keys/a\n");
    let config = lab.write("config", "Include {dir}/conf.d/*.conf\n");

    let a = lab.assert_same_as_ssh(&config, "a");
    assert_eq!(a.user, "from-a");
    assert_eq!(a.identity_files, [PathBuf::from("/keys/a"), PathBuf::from("/keys/b")]);
}

#[test]
fn include_inside_inactive_host() {
    let lab = Lab::new();
    lab.write("only-for-x", "Host a\n  User from-include\n");
    lab.write("zzz", "Host zzz\n  Port 1\n");
    lab.write("leading", "  User leading\nHost *\n  Port 7\n");
    let config = lab.write(
        "config",
        "Host x\n  Include {dir}/only-for-x\n\
         Host a\n  Include {dir}/zzz\n  HostName after-include\n\
         Host b\n  Include {dir}/leading\n\
         Host *\n  Port 5\n",
    );

    let a = lab.assert_same_as_ssh(&config, "a");
    assert_eq!(
        (a.user.as_str(), a.port, a.host_name.as_str()),
        (lab.environment.local_user.as_str(), 5, "after-include")
    );
    let b = lab.assert_same_as_ssh(&config, "b");
    assert_eq!((b.user.as_str(), b.port), ("leading", 7));
    lab.assert_same_as_ssh(&config, "x");
}

#[test]
fn include_inside_match() {
    let lab = Lab::new();
    lab.write("inner", "User matched-include\n");
    let config = lab.write(
        "config",
        "Match host nomatch\n  Include {dir}/inner\nMatch all\n  Include {dir}/inner\n  Port 2200\n",
    );
    let a = lab.assert_same_as_ssh(&config, "a");
    assert_eq!((a.user.as_str(), a.port), ("matched-include", 2200));
}

#[test]
fn host_negation() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host *.lan !nas.lan\n  User lan\nHost !only-negated\n  Port 2000\nHost *\n  User other\n",
    );
    assert_eq!(lab.assert_same_as_ssh(&config, "pi.lan").user, "lan");
    assert_eq!(lab.assert_same_as_ssh(&config, "nas.lan").user, "other");
    assert_eq!(lab.assert_same_as_ssh(&config, "only-negated").port, 22);
    assert_eq!(lab.assert_same_as_ssh(&config, "x").port, 22);
}

#[test]
fn host_question_mark() {
    let lab = Lab::new();
    let config = lab.write("config", "Host web?\n  User web\n");
    assert_eq!(lab.assert_same_as_ssh(&config, "web1").user, "web");
    assert_ne!(lab.assert_same_as_ssh(&config, "web10").user, "web");
    assert_ne!(lab.assert_same_as_ssh(&config, "web").user, "web");
}

#[test]
fn host_patterns_case_sensitive() {
    let lab = Lab::new();
    let config = lab.write("config", "Host FOO\n  User upper\nHost bar\n  User lower\n");
    assert_eq!(lab.assert_same_as_ssh(&config, "FOO").user, "upper");
    assert_ne!(lab.assert_same_as_ssh(&config, "foo").user, "upper");
    assert_ne!(lab.assert_same_as_ssh(&config, "BAR").user, "lower");
}

#[test]
fn match_host_and_originalhost() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host alias1\n  HostName Real.Example.com\n\
         Match host real.example.com\n  User by-host\n\
         Match originalhost ALIAS1\n  Port 2201\n\
         Match host *.example.com,!other.example.com\n  IdentitiesOnly yes\n\
         Match host other.example.com\n  User other\n",
    );
    let alias1 = lab.assert_same_as_ssh(&config, "alias1");
    assert_eq!(
        (alias1.user.as_str(), alias1.port, alias1.identities_only),
        ("by-host", 2201, true)
    );
    let other = lab.assert_same_as_ssh(&config, "other.example.com");
    assert_eq!((other.user.as_str(), other.identities_only), ("other", false));
}

#[test]
fn match_user_and_all() {
    let lab = Lab::new();
    let local = &lab.environment.local_user;
    let text = format!(
        "Match user {local}\n  Port 2000\n\
         Host a\n  User bob\n\
         Match user bob\n  HostName bobs-host\n\
         Match !user bob\n  IdentityFile /keys/not-bob\n\
         Match all\n  IdentityFile /keys/all\n"
    );
    let config = lab.write("config", &text);

    let a = lab.assert_same_as_ssh(&config, "a");
    assert_eq!((a.port, a.host_name.as_str()), (2000, "bobs-host"));
    assert_eq!(a.identity_files, [PathBuf::from("/keys/all")]);
    let b = lab.assert_same_as_ssh(&config, "b");
    assert_eq!(
        b.identity_files,
        [PathBuf::from("/keys/not-bob"), PathBuf::from("/keys/all")]
    );
}

#[test]
fn match_exec_warns_and_skips() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host a\n  User early\nMatch exec false\n  Port 2200\n  User exec-user\nMatch host a exec \"exit 1\"\n  HostName exec-host\n",
    );

    // ssh runs both commands and skips both blocks because they fail. Homeport skips them
    // without running anything.
    let a = lab.assert_same_as_ssh(&config, "a");
    let warned: Vec<(usize, &WarningKind)> = a.warnings.iter().map(|warning| (warning.line, &warning.kind)).collect();
    let exec = |argument: &str| WarningKind::UnsupportedMatch {
        criterion: "exec".to_string(),
        argument: Some(argument.to_string()),
    };
    assert_eq!(warned, [(3, &exec("false")), (6, &exec("exit 1"))]);
    assert!(a.warnings.iter().all(|warning| warning.file == config));

    let b = lab.assert_same_as_ssh(&config, "b");
    assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
}

#[test]
fn separators_and_quotes() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host=sep\n  User=eq-user\n  Port = 2022\n  IdentityFile \"{dir}/key with space\"\n  HostName\ttab.example\n\
         Host \"quoted\"\n  User 'single quoted'\n  IdentityFile={dir}/escaped\\ space\n",
    );
    let sep = lab.assert_same_as_ssh(&config, "sep");
    assert_eq!(
        (sep.user.as_str(), sep.port, sep.host_name.as_str()),
        ("eq-user", 2022, "tab.example")
    );
    assert_eq!(sep.identity_files, [lab.dir.path().join("key with space")]);

    let quoted = lab.assert_same_as_ssh(&config, "quoted");
    assert_eq!(quoted.user, "single quoted");
    assert_eq!(quoted.identity_files, [lab.dir.path().join("escaped space")]);
}

#[test]
fn keywords_case_insensitive() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "HOST Mixed\n  hOsTnAmE mixed.example\n  USER Up\n  pOrT 2345\n  identitiesONLY YES\n",
    );
    let mixed = lab.assert_same_as_ssh(&config, "Mixed");
    assert_eq!(
        (mixed.user.as_str(), mixed.port, mixed.identities_only),
        ("Up", 2345, true)
    );
}

#[test]
fn trailing_comments() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host c # comment\n  User bob # comment\n  Port 2222 # comment\n  HostName x.y#z\n  IdentityFile /k/a#b\n",
    );
    let c = lab.assert_same_as_ssh(&config, "c");
    assert_eq!((c.user.as_str(), c.port, c.host_name.as_str()), ("bob", 2222, "x.y#z"));
}

#[test]
fn proxy_jump_chain() {
    let lab = Lab::new();
    let config = lab.write("config", "Host j\n  ProxyJump a,b@c:2200,[2001:db8::1]:22\n");
    let j = lab.assert_same_as_ssh(&config, "j");
    let chain: Vec<String> = j.proxy_jump.iter().map(ToString::to_string).collect();
    assert_eq!(chain, ["a", "b@c:2200", "[2001:db8::1]:22"]);
    assert_eq!(j.proxy_jump[2].host, "2001:db8::1");
    assert_eq!(j.proxy_command, None);
}

#[test]
fn proxy_jump_none_and_proxy_command() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host none-first\n  ProxyJump none\n  ProxyJump j\n\
         Host none-then-command\n  ProxyJump NONE\n  ProxyCommand nc %h %p\n\
         Host jump-then-command\n  ProxyJump u@j:2222\n  ProxyCommand nc %h %p\n\
         Host command-then-jump\n  ProxyCommand nc \"%h\" %p # comment kept\n  ProxyJump j\n\
         Host command-none-then-jump\n  ProxyCommand none\n  ProxyJump j\n\
         Host uri\n  ProxyJump ssh://u@h:2222,x:022 trailing-ignored\n",
    );

    assert!(lab.assert_same_as_ssh(&config, "none-first").proxy_jump.is_empty());
    assert_eq!(
        lab.assert_same_as_ssh(&config, "none-then-command")
            .proxy_command
            .as_deref(),
        Some("nc %h %p")
    );
    assert_eq!(lab.assert_same_as_ssh(&config, "jump-then-command").proxy_command, None);
    let command_first = lab.assert_same_as_ssh(&config, "command-then-jump");
    assert_eq!(
        command_first.proxy_command.as_deref(),
        Some("nc \"%h\" %p # comment kept")
    );
    assert!(command_first.proxy_jump.is_empty());
    let command_none = lab.assert_same_as_ssh(&config, "command-none-then-jump");
    assert_eq!((command_none.proxy_command, command_none.proxy_jump.len()), (None, 0));
    assert_eq!(lab.assert_same_as_ssh(&config, "uri").proxy_jump.len(), 2);
}

#[test]
fn host_name_forms() {
    let lab = Lab::new();
    let inputs = [
        "Bar.Example",
        "%h.Example.com",
        "a%%b",
        "010.1.2.3",
        "1.2.3",
        "0x7f.1",
        "10",
        "1.2.3.4.",
        "2001:DB8::A",
        "2001:DB8:0:0:0:0:0:A",
        "::1.2.3.4",
        "[2001:DB8::A]",
        "[FOO]",
        "FOO:BAR",
    ];
    let text: String = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| format!("Host h{index}\n  HostName {input}\n"))
        .collect();
    let config = lab.write("config", &text);

    for index in 0..inputs.len() {
        lab.assert_same_as_ssh(&config, &format!("h{index}"));
    }
    assert_eq!(
        lab.assert_same_as_ssh(&config, "Upper.Case.Alias").host_name,
        "upper.case.alias"
    );
}

#[test]
fn identity_file_tokens() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host Tok\n  HostName Tok.Example\n  User Remote\n  Port 2201\n  HostKeyAlias KeyAlias\n\
         \x20 IdentityFile ~/k/%h-%n-%r-%p-%u-%l-%L-%i-%k-%%-%C\n  IdentityFile %d/second\n\
         \x20 IdentityFile ~/k/third\n  IdentityFile ~/k/third\n",
    );

    let ours = lab.load(&config).resolve("Tok");
    let theirs =
        ssh_identity_files(&config, "Tok").unwrap_or_else(|stderr| panic!("ssh printed no identity files:\n{stderr}"));
    assert_eq!(ours.identity_files, theirs);
    assert_eq!(ours.identity_files.len(), 3);
}

#[test]
fn unknown_token_rejected() {
    let lab = Lab::new();
    let config = lab.write("config", "Host a\n  IdentityFile /k/%z\n");

    // ssh -G accepts the line, and ssh fails only when it expands the path. Homeport rejects
    // it at load time.
    let stderr = ssh_identity_files(&config, "a").expect_err("ssh expands %z");
    assert!(stderr.contains("unknown key %z"), "{stderr}");
    let errors = SshConfig::load(&config, &lab.environment).expect_err("unknown token");
    assert_eq!((errors.0[0].line, errors.0[0].column), (2, 19));
    assert!(matches!(errors.0[0].kind, ConfigErrorKind::UnknownToken { .. }));
}

#[test]
fn syntax_errors_match_ssh() {
    let lab = Lab::new();
    let config = lab.write(
        "config",
        "Host a\n  Bogus 1\n  User\n  User \"bob\n  Port 99999\n  HostName ok\n  ProxyJump h:x\n  User two words\n  Port 0\n",
    );

    let errors = SshConfig::load(&config, &lab.environment).expect_err("broken configuration");
    let ours: Vec<usize> = errors.0.iter().map(|error| error.line).collect();
    assert_eq!(ours, ssh_error_lines(&config));
    assert_eq!(ours, [2, 3, 4, 5, 7, 8, 9]);
    assert!(
        errors.0.iter().all(|error| error.column > 0 && !error.text.is_empty()),
        "{errors}"
    );
}

#[test]
fn unknown_keyword_error_in_included_file() {
    let lab = Lab::new();
    lab.write("inner", "Host b\n  NoSuchOption yes\n");
    let config = lab.write("config", "Host nowhere\n  Include {dir}/inner\n");

    assert_eq!(ssh_error_lines(&config), [2]);
    let errors = SshConfig::load(&config, &lab.environment).expect_err("unknown keyword");
    assert_eq!(errors.0.len(), 1);
    assert!(errors.0[0].file.ends_with("inner"));
    assert_eq!(errors.0[0].line, 2);
}

#[test]
fn ignore_unknown_before_keyword() {
    let lab = Lab::new();
    let config = lab.write("config", "IgnoreUnknown NoSuch*\nNoSuchOption yes\nHost a\n  User x\n");
    assert!(lab.assert_same_as_ssh(&config, "a").warnings.is_empty());

    let late = lab.write("late", "NoSuchOption yes\nIgnoreUnknown NoSuch*\n");
    assert_eq!(ssh_error_lines(&late), [1]);
    assert!(SshConfig::load(&late, &lab.environment).is_err());
}
