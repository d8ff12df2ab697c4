//! Output of `homeport stack export`.

use homeport_api::ExportView;

/// Without `--json`: the file itself on stdout (or the paths written), the warnings on stderr,
/// so `homeport stack export compose.yaml --to kubernetes > app.yaml` keeps only YAML.
pub fn print(view: &ExportView, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(view).expect("export view serialises")
        );
        return;
    }
    if view.written.is_empty() {
        let several = view.files.len() > 1;
        for file in &view.files {
            if several {
                println!("# {}", file.path);
            }
            print!("{}", file.content);
            if !file.content.ends_with('\n') {
                println!();
            }
        }
    } else {
        for path in &view.written {
            println!("wrote {path}");
        }
    }
    for warning in &view.warnings {
        match &warning.service {
            Some(service) => eprintln!(
                "warning: {service}: {} ({}): {}",
                warning.field, warning.outcome, warning.message
            ),
            None => eprintln!("warning: {} ({}): {}", warning.field, warning.outcome, warning.message),
        }
    }
}
