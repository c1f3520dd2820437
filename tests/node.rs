//! The Relay `Node` interface: `node(id:)` and `nodes(ids:)` for every node type, order and
//! nulls of `nodes`, its size limit, and malformed or unknown ids.

mod common;

use common::{decode, gid};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value as SqlValue};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

const TYPES: [&str; 13] = [
    "Region",
    "Station",
    "Organization",
    "SocialWorker",
    "Volunteer",
    "VolunteerTeam",
    "Client",
    "Project",
    "ServiceRecord",
    "CharityResource",
    "Training",
    "DeliberationMeeting",
    "Award",
];

/// Selects `id` on every node type through its own fragment, plus one field of each type.
const SELECTION: &str = r#"__typename
    ... on Region { id code }
    ... on Station { id name }
    ... on Organization { id name }
    ... on SocialWorker { id name }
    ... on Volunteer { id name }
    ... on VolunteerTeam { id name }
    ... on Client { id name }
    ... on Project { id name }
    ... on ServiceRecord { id servedOn }
    ... on CharityResource { id value }
    ... on Training { id topic }
    ... on DeliberationMeeting { id topic }
    ... on Award { id title }"#;

fn node_query() -> String {
    format!("query($id: ID!) {{ node(id: $id) {{ {SELECTION} }} }}")
}

fn nodes_query() -> String {
    format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {SELECTION} }} }}")
}

/// One id of the region type and two of every other node type, in [`TYPES`] order, each with the
/// value of its type's extra field as the root by-id fields return it.
async fn samples(app: &TestApp) -> Vec<(String, String, Value)> {
    let q = r#"{
        region(code: "522301") { id code }
        stations(first: 2, filter: { region: "420502" }) { nodes { id name } }
        organizations(first: 2, filter: { region: "2302" }) { nodes { id name } }
        socialWorkers(first: 2, filter: { region: "511802" }) { nodes { id name } }
        volunteers(first: 2, filter: { region: "5223" }) { nodes { id name } }
        volunteerTeams(first: 2) { nodes { id name } }
        clients(first: 2, filter: { region: "420502" }) { nodes { id name } }
        projects(first: 2, filter: { fundingModes: [MUTUAL_AID] }) { nodes { id name } }
        serviceRecords(first: 2, filter: { methods: [COMMUNITY] }) { nodes { id servedOn } }
        charityResources(first: 2, filter: { kinds: [IN_KIND] }) { nodes { id value } }
        trainings(first: 2, filter: { region: "511802" }) { nodes { id topic } }
        deliberationMeetings(first: 2, filter: { resolved: true }) { nodes { id topic } }
        awards(first: 2) { nodes { id title } }
    }"#;
    let d = app.data(q, json!({})).await;
    let mut out =
        vec![("Region".to_owned(), d["region"]["id"].as_str().unwrap().to_owned(), d["region"]["code"].clone())];
    for (ty, field, extra) in [
        ("Station", "stations", "name"),
        ("Organization", "organizations", "name"),
        ("SocialWorker", "socialWorkers", "name"),
        ("Volunteer", "volunteers", "name"),
        ("VolunteerTeam", "volunteerTeams", "name"),
        ("Client", "clients", "name"),
        ("Project", "projects", "name"),
        ("ServiceRecord", "serviceRecords", "servedOn"),
        ("CharityResource", "charityResources", "value"),
        ("Training", "trainings", "topic"),
        ("DeliberationMeeting", "deliberationMeetings", "topic"),
        ("Award", "awards", "title"),
    ] {
        for n in d[field]["nodes"].as_array().unwrap() {
            out.push((ty.to_owned(), n["id"].as_str().unwrap().to_owned(), n[extra].clone()));
        }
    }
    assert_eq!(out.len(), 25);
    out
}

fn extra_field(ty: &str) -> &'static str {
    match ty {
        "Region" => "code",
        "ServiceRecord" => "servedOn",
        "CharityResource" => "value",
        "Training" | "DeliberationMeeting" => "topic",
        "Award" => "title",
        _ => "name",
    }
}

