//! Person keys (issue 23): one person, many records. A volunteer or social worker with a
//! citizen ID number (GB 11643) carries a **person key**: HMAC-SHA256 of the normalised number
//! ([`CitizenId::as_str`], so `…002x` and `…002X` are one number) under a key derived from the
//! server's person-key secret. Records with the same key are the same person; the key does not
//! give the number back, and without the secret nobody can compute the key of a guessed number
//! (an unkeyed hash of the 18-character number could be reversed by trying every plausible
//! number: about 10^10 per county and birth year).
//!
//! The sub-key is HMAC-SHA256(secret, [`LABEL`]), never the secret itself, so the same
//! configured secret (or the JWT secret it may fall back to) is never used raw for two purposes.

use hmac::{Hmac, KeyInit, Mac};
use sha2_11::Sha256;

use super::CitizenId;

type HmacSha256 = Hmac<Sha256>;

/// The label the person-key sub-key is derived with (a distinct HMAC label per use).
pub const LABEL: &[u8] = b"civlink/person-key/v1";
/// Label of the fingerprint of the sub-key (what `person_key_state` stores).
const FINGERPRINT_LABEL: &[u8] = b"civlink/person-key/fingerprint/v1";
/// Shortest accepted secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// The derived person-key sub-key. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct PersonKeys {
    key: [u8; 32],
}

impl std::fmt::Debug for PersonKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKeys(..)")
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl PersonKeys {
    /// The sub-key of `secret` (at least [`MIN_SECRET_BYTES`] bytes).
    ///
    /// # Errors
    /// A shorter secret, with its length (never its value).
    pub fn derive(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the person-key secret must be {MIN_SECRET_BYTES} bytes or more, got {}",
                secret.len()
            ));
        }
        Ok(Self { key: hmac(secret, LABEL) })
    }

    /// Keys from a fixed, public secret: for tests and the library's defaults only. `civlink
    /// serve`, `setup`, `import` and `seed` always derive them from configuration.
    pub fn insecure_for_tests() -> Self {
        Self { key: hmac(b"civlink-insecure-person-key-secret-for-tests", LABEL) }
    }

    /// The person key of `id`: 64 lowercase hex digits.
    pub fn key(&self, id: &CitizenId) -> String {
        hex(&hmac(&self.key, id.as_str().as_bytes()))
    }

    /// The person key of a stored or sent citizen ID number, if it is one
    /// ([`CitizenId::parse`] as of today); `None` for anything else.
    pub fn key_of(&self, number: &str) -> Option<String> {
        CitizenId::parse(number, crate::domain::time::today_cst()).ok().map(|id| self.key(&id))
    }

    /// A fingerprint of the sub-key (not of the secret): stored with the keys, so that a
    /// changed secret is noticed and the keys made again.
    pub fn fingerprint(&self) -> String {
        hex(&hmac(&self.key, FINGERPRINT_LABEL))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_one_key_whatever_its_case_and_another_secret_another_key() {
        let keys = PersonKeys::derive(&[7u8; 32]).unwrap();
        let upper = keys.key_of("11010519491231002X").unwrap();
        assert_eq!(keys.key_of(" 11010519491231002x ").unwrap(), upper);
        assert_eq!(upper.len(), 64);
        assert!(!upper.contains("11010519491231002"));
        let other = PersonKeys::derive(&[8u8; 32]).unwrap();
        assert_ne!(other.key_of("11010519491231002X").unwrap(), upper);
        assert_ne!(other.fingerprint(), keys.fingerprint());
        assert!(keys.key_of("110105194912310021").is_none(), "a bad check character is no number");
        assert!(PersonKeys::derive(b"short").unwrap_err().contains("got 5"));
        assert_eq!(format!("{keys:?}"), "PersonKeys(..)");
    }
}
