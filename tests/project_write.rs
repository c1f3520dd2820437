//! `createProject`, `updateProject`, `deleteProject`: every value rule with a valid and an
//! invalid value (money in yuan with at most 2 decimals, dates), version conflicts, audit,
//! and the write limits of CIVIL_AFFAIRS and STATION_STAFF.

mod common;

use common::{audit_entries, civil_affairs, error_codes, new_station, one_error, payload_ok, scalar, station_staff};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateProjectInput!) { createProject(input: $input) {
    project { id name fundingMode status budget fundsRaised startsOn endsOn record { version } }
    userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateProjectInput!) { updateProject(input: $input) {
    project { id budget endsOn record { version } } userErrors { field message code } } }"#;
const DELETE: &str = r#"mutation($input: DeleteInput!) { deleteProject(input: $input) {
    deletedId userErrors { field code } } }"#;

fn project() -> Value {
    json!({
        "name": "西陵区村社互助项目",
        "fundingMode": "MUTUAL_AID",
        "budget": "1890000",
        "fundsRaised": "865700.5",
        "startsOn": "2024-01-01",
        "endsOn": "2024-12-31",
        "regionCode": "522301",
    })
}

both!(a_valid_project_is_created_and_every_rule_is_a_user_error, |app| {
    let d = app.data(CREATE, json!({ "input": project() })).await;
    let p = &payload_ok(&d, "createProject")["project"];
    assert_eq!((p["budget"].clone(), p["fundsRaised"].clone()), (json!("1890000.00"), json!("865700.50")), "{p}");
    assert_eq!((p["status"].clone(), p["record"]["version"].clone()), (json!("PLANNED"), json!(1)));
    let before = scalar(&app, "SELECT COUNT(*) AS n FROM projects", vec![]).await;
    for (field, value, code) in [
        ("name", json!(""), "REQUIRED"),
        ("budget", json!("-0.01"), "INVALID_MONEY"),
        ("budget", json!("1.001"), "INVALID_MONEY"),
        ("fundsRaised", json!("十万"), "INVALID_MONEY"),
        ("startsOn", json!("1999-12-31"), "OUT_OF_RANGE"),
        ("startsOn", json!("2999-01-01"), "OUT_OF_RANGE"),
        ("endsOn", json!("2023-12-31"), "INCONSISTENT"),
        ("regionCode", json!("52230"), "INVALID_DIVISION_CODE"),
        ("regionCode", json!("529999000000"), "UNKNOWN_DIVISION"),
    ] {
        let mut input = project();
        input[field] = value.clone();
        let d = app.data(CREATE, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "createProject"), one_error(field, code), "{field}={value}");
    }
    // Valid edge values: zero money, a start planned next year, no end.
    let next_year = (civlink::domain::time::today_cst() + chrono::Days::new(366)).to_string();
    let mut input = project();
    input["budget"] = json!("0");
    input["startsOn"] = json!(next_year);
    input["endsOn"] = Value::Null;
    payload_ok(&app.data(CREATE, json!({ "input": input })).await, "createProject");
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM projects", vec![]).await, before + 1);
});

both!(project_updates_are_versioned_and_audited_in_yuan, |app| {
    let d = app.data(CREATE, json!({ "input": project() })).await;
    let id = payload_ok(&d, "createProject")["project"]["id"].clone();
    let input = json!({ "id": id, "expectedVersion": 1, "budget": "95900.9", "endsOn": null });
    let d = app.data(UPDATE, json!({ "input": input.clone() })).await;
    let p = &payload_ok(&d, "updateProject")["project"];
    assert_eq!(
        (p["budget"].clone(), p["endsOn"].clone(), p["record"]["version"].clone()),
        (json!("95900.90"), Value::Null, json!(2))
    );
    let d = app.data(UPDATE, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "updateProject"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app
        .data(
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 2, "startsOn": "2025-01-01", "endsOn": "2024-06-30" } }),
        )
        .await;
    assert_eq!(error_codes(&d, "updateProject"), one_error("endsOn", "INCONSISTENT"));
    let audit = audit_entries(&app, "Project", &id, "UPDATE").await;
    assert_eq!(audit[0]["changes"]["budget"], json!({ "old": "1890000.00", "new": "95900.90" }), "{audit:?}");
    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    assert_eq!(error_codes(&d, "deleteProject"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(d["deleteProject"]["deletedId"], id);
});

both!(county_officials_write_projects_in_their_county_and_station_staff_may_not, |app| {
    let own = civil_affairs("522301");
    payload_ok(&app.data_as(Some(&own), CREATE, json!({ "input": project() })).await, "createProject");
    let mut elsewhere = project();
    elsewhere["regionCode"] = json!("522327");
    let d = app.data_as(Some(&own), CREATE, json!({ "input": elsewhere.clone() })).await;
    assert_eq!(error_codes(&d, "createProject"), one_error("regionCode", "OUT_OF_SCOPE"));
    let d = app.data(CREATE, json!({ "input": elsewhere })).await;
    let theirs = payload_ok(&d, "createProject")["project"]["id"].clone();
    let d =
        app.data_as(Some(&own), UPDATE, json!({ "input": { "id": theirs, "expectedVersion": 1, "name": "x" } })).await;
    assert_eq!(error_codes(&d, "updateProject"), one_error("id", "NOT_FOUND"));
    let staff = station_staff(&new_station(&app, "522301").await);
    assert_eq!(app.error_code_as(Some(&staff), CREATE, json!({ "input": project() })).await, "FORBIDDEN");
});
