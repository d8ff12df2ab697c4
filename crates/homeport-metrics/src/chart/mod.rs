//! Line charts of one or more series, rendered with plotters to SVG text or PNG bytes.
//!
//! All text (title, axis labels, legend, error message) comes from the caller, so the app
//! passes it in the user's language. Each render also returns a [`PlotMapping`] between
//! pixels and data, so the UI can show hover readouts and drag-to-zoom on the image
//! without rendering again.

mod fonts;
mod format;
mod render;

pub use fonts::{ensure_font, use_font_file};
pub use format::{format_time, Unit};
pub use render::{render_png, render_svg, series_color};

use crate::types::Point;

/// Color scheme of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// One line of a chart. Points whose `value` is `None` or not finite break the line.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    /// Legend text.
    pub label: String,
    pub points: Vec<Point>,
}

/// Contents and style of one chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    /// Image size in pixels.
    pub width: u32,
    pub height: u32,
    pub title: Option<String>,
    /// Caption under the time axis.
    pub x_label: Option<String>,
    /// Caption beside the value axis.
    pub y_label: Option<String>,
    pub unit: Unit,
    pub theme: Theme,
    pub series: Vec<ChartSeries>,
    /// Time axis in Unix milliseconds; the data's extent when `None`.
    pub x_range: Option<(i64, i64)>,
    /// Value axis; fitted to the data (and 0–100 for percent) when `None`.
    pub y_range: Option<(f64, f64)>,
    /// Offset of the viewer's time zone, for time labels.
    pub utc_offset_seconds: i32,
    /// Text drawn across the plot, for example when the data source is unreachable.
    pub error_message: Option<String>,
}

impl Default for ChartSpec {
    fn default() -> Self {
        Self {
            width: 800,
            height: 300,
            title: None,
            x_label: None,
            y_label: None,
            unit: Unit::None,
            theme: Theme::Light,
            series: Vec::new(),
            x_range: None,
            y_range: None,
            utc_offset_seconds: 0,
            error_message: None,
        }
    }
}

/// The plot area in image pixels and the data ranges it shows. The time axis grows to the
/// right and the value axis grows upward.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotMapping {
    /// Left edge of the plot area, in pixels from the image's left edge.
    pub left: i32,
    /// Top edge of the plot area, in pixels from the image's top edge.
    pub top: i32,
    pub width: i32,
    pub height: i32,
    /// Time at the left and right edges, Unix milliseconds.
    pub x_min_ms: i64,
    pub x_max_ms: i64,
    /// Values at the bottom and top edges.
    pub y_min: f64,
    pub y_max: f64,
}

impl PlotMapping {
    /// Converts an image pixel to (time in ms, value), or `None` outside the plot area.
    pub fn pixel_to_data(&self, x: f64, y: f64) -> Option<(i64, f64)> {
        let inside_x = x >= f64::from(self.left) && x <= f64::from(self.left + self.width);
        let inside_y = y >= f64::from(self.top) && y <= f64::from(self.top + self.height);
        if !inside_x || !inside_y || self.width <= 0 || self.height <= 0 {
            return None;
        }
        let fx = (x - f64::from(self.left)) / f64::from(self.width);
        let fy = (f64::from(self.top + self.height) - y) / f64::from(self.height);
        let time = self.x_min_ms as f64 + fx * (self.x_max_ms - self.x_min_ms) as f64;
        Some((time.round() as i64, self.y_min + fy * (self.y_max - self.y_min)))
    }

    /// Converts (time in ms, value) to an image pixel.
    pub fn data_to_pixel(&self, timestamp_ms: i64, value: f64) -> (f64, f64) {
        let span = (self.x_max_ms - self.x_min_ms).max(1) as f64;
        let fx = (timestamp_ms - self.x_min_ms) as f64 / span;
        let value_span = if self.y_max > self.y_min {
            self.y_max - self.y_min
        } else {
            1.0
        };
        let fy = (value - self.y_min) / value_span;
        (
            f64::from(self.left) + fx * f64::from(self.width),
            f64::from(self.top + self.height) - fy * f64::from(self.height),
        )
    }
}

/// An SVG chart and its pixel mapping.
#[derive(Debug, Clone)]
pub struct SvgChart {
    pub svg: String,
    pub mapping: PlotMapping,
}

/// A PNG chart and its pixel mapping.
#[derive(Debug, Clone)]
pub struct PngChart {
    pub png: Vec<u8>,
    pub mapping: PlotMapping,
}
