//! `createProject`, `updateProject`, `deleteProject`: every value rule with a valid and an
//! invalid value (money in yuan with at most 2 decimals, dates), version conflicts, audit,
//! and the write limits of CIVIL_AFFAIRS and STATION_STAFF. The project's stations and
//! five-society participants: each party added and removed, duplicates, unknown and
//! unreadable participants, version conflicts, audit, and a removed station returning on its
//! old link.

mod common;

use common::{
    audit_entries, civil_affairs, error_codes, new_station, nodes, one_error, payload_ok, scalar, station_staff,
};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateProjectInput!) { createProject(input: $input) {
    project { id name fundingMode status budget fundsRaised startsOn endsOn record { version } }
    userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateProjectInput!) { updateProject(input: $input) {
    project { id budget endsOn record { version } } userErrors { field message code } } }"#;
const STATION: &str = r#"mutation($input: ProjectStationInput!, $add: Boolean!) {
    addProjectStation(input: $input) @include(if: $add) { project { record { version } } userErrors { field code } }
    removeProjectStation(input: $input) @skip(if: $add) { project { record { version } } userErrors { field code } } }"#;
const PARTICIPANT: &str = r#"mutation($input: ProjectParticipantInput!, $add: Boolean!) {
    addProjectParticipant(input: $input) @include(if: $add) {
        project { record { version } } userErrors { field code } }
    removeProjectParticipant(input: $input) @skip(if: $add) {
        project { record { version } } userErrors { field code } } }"#;
