//! Organisations (社会组织): the root list with each filter and ordering, lookup by id, the
//! masked contact phone, every relation checked from both ends, and the published figures
//! (齐齐哈尔市 51 social-work agencies, 雨城区 24 incubated community organisations).

mod common;

use common::{gid, id_set, is_masked_mobile, nodes, scalar, total, uuid_of};

use std::collections::BTreeSet;

use civlink::seed::demo::figures;
use common::TestApp;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Every node of the root connection `field`, walking pages of 100 with `$after`.
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

const LIST: &str = r#"query($f: OrganizationFilter, $o: RecordOrder, $after: String) {
  organizations(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name kind creditCode contactName contactPhone record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(organizations_filters_each_return_matching_rows_and_count_like_sql, |app| {
    struct Case {
        filter: Value,
        sql: &'static str,
        check: fn(&Value) -> bool,
    }
    let cases = [
        Case {
            filter: json!({ "region": "2302" }),
            sql: "region_code LIKE '2302%'",
            check: |n| n["region"]["code"].as_str().unwrap().starts_with("2302"),
        },
        Case {
            filter: json!({ "region": "420502" }),
            sql: "region_code LIKE '420502%'",
            check: |n| n["region"]["code"].as_str().unwrap().starts_with("420502"),
        },
        Case {
            filter: json!({ "kinds": ["SOCIAL_WORK_AGENCY"] }),
            sql: "kind = 'SOCIAL_WORK_AGENCY'",
            check: |n| n["kind"] == "SOCIAL_WORK_AGENCY",
        },
        Case {
            filter: json!({ "kinds": ["FOUNDATION", "CHARITY", "SOCIAL_GROUP"] }),
            sql: "kind IN ('FOUNDATION', 'CHARITY', 'SOCIAL_GROUP')",
            check: |n| ["FOUNDATION", "CHARITY", "SOCIAL_GROUP"].iter().any(|k| n["kind"] == *k),
        },
        Case {
            filter: json!({ "nameContains": "社会工作服务中心" }),
            sql: "name LIKE '%社会工作服务中心%'",
            check: |n| n["name"].as_str().unwrap().contains("社会工作服务中心"),
        },
        Case {
            filter: json!({ "nameContains": "民政局" }),
            sql: "name LIKE '%民政局%'",
            check: |n| n["name"].as_str().unwrap().contains("民政局") && n["kind"] == "GOVERNMENT",
        },
        Case {
            filter: json!({ "region": "5223", "kinds": ["SOCIAL_WORK_AGENCY", "GOVERNMENT"], "nameContains": "兴义" }),
            sql: "region_code LIKE '5223%' AND kind IN ('SOCIAL_WORK_AGENCY', 'GOVERNMENT') AND name LIKE '%兴义%'",
            check: |n| {
                n["region"]["code"].as_str().unwrap().starts_with("5223")
                    && (n["kind"] == "SOCIAL_WORK_AGENCY" || n["kind"] == "GOVERNMENT")
                    && n["name"].as_str().unwrap().contains("兴义")
            },
        },
    ];
    for case in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM organizations WHERE deleted_at IS NULL AND {}", case.sql);
        let expected = scalar(&app, &sql, vec![]).await;
        assert!(expected > 0, "the demo data have rows for {}", case.filter);
        let (count, rows) = walk(&app, LIST, "organizations", json!({ "f": case.filter })).await;
        assert_eq!(count, expected, "totalCount of {}", case.filter);
        assert_eq!(rows.len() as i64, expected, "rows of {}", case.filter);
        for n in &rows {
            assert!((case.check)(n), "{} does not satisfy {}", n, case.filter);
        }
        let distinct: BTreeSet<&str> = rows.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), rows.len());
    }
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM organizations WHERE deleted_at IS NULL", vec![]).await;
    let d = app.data("{ organizations { totalCount } }", json!({})).await;
    assert_eq!(total(&d["organizations"]), all);
    let d = app.data(LIST, json!({ "f": { "region": "110000" } })).await;
    assert_eq!(total(&d["organizations"]), 0);
    let d = app.data(LIST, json!({ "f": { "nameContains": "_" } })).await;
    assert_eq!(total(&d["organizations"]), 0, "_ is literal, not a wildcard");
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "2302x" } })).await, "INVALID_DIVISION_CODE");
});