// ---------------------------------------------------------------------------------------------
// node(id:)

both!(node_returns_every_type_with_its_own_id_and_typename, |app| {
    let mut types_seen = std::collections::BTreeSet::new();
    for (ty, id, extra) in samples(&app).await {
        let d = app.data(&node_query(), json!({ "id": id })).await;
        let n = &d["node"];
        assert_eq!(n["__typename"], ty, "{id}");
        assert_eq!(n["id"], id, "{ty}");
        assert_eq!(n[extra_field(&ty)], extra, "{ty}: the node is the same object as the list's");
        // The id names the type, whatever a client should make of that.
        assert_eq!(decode(&id).0, ty);
        types_seen.insert(ty);
    }
    assert_eq!(types_seen.len(), TYPES.len());
});

both!(node_ids_from_relations_are_the_same_as_from_root_fields, |app| {
    let q = r#"{ stations(first: 3, filter: { region: "420502", levels: [VILLAGE_ROOM] }) { nodes { id
        region { id code } parentStation { id } operator { id }
        clients(first: 1) { nodes { id station { id } caseFile { socialWorker { id } } } } } } }"#;
    let d = app.data(q, json!({})).await;
    for s in d["stations"]["nodes"].as_array().unwrap() {
        let region =
            app.data(r#"query($c: String!) { region(code: $c) { id } }"#, json!({ "c": s["region"]["code"] })).await;
        assert_eq!(s["region"]["id"], region["region"]["id"]);
        for id in [&s["id"], &s["region"]["id"], &s["parentStation"]["id"], &s["operator"]["id"]] {
            let n = app.data(&node_query(), json!({ "id": id })).await;
            assert_eq!(&n["node"]["id"], id);
        }
        let c = &s["clients"]["nodes"][0];
        assert_eq!(c["station"]["id"], s["id"]);
        for id in [&c["id"], &c["caseFile"]["socialWorker"]["id"]] {
            if id.is_string() {
                let n = app.data(&node_query(), json!({ "id": id })).await;
                assert_eq!(&n["node"]["id"], id);
            }
        }
    }
});