const LINKS: &str = r#"query($id: ID!) { project(id: $id) {
    stations(first: 100) { nodes { id } } communities(first: 100) { nodes { code } }
    organizations(first: 100) { nodes { id } } socialWorkers(first: 100) { nodes { id } }
    volunteers(first: 100) { nodes { id } } volunteerTeams(first: 100) { nodes { id } }
    charityResources(first: 100) { nodes { id } } } }"#;
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
    // Malformed money fails the Yuan scalar: the request is refused.
    for (field, value, fragment) in [
        ("budget", "-0.01", "negative amounts are not accepted"),
        ("budget", "1.001", "at most 2 (fen)"),
        ("fundsRaised", "十万", "character '十' at position 1"),
    ] {
        let mut input = project();
        input[field] = json!(value);
        common::refused_by_the_yuan_scalar(&app, CREATE, input, fragment).await;
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM projects", vec![]).await, before);
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

/// The payload field of a link mutation adding (`add`) or removing.
fn link_field(kind: &str, add: bool) -> String {
    format!("{}Project{kind}", if add { "add" } else { "remove" })
}

/// Adds or removes station `station` of project `id` at `version` as `token`.
async fn station_link(
    app: &common::TestApp,
    token: Option<&str>,
    id: &Value,
    version: i64,
    station: &Value,
    add: bool,
) -> Value {
    let input = json!({ "projectId": id, "expectedVersion": version, "stationId": station });
    let d = app.data_as(token, STATION, json!({ "input": input, "add": add })).await;
    d[link_field("Station", add)].clone()
}

/// Adds or removes participant `who` of `party` of project `id` at `version` as ADMIN.
async fn participant_link(
    app: &common::TestApp,
    id: &Value,
    version: i64,
    party: &str,
    who: &Value,
    add: bool,
) -> Value {
    let input = json!({ "projectId": id, "expectedVersion": version, "party": party, "participantId": who });
    let d = app.data(PARTICIPANT, json!({ "input": input, "add": add })).await;
    d[link_field("Participant", add)].clone()
}

/// `[(field, code)]` of a link payload.
fn link_errors(payload: &Value) -> Vec<(String, String)> {
    error_codes(&json!({ "p": payload }), "p")
}

/// The project's version after a link payload with no user errors.
fn linked(payload: &Value) -> i64 {
    assert_eq!(link_errors(payload), vec![], "{payload}");
    payload["project"]["record"]["version"].as_i64().expect("version")
}

/// The keys (ids, or codes of communities) of the project's linked rows under `list`.
async fn links(app: &common::TestApp, id: &Value, list: &str) -> Vec<Value> {
    let d = app.data(LINKS, json!({ "id": id })).await;
    let key = if list == "communities" { "code" } else { "id" };
    nodes(&d["project"][list]).iter().map(|n| n[key].clone()).collect()
}

/// The global id of the first `list` row (demo data) an ADMIN reads.
async fn first_of(app: &common::TestApp, list: &str) -> Value {
    let d = app.data(&format!("{{ {list}(first: 1) {{ nodes {{ id }} }} }}"), json!({})).await;
    nodes(&d[list])[0]["id"].clone()
}

both!(every_party_is_added_and_removed_once_as_a_versioned_audited_change, |app| {
    let d = app.data(CREATE, json!({ "input": project() })).await;
    let id = payload_ok(&d, "createProject")["project"]["id"].clone();
    let mut version = 1;
    let parties = [
        ("COMMUNITY", "communities", json!("522301000000")),
        ("ORGANIZATION", "organizations", first_of(&app, "organizations").await),
        ("SOCIAL_WORKER", "socialWorkers", first_of(&app, "socialWorkers").await),
        ("VOLUNTEER", "volunteers", first_of(&app, "volunteers").await),
        ("VOLUNTEER_TEAM", "volunteerTeams", first_of(&app, "volunteerTeams").await),
        ("CHARITY_RESOURCE", "charityResources", first_of(&app, "charityResources").await),
    ];
    for (party, list, who) in &parties {
        version = linked(&participant_link(&app, &id, version, party, who, true).await);
        assert_eq!(links(&app, &id, list).await, vec![who.clone()], "{party}");
        let again = participant_link(&app, &id, version, party, who, true).await;
        assert_eq!(link_errors(&again), one_error("participantId", "ALREADY_LINKED"), "{party}");
    }
    assert_eq!(version, 7);
    let stale = participant_link(&app, &id, 1, "COMMUNITY", &json!("522301000000"), false).await;
    assert_eq!(link_errors(&stale), one_error("expectedVersion", "VERSION_CONFLICT"));
    for (party, list, who) in &parties {
        version = linked(&participant_link(&app, &id, version, party, who, false).await);
        assert_eq!(links(&app, &id, list).await, Vec::<Value>::new(), "{party}");
        let again = participant_link(&app, &id, version, party, who, false).await;
        assert_eq!(link_errors(&again), one_error("participantId", "NOT_LINKED"), "{party}");
    }
    // Back again after removal; then the audit rows of the last add and removal.
    let (_, _, org) = &parties[1];
    version = linked(&participant_link(&app, &id, version, "ORGANIZATION", org, true).await);
    assert_eq!(version, 14);
    let audit = audit_entries(&app, "Project", &id, "UPDATE").await;
    let shown = format!("ORGANIZATION {}", common::uuid_of(org, "Organization"));
    let added = json!({ "participants": { "old": null, "new": shown } });
    let removed = json!({ "participants": { "old": shown, "new": null } });
    assert!(audit.iter().any(|a| a["changes"] == added), "{audit:?}");
    assert!(audit.iter().any(|a| a["changes"] == removed), "{audit:?}");
});

both!(participants_must_exist_be_readable_and_match_their_party, |app| {
    let d = app.data(CREATE, json!({ "input": project() })).await;
    let id = payload_ok(&d, "createProject")["project"]["id"].clone();
    let worker = first_of(&app, "socialWorkers").await;
    let unknown = common::gid("Organization", uuid::Uuid::now_v7());
    for (party, who, code) in [
        ("COMMUNITY", json!("529999000000"), "UNKNOWN_DIVISION"),
        ("COMMUNITY", json!("52230"), "INVALID_DIVISION_CODE"),
        ("ORGANIZATION", json!(unknown), "UNKNOWN_REFERENCE"),
        ("ORGANIZATION", worker.clone(), "INVALID_ID"),
    ] {
        let out = participant_link(&app, &id, 1, party, &who, true).await;
        assert_eq!(link_errors(&out), one_error("participantId", code), "{party} {who}");
    }
    // A county official reads only its county's social workers and stations.
    let own = civil_affairs("522301");
    let d = app.data_as(Some(&own), CREATE, json!({ "input": project() })).await;
    let mine = payload_ok(&d, "createProject")["project"]["id"].clone();
    let q = r#"{ socialWorkers(first: 1, filter: { region: "522327000000" }) { nodes { id } } }"#;
    let theirs = nodes(&app.data(q, json!({})).await["socialWorkers"])[0]["id"].clone();
    let input = json!({ "projectId": mine, "expectedVersion": 1, "party": "SOCIAL_WORKER", "participantId": theirs });
    let d = app.data_as(Some(&own), PARTICIPANT, json!({ "input": input, "add": true })).await;
    assert_eq!(error_codes(&d, "addProjectParticipant"), one_error("participantId", "UNKNOWN_REFERENCE"));
    let elsewhere = new_station(&app, "522327").await;
    let out = station_link(&app, Some(&own), &mine, 1, &elsewhere, true).await;
    assert_eq!(link_errors(&out), one_error("stationId", "UNKNOWN_REFERENCE"));
    // Nothing was written: both projects are still at version 1.
    let q = r#"query($id: ID!) { project(id: $id) { record { version } } }"#;
    for p in [&id, &mine] {
        assert_eq!(app.data(q, json!({ "id": p })).await["project"]["record"]["version"], json!(1));
    }
});

both!(stations_return_on_their_old_link_and_other_counties_are_refused, |app| {
    let own = civil_affairs("522301");
    let d = app.data_as(Some(&own), CREATE, json!({ "input": project() })).await;
    let id = payload_ok(&d, "createProject")["project"]["id"].clone();
    let station = new_station(&app, "522301").await;
    let v = linked(&station_link(&app, Some(&own), &id, 1, &station, true).await);
    assert_eq!(links(&app, &id, "stations").await, vec![station.clone()]);
    let again = station_link(&app, Some(&own), &id, v, &station, true).await;
    assert_eq!(link_errors(&again), one_error("stationId", "ALREADY_LINKED"));
    let stale = station_link(&app, Some(&own), &id, 1, &station, false).await;
    assert_eq!(link_errors(&stale), one_error("expectedVersion", "VERSION_CONFLICT"));
    let v = linked(&station_link(&app, Some(&own), &id, v, &station, false).await);
    assert_eq!(links(&app, &id, "stations").await, Vec::<Value>::new());
    let again = station_link(&app, Some(&own), &id, v, &station, false).await;
    assert_eq!(link_errors(&again), one_error("stationId", "NOT_LINKED"));
    // Back on its old row (unique project and station): the link row is at version 3.
    let v = linked(&station_link(&app, Some(&own), &id, v, &station, true).await);
    assert_eq!(v, 4);
    assert_eq!(links(&app, &id, "stations").await, vec![station.clone()]);
    let rows = "SELECT COUNT(*) AS n FROM project_stations WHERE version = 3 AND deleted_at IS NULL";
    assert_eq!(scalar(&app, rows, vec![]).await, 1);
    let audit = audit_entries(&app, "Project", &id, "UPDATE").await;
    let key = common::uuid_of(&station, "Station").to_string();
    assert_eq!(
        audit.last().expect("audit")["changes"],
        json!({ "stations": { "old": null, "new": key } }),
        "{audit:?}"
    );
    // Another county's project is not found for this official; its own county's official may.
    let mut input = project();
    input["regionCode"] = json!("522327");
    let d = app.data(CREATE, json!({ "input": input })).await;
    let theirs = payload_ok(&d, "createProject")["project"]["id"].clone();
    let out = station_link(&app, Some(&own), &theirs, 1, &station, true).await;
    assert_eq!(link_errors(&out), one_error("id", "NOT_FOUND"));
    let input =
        json!({ "projectId": theirs, "expectedVersion": 1, "party": "COMMUNITY", "participantId": "522327000000" });
    let d = app.data_as(Some(&own), PARTICIPANT, json!({ "input": input, "add": true })).await;
    assert_eq!(error_codes(&d, "addProjectParticipant"), one_error("id", "NOT_FOUND"));
    let staff = station_staff(&station);
    let input = json!({ "projectId": id, "expectedVersion": v, "stationId": station });
    assert_eq!(app.error_code_as(Some(&staff), STATION, json!({ "input": input, "add": false })).await, "FORBIDDEN");
});

both!(beneficiaries_and_service_domain_are_written_checked_cleared_and_audited, |app| {
    const REACH: &str = r#"mutation($input: CreateProjectInput!) { createProject(input: $input) {
        project { id beneficiaries serviceDomain record { version } } userErrors { field code } } }"#;
    const REACH_UPDATE: &str = r#"mutation($input: UpdateProjectInput!) { updateProject(input: $input) {
        project { beneficiaries serviceDomain record { version } } userErrors { field code } } }"#;
    let mut input = project();
    input["beneficiaries"] = json!(8500);
    input["serviceDomain"] = json!("ELDERLY_CARE");
    let d = app.data(REACH, json!({ "input": input.clone() })).await;
    let p = payload_ok(&d, "createProject")["project"].clone();
    assert_eq!((p["beneficiaries"].clone(), p["serviceDomain"].clone()), (json!(8500), json!("ELDERLY_CARE")));
    let before = scalar(&app, "SELECT COUNT(*) AS n FROM projects", vec![]).await;
    for n in [-1, 20_000_001] {
        input["beneficiaries"] = json!(n);
        let d = app.data(REACH, json!({ "input": input.clone() })).await;
        assert_eq!(error_codes(&d, "createProject"), one_error("beneficiaries", "OUT_OF_RANGE"), "{n}");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM projects", vec![]).await, before);
    // Absent: unchanged; null: cleared.
    let update = json!({ "id": p["id"], "expectedVersion": 1, "serviceDomain": "HEALTH_CARE" });
    let d = app.data(REACH_UPDATE, json!({ "input": update })).await;
    let u = &payload_ok(&d, "updateProject")["project"];
    assert_eq!((u["beneficiaries"].clone(), u["serviceDomain"].clone()), (json!(8500), json!("HEALTH_CARE")));
    let update = json!({ "id": p["id"], "expectedVersion": 2, "beneficiaries": null, "serviceDomain": null });
    let d = app.data(REACH_UPDATE, json!({ "input": update })).await;
    let u = &payload_ok(&d, "updateProject")["project"];
    assert_eq!((u["beneficiaries"].clone(), u["serviceDomain"].clone()), (Value::Null, Value::Null));
    let audit = audit_entries(&app, "Project", &p["id"], "UPDATE").await;
    let changes: Vec<&Value> = audit.iter().map(|a| &a["changes"]).collect();
    assert_eq!(changes[0]["serviceDomain"], json!({ "old": "ELDERLY_CARE", "new": "HEALTH_CARE" }), "{changes:?}");
    assert_eq!(changes[1]["beneficiaries"], json!({ "old": "8500", "new": null }), "{changes:?}");
});