both!(organizations_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let expected = scalar(&app, "SELECT COUNT(*) AS n FROM organizations WHERE deleted_at IS NULL", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "Organization");
        let v = match field {
            "ID" => String::new(),
            "NAME" => n["name"].as_str().unwrap().to_owned(),
            "CREATED_AT" => {
                chrono::DateTime::parse_from_rfc3339(n["record"]["createdAt"].as_str().unwrap()).unwrap().to_rfc3339()
            }
            _ => chrono::DateTime::parse_from_rfc3339(n["record"]["updatedAt"].as_str().unwrap()).unwrap().to_rfc3339(),
        };
        (v, id)
    };
    let mut id_asc = Vec::new();
    for field in ["ID", "NAME", "CREATED_AT", "UPDATED_AT"] {
        let (count, asc) = walk(&app, LIST, "organizations", json!({ "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) =
            walk(&app, LIST, "organizations", json!({ "o": { "field": field, "direction": "DESC" } })).await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
        if field == "ID" {
            id_asc = asc;
        }
    }
    let (_, default) = walk(&app, LIST, "organizations", json!({})).await;
    let default: Vec<(String, Uuid)> = default.iter().map(|n| key(n, "ID")).collect();
    assert_eq!(default, id_asc, "the default order is by id");
});

// ---------------------------------------------------------------------------------------------
// Published figures and fields

both!(qiqihar_has_51_social_work_agencies_and_yucheng_24_incubated_organisations, |app| {
    let q = r#"{
        agencies: organizations(filter: { region: "2302", kinds: [SOCIAL_WORK_AGENCY] }) { totalCount }
        incubated: organizations(filter: { region: "511802", kinds: [COMMUNITY_SOCIAL_ORG] }) { totalCount }
        qqhr: region(code: "2302") { organizations(filter: { kinds: [SOCIAL_WORK_AGENCY] }) { totalCount } }
    }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(d["agencies"]["totalCount"], figures::qiqihar::SOCIAL_WORK_AGENCIES);
    assert_eq!(d["qqhr"]["organizations"]["totalCount"], figures::qiqihar::SOCIAL_WORK_AGENCIES);
    assert_eq!(d["incubated"]["totalCount"], figures::yucheng::INCUBATED_ORGANIZATIONS);
    // 100 % agency coverage: every county of 齐齐哈尔 has at least one agency of its own.
    let counties = app
        .data(
            r#"{ region(code: "2302") { children(first: 100) { nodes { code
            organizations(filter: { kinds: [SOCIAL_WORK_AGENCY] }) { totalCount } } } } }"#,
            json!({}),
        )
        .await;
    let counties = nodes(&counties["region"]["children"]);
    assert!(!counties.is_empty());
    for c in counties {
        assert!(c["organizations"]["totalCount"].as_u64().unwrap() >= 1, "{c}");
    }
});

both!(organization_fields_match_the_rows_with_the_contact_phone_masked, |app| {
    let q = r#"query($after: String) { organizations(first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id name kind creditCode contactName contactPhone externalReference { source externalId }
                record { createdAt updatedAt version } region { code } } } }"#;
    let body_text = {
        let resp = app.post(q, json!({})).await;
        resp.to_string()
    };
    let (count, rows) = walk(&app, q, "organizations", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    for n in &rows {
        let row = entity::organization::Entity::find_by_id(uuid_of(&n["id"], "Organization"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(n["name"], row.name);
        assert_eq!(n["creditCode"], json!(row.credit_code));
        if let Some(code) = &row.credit_code {
            assert_eq!(code.chars().count(), 18, "{code}");
        }
        assert_eq!(n["contactName"], json!(row.contact_name));
        assert_eq!(n["region"]["code"], row.region_code);
        assert_eq!(n["externalReference"]["source"], json!(row.source));
        assert_eq!(n["externalReference"]["externalId"], json!(row.external_id));
        assert_eq!(n["record"]["version"], row.version);
        match &row.contact_phone {
            Some(clear) => {
                let masked = n["contactPhone"].as_str().unwrap();
                assert!(is_masked_mobile(masked), "{masked}");
                assert_eq!(&masked[..3], &clear[..3]);
                assert_eq!(&masked[7..], &clear[7..]);
                assert_ne!(masked, clear);
            }
            None => assert_eq!(n["contactPhone"], Value::Null),
        }
    }
    // No clear contact phone of the first page appears anywhere in its response.
    let first_page: Vec<&Value> = rows.iter().take(100).collect();
    for n in first_page {
        let row = entity::organization::Entity::find_by_id(uuid_of(&n["id"], "Organization"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        if let Some(clear) = row.contact_phone {
            assert!(!body_text.contains(&clear), "clear phone {clear} in the response");
        }
    }
});

// ---------------------------------------------------------------------------------------------
// organization(id:)

const ONE: &str = r#"query($id: ID!) { organization(id: $id) { id name kind creditCode region { code } } }"#;

both!(organization_by_id_round_trips_an_id_from_the_list, |app| {
    let d = app.data(LIST, json!({ "f": { "region": "511802" } })).await;
    let listed = nodes(&d["organizations"]).clone();
    assert!(!listed.is_empty());
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        for field in ["id", "name", "kind", "creditCode", "region"] {
            assert_eq!(one["organization"][field], n[field], "{field}");
        }
    }
});

both!(organization_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d =
        app.data(r#"{ stations(first: 1) { nodes { id } } volunteers(first: 1) { nodes { id } } }"#, json!({})).await;
    for foreign in [&d["stations"]["nodes"][0]["id"], &d["volunteers"]["nodes"][0]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in ["", "%%%", "T3JnYW5pemF0aW9u", &gid("Organization", "123"), &gid("organization", Uuid::now_v7())] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("Organization", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["organization"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["organization"]));
});

// ---------------------------------------------------------------------------------------------
// Relations

const RELATIONS: &str = r#"query($after: String) { organizations(first: 50, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id region { code }
    operatedStations(first: 100) { totalCount nodes { id operator { id } } }
    socialWorkers(first: 100) { totalCount nodes { id employer { id } } }
    volunteerTeams(first: 100) { totalCount nodes { id organization { id } } }
    projects(first: 100) { totalCount nodes { id organizations(first: 100) { totalCount nodes { id } } } }
  }
} }"#;

