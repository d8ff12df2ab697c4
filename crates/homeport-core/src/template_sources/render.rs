//! Renders an imported template into the files a deploy writes, through the catalog's own
//! renderer, so imported and built-in templates check values and write `.env` the same way.

use std::collections::BTreeMap;

use homeport_import::templates::{Deployment, LocalizedText, Orchestrator, ParameterKind, TemplateParameter};

use super::ImportedTemplate;
use crate::catalog::{
    Category, Localized, Parameter, ParameterType, RenderedStack, SelectOption, Template, TemplateMetadata,
};
use crate::error::{Error, Result};

/// The version the rendered files name, since imported templates have none of their own.
const IMPORTED_VERSION: &str = "(imported)";

/// Renders `imported` with `values` for its visible parameters; the others get their
/// defaults. Hidden parameters (Portainer's `preset`) keep the template's value, and a
/// template whose Compose file is in a Git repository cannot be rendered, because Homeport
/// does not download repositories.
pub fn render(imported: &ImportedTemplate, values: &BTreeMap<String, String>) -> Result<RenderedStack> {
    let id = imported.qualified_id();
    let app = &imported.template;
    let compose = match &app.deployment {
        Deployment::Container { compose_file, .. } => compose_file.clone(),
        Deployment::ComposeText { text } => text.clone(),
        Deployment::Repository {
            orchestrator,
            url,
            stack_file,
        } => return Err(not_deployable(&id, *orchestrator, url, stack_file)),
    };

    for name in values.keys() {
        let hidden = app
            .parameters
            .iter()
            .any(|parameter| &parameter.name == name && parameter.kind == ParameterKind::Hidden);
        if hidden {
            return Err(Error::invalid(
                "parameter",
                name.as_str(),
                "the template sets this value itself, so it cannot be changed",
            ));
        }
    }

    let template = Template {
        metadata: TemplateMetadata {
            id: id.clone(),
            version: IMPORTED_VERSION.to_string(),
            title: localized(&app.title),
            description: localized(&app.description),
            // Not shown or checked: the API shows the source's own categories.
            category: Category::Management,
            icon: String::new(),
            homepage: String::new(),
            parameters: app.parameters.iter().map(parameter).collect(),
            secrets: Vec::new(),
            notes: Vec::new(),
        },
        compose,
        files: Vec::new(),
    };
    Ok(template.render(values, &BTreeMap::new())?)
}

/// Explains why a repository template cannot be deployed and what to do instead.
fn not_deployable(id: &str, orchestrator: Orchestrator, url: &str, stack_file: &str) -> Error {
    let reason = match orchestrator {
        Orchestrator::Compose => format!(
            "its Compose file '{stack_file}' is in the Git repository {url}, which Homeport does not download. \
             Clone the repository, then deploy that file from the Stacks screen or with `homeport stack deploy`"
        ),
        Orchestrator::Swarm => format!(
            "it is a Docker Swarm stack ('{stack_file}' in the Git repository {url}), which needs `docker stack deploy` \
             on a Swarm manager. Clone the repository and deploy it there, or deploy the file with Compose \
             from the Stacks screen, which ignores the Swarm-only keys"
        ),
    };
    Error::invalid("template", id, reason)
}

fn parameter(imported: &TemplateParameter) -> Parameter {
    let (kind, options) = match &imported.kind {
        ParameterKind::Select { options } => (
            ParameterType::Select,
            options
                .iter()
                .map(|option| SelectOption {
                    value: option.value.clone(),
                    title: Localized {
                        en: option.label.clone(),
                        zh_cn: option.label.clone(),
                    },
                })
                .collect(),
        ),
        ParameterKind::Text | ParameterKind::Hidden => (ParameterType::String, Vec::new()),
    };
    Parameter {
        name: imported.name.clone(),
        kind,
        default: imported.default.clone().map(serde_norway::Value::String),
        required: false,
        options,
        min: None,
        max: None,
        title: localized(&imported.label),
        help: localized(&imported.description),
        reason: Localized {
            en: String::new(),
            zh_cn: String::new(),
        },
    }
}

fn localized(text: &LocalizedText) -> Localized {
    Localized {
        en: text.get("en_US").to_string(),
        zh_cn: text.get("zh_CN").to_string(),
    }
}
