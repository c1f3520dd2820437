//! GraphiQL, served by civlink itself: the page on `GET /graphql` (a browser that sent no
//! query) and the scripts and styles it loads, embedded in the binary from `assets/graphiql/`
//! (graphiql, react and react-dom as published on npm; versions, licences and the script that
//! re-fetches them are in that folder). Nothing is loaded from another host, so GraphiQL works
//! on networks without internet access (issue 20).
//!
//! Asset URLs are `/graphiql/{hash}/{file}`, `hash` being the first 16 hex digits of the file's
//! SHA-256: a URL always names the same bytes, so browsers may cache it for a year without
//! asking again (`immutable`), and an upgrade changes the URLs the page refers to.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One file embedded from `assets/graphiql/`.
struct Asset {
    /// The file name, also the last segment of its URL.
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/graphiql/", $name)),
        }
    };
}

static ASSETS: [Asset; 4] = [
    asset!("react.production.min.js", "text/javascript; charset=utf-8"),
    asset!("react-dom.production.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.css", "text/css; charset=utf-8"),
];

/// Each asset's hash (16 hex digits of its SHA-256), in the order of [`ASSETS`]; computed once.
static HASHES: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS.iter().map(|a| Sha256::digest(a.body).iter().take(8).map(|b| format!("{b:02x}")).collect()).collect()
});

/// A year, the longest `max-age` caches are asked to honour (RFC 9111 §5.2.2.1, and
/// `immutable` from RFC 8246): a versioned URL never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The query the page opens with: README's "A first query", after how to add a token.
/// `tests/graphiql.rs` checks that README's query is in it.
const DEFAULT_QUERY: &str = r#"# civlink GraphiQL. Without a token you see the public surface only (coverage and counts).
# To read records, open "Headers" below and add your token (`civlink serve --demo` prints one):
#   {"Authorization": "Bearer <token>"}
# Run with the ▶ button or Ctrl-Enter; the book icon at the top left opens the schema's docs.
#
# A county, its township stations, their social workers, volunteer teams and projects:
{
  region(code: "522301") {            # 兴义市; 522301000000, 522301 and other forms all work
    code
    name
    coverage { townships townshipsWithStation rate }
    stations(first: 2, filter: { levels: [TOWNSHIP_STATION] }) {
      totalCount
      nodes {
        id
        name
        status
        socialWorkers(first: 2) { totalCount nodes { name certificateLevel phone } }
        volunteerTeams(first: 2) { nodes { name members { totalCount } } }
        projects(first: 2) { nodes { name fundingMode budget } }
      }
    }
  }
}
"#;

/// The URL path of asset `i` of [`ASSETS`], relative to the page (`/graphql`), so the page
/// also works behind a proxy that serves civlink under a path prefix.
fn relative_url(i: usize) -> String {
    format!("graphiql/{}/{}", HASHES[i], ASSETS[i].name)
}

/// The GraphiQL page, built once: the assets by their versioned URLs, the GraphQL endpoint
/// being the page's own URL. The empty `data:` icon spares browsers a `/favicon.ico` request.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    // A JSON string is a JavaScript string literal; `<\/` keeps a `</script>` inside the query
    // from ending the script element (HTML §4.12.1.3).
    let default_query = serde_json::Value::from(DEFAULT_QUERY).to_string().replace("</", "<\\/");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>civlink GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script>
  // The endpoint is this page's own URL: GET shows this page, POST runs queries, and a
  // WebSocket upgrade of it runs subscriptions (graphql-transport-ws, which GraphiQL bundles);
  // the "Headers" pane is sent as `connection_init`'s payload, so the same token works.
  const url = window.location.origin + window.location.pathname;
  const fetcher = GraphiQL.createFetcher({{ url, subscriptionUrl: url.replace(/^http/, 'ws') }});
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {{
      fetcher,
      defaultQuery: {default_query},
      defaultEditorToolsVisibility: 'headers',
    }}),
  );
</script>
</body>
</html>
"#,
        react = relative_url(0),
        react_dom = relative_url(1),
        graphiql = relative_url(2),
        css = relative_url(3),
    )
});

/// The GraphiQL page (`text/html`). Revalidated on every load (`no-cache`), so that after an
/// upgrade browsers load the new assets; `Vary: Accept`, as `/graphql` answers JSON to other
/// clients (RFC 9110 §12.5.5).
pub fn page() -> Response {
    (
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::VARY, HeaderValue::from_static("accept")),
        ],
        Html(PAGE.as_str()),
    )
        .into_response()
}

/// `GET /graphiql/{hash}/{file}`: an embedded asset with its media type, cacheable for a year.
/// 404 (plain text) for an unknown file or a hash that is not the file's current one: the URL
/// of an older release must not be answered with other bytes that caches would keep.
pub async fn asset(Path((hash, name)): Path<(String, String)>) -> Response {
    let found = ASSETS.iter().zip(HASHES.iter()).find(|(a, h)| a.name == name && **h == hash);
    let Some((asset, _)) = found else {
        return (
            StatusCode::NOT_FOUND,
            "no such GraphiQL asset: reload GraphiQL on /graphql for the current asset URLs",
        )
            .into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        asset.body,
    )
        .into_response()
}
