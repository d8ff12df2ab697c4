//! Reads a configuration file and, eagerly, every file it includes, collecting all errors.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::environment::Environment;
use super::error::{ConfigError, ConfigErrorKind, ForeignReason, LineError};
use super::lexer::{self, Line, Word};
use super::parser::{self, Directive, Setting};
use super::{keywords, patterns, tokens};

/// The deepest include nesting OpenSSH 9.2 reads; the main file is depth 0.
const MAX_INCLUDE_DEPTH: usize = 16;

/// One file that was read, with its directives in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedFile {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

/// A directive and the 1-based line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub line: usize,
    pub directive: Directive,
}

/// Reads files in OpenSSH's order. Index 0 of `files` is the main file.
pub(crate) struct Loader<'a> {
    environment: &'a Environment,
    pub files: Vec<ParsedFile>,
    pub errors: Vec<ConfigError>,
    /// Every `IgnoreUnknown` value read so far, in any file and block.
    ignore_lists: Vec<String>,
    /// The files being read, outermost first, to detect include loops.
    include_chain: Vec<PathBuf>,
    /// Errors of the current line beyond the first, such as one per failing `Include` argument.
    line_errors: Vec<LineError>,
}

impl<'a> Loader<'a> {
    pub fn new(environment: &'a Environment) -> Loader<'a> {
        Loader {
            environment,
            files: Vec::new(),
            errors: Vec::new(),
            ignore_lists: Vec::new(),
            include_chain: Vec::new(),
            line_errors: Vec::new(),
        }
    }

    /// Parses `text` as the file at `path` and reads its includes. Returns the file's index.
    pub fn load_text(&mut self, path: &Path, text: &str) -> usize {
        let index = self.files.len();
        self.files.push(ParsedFile {
            path: path.to_path_buf(),
            entries: Vec::new(),
        });
        self.include_chain.push(canonical(path));
        // Errors of the `Include` line that led here belong to that line, not to this file's.
        let including_line_errors = std::mem::take(&mut self.line_errors);

        // A file that is not an ssh_config (a key, a JSON file, a binary) is reported once and
        // not parsed, so no error quotes its lines, which may be secrets.
        if let Some((line, error)) = self.foreign_file_error(text) {
            self.errors.push(error.at(path, line));
            self.include_chain.pop();
            self.line_errors = including_line_errors;
            return index;
        }

        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            match self.parse_line(line) {
                Ok(Some(directive)) => entries.push(Entry {
                    line: number + 1,
                    directive,
                }),
                Ok(None) => {}
                Err(error) => self.errors.push(error.at(path, number + 1)),
            }
            for error in std::mem::take(&mut self.line_errors) {
                self.errors.push(error.at(path, number + 1));
            }
        }

        self.include_chain.pop();
        self.line_errors = including_line_errors;
        self.files[index].entries = entries;
        index
    }

    /// Returns the 1-based line and the error that shows `text` is not an ssh_config, or `None`
    /// for a file to parse. A file is foreign when it contains a character no text file
    /// contains, or when its first directive line does not start with a keyword (one OpenSSH
    /// accepts, or one an `IgnoreUnknown` read so far allows).
    ///
    /// A first word made only of letters and digits may be a misspelled keyword. If another
    /// line starts with a keyword, the file counts as a configuration, and the error for that
    /// word names it. A file of such words alone may hold a token or a key, so it is foreign.
    fn foreign_file_error(&self, text: &str) -> Option<(usize, LineError)> {
        for (number, line) in text.lines().enumerate() {
            if let Some(column) = line.chars().position(is_binary) {
                let kind = ConfigErrorKind::NotSshConfig {
                    reason: ForeignReason::Binary,
                };
                return Some((number + 1, LineError::new(column + 1, "", kind)));
            }
        }

        let mut directives = text
            .lines()
            .enumerate()
            .filter_map(|(number, line)| lexer::lex_line(line).transpose().map(|lexed| (number + 1, lexed)));
        let (number, first) = directives.next()?;
        let column = match first {
            Ok(line) if self.is_keyword(&line.keyword.text) => return None,
            Ok(line) if line.keyword.text.chars().all(|c| c.is_ascii_alphanumeric()) => {
                if directives.any(|(_, lexed)| lexed.is_ok_and(|line| self.is_keyword(&line.keyword.text))) {
                    return None;
                }
                line.keyword.column
            }
            Ok(line) => line.keyword.column,
            Err(quote) => quote.column,
        };
        let kind = ConfigErrorKind::NotSshConfig {
            reason: ForeignReason::NoKeyword,
        };
        Some((number, LineError::new(column, "", kind)))
    }

    /// Tells whether `word` starts a configuration line: a keyword OpenSSH accepts, or one that
    /// an `IgnoreUnknown` read so far allows.
    fn is_keyword(&self, word: &str) -> bool {
        let lowercase = word.to_ascii_lowercase();
        keywords::is_known(&lowercase)
            || self
                .ignore_lists
                .iter()
                .any(|list| patterns::list_matches(list, &lowercase, true))
    }

