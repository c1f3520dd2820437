//! Volunteers (志愿者): the root list with each filter and ordering, lookup by id, masked
//! phone and identity document, ledger totals (service hours, points), every relation
//! checked from both ends, and the published figure of 西陵区 (1,434 volunteers).

mod common;

use common::{gid, id_set, is_masked_citizen_id, is_masked_mobile, nodes, scalar, total, uuid_of, walk, walk_bodies};

use std::collections::{BTreeSet, HashMap};

use civlink::seed::demo::figures;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

const LIST: &str = r#"query($f: VolunteerFilter, $o: RecordOrder, $after: String) {
  volunteers(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(volunteers_filters_each_return_matching_rows_and_count_like_sql, |app| {
    let first = app.data("{ volunteers(first: 1) { nodes { name } } }", json!({})).await;
    let full = first["volunteers"]["nodes"][0]["name"].as_str().unwrap().to_owned();
    let surname: String = full.chars().take(1).collect();
    let given: String = full.chars().skip(1).collect();
    let cases: Vec<(Value, String)> = vec![
        (json!({ "region": "511802" }), "region_code LIKE '511802%'".into()),
        (json!({ "region": "2302" }), "region_code LIKE '2302%'".into()),
        (json!({ "region": "420502001" }), "region_code LIKE '420502001%'".into()),
        (json!({ "nameContains": surname }), format!("name LIKE '%{surname}%'")),
        (json!({ "nameContains": given }), format!("name LIKE '%{given}%'")),
        (json!({ "nameContains": full }), format!("name LIKE '%{full}%'")),
        (
            json!({ "region": "5223", "nameContains": surname }),
            format!("region_code LIKE '5223%' AND name LIKE '%{surname}%'"),
        ),
    ];
    for (filter, cond) in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM volunteers WHERE deleted_at IS NULL AND {cond}");
        let expected = scalar(&app, &sql, vec![]).await;
        assert!(expected > 0, "the demo data have rows for {filter}");
        let (count, rows) = walk(&app, LIST, "volunteers", json!({ "f": filter })).await;
        assert_eq!(count, expected, "totalCount of {filter}");
        assert_eq!(rows.len() as i64, expected, "rows of {filter}");
        for n in &rows {
            if let Some(r) = filter.get("region") {
                assert!(n["region"]["code"].as_str().unwrap().starts_with(r.as_str().unwrap()), "{n}");
            }
            if let Some(q) = filter.get("nameContains") {
                assert!(n["name"].as_str().unwrap().contains(q.as_str().unwrap()), "{n}");
            }
        }
        let distinct: BTreeSet<&str> = rows.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), rows.len());
    }
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM volunteers WHERE deleted_at IS NULL", vec![]).await;
    assert_eq!(total(&app.data("{ volunteers { totalCount } }", json!({})).await["volunteers"]), all);
    assert_eq!(total(&app.data(LIST, json!({ "f": { "nameContains": "Ｚ" } })).await["volunteers"]), 0);
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "4205021" } })).await, "INVALID_DIVISION_CODE");
});

