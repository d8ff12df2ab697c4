//! The 3-2-1 check for one protected item. The rule requires at least three copies of the data
//! (the live copy counts) on at least two different kinds of media. At least one copy must be
//! offsite, 50 km away or more, so that one fire, flood or burglary cannot reach every copy.
//!
//! The check is pure: the caller describes where the item's backups are and whether each
//! repository holds a good snapshot of it, and gets counts and typed findings back. Each
//! finding has a stable code that the UI translates and parameters for its message.

use std::collections::{BTreeMap, BTreeSet};

/// The number of copies the rule requires, the live copy included.
pub const REQUIRED_COPIES: usize = 3;

/// The number of different kinds of media the rule requires.
pub const REQUIRED_MEDIA: usize = 2;

/// The minimum distance between the live data and an offsite copy. Natural disasters and
/// regional power or network failures commonly reach tens of kilometres, so 50 km is the
/// usual guidance.
pub const OFFSITE_MIN_DISTANCE_KM: u32 = 50;

/// The place of a repository, seen from the protected item's host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "place", rename_all = "snake_case")]
pub enum RepositoryPlace {
    /// A local path on the same disk (or the same pool) as the live data: it fails with it.
    SourceDisk,
    /// Another disk in the same host.
    OtherDisk,
    /// A repository reached over the network.
    Remote { kind: RemoteKind, location: Location },
}

/// The protocol or service a remote repository is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteKind {
    Sftp,
    Rclone,
    S3,
}

/// The location of a remote repository's storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "location", rename_all = "snake_case")]
pub enum Location {
    /// On the protected host itself, such as an SFTP server on the same machine.
    SameHost,
    /// Another machine at the same site (the same building or network).
    SameSite,
    /// Another site. `distance_km` is the distance from the live data when the user gave it.
    Offsite { distance_km: Option<u32> },
}

/// One repository that backs up the item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepositoryCopy {
    /// The name the user knows the repository by, used in findings.
    pub name: String,
    pub place: RepositoryPlace,
    /// The repository contains a snapshot of the item that finished and passed its checks.
    /// A repository without one is planned, not a copy yet.
    pub has_good_snapshot: bool,
}

/// The kind of media a copy is on. Copies of the same kind count once towards the two media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Medium {
    /// The disk the live data is on.
    SourceDisk,
    /// Another disk in the same host.
    LocalDisk,
    /// Storage on another machine reached over SFTP or through rclone.
    NetworkServer,
    /// Object storage (S3 or an rclone cloud remote).
    ObjectStorage,
}

/// Something the item's copies lack, with the values its message needs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Finding {
    /// Fewer than three copies, the live data included.
    TooFewCopies { copies: usize, required: usize },
    /// All copies are on one kind of media.
    TooFewMedia { media: usize, required: usize },
    /// No copy is offsite.
    NoOffsiteCopy { min_distance_km: u32 },
    /// An offsite copy is closer than the minimum distance.
    OffsiteTooClose {
        repository: String,
        distance_km: u32,
        min_distance_km: u32,
    },
    /// An offsite copy's distance is unknown, so the 50 km guidance cannot be checked.
    OffsiteDistanceUnknown { repository: String, min_distance_km: u32 },
    /// A repository is on the same disk as the live data, so one disk failure loses both.
    SameDiskAsSource { repository: String },
    /// A repository has no good snapshot of the item yet, so it does not count as a copy.
    NoGoodSnapshot { repository: String },
}

