//! Key types and key blobs as OpenSSH writes them in `known_hosts`, and the `SHA256:`
//! fingerprint that `ssh-keygen -l` prints for them.
//!
//! Blob layouts: RFC 4253 section 6.6 (ssh-rsa, ssh-dss), RFC 5656 section 3.1 (ECDSA),
//! RFC 8709 section 4 (Ed25519), and OpenSSH's PROTOCOL.u2f and PROTOCOL.certkeys for the
//! `sk-*` and certificate types.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Problem with a key type field and its base64 key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub enum KeyError {
    #[error(
        "unsupported key type '{0}', expected ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, ssh-dss, \
         an sk-* security key type or one of their -cert-v01@openssh.com certificate types"
    )]
    UnknownKeyType(String),

    #[error("the key is not valid base64")]
    InvalidBase64,

    #[error("the key data is malformed: {0}")]
    MalformedKey(String),

    #[error("the key type field is '{field}' but the key data holds a '{blob}' key")]
    KeyTypeMismatch { field: String, blob: String },
}

/// A key that passed every check, with the values [`super::KnownKey`] exposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedKey {
    /// The type name stored inside the blob, which is the canonical name even when the line
    /// used a signature algorithm alias such as `rsa-sha2-256`.
    pub algorithm: String,
    pub key_base64: String,
    pub fingerprint: String,
}

/// The fields that follow the type name in a plain public key blob.
#[derive(Debug, Clone, Copy)]
enum PublicParts {
    Ed25519,
    SkEd25519,
    Ecdsa { curve: &'static str, point_len: usize },
    SkEcdsa { curve: &'static str, point_len: usize },
    Rsa,
    Dss,
}

/// Plain key types. Uncompressed EC points are 1 + 2 * coordinate size bytes long.
const PLAIN_TYPES: &[(&str, PublicParts)] = &[
    ("ssh-ed25519", PublicParts::Ed25519),
    ("sk-ssh-ed25519@openssh.com", PublicParts::SkEd25519),
    (
        "ecdsa-sha2-nistp256",
        PublicParts::Ecdsa {
            curve: "nistp256",
            point_len: 65,
        },
    ),
    (
        "ecdsa-sha2-nistp384",
        PublicParts::Ecdsa {
            curve: "nistp384",
            point_len: 97,
        },
    ),
    (
        "ecdsa-sha2-nistp521",
        PublicParts::Ecdsa {
            curve: "nistp521",
            point_len: 133,
        },
    ),
    (
        "sk-ecdsa-sha2-nistp256@openssh.com",
        PublicParts::SkEcdsa {
            curve: "nistp256",
            point_len: 65,
        },
    ),
    ("ssh-rsa", PublicParts::Rsa),
    ("ssh-dss", PublicParts::Dss),
];

/// Certificate types and the plain type of the key each one certifies.
const CERT_TYPES: &[(&str, &str)] = &[
    ("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519"),
    ("sk-ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com"),
    ("ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256"),
    ("ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384"),
    ("ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521"),
    (
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    ),
    ("ssh-rsa-cert-v01@openssh.com", "ssh-rsa"),
    ("ssh-dss-cert-v01@openssh.com", "ssh-dss"),
];

/// RSA signature algorithm names that OpenSSH 9.2 also accepts in the key type field of an
/// ssh-rsa key (checked with `ssh-keygen -F`), mapped to the key type they stand for.
const SIGNATURE_ALIASES: &[(&str, &str)] = &[
    ("rsa-sha2-256", "ssh-rsa"),
    ("rsa-sha2-512", "ssh-rsa"),
    ("rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com"),
    ("rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com"),
];

/// Parses and validates a key type field and its base64 key.
///
/// The blob must decode, name the same type as the field (or the type a signature alias
/// stands for), and contain exactly the fields of that type. Short names such as `ED25519`
/// are rejected, as OpenSSH 9.2 does in `known_hosts`.
pub(crate) fn parse_key(type_field: &str, key_base64: &str) -> Result<ParsedKey, KeyError> {
    let expected_type = canonical_type(type_field).ok_or_else(|| KeyError::UnknownKeyType(type_field.to_string()))?;
    let blob = STANDARD.decode(key_base64).map_err(|_| KeyError::InvalidBase64)?;

    let mut reader = BlobReader::new(&blob);
    let blob_type = reader.text("key type name")?;
    if blob_type != expected_type {
        return Err(KeyError::KeyTypeMismatch {
            field: type_field.to_string(),
            blob: blob_type.to_string(),
        });
    }

    let plain_key = read_key_body(&mut reader, expected_type)?;
    reader.expect_end()?;

    Ok(ParsedKey {
        algorithm: expected_type.to_string(),
        key_base64: key_base64.to_string(),
        fingerprint: fingerprint_of_blob(&plain_key),
    })
}

/// Formats a blob's fingerprint as `ssh-keygen -l -E sha256` does: unpadded base64.
fn fingerprint_of_blob(plain_blob: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(plain_blob)))
}

