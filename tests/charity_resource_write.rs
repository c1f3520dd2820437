//! `createCharityResource`, `updateCharityResource`, `deleteCharityResource`: every value
//! rule with a valid and an invalid value, version conflicts, audit, and the write limits of
//! CIVIL_AFFAIRS and STATION_STAFF (its own station, in its station's area).

mod common;

use common::{
    TestApp, audit_entries, civil_affairs, error_codes, gid, new_station, one_error, payload_ok, scalar, station_staff,
    token_with, uuid_of,
};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateCharityResourceInput!) { createCharityResource(input: $input) {
    charityResource { id description kind donorName value matchingLevel communityFund receivedOn
                      region { code } station { id } record { version } }
    userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateCharityResourceInput!) { updateCharityResource(input: $input) {
    charityResource { id kind value matchingLevel donorName record { version } } userErrors { field message code } } }"#;
const DELETE: &str = r#"mutation($input: DeleteInput!) { deleteCharityResource(input: $input) {
    deletedId userErrors { field code } } }"#;
const COUNT: &str = "SELECT COUNT(*) AS n FROM charity_resources";

/// 齐齐哈尔's thermal clothing, recorded in 兴义市 for the test divisions.
fn clothing() -> Value {
    json!({
        "description": "6,000 sets of thermal clothing for left-behind children",
        "kind": "IN_KIND",
        "donorName": "爱心企业",
        "value": "180000",
        "regionCode": "522301",
        "receivedOn": "2023-12-01",
    })
}

async fn create(app: &TestApp, input: Value) -> Value {
    let d = app.data(CREATE, json!({ "input": input })).await;
    payload_ok(&d, "createCharityResource")["charityResource"].clone()
}

both!(a_valid_charity_resource_is_created_and_every_rule_is_a_user_error, |app| {
    let r = create(&app, clothing()).await;
    assert_eq!(r["value"], "180000.00", "{r}");
    assert_eq!((r["communityFund"].clone(), r["matchingLevel"].clone()), (json!(false), Value::Null));
    assert_eq!(r["region"]["code"], "522301000000");
    assert_eq!(r["record"]["version"], 1);

    let before = scalar(&app, COUNT, vec![]).await;
    let tomorrow = (civlink::domain::time::today_cst() + chrono::Days::new(1)).to_string();
    for (field, value, code) in [
        ("description", json!(" "), "REQUIRED"),
        ("description", json!("物".repeat(201)), "TOO_LONG"),
        ("donorName", json!("捐".repeat(101)), "TOO_LONG"),
        ("matchingLevel", json!("PROVINCE"), "INCONSISTENT"),
        ("receivedOn", json!(tomorrow), "OUT_OF_RANGE"),
        ("receivedOn", json!("1999-12-31"), "OUT_OF_RANGE"),
        ("regionCode", json!("52230"), "INVALID_DIVISION_CODE"),
        ("regionCode", json!("529999000000"), "UNKNOWN_DIVISION"),
        ("stationId", json!("bm90LWFuLWlk"), "INVALID_ID"),
        ("stationId", json!(gid("Station", uuid::Uuid::now_v7())), "UNKNOWN_REFERENCE"),
    ] {
        let mut input = clothing();
        input[field] = value.clone();
        let d = app.data(CREATE, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "createCharityResource"), one_error(field, code), "{field}={value}");
        assert!(d["createCharityResource"]["charityResource"].is_null());
    }
    for (value, fragment) in [
        ("-1", "negative amounts are not accepted"),
        ("1.234", "at most 2 (fen)"),
        ("十万", "character '十' at position 1"),
    ] {
        let mut input = clothing();
        input["value"] = json!(value);
        common::refused_by_the_yuan_scalar(&app, CREATE, input, fragment).await;
    }
    let mut matched = clothing();
    matched["kind"] = json!("MATCHED_DONATION");
    let d = app.data(CREATE, json!({ "input": matched.clone() })).await;
    assert_eq!(error_codes(&d, "createCharityResource"), one_error("matchingLevel", "REQUIRED"));
    assert_eq!(scalar(&app, COUNT, vec![]).await, before, "no invalid resource is written");

    // Valid edge values: zero, one fen, today, a matched donation with its level.
    let today = civlink::domain::time::today_cst().to_string();
    for (field, value) in [("value", json!("0")), ("value", json!("0.01")), ("receivedOn", json!(today))] {
        let mut input = clothing();
        input[field] = value;
        payload_ok(&app.data(CREATE, json!({ "input": input })).await, "createCharityResource");
    }
    matched["matchingLevel"] = json!("COUNTY");
    matched["communityFund"] = json!(true);
    let r = create(&app, matched).await;
    assert_eq!((r["matchingLevel"].clone(), r["communityFund"].clone()), (json!("COUNTY"), json!(true)));
    assert_eq!(scalar(&app, COUNT, vec![]).await, before + 4);
});