both!(volunteers_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let filter = json!({ "region": "5223" });
    let expected = scalar(&app, "SELECT COUNT(*) AS n FROM volunteers WHERE region_code LIKE '5223%'", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "Volunteer");
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
        let (count, asc) = walk(&app, LIST, "volunteers", json!({ "f": filter, "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) =
            walk(&app, LIST, "volunteers", json!({ "f": filter, "o": { "field": field, "direction": "DESC" } })).await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
});

both!(xiling_has_1434_volunteers, |app| {
    let q = r#"{ volunteers(filter: { region: "420502" }) { totalCount }
        twelve: volunteers(filter: { region: "420502000000" }) { totalCount }
        region(code: "420502") { volunteers { totalCount } } }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(d["volunteers"]["totalCount"], figures::xiling::VOLUNTEERS);
    assert_eq!(d["twelve"]["totalCount"], figures::xiling::VOLUNTEERS);
    assert_eq!(d["region"]["volunteers"]["totalCount"], figures::xiling::VOLUNTEERS);
});

// ---------------------------------------------------------------------------------------------
// Masking and fields

both!(volunteer_phone_and_id_number_are_masked_and_the_clear_values_never_leave, |app| {
    let q = r#"query($after: String) { volunteers(first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id name gender phone idDocumentType idNumber volunteerNumber skills
                externalReference { source externalId } record { createdAt updatedAt version } region { code } } } }"#;
    let (count, rows, bodies) = walk_bodies(&app, q, "volunteers", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let all: Vec<entity::volunteer::Model> = entity::volunteer::Entity::find()
        .filter(entity::volunteer::Column::DeletedAt.is_null())
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(all.len(), rows.len());
    let by_id: HashMap<Uuid, &entity::volunteer::Model> = all.iter().map(|m| (m.id, m)).collect();
    let mut documents: HashMap<String, usize> = HashMap::new();
    for (n, body) in rows.iter().zip(&bodies) {
        let row = by_id[&uuid_of(&n["id"], "Volunteer")];
        assert_eq!(n["name"], row.name);
        assert_eq!(n["volunteerNumber"], json!(row.volunteer_number));
        let skills: Vec<&str> =
            row.skills.as_deref().unwrap_or("").split(';').map(str::trim).filter(|s| !s.is_empty()).collect();
        assert_eq!(n["skills"], json!(skills));
        let clear_phone = row.phone.as_deref().expect("demo volunteers have phones");
        let masked = n["phone"].as_str().unwrap();
        assert!(is_masked_mobile(masked), "{masked}");
        assert_eq!((&masked[..3], &masked[7..]), (&clear_phone[..3], &clear_phone[7..]));
        assert!(!body.contains(clear_phone), "clear phone {clear_phone} in a response");
        let clear = row.id_number.as_deref().expect("demo volunteers have ID numbers");
        let masked = n["idNumber"].as_str().unwrap();
        let kind = n["idDocumentType"].as_str().unwrap().to_owned();
        assert!(!body.contains(clear), "clear {kind} number {clear} in a response");
        assert_ne!(masked, clear);
        assert_eq!(masked.chars().count(), clear.chars().count());
        if kind == "RESIDENT_ID" {
            assert!(is_masked_citizen_id(masked), "{masked}");
            assert_eq!((&masked[..4], &masked[14..]), (&clear[..4], &clear[14..]));
        } else {
            // Other documents keep at most their first and last four characters.
            let len = clear.chars().count();
            for (i, (m, c)) in masked.chars().zip(clear.chars()).enumerate() {
                let kept = len >= 9 && (i < 4 || i + 4 >= len);
                assert_eq!(m, if kept { c } else { '*' }, "{kind} {masked}");
            }
        }
        *documents.entry(kind).or_default() += 1;
    }
    assert!(documents.len() >= 3, "several document types are exercised: {documents:?}");
});

both!(volunteer_service_hours_and_points_add_up_the_ledger, |app| {
    let q = r#"query($after: String) { volunteers(first: 100, after: $after, filter: { region: "2302" }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id serviceHours points } } }"#;
    let (count, rows) = walk(&app, q, "volunteers", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let backend = app.db.get_database_backend();
    let sums = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT e.volunteer_id AS v, CAST(SUM(e.service_minutes) AS BIGINT) AS minutes, \
                    CAST(SUM(e.points) AS BIGINT) AS points, COUNT(*) AS entries \
             FROM volunteer_ledger_entries e WHERE e.deleted_at IS NULL GROUP BY e.volunteer_id",
        ))
        .await
        .unwrap();
    let mut ledger: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for r in sums {
        let v: Uuid = r.try_get("", "v").unwrap();
        ledger.insert(v, (r.try_get("", "minutes").unwrap(), r.try_get("", "points").unwrap()));
    }
    let (mut hours, mut with_entries, mut redeemed) = (0.0, 0, 0);
    for n in &rows {
        let (minutes, points) = ledger.get(&uuid_of(&n["id"], "Volunteer")).copied().unwrap_or((0, 0));
        let expected = (minutes as f64 / 60.0 * 100.0).round() / 100.0;
        let got = n["serviceHours"].as_f64().unwrap();
        assert!((got - expected).abs() < 1e-9, "{n}: {minutes} minutes");
        assert_eq!(n["points"], points, "{n}");
        assert!(points >= 0, "a balance never goes below zero: {n}");
        // Hours have at most two decimals.
        assert!(((got * 100.0).round() - got * 100.0).abs() < 1e-6, "{got}");
        hours += got;
        if minutes > 0 {
            with_entries += 1;
        }
        if points * 30 < minutes {
            redeemed += 1;
        }
    }
    assert!(hours > 0.0 && with_entries > 0, "the ledger is exercised");
    assert!(redeemed > 0, "some volunteers redeemed points, so points differ from minutes / 30");
    // The published 12,934 person-times of volunteer service are the prefecture's service entries.
    let entries = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM volunteer_ledger_entries e JOIN volunteers v ON v.id = e.volunteer_id \
         WHERE v.region_code LIKE '2302%' AND e.service_minutes > 0 AND e.deleted_at IS NULL",
        vec![],
    )
    .await;
    assert_eq!(entries as u64, figures::qiqihar::VOLUNTEER_SERVICE_TIMES);
});

// ---------------------------------------------------------------------------------------------
// volunteer(id:)

const ONE: &str = r#"query($id: ID!) { volunteer(id: $id) { id name phone idDocumentType idNumber skills serviceHours points region { code } } }"#;

