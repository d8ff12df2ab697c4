//! The charts the Monitoring screen offers: which series each draws, how they combine, and
//! their text in English and Simplified Chinese. Chart text is drawn into the image in Rust,
//! so it is translated here rather than in the UI's message files.

use homeport_metrics::chart::Unit;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One chart of the Monitoring screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MetricsPanel {
    Cpu,
    CpuCores,
    Memory,
    Load,
    Filesystems,
    DiskIo,
    Network,
    ContainerCpu,
    ContainerMemory,
    ContainerNetwork,
    ContainerBlockIo,
}

/// The languages chart text comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartLanguage {
    English,
    Chinese,
}

impl ChartLanguage {
    /// `zh`, `zh-CN`, `zh-Hans` and the like are Chinese; everything else English.
    pub fn from_tag(tag: &str) -> Self {
        if tag.to_ascii_lowercase().starts_with("zh") {
            ChartLanguage::Chinese
        } else {
            ChartLanguage::English
        }
    }

    fn pick(self, english: &'static str, chinese: &'static str) -> &'static str {
        match self {
            ChartLanguage::English => english,
            ChartLanguage::Chinese => chinese,
        }
    }
}

/// How the series of one line are found and combined.
#[derive(Debug, Clone, PartialEq)]
pub enum LineSource {
    /// One series: the metric with these labels.
    Exact {
        metric: &'static str,
        labels: Vec<(&'static str, String)>,
    },
    /// The sum over every series of the metric (all interfaces, all disks).
    Sum { metric: &'static str },
    /// One line per series of the metric, named by the value of `label`.
    Each { metric: &'static str, label: &'static str },
}

/// One line of a panel, before its data is read.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSpec {
    /// Legend text; for [`LineSource::Each`] a prefix for the label value (may be empty).
    pub label: String,
    pub source: LineSource,
}

/// A panel's title, unit and lines in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSpec {
    pub title: String,
    pub unit: Unit,
    pub lines: Vec<LineSpec>,
}

fn exact(label: &str, metric: &'static str, labels: Vec<(&'static str, String)>) -> LineSpec {
    LineSpec {
        label: label.to_string(),
        source: LineSource::Exact { metric, labels },
    }
}

fn sum(label: &str, metric: &'static str) -> LineSpec {
    LineSpec {
        label: label.to_string(),
        source: LineSource::Sum { metric },
    }
}

fn each(label: &str, metric: &'static str, by: &'static str) -> LineSpec {
    LineSpec {
        label: label.to_string(),
        source: LineSource::Each { metric, label: by },
    }
}

impl MetricsPanel {
    /// Whether the panel shows one container, so the request must name it.
    pub fn needs_container(self) -> bool {
        matches!(
            self,
            MetricsPanel::ContainerCpu
                | MetricsPanel::ContainerMemory
                | MetricsPanel::ContainerNetwork
                | MetricsPanel::ContainerBlockIo
        )
    }

