//! Homeport's local metrics: a store of compressed series in its own SQLite file, rollups for
//! long ranges, display downsampling that keeps peaks, and charts rendered with plotters.

mod bits;
mod codec;
pub mod error;

pub use error::{Error, Result};
