//! `homeport metrics collect|query|chart|settings`: the desktop app's monitoring from the
//! shell, so a cron job or a headless machine can collect and draw charts too.

use std::collections::BTreeMap;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use homeport_api::messages::Locale;
use homeport_api::monitoring::{
    ChartFormat, ChartRequest, ChartTheme, CollectReportView, MetricsPanel, MetricsSettingsView,
};
use homeport_api::{Api, IpcError};
use homeport_core::Error;

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Collect host and container metrics into the local store: once with --once, otherwise
    /// at each host's interval until interrupted.
    Collect(CollectArgs),
    /// Print stored points of one metric, such as cpu_usage_percent (docs/monitoring.md
    /// lists the metrics and their labels).
    Query(QueryArgs),
    /// Draw one chart to an SVG or PNG file, chosen by the file's extension.
    Chart(ChartArgs),
    /// Show a host's collection interval and retention, or change them.
    Settings(SettingsArgs),
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Host names or ids; every host when none is given.
    pub hosts: Vec<String>,
    /// Collect one time and exit.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    pub host: String,
    pub metric: String,
    /// Keep only series with this label, as NAME=VALUE (such as mount=/); repeat for more.
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// How far back to read, such as 15m, 6h or 30d.
    #[arg(long, default_value = "1h")]
    pub since: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PanelArg {
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ThemeArg {
    Light,
    Dark,
}

#[derive(Debug, Args)]
pub struct ChartArgs {
    pub host: String,
    pub panel: PanelArg,
    /// The file to write; `.png` writes PNG, anything else SVG.
    #[arg(long)]
    pub out: String,
    /// The container, for the container-* panels.
    #[arg(long)]
    pub container: Option<String>,
    /// How far back to draw, such as 1h, 24h or 30d.
    #[arg(long, default_value = "1h")]
    pub since: String,
    #[arg(long, value_enum, default_value = "light")]
    pub theme: ThemeArg,
    /// Language of the chart's text, `en` or `zh-CN`; the locale's when not given.
    #[arg(long)]
    pub lang: Option<String>,
    #[arg(long, default_value_t = 1000)]
    pub width: u32,
    #[arg(long, default_value_t = 400)]
    pub height: u32,
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    pub host: String,
    /// Seconds between collections, 5 to 3600.
    #[arg(long)]
    pub interval: Option<u32>,
    /// Days of data kept, 1 to 400.
    #[arg(long)]
    pub retention: Option<u32>,
}

pub async fn run(api: &Api, command: MetricsCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        MetricsCommand::Collect(args) => {
            let collected = collect(api, args, output).await;
            // Samples wait in memory until flushed; a flush failure matters more than
            // any single host's.
            api.metrics_flush().await?;
            collected
        }
        MetricsCommand::Query(args) => query(api, args, output).await,
        MetricsCommand::Chart(args) => chart(api, args, output).await,
        MetricsCommand::Settings(args) => settings(api, args, output).await,
    }
}

async fn collect(api: &Api, args: CollectArgs, output: &Output) -> Result<(), IpcError> {
    let hosts: Vec<String> = if args.hosts.is_empty() {
        api.host_list().await?.into_iter().map(|host| host.id).collect()
    } else {
        let mut ids = Vec::new();
        for name in &args.hosts {
            ids.push(api.host_service().get(name).await.map_err(IpcError::from)?.id);
        }
        ids
    };
    if hosts.is_empty() {
        return Err(Error::invalid(
            "host",
            "",
            "no host is saved yet; add one with `homeport host add` or `homeport host add-engine`",
        )
        .into());
    }
    if args.once {
        // Every host at once, so a host that hangs delays no other.
        let reports = futures_util::future::join_all(hosts.iter().map(|host| api.metrics_collect_once(host))).await;
        let mut failed = None;
        for report in reports {
            let report = report?;
            print_report(&report, output);
            failed = failed.or(report.error);
        }
        api.metrics_enforce_retention().await?;
        return failed.map_or(Ok(()), Err);
    }

    // Runs until Ctrl-C. The signal future lives across passes, so a Ctrl-C that arrives
    // while hosts are being collected ends the command too.
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = tick.tick() => {}
        }
        let due: Vec<String> = api
            .metrics_due_hosts()
            .await?
            .into_iter()
            .filter(|host| hosts.contains(host))
            .collect();
        let pass = futures_util::future::join_all(due.iter().map(|host| api.metrics_collect_once(host)));
        tokio::select! {
            _ = &mut stop => return Ok(()),
            reports = pass => {
                for report in reports {
                    print_report(&report?, output);
                }
            }
        }
    }
}

