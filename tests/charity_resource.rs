//! Charity resources (慈善资源): the root list with each filter and ordering, lookup by id,
//! money as exact two-decimal strings, every relation checked from both ends, and the
//! published figures (齐齐哈尔's 180,000-yuan thermal clothing; 西陵区's matched donations
//! and charity funds).

mod common;

use common::{gid, id_set, nodes, scalar, total, uuid_of};

use std::collections::BTreeSet;

use civlink::seed::demo::figures;
use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A `Yuan` string with exactly two decimals, as integer fen.
fn fen(yuan: &Value) -> i64 {
    let s = yuan.as_str().expect("Yuan is a string");
    let (whole, frac) = s.split_once('.').unwrap_or_else(|| panic!("{s:?} has no decimal point"));
    assert!(frac.len() == 2 && frac.bytes().all(|b| b.is_ascii_digit()), "{s:?}: exactly two decimals");
    assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
    assert!(whole == "0" || !whole.starts_with('0'), "{s:?}: no leading zeros");
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// Every node of the root connection `field`, walking pages with `$after`.
async fn walk(app: &TestApp, query: &str, field: &str, mut vars: Value) -> (i64, Vec<Value>) {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        vars["after"] = after.clone();
        let d = app.data(query, vars.clone()).await;
        let conn = &d[field];
        out.extend(nodes(conn).iter().cloned());
        if conn["pageInfo"]["hasNextPage"] != true {
            return (total(conn), out);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

const LIST: &str = r#"query($f: CharityResourceFilter, $o: CharityResourceOrder, $after: String) {
  charityResources(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id description kind donorName value matchingLevel communityFund receivedOn
            record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(charity_resources_filters_each_return_matching_rows_and_count_like_sql, |app| {
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "region": "420502" }), "region_code LIKE '420502%'"),
        (json!({ "region": "2302" }), "region_code LIKE '2302%'"),
        (json!({ "kinds": ["IN_KIND"] }), "kind = 'IN_KIND'"),
        (json!({ "kinds": ["MONEY", "MATCHED_DONATION"] }), "kind IN ('MONEY', 'MATCHED_DONATION')"),
        (json!({ "received": { "from": "2024-01-01" } }), "received_on >= '2024-01-01'"),
        (json!({ "received": { "to": "2023-11-20" } }), "received_on < '2023-11-20'"),
        (json!({ "received": { "from": "2023-11-20", "to": "2023-11-21" } }), "received_on = '2023-11-20'"),
        (
            json!({ "region": "420502", "kinds": ["MATCHED_DONATION"], "received": { "from": "2023-01-01", "to": "2024-07-01" } }),
            "region_code LIKE '420502%' AND kind = 'MATCHED_DONATION' AND received_on >= '2023-01-01' AND received_on < '2024-07-01'",
        ),
    ];
    for (filter, cond) in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM charity_resources WHERE deleted_at IS NULL AND {cond}");
        let expected = scalar(&app, &sql, vec![]).await;
        assert!(expected > 0, "the demo data have rows for {filter}");
        let (count, rows) = walk(&app, LIST, "charityResources", json!({ "f": filter })).await;
        assert_eq!(count, expected, "totalCount of {filter}");
        assert_eq!(rows.len() as i64, expected, "rows of {filter}");
        for n in &rows {
            if let Some(r) = filter["region"].as_str() {
                assert!(n["region"]["code"].as_str().unwrap().starts_with(r), "{n}");
            }
            if let Some(kinds) = filter["kinds"].as_array() {
                assert!(kinds.contains(&n["kind"]), "{n}");
            }
            let day = n["receivedOn"].as_str().unwrap();
            if let Some(from) = filter["received"]["from"].as_str() {
                assert!(day >= from, "{n}");
            }
            if let Some(to) = filter["received"]["to"].as_str() {
                assert!(day < to, "{n}");
            }
        }
        let distinct: BTreeSet<&str> = rows.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), rows.len());
    }
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM charity_resources WHERE deleted_at IS NULL", vec![]).await;
    assert_eq!(total(&app.data("{ charityResources { totalCount } }", json!({})).await["charityResources"]), all);
    let body = app.post(LIST, json!({ "f": { "received": { "from": "2024-01-01", "to": "2023-01-01" } } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "filter.received");
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "23-02" } })).await, "INVALID_DIVISION_CODE");
});

