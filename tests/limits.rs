//! Limits and cost: every response reports `extensions.cost`; each limit accepts a request
//! just under it and refuses one just over it, with a code and the computed cost, before any
//! SQL runs; the cost rate limit refuses and recovers; persisted queries, the allow-list and
//! introspection per role.

mod common;

use std::time::Duration;

use common::{Options, TestApp, admin_token, token_with};
use serde_json::{Value, json};

/// POSTs `body` (a request or a batch) as ADMIN; returns status, headers and JSON.
async fn send(app: &TestApp, token: Option<&str>, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app.client().post(app.graphql_url()).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.json().await.expect("json"))
}

async fn query(app: &TestApp, q: &str, vars: Value) -> (u16, Value) {
    let (status, _, body) = send(app, Some(&admin_token()), json!({ "query": q, "variables": vars })).await;
    (status, body)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body:#}"))
}

/// `stations(first: N) { nodes { id name } }` costs 1 + N × (1 + 2).
fn stations(n: u32) -> String {
    format!("{{ stations(first: {n}) {{ nodes {{ id name }} }} }}")
}

/// The cost limit of `civlink serve` (the test default is far higher).
fn serve_cost_limit() -> Options {
    let mut o = Options::default();
    o.limits.max_complexity = civlink::graphql::Limits::default().max_complexity;
    o
}

both_with!(every_response_reports_its_cost_computed_from_page_sizes, serve_cost_limit(), |app| {
    let (_, body) = query(&app, &stations(10), json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requested"], 31, "{cost}");
    assert_eq!(cost["limit"], 200_000);
    // Actual: the fields resolved: stations, nodes, and id and name of each of 10 stations.
    assert_eq!(cost["actual"], 2 + 10 * 2, "{cost}");
    assert!(cost["actual"].as_u64() <= cost["requested"].as_u64());
    // No `first`: the default page of 20.
    let (_, body) = query(&app, "{ stations { nodes { id name } } }", json!({})).await;
    assert_eq!(body["extensions"]["cost"]["requested"], 61);
    // Nested connections multiply; variables count like literals.
    let q = "query($n: Int) { stations(first: $n) { nodes { socialWorkers(first: 5) { nodes { name } } } } }";
    let (_, body) = query(&app, q, json!({ "n": 4 })).await;
    assert_eq!(body["extensions"]["cost"]["requested"], 1 + 4 * (1 + (1 + 5 * (1 + 1))), "{body:#}");
    // A page of none still resolves the connection's own fields: costed as one entry.
    let (_, body) =
        query(&app, "{ stations(first: 0) { totalCount pageInfo { hasNextPage } nodes { id } } }", json!({})).await;
    let cost = &body["extensions"]["cost"];
    assert!(cost["actual"].as_u64() <= cost["requested"].as_u64(), "{cost}");
    assert_eq!(cost["requested"], 1 + (1 + 2 + 2), "{body:#}");
    // `nodes(ids:)` costs per id.
    let (_, body) = query(&app, r#"{ nodes(ids: ["a", "b", "c"]) { id } }"#, json!({})).await;
    assert_eq!(body["extensions"]["cost"]["requested"], 1 + 3, "1 + 3 ids × (id: 1): {body:#}");
    // Actual counts the fields of `data`, not `__typename`; a field that failed is left out of
    // `data` (by async-graphql), and so is what it would have selected: none of it counts.
    let q =
        r#"{ stations(first: 1) { nodes { id __typename } } node(id: "not-an-id") { id ... on Station { name } } }"#;
    let (_, body) = query(&app, q, json!({})).await;
    assert!(body["data"].get("node").is_none(), "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ID", "{body:#}");
    assert_eq!(body["extensions"]["cost"]["actual"], 3, "{body:#}");
});

// Statistics breakdowns are costed per entry, like a connection's page: what a statistics
// request resolves never costs more than it was charged, and a request for hundreds of
// divisions' monthly series is refused before any SQL (found by a new-user review: 8,001
// requested, 627,501 resolved, and eight of them at once held a trivial query for 10 s).
both_with!(statistics_breakdowns_are_costed_per_entry, serve_cost_limit(), |app| {
    let q = r#"{ region(code: "5223") { statistics(period: { from: "2023-01-01", to: "2024-01-01" }) {
        stationsByLevel { level count } stationsByStatus { status count }
        socialWorkers { byCertificateLevel { level count } byPayGrade { post grade count { value } } }
        service { byServiceType { serviceType personTimes { value } clientsServed { value } }
                  byMethod { method personTimes { value } }
                  byMonth { month personTimes { value withheld } clientsServed { value } } }
        clients { byCategory { category clients { value } } byCaseStage { stage caseFiles { value } } }
        projects { byFundingMode { fundingMode projects budget } }
        charity { byKind { kind value } matchedByLevel { level value } } } } }"#;
    for period in ["2023-01-01\", to: \"2024-01-01", "2005-01-01\", to: \"2025-01-01"] {
        let q = q.replace("2023-01-01\", to: \"2024-01-01", period);
        let (_, body) = query(&app, &q, json!({})).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        let cost = &body["extensions"]["cost"];
        let (requested, actual) = (cost["requested"].as_u64().unwrap(), cost["actual"].as_u64().unwrap());
        assert!(actual <= requested, "{period}: resolved {actual}, charged {requested}");
        assert!(actual > 240, "{period}: the breakdowns resolved: {cost}");
    }
    let codes = serde_json::to_string(&vec!["522301"; 500]).unwrap();
    let q = format!(
        r#"{{ regionStatistics(codes: {codes}, period: {{ from: "2005-01-01", to: "2025-01-01" }}) {{
            service {{ byMonth {{ month personTimes {{ value }} clientsServed {{ value }} }} }} }} }}"#
    );
    app.take_statements();
    let (_, body) = query(&app, &q, json!({})).await;
    assert_eq!(code(&body), "COST_LIMIT_EXCEEDED", "{body:#}");
    assert_eq!(app.take_statements(), 0, "refused before any SQL");
});

