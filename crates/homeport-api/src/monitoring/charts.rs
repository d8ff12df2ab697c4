//! Charts of stored series. A request names a host, a panel and a time range, and the result
//! is the SVG, the pixel mapping for hover and drag-to-zoom, and the drawn points per line.

use std::collections::BTreeMap;

use homeport_core::Error;
use homeport_metrics::chart::{self, ChartSeries, ChartSpec, PlotMapping, Theme};
use homeport_metrics::{downsample, MetricsStore, Point};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::metrics_error;
use super::panels::{ChartLanguage, ChartText, LineSource, MetricsPanel};
use crate::{Api, ApiResult, IpcError};

/// Maximum range of a chart: 400 days, the longest retention.
const MAX_RANGE_MS: i64 = 400 * 86_400_000;

/// Light or dark chart colors, following the app's theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ChartTheme {
    Light,
    Dark,
}

/// File formats a chart can be saved in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ChartFormat {
    Svg,
    Png,
}

/// A chart request: host, panel, range, size, theme and language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartRequest {
    pub host_id: String,
    pub panel: MetricsPanel,
    /// The container's name, for container panels.
    pub container: Option<String>,
    #[ts(type = "number")]
    pub from_ms: i64,
    #[ts(type = "number")]
    pub to_ms: i64,
    pub width: u32,
    pub height: u32,
    pub theme: ChartTheme,
    /// `en` or `zh-CN`; chart text is drawn in it.
    pub language: String,
    /// The viewer's offset from UTC, for the time labels.
    pub utc_offset_seconds: i32,
}

/// The plot area inside the image and the data ranges at its edges.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlotAreaView {
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
    #[ts(type = "number")]
    pub x_min_ms: i64,
    #[ts(type = "number")]
    pub x_max_ms: i64,
    pub y_min: f64,
    pub y_max: f64,
}

/// One drawn point; `v` is null at a gap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct ChartPointView {
    #[ts(type = "number")]
    pub t: i64,
    pub v: Option<f64>,
}

/// One line as drawn, for the legend and the hover readout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartSeriesView {
    pub label: String,
    /// The line's CSS color.
    pub color: String,
    pub points: Vec<ChartPointView>,
}

/// A rendered chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartView {
    pub svg: String,
    pub plot: PlotAreaView,
    /// `percent`, `bytes`, `bytesPerSecond` or `none`, so the readout formats values as the
    /// axis does.
    pub unit: String,
    pub series: Vec<ChartSeriesView>,
    /// `raw`, `1m` or `15m`: which stored resolution the range was read at.
    pub resolution: String,
    /// Whether the range had no data at all.
    pub empty: bool,
    /// The reason the chart has no data when its source failed, such as an unreachable Prometheus;
    /// the chart then draws the reason across the plot.
    pub error: Option<IpcError>,
}

/// A chart of a PromQL query on the host's Prometheus source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PromChartRequest {
    pub host_id: String,
    pub promql: String,
    /// A title for the chart; the query when empty.
    pub title: Option<String>,
    /// `percent`, `bytes`, `bytesPerSecond` or `none`: how the value axis is labelled.
    pub unit: String,
    #[ts(type = "number")]
    pub from_ms: i64,
    #[ts(type = "number")]
    pub to_ms: i64,
    pub width: u32,
    pub height: u32,
    pub theme: ChartTheme,
    pub language: String,
    pub utc_offset_seconds: i32,
}

impl Api {
    /// Reads the panel's series over the range and renders them as SVG.
    pub async fn metrics_chart(&self, request: &ChartRequest) -> ApiResult<ChartView> {
        let (spec, resolution) = self.chart_spec(request).await?;
        let rendered = chart::render_svg(&spec).map_err(metrics_error)?;
        Ok(view(
            &spec,
            rendered.svg,
            rendered.mapping,
            resolution,
            request.theme,
            None,
        ))
    }

