//! A starting scenario from what Homeport stores: one device per host and the subscriptions
//! that the deployed apps replace.
//!
//! Homeport does not measure power, so each device's draw is a rough estimate from the host's
//! memory, which the screen marks for the user to correct.

use serde::{Deserialize, Serialize};

use crate::assets::{self, Catalog};
use crate::calc::cents;
use crate::error::Result;
use crate::scenario::{Device, Period, PowerMode, Subscription};

/// Estimated average draw of a host with less than 4 GiB of memory, such as a Raspberry Pi.
pub const SMALL_HOST_WATTS: f64 = 5.0;
/// Estimated average draw of a host with up to 32 GiB, such as a mini PC or a small NAS.
pub const MEDIUM_HOST_WATTS: f64 = 15.0;
/// Estimated average draw of a host with more memory, such as a tower or rack server.
pub const LARGE_HOST_WATTS: f64 = 60.0;
/// Estimated average draw of a host whose memory Homeport has not read.
pub const UNKNOWN_HOST_WATTS: f64 = 20.0;

const GIB: u64 = 1 << 30;

/// A stored host, as far as the estimate needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    pub name: String,
    /// Total memory from the host's cached facts.
    pub memory_bytes: Option<u64>,
}

/// A self-hosted app found among the running images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DetectedApp {
    pub id: String,
    pub name: String,
    /// The image it was recognized by.
    pub image: String,
}

/// Devices and subscriptions suggested for a new scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Prefill {
    pub devices: Vec<Device>,
    pub apps: Vec<DetectedApp>,
    pub subscriptions: Vec<Subscription>,
}

/// Suggests devices for `hosts` and the subscriptions the apps in `images` replace, priced in
/// `currency`.
pub fn prefill(hosts: &[HostInfo], images: &[String], currency: &str) -> Result<Prefill> {
    let catalog = assets::catalog()?;
    let apps = detect_apps(catalog, images);
    Ok(Prefill {
        devices: hosts.iter().map(device_for).collect(),
        subscriptions: suggest_subscriptions(catalog, &apps, currency)?,
        apps,
    })
}

fn device_for(host: &HostInfo) -> Device {
    let watts = match host.memory_bytes {
        None | Some(0) => UNKNOWN_HOST_WATTS,
        Some(bytes) if bytes < 4 * GIB => SMALL_HOST_WATTS,
        Some(bytes) if bytes <= 32 * GIB => MEDIUM_HOST_WATTS,
        Some(_) => LARGE_HOST_WATTS,
    };
    Device {
        name: host.name.clone(),
        quantity: 1,
        mode: PowerMode::Average,
        average_watts: watts,
        idle_watts: 0.0,
        load_watts: 0.0,
        hours_at_load: 0.0,
    }
}

/// Returns each catalog app that one of `images` belongs to, in catalog order.
pub fn detect_apps(catalog: &Catalog, images: &[String]) -> Vec<DetectedApp> {
    let repositories: Vec<(String, &String)> = images.iter().map(|image| (repository(image), image)).collect();
    catalog
        .apps
        .iter()
        .filter_map(|app| {
            repositories
                .iter()
                .find(|(repository, _)| app.images.iter().any(|known| matches_repository(repository, known)))
                .map(|(_, image)| DetectedApp {
                    id: app.id.clone(),
                    name: app.name.clone(),
                    image: (*image).clone(),
                })
        })
        .collect()
}

/// Picks, for each category the apps cover, the first catalog entry they replace, so two photo
/// services are never suggested at once.
fn suggest_subscriptions(catalog: &Catalog, apps: &[DetectedApp], currency: &str) -> Result<Vec<Subscription>> {
    let currencies = assets::currencies()?;
    let mut categories = Vec::new();
    let mut subscriptions = Vec::new();
    for entry in &catalog.subscriptions {
        let replaced = entry.replaced_by.iter().any(|id| apps.iter().any(|app| &app.id == id));
        if !replaced || categories.contains(&entry.category) {
            continue;
        }
        categories.push(entry.category.clone());
        subscriptions.push(Subscription {
            name: entry.name.clone(),
            amount: cents(currencies.convert(entry.monthly_price, &entry.currency, currency)?),
            period: Period::Month,
            catalog_id: Some(entry.id.clone()),
        });
    }
    Ok(subscriptions)
}

