//! Verification of `Authorization: Bearer <JWT>` for civlink, with [`jsonwebtoken`].
//!
//! # What is accepted
//!
//! - **HS256**, verified with the shared secret from `CIVLINK_JWT_SECRET` (at least 32 bytes)
//!   and *only* with it: a public key is never used as an HMAC secret, which defeats the
//!   algorithm-confusion attack (an HS256 token whose "secret" is the RSA public key).
//! - **RS256** and **ES256** (P-256), verified with a public key from the key file named by
//!   `CIVLINK_JWT_KEYS`, chosen by the token header's `kid`. The `kid` must be present and
//!   known, and the key's type must match the `alg` (an ES256 token naming an RSA key is
//!   rejected, and so is the reverse).
//! - Anything else is rejected: `alg: none`, HS384/HS512, RS384, PS256, `EdDSA`, … and any
//!   header with `crit` (no extension is understood). Keys embedded in the token (`jwk`,
//!   `jku`, `x5u`, `x5c`) are ignored, never fetched or trusted.
//!
//! Claims: `sub` (non-empty), `exp`, `iss` and `aud` are required; `iss` and `aud` must equal
//! the configured values (`aud` may be a string or a one-element array); `exp` and, when
//! present, `nbf` are checked with a leeway for clock skew (default 60 s). Custom claims:
//! `roles`, `region` (a division code, checked with [`DivisionCode::parse`]), `station`,
//! `org`, `source` (the sync client's system name).
//!
//! Every rejection is the same [`AuthError`] to the client ([`CLIENT_MESSAGE`], HTTP 401,
//! `extensions.code = UNAUTHENTICATED`); [`AuthError::reason`] tells the server log why.
//!
//! # Key file formats (`CIVLINK_JWT_KEYS`)
//!
//! The file is read and every key parsed once, in [`Verifier::new`]; any problem is an error
//! naming the file and the key. The format is told by the content: a file whose first
//! non-blank character is `{` is a JWKS, anything else PEM.
//!
//! **JWKS** (RFC 7517): `{"keys": [ … ]}`. Every key needs a unique `kid`; `kty` `RSA`
//! (modulus of at least 2048 bits) or `EC` with `crv` `P-256`; `alg`, when present, must be
//! `RS256` or `ES256` accordingly. Keys with `"use": "enc"` are skipped. Symmetric (`oct`)
//! keys, Ed25519 (`OKP`), other curves and private keys (a `d` member) are refused.
//!
//! **PEM**: one or more public keys, each either SPKI `-----BEGIN PUBLIC KEY-----` (RSA or
//! EC P-256, as `openssl pkey -pubout` writes) or PKCS#1 `-----BEGIN RSA PUBLIC KEY-----`.
//! Each block is preceded by a comment line giving its kid:
//!
//! ```text
//! # kid: idp-rsa-2026
//! -----BEGIN PUBLIC KEY-----
//! MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…
//! -----END PUBLIC KEY-----
//! # kid: idp-ec-2026
//! -----BEGIN PUBLIC KEY-----
//! …
//! -----END PUBLIC KEY-----
//! ```
//!
//! Other lines starting with `#` and blank lines are ignored. A file holding exactly one key
//! may leave out the `# kid:` line: its kid is then the file name without extension
//! (`/etc/civlink/idp-2026.pem` → `idp-2026`). Private keys and certificates are refused.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::division::DivisionCode;

/// The one message a client ever sees for a rejected credential.
pub const CLIENT_MESSAGE: &str = "invalid or missing credentials";
/// `extensions.code` of the GraphQL error for a rejected credential.
pub const ERROR_CODE: &str = "UNAUTHENTICATED";
/// Value of the `WWW-Authenticate` header of a 401 answer (RFC 6750 §3, no error detail).
pub const WWW_AUTHENTICATE: &str = "Bearer realm=\"civlink\"";
/// Default leeway for `exp`/`nbf`, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;
/// Largest leeway accepted: more would make expiry meaningless.
pub const MAX_LEEWAY_SECS: u64 = 3600;
/// Shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: at least the hash size).
pub const MIN_SECRET_BYTES: usize = 32;
/// Longest token accepted, in bytes; longer ones are rejected before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Smallest RSA modulus accepted in the key file, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Environment variable of the HS256 secret.
pub const ENV_SECRET: &str = "CIVLINK_JWT_SECRET";
/// Environment variable of the public key file (PEM or JWKS).
pub const ENV_KEYS: &str = "CIVLINK_JWT_KEYS";
/// Environment variable of the expected `iss`.
pub const ENV_ISSUER: &str = "CIVLINK_JWT_ISSUER";
/// Environment variable of the expected `aud`.
pub const ENV_AUDIENCE: &str = "CIVLINK_JWT_AUDIENCE";
/// Environment variable of the leeway in seconds.
pub const ENV_LEEWAY: &str = "CIVLINK_JWT_LEEWAY_SECS";
/// Issuer used by [`JwtSettings::from_env`] when `CIVLINK_JWT_ISSUER` is unset.
pub const DEFAULT_ISSUER: &str = "civlink";
/// Audience used by [`JwtSettings::from_env`] when `CIVLINK_JWT_AUDIENCE` is unset.
pub const DEFAULT_AUDIENCE: &str = "civlink-api";

/// Settings of token verification. `Debug` never shows the secret.
#[derive(Clone)]
pub struct JwtSettings {
    /// HS256 shared secret (`CIVLINK_JWT_SECRET`); an empty string counts as absent.
    pub secret: Option<String>,
    /// PEM or JWKS file of public keys (`CIVLINK_JWT_KEYS`); an empty path counts as absent.
    pub keys_file: Option<PathBuf>,
    /// Required value of `iss`.
    pub issuer: String,
    /// Required value of `aud`.
    pub audience: String,
    /// Clock-skew leeway for `exp` and `nbf`, in seconds (at most [`MAX_LEEWAY_SECS`]).
    pub leeway_secs: u64,
}

impl fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSettings")
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("keys_file", &self.keys_file)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .finish()
    }
}