fn canonical_type(type_field: &str) -> Option<&'static str> {
    let known = PLAIN_TYPES
        .iter()
        .map(|(name, _)| *name)
        .chain(CERT_TYPES.iter().map(|(name, _)| *name))
        .find(|name| *name == type_field);
    known.or_else(|| {
        SIGNATURE_ALIASES
            .iter()
            .find(|(alias, _)| *alias == type_field)
            .map(|(_, key_type)| *key_type)
    })
}

fn plain_parts(plain_type: &str) -> Option<PublicParts> {
    PLAIN_TYPES
        .iter()
        .find(|(name, _)| *name == plain_type)
        .map(|(_, parts)| *parts)
}

/// Reads everything after the type name and returns the plain public key blob, which is the
/// input of the fingerprint. For a certificate that is the certified key, because
/// `ssh-keygen -l` fingerprints certificates by their plain key.
fn read_key_body(reader: &mut BlobReader<'_>, key_type: &'static str) -> Result<Vec<u8>, KeyError> {
    if let Some(parts) = plain_parts(key_type) {
        read_public_parts(reader, parts)?;
        return Ok(reader.data.to_vec());
    }

    // Every name that canonical_type returns is in one of the two tables.
    let plain_type = CERT_TYPES
        .iter()
        .find(|(name, _)| *name == key_type)
        .map(|(_, plain)| *plain)
        .ok_or_else(|| KeyError::UnknownKeyType(key_type.to_string()))?;
    let parts = plain_parts(plain_type).ok_or_else(|| KeyError::UnknownKeyType(plain_type.to_string()))?;

    reader.string("certificate nonce")?;
    let parts_start = reader.position;
    read_public_parts(reader, parts)?;
    let parts_end = reader.position;
    read_certificate_fields(reader)?;

    let mut plain_blob = Vec::new();
    put_string(&mut plain_blob, plain_type.as_bytes());
    plain_blob.extend_from_slice(&reader.data[parts_start..parts_end]);
    Ok(plain_blob)
}

fn read_public_parts(reader: &mut BlobReader<'_>, parts: PublicParts) -> Result<(), KeyError> {
    match parts {
        PublicParts::Ed25519 => read_ed25519_key(reader),
        PublicParts::SkEd25519 => {
            read_ed25519_key(reader)?;
            reader.string("security key application")?;
            Ok(())
        }
        PublicParts::Ecdsa { curve, point_len } => read_ecdsa_key(reader, curve, point_len),
        PublicParts::SkEcdsa { curve, point_len } => {
            read_ecdsa_key(reader, curve, point_len)?;
            reader.string("security key application")?;
            Ok(())
        }
        PublicParts::Rsa => {
            reader.string("RSA exponent")?;
            reader.non_empty_string("RSA modulus")?;
            Ok(())
        }
        PublicParts::Dss => {
            for name in ["DSA p", "DSA q", "DSA g", "DSA y"] {
                reader.non_empty_string(name)?;
            }
            Ok(())
        }
    }
}

