//! GraphiQL served by civlink itself (issue 20): the page on `GET /graphql` and every script
//! and style sheet it loads come from civlink, byte for byte the files of `assets/graphiql/`,
//! and the page names no other host. `tests/browser/` runs the page in a real browser with
//! every other host blocked.

mod common;

use std::io::Read;

/// The values of every `src="…"` and `href="…"` attribute of `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in [" src=\"", " href=\""] {
        for (i, _) in html.match_indices(attribute) {
            let rest = &html[i + attribute.len()..];
            found.push(rest[..rest.find('"').expect("unterminated attribute")].to_owned());
        }
    }
    found
}

/// README's first query: the ```graphql block under "## A first query".
fn readme_first_query() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## A first query").expect("README has \"## A first query\"")..];
    let block = &section[section.find("```graphql\n").expect("a graphql block") + "```graphql\n".len()..];
    block[..block.find("```").expect("the block ends")].to_owned()
}

fn asset_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/assets/graphiql/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

both!(graphiql_and_every_file_it_loads_are_served_by_civlink_itself, |app| {
    let resp = app.client().get(app.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    assert!(resp.headers().get_all("vary").iter().any(|v| v.to_str().unwrap().contains("accept")), "no Vary: accept");
    let html = resp.text().await.unwrap();

    // No URL with a scheme or a protocol-relative one: nothing names another host.
    for absolute in ["://", "\"//", "'//", "(//"] {
        assert!(!html.contains(absolute), "the page names a host ({absolute}): {html}");
    }
    // README's first query is the default one (JSON-escaped in the script), after the hint
    // on how to send a token.
    let default_query = serde_json::Value::from(readme_first_query()).to_string();
    let default_query = &default_query[1..default_query.len() - 1]; // without the quotes
    assert!(html.contains(default_query), "README's first query is not the default one: {html}");
    assert!(html.contains(r#"{\"Authorization\": \"Bearer <token>\"}"#), "no token hint: {html}");

    // Besides the empty `data:` icon, the page loads the four assets.
    let refs: Vec<String> = references(&html).into_iter().filter(|r| r != "data:,").collect();
    let expected = [
        ("react.production.min.js", "text/javascript; charset=utf-8"),
        ("react-dom.production.min.js", "text/javascript; charset=utf-8"),
        ("graphiql.min.js", "text/javascript; charset=utf-8"),
        ("graphiql.min.css", "text/css; charset=utf-8"),
    ];
    assert_eq!(refs.len(), expected.len(), "{refs:?}");
    for (name, content_type) in expected {
        let url = refs.iter().find(|r| r.ends_with(&format!("/{name}"))).unwrap_or_else(|| panic!("{name}: {refs:?}"));
        assert!(url.starts_with("graphiql/"), "{url} is not relative to the page");
        // Resolved against the page's URL, as the browser does.
        let url = format!("http://{}/{url}", app.addr);
        let resp = app.client().get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        assert_eq!(resp.headers()["content-type"], content_type, "{url}");
        assert_eq!(resp.headers()["cache-control"], "public, max-age=31536000, immutable", "{url}");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff", "{url}");
        assert!(resp.bytes().await.unwrap() == asset_file(name), "{url} is not assets/graphiql/{name}");

        // Compressed like every other answer when the browser asks.
        let resp = app.client().get(&url).header("accept-encoding", "br").send().await.unwrap();
        assert_eq!(resp.headers()["content-encoding"], "br", "{url}");
        let compressed = resp.bytes().await.unwrap();
        let mut plain = Vec::new();
        brotli::Decompressor::new(&compressed[..], 4096).read_to_end(&mut plain).unwrap();
        assert!(plain == asset_file(name), "{url}: the brotli body decodes to other bytes");
        // (The style sheet is mostly base64 fonts: it shrinks by a third only.)
        assert!(compressed.len() * 4 < plain.len() * 3, "{url}: {} of {} bytes", compressed.len(), plain.len());

        // Another hash in the same place: not the bytes this release has.
        let stale = format!("http://{}/graphiql/0000000000000000/{name}", app.addr);
        assert_eq!(app.client().get(&stale).send().await.unwrap().status(), 404, "{stale}");
    }
    // The style sheet's fonts and images are inlined: it loads nothing either.
    let css = String::from_utf8(asset_file("graphiql.min.css")).unwrap();
    let loads =
        css.match_indices("url(").filter(|(i, _)| !css[i + 4..].trim_start_matches(['"', '\'']).starts_with("data:"));
    assert_eq!(loads.count(), 0, "graphiql.min.css loads a file by URL");
    assert!(!css.contains("@import"), "graphiql.min.css imports a style sheet");

    // Unknown files under /graphiql/ are 404s too.
    let missing = format!("http://{}/graphiql/0000000000000000/index.umd.js.map", app.addr);
    assert_eq!(app.client().get(&missing).send().await.unwrap().status(), 404);
});

both!(queries_over_get_are_still_answered_on_the_graphiql_url, |app| {
    // A browser (Accept: text/html, …) following a link with a query gets the answer, not the page.
    let resp = app
        .client()
        .get(app.graphql_url())
        .header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .query(&[("query", r#"{ region(code: "522300") { name } }"#)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["region"]["name"], "黔西南布依族苗族自治州", "{body}");
});
