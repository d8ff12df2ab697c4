//! The reverse proxy in front of a stack: which images count as one, the service the builder
//! adds, and the Caddyfile written from the routes.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::view::ProxyRoute;

/// The reverse proxies the builder can add and route through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ProxyKind {
    /// Caddy, configured by the Caddyfile the builder writes.
    Caddy,
    /// Nginx Proxy Manager, configured in its own web UI; the builder lists the proxy hosts
    /// to add there, because its settings live in its database, not in a file.
    NginxProxyManager,
}

/// The file name of the generated Caddyfile, beside compose.yaml in the stack folder.
pub const CADDYFILE: &str = "Caddyfile";

impl ProxyKind {
    /// Recognises the official images, with or without a registry or tag.
    pub fn from_image(image: &str) -> Option<ProxyKind> {
        let without_digest = image.split('@').next().unwrap_or(image);
        let name = match without_digest.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => name,
            _ => without_digest,
        };
        let name = name.strip_prefix("docker.io/").unwrap_or(name);
        let name = name.strip_prefix("library/").unwrap_or(name);
        match name {
            "caddy" => Some(ProxyKind::Caddy),
            "jc21/nginx-proxy-manager" => Some(ProxyKind::NginxProxyManager),
            _ => None,
        }
    }

    /// Returns the service name the builder gives a new proxy.
    pub fn service_name(self) -> &'static str {
        match self {
            ProxyKind::Caddy => "caddy",
            ProxyKind::NginxProxyManager => "npm",
        }
    }

    /// Returns the lines of a new proxy service, relative to its key, and the named volumes it
    /// uses. The images are the catalog's pinned releases.
    pub fn service_lines(self) -> (Vec<String>, Vec<&'static str>) {
        let lines: &[&str] = match self {
            ProxyKind::Caddy => &[
                "image: caddy:2.10-alpine",
                "restart: unless-stopped",
                "ports:",
                "  - \"80:80\"",
                "  - \"443:443\"",
                "  - \"443:443/udp\"",
                "volumes:",
                "  # Written by Homeport from the routes below; edit routes, not this file.",
                "  - ./Caddyfile:/etc/caddy/Caddyfile:ro",
                "  - caddy-data:/data",
                "  - caddy-config:/config",
            ],
            ProxyKind::NginxProxyManager => &[
                "image: jc21/nginx-proxy-manager:2.12.6",
                "restart: unless-stopped",
                "ports:",
                "  - \"80:80\"",
                "  - \"443:443\"",
                "  # The admin UI; keep it off the internet.",
                "  - \"81:81\"",
                "volumes:",
                "  - npm-data:/data",
                "  - npm-letsencrypt:/etc/letsencrypt",
            ],
        };
        let volumes = match self {
            ProxyKind::Caddy => vec!["caddy-data", "caddy-config"],
            ProxyKind::NginxProxyManager => vec!["npm-data", "npm-letsencrypt"],
        };
        (lines.iter().map(|line| line.to_string()).collect(), volumes)
    }
}

/// True for names that no public certificate authority will certify: IP addresses, names
/// without a dot, and names under the suffixes home networks use. RFC 8375 reserves `home.arpa`
/// for home networks, `.local` is mDNS, and ICANN reserves `.internal` for private use.
pub fn is_lan_name(hostname: &str) -> bool {
    let name = hostname.trim_end_matches('.').to_ascii_lowercase();
    if name.parse::<IpAddr>().is_ok() || !name.contains('.') {
        return true;
    }
    const LAN_SUFFIXES: [&str; 8] = [
        ".home.arpa",
        ".local",
        ".lan",
        ".internal",
        ".home",
        ".localdomain",
        ".intranet",
        ".localhost",
    ];
    LAN_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// Checks a route's hostname as a DNS name or IP address, returning the reason it is invalid.
pub fn check_hostname(hostname: &str) -> Result<(), String> {
    if hostname.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let name = hostname.trim_end_matches('.');
    if name.is_empty() || name.len() > 253 {
        return Err("a hostname has 1 to 253 characters".to_string());
    }
    for label in name.split('.') {
        let valid_chars = label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if label.is_empty() || label.len() > 63 || !valid_chars || label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "'{label}' is not a valid DNS label: use letters, digits and inner hyphens, at most 63 characters"
            ));
        }
    }
    Ok(())
}

