//! The files in `assets/cost`, compiled into the binary and parsed once.
//!
//! `currencies.yaml` has the currencies with a typical electricity price and a reference
//! exchange rate, `subscriptions.yaml` the subscription catalog and the self-hosted apps that
//! replace each entry, and `presets.yaml` the example scenarios. Nothing reads a path at run
//! time, so the app and the tests see the same data.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::validate::validate;

const CURRENCIES_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/cost/currencies.yaml"
));
const SUBSCRIPTIONS_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/cost/subscriptions.yaml"
));
const PRESETS_YAML: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/cost/presets.yaml"));

/// A text in English and Simplified Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
}

/// One currency a scenario may use.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    /// ISO 4217 code.
    pub code: String,
    pub name: Localized,
    pub symbol: String,
    /// Decimals shown for amounts: 2, or 0 for the yen.
    pub decimals: u8,
    /// Rounded typical household price of one kilowatt-hour, taxes included.
    pub kwh_price: f64,
    /// Source of `kwh_price`.
    pub kwh_source: String,
    /// Units of this currency one US dollar bought around the list's `rate_date`.
    pub per_usd: f64,
}

/// The currency list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currencies {
    /// The date the exchange rates are from, `YYYY-MM-DD`.
    pub rate_date: String,
    pub currencies: Vec<Currency>,
}

impl Currencies {
    /// Returns the currency with `code`.
    pub fn get(&self, code: &str) -> Result<&Currency> {
        self.currencies
            .iter()
            .find(|currency| currency.code == code)
            .ok_or_else(|| Error::NotFound {
                what: "currency",
                id: code.to_string(),
                known: self.codes().join(", "),
            })
    }

    /// Returns every currency code, in file order.
    pub fn codes(&self) -> Vec<String> {
        self.currencies.iter().map(|currency| currency.code.clone()).collect()
    }

    /// Converts `amount` from one currency to another through the reference rates.
    pub fn convert(&self, amount: f64, from: &str, to: &str) -> Result<f64> {
        if from == to {
            return Ok(amount);
        }
        let from = self.get(from)?;
        let to = self.get(to)?;
        Ok(amount / from.per_usd * to.per_usd)
    }
}

/// A self-hosted app that replaces subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub id: String,
    pub name: String,
    /// Image repositories the app ships as, such as `vaultwarden/server`.
    pub images: Vec<String>,
}

/// A subscription the catalog offers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub id: String,
    pub name: String,
    /// Kind of service, such as `photos`; the screen translates it as `cost.category.<id>`.
    pub category: String,
    /// Published price for one month in `currency`.
    pub monthly_price: f64,
    pub currency: String,
    /// The date the price applies to, `YYYY-MM-DD`.
    pub priced_on: String,
    /// Ids of the apps that replace it.
    pub replaced_by: Vec<String>,
    /// A limit of the replacement the user should know, such as owning the media.
    #[serde(default)]
    pub note: Option<Localized>,
}

/// The subscription catalog with the apps its entries name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub apps: Vec<App>,
    pub subscriptions: Vec<CatalogEntry>,
}

impl Catalog {
    /// Returns the entry with `id`.
    pub fn entry(&self, id: &str) -> Result<&CatalogEntry> {
        self.subscriptions
            .iter()
            .find(|entry| entry.id == id)
            .ok_or_else(|| Error::NotFound {
                what: "catalog subscription",
                id: id.to_string(),
                known: self
                    .subscriptions
                    .iter()
                    .map(|entry| entry.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Returns the app with `id`, if the catalog has it.
    pub fn app(&self, id: &str) -> Option<&App> {
        self.apps.iter().find(|app| app.id == id)
    }
}

/// An example scenario.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub id: String,
    pub name: Localized,
    pub description: Localized,
    /// Source of the figures.
    pub source: Localized,
    pub scenario: Scenario,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    presets: Vec<Preset>,
}

/// Returns the currency list.
pub fn currencies() -> Result<&'static Currencies> {
    static PARSED: OnceLock<Result<Currencies, String>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        let list: Currencies = parse_yaml(CURRENCIES_YAML)?;
        check_currencies(&list)?;
        Ok(list)
    });
    parsed.as_ref().map_err(|detail| asset_error("currencies.yaml", detail))
}

/// Returns the subscription catalog.
pub fn catalog() -> Result<&'static Catalog> {
    static PARSED: OnceLock<Result<Catalog, String>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        let catalog: Catalog = parse_yaml(SUBSCRIPTIONS_YAML)?;
        check_catalog(&catalog)?;
        Ok(catalog)
    });
    parsed
        .as_ref()
        .map_err(|detail| asset_error("subscriptions.yaml", detail))
}

/// Returns the example scenarios.
pub fn presets() -> Result<&'static [Preset]> {
    static PARSED: OnceLock<Result<Vec<Preset>, String>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        let file: PresetFile = parse_yaml(PRESETS_YAML)?;
        check_presets(&file.presets)?;
        Ok(file.presets)
    });
    parsed
        .as_ref()
        .map(Vec::as_slice)
        .map_err(|detail| asset_error("presets.yaml", detail))
}

