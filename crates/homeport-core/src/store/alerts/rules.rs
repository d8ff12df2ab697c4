//! Stored alert rules and the state of their instances.

use std::collections::HashMap;

use sqlx::Row;

use crate::alerts::{builtin_rules, InstanceState, Rule, RuleSource};
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

impl Store {
    /// Lists every rule in order: built-in ones first, then imported ones as their files had
    /// them. Built-in rules not stored yet are stored with their shipped values first, so a
    /// rule added in a new version appears without touching the user's edits.
    pub async fn alert_rules(&self) -> Result<Vec<Rule>> {
        let builtin = builtin_rules()?;
        let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM alert_rules WHERE source = 'builtin'")
            .fetch_all(&self.pool)
            .await?;
        if builtin.iter().any(|rule| !stored.contains(&rule.id)) {
            let mut tx = self.pool.begin().await?;
            for (position, rule) in builtin.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO alert_rules (id, source, position, definition, updated_at) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT(id) DO NOTHING",
                )
                .bind(&rule.id)
                .bind(rule.source.as_str())
                .bind(position as i64)
                .bind(to_json(rule)?)
                .bind(now_rfc3339())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }

        let rows = sqlx::query("SELECT definition FROM alert_rules ORDER BY source = 'builtin' DESC, position, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let definition: String = row.try_get("definition")?;
                serde_json::from_str(&definition).map_err(|err| Error::Storage(format!("stored alert rule: {err}")))
            })
            .collect()
    }

    /// Returns a value that changes whenever a rule is stored, replaced or removed: the number
    /// of rules and the newest change time. Callers cache [`Store::alert_rules`] against it.
    pub async fn alert_rules_version(&self) -> Result<(i64, Option<String>)> {
        let row = sqlx::query("SELECT COUNT(*) AS rules, MAX(updated_at) AS changed FROM alert_rules")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("rules")?, row.try_get("changed")?))
    }

    /// Returns one rule.
    pub async fn alert_rule(&self, id: &str) -> Result<Rule> {
        self.alert_rules()
            .await?
            .into_iter()
            .find(|rule| rule.id == id)
            .ok_or_else(|| Error::AlertRuleNotFound(id.to_string()))
    }

    /// Replaces a stored rule with `rule`, which keeps its id.
    pub async fn save_alert_rule(&self, rule: &Rule) -> Result<()> {
        rule.validate()?;
        let updated = sqlx::query("UPDATE alert_rules SET definition = ?, updated_at = ? WHERE id = ?")
            .bind(to_json(rule)?)
            .bind(now_rfc3339())
            .bind(&rule.id)
            .execute(&self.pool)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::AlertRuleNotFound(rule.id.clone()));
        }
        Ok(())
    }

    /// Adds a rule written in Homeport after every other rule. A rule with the same id is an
    /// error, so a second save of the same form cannot replace a rule by accident.
    pub async fn insert_alert_rule(&self, rule: &Rule) -> Result<()> {
        rule.validate()?;
        let inserted = sqlx::query(
            "INSERT INTO alert_rules (id, source, position, definition, updated_at)
             SELECT ?, ?, COALESCE(MAX(position), 0) + 1, ?, ? FROM alert_rules WHERE true
             ON CONFLICT(id) DO NOTHING",
        )
        .bind(&rule.id)
        .bind(rule.source.as_str())
        .bind(to_json(rule)?)
        .bind(now_rfc3339())
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Error::invalid(
                "name",
                rule.name.clone(),
                "a rule with this name exists; choose another name",
            ));
        }
        Ok(())
    }

    /// Removes a rule that is not built in. Built-in rules are switched off instead, so an
    /// upgrade does not bring them back. The rule's instances stay until the next evaluation,
    /// which resolves the firing ones as it does for a disabled rule.
    pub async fn delete_alert_rule(&self, id: &str) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM alert_rules WHERE id = ? AND source <> 'builtin'")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::AlertRuleNotFound(id.to_string()));
        }
        Ok(())
    }

    /// Stores imported rules in one transaction, replacing the imported rules of the same
    /// groups, so importing a file again updates it instead of adding copies. Returns how many
    /// earlier rules were replaced.
    pub async fn replace_imported_rules(&self, groups: &[String], rules: &[Rule]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut replaced = 0;
        for group in groups {
            let prefix = format!("prom:{group}:");
            replaced += sqlx::query("DELETE FROM alert_rules WHERE source = ? AND substr(id, 1, ?) = ?")
                .bind(RuleSource::PrometheusFile.as_str())
                .bind(prefix.chars().count() as i64)
                .bind(&prefix)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        let base: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM alert_rules")
            .fetch_one(&mut *tx)
            .await?;
        for (offset, rule) in rules.iter().enumerate() {
            sqlx::query(
                "INSERT INTO alert_rules (id, source, position, definition, updated_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT(id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
            )
            .bind(&rule.id)
            .bind(rule.source.as_str())
            .bind(base + offset as i64)
            .bind(to_json(rule)?)
            .bind(now_rfc3339())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(replaced)
    }

    /// Returns the stored instances of a host's rules by fingerprint.
    pub async fn alert_instances(&self, host_id: &str) -> Result<HashMap<String, InstanceState>> {
        let rows = sqlx::query("SELECT fingerprint, state FROM alert_instances WHERE host_id = ?")
            .bind(host_id)
            .fetch_all(&self.pool)
            .await?;
        let mut instances = HashMap::with_capacity(rows.len());
        for row in rows {
            let state: String = row.try_get("state")?;
            let state: InstanceState =
                serde_json::from_str(&state).map_err(|err| Error::Storage(format!("stored alert instance: {err}")))?;
            instances.insert(row.try_get("fingerprint")?, state);
        }
        Ok(instances)
    }

    /// Returns the write counter of a host's instances: 0 before the first write.
    pub async fn alert_instances_generation(&self, host_id: &str) -> Result<i64> {
        let generation: Option<i64> =
            sqlx::query_scalar("SELECT generation FROM alert_instance_generations WHERE host_id = ?")
                .bind(host_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(generation.unwrap_or(0))
    }

    /// Writes the instances of a host that changed: `Some` stores a state, `None` removes one.
    /// Returns the host's new write counter (see [`Self::alert_instances_generation`]).
    pub async fn save_alert_instances(
        &self,
        host_id: &str,
        changes: &[(String, Option<InstanceState>)],
    ) -> Result<i64> {
        if changes.is_empty() {
            return self.alert_instances_generation(host_id).await;
        }
        let mut tx = self.pool.begin().await?;
        for (fingerprint, state) in changes {
            match state {
                Some(state) => {
                    let json = serde_json::to_string(state)
                        .map_err(|err| Error::Internal(format!("alert instance: {err}")))?;
                    sqlx::query(
                        "INSERT INTO alert_instances (fingerprint, host_id, rule_id, state) VALUES (?, ?, ?, ?)
                         ON CONFLICT(fingerprint) DO UPDATE SET state = excluded.state",
                    )
                    .bind(fingerprint)
                    .bind(host_id)
                    .bind(&state.rule_id)
                    .bind(json)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM alert_instances WHERE fingerprint = ?")
                        .bind(fingerprint)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        let generation: i64 = sqlx::query_scalar(
            "INSERT INTO alert_instance_generations (host_id, generation) VALUES (?, 1)
             ON CONFLICT(host_id) DO UPDATE SET generation = generation + 1
             RETURNING generation",
        )
        .bind(host_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(generation)
    }
}

fn to_json(rule: &Rule) -> Result<String> {
    serde_json::to_string(rule).map_err(|err| Error::Internal(format!("alert rule {}: {err}", rule.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::rule_file;
    use crate::alerts::{Condition, Phase};

    #[tokio::test]
    async fn builtin_rules_are_seeded_and_editable() {
        let store = Store::open_in_memory().await.unwrap();
        let rules = store.alert_rules().await.unwrap();
        assert_eq!(rules.len(), 6);

        let mut memory = store.alert_rule("container_memory_high").await.unwrap();
        memory.enabled = false;
        memory.for_secs = 60;
        if let Condition::Threshold(threshold) = &mut memory.condition {
            threshold.value = 95.0;
        }
        store.save_alert_rule(&memory).await.unwrap();
        assert_eq!(
            store.alert_rule("container_memory_high").await.unwrap(),
            memory,
            "edits survive the seeding"
        );
        assert_eq!(store.alert_rules().await.unwrap().len(), 6);
        assert!(matches!(
            store.alert_rule("nope").await,
            Err(Error::AlertRuleNotFound(_))
        ));
    }

    #[tokio::test]
    async fn reimport_replaces_the_group() {
        let store = Store::open_in_memory().await.unwrap();
        let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n      - alert: B\n        expr: up == 2\n";
        let imported = rule_file::import("r.yml", text).unwrap();
        assert_eq!(
            store
                .replace_imported_rules(&imported.groups, &imported.rules)
                .await
                .unwrap(),
            0
        );
        let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 1\n";
        let imported = rule_file::import("r.yml", text).unwrap();
        assert_eq!(
            store
                .replace_imported_rules(&imported.groups, &imported.rules)
                .await
                .unwrap(),
            2
        );
        let rules = store.alert_rules().await.unwrap();
        let imported: Vec<&Rule> = rules
            .iter()
            .filter(|rule| rule.source == RuleSource::PrometheusFile)
            .collect();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].expr.as_deref(), Some("up == 1"));
    }

    #[tokio::test]
    async fn custom_rules_are_added_once_and_removed() {
        let store = Store::open_in_memory().await.unwrap();
        let builtin = store.alert_rules().await.unwrap();
        let mut rule = builtin[0].clone();
        rule.id = "custom:HighLoad".into();
        rule.name = "HighLoad".into();
        rule.source = RuleSource::Custom;
        store.insert_alert_rule(&rule).await.unwrap();
        let err = store.insert_alert_rule(&rule).await.unwrap_err();
        assert!(err.to_string().contains("HighLoad"), "{err}");
        let rules = store.alert_rules().await.unwrap();
        assert_eq!(rules.last().unwrap().id, "custom:HighLoad", "added after the others");

        store.delete_alert_rule("custom:HighLoad").await.unwrap();
        assert!(
            store.delete_alert_rule(&builtin[0].id).await.is_err(),
            "built-in rules stay"
        );
        assert_eq!(store.alert_rules().await.unwrap().len(), builtin.len());
    }

    #[tokio::test]
    async fn instances_round_trip() {
        let store = Store::open_in_memory().await.unwrap();
        let state = InstanceState {
            rule_id: "filesystem_full".into(),
            phase: Phase::Pending,
            active_since: Some(100),
            ..InstanceState::default()
        };
        store
            .save_alert_instances("h1", &[("f1".to_string(), Some(state.clone()))])
            .await
            .unwrap();
        assert_eq!(store.alert_instances("h1").await.unwrap()["f1"], state);
        assert!(store.alert_instances("h2").await.unwrap().is_empty());
        assert_eq!(store.alert_instances_generation("h1").await.unwrap(), 1);
        assert_eq!(store.alert_instances_generation("h2").await.unwrap(), 0);
        store
            .save_alert_instances("h1", &[("f1".to_string(), None)])
            .await
            .unwrap();
        assert!(store.alert_instances("h1").await.unwrap().is_empty());
    }
}