both!(charity_resources_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let expected = scalar(&app, "SELECT COUNT(*) AS n FROM charity_resources WHERE deleted_at IS NULL", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "CharityResource");
        let v = match field {
            "ID" => String::new(),
            "RECEIVED_ON" => n["receivedOn"].as_str().unwrap().to_owned(),
            "CREATED_AT" => {
                chrono::DateTime::parse_from_rfc3339(n["record"]["createdAt"].as_str().unwrap()).unwrap().to_rfc3339()
            }
            _ => chrono::DateTime::parse_from_rfc3339(n["record"]["updatedAt"].as_str().unwrap()).unwrap().to_rfc3339(),
        };
        (v, id)
    };
    for field in ["ID", "RECEIVED_ON", "CREATED_AT", "UPDATED_AT"] {
        let (count, asc) = walk(&app, LIST, "charityResources", json!({ "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) =
            walk(&app, LIST, "charityResources", json!({ "o": { "field": field, "direction": "DESC" } })).await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
});

// ---------------------------------------------------------------------------------------------
// Money and published figures

both!(charity_values_have_two_decimals_and_add_up_like_the_fen_column, |app| {
    let (count, rows) = walk(&app, LIST, "charityResources", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let sum: i64 = rows.iter().map(|n| fen(&n["value"])).sum();
    let sql = scalar(
        &app,
        "SELECT CAST(SUM(value_fen) AS BIGINT) AS n FROM charity_resources WHERE deleted_at IS NULL",
        vec![],
    )
    .await;
    assert_eq!(sum, sql);
    for n in &rows {
        let row = entity::charity_resource::Entity::find_by_id(uuid_of(&n["id"], "CharityResource"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fen(&n["value"]), row.value_fen);
        assert_eq!(n["description"], row.description);
        assert_eq!(n["donorName"], json!(row.donor_name));
        assert_eq!(n["communityFund"], row.is_community_fund);
        assert_eq!(n["receivedOn"], row.received_on.format("%Y-%m-%d").to_string());
        // A matching level exactly for matched donations.
        assert_eq!(n["matchingLevel"].is_string(), n["kind"] == "MATCHED_DONATION", "{n}");
    }
});

both!(qiqihar_received_6000_sets_of_thermal_clothing_worth_180000_yuan, |app| {
    let q = r#"{ charityResources(filter: { region: "2302", kinds: [IN_KIND] }) { totalCount nodes {
        id description kind donorName value receivedOn region { code }
        station { level region { code } charityResources { nodes { id } } }
        projects { totalCount nodes { name budget fundsRaised charityResources { nodes { id } } } } } } }"#;
    let d = app.data(q, json!({})).await;
    let clothing: Vec<&Value> = nodes(&d["charityResources"])
        .iter()
        .filter(|n| n["description"] == figures::qiqihar::THERMAL_CLOTHING_DESCRIPTION)
        .collect();
    assert_eq!(clothing.len(), 1, "{d}");
    let c = clothing[0];
    assert_eq!(c["value"], "180000.00");
    assert_eq!(fen(&c["value"]), figures::qiqihar::THERMAL_CLOTHING_FEN);
    assert!(c["description"].as_str().unwrap().contains(&figures::qiqihar::THERMAL_CLOTHING_SETS.to_string()));
    assert_eq!(c["kind"], "IN_KIND");
    assert_eq!(c["receivedOn"], "2023-11-20");
    assert_eq!(c["region"]["code"], figures::qiqihar::PREFECTURE);
    assert_eq!(c["donorName"], "齐齐哈尔市慈善总会");
    // Received by the prefecture's guidance centre, which lists it.
    assert_eq!(c["station"]["level"], "GUIDANCE_CENTER");
    assert_eq!(c["station"]["region"]["code"], figures::qiqihar::PREFECTURE);
    assert!(id_set(&c["station"]["charityResources"]).contains(c["id"].as_str().unwrap()));
    // It supports the left-behind children's project, funded by exactly that much.
    assert_eq!(c["projects"]["totalCount"], 1);
    let p = &c["projects"]["nodes"][0];
    assert_eq!(p["budget"], "180000.00");
    assert_eq!(p["fundsRaised"], "180000.00");
    assert!(id_set(&p["charityResources"]).contains(c["id"].as_str().unwrap()));
});

both!(xiling_matched_donations_and_charity_funds_reproduce_the_published_sums, |app| {
    let q = r#"query($f: CharityResourceFilter) { charityResources(first: 100, filter: $f) { totalCount nodes {
        value matchingLevel donorName projects { nodes { fundingMode } } } } }"#;
    let d = app.data(q, json!({ "f": { "region": "420502", "kinds": ["MATCHED_DONATION"] } })).await;
    let matched = nodes(&d["charityResources"]);
    assert_eq!(matched.len() as i64, total(&d["charityResources"]));
    let sum =
        |level: &str| -> i64 { matched.iter().filter(|n| n["matchingLevel"] == level).map(|n| fen(&n["value"])).sum() };
    assert_eq!(sum("PROVINCE"), figures::xiling::MATCHED_PROVINCE_FEN);
    assert_eq!(sum("PREFECTURE"), figures::xiling::MATCHED_PREFECTURE_FEN);
    assert_eq!(figures::xiling::MATCHED_PROVINCE_FEN + figures::xiling::MATCHED_PREFECTURE_FEN, 28_080_000);
    for n in matched {
        // Matched donations go to mutual-aid projects.
        let modes: Vec<&Value> = nodes(&n["projects"]).iter().map(|p| &p["fundingMode"]).collect();
        assert_eq!(modes, [&json!("MUTUAL_AID")], "{n}");
    }
    let d = app.data(q, json!({ "f": { "region": "420502", "kinds": ["MONEY"] } })).await;
    let money: i64 = nodes(&d["charityResources"]).iter().map(|n| fen(&n["value"])).sum();
    assert_eq!(money, figures::xiling::CHARITY_FUNDS_FEN);
    let sql = scalar(
        &app,
        "SELECT CAST(SUM(value_fen) AS BIGINT) AS n FROM charity_resources WHERE region_code LIKE '420502%' \
         AND kind = 'MONEY' AND deleted_at IS NULL",
        vec![],
    )
    .await;
    assert_eq!(money, sql);
});