/// Returns an image reference's repository without registry, tag or digest, in lower case:
/// `ghcr.io/immich-app/immich-server:v1.2` becomes `immich-app/immich-server`.
fn repository(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = without_digest.split('/').collect();
    // A tag follows the last colon of the last segment; a colon in the first segment of
    // several is a registry port.
    if let Some(last) = parts.last_mut() {
        if let Some((name, _tag)) = last.split_once(':') {
            *last = name;
        }
    }
    let first = parts[0];
    if parts.len() > 1 && (first.contains('.') || first.contains(':') || first == "localhost") {
        parts.remove(0);
    }
    if parts.len() == 2 && parts[0] == "library" {
        parts.remove(0);
    }
    parts.join("/").to_ascii_lowercase()
}

/// Tells whether `repository` is `known` or ends with `/known`.
fn matches_repository(repository: &str, known: &str) -> bool {
    repository == known
        || repository
            .strip_suffix(known)
            .is_some_and(|prefix| prefix.ends_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_strips_registry_tag_and_digest() {
        assert_eq!(
            repository("ghcr.io/immich-app/immich-server:v1.2"),
            "immich-app/immich-server"
        );
        assert_eq!(repository("nextcloud:29-apache"), "nextcloud");
        assert_eq!(repository("docker.io/library/nextcloud"), "nextcloud");
        assert_eq!(
            repository("localhost:5000/vaultwarden/server@sha256:abc"),
            "vaultwarden/server"
        );
        assert_eq!(repository("Jellyfin/Jellyfin:10.9"), "jellyfin/jellyfin");
    }

    #[test]
    fn repository_match_needs_whole_segments() {
        assert!(matches_repository(
            "lscr.io/linuxserver/nextcloud",
            "linuxserver/nextcloud"
        ));
        assert!(matches_repository("linuxserver/nextcloud", "nextcloud"));
        assert!(!matches_repository("mynextcloud", "nextcloud"));
        assert!(!matches_repository("nextcloud-exporter", "nextcloud"));
    }

    #[test]
    fn deployed_apps_suggest_subscriptions() {
        let images = [
            "ghcr.io/immich-app/immich-server:release",
            "ghcr.io/immich-app/immich-machine-learning:release",
            "jellyfin/jellyfin:10.9.11",
            "vaultwarden/server:1.32.0",
            "nextcloud:29",
            "redis:7",
        ]
        .map(String::from);
        let hosts = [
            HostInfo {
                name: "pi".into(),
                memory_bytes: Some(GIB * 4 - GIB / 4),
            },
            HostInfo {
                name: "nas".into(),
                memory_bytes: Some(GIB * 16),
            },
            HostInfo {
                name: "new".into(),
                memory_bytes: None,
            },
        ];
        let prefill = prefill(&hosts, &images, "USD").unwrap();

        let watts: Vec<(&str, f64)> = prefill
            .devices
            .iter()
            .map(|device| (device.name.as_str(), device.average_watts))
            .collect();
        assert_eq!(watts, vec![("pi", 5.0), ("nas", 15.0), ("new", 20.0)]);

        let apps: Vec<&str> = prefill.apps.iter().map(|app| app.id.as_str()).collect();
        assert_eq!(apps, vec!["immich", "nextcloud", "jellyfin", "vaultwarden"]);

        let suggested: Vec<&str> = prefill
            .subscriptions
            .iter()
            .filter_map(|subscription| subscription.catalog_id.as_deref())
            .collect();
        assert_eq!(
            suggested,
            vec![
                "google-one-2tb",
                "dropbox-plus",
                "microsoft-365-personal",
                "netflix-standard",
                "1password-individual"
            ]
        );
        assert_eq!(prefill.subscriptions[0].amount, 9.99);
    }

    #[test]
    fn suggestions_are_converted_to_the_currency() {
        let prefill = prefill(&[], &["vaultwarden/server:latest".to_string()], "CNY").unwrap();
        // 2.99 USD × 7.3 = 21.83 CNY.
        assert_eq!(prefill.subscriptions[0].amount, 21.83);
        assert!(prefill.devices.is_empty());
    }
}
