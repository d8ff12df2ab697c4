//! `homeport template ls|show|render|import|sources|refresh-source|remove-source`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use homeport_api::{
    Api, IpcError, TemplateDeploymentView, TemplateOriginView, TemplateSourceKind, TemplateSourceView, TemplateView,
};
use homeport_core::Error;

use crate::args::TemplateCommand;
use crate::output::Output;

pub async fn run(api: &Api, command: TemplateCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        TemplateCommand::Ls => list(&api.template_list().await?, output),
        TemplateCommand::Show { id } => show(&api.template_show(&id).await?, output),
        TemplateCommand::Render { id, values, out } => render(api, &id, &values, out.as_deref(), output).await?,
        TemplateCommand::Import { location } => {
            // A relative path means the shell's current folder, which core resolves against.
            let source = api.template_source_import(&location).await?;
            print_source_done("imported", &source, output);
        }
        TemplateCommand::Sources => sources(&api.template_source_list().await?, output),
        TemplateCommand::RefreshSource { id } => {
            let source = api.template_source_refresh(id).await?;
            print_source_done("refreshed", &source, output);
        }
        TemplateCommand::RemoveSource { id } => {
            api.template_source_remove(id).await?;
            output.done(&format!("removed template source {id} and its templates"));
        }
    }
    Ok(())
}

/// Returns the SOURCE column: `built-in`, or the kind and location as the Catalog's badge
/// shows them.
fn source_label(source: Option<&TemplateOriginView>) -> String {
    match source {
        None => "built-in".to_string(),
        Some(origin) => format!("{}: {}", kind_label(origin.kind), origin.location),
    }
}

fn kind_label(kind: TemplateSourceKind) -> &'static str {
    match kind {
        TemplateSourceKind::Portainer => "Portainer",
        TemplateSourceKind::Casaos => "CasaOS",
    }
}

fn list(templates: &[TemplateView], output: &Output) {
    if output.json {
        println!("{}", serde_json::to_string(templates).unwrap_or_default());
        return;
    }
    println!("{:<22} {:<14} {:<28} SOURCE", "ID", "CATEGORY", "TITLE");
    for template in templates {
        println!(
            "{:<22} {:<14} {:<28} {}",
            template.id,
            template.category,
            template.title.en,
            source_label(template.source.as_ref())
        );
    }
}

fn sources(sources: &[TemplateSourceView], output: &Output) {
    if output.json {
        println!("{}", serde_json::to_string(sources).unwrap_or_default());
        return;
    }
    println!(
        "{:<4} {:<10} {:<9} {:<30} LOCATION",
        "ID", "KIND", "TEMPLATES", "REFRESHED"
    );
    for source in sources {
        println!(
            "{:<4} {:<10} {:<9} {:<30} {}",
            source.id,
            kind_label(source.kind),
            source.template_count,
            source.refreshed_at,
            source.location
        );
    }
}

fn print_source_done(verb: &str, source: &TemplateSourceView, output: &Output) {
    if output.json {
        println!("{}", serde_json::to_string(source).unwrap_or_default());
        return;
    }
    output.done(&format!(
        "{verb} {} templates from {} as source {}; `homeport template ls` lists them as {}/ID",
        source.template_count, source.location, source.id, source.id
    ));
}

fn show(template: &TemplateView, output: &Output) {
    if output.json {
        println!("{}", serde_json::to_string(template).unwrap_or_default());
        return;
    }
    if template.version.is_empty() {
        println!("{} ({})", template.title.en, template.id);
    } else {
        println!("{} {} ({})", template.title.en, template.version, template.id);
    }
    println!("source: {}", source_label(template.source.as_ref()));
    println!("{}\n", template.description.en);
    if let Some(note) = &template.note {
        println!("note:\n{note}\n");
    }
    for parameter in &template.parameters {
        let default = parameter.default.as_deref().unwrap_or(match parameter.kind.as_str() {
            "password" => "(generated)",
            _ => "(none)",
        });
        println!("{} [{}] = {default}", parameter.name, parameter.kind);
        if parameter.kind == "hidden" {
            println!("    set by the template; it cannot be changed");
        }
        if !parameter.options.is_empty() {
            let values: Vec<&str> = parameter.options.iter().map(|option| option.value.as_str()).collect();
            println!("    one of: {}", values.join(", "));
        }
        if !parameter.help.en.is_empty() {
            println!("    {}", parameter.help.en);
        }
        if !parameter.reason.en.is_empty() {
            println!("    why: {}", parameter.reason.en);
        }
    }
    match &template.deployment {
        TemplateDeploymentView::Compose => println!("\n{}", template.compose),
        TemplateDeploymentView::Repository { url, file } => println!(
            "\nThe Compose file is {file} in the Git repository {url}, which Homeport does not download. \
             Clone the repository, then deploy that file with `homeport stack deploy`."
        ),
        TemplateDeploymentView::Swarm { url, file } => {
            println!(
                "\nThis is a Docker Swarm stack ({file} in the Git repository {url}): deploy it with \
                 `docker stack deploy` on a Swarm manager."
            );
            if !template.compose.is_empty() {
                println!("\n{}", template.compose);
            }
        }
    }
}

async fn render(api: &Api, id: &str, values: &[String], out: Option<&str>, output: &Output) -> Result<(), IpcError> {
    let mut parsed = BTreeMap::new();
    for value in values {
        let (name, text) = value.split_once('=').ok_or_else(|| {
            IpcError::from(Error::invalid(
                "--set",
                value.as_str(),
                "write NAME=VALUE, such as --set MEDIA_DIR=/srv/media",
            ))
        })?;
        parsed.insert(name.to_string(), text.to_string());
    }
    let rendered = api.template_render(id, &parsed).await?;

    let Some(out) = out else {
        if output.json {
            // The .env text contains the generated passwords, so it is written only with --out.
            let summary = serde_json::json!({
                "templateId": rendered.template_id,
                "compose": rendered.compose,
                "files": rendered.files.keys().collect::<Vec<_>>(),
                "secrets": rendered.secrets,
            });
            println!("{summary}");
        } else {
            print!("{}", rendered.compose);
        }
        return Ok(());
    };

    let folder = PathBuf::from(out);
    prepare_folder(&folder)?;
    write_file(&folder.join("compose.yaml"), &rendered.compose, false)?;
    write_file(&folder.join(".env"), &rendered.env, true)?;
    for (path, contents) in &rendered.files {
        write_file(&folder.join(path), contents, false)?;
    }
    output.done(&format!(
        "wrote {} files to {} ({} generated passwords in .env)",
        rendered.files.len() + 2,
        folder.display(),
        rendered.secrets.len()
    ));
    Ok(())
}

/// Creates `folder`, or accepts it when it exists and is empty, so a render never overwrites
/// another stack's files.
fn prepare_folder(folder: &Path) -> Result<(), IpcError> {
    let fail = |reason: String| IpcError::from(Error::invalid("--out", folder.display().to_string(), reason));
    match std::fs::read_dir(folder) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(fail("the folder is not empty; choose a new or empty folder".into()));
            }
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(folder).map_err(|err| fail(format!("cannot create it: {err}")))
        }
        Err(err) => Err(fail(format!("cannot read it: {err}"))),
    }
}

fn write_file(path: &Path, contents: &str, private: bool) -> Result<(), IpcError> {
    let fail = |err: std::io::Error| {
        IpcError::from(Error::invalid(
            "--out",
            path.display().to_string(),
            format!("cannot write the file: {err}"),
        ))
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(contents.as_bytes()).map_err(fail)
}
