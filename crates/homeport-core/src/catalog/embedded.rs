//! The catalog compiled into the binary, one `include_str!` per file of `assets/catalog`.
//!
//! A plain list needs no build script and no extra crate. The test
//! `embedded_list_matches_folder` fails when a file is added to or removed from the folder
//! without updating this list.

macro_rules! catalog_file {
    ($path:literal) => {
        (
            $path,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/catalog/", $path)),
        )
    };
}

/// `(path below assets/catalog, contents)`, sorted by path.
pub(super) const FILES: &[(&str, &str)] = &[
    catalog_file!("adguard-home/compose.yaml"),
    catalog_file!("adguard-home/template.yaml"),
    catalog_file!("caddy/Caddyfile"),
    catalog_file!("caddy/compose.yaml"),
    catalog_file!("caddy/template.yaml"),
    catalog_file!("home-assistant/compose.yaml"),
    catalog_file!("home-assistant/template.yaml"),
    catalog_file!("immich/compose.yaml"),
    catalog_file!("immich/template.yaml"),
    catalog_file!("jellyfin/compose.yaml"),
    catalog_file!("jellyfin/template.yaml"),
    catalog_file!("monitoring/alertmanager/alertmanager.yml"),
    catalog_file!("monitoring/alloy/config.alloy"),
    catalog_file!("monitoring/compose.yaml"),
    catalog_file!("monitoring/grafana/provisioning/datasources/datasources.yml"),
    catalog_file!("monitoring/loki/loki.yml"),
    catalog_file!("monitoring/prometheus/prometheus.yml"),
    catalog_file!("monitoring/prometheus/rules/certificates.yml"),
    catalog_file!("monitoring/prometheus/rules/containers.yml"),
    catalog_file!("monitoring/prometheus/rules/host.yml"),
    catalog_file!("monitoring/prometheus/targets/https.yml"),
    catalog_file!("monitoring/template.yaml"),
    catalog_file!("nextcloud/compose.yaml"),
    catalog_file!("nextcloud/template.yaml"),
    catalog_file!("nginx-proxy-manager/compose.yaml"),
    catalog_file!("nginx-proxy-manager/template.yaml"),
    catalog_file!("portainer/compose.yaml"),
    catalog_file!("portainer/template.yaml"),
    catalog_file!("prowlarr/compose.yaml"),
    catalog_file!("prowlarr/template.yaml"),
    catalog_file!("radarr/compose.yaml"),
    catalog_file!("radarr/template.yaml"),
    catalog_file!("sonarr/compose.yaml"),
    catalog_file!("sonarr/template.yaml"),
    catalog_file!("uptime-kuma/compose.yaml"),
    catalog_file!("uptime-kuma/template.yaml"),
    catalog_file!("vaultwarden/compose.yaml"),
    catalog_file!("vaultwarden/template.yaml"),
];
