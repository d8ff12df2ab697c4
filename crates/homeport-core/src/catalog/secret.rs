//! Passwords generated for a stack at deploy time.

use crate::secrets::Secret;

use super::error::CatalogError;

/// Letters and digits only: such a password needs no quoting in `.env`, in a shell or in a
/// connection URL.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// 32 characters from 62 give about 190 bits of entropy.
const PASSWORD_LENGTH: usize = 32;

/// Generates a password from the operating system's CSPRNG (getrandom).
pub fn generate_password() -> Result<Secret, CatalogError> {
    // Rejection sampling keeps every character equally likely: bytes from 248 (4 × 62) up
    // are drawn again, because `byte % 62` would favour the first 8 characters otherwise.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut password = String::with_capacity(PASSWORD_LENGTH);
    let mut buffer = [0u8; 64];

    while password.len() < PASSWORD_LENGTH {
        getrandom::fill(&mut buffer).map_err(|err| CatalogError::Random(err.to_string()))?;
        for byte in buffer {
            if byte < limit && password.len() < PASSWORD_LENGTH {
                password.push(ALPHABET[usize::from(byte) % ALPHABET.len()] as char);
            }
        }
    }
    let secret = Secret::new(password.as_str());
    zeroize::Zeroize::zeroize(&mut password);
    buffer.fill(0);
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_length_and_alphabet() {
        let password = generate_password().unwrap();
        assert_eq!(password.expose().len(), PASSWORD_LENGTH);
        assert!(password.expose().bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn passwords_differ() {
        let first = generate_password().unwrap();
        let second = generate_password().unwrap();
        assert_ne!(first.expose(), second.expose());
    }
}
