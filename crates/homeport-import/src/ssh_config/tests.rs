//! Tests of the public API that need no `ssh` binary: relative includes under a temporary
//! `ssh_dir`, include errors, error reports and warnings.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::*;

/// A temporary home directory whose `.ssh` contains the test files.
struct Home {
    _dir: TempDir,
    environment: Environment,
}

impl Home {
    fn new() -> Home {
        let dir = TempDir::new().expect("temporary directory");
        let environment = Environment::new(dir.path(), "alice", "desk.example.lan", 1000);
        fs::create_dir_all(&environment.ssh_dir).expect("create .ssh");
        Home { _dir: dir, environment }
    }

    /// Writes `text` to `name` under `.ssh` and returns the path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.environment.ssh_dir.join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("create parent");
        fs::write(&path, text).expect("write file");
        path
    }

    fn load(&self, name: &str, text: &str) -> SshConfig {
        let path = self.write(name, text);
        SshConfig::load(&path, &self.environment).unwrap_or_else(|errors| panic!("load failed:\n{errors}"))
    }

    fn errors(&self, name: &str, text: &str) -> Vec<ConfigError> {
        let path = self.write(name, text);
        match SshConfig::load(&path, &self.environment) {
            Ok(_) => panic!("{name} loaded without errors"),
            Err(errors) => errors.0,
        }
    }
}

fn error_places(errors: &[ConfigError]) -> Vec<(usize, usize)> {
    errors.iter().map(|error| (error.line, error.column)).collect()
}

#[test]
fn include_relative_to_ssh_dir() {
    let home = Home::new();
    home.write(
        "config.d/10-lab.conf",
        "Host nas\n  HostName 192.0.2.10\n  User backup\n  Port 2222\n",
    );
    let config = home.load(
        "config",
        "Host *\n  ForwardAgent yes\n  ServerAliveInterval 30\nInclude config.d/*.conf\n",
    );

    assert_eq!(config.aliases(), ["nas"]);
    let nas = config.resolve("nas");
    assert_eq!(nas.host_name, "192.0.2.10");
    assert_eq!(nas.user, "backup");
    assert_eq!(nas.port, 2222);
    assert!(nas.warnings.is_empty(), "{:?}", nas.warnings);
    assert_eq!(config.files().len(), 2);
    assert!(config.files()[1].ends_with("config.d/10-lab.conf"));
}

#[test]
fn include_tilde_path() {
    let home = Home::new();
    home.write("extra", "Host pi\n  User pi\n");
    let config = home.load("config", "Include ~/.ssh/extra\n");
    assert_eq!(config.resolve("pi").user, "pi");
}

#[test]
fn include_glob_lexical_order() {
    let home = Home::new();
    home.write("conf.d/20-b.conf", "Host a\n  User from-b\nHost b-only\n");
    home.write("conf.d/10-a.conf", "Host a\n  User from-a\nHost a-only\n");
    let config = home.load("config", "Include conf.d/*.conf\n");
    assert_eq!(config.resolve("a").user, "from-a");
    assert_eq!(config.aliases(), ["a", "a-only", "b-only"]);
}

#[test]
fn include_skips_missing_and_directories() {
    let home = Home::new();
    fs::create_dir_all(home.environment.ssh_dir.join("dir.conf")).expect("directory");
    let config = home.load(
        "config",
        "Include nothing-here/*.conf missing.conf dir.conf\nHost a\n  User x\n",
    );
    assert_eq!(config.files().len(), 1);
    assert_eq!(config.resolve("a").user, "x");
}

#[test]
fn include_skips_hidden_files() {
    let home = Home::new();
    home.write("conf.d/.hidden.conf", "Host hidden\n");
    home.write("conf.d/shown.conf", "Host shown\n");
    let config = home.load("config", "Include conf.d/*\n");
    assert_eq!(config.aliases(), ["shown"]);
}

#[test]
fn include_in_inactive_block() {
    let home = Home::new();
    home.write("inner", " User inherited\nHost *\n  Port 7\nHost b\n  User bee\n");
    let config = home.load("config", "Host a\n  Include inner\n  HostName after-include\n");

    let a = config.resolve("a");
    assert_eq!(
        (a.user.as_str(), a.port, a.host_name.as_str()),
        ("inherited", 7, "after-include")
    );
    let b = config.resolve("b");
    assert_eq!((b.user.as_str(), b.port), ("alice", 22));
    assert_eq!(config.aliases(), ["a", "b"]);
}

