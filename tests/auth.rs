//! Access control over HTTP: every rejected-token case, what each role can see (leak tests:
//! lists, totalCount, lookups, nested relations and aggregates see the same rows), masking by
//! default, audited reveals, and guardian consent for children under 14.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, token_with};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/jwt/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn claims() -> Value {
    json!({ "sub": "tester", "exp": now() + 600, "iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "roles": ["ADMIN"] })
}

fn hs256(claims: &Value, secret: &[u8]) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret).unwrap()).unwrap()
}

fn rs256(claims: &Value, kid: Option<&str>, key: &str) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = kid.map(str::to_owned);
    encode(&h, claims, &EncodingKey::from_rsa_pem(&fixture(key)).unwrap()).unwrap()
}

async fn raw(app: &common::TestApp, authorization: &str) -> (u16, Option<String>, Value) {
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("authorization", authorization)
        .json(&json!({ "query": "{ stations(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let www = resp.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    (status, www, resp.json().await.unwrap())
}

both!(every_bad_token_gets_the_same_401, |app| {
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut no_sub = claims();
    no_sub.as_object_mut().unwrap().remove("sub");
    let expired = json!({ "exp": now() - 3600 });
    let not_yet = json!({ "nbf": now() + 3600 });
    let with = |patch: Value| {
        let mut c = claims();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let none_token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims().to_string())
    );
    let confusion = hs256(&claims(), &fixture("rsa_public.pem"));
    let cases: Vec<(&str, String)> = vec![
        ("missing exp", format!("Bearer {}", hs256(&no_exp, TEST_SECRET.as_bytes()))),
        ("missing sub", format!("Bearer {}", hs256(&no_sub, TEST_SECRET.as_bytes()))),
        ("expired", format!("Bearer {}", hs256(&with(expired), TEST_SECRET.as_bytes()))),
        ("not yet valid", format!("Bearer {}", hs256(&with(not_yet), TEST_SECRET.as_bytes()))),
        ("wrong iss", format!("Bearer {}", hs256(&with(json!({ "iss": "someone-else" })), TEST_SECRET.as_bytes()))),
        ("wrong aud", format!("Bearer {}", hs256(&with(json!({ "aud": "another-api" })), TEST_SECRET.as_bytes()))),
        ("bad signature", format!("Bearer {}", hs256(&claims(), b"a-different-secret-of-at-least-32-bytes"))),
        ("alg none", format!("Bearer {none_token}")),
        ("algorithm confusion", format!("Bearer {confusion}")),
        ("unknown kid", format!("Bearer {}", rs256(&claims(), Some("no-such-kid"), "rsa_private.pem"))),
        ("RS256 without kid", format!("Bearer {}", rs256(&claims(), None, "rsa_private.pem"))),
        ("unknown RSA key", format!("Bearer {}", rs256(&claims(), Some("rsa-2026"), "rsa_other_private.pem"))),
        ("unknown role", format!("Bearer {}", hs256(&with(json!({ "roles": ["OVERLORD"] })), TEST_SECRET.as_bytes()))),
        (
            "CIVIL_AFFAIRS without region",
            format!("Bearer {}", hs256(&with(json!({ "roles": ["CIVIL_AFFAIRS"] })), TEST_SECRET.as_bytes())),
        ),
        ("scheme Token", format!("Token {}", hs256(&claims(), TEST_SECRET.as_bytes()))),
        ("scheme Basic", "Basic dXNlcjpwYXNz".to_owned()),
        ("no token", "Bearer".to_owned()),
        ("two tokens", format!("Bearer {} x", hs256(&claims(), TEST_SECRET.as_bytes()))),
        ("not a JWT", "Bearer not-a-jwt".to_owned()),
    ];
    for (case, header) in cases {
        let (status, www, body) = raw(&app, &header).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert!(www.is_some_and(|w| w.starts_with("Bearer")), "{case}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{case}");
        assert_eq!(body["errors"][0]["message"], "invalid or missing credentials", "{case}: no detail for attackers");
        assert!(body.get("data").is_none(), "{case}");
    }
    // Two Authorization headers are ambiguous, even if one is good.
    let resp = app
        .client()
        .post(app.graphql_url())
        .header("authorization", format!("Bearer {}", hs256(&claims(), TEST_SECRET.as_bytes())))
        .header("authorization", "Bearer garbage")
        .json(&json!({ "query": "{ stations(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // The good ones pass: HS256 from the secret, RS256 by kid, lower-case scheme.
    for (case, header) in [
        ("HS256", format!("Bearer {}", hs256(&claims(), TEST_SECRET.as_bytes()))),
        ("RS256 with kid", format!("Bearer {}", rs256(&claims(), Some("rsa-2026"), "rsa_private.pem"))),
        ("lower-case scheme", format!("bearer {}", hs256(&claims(), TEST_SECRET.as_bytes()))),
    ] {
        let (status, _, body) = raw(&app, &header).await;
        assert_eq!(status, 200, "{case}: {body}");
        assert!(body["data"]["stations"]["totalCount"].as_u64().unwrap() > 0, "{case}");
    }
});

fn civil_affairs(region: &str) -> String {
    token_with("CIVIL_AFFAIRS", |c| c.region = Some(region.to_owned()))
}

async fn sql_count(app: &common::TestApp, sql: &str) -> u64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap() as u64
}

/// Every root list with its rows' division codes.
const ALL_LISTS: &str = r#"{
  stations(first: 100) { totalCount nodes { id region { code } } }
  organizations(first: 100) { totalCount nodes { id region { code } } }
  socialWorkers(first: 100) { totalCount nodes { id region { code } } }
  volunteers(first: 100) { totalCount nodes { id region { code } } }
  volunteerTeams(first: 100) { totalCount nodes { id region { code } } }
  clients(first: 100) { totalCount nodes { id region { code } } }
  projects(first: 100) { totalCount nodes { id region { code } } }
  serviceRecords(first: 100) { totalCount nodes { id region { code } } }
  charityResources(first: 100) { totalCount nodes { id region { code } } }
  trainings(first: 100) { totalCount nodes { id region { code } } }
  deliberationMeetings(first: 100) { totalCount nodes { id region { code } } }
  awards(first: 100) { totalCount nodes { id region { code } } }
}"#;

const TABLES: [(&str, &str); 12] = [
    ("stations", "stations"),
    ("organizations", "organizations"),
    ("socialWorkers", "social_workers"),
    ("volunteers", "volunteers"),
    ("volunteerTeams", "volunteer_teams"),
    ("clients", "clients"),
    ("projects", "projects"),
    ("serviceRecords", "service_records"),
    ("charityResources", "charity_resources"),
    ("trainings", "trainings"),
    ("deliberationMeetings", "deliberation_meetings"),
    ("awards", "awards"),
];

both!(a_county_official_sees_only_their_county, |app| {
    let token = civil_affairs("522301");
    let d = app.data_as(Some(&token), ALL_LISTS, json!({})).await;
    for (field, table) in TABLES {
        let expected = sql_count(
            &app,
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE deleted_at IS NULL AND region_code BETWEEN '522301000000' AND '522301999999'"),
        )
        .await;
        assert_eq!(d[field]["totalCount"], expected, "{field}");
        for n in d[field]["nodes"].as_array().unwrap() {
            assert!(n["region"]["code"].as_str().unwrap().starts_with("522301"), "{field}: {n}");
        }
    }
    assert!(d["clients"]["totalCount"].as_u64().unwrap() > 0);
    // The neighbouring county: nothing, counts included, through every path.
    let q = r#"{ region(code: "522302") {
        stations { totalCount } socialWorkers { totalCount } volunteers { totalCount } volunteerTeams { totalCount }
        organizations { totalCount } projects { totalCount } clients { totalCount } serviceRecords { totalCount }
        charityResources { totalCount } trainings { totalCount } deliberationMeetings { totalCount }
        awards { totalCount } coverage { townshipsWithStation } } 
        filtered: stations(filter: { region: "522302" }) { totalCount } }"#;
    let d = app.data_as(Some(&token), q, json!({})).await;
    for (field, _) in TABLES {
        assert_eq!(d["region"][field]["totalCount"], 0, "{field}");
    }
    // Coverage is a published figure: the same for every caller, the public included.
    let public =
        app.data_as(None, r#"{ region(code: "522302") { coverage { townshipsWithStation } } }"#, json!({})).await;
    assert_eq!(d["region"]["coverage"], public["region"]["coverage"]);
    assert!(public["region"]["coverage"]["townshipsWithStation"].as_u64().unwrap() > 0);
    assert_eq!(d["filtered"]["totalCount"], 0);
    // Ids of the neighbour's rows look like ids that do not exist.
    let admin = app
        .data(
            r#"{ region(code: "522302") { stations(first: 1) { nodes { id } } clients(first: 1) { nodes { id } } } }"#,
            json!({}),
        )
        .await;
    let station = admin["region"]["stations"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let client = admin["region"]["clients"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    for (q, id) in [
        ("query($id: ID!) { node(id: $id) { id } }", &station),
        ("query($id: ID!) { station(id: $id) { id } }", &station),
        ("query($id: ID!) { client(id: $id) { id } }", &client),
        ("query($id: ID!) { nodes(ids: [$id]) { id } }", &client),
    ] {
        let body = app.post_as(Some(&token), q, json!({ "id": id })).await;
        if q.contains("nodes(") {
            assert_eq!(body["data"]["nodes"], json!([null]));
        } else {
            assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{q}");
        }
    }
    // A county official of a prefecture sees its counties.
    let d = app.data_as(Some(&civil_affairs("5223")), r#"{ stations { totalCount } }"#, json!({})).await;
    assert_eq!(d["stations"]["totalCount"], 114);
});

both!(nested_relations_stay_in_scope, |app| {
    // From an in-scope station, relations never reach out-of-scope rows.
    let token = civil_affairs("522301");
    let q = r#"{ stations(first: 50) { nodes {
        parentStation { region { code } } childStations(first: 50) { nodes { region { code } } }
        socialWorkers(first: 50) { nodes { region { code } assignments { station { region { code } } } } }
        clients(first: 50) { nodes { region { code } serviceRecords(first: 50) { nodes { region { code } } } } }
        projects(first: 50) { nodes { region { code } stations(first: 50) { nodes { region { code } } } } }
    } } }"#;
    let d = app.data_as(Some(&token), q, json!({})).await;
    let text = d.to_string();
    let mut codes = 0;
    for part in text.split("\"code\":\"").skip(1) {
        codes += 1;
        assert!(part.starts_with("522301"), "out of scope: {}", &part[..12]);
    }
    assert!(codes > 100, "{codes}");
});

both!(the_public_sees_only_counts_and_coverage, |app| {
    let d = app
        .data_as(None, r#"{ region(code: "522300") { name coverage { rate } stations { totalCount } socialWorkers { totalCount } volunteers { totalCount } } stations { totalCount } }"#, json!({}))
        .await;
    assert!(d["region"]["stations"]["totalCount"].as_u64().unwrap() > 100);
    assert!(d["region"]["socialWorkers"]["totalCount"].as_u64().unwrap() > 0);
    assert!(d["stations"]["totalCount"].as_u64().unwrap() > 0);
    assert!((d["region"]["coverage"]["rate"].as_f64().unwrap() - 101.0 / 140.0).abs() < 1e-9);
    // No individuals: rows are refused, counts of clients are zero, lookups find nothing.
    for q in [
        "{ stations { nodes { id } } }",
        "{ socialWorkers { edges { node { name } } } }",
        r#"{ region(code: "522300") { stations { nodes { name } } } }"#,
    ] {
        assert_eq!(app.error_code_as(None, q, json!({})).await, "FORBIDDEN", "{q}");
    }
    let d = app
        .data_as(None, "{ clients { totalCount } projects { totalCount } organizations { totalCount } }", json!({}))
        .await;
    assert_eq!(
        d,
        json!({ "clients": { "totalCount": 0 }, "projects": { "totalCount": 0 }, "organizations": { "totalCount": 0 } })
    );
    let id = app.data("{ stations(first: 1) { nodes { id } } }", json!({})).await["stations"]["nodes"][0]["id"].clone();
    assert_eq!(
        app.error_code_as(None, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await,
        "NOT_FOUND"
    );
    assert_eq!(app.error_code_as(None, "{ auditLog { totalCount } }", json!({})).await, "FORBIDDEN");
});

both!(a_portal_sees_public_records_without_contact_data_and_no_clients, |app| {
    let portal = token_with("PORTAL", |_| {});
    let d = app
        .data_as(Some(&portal), "{ stations { totalCount } clients { totalCount } serviceRecords { totalCount } socialWorkers(first: 20) { nodes { name phone idNumber } } volunteers(first: 20) { nodes { phone idNumber } } }", json!({}))
        .await;
    assert_eq!(d["stations"]["totalCount"], sql_count(&app, "SELECT COUNT(*) AS n FROM stations").await);
    assert_eq!(d["clients"]["totalCount"], 0);
    assert_eq!(d["serviceRecords"]["totalCount"], 0);
    for kind in ["socialWorkers", "volunteers"] {
        for n in d[kind]["nodes"].as_array().unwrap() {
            assert_eq!(n["phone"], Value::Null, "{kind}");
            assert_eq!(n["idNumber"], Value::Null, "{kind}");
        }
    }
    let worker = app.data("{ socialWorkers(first: 1) { nodes { id } } }", json!({})).await["socialWorkers"]["nodes"][0]
        ["id"]
        .clone();
    let body = app
        .post_as(
            Some(&portal),
            r#"query($id: ID!) { socialWorker(id: $id) { identity(reason: "curious") { phone } } }"#,
            json!({ "id": worker }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
});

both!(station_staff_see_their_station_and_sync_clients_their_source, |app| {
    let station = app
        .data(r#"{ stations(first: 1, filter: { region: "522301", levels: [TOWNSHIP_STATION] }) { nodes { id clients { totalCount } } } }"#, json!({}))
        .await["stations"]["nodes"][0]
        .clone();
    let staff = token_with("STATION_STAFF", |c| c.station = Some(station["id"].as_str().unwrap().to_owned()));
    let d = app
        .data_as(Some(&staff), "{ clients(first: 100) { totalCount nodes { station { id } } } socialWorkers(first: 100) { nodes { assignments { station { id } } } } serviceRecords(first: 100) { nodes { station { id } } } }", json!({}))
        .await;
    assert_eq!(d["clients"]["totalCount"], station["clients"]["totalCount"]);
    for c in d["clients"]["nodes"].as_array().unwrap() {
        assert_eq!(c["station"]["id"], station["id"]);
    }
    for r in d["serviceRecords"]["nodes"].as_array().unwrap() {
        assert_eq!(r["station"]["id"], station["id"]);
    }
    for w in d["socialWorkers"]["nodes"].as_array().unwrap() {
        assert!(w["assignments"].as_array().unwrap().iter().any(|a| a["station"]["id"] == station["id"]));
    }
    let sync = token_with("SYNC_CLIENT", |c| c.source = Some("demo".into()));
    let d = app
        .data_as(
            Some(&sync),
            "{ socialWorkers { totalCount } volunteers { totalCount } clients { totalCount } stations { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["socialWorkers"]["totalCount"],
        sql_count(&app, "SELECT COUNT(*) AS n FROM social_workers WHERE source = 'demo'").await
    );
    assert_eq!(d["clients"]["totalCount"], 0);
    assert_eq!(d["stations"]["totalCount"], 0);
    let other = token_with("SYNC_CLIENT", |c| c.source = Some("hr-sheet".into()));
    let d = app.data_as(Some(&other), "{ socialWorkers { totalCount } }", json!({})).await;
    assert_eq!(d["socialWorkers"]["totalCount"], 0);
});

const REVEAL: &str = r#"query($id: ID!, $reason: String!) { client(id: $id) { name idNumber identity(reason: $reason) { name idNumber phone birthDate categories } } }"#;

async fn audit_rows(app: &common::TestApp) -> u64 {
    sql_count(app, "SELECT COUNT(*) AS n FROM audit_log").await
}

both!(a_reveal_shows_clear_data_and_writes_exactly_one_audit_row, |app| {
    let token = civil_affairs("522301");
    let adult = sql_first(&app, "SELECT id, name, id_number FROM clients WHERE region_code LIKE '522301%' AND birth_date < '1990-01-01' ORDER BY id LIMIT 1").await;
    let id = global("Client", &adult.0);
    let before = audit_rows(&app).await;
    let resp = app
        .client()
        .post(app.graphql_url())
        .bearer_auth(&token)
        .header("x-request-id", "req-reveal-1")
        .json(&json!({ "query": REVEAL, "variables": { "id": id, "reason": "home visit follow-up" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "req-reveal-1");
    let body: Value = resp.json().await.unwrap();
    let c = &body["data"]["client"];
    assert_eq!(c["identity"]["name"], adult.1, "{body}");
    assert_eq!(c["identity"]["idNumber"], adult.2);
    assert_ne!(c["name"], adult.1, "the plain field stays masked");
    assert_eq!(audit_rows(&app).await, before + 1);
    let log = app
        .data(r#"{ auditLog(last: 1) { totalCount nodes { actor role action entity entityId fields reason requestId } } }"#, json!({}))
        .await;
    let entry = &log["auditLog"]["nodes"][0];
    assert_eq!(entry["actor"], "test-civil_affairs");
    assert_eq!(entry["role"], "CIVIL_AFFAIRS");
    assert_eq!(entry["action"], "REVEAL");
    assert_eq!(entry["entity"], "Client");
    assert_eq!(entry["entityId"], id);
    assert_eq!(entry["fields"], json!(["birthDate", "categories", "idNumber", "name", "phone"]));
    assert_eq!(entry["reason"], "home visit follow-up");
    assert_eq!(entry["requestId"], "req-reveal-1");
    // No reason, no reveal, no row.
    for reason in ["", "   "] {
        let body = app.post_as(Some(&token), REVEAL, json!({ "id": id, "reason": reason })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT");
        assert_eq!(body["data"]["client"]["identity"], Value::Null);
    }
    assert_eq!(audit_rows(&app).await, before + 1);
    // The audit log is ADMIN's.
    assert_eq!(app.error_code_as(Some(&token), "{ auditLog { totalCount } }", json!({})).await, "FORBIDDEN");
});

both!(a_reveal_reason_must_have_letters_or_digits_not_only_invisible_characters, |app| {
    // Issue 21: reasons made of zero-width, joiner or bidi characters returned the clear name.
    let token = civil_affairs("522301");
    let adult = sql_first(&app, "SELECT id, name, id_number FROM clients WHERE region_code LIKE '522301%' AND birth_date < '1990-01-01' ORDER BY id LIMIT 1").await;
    let id = global("Client", &adult.0);
    let worker = sql_first(
        &app,
        "SELECT id, name, id_number FROM social_workers WHERE region_code LIKE '522301%' ORDER BY id LIMIT 1",
    )
    .await;
    let worker_reveal =
        r#"query($id: ID!, $reason: String!) { socialWorker(id: $id) { identity(reason: $reason) { phone } } }"#;
    let before = audit_rows(&app).await;
    for reason in ["\u{200b}", "\u{200b}\u{200b}\u{200d}", "\u{202e}", "\u{feff}", "...", "x", "\u{202e}家访"] {
        let body = app.post_as(Some(&token), REVEAL, json!({ "id": id, "reason": reason })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT", "{reason:?}: {body}");
        assert_eq!(body["data"]["client"]["identity"], Value::Null, "{reason:?}");
        assert!(!body.to_string().contains(&adult.1), "{reason:?}: the clear name leaked");
        let id = global("SocialWorker", &worker.0);
        let body = app.post_as(Some(&token), worker_reveal, json!({ "id": id, "reason": reason })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT", "{reason:?}: {body}");
    }
    assert_eq!(audit_rows(&app).await, before, "a refused reveal writes no audit row");
    let d = app.data_as(Some(&token), REVEAL, json!({ "id": id, "reason": "\u{200b}家访\u{200b}" })).await;
    assert_eq!(d["client"]["identity"]["name"], adult.1, "invisible characters around words are trimmed");
    let log = app.data(r#"{ auditLog(last: 1) { nodes { reason } } }"#, json!({})).await;
    assert_eq!(log["auditLog"]["nodes"][0]["reason"], "家访");
});

both!(a_reveal_whose_audit_cannot_be_written_returns_nothing, |app| {
    let token = civil_affairs("522301");
    let adult = sql_first(&app, "SELECT id, name, id_number FROM clients WHERE region_code LIKE '522301%' AND birth_date < '1990-01-01' ORDER BY id LIMIT 1").await;
    app.db.execute_unprepared("DROP TABLE audit_log").await.unwrap();
    let body = app.post_as(Some(&token), REVEAL, json!({ "id": global("Client", &adult.0), "reason": "audit" })).await;
    assert_eq!(body["data"]["client"]["identity"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
    assert!(!body.to_string().contains(&adult.1), "the clear name leaked: {body}");
});

both!(children_under_14_need_a_guardian_consent_in_force, |app| {
    let token = civil_affairs("5223");
    let child = sql_first(&app, "SELECT id, name, id_number FROM clients WHERE region_code LIKE '5223%' AND birth_date > '2015-01-01' ORDER BY id LIMIT 1").await;
    let id = global("Client", &child.0);
    let before = audit_rows(&app).await;
    let body = app.post_as(Some(&token), REVEAL, json!({ "id": id, "reason": "school enrolment" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONSENT_REQUIRED", "{body}");
    assert!(!body.to_string().contains(&child.1));
    assert_eq!(audit_rows(&app).await, before, "a refused reveal writes no audit row");
    let consent = |given: &str, expires: &str| {
        format!(
            "INSERT INTO consent_records (id, client_id, kind, consented_by, scope, given_on, expires_on, created_at, updated_at, version) \
             VALUES ('{}', '{}', 'GUARDIAN_CONSENT', '监护人', 'casework', '{given}', {expires}, '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00', 1)",
            uuid::Uuid::now_v7(),
            child.0
        )
    };
    // An expired consent does not count.
    exec_uuid_aware(&app, &consent("2020-01-01", "'2021-01-01'")).await;
    let body = app.post_as(Some(&token), REVEAL, json!({ "id": id, "reason": "school enrolment" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONSENT_REQUIRED");
    // One in force does.
    exec_uuid_aware(&app, &consent("2024-01-01", "NULL")).await;
    let d = app.data_as(Some(&token), REVEAL, json!({ "id": id, "reason": "school enrolment" })).await;
    assert_eq!(d["client"]["identity"]["name"], child.1);
    assert_eq!(audit_rows(&app).await, before + 1);
});

both!(sensitive_fields_are_masked_by_default_for_every_role, |app| {
    let q = r#"{ clients(first: 30) { nodes { id name idNumber phone birthDate categories } } }"#;
    for token in [common::admin_token(), civil_affairs("5223")] {
        let d = app.data_as(Some(&token), q, json!({})).await;
        for c in d["clients"]["nodes"].as_array().unwrap() {
            assert!(c["name"].as_str().unwrap().ends_with('*'), "{c}");
            if let Some(n) = c["idNumber"].as_str() {
                assert!(n.contains("**********"), "{c}");
            }
            for cat in c["categories"].as_array().unwrap() {
                let cat = cat.as_str().unwrap();
                assert!(
                    ![
                        "MIN_LIVING",
                        "EXTREME_POVERTY",
                        "NEAR_MIN_LIVING",
                        "TEMPORARY_ASSISTANCE",
                        "DISABLED",
                        "ILL_OR_DISABLED",
                        "DEPENDENT"
                    ]
                    .contains(&cat),
                    "sensitive category shown: {cat}"
                );
            }
        }
    }
});

fn global(kind: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// First row's (id, name, id_number) as text.
async fn sql_first(app: &common::TestApp, sql: &str) -> (String, String, String) {
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql.to_owned()))
        .await
        .unwrap()
        .expect("a row");
    let id: uuid::Uuid = row.try_get("", "id").unwrap();
    (
        id.to_string(),
        row.try_get("", "name").unwrap(),
        row.try_get::<Option<String>>("", "id_number").unwrap().unwrap_or_default(),
    )
}

/// Runs an INSERT written with UUID text literals on either database (SQLite stores UUIDs as
/// 16-byte blobs, so the literals are converted there).
async fn exec_uuid_aware(app: &common::TestApp, sql: &str) {
    let sql = if app.backend == common::Backend::Sqlite {
        // Turn 'xxxxxxxx-xxxx-…' literals into X'…' blobs.
        let re_parts: Vec<&str> = sql.split('\'').collect();
        re_parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i % 2 == 1 && uuid::Uuid::parse_str(p).is_ok() {
                    format!("X'{}'", p.replace('-', ""))
                } else if i % 2 == 1 {
                    format!("'{p}'")
                } else {
                    (*p).to_owned()
                }
            })
            .collect::<String>()
    } else {
        sql.to_owned()
    };
    app.db.execute_unprepared(&sql).await.unwrap();
}

const ALL_COUNTS: &str = r#"{
  stations { totalCount } organizations { totalCount } socialWorkers { totalCount } volunteers { totalCount }
  volunteerTeams { totalCount } clients { totalCount } projects { totalCount } serviceRecords { totalCount }
  charityResources { totalCount } trainings { totalCount } deliberationMeetings { totalCount } awards { totalCount }
}"#;

/// Counts with a station id bound as `$1` (`?` on SQLite).
async fn count_for_station(app: &common::TestApp, sql: &str, station: uuid::Uuid) -> u64 {
    let backend = app.db.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Sqlite { sql.replace("$1", "?") } else { sql.to_owned() };
    let n = sql.matches('?').count().max(sql.matches("$1").count());
    let values: Vec<sea_orm::Value> = (0..n.max(1)).map(|_| station.into()).collect();
    let values = if backend == sea_orm::DbBackend::Sqlite { values } else { vec![station.into()] };
    let row = app.db.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap() as u64
}

both!(every_role_counts_exactly_the_rows_its_scope_allows, |app| {
    let live = |t: &str| format!("SELECT COUNT(*) AS n FROM {t} WHERE deleted_at IS NULL");
    // ADMIN and PORTAL and PUBLIC: whole tables or nothing.
    let all: Vec<u64> = {
        let mut v = Vec::new();
        for (_, table) in TABLES {
            v.push(sql_count(&app, &live(table)).await);
        }
        v
    };
    let expect = |role: &str, visible: &[&str]| -> Vec<(String, u64)> {
        TABLES
            .iter()
            .zip(&all)
            .map(|((f, _), n)| (format!("{role}.{f}"), if visible.contains(f) { *n } else { 0 }))
            .collect()
    };
    let cases = [
        (Some(common::admin_token()), expect("ADMIN", &TABLES.map(|t| t.0))),
        (
            Some(token_with("PORTAL", |_| {})),
            expect(
                "PORTAL",
                &[
                    "stations",
                    "organizations",
                    "socialWorkers",
                    "volunteers",
                    "volunteerTeams",
                    "projects",
                    "charityResources",
                    "trainings",
                    "deliberationMeetings",
                    "awards",
                ],
            ),
        ),
        (None, expect("PUBLIC", &["stations", "socialWorkers", "volunteers"])),
    ];
    for (token, expected) in cases {
        let d = app.data_as(token.as_deref(), ALL_COUNTS, json!({})).await;
        for ((label, n), (field, _)) in expected.iter().zip(TABLES) {
            assert_eq!(d[field]["totalCount"], *n, "{label}");
        }
    }
    // SYNC_CLIENT: the rosters of its own source.
    let sync = token_with("SYNC_CLIENT", |c| c.source = Some("demo".into()));
    let d = app.data_as(Some(&sync), ALL_COUNTS, json!({})).await;
    for (field, table) in TABLES {
        let roster = ["organizations", "socialWorkers", "volunteers", "volunteerTeams"].contains(&field);
        let n = if roster { sql_count(&app, &format!("{} AND source = 'demo'", live(table))).await } else { 0 };
        assert_eq!(d[field]["totalCount"], n, "SYNC_CLIENT.{field}");
    }
    // STATION_STAFF: the station's own rows, by the rules of docs/ACCESS.md written as SQL.
    let station = sql_first(&app, "SELECT s.id, s.name, s.name AS id_number FROM stations s WHERE s.level = 'TOWNSHIP_STATION' AND EXISTS (SELECT 1 FROM volunteer_teams t WHERE t.station_id = s.id) ORDER BY s.id LIMIT 1").await;
    let sid = uuid::Uuid::parse_str(&station.0).unwrap();
    let staff = token_with("STATION_STAFF", |c| c.station = Some(station.0.clone()));
    let d = app.data_as(Some(&staff), ALL_COUNTS, json!({})).await;
    let rules = [
        (
            "stations",
            "SELECT COUNT(*) AS n FROM stations WHERE deleted_at IS NULL AND (id = $1 OR parent_station_id = $1)",
        ),
        (
            "organizations",
            "SELECT COUNT(*) AS n FROM organizations WHERE deleted_at IS NULL AND id IN (SELECT operator_id FROM stations WHERE id = $1)",
        ),
        (
            "socialWorkers",
            "SELECT COUNT(*) AS n FROM social_workers WHERE deleted_at IS NULL AND id IN (SELECT social_worker_id FROM station_assignments WHERE station_id = $1 AND deleted_at IS NULL)",
        ),
        (
            "volunteers",
            "SELECT COUNT(*) AS n FROM volunteers WHERE deleted_at IS NULL AND id IN (SELECT volunteer_id FROM volunteer_team_memberships WHERE deleted_at IS NULL AND volunteer_team_id IN (SELECT id FROM volunteer_teams WHERE station_id = $1))",
        ),
        ("volunteerTeams", "SELECT COUNT(*) AS n FROM volunteer_teams WHERE deleted_at IS NULL AND station_id = $1"),
        ("clients", "SELECT COUNT(*) AS n FROM clients WHERE deleted_at IS NULL AND station_id = $1"),
        (
            "projects",
            "SELECT COUNT(*) AS n FROM projects WHERE deleted_at IS NULL AND id IN (SELECT project_id FROM project_stations WHERE station_id = $1 AND deleted_at IS NULL)",
        ),
        ("serviceRecords", "SELECT COUNT(*) AS n FROM service_records WHERE deleted_at IS NULL AND station_id = $1"),
        (
            "charityResources",
            "SELECT COUNT(*) AS n FROM charity_resources WHERE deleted_at IS NULL AND station_id = $1",
        ),
        ("trainings", "SELECT COUNT(*) AS n FROM trainings WHERE deleted_at IS NULL AND station_id = $1"),
        (
            "deliberationMeetings",
            "SELECT COUNT(*) AS n FROM deliberation_meetings WHERE deleted_at IS NULL AND station_id = $1",
        ),
        (
            "awards",
            "SELECT COUNT(*) AS n FROM awards WHERE deleted_at IS NULL AND (social_worker_id IN (SELECT social_worker_id FROM station_assignments WHERE station_id = $1 AND deleted_at IS NULL) OR volunteer_id IN (SELECT volunteer_id FROM volunteer_team_memberships WHERE deleted_at IS NULL AND volunteer_team_id IN (SELECT id FROM volunteer_teams WHERE station_id = $1)) OR organization_id IN (SELECT operator_id FROM stations WHERE id = $1))",
        ),
    ];
    let mut nonzero = 0;
    for (field, sql) in rules {
        let n = count_for_station(&app, sql, sid).await;
        nonzero += usize::from(n > 0);
        assert_eq!(d[field]["totalCount"], n, "STATION_STAFF.{field}");
    }
    assert!(nonzero >= 5, "the chosen station has rows of most kinds");
});

both!(the_public_cannot_probe_people_by_name_and_reasons_are_plain_text, |app| {
    let q = r#"query($n: String) { region(code: "522301") { socialWorkers(filter: { nameContains: $n }) { totalCount } } }"#;
    assert_eq!(app.error_code_as(None, q, json!({ "n": "魏" })).await, "FORBIDDEN");
    let q = r#"query($n: String) { volunteers(filter: { nameContains: $n }) { totalCount } }"#;
    assert_eq!(app.error_code_as(None, q, json!({ "n": "李" })).await, "FORBIDDEN");
    // Signed-in callers may search.
    assert!(app.data(q, json!({ "n": "李" })).await["volunteers"]["totalCount"].as_u64().unwrap() > 0);
    let token = civil_affairs("522301");
    let adult = sql_first(&app, "SELECT id, name, id_number FROM clients WHERE region_code LIKE '522301%' AND birth_date < '1990-01-01' ORDER BY id LIMIT 1").await;
    let body =
        app.post_as(Some(&token), REVEAL, json!({ "id": global("Client", &adult.0), "reason": "visit\u{0}" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "a NUL anywhere is refused up front");
});