/// Returns the preset with `id`.
pub fn preset(id: &str) -> Result<&'static Preset> {
    let presets = presets()?;
    presets
        .iter()
        .find(|preset| preset.id == id)
        .ok_or_else(|| Error::NotFound {
            what: "preset",
            id: id.to_string(),
            known: presets
                .iter()
                .map(|preset| preset.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_norway::from_str(text).map_err(|err| err.to_string())
}

fn asset_error(file: &'static str, detail: &str) -> Error {
    Error::Asset {
        file,
        detail: detail.to_string(),
    }
}

fn check_currencies(list: &Currencies) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for currency in &list.currencies {
        if !seen.insert(currency.code.as_str()) {
            return Err(format!("currency {} is listed twice", currency.code));
        }
        let positive = |value: f64| value.is_finite() && value > 0.0;
        if !positive(currency.per_usd) || !positive(currency.kwh_price) {
            return Err(format!(
                "currency {} needs positive per_usd and kwh_price",
                currency.code
            ));
        }
    }
    Ok(())
}

fn check_catalog(catalog: &Catalog) -> Result<(), String> {
    let currencies = currencies().map_err(|err| err.to_string())?;
    let mut seen = std::collections::HashSet::new();
    for entry in &catalog.subscriptions {
        if !seen.insert(entry.id.as_str()) {
            return Err(format!("subscription {} is listed twice", entry.id));
        }
        currencies
            .get(&entry.currency)
            .map_err(|err| format!("{}: {err}", entry.id))?;
        if entry.monthly_price.is_nan() || entry.monthly_price <= 0.0 {
            return Err(format!("subscription {} needs a positive monthly_price", entry.id));
        }
        if let Some(app) = entry.replaced_by.iter().find(|app| catalog.app(app).is_none()) {
            return Err(format!("subscription {} names the unknown app {app}", entry.id));
        }
    }
    Ok(())
}

fn check_presets(presets: &[Preset]) -> Result<(), String> {
    let catalog = catalog().map_err(|err| err.to_string())?;
    for preset in presets {
        let problems = validate(&preset.scenario);
        if let Some(problem) = problems.first() {
            return Err(format!("preset {}: {}", preset.id, problem.message));
        }
        for subscription in &preset.scenario.subscriptions {
            if let Some(id) = &subscription.catalog_id {
                catalog
                    .entry(id)
                    .map_err(|err| format!("preset {}: {err}", preset.id))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_parses() {
        let currencies = currencies().unwrap();
        for code in ["USD", "EUR", "CNY", "GBP", "JPY"] {
            assert!(currencies.get(code).is_ok(), "currency {code} is missing");
        }
        let catalog = catalog().unwrap();
        assert!(
            catalog.subscriptions.len() >= 10,
            "{} entries",
            catalog.subscriptions.len()
        );
        let ids: Vec<&str> = presets().unwrap().iter().map(|preset| preset.id.as_str()).collect();
        assert_eq!(ids, ["rule-of-thumb", "mini-pc", "used-server"]);
    }

    #[test]
    fn catalog_covers_required_categories() {
        let catalog = catalog().unwrap();
        for category in ["photos", "fileSync", "streaming", "passwords", "vpn", "notes"] {
            assert!(
                catalog.subscriptions.iter().any(|entry| entry.category == category),
                "no {category} subscription"
            );
        }
        for (app, category) in [
            ("immich", "photos"),
            ("nextcloud", "fileSync"),
            ("jellyfin", "streaming"),
            ("vaultwarden", "passwords"),
        ] {
            assert!(
                catalog
                    .subscriptions
                    .iter()
                    .any(|entry| entry.category == category && entry.replaced_by.iter().any(|id| id == app)),
                "{app} replaces no {category} subscription"
            );
        }
    }

    #[test]
    fn catalog_dates_are_iso() {
        for entry in &catalog().unwrap().subscriptions {
            let parts: Vec<&str> = entry.priced_on.split('-').collect();
            assert!(
                parts.len() == 3 && parts.iter().all(|part| part.chars().all(|c| c.is_ascii_digit())),
                "{}: priced_on '{}' is not YYYY-MM-DD",
                entry.id,
                entry.priced_on
            );
        }
    }

    #[test]
    fn convert_goes_through_usd() {
        let currencies = currencies().unwrap();
        let cny = currencies.convert(10.0, "USD", "CNY").unwrap();
        assert!((cny - 73.0).abs() < 1e-9, "{cny}");
        let back = currencies.convert(cny, "CNY", "USD").unwrap();
        assert!((back - 10.0).abs() < 1e-9, "{back}");
        assert!(matches!(
            currencies.convert(1.0, "USD", "XYZ"),
            Err(Error::NotFound { .. })
        ));
    }
}
