//! The cost and payback calculator: reference data, calculation, chart, export and the saved
//! scenarios.
//!
//! The scenario and result types are `homeport-cost`'s own and cross IPC unchanged. Report and
//! chart texts come from the `cost.report` section of the UI's catalogs, compiled in, so the
//! window, the exported files and the CLI word them the same way in both languages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use homeport_core::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use homeport_cost::prefill::{DetectedApp, Prefill};
pub use homeport_cost::report::{result_rows, sensitivity_rows, ReportLabels};
pub use homeport_cost::Error as CostError;
pub use homeport_cost::{
    Analysis, Breakdown, Device, HardwareItem, NetPosition, NeverReason, Outcome, Period, PowerMode, Problem,
    ProblemKind, RunningCost, Scenario, SensitivityCase, SensitivityRow, Subscription, Upkeep,
};

use homeport_cost::chart::{ChartOptions, Theme};

use crate::messages::Locale;
use crate::{Api, ApiResult, IpcError, Language, LocalizedText};

const EN_CATALOG: &str = include_str!("../../../ui/src/lib/i18n/en.json");
const ZH_CN_CATALOG: &str = include_str!("../../../ui/src/lib/i18n/zh-CN.json");

/// One currency a scenario may use, with its electricity price preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostCurrencyView {
    /// ISO 4217 code, such as `USD`.
    pub code: String,
    pub name: LocalizedText,
    pub symbol: String,
    /// Decimals shown for amounts.
    pub decimals: u8,
    /// Rounded typical household price of one kilowatt-hour.
    pub kwh_price: f64,
    /// Source of `kwh_price`.
    pub kwh_source: String,
}

/// One subscription of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostCatalogEntryView {
    pub id: String,
    pub name: String,
    /// Kind of service, such as `photos`, translated as `cost.category.<id>`.
    pub category: String,
    /// Published price for one month in `currency`.
    pub monthly_price: f64,
    pub currency: String,
    /// The date the price applies to, `YYYY-MM-DD`.
    pub priced_on: String,
    /// Names of the self-hosted apps that replace it, such as `Immich`.
    pub replaced_by: Vec<String>,
    pub note: Option<LocalizedText>,
}

/// An example scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostPresetView {
    pub id: String,
    pub name: LocalizedText,
    pub description: LocalizedText,
    /// Source of the preset's figures.
    pub source: LocalizedText,
    pub scenario: Scenario,
}

/// Everything the calculator offers to pick from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostReferenceView {
    pub currencies: Vec<CostCurrencyView>,
    /// The date of the exchange rates that convert catalog prices, `YYYY-MM-DD`.
    pub rate_date: String,
    pub presets: Vec<CostPresetView>,
    pub catalog: Vec<CostCatalogEntryView>,
}

/// A calculation: every invalid value, or the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostCalculationView {
    pub problems: Vec<Problem>,
    /// `null` exactly when `problems` is not empty.
    pub analysis: Option<Analysis>,
}

/// Color scheme of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CostTheme {
    Light,
    Dark,
}

/// The kind of file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CostExportFormat {
    /// The scenario file.
    Json,
    /// The report as an image.
    Png,
    /// The report as a one-page PDF.
    Pdf,
}

impl CostExportFormat {
    /// Returns the file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            CostExportFormat::Json => "json",
            CostExportFormat::Png => "png",
            CostExportFormat::Pdf => "pdf",
        }
    }
}

/// A written export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostExportView {
    /// The absolute path written.
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A saved scenario with its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedCostScenarioView {
    pub id: String,
    pub name: String,
    /// `null` when the stored text no longer parses, with the reason in `problem`.
    pub scenario: Option<Scenario>,
    /// `null` when the scenario is invalid.
    pub analysis: Option<Analysis>,
    pub problem: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// Devices and subscriptions suggested from the stored hosts and the deployed apps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostPrefillView {
    pub prefill: Prefill,
    pub hosts: u32,
    /// Hosts whose stacks were read: only those with an open connection, so the prefill never
    /// connects to a host.
    pub hosts_with_stacks_read: u32,
}

