//! The template catalog: list, show and render ready-made stacks, the built-in ones and the
//! ones imported from Portainer and CasaOS sources.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use homeport_core::catalog::{Catalog, Localized, Parameter, RenderedStack, Template};
use homeport_core::secrets::Secret;
use homeport_core::template_sources::{self, ImportedTemplate};
use homeport_core::Error;
use homeport_import::templates::{self as imported, Deployment, Orchestrator, ParameterKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::template_sources::{TemplateLocationKind, TemplateSourceKind};
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
    /// `string`, `port`, `path`, `password`, `bool`, `select` or `int`; imported templates
    /// also have `hidden`, a value the template sets itself (Portainer's `preset`), which the
    /// form does not show and a render does not accept.
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

/// The source an imported template comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateOriginView {
    #[ts(type = "number")]
    pub source_id: i64,
    pub kind: TemplateSourceKind,
    /// The source's path or URL.
    pub location: String,
    pub location_kind: TemplateLocationKind,
}

/// How a template is deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TemplateDeploymentView {
    /// `compose` is deployed with the parameters in the stack's `.env`.
    Compose,
    /// The Compose file is `file` in the Git repository `url`, which Homeport does not
    /// download; the user clones it and deploys the file as a stack.
    Repository { url: String, file: String },
    /// A Docker Swarm stack, `file` in the Git repository `url`. It needs `docker stack
    /// deploy` on a Swarm manager.
    Swarm { url: String, file: String },
}

/// A template as the catalog lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    /// A built-in template's folder name, or `<source id>/<template id>` for an imported one.
    pub id: String,
    /// Empty for imported templates, which have no version.
    pub version: String,
    pub title: LocalizedText,
    pub description: LocalizedText,
    /// A built-in category, such as `media`, or an imported template's first category as
    /// its source wrote it (possibly empty).
    pub category: String,
    pub icon: String,
    /// Empty when the template names none.
    pub homepage: String,
    pub parameters: Vec<TemplateParameterView>,
    pub notes: Vec<LocalizedText>,
    /// The template's compose.yaml, with parameters as `${NAME}`; empty when the Compose file
    /// is in a repository.
    pub compose: String,
    /// `None` for built-in templates.
    pub source: Option<TemplateOriginView>,
    pub deployment: TemplateDeploymentView,
    /// A Portainer template's HTML note as plain text: the cleaned HTML with its tags turned
    /// into line breaks and list dashes, and each link's URL in brackets after its text.
    pub note: Option<String>,
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
        source: None,
        deployment: TemplateDeploymentView::Compose,
        note: None,
    }
}

fn imported_text(text: &imported::LocalizedText) -> LocalizedText {
    LocalizedText {
        en: text.get("en_US").to_string(),
        zh_cn: text.get("zh_CN").to_string(),
    }
}

fn imported_parameter_view(parameter: &imported::TemplateParameter) -> TemplateParameterView {
    let (kind, options) = match &parameter.kind {
        ParameterKind::Text => ("string", Vec::new()),
        ParameterKind::Hidden => ("hidden", Vec::new()),
        ParameterKind::Select { options } => (
            "select",
            options
                .iter()
                .map(|option| TemplateOptionView {
                    value: option.value.clone(),
                    title: LocalizedText {
                        en: option.label.clone(),
                        zh_cn: option.label.clone(),
                    },
                })
                .collect(),
        ),
    };
    TemplateParameterView {
        name: parameter.name.clone(),
        kind: kind.to_string(),
        default: parameter.default.clone(),
        required: false,
        options,
        title: imported_text(&parameter.label),
        // A CasaOS label is its description, which the form would otherwise show twice.
        help: if parameter.description == parameter.label {
            LocalizedText {
                en: String::new(),
                zh_cn: String::new(),
            }
        } else {
            imported_text(&parameter.description)
        },
        reason: LocalizedText {
            en: String::new(),
            zh_cn: String::new(),
        },
    }
}

