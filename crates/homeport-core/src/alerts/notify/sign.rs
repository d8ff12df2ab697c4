//! Request signatures of the DingTalk and Feishu custom bots. Both are HMAC-SHA256 over
//! `timestamp + "\n" + secret`, encoded as base64, but they use the key differently.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// DingTalk: the key is the secret and the message is `timestamp_ms + "\n" + secret`. The
/// caller sends the result URL-encoded as the `sign` query parameter beside `timestamp`.
pub fn dingtalk(timestamp_ms: u64, secret: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Feishu: the key is `timestamp_s + "\n" + secret` and the message is empty. The result goes
/// into the body's `sign` field beside `timestamp` (in seconds, as a string).
pub fn feishu(timestamp_s: u64, secret: &str) -> String {
    let key = format!("{timestamp_s}\n{secret}");
    let mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    // The expected values were computed with Python's hmac and base64 modules, following the
    // steps in each service's documentation.
    #[test]
    fn dingtalk_signature_matches_reference() {
        assert_eq!(
            super::dingtalk(1_700_000_000_000, "SECexample"),
            "uroalHrWHORz59talE1o26b8HuX2kOp8WlAN91F9Pj0="
        );
    }

    #[test]
    fn feishu_signature_matches_reference() {
        assert_eq!(
            super::feishu(1_700_000_000, "SECexample"),
            "giaCP81WKcKmxS0uSLlrqVVwRIDJGES6GpFgEr4g4C4="
        );
    }
}
