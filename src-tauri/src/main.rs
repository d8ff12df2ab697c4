//! Homeport's desktop shell. It registers thin Tauri commands over `homeport-api`, guards
//! navigation, and opens external links only after checking them. No domain logic lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod alerts;
mod backup;
mod builder;
mod commands;
mod config_transfer;
mod cost;
mod desktop;
mod export;
mod files;
mod monitoring;
mod navigation;
mod notify;
mod orchestrators;
mod prometheus;
mod stacks;
mod terminal;
mod updates;

use homeport_api::Api;
use homeport_core::paths::AppPaths;
use tauri::Manager;

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

    let data_dir = paths.data_dir.clone();

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
        .plugin(desktop::single_instance(&data_dir))
        .plugin(desktop::window_state())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(navigation::guard())
        .plugin(tauri_plugin_notification::init())
        .manage(api)
        .manage(updates::LatestUpdate::default())
        .manage(backup::BackupRuns::default())
        .setup(|app| {
            desktop::show_at_start(app.handle());
            tauri::async_runtime::spawn(updates::check_at_start(app.handle().clone()));
            tauri::async_runtime::spawn(monitoring::run_collection(app.handle().clone()));
            tauri::async_runtime::spawn(backup::run_scheduler(app.handle().clone()));
            notify::install_desktop_notifier(app.handle());
            tauri::async_runtime::spawn(notify::run_notify_loop(app.handle().clone()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            desktop::app_about,
            desktop::app_folder_open,
            desktop::desktop_settings_get,
            desktop::desktop_settings_set,
            updates::update_status,
            updates::update_check,
            updates::update_install,
            notify::notify_channels,
            notify::notify_channel_save,
            notify::notify_channel_remove,
            notify::notify_channel_test,
            notify::notify_quiet_hours,
            notify::notify_quiet_hours_set,
            notify::notify_held_count,
            notify::tls_endpoints,
            notify::tls_endpoint_save,
            notify::tls_endpoint_remove,
            notify::tls_check,
            notify::alertmanager_sources,
            notify::alertmanager_source_set,
            notify::alertmanager_source_remove,
            notify::alertmanager_sync,
            notify::alertmanager_silences,
            notify::alertmanager_silence_create,
            notify::alertmanager_silence_expire,
            commands::settings_get,
            commands::settings_set,
            config_transfer::config_export,
            config_transfer::config_import_preview,
            config_transfer::config_import_apply,
            config_transfer::local_engine,
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
            alerts::alerts_list,
            alerts::alerts_ack,
            alerts::alerts_silence,
            alerts::alerts_resolve,
            alerts::alerts_comment,
            alerts::alerts_rules,
            alerts::alerts_rule_update,
            alerts::alerts_rule_create,
            alerts::alerts_rule_remove,
            alerts::alerts_rules_import,
            alerts::alerts_rules_export,
            prometheus::prometheus_source_get,
            prometheus::prometheus_source_set,
            prometheus::prometheus_source_remove,
            prometheus::prometheus_source_test,
            prometheus::prometheus_query,
            prometheus::prometheus_query_range,
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
            cost::cost_reference,
            cost::cost_catalog_subscription,
            cost::cost_calculate,
            cost::cost_chart_svg,
            cost::cost_export,
            cost::cost_export_suggested_path,
            cost::cost_scenarios,
            cost::cost_scenario_save,
            cost::cost_scenario_delete,
            cost::cost_prefill,
            monitoring::metrics_collect_once,
            monitoring::metrics_chart,
            monitoring::metrics_prometheus_chart,
            monitoring::metrics_chart_save,
            monitoring::metrics_settings,
            monitoring::metrics_settings_set,
            monitoring::metrics_series,
            backup::backup_plans,
            backup::backup_plan,
            backup::backup_plan_parse,
            backup::backup_schedule_preview,
            backup::backup_plan_save,
            backup::backup_plan_remove,
            backup::backup_plan_init,
            backup::backup_tools,
            backup::backup_run,
            backup::backup_cancel,
            backup::backup_runs,
            backup::backup_unlock,
            backup::backup_snapshots,
            backup::backup_files,
            backup::backup_restore_preview,
            backup::backup_restore,
            backup::backup_restore_database,
            backup::backup_databases,
            backup::backup_restore_stack,
            backup::backup_stack_manifest,
            backup::backup_rule321_preview,
            backup::backup_drill,
            backup::backup_drills,
            backup::backup_drill_report,
        ])
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|app, event| {
                if let tauri::RunEvent::Exit = event {
                    // Samples collected in the last 30 s are still in memory.
                    let api = app.state::<Api>();
                    if let Err(err) = tauri::async_runtime::block_on(api.metrics_flush()) {
                        tracing::warn!(error = %err, "cannot write the last metrics");
                    }
                }
            })
        });
    if let Err(err) = result {
        tracing::error!(error = %err, "the window failed");
        eprintln!("homeport: {err}");
        std::process::exit(1);
    }
}
