//! The hosts of an import preview that a command imports, and the reasons for those it skips.
//! The API applies the same rule: the named hosts plus every jump host they connect through.

use std::collections::{BTreeSet, HashMap};

use homeport_api::{ImportCandidateView, ImportPreview, IpcError};
use serde::Serialize;

/// A host of the preview that the import leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedHost {
    pub alias: String,
    pub name: String,
    pub reason: SkipReason,
}

/// Reason an import leaves a host out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SkipReason {
    /// A problem in the configuration keeps the host from being imported at all.
    Blocked,
    /// No `--alias` was given, and a problem needs a look first (the `!` hosts of the preview).
    NotRecommended,
    /// `--alias` named other hosts, and no named host connects through this one.
    NotSelected,
}

impl SkipReason {
    /// Returns the reason in words, for the text output.
    pub fn text(self) -> &'static str {
        match self {
            SkipReason::Blocked => "a problem in the configuration blocks it",
            SkipReason::NotRecommended => {
                "a problem needs a look first; name it with --alias (--context for import-docker) to import it"
            }
            SkipReason::NotSelected => "not named with --alias or --context",
        }
    }
}

/// Returns `aliases` with the jump hosts they connect through, failing on an alias the
/// preview does not offer.
pub fn with_jump_hosts(preview: &ImportPreview, aliases: &[String]) -> Result<BTreeSet<String>, IpcError> {
    let by_alias: HashMap<&str, &ImportCandidateView> = preview
        .candidates
        .iter()
        .map(|candidate| (candidate.alias.as_str(), candidate))
        .collect();
    let mut chosen = BTreeSet::new();
    for alias in aliases {
        let mut next = Some(alias.as_str());
        while let Some(current) = next {
            let candidate = by_alias.get(current).ok_or_else(|| {
                IpcError::from(homeport_core::Error::invalid(
                    "alias",
                    current,
                    "the configuration offers no such host; run the command with --dry-run and without --alias \
                     to list the hosts it offers",
                ))
            })?;
            // A jump host chain that loops ends at a host chosen already.
            if !chosen.insert(current.to_string()) {
                break;
            }
            next = candidate.jump_alias.as_deref();
        }
    }
    Ok(chosen)
}

/// Keeps only the candidates named in `aliases` and their jump hosts, in the preview's order.
/// With no aliases, the preview stays whole. The digest still covers the whole preview, so
/// it can be passed to `--digest` with the same `--alias` options.
pub fn only_selected(mut preview: ImportPreview, aliases: &[String]) -> Result<ImportPreview, IpcError> {
    if aliases.is_empty() {
        return Ok(preview);
    }
    let chosen = with_jump_hosts(&preview, aliases)?;
    preview.candidates.retain(|candidate| chosen.contains(&candidate.alias));
    Ok(preview)
}

/// Lists the candidates an import of `imported` (the aliases given to the API, before their
/// jump hosts are added) leaves out. `named` is whether the user chose them with `--alias`.
pub fn skipped(preview: &ImportPreview, imported: &[String], named: bool) -> Vec<SkippedHost> {
    let chosen = with_jump_hosts(preview, imported).unwrap_or_default();
    preview
        .candidates
        .iter()
        .filter(|candidate| !chosen.contains(&candidate.alias))
        .map(|candidate| {
            let reason = if candidate.problems.iter().any(|problem| problem.blocking) {
                SkipReason::Blocked
            } else if named {
                SkipReason::NotSelected
            } else {
                SkipReason::NotRecommended
            };
            SkippedHost {
                alias: candidate.alias.clone(),
                name: candidate.name.clone(),
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a preview from its JSON form, so the test names only the fields it needs.
    fn preview(candidates: &[(&str, Option<&str>, bool, bool)]) -> ImportPreview {
        let candidates: Vec<serde_json::Value> = candidates
            .iter()
            .map(|&(alias, jump, recommended, blocked)| {
                let problems = if blocked {
                    serde_json::json!([{"kind": "jumpChainTooLong", "params": {}, "message": "loops", "blocking": true}])
                } else {
                    serde_json::json!([])
                };
                serde_json::json!({
                    "alias": alias, "name": alias, "address": "192.0.2.1", "port": 22, "user": "u",
                    "auth": "agent", "keyPath": null, "jumpAlias": jump, "action": "new", "hostId": null,
                    "hostKey": "notFound", "hostKeyFingerprint": null, "problems": problems,
                    "recommended": recommended, "origin": "sshConfig", "context": null, "current": false,
                    "kind": "ssh", "dockerSocket": null, "tls": null
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "configFiles": [], "knownHostsProblems": [], "candidates": candidates, "revokedKeys": 0,
            "digest": "d", "dockerProblems": []
        }))
        .expect("a preview")
    }

    fn aliases(preview: &ImportPreview) -> Vec<&str> {
        preview
            .candidates
            .iter()
            .map(|candidate| candidate.alias.as_str())
            .collect()
    }

    #[test]
    fn only_selected_keeps_jump_hosts() {
        let whole = preview(&[
            ("bastion", None, true, false),
            ("web", Some("bastion"), true, false),
            ("db", None, true, false),
        ]);
        let selected = only_selected(whole.clone(), &["web".to_string()]).expect("web is offered");
        assert_eq!(aliases(&selected), ["bastion", "web"]);
        assert_eq!(selected.digest, whole.digest, "the digest covers the whole preview");
        assert_eq!(aliases(&only_selected(whole, &[]).unwrap()), ["bastion", "web", "db"]);
    }

    #[test]
    fn only_selected_rejects_unknown_alias() {
        let err = only_selected(preview(&[("web", None, true, false)]), &["nope".to_string()]).expect_err("unknown");
        assert_eq!(err.params.get("field").map(String::as_str), Some("alias"));
        assert_eq!(err.params.get("value").map(String::as_str), Some("nope"));
    }

    #[test]
    fn skipped_names_each_reason() {
        let whole = preview(&[
            ("a", None, true, false),
            ("b", None, false, false),
            ("c", Some("c"), false, true),
        ]);
        let recommended = skipped(&whole, &["a".to_string()], false);
        let reasons: Vec<(&str, SkipReason)> = recommended
            .iter()
            .map(|host| (host.alias.as_str(), host.reason))
            .collect();
        assert_eq!(reasons, [("b", SkipReason::NotRecommended), ("c", SkipReason::Blocked)]);

        let named = skipped(&whole, &["b".to_string()], true);
        assert_eq!(named[0].alias, "a");
        assert_eq!(named[0].reason, SkipReason::NotSelected);
        assert_eq!(named.len(), 2);
    }
}