impl Finding {
    /// Returns the stable code the UI translates (`backup.rule321.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            Finding::TooFewCopies { .. } => "too_few_copies",
            Finding::TooFewMedia { .. } => "too_few_media",
            Finding::NoOffsiteCopy { .. } => "no_offsite_copy",
            Finding::OffsiteTooClose { .. } => "offsite_too_close",
            Finding::OffsiteDistanceUnknown { .. } => "offsite_distance_unknown",
            Finding::SameDiskAsSource { .. } => "same_disk_as_source",
            Finding::NoGoodSnapshot { .. } => "no_good_snapshot",
        }
    }

    /// Returns whether the finding means the rule is not met. The other findings are advice
    /// about copies that already count.
    pub fn breaks_rule(&self) -> bool {
        match self {
            Finding::TooFewCopies { .. }
            | Finding::TooFewMedia { .. }
            | Finding::NoOffsiteCopy { .. }
            | Finding::OffsiteTooClose { .. } => true,
            Finding::OffsiteDistanceUnknown { .. }
            | Finding::SameDiskAsSource { .. }
            | Finding::NoGoodSnapshot { .. } => false,
        }
    }

    /// Returns the values the translated message interpolates, by name.
    pub fn params(&self) -> BTreeMap<&'static str, String> {
        let mut params = BTreeMap::new();
        match self {
            Finding::TooFewCopies { copies, required } => {
                params.insert("copies", copies.to_string());
                params.insert("required", required.to_string());
            }
            Finding::TooFewMedia { media, required } => {
                params.insert("media", media.to_string());
                params.insert("required", required.to_string());
            }
            Finding::NoOffsiteCopy { min_distance_km } => {
                params.insert("min_distance_km", min_distance_km.to_string());
            }
            Finding::OffsiteTooClose {
                repository,
                distance_km,
                min_distance_km,
            } => {
                params.insert("repository", repository.clone());
                params.insert("distance_km", distance_km.to_string());
                params.insert("min_distance_km", min_distance_km.to_string());
            }
            Finding::OffsiteDistanceUnknown {
                repository,
                min_distance_km,
            } => {
                params.insert("repository", repository.clone());
                params.insert("min_distance_km", min_distance_km.to_string());
            }
            Finding::SameDiskAsSource { repository } | Finding::NoGoodSnapshot { repository } => {
                params.insert("repository", repository.clone());
            }
        }
        params
    }

    /// Returns the English message for the CLI and logs. The desktop UI translates [`Self::code`].
    pub fn message(&self) -> String {
        match self {
            Finding::TooFewCopies { copies, required } => format!(
                "{copies} of {required} copies: add a repository so there are {required} copies, the live data included"
            ),
            Finding::TooFewMedia { media, required } => format!(
                "all copies are on {media} kind of media, {required} are needed: add a repository on another disk, another machine or cloud storage"
            ),
            Finding::NoOffsiteCopy { min_distance_km } => format!(
                "no copy is offsite: add a repository at another site, at least {min_distance_km} km away, such as an rclone or S3 remote"
            ),
            Finding::OffsiteTooClose {
                repository,
                distance_km,
                min_distance_km,
            } => format!(
                "'{repository}' is {distance_km} km away, closer than {min_distance_km} km, so one regional disaster can reach it and the live data: copy to a site farther away"
            ),
            Finding::OffsiteDistanceUnknown {
                repository,
                min_distance_km,
            } => format!(
                "the distance of '{repository}' is not known: enter it, because an offsite copy should be at least {min_distance_km} km away"
            ),
            Finding::SameDiskAsSource { repository } => format!(
                "'{repository}' is on the same disk as the live data, so one disk failure loses both: move it to another disk"
            ),
            Finding::NoGoodSnapshot { repository } => format!(
                "'{repository}' has no good snapshot of this item yet, so it does not count: run the backup and check it"
            ),
        }
    }
}

/// The result of the check for one item.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rule321Report {
    /// Copies with the live data included.
    pub copies: usize,
    /// Different kinds of media among the counted copies, the live data's disk included.
    pub media: usize,
    /// Counted copies at another site, whatever their distance.
    pub offsite_copies: usize,
    /// Findings in a fixed order: the rule's three parts first, then advice per repository in
    /// the order given.
    pub findings: Vec<Finding>,
}

impl Rule321Report {
    /// Returns whether the item meets the rule. Advice findings do not change this.
    pub fn satisfied(&self) -> bool {
        !self.findings.iter().any(Finding::breaks_rule)
    }
}

fn medium_of(place: &RepositoryPlace) -> Medium {
    match place {
        RepositoryPlace::SourceDisk => Medium::SourceDisk,
        RepositoryPlace::OtherDisk => Medium::LocalDisk,
        RepositoryPlace::Remote { kind, .. } => match kind {
            RemoteKind::Sftp => Medium::NetworkServer,
            // An rclone remote can be any storage, but most are cloud object stores. The NOTE
            // in `check` explains what this guess costs.
            RemoteKind::Rclone | RemoteKind::S3 => Medium::ObjectStorage,
        },
    }
}

