//! Typed errors with stable codes, so callers in core and the API layer can map them.

/// Errors from the metrics store and the chart renderer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A sample's timestamp is not after the last one stored for its series. Series are
    /// append-only because chunks are compressed as deltas from the previous sample.
    #[error("sample at {timestamp_ms} ms for series {series} is not after the last stored sample at {last_ms} ms; samples must be appended in increasing time order")]
    OutOfOrder {
        series: String,
        last_ms: i64,
        timestamp_ms: i64,
    },

    /// A stored chunk could not be decoded: the file was damaged or written by another format.
    #[error("invalid metrics chunk: {0}")]
    CorruptChunk(String),

    /// An argument is outside its allowed range, such as a zero interval or an empty range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// No series exists for the given host, metric and labels.
    #[error("series not found: {0}")]
    SeriesNotFound(String),

    /// The SQLite database failed.
    #[error("metrics database error: {0}")]
    Storage(String),

    /// No usable font file was found or the given file is not a font. Charts need one to
    /// measure text, for SVG too.
    #[error("font unavailable: {0}")]
    FontUnavailable(String),

    /// plotters failed to draw or encode the chart.
    #[error("chart rendering failed: {0}")]
    Render(String),
}

impl Error {
    /// Returns a stable, machine-readable code for the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            Error::OutOfOrder { .. } => "metrics_out_of_order",
            Error::CorruptChunk(_) => "metrics_corrupt_chunk",
            Error::InvalidArgument(_) => "metrics_invalid_argument",
            Error::SeriesNotFound(_) => "metrics_series_not_found",
            Error::Storage(_) => "metrics_storage",
            Error::FontUnavailable(_) => "metrics_font_unavailable",
            Error::Render(_) => "metrics_render",
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Error::Storage(err.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Error::Storage(err.to_string())
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