// ---------------------------------------------------------------------------------------------
// charityResource(id:)

const ONE: &str = r#"query($id: ID!) { charityResource(id: $id) { id description kind donorName value matchingLevel communityFund
    receivedOn record { createdAt updatedAt } region { code } } }"#;

both!(charity_resource_by_id_round_trips_an_id_from_the_list, |app| {
    let (_, rows) = walk(&app, LIST, "charityResources", json!({ "f": { "region": "511802" } })).await;
    assert!(!rows.is_empty());
    for n in &rows {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        assert_eq!(&one["charityResource"], n);
    }
});

both!(charity_resource_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d = app
        .data(r#"{ projects(first: 1) { nodes { id } } organizations(first: 1) { nodes { id } } }"#, json!({}))
        .await;
    for foreign in [&d["projects"]["nodes"][0]["id"], &d["organizations"]["nodes"][0]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in ["Q2hhcml0eVJlc291cmNl", " ", &gid("CharityResource", "180000.00"), &gid("", Uuid::now_v7())] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("CharityResource", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["charityResource"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["charityResource"]));
});

// ---------------------------------------------------------------------------------------------
// Relations

const RELATIONS: &str = r#"query($after: String) { charityResources(first: 50, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id region { code }
    station { id charityResources(first: 100) { totalCount nodes { id } } }
    projects(first: 100) { totalCount nodes { id charityResources(first: 100) { totalCount nodes { id } } } }
  }
} }"#;

both!(charity_resource_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    let (count, resources) = walk(&app, RELATIONS, "charityResources", json!({})).await;
    assert_eq!(resources.len() as i64, count);
    let mut seen = [0usize; 3];
    for c in &resources {
        let me = c["id"].as_str().unwrap();
        let id = uuid_of(&c["id"], "CharityResource");
        let row = entity::charity_resource::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(c["region"]["code"], row.region_code);
        match row.station_id {
            Some(s) => {
                assert_eq!(c["station"]["id"], gid("Station", s));
                assert!(total(&c["station"]["charityResources"]) <= 100);
                assert!(id_set(&c["station"]["charityResources"]).contains(me), "station lists {me}");
                seen[0] += 1;
            }
            None => {
                assert_eq!(c["station"], Value::Null);
                seen[1] += 1;
            }
        }
        let projects = &c["projects"];
        for p in nodes(projects) {
            assert!(id_set(&p["charityResources"]).contains(me), "project {} lists {me}", p["id"]);
            seen[2] += 1;
        }
        let n = scalar(
            &app,
            "SELECT COUNT(DISTINCT pp.project_id) AS n FROM project_participants pp JOIN projects p ON p.id = pp.project_id \
             WHERE pp.charity_resource_id = $1 AND pp.party = 'CHARITY_RESOURCE' AND pp.deleted_at IS NULL AND p.deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(projects), n, "projects of {me}");
    }
    assert!(seen.iter().all(|&n| n > 0), "with and without a station, and with projects: {seen:?}");
});

both!(a_charity_link_that_is_soft_deleted_no_longer_connects_resource_and_project, |app| {
    let q = r#"{ charityResources(first: 1, filter: { kinds: [MATCHED_DONATION] }) { nodes { id projects { nodes { id } } } } }"#;
    let d = app.data(q, json!({})).await;
    let c = d["charityResources"]["nodes"][0].clone();
    let project = c["projects"]["nodes"][0]["id"].clone();
    let backend = app.db.get_database_backend();
    let sql = "UPDATE project_participants SET deleted_at = updated_at WHERE charity_resource_id = $1";
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
    let id = uuid_of(&c["id"], "CharityResource");
    app.db.execute_raw(Statement::from_sql_and_values(backend, sql, vec![id.into()])).await.unwrap();
    let q = r#"query($c: ID!, $p: ID!) { charityResource(id: $c) { projects { totalCount } }
        project(id: $p) { charityResources(first: 100) { nodes { id } } } }"#;
    let d = app.data(q, json!({ "c": c["id"], "p": project })).await;
    assert_eq!(d["charityResource"]["projects"]["totalCount"], 0);
    assert!(!id_set(&d["project"]["charityResources"]).contains(c["id"].as_str().unwrap()));
});