#[test]
fn include_errors_in_inactive_block_reported() {
    let home = Home::new();
    home.write("broken", "Bogus yes\n");
    let errors = home.errors("config", "Host nowhere\n  Include broken\n");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].file.ends_with("broken"));
    assert_eq!((errors[0].line, errors[0].column), (1, 1));
}

#[test]
fn include_loop_names_chain() {
    let home = Home::new();
    home.write("b", "Include c\n");
    home.write("c", "Include b\n");
    let errors = home.errors("a", "Include b\n");

    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert!(error.file.ends_with("c"), "{error}");
    assert_eq!((error.line, error.column), (1, 9));
    let ConfigErrorKind::IncludeLoop { chain } = &error.kind else {
        panic!("not a loop error: {error}");
    };
    let names: Vec<&str> = chain.iter().filter_map(|path| path.file_name()?.to_str()).collect();
    assert_eq!(names, ["a", "b", "c", "b"]);
    assert!(error.to_string().contains(" -> "), "{error}");
}

#[test]
fn include_self_loop() {
    let home = Home::new();
    let errors = home.errors("config", "Include config\n");
    assert!(
        matches!(errors[0].kind, ConfigErrorKind::IncludeLoop { .. }),
        "{}",
        errors[0]
    );
}

#[test]
fn include_depth_limit() {
    let home = Home::new();
    // file0 includes file1, and so on down to file16 at depth 16, which OpenSSH 9.2 still reads.
    for depth in 0..16 {
        home.write(&format!("file{depth}"), &format!("Include file{}\n", depth + 1));
    }
    home.write("file16", "User deep\n");
    let config = home.load("file0", "Include file1\n");
    assert_eq!(config.resolve("x").user, "deep");

    home.write("file16", "Include file17\n");
    home.write("file17", "User too-deep\n");
    let errors = home.errors("file0", "Include file1\n");
    assert!(
        matches!(errors[0].kind, ConfigErrorKind::IncludeTooDeep { max: 16, .. }),
        "{}",
        errors[0]
    );
}

#[test]
fn errors_all_reported_in_one_pass() {
    let home = Home::new();
    let text = "Host a\n  Bogus 1\n  User\n  User \"bob\n  Port 99999\n  HostName ok\n  ProxyJump h:x\n";
    let errors = home.errors("config", text);

    assert_eq!(error_places(&errors), [(2, 3), (3, 7), (4, 8), (5, 8), (7, 13)]);
    assert_eq!(
        errors[0].kind,
        ConfigErrorKind::UnknownKeyword {
            keyword: "Bogus".to_string()
        }
    );
    assert_eq!(
        errors[1].kind,
        ConfigErrorKind::MissingValue {
            keyword: "User".to_string()
        }
    );
    assert_eq!(errors[2].kind, ConfigErrorKind::UnterminatedQuote);
    assert_eq!(
        errors[3].kind,
        ConfigErrorKind::InvalidPort {
            value: "99999".to_string()
        }
    );
    assert!(matches!(errors[4].kind, ConfigErrorKind::InvalidProxyJump { .. }));
}

#[test]
fn errors_carry_text_and_hint() {
    let home = Home::new();
    let errors = home.errors("config", "Host a\n\tPort ssh2x\n");
    let error = &errors[0];
    assert_eq!(error.text, "ssh2x");
    assert_eq!(error.column, 7);
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("{}:2:7: invalid port 'ssh2x'; ", error.file.display())),
        "{message}"
    );
}

#[test]
fn errors_across_files_in_reading_order() {
    let home = Home::new();
    home.write("inner", "Host i\nNope 1\n");
    let errors = home.errors("config", "Bad1 x\nInclude inner\nBad2 y\n");
    let keywords: Vec<&str> = errors.iter().map(|error| error.text.as_str()).collect();
    assert_eq!(keywords, ["Bad1", "Nope", "Bad2"]);
}

#[test]
fn load_missing_main_file() {
    let home = Home::new();
    let path = home.environment.ssh_dir.join("absent");
    let errors = SshConfig::load(&path, &home.environment).expect_err("file is missing");
    assert_eq!(errors.0.len(), 1);
    assert_eq!((errors.0[0].line, errors.0[0].column), (0, 0));
    assert!(matches!(errors.0[0].kind, ConfigErrorKind::ReadFailed { .. }));
}

#[test]
fn parse_str_names_origin() {
    let home = Home::new();
    let origin = Path::new("/nowhere/config");
    let errors = SshConfig::parse_str("Bogus 1\n", origin, &home.environment).expect_err("unknown keyword");
    assert_eq!(errors.0[0].file, origin);
}