impl JwtSettings {
    /// Reads `CIVLINK_JWT_SECRET`, `CIVLINK_JWT_KEYS`, `CIVLINK_JWT_ISSUER` (default
    /// [`DEFAULT_ISSUER`]), `CIVLINK_JWT_AUDIENCE` (default [`DEFAULT_AUDIENCE`]) and
    /// `CIVLINK_JWT_LEEWAY_SECS` (default 60).
    ///
    /// # Errors
    /// [`JwtConfigError::Setting`] naming the variable when the leeway is not a number.
    pub fn from_env() -> Result<Self, JwtConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`JwtSettings::from_env`], with the variables looked up by `lookup`.
    ///
    /// # Errors
    /// [`JwtConfigError::Setting`] naming the variable when the leeway is not a number.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, JwtConfigError> {
        let leeway_secs = match lookup(ENV_LEEWAY) {
            None => DEFAULT_LEEWAY_SECS,
            Some(v) if v.trim().is_empty() => DEFAULT_LEEWAY_SECS,
            Some(v) => v.trim().parse().map_err(|_| JwtConfigError::Setting {
                name: ENV_LEEWAY,
                problem: format!("expected a whole number of seconds, got {v:?}"),
            })?,
        };
        Ok(JwtSettings {
            secret: lookup(ENV_SECRET).filter(|s| !s.is_empty()),
            keys_file: lookup(ENV_KEYS).filter(|s| !s.trim().is_empty()).map(PathBuf::from),
            issuer: lookup(ENV_ISSUER).unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
            audience: lookup(ENV_AUDIENCE).unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned()),
            leeway_secs,
        })
    }
}

/// The claims of an accepted token.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Claims {
    /// Subject: the user or client id; never empty in a verified token.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issuer (equal to the configured one in a verified token).
    pub iss: String,
    /// Audience (equal to the configured one in a verified token). On input, a string or a
    /// one-element array.
    #[serde(deserialize_with = "string_or_single_element")]
    pub aud: String,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issued at, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Division code the credential is scoped to (valid per [`DivisionCode::parse`] in a
    /// verified token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Station the credential is scoped to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// Organisation the credential is scoped to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// System name of a sync client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

fn string_or_single_element<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => Ok(s),
        OneOrMany::Many(mut v) if v.len() == 1 => Ok(v.remove(0)),
        OneOrMany::Many(_) => Err(serde::de::Error::custom("aud must be a string or a one-element array")),
    }
}

/// A rejected credential. Its `Display` is always [`CLIENT_MESSAGE`]; [`AuthError::reason`]
/// is for server logs only.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthError {
    reason: &'static str,
}

impl AuthError {
    const fn new(reason: &'static str) -> Self {
        AuthError { reason }
    }

    /// Why the credential was rejected, for server logs only (e.g. `"expired"`,
    /// `"bad signature"`, `"unknown kid"`, `"wrong audience"`, `"malformed header"`).
    #[must_use]
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// What the client is told: always [`CLIENT_MESSAGE`].
    #[must_use]
    pub fn client_message(&self) -> &'static str {
        CLIENT_MESSAGE
    }

    /// HTTP status of the answer: 401.
    #[must_use]
    pub fn status(&self) -> axum::http::StatusCode {
        axum::http::StatusCode::UNAUTHORIZED
    }

    /// The GraphQL error: [`CLIENT_MESSAGE`] with `extensions.code = UNAUTHENTICATED`.
    #[must_use]
    pub fn graphql_error(&self) -> async_graphql::Error {
        use async_graphql::ErrorExtensions as _;
        async_graphql::Error::new(CLIENT_MESSAGE).extend_with(|_, ext| ext.set("code", ERROR_CODE))
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(CLIENT_MESSAGE)
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthError").field("reason", &self.reason).finish()
    }
}

impl std::error::Error for AuthError {}

/// A configuration problem found by [`Verifier::new`]. Never contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum JwtConfigError {
    /// Neither a secret nor a key file is configured. The caller may then serve only the
    /// public surface.
    #[error(
        "no JWT verification key configured: set {ENV_SECRET} and/or {ENV_KEYS} (without either, only the public surface can be served)"
    )]
    NoKeys,
    /// The HS256 secret is shorter than [`MIN_SECRET_BYTES`].
    #[error("{ENV_SECRET} is too short ({len} bytes): an HS256 secret needs at least {MIN_SECRET_BYTES} bytes")]
    WeakSecret {
        /// Length of the configured secret in bytes.
        len: usize,
    },
    /// A setting other than the keys is invalid.
    #[error("JWT setting {name}: {problem}")]
    Setting {
        /// Name of the setting (environment variable).
        name: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The key file cannot be read or holds something unusable.
    #[error("JWT key file {}: {problem}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the line or kid.
        problem: String,
    },
}

/// Error of [`mint`].
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// The secret is shorter than [`MIN_SECRET_BYTES`] (an empty one included).
    #[error("the secret is too short ({len} bytes): an HS256 secret needs at least {MIN_SECRET_BYTES} bytes")]
    WeakSecret {
        /// Length of the secret in bytes.
        len: usize,
    },
    /// Encoding failed.
    #[error("cannot encode the token: {0}")]
    Encode(String),
}

struct KidKey {
    alg: Algorithm,
    key: DecodingKey,
}

struct Inner {
    secret: Option<DecodingKey>,
    keys: HashMap<String, KidKey>,
    hs256: Validation,
    rs256: Validation,
    es256: Validation,
    issuer: String,
    audience: String,
}

/// Verifies bearer tokens. Cheap to clone (shared, immutable state); keys are parsed once
/// in [`Verifier::new`].
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("hs256", &self.inner.secret.is_some())
            .field("kids", &self.kids())
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .finish()
    }
}

