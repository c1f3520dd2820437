//! Social workers (社会工作者): the root list with each filter and ordering, lookup by id,
//! masked phone and ID number, station assignments, every relation checked from both ends,
//! and the published figures (雨城区 173 certified, 西陵区 70 of 100 certified).

mod common;

use common::{gid, id_set, is_masked_citizen_id, is_masked_mobile, nodes, scalar, total, uuid_of, walk, walk_bodies};

use std::collections::BTreeSet;

use civlink::seed::demo::figures;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

const LIST: &str = r#"query($f: SocialWorkerFilter, $o: RecordOrder, $after: String) {
  socialWorkers(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name certificateLevel certified record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(social_workers_filters_each_return_matching_rows_and_count_like_sql, |app| {
    // A name to search for, taken from the data: one worker's surname and full name.
    let first = app.data("{ socialWorkers(first: 1) { nodes { name } } }", json!({})).await;
    let full = first["socialWorkers"]["nodes"][0]["name"].as_str().unwrap().to_owned();
    let surname: String = full.chars().take(1).collect();
    let cases: Vec<(Value, String)> = vec![
        (json!({ "region": "420502" }), "region_code LIKE '420502%'".into()),
        (json!({ "region": "5223" }), "region_code LIKE '5223%'".into()),
        (json!({ "certificateLevels": ["NONE"] }), "certificate_level = 'NONE'".into()),
        (json!({ "certificateLevels": ["ASSISTANT", "INTERMEDIATE", "SENIOR"] }), "certificate_level <> 'NONE'".into()),
        (json!({ "certificateLevels": ["SENIOR"] }), "certificate_level = 'SENIOR'".into()),
        (json!({ "nameContains": surname }), format!("name LIKE '%{surname}%'")),
        (json!({ "nameContains": full }), format!("name LIKE '%{full}%'")),
        (
            json!({ "region": "2302", "certificateLevels": ["ASSISTANT", "NONE"], "nameContains": surname }),
            format!(
                "region_code LIKE '2302%' AND certificate_level IN ('ASSISTANT', 'NONE') AND name LIKE '%{surname}%'"
            ),
        ),
    ];
    for (filter, cond) in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM social_workers WHERE deleted_at IS NULL AND {cond}");
        let expected = scalar(&app, &sql, vec![]).await;
        assert!(expected > 0, "the demo data have rows for {filter}");
        let (count, rows) = walk(&app, LIST, "socialWorkers", json!({ "f": filter })).await;
        assert_eq!(count, expected, "totalCount of {filter}");
        assert_eq!(rows.len() as i64, expected, "rows of {filter}");
        for n in &rows {
            if let Some(r) = filter.get("region") {
                let prefix = r.as_str().unwrap();
                assert!(n["region"]["code"].as_str().unwrap().starts_with(prefix), "{n}");
            }
            if let Some(levels) = filter.get("certificateLevels") {
                assert!(levels.as_array().unwrap().contains(&n["certificateLevel"]), "{n}");
            }
            if let Some(q) = filter.get("nameContains") {
                assert!(n["name"].as_str().unwrap().contains(q.as_str().unwrap()), "{n}");
            }
            assert_eq!(n["certified"], n["certificateLevel"] != "NONE", "{n}");
        }
        let distinct: BTreeSet<&str> = rows.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), rows.len());
    }
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM social_workers WHERE deleted_at IS NULL", vec![]).await;
    assert_eq!(total(&app.data("{ socialWorkers { totalCount } }", json!({})).await["socialWorkers"]), all);
    assert_eq!(total(&app.data(LIST, json!({ "f": { "region": "110000" } })).await["socialWorkers"]), 0);
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "51180" } })).await, "INVALID_DIVISION_CODE");
});

