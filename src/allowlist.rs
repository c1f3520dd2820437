//! The operation allow-list (`CIVLINK_ALLOWLIST`): in allow-list mode only the documents it
//! names may run, except for ADMIN.
//!
//! The file is an Apollo persisted-query manifest, as written by
//! `@apollo/generate-persisted-query-manifest`:
//! `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":…,"name":"StationList","type":"query","body":"query StationList { … }"}]}`.
//! A request matches an entry when its document is the entry's `body`, byte for byte (the
//! SHA-256 of the text, as automatic persisted queries compute it), so a client may send the
//! text or, with APQ, only its hash: the list also serves as the persisted-query store for its
//! own documents, so their hashes run without a first round trip.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    format: Option<String>,
    operations: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    name: String,
    body: String,
}

/// The allowed documents, by the SHA-256 (lower-case hex) of their text, with their names.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    by_hash: HashMap<String, Entry>,
}

/// The lower-case hex SHA-256 of a document's text, as automatic persisted queries use.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl AllowList {
    /// Reads a manifest file. Errors name the file and what is wrong with it: unreadable, not
    /// a manifest, an operation without a name, or a body that is not a GraphQL document.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses a manifest's text (see [`AllowList::load`]).
    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Manifest = serde_json::from_str(text).map_err(|e| {
            format!("not an Apollo persisted-query manifest ({{\"operations\":[{{\"name\",\"body\"}}]}}): {e}")
        })?;
        if let Some(format) = &manifest.format
            && format != "apollo-persisted-query-manifest"
        {
            return Err(format!("unknown manifest format `{format}`"));
        }
        let mut by_hash = HashMap::new();
        for (i, op) in manifest.operations.into_iter().enumerate() {
            if op.name.trim().is_empty() {
                return Err(format!("operation {i} has no name: the allow-list holds named operations"));
            }
            async_graphql::parser::parse_query(&op.body)
                .map_err(|e| format!("operation `{}` is not a GraphQL document: {e}", op.name))?;
            by_hash.insert(sha256_hex(&op.body), op);
        }
        Ok(Self { by_hash })
    }

    /// The name of the allowed operation whose text has this hash.
    pub fn name_of(&self, sha256: &str) -> Option<&str> {
        self.by_hash.get(&sha256.to_ascii_lowercase()).map(|e| e.name.as_str())
    }

    /// Fills in the text of an APQ request that sent only the hash of an allowed document.
    pub fn resolve(&self, request: &mut async_graphql::Request) {
        if request.query.is_empty()
            && let Some(entry) = apq_hash(request).and_then(|h| self.by_hash.get(&h.to_ascii_lowercase()))
        {
            request.query = entry.body.clone();
        }
    }

    /// Number of allowed documents.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the list allows nothing.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Whether `request` (its text, or the hash of an APQ request without text) is allowed.
    pub fn permits(&self, request: &async_graphql::Request) -> bool {
        if !request.query.is_empty() {
            return self.name_of(&sha256_hex(&request.query)).is_some();
        }
        apq_hash(request).is_some_and(|h| self.name_of(h).is_some())
    }
}

/// The `extensions.persistedQuery.sha256Hash` of a request.
fn apq_hash(request: &async_graphql::Request) -> Option<&str> {
    request
        .extensions
        .get("persistedQuery")
        .and_then(|v| match v {
            async_graphql::Value::Object(o) => o.get("sha256Hash"),
            _ => None,
        })
        .and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.as_str()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_load_and_refuse_nonsense() {
        let ok = r#"{"format":"apollo-persisted-query-manifest","version":1,"operations":[
            {"id":"x","name":"Regions","type":"query","body":"query Regions { regions { totalCount } }"}]}"#;
        let list = AllowList::parse(ok).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list.name_of(&sha256_hex("query Regions { regions { totalCount } }")), Some("Regions"));
        assert_eq!(list.name_of(&sha256_hex("query Regions {regions { totalCount } }")), None);
        for bad in [
            "[]",
            r#"{"operations":[{"name":"","body":"{ a }"}]}"#,
            r#"{"operations":[{"name":"A","body":"{ a "}]}"#,
            r#"{"format":"other","operations":[]}"#,
        ] {
            assert!(AllowList::parse(bad).is_err(), "{bad}");
        }
    }
}
