//! The template catalog: list, show and render ready-made stacks.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use homeport_core::catalog::{Catalog, Localized, Parameter, Template};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{enum_text, Api, ApiResult};

/// A text in English and Simplified Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocalizedText {
    pub en: String,
    pub zh_cn: String,
}

impl From<&Localized> for LocalizedText {
    fn from(text: &Localized) -> Self {
        Self {
            en: text.en.clone(),
            zh_cn: text.zh_cn.clone(),
        }
    }
}

/// One choice of a select parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateOptionView {
    pub value: String,
    pub title: LocalizedText,
}

/// A value the user can set before deploying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateParameterView {
    pub name: String,
    /// `string`, `port`, `path`, `password`, `bool`, `select` or `int`.
    pub kind: String,
    /// `None` for passwords, which are generated at deploy time.
    pub default: Option<String>,
    pub required: bool,
    pub options: Vec<TemplateOptionView>,
    pub title: LocalizedText,
    pub help: LocalizedText,
    /// The reason for the default.
    pub reason: LocalizedText,
}

/// A template as the catalog lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub id: String,
    pub version: String,
    pub title: LocalizedText,
    pub description: LocalizedText,
    pub category: String,
    pub icon: String,
    pub homepage: String,
    pub parameters: Vec<TemplateParameterView>,
    pub notes: Vec<LocalizedText>,
    /// The template's compose.yaml, with parameters as `${NAME}`.
    pub compose: String,
}

/// The files a render produces. Passwords are only in `env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RenderedTemplate {
    pub template_id: String,
    pub compose: String,
    /// The stack's `.env` text, generated passwords included.
    pub env: String,
    /// Other files of the stack folder, by relative path.
    pub files: BTreeMap<String, String>,
    /// The names of the generated passwords.
    pub secrets: Vec<String>,
}

/// Returns the catalog compiled into the binary, validated on first use.
pub(crate) fn catalog() -> ApiResult<&'static Catalog> {
    static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
    CATALOG
        .get_or_init(|| Catalog::embedded().map_err(|err| err.to_string()))
        .as_ref()
        .map_err(|detail| Error::Internal(format!("the built-in template catalog is invalid: {detail}")).into())
}

fn parameter_view(parameter: &Parameter) -> TemplateParameterView {
    TemplateParameterView {
        name: parameter.name.clone(),
        kind: enum_text(&parameter.kind),
        default: if parameter.is_secret() {
            None
        } else {
            parameter.default_text()
        },
        required: parameter.required,
        options: parameter
            .options
            .iter()
            .map(|option| TemplateOptionView {
                value: option.value.clone(),
                title: (&option.title).into(),
            })
            .collect(),
        title: (&parameter.title).into(),
        help: (&parameter.help).into(),
        reason: (&parameter.reason).into(),
    }
}

fn template_view(template: &Template) -> TemplateView {
    let metadata = &template.metadata;
    TemplateView {
        id: metadata.id.clone(),
        version: metadata.version.clone(),
        title: (&metadata.title).into(),
        description: (&metadata.description).into(),
        category: enum_text(&metadata.category),
        icon: metadata.icon.clone(),
        homepage: metadata.homepage.clone(),
        parameters: metadata.parameters.iter().map(parameter_view).collect(),
        notes: metadata.notes.iter().map(Into::into).collect(),
        compose: template.compose.clone(),
    }
}

impl Api {
    /// Lists the built-in templates, sorted by id.
    pub fn template_list(&self) -> ApiResult<Vec<TemplateView>> {
        Ok(catalog()?.templates().iter().map(template_view).collect())
    }

    /// Returns one template.
    pub fn template_show(&self, id: &str) -> ApiResult<TemplateView> {
        let template = catalog()?.get(id).map_err(Error::from)?;
        Ok(template_view(template))
    }

    /// Renders a template with `values` for its plain parameters; passwords are generated.
    pub fn template_render(&self, id: &str, values: &BTreeMap<String, String>) -> ApiResult<RenderedTemplate> {
        let rendered = catalog()?.render(id, values, &BTreeMap::new()).map_err(Error::from)?;
        Ok(RenderedTemplate {
            template_id: rendered.template_id,
            compose: rendered.compose,
            env: rendered.env.expose().to_string(),
            files: rendered
                .files
                .into_iter()
                .map(|file| (file.path, file.contents))
                .collect(),
            secrets: rendered.secrets.into_keys().collect(),
        })
    }
}
