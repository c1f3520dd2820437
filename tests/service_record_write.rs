//! `createServiceRecord`, `updateServiceRecord`, `deleteServiceRecord`: every value rule
//! with a valid and an invalid value, references the caller may read, the record's division
//! (the client's, else the station's), version conflicts, audit, and the write limits of
//! CIVIL_AFFAIRS and STATION_STAFF.

mod common;

use common::{
    TestApp, audit_entries, civil_affairs, error_codes, gid, new_station, one_error, payload_ok, scalar, station_staff,
    token_with, uuid_of,
};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateServiceRecordInput!) { createServiceRecord(input: $input) {
    serviceRecord { id servedOn serviceType method personTimes activityName region { code } record { version } }
    userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateServiceRecordInput!) { updateServiceRecord(input: $input) {
    serviceRecord { id personTimes method region { code } record { version } } userErrors { field message code } } }"#;
const DELETE: &str = r#"mutation($input: DeleteInput!) { deleteServiceRecord(input: $input) {
    deletedId userErrors { field code } } }"#;
const CREATE_CLIENT: &str = r#"mutation($input: CreateClientInput!) { createClient(input: $input) {
    client { id } userErrors { field code } } }"#;
const CREATE_WORKER: &str = r#"mutation($input: CreateSocialWorkerInput!) { createSocialWorker(input: $input) {
    socialWorker { id } userErrors { field code } } }"#;

/// A station with a client and a social worker.
struct Place {
    station: Value,
    client: Value,
    worker: Value,
}

/// A station in county `region` whose client lives in division `home`.
async fn place(app: &TestApp, region: &str, home: &str) -> Place {
    let station = new_station(app, region).await;
    let input = json!({ "name": "李奶奶", "regionCode": home, "stationId": station });
    let d = app.data(CREATE_CLIENT, json!({ "input": input })).await;
    let client = payload_ok(&d, "createClient")["client"]["id"].clone();
    let d = app.data(CREATE_WORKER, json!({ "input": { "name": "赵社工", "regionCode": region } })).await;
    let worker = payload_ok(&d, "createSocialWorker")["socialWorker"]["id"].clone();
    Place { station, client, worker }
}

fn casework(p: &Place) -> Value {
    json!({
        "stationId": p.station,
        "socialWorkerId": p.worker,
        "clientId": p.client,
        "servedOn": "2025-06-01",
        "serviceType": "SPIRITUAL_COMFORT",
        "method": "CASEWORK",
    })
}

both!(a_record_is_placed_in_its_clients_division_or_its_stations_and_every_rule_is_a_user_error, |app| {
    let p = place(&app, "522301", "522301001001").await;
    let d = app.data(CREATE, json!({ "input": casework(&p) })).await;
    let r = &payload_ok(&d, "createServiceRecord")["serviceRecord"];
    assert_eq!((r["personTimes"].clone(), r["record"]["version"].clone()), (json!(1), json!(1)), "{r}");
    assert_eq!(r["region"]["code"], "522301001001", "the client's division");
    let mut activity = casework(&p);
    activity["clientId"] = Value::Null;
    activity["method"] = json!("COMMUNITY");
    activity["personTimes"] = json!(120);
    activity["activityName"] = json!("重阳节敬老活动");
    let d = app.data(CREATE, json!({ "input": activity })).await;
    let r = &payload_ok(&d, "createServiceRecord")["serviceRecord"];
    assert_eq!(r["region"]["code"], "522301000000", "the station's division");

    let before = scalar(&app, "SELECT COUNT(*) AS n FROM service_records", vec![]).await;
    let tomorrow = (civlink::domain::time::today_cst() + chrono::Days::new(1)).to_string();
    for (field, value, error_field, code) in [
        ("servedOn", json!(tomorrow), "servedOn", "OUT_OF_RANGE"),
        ("servedOn", json!("1999-12-31"), "servedOn", "OUT_OF_RANGE"),
        ("personTimes", json!(0), "personTimes", "OUT_OF_RANGE"),
        ("personTimes", json!(100_001), "personTimes", "OUT_OF_RANGE"),
        ("clientId", Value::Null, "clientId", "REQUIRED"),
        ("clientId", json!(gid("Client", uuid::Uuid::now_v7())), "clientId", "UNKNOWN_REFERENCE"),
        ("stationId", json!(gid("Station", uuid::Uuid::now_v7())), "stationId", "UNKNOWN_REFERENCE"),
        ("stationId", p.client.clone(), "stationId", "INVALID_ID"),
        ("socialWorkerId", json!(gid("SocialWorker", uuid::Uuid::now_v7())), "socialWorkerId", "UNKNOWN_REFERENCE"),
        ("projectId", json!(gid("Project", uuid::Uuid::now_v7())), "projectId", "UNKNOWN_REFERENCE"),
        ("activityName", json!("动".repeat(101)), "activityName", "TOO_LONG"),
    ] {
        let mut input = casework(&p);
        input[field] = value.clone();
        let d = app.data(CREATE, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "createServiceRecord"), one_error(error_field, code), "{field}={value}");
    }
    // Valid edge values.
    for (field, value) in
        [("servedOn", json!(civlink::domain::time::today_cst().to_string())), ("personTimes", json!(100_000))]
    {
        let mut input = casework(&p);
        input[field] = value;
        payload_ok(&app.data(CREATE, json!({ "input": input })).await, "createServiceRecord");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM service_records", vec![]).await, before + 2);
});

