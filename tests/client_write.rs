//! `createClient`, `updateClient`, `deleteClient`, client categories and case files: every
//! value rule with a valid and an invalid value, version conflicts, the write limits of
//! CIVIL_AFFAIRS and STATION_STAFF, and the audit log's masking of identity values and of
//! sensitive categories.

mod common;

use common::{
    TestApp, audit_entries, citizen_id, civil_affairs, error_codes, gid, new_station, one_error, payload_ok, scalar,
    station_staff, token_with, uuid_of,
};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateClientInput!) { createClient(input: $input) {
    client { id name idNumber birthDate gender phone categories record { version }
             caseFile { stage deepCase openedOn closedOn } }
    userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateClientInput!) { updateClient(input: $input) {
    client { id name phone record { version } } userErrors { field message code } } }"#;
const DELETE: &str = r#"mutation($input: DeleteInput!) { deleteClient(input: $input) {
    deletedId userErrors { field code } } }"#;
const ADD_CATEGORY: &str = r#"mutation($input: ClientCategoryInput!) { addClientCategory(input: $input) {
    client { categories record { version } } userErrors { field message code } } }"#;
const REMOVE_CATEGORY: &str = r#"mutation($input: ClientCategoryInput!) { removeClientCategory(input: $input) {
    client { categories record { version } } userErrors { field message code } } }"#;
const OPEN_CASE: &str = r#"mutation($input: OpenCaseFileInput!) { openCaseFile(input: $input) {
    client { record { version } caseFile { stage deepCase openedOn closedOn } } userErrors { field message code } } }"#;
const CHANGE_STAGE: &str = r#"mutation($input: ChangeCaseFileStageInput!) { changeCaseFileStage(input: $input) {
    client { record { version } caseFile { stage deepCase openedOn closedOn } } userErrors { field message code } } }"#;

fn client() -> Value {
    json!({
        "name": "王小明",
        "idNumber": citizen_id(1),
        "phone": "13900000001",
        "address": "贵州省黔西南州兴义市桔山街道",
        "regionCode": "522301",
        "guardianName": "王大明",
        "guardianPhone": "0851-28123456",
    })
}

async fn create(app: &TestApp, input: Value) -> Value {
    let d = app.data(CREATE, json!({ "input": input })).await;
    payload_ok(&d, "createClient")["client"].clone()
}

both!(a_valid_client_is_created_masked_and_every_rule_is_a_user_error, |app| {
    let c = create(&app, client()).await;
    assert_eq!(c["name"], "王**", "{c}");
    assert_eq!(c["gender"], "MALE", "sequence 001 is odd");
    assert_eq!(c["birthDate"], "1990-**-**", "from the ID number, masked");
    assert_eq!(c["record"]["version"], 1);
    let mut bad_check = citizen_id(1);
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let before = scalar(&app, "SELECT COUNT(*) AS n FROM clients", vec![]).await;
    for (field, value, code) in [
        ("name", json!(" "), "REQUIRED"),
        ("name", json!("名".repeat(101)), "TOO_LONG"),
        ("idNumber", json!(bad_check), "INVALID_CITIZEN_ID"),
        ("birthDate", json!("1990-01-02"), "INCONSISTENT"),
        ("phone", json!("12345"), "INVALID_PHONE"),
        ("guardianPhone", json!("0851-123"), "INVALID_PHONE"),
        ("guardianName", json!("\u{1}"), "INVALID_TEXT"),
        ("address", json!("址".repeat(201)), "TOO_LONG"),
        ("regionCode", json!("52230"), "INVALID_DIVISION_CODE"),
        ("regionCode", json!("529999000000"), "UNKNOWN_DIVISION"),
        ("stationId", json!("bm90LWFuLWlk"), "INVALID_ID"),
        ("stationId", json!(gid("Station", uuid::Uuid::now_v7())), "UNKNOWN_REFERENCE"),
    ] {
        let mut input = client();
        input[field] = value.clone();
        let d = app.data(CREATE, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "createClient"), one_error(field, code), "{field}={value}");
        assert!(d["createClient"]["client"].is_null());
    }
    // Without an ID number, a birth date lies between 1900-01-01 and today.
    for (value, code) in
        [("1899-12-31", Some("OUT_OF_RANGE")), ("2999-01-01", Some("OUT_OF_RANGE")), ("1949-12-31", None)]
    {
        let mut input = client();
        input["idNumber"] = Value::Null;
        input["birthDate"] = json!(value);
        let d = app.data(CREATE, json!({ "input": input })).await;
        match code {
            Some(code) => assert_eq!(error_codes(&d, "createClient"), one_error("birthDate", code), "{value}"),
            None => assert_eq!(payload_ok(&d, "createClient")["client"]["gender"], "UNKNOWN"),
        }
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM clients", vec![]).await, before + 1);
});

