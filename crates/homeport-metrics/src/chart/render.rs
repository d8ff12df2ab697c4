//! Drawing with plotters, shared by the SVG and bitmap backends.

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::fonts::{ensure_font, FAMILY};
use super::format::{format_time, Unit};
use super::{ChartSeries, ChartSpec, PlotMapping, PngChart, SvgChart, Theme};
use crate::error::{Error, Result};

/// Largest image side accepted, so a wrong size cannot allocate gigabytes for a bitmap.
const MAX_SIDE: u32 = 8_192;

struct Colors {
    background: RGBColor,
    text: RGBColor,
    grid: RGBColor,
    axis: RGBColor,
    error: RGBColor,
    lines: [RGBColor; 6],
}

/// The CSS color (`#rrggbb`) of the line for series `index`, so a legend or hover readout
/// drawn outside the image matches it.
pub fn series_color(theme: Theme, index: usize) -> String {
    let lines = colors(theme).lines;
    let RGBColor(r, g, b) = lines[index % lines.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn colors(theme: Theme) -> Colors {
    match theme {
        Theme::Light => Colors {
            background: RGBColor(255, 255, 255),
            text: RGBColor(51, 51, 51),
            grid: RGBColor(229, 229, 229),
            axis: RGBColor(136, 136, 136),
            error: RGBColor(192, 28, 40),
            lines: [
                RGBColor(31, 119, 180),
                RGBColor(255, 127, 14),
                RGBColor(44, 160, 44),
                RGBColor(214, 39, 40),
                RGBColor(148, 103, 189),
                RGBColor(140, 86, 75),
            ],
        },
        Theme::Dark => Colors {
            background: RGBColor(30, 30, 30),
            text: RGBColor(221, 221, 221),
            grid: RGBColor(58, 58, 58),
            axis: RGBColor(120, 120, 120),
            error: RGBColor(255, 123, 114),
            lines: [
                RGBColor(100, 181, 246),
                RGBColor(255, 183, 77),
                RGBColor(129, 199, 132),
                RGBColor(229, 115, 115),
                RGBColor(186, 104, 200),
                RGBColor(161, 136, 127),
            ],
        },
    }
}

/// Renders `spec` to an SVG document.
pub fn render_svg(spec: &ChartSpec) -> Result<SvgChart> {
    check_size(spec)?;
    ensure_font()?;
    let mut svg = String::new();
    let mapping = {
        let root = SVGBackend::with_string(&mut svg, (spec.width, spec.height)).into_drawing_area();
        let mapping = draw(&root, spec)?;
        root.present().map_err(render_error)?;
        mapping
    };
    Ok(SvgChart { svg, mapping })
}

/// Renders `spec` to a PNG image.
pub fn render_png(spec: &ChartSpec) -> Result<PngChart> {
    check_size(spec)?;
    ensure_font()?;
    let mut pixels = vec![0u8; spec.width as usize * spec.height as usize * 3];
    let mapping = {
        let root = BitMapBackend::with_buffer(&mut pixels, (spec.width, spec.height)).into_drawing_area();
        let mapping = draw(&root, spec)?;
        root.present().map_err(render_error)?;
        mapping
    };
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, spec.width, spec.height, image::ColorType::Rgb8)
        .map_err(|err| Error::Render(format!("PNG encoding failed: {err}")))?;
    Ok(PngChart { png, mapping })
}

fn check_size(spec: &ChartSpec) -> Result<()> {
    if spec.width < 100 || spec.height < 80 || spec.width > MAX_SIDE || spec.height > MAX_SIDE {
        return Err(Error::InvalidArgument(format!(
            "chart size {}×{} px; each side must be 100 (80 for the height) to {MAX_SIDE} px",
            spec.width, spec.height
        )));
    }
    Ok(())
}

fn render_error<E: std::error::Error>(err: E) -> Error {
    Error::Render(err.to_string())
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &ChartSpec) -> Result<PlotMapping>
where
    DB::ErrorType: 'static,
{
    let colors = colors(spec.theme);
    root.fill(&colors.background).map_err(render_error)?;
    let (x_min, x_max) = x_range(spec);
    let (y_min, y_max) = y_range(spec);
    let span = x_max - x_min;

    let text = |size: u32| TextStyle::from((FAMILY, size).into_font()).color(&colors.text);
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(10)
        .x_label_area_size(if spec.x_label.is_some() { 44 } else { 28 })
        .y_label_area_size(if spec.y_label.is_some() { 84 } else { 64 });
    if let Some(title) = &spec.title {
        builder.caption(title, text(19));
    }
    let mut chart = builder
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(render_error)?;

    let unit: Unit = spec.unit;
    let offset = spec.utc_offset_seconds;
    let x_formatter = move |timestamp: &i64| format_time(*timestamp, span, offset);
    let y_formatter = move |value: &f64| unit.format(*value);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(6)
        .y_labels(5)
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .label_style(text(14))
        .axis_style(colors.axis)
        .bold_line_style(colors.grid)
        .light_line_style(colors.background);
    if let Some(label) = &spec.x_label {
        mesh.x_desc(label.as_str());
    }
    if let Some(label) = &spec.y_label {
        mesh.y_desc(label.as_str());
    }
    mesh.axis_desc_style(text(15)).draw().map_err(render_error)?;

    for (index, series) in spec.series.iter().enumerate() {
        let color = colors.lines[index % colors.lines.len()];
        let style = ShapeStyle::from(&color).stroke_width(2);
        let mut labelled = false;
        for run in runs(&series.points) {
            // A run of one point has no segment to draw, so it gets a dot: otherwise a value
            // between two gaps, or the first sample of a new series, would not show at all.
            if let [only] = run.as_slice() {
                chart
                    .draw_series(std::iter::once(Circle::new(*only, 3, style.filled())))
                    .map_err(render_error)?;
            }
            let annotation = chart.draw_series(LineSeries::new(run, style)).map_err(render_error)?;
            if !labelled {
                annotation
                    .label(series.label.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
                labelled = true;
            }
        }
    }
    // A legend for lines that drew nothing would be an empty box.
    let drawn = |series: &ChartSeries| {
        series
            .points
            .iter()
            .any(|point| point.value.is_some_and(f64::is_finite))
    };
    if spec
        .series
        .iter()
        .any(|series| !series.label.is_empty() && drawn(series))
    {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(text(14))
            .background_style(colors.background.mix(0.85))
            .border_style(colors.axis)
            .draw()
            .map_err(render_error)?;
    }

    let (x_pixels, y_pixels) = chart.plotting_area().get_pixel_range();
    let mapping = PlotMapping {
        left: x_pixels.start,
        top: y_pixels.start,
        width: x_pixels.end - x_pixels.start,
        height: y_pixels.end - y_pixels.start,
        x_min_ms: x_min,
        x_max_ms: x_max,
        y_min,
        y_max,
    };

    if let Some(message) = &spec.error_message {
        let center = (mapping.left + mapping.width / 2, mapping.top + mapping.height / 2);
        let style =
            TextStyle::from((FAMILY, 17).into_font())
                .color(&colors.error)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ));
        root.draw(&Text::new(message.as_str(), center, style))
            .map_err(render_error)?;
    }
    Ok(mapping)
}

