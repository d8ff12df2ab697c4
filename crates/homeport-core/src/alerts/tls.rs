//! TLS certificate checks of endpoints the user configures: connect, read the chain, and
//! report days left, issuer, names, name mismatch and trust. Untrusted chains are reported,
//! not treated as failures, because self-hosters often use private CAs; an endpoint may trust
//! one extra CA certificate.
//!
//! Each check also becomes metric series (`tls_days_left{endpoint}`, `tls_name_mismatch{endpoint}`)
//! that the API layer writes for the rules engine.

mod check;
pub mod store;

pub use check::{check, TlsReport, CHECK_TIMEOUT};
pub use store::TlsEndpoint;

/// The metric with the whole days until the leaf certificate expires, rounded toward zero
/// (negative once expired by a day or more).
pub const TLS_DAYS_LEFT: &str = "tls_days_left";
/// The metric that is 1 when the certificate is not valid for the endpoint's name, else 0.
pub const TLS_NAME_MISMATCH: &str = "tls_name_mismatch";
/// The label naming the endpoint, as `address:port` or `server_name@address:port`.
pub const ENDPOINT_LABEL: &str = "endpoint";
