//! Volunteer teams (志愿服务队): the root list with each filter and ordering, lookup by id,
//! every relation checked from both ends, and the published figure of 齐齐哈尔市 (82 teams).

mod common;

use common::{gid, id_set, nodes, scalar, total, uuid_of};

use std::collections::BTreeSet;

use civlink::seed::demo::figures;
use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value as SqlValue};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

async fn execute(app: &TestApp, sql: &str, params: Vec<SqlValue>) {
    let backend = app.db.get_database_backend();
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
    app.db.execute_raw(Statement::from_sql_and_values(backend, sql, params)).await.unwrap();
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

const LIST: &str = r#"query($f: VolunteerTeamFilter, $o: RecordOrder, $after: String) {
  volunteerTeams(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name foundedOn record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(volunteer_teams_filters_each_return_matching_rows_and_count_like_sql, |app| {
    let first = app.data("{ volunteerTeams(first: 1) { nodes { name } } }", json!({})).await;
    let full = first["volunteerTeams"]["nodes"][0]["name"].as_str().unwrap().to_owned();
    let head: String = full.chars().take(2).collect();
    let cases: Vec<(Value, String)> = vec![
        (json!({ "region": "2302" }), "region_code LIKE '2302%'".into()),
        (json!({ "region": "420502" }), "region_code LIKE '420502%'".into()),
        (json!({ "nameContains": "志愿服务队" }), "name LIKE '%志愿服务队%'".into()),
        (json!({ "nameContains": head }), format!("name LIKE '%{head}%'")),
        (json!({ "nameContains": full }), format!("name LIKE '%{full}%'")),
        (
            json!({ "region": "5223", "nameContains": "红马甲" }),
            "region_code LIKE '5223%' AND name LIKE '%红马甲%'".into(),
        ),
    ];
    for (filter, cond) in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM volunteer_teams WHERE deleted_at IS NULL AND {cond}");
        let expected = scalar(&app, &sql, vec![]).await;
        let (count, rows) = walk(&app, LIST, "volunteerTeams", json!({ "f": filter })).await;
        assert_eq!(count, expected, "totalCount of {filter}");
        assert_eq!(rows.len() as i64, expected, "rows of {filter}");
        if filter.get("region").is_some() && filter.get("nameContains").is_none() {
            assert!(expected > 0, "{filter}");
        }
        for n in &rows {
            if let Some(r) = filter.get("region") {
                assert!(n["region"]["code"].as_str().unwrap().starts_with(r.as_str().unwrap()), "{n}");
            }
            if let Some(q) = filter.get("nameContains") {
                assert!(n["name"].as_str().unwrap().contains(q.as_str().unwrap()), "{n}");
            }
        }
    }
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM volunteer_teams WHERE deleted_at IS NULL", vec![]).await;
    let d = app.data(LIST, json!({ "f": { "nameContains": "志愿服务队" } })).await;
    assert_eq!(total(&d["volunteerTeams"]), all, "every demo team is a 志愿服务队");
    assert_eq!(total(&app.data(LIST, json!({ "f": { "region": "110000" } })).await["volunteerTeams"]), 0);
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "" } })).await, "INVALID_DIVISION_CODE");
});

both!(volunteer_teams_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let expected = scalar(&app, "SELECT COUNT(*) AS n FROM volunteer_teams WHERE deleted_at IS NULL", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "VolunteerTeam");
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
    for field in ["ID", "NAME", "CREATED_AT", "UPDATED_AT"] {
        let (count, asc) = walk(&app, LIST, "volunteerTeams", json!({ "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) =
            walk(&app, LIST, "volunteerTeams", json!({ "o": { "field": field, "direction": "DESC" } })).await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
});

both!(qiqihar_has_82_volunteer_teams, |app| {
    let q = r#"{ volunteerTeams(filter: { region: "2302" }) { totalCount }
        region(code: "230200") { volunteerTeams { totalCount } } }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(d["volunteerTeams"]["totalCount"], figures::qiqihar::VOLUNTEER_TEAMS);
    assert_eq!(d["region"]["volunteerTeams"]["totalCount"], figures::qiqihar::VOLUNTEER_TEAMS);
});

// ---------------------------------------------------------------------------------------------
// volunteerTeam(id:)

const ONE: &str = r#"query($id: ID!) { volunteerTeam(id: $id) {
    id name foundedOn externalReference { source externalId } record { version } region { code } } }"#;