impl Verifier {
    /// Checks the settings and reads and parses the key file (see the module docs for the
    /// formats).
    ///
    /// # Errors
    /// - [`JwtConfigError::NoKeys`] when neither a secret nor a key file is configured;
    /// - [`JwtConfigError::Setting`] for an empty issuer or audience, or a leeway above
    ///   [`MAX_LEEWAY_SECS`];
    /// - [`JwtConfigError::WeakSecret`] for a secret shorter than [`MIN_SECRET_BYTES`];
    /// - [`JwtConfigError::KeyFile`] naming the file and the problem.
    pub fn new(settings: &JwtSettings) -> Result<Verifier, JwtConfigError> {
        let secret = settings.secret.as_deref().filter(|s| !s.is_empty());
        let keys_file = settings.keys_file.as_deref().filter(|p| !p.as_os_str().is_empty());
        if secret.is_none() && keys_file.is_none() {
            return Err(JwtConfigError::NoKeys);
        }
        if settings.issuer.trim().is_empty() {
            return Err(JwtConfigError::Setting { name: ENV_ISSUER, problem: "must not be empty".into() });
        }
        if settings.audience.trim().is_empty() {
            return Err(JwtConfigError::Setting { name: ENV_AUDIENCE, problem: "must not be empty".into() });
        }
        if settings.leeway_secs > MAX_LEEWAY_SECS {
            return Err(JwtConfigError::Setting {
                name: ENV_LEEWAY,
                problem: format!("{} s is more than the largest leeway, {MAX_LEEWAY_SECS} s", settings.leeway_secs),
            });
        }

        let secret = match secret {
            None => None,
            Some(s) if s.len() < MIN_SECRET_BYTES => return Err(JwtConfigError::WeakSecret { len: s.len() }),
            Some(s) => {
                Some(DecodingKey::from_secret(s.as_bytes()).map_err(|_| JwtConfigError::WeakSecret { len: s.len() })?)
            }
        };
        let keys = match keys_file {
            None => HashMap::new(),
            Some(path) => load_key_file(path)?,
        };

        let validation = |alg| {
            let mut v = Validation::new(alg);
            v.leeway = settings.leeway_secs;
            v.validate_exp = true;
            v.validate_nbf = true;
            v.validate_aud = true;
            v.set_issuer(&[settings.issuer.as_str()]);
            v.set_audience(&[settings.audience.as_str()]);
            v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            v
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                secret,
                keys,
                hs256: validation(Algorithm::HS256),
                rs256: validation(Algorithm::RS256),
                es256: validation(Algorithm::ES256),
                issuer: settings.issuer.clone(),
                audience: settings.audience.clone(),
            }),
        })
    }

    /// Whether HS256 tokens can be verified (a secret is configured).
    #[must_use]
    pub fn has_secret(&self) -> bool {
        self.inner.secret.is_some()
    }

    /// The kids of the key file, sorted, for a start-up log line.
    #[must_use]
    pub fn kids(&self) -> Vec<&str> {
        let mut kids: Vec<&str> = self.inner.keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        kids
    }

    /// Verifies the value of an `Authorization` header.
    ///
    /// `None` (no header) is anonymous: `Ok(None)`. Otherwise the value must be exactly
    /// `Bearer <token>` (scheme case-insensitive, one space, a JWS compact token) and the
    /// token must verify (see [`Verifier::verify_token`]).
    ///
    /// # Errors
    /// [`AuthError`] for any other header form or any token that does not verify.
    pub fn verify_header(&self, header: Option<&str>) -> Result<Option<Claims>, AuthError> {
        match header {
            None => Ok(None),
            Some(value) => self.verify_token(bearer_token(value)?).map(Some),
        }
    }

    /// Verifies a bare token (without the `Bearer ` prefix).
    ///
    /// # Errors
    /// [`AuthError`] when the token is malformed, its algorithm or key is not accepted, its
    /// signature is bad, or a claim is missing or invalid.
    pub fn verify_token(&self, token: &str) -> Result<Claims, AuthError> {
        if !is_compact_jws(token) {
            return Err(AuthError::new("malformed token"));
        }
        let inner = &*self.inner;
        // Fails for an unknown `alg` such as "none" as well as for a header that is not
        // base64url JSON.
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| AuthError::new("unreadable header or unsupported alg"))?;
        if header.crit.is_some() {
            return Err(AuthError::new("crit header not supported"));
        }
        let (key, validation) = match header.alg {
            // The secret and nothing else: a public key is never an HMAC secret.
            Algorithm::HS256 => match &inner.secret {
                Some(secret) => (secret, &inner.hs256),
                None => return Err(AuthError::new("hs256 not configured")),
            },
            Algorithm::RS256 | Algorithm::ES256 => {
                let kid = header.kid.as_deref().ok_or(AuthError::new("missing kid"))?;
                let entry = inner.keys.get(kid).ok_or(AuthError::new("unknown kid"))?;
                if entry.alg != header.alg {
                    return Err(AuthError::new("alg does not match the kid's key"));
                }
                let validation = if header.alg == Algorithm::RS256 { &inner.rs256 } else { &inner.es256 };
                (&entry.key, validation)
            }
            _ => return Err(AuthError::new("unsupported alg")),
        };

        let data = jsonwebtoken::decode::<serde_json::Value>(token, key, validation)
            .map_err(|e| AuthError::new(decode_reason(e.kind())))?;
        let claims: Claims = serde_json::from_value(data.claims).map_err(|_| AuthError::new("malformed claims"))?;
        if claims.sub.trim().is_empty() {
            return Err(AuthError::new("empty sub"));
        }
        // Already checked by jsonwebtoken; kept as a second guard on the values returned.
        if claims.iss != inner.issuer {
            return Err(AuthError::new("wrong issuer"));
        }
        if claims.aud != inner.audience {
            return Err(AuthError::new("wrong audience"));
        }
        if let Some(region) = &claims.region
            && DivisionCode::parse(region).is_err()
        {
            return Err(AuthError::new("invalid region claim"));
        }
        Ok(claims)
    }
}

/// The token of an `Authorization` value of exactly the form `Bearer <token>`.
fn bearer_token(value: &str) -> Result<&str, AuthError> {
    let Some((scheme, token)) = value.split_once(' ') else {
        return Err(AuthError::new("malformed header"));
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::new("not a bearer credential"));
    }
    if token.is_empty() {
        return Err(AuthError::new("malformed header"));
    }
    if !is_compact_jws(token) {
        return Err(AuthError::new("malformed header"));
    }
    Ok(token)
}

/// Three base64url segments separated by dots, header and payload non-empty, at most
/// [`MAX_TOKEN_BYTES`] long. (The signature may be empty here; it then fails verification.)
fn is_compact_jws(token: &str) -> bool {
    if token.len() > MAX_TOKEN_BYTES {
        return false;
    }
    let b64url = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => !h.is_empty() && !p.is_empty() && b64url(h) && b64url(p) && b64url(s),
        _ => false,
    }
}

fn decode_reason(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::ImmatureSignature => "not yet valid",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
            "exp" => "missing exp",
            "iss" => "missing iss",
            "aud" => "missing aud",
            "sub" => "missing sub",
            _ => "missing required claim",
        },
        ErrorKind::InvalidClaimFormat(_) => "invalid claim format",
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => "algorithm not allowed",
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => "malformed token",
        _ => "invalid token",
    }
}

fn key_file_error(path: &Path, problem: impl Into<String>) -> JwtConfigError {
    JwtConfigError::KeyFile { path: path.to_owned(), problem: problem.into() }
}

