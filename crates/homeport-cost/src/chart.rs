//! The payback chart: cumulative cost of self-hosting against cumulative subscriptions, with
//! the break-even point marked.
//!
//! All text comes from the caller, so the app passes it in the user's language. Fonts come
//! from homeport-metrics' chart module, which registers one font for all plotters text in the
//! process; Chinese text in PNGs needs a CJK font such as Noto Sans CJK there.

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::calc::Timeline;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::validate::validate;

pub use homeport_metrics::chart::Theme;

/// The family homeport-metrics registers its chart font under.
pub(crate) const FONT_FAMILY: &str = "sans-serif";

/// Largest image side accepted, so a wrong size cannot allocate gigabytes for a bitmap.
const MAX_SIDE: u32 = 8_192;

/// The chart's texts, in the language the caller chose.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChartText {
    pub title: Option<String>,
    /// Caption of the time axis, such as "Years".
    pub x_label: String,
    /// Caption of the money axis, such as "USD".
    pub y_label: String,
    /// Legend of the subscriptions line.
    pub subscriptions: String,
    /// Legend of the self-hosting line, with the value of time when the scenario has one.
    pub self_hosting: String,
    /// Legend of the self-hosting line without the value of time, drawn only when time has a
    /// value.
    pub self_hosting_without_time: String,
    /// Label of the break-even marker, such as "Break-even: month 20"; drawn as a note inside
    /// the plot when the break-even point is not within the chart's years.
    pub break_even: String,
}

/// Size and colors of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartOptions {
    pub width: u32,
    pub height: u32,
    pub theme: Theme,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            width: 800,
            height: 360,
            theme: Theme::Light,
        }
    }
}

/// The lines of the chart, in years and money.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub horizon_years: f64,
    pub subscriptions: Vec<(f64, f64)>,
    /// Self-hosting with the value of time.
    pub self_hosting: Vec<(f64, f64)>,
    /// Self-hosting without the value of time, when time has a value.
    pub self_hosting_without_time: Option<Vec<(f64, f64)>>,
    /// The point where the self-hosting line with time meets the subscriptions line, or else
    /// the line without time, when that is within the chart's years.
    pub break_even: Option<(f64, f64)>,
}

/// Computes the chart's lines for a valid scenario: one point a month, and two at each
/// purchase so a replacement shows as a vertical step.
pub fn chart_data(scenario: &Scenario) -> Result<ChartData> {
    let problems = validate(scenario);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let months = f64::from(scenario.horizon_years) * 12.0;
    let with_time = Timeline::new(scenario, true);
    let without_time = Timeline::new(scenario, false);
    let time_counts = with_time.running_per_month != without_time.running_per_month;

    let subscriptions = (0..=scenario.horizon_years * 12)
        .map(|month| {
            let month = f64::from(month);
            (month / 12.0, with_time.subscriptions_cost(month))
        })
        .collect();
    let crossing = |timeline: &Timeline| {
        timeline
            .payback_month()
            .ok()
            .filter(|month| *month <= months)
            .map(|month| (month / 12.0, timeline.subscriptions_cost(month)))
    };
    // When the line with the owner's time never crosses, the line without it may: mark that.
    let break_even = crossing(&with_time).or_else(|| crossing(&without_time).filter(|_| time_counts));
    Ok(ChartData {
        horizon_years: f64::from(scenario.horizon_years),
        subscriptions,
        self_hosting: cost_line(&with_time, months),
        self_hosting_without_time: time_counts.then(|| cost_line(&without_time, months)),
        break_even,
    })
}

fn cost_line(timeline: &Timeline, months: f64) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    let mut purchases = timeline
        .purchases
        .iter()
        .filter(|purchase| purchase.month <= months)
        .peekable();
    let mut month = 0.0;
    while month <= months {
        let mut stepped_at_month = false;
        while let Some(first) = purchases.next_if(|purchase| purchase.month <= month) {
            // Items bought at the same moment make one step.
            let mut amount = first.amount;
            while let Some(same) = purchases.next_if(|purchase| purchase.month == first.month) {
                amount += same.amount;
            }
            let before = timeline.self_hosting_cost(first.month);
            points.push((first.month / 12.0, before));
            points.push((first.month / 12.0, before + amount));
            stepped_at_month |= first.month == month;
        }
        if !stepped_at_month {
            points.push((month / 12.0, timeline.self_hosting_cost(month)));
        }
        month += 1.0;
    }
    points
}