both!(client_updates_are_versioned_and_audited_with_identity_values_masked, |app| {
    let id = create(&app, client()).await["id"].clone();
    let input = json!({ "id": id, "expectedVersion": 1, "idNumber": citizen_id(3), "phone": "13900000002" });
    let d = app.data(UPDATE, json!({ "input": input.clone() })).await;
    let c = &payload_ok(&d, "updateClient")["client"];
    assert_eq!(c["name"], "王**", "absent fields are unchanged");
    assert_eq!(c["phone"], "139****0002");
    assert_eq!(c["record"]["version"], 2);
    let d = app.data(UPDATE, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "updateClient"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let sql = "SELECT CAST(version AS BIGINT) AS n FROM clients WHERE id = $1";
    assert_eq!(scalar(&app, sql, vec![uuid_of(&id, "Client").into()]).await, 2, "a conflict changes nothing");

    let created = audit_entries(&app, "Client", &id, "CREATE").await;
    let updated = audit_entries(&app, "Client", &id, "UPDATE").await;
    let log = json!([created, updated]).to_string();
    for clear in
        [citizen_id(1), citizen_id(3), "13900000001".into(), "13900000002".into(), "王小明".into(), "王大明".into()]
    {
        assert!(!log.contains(&clear), "{clear} reached the audit log: {log}");
    }
    let change = &updated[0]["changes"];
    assert_eq!(change["phone"], json!({ "old": "139****0001", "new": "139****0002" }), "{change}");
    assert!(common::is_masked_citizen_id(change["idNumber"]["new"].as_str().unwrap()), "{change}");
    assert_eq!(created[0]["changes"]["birthDate"]["new"], "1990-**-**");
    assert_eq!(created[0]["changes"]["address"]["new"], "贵州省黔西南****");

    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    assert_eq!(error_codes(&d, "deleteClient"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(d["deleteClient"]["deletedId"], id);
    let d = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 3, "name": "x" } })).await;
    assert_eq!(error_codes(&d, "updateClient"), one_error("id", "NOT_FOUND"));
});

