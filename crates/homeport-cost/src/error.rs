//! Typed errors with stable codes, which the API layer maps to its error codes.

use crate::validate::Problem;

/// Errors from the cost calculator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario has invalid values; every problem is listed, each naming its field.
    #[error("the scenario has {} invalid value(s): {}", .0.len(), join_problems(.0))]
    Invalid(Vec<Problem>),

    /// A scenario file is not valid JSON or does not match the format. `line` and `column`
    /// are 1-based; both are 0 when serde gave no position.
    #[error("scenario file line {line}, column {column}: {detail}")]
    Json { line: usize, column: usize, detail: String },

    /// A file shipped in `assets/cost` is invalid, which only a broken build can cause.
    #[error("the shipped file assets/cost/{file} is invalid: {detail}")]
    Asset { file: &'static str, detail: String },

    /// No preset, currency or catalog entry has the given id.
    #[error("no {what} with the id '{id}'; use one of: {known}")]
    NotFound {
        what: &'static str,
        id: String,
        known: String,
    },

    /// No usable font for chart and report text was found.
    #[error("no font for the chart text: {0}")]
    FontUnavailable(String),

    /// plotters failed to draw or encode an image.
    #[error("drawing the chart failed: {0}")]
    Render(String),

    /// The PDF report could not be written.
    #[error("writing the PDF report failed: {0}")]
    Pdf(String),
}

impl Error {
    /// Returns a stable, machine-readable code for the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "cost_invalid",
            Error::Json { .. } => "cost_json",
            Error::Asset { .. } => "cost_asset",
            Error::NotFound { .. } => "cost_not_found",
            Error::FontUnavailable(_) => "cost_font_unavailable",
            Error::Render(_) => "cost_render",
            Error::Pdf(_) => "cost_pdf",
        }
    }
}

fn join_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|problem| problem.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<homeport_metrics::Error> for Error {
    fn from(err: homeport_metrics::Error) -> Self {
        match err {
            homeport_metrics::Error::FontUnavailable(detail) => Error::FontUnavailable(detail),
            other => Error::Render(other.to_string()),
        }
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
