//! Chart rendering: SVG elements, Chinese text, gaps, themes, PNG output and the mapping.

use homeport_metrics::chart::{render_png, render_svg, ChartSeries, ChartSpec, Theme, Unit};
use homeport_metrics::Point;

const T0: i64 = 1_700_000_000_000;

fn points(count: i64, gap_at: Option<i64>) -> Vec<Point> {
    (0..count)
        .map(|i| {
            if Some(i) == gap_at {
                return Point::gap(T0 + i * 15_000);
            }
            let value = 40.0 + 20.0 * (i as f64 / 10.0).sin();
            Point {
                timestamp_ms: T0 + i * 15_000,
                value: Some(value),
                min: Some(value),
                max: Some(value),
            }
        })
        .collect()
}

fn spec() -> ChartSpec {
    ChartSpec {
        title: Some("CPU usage".into()),
        x_label: Some("Time".into()),
        y_label: Some("Usage".into()),
        unit: Unit::Percent,
        series: vec![ChartSeries {
            label: "cpu0".into(),
            points: points(240, None),
        }],
        ..ChartSpec::default()
    }
}

/// Returns the trimmed contents of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let body = &part[part.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|candidate| candidate == text)
}

/// Counts the 2-pixel polylines: data lines and legend samples (axes and ticks are 1 pixel).
fn data_lines(svg: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|element| element.contains("stroke-width=\"2\""))
        .count()
}

#[test]
fn svg_has_lines_labels_and_legend() {
    let chart = render_svg(&spec()).unwrap();
    let svg = &chart.svg;
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert_eq!(data_lines(svg), 2, "one data line and one legend sample");
    assert!(has_text(svg, "CPU usage"));
    assert!(has_text(svg, "Time"));
    assert!(has_text(svg, "Usage"));
    assert!(has_text(svg, "cpu0"));
    assert!(has_text(svg, "100%"), "percent axis reaches 100%");
    assert!(has_text(svg, "0%"));
    // 240 samples from 22:13:20 UTC span one hour, so labels are HH:MM.
    assert!(
        texts(svg).iter().any(|text| text.starts_with("22:") && text.len() == 5),
        "time labels"
    );
}

#[test]
fn svg_renders_chinese_text() {
    let mut spec = spec();
    spec.title = Some("CPU 使用率".into());
    spec.x_label = Some("时间".into());
    spec.series[0].label = "核心 0".into();
    spec.error_message = Some("无法连接 Prometheus".into());
    let svg = render_svg(&spec).unwrap().svg;
    for text in ["CPU 使用率", "时间", "核心 0", "无法连接 Prometheus"] {
        assert!(has_text(&svg, text), "missing {text}");
    }
}

#[test]
fn gap_splits_line() {
    let mut spec = spec();
    spec.series[0].points = points(240, Some(120));
    let svg = render_svg(&spec).unwrap().svg;
    assert_eq!(data_lines(&svg), 3, "two line pieces and one legend sample");

    // NaN values break the line as gap markers do; they never become zeros.
    spec.series[0].points[60].value = Some(f64::NAN);
    let svg = render_svg(&spec).unwrap().svg;
    assert_eq!(data_lines(&svg), 4);
}

#[test]
fn several_series_and_units() {
    let mut spec = spec();
    spec.unit = Unit::Bytes;
    spec.series = (0..3)
        .map(|n| ChartSeries {
            label: format!("eth{n}"),
            points: points(100, None)
                .into_iter()
                .map(|p| Point {
                    value: p.value.map(|v| v * 1024.0 * 1024.0 * (n + 1) as f64),
                    ..p
                })
                .collect(),
        })
        .collect();
    let svg = render_svg(&spec).unwrap().svg;
    assert_eq!(data_lines(&svg), 6);
    assert!(
        texts(&svg).iter().any(|text| text.ends_with(" MiB")),
        "binary prefixes on the value axis"
    );
    for n in 0..3 {
        assert!(has_text(&svg, &format!("eth{n}")));
    }
}

#[test]
fn themes_fill_background() {
    let mut spec = spec();
    spec.theme = Theme::Dark;
    let dark = render_svg(&spec).unwrap().svg;
    assert!(dark.contains("fill=\"#1E1E1E\""), "dark background");
    spec.theme = Theme::Light;
    let light = render_svg(&spec).unwrap().svg;
    assert!(light.contains("fill=\"#FFFFFF\""), "light background");
}