fn load_key_file(path: &Path) -> Result<HashMap<String, KidKey>, JwtConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| key_file_error(path, format!("cannot read: {e}")))?;
    let entries = if text.trim_start().starts_with('{') {
        parse_jwks(&text)
    } else {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        parse_pem_file(&text, &stem)
    }
    .map_err(|problem| key_file_error(path, problem))?;
    if entries.is_empty() {
        return Err(key_file_error(path, "holds no usable public key"));
    }
    let mut keys = HashMap::with_capacity(entries.len());
    for (kid, key) in entries {
        if keys.contains_key(&kid) {
            return Err(key_file_error(path, format!("kid {kid:?} appears more than once")));
        }
        keys.insert(kid, key);
    }
    Ok(keys)
}

/// Checks a public key once at start and returns the one algorithm it is used with.
fn check_public_key(key: &DecodingKey) -> Result<Algorithm, String> {
    let jwk = Jwk::from_decoding_key(key, None).map_err(|e| format!("unreadable public key ({e})"))?;
    match &jwk.algorithm {
        AlgorithmParameters::RSA(p) => {
            let n = URL_SAFE_NO_PAD.decode(&p.n).map_err(|_| "unreadable RSA modulus".to_owned())?;
            let bits = significant_bits(&n);
            if bits < MIN_RSA_BITS {
                return Err(format!("RSA key of {bits} bits is too short (at least {MIN_RSA_BITS})"));
            }
            Ok(Algorithm::RS256)
        }
        AlgorithmParameters::EllipticCurve(p) => {
            if p.curve != EllipticCurve::P256 {
                return Err(format!("EC curve {:?} is not accepted: only P-256 (ES256)", p.curve));
            }
            // Builds the verifier, which parses the point: an invalid one fails here rather
            // than on every token.
            jsonwebtoken::crypto::verify("", b"", key, Algorithm::ES256)
                .map_err(|_| "invalid EC P-256 public key".to_owned())?;
            Ok(Algorithm::ES256)
        }
        _ => Err("only RSA (RS256) and EC P-256 (ES256) public keys are accepted".to_owned()),
    }
}

fn significant_bits(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => (big_endian.len() - i) * 8 - big_endian[i].leading_zeros() as usize,
    }
}

fn parse_jwks(text: &str) -> Result<Vec<(String, KidKey)>, String> {
    let raw: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Some(raw_keys) = raw.get("keys").and_then(|k| k.as_array()) else {
        return Err("a JWKS needs a \"keys\" array".to_owned());
    };
    let mut out = Vec::with_capacity(raw_keys.len());
    for (i, raw_key) in raw_keys.iter().enumerate() {
        let kid = raw_key.get("kid").and_then(|k| k.as_str()).unwrap_or_default().to_owned();
        let at = if kid.is_empty() { format!("key #{i}") } else { format!("key #{i} (kid {kid:?})") };
        if raw_key.get("d").is_some() {
            return Err(format!("{at} is a private key; the file must hold public keys only"));
        }
        let jwk: Jwk = serde_json::from_value(raw_key.clone()).map_err(|e| format!("{at}: not a valid JWK: {e}"))?;
        if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
            continue;
        }
        if kid.is_empty() {
            return Err(format!("{at} has no \"kid\""));
        }
        let key = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) | AlgorithmParameters::EllipticCurve(_) => {
                DecodingKey::from_jwk(&jwk).map_err(|e| format!("{at}: unreadable key ({e})"))?
            }
            AlgorithmParameters::OctetKey(_) => {
                return Err(format!("{at}: symmetric keys do not belong here; use {ENV_SECRET} for HS256"));
            }
            _ => return Err(format!("{at}: only RSA (RS256) and EC P-256 (ES256) public keys are accepted")),
        };
        let alg = check_public_key(&key).map_err(|problem| format!("{at}: {problem}"))?;
        match jwk.common.key_algorithm {
            None => {}
            Some(KeyAlgorithm::RS256) if alg == Algorithm::RS256 => {}
            Some(KeyAlgorithm::ES256) if alg == Algorithm::ES256 => {}
            Some(other) => {
                return Err(format!("{at}: alg {other:?} is not accepted for this key (only {alg:?})"));
            }
        }
        out.push((kid, KidKey { alg, key }));
    }
    Ok(out)
}

fn parse_pem_file(text: &str, stem: &str) -> Result<Vec<(String, KidKey)>, String> {
    struct Block {
        kid: Option<String>,
        label: String,
        pem: String,
        line: usize,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut pending_kid: Option<(String, usize)> = None;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    while let Some((n, line)) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            let is_kid = comment.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("kid:"));
            if is_kid {
                let kid = comment[4..].trim();
                if kid.is_empty() {
                    return Err(format!("line {n}: empty kid"));
                }
                if let Some((_, earlier)) = &pending_kid {
                    return Err(format!("line {n}: kid line follows the kid line {earlier} with no key between"));
                }
                pending_kid = Some((kid.to_owned(), n));
            }
            continue;
        }
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|r| r.strip_suffix("-----")) else {
            return Err(format!("line {n}: unexpected text outside a PEM block (comments start with '#')"));
        };
        let end = format!("-----END {label}-----");
        let mut pem = format!("{line}\n");
        loop {
            match lines.next() {
                None => return Err(format!("line {n}: PEM block {label:?} is never closed")),
                Some((_, l)) => {
                    pem.push_str(l);
                    pem.push('\n');
                    if l == end {
                        break;
                    }
                }
            }
        }
        blocks.push(Block { kid: pending_kid.take().map(|(k, _)| k), label: label.to_owned(), pem, line: n });
    }
    if let Some((_, n)) = pending_kid {
        return Err(format!("line {n}: kid line is not followed by a key"));
    }
    if blocks.is_empty() {
        return Err("no PEM block and no JWKS found".to_owned());
    }
    let single = blocks.len() == 1;
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        let at = format!("line {}", block.line);
        let kid = match block.kid {
            Some(kid) => kid,
            None if single && !stem.is_empty() => stem.to_owned(),
            None => {
                return Err(format!(
                    "{at}: PEM block has no '# kid: NAME' line before it (required when the file holds more than one key)"
                ));
            }
        };
        let at = format!("{at} (kid {kid:?})");
        let key = match block.label.as_str() {
            "RSA PUBLIC KEY" => DecodingKey::from_rsa_pem(block.pem.as_bytes())
                .map_err(|e| format!("{at}: unreadable RSA public key ({e})"))?,
            "PUBLIC KEY" => DecodingKey::from_rsa_pem(block.pem.as_bytes())
                .or_else(|_| DecodingKey::from_ec_pem(block.pem.as_bytes()))
                .map_err(|_| format!("{at}: not an RSA or EC public key"))?,
            label if label.contains("PRIVATE KEY") => {
                return Err(format!("{at}: {label} found; the file must hold public keys only"));
            }
            "CERTIFICATE" => {
                return Err(format!(
                    "{at}: certificates are not accepted; extract the key with `openssl x509 -pubkey -noout`"
                ));
            }
            label => return Err(format!("{at}: unsupported PEM block {label:?}")),
        };
        let alg = check_public_key(&key).map_err(|problem| format!("{at}: {problem}"))?;
        out.push((kid, KidKey { alg, key }));
    }
    Ok(out)
}