fn read_ed25519_key(reader: &mut BlobReader<'_>) -> Result<(), KeyError> {
    let key = reader.string("Ed25519 key")?;
    if key.len() != 32 {
        return Err(KeyError::MalformedKey(format!(
            "the Ed25519 key is {} bytes long, expected 32",
            key.len()
        )));
    }
    Ok(())
}

fn read_ecdsa_key(reader: &mut BlobReader<'_>, curve: &str, point_len: usize) -> Result<(), KeyError> {
    let named_curve = reader.text("ECDSA curve name")?;
    if named_curve != curve {
        return Err(KeyError::MalformedKey(format!(
            "the curve name is '{named_curve}', expected '{curve}'"
        )));
    }

    // Only the uncompressed form (0x04 || X || Y) is valid in SSH key blobs.
    let point = reader.string("ECDSA point")?;
    if point.len() != point_len || point.first() != Some(&0x04) {
        return Err(KeyError::MalformedKey(format!(
            "the {curve} point is not an uncompressed point of {point_len} bytes"
        )));
    }
    Ok(())
}

/// Reads the certificate fields after the certified key (PROTOCOL.certkeys). Their content is
/// not checked: no signature is verified here.
fn read_certificate_fields(reader: &mut BlobReader<'_>) -> Result<(), KeyError> {
    reader.u64("certificate serial")?;
    reader.u32("certificate type")?;
    for name in ["certificate key id", "certificate principals"] {
        reader.string(name)?;
    }
    reader.u64("certificate valid-after time")?;
    reader.u64("certificate valid-before time")?;
    for name in [
        "certificate critical options",
        "certificate extensions",
        "certificate reserved field",
        "certificate signature key",
        "certificate signature",
    ] {
        reader.string(name)?;
    }
    Ok(())
}

fn put_string(out: &mut Vec<u8>, value: &[u8]) {
    // Type names are short constants, so the length always fits in a u32.
    let length = u32::try_from(value.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(value);
}

/// A cursor over the SSH wire encoding: big-endian integers and u32-length-prefixed strings.
struct BlobReader<'a> {
    data: &'a [u8],
    position: usize,
}