#[test]
fn error_message_on_empty_chart() {
    let spec = ChartSpec {
        error_message: Some("Prometheus is unreachable".into()),
        x_range: Some((T0, T0 + 3_600_000)),
        ..ChartSpec::default()
    };
    let svg = render_svg(&spec).unwrap().svg;
    assert!(has_text(&svg, "Prometheus is unreachable"));
    assert_eq!(data_lines(&svg), 0);
}

#[test]
fn mapping_matches_plot_area() {
    let mut spec = spec();
    spec.x_range = Some((T0, T0 + 3_600_000));
    spec.y_range = Some((0.0, 100.0));
    let mapping = render_svg(&spec).unwrap().mapping;
    assert!(mapping.left > 0);
    assert!(mapping.top >= 0);
    assert!(mapping.left + mapping.width <= 800);
    assert!(mapping.top + mapping.height <= 300);
    assert_eq!((mapping.x_min_ms, mapping.x_max_ms), (T0, T0 + 3_600_000));
    assert_eq!((mapping.y_min, mapping.y_max), (0.0, 100.0));

    let (x, y) = mapping.data_to_pixel(T0 + 1_800_000, 25.0);
    let (time, value) = mapping.pixel_to_data(x, y).unwrap();
    assert!((time - (T0 + 1_800_000)).abs() <= 1);
    assert!((value - 25.0).abs() < 1e-9);
    assert_eq!(mapping.pixel_to_data(0.0, 0.0), None);
    let (left_x, bottom_y) = mapping.data_to_pixel(T0, 0.0);
    assert_eq!(left_x, f64::from(mapping.left));
    assert_eq!(bottom_y, f64::from(mapping.top + mapping.height));
}

#[test]
fn png_renders_with_theme() {
    let mut spec = spec();
    spec.theme = Theme::Dark;
    spec.title = Some("CPU 使用率".into());
    let chart = render_png(&spec).unwrap();
    assert_eq!(&chart.png[..8], b"\x89PNG\r\n\x1a\n");
    let image = image::load_from_memory(&chart.png).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (800, 300));
    assert_eq!(image.get_pixel(2, 2).0, [30, 30, 30]);
    // Some pixel inside the plot carries the first line color.
    let line = image.pixels().filter(|pixel| pixel.0 == [100, 181, 246]).count();
    assert!(line > 100, "{line} line pixels");
    if let Ok(path) = std::env::var("HOMEPORT_CHART_PNG") {
        std::fs::write(path, &chart.png).unwrap();
    }
}

#[test]
fn bad_size_rejected() {
    let spec = ChartSpec {
        width: 10,
        ..ChartSpec::default()
    };
    assert!(render_svg(&spec).is_err());
    let spec = ChartSpec {
        height: 100_000,
        ..ChartSpec::default()
    };
    assert!(render_png(&spec).is_err());
}

#[test]
fn lone_point_between_gaps_draws_dot() {
    let mut spec = spec();
    spec.series[0].points = vec![
        Point::gap(T0),
        Point {
            timestamp_ms: T0 + 15_000,
            value: Some(42.0),
            min: Some(42.0),
            max: Some(42.0),
        },
        Point::gap(T0 + 30_000),
    ];
    spec.x_range = Some((T0, T0 + 60_000));
    let svg = render_svg(&spec).expect("render").svg;
    assert!(svg.contains("<circle"), "a lone sample is drawn as a dot");

    let without = render_svg(&self::spec()).expect("render").svg;
    assert!(!without.contains("<circle"), "a continuous line has no dots");
}

/// Values near the largest f64 make the axis span overflow; the render must still finish.
#[test]
fn extreme_values_render_in_bounded_time() {
    let mut spec = spec();
    spec.unit = Unit::None;
    let at = |i: i64, value: f64| Point {
        timestamp_ms: T0 + i * 15_000,
        value: Some(value),
        min: Some(value),
        max: Some(value),
    };
    spec.series[0].points = vec![at(0, 1e308), at(1, -1e308), at(2, f64::MAX), at(3, f64::MIN)];
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(render_svg(&spec).map(|chart| chart.svg.len()));
    });
    let rendered = wait
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the render finished within 20 s");
    assert!(rendered.expect("render") > 0);
}