    fn parse_line(&mut self, text: &str) -> Result<Option<Directive>, LineError> {
        let line = match lexer::lex_line(text) {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(None),
            Err(quote) => {
                let rest: String = text.chars().skip(quote.column - 1).collect();
                return Err(LineError::new(quote.column, rest, ConfigErrorKind::UnterminatedQuote));
            }
        };
        if line.rest.text.is_empty() {
            return Err(parser::missing_value(&line));
        }

        let directive = match line.keyword.text.to_ascii_lowercase().as_str() {
            "host" => parser::parse_host(&line)?,
            "match" => parser::parse_match(&line)?,
            "include" => self.include(&line),
            _ => Directive::Setting(parser::parse_setting(&line, &self.ignore_lists)?),
        };
        if let Directive::Setting(Setting::IgnoreUnknown(list)) = &directive {
            self.ignore_lists.push(list.clone());
        }
        Ok(Some(directive))
    }

    /// Reads every file an `Include` line names, whatever block it sits in, so that errors in
    /// them are found too. A failing argument does not stop the others from being read.
    fn include(&mut self, line: &Line) -> Directive {
        let mut children = Vec::new();
        for word in &line.args {
            let paths = match self.expand_include(word) {
                Ok(paths) => paths,
                Err(error) => {
                    self.line_errors.push(error);
                    continue;
                }
            };
            for path in paths {
                match self.include_file(&path, word) {
                    Ok(Some(index)) => children.push(index),
                    Ok(None) => {}
                    Err(error) => self.line_errors.push(error),
                }
            }
        }
        Directive::Include(children)
    }

    /// Lists the regular files a pattern names, sorted by path as glob(3) sorts them.
    /// Directories are skipped, and so is a pattern that matches nothing, as OpenSSH does.
    fn expand_include(&self, word: &Word) -> Result<Vec<PathBuf>, LineError> {
        let Some(pattern) = self.include_pattern(&word.text) else {
            return Ok(Vec::new());
        };
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let entries = glob::glob_with(&pattern, options).map_err(|error| {
            let kind = ConfigErrorKind::InvalidGlob {
                pattern: word.text.clone(),
                message: error.msg.to_string(),
            };
            LineError::new(word.column, word.text.clone(), kind)
        })?;

        // An entry that cannot be read while listing is left out, like glob(3) does.
        let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).filter(|path| !path.is_dir()).collect();
        paths.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        Ok(paths)
    }

    /// Turns an `Include` argument into a glob pattern: `~` expanded, and a relative path
    /// placed under `ssh_dir` (OpenSSH uses `~/.ssh` for user configurations). An unknown
    /// `~name` gives `None`, because OpenSSH then matches no files.
    fn include_pattern(&self, argument: &str) -> Option<String> {
        let expanded = tokens::expand_tilde(argument, self.environment).ok()?;
        if Path::new(&expanded).is_absolute() {
            return Some(expanded);
        }
        let base = glob::Pattern::escape(&self.environment.ssh_dir.to_string_lossy());
        Some(format!("{}/{expanded}", base.trim_end_matches('/')))
    }

    /// Reads one included file unless that would loop or nest too deep. A file that vanished
    /// since the glob listed it is skipped. OpenSSH 9.2 also skips a file it cannot open, but
    /// Homeport reports it, because the hosts in it would otherwise go missing without a word.
    fn include_file(&mut self, path: &Path, word: &Word) -> Result<Option<usize>, LineError> {
        let mut chain = self.include_chain.clone();
        chain.push(path.to_path_buf());
        if self.include_chain.contains(&canonical(path)) {
            return Err(LineError::new(
                word.column,
                word.text.clone(),
                ConfigErrorKind::IncludeLoop { chain },
            ));
        }
        if self.include_chain.len() > MAX_INCLUDE_DEPTH {
            let kind = ConfigErrorKind::IncludeTooDeep {
                max: MAX_INCLUDE_DEPTH,
                chain,
            };
            return Err(LineError::new(word.column, word.text.clone(), kind));
        }

        match read_config_text(path) {
            Ok(text) => Ok(Some(self.load_text(path, &text))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => {
                let kind = ConfigErrorKind::ReadFailed {
                    path: path.to_path_buf(),
                    message: error.to_string(),
                };
                Err(LineError::new(word.column, word.text.clone(), kind))
            }
        }
    }
}

/// Tells whether `c` marks binary data: NUL, U+FFFD (which replaced bytes that are not UTF-8),
/// or a control character that text files do not contain.
fn is_binary(c: char) -> bool {
    c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\x0c'))
}

/// Reads a configuration file. Bytes that are not UTF-8 become U+FFFD instead of failing, since
/// OpenSSH reads the file as bytes.
pub(crate) fn read_config_text(path: &Path) -> io::Result<String> {
    crate::read::read_text(path)
}

/// Resolves symbolic links and `..` in `path`, so a file reached by two names counts as one.
/// Returns the path as given when it cannot be resolved.
fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
