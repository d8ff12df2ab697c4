//! Image references as the engine normalises them, so that a service's `image:` and the
//! engine's `RepoDigests` entries can be compared by repository.
//!
//! The rules are those of the distribution `reference` package that dockerd 20.10 uses. The
//! first path component names a registry only when it contains `.` or `:` or is `localhost`.
//! Otherwise the registry is `docker.io`, where one-component names live under `library/`.

/// The registry that names without one refer to.
const DEFAULT_DOMAIN: &str = "docker.io";
/// Another spelling of [`DEFAULT_DOMAIN`] that older clients write.
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";

/// An image reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// The registry host, with its port when the reference gives one.
    pub domain: String,
    /// The repository path inside the registry, such as `library/busybox`.
    pub path: String,
    pub tag: Option<String>,
    /// The content digest, such as `sha256:…`, when the reference pins one.
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parses `reference`. Returns `None` for an image id (`sha256:…` or 64 hex digits) or a
    /// string that is no reference, since neither names a repository.
    pub fn parse(reference: &str) -> Option<Self> {
        let reference = reference.trim();
        if reference.is_empty() || reference.starts_with("sha256:") || is_hex_id(reference) {
            return None;
        }
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) if digest.contains(':') => (name, Some(digest.to_string())),
            Some(_) => return None,
            None => (reference, None),
        };

        let (domain, remainder) = split_domain(name);
        // A ':' after the domain can only start the tag.
        let (path, tag) = match remainder.rsplit_once(':') {
            Some((path, tag)) if !tag.is_empty() && !tag.contains('/') => (path, Some(tag.to_string())),
            Some(_) => return None,
            None => (remainder, None),
        };
        let valid_path = !path.is_empty()
            && path.split('/').all(|component| {
                !component.is_empty()
                    && component
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            });
        if !valid_path {
            return None;
        }

        let path = if domain == DEFAULT_DOMAIN && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        Some(Self {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// Returns the full repository name, such as `docker.io/library/busybox`.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
}

/// Splits the registry off `name`, as the distribution reference package does.
fn split_domain(name: &str) -> (String, &str) {
    match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            let domain = if first == LEGACY_DEFAULT_DOMAIN {
                DEFAULT_DOMAIN
            } else {
                first
            };
            (domain.to_string(), rest)
        }
        _ => (DEFAULT_DOMAIN.to_string(), name),
    }
}

fn is_hex_id(value: &str) -> bool {
    value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// Returns the digests among `repo_digests` (entries such as `registry/repo@sha256:…`) that
/// belong to `repository`, in their order.
pub fn digests_for(repo_digests: &[String], repository: &str) -> Vec<String> {
    repo_digests
        .iter()
        .filter_map(|entry| ImageReference::parse(entry))
        .filter(|parsed| parsed.repository() == repository)
        .filter_map(|parsed| parsed.digest)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(reference: &str) -> ImageReference {
        ImageReference::parse(reference).unwrap_or_else(|| panic!("'{reference}' should parse"))
    }

    #[test]
    fn reference_short_names_live_on_docker_hub() {
        let busybox = parsed("busybox");
        assert_eq!(busybox.repository(), "docker.io/library/busybox");
        assert_eq!(busybox.tag, None);

        let user = parsed("jellyfin/jellyfin:10.9");
        assert_eq!(user.repository(), "docker.io/jellyfin/jellyfin");
        assert_eq!(user.tag.as_deref(), Some("10.9"));

        assert_eq!(
            parsed("index.docker.io/library/busybox:1").repository(),
            "docker.io/library/busybox"
        );
    }

    #[test]
    fn reference_registry_with_port_keeps_tag() {
        let app = parsed("127.0.0.9:5000/hp/app:1");
        assert_eq!(app.domain, "127.0.0.9:5000");
        assert_eq!(app.path, "hp/app");
        assert_eq!(app.tag.as_deref(), Some("1"));
        assert_eq!(app.digest, None);

        let local = parsed("localhost/app");
        assert_eq!(local.repository(), "localhost/app");
        assert_eq!(
            parsed("lscr.io/linuxserver/sonarr").repository(),
            "lscr.io/linuxserver/sonarr"
        );
    }

    #[test]
    fn reference_with_digest_is_pinned() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let pinned = parsed(&format!("127.0.0.9:5000/hp/app:1@{digest}"));
        assert_eq!(pinned.tag.as_deref(), Some("1"));
        assert_eq!(pinned.digest.as_deref(), Some(digest.as_str()));
        assert_eq!(
            parsed(&format!("busybox@{digest}")).digest.as_deref(),
            Some(digest.as_str())
        );
    }

    #[test]
    fn reference_rejects_ids_and_garbage() {
        assert_eq!(ImageReference::parse(&format!("sha256:{}", "b".repeat(64))), None);
        assert_eq!(ImageReference::parse(&"c".repeat(64)), None);
        assert_eq!(ImageReference::parse(""), None);
        assert_eq!(ImageReference::parse("Upper/Case"), None);
        assert_eq!(ImageReference::parse("app@nodigest"), None);
        assert_eq!(ImageReference::parse("a//b"), None);
    }

    #[test]
    fn repo_digests_match_by_repository() {
        let entries = vec![
            "busybox@sha256:1111".to_string(),
            "127.0.0.9:5000/hp/app@sha256:2222".to_string(),
            "127.0.0.9:5000/hp/other@sha256:3333".to_string(),
        ];
        assert_eq!(digests_for(&entries, "docker.io/library/busybox"), vec!["sha256:1111"]);
        assert_eq!(digests_for(&entries, "127.0.0.9:5000/hp/app"), vec!["sha256:2222"]);
        assert!(digests_for(&entries, "docker.io/hp/app").is_empty());
    }
}