both!(categories_change_the_client_and_sensitive_ones_are_masked_in_the_audit_log, |app| {
    let id = create(&app, client()).await["id"].clone();
    let cat = |v: i32, c: &str| json!({ "input": { "clientId": id, "expectedVersion": v, "category": c } });
    let d = app.data(ADD_CATEGORY, cat(1, "ORPHAN")).await;
    let c = &payload_ok(&d, "addClientCategory")["client"];
    assert_eq!((c["categories"].clone(), c["record"]["version"].clone()), (json!(["ORPHAN"]), json!(2)));
    let d = app.data(ADD_CATEGORY, cat(2, "ORPHAN")).await;
    assert_eq!(error_codes(&d, "addClientCategory"), one_error("category", "ALREADY_IN_CATEGORY"));
    let d = app.data(ADD_CATEGORY, cat(1, "MIN_LIVING")).await;
    assert_eq!(error_codes(&d, "addClientCategory"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(ADD_CATEGORY, cat(2, "MIN_LIVING")).await;
    let c = &payload_ok(&d, "addClientCategory")["client"];
    assert_eq!(c["categories"], json!(["ORPHAN"]), "a sensitive category is not listed");
    let d = app.data(REMOVE_CATEGORY, cat(3, "MIN_LIVING")).await;
    assert_eq!(payload_ok(&d, "removeClientCategory")["client"]["record"]["version"], 4);
    let d = app.data(REMOVE_CATEGORY, cat(4, "MIN_LIVING")).await;
    assert_eq!(error_codes(&d, "removeClientCategory"), one_error("category", "NOT_FOUND"));
    // A removed category comes back (one row per client and category).
    let d = app.data(ADD_CATEGORY, cat(4, "MIN_LIVING")).await;
    assert_eq!(payload_ok(&d, "addClientCategory")["client"]["record"]["version"], 5);
    let sql = "SELECT COUNT(*) AS n FROM client_categories WHERE client_id = $1 AND deleted_at IS NULL";
    assert_eq!(scalar(&app, sql, vec![uuid_of(&id, "Client").into()]).await, 2);

    let changes: Vec<Value> = audit_entries(&app, "Client", &id, "UPDATE")
        .await
        .into_iter()
        .map(|e| e["changes"]["categories"].clone())
        .collect();
    assert_eq!(
        changes,
        vec![
            json!({ "old": null, "new": "ORPHAN" }),
            json!({ "old": null, "new": "***" }),
            json!({ "old": "***", "new": null }),
            json!({ "old": null, "new": "***" }),
        ]
    );
});

both!(a_case_file_is_opened_once_and_moves_through_the_casework_stages, |app| {
    let id = create(&app, client()).await["id"].clone();
    let today = civlink::domain::time::today_cst();
    let open = |v: i32, extra: Value| {
        let mut input = json!({ "clientId": id, "expectedVersion": v });
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({ "input": input })
    };
    for (extra, field, code) in [
        (json!({ "openedOn": "2999-01-01" }), "openedOn", "OUT_OF_RANGE"),
        (json!({ "socialWorkerId": gid("SocialWorker", uuid::Uuid::now_v7()) }), "socialWorkerId", "UNKNOWN_REFERENCE"),
        (json!({ "socialWorkerId": id }), "socialWorkerId", "INVALID_ID"),
    ] {
        let d = app.data(OPEN_CASE, open(1, extra.clone())).await;
        assert_eq!(error_codes(&d, "openCaseFile"), one_error(field, code), "{extra}");
    }
    let d = app.data(OPEN_CASE, open(1, json!({ "openedOn": "2024-03-01", "deepCase": true }))).await;
    let c = &payload_ok(&d, "openCaseFile")["client"];
    assert_eq!(
        c["caseFile"],
        json!({ "stage": "INTAKE", "deepCase": true, "openedOn": "2024-03-01", "closedOn": null })
    );
    assert_eq!(c["record"]["version"], 2);
    let d = app.data(OPEN_CASE, open(2, json!({}))).await;
    assert_eq!(error_codes(&d, "openCaseFile"), one_error("clientId", "CASE_FILE_EXISTS"));

    let d = app.data(CHANGE_STAGE, open(2, json!({ "stage": "ASSESSMENT", "deepCase": false }))).await;
    assert_eq!(payload_ok(&d, "changeCaseFileStage")["client"]["caseFile"]["stage"], "ASSESSMENT");
    let d = app.data(CHANGE_STAGE, open(2, json!({ "stage": "PLANNING" }))).await;
    assert_eq!(error_codes(&d, "changeCaseFileStage"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(CHANGE_STAGE, open(3, json!({ "stage": "CLOSED", "on": "2024-02-29" }))).await;
    assert_eq!(error_codes(&d, "changeCaseFileStage"), one_error("on", "OUT_OF_RANGE"), "before the opening day");
    let d = app.data(CHANGE_STAGE, open(3, json!({ "stage": "CLOSED" }))).await;
    let file = &payload_ok(&d, "changeCaseFileStage")["client"]["caseFile"];
    assert_eq!((file["stage"].clone(), file["closedOn"].clone()), (json!("CLOSED"), json!(today.to_string())));
    let d = app.data(CHANGE_STAGE, open(4, json!({ "stage": "INTERVENTION" }))).await;
    let file = &payload_ok(&d, "changeCaseFileStage")["client"]["caseFile"];
    assert_eq!(file["closedOn"], Value::Null, "reopened: {file}");
    let updates = audit_entries(&app, "Client", &id, "UPDATE").await;
    assert_eq!(updates[0]["changes"]["caseFile.stage"], json!({ "old": null, "new": "INTAKE" }), "{updates:?}");
    assert_eq!(updates[1]["changes"]["caseFile.deepCase"], json!({ "old": "true", "new": "false" }));

    // A client without a case file has no stage to change.
    let other = create(&app, client()).await["id"].clone();
    let d = app
        .data(CHANGE_STAGE, json!({ "input": { "clientId": other, "expectedVersion": 1, "stage": "CLOSED" } }))
        .await;
    assert_eq!(error_codes(&d, "changeCaseFileStage"), one_error("clientId", "NOT_FOUND"));
});

both!(county_officials_and_station_staff_write_only_their_own_clients, |app| {
    let own = civil_affairs("522301");
    let body = app.data_as(Some(&own), CREATE, json!({ "input": client() })).await;
    payload_ok(&body, "createClient");
    let mut elsewhere = client();
    elsewhere["regionCode"] = json!("522327");
    let body = app.data_as(Some(&own), CREATE, json!({ "input": elsewhere.clone() })).await;
    assert_eq!(error_codes(&body, "createClient"), one_error("regionCode", "OUT_OF_SCOPE"));
    let theirs = create(&app, elsewhere).await["id"].clone();
    let input = json!({ "input": { "id": theirs, "expectedVersion": 1, "name": "x" } });
    let body = app.data_as(Some(&own), UPDATE, input).await;
    assert_eq!(error_codes(&body, "updateClient"), one_error("id", "NOT_FOUND"), "another county's client");

    let (a, b) = (new_station(&app, "522301").await, new_station(&app, "522301").await);
    let staff = station_staff(&a);
    let mut at_a = client();
    at_a["stationId"] = a.clone();
    let body = app.data_as(Some(&staff), CREATE, json!({ "input": at_a })).await;
    let mine = payload_ok(&body, "createClient")["client"]["id"].clone();
    let body = app.data_as(Some(&staff), CREATE, json!({ "input": client() })).await;
    assert_eq!(error_codes(&body, "createClient"), one_error("stationId", "OUT_OF_SCOPE"), "no station");
    let mut at_b = client();
    at_b["stationId"] = b.clone();
    let body = app.data_as(Some(&staff), CREATE, json!({ "input": at_b.clone() })).await;
    assert_eq!(error_codes(&body, "createClient"), one_error("stationId", "UNKNOWN_REFERENCE"), "another station");
    let at_b = create(&app, at_b).await["id"].clone();
    let body =
        app.data_as(Some(&staff), UPDATE, json!({ "input": { "id": at_b, "expectedVersion": 1, "name": "x" } })).await;
    assert_eq!(error_codes(&body, "updateClient"), one_error("id", "NOT_FOUND"), "another station's client");
    let input = json!({ "input": { "clientId": mine, "expectedVersion": 1, "category": "LEFT_BEHIND_CHILD" } });
    let body = app.data_as(Some(&staff), ADD_CATEGORY, input).await;
    payload_ok(&body, "addClientCategory");
    let body = app
        .data_as(Some(&staff), UPDATE, json!({ "input": { "id": mine, "expectedVersion": 2, "stationId": null } }))
        .await;
    assert_eq!(error_codes(&body, "updateClient"), one_error("stationId", "OUT_OF_SCOPE"), "its clients stay");
    let portal = token_with("PORTAL", |_| {});
    assert_eq!(app.error_code_as(Some(&portal), CREATE, json!({ "input": client() })).await, "FORBIDDEN");
});

both!(station_staff_cannot_place_a_client_outside_their_stations_area, |app| {
    let station = new_station(&app, "522301").await;
    let staff = station_staff(&station);
    let mut elsewhere = client();
    elsewhere["stationId"] = station.clone();
    elsewhere["regionCode"] = json!("522327");
    let (count, audits) = ("SELECT COUNT(*) AS n FROM clients", "SELECT COUNT(*) AS n FROM audit_log");
    let before = (scalar(&app, count, vec![]).await, scalar(&app, audits, vec![]).await);
    let body = app.data_as(Some(&staff), CREATE, json!({ "input": elsewhere })).await;
    assert_eq!(error_codes(&body, "createClient"), one_error("regionCode", "OUT_OF_SCOPE"), "another county");
    assert!(body["createClient"]["client"].is_null());
    let after = (scalar(&app, count, vec![]).await, scalar(&app, audits, vec![]).await);
    assert_eq!(after, before, "nothing is written, nothing audited");

    // Within the area (the station's division and below) is fine; moving out is not.
    let mut inside = client();
    inside["stationId"] = station.clone();
    inside["regionCode"] = json!("522301001001");
    let body = app.data_as(Some(&staff), CREATE, json!({ "input": inside })).await;
    let id = payload_ok(&body, "createClient")["client"]["id"].clone();
    let input = json!({ "input": { "id": id, "expectedVersion": 1, "regionCode": "522327" } });
    let body = app.data_as(Some(&staff), UPDATE, input).await;
    assert_eq!(error_codes(&body, "updateClient"), one_error("regionCode", "OUT_OF_SCOPE"), "moved away");
    let sql = "SELECT COUNT(*) AS n FROM clients WHERE region_code = '522327000000'";
    assert_eq!(scalar(&app, sql, vec![]).await, 0);
});
