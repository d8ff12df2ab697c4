//! One TLS check: a handshake that accepts any chain, then separate checks of the leaf's
//! validity, its names, and whether the chain leads to a trusted CA.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::store::TlsEndpoint;

/// The deadline of one check, connection and handshake included.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

const SECONDS_PER_DAY: i64 = 86_400;

/// What a check found. When `error` is set, the handshake did not complete and the certificate
/// fields are empty.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TlsReport {
    /// RFC 3339 time of the check.
    pub checked_at: String,
    /// Why no certificate could be read: no connection, no TLS, or the deadline.
    pub error: Option<String>,
    /// Whole days until `not_after`, rounded toward zero: 2.5 days left is 2, expired 1.5 days
    /// ago is -1. Use `expired` to tell a certificate that expired within the last day.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub days_left: Option<i64>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    /// DNS names and IP addresses of the subject alternative names, else the common names.
    pub names: Vec<String>,
    pub name_mismatch: bool,
    pub expired: bool,
    pub not_yet_valid: bool,
    /// Issuer and subject are the same and the server sent no other certificate.
    pub self_signed: bool,
    /// The chain leads to a CA of the OS or the endpoint's own CA, judged at a time inside the
    /// leaf's validity, so an expired certificate from a trusted CA still counts as trusted.
    pub trusted: bool,
    /// Why the chain is not trusted.
    pub trust_detail: Option<String>,
    pub chain_length: u32,
}

impl TlsReport {
    fn failed(checked_at: String, error: String) -> Self {
        Self {
            checked_at,
            error: Some(error),
            days_left: None,
            not_before: None,
            not_after: None,
            issuer: None,
            subject: None,
            names: Vec::new(),
            name_mismatch: false,
            expired: false,
            not_yet_valid: false,
            self_signed: false,
            trusted: false,
            trust_detail: None,
            chain_length: 0,
        }
    }
}

/// Checks `endpoint` now. Never fails: a failed connection is reported in [`TlsReport::error`].
pub async fn check(endpoint: &TlsEndpoint) -> TlsReport {
    let checked_at = crate::store::now_rfc3339();
    let chain = match tokio::time::timeout(CHECK_TIMEOUT, fetch_chain(endpoint)).await {
        Ok(Ok(chain)) => chain,
        Ok(Err(detail)) => return TlsReport::failed(checked_at, detail),
        Err(_) => {
            return TlsReport::failed(
                checked_at,
                format!("no TLS handshake within {} seconds", CHECK_TIMEOUT.as_secs()),
            )
        }
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match inspect(endpoint, &chain, now, checked_at.clone()) {
        Ok(report) => report,
        Err(detail) => TlsReport::failed(checked_at, detail),
    }
}

/// Connects and returns the certificates the server sent, leaf first.
async fn fetch_chain(endpoint: &TlsEndpoint) -> Result<Vec<CertificateDer<'static>>, String> {
    let provider = Arc::new(ring_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("cannot set up TLS: {err}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyChain { provider }))
        .with_no_client_auth();
    let server_name = ServerName::try_from(endpoint.sni().to_string())
        .map_err(|err| format!("'{}' is not a valid server name: {err}", endpoint.sni()))?;

    let stream = TcpStream::connect((endpoint.address.as_str(), endpoint.port))
        .await
        .map_err(|err| format!("cannot connect to {}:{}: {err}", endpoint.address, endpoint.port))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(server_name, stream)
        .await
        .map_err(|err| format!("the TLS handshake failed: {err}"))?;
    let (_, connection) = tls.get_ref();
    let chain = connection
        .peer_certificates()
        .map(|certs| certs.iter().map(|cert| cert.clone().into_owned()).collect::<Vec<_>>())
        .unwrap_or_default();
    if chain.is_empty() {
        return Err("the server sent no certificate".to_string());
    }
    Ok(chain)
}

/// Judges a chain at Unix time `now`.
pub(crate) fn inspect(
    endpoint: &TlsEndpoint,
    chain: &[CertificateDer<'static>],
    now: i64,
    checked_at: String,
) -> Result<TlsReport, String> {
    let leaf_der = &chain[0];
    let (_, leaf) = X509Certificate::from_der(leaf_der.as_ref())
        .map_err(|err| format!("the certificate is not valid X.509: {err}"))?;
    let not_before = leaf.validity().not_before.timestamp();
    let not_after = leaf.validity().not_after.timestamp();

    let mut names = Vec::new();
    if let Ok(Some(san)) = leaf.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => names.push(dns.to_string()),
                GeneralName::IPAddress(bytes) => names.extend(ip_text(bytes)),
                _ => {}
            }
        }
    }
    if names.is_empty() {
        names.extend(
            leaf.subject()
                .iter_common_name()
                .filter_map(|attribute| attribute.as_str().ok().map(str::to_string)),
        );
    }

    let parsed =
        ParsedCertificate::try_from(leaf_der).map_err(|err| format!("the certificate cannot be used: {err}"))?;
    let server_name = ServerName::try_from(endpoint.sni().to_string())
        .map_err(|err| format!("'{}' is not a valid server name: {err}", endpoint.sni()))?;
    let name_mismatch = verify_server_name(&parsed, &server_name).is_err();

    let (trusted, trust_detail) = judge_trust(endpoint, &parsed, &chain[1..], not_before, not_after);

    Ok(TlsReport {
        checked_at,
        error: None,
        days_left: Some((not_after - now) / SECONDS_PER_DAY),
        not_before: Some(rfc3339(not_before)),
        not_after: Some(rfc3339(not_after)),
        issuer: Some(leaf.issuer().to_string()),
        subject: Some(leaf.subject().to_string()),
        names,
        name_mismatch,
        expired: now > not_after,
        not_yet_valid: now < not_before,
        self_signed: chain.len() == 1 && leaf.issuer().as_raw() == leaf.subject().as_raw(),
        trusted,
        trust_detail,
        chain_length: chain.len() as u32,
    })
}

/// Verifies the chain against the OS's CAs plus the endpoint's own CA, at the middle of the
/// leaf's validity so that expiry is reported on its own.
fn judge_trust(
    endpoint: &TlsEndpoint,
    leaf: &ParsedCertificate<'_>,
    intermediates: &[CertificateDer<'static>],
    not_before: i64,
    not_after: i64,
) -> (bool, Option<String>) {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(pem) = endpoint.trusted_ca_pem.as_deref() {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()).flatten() {
            if roots.add(cert).is_ok() {
                added += 1;
            }
        }
        if added == 0 {
            return (
                false,
                Some("the endpoint's CA certificate is not valid PEM".to_string()),
            );
        }
    }

    let middle = not_before + (not_after - not_before) / 2;
    let at = UnixTime::since_unix_epoch(Duration::from_secs(middle.max(0) as u64));
    let provider = ring_provider();
    match verify_server_cert_signed_by_trust_anchor(
        leaf,
        &roots,
        intermediates,
        at,
        provider.signature_verification_algorithms.all,
    ) {
        Ok(()) => (true, None),
        Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => (
            false,
            Some("the chain does not lead to a trusted CA; add the CA certificate to trust it".to_string()),
        ),
        Err(err) => (false, Some(err.to_string())),
    }
}

// rustls 0.23 marks ring's provider deprecated because it lacks post-quantum key exchange;
// ring is the provider the rest of the workspace uses.
#[allow(deprecated)]
fn ring_provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Accepts every certificate chain, so the check can read and report chains that a normal
/// client would reject. The handshake signatures are still verified, so the server proved it
/// has the leaf's private key.
#[derive(Debug)]
struct AcceptAnyChain {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyChain {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