/// Writes the Caddyfile for `routes`: one site per hostname, `tls internal` for LAN names,
/// and a plain-HTTP response when there is no route yet so a fresh proxy shows that it runs.
/// Routes with an invalid hostname or port are left out, so no text from compose.yaml can add
/// its own Caddyfile directives; the validation reports them as errors.
pub fn caddyfile(routes: &[ProxyRoute]) -> String {
    let routes: Vec<&ProxyRoute> = routes
        .iter()
        .filter(|route| check_hostname(&route.hostname).is_ok() && route.port.parse::<u16>().is_ok_and(|port| port > 0))
        .collect();
    let mut text = String::from(
        "# Written by Homeport from the x-homeport routes in compose.yaml.\n\
         # Change the routes in Homeport or in compose.yaml; edits here are replaced on the next save.\n",
    );
    if routes.is_empty() {
        text.push_str("\n:80 {\n\trespond \"Caddy is running. Add a route in Homeport to serve an app.\"\n}\n");
        return text;
    }
    for route in routes {
        let _ = write!(text, "\n{} {{\n", route.hostname);
        if route.internal_tls {
            text.push_str("\t# A LAN name: the certificate comes from Caddy's own authority.\n\ttls internal\n");
        }
        let _ = writeln!(text, "\treverse_proxy {}:{}\n}}", route.service, route.port);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_images_are_recognised() {
        assert_eq!(ProxyKind::from_image("caddy:2.10-alpine"), Some(ProxyKind::Caddy));
        assert_eq!(ProxyKind::from_image("docker.io/library/caddy"), Some(ProxyKind::Caddy));
        assert_eq!(
            ProxyKind::from_image("jc21/nginx-proxy-manager:2.12.6"),
            Some(ProxyKind::NginxProxyManager)
        );
        assert_eq!(ProxyKind::from_image("caddy-docker-proxy"), None);
        assert_eq!(ProxyKind::from_image("registry.local:5000/caddy"), None);
    }

    #[test]
    fn lan_names_get_internal_tls() {
        for name in [
            "jellyfin.home.arpa",
            "nas.lan",
            "printer.local",
            "192.168.1.10",
            "nas",
            "Media.LAN.",
        ] {
            assert!(is_lan_name(name), "{name}");
        }
        for name in ["cloud.example.com", "jellyfin.example.org"] {
            assert!(!is_lan_name(name), "{name}");
        }
    }

    #[test]
    fn hostnames_are_checked() {
        assert!(check_hostname("jellyfin.home.arpa").is_ok());
        assert!(check_hostname("10.0.0.5").is_ok());
        assert!(check_hostname("bad_name.lan").is_err());
        assert!(check_hostname("-x.lan").is_err());
        assert!(check_hostname("").is_err());
    }

    #[test]
    fn caddyfile_has_one_site_per_route() {
        let routes = [
            ProxyRoute {
                service: "jellyfin".to_string(),
                hostname: "jellyfin.home.arpa".to_string(),
                port: "8096".to_string(),
                internal_tls: true,
            },
            ProxyRoute {
                service: "nextcloud".to_string(),
                hostname: "cloud.example.com".to_string(),
                port: "80".to_string(),
                internal_tls: false,
            },
        ];
        let text = caddyfile(&routes);
        assert!(text.contains("jellyfin.home.arpa {\n\t# A LAN name"));
        assert!(text.contains("\ttls internal\n\treverse_proxy jellyfin:8096\n}"));
        assert!(text.contains("cloud.example.com {\n\treverse_proxy nextcloud:80\n}"));
        assert_eq!(text.matches("tls internal").count(), 1);
    }

    #[test]
    fn caddyfile_leaves_out_injected_routes() {
        let route = |hostname: &str, port: &str| ProxyRoute {
            service: "app".to_string(),
            hostname: hostname.to_string(),
            port: port.to_string(),
            internal_tls: true,
        };
        let text = caddyfile(&[
            route("x.lan {\n}\n:2019 {\n\trespond pwned\n", "80"),
            route("ok.lan", "80 {\n}\nevil.lan {"),
            route("good.lan", "8080"),
        ]);
        assert!(!text.contains("pwned"), "{text}");
        assert!(!text.contains("evil"), "{text}");
        assert!(text.contains("good.lan {"), "{text}");
    }

    #[test]
    fn caddyfile_without_routes_answers_on_http() {
        assert!(caddyfile(&[]).contains(":80 {"));
    }
}