/// Signs `claims` with HS256 and `secret`: for `civlink token` and tests.
///
/// # Errors
/// [`MintError::WeakSecret`] for a secret shorter than [`MIN_SECRET_BYTES`] (the verifier
/// would refuse it), [`MintError::Encode`] if encoding fails.
pub fn mint(secret: &str, claims: &Claims) -> Result<String, MintError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(MintError::WeakSecret { len: secret.len() });
    }
    let key = EncodingKey::from_secret(secret.as_bytes()).map_err(|e| MintError::Encode(e.to_string()))?;
    debug_assert_eq!(key.family(), AlgorithmFamily::Hmac);
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).map_err(|e| MintError::Encode(e.to_string()))
}

/// Claims of a development token: one role, an optional region, issued now and valid for
/// `ttl`.
#[must_use]
pub fn dev_claims(
    sub: &str,
    role: &str,
    region: Option<String>,
    ttl: Duration,
    issuer: &str,
    audience: &str,
) -> Claims {
    let now = i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX);
    let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
    Claims {
        sub: sub.to_owned(),
        exp: now.saturating_add(ttl),
        iss: issuer.to_owned(),
        aud: audience.to_owned(),
        nbf: None,
        iat: Some(now),
        roles: vec![role.to_owned()],
        region,
        station: None,
        org: None,
        source: None,
    }
}