impl Api {
    /// Returns the currencies, presets and subscription catalog.
    pub fn cost_reference(&self) -> ApiResult<CostReferenceView> {
        let currencies = homeport_cost::assets::currencies().map_err(cost_error)?;
        let catalog = homeport_cost::assets::catalog().map_err(cost_error)?;
        let presets = homeport_cost::assets::presets().map_err(cost_error)?;
        Ok(CostReferenceView {
            currencies: currencies
                .currencies
                .iter()
                .map(|currency| CostCurrencyView {
                    code: currency.code.clone(),
                    name: localized(&currency.name),
                    symbol: currency.symbol.clone(),
                    decimals: currency.decimals,
                    kwh_price: currency.kwh_price,
                    kwh_source: currency.kwh_source.clone(),
                })
                .collect(),
            rate_date: currencies.rate_date.clone(),
            presets: presets
                .iter()
                .map(|preset| CostPresetView {
                    id: preset.id.clone(),
                    name: localized(&preset.name),
                    description: localized(&preset.description),
                    source: localized(&preset.source),
                    scenario: preset.scenario.clone(),
                })
                .collect(),
            catalog: catalog
                .subscriptions
                .iter()
                .map(|entry| CostCatalogEntryView {
                    id: entry.id.clone(),
                    name: entry.name.clone(),
                    category: entry.category.clone(),
                    monthly_price: entry.monthly_price,
                    currency: entry.currency.clone(),
                    priced_on: entry.priced_on.clone(),
                    replaced_by: entry
                        .replaced_by
                        .iter()
                        .map(|id| catalog.app(id).map_or_else(|| id.clone(), |app| app.name.clone()))
                        .collect(),
                    note: entry.note.as_ref().map(localized),
                })
                .collect(),
        })
    }

    /// Returns the catalog subscription `id` as a scenario entry priced in `currency`, converted
    /// through the reference rates when the catalog lists it in another currency.
    pub fn cost_catalog_subscription(&self, id: &str, currency: &str) -> ApiResult<Subscription> {
        let catalog = homeport_cost::assets::catalog().map_err(cost_error)?;
        let currencies = homeport_cost::assets::currencies().map_err(cost_error)?;
        let entry = catalog.entry(id).map_err(cost_error)?;
        let amount = currencies
            .convert(entry.monthly_price, &entry.currency, currency)
            .map_err(cost_error)?;
        Ok(Subscription {
            name: entry.name.clone(),
            amount: (amount * 100.0).round() / 100.0,
            period: Period::Month,
            catalog_id: Some(entry.id.clone()),
        })
    }

    /// Calculates `scenario`, or lists every invalid value.
    pub fn cost_calculate(&self, scenario: &Scenario) -> ApiResult<CostCalculationView> {
        match homeport_cost::analyze(scenario) {
            Ok(analysis) => Ok(CostCalculationView {
                problems: Vec::new(),
                analysis: Some(analysis),
            }),
            Err(homeport_cost::Error::Invalid(problems)) => Ok(CostCalculationView {
                problems,
                analysis: None,
            }),
            Err(err) => Err(cost_error(err)),
        }
    }

    /// Draws the payback chart of a valid scenario as SVG, with texts in `language`.
    pub fn cost_chart_svg(
        &self,
        scenario: &Scenario,
        language: Language,
        theme: CostTheme,
        width: u32,
        height: u32,
    ) -> ApiResult<String> {
        let analysis = homeport_cost::analyze(scenario).map_err(cost_error)?;
        let text = report_labels(language).chart_text(&analysis, false);
        let options = ChartOptions {
            width,
            height,
            theme: match theme {
                CostTheme::Light => Theme::Light,
                CostTheme::Dark => Theme::Dark,
            },
        };
        homeport_cost::chart::render_svg(scenario, &text, options).map_err(cost_error)
    }

