//! Converts a pasted `docker run` command into a Compose service, and reports what became of
//! every flag.
//!
//! The command is split with POSIX shell quoting ([`lexer`]) but never run or expanded:
//! `$NAME` stays a variable for Compose to interpolate, and command substitution is rejected.
//! Flags are those of Docker CLI 28's `docker run`, parsed as its flag library does: combined
//! short flags (`-it`), a value joined to a short flag (`-p80:80`, `-e=A=b`), `--flag=value`,
//! and `--` before the image. Everything after the image is the container command.
//!
//! Every flag gets a [`FlagReport`]: mapped to a Compose key, not applicable to a Compose
//! service (`-d`, `--rm`, `-it`), or unmapped with the reason. Unknown flags are unmapped,
//! never dropped.
//!
//! ```
//! use homeport_import::docker_run::convert;
//!
//! let conversion = convert("docker run -d --name web -p 8080:80 nginx:1.27")?;
//! assert_eq!(conversion.service_name, "web");
//! assert!(conversion.service_yaml.contains("\"8080:80\""));
//! # Ok::<(), homeport_import::docker_run::DockerRunError>(())
//! ```

mod error;
mod flags;
mod lexer;
mod mapping;
pub(crate) mod yaml;

pub use error::{DockerRunError, DockerRunErrorKind};

use flags::FlagSpec;
use lexer::Word;
use yaml::Node;

/// Outcome of one flag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "fate", rename_all = "snake_case")]
pub enum FlagFate {
    /// Written to the service under `key`, a dotted path such as `healthcheck.test`.
    Mapped { key: String },
    /// Concerns only the `docker run` client or a one-off container, so a Compose service has
    /// no use for it.
    NotApplicable { reason: String },
    /// Has a meaning for the service, but the conversion could not keep it.
    Unmapped { reason: String },
}

/// One flag of the command and its fate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlagReport {
    /// The flag as written, such as `-p`, `--publish` or `-i` out of `-it`.
    pub flag: String,
    /// The long name without dashes after following aliases (`net` gives `network`), or the
    /// name as written for an unknown flag.
    pub name: String,
    pub value: Option<String>,
    /// 1-based line and column of the flag in the pasted text.
    pub line: usize,
    pub column: usize,
    pub fate: FlagFate,
    /// Something the user should check, such as a shell variable Compose must now provide.
    pub note: Option<String>,
}

/// A converted command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DockerRunConversion {
    /// From `--name`, else from the image's last path part, reduced to the characters
    /// Compose accepts in a service name.
    pub service_name: String,
    pub image: String,
    /// One entry of a `services:` map: the service name, then its keys indented by two spaces.
    pub service_yaml: String,
    /// A complete Compose file with the service and the named volumes and external networks
    /// it uses.
    pub compose_file: String,
    /// Every flag, in the order written.
    pub flags: Vec<FlagReport>,
    /// Named volumes the service mounts. The Compose file names them exactly, so the volumes
    /// `docker run` used are used again instead of new ones prefixed with the project name.
    pub named_volumes: Vec<String>,
    /// Networks the service joins, declared `external` because `docker run` needs them to
    /// exist already.
    pub external_networks: Vec<String>,
    /// Shell variables the command uses, which Compose now takes from its environment or
    /// the `.env` file.
    pub variables: Vec<String>,
}

/// A flag as parsed, before mapping.
#[derive(Debug, Clone)]
pub(crate) struct ParsedFlag {
    /// `None` for a flag `docker run` does not have.
    pub spec: Option<&'static FlagSpec>,
    pub written: String,
    pub name: String,
    pub value: Option<Word>,
    pub line: usize,
    pub column: usize,
}

/// Converts one `docker run` or `docker container run` command to a Compose service.
///
/// Fails when the text is not one docker run command, has unbalanced quotes, a flag without
/// its value, an invalid value for a flag Compose needs to understand (such as `--restart`),
/// or no image. Each error has the line and column of the problem and a hint to fix it.
pub fn convert(command: &str) -> Result<DockerRunConversion, DockerRunError> {
    let words = lexer::split_words(command)?;
    let run_arguments = skip_docker_run(&words)?;
    let parsed = parse_arguments(run_arguments, words.last())?;
    mapping::build(parsed)
}

/// The flags, image and command of a docker run.
pub(crate) struct ParsedRun {
    pub flags: Vec<ParsedFlag>,
    pub image: Word,
    pub command: Vec<Word>,
}

/// Checks the `docker run` words and returns the words after them.
fn skip_docker_run(words: &[Word]) -> Result<&[Word], DockerRunError> {
    let Some(first) = words.first() else {
        return Err(DockerRunError::new(1, 1, DockerRunErrorKind::Empty));
    };
    let program = first.text.rsplit('/').next().unwrap_or_default();
    if program != "docker" {
        return Err(DockerRunError::new(
            first.line,
            first.column,
            DockerRunErrorKind::NotDocker {
                word: first.text.clone(),
            },
        ));
    }

    let not_run = |word: &Word, subcommand: String| {
        DockerRunError::new(word.line, word.column, DockerRunErrorKind::NotRun { subcommand })
    };
    match words.get(1) {
        Some(word) if word.text == "run" => Ok(&words[2..]),
        Some(word) if word.text == "container" => match words.get(2) {
            Some(next) if next.text == "run" => Ok(&words[3..]),
            Some(next) => Err(not_run(next, format!("container {}", next.text))),
            None => Err(not_run(word, "container".to_string())),
        },
        Some(word) => Err(not_run(word, word.text.clone())),
        None => Err(not_run(first, String::new())),
    }
}

