//! `homeport template ls|show|render`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use homeport_api::{Api, IpcError, TemplateView};
use homeport_core::Error;

use crate::args::TemplateCommand;
use crate::output::Output;

pub fn run(api: &Api, command: TemplateCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        TemplateCommand::Ls => list(&api.template_list()?, output),
        TemplateCommand::Show { id } => show(&api.template_show(&id)?, output),
        TemplateCommand::Render { id, values, out } => render(api, &id, &values, out.as_deref(), output)?,
    }
    Ok(())
}

fn list(templates: &[TemplateView], output: &Output) {
    if output.json {
        println!("{}", serde_json::to_string(templates).unwrap_or_default());
        return;
    }
    println!("{:<22} {:<14} TITLE", "ID", "CATEGORY");
    for template in templates {
        println!("{:<22} {:<14} {}", template.id, template.category, template.title.en);
    }
}

fn show(template: &TemplateView, output: &Output) {
    if output.json {
        println!("{}", serde_json::to_string(template).unwrap_or_default());
        return;
    }
    println!("{} {} ({})", template.title.en, template.version, template.id);
    println!("{}\n", template.description.en);
    for parameter in &template.parameters {
        let default = parameter.default.as_deref().unwrap_or(if parameter.kind == "password" {
            "(generated)"
        } else {
            "(none)"
        });
        println!("{} [{}] = {default}", parameter.name, parameter.kind);
        println!("    {}", parameter.help.en);
        println!("    why: {}", parameter.reason.en);
    }
    println!("\n{}", template.compose);
}

fn render(api: &Api, id: &str, values: &[String], out: Option<&str>, output: &Output) -> Result<(), IpcError> {
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
    let rendered = api.template_render(id, &parsed)?;

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
