//! Checking Compose files and printing their normalised model, as `docker compose config`
//! does, before anything reaches a host.

use std::path::PathBuf;

use homeport_compose::{ComposeFile, Diagnostic, Diagnostics, Environment, Severity};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult};

/// One problem found in a Compose file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ComposeDiagnostic {
    pub file: String,
    /// 1-based; 0 when the finding concerns the whole file.
    pub line: u32,
    pub column: u32,
    /// `error` or `warning`.
    pub severity: String,
    /// A stable code, such as `interpolation` or `unknown_attribute`.
    pub code: String,
    pub message: String,
    pub value: String,
    pub hint: String,
}

/// A setting that gives a service power over its host, such as a mounted Docker socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ComposeRisk {
    pub service: String,
    /// `privileged`, `hostNetwork`, `hostPid`, `dockerSocket`, `rootBind` or `broadCapability`.
    pub kind: String,
    pub value: String,
    /// The English reason, for the CLI; the UI translates `kind`.
    pub reason: String,
}

/// Every problem of a set of Compose files; valid when none is an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ComposeReport {
    pub valid: bool,
    /// The project name, when the files load.
    pub project: Option<String>,
    pub services: Vec<String>,
    pub diagnostics: Vec<ComposeDiagnostic>,
    /// Risky settings of the services without a profile, reported and never rejected.
    pub risks: Vec<ComposeRisk>,
}

/// The files of one Compose project and the values interpolation uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ComposeInput {
    /// The main file first, then override files.
    pub files: Vec<String>,
    /// Used instead of the project's `.env`, as `docker compose --env-file` does.
    #[serde(default)]
    pub env_file: Option<String>,
}

