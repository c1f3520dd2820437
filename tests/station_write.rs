//! `createStation`, `updateStation`, `deleteStation`: every value rule with valid and invalid
//! values, version conflicts, soft deletion, audit of changed fields, and the write limits of
//! each role.

mod common;

use common::{TestApp, scalar, token_with, uuid_of};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateStationInput!) { createStation(input: $input) {
    station { id name level status inFullService investment region { code } record { version } }
    userErrors { field message code } } }"#;

const UPDATE: &str = r#"mutation($input: UpdateStationInput!) { updateStation(input: $input) {
    station { id name status inFullService investment record { version } }
    userErrors { field message code } } }"#;

const DELETE: &str = r#"mutation($input: DeleteInput!) { deleteStation(input: $input) {
    deletedId userErrors { field message code } } }"#;

fn station() -> Value {
    json!({
        "name": " 兴义市测试街道社工站 ",
        "level": "TOWNSHIP_STATION",
        "status": "OPERATING",
        "inFullService": true,
        "regionCode": "522301",
        "openedOn": "2021-03-01",
        "investment": "120000.5",
        "latitude": 25.09,
        "longitude": 104.9,
    })
}

fn civil_affairs(region: &str) -> String {
    token_with("CIVIL_AFFAIRS", |c| c.region = Some(region.to_owned()))
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(CREATE, json!({ "input": input })).await["createStation"].clone()
}

async fn audit_changes(app: &TestApp, id: &Value, action: &str) -> Value {
    let q = r#"query($f: AuditLogFilter) { auditLog(first: 100, filter: $f) { nodes { action entityId fields changes } } }"#;
    let d = app.data(q, json!({ "f": { "entity": "Station" } })).await;
    let key = uuid_of(id, "Station").to_string();
    let nodes = d["auditLog"]["nodes"].as_array().unwrap().clone();
    nodes
        .into_iter()
        .find(|n| n["action"] == action && (n["entityId"] == *id || n["entityId"] == json!(key)))
        .unwrap_or_else(|| panic!("no {action} of {id} in {d}"))
}

both!(a_valid_station_is_created_normalised_and_audited, |app| {
    let r = create(&app, station()).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    let s = &r["station"];
    assert_eq!(s["name"], "兴义市测试街道社工站");
    assert_eq!(s["investment"], "120000.50");
    assert_eq!(s["region"]["code"], "522301000000");
    assert_eq!(s["record"]["version"], 1);
    let audit = audit_changes(&app, &s["id"], "CREATE").await;
    assert!(audit["fields"].as_array().unwrap().contains(&json!("investment")), "{audit}");
});

both!(every_station_rule_is_a_user_error_naming_its_field_and_nothing_is_written, |app| {
    let before = scalar(&app, "SELECT COUNT(*) AS n FROM stations", vec![]).await;
    for (field, value, code) in [
        ("name", json!("   "), "REQUIRED"),
        ("name", json!("名".repeat(101)), "TOO_LONG"),
        ("status", json!("PLANNED"), "INCONSISTENT"),
        ("regionCode", json!("5223011"), "INVALID_DIVISION_CODE"),
        ("regionCode", json!("529999000000"), "UNKNOWN_DIVISION"),
        ("openedOn", json!("2999-01-01"), "OUT_OF_RANGE"),
        ("openedOn", json!("1999-12-31"), "OUT_OF_RANGE"),
        ("latitude", json!(60.0), "OUT_OF_RANGE"),
        ("parentStationId", json!("bm90LWFuLWlk"), "INVALID_ID"),
        ("operatorId", json!(common::gid("Organization", uuid::Uuid::now_v7())), "UNKNOWN_REFERENCE"),
    ] {
        let mut input = station();
        input[field] = value.clone();
        let r = create(&app, input).await;
        assert!(r["station"].is_null(), "{field}={value}: {r}");
        let errors = r["userErrors"].as_array().unwrap();
        let expected_field = if field == "status" { "inFullService" } else { field };
        assert!(
            errors.iter().any(|e| e["code"] == code && e["field"] == json!([expected_field])),
            "{field}={value}: expected {code}, got {r}"
        );
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM stations", vec![]).await, before);
});

both!(a_malformed_investment_fails_the_yuan_scalar_and_nothing_is_written, |app| {
    let before = scalar(&app, "SELECT COUNT(*) AS n FROM stations", vec![]).await;
    for (value, fragment) in [
        ("-1", "negative amounts are not accepted"),
        ("1.234", "at most 2 (fen)"),
        ("abc", "character 'a' at position 1"),
        ("", "amount is empty"),
    ] {
        let mut input = station();
        input["investment"] = json!(value);
        common::refused_by_the_yuan_scalar(&app, CREATE, input, fragment).await;
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM stations", vec![]).await, before);
});

both!(updates_check_the_version_change_only_given_fields_and_audit_old_and_new, |app| {
    let s = create(&app, station()).await["station"].clone();
    let id = s["id"].clone();
    // A stale version changes nothing.
    let r = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 7, "name": "改名" } })).await;
    assert_eq!(r["updateStation"]["userErrors"][0]["code"], "VERSION_CONFLICT", "{r}");
    assert!(r["updateStation"]["station"].is_null());
    // Absent fields are unchanged; a rule tying two fields holds whichever one changes.
    let r = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "status": "SUSPENDED" } })).await;
    assert_eq!(r["updateStation"]["userErrors"][0]["code"], "INCONSISTENT", "{r}");
    let input =
        json!({ "id": id, "expectedVersion": 1, "status": "SUSPENDED", "inFullService": false, "investment": "99.9" });
    let r = app.data(UPDATE, json!({ "input": input })).await["updateStation"].clone();
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["station"]["name"], "兴义市测试街道社工站");
    assert_eq!(r["station"]["investment"], "99.90");
    assert_eq!(r["station"]["record"]["version"], 2);
    let audit = audit_changes(&app, &id, "UPDATE").await;
    let changes = &audit["changes"];
    assert_eq!(changes["investment"], json!({ "old": "120000.50", "new": "99.90" }), "{audit}");
    assert_eq!(changes["status"], json!({ "old": "OPERATING", "new": "SUSPENDED" }), "{audit}");
    // The same version again is now stale.
    let r = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "name": "x" } })).await;
    assert_eq!(r["updateStation"]["userErrors"][0]["code"], "VERSION_CONFLICT");
});