both!(record_updates_are_versioned_audited_and_keep_the_rules, |app| {
    let p = place(&app, "522301", "522301001001").await;
    let d = app.data(CREATE, json!({ "input": casework(&p) })).await;
    let id = payload_ok(&d, "createServiceRecord")["serviceRecord"]["id"].clone();
    // Casework without a client breaks the rule, whichever field changes.
    let d = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "clientId": null } })).await;
    assert_eq!(error_codes(&d, "updateServiceRecord"), one_error("clientId", "REQUIRED"));
    let input = json!({ "id": id, "expectedVersion": 1, "clientId": null, "method": "GROUPWORK", "personTimes": 12 });
    let d = app.data(UPDATE, json!({ "input": input.clone() })).await;
    let r = &payload_ok(&d, "updateServiceRecord")["serviceRecord"];
    assert_eq!((r["personTimes"].clone(), r["record"]["version"].clone()), (json!(12), json!(2)));
    assert_eq!(r["region"]["code"], "522301000000", "without a client, the station's division");
    let d = app.data(UPDATE, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "updateServiceRecord"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let audit = audit_entries(&app, "ServiceRecord", &id, "UPDATE").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["changes"]["personTimes"], json!({ "old": "1", "new": "12" }), "{audit:?}");
    assert_eq!(audit[0]["changes"]["method"], json!({ "old": "CASEWORK", "new": "GROUPWORK" }));

    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    assert_eq!(error_codes(&d, "deleteServiceRecord"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(d["deleteServiceRecord"]["deletedId"], id);
    let sql = "SELECT COUNT(*) AS n FROM service_records WHERE id = $1 AND deleted_at IS NOT NULL";
    assert_eq!(scalar(&app, sql, vec![uuid_of(&id, "ServiceRecord").into()]).await, 1);
    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 3 } })).await;
    assert_eq!(error_codes(&d, "deleteServiceRecord"), one_error("id", "NOT_FOUND"));
});