/// Limits small enough to reach with short documents.
fn tight() -> Options {
    let mut o = Options::default();
    o.limits.max_complexity = 61; // stations(first: 20) { nodes { id name } }
    o.limits.max_depth = 3;
    o.limits.max_aliases = 2;
    o.limits.max_directives = 2;
    o.limits.max_page_size = 50;
    o.http.max_batch = 2;
    o.http.max_body_bytes = 4096;
    o
}

// The server keeps the parse of a document it has seen (issue 7); what depends on the request
// (variables, caller, budget) is checked again every time the document comes back.
both_with!(a_document_seen_before_is_checked_again_for_each_request, tight(), |app| {
    let q = "query($n: Int) { regions(first: $n) { totalCount } }";
    for (n, refused) in [(50, false), (51, true), (50, false), (51, true)] {
        let (_, body) = query(&app, q, json!({ "n": n })).await;
        if refused {
            assert_eq!(code(&body), "PAGE_SIZE_EXCEEDED", "first: {n}, sent again: {body:#}");
        } else {
            assert!(body["data"]["regions"]["totalCount"].as_u64().unwrap_or(0) > 0, "first: {n}: {body:#}");
        }
    }
    // A document refused for its size is refused each time it is sent.
    let mut doc = String::from("fragment F0 on Query { __typename }\n");
    for i in 1..=24 {
        doc.push_str(&format!("fragment F{i} on Query {{ ...F{p} ...F{p} }}\n", p = i - 1));
    }
    doc.push_str("{ ...F24 }");
    for _ in 0..2 {
        let (_, body) = query(&app, &doc, json!({})).await;
        assert_eq!(code(&body), "QUERY_TOO_LARGE", "{body:#}");
    }
    // The same text with another operation selected is another operation.
    let two = "query A { regions(first: 1) { totalCount } } query B { __typename }";
    let (_, _, a) = send(&app, Some(&admin_token()), json!({ "query": two, "operationName": "A" })).await;
    let (_, _, b) = send(&app, Some(&admin_token()), json!({ "query": two, "operationName": "B" })).await;
    assert!(a["data"]["regions"]["totalCount"].as_u64().unwrap_or(0) > 0, "{a:#}");
    assert_eq!(b["data"], json!({ "__typename": "Query" }), "{b:#}");
});