    /// The panel in `language`. `container` names the container for container panels.
    pub fn spec(self, language: ChartLanguage, container: &str) -> PanelSpec {
        let t = |english, chinese| language.pick(english, chinese);
        let total = || vec![("cpu", "total".to_string())];
        let in_container = || vec![("container", container.to_string())];
        let (title, unit, lines) = match self {
            MetricsPanel::Cpu => (
                t("CPU", "CPU").to_string(),
                Unit::Percent,
                vec![
                    exact(t("Busy", "使用率"), "cpu_usage_percent", total()),
                    exact(t("I/O wait", "I/O 等待"), "cpu_iowait_percent", total()),
                ],
            ),
            MetricsPanel::CpuCores => (
                t("CPU per core", "每核 CPU").to_string(),
                Unit::Percent,
                vec![each(t("Core ", "核心 "), "cpu_usage_percent", "cpu")],
            ),
            MetricsPanel::Memory => (
                t("Memory", "内存").to_string(),
                Unit::Bytes,
                vec![
                    exact(t("Used", "已用"), "memory_used_bytes", vec![]),
                    exact(t("Cache", "缓存"), "memory_cached_bytes", vec![]),
                    exact(t("Swap used", "已用交换"), "swap_used_bytes", vec![]),
                ],
            ),
            MetricsPanel::Load => (
                t("Load average", "平均负载").to_string(),
                Unit::None,
                vec![
                    exact(t("1 min", "1 分钟"), "load1", vec![]),
                    exact(t("5 min", "5 分钟"), "load5", vec![]),
                    exact(t("15 min", "15 分钟"), "load15", vec![]),
                ],
            ),
            MetricsPanel::Filesystems => (
                t("Disk space used", "磁盘空间使用率").to_string(),
                Unit::Percent,
                vec![each("", "filesystem_used_percent", "mount")],
            ),
            MetricsPanel::DiskIo => (
                t("Disk I/O", "磁盘读写").to_string(),
                Unit::BytesPerSecond,
                vec![
                    sum(t("Read", "读取"), "disk_read_bytes_per_second"),
                    sum(t("Written", "写入"), "disk_write_bytes_per_second"),
                ],
            ),
            MetricsPanel::Network => (
                t("Network", "网络").to_string(),
                Unit::BytesPerSecond,
                vec![
                    sum(t("Received", "接收"), "network_receive_bytes_per_second"),
                    sum(t("Sent", "发送"), "network_transmit_bytes_per_second"),
                ],
            ),
            MetricsPanel::ContainerCpu => (
                format!("{container} · {}", t("CPU", "CPU")),
                Unit::Percent,
                vec![exact(t("CPU", "CPU"), "container_cpu_percent", in_container())],
            ),
            MetricsPanel::ContainerMemory => (
                format!("{container} · {}", t("Memory", "内存")),
                Unit::Bytes,
                vec![
                    exact(t("Used", "已用"), "container_memory_bytes", in_container()),
                    exact(t("Limit", "上限"), "container_memory_limit_bytes", in_container()),
                ],
            ),
            MetricsPanel::ContainerNetwork => (
                format!("{container} · {}", t("Network", "网络")),
                Unit::BytesPerSecond,
                vec![
                    exact(
                        t("Received", "接收"),
                        "container_network_receive_bytes_per_second",
                        in_container(),
                    ),
                    exact(
                        t("Sent", "发送"),
                        "container_network_transmit_bytes_per_second",
                        in_container(),
                    ),
                ],
            ),
            MetricsPanel::ContainerBlockIo => (
                format!("{container} · {}", t("Disk I/O", "磁盘读写")),
                Unit::BytesPerSecond,
                vec![
                    exact(
                        t("Read", "读取"),
                        "container_block_read_bytes_per_second",
                        in_container(),
                    ),
                    exact(
                        t("Written", "写入"),
                        "container_block_write_bytes_per_second",
                        in_container(),
                    ),
                ],
            ),
        };
        PanelSpec { title, unit, lines }
    }
}

/// Text drawn on every chart, by language.
pub struct ChartText {
    pub time_axis: &'static str,
    pub no_data: &'static str,
    pub unreachable: &'static str,
    pub no_prometheus_data: &'static str,
}

impl ChartText {
    pub fn new(language: ChartLanguage) -> Self {
        Self {
            time_axis: language.pick("Time", "时间"),
            no_data: language.pick(
                "No data yet for this range. Homeport collects while it is open.",
                "此时间范围内尚无数据。Homeport 运行时才会采集。",
            ),
            unreachable: language.pick(
                "Prometheus cannot be reached. Check the host's Prometheus source.",
                "无法连接 Prometheus。请检查该主机的 Prometheus 数据源。",
            ),
            no_prometheus_data: language.pick(
                "The query returned no series for this range.",
                "该查询在此时间范围内没有返回任何序列。",
            ),
        }
    }
}