#[test]
fn ignore_unknown_must_come_first() {
    let home = Home::new();
    assert!(home
        .load("ok", "IgnoreUnknown UseKeychainX,Foo*\nUseKeychainX yes\nFooBar 1\n")
        .resolve("a")
        .warnings
        .is_empty());
    let errors = home.errors("late", "UseKeychainX yes\nIgnoreUnknown UseKeychainX\n");
    assert_eq!(error_places(&errors), [(1, 1)]);
}

#[test]
fn ignore_unknown_inactive_for_host_warns() {
    let home = Home::new();
    let config = home.load("config", "Host x\n  IgnoreUnknown Foo\nHost *\n  Foo bar\n");
    assert!(config.resolve("x").warnings.is_empty());

    let warnings = config.resolve("y").warnings;
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, 4);
    assert_eq!(
        warnings[0].kind,
        WarningKind::UnknownKeyword {
            keyword: "Foo".to_string()
        }
    );
}

#[test]
fn match_exec_warning_names_place() {
    let home = Home::new();
    let config = home.load(
        "config",
        "Host a\n  User early\nMatch host a exec \"test -f /x\"\n  Port 2200\n",
    );
    let host = config.resolve("a");
    assert_eq!(host.port, 22);
    assert_eq!(host.warnings.len(), 1);
    let warning = &host.warnings[0];
    assert!(warning.file.ends_with("config"));
    assert_eq!(warning.line, 3);
    assert_eq!(
        warning.kind,
        WarningKind::UnsupportedMatch {
            criterion: "exec".to_string(),
            argument: Some("test -f /x".to_string())
        }
    );
    assert_eq!(
        warning.to_string(),
        format!(
            "{}:3: Match exec test -f /x was not evaluated, so the block was skipped",
            warning.file.display()
        )
    );

    assert!(config.resolve("b").warnings.is_empty());
}

#[test]
fn match_user_uses_user_so_far() {
    let home = Home::new();
    let text = "Match user alice\n  Port 2000\nHost a\n  User bob\nMatch user bob\n  HostName bobs-host\n";
    let config = home.load("config", text);
    let a = config.resolve("a");
    assert_eq!((a.port, a.host_name.as_str()), (2000, "bobs-host"));
}

#[test]
fn identity_file_variables_and_skips() {
    let mut home = Home::new();
    home.environment
        .variables
        .insert("KEYS".to_string(), "/srv/keys".to_string());
    let config = home.load(
        "config",
        "Host a\n  IdentityFile ${KEYS}/%n\n  IdentityFile ${UNSET_FOR_TEST}/x\n  IdentityFile ~no-such-user-x/k\n",
    );
    let host = config.resolve("a");
    assert_eq!(host.identity_files, [PathBuf::from("/srv/keys/a")]);
    let lines: Vec<usize> = host.warnings.iter().map(|warning| warning.line).collect();
    assert_eq!(lines, [3, 4]);
    assert!(host
        .warnings
        .iter()
        .all(|warning| matches!(warning.kind, WarningKind::IdentityFileSkipped { .. })));
}

#[test]
fn identity_files_capped() {
    let home = Home::new();
    let text: String = (0..101).map(|index| format!("IdentityFile /k/{index}\n")).collect();
    let host = home.load("config", &text).resolve("a");
    assert_eq!(host.identity_files.len(), 100);
    assert_eq!(host.warnings.len(), 1);
    assert_eq!(host.warnings[0].line, 101);
}

#[test]
fn aliases_skip_patterns() {
    let home = Home::new();
    let config = home.load("config", "Host a b*.lan c? !d\nHost a e\nMatch host f\n");
    assert_eq!(config.aliases(), ["a", "e"]);
}

#[test]
fn resolve_defaults() {
    let home = Home::new();
    let host = home.load("config", "").resolve("Desk.Lan");
    assert_eq!(host.alias, "Desk.Lan");
    assert_eq!(host.host_name, "desk.lan");
    assert_eq!(host.user, "alice");
    assert_eq!(host.port, 22);
    assert!(host.identity_files.is_empty());
    assert!(!host.identities_only);
    assert!(host.proxy_jump.is_empty());
    assert_eq!(host.proxy_command, None);
}

#[test]
fn resolved_host_serializes() {
    let home = Home::new();
    let host = home.load("config", "Host a\n  ProxyJump u@j:2\n").resolve("a");
    let json = serde_json::to_value(&host).expect("serializes");
    assert_eq!(json["proxy_jump"][0]["host"], "j");
    assert_eq!(json["port"], 22);
}