both_with!(each_limit_accepts_just_under_and_refuses_just_over_before_any_sql, tight(), |app| {
    let cases: Vec<(&str, String, String, &str)> = vec![
        ("cost", stations(20), stations(21), "COST_LIMIT_EXCEEDED"),
        (
            "depth",
            "{ stations(first: 1) { nodes { name } } }".into(),
            "{ stations(first: 1) { nodes { region { name } } } }".into(),
            "DEPTH_LIMIT_EXCEEDED",
        ),
        (
            "aliases",
            "{ a: regions(first: 1) { totalCount } b: regions(first: 1) { totalCount } }".into(),
            "{ a: regions(first: 1) { totalCount } b: regions(first: 1) { totalCount } c: regions(first: 1) { totalCount } }"
                .into(),
            "ALIAS_LIMIT_EXCEEDED",
        ),
        (
            "directives",
            "{ regions(first: 1) { totalCount @include(if: true) pageInfo @skip(if: false) { hasNextPage } } }".into(),
            "{ regions(first: 1) @include(if: true) { totalCount @include(if: true) pageInfo @skip(if: false) { hasNextPage } } }"
                .into(),
            "DIRECTIVE_LIMIT_EXCEEDED",
        ),
        (
            "page size",
            "{ regions(first: 50) { totalCount } }".into(),
            "{ regions(first: 51) { totalCount } }".into(),
            "PAGE_SIZE_EXCEEDED",
        ),
    ];
    for (what, under, over, expected) in cases {
        let (status, body) = query(&app, &under, json!({})).await;
        assert_eq!(status, 200, "{what}");
        assert!(body.get("errors").is_none(), "{what} just under the limit: {body:#}");
        app.take_statements();
        let (status, body) = query(&app, &over, json!({})).await;
        assert_eq!(code(&body), expected, "{what}: {body:#}");
        assert!(body.get("data").is_none(), "{what}: a request error has no data: {body:#}");
        assert!(body["errors"][0]["extensions"]["limit"].is_number(), "{what}: {body:#}");
        assert!(
            body["errors"][0]["extensions"]["cost"].as_u64().unwrap_or(0) > 0,
            "{what}: the computed cost: {body:#}"
        );
        assert_eq!(status, 200, "{what}: legacy clients get 200");
        assert_eq!(app.take_statements(), 0, "{what}: refused before any SQL");
    }
    // The cost error carries the computed cost and the limit.
    let (_, body) = query(&app, &stations(21), json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["cost"], 1 + 21 * 3);
    assert_eq!(body["errors"][0]["extensions"]["limit"], 61);
    assert_eq!(body["extensions"]["cost"]["requested"], 64);
    // Page size through a variable is checked too.
    let (_, body) = query(&app, "query($n: Int) { regions(first: $n) { totalCount } }", json!({ "n": 51 })).await;
    assert_eq!(code(&body), "PAGE_SIZE_EXCEEDED");
    // Batches: two operations run, three are refused.
    let op = json!({ "query": "{ regions(first: 1) { totalCount } }" });
    let (status, _, body) = send(&app, Some(&admin_token()), json!([op, op])).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(2), "{body:#}");
    assert!(body[1]["data"]["regions"]["totalCount"].as_i64().unwrap() > 0);
    app.take_statements();
    let (status, _, body) = send(&app, Some(&admin_token()), json!([op, op, op])).await;
    assert_eq!(status, 400);
    assert_eq!(code(&body), "BATCH_LIMIT_EXCEEDED");
    assert_eq!(body["errors"][0]["extensions"]["limit"], 2, "{body:#}");
    assert_eq!(app.take_statements(), 0);
    // Body size: 4 KiB accepted, one byte more refused with 413.
    let padding = |total: usize| {
        let base = json!({ "query": "{ __typename }", "variables": { "p": "" } }).to_string().len();
        json!({ "query": "{ __typename }", "variables": { "p": "x".repeat(total - base) } })
    };
    let (status, _, body) = send(&app, None, padding(4096)).await;
    assert_eq!(status, 200, "{body:#}");
    let resp = app.client().post(app.graphql_url()).json(&padding(4097)).send().await.unwrap();
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.expect("a GraphQL error body");
    assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");
    assert_eq!(body["errors"][0]["extensions"]["limit"], 4096, "{body:#}");
});

fn budget(spec: &str) -> Options {
    let mut o = Options::default();
    o.limits.budgets = spec.parse().expect("budgets");
    o
}