/// Renders the chart of a valid scenario to an SVG document.
pub fn render_svg(scenario: &Scenario, text: &ChartText, options: ChartOptions) -> Result<String> {
    check_size(options)?;
    let data = chart_data(scenario)?;
    homeport_metrics::chart::ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (options.width, options.height)).into_drawing_area();
        draw(&root, &data, text, options.theme)?;
        root.present().map_err(render_error)?;
    }
    Ok(svg)
}

/// Renders the chart of a valid scenario to a PNG image.
pub fn render_png(scenario: &Scenario, text: &ChartText, options: ChartOptions) -> Result<Vec<u8>> {
    check_size(options)?;
    let data = chart_data(scenario)?;
    homeport_metrics::chart::ensure_font()?;
    let mut pixels = vec![0u8; options.width as usize * options.height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (options.width, options.height)).into_drawing_area();
        draw(&root, &data, text, options.theme)?;
        root.present().map_err(render_error)?;
    }
    encode_png(&pixels, options.width, options.height)
}

pub(crate) fn encode_png(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(pixels, width, height, image::ColorType::Rgb8)
        .map_err(|err| Error::Render(format!("PNG encoding failed: {err}")))?;
    Ok(png)
}

fn check_size(options: ChartOptions) -> Result<()> {
    let ChartOptions { width, height, .. } = options;
    if width < 200 || height < 150 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::Render(format!(
            "chart size {width}×{height} px; the width must be 200 to {MAX_SIDE} px and the height 150 to {MAX_SIDE} px"
        )));
    }
    Ok(())
}

pub(crate) fn render_error<E: std::error::Error>(err: E) -> Error {
    Error::Render(err.to_string())
}

/// The colors of one theme.
pub(crate) struct Palette {
    pub background: RGBColor,
    pub text: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub axis: RGBColor,
    pub subscriptions: RGBColor,
    pub self_hosting: RGBColor,
    pub without_time: RGBColor,
    pub marker: RGBColor,
}

pub(crate) fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            background: RGBColor(255, 255, 255),
            text: RGBColor(51, 51, 51),
            muted: RGBColor(102, 102, 102),
            grid: RGBColor(229, 229, 229),
            axis: RGBColor(136, 136, 136),
            subscriptions: RGBColor(31, 119, 180),
            self_hosting: RGBColor(230, 110, 0),
            without_time: RGBColor(44, 160, 44),
            marker: RGBColor(192, 28, 40),
        },
        Theme::Dark => Palette {
            background: RGBColor(30, 30, 30),
            text: RGBColor(221, 221, 221),
            muted: RGBColor(170, 170, 170),
            grid: RGBColor(58, 58, 58),
            axis: RGBColor(120, 120, 120),
            subscriptions: RGBColor(100, 181, 246),
            self_hosting: RGBColor(255, 183, 77),
            without_time: RGBColor(129, 199, 132),
            marker: RGBColor(255, 123, 114),
        },
    }
}