fn print_report(report: &CollectReportView, output: &Output) {
    if output.json {
        println!("{}", serde_json::to_string(report).unwrap_or_default());
        return;
    }
    let locale = Locale::from_environment();
    if let Some(err) = &report.error {
        eprintln!(
            "homeport: {}: {}",
            report.host_name,
            crate::messages::error_text(err, locale)
        );
        return;
    }
    let line = match locale {
        Locale::En => format!(
            "{}: {} samples, {} containers, script {} ms",
            report.host_name,
            report.samples,
            report.containers,
            report.script_ms.map_or("-".into(), |ms| ms.to_string())
        ),
        Locale::ZhCn => format!(
            "{}：{} 个样本，{} 个容器，脚本 {} 毫秒",
            report.host_name,
            report.samples,
            report.containers,
            report.script_ms.map_or("-".into(), |ms| ms.to_string())
        ),
    };
    println!("{line}");
    if report.clock_skewed {
        let skew = report.clock_skew_ms.unwrap_or(0) as f64 / 1000.0;
        match locale {
            Locale::En => eprintln!(
                "homeport: {}: the host's clock is {skew:+.1} s off this computer's; samples use this computer's time",
                report.host_name
            ),
            Locale::ZhCn => eprintln!(
                "homeport：{}：主机时钟与本机相差 {skew:+.1} 秒；样本使用本机时间",
                report.host_name
            ),
        }
    }
    for warning in &report.warnings {
        eprintln!("homeport: {}: {warning}", report.host_name);
    }
}

async fn query(api: &Api, args: QueryArgs, output: &Output) -> Result<(), IpcError> {
    let mut labels = BTreeMap::new();
    for pair in &args.labels {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            IpcError::from(Error::invalid(
                "--label",
                pair.as_str(),
                "write NAME=VALUE, such as mount=/",
            ))
        })?;
        labels.insert(name.to_string(), value.to_string());
    }
    let (from_ms, to_ms) = since(&args.since)?;
    let series = api
        .metrics_query(&args.host, &args.metric, &labels, from_ms, to_ms)
        .await?;
    if output.json {
        println!("{}", serde_json::to_string(&series).unwrap_or_default());
        return Ok(());
    }
    for one in &series {
        let labels: Vec<String> = one
            .labels
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        println!("{}{{{}}} ({})", one.metric, labels.join(","), one.resolution);
        for point in &one.points {
            let time = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(point.t) * 1_000_000)
                .map(|at| {
                    at.format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            match point.v {
                Some(value) => println!("  {time}  {value}"),
                None => println!("  {time}  -"),
            }
        }
    }
    Ok(())
}

async fn chart(api: &Api, args: ChartArgs, output: &Output) -> Result<(), IpcError> {
    let host = api.host_service().get(&args.host).await.map_err(IpcError::from)?;
    let (from_ms, to_ms) = since(&args.since)?;
    let language = args.lang.unwrap_or_else(|| match Locale::from_environment() {
        Locale::En => "en".into(),
        Locale::ZhCn => "zh-CN".into(),
    });
    let request = ChartRequest {
        host_id: host.id,
        panel: panel(args.panel),
        container: args.container,
        from_ms,
        to_ms,
        width: args.width,
        height: args.height,
        theme: match args.theme {
            ThemeArg::Light => ChartTheme::Light,
            ThemeArg::Dark => ChartTheme::Dark,
        },
        language,
        utc_offset_seconds: time::UtcOffset::current_local_offset().map_or(0, |offset| offset.whole_seconds()),
    };
    let format = if args.out.to_ascii_lowercase().ends_with(".png") {
        ChartFormat::Png
    } else {
        ChartFormat::Svg
    };
    let written = api.metrics_chart_save(&request, format, &args.out).await?;
    output.done(&written);
    Ok(())
}