both!(volunteer_team_by_id_round_trips_an_id_from_the_list_with_the_stored_values, |app| {
    let d = app.data(LIST, json!({ "f": { "region": "420502" } })).await;
    let listed = nodes(&d["volunteerTeams"]).clone();
    assert!(!listed.is_empty());
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        let t = &one["volunteerTeam"];
        for field in ["id", "name", "foundedOn", "region"] {
            assert_eq!(t[field], n[field], "{field}");
        }
        let row = entity::volunteer_team::Entity::find_by_id(uuid_of(&n["id"], "VolunteerTeam"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t["name"], row.name);
        assert_eq!(t["foundedOn"], json!(row.founded_on.map(|d| d.format("%Y-%m-%d").to_string())));
        assert_eq!(t["externalReference"]["externalId"], json!(row.external_id));
        assert_eq!(t["record"]["version"], row.version);
    }
});

both!(volunteer_team_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d =
        app.data(r#"{ volunteers(first: 1) { nodes { id } } projects(first: 1) { nodes { id } } }"#, json!({})).await;
    for foreign in [&d["volunteers"]["nodes"][0]["id"], &d["projects"]["nodes"][0]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in ["VolunteerTeam", "Vm9sdW50ZWVyVGVhbTp4", &gid("VolunteerTeam", "zzzz")] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("VolunteerTeam", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["volunteerTeam"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["volunteerTeam"]));
});

// ---------------------------------------------------------------------------------------------
// Relations

const RELATIONS: &str = r#"query($after: String) { volunteerTeams(first: 50, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id region { code }
    station { id region { code } volunteerTeams(first: 100) { totalCount nodes { id } } }
    organization { id volunteerTeams(first: 100) { totalCount nodes { id } } }
    members(first: 100) { totalCount nodes { id teams(first: 100) { totalCount nodes { id } } } }
    projects(first: 100) { totalCount nodes { id volunteerTeams(first: 100) { totalCount nodes { id } } } }
  }
} }"#;