    /// Runs a PromQL range query on the host's Prometheus and draws the result. A query the
    /// server rejects (such as a syntax error, with its line and column) fails; an unreachable
    /// server gives a chart with the reason drawn on it and in `error`.
    pub async fn metrics_prometheus_chart(&self, request: &PromChartRequest) -> ApiResult<ChartView> {
        check_range(request.from_ms, request.to_ms)?;
        let language = ChartLanguage::from_tag(&request.language);
        let text = ChartText::new(language);
        let target = (request.width as usize).clamp(100, 2000);
        let queried = self
            .prometheus_query_range(&request.host_id, &request.promql, request.from_ms, request.to_ms, None)
            .await;
        let (series, error) = match queried {
            Ok(range) => {
                let series = range
                    .series
                    .iter()
                    .map(|one| ChartSeries {
                        label: series_label(&one.labels),
                        points: downsample::min_max(
                            &one.points
                                .iter()
                                .map(|point| Point {
                                    timestamp_ms: point.timestamp_ms,
                                    value: point.value,
                                    min: point.value,
                                    max: point.value,
                                })
                                .collect::<Vec<_>>(),
                            target,
                        ),
                    })
                    .collect();
                (series, None)
            }
            Err(err) if err.code == homeport_core::ErrorCode::PrometheusUnreachable => (Vec::new(), Some(err)),
            Err(err) => return Err(err),
        };
        let empty = series
            .iter()
            .all(|line: &ChartSeries| line.points.iter().all(|point| point.value.is_none()));
        let message = match &error {
            Some(_) => Some(text.unreachable.to_string()),
            None if empty => Some(text.no_prometheus_data.to_string()),
            None => None,
        };
        let title = request.title.clone().filter(|title| !title.trim().is_empty());
        let spec = ChartSpec {
            width: request.width,
            height: request.height,
            title: Some(title.unwrap_or_else(|| request.promql.clone())),
            x_label: Some(text.time_axis.to_string()),
            y_label: None,
            unit: unit_from_name(&request.unit),
            theme: theme(request.theme),
            series,
            x_range: Some((request.from_ms, request.to_ms)),
            y_range: None,
            utc_offset_seconds: request.utc_offset_seconds,
            error_message: message,
        };
        let rendered = chart::render_svg(&spec).map_err(metrics_error)?;
        Ok(view(
            &spec,
            rendered.svg,
            rendered.mapping,
            "prometheus".into(),
            request.theme,
            error,
        ))
    }

    /// Renders the panel as a file: SVG text or PNG bytes.
    pub async fn metrics_chart_file(&self, request: &ChartRequest, format: ChartFormat) -> ApiResult<Vec<u8>> {
        let (spec, _) = self.chart_spec(request).await?;
        match format {
            ChartFormat::Svg => Ok(chart::render_svg(&spec).map_err(metrics_error)?.svg.into_bytes()),
            ChartFormat::Png => Ok(chart::render_png(&spec).map_err(metrics_error)?.png),
        }
    }

    /// Writes the panel to `path` as SVG or PNG, replacing the file.
    pub async fn metrics_chart_save(
        &self,
        request: &ChartRequest,
        format: ChartFormat,
        path: &str,
    ) -> ApiResult<String> {
        let path = crate::user_path::expand_home(path.trim());
        if !path.is_absolute() || path.is_dir() {
            return Err(Error::invalid(
                "path",
                path.display().to_string(),
                "type the full path of a file to save the chart to, such as ~/Downloads/cpu.png",
            )
            .into());
        }
        let bytes = self.metrics_chart_file(request, format).await?;
        std::fs::write(&path, bytes).map_err(|err| {
            Error::invalid(
                "path",
                path.display().to_string(),
                &format!("the file cannot be written ({err}); choose a folder you can write to"),
            )
        })?;
        tracing::info!(path = %path.display(), ?format, "chart saved");
        Ok(path.display().to_string())
    }