both!(organization_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    let (count, orgs) = walk(&app, RELATIONS, "organizations", json!({})).await;
    assert_eq!(orgs.len() as i64, count);
    let mut seen = [0usize; 4];
    for o in &orgs {
        let me = o["id"].as_str().unwrap();
        let id = uuid_of(&o["id"], "Organization");
        let row = entity::organization::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(o["region"]["code"], row.region_code);
        for (field, back, sql, k) in [
            (
                "operatedStations",
                "operator",
                "SELECT COUNT(*) AS n FROM stations WHERE operator_id = $1 AND deleted_at IS NULL",
                0,
            ),
            (
                "socialWorkers",
                "employer",
                "SELECT COUNT(*) AS n FROM social_workers WHERE employer_id = $1 AND deleted_at IS NULL",
                1,
            ),
            (
                "volunteerTeams",
                "organization",
                "SELECT COUNT(*) AS n FROM volunteer_teams WHERE organization_id = $1 AND deleted_at IS NULL",
                2,
            ),
        ] {
            let conn = &o[field];
            for n in nodes(conn) {
                assert_eq!(n[back]["id"], me, "{field} of {me}: {n}");
            }
            assert_eq!(id_set(conn).len(), nodes(conn).len(), "{field}: no node twice");
            assert_eq!(nodes(conn).len() as i64, total(conn).min(100));
            assert_eq!(total(conn), scalar(&app, sql, vec![id.into()]).await, "{field} of {me}");
            seen[k] += nodes(conn).len();
        }
        let projects = &o["projects"];
        for p in nodes(projects) {
            assert!(total(&p["organizations"]) <= 100);
            assert!(id_set(&p["organizations"]).contains(me), "project {} lists {me}", p["id"]);
            seen[3] += 1;
        }
        assert_eq!(id_set(projects).len(), nodes(projects).len());
        let n = scalar(
            &app,
            "SELECT COUNT(DISTINCT pp.project_id) AS n FROM project_participants pp JOIN projects p ON p.id = pp.project_id \
             WHERE pp.organization_id = $1 AND pp.party = 'ORGANIZATION' AND pp.deleted_at IS NULL AND p.deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(projects), n, "projects of {me}");
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
});

both!(organization_relations_take_their_own_filters, |app| {
    let q = r#"{ organizations(first: 100, filter: { kinds: [SOCIAL_WORK_AGENCY], region: "2302" }) { nodes { id
        townships: operatedStations(filter: { levels: [TOWNSHIP_STATION] }) { totalCount nodes { level } }
        certified: socialWorkers(filter: { certificateLevels: [INTERMEDIATE, SENIOR] }) { totalCount nodes { certificateLevel } }
        procured: projects(filter: { fundingModes: [GOVERNMENT_PROCUREMENT] }) { totalCount nodes { fundingMode } }
    } } }"#;
    let d = app.data(q, json!({})).await;
    let orgs = nodes(&d["organizations"]);
    assert_eq!(orgs.len() as u64, figures::qiqihar::SOCIAL_WORK_AGENCIES);
    let mut any = 0;
    for o in orgs {
        let id = uuid_of(&o["id"], "Organization");
        assert!(nodes(&o["townships"]).iter().all(|n| n["level"] == "TOWNSHIP_STATION"));
        let n = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM stations WHERE operator_id = $1 AND level = 'TOWNSHIP_STATION' AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&o["townships"]), n);
        any += n;
        assert!(
            nodes(&o["certified"])
                .iter()
                .all(|n| n["certificateLevel"] == "INTERMEDIATE" || n["certificateLevel"] == "SENIOR")
        );
        let n = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM social_workers WHERE employer_id = $1 AND certificate_level IN ('INTERMEDIATE', 'SENIOR') AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&o["certified"]), n);
        assert!(nodes(&o["procured"]).iter().all(|n| n["fundingMode"] == "GOVERNMENT_PROCUREMENT"));
    }
    assert!(any > 0);
});

both!(every_organization_is_found_by_its_own_full_name, |app| {
    let (count, rows) = walk(&app, LIST, "organizations", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    for n in &rows {
        let d = app.data(LIST, json!({ "f": { "nameContains": n["name"] } })).await;
        assert!(
            id_set(&d["organizations"]).contains(n["id"].as_str().unwrap()),
            "{} is not found by its name",
            n["name"]
        );
    }
});