fn imported_view(imported: &ImportedTemplate) -> TemplateView {
    let app = &imported.template;
    let (compose, deployment) = match &app.deployment {
        Deployment::Container { compose_file, .. } => (compose_file.clone(), TemplateDeploymentView::Compose),
        Deployment::ComposeText { text } => (text.clone(), TemplateDeploymentView::Compose),
        Deployment::Repository {
            orchestrator,
            url,
            stack_file,
        } => {
            let (url, file) = (url.clone(), stack_file.clone());
            let deployment = match orchestrator {
                Orchestrator::Compose => TemplateDeploymentView::Repository { url, file },
                Orchestrator::Swarm => TemplateDeploymentView::Swarm { url, file },
            };
            (String::new(), deployment)
        }
    };
    TemplateView {
        id: imported.qualified_id(),
        version: String::new(),
        title: imported_text(&app.title),
        description: imported_text(if app.description.is_empty() {
            &app.tagline
        } else {
            &app.description
        }),
        category: app.categories.first().cloned().unwrap_or_default(),
        icon: String::new(),
        homepage: String::new(),
        parameters: app.parameters.iter().map(imported_parameter_view).collect(),
        notes: Vec::new(),
        compose,
        source: Some(TemplateOriginView {
            source_id: imported.source_id,
            kind: imported.source_kind.into(),
            location: imported.source_location.as_str().to_string(),
            location_kind: imported.source_location.kind().into(),
        }),
        deployment,
        note: app
            .note
            .as_ref()
            .map(|note| note.text.clone())
            .filter(|text| !text.is_empty()),
    }
}

/// A template found by its Catalog id: built in, or imported.
pub(crate) enum AnyTemplate {
    Builtin(&'static Template),
    Imported(Box<ImportedTemplate>),
}

impl AnyTemplate {
    /// Returns the names of the password parameters a deploy keeps in the keychain.
    pub(crate) fn secret_names(&self) -> &[String] {
        match self {
            AnyTemplate::Builtin(template) => &template.metadata.secrets,
            AnyTemplate::Imported(_) => &[],
        }
    }

    /// Renders the template with `values` for its plain parameters and `secrets` for its
    /// passwords (imported templates have none).
    pub(crate) fn render(
        &self,
        values: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, Secret>,
    ) -> ApiResult<RenderedStack> {
        let rendered = match self {
            AnyTemplate::Builtin(template) => template.render(values, secrets).map_err(Error::from)?,
            AnyTemplate::Imported(template) => template_sources::render(template, values)?,
        };
        Ok(rendered)
    }
}

impl Api {
    /// Finds a template by its Catalog id: `<source id>/<template id>` is an imported one.
    pub(crate) async fn find_template(&self, id: &str) -> ApiResult<AnyTemplate> {
        if template_sources::split_qualified_id(id).is_some() {
            let template = template_sources::template(self.hosts.store(), id).await?;
            return Ok(AnyTemplate::Imported(Box::new(template)));
        }
        Ok(AnyTemplate::Builtin(catalog()?.get(id).map_err(Error::from)?))
    }

    /// Lists the built-in templates sorted by id, then the imported ones by source and in
    /// their source's order.
    pub async fn template_list(&self) -> ApiResult<Vec<TemplateView>> {
        let mut views: Vec<TemplateView> = catalog()?.templates().iter().map(template_view).collect();
        let imported = template_sources::templates(self.hosts.store()).await?;
        views.extend(imported.iter().map(imported_view));
        Ok(views)
    }

    /// Returns one template, built in or imported.
    pub async fn template_show(&self, id: &str) -> ApiResult<TemplateView> {
        Ok(match self.find_template(id).await? {
            AnyTemplate::Builtin(template) => template_view(template),
            AnyTemplate::Imported(template) => imported_view(&template),
        })
    }

    /// Renders a template with `values` for its plain parameters; passwords are generated.
    pub async fn template_render(&self, id: &str, values: &BTreeMap<String, String>) -> ApiResult<RenderedTemplate> {
        let rendered = self.find_template(id).await?.render(values, &BTreeMap::new())?;
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