    async fn chart_spec(&self, request: &ChartRequest) -> ApiResult<(ChartSpec, String)> {
        check_range(request.from_ms, request.to_ms)?;
        let container = request.container.as_deref().unwrap_or_default();
        if request.panel.needs_container() && container.is_empty() {
            return Err(Error::invalid("container", "", "pick a container for this chart").into());
        }
        let host = self.host_service().get(&request.host_id).await?;
        let store = self.metrics_store().await?;
        let language = ChartLanguage::from_tag(&request.language);
        let panel = request.panel.spec(language, container);
        let text = ChartText::new(language);

        // About two points per pixel column keeps peaks visible without a heavy SVG.
        let target = (request.width as usize).clamp(100, 2000);
        let mut series = Vec::new();
        let mut resolution = "raw";
        for line in &panel.lines {
            for (label, points, used) in read_line(store, &host.id, line, request.from_ms, request.to_ms).await? {
                resolution = used;
                let label = if label.is_empty() {
                    line.label.clone()
                } else {
                    format!("{}{label}", line.label)
                };
                series.push(ChartSeries {
                    label,
                    points: downsample::min_max(&points, target),
                });
            }
        }
        let empty = series
            .iter()
            .all(|line| line.points.iter().all(|point| point.value.is_none()));
        let spec = ChartSpec {
            width: request.width,
            height: request.height,
            title: Some(panel.title),
            x_label: Some(text.time_axis.to_string()),
            y_label: None,
            unit: panel.unit,
            theme: theme(request.theme),
            series,
            x_range: Some((request.from_ms, request.to_ms)),
            y_range: None,
            utc_offset_seconds: request.utc_offset_seconds,
            error_message: empty.then(|| text.no_data.to_string()),
        };
        Ok((spec, resolution.to_string()))
    }
}

fn check_range(from_ms: i64, to_ms: i64) -> ApiResult<()> {
    if to_ms <= from_ms || to_ms - from_ms > MAX_RANGE_MS {
        return Err(Error::invalid(
            "range",
            format!("{from_ms}..{to_ms}"),
            "choose a range that ends after it starts and spans at most 400 days",
        )
        .into());
    }
    Ok(())
}

fn theme(theme: ChartTheme) -> Theme {
    match theme {
        ChartTheme::Light => Theme::Light,
        ChartTheme::Dark => Theme::Dark,
    }
}

fn unit_from_name(name: &str) -> chart::Unit {
    match name {
        "percent" => chart::Unit::Percent,
        "bytes" => chart::Unit::Bytes,
        "bytesPerSecond" => chart::Unit::BytesPerSecond,
        _ => chart::Unit::None,
    }
}

/// Legend text of a Prometheus series: its labels without `__name__`, as PromQL writes them,
/// or the metric name when it has no other label.
fn series_label(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(name, _)| name.as_str() != "__name__")
        .map(|(name, value)| format!("{name}=\"{value}\""))
        .collect();
    match (pairs.is_empty(), labels.get("__name__")) {
        (true, Some(name)) => name.clone(),
        (true, None) => "value".into(),
        (false, Some(name)) => format!("{name}{{{}}}", pairs.join(", ")),
        (false, None) => format!("{{{}}}", pairs.join(", ")),
    }
}

/// Reads the lines one [`LineSource`] yields as (label suffix, points, resolution name).
async fn read_line(
    store: &MetricsStore,
    host_id: &str,
    line: &super::panels::LineSpec,
    from_ms: i64,
    to_ms: i64,
) -> ApiResult<Vec<(String, Vec<Point>, &'static str)>> {
    let metric = match &line.source {
        LineSource::Exact { metric, .. } | LineSource::Sum { metric } | LineSource::Each { metric, .. } => *metric,
    };
    let all = store.host_series(host_id, Some(metric)).await.map_err(metrics_error)?;
    let mut out = Vec::new();
    match &line.source {
        LineSource::Exact { labels, .. } => {
            let wanted: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            if let Some((id, _)) = all.iter().find(|(_, key)| key.labels == wanted) {
                let range = store.range(*id, from_ms, to_ms).await.map_err(metrics_error)?;
                out.push((String::new(), range.points, resolution_name(range.resolution)));
            }
        }
        LineSource::Each { label, .. } => {
            for (id, key) in &all {
                let range = store.range(*id, from_ms, to_ms).await.map_err(metrics_error)?;
                let name = key.labels.get(*label).cloned().unwrap_or_default();
                out.push((name, range.points, resolution_name(range.resolution)));
            }
            // Per-core lines sort by core number, not as text.
            out.sort_by_key(|(name, _, _)| (name.parse::<u32>().unwrap_or(u32::MAX), name.clone()));
            if *label == "cpu" {
                out.retain(|(name, _, _)| name != "total");
            }
        }
        LineSource::Sum { .. } => {
            let mut parts = Vec::new();
            let mut used = "raw";
            for (id, _) in &all {
                let range = store.range(*id, from_ms, to_ms).await.map_err(metrics_error)?;
                used = resolution_name(range.resolution);
                parts.push(range.points);
            }
            if !parts.is_empty() {
                out.push((String::new(), sum_points(&parts), used));
            }
        }
    }
    Ok(out)
}