both!(social_workers_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let filter = json!({ "region": "511802" });
    let expected =
        scalar(&app, "SELECT COUNT(*) AS n FROM social_workers WHERE region_code LIKE '511802%'", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "SocialWorker");
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
        let (count, asc) = walk(&app, LIST, "socialWorkers", json!({ "f": filter, "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) =
            walk(&app, LIST, "socialWorkers", json!({ "f": filter, "o": { "field": field, "direction": "DESC" } }))
                .await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
});

// ---------------------------------------------------------------------------------------------
// Published figures

both!(yucheng_has_173_certified_workers_all_on_the_three_post_twelve_grade_scale, |app| {
    let q = r#"query($after: String) { socialWorkers(first: 100, after: $after, filter: { region: "511802" }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { certified certificateLevel certificateNumber certificateYear payPost payGrade } } }"#;
    let (count, rows) = walk(&app, q, "socialWorkers", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let certified = rows.iter().filter(|n| n["certified"] == true).count() as u64;
    assert_eq!(certified, figures::yucheng::CERTIFIED_SOCIAL_WORKERS);
    for n in &rows {
        let post = n["payPost"].as_i64().unwrap_or_else(|| panic!("every worker has a pay post: {n}"));
        let grade = n["payGrade"].as_i64().unwrap_or_else(|| panic!("every worker has a pay grade: {n}"));
        assert!((1..=figures::yucheng::PAY_POSTS as i64).contains(&post), "{n}");
        assert!((1..=figures::yucheng::PAY_GRADES as i64).contains(&grade), "{n}");
        // A certificate number and year exactly when certified.
        assert_eq!(n["certificateNumber"].is_string(), n["certified"] == true, "{n}");
        assert_eq!(n["certificateYear"].is_i64(), n["certified"] == true, "{n}");
    }
    let q = r#"{
        yc: socialWorkers(filter: { region: "511802", certificateLevels: [ASSISTANT, INTERMEDIATE, SENIOR] }) { totalCount }
        ycRegion: region(code: "511802") { socialWorkers(filter: { certificateLevels: [ASSISTANT, INTERMEDIATE, SENIOR] }) { totalCount } }
        xl: socialWorkers(filter: { region: "420502" }) { totalCount }
        xlCertified: socialWorkers(filter: { region: "420502", certificateLevels: [ASSISTANT, INTERMEDIATE, SENIOR] }) { totalCount }
    }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(d["yc"]["totalCount"], figures::yucheng::CERTIFIED_SOCIAL_WORKERS);
    assert_eq!(d["ycRegion"]["socialWorkers"]["totalCount"], figures::yucheng::CERTIFIED_SOCIAL_WORKERS);
    assert_eq!(d["xl"]["totalCount"], figures::xiling::SOCIAL_WORKERS);
    assert_eq!(d["xlCertified"]["totalCount"], figures::xiling::CERTIFIED_SOCIAL_WORKERS);
});

// ---------------------------------------------------------------------------------------------
// Masking

both!(worker_phone_and_id_number_are_masked_and_the_clear_values_never_leave, |app| {
    let q = r#"query($after: String) { socialWorkers(first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id name gender phone idNumber certificateLevel certified certificateNumber certificateYear payPost payGrade
                externalReference { source externalId } record { createdAt updatedAt version } region { code } } } }"#;
    let (count, rows, bodies) = walk_bodies(&app, q, "socialWorkers", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let all: Vec<entity::social_worker::Model> = entity::social_worker::Entity::find()
        .filter(entity::social_worker::Column::DeletedAt.is_null())
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(all.len(), rows.len());
    let by_id: std::collections::HashMap<Uuid, &entity::social_worker::Model> = all.iter().map(|m| (m.id, m)).collect();
    let mut phones = 0;
    for (n, body) in rows.iter().zip(&bodies) {
        let row = by_id[&uuid_of(&n["id"], "SocialWorker")];
        assert_eq!(n["name"], row.name, "worker names are not masked");
        match &row.phone {
            Some(clear) => {
                let masked = n["phone"].as_str().unwrap();
                assert!(is_masked_mobile(masked), "{masked}");
                assert_eq!(masked[..3], clear[..3]);
                assert_eq!(masked[7..], clear[7..]);
                assert!(!body.contains(clear.as_str()), "clear phone {clear} in a response");
                phones += 1;
            }
            None => assert_eq!(n["phone"], Value::Null),
        }
        match &row.id_number {
            Some(clear) => {
                let masked = n["idNumber"].as_str().unwrap();
                assert!(is_masked_citizen_id(masked), "{masked}");
                assert_eq!(masked[..4], clear[..4]);
                assert_eq!(masked[14..], clear[14..]);
                assert!(!body.contains(clear.as_str()), "clear ID number {clear} in a response");
                // Nor the birth date part (digits 7-14) of the ID number.
                assert!(!masked.contains(&clear[6..14]));
            }
            None => assert_eq!(n["idNumber"], Value::Null),
        }
    }
    assert!(phones > 0);
});

// ---------------------------------------------------------------------------------------------
// socialWorker(id:)

const ONE: &str = r#"query($id: ID!) { socialWorker(id: $id) { id name certificateLevel certified phone idNumber region { code } } }"#;

both!(social_worker_by_id_round_trips_an_id_from_the_list, |app| {
    let q = r#"{ socialWorkers(first: 30, filter: { region: "420502" }) { nodes { id name certificateLevel certified phone idNumber region { code } } } }"#;
    let d = app.data(q, json!({})).await;
    let listed = nodes(&d["socialWorkers"]).clone();
    assert_eq!(listed.len(), 30);
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        assert_eq!(&one["socialWorker"], n);
    }
});

both!(social_worker_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d =
        app.data(r#"{ volunteers(first: 1) { nodes { id } } clients(first: 1) { nodes { id } } }"#, json!({})).await;
    for foreign in [&d["volunteers"]["nodes"][0]["id"], &d["clients"]["nodes"][0]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in ["x", "U29jaWFsV29ya2VyOg", &gid("SocialWorker", "00000000-0000-0000-0000-00000000000g"), "😀"] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("SocialWorker", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["socialWorker"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["socialWorker"]));
});

// ---------------------------------------------------------------------------------------------
// Relations

const RELATIONS: &str = r#"query($r: String!, $after: String) { socialWorkers(first: 50, after: $after, filter: { region: $r }) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id region { code }
    employer { id socialWorkers(first: 100) { totalCount nodes { id } } }
    assignments { role startedOn endedOn current station { id socialWorkers(first: 100) { totalCount nodes { id } } } }
    projects(first: 100) { totalCount nodes { id socialWorkers(first: 100) { totalCount nodes { id } } } }
    serviceRecords(first: 100) { totalCount nodes { id socialWorker { id } } }
  }
} }"#;