both_with!(the_cost_rate_limit_refuses_with_a_retry_time_and_recovers, budget("ADMIN=100/1s,PORTAL=100/1h"), |app| {
    // 61 of 100 points, then 61 more: refused before it runs, told when to retry.
    let (status, body) = query(&app, &stations(20), json!({})).await;
    assert_eq!(status, 200, "{body:#}");
    app.take_statements();
    let (status, headers, body) = send(&app, Some(&admin_token()), json!({ "query": stations(20) })).await;
    assert_eq!(status, 429, "{body:#}");
    assert_eq!(code(&body), "RATE_LIMITED");
    assert_eq!(body["errors"][0]["extensions"]["cost"], 61);
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 1);
    assert_eq!(app.take_statements(), 0);
    // Another caller has a bucket of its own; a role's budget is its own too.
    let other = token_with("ADMIN", |c| c.sub = "someone-else".into());
    let (status, _, _) = send(&app, Some(&other), json!({ "query": stations(20) })).await;
    assert_eq!(status, 200);
    // At 100 points a second, 22 missing points take 220 ms.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = query(&app, &stations(20), json!({})).await;
    assert_eq!(status, 200, "recovered: {body:#}");
    // A query costing more than the whole budget can never run.
    let portal = token_with("PORTAL", |_| {});
    let (status, _, body) = send(&app, Some(&portal), json!({ "query": stations(40) })).await;
    assert_eq!(code(&body), "COST_LIMIT_EXCEEDED", "{body:#}");
    assert_eq!(status, 200);
});

both!(automatic_persisted_queries_follow_the_apollo_flow, |app| {
    let q = "{ regions(first: 1) { totalCount } }";
    let hash = civlink::allowlist::sha256_hex(q);
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    // The hash alone, unknown yet.
    let (status, _, body) = send(&app, None, json!({ "extensions": ext })).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    // The text with its hash: runs and is remembered.
    let (_, _, body) = send(&app, None, json!({ "query": q, "extensions": ext })).await;
    let total = body["data"]["regions"]["totalCount"].as_i64().expect("count");
    // The hash alone now runs, over POST and over GET.
    let (_, _, body) = send(&app, None, json!({ "extensions": ext })).await;
    assert_eq!(body["data"]["regions"]["totalCount"], total, "{body:#}");
    let resp = app.client().get(app.graphql_url()).query(&[("extensions", ext.to_string())]).send().await.unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["regions"]["totalCount"], total, "{body:#}");
    // A second persisted document runs as itself, and the first still does: each by its own
    // hash, never the other (the server keeps parsed documents by their text, and a persisted
    // query reaches that step with none).
    let q2 = "query($c: String!) { region(code: $c) { name } }";
    let ext2 = json!({ "persistedQuery": { "version": 1, "sha256Hash": civlink::allowlist::sha256_hex(q2) } });
    let vars = json!({ "c": "522301" });
    let (_, _, body) = send(&app, None, json!({ "query": q2, "extensions": ext2, "variables": vars })).await;
    assert_eq!(body["data"], json!({ "region": { "name": "兴义市" } }), "{body:#}");
    for _ in 0..2 {
        let (_, _, body) = send(&app, None, json!({ "extensions": ext2, "variables": vars })).await;
        assert_eq!(body["data"], json!({ "region": { "name": "兴义市" } }), "{body:#}");
        let (_, _, body) = send(&app, None, json!({ "extensions": ext })).await;
        assert_eq!(body["data"]["regions"]["totalCount"], total, "{body:#}");
        // And the same texts sent plainly.
        let (_, _, body) = send(&app, None, json!({ "query": q2, "variables": vars })).await;
        assert_eq!(body["data"], json!({ "region": { "name": "兴义市" } }), "{body:#}");
    }
    // A hash that does not match the text.
    let bad = json!({ "persistedQuery": { "version": 1, "sha256Hash": "00".repeat(32) } });
    let (_, _, body) = send(&app, None, json!({ "query": q, "extensions": bad })).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_HASH_MISMATCH");
});

const ALLOWED: &str = "query Coverage { regions(first: 1) { totalCount } }";

fn allowlist() -> Options {
    let manifest = json!({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{ "id": "1", "name": "Coverage", "type": "query", "body": ALLOWED }]
    });
    let mut o = Options::default();
    o.http.allowlist = Some(std::sync::Arc::new(civlink::allowlist::AllowList::parse(&manifest.to_string()).unwrap()));
    o.limits.introspection = [civlink::auth::identity::Role::Admin].into_iter().collect();
    o
}