/// Describes a plan's repositories for [`check`]. Every item of a plan goes to every
/// repository, so one description serves all of them. `good` names the repositories that
/// hold a snapshot of the plan that finished and passed its checks.
pub fn plan_copies(plan: &super::plan::PlanDefinition, good: &BTreeSet<String>) -> Vec<RepositoryCopy> {
    use super::plan::{Location as Parsed, RepositoryPlace as Place};

    plan.repositories
        .iter()
        .map(|repository| {
            let kind = match Parsed::parse("repositories.location", &repository.location) {
                Ok(Parsed::Rclone { .. }) => RemoteKind::Rclone,
                Ok(Parsed::S3(_)) => RemoteKind::S3,
                _ => RemoteKind::Sftp,
            };
            let remote = |location| RepositoryPlace::Remote { kind, location };
            let place = match repository.effective_place() {
                Place::SourceDisk => RepositoryPlace::SourceDisk,
                Place::OtherDisk => RepositoryPlace::OtherDisk,
                Place::SameHost => remote(Location::SameHost),
                Place::SameSite => remote(Location::SameSite),
                Place::Offsite => remote(Location::Offsite {
                    distance_km: repository.distance_km,
                }),
            };
            RepositoryCopy {
                name: repository.name.clone(),
                place,
                has_good_snapshot: good.contains(&repository.name),
            }
        })
        .collect()
}

