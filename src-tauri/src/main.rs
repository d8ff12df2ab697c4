//! Homeport's desktop shell. It registers thin Tauri commands over `homeport-api`, guards
//! navigation, and opens external links only after checking them. No domain logic lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod builder;
mod commands;
mod export;
mod files;
mod navigation;
mod orchestrators;
mod stacks;
mod terminal;

use homeport_api::Api;
use homeport_core::paths::AppPaths;

fn main() {
    let paths = match AppPaths::resolve() {
        Ok(paths) => paths,
        Err(err) => {
            eprintln!("homeport: {err}");
            std::process::exit(1);
        }
    };
    let _ = paths.create();
    let _log_guard = homeport_api::logging::init(&paths.log_dir, "app", "info");
    let (version, commit) = homeport_api::version();
    tracing::info!(version, commit, data_dir = %paths.data_dir.display(), "homeport starting");

    // The database must open before the window shows anything; without it no screen works.
    let api = match tauri::async_runtime::block_on(Api::open(paths)) {
        Ok(api) => api,
        Err(err) => {
            tracing::error!(error = %err, "cannot open the database");
            eprintln!("homeport: {err}");
            std::process::exit(1);
        }
    };

    let result = tauri::Builder::default()
        .plugin(navigation::guard())
        .manage(api)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::settings_get,
            commands::settings_set,
            commands::host_list,
            commands::host_add,
            commands::host_add_engine,
            commands::host_update,
            commands::host_remove,
            commands::host_check,
            commands::host_replace_key,
            commands::host_facts,
            commands::fleet_status,
            commands::ssh_import_preview,
            commands::ssh_import_apply,
            commands::container_list,
            commands::container_action,
            commands::container_inspect,
            commands::container_memory,
            commands::container_logs,
            commands::container_events,
            commands::subscription_cancel,
            commands::open_external,
            commands::stack_list,
            commands::stack_action,
            commands::template_list,
            commands::template_show,
            commands::template_render,
            commands::template_source_list,
            commands::template_source_import,
            commands::template_source_refresh,
            commands::template_source_remove,
            stacks::template_deploy,
            builder::builder_open,
            builder::builder_edit,
            builder::builder_add_template,
            builder::builder_deploy_preview,
            builder::builder_deploy,
            builder::builder_open_stack,
            export::stack_export_draft,
            export::stack_export_save,
            export::stack_export_swarm_deploy,
            builder::builder_env_save,
            builder::builder_env_load,
            stacks::docker_run_convert,
            stacks::template_deploy_preview,
            stacks::stack_update_check,
            stacks::stack_update,
            terminal::terminal_open,
            terminal::terminal_write,
            terminal::terminal_resize,
            terminal::terminal_close,
            files::file_upload,
            files::file_download,
            orchestrators::orchestrator_wizard,
            orchestrators::orchestrator_recommend,
            orchestrators::orchestrator_prefill,
            orchestrators::orchestrator_save,
            orchestrators::orchestrator_choice,
            orchestrators::rollout_status,
            orchestrators::rollout_check,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        tracing::error!(error = %err, "the window failed");
        eprintln!("homeport: {err}");
        std::process::exit(1);
    }
}
