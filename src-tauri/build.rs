//! Generates the permission set for Homeport's own commands, so the capability file can allow
//! exactly the commands the UI calls and nothing else.

const COMMANDS: &[&str] = &[
    "app_info",
    "settings_get",
    "settings_set",
    "host_list",
    "host_add",
    "host_add_engine",
    "host_update",
    "host_remove",
    "host_check",
    "host_replace_key",
    "host_facts",
    "fleet_status",
    "ssh_import_preview",
    "ssh_import_apply",
    "container_list",
    "container_action",
    "container_inspect",
    "container_memory",
    "container_logs",
    "container_events",
    "subscription_cancel",
    "open_external",
    "terminal_open",
    "terminal_write",
    "terminal_resize",
    "terminal_close",
    "file_upload",
    "file_download",
    "stack_list",
    "stack_action",
    "template_list",
    "template_show",
    "template_render",
    "template_deploy",
    "docker_run_convert",
    "template_deploy_preview",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build configuration is valid");
}