/// Adds series point by point. Every series of one host is stamped with the same collection
/// time, so equal timestamps line up; a time where every part has a gap stays a gap.
fn sum_points(parts: &[Vec<Point>]) -> Vec<Point> {
    let mut sums: BTreeMap<i64, Option<(f64, f64, f64)>> = BTreeMap::new();
    for part in parts {
        for point in part {
            let entry = sums.entry(point.timestamp_ms).or_insert(None);
            if let Some(value) = point.value {
                let (sum, min, max) = entry.get_or_insert((0.0, 0.0, 0.0));
                *sum += value;
                *min += point.min.unwrap_or(value);
                *max += point.max.unwrap_or(value);
            }
        }
    }
    sums.into_iter()
        .map(|(timestamp_ms, value)| Point {
            timestamp_ms,
            value: value.map(|(sum, _, _)| sum),
            min: value.map(|(_, min, _)| min),
            max: value.map(|(_, _, max)| max),
        })
        .collect()
}

pub(super) fn resolution_name(resolution: homeport_metrics::Resolution) -> &'static str {
    match resolution {
        homeport_metrics::Resolution::Raw => "raw",
        homeport_metrics::Resolution::OneMinute => "1m",
        homeport_metrics::Resolution::FifteenMinutes => "15m",
    }
}

fn view(
    spec: &ChartSpec,
    svg: String,
    mapping: PlotMapping,
    resolution: String,
    chart_theme: ChartTheme,
    error: Option<IpcError>,
) -> ChartView {
    let theme = theme(chart_theme);
    let unit = match spec.unit {
        chart::Unit::Percent => "percent",
        chart::Unit::Bytes => "bytes",
        chart::Unit::BytesPerSecond => "bytesPerSecond",
        chart::Unit::None => "none",
    };
    ChartView {
        svg,
        plot: PlotAreaView {
            left: mapping.left,
            top: mapping.top,
            width: mapping.width,
            height: mapping.height,
            x_min_ms: mapping.x_min_ms,
            x_max_ms: mapping.x_max_ms,
            y_min: mapping.y_min,
            y_max: mapping.y_max,
        },
        unit: unit.to_string(),
        series: spec
            .series
            .iter()
            .enumerate()
            .map(|(index, line)| ChartSeriesView {
                label: line.label.clone(),
                color: chart::series_color(theme, index),
                points: line
                    .points
                    .iter()
                    .map(|point| ChartPointView {
                        t: point.timestamp_ms,
                        v: point.value.filter(|value| value.is_finite()),
                    })
                    .collect(),
            })
            .collect(),
        resolution,
        empty: spec.error_message.is_some(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(timestamp_ms: i64, value: Option<f64>) -> Point {
        Point {
            timestamp_ms,
            value,
            min: value,
            max: value,
        }
    }

    #[test]
    fn prometheus_labels_read_as_promql() {
        let labels = BTreeMap::from([
            ("__name__".to_string(), "up".to_string()),
            ("job".to_string(), "node".to_string()),
        ]);
        assert_eq!(series_label(&labels), "up{job=\"node\"}");
        let bare = BTreeMap::from([("__name__".to_string(), "up".to_string())]);
        assert_eq!(series_label(&bare), "up");
        assert_eq!(series_label(&BTreeMap::new()), "value");
    }

    #[test]
    fn sums_line_up_by_time_and_keep_gaps() {
        let a = vec![point(0, Some(1.0)), point(15, None), point(30, Some(3.0))];
        let b = vec![point(0, Some(10.0)), point(15, None), point(30, None)];
        let summed = sum_points(&[a, b]);
        let values: Vec<_> = summed.iter().map(|point| point.value).collect();
        assert_eq!(values, [Some(11.0), None, Some(3.0)]);
    }
}