/// Parses a `--ttl` value in humantime form (`90s`, `15m`, `1h`, `7d`, `1h 30m`), between
/// 1 second and 366 days.
///
/// # Errors
/// A message for any other form or range.
pub fn parse_ttl(input: &str) -> Result<Duration, String> {
    let ttl =
        humantime::parse_duration(input.trim()).map_err(|e| format!("ttl {input:?}: {e} (e.g. 90s, 15m, 1h, 7d)"))?;
    if ttl < Duration::from_secs(1) || ttl > Duration::from_secs(366 * 86_400) {
        return Err(format!("ttl {input:?}: must be between 1 second and 366 days"));
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const SECRET: &str = "test-secret-of-at-least-thirty-two-bytes!";
    const OTHER_SECRET: &str = "another-secret-of-at-least-32-bytes-long";
    const ISS: &str = "https://idp.civlink.test";
    const AUD: &str = "civlink-api";
    const RSA_KID: &str = "rsa-2026";
    const EC_KID: &str = "ec-2026";

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt").join(name)
    }

    fn read_fixture(name: &str) -> Vec<u8> {
        std::fs::read(fixture(name)).expect("fixture")
    }

    fn settings(secret: Option<&str>, keys: Option<&str>) -> JwtSettings {
        JwtSettings {
            secret: secret.map(str::to_owned),
            keys_file: keys.map(fixture),
            issuer: ISS.to_owned(),
            audience: AUD.to_owned(),
            leeway_secs: 60,
        }
    }

    /// Secret and the PEM key file.
    fn verifier() -> Verifier {
        Verifier::new(&settings(Some(SECRET), Some("keys.pem"))).expect("verifier")
    }

    fn now() -> i64 {
        i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap()
    }

    fn claims_json() -> Value {
        json!({
            "sub": "zhang.wei",
            "exp": now() + 600,
            "iat": now(),
            "iss": ISS,
            "aud": AUD,
            "roles": ["station_worker"],
            "region": "522301",
            "station": "st-001",
        })
    }

    fn with(mut claims: Value, key: &str, value: Value) -> Value {
        claims[key] = value;
        claims
    }

    fn without(mut claims: Value, key: &str) -> Value {
        claims.as_object_mut().unwrap().remove(key);
        claims
    }

    fn hs256(secret: &str, claims: &Value) -> String {
        let key = EncodingKey::from_secret(secret.as_bytes()).unwrap();
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).unwrap()
    }

    fn signed(alg: Algorithm, kid: Option<&str>, private_pem: &str, claims: &Value) -> String {
        let pem = read_fixture(private_pem);
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
            Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
            _ => unreachable!(),
        };
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    fn rs256(kid: Option<&str>, claims: &Value) -> String {
        signed(Algorithm::RS256, kid, "rsa_private.pem", claims)
    }

    fn es256(kid: Option<&str>, claims: &Value) -> String {
        signed(Algorithm::ES256, kid, "ec_private.pem", claims)
    }

    fn bearer(token: &str) -> String {
        format!("Bearer {token}")
    }

    #[track_caller]
    fn accepted(v: &Verifier, header: &str) -> Claims {
        match v.verify_header(Some(header)) {
            Ok(Some(claims)) => claims,
            other => panic!("expected acceptance, got {other:?}"),
        }
    }

    #[track_caller]
    fn rejected(v: &Verifier, header: &str, reason: &str) {
        match v.verify_header(Some(header)) {
            Err(e) => {
                assert_eq!(e.reason(), reason, "reason");
                assert_eq!(e.to_string(), CLIENT_MESSAGE, "client message");
            }
            Ok(c) => panic!("expected rejection ({reason}), got {c:?}"),
        }
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    // --- accepted tokens -----------------------------------------------------------------

    #[test]
    fn no_header_is_anonymous() {
        assert!(verifier().verify_header(None).unwrap().is_none());
    }

    #[test]
    fn hs256_valid_accepted_with_claims() {
        let c = accepted(&verifier(), &bearer(&hs256(SECRET, &claims_json())));
        assert_eq!(c.sub, "zhang.wei");
        assert_eq!(c.iss, ISS);
        assert_eq!(c.aud, AUD);
        assert_eq!(c.roles, ["station_worker"]);
        assert_eq!(c.region.as_deref(), Some("522301"));
        assert_eq!(c.station.as_deref(), Some("st-001"));
        assert_eq!(c.org, None);
        assert_eq!(c.source, None);
    }

    #[test]
    fn rs256_valid_accepted() {
        accepted(&verifier(), &bearer(&rs256(Some(RSA_KID), &claims_json())));
    }

    #[test]
    fn es256_valid_with_kid_accepted() {
        accepted(&verifier(), &bearer(&es256(Some(EC_KID), &claims_json())));
    }

    #[test]
    fn jwks_file_rs256_and_es256_accepted() {
        let v = Verifier::new(&settings(None, Some("jwks.json"))).unwrap();
        assert_eq!(v.kids(), [EC_KID, RSA_KID]);
        assert!(!v.has_secret());
        accepted(&v, &bearer(&rs256(Some(RSA_KID), &claims_json())));
        accepted(&v, &bearer(&es256(Some(EC_KID), &claims_json())));
        rejected(&v, &bearer(&es256(Some(RSA_KID), &claims_json())), "alg does not match the kid's key");
    }

    #[test]
    fn single_key_pem_files_take_the_file_stem_as_kid() {
        let v = Verifier::new(&settings(None, Some("rsa_public_pkcs1.pem"))).unwrap();
        assert_eq!(v.kids(), ["rsa_public_pkcs1"]);
        accepted(&v, &bearer(&rs256(Some("rsa_public_pkcs1"), &claims_json())));
        let v = Verifier::new(&settings(None, Some("ec_public.pem"))).unwrap();
        accepted(&v, &bearer(&es256(Some("ec_public"), &claims_json())));
    }

    #[test]
    fn aud_as_one_element_array_accepted_two_elements_rejected() {
        let v = verifier();
        let c = accepted(&v, &bearer(&hs256(SECRET, &with(claims_json(), "aud", json!([AUD])))));
        assert_eq!(c.aud, AUD);
        let two = with(claims_json(), "aud", json!([AUD, "other"]));
        rejected(&v, &bearer(&hs256(SECRET, &two)), "malformed claims");
    }

    // --- time ----------------------------------------------------------------------------

    #[test]
    fn missing_exp_rejected() {
        rejected(&verifier(), &bearer(&hs256(SECRET, &without(claims_json(), "exp"))), "missing exp");
    }

    #[test]
    fn expired_beyond_leeway_rejected() {
        let c = with(claims_json(), "exp", json!(now() - 120));
        rejected(&verifier(), &bearer(&hs256(SECRET, &c)), "expired");
    }

    #[test]
    fn expired_within_leeway_accepted() {
        let c = with(claims_json(), "exp", json!(now() - 30));
        accepted(&verifier(), &bearer(&hs256(SECRET, &c)));
    }

    #[test]
    fn leeway_is_configurable() {
        let mut s = settings(Some(SECRET), None);
        s.leeway_secs = 0;
        let v = Verifier::new(&s).unwrap();
        let c = with(claims_json(), "exp", json!(now() - 30));
        rejected(&v, &bearer(&hs256(SECRET, &c)), "expired");
    }

    #[test]
    fn not_yet_valid_beyond_leeway_rejected() {
        let c = with(claims_json(), "nbf", json!(now() + 120));
        rejected(&verifier(), &bearer(&hs256(SECRET, &c)), "not yet valid");
    }

    #[test]
    fn nbf_within_leeway_accepted() {
        let c = with(claims_json(), "nbf", json!(now() + 30));
        accepted(&verifier(), &bearer(&hs256(SECRET, &c)));
    }

    // --- issuer, audience, subject, custom claims ----------------------------------------

    #[test]
    fn wrong_iss_rejected() {
        let c = with(claims_json(), "iss", json!("https://evil.example"));
        rejected(&verifier(), &bearer(&hs256(SECRET, &c)), "wrong issuer");
    }

    #[test]
    fn missing_iss_rejected() {
        rejected(&verifier(), &bearer(&hs256(SECRET, &without(claims_json(), "iss"))), "missing iss");
    }

    #[test]
    fn wrong_aud_rejected() {
        let c = with(claims_json(), "aud", json!("some-other-api"));
        rejected(&verifier(), &bearer(&hs256(SECRET, &c)), "wrong audience");
    }

    #[test]
    fn missing_aud_rejected() {
        rejected(&verifier(), &bearer(&hs256(SECRET, &without(claims_json(), "aud"))), "missing aud");
    }

    #[test]
    fn missing_sub_rejected() {
        rejected(&verifier(), &bearer(&hs256(SECRET, &without(claims_json(), "sub"))), "missing sub");
    }

    #[test]
    fn empty_sub_rejected() {
        let c = with(claims_json(), "sub", json!(" "));
        rejected(&verifier(), &bearer(&hs256(SECRET, &c)), "empty sub");
    }

    #[test]
    fn malformed_custom_claims_rejected() {
        let v = verifier();
        let c = with(claims_json(), "roles", json!("admin"));
        rejected(&v, &bearer(&hs256(SECRET, &c)), "malformed claims");
        let c = with(claims_json(), "region", json!("52230X"));
        rejected(&v, &bearer(&hs256(SECRET, &c)), "invalid region claim");
    }

    // --- signatures and algorithms -------------------------------------------------------

    #[test]
    fn bad_signature_other_secret_rejected() {
        rejected(&verifier(), &bearer(&hs256(OTHER_SECRET, &claims_json())), "bad signature");
    }

    #[test]
    fn rs256_signed_by_another_key_rejected() {
        let token = signed(Algorithm::RS256, Some(RSA_KID), "rsa_other_private.pem", &claims_json());
        rejected(&verifier(), &bearer(&token), "bad signature");
    }

    #[test]
    fn tampered_payload_rejected() {
        let v = verifier();
        for token in [hs256(SECRET, &claims_json()), rs256(Some(RSA_KID), &claims_json())] {
            let parts: Vec<&str> = token.split('.').collect();
            let forged = with(claims_json(), "roles", json!(["admin"]));
            let payload = b64(serde_json::to_string(&forged).unwrap().as_bytes());
            let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
            rejected(&v, &bearer(&tampered), "bad signature");
        }
    }

    #[test]
    fn alg_none_rejected() {
        let v = verifier();
        let payload = b64(serde_json::to_string(&claims_json()).unwrap().as_bytes());
        for header in [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"None","typ":"JWT"}"#, r#"{"alg":"NONE"}"#] {
            let unsigned = format!("{}.{payload}.", b64(header.as_bytes()));
            rejected(&v, &bearer(&unsigned), "unreadable header or unsupported alg");
            // The same with a valid HS256 signature appended changes nothing.
            let sig = hs256(SECRET, &claims_json()).rsplit('.').next().unwrap().to_owned();
            rejected(
                &v,
                &bearer(&format!("{}.{payload}.{sig}", b64(header.as_bytes()))),
                "unreadable header or unsupported alg",
            );
        }
    }

    #[test]
    fn algorithm_confusion_hs256_with_rsa_public_key_as_secret_rejected() {
        let public_pem = String::from_utf8(read_fixture("rsa_public.pem")).unwrap();
        let key = EncodingKey::from_secret(public_pem.as_bytes()).unwrap();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(RSA_KID.to_owned());
        let token = jsonwebtoken::encode(&header, &claims_json(), &key).unwrap();
        // With a secret configured, HS256 is checked against the secret only.
        rejected(&verifier(), &bearer(&token), "bad signature");
        // Without one, HS256 is not accepted at all.
        let v = Verifier::new(&settings(None, Some("keys.pem"))).unwrap();
        rejected(&v, &bearer(&token), "hs256 not configured");
        // The whole key file as the secret fares no better.
        let keys_pem = read_fixture("keys.pem");
        let token = hs256(std::str::from_utf8(&keys_pem).unwrap(), &claims_json());
        rejected(&verifier(), &bearer(&token), "bad signature");
    }

    #[test]
    fn unknown_kid_rejected() {
        rejected(&verifier(), &bearer(&rs256(Some("rsa-1999"), &claims_json())), "unknown kid");
    }

    #[test]
    fn rs256_without_kid_rejected() {
        rejected(&verifier(), &bearer(&rs256(None, &claims_json())), "missing kid");
    }

    #[test]
    fn es256_with_rsa_kid_rejected() {
        rejected(&verifier(), &bearer(&es256(Some(RSA_KID), &claims_json())), "alg does not match the kid's key");
    }

    #[test]
    fn rs256_with_ec_kid_rejected() {
        rejected(&verifier(), &bearer(&rs256(Some(EC_KID), &claims_json())), "alg does not match the kid's key");
    }

    #[test]
    fn other_algorithms_rejected() {
        let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims_json(), &key).unwrap();
        rejected(&verifier(), &bearer(&token), "unsupported alg");
        let pem = read_fixture("rsa_private.pem");
        let mut header = Header::new(Algorithm::PS256);
        header.kid = Some(RSA_KID.to_owned());
        let token = jsonwebtoken::encode(&header, &claims_json(), &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap();
        rejected(&verifier(), &bearer(&token), "unsupported alg");
    }

    #[test]
    fn crit_header_rejected() {
        let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
        let mut header = Header::new(Algorithm::HS256);
        header.crit = Some(vec!["exp".to_owned()]);
        let token = jsonwebtoken::encode(&header, &claims_json(), &key).unwrap();
        rejected(&verifier(), &bearer(&token), "crit header not supported");
    }

    #[test]
    fn hs256_without_configured_secret_rejected() {
        let v = Verifier::new(&settings(None, Some("keys.pem"))).unwrap();
        rejected(&v, &bearer(&hs256(SECRET, &claims_json())), "hs256 not configured");
    }

    // --- header forms --------------------------------------------------------------------

    #[test]
    fn header_basic_rejected() {
        rejected(&verifier(), "Basic x", "not a bearer credential");
    }

    #[test]
    fn header_bearer_without_token_rejected() {
        rejected(&verifier(), "Bearer", "malformed header");
        rejected(&verifier(), "Bearer ", "malformed header");
        rejected(&verifier(), "", "malformed header");
    }

    #[test]
    fn header_extra_parts_rejected() {
        let v = verifier();
        rejected(&v, "Bearer  a b", "malformed header");
        let token = hs256(SECRET, &claims_json());
        rejected(&v, &format!("Bearer  {token}"), "malformed header");
        rejected(&v, &format!("Bearer {token} extra"), "malformed header");
        rejected(&v, &format!("Bearer\t{token}"), "malformed header");
        rejected(&v, &format!("Bearer {token}.x"), "malformed header");
        rejected(&v, "Bearer abc", "malformed header");
    }

    #[test]
    fn header_token_scheme_rejected() {
        rejected(&verifier(), "Token abc", "not a bearer credential");
        let token = hs256(SECRET, &claims_json());
        rejected(&verifier(), &format!("Token {token}"), "not a bearer credential");
        rejected(&verifier(), &token, "malformed header");
    }

    #[test]
    fn header_scheme_is_case_insensitive() {
        let token = hs256(SECRET, &claims_json());
        accepted(&verifier(), &format!("bearer {token}"));
        accepted(&verifier(), &format!("BEARER {token}"));
    }

    #[test]
    fn overlong_token_rejected() {
        let c = with(claims_json(), "org", json!("x".repeat(MAX_TOKEN_BYTES)));
        rejected(&verifier(), &bearer(&hs256(SECRET, &c)), "malformed header");
    }

    // --- the error seen by clients -------------------------------------------------------

    #[test]
    fn auth_error_tells_the_client_nothing() {
        let e = AuthError::new("expired");
        assert_eq!(e.to_string(), CLIENT_MESSAGE);
        assert_eq!(e.client_message(), CLIENT_MESSAGE);
        assert_eq!(e.status(), axum::http::StatusCode::UNAUTHORIZED);
        let g = e.graphql_error();
        assert_eq!(g.message, CLIENT_MESSAGE);
        let ext = serde_json::to_value(g.extensions.as_ref().unwrap()).unwrap();
        assert_eq!(ext, json!({"code": ERROR_CODE}));
        assert!(format!("{e:?}").contains("expired"));
    }

    // --- configuration -------------------------------------------------------------------

    #[track_caller]
    fn config_error(s: &JwtSettings) -> String {
        Verifier::new(s).expect_err("config error").to_string()
    }

    fn temp_key_file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    fn with_file(path: PathBuf) -> JwtSettings {
        JwtSettings { keys_file: Some(path), ..settings(None, None) }
    }

    #[test]
    fn no_keys_is_a_distinct_error() {
        assert!(matches!(Verifier::new(&settings(None, None)), Err(JwtConfigError::NoKeys)));
        assert!(matches!(Verifier::new(&settings(Some(""), None)), Err(JwtConfigError::NoKeys)));
    }

    #[test]
    fn weak_secret_and_bad_settings_rejected_at_start() {
        assert!(matches!(Verifier::new(&settings(Some("short"), None)), Err(JwtConfigError::WeakSecret { len: 5 })));
        let mut s = settings(Some(SECRET), None);
        s.issuer = String::new();
        assert!(config_error(&s).contains(ENV_ISSUER));
        let mut s = settings(Some(SECRET), None);
        s.audience = " ".into();
        assert!(config_error(&s).contains(ENV_AUDIENCE));
        let mut s = settings(Some(SECRET), None);
        s.leeway_secs = MAX_LEEWAY_SECS + 1;
        assert!(config_error(&s).contains(ENV_LEEWAY));
        assert!(!format!("{:?}", settings(Some(SECRET), None)).contains(SECRET));
        assert!(!format!("{:?}", verifier()).contains(SECRET));
    }

    #[test]
    fn key_file_errors_name_the_file_and_problem() {
        let missing = fixture("does-not-exist.pem");
        let msg = config_error(&with_file(missing.clone()));
        assert!(msg.contains(&missing.display().to_string()) && msg.contains("cannot read"), "{msg}");

        let private = String::from_utf8(read_fixture("rsa_private.pem")).unwrap();
        let (_d, path) = temp_key_file("private.pem", &format!("# kid: a\n{private}"));
        let msg = config_error(&with_file(path.clone()));
        assert!(msg.contains(&path.display().to_string()) && msg.contains("public keys only"), "{msg}");

        let rsa = String::from_utf8(read_fixture("rsa_public.pem")).unwrap();
        let ec = String::from_utf8(read_fixture("ec_public.pem")).unwrap();
        let (_d, path) = temp_key_file("two.pem", &format!("{rsa}{ec}"));
        let msg = config_error(&with_file(path));
        assert!(msg.contains("line 1") && msg.contains("# kid: NAME"), "{msg}");

        let (_d, path) = temp_key_file("dup.pem", &format!("# kid: a\n{rsa}# kid: a\n{ec}"));
        assert!(config_error(&with_file(path)).contains("more than once"));

        let (_d, path) = temp_key_file("open.pem", &format!("# kid: a\n{}", &rsa[..rsa.len() - 30]));
        assert!(config_error(&with_file(path)).contains("never closed"));

        let (_d, path) = temp_key_file("junk.pem", "hello\n");
        assert!(config_error(&with_file(path)).contains("line 1"));

        let (_d, path) = temp_key_file("empty.pem", "# nothing\n");
        assert!(config_error(&with_file(path)).contains("no PEM block"));
    }

    #[test]
    fn jwks_errors_name_the_key() {
        let jwks: Value = serde_json::from_slice(&read_fixture("jwks.json")).unwrap();
        let rsa = jwks["keys"][0].clone();

        let oct = json!({"keys": [{"kty": "oct", "kid": "hmac", "k": b64(SECRET.as_bytes())}]});
        let (_d, path) = temp_key_file("oct.json", &oct.to_string());
        let msg = config_error(&with_file(path.clone()));
        assert!(
            msg.contains(&path.display().to_string()) && msg.contains("\"hmac\"") && msg.contains("symmetric"),
            "{msg}"
        );

        let no_kid = json!({"keys": [without(rsa.clone(), "kid")]});
        let (_d, path) = temp_key_file("nokid.json", &no_kid.to_string());
        assert!(config_error(&with_file(path)).contains("no \"kid\""));

        let wrong_alg = json!({"keys": [with(rsa.clone(), "alg", json!("ES256"))]});
        let (_d, path) = temp_key_file("alg.json", &wrong_alg.to_string());
        assert!(config_error(&with_file(path)).contains("not accepted"));

        let private = json!({"keys": [with(rsa.clone(), "d", json!("AAAA"))]});
        let (_d, path) = temp_key_file("private.json", &private.to_string());
        assert!(config_error(&with_file(path)).contains("private key"));

        let short = json!({"keys": [with(rsa.clone(), "n", json!(b64(&[0xff; 128])))]});
        let (_d, path) = temp_key_file("short.json", &short.to_string());
        assert!(config_error(&with_file(path)).contains("1024 bits"));

        let dup = json!({"keys": [rsa.clone(), rsa.clone()]});
        let (_d, path) = temp_key_file("dup.json", &dup.to_string());
        assert!(config_error(&with_file(path)).contains("more than once"));

        let enc_only = json!({"keys": [with(rsa.clone(), "use", json!("enc"))]});
        let (_d, path) = temp_key_file("enc.json", &enc_only.to_string());
        assert!(config_error(&with_file(path)).contains("no usable public key"));

        let (_d, path) = temp_key_file("bad.json", "{\"keys\": 3}");
        assert!(config_error(&with_file(path)).contains("\"keys\" array"));
    }

    #[test]
    fn settings_from_lookup() {
        let vars = HashMap::from([(ENV_SECRET, SECRET), (ENV_KEYS, ""), (ENV_LEEWAY, "5")]);
        let s = JwtSettings::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned())).unwrap();
        assert_eq!(s.secret.as_deref(), Some(SECRET));
        assert_eq!(s.keys_file, None);
        assert_eq!(s.issuer, DEFAULT_ISSUER);
        assert_eq!(s.audience, DEFAULT_AUDIENCE);
        assert_eq!(s.leeway_secs, 5);
        let e = JwtSettings::from_lookup(|k| (k == ENV_LEEWAY).then(|| "1m".to_owned())).unwrap_err();
        assert!(e.to_string().contains(ENV_LEEWAY));
        assert_eq!(JwtSettings::from_lookup(|_| None).unwrap().leeway_secs, DEFAULT_LEEWAY_SECS);
    }

    // --- development tokens --------------------------------------------------------------

    #[test]
    fn minted_dev_token_verifies() {
        let claims = dev_claims("dev", "admin", Some("520000".into()), Duration::from_secs(3600), ISS, AUD);
        assert_eq!(claims.exp - claims.iat.unwrap(), 3600);
        let token = mint(SECRET, &claims).unwrap();
        let c = accepted(&verifier(), &bearer(&token));
        assert_eq!(c.sub, "dev");
        assert_eq!(c.roles, ["admin"]);
        assert_eq!(c.region.as_deref(), Some("520000"));
        assert!(matches!(mint("short", &claims), Err(MintError::WeakSecret { len: 5 })));
        // Signed with another secret: rejected.
        rejected(&verifier(), &bearer(&mint(OTHER_SECRET, &claims).unwrap()), "bad signature");
    }

    #[test]
    fn ttl_parsing() {
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_ttl("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_ttl("1h 30m"), Ok(Duration::from_secs(5400)));
        for bad in ["", "0", "0h", "120", "h", "-1h", "400d", "500ms"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
