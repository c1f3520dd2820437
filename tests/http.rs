//! GraphQL over HTTP: POST and GET, media types and status codes, GraphiQL for browsers,
//! health and readiness, and the committed schema file.

mod common;

use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

both!(post_and_get_answer_the_same_query, |app| {
    let query = r#"{ region(code: "522300") { name } }"#;
    let post = app.data(query, json!({})).await;
    let resp = app.client().get(app.graphql_url()).query(&[("query", query)]).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let get: Value = resp.json().await.unwrap();
    assert_eq!(get["data"], post);
    assert_eq!(post["region"]["name"], "黔西南布依族苗族自治州");
});

both!(media_types_and_status_codes_follow_graphql_over_http, |app| {
    let bad = json!({ "query": "{ region(code: " });
    // Legacy clients (application/json): 200 with errors.
    let resp =
        app.client().post(app.graphql_url()).header("accept", "application/json").json(&bad).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert!(body["errors"][0]["message"].is_string());
    // application/graphql-response+json: a request error is a 400 without `data`.
    let resp = app.client().post(app.graphql_url()).header("accept", GRAPHQL_RESPONSE).json(&bad).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["content-type"], GRAPHQL_RESPONSE);
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    // JSON that is no GraphQL request (no query, nothing in its place): 400 BAD_REQUEST.
    for body in [json!({ "foo": 1 }), json!([]), json!({ "query": "  " })] {
        let resp = app.client().post(app.graphql_url()).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{body}: {answer}");
    }
    // Validation errors (unknown field) are request errors too.
    let unknown = json!({ "query": "{ nope }" });
    let resp =
        app.client().post(app.graphql_url()).header("accept", GRAPHQL_RESPONSE).json(&unknown).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    // A field error is not: 200 with data.
    let field_error = json!({ "query": r#"{ region(code: "1") { name } }"# });
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("accept", GRAPHQL_RESPONSE)
        .json(&field_error)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["region"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_DIVISION_CODE");
    // A body that is not a GraphQL request at all.
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("content-type", "application/json")
        .header("accept", GRAPHQL_RESPONSE)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
});

both!(browsers_get_graphiql_and_probes_report_health, |app| {
    let resp = app.client().get(app.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("graphiql"), "{}", &html[..html.len().min(300)]);
    for (path, body) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let resp = app.client().get(format!("http://{}{path}", app.addr)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.text().await.unwrap(), body);
    }
});

both!(database_errors_are_opaque_and_carry_a_code, |app| {
    // Drop a table under the running server: the failure reaches the client as INTERNAL,
    // without the database's own message.
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared("DROP TABLE volunteer_ledger_entries").await.unwrap();
    let body = app.post(r#"{ volunteers(first: 1) { nodes { points } } }"#, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
    let text = body.to_string();
    assert!(!text.contains("volunteer_ledger_entries") && !text.to_lowercase().contains("no such table"), "{text}");
});

#[test]
fn schema_file_is_up_to_date() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        committed == civlink::graphql::sdl(),
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` and review the diff"
    );
}

/// Code generators and GraphiQL show what the schema says: every type (connections, edges and
/// scalars included), field, argument, input field and enum value carries a description, and
/// every scalar of ours names its specification with `@specifiedBy` in the committed SDL.
#[test]
fn every_type_field_argument_input_field_enum_value_and_scalar_is_described() {
    use async_graphql::parser::types::{InputValueDefinition, TypeKind, TypeSystemDefinition};
    use async_graphql::{Positioned, parser::types::FieldDefinition};

    let sdl = civlink::graphql::sdl();
    let doc = async_graphql::parser::parse_schema(&sdl).expect("the exported SDL parses");
    let described = |d: &Option<Positioned<String>>| d.as_ref().is_some_and(|d| !d.node.trim().is_empty());
    let mut missing = Vec::new();
    let mut check_inputs = |owner: &str, inputs: &[Positioned<InputValueDefinition>], missing: &mut Vec<String>| {
        for input in inputs {
            if !described(&input.node.description) {
                missing.push(format!("{owner}({})", input.node.name.node));
            }
        }
    };
    let check_fields =
        |ty: &str,
         fields: &[Positioned<FieldDefinition>],
         missing: &mut Vec<String>,
         check_inputs: &mut dyn FnMut(&str, &[Positioned<InputValueDefinition>], &mut Vec<String>)| {
            for field in fields {
                let name = format!("{ty}.{}", field.node.name.node);
                if !described(&field.node.description) {
                    missing.push(name.clone());
                }
                check_inputs(&name, &field.node.arguments, missing);
            }
        };
    let (mut types, mut scalars, mut arguments) = (0, 0, 0);
    for definition in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = definition else { continue };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        types += 1;
        if !described(&ty.description) {
            missing.push(format!("type {name}"));
        }
        match &ty.kind {
            TypeKind::Scalar => {
                scalars += 1;
                if !ty.directives.iter().any(|d| d.node.name.node == "specifiedBy") {
                    missing.push(format!("scalar {name}: no @specifiedBy"));
                }
            }
            TypeKind::Object(o) => {
                arguments += o.fields.iter().map(|f| f.node.arguments.len()).sum::<usize>();
                check_fields(name, &o.fields, &mut missing, &mut check_inputs);
            }
            TypeKind::Interface(i) => check_fields(name, &i.fields, &mut missing, &mut check_inputs),
            TypeKind::InputObject(i) => {
                for field in &i.fields {
                    if !described(&field.node.description) {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for value in &e.values {
                    if !described(&value.node.description) {
                        missing.push(format!("{name}.{}", value.node.value.node));
                    }
                }
            }
            TypeKind::Union(_) => {}
        }
    }
    // The walk saw the schema, not an empty or truncated document.
    assert!(types > 100 && scalars >= 4 && arguments > 400, "{types} types, {scalars} scalars, {arguments} arguments");
    assert!(missing.is_empty(), "{} undocumented: {missing:#?}", missing.len());
}

/// The shared paging arguments are described once (`civlink_macros::describe_arguments`);
/// their text states the page sizes, which live in `connection.rs`: this keeps them equal.
#[test]
fn paging_argument_descriptions_state_the_page_sizes_in_force() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use civlink::graphql::connection::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
    let doc = async_graphql::parser::parse_schema(civlink::graphql::sdl()).expect("the exported SDL parses");
    let query = doc
        .definitions
        .iter()
        .find_map(|d| match d {
            TypeSystemDefinition::Type(t) if t.node.name.node == "Query" => match &t.node.kind {
                TypeKind::Object(o) => Some(o.fields.clone()),
                _ => None,
            },
            _ => None,
        })
        .expect("a Query type");
    let stations = query.iter().find(|f| f.node.name.node == "stations").expect("Query.stations");
    let arg = |name: &str| {
        let arg = stations.node.arguments.iter().find(|a| a.node.name.node == name).expect(name);
        arg.node.description.as_ref().map(|d| d.node.clone()).unwrap_or_default()
    };
    for name in ["first", "last"] {
        assert!(arg(name).contains(&format!("0-{MAX_PAGE_SIZE} items")), "{name}: {}", arg(name));
        assert!(arg(name).contains(&format!("above {MAX_PAGE_SIZE}")), "{name}: {}", arg(name));
    }
    assert!(arg("first").contains(&format!("{DEFAULT_PAGE_SIZE} when neither")), "{}", arg("first"));
    assert!(arg("filter").contains("`StationFilter`"), "{}", arg("filter"));
}

both!(hostile_inputs_get_specific_errors_never_internal, |app| {
    // Bodies over 1 MiB are refused before parsing.
    let big = json!({ "query": "{ __typename }", "variables": { "x": "a".repeat(9 * 1024 * 1024) } });
    // The server answers 413 as soon as it sees the length and may close the connection while
    // the client is still writing: either outcome means the body was refused.
    match app.client().post(app.graphql_url()).json(&big).send().await {
        Ok(resp) => assert_eq!(resp.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    // A body that is not a GraphQL request: 400, a request id, no parser internals.
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("content-type", "application/json")
        .header("x-request-id", "bad-body-1")
        .body("[1, 2]")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["x-request-id"], "bad-body-1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    assert!(!body.to_string().contains("untagged"), "{body}");
    // Every error has a code: validation errors and scalar parse errors included.
    assert_eq!(app.error_code("{ nope }", json!({})).await, "GRAPHQL_VALIDATION_FAILED");
    let bad_date = r#"{ serviceRecords(filter: { served: { from: "-9999-01-01" } }) { totalCount } }"#;
    let code = app.error_code(bad_date, json!({})).await;
    assert!(code == "BAD_USER_INPUT" || code == "GRAPHQL_VALIDATION_FAILED", "{code}");
    let q = "query($d: Date) { serviceRecords(filter: { served: { from: $d } }) { totalCount } }";
    for d in ["-9999-01-01", "0999-12-31", "99999-01-01", "2024-02-30"] {
        let code = app.error_code(q, json!({ "d": d })).await;
        assert_ne!(code, "INTERNAL", "{d}");
    }
    // Text no database can store (U+0000) is refused up front, whatever field it is for.
    for (q, v) in [
        (r#"query($q: String) { regions(filter: { nameContains: $q }) { totalCount } }"#, "a\u{0}"),
        (r#"query($q: String) { stations(filter: { nameContains: $q }) { totalCount } }"#, "\u{0}"),
    ] {
        assert_eq!(app.error_code(q, json!({ "q": v })).await, "BAD_USER_INPUT", "{q}");
    }
});

both!(get_is_for_queries_only_and_media_types_are_checked, |app| {
    // A mutation over GET: 405 with `Allow: POST`, before anything runs.
    let resp = app.client().get(app.graphql_url()).query(&[("query", "mutation { __typename }")]).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED");
    // Named operations: the one selected decides.
    let doc = "query Q { __typename } mutation M { __typename }";
    let resp =
        app.client().get(app.graphql_url()).query(&[("query", doc), ("operationName", "M")]).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    let resp =
        app.client().get(app.graphql_url()).query(&[("query", doc), ("operationName", "Q")]).send().await.unwrap();
    // The query of the same document runs over GET.
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    // `operationName` over GET picks the operation.
    let resp = app
        .client()
        .get(app.graphql_url())
        .query(&[("query", "query Q { a: __typename } query R { b: __typename }"), ("operationName", "R")])
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"], json!({ "b": "Query" }));
    // POST bodies must be JSON.
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("content-type", "text/plain")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE");
    // A client that accepts no JSON at all.
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("accept", "application/xml")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 406);
    // Parameters on the media type are fine.
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("content-type", "application/json; charset=utf-8")
        .header("accept", "application/graphql-response+json; charset=utf-8, application/json;q=0.9")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], GRAPHQL_RESPONSE);
});

// Response objects keep the selection's order (GraphQL spec, "Serialized Map Ordering"), with
// and without errors. async-graphql inserts fields as they complete, so root fields that wait on
// the database came back in the order their statements finished; before that, a JSON map sorted
// every object's keys.
both!(response_fields_come_in_the_order_they_were_selected, |app| {
    let queries = [
        // No error; root fields that run statements, beside one that does not.
        r#"{ z: regions(first: 2) { totalCount pageInfo { hasNextPage } nodes { name code level } } a: __typename s: stations(first: 1) { nodes { name id } totalCount } }"#,
        // A field error (NOT_FOUND) beside the data.
        r#"{ z: regions(first: 2) { totalCount pageInfo { hasNextPage } nodes { name code level } } a: __typename s: stations(first: 1) { nodes { name id } totalCount } region(code: "522322") { name } }"#,
    ];
    for q in queries {
        for _ in 0..5 {
            let resp = app
                .client()
                .post(app.graphql_url())
                .bearer_auth(common::admin_token())
                .json(&json!({ "query": q }))
                .send()
                .await
                .unwrap();
            let text = resp.text().await.unwrap();
            let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap_or_else(|| panic!("no {key} in {text}"));
            assert!(at("z") < at("a") && at("a") < at("s"), "{text}");
            assert!(at("totalCount") < at("pageInfo") && at("pageInfo") < at("nodes"), "{text}");
            assert!(at("name") < at("code") && at("code") < at("level"), "{text}");
            let s = &text[at("s")..];
            assert!(s.find("\"nodes\"") < s.find("\"totalCount\""), "{text}");
            assert!(at("data") < at("extensions"), "{text}");
            if q.contains("522322") {
                let body: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{text}");
            }
        }
    }
});

both!(responses_are_compressed_when_the_client_asks, |app| {
    let q = json!({ "query": "{ regions(first: 100) { nodes { code name } } }" });
    for encoding in ["gzip", "br"] {
        let resp = app
            .client()
            .post(app.graphql_url())
            .bearer_auth(common::admin_token())
            .header("accept-encoding", encoding)
            .json(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-encoding"], encoding);
        let compressed = resp.bytes().await.unwrap().len();
        let plain =
            app.client().post(app.graphql_url()).bearer_auth(common::admin_token()).json(&q).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.unwrap().len();
        assert!(compressed * 3 < plain, "{encoding}: {compressed} vs {plain} bytes");
    }
});

/// Brotli at a level for content made per request. The brotli crate's own default is 11, its
/// slowest, meant for files compressed once: on a 175 KB portal page (load operation 1) 11
/// took 479 ms where 4 took 2.9 ms. tower-http's `CompressionLayer` overrides it with 4
/// (NGINX's level for on-the-fly brotli), and every browser offers `br`; this guards that
/// override across upgrades. The level shows in the size: at 11 the served body would be as
/// small as the same JSON compressed at 11 in one go; at 4 it is about 30 % larger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brotli_responses_are_compressed_at_a_level_for_dynamic_content() {
    use std::io::Read;
    let app = common::TestApp::spawn(common::Backend::Sqlite).await;
    // About 170 KB of JSON: the largest response a browser asks for (GraphiQL's schema).
    let q = json!({ "query": "{ __schema { types { name description fields { name description \
        args { name description type { name kind ofType { name kind } } } \
        type { name kind ofType { name kind ofType { name kind } } } } } } }" });
    let post = |encoding: Option<&'static str>| {
        let mut r = app.client().post(app.graphql_url()).bearer_auth(common::admin_token()).json(&q);
        if let Some(e) = encoding {
            r = r.header("accept-encoding", e);
        }
        r.send()
    };
    let plain = post(None).await.unwrap().bytes().await.unwrap();
    let resp = post(Some("br")).await.unwrap();
    assert_eq!(resp.headers()["content-encoding"], "br");
    let served = resp.bytes().await.unwrap();
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&served[..], 4096).read_to_end(&mut decoded).unwrap();
    assert_eq!(decoded, plain, "the brotli body decodes to the plain one");

    let at = |quality: i32| {
        let params = brotli::enc::BrotliEncoderParams { quality, ..Default::default() };
        let mut out = Vec::new();
        brotli::BrotliCompress(&mut &plain[..], &mut out, &params).unwrap();
        out.len()
    };
    let best = at(11);
    assert!(plain.len() > 100_000, "a response large enough to tell the levels apart: {} bytes", plain.len());
    assert!(
        served.len() * 100 > best * 115,
        "served {} bytes for {} of JSON, as small as brotli's slowest level (11) gives in one go: {best}",
        served.len(),
        plain.len()
    );
}

both_with!(
    cors_allows_the_configured_origins_only,
    {
        let mut o = common::Options::default();
        o.http.cors_origins = vec!["https://portal.example.gov.cn".into()];
        o
    },
    |app| {
        let preflight = |origin: &'static str| {
            app.client()
                .request(reqwest::Method::OPTIONS, app.graphql_url())
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type,authorization")
                .send()
        };
        let resp = preflight("https://portal.example.gov.cn").await.unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        assert_eq!(resp.headers()["access-control-allow-origin"], "https://portal.example.gov.cn");
        let methods = resp.headers()["access-control-allow-methods"].to_str().unwrap().to_owned();
        assert!(methods.contains("POST") && methods.contains("GET"), "{methods}");
        let resp = preflight("https://elsewhere.example.com").await.unwrap();
        assert!(resp.headers().get("access-control-allow-origin").is_none());
        // A simple request from the allowed origin gets the header and can read the request id.
        let resp = app
            .client()
            .post(app.graphql_url())
            .header("origin", "https://portal.example.gov.cn")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["access-control-allow-origin"], "https://portal.example.gov.cn");
        let exposed = resp.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
        assert!(exposed.contains("x-request-id"), "{exposed}");
        // An export's download names its file: a frontend reads the name only if exposed.
        assert!(exposed.contains("content-disposition"), "{exposed}");
    }
);

// The GraphQL spec's CoerceVariableValues makes a variable that fails its type a request
// error: nothing runs. A malformed `Date` inside a `DateRange`, a bad `DateTime` or a bad date
// in a mutation's input ran the request and answered a field error with HTTP 200 (found by a
// new-user review).
both!(a_variable_that_fails_its_type_refuses_the_whole_request_before_anything_runs, |app| {
    let stations =
        || async { app.data("{ stations { totalCount } }", json!({})).await["stations"]["totalCount"].clone() };
    let before = stations().await;
    let cases = [
        (
            "a Date in a DateRange",
            r#"query($p: DateRange!) { region(code: "522301") { name statistics(period: $p) { volunteers { volunteers } } } }"#,
            json!({ "p": { "from": "2023-13-01", "to": "2024-01-01" } }),
        ),
        (
            "a Date in a filter",
            "query($d: Date) { serviceRecords(filter: { served: { from: $d } }) { totalCount } }",
            json!({ "d": "2024-02-30" }),
        ),
        (
            "a DateTime",
            "query($t: DateTime) { stations(updatedSince: $t) { totalCount } }",
            json!({ "t": "yesterday" }),
        ),
        (
            "a DateTime out of range",
            "query($t: DateTime) { stations(updatedSince: $t) { totalCount } }",
            json!({ "t": "0999-12-31T00:00:00Z" }),
        ),
        (
            "a Date in a mutation's input",
            "mutation($i: CreateStationInput!) { createStation(input: $i) { station { id } userErrors { code } } }",
            json!({ "i": { "name": "坏日期社工站", "level": "TOWNSHIP_STATION", "regionCode": "522301001000", "openedOn": "2023-02-30" } }),
        ),
        (
            "a Yuan in a mutation's input",
            "mutation($i: CreateStationInput!) { createStation(input: $i) { station { id } userErrors { code } } }",
            json!({ "i": { "name": "坏金额社工站", "level": "TOWNSHIP_STATION", "regionCode": "522301001000", "investment": "12.345" } }),
        ),
    ];
    for (what, query, variables) in cases {
        app.take_statements();
        let resp = app
            .client()
            .post(app.graphql_url())
            .bearer_auth(common::admin_token())
            .header("accept", GRAPHQL_RESPONSE)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{what}");
        let body: Value = resp.json().await.unwrap();
        assert!(body.get("data").is_none(), "{what}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{what}: {body:#}");
        assert_eq!(app.take_statements(), 0, "{what}: nothing ran");
        // Legacy JSON clients get the same request error (with 200).
        let code = app.error_code(query, variables.clone()).await;
        assert_eq!(code, "GRAPHQL_VALIDATION_FAILED", "{what}, legacy JSON");
    }
    assert_eq!(stations().await, before, "nothing was written");
});