both!(county_officials_and_station_staff_record_only_their_own_services, |app| {
    let (ours, theirs) = (place(&app, "522301", "522301001001").await, place(&app, "522327", "522327103").await);
    let own = civil_affairs("522301");
    payload_ok(&app.data_as(Some(&own), CREATE, json!({ "input": casework(&ours) })).await, "createServiceRecord");
    let d = app.data_as(Some(&own), CREATE, json!({ "input": casework(&theirs) })).await;
    let errors = error_codes(&d, "createServiceRecord");
    assert!(errors.contains(&("stationId".into(), "UNKNOWN_REFERENCE".into())), "another county's station: {errors:?}");
    let d = app.data(CREATE, json!({ "input": casework(&theirs) })).await;
    let their_record = payload_ok(&d, "createServiceRecord")["serviceRecord"]["id"].clone();
    let update = |id: &Value| json!({ "input": { "id": id, "expectedVersion": 1, "personTimes": 2 } });
    let d = app.data_as(Some(&own), UPDATE, update(&their_record)).await;
    assert_eq!(error_codes(&d, "updateServiceRecord"), one_error("id", "NOT_FOUND"));

    let staff = station_staff(&ours.station);
    let mut input = casework(&ours);
    input["socialWorkerId"] = Value::Null; // not assigned to the station, so not readable by its staff
    let d = app.data_as(Some(&staff), CREATE, json!({ "input": input })).await;
    let mine = payload_ok(&d, "createServiceRecord")["serviceRecord"]["id"].clone();
    payload_ok(&app.data_as(Some(&staff), UPDATE, update(&mine)).await, "updateServiceRecord");
    let other = new_station(&app, "522301").await;
    let d = app.data(CREATE, json!({ "input": { "stationId": other, "servedOn": "2025-06-01", "serviceType": "TUTORING", "method": "GROUPWORK" } })).await;
    let at_other = payload_ok(&d, "createServiceRecord")["serviceRecord"]["id"].clone();
    let d = app.data_as(Some(&staff), UPDATE, update(&at_other)).await;
    assert_eq!(error_codes(&d, "updateServiceRecord"), one_error("id", "NOT_FOUND"), "another station's record");
    let input =
        json!({ "stationId": other, "servedOn": "2025-06-01", "serviceType": "TUTORING", "method": "GROUPWORK" });
    let d = app.data_as(Some(&staff), CREATE, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "createServiceRecord"), one_error("stationId", "UNKNOWN_REFERENCE"));
    let portal = token_with("PORTAL", |_| {});
    assert_eq!(app.error_code_as(Some(&portal), CREATE, json!({ "input": casework(&ours) })).await, "FORBIDDEN");
});

both!(station_staff_cannot_record_a_service_placed_outside_their_stations_area, |app| {
    // ADMIN may not file a client of the station under another county either.
    let station = new_station(&app, "522301").await;
    let input = json!({ "name": "李奶奶", "regionCode": "522327103", "stationId": station });
    let d = app.data(CREATE_CLIENT, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "createClient"), one_error("regionCode", "INCONSISTENT"));
    // A client of the station living in another county (written before the rule): a record
    // of its service would count in that county, so staff may not write it.
    let p = place(&app, "522301", "522301").await;
    let sql = "UPDATE clients SET region_code = '522327103000' WHERE id = $1";
    let backend = sea_orm::ConnectionTrait::get_database_backend(&app.db);
    let sql = if backend == sea_orm::DbBackend::Sqlite { sql.replace("$1", "?") } else { sql.to_owned() };
    let stmt = sea_orm::Statement::from_sql_and_values(backend, sql, [uuid_of(&p.client, "Client").into()]);
    sea_orm::ConnectionTrait::execute_raw(&app.db, stmt).await.unwrap();
    let staff = station_staff(&p.station);
    let mut input = casework(&p);
    input["socialWorkerId"] = Value::Null;
    let before = scalar(&app, "SELECT COUNT(*) AS n FROM service_records", vec![]).await;
    let d = app.data_as(Some(&staff), CREATE, json!({ "input": input.clone() })).await;
    assert_eq!(error_codes(&d, "createServiceRecord"), one_error("regionCode", "OUT_OF_SCOPE"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM service_records", vec![]).await, before);
    input["clientId"] = Value::Null;
    input["method"] = json!("COMMUNITY");
    let d = app.data_as(Some(&staff), CREATE, json!({ "input": input })).await;
    let r = &payload_ok(&d, "createServiceRecord")["serviceRecord"];
    assert_eq!(r["region"]["code"], "522301000000", "the station's own division is in its area");
});