both!(volunteer_by_id_round_trips_an_id_from_the_list, |app| {
    let q = r#"{ volunteers(first: 40, filter: { region: "511802" }) { nodes { id name phone idDocumentType idNumber skills serviceHours points region { code } } } }"#;
    let d = app.data(q, json!({})).await;
    let listed = nodes(&d["volunteers"]).clone();
    assert_eq!(listed.len(), 40);
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        assert_eq!(&one["volunteer"], n);
    }
});

both!(volunteer_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d = app
        .data(r#"{ volunteerTeams(first: 1) { nodes { id } } socialWorkers(first: 1) { nodes { id } } }"#, json!({}))
        .await;
    for foreign in [&d["volunteerTeams"]["nodes"][0]["id"], &d["socialWorkers"]["nodes"][0]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in ["Vm9sdW50ZWVy", "Volunteer:0190", &gid("Volunteer", ""), &gid("Volunteers", Uuid::now_v7())] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("Volunteer", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["volunteer"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["volunteer"]));
});

// ---------------------------------------------------------------------------------------------
// Relations

const RELATIONS: &str = r#"query($r: String!, $after: String) { volunteers(first: 50, after: $after, filter: { region: $r }) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id region { code }
    teams(first: 100) { totalCount nodes { id members(first: 100) { totalCount nodes { id } } } }
    projects(first: 100) { totalCount nodes { id volunteers(first: 100) { totalCount nodes { id } } } }
  }
} }"#;

both!(volunteer_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    let mut seen = [0usize; 3];
    for region in ["511802", "5223"] {
        let (count, volunteers) = walk(&app, RELATIONS, "volunteers", json!({ "r": region })).await;
        assert_eq!(volunteers.len() as i64, count);
        for v in &volunteers {
            let me = v["id"].as_str().unwrap();
            let id = uuid_of(&v["id"], "Volunteer");
            let row = entity::volunteer::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
            assert_eq!(v["region"]["code"], row.region_code);

            // teams ↔ members: current memberships only.
            let teams = &v["teams"];
            assert!(total(teams) >= 1, "every demo volunteer belongs to a team: {me}");
            for t in nodes(teams) {
                assert!(total(&t["members"]) <= 100);
                assert!(id_set(&t["members"]).contains(me), "team {} lists {me}", t["id"]);
                seen[0] += 1;
            }
            assert_eq!(id_set(teams).len(), nodes(teams).len());
            let n = scalar(
                &app,
                "SELECT COUNT(DISTINCT m.volunteer_team_id) AS n FROM volunteer_team_memberships m \
                 JOIN volunteer_teams t ON t.id = m.volunteer_team_id \
                 WHERE m.volunteer_id = $1 AND m.left_on IS NULL AND m.deleted_at IS NULL AND t.deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(teams), n, "teams of {me}");
            let left = scalar(
                &app,
                "SELECT COUNT(*) AS n FROM volunteer_team_memberships WHERE volunteer_id = $1 AND left_on IS NOT NULL",
                vec![id.into()],
            )
            .await;
            seen[2] += left as usize;

            // projects ↔ project.volunteers
            let projects = &v["projects"];
            for p in nodes(projects) {
                assert!(total(&p["volunteers"]) <= 100);
                assert!(id_set(&p["volunteers"]).contains(me), "project {} lists {me}", p["id"]);
                seen[1] += 1;
            }
            assert_eq!(id_set(projects).len(), nodes(projects).len());
            let n = scalar(
                &app,
                "SELECT COUNT(DISTINCT pp.project_id) AS n FROM project_participants pp JOIN projects p ON p.id = pp.project_id \
                 WHERE pp.volunteer_id = $1 AND pp.party = 'VOLUNTEER' AND pp.deleted_at IS NULL AND p.deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(projects), n, "projects of {me}");
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "teams, projects and left teams are all exercised: {seen:?}");
});

both!(a_team_the_volunteer_left_is_not_among_their_teams, |app| {
    let backend = app.db.get_database_backend();
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT volunteer_id AS v, volunteer_team_id AS t FROM volunteer_team_memberships \
             WHERE left_on IS NOT NULL AND deleted_at IS NULL",
        ))
        .await
        .unwrap();
    assert!(!rows.is_empty());
    let q = r#"query($id: ID!) { volunteer(id: $id) { teams(first: 100) { nodes { id } } } }"#;
    for r in rows.iter().take(20) {
        let v: Uuid = r.try_get("", "v").unwrap();
        let t: Uuid = r.try_get("", "t").unwrap();
        let d = app.data(q, json!({ "id": gid("Volunteer", v) })).await;
        assert!(!id_set(&d["volunteer"]["teams"]).contains(&gid("VolunteerTeam", t)), "{v} left {t}");
    }
});