/// Draws the chart into `area`, which the report also uses for its chart.
pub(crate) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ChartData,
    text: &ChartText,
    theme: Theme,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let colors = palette(theme);
    area.fill(&colors.background).map_err(render_error)?;
    let style = |size: u32| TextStyle::from((FONT_FAMILY, size).into_font()).color(&colors.text);

    let (y_min, y_max) = y_range(data);
    let mut builder = ChartBuilder::on(area);
    builder.margin(12).x_label_area_size(44).y_label_area_size(84);
    if let Some(title) = &text.title {
        builder.caption(title, style(19));
    }
    let mut chart = builder
        .build_cartesian_2d(0.0..data.horizon_years, y_min..y_max)
        .map_err(render_error)?;

    let year_labels = (data.horizon_years.round() as usize + 1).min(11);
    let x_formatter = |years: &f64| format_number(*years, if years.fract().abs() < 1e-9 { 0 } else { 1 });
    let y_formatter = |value: &f64| format_number(*value, 0);
    chart
        .configure_mesh()
        .x_labels(year_labels)
        .y_labels(6)
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .x_desc(text.x_label.as_str())
        .y_desc(text.y_label.as_str())
        .label_style(style(14))
        .axis_desc_style(style(15))
        .axis_style(colors.axis)
        .bold_line_style(colors.grid)
        .light_line_style(colors.background)
        .draw()
        .map_err(render_error)?;

    let lines = [
        (Some(&data.subscriptions), &text.subscriptions, colors.subscriptions),
        (Some(&data.self_hosting), &text.self_hosting, colors.self_hosting),
        (
            data.self_hosting_without_time.as_ref(),
            &text.self_hosting_without_time,
            colors.without_time,
        ),
    ];
    for (points, label, color) in lines {
        let Some(points) = points else {
            continue;
        };
        let line_style = ShapeStyle::from(&color).stroke_width(2);
        chart
            .draw_series(LineSeries::new(points.iter().copied(), line_style))
            .map_err(render_error)?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], line_style));
    }

    match data.break_even {
        Some((years, amount)) => {
            let marker = ShapeStyle::from(&colors.marker).stroke_width(1);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(years, y_min), (years, amount)],
                    marker,
                )))
                .map_err(render_error)?;
            chart
                .draw_series(std::iter::once(Circle::new((years, amount), 6, colors.marker.filled())))
                .map_err(render_error)?;
            // The chart reports backend pixels, while the area draws relative to its corner.
            let (base_x, base_y) = area.get_base_pixel();
            let (x, y) = chart.backend_coord(&(years, amount));
            let (x, y) = (x - base_x, y - base_y);
            // The label goes left of the point when the point is in the right half, so it
            // stays inside the plot.
            let (plot_x, _) = chart.plotting_area().get_pixel_range();
            let left = x + base_x > (plot_x.start + plot_x.end) / 2;
            let anchor = if left {
                plotters::style::text_anchor::HPos::Right
            } else {
                plotters::style::text_anchor::HPos::Left
            };
            let label_style = TextStyle::from((FONT_FAMILY, 15).into_font())
                .color(&colors.marker)
                .pos(plotters::style::text_anchor::Pos::new(
                    anchor,
                    plotters::style::text_anchor::VPos::Bottom,
                ));
            let offset = if left { -10 } else { 10 };
            area.draw(&Text::new(text.break_even.as_str(), (x + offset, y - 8), label_style))
                .map_err(render_error)?;
        }
        None if !text.break_even.is_empty() => {
            let (base_x, base_y) = area.get_base_pixel();
            let (plot_x, plot_y) = chart.plotting_area().get_pixel_range();
            let note_style = TextStyle::from((FONT_FAMILY, 16).into_font())
                .color(&colors.marker)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Right,
                    plotters::style::text_anchor::VPos::Top,
                ));
            let corner = (plot_x.end - base_x - 10, plot_y.start - base_y + 10);
            area.draw(&Text::new(text.break_even.as_str(), corner, note_style))
                .map_err(render_error)?;
        }
        None => {}
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(style(14))
        .background_style(colors.background.mix(0.85))
        .border_style(colors.axis)
        .draw()
        .map_err(render_error)?;
    Ok(())
}

fn y_range(data: &ChartData) -> (f64, f64) {
    let values = data
        .subscriptions
        .iter()
        .chain(&data.self_hosting)
        .chain(data.self_hosting_without_time.iter().flatten())
        .map(|(_, value)| *value);
    let max = values.fold(0.0_f64, f64::max);
    (0.0, if max > 0.0 { max * 1.08 } else { 1.0 })
}