both!(charity_resource_updates_are_versioned_audited_and_keep_the_rules, |app| {
    let id = create(&app, clothing()).await["id"].clone();
    // The matching level rule ties two fields: it holds whichever one changes.
    let d = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "kind": "MATCHED_DONATION" } })).await;
    assert_eq!(error_codes(&d, "updateCharityResource"), one_error("matchingLevel", "REQUIRED"));
    let input = json!({ "id": id, "expectedVersion": 1, "kind": "MATCHED_DONATION", "matchingLevel": "PROVINCE",
                        "value": "95900.5", "donorName": null });
    let d = app.data(UPDATE, json!({ "input": input.clone() })).await;
    let r = &payload_ok(&d, "updateCharityResource")["charityResource"];
    assert_eq!(r["value"], "95900.50");
    assert_eq!(r["donorName"], Value::Null, "null clears");
    assert_eq!(r["record"]["version"], 2);
    let d = app.data(UPDATE, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "updateCharityResource"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let sql = "SELECT CAST(value_fen AS BIGINT) AS n FROM charity_resources WHERE id = $1";
    assert_eq!(scalar(&app, sql, vec![uuid_of(&id, "CharityResource").into()]).await, 9_590_050, "stored as fen");
    let d = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 2, "matchingLevel": null } })).await;
    assert_eq!(error_codes(&d, "updateCharityResource"), one_error("matchingLevel", "REQUIRED"));

    let created = audit_entries(&app, "CharityResource", &id, "CREATE").await;
    assert_eq!(created[0]["changes"]["value"], json!({ "old": null, "new": "180000.00" }), "{created:?}");
    let updated = audit_entries(&app, "CharityResource", &id, "UPDATE").await;
    assert_eq!(updated.len(), 1, "{updated:?}");
    let change = &updated[0]["changes"];
    assert_eq!(change["value"], json!({ "old": "180000.00", "new": "95900.50" }), "{change}");
    assert_eq!(change["matchingLevel"], json!({ "old": null, "new": "PROVINCE" }), "{change}");
    assert_eq!(change["kind"], json!({ "old": "IN_KIND", "new": "MATCHED_DONATION" }), "{change}");

    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    assert_eq!(error_codes(&d, "deleteCharityResource"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(DELETE, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(d["deleteCharityResource"]["deletedId"], id);
    assert_eq!(audit_entries(&app, "CharityResource", &id, "DELETE").await.len(), 1);
    let d = app.data(UPDATE, json!({ "input": { "id": id, "expectedVersion": 3, "value": "1" } })).await;
    assert_eq!(error_codes(&d, "updateCharityResource"), one_error("id", "NOT_FOUND"));
});

both!(county_officials_and_station_staff_write_only_their_own_charity_resources, |app| {
    let own = civil_affairs("522301");
    payload_ok(&app.data_as(Some(&own), CREATE, json!({ "input": clothing() })).await, "createCharityResource");
    let mut elsewhere = clothing();
    elsewhere["regionCode"] = json!("522327");
    let d = app.data_as(Some(&own), CREATE, json!({ "input": elsewhere.clone() })).await;
    assert_eq!(error_codes(&d, "createCharityResource"), one_error("regionCode", "OUT_OF_SCOPE"));
    let theirs = create(&app, elsewhere).await["id"].clone();
    let update = |id: &Value, v: i32| json!({ "input": { "id": id, "expectedVersion": v, "value": "1" } });
    let d = app.data_as(Some(&own), UPDATE, update(&theirs, 1)).await;
    assert_eq!(error_codes(&d, "updateCharityResource"), one_error("id", "NOT_FOUND"), "another county's");

    let (a, b) = (new_station(&app, "522301").await, new_station(&app, "522301").await);
    let staff = station_staff(&a);
    let at = |station: &Value, region: &str| {
        let mut input = clothing();
        input["stationId"] = station.clone();
        input["regionCode"] = json!(region);
        json!({ "input": input })
    };
    let d = app.data_as(Some(&staff), CREATE, at(&a, "522301001001")).await;
    let mine = payload_ok(&d, "createCharityResource")["charityResource"]["id"].clone();
    payload_ok(&app.data_as(Some(&staff), UPDATE, update(&mine, 1)).await, "updateCharityResource");
    let before = scalar(&app, COUNT, vec![]).await;
    let d = app.data_as(Some(&staff), CREATE, at(&a, "522327")).await;
    assert_eq!(error_codes(&d, "createCharityResource"), one_error("regionCode", "OUT_OF_SCOPE"), "outside its area");
    let d = app.data_as(Some(&staff), CREATE, json!({ "input": clothing() })).await;
    assert_eq!(error_codes(&d, "createCharityResource"), one_error("stationId", "OUT_OF_SCOPE"), "no station");
    let d = app.data_as(Some(&staff), CREATE, at(&b, "522301")).await;
    assert_eq!(error_codes(&d, "createCharityResource"), one_error("stationId", "UNKNOWN_REFERENCE"));
    assert_eq!(scalar(&app, COUNT, vec![]).await, before, "nothing written");
    let input = json!({ "input": { "id": mine, "expectedVersion": 2, "regionCode": "522327" } });
    let d = app.data_as(Some(&staff), UPDATE, input).await;
    assert_eq!(error_codes(&d, "updateCharityResource"), one_error("regionCode", "OUT_OF_SCOPE"), "moved away");
    let d = app.data(CREATE, at(&b, "522301")).await;
    let at_b = payload_ok(&d, "createCharityResource")["charityResource"]["id"].clone();
    let d = app.data_as(Some(&staff), UPDATE, update(&at_b, 1)).await;
    assert_eq!(error_codes(&d, "updateCharityResource"), one_error("id", "NOT_FOUND"), "another station's");
    let d = app.data_as(Some(&staff), DELETE, json!({ "input": { "id": at_b, "expectedVersion": 1 } })).await;
    assert_eq!(error_codes(&d, "deleteCharityResource"), one_error("id", "NOT_FOUND"));
    let portal = token_with("PORTAL", |_| {});
    assert_eq!(app.error_code_as(Some(&portal), CREATE, json!({ "input": clothing() })).await, "FORBIDDEN");
});
