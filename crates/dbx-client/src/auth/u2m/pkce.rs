//! PKCE (RFC 7636, method S256) and the `state` value of one sign-in: random, URL-safe, and
//! never reused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::Secret;

/// The secrets of one authorization request: the verifier stays here, the challenge and the
/// state go into the authorize URL.
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
    pub state: String,
}

/// `n` random bytes as unpadded base64url.
fn random(n: usize) -> Result<String, String> {
    let mut raw = zeroize::Zeroizing::new(vec![0u8; n]);
    SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| "the system random generator failed".to_owned())?;
    Ok(URL_SAFE_NO_PAD.encode(&*raw))
}

/// The S256 challenge of `verifier`: base64url(SHA-256(verifier)), no padding.
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()).as_ref())
}

impl Pkce {
    /// A fresh verifier (64 random bytes: 86 characters, within RFC 7636's 43-128) and a
    /// 16-byte state, as the Databricks CLI draws them.
    pub fn new() -> Result<Self, String> {
        let verifier = Secret::new(random(64)?);
        let challenge = challenge_of(verifier.expose());
        Ok(Self {
            verifier,
            challenge,
            state: random(16)?,
        })
    }
}

/// Compares two values without stopping at the first difference.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn each_sign_in_draws_new_values_of_the_right_shape() {
        let a = Pkce::new().unwrap();
        let b = Pkce::new().unwrap();
        assert_ne!(a.verifier, b.verifier);
        assert_ne!(a.state, b.state);
        assert_eq!(a.verifier.expose().len(), 86);
        assert_eq!(a.challenge, challenge_of(a.verifier.expose()));
        assert!(
            a.verifier
                .expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert!(same(&a.state, &a.state.clone()) && !same(&a.state, &b.state));
    }
}