/// Formats a number with `,` between thousands and `decimals` decimals.
pub fn format_number(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole.to_string(), Some(fraction.to_string())),
        None => (text, None),
    };
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && grouped.chars().any(|digit| digit.is_ascii_digit() && digit != '0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(&fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::preset;

    fn english() -> ChartText {
        ChartText {
            title: Some("Cumulative cost".into()),
            x_label: "Years".into(),
            y_label: "USD".into(),
            subscriptions: "Subscriptions".into(),
            self_hosting: "Self-hosting".into(),
            self_hosting_without_time: "Self-hosting without time".into(),
            break_even: "Break-even: month 20".into(),
        }
    }

    #[test]
    fn numbers_group_thousands() {
        assert_eq!(format_number(2500.0, 0), "2,500");
        assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_number(-978.84, 2), "-978.84");
        assert_eq!(format_number(-0.001, 2), "0.00");
        assert_eq!(format_number(12.0, 0), "12");
    }

    #[test]
    fn marker_falls_back_to_line_without_time() {
        let mut scenario = preset("rule-of-thumb").unwrap().scenario.clone();
        scenario.upkeep.hours_per_month = 5.0;
        scenario.upkeep.hour_value = 30.0;
        let data = chart_data(&scenario).unwrap();
        assert!(data.self_hosting_without_time.is_some());
        let (years, _) = data.break_even.expect("the line without time crosses");
        assert!((years - 1.6435).abs() < 1e-3, "{years}");
    }

    #[test]
    fn data_marks_break_even() {
        let data = chart_data(&preset("rule-of-thumb").unwrap().scenario).unwrap();
        let (years, amount) = data.break_even.unwrap();
        assert!((years - 1.6435).abs() < 1e-3, "{years}");
        assert!((amount - 1600.0 * years).abs() < 1e-6, "{amount}");
        assert_eq!(data.subscriptions.len(), 61);
        assert_eq!(data.subscriptions[12], (1.0, 1600.0));
        assert!(
            data.self_hosting_without_time.is_none(),
            "the preset gives time no value"
        );
    }

    #[test]
    fn replacement_shows_as_a_step() {
        let mut scenario = preset("rule-of-thumb").unwrap().scenario.clone();
        scenario.hardware[0].life_years = 2.0;
        let data = chart_data(&scenario).unwrap();
        let at_two_years: Vec<f64> = data
            .self_hosting
            .iter()
            .filter(|(years, _)| *years == 2.0)
            .map(|(_, value)| *value)
            .collect();
        // 2,500 + 24 × 6.57 before the purchase and 2,500 more after it, with no third
        // point that would draw the line back down.
        assert_eq!(at_two_years.len(), 2, "{at_two_years:?}");
        assert!((at_two_years[1] - at_two_years[0] - 2500.0).abs() < 1e-9);
    }

    #[test]
    fn svg_has_lines_legend_and_marker() {
        let svg = render_svg(
            &preset("rule-of-thumb").unwrap().scenario,
            &english(),
            ChartOptions::default(),
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..60]);
        for text in ["Subscriptions", "Self-hosting", "Break-even: month 20", "Years", "USD"] {
            assert!(svg.contains(text), "no {text} in the SVG");
        }
        assert!(
            !svg.contains("Self-hosting without time"),
            "time has no value in the preset"
        );
        assert!(svg.contains("<circle"), "no break-even marker");
    }

    #[test]
    fn never_paying_back_draws_a_note() {
        let mut scenario = preset("rule-of-thumb").unwrap().scenario.clone();
        scenario.subscriptions[0].amount = 50.0;
        let mut text = english();
        text.break_even = "Never pays back".into();
        let svg = render_svg(&scenario, &text, ChartOptions::default()).unwrap();
        assert!(svg.contains("Never pays back"));
        assert!(!svg.contains("<circle"), "a marker without a break-even point");
    }

    #[test]
    fn png_has_requested_size_in_both_themes() {
        let scenario = &preset("used-server").unwrap().scenario;
        for theme in [Theme::Light, Theme::Dark] {
            let options = ChartOptions {
                width: 640,
                height: 320,
                theme,
            };
            let png = render_png(scenario, &english(), options).unwrap();
            let image = image::load_from_memory(&png).unwrap().to_rgb8();
            assert_eq!(image.dimensions(), (640, 320));
            let corner = image.get_pixel(0, 0).0;
            let expected = if theme == Theme::Light {
                [255, 255, 255]
            } else {
                [30, 30, 30]
            };
            assert_eq!(corner, expected, "{theme:?} background");
        }
    }

    #[test]
    fn wrong_size_is_rejected() {
        let scenario = &preset("mini-pc").unwrap().scenario;
        let options = ChartOptions {
            width: 10,
            height: 10,
            theme: Theme::Light,
        };
        assert!(matches!(
            render_png(scenario, &english(), options),
            Err(Error::Render(_))
        ));
    }
}