    /// Returns the bytes of an export: the scenario file, or the report in `language`.
    pub fn cost_export_bytes(
        &self,
        scenario: &Scenario,
        format: CostExportFormat,
        language: Language,
    ) -> ApiResult<Vec<u8>> {
        match format {
            CostExportFormat::Json => {
                let problems = homeport_cost::validate(scenario);
                if !problems.is_empty() {
                    return Err(cost_error(homeport_cost::Error::Invalid(problems)));
                }
                Ok(homeport_cost::json::write_scenario(scenario).into_bytes())
            }
            CostExportFormat::Png => {
                homeport_cost::report::render_png(scenario, &report_labels(language)).map_err(cost_error)
            }
            CostExportFormat::Pdf => {
                homeport_cost::report::render_pdf(scenario, &report_labels(language)).map_err(cost_error)
            }
        }
    }

    /// Writes an export to `path`. A relative path is taken from the current folder.
    pub fn cost_export(
        &self,
        scenario: &Scenario,
        format: CostExportFormat,
        language: Language,
        path: &str,
    ) -> ApiResult<CostExportView> {
        if path.trim().is_empty() {
            return Err(Error::invalid("path", path, "enter the file to write, such as ~/cost.pdf").into());
        }
        let bytes = self.cost_export_bytes(scenario, format, language)?;
        let path = absolute(Path::new(path.trim()));
        write_file(&path, &bytes)?;
        tracing::info!(path = %path.display(), bytes = bytes.len(), format = format.extension(), "cost export written");
        Ok(CostExportView {
            path: path.to_string_lossy().into_owned(),
            bytes: bytes.len() as u64,
        })
    }

    /// Suggests a file for an export: `homeport-cost-<name>.<extension>` in the downloads
    /// folder, else the home folder.
    pub fn cost_export_suggested_path(&self, name: &str, format: CostExportFormat) -> String {
        let folder = directories::UserDirs::new()
            .map(|dirs| {
                dirs.download_dir()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| dirs.home_dir().to_path_buf())
            })
            .unwrap_or_else(|| PathBuf::from("."));
        let slug: String = name
            .trim()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let slug = slug
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let file = if slug.is_empty() {
            format!("homeport-cost.{}", format.extension())
        } else {
            format!("homeport-cost-{slug}.{}", format.extension())
        };
        folder.join(file).to_string_lossy().into_owned()
    }

    /// Parses a scenario file's text, with the line and column of the first error.
    pub fn cost_scenario_parse(&self, text: &str) -> ApiResult<Scenario> {
        homeport_cost::json::parse_scenario(text).map_err(cost_error)
    }

    /// Returns the saved scenarios, by name, each with its results.
    pub async fn cost_scenarios(&self) -> ApiResult<Vec<SavedCostScenarioView>> {
        let saved = homeport_core::cost_scenarios::list(self.hosts.store()).await?;
        Ok(saved.into_iter().map(saved_view).collect())
    }

    /// Saves a valid scenario under `name`, replacing the one saved under that name before.
    pub async fn cost_scenario_save(&self, name: &str, scenario: &Scenario) -> ApiResult<SavedCostScenarioView> {
        let problems = homeport_cost::validate(scenario);
        if !problems.is_empty() {
            return Err(cost_error(homeport_cost::Error::Invalid(problems)));
        }
        let mut scenario = scenario.clone();
        scenario.name = name.trim().to_string();
        let text = homeport_cost::json::write_scenario(&scenario);
        let saved = homeport_core::cost_scenarios::save(self.hosts.store(), name, &text).await?;
        Ok(saved_view(saved))
    }

    /// Deletes the saved scenario `id`.
    pub async fn cost_scenario_delete(&self, id: &str) -> ApiResult<()> {
        homeport_core::cost_scenarios::delete(self.hosts.store(), id).await?;
        Ok(())
    }

    /// Suggests devices from the stored hosts and subscriptions from the apps deployed on the
    /// hosts with an open connection, priced in `currency`. It never connects to a host.
    pub async fn cost_prefill(&self, currency: &str) -> ApiResult<CostPrefillView> {
        let hosts = self.hosts.list().await?;
        let mut infos = Vec::with_capacity(hosts.len());
        let mut images = Vec::new();
        let mut hosts_with_stacks_read = 0;
        for host in &hosts {
            let memory_bytes = self
                .hosts
                .store()
                .facts(&host.id)
                .await?
                .and_then(|stored| stored.facts.memory_total_bytes);
            infos.push(homeport_cost::prefill::HostInfo {
                name: host.name.clone(),
                memory_bytes,
            });

            let Some(engine) = self.hosts.engine_if_connected(&host.id).await else {
                continue;
            };
            match engine.stacks().await {
                Ok(stacks) => {
                    hosts_with_stacks_read += 1;
                    images.extend(
                        stacks
                            .into_iter()
                            .flat_map(|stack| stack.services.into_iter().map(|service| service.image)),
                    );
                }
                // A failed listing only leaves that host's apps out: the prefill works without.
                Err(err) => {
                    tracing::info!(host_id = %host.id, error = %err, "stack listing for the cost prefill failed")
                }
            }
        }
        let prefill = homeport_cost::prefill::prefill(&infos, &images, currency).map_err(cost_error)?;
        Ok(CostPrefillView {
            prefill,
            hosts: u32::try_from(hosts.len()).unwrap_or(u32::MAX),
            hosts_with_stacks_read,
        })
    }
}