impl ComposeInput {
    pub(crate) fn environment(&self) -> ApiResult<Environment> {
        let Some(path) = &self.env_file else {
            return Ok(Environment::default());
        };
        let text = std::fs::read_to_string(path).map_err(|err| {
            Error::invalid(
                "envFile",
                path.clone(),
                format!("the env file cannot be read ({err}); check the path"),
            )
        })?;
        let pairs = homeport_compose::dotenv::parse_dotenv(&text, &|_| None).map_err(|errors| {
            let first = errors.first();
            Error::ComposeInvalid {
                file: path.clone(),
                line: first.map_or(0, |error| error.line),
                column: first.map_or(0, |error| error.column),
                count: errors.len(),
                detail: errors
                    .iter()
                    .map(|error| format!("{path}:{}:{}: {}", error.line, error.column, error.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        })?;
        Ok(Environment {
            values: pairs.into_iter().collect(),
            ignore_dotenv: true,
        })
    }

    pub(crate) fn paths(&self) -> ApiResult<Vec<PathBuf>> {
        if self.files.is_empty() {
            return Err(Error::invalid("files", "", "name at least one Compose file, such as compose.yaml").into());
        }
        Ok(self.files.iter().map(PathBuf::from).collect())
    }
}

impl Api {
    /// Loads the files and reports every problem; nothing is changed anywhere.
    pub fn compose_validate(&self, input: &ComposeInput) -> ApiResult<ComposeReport> {
        let environment = input.environment()?;
        Ok(match ComposeFile::load(&input.paths()?, &environment) {
            Ok(project) => ComposeReport {
                valid: true,
                risks: project.risks(&[]).into_iter().map(risk_view).collect(),
                services: project.services.keys().cloned().collect(),
                diagnostics: project.warnings.iter().map(diagnostic_view).collect(),
                project: Some(project.name),
            },
            Err(diagnostics) => ComposeReport {
                valid: !diagnostics.has_errors(),
                project: None,
                services: Vec::new(),
                diagnostics: diagnostics.0.iter().map(diagnostic_view).collect(),
                risks: Vec::new(),
            },
        })
    }

    /// Returns the normalised, interpolated and merged model of the active `profiles`, as
    /// `docker compose config --format json` prints it. Errors fail with `ComposeInvalid`.
    pub fn compose_config(&self, input: &ComposeInput, profiles: &[String]) -> ApiResult<serde_json::Value> {
        let environment = input.environment()?;
        let project = ComposeFile::load(&input.paths()?, &environment).map_err(invalid)?;
        let profiles: Vec<&str> = profiles.iter().map(String::as_str).collect();
        Ok(project.to_config_json(&profiles))
    }
}

pub(crate) fn diagnostic_view(diagnostic: &Diagnostic) -> ComposeDiagnostic {
    ComposeDiagnostic {
        file: diagnostic.file.display().to_string(),
        line: u32::try_from(diagnostic.line).unwrap_or(u32::MAX),
        column: u32::try_from(diagnostic.column).unwrap_or(u32::MAX),
        severity: match diagnostic.severity {
            Severity::Error => "error".into(),
            Severity::Warning => "warning".into(),
        },
        code: diagnostic.code.as_str().to_string(),
        message: diagnostic.message.clone(),
        value: diagnostic.value.clone(),
        hint: diagnostic.hint.clone(),
    }
}

pub(crate) fn risk_view(risk: homeport_compose::Risk) -> ComposeRisk {
    ComposeRisk {
        service: risk.service,
        kind: crate::enum_text(&risk.kind),
        value: risk.value,
        reason: risk.kind.reason().to_string(),
    }
}

/// Turns the errors of a load into one error: the first one's place, and every one in detail.
pub(crate) fn invalid(diagnostics: Diagnostics) -> crate::IpcError {
    let errors: Vec<&Diagnostic> = diagnostics.errors().collect();
    let first = errors.first();
    Error::ComposeInvalid {
        file: first.map(|error| error.file.display().to_string()).unwrap_or_default(),
        line: first.map_or(0, |error| error.line),
        column: first.map_or(0, |error| error.column),
        count: errors.len(),
        detail: errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
    }
    .into()
}

/// One flag of a converted `docker run` command and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunFlagView {
    /// The flag as written, such as `-p`.
    pub flag: String,
    pub value: Option<String>,
    pub line: u32,
    pub column: u32,
    /// `mapped`, `notApplicable` or `unmapped`.
    pub fate: String,
    /// The Compose key a mapped flag became, such as `ports`.
    pub key: Option<String>,
    /// Why a flag was not mapped.
    pub reason: Option<String>,
    /// Something to check, such as a shell variable Compose must now provide.
    pub note: Option<String>,
}

/// A `docker run` command as a Compose service, with the fate of every flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunConversionView {
    pub service_name: String,
    pub image: String,
    /// A whole Compose file with the service and the volumes and networks it names.
    pub compose_file: String,
    pub flags: Vec<RunFlagView>,
}

impl Api {
    /// Converts a pasted `docker run` command into a Compose service. No flag is dropped
    /// silently: each one is reported as mapped, not applicable or unmapped.
    pub fn docker_run_convert(&self, command: &str) -> ApiResult<RunConversionView> {
        use homeport_import::docker_run::{convert, FlagFate};

        let conversion = convert(command).map_err(|err| {
            Error::invalid(
                "command",
                format!("line {}, column {}", err.line, err.column),
                err.kind.to_string(),
            )
        })?;
        let flags = conversion
            .flags
            .into_iter()
            .map(|flag| {
                let (fate, key, reason) = match flag.fate {
                    FlagFate::Mapped { key } => ("mapped", Some(key), None),
                    FlagFate::NotApplicable { reason } => ("notApplicable", None, Some(reason)),
                    FlagFate::Unmapped { reason } => ("unmapped", None, Some(reason)),
                };
                RunFlagView {
                    flag: flag.flag,
                    value: flag.value,
                    line: u32::try_from(flag.line).unwrap_or(u32::MAX),
                    column: u32::try_from(flag.column).unwrap_or(u32::MAX),
                    fate: fate.to_string(),
                    key,
                    reason,
                    note: flag.note,
                }
            })
            .collect();
        Ok(RunConversionView {
            service_name: conversion.service_name,
            image: conversion.image,
            compose_file: conversion.compose_file,
            flags,
        })
    }
}