/// Checks one protected item against the 3-2-1 rule. The live copy is on its source disk.
pub fn check(repositories: &[RepositoryCopy]) -> Rule321Report {
    let counted: Vec<&RepositoryCopy> = repositories.iter().filter(|repo| repo.has_good_snapshot).collect();
    let copies = 1 + counted.len();

    // NOTE: media are distinguished by repository kind, not by device. Two repositories on one
    // other disk count as one medium, and an rclone remote that is an SFTP server counts as
    // object storage.
    let mut media: BTreeSet<Medium> = BTreeSet::from([Medium::SourceDisk]);
    media.extend(counted.iter().map(|repo| medium_of(&repo.place)));

    let offsite: Vec<(&RepositoryCopy, Option<u32>)> = counted
        .iter()
        .filter_map(|repo| match repo.place {
            RepositoryPlace::Remote {
                location: Location::Offsite { distance_km },
                ..
            } => Some((*repo, distance_km)),
            _ => None,
        })
        .collect();
    let far_enough = offsite
        .iter()
        .any(|(_, distance)| distance.is_none_or(|km| km >= OFFSITE_MIN_DISTANCE_KM));
    let known_far_enough = offsite
        .iter()
        .any(|(_, distance)| distance.is_some_and(|km| km >= OFFSITE_MIN_DISTANCE_KM));

    let mut findings = Vec::new();
    if copies < REQUIRED_COPIES {
        findings.push(Finding::TooFewCopies {
            copies,
            required: REQUIRED_COPIES,
        });
    }
    if media.len() < REQUIRED_MEDIA {
        findings.push(Finding::TooFewMedia {
            media: media.len(),
            required: REQUIRED_MEDIA,
        });
    }
    if offsite.is_empty() {
        findings.push(Finding::NoOffsiteCopy {
            min_distance_km: OFFSITE_MIN_DISTANCE_KM,
        });
    }
    for (repo, distance) in &offsite {
        match distance {
            Some(km) if *km < OFFSITE_MIN_DISTANCE_KM && !far_enough => findings.push(Finding::OffsiteTooClose {
                repository: repo.name.clone(),
                distance_km: *km,
                min_distance_km: OFFSITE_MIN_DISTANCE_KM,
            }),
            None if !known_far_enough => findings.push(Finding::OffsiteDistanceUnknown {
                repository: repo.name.clone(),
                min_distance_km: OFFSITE_MIN_DISTANCE_KM,
            }),
            _ => {}
        }
    }
    for repo in repositories {
        if repo.place == RepositoryPlace::SourceDisk {
            findings.push(Finding::SameDiskAsSource {
                repository: repo.name.clone(),
            });
        }
        if !repo.has_good_snapshot {
            findings.push(Finding::NoGoodSnapshot {
                repository: repo.name.clone(),
            });
        }
    }

    Rule321Report {
        copies,
        media: media.len(),
        offsite_copies: offsite.len(),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str, place: RepositoryPlace) -> RepositoryCopy {
        RepositoryCopy {
            name: name.to_string(),
            place,
            has_good_snapshot: true,
        }
    }

    fn remote(kind: RemoteKind, location: Location) -> RepositoryPlace {
        RepositoryPlace::Remote { kind, location }
    }

    fn offsite(distance_km: Option<u32>) -> Location {
        Location::Offsite { distance_km }
    }

    fn codes(report: &Rule321Report) -> Vec<&'static str> {
        report.findings.iter().map(Finding::code).collect()
    }

    #[test]
    fn plan_places_count_only_good_repositories() {
        let text = r#"{"name":"nas","host":"local","items":[{"kind":"path","path":"/srv"}],
            "repositories":[
              {"name":"usb","location":"/mnt/usb/restic","place":"otherDisk"},
              {"name":"cloud","location":"s3:https://s3.example.test/b","place":"offsite","distanceKm":300},
              {"name":"same","location":"/srv/restic"}]}"#;
        let plan = super::super::plan::parse_plan_json("plan.json", text).unwrap();

        let every: BTreeSet<String> = ["usb", "cloud", "same"].iter().map(|name| name.to_string()).collect();
        let planned = check(&plan_copies(&plan, &every));
        assert!(planned.satisfied(), "{planned:?}");
        // A local path without a place is taken to be on the live data's disk.
        assert_eq!(codes(&planned), ["same_disk_as_source"]);

        let only_usb: BTreeSet<String> = ["usb".to_string()].into();
        let now = check(&plan_copies(&plan, &only_usb));
        assert_eq!(now.copies, 2);
        assert!(codes(&now).contains(&"no_offsite_copy"), "{now:?}");
        assert!(codes(&now).contains(&"no_good_snapshot"), "{now:?}");
    }

    #[test]
    fn no_repositories_misses_everything() {
        let report = check(&[]);
        assert_eq!(report.copies, 1);
        assert_eq!(report.media, 1);
        assert_eq!(report.offsite_copies, 0);
        assert_eq!(codes(&report), ["too_few_copies", "too_few_media", "no_offsite_copy"]);
        assert!(!report.satisfied());
    }

    #[test]
    fn classic_three_two_one_is_satisfied() {
        let report = check(&[
            repo("usb", RepositoryPlace::OtherDisk),
            repo("b2", remote(RemoteKind::Rclone, offsite(Some(300)))),
        ]);
        assert_eq!(report.copies, 3);
        assert_eq!(report.media, 3);
        assert_eq!(report.offsite_copies, 1);
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        assert!(report.satisfied());
    }

    #[test]
    fn same_disk_copies_count_but_not_as_media() {
        let report = check(&[
            repo("here", RepositoryPlace::SourceDisk),
            repo("here-too", RepositoryPlace::SourceDisk),
        ]);
        assert_eq!(report.copies, 3);
        assert_eq!(report.media, 1);
        assert_eq!(
            codes(&report),
            [
                "too_few_media",
                "no_offsite_copy",
                "same_disk_as_source",
                "same_disk_as_source"
            ]
        );
    }

    #[test]
    fn offsite_note_carries_fifty_km() {
        let report = check(&[repo("usb", RepositoryPlace::OtherDisk)]);
        let finding = report
            .findings
            .iter()
            .find(|finding| finding.code() == "no_offsite_copy")
            .expect("offsite finding");
        assert_eq!(finding.params()["min_distance_km"], "50");
        assert!(finding.message().contains("at least 50 km"), "{}", finding.message());
    }

    #[test]
    fn offsite_too_close_breaks_rule() {
        let report = check(&[
            repo("usb", RepositoryPlace::OtherDisk),
            repo("friend", remote(RemoteKind::Sftp, offsite(Some(12)))),
        ]);
        assert_eq!(report.offsite_copies, 1);
        assert_eq!(codes(&report), ["offsite_too_close"]);
        let finding = &report.findings[0];
        assert_eq!(finding.params()["distance_km"], "12");
        assert_eq!(finding.params()["repository"], "friend");
        assert!(!report.satisfied());
    }

    #[test]
    fn close_copy_fine_when_far_copy_exists() {
        let report = check(&[
            repo("friend", remote(RemoteKind::Sftp, offsite(Some(12)))),
            repo("s3", remote(RemoteKind::S3, offsite(Some(800)))),
        ]);
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        assert_eq!(report.offsite_copies, 2);
    }

    #[test]
    fn unknown_distance_is_advice() {
        let report = check(&[
            repo("usb", RepositoryPlace::OtherDisk),
            repo("cloud", remote(RemoteKind::S3, offsite(None))),
        ]);
        assert_eq!(codes(&report), ["offsite_distance_unknown"]);
        assert!(report.satisfied());
        assert_eq!(report.findings[0].params()["min_distance_km"], "50");
    }

    #[test]
    fn unknown_distance_quiet_when_known_far() {
        let report = check(&[
            repo("cloud", remote(RemoteKind::S3, offsite(None))),
            repo("parents", remote(RemoteKind::Sftp, offsite(Some(50)))),
        ]);
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    #[test]
    fn repository_without_snapshot_not_counted() {
        let mut planned = repo("b2", remote(RemoteKind::Rclone, offsite(Some(400))));
        planned.has_good_snapshot = false;
        let report = check(&[repo("usb", RepositoryPlace::OtherDisk), planned]);
        assert_eq!(report.copies, 2);
        assert_eq!(report.offsite_copies, 0);
        assert_eq!(
            codes(&report),
            ["too_few_copies", "no_offsite_copy", "no_good_snapshot"]
        );
    }

    #[test]
    fn same_site_and_same_host_are_not_offsite() {
        let report = check(&[
            repo("nas", remote(RemoteKind::Sftp, Location::SameSite)),
            repo("loop", remote(RemoteKind::Sftp, Location::SameHost)),
        ]);
        assert_eq!(report.copies, 3);
        assert_eq!(report.media, 2);
        assert_eq!(codes(&report), ["no_offsite_copy"]);
    }

    #[test]
    fn same_kind_counts_as_one_medium() {
        let report = check(&[
            repo("s3-a", remote(RemoteKind::S3, offsite(Some(100)))),
            repo("b2", remote(RemoteKind::Rclone, offsite(Some(900)))),
        ]);
        assert_eq!(report.media, 2);
        assert!(report.satisfied());
    }

    #[test]
    fn every_finding_has_code_and_message() {
        let findings = [
            Finding::TooFewCopies { copies: 1, required: 3 },
            Finding::TooFewMedia { media: 1, required: 2 },
            Finding::NoOffsiteCopy { min_distance_km: 50 },
            Finding::OffsiteTooClose {
                repository: "r".into(),
                distance_km: 3,
                min_distance_km: 50,
            },
            Finding::OffsiteDistanceUnknown {
                repository: "r".into(),
                min_distance_km: 50,
            },
            Finding::SameDiskAsSource { repository: "r".into() },
            Finding::NoGoodSnapshot { repository: "r".into() },
        ];
        let mut seen = BTreeSet::new();
        for finding in &findings {
            assert!(seen.insert(finding.code()), "duplicate code {}", finding.code());
            assert!(!finding.message().is_empty());
            // The serialized tag is the same code the UI translates.
            let json = serde_json::to_value(finding).unwrap();
            assert_eq!(json["code"], finding.code());
        }
    }

    #[test]
    fn report_serializes_places() {
        let copy = repo("b2", remote(RemoteKind::Rclone, offsite(Some(300))));
        let json = serde_json::to_value(&copy).unwrap();
        assert_eq!(json["place"]["place"], "remote");
        assert_eq!(json["place"]["kind"], "rclone");
        assert_eq!(json["place"]["location"]["location"], "offsite");
        assert_eq!(json["place"]["location"]["distance_km"], 300);
        let back: RepositoryCopy = serde_json::from_value(json).unwrap();
        assert_eq!(back, copy);
    }
}