fn parse_arguments(words: &[Word], last: Option<&Word>) -> Result<ParsedRun, DockerRunError> {
    let mut flags = Vec::new();
    let mut index = 0;

    while index < words.len() {
        let word = &words[index];
        index += 1;

        if word.text == "--" {
            break;
        }
        if let Some(long) = word.text.strip_prefix("--") {
            flags.push(parse_long(word, long, words, &mut index)?);
        } else if word.text.len() > 1 && word.text.starts_with('-') {
            parse_short_group(word, words, &mut index, &mut flags)?;
        } else {
            // The first word that is not a flag is the image.
            index -= 1;
            break;
        }
    }

    let Some(image) = words.get(index) else {
        let (line, column) = match last {
            Some(word) => (word.line, word.column + word.text.chars().count()),
            None => (1, 1),
        };
        return Err(DockerRunError::new(line, column, DockerRunErrorKind::MissingImage));
    };
    Ok(ParsedRun {
        flags,
        image: image.clone(),
        command: words[index + 1..].to_vec(),
    })
}

fn parse_long(word: &Word, long: &str, words: &[Word], index: &mut usize) -> Result<ParsedFlag, DockerRunError> {
    let (name, inline) = match long.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (long, None),
    };
    let spec = flags::find_long(name);
    let written = format!("--{name}");
    let value = match inline {
        Some(text) => Some(Word {
            text: text.to_string(),
            line: word.line,
            column: word.column + 3 + name.chars().count(),
            variables: word.variables.clone(),
        }),
        None if spec.is_some_and(|spec| spec.takes_value) => Some(take_next(word, &written, words, index)?),
        None => None,
    };
    Ok(ParsedFlag {
        spec,
        written,
        name: spec.map_or(name, |spec| spec.long).to_string(),
        value,
        line: word.line,
        column: word.column,
    })
}

/// Parses `-abc`: letters that take no value, and at most one last letter that takes the
/// rest of the word or the next word as its value.
fn parse_short_group(
    word: &Word,
    words: &[Word],
    index: &mut usize,
    flags: &mut Vec<ParsedFlag>,
) -> Result<(), DockerRunError> {
    let letters: Vec<char> = word.text.chars().skip(1).collect();
    for (position, letter) in letters.iter().enumerate() {
        let spec = flags::find_short(*letter);
        let written = format!("-{letter}");
        let column = word.column + 1 + position;
        let mut value = None;

        if spec.is_some_and(|spec| spec.takes_value) {
            let rest: String = letters[position + 1..].iter().collect();
            // The flag library accepts `-e=A=b` as `-e A=b`.
            let rest = rest.strip_prefix('=').map(str::to_string).unwrap_or(rest);
            value = Some(if rest.is_empty() {
                take_next(word, &written, words, index)?
            } else {
                Word {
                    text: rest,
                    line: word.line,
                    column: column + 1,
                    variables: word.variables.clone(),
                }
            });
        }

        let takes_rest = value.is_some();
        flags.push(ParsedFlag {
            spec,
            written,
            name: spec.map_or_else(|| letter.to_string(), |spec| spec.long.to_string()),
            value,
            line: word.line,
            column,
        });
        if takes_rest {
            break;
        }
    }
    Ok(())
}

fn take_next(flag_word: &Word, written: &str, words: &[Word], index: &mut usize) -> Result<Word, DockerRunError> {
    match words.get(*index) {
        Some(next) => {
            *index += 1;
            Ok(next.clone())
        }
        None => Err(DockerRunError::new(
            flag_word.line,
            flag_word.column,
            DockerRunErrorKind::MissingValue {
                flag: written.to_string(),
            },
        )),
    }
}

/// Derives a Compose service name from a container name or an image reference.
pub(crate) fn service_name_from(container_name: Option<&str>, image: &str) -> String {
    let source = match container_name {
        Some(name) => name.to_string(),
        None => {
            let without_digest = image.split('@').next().unwrap_or(image);
            let last_part = without_digest.rsplit('/').next().unwrap_or(without_digest);
            last_part.split(':').next().unwrap_or(last_part).to_string()
        }
    };

    let cleaned: String = source
        .to_lowercase()
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || "_.-".contains(character) {
                character
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches(|character: char| !character.is_ascii_alphanumeric());
    if cleaned.is_empty() {
        "app".to_string()
    } else {
        cleaned.to_string()
    }
}

/// Writes one service as an entry of a `services:` map.
pub(crate) fn service_entry_yaml(name: &str, service: &Node) -> String {
    let mut entry = Node::map();
    entry.set(name, service.clone());
    yaml::to_yaml(&entry, 0)
}

#[cfg(test)]
mod tests;