fn localized(text: &homeport_cost::assets::Localized) -> LocalizedText {
    LocalizedText {
        en: text.en.clone(),
        zh_cn: text.zh_cn.clone(),
    }
}

fn saved_view(saved: homeport_core::cost_scenarios::SavedScenario) -> SavedCostScenarioView {
    let (scenario, analysis, problem) = match homeport_cost::json::parse_scenario(&saved.scenario) {
        Ok(scenario) => match homeport_cost::analyze(&scenario) {
            Ok(analysis) => (Some(scenario), Some(analysis), None),
            Err(err) => (Some(scenario), None, Some(err.to_string())),
        },
        Err(err) => (None, None, Some(err.to_string())),
    };
    SavedCostScenarioView {
        id: saved.id,
        name: saved.name,
        scenario,
        analysis,
        problem,
        created_at: saved.created_at,
        updated_at: saved.updated_at,
    }
}

fn absolute(path: &Path) -> PathBuf {
    let expanded = crate::user_path::expand_home(&path.to_string_lossy());
    if expanded.is_absolute() {
        expanded
    } else {
        std::env::current_dir().map_or(expanded.clone(), |dir| dir.join(&expanded))
    }
}

/// Writes through a temporary file in the same folder, so a failed write never leaves half a
/// file where an earlier export was.
fn write_file(path: &Path, bytes: &[u8]) -> ApiResult<()> {
    // A link is written through, as any editor saving over it would, so the rename below
    // replaces the file it points to and not the link itself.
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    };
    let path = target.as_path();
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|meta| !meta.is_file()) {
        return Err(Error::invalid(
            "path",
            path.to_string_lossy(),
            "this is not a regular file (a folder, device or pipe); choose a file name",
        )
        .into());
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let failed = |err: std::io::Error| -> IpcError {
        Error::invalid(
            "path",
            path.to_string_lossy(),
            format!("cannot write the file: {err}; choose a folder that exists and that you may write to"),
        )
        .into()
    };
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(failed)?;
    std::io::Write::write_all(&mut file, bytes).map_err(failed)?;
    // The temporary file is created private (0600). A file being replaced keeps its mode;
    // a new export is a document, readable as files the user saves usually are.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = existing.map_or(0o644, |meta| meta.permissions().mode() & 0o7777);
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(failed)?;
    }
    file.persist(path).map_err(|err| failed(err.error))?;
    Ok(())
}

/// Returns the report and chart texts in `language`, from the catalogs' `cost.report` section.
pub fn report_labels(language: Language) -> ReportLabels {
    let locale = match language {
        Language::En => Locale::En,
        Language::ZhCn => Locale::ZhCn,
        Language::System => Locale::from_environment(),
    };
    static EN: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    static ZH_CN: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    let texts = match locale {
        Locale::En => EN.get_or_init(|| report_section(EN_CATALOG)),
        Locale::ZhCn => ZH_CN.get_or_init(|| report_section(ZH_CN_CATALOG)),
    };
    ReportLabels::from_map(texts.clone())
}