async fn settings(api: &Api, args: SettingsArgs, output: &Output) -> Result<(), IpcError> {
    let mut settings = api.metrics_settings(&args.host).await?;
    if args.interval.is_some() || args.retention.is_some() {
        settings = MetricsSettingsView {
            interval_seconds: args.interval.unwrap_or(settings.interval_seconds),
            retention_days: args.retention.unwrap_or(settings.retention_days),
        };
        settings = api.metrics_settings_set(&args.host, settings).await?;
    }
    if output.json {
        println!("{}", serde_json::to_string(&settings).unwrap_or_default());
    } else {
        match Locale::from_environment() {
            Locale::En => println!(
                "interval {} s, retention {} days",
                settings.interval_seconds, settings.retention_days
            ),
            Locale::ZhCn => println!(
                "采集间隔 {} 秒，保留 {} 天",
                settings.interval_seconds, settings.retention_days
            ),
        }
    }
    Ok(())
}

fn panel(arg: PanelArg) -> MetricsPanel {
    match arg {
        PanelArg::Cpu => MetricsPanel::Cpu,
        PanelArg::CpuCores => MetricsPanel::CpuCores,
        PanelArg::Memory => MetricsPanel::Memory,
        PanelArg::Load => MetricsPanel::Load,
        PanelArg::Filesystems => MetricsPanel::Filesystems,
        PanelArg::DiskIo => MetricsPanel::DiskIo,
        PanelArg::Network => MetricsPanel::Network,
        PanelArg::ContainerCpu => MetricsPanel::ContainerCpu,
        PanelArg::ContainerMemory => MetricsPanel::ContainerMemory,
        PanelArg::ContainerNetwork => MetricsPanel::ContainerNetwork,
        PanelArg::ContainerBlockIo => MetricsPanel::ContainerBlockIo,
    }
}

/// The range from `value` ago (such as `90s`, `15m`, `6h`, `30d`) until now.
fn since(value: &str) -> Result<(i64, i64), IpcError> {
    let invalid = || {
        IpcError::from(Error::invalid(
            "--since",
            value,
            "write a number and a unit, such as 15m, 6h or 30d",
        ))
    };
    let trimmed = value.trim();
    let unit_at = trimmed.find(|c: char| !c.is_ascii_digit()).ok_or_else(invalid)?;
    let (number, unit) = trimmed.split_at(unit_at);
    let number: i64 = number.parse().map_err(|_| invalid())?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(invalid()),
    };
    // Charts and queries reach back at most 400 days, the longest retention.
    const MAX_SPAN_MS: i64 = 400 * 86_400_000;
    let span = number
        .checked_mul(unit_ms)
        .filter(|span| *span > 0)
        .ok_or_else(invalid)?;
    if span > MAX_SPAN_MS {
        return Err(Error::invalid("--since", value, "go back at most 400 days, such as 30d").into());
    }
    let now = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    Ok((now - span, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_units() {
        let (from, to) = since("6h").expect("6h");
        assert_eq!(to - from, 6 * 3_600_000);
        let (from, to) = since("30d").expect("30d");
        assert_eq!(to - from, 30 * 86_400_000);
        for bad in ["", "h", "6", "6w", "0m", "-5m", "401d"] {
            let err = since(bad).expect_err(bad);
            assert_eq!(err.params.get("field").map(String::as_str), Some("--since"), "{bad}");
        }
    }
}