both!(social_worker_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    let mut seen = [0usize; 5];
    for region in ["420502", "511802"] {
        let (count, workers) = walk(&app, RELATIONS, "socialWorkers", json!({ "r": region })).await;
        assert_eq!(workers.len() as i64, count);
        for w in &workers {
            let me = w["id"].as_str().unwrap();
            let id = uuid_of(&w["id"], "SocialWorker");
            let row = entity::social_worker::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
            assert_eq!(w["region"]["code"], row.region_code);

            // employer ↔ organization.socialWorkers
            match row.employer_id {
                Some(e) => {
                    assert_eq!(w["employer"]["id"], gid("Organization", e));
                    let colleagues = &w["employer"]["socialWorkers"];
                    assert!(total(colleagues) <= 100);
                    assert!(id_set(colleagues).contains(me), "the employer lists {me}");
                    seen[0] += 1;
                }
                None => assert_eq!(w["employer"], Value::Null),
            }

            // assignments: newest first, current exactly when not ended, and the station side agrees.
            let assignments = w["assignments"].as_array().unwrap();
            let n = scalar(
                &app,
                "SELECT COUNT(*) AS n FROM station_assignments WHERE social_worker_id = $1 AND deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(assignments.len() as i64, n, "assignments of {me}");
            let starts: Vec<&str> = assignments.iter().map(|a| a["startedOn"].as_str().unwrap()).collect();
            assert!(starts.windows(2).all(|p| p[0] >= p[1]), "newest first: {starts:?}");
            let current_stations: BTreeSet<&str> = assignments
                .iter()
                .filter(|a| a["current"] == true)
                .map(|a| a["station"]["id"].as_str().unwrap())
                .collect();
            for a in assignments {
                assert_eq!(a["current"], a["endedOn"].is_null(), "{a}");
                if let Some(end) = a["endedOn"].as_str() {
                    assert!(end >= a["startedOn"].as_str().unwrap(), "{a}");
                }
                let station = a["station"]["id"].as_str().unwrap();
                let listed = id_set(&a["station"]["socialWorkers"]).contains(me);
                assert!(total(&a["station"]["socialWorkers"]) <= 100);
                assert_eq!(listed, current_stations.contains(station), "station {station} lists {me} iff current: {a}");
                seen[1] += 1;
                if a["current"] == false {
                    seen[4] += 1;
                }
            }

            // projects ↔ project.socialWorkers
            let projects = &w["projects"];
            for p in nodes(projects) {
                assert!(total(&p["socialWorkers"]) <= 100);
                assert!(id_set(&p["socialWorkers"]).contains(me), "project {} lists {me}", p["id"]);
                seen[2] += 1;
            }
            assert_eq!(id_set(projects).len(), nodes(projects).len());
            let n = scalar(
                &app,
                "SELECT COUNT(DISTINCT pp.project_id) AS n FROM project_participants pp JOIN projects p ON p.id = pp.project_id \
                 WHERE pp.social_worker_id = $1 AND pp.party = 'SOCIAL_WORKER' AND pp.deleted_at IS NULL AND p.deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(projects), n, "projects of {me}");

            // serviceRecords ↔ serviceRecord.socialWorker
            let records = &w["serviceRecords"];
            for r in nodes(records) {
                assert_eq!(r["socialWorker"]["id"], me);
            }
            seen[3] += nodes(records).len();
            assert_eq!(nodes(records).len() as i64, total(records).min(100));
            let n = scalar(
                &app,
                "SELECT COUNT(*) AS n FROM service_records WHERE social_worker_id = $1 AND deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(records), n, "serviceRecords of {me}");
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
});

both!(social_worker_relations_take_their_own_filters, |app| {
    let q = r#"{ socialWorkers(first: 100, filter: { region: "420502" }) { nodes { id
        casework: serviceRecords(filter: { methods: [CASEWORK], served: { from: "2024-01-01" } }) { totalCount nodes { method servedOn } }
        mutual: projects(filter: { fundingModes: [MUTUAL_AID] }) { totalCount nodes { fundingMode } }
    } } }"#;
    let d = app.data(q, json!({})).await;
    let mut any = 0;
    for w in nodes(&d["socialWorkers"]) {
        let id = uuid_of(&w["id"], "SocialWorker");
        for r in nodes(&w["casework"]) {
            assert_eq!(r["method"], "CASEWORK");
            assert!(r["servedOn"].as_str().unwrap() >= "2024-01-01");
        }
        let n = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM service_records WHERE social_worker_id = $1 AND method = 'CASEWORK' \
             AND served_on >= '2024-01-01' AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&w["casework"]), n);
        any += n;
        assert!(nodes(&w["mutual"]).iter().all(|p| p["fundingMode"] == "MUTUAL_AID"));
    }
    assert!(any > 0);
});