#[test]
fn include_errors_per_argument() {
    let home = Home::new();
    home.write("inner", "Host i\nBogus 1\n");
    let errors = home.errors("config", "Include config inner\n");
    let kinds: Vec<&ConfigErrorKind> = errors.iter().map(|error| &error.kind).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(matches!(kinds[0], ConfigErrorKind::UnknownKeyword { .. }), "{kinds:?}");
    assert!(matches!(kinds[1], ConfigErrorKind::IncludeLoop { .. }), "{kinds:?}");
    assert!(errors[0].file.ends_with("inner"), "{errors:?}");
    assert!(
        errors[1].file.ends_with("config"),
        "the loop belongs to the Include line: {errors:?}"
    );
}

#[cfg(unix)]
#[test]
fn include_unreadable_file_reported() {
    let home = Home::new();
    // A symbolic link to itself is listed by the glob but cannot be read, even by root.
    let link = home.environment.ssh_dir.join("looped.conf");
    std::os::unix::fs::symlink(&link, &link).expect("symlink");

    let errors = home.errors("config", "Include *.conf\n");
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(errors[0].kind, ConfigErrorKind::ReadFailed { .. }),
        "{}",
        errors[0]
    );
    assert_eq!((errors[0].line, errors[0].column), (1, 9));
}

#[test]
fn resolve_skips_blocks_of_other_hosts() {
    let home = Home::new();
    let mut text = String::from("Host *.lan\n  User lan\n");
    for number in 0..2000 {
        text.push_str(&format!(
            "Host h{number}\n  HostName 10.0.{}.{}\n  Port 2222\n",
            number / 250,
            number % 250
        ));
    }
    text.push_str("Host *\n  User fallback\n");
    let config = home.load("config", &text);

    let (host, entries_read) = resolve::resolve_counting(&config.files, &config.blocks, &config.environment, "h1234");
    assert_eq!(host.host_name, "10.0.4.234");
    assert_eq!(host.user, "fallback");
    assert_eq!(host.port, 2222);
    // The two wildcard blocks and h1234's own block, two entries each.
    assert_eq!(entries_read, 7, "only the blocks that can apply to h1234 are read");
}

/// Returns the errors of a configuration that includes a file holding `bytes`, checking that no
/// error quotes `secret`.
fn errors_of_included(bytes: &[u8], secret: &str) -> Vec<ConfigError> {
    let home = Home::new();
    let included = home.environment.ssh_dir.join("included");
    fs::write(&included, bytes).expect("write included file");
    let errors = home.errors("config", "Host a\n  User x\nInclude included\nHost b\n  User y\n");
    let text = ConfigErrors(errors.clone()).to_string();
    assert!(!text.contains(secret), "an error quotes the file: {text}");
    let json = serde_json::to_string(&errors).expect("serializes");
    assert!(!json.contains(secret), "an error field quotes the file: {json}");
    errors
}

#[test]
fn foreign_include_json_not_quoted() {
    let errors = errors_of_included(b"\n{\n  \"token\": \"s3cr3t-value\"\n}\n", "s3cr3t");
    assert_eq!(errors.len(), 1, "one error for the whole file: {errors:?}");
    assert!(errors[0].file.ends_with("included"));
    assert_eq!((errors[0].line, errors[0].column), (2, 1));
    assert_eq!(
        errors[0].kind,
        ConfigErrorKind::NotSshConfig {
            reason: ForeignReason::NoKeyword
        }
    );
    assert!(errors[0].text.is_empty());
}

#[test]
fn foreign_include_private_key_not_quoted() {
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
    let errors = errors_of_included(key.as_bytes(), "b3BlbnNzaC1rZXkt");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (1, 1));
}

#[test]
fn foreign_include_token_not_quoted() {
    let errors = errors_of_included(b"  sk4f9a0c7e21\n", "sk4f9a0c7e21");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (1, 3));
}

#[test]
fn foreign_include_binary_not_quoted() {
    let errors = errors_of_included(b"Host z\nUser ab\x00cd-x9q7z\n", "x9q7z");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (2, 8));
    assert_eq!(
        errors[0].kind,
        ConfigErrorKind::NotSshConfig {
            reason: ForeignReason::Binary
        }
    );
    let message = errors[0].to_string();
    assert!(message.contains("binary data"), "{message}");
    assert!(message.contains(":2:8: "), "the place is named: {message}");
}

#[test]
fn misspelled_first_keyword_still_named() {
    let home = Home::new();
    let errors = home.errors("config", "Hots a\nHost b\n  User y\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].kind,
        ConfigErrorKind::UnknownKeyword {
            keyword: "Hots".to_string()
        }
    );
}