both_with!(
    allow_list_mode_refuses_other_documents_except_for_admin_and_introspection_follows_the_role,
    allowlist(),
    |app| {
        let portal = token_with("PORTAL", |_| {});
        let (status, _, body) = send(&app, Some(&portal), json!({ "query": ALLOWED })).await;
        assert_eq!(status, 200);
        assert!(body["data"]["regions"]["totalCount"].as_i64().unwrap() > 0, "{body:#}");
        // By hash alone (APQ): the list's documents need no registering round trip.
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": civlink::allowlist::sha256_hex(ALLOWED) } });
        let (_, _, body) = send(&app, Some(&portal), json!({ "extensions": ext })).await;
        assert!(body["data"]["regions"]["totalCount"].is_number(), "{body:#}");
        // Any other text, even the same operation spaced differently, is refused.
        app.take_statements();
        for other in ["query Coverage { regions(first: 1) { totalCount }}", "{ stations { totalCount } }"] {
            let (status, _, body) = send(&app, Some(&portal), json!({ "query": other })).await;
            assert_eq!(status, 403, "{other}");
            assert_eq!(code(&body), "OPERATION_NOT_ALLOWED");
            let (status, _, body) = send(&app, None, json!({ "query": other })).await;
            assert_eq!((status, code(&body)), (403, "OPERATION_NOT_ALLOWED"));
        }
        assert_eq!(app.take_statements(), 0);
        // ADMIN is not bound by the list.
        let (status, _, body) =
            send(&app, Some(&admin_token()), json!({ "query": "{ stations { totalCount } }" })).await;
        assert_eq!(status, 200);
        assert!(body["data"]["stations"]["totalCount"].as_i64().unwrap() > 0);
        // Introspection: only ADMIN here.
        let intro = "{ __schema { queryType { name } } }";
        let (_, _, body) = send(&app, Some(&admin_token()), json!({ "query": intro })).await;
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body:#}");
    }
);