fn report_section(catalog: &str) -> BTreeMap<String, String> {
    let parsed: serde_json::Value = serde_json::from_str(catalog).unwrap_or_default();
    parsed
        .pointer("/cost/report")
        .and_then(|section| section.as_object())
        .map(|section| {
            section
                .iter()
                .filter_map(|(key, text)| text.as_str().map(|text| (key.clone(), text.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Maps a calculator error to the API's error: invalid values name the first field, and the
/// message lists every one.
pub fn cost_error(err: homeport_cost::Error) -> IpcError {
    let message = err.to_string();
    let (code, params): (ErrorCode, Vec<(&str, String)>) = match &err {
        homeport_cost::Error::Invalid(problems) => {
            let first = problems.first();
            (
                ErrorCode::InvalidInput,
                vec![
                    ("field", first.map(|problem| problem.field.clone()).unwrap_or_default()),
                    ("value", first.map(|problem| problem.value.clone()).unwrap_or_default()),
                    (
                        "detail",
                        first.map(|problem| problem.message.clone()).unwrap_or_default(),
                    ),
                ],
            )
        }
        homeport_cost::Error::Json { line, column, detail } => (
            ErrorCode::InvalidInput,
            vec![
                ("field", "scenario".to_string()),
                ("value", format!("line {line}, column {column}")),
                ("detail", detail.clone()),
            ],
        ),
        homeport_cost::Error::NotFound { what, id, known } => (
            ErrorCode::InvalidInput,
            vec![
                ("field", what.to_string()),
                ("value", id.clone()),
                ("detail", format!("use one of: {known}")),
            ],
        ),
        homeport_cost::Error::Asset { .. }
        | homeport_cost::Error::FontUnavailable(_)
        | homeport_cost::Error::Render(_)
        | homeport_cost::Error::Pdf(_) => {
            tracing::warn!(code = err.code(), error = %err, "cost calculator failed");
            (ErrorCode::Internal, vec![("detail", message.clone())])
        }
    };
    IpcError {
        code,
        message,
        params: params
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn export_writes_through_links_and_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("target.png");
        std::fs::write(&target, b"old").expect("write");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let link = dir.path().join("link.png");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");

        write_file(&link, b"new").expect("write through the link");
        assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
        assert_eq!(std::fs::read(&target).expect("read"), b"new");
        let mode = std::fs::metadata(&target).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the replaced file keeps its mode");

        let err = write_file(dir.path(), b"x").expect_err("a folder is not a file");
        assert_eq!(err.params.get("field").map(String::as_str), Some("path"));
    }

    #[test]
    fn catalogs_translate_every_report_text() {
        for (name, catalog) in [("en", EN_CATALOG), ("zh-CN", ZH_CN_CATALOG)] {
            let section = report_section(catalog);
            for (key, _) in homeport_cost::report::ENGLISH {
                assert!(section.contains_key(*key), "{name}.json has no cost.report.{key}");
            }
        }
    }

    #[test]
    fn english_catalog_matches_built_in_texts() {
        let section = report_section(EN_CATALOG);
        for (key, text) in homeport_cost::report::ENGLISH {
            assert_eq!(section.get(*key).map(String::as_str), Some(*text), "cost.report.{key}");
        }
    }

    #[test]
    fn invalid_scenario_error_names_first_field() {
        let mut scenario = Scenario::empty("USD");
        scenario.kwh_price = -1.0;
        scenario.horizon_years = 0;
        let err = cost_error(homeport_cost::analyze(&scenario).unwrap_err());
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert_eq!(err.params["field"], "kwhPrice");
        assert!(err.message.contains("horizonYears"), "{}", err.message);
    }

    #[test]
    fn json_error_keeps_position() {
        let err = cost_error(
            homeport_cost::json::parse_scenario("{\"version\": 1,\n\"currency\": \"USD\", \"x\": 1}").unwrap_err(),
        );
        assert_eq!(err.params["value"], "line 2, column 22");
        assert!(
            err.params["detail"].contains("unknown field `x`"),
            "{}",
            err.params["detail"]
        );
    }
}
