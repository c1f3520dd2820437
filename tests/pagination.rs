//! Relay cursor connections: first/last/after/before at both ends, page-size bounds, cursor
//! validation, orderings, and totalCount that ignores paging.

mod common;

use serde_json::{Value, json};

/// Stations of 西陵区 (74 of them), walked with a page size.
const PAGE: &str = r#"query($first: Int, $after: String, $last: Int, $before: String, $o: RecordOrder) {
  stations(first: $first, after: $after, last: $last, before: $before, orderBy: $o, filter: { region: "420502" }) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
    nodes { id }
  }
}"#;

fn ids(conn: &Value) -> Vec<String> {
    conn["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect()
}

both!(forward_and_backward_paging_visit_every_row_once_in_order, |app| {
    for order in [json!({ "field": "ID" }), json!({ "field": "NAME" }), json!({ "field": "NAME", "direction": "DESC" })]
    {
        let all = app.data(PAGE, json!({ "first": 100, "o": order })).await;
        let expected = ids(&all["stations"]);
        assert_eq!(expected.len(), 74);
        assert_eq!(all["stations"]["totalCount"], 74);
        assert_eq!(all["stations"]["pageInfo"]["hasNextPage"], false);
        // nodes is the same list as edges.
        let nodes: Vec<&str> =
            all["stations"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(nodes, expected.iter().map(String::as_str).collect::<Vec<_>>());

        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let d = app.data(PAGE, json!({ "first": 10, "after": after, "o": order })).await;
            let c = &d["stations"];
            assert_eq!(c["totalCount"], 74, "totalCount ignores paging");
            seen.extend(ids(c));
            assert_eq!(c["pageInfo"]["hasPreviousPage"], !after.is_null());
            if c["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = c["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, expected, "forward pages of {order}");

        let mut seen_back = Vec::new();
        let mut before = Value::Null;
        loop {
            let d = app.data(PAGE, json!({ "last": 10, "before": before, "o": order })).await;
            let c = &d["stations"];
            let mut page = ids(c);
            page.extend(seen_back);
            seen_back = page;
            assert_eq!(c["pageInfo"]["hasNextPage"], !before.is_null());
            if c["pageInfo"]["hasPreviousPage"] == false {
                break;
            }
            before = c["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(seen_back, expected, "backward pages of {order}");
    }
});

both!(edges_at_both_ends_and_between_cursors, |app| {
    let all = ids(&app.data(PAGE, json!({ "first": 100 })).await["stations"]);
    let edges = app.data(PAGE, json!({ "first": 100 })).await["stations"]["edges"].clone();
    let cursor = |i: usize| edges[i]["cursor"].clone();
    // after the last row: empty page, no next page.
    let d = app.data(PAGE, json!({ "first": 5, "after": cursor(73) })).await;
    assert!(ids(&d["stations"]).is_empty());
    assert_eq!(d["stations"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(d["stations"]["pageInfo"]["startCursor"], Value::Null);
    // before the first row: empty page, no previous page.
    let d = app.data(PAGE, json!({ "last": 5, "before": cursor(0) })).await;
    assert!(ids(&d["stations"]).is_empty());
    assert_eq!(d["stations"]["pageInfo"]["hasPreviousPage"], false);
    // last without before: the final rows.
    let d = app.data(PAGE, json!({ "last": 3 })).await;
    assert_eq!(ids(&d["stations"]), all[71..].to_vec());
    assert_eq!(d["stations"]["pageInfo"]["hasPreviousPage"], true);
    // both after and before: the rows strictly between.
    let d = app.data(PAGE, json!({ "first": 100, "after": cursor(10), "before": cursor(15) })).await;
    assert_eq!(ids(&d["stations"]), all[11..15].to_vec());
    // first: 0 is a valid, empty page.
    let d = app.data(PAGE, json!({ "first": 0 })).await;
    assert!(ids(&d["stations"]).is_empty());
    assert_eq!(d["stations"]["pageInfo"]["hasNextPage"], true);
    // Default page size is 20.
    let d = app.data(PAGE, json!({})).await;
    assert_eq!(ids(&d["stations"]).len(), 20);
});

both!(page_size_and_cursor_mistakes_get_specific_errors, |app| {
    assert_eq!(app.data(PAGE, json!({ "first": 100 })).await["stations"]["edges"].as_array().unwrap().len(), 74);
    assert_eq!(app.error_code(PAGE, json!({ "first": 101 })).await, "PAGE_SIZE_EXCEEDED");
    assert_eq!(app.error_code(PAGE, json!({ "last": 101 })).await, "PAGE_SIZE_EXCEEDED");
    assert_eq!(app.error_code(PAGE, json!({ "first": -1 })).await, "INVALID_ARGUMENT");
    assert_eq!(app.error_code(PAGE, json!({ "first": 1, "last": 1 })).await, "INVALID_ARGUMENT");
    assert_eq!(app.error_code(PAGE, json!({ "after": "not-a-cursor" })).await, "INVALID_CURSOR");
    assert_eq!(app.error_code(PAGE, json!({ "after": "eyJ4IjoxfQ" })).await, "INVALID_CURSOR");
    // A cursor of one ordering is refused by another.
    let by_name = app.data(PAGE, json!({ "first": 1, "o": { "field": "NAME" } })).await;
    let cursor = by_name["stations"]["pageInfo"]["endCursor"].clone();
    assert_eq!(app.error_code(PAGE, json!({ "first": 1, "after": cursor })).await, "INVALID_CURSOR");
    // Nested connections check their arguments the same way.
    let nested = r#"{ region(code: "420502") { stations(first: 1000) { totalCount } } }"#;
    assert_eq!(app.error_code(nested, json!({})).await, "PAGE_SIZE_EXCEEDED");
});

both!(nested_connections_page_per_parent, |app| {
    // Each county's stations are paged separately: first 2 per county, then the next 2 of one.
    let q = r#"query($after: String) { region(code: "522300") { children(first: 8) { nodes { code
        stations(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id region { code } } } } } } }"#;
    let d = app.data(q, json!({})).await;
    let counties = d["region"]["children"]["nodes"].as_array().unwrap().clone();
    for c in &counties {
        let code = c["code"].as_str().unwrap();
        let nodes = c["stations"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 2.min(c["stations"]["totalCount"].as_u64().unwrap() as usize));
        for n in nodes {
            assert!(n["region"]["code"].as_str().unwrap().starts_with(&code[..6]), "{code}: {n}");
        }
    }
    let first = &counties[0];
    let full = app
        .data(
            r#"query($c: String!) { region(code: $c) { stations(first: 4) { nodes { id } } } }"#,
            json!({ "c": first["code"] }),
        )
        .await;
    let all: Vec<&str> =
        full["region"]["stations"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    let after = first["stations"]["pageInfo"]["endCursor"].clone();
    let d = app.data(q, json!({ "after": after })).await;
    let next: Vec<&str> = d["region"]["children"]["nodes"][0]["stations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(next, all[2..4].to_vec());
});

both!(forged_cursors_of_the_right_ordering_but_wrong_types_are_refused, |app| {
    use base64::Engine;
    let forge = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    for key in
        [json!([{ "t": "Text", "v": "x" }]), json!([{ "t": "Int", "v": 5 }]), json!([{ "t": "Id", "v": "not-a-uuid" }])]
    {
        let cursor = forge(json!({ "o": "id:asc", "k": key }));
        assert_eq!(app.error_code(PAGE, json!({ "first": 1, "after": cursor })).await, "INVALID_CURSOR", "{key}");
    }
    let cursor = forge(json!({ "o": "name:asc", "k": [{ "t": "Int", "v": 1 }, { "t": "Text", "v": "x" }] }));
    assert_eq!(
        app.error_code(PAGE, json!({ "first": 1, "after": cursor, "o": { "field": "NAME" } })).await,
        "INVALID_CURSOR"
    );
    // A NUL in a text key (PostgreSQL refuses it in text and answered INTERNAL).
    let id = uuid::Uuid::now_v7().to_string();
    let cursor = forge(json!({ "o": "name:asc", "k": [{ "t": "Text", "v": "x\u{0}y" }, { "t": "Id", "v": id }] }));
    assert_eq!(
        app.error_code(PAGE, json!({ "first": 1, "after": cursor, "o": { "field": "NAME" } })).await,
        "INVALID_CURSOR"
    );
});

both!(forged_cursors_with_dates_no_database_stores_are_refused_and_spare_their_siblings, |app| {
    // A service-record cursor by date, with years PostgreSQL refuses (before 4714 BC: it
    // answered INTERNAL, and failed every list merged into the same statement) or SQLite
    // compares as text out of order (after 9999: SQLite and PostgreSQL returned different rows).
    use base64::Engine;
    let forge = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let station = common::a_township_station(&app).await;
    let q = r#"query($id: ID!, $after: String) { node(id: $id) { ... on Station {
        socialWorkers(first: 1) { totalCount }
        serviceRecords(first: 1, orderBy: { field: SERVED_ON }, after: $after) { nodes { servedOn } } } } }"#;
    for date in ["-5000-01-01", "0999-12-31", "+10000-01-01", "+200000-01-01"] {
        let id = uuid::Uuid::now_v7().to_string();
        let cursor = forge(json!({ "o": "servedOn:asc", "k": [{ "t": "Date", "v": date }, { "t": "Id", "v": id }] }));
        let body = app.post(q, json!({ "id": station, "after": cursor })).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("{date}: {body:#}"));
        assert_eq!(errors.len(), 1, "{date}: {body:#}");
        assert_eq!(errors[0]["extensions"]["code"], "INVALID_CURSOR", "{date}: {body:#}");
        assert_eq!(errors[0]["path"], json!(["node", "serviceRecords"]), "{date}: {body:#}");
        assert!(body["data"]["node"]["socialWorkers"]["totalCount"].as_u64().unwrap() > 0, "{date}: {body:#}");
    }
});

both!(nul_characters_in_any_string_are_refused_before_anything_runs, |app| {
    // In a variable, in a nested input, and as an escape in the query text.
    let admin = common::admin_token();
    let q = r#"query($a: String) { auditLog(first: 1, filter: { actor: $a }) { totalCount } }"#;
    let body = app.post_as(Some(&admin), q, json!({ "a": "a\u{0}" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
    for q in [
        r#"{ auditLog(first: 1, filter: { entity: "a\u0000" }) { totalCount } }"#,
        r#"{ volunteers(first: 1, filter: { nameContains: "x\u{0}" }) { totalCount } }"#,
    ] {
        let body = app.post_as(Some(&admin), q, json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{q}: {body:#}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("U+0000"), "{body:#}");
    }
    app.take_statements();
    let body = app
        .post_as(
            Some(&admin),
            r#"{ volunteers(first: 1, filter: { nameContains: "x\u0000" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(body["errors"].is_array());
    assert_eq!(app.take_statements(), 0, "nothing reached the database");
});