/// Splits points into runs of finite values; gap markers and non-finite values end a run.
fn runs(points: &[crate::types::Point]) -> Vec<Vec<(i64, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for point in points {
        match point.value.filter(|value| value.is_finite()) {
            Some(value) => current.push((point.timestamp_ms, clamp_value(value))),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

fn x_range(spec: &ChartSpec) -> (i64, i64) {
    let (min, max) = spec.x_range.unwrap_or_else(|| {
        let times = spec
            .series
            .iter()
            .flat_map(|series| series.points.iter().map(|point| point.timestamp_ms));
        let min = times.clone().min().unwrap_or(0);
        let max = times.max().unwrap_or(3_600_000);
        (min, max)
    });
    if max > min {
        (min, max)
    } else {
        (min, min + 60_000)
    }
}

/// Largest magnitude drawn. Values beyond it are drawn at it, because an axis whose span
/// overflows to infinity sends plotters' tick search into an endless loop.
const VALUE_LIMIT: f64 = 1e300;

fn clamp_value(value: f64) -> f64 {
    value.clamp(-VALUE_LIMIT, VALUE_LIMIT)
}

fn y_range(spec: &ChartSpec) -> (f64, f64) {
    if let Some((min, max)) = spec.y_range.filter(|(min, max)| max > min && (max - min).is_finite()) {
        return (min, max);
    }
    let values = spec
        .series
        .iter()
        .flat_map(|series| series.points.iter())
        .filter_map(|point| point.value)
        .filter(|value| value.is_finite())
        .map(clamp_value);
    let (mut min, mut max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), value| {
        (min.min(value), max.max(value))
    });
    if !min.is_finite() {
        (min, max) = (0.0, 1.0);
    }
    match spec.unit {
        Unit::Percent => (min.min(0.0), max.max(100.0)),
        Unit::Bytes | Unit::BytesPerSecond => (min.min(0.0), if max > 0.0 { max * 1.1 } else { 1024.0 }),
        Unit::None => {
            let pad = if max > min {
                (max - min) * 0.05
            } else {
                min.abs().max(1.0) * 0.1
            };
            (min - pad, max + pad)
        }
    }
}
