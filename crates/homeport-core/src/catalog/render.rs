//! Turns a template and the user's values into the files a deploy writes to the host.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::secrets::Secret;

use super::error::CatalogError;
use super::metadata::{Parameter, ParameterType};
use super::secret::generate_password;
use super::values::check_value;
use super::Template;

/// A file copied to the stack folder beside `compose.yaml`, such as a Prometheus rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFile {
    /// Relative to the stack folder, with `/` separators.
    pub path: String,
    pub contents: String,
}

/// The files of one deployed stack.
///
/// `compose` references every parameter as `${NAME}` and contains no value, so passwords
/// appear only in `env` (written as the stack's `.env`) and in `secrets` (for the keychain).
#[derive(Debug)]
pub struct RenderedStack {
    pub template_id: String,
    pub template_version: String,
    pub compose: String,
    /// The `.env` text with every parameter's value, passwords included.
    pub env: Secret,
    pub files: Vec<StackFile>,
    /// Every password parameter's value, generated now or passed in, to store in the keychain
    /// and pass back on the next render so the stack keeps its passwords.
    pub secrets: BTreeMap<String, Secret>,
}

/// Renders `template`. `values` sets non-password parameters (others get their default);
/// `secrets` sets password parameters, and a password not in it is generated.
pub fn render(
    template: &Template,
    values: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, Secret>,
) -> Result<RenderedStack, CatalogError> {
    let metadata = &template.metadata;
    let template_id = metadata.id.clone();

    for name in values.keys() {
        match metadata.parameter(name) {
            None => return Err(unknown(&template_id, name)),
            Some(parameter) if parameter.is_secret() => {
                return Err(CatalogError::ValueInvalid {
                    template: template_id,
                    parameter: name.clone(),
                    value: "[redacted]".to_string(),
                    reason: "a password is passed as a secret, not as a plain value".to_string(),
                })
            }
            Some(_) => {}
        }
    }
    for name in secrets.keys() {
        match metadata.parameter(name) {
            None => return Err(unknown(&template_id, name)),
            Some(parameter) if !parameter.is_secret() => {
                return Err(CatalogError::ValueInvalid {
                    template: template_id,
                    parameter: name.clone(),
                    value: "[redacted]".to_string(),
                    reason: "only password parameters are passed as secrets".to_string(),
                })
            }
            Some(_) => {}
        }
    }

    let mut env = format!(
        "# Written by Homeport for the template {} {}.\n\
         # compose.yaml reads these values; passwords are also kept in the OS keychain.\n",
        metadata.id, metadata.version
    );
    let mut stack_secrets = BTreeMap::new();

    for parameter in &metadata.parameters {
        if parameter.is_secret() {
            let secret = match secrets.get(&parameter.name) {
                Some(secret) => Secret::new(secret.expose()),
                None => generate_password()?,
            };
            check(&template_id, parameter, secret.expose())?;
            writeln!(env, "{}='{}'", parameter.name, secret.expose()).expect("writing to a String cannot fail");
            stack_secrets.insert(parameter.name.clone(), secret);
            continue;
        }

        let value = values
            .get(&parameter.name)
            .cloned()
            .or_else(|| parameter.default_text())
            .unwrap_or_default();
        check(&template_id, parameter, &value)?;
        writeln!(env, "{}='{}'", parameter.name, value).expect("writing to a String cannot fail");
    }

    let compose = format!(
        "# Deployed by Homeport from the template {} {}. Parameter values are in .env.\n{}",
        metadata.id, metadata.version, template.compose
    );

    Ok(RenderedStack {
        template_id,
        template_version: metadata.version.clone(),
        compose,
        env: Secret::new(env),
        files: template.files.clone(),
        secrets: stack_secrets,
    })
}

fn check(template: &str, parameter: &Parameter, value: &str) -> Result<(), CatalogError> {
    let may_be_empty = !parameter.required && matches!(parameter.kind, ParameterType::String | ParameterType::Path);
    if value.is_empty() && !may_be_empty {
        return Err(CatalogError::ValueMissing {
            template: template.to_string(),
            parameter: parameter.name.clone(),
        });
    }
    check_value(parameter, value).map_err(|reason| CatalogError::ValueInvalid {
        template: template.to_string(),
        parameter: parameter.name.clone(),
        value: if parameter.is_secret() {
            "[redacted]".to_string()
        } else {
            value.to_string()
        },
        reason,
    })
}

fn unknown(template: &str, name: &str) -> CatalogError {
    CatalogError::UnknownParameter {
        template: template.to_string(),
        parameter: name.to_string(),
    }
}
