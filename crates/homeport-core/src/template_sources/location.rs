//! The location of a template source: a path on this computer or an http(s) URL.

use crate::error::{Error, Result};

/// Whether a location is a path or a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    File,
    Url,
}

impl LocationKind {
    /// Returns the name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::File => "file",
            LocationKind::Url => "url",
        }
    }
}

/// A checked location: an absolute path, or an http(s) URL without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    kind: LocationKind,
    text: String,
}

impl Location {
    /// Checks what a user typed. Text with `://` is a URL: it must use http or https and
    /// carry no user name or password, because the URL is stored. Anything else is a path,
    /// made absolute against the current folder, with a leading `~/` read as the home folder.
    pub fn parse(input: &str) -> Result<Location> {
        let input = input.trim();
        if input.is_empty() {
            return Err(Error::invalid(
                "location",
                input,
                "enter the path of a template file or folder, or an http(s) URL",
            ));
        }
        if input.contains("://") {
            return parse_url(input);
        }
        let path = match (input.strip_prefix("~/"), directories::BaseDirs::new()) {
            (Some(rest), Some(dirs)) => dirs.home_dir().join(rest),
            _ => std::path::PathBuf::from(input),
        };
        let absolute = std::path::absolute(&path).map_err(|err| Error::invalid("location", input, err.to_string()))?;
        Ok(Location {
            kind: LocationKind::File,
            text: absolute.to_string_lossy().into_owned(),
        })
    }

    /// Rebuilds a location read from the database.
    pub(super) fn from_stored(kind: &str, text: String) -> Result<Location> {
        let kind = match kind {
            "file" => LocationKind::File,
            "url" => LocationKind::Url,
            other => return Err(Error::Storage(format!("unknown template location kind '{other}'"))),
        };
        Ok(Location { kind, text })
    }

    pub fn kind(&self) -> LocationKind {
        self.kind
    }

    /// Returns the path or URL.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn parse_url(input: &str) -> Result<Location> {
    let invalid = |reason: &str| Error::invalid("location", input, reason);
    let url = url::Url::parse(input).map_err(|err| invalid(&format!("not a valid URL ({err})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            "only http and https URLs can be imported; for a file on this computer, enter its path",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // The error shows the URL without the credentials, as errors are logged.
        let mut redacted = url.clone();
        let _ = redacted.set_username("");
        let _ = redacted.set_password(None);
        return Err(Error::invalid(
            "location",
            redacted.as_str(),
            "the URL contains a user name or password, which Homeport would store; download the file yourself and import it from disk",
        ));
    }
    Ok(Location {
        kind: LocationKind::Url,
        text: url.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_locations() {
        let location = Location::parse(" https://example.org/templates.json ").expect("valid URL");
        assert_eq!(location.kind(), LocationKind::Url);
        assert_eq!(location.as_str(), "https://example.org/templates.json");

        for bad in [
            "ftp://example.org/t.json",
            "https://user:secret@example.org/t.json",
            "https://token@example.org/t.json",
            "http://",
            "",
        ] {
            let error = Location::parse(bad).expect_err(bad);
            assert_eq!(error.code(), crate::ErrorCode::InvalidInput, "{bad}");
            assert!(!error.to_string().contains("secret"), "{error}");
        }
    }

    #[test]
    fn path_locations_become_absolute() {
        let location = Location::parse("templates.json").expect("a relative path");
        assert_eq!(location.kind(), LocationKind::File);
        assert!(
            std::path::Path::new(location.as_str()).is_absolute(),
            "{}",
            location.as_str()
        );
        assert!(location.as_str().ends_with("templates.json"));

        let home = directories::BaseDirs::new()
            .expect("a home folder")
            .home_dir()
            .to_path_buf();
        let location = Location::parse("~/apps/compose.yml").expect("a path in the home folder");
        assert_eq!(location.as_str(), home.join("apps/compose.yml").to_string_lossy());
    }
}
