//! Homeport's local metrics: a store of compressed series in its own SQLite file, rollups for
//! long ranges, display downsampling that keeps peaks, and charts rendered with plotters.
//!
//! ```text
//! MetricsStore::open(path) → series_id(key) → append([(id, sample)]) → range(id, from, to)
//!     → downsample::min_max(points, target) → chart::render_svg(spec)
//! ```

mod bits;
pub mod chart;
mod codec;
pub mod downsample;
pub mod error;
mod store;
mod types;

pub use error::{Error, Result};
pub use store::{MetricsStore, StoreOptions};
pub use types::{
    Bucket, HostSettings, Point, RangeResult, Resolution, Sample, SeriesId, SeriesKey, DEFAULT_INTERVAL_MS,
    DEFAULT_RETENTION_MS,
};
