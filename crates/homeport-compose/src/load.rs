//! Loading a project: the `.env` file, each Compose file parsed and interpolated, the override
//! files merged in order, and the model built, with every finding collected on the way.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostics, Finding, Reporter, Severity};
use crate::dotenv::parse_dotenv;
use crate::interpolate::{interpolate_tree, InterpolationError};
use crate::merge::{merge_files, normalise_services};
use crate::model::build::build_project;
use crate::model::Project;
use crate::yaml::parse::parse_document;
use crate::yaml::{Node, Pos};

/// The largest file read, 4 MiB: by estimate, far more than any hand-written Compose file.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Values interpolation may use besides the project's `.env`.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The caller's values. They play the part of the process environment in Compose, so they
    /// win over `.env`.
    pub values: BTreeMap<String, String>,
    /// Skip the project's `.env` file.
    pub ignore_dotenv: bool,
}

impl Environment {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Environment {
        Environment {
            values: pairs
                .into_iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
            ignore_dotenv: false,
        }
    }
}

/// Entry point for loading Compose files.
pub struct ComposeFile;

impl ComposeFile {
    /// Loads `paths` (the main file first, then override files in order) into a [`Project`].
    /// The project folder is the first file's folder, where `.env` is read from. On failure the
    /// result contains every error found, with the warnings.
    pub fn load(paths: &[PathBuf], environment: &Environment) -> Result<Project, Diagnostics> {
        let mut reporter = Reporter::default();
        let mut files = Vec::new();
        for path in paths {
            let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            match read_file(&path) {
                Ok(text) => files.push((path, text)),
                Err(error) => {
                    let file = reporter.add_file(path.clone());
                    let finding = Finding {
                        code: Code::ReadFailed,
                        message: format!("cannot read the Compose file: {error}"),
                        value: "",
                        hint: "check that the file exists and that you can read it",
                    };
                    reporter.report(file, Pos::default(), Severity::Error, finding);
                }
            }
        }
        if reporter.diagnostics.has_errors() {
            return Err(reporter.diagnostics);
        }
        Self::load_texts(&files, environment, reporter)
    }

    /// Loads Compose files already read: each pair is the file's path and its text.
    pub fn load_strs(files: &[(PathBuf, String)], environment: &Environment) -> Result<Project, Diagnostics> {
        Self::load_texts(files, environment, Reporter::default())
    }

    fn load_texts(
        files: &[(PathBuf, String)],
        environment: &Environment,
        mut reporter: Reporter,
    ) -> Result<Project, Diagnostics> {
        let Some((first_path, _)) = files.first() else {
            return Err(Diagnostics::default());
        };
        let working_dir = first_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dotenv = if environment.ignore_dotenv {
            BTreeMap::new()
        } else {
            read_dotenv(&working_dir, environment, &mut reporter)
        };
        let lookup = |name: &str| environment.values.get(name).or_else(|| dotenv.get(name)).cloned();

        let mut merged: Option<Node> = None;
        let mut failed_places = Vec::new();
        for (path, text) in files {
            let file = reporter.add_file(path.clone());
            let Some(mut tree) = parse_document(text, file, &mut reporter) else {
                continue;
            };
            if let Some(version) = tree.entry("version") {
                reporter.warning(
                    &version.key,
                    Code::ObsoleteVersion,
                    "the attribute 'version' is obsolete and ignored",
                    version.value.scalar_text().unwrap_or_default(),
                    "remove the 'version' line",
                );
            }
            failed_places.extend(interpolate_file(&mut tree, &lookup, &mut reporter));
            normalise_services(&mut tree);
            merged = Some(match merged {
                None => tree,
                Some(base) => merge_files(base, tree),
            });
        }
        let Some(root) = merged else {
            return Err(reporter.finish());
        };

        let default_name = default_project_name(&working_dir);
        let mut project = build_project(&root, &working_dir, &default_name, &lookup, &mut reporter);
        // A value whose interpolation failed still contains its `${...}` text, and the
        // model's error about that text would only repeat the interpolation error.
        let interpolation_codes = [Code::RequiredVariable, Code::InvalidInterpolation];
        let mut diagnostics = reporter.finish();
        diagnostics.0.retain(|finding| {
            interpolation_codes.contains(&finding.code)
                || !failed_places.contains(&(finding.file.clone(), finding.line, finding.column))
        });
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        project.warnings = diagnostics.0;
        Ok(project)
    }
}

/// Interpolates one file's tree and returns the places (file, line, column) of the values that
/// failed.
fn interpolate_file(
    tree: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    reporter: &mut Reporter,
) -> Vec<(PathBuf, usize, usize)> {
    let mut failed = Vec::new();
    let mut on_error = |node: &Node, error: InterpolationError| {
        let value = node.scalar_text().unwrap_or_default().to_string();
        let path = reporter.files.get(node.file).cloned().unwrap_or_default();
        failed.push((path, node.start.line, node.start.column));
        match &error {
            InterpolationError::Required { variable, .. } => {
                let hint = format!("set {variable} in the project's .env file (or the file given with --env-file)");
                reporter.error(node, Code::RequiredVariable, error.to_string(), &value, &hint);
            }
            InterpolationError::Invalid { hint, .. } => {
                reporter.error(
                    node,
                    Code::InvalidInterpolation,
                    error.to_string(),
                    &value,
                    &hint.clone(),
                );
            }
        }
    };
    let mut unset = Vec::new();
    let mut on_unset = |node: &Node, name: &str| unset.push((node.clone(), name.to_string()));
    interpolate_tree(tree, lookup, &mut on_error, &mut on_unset);
    for (node, name) in unset {
        reporter.warning(
            &node,
            Code::UnsetVariable,
            format!("variable '{name}' is not set, so an empty string is used"),
            &name,
            "set it in .env, or give a default with ${NAME:-default}",
        );
    }
    failed
}

fn read_dotenv(working_dir: &Path, environment: &Environment, reporter: &mut Reporter) -> BTreeMap<String, String> {
    let path = working_dir.join(".env");
    let Ok(text) = read_file(&path) else {
        return BTreeMap::new();
    };
    let outer = |name: &str| environment.values.get(name).cloned();
    match parse_dotenv(&text, &outer) {
        Ok(pairs) => pairs.into_iter().collect(),
        Err(errors) => {
            let file = reporter.add_file(path);
            for error in errors {
                let pos = Pos {
                    line: error.line,
                    column: error.column,
                    offset: 0,
                };
                let finding = Finding {
                    code: Code::InvalidValue,
                    message: error.message,
                    value: &error.value,
                    hint: &error.hint,
                };
                reporter.report(file, pos, Severity::Error, finding);
            }
            BTreeMap::new()
        }
    }
}

/// Derives Compose's default project name from a folder: lowercased, with only letters,
/// digits, `-` and `_` kept.
pub fn default_project_name(working_dir: &Path) -> String {
    let folder = working_dir
        .file_name()
        .map(|name| name.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    folder
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
        .collect::<String>()
        .trim_start_matches(['-', '_'])
        .to_string()
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as UTF-8 text.
pub(crate) fn read_file(path: &Path) -> io::Result<String> {
    // The type is checked before opening, because opening a FIFO blocks until a writer comes.
    if !fs::metadata(path)?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "larger than 4 MiB"));
    }
    String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}