both!(deletion_is_soft_versioned_and_a_deleted_station_is_not_found, |app| {
    let s = create(&app, station()).await["station"].clone();
    let id = s["id"].clone();
    let r = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(r["deleteStation"]["userErrors"][0]["code"], "VERSION_CONFLICT", "{r}");
    let r = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    assert_eq!(r["deleteStation"]["deletedId"], id, "{r}");
    let uuid = uuid_of(&id, "Station");
    let sql = "SELECT CAST(version AS BIGINT) AS n FROM stations WHERE id = $1 AND deleted_at IS NOT NULL AND deleted_at = updated_at";
    assert_eq!(scalar(&app, sql, vec![uuid.into()]).await, 2, "row kept as a tombstone, version bumped");
    let r = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(r["deleteStation"]["userErrors"][0]["code"], "NOT_FOUND");
    let r = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 2, "name": "x" } })).await;
    assert_eq!(r["updateStation"]["userErrors"][0]["code"], "NOT_FOUND");
});

both!(a_county_official_writes_only_in_its_county_and_portals_may_not_write, |app| {
    let own = civil_affairs("522301");
    let body = app.post_as(Some(&own), CREATE, json!({ "input": station() })).await;
    assert_eq!(body["data"]["createStation"]["userErrors"], json!([]), "{body}");
    let mut elsewhere = station();
    elsewhere["regionCode"] = json!("522327");
    let body = app.post_as(Some(&own), CREATE, json!({ "input": elsewhere })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["createStation"]["userErrors"][0]["code"], "OUT_OF_SCOPE", "{body}");
    // A station of another county is not found, not forbidden (its existence is not revealed).
    let theirs = create(&app, elsewhere).await["station"]["id"].clone();
    let body =
        app.post_as(Some(&own), UPDATE, json!({ "input": { "id": theirs, "expectedVersion": 1, "name": "x" } })).await;
    assert_eq!(body["data"]["updateStation"]["userErrors"][0]["code"], "NOT_FOUND", "{body}");
    // Moving one's own station out of the county is refused.
    let mine = create(&app, station()).await["station"]["id"].clone();
    let input = json!({ "id": mine, "expectedVersion": 1, "regionCode": "522327" });
    let body = app.post_as(Some(&own), UPDATE, json!({ "input": input })).await;
    assert_eq!(body["data"]["updateStation"]["userErrors"][0]["code"], "OUT_OF_SCOPE", "{body}");
    for role in ["PORTAL", "STATION_STAFF"] {
        let token = token_with(role, |c| c.station = Some(uuid::Uuid::now_v7().to_string()));
        let code = app.error_code_as(Some(&token), CREATE, json!({ "input": station() })).await;
        assert_eq!(code, "FORBIDDEN", "{role}");
    }
});