impl<'a> BlobReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        BlobReader { data, position: 0 }
    }

    fn bytes(&mut self, length: usize, field_name: &str) -> Result<&'a [u8], KeyError> {
        let end = self
            .position
            .checked_add(length)
            .filter(|end| *end <= self.data.len())
            .ok_or_else(|| KeyError::MalformedKey(format!("the data ends inside the {field_name}")))?;
        let bytes = &self.data[self.position..end];
        self.position = end;
        Ok(bytes)
    }

    fn u32(&mut self, field_name: &str) -> Result<u32, KeyError> {
        let bytes = self.bytes(4, field_name)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self, field_name: &str) -> Result<u64, KeyError> {
        let high = u64::from(self.u32(field_name)?);
        let low = u64::from(self.u32(field_name)?);
        Ok((high << 32) | low)
    }

    fn string(&mut self, field_name: &str) -> Result<&'a [u8], KeyError> {
        let length = self.u32(field_name)?;
        let length =
            usize::try_from(length).map_err(|_| KeyError::MalformedKey(format!("the {field_name} is too long")))?;
        self.bytes(length, field_name)
    }

    fn non_empty_string(&mut self, field_name: &str) -> Result<&'a [u8], KeyError> {
        let value = self.string(field_name)?;
        if value.is_empty() {
            return Err(KeyError::MalformedKey(format!("the {field_name} is empty")));
        }
        Ok(value)
    }

    fn text(&mut self, field_name: &str) -> Result<&'a str, KeyError> {
        let value = self.string(field_name)?;
        std::str::from_utf8(value).map_err(|_| KeyError::MalformedKey(format!("the {field_name} is not text")))
    }

    fn expect_end(&self) -> Result<(), KeyError> {
        let extra = self.data.len() - self.position;
        if extra > 0 {
            return Err(KeyError::MalformedKey(format!(
                "{extra} bytes follow the end of the key"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob_of(parts: &[&[u8]]) -> String {
        let mut blob = Vec::new();
        for part in parts {
            put_string(&mut blob, part);
        }
        STANDARD.encode(blob)
    }

    #[test]
    fn ed25519_key_parses() {
        let key = blob_of(&[b"ssh-ed25519", &[7; 32]]);
        let parsed = parse_key("ssh-ed25519", &key).expect("valid key");
        assert_eq!(parsed.algorithm, "ssh-ed25519");
        assert!(parsed.fingerprint.starts_with("SHA256:"));
        assert!(!parsed.fingerprint.ends_with('='));
    }

    #[test]
    fn short_ed25519_key_rejected() {
        let key = blob_of(&[b"ssh-ed25519", &[7; 31]]);
        assert!(matches!(parse_key("ssh-ed25519", &key), Err(KeyError::MalformedKey(_))));
    }

    #[test]
    fn trailing_bytes_rejected() {
        let key = blob_of(&[b"ssh-ed25519", &[7; 32], b"extra"]);
        assert!(matches!(parse_key("ssh-ed25519", &key), Err(KeyError::MalformedKey(_))));
    }

    #[test]
    fn wrong_curve_rejected() {
        let mut point = vec![4u8];
        point.extend_from_slice(&[1; 64]);
        let key = blob_of(&[b"ecdsa-sha2-nistp256", b"nistp384", &point]);
        assert!(matches!(
            parse_key("ecdsa-sha2-nistp256", &key),
            Err(KeyError::MalformedKey(_))
        ));
    }

    #[test]
    fn rsa_signature_alias_accepted() {
        let key = blob_of(&[b"ssh-rsa", &[1, 0, 1], &[0xc5; 64]]);
        let parsed = parse_key("rsa-sha2-512", &key).expect("alias accepted");
        assert_eq!(parsed.algorithm, "ssh-rsa");
    }

    #[test]
    fn type_mismatch_names_both_types() {
        let key = blob_of(&[b"ssh-ed25519", &[7; 32]]);
        let error = parse_key("ssh-rsa", &key).expect_err("mismatch");
        assert_eq!(
            error,
            KeyError::KeyTypeMismatch {
                field: "ssh-rsa".to_string(),
                blob: "ssh-ed25519".to_string()
            }
        );
    }

    // ssh-keygen can make these only with a security key or with DSA support, which newer
    // OpenSSH releases drop, so the blobs are built by hand from the layouts above.
    #[test]
    fn security_key_and_dsa_types_parse() {
        let mut point = vec![4u8];
        point.extend_from_slice(&[1; 64]);
        let cases = [
            (
                "sk-ssh-ed25519@openssh.com",
                blob_of(&[b"sk-ssh-ed25519@openssh.com", &[7; 32], b"ssh:"]),
            ),
            (
                "sk-ecdsa-sha2-nistp256@openssh.com",
                blob_of(&[b"sk-ecdsa-sha2-nistp256@openssh.com", b"nistp256", &point, b"ssh:"]),
            ),
            (
                "ssh-dss",
                blob_of(&[b"ssh-dss", &[1; 129], &[2; 21], &[3; 128], &[4; 128]]),
            ),
        ];

        for (key_type, key) in cases {
            let parsed = parse_key(key_type, &key);
            assert_eq!(parsed.map(|key| key.algorithm), Ok(key_type.to_string()));
        }
    }

    #[test]
    fn security_key_without_application_rejected() {
        let key = blob_of(&[b"sk-ssh-ed25519@openssh.com", &[7; 32]]);
        let parsed = parse_key("sk-ssh-ed25519@openssh.com", &key);
        assert!(matches!(parsed, Err(KeyError::MalformedKey(_))));
    }

    #[test]
    fn short_type_name_rejected() {
        let key = blob_of(&[b"ssh-ed25519", &[7; 32]]);
        assert_eq!(
            parse_key("ED25519", &key),
            Err(KeyError::UnknownKeyType("ED25519".to_string()))
        );
    }
}