both_with!(
    introspection_can_be_turned_off_per_role,
    {
        let mut o = Options::default();
        o.limits.introspection = [civlink::auth::identity::Role::Admin].into_iter().collect();
        o
    },
    |app| {
        let portal = token_with("PORTAL", |_| {});
        for q in ["{ __schema { queryType { name } } }", r#"{ __type(name: "Station") { name } }"#] {
            let (_, _, body) = send(&app, Some(&portal), json!({ "query": q })).await;
            assert_eq!(code(&body), "INTROSPECTION_DISABLED", "{q}");
            let (_, _, body) = send(&app, None, json!({ "query": q })).await;
            assert_eq!(code(&body), "INTROSPECTION_DISABLED", "{q}");
        }
        let (_, _, body) = send(&app, Some(&portal), json!({ "query": "{ __typename }" })).await;
        assert_eq!(body["data"]["__typename"], "Query");
        let (_, _, body) =
            send(&app, Some(&admin_token()), json!({ "query": r#"{ __type(name: "Station") { name } }"# })).await;
        assert_eq!(body["data"]["__type"]["name"], "Station");
    }
);

both!(fragments_that_expand_exponentially_are_refused_before_validation, |app| {
    // Each fragment spreads the previous one twice: 24 levels are 2^24 fields in 1 KB (it took
    // validation 41 s before this limit).
    let mut doc = String::from("fragment F0 on Query { __typename }\n");
    for i in 1..=24 {
        doc.push_str(&format!("fragment F{i} on Query {{ ...F{p} ...F{p} }}\n", p = i - 1));
    }
    doc.push_str("{ ...F24 }");
    let started = std::time::Instant::now();
    let body = app.post_as(None, &doc, serde_json::json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_LARGE", "{body}");
    // The code says which check refused it; the bound only says validation never ran (it
    // took 41 s alone). Loose, since a debug build on a busy 2-core machine is slow.
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "refused at once: {:?}", started.elapsed());
    // Thirty levels, and ten levels of eight spreads each (8^10 fields): async-graphql's own
    // depth check walked every spread before any extension saw the document (27 s for the
    // thirty levels; the eight-spread document never finished); they are refused before it.
    for (levels, spreads) in [(30, 2), (10, 8)] {
        let mut doc = String::from("fragment F0 on Query { __typename }\n");
        for i in 1..=levels {
            let spread = format!("...F{} ", i - 1).repeat(spreads);
            doc.push_str(&format!("fragment F{i} on Query {{ {spread}}}\n"));
        }
        doc.push_str(&format!("{{ ...F{levels} }}"));
        let started = std::time::Instant::now();
        let body = app.post_as(None, &doc, serde_json::json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_LARGE", "{body}");
        // As an automatic persisted query: the text with its hash, then the hash alone.
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": civlink::allowlist::sha256_hex(&doc) } });
        let (_, _, body) = send(&app, None, json!({ "query": doc, "extensions": ext })).await;
        assert_eq!(code(&body), "QUERY_TOO_LARGE", "{body}");
        let (_, _, body) = send(&app, None, json!({ "extensions": ext })).await;
        assert!(["QUERY_TOO_LARGE", "PERSISTED_QUERY_NOT_FOUND"].contains(&code(&body)), "{body}");
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{levels} levels: {:?}", started.elapsed());
    }
    // A document just under the bound runs.
    let mut doc = String::from("fragment F0 on Query { __typename }\n");
    for i in 1..=10 {
        doc.push_str(&format!("fragment F{i} on Query {{ ...F{p} ...F{p} }}\n", p = i - 1));
    }
    doc.push_str("{ ...F10 }");
    let body = app.post_as(None, &doc, serde_json::json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
});

/// The introspection queries of graphql-js 16, graphql-core 3.3 and gql 4, with their options
/// off and on, as those libraries generate them (tests/fixtures/introspection/README.md).
const STANDARD_INTROSPECTION: [(&str, &str); 6] = [
    ("graphql-js 16", include_str!("fixtures/introspection/graphql-js-16.15.0.graphql")),
    ("graphql-js 16, every option", include_str!("fixtures/introspection/graphql-js-16.15.0-all-options.graphql")),
    ("graphql-core 3.3", include_str!("fixtures/introspection/graphql-core-3.3.2.graphql")),
    ("graphql-core 3.3, every option", include_str!("fixtures/introspection/graphql-core-3.3.2-all-options.graphql")),
    ("gql 4", include_str!("fixtures/introspection/gql-4.4.0.graphql")),
    ("gql 4, every option", include_str!("fixtures/introspection/gql-4.4.0-all-options.graphql")),
];

/// Exactly the limits and budgets of `civlink serve` with no option set.
fn serve_defaults() -> Options {
    Options { limits: civlink::graphql::Limits::default(), ..Options::default() }
}

// GraphiQL, graphql-codegen, gql's `fetch_schema_from_transport` and schemathesis all start by
// sending one of these; under the default depth limit of 12 they were refused as 15 levels deep
// (found by trying those tools against `civlink serve --demo`).
both_with!(the_standard_introspection_queries_run_under_the_default_limits_for_every_role, serve_defaults(), |app| {
    let station = common::a_township_station(&app).await;
    let callers = [
        ("PUBLIC", None),
        ("PORTAL", Some(token_with("PORTAL", |_| {}))),
        ("CIVIL_AFFAIRS", Some(common::civil_affairs("522301"))),
        ("STATION_STAFF", Some(common::station_staff(&station))),
        ("SYNC_CLIENT", Some(token_with("SYNC_CLIENT", |c| c.source = Some("demo".into())))),
        ("ADMIN", Some(admin_token())),
    ];
    for (role, token) in &callers {
        for (client, q) in STANDARD_INTROSPECTION {
            let (status, _, body) = send(&app, token.as_deref(), json!({ "query": q })).await;
            assert_eq!(status, 200, "{role}, {client}: {body:#}");
            assert!(body.get("errors").is_none(), "{role}, {client}: {body:#}");
            let schema = &body["data"]["__schema"];
            assert_eq!(schema["queryType"]["name"], "Query", "{role}, {client}");
            let types = schema["types"].as_array().expect("types");
            let station = types.iter().find(|t| t["name"] == "Station").expect("Station is listed");
            assert!(station["fields"].as_array().is_some_and(|f| f.len() > 5), "{role}, {client}");
            // Priced at what it resolves, not a point per field of its text.
            let cost = &body["extensions"]["cost"];
            let (requested, actual) = (cost["requested"].as_u64().unwrap(), cost["actual"].as_u64().unwrap());
            assert!(actual > 5_000, "{role}, {client}: {cost}");
            assert!(actual <= requested && requested <= actual + actual / 20, "{role}, {client}: {cost}");
        }
    }
    // The client of GraphiQL and graphql-codegen asks with this header.
    let (status, _, body) = send(&app, None, json!({ "query": STANDARD_INTROSPECTION[1].1 })).await;
    assert_eq!(status, 200);
    assert!(body["data"]["__schema"]["directives"].as_array().is_some_and(|d| !d.is_empty()), "{body:#}");
});

// Introspection was priced a point per field of its text, far below the fields it resolves,
// so a budget bought many times the work it allows (found by an attack run on issue 21).
// The budget allows as many standard introspections as its points pay for, whatever the size
// of the schema: exactly `budget / price` of them.
both_with!(introspection_spends_the_budget_of_what_it_resolves, budget("PUBLIC=100000/1h"), |app| {
    let standard = json!({ "query": STANDARD_INTROSPECTION[0].1 });
    let mut price = 0;
    let mut answered = 0;
    loop {
        let (status, _, body) = send(&app, None, standard.clone()).await;
        if status == 429 {
            assert_eq!(code(&body), "RATE_LIMITED", "{body:#}");
            break;
        }
        assert_eq!(status, 200, "{body:#}");
        price = body["extensions"]["cost"]["requested"].as_u64().unwrap();
        assert!(price > 10_000, "{body:#}");
        answered += 1;
        assert!(answered < 10, "a budget of 100,000 buys fewer than 10 introspections");
    }
    assert_eq!(answered, 100_000 / price, "introspections of {price} points each");

    // A type named by a variable is priced as that type.
    let app = TestApp::spawn_with(app.backend, serve_defaults()).await;
    let q =
        "query($t: String!) { __type(name: $t) { name fields { name args { name } type { name ofType { name } } } } }";
    for t in ["Query", "Station", "NoSuchType"] {
        let (_, _, body) = send(&app, None, json!({ "query": q, "variables": { "t": t } })).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        let cost = &body["extensions"]["cost"];
        assert_eq!(cost["requested"], cost["actual"], "{t}: {cost}");
    }
});

both_with!(introspection_beyond_the_standard_shape_is_refused_before_it_runs, serve_defaults(), |app| {
    let public = None;
    let refused = [
        // Every type's fields' types' fields' types' fields: three nested lists.
        ("nested fields", "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"),
        (
            "nested lists through fragments",
            "{ __type(name: \"Station\") { ...A } }
             fragment A on __Type { fields { type { ...B } } }
             fragment B on __Type { possibleTypes { interfaces { name } } }",
        ),
        (
            "input fields of input fields of input fields",
            "{ __schema { types { inputFields { type { inputFields { type { inputFields { name } } } } } } } }",
        ),
        ("two schemas", "{ a: __schema { queryType { name } } b: __schema { queryType { name } } }"),
        ("a schema spread twice", "{ ...S ...S } fragment S on Query { __schema { types { name } } }"),
    ];
    for (what, q) in refused {
        let (status, _, body) = send(&app, public, json!({ "query": q })).await;
        assert_eq!(status, 200, "{what}: legacy clients get 200");
        assert_eq!(code(&body), "INTROSPECTION_LIMIT_EXCEEDED", "{what}: {body:#}");
        assert!(body.get("data").is_none(), "{what}: {body:#}");
    }
    // Hundreds of aliased `__schema`s: refused before anything runs, whichever limit speaks.
    let many: String = (0..300).map(|i| format!("s{i}: __schema {{ types {{ name }} }} ")).collect();
    let (_, _, body) = send(&app, public, json!({ "query": format!("{{ {many} }}") })).await;
    assert!(body.get("data").is_none(), "{body:#}");
    assert!(["ALIAS_LIMIT_EXCEEDED", "INTROSPECTION_LIMIT_EXCEEDED"].contains(&code(&body)), "{body:#}");
    // Two nested lists are what graphql-js allows too.
    let two = "{ __type(name: \"Station\") { fields { type { fields { name } } } } }";
    let (_, _, body) = send(&app, public, json!({ "query": two })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    // The `ofType` chain does not count towards depth, everything else still does.
    let chain = format!(
        "{{ __type(name: \"Query\") {{ fields {{ type {{ {} name {} }} }} }} }}",
        "ofType { ".repeat(20),
        "}".repeat(20)
    );
    let (_, _, body) = send(&app, public, json!({ "query": chain })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let deep = format!(
        "{{ __type(name: \"Query\") {{ fields {{ args {{ type {{ {} name {} }} }} }} }} }}",
        "fields { type { ".repeat(4),
        "} }".repeat(4)
    );
    let (_, _, body) = send(&app, public, json!({ "query": deep })).await;
    assert!(body.get("data").is_none(), "{body:#}");
});

both_with!(depth_counts_every_level_but_the_of_type_chain, tight(), |app| {
    // Depth 3 once `ofType` is left out (it would be 6), under the limit of 3.
    let q = r#"{ __type(name: "Query") { name ofType { ofType { ofType { name } } } } }"#;
    let (_, body) = query(&app, q, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["__type"]["name"], "Query");
    // Depth 4: refused with the depth it was measured at.
    let q = r#"{ __type(name: "Query") { fields { type { name } } } }"#;
    let (_, body) = query(&app, q, json!({})).await;
    assert_eq!(code(&body), "DEPTH_LIMIT_EXCEEDED", "{body:#}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("4 levels"), "{body:#}");
    // Depth through fragments counts as spread.
    let q = "{ ...A } fragment A on Query { stations(first: 1) { ...B } } fragment B on StationConnection { nodes { region { name } } }";
    let (_, body) = query(&app, q, json!({})).await;
    assert_eq!(code(&body), "DEPTH_LIMIT_EXCEEDED", "{body:#}");
});

// README documents a spent budget as 429 with `Retry-After`; entries of a batch answered 200
// (found by a new-user review).
both_with!(a_rate_limited_batch_answers_429_and_runs_nothing_after_the_refused_entry, budget("ADMIN=100/1h"), |app| {
    let op = json!({ "query": stations(20) });
    app.take_statements();
    let (status, headers, body) = send(&app, Some(&admin_token()), json!([op, op, op])).await;
    assert_eq!(status, 429, "{body:#}");
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0, "{headers:?}");
    let entries = body.as_array().expect("a batch answer");
    assert_eq!(entries.len(), 3);
    assert!(entries[0]["data"]["stations"]["nodes"].is_array(), "the first ran: {body:#}");
    for refused in &entries[1..] {
        assert_eq!(code(refused), "RATE_LIMITED", "{body:#}");
        assert!(refused["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap() > 0);
        assert!(refused.get("data").is_none());
    }
    let ran = app.take_statements();
    let (_, _, _) = send(&app, Some(&token_with("ADMIN", |c| c.sub = "another".into())), op.clone()).await;
    assert_eq!(ran, app.take_statements(), "only the first entry ran statements");
});

// GET answers are cacheable by HTTP caches only where no caller's scope is in them.
both!(get_answers_say_who_may_cache_them, |app| {
    let get = |token: Option<String>, q: &str| {
        let mut req = app.client().get(app.graphql_url()).query(&[("query", q)]);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let q = r#"{ region(code: "522301") { name coverage { townships } } }"#;
    let resp = get(None, q).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "public, max-age=60");
    let vary: Vec<_> = resp.headers().get_all("vary").iter().map(|v| v.to_str().unwrap().to_lowercase()).collect();
    assert!(vary.iter().any(|v| v.contains("authorization")), "{vary:?}");
    assert!(vary.iter().any(|v| v.contains("accept")), "{vary:?}");
    // A token's answer is its caller's scoped view: never stored.
    let resp = get(Some(common::civil_affairs("522301")), q).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    assert!(resp.headers().get_all("vary").iter().any(|v| v.to_str().unwrap().contains("authorization")));
    // Nor is an error.
    let resp = get(None, r#"{ region(code: "522301") { nonsense } }"#).await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let resp = get(None, r#"{ region(code: "x") { name } }"#).await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    // POST answers say nothing about caching (they are not cached).
    let resp = app.client().post(app.graphql_url()).json(&json!({ "query": q })).send().await.unwrap();
    assert!(resp.headers().get("cache-control").is_none());
});

// A new-user review saw the alias-limit error report `cost: 0`: it had aliased `__typename`,
// which costs nothing (README's cost model says so now). A refused document's cost is the
// one validation computed, like every other limit's.
both_with!(the_alias_limit_error_reports_the_documents_cost, serve_defaults(), |app| {
    let typenames: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    let (_, _, body) = send(&app, None, json!({ "query": format!("{{ {typenames} }}") })).await;
    assert_eq!(code(&body), "ALIAS_LIMIT_EXCEEDED", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["cost"], 0, "`__typename` is free: {body:#}");
    assert_eq!(body["errors"][0]["extensions"]["limit"], 30, "{body:#}");
    let lists: String = (0..31).map(|i| format!("a{i}: regions(first: 1) {{ totalCount }} ")).collect();
    let (_, _, body) = send(&app, None, json!({ "query": format!("{{ {lists} }}") })).await;
    assert_eq!(code(&body), "ALIAS_LIMIT_EXCEEDED", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["cost"], 31 * (1 + 1), "{body:#}");
});