both!(volunteer_team_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    let (count, teams) = walk(&app, RELATIONS, "volunteerTeams", json!({})).await;
    assert_eq!(teams.len() as i64, count);
    let mut seen = [0usize; 4];
    for t in &teams {
        let me = t["id"].as_str().unwrap();
        let id = uuid_of(&t["id"], "VolunteerTeam");
        let row = entity::volunteer_team::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(t["region"]["code"], row.region_code);

        // station ↔ station.volunteerTeams
        match row.station_id {
            Some(s) => {
                assert_eq!(t["station"]["id"], gid("Station", s));
                assert!(total(&t["station"]["volunteerTeams"]) <= 100);
                assert!(id_set(&t["station"]["volunteerTeams"]).contains(me), "station lists {me}");
                // A team is based where its station is.
                assert_eq!(t["station"]["region"]["code"], t["region"]["code"]);
                seen[0] += 1;
            }
            None => assert_eq!(t["station"], Value::Null),
        }

        // organization ↔ organization.volunteerTeams
        match row.organization_id {
            Some(o) => {
                assert_eq!(t["organization"]["id"], gid("Organization", o));
                assert!(id_set(&t["organization"]["volunteerTeams"]).contains(me), "organisation lists {me}");
                seen[1] += 1;
            }
            None => assert_eq!(t["organization"], Value::Null),
        }

        // members ↔ volunteer.teams
        let members = &t["members"];
        assert!(total(members) <= 100);
        for v in nodes(members) {
            assert!(id_set(&v["teams"]).contains(me), "member {} lists {me}", v["id"]);
            seen[2] += 1;
        }
        assert_eq!(id_set(members).len(), nodes(members).len());
        let n = scalar(
            &app,
            "SELECT COUNT(DISTINCT m.volunteer_id) AS n FROM volunteer_team_memberships m JOIN volunteers v ON v.id = m.volunteer_id \
             WHERE m.volunteer_team_id = $1 AND m.left_on IS NULL AND m.deleted_at IS NULL AND v.deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(members), n, "members of {me}");
        assert!(n > 0, "every demo team has members");

        // projects ↔ project.volunteerTeams
        let projects = &t["projects"];
        for p in nodes(projects) {
            assert!(id_set(&p["volunteerTeams"]).contains(me), "project {} lists {me}", p["id"]);
            seen[3] += 1;
        }
        let n = scalar(
            &app,
            "SELECT COUNT(DISTINCT pp.project_id) AS n FROM project_participants pp JOIN projects p ON p.id = pp.project_id \
             WHERE pp.volunteer_team_id = $1 AND pp.party = 'VOLUNTEER_TEAM' AND pp.deleted_at IS NULL AND p.deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(projects), n, "projects of {me}");
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
});

both!(a_member_who_leaves_or_is_removed_is_no_longer_listed, |app| {
    let q = r#"query($id: ID!) { volunteerTeam(id: $id) { members(first: 100) { totalCount nodes { id } } } }"#;
    let d = app.data(r#"{ volunteerTeams(first: 1, filter: { region: "5223" }) { nodes { id } } }"#, json!({})).await;
    let team = d["volunteerTeams"]["nodes"][0]["id"].clone();
    let before = app.data(q, json!({ "id": team })).await;
    let members: Vec<String> = id_set(&before["volunteerTeam"]["members"]).into_iter().collect();
    assert!(members.len() >= 2, "{members:?}");
    let team_id = uuid_of(&team, "VolunteerTeam");
    // One member leaves (left_on set), another's membership is soft-deleted.
    execute(
        &app,
        "UPDATE volunteer_team_memberships SET left_on = joined_on WHERE volunteer_team_id = $1 AND volunteer_id = $2",
        vec![team_id.into(), uuid_of(&json!(members[0]), "Volunteer").into()],
    )
    .await;
    execute(
        &app,
        "UPDATE volunteer_team_memberships SET deleted_at = updated_at WHERE volunteer_team_id = $1 AND volunteer_id = $2",
        vec![team_id.into(), uuid_of(&json!(members[1]), "Volunteer").into()],
    )
    .await;
    let after = app.data(q, json!({ "id": team })).await;
    let now = id_set(&after["volunteerTeam"]["members"]);
    assert_eq!(total(&after["volunteerTeam"]["members"]), members.len() as i64 - 2);
    assert!(!now.contains(&members[0]) && !now.contains(&members[1]));
    let v = app
        .data(
            r#"query($id: ID!) { volunteer(id: $id) { teams(first: 100) { nodes { id } } } }"#,
            json!({ "id": members[0] }),
        )
        .await;
    assert!(!id_set(&v["volunteer"]["teams"]).contains(team.as_str().unwrap()));
});

both!(every_volunteer_team_is_found_by_its_own_full_name, |app| {
    let (count, rows) = walk(&app, LIST, "volunteerTeams", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    for n in &rows {
        let d = app.data(LIST, json!({ "f": { "nameContains": n["name"] } })).await;
        assert!(
            id_set(&d["volunteerTeams"]).contains(n["id"].as_str().unwrap()),
            "{} is not found by its name",
            n["name"]
        );
    }
});

both!(team_members_page_by_cursor_with_a_name_filter_in_every_order, |app| {
    // The largest team of 西陵区, its members paged three at a time through the membership table.
    let q = r#"{ volunteerTeams(first: 100, filter: { region: "420502" }) { nodes { id members { totalCount } } } }"#;
    let d = app.data(q, json!({})).await;
    let team = nodes(&d["volunteerTeams"]).iter().max_by_key(|t| total(&t["members"])).unwrap().clone();
    let page = r#"query($id: ID!, $f: VolunteerFilter, $o: RecordOrder, $after: String) { volunteerTeam(id: $id) {
        members(first: 3, after: $after, filter: $f, orderBy: $o) { totalCount pageInfo { hasNextPage endCursor } nodes { id name } } } }"#;
    let all = app
        .data(
            r#"query($id: ID!) { volunteerTeam(id: $id) { members(first: 100) { nodes { name } } } }"#,
            json!({ "id": team["id"] }),
        )
        .await;
    let surname: String =
        nodes(&all["volunteerTeam"]["members"])[0]["name"].as_str().unwrap().chars().take(1).collect();
    for filter in [Value::Null, json!({ "nameContains": surname })] {
        for order in [
            json!({ "field": "NAME" }),
            json!({ "field": "CREATED_AT", "direction": "DESC" }),
            json!({ "field": "UPDATED_AT" }),
            json!({ "field": "ID", "direction": "DESC" }),
        ] {
            let mut seen: Vec<Value> = Vec::new();
            let mut after = Value::Null;
            let count = loop {
                let d = app.data(page, json!({ "id": team["id"], "f": filter, "o": order, "after": after })).await;
                let c = &d["volunteerTeam"]["members"];
                seen.extend(nodes(c).iter().cloned());
                if c["pageInfo"]["hasNextPage"] == false {
                    break total(c);
                }
                after = c["pageInfo"]["endCursor"].clone();
            };
            assert_eq!(seen.len() as i64, count, "{filter} {order}");
            let distinct: BTreeSet<&str> = seen.iter().map(|n| n["id"].as_str().unwrap()).collect();
            assert_eq!(distinct.len(), seen.len(), "{filter} {order}");
            if let Some(q) = filter["nameContains"].as_str() {
                assert!(seen.iter().all(|n| n["name"].as_str().unwrap().contains(q)));
            }
            if order["field"] == "NAME" {
                let names: Vec<&str> = seen.iter().map(|n| n["name"].as_str().unwrap()).collect();
                assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
            }
        }
    }
    assert!(total(&team["members"]) > 6, "several pages");
});