both!(node_reports_unknown_ids_as_not_found_and_malformed_ones_as_invalid, |app| {
    for ty in TYPES.iter().filter(|t| **t != "Region") {
        let unknown = gid(ty, Uuid::now_v7());
        let body = app.post(&node_query(), json!({ "id": unknown })).await;
        assert_eq!(body["data"]["node"], Value::Null, "{ty}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{ty}");
        assert_eq!(body["errors"][0]["path"], json!(["node"]));
    }
    // A well-formed division code that does not exist.
    let body = app.post(&node_query(), json!({ "id": gid("Region", "522399000000") })).await;
    assert_eq!(body["data"]["node"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    for bad in [
        String::new(),
        "not base64!".to_owned(),
        URL_SAFE_NO_PAD.encode("no separator"),
        gid("Nope", Uuid::now_v7()),
        gid("station", Uuid::now_v7()),
        gid("Station", "not-a-uuid"),
        gid("Client", ""),
        URL_SAFE_NO_PAD.encode([0xc3, 0x28, b':', b'1']),
    ] {
        let body = app.post(&node_query(), json!({ "id": bad })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ID", "{bad:?}: {body}");
        assert_eq!(body["data"]["node"], Value::Null);
    }
});

both!(node_rejects_a_region_id_whose_key_is_not_a_division_code, |app| {
    // `Region:<key>` where the key is not a 12-digit division code is not an id this API
    // issues, as `Station:not-a-uuid` is not: both are malformed.
    for key in ["abc", "5223", "52230000000X"] {
        let body = app.post(&node_query(), json!({ "id": gid("Region", key) })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ID", "Region:{key}: {body}");
    }
});

both!(node_does_not_find_a_soft_deleted_object, |app| {
    let d = app.data(r#"{ projects(first: 1) { nodes { id } } }"#, json!({})).await;
    let id = d["projects"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let key = Uuid::parse_str(&decode(&id).1).unwrap();
    let backend = app.db.get_database_backend();
    let sql = "UPDATE projects SET deleted_at = updated_at WHERE id = $1";
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
    app.db.execute_raw(Statement::from_sql_and_values(backend, sql, vec![SqlValue::from(key)])).await.unwrap();
    let body = app.post(&node_query(), json!({ "id": id })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let d = app.data(&nodes_query(), json!({ "ids": [id] })).await;
    assert_eq!(d["nodes"], json!([null]));
});

// ---------------------------------------------------------------------------------------------
// nodes(ids:)

both!(nodes_returns_every_type_in_the_order_given_with_nulls_for_unknown_ids, |app| {
    let samples = samples(&app).await;
    // Interleave unknown ids, reverse the order, and repeat one id.
    let mut ids: Vec<String> = Vec::new();
    let mut expected: Vec<Option<(String, String, Value)>> = Vec::new();
    for (k, s) in samples.iter().rev().enumerate() {
        ids.push(s.1.clone());
        expected.push(Some(s.clone()));
        if k % 3 == 0 {
            let ty = TYPES[k % TYPES.len()];
            let unknown = if ty == "Region" { gid(ty, "110199999999") } else { gid(ty, Uuid::now_v7()) };
            ids.push(unknown);
            expected.push(None);
        }
    }
    ids.push(samples[3].1.clone());
    expected.push(Some(samples[3].clone()));
    let d = app.data(&nodes_query(), json!({ "ids": ids })).await;
    let got = d["nodes"].as_array().unwrap();
    assert_eq!(got.len(), ids.len());
    for (i, (n, e)) in got.iter().zip(&expected).enumerate() {
        match e {
            None => assert_eq!(n, &Value::Null, "position {i}: {}", ids[i]),
            Some((ty, id, extra)) => {
                assert_eq!(n["__typename"], *ty, "position {i}");
                assert_eq!(n["id"], *id, "position {i}");
                assert_eq!(n[extra_field(ty)], *extra, "position {i}");
            }
        }
    }
    // An empty list is an empty answer.
    let d = app.data(&nodes_query(), json!({ "ids": [] })).await;
    assert_eq!(d["nodes"], json!([]));
});

both!(nodes_accepts_100_ids_and_refuses_101, |app| {
    let d = app.data(r#"{ clients(first: 100) { nodes { id } } }"#, json!({})).await;
    let ids: Vec<Value> = d["clients"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
    assert_eq!(ids.len(), 100);
    let d = app.data(&nodes_query(), json!({ "ids": ids })).await;
    let got = d["nodes"].as_array().unwrap();
    assert_eq!(got.len(), 100);
    for (n, id) in got.iter().zip(&ids) {
        assert_eq!(&n["id"], id);
        assert_eq!(n["__typename"], "Client");
    }
    let mut too_many = ids.clone();
    too_many.push(json!(gid("Station", Uuid::now_v7())));
    let body = app.post(&nodes_query(), json!({ "ids": too_many })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "ids");
});

both!(nodes_refuses_the_whole_list_when_one_id_is_malformed, |app| {
    let d = app.data(r#"{ stations(first: 2) { nodes { id } } }"#, json!({})).await;
    let good: Vec<Value> = d["stations"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
    for bad in ["%%%".to_owned(), gid("Station", "x"), gid("Unknown", Uuid::now_v7())] {
        let ids = json!([good[0], bad, good[1]]);
        let body = app.post(&nodes_query(), json!({ "ids": ids })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ID", "{bad:?}: {body}");
    }
});

both!(nodes_of_many_types_are_loaded_in_few_statements, |app| {
    let samples = samples(&app).await;
    let ids: Vec<&String> = samples.iter().map(|s| &s.1).collect();
    app.take_statements();
    let d = app.data(&nodes_query(), json!({ "ids": ids })).await;
    assert_eq!(d["nodes"].as_array().unwrap().len(), samples.len());
    assert!(d["nodes"].as_array().unwrap().iter().all(|n| !n.is_null()));
    // One batched lookup per type, not one per id.
    let statements = app.take_statements();
    assert!(statements <= TYPES.len() as u64, "{statements} statements for {} ids", samples.len());
});
