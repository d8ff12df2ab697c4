//! Service volume mounts in short syntax (`[SOURCE:]TARGET[:OPTIONS]`) and long syntax.

use std::path::Path;

/// One mount, as `docker compose config` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct VolumeMount {
    /// `bind`, `volume`, `tmpfs`, `image`, `npipe` or `cluster`.
    pub kind: String,
    /// A host path (absolute after loading) for a bind, a volume name, or none.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// `z` or `Z`, the SELinux relabelling of a bind mount.
    pub selinux: Option<String>,
    /// Bind propagation such as `rprivate`.
    pub propagation: Option<String>,
    /// Whether Docker creates a missing host path of a bind (true for short syntax).
    pub create_host_path: Option<bool>,
    pub nocopy: bool,
    pub subpath: Option<String>,
    pub tmpfs_size: Option<u64>,
    pub tmpfs_mode: Option<u32>,
}

/// Parses a short-syntax entry such as `./data:/data:ro,z` or `db:/var/lib/postgresql`.
/// Relative bind sources are resolved against `working_dir`, as Compose does.
pub fn parse_short(spec: &str, working_dir: &Path) -> Result<VolumeMount, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, options) = match parts.as_slice() {
        [target] => (None, *target, None),
        [source, target] => (Some(*source), *target, None),
        [source, target, options] => (Some(*source), *target, Some(*options)),
        _ => return Err("too many ':'; write SOURCE:TARGET:OPTIONS".to_string()),
    };
    if target.is_empty() {
        return Err("the target path is empty".to_string());
    }

    let mut mount = VolumeMount {
        target: target.to_string(),
        ..VolumeMount::default()
    };
    match source {
        None => mount.kind = "volume".to_string(),
        Some(source) if is_path(source) => {
            mount.kind = "bind".to_string();
            mount.source = Some(absolute(source, working_dir));
            mount.create_host_path = Some(true);
        }
        Some(source) => {
            mount.kind = "volume".to_string();
            mount.source = Some(source.to_string());
        }
    }

    for option in options
        .unwrap_or_default()
        .split(',')
        .filter(|option| !option.is_empty())
    {
        match option {
            "ro" => mount.read_only = true,
            "rw" => mount.read_only = false,
            "z" | "Z" => mount.selinux = Some(option.to_string()),
            "nocopy" => mount.nocopy = true,
            "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" => {
                mount.propagation = Some(option.to_string())
            }
            _ => {
                return Err(format!(
                    "unknown option '{option}'; use ro, rw, z, Z, nocopy or a propagation mode"
                ))
            }
        }
    }
    Ok(mount)
}

/// True for a source Compose treats as a host path rather than a volume name.
pub fn is_path(source: &str) -> bool {
    source.starts_with('.') || source.starts_with('/') || source.starts_with('~')
}

/// Resolves `source` against `working_dir` and removes `.` and `..` parts lexically.
pub fn absolute(source: &str, working_dir: &Path) -> String {
    if source.starts_with('~') {
        // NOTE: Compose expands `~` to the home folder of the machine it runs on. That machine
        // is chosen at deploy time, so the path is kept as written here.
        return source.to_string();
    }
    let joined = working_dir.join(source);
    let mut parts: Vec<String> = Vec::new();
    for component in joined.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if parts.len() > 1 {
                    parts.pop();
                }
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let mut path = std::path::PathBuf::new();
    for part in parts {
        path.push(part);
    }
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_short_forms() {
        let dir = Path::new("/srv/app");
        let bind = parse_short("./data:/data:ro,z", dir).unwrap();
        assert_eq!(bind.kind, "bind");
        assert_eq!(bind.source.as_deref(), Some("/srv/app/data"));
        assert!(bind.read_only);
        assert_eq!(bind.selinux.as_deref(), Some("z"));

        let named = parse_short("db:/var/lib/db", dir).unwrap();
        assert_eq!(named.kind, "volume");
        assert_eq!(named.source.as_deref(), Some("db"));

        let anonymous = parse_short("/cache", dir).unwrap();
        assert_eq!(anonymous.kind, "volume");
        assert_eq!(anonymous.source, None);

        assert_eq!(
            parse_short("../shared:/s", dir).unwrap().source.as_deref(),
            Some("/srv/shared")
        );
        assert!(parse_short("a:/b:bogus", dir).is_err());
    }
}
