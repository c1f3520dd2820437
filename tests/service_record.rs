//! Service records (服务记录): the root list with each filter and ordering, lookup by id, the
//! casework / group / community shapes, every relation checked from both ends, and the
//! published figure of 齐齐哈尔市 (42,000 person-times served).

mod common;

use common::{gid, id_set, nodes, scalar, total, uuid_of};

use chrono::NaiveDate;
use civlink::seed::demo::figures;
use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

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

fn day_after(day: &str) -> String {
    let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    d.succ_opt().unwrap().format("%Y-%m-%d").to_string()
}

const LIST: &str = r#"query($f: ServiceRecordFilter, $o: ServiceRecordOrder, $after: String) {
  serviceRecords(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id servedOn serviceType method personTimes activityName record { createdAt updatedAt } region { code } }
  }
}"#;

fn satisfies(n: &Value, filter: &Value) -> bool {
    if let Some(r) = filter["region"].as_str()
        && !n["region"]["code"].as_str().unwrap().starts_with(r)
    {
        return false;
    }
    if let Some(types) = filter["serviceTypes"].as_array()
        && !types.contains(&n["serviceType"])
    {
        return false;
    }
    if let Some(methods) = filter["methods"].as_array()
        && !methods.contains(&n["method"])
    {
        return false;
    }
    let day = n["servedOn"].as_str().unwrap();
    if let Some(from) = filter["served"]["from"].as_str()
        && day < from
    {
        return false;
    }
    if let Some(to) = filter["served"]["to"].as_str()
        && day >= to
    {
        return false;
    }
    true
}

// ---------------------------------------------------------------------------------------------
// The root list

both!(service_records_filters_each_return_matching_rows_and_count_like_sql, |app| {
    let cases: Vec<(Value, &str, bool)> = vec![
        // (filter, SQL condition, walk every page)
        (json!({ "region": "420502001" }), "region_code LIKE '420502001%'", true),
        (json!({ "region": "2302" }), "region_code LIKE '2302%'", false),
        (json!({ "serviceTypes": ["CRISIS_INTERVENTION"] }), "service_type = 'CRISIS_INTERVENTION'", false),
        (
            json!({ "serviceTypes": ["TUTORING", "RIGHTS_PROTECTION", "CAPACITY_BUILDING"] }),
            "service_type IN ('TUTORING', 'RIGHTS_PROTECTION', 'CAPACITY_BUILDING')",
            false,
        ),
        (json!({ "methods": ["GROUPWORK"] }), "method = 'GROUPWORK'", false),
        (json!({ "methods": ["CASEWORK", "COMMUNITY"] }), "method IN ('CASEWORK', 'COMMUNITY')", false),
        (json!({ "served": { "from": "2024-12-01" } }), "served_on >= '2024-12-01'", true),
        (json!({ "served": { "to": "2023-01-15" } }), "served_on < '2023-01-15'", true),
        (
            json!({ "served": { "from": "2023-06-01", "to": "2023-06-08" } }),
            "served_on >= '2023-06-01' AND served_on < '2023-06-08'",
            true,
        ),
        (
            json!({ "region": "5223", "serviceTypes": ["DAILY_CARE", "SPIRITUAL_COMFORT"], "methods": ["CASEWORK"], "served": { "from": "2024-01-01", "to": "2024-07-01" } }),
            "region_code LIKE '5223%' AND service_type IN ('DAILY_CARE', 'SPIRITUAL_COMFORT') AND method = 'CASEWORK' \
             AND served_on >= '2024-01-01' AND served_on < '2024-07-01'",
            true,
        ),
    ];
    for (filter, cond, every_page) in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM service_records WHERE deleted_at IS NULL AND {cond}");
        let expected = scalar(&app, &sql, vec![]).await;
        assert!(expected > 0, "the demo data have rows for {filter}");
        let rows = if every_page {
            let (count, rows) = walk(&app, LIST, "serviceRecords", json!({ "f": filter })).await;
            assert_eq!(count, expected, "totalCount of {filter}");
            assert_eq!(rows.len() as i64, expected, "rows of {filter}");
            rows
        } else {
            let d = app.data(LIST, json!({ "f": filter })).await;
            assert_eq!(total(&d["serviceRecords"]), expected, "totalCount of {filter}");
            nodes(&d["serviceRecords"]).clone()
        };
        for n in &rows {
            assert!(satisfies(n, &filter), "{n} does not satisfy {filter}");
        }
    }
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM service_records WHERE deleted_at IS NULL", vec![]).await;
    assert_eq!(total(&app.data("{ serviceRecords { totalCount } }", json!({})).await["serviceRecords"]), all);
    for range in
        [json!({ "from": "2024-01-02", "to": "2024-01-01" }), json!({ "from": "2024-01-01", "to": "2024-01-01" })]
    {
        let body = app.post(LIST, json!({ "f": { "served": range } })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], "filter.served");
    }
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "2302000" } })).await, "INVALID_DIVISION_CODE");
});

both!(service_records_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let filter = json!({ "region": "420502001" });
    let expected =
        scalar(&app, "SELECT COUNT(*) AS n FROM service_records WHERE region_code LIKE '420502001%'", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "ServiceRecord");
        let v = match field {
            "ID" => String::new(),
            "SERVED_ON" => n["servedOn"].as_str().unwrap().to_owned(),
            "CREATED_AT" => {
                chrono::DateTime::parse_from_rfc3339(n["record"]["createdAt"].as_str().unwrap()).unwrap().to_rfc3339()
            }
            _ => chrono::DateTime::parse_from_rfc3339(n["record"]["updatedAt"].as_str().unwrap()).unwrap().to_rfc3339(),
        };
        (v, id)
    };
    for field in ["ID", "SERVED_ON", "CREATED_AT", "UPDATED_AT"] {
        let (count, asc) = walk(&app, LIST, "serviceRecords", json!({ "f": filter, "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) =
            walk(&app, LIST, "serviceRecords", json!({ "f": filter, "o": { "field": field, "direction": "DESC" } }))
                .await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
    // Ties on servedOn exist, so the id tie-break matters.
    let (_, by_day) = walk(&app, LIST, "serviceRecords", json!({ "f": filter, "o": { "field": "SERVED_ON" } })).await;
    let days: Vec<&str> = by_day.iter().map(|n| n["servedOn"].as_str().unwrap()).collect();
    assert!(days.windows(2).any(|w| w[0] == w[1]), "some days have several services");
});

both!(qiqihar_served_42000_person_times, |app| {
    let q = r#"query($after: String) { serviceRecords(first: 100, after: $after, filter: { region: "2302" }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { personTimes station { region { code } } } } }"#;
    let (count, rows) = walk(&app, q, "serviceRecords", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let sum: i64 = rows.iter().map(|n| n["personTimes"].as_i64().unwrap()).sum();
    assert_eq!(sum, figures::qiqihar::SERVICE_PERSON_TIMES);
    assert!(rows.iter().all(|n| n["station"]["region"]["code"].as_str().unwrap().starts_with("2302")));
    let sql = scalar(
        &app,
        "SELECT CAST(SUM(r.person_times) AS BIGINT) AS n FROM service_records r JOIN stations s ON s.id = r.station_id \
         WHERE s.region_code LIKE '2302%' AND r.deleted_at IS NULL",
        vec![],
    )
    .await;
    assert_eq!(sql, figures::qiqihar::SERVICE_PERSON_TIMES);
});

both!(casework_has_a_client_and_one_person_while_activities_have_a_name_and_no_client, |app| {
    let q = r#"query($f: ServiceRecordFilter) { serviceRecords(first: 100, filter: $f) { totalCount nodes {
        id method personTimes activityName client { id } socialWorker { id } } } }"#;
    for method in ["CASEWORK", "GROUPWORK", "COMMUNITY"] {
        let d = app.data(q, json!({ "f": { "methods": [method], "region": "511802" } })).await;
        let page = nodes(&d["serviceRecords"]);
        assert!(!page.is_empty(), "{method}");
        for n in page {
            let row = entity::service_record::Entity::find_by_id(uuid_of(&n["id"], "ServiceRecord"))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n["personTimes"], row.person_times);
            assert_eq!(n["activityName"], json!(row.activity_name));
            assert_eq!(n["client"]["id"], json!(row.client_id.map(|c| gid("Client", c))));
            assert_eq!(n["socialWorker"]["id"], json!(row.social_worker_id.map(|w| gid("SocialWorker", w))));
            if method == "CASEWORK" {
                assert!(n["client"]["id"].is_string(), "{n}");
                assert_eq!(n["personTimes"], 1);
                assert_eq!(n["activityName"], Value::Null);
            } else {
                assert_eq!(n["client"], Value::Null, "{n}");
                assert!(n["activityName"].is_string(), "{n}");
                assert!(n["personTimes"].as_i64().unwrap() > 1, "{n}");
            }
        }
    }
});

// ---------------------------------------------------------------------------------------------
// serviceRecord(id:)

const ONE: &str = r#"query($id: ID!) { serviceRecord(id: $id) { id servedOn serviceType method personTimes activityName
    record { version } region { code } station { id } socialWorker { id } client { id } project { id } } }"#;

both!(service_record_by_id_round_trips_an_id_from_the_list, |app| {
    let q = r#"{ serviceRecords(first: 40, filter: { region: "420502" }, orderBy: { field: SERVED_ON, direction: DESC }) { nodes {
        id servedOn serviceType method personTimes activityName record { version } region { code }
        station { id } socialWorker { id } client { id } project { id } } } }"#;
    let d = app.data(q, json!({})).await;
    let listed = nodes(&d["serviceRecords"]).clone();
    assert_eq!(listed.len(), 40);
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        assert_eq!(&one["serviceRecord"], n);
    }
});

both!(service_record_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d = app.data(r#"{ clients(first: 1) { nodes { id } } stations(first: 1) { nodes { id } } }"#, json!({})).await;
    for foreign in [&d["clients"]["nodes"][0]["id"], &d["stations"]["nodes"][0]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in [
        "U2VydmljZVJlY29yZA",
        "ServiceRecord",
        &gid("ServiceRecord", "2024-01-01"),
        &gid("Servicerecord", Uuid::now_v7()),
    ] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("ServiceRecord", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["serviceRecord"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["serviceRecord"]));
});

// ---------------------------------------------------------------------------------------------
// Relations

/// One record's relations, each asked for that record's day so the other side's list is small.
const BACK: &str = r#"query($id: ID!, $from: Date!, $to: Date!) { serviceRecord(id: $id) { id
    station { id serviceRecords(first: 100, filter: { served: { from: $from, to: $to } }) { totalCount nodes { id } } }
    socialWorker { id serviceRecords(first: 100, filter: { served: { from: $from, to: $to } }) { totalCount nodes { id } } }
    client { id serviceRecords(first: 100, filter: { served: { from: $from, to: $to } }) { totalCount nodes { id } } }
    project { id serviceRecords(first: 100, filter: { served: { from: $from, to: $to } }) { totalCount nodes { id } } }
    region { code serviceRecords(first: 100, filter: { served: { from: $from, to: $to } }) { totalCount nodes { id } } }
} }"#;

both!(service_record_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    // Records of every method and with and without a project: a page of each.
    let q = r#"query($f: ServiceRecordFilter) { serviceRecords(first: 30, filter: $f) { nodes { id servedOn } } }"#;
    let mut sample = Vec::new();
    for f in [
        json!({ "methods": ["CASEWORK"], "region": "420502" }),
        json!({ "methods": ["GROUPWORK"], "region": "5223" }),
        json!({ "methods": ["COMMUNITY"], "region": "2302" }),
        json!({ "methods": ["CASEWORK"], "region": "511802", "served": { "from": "2024-06-01" } }),
    ] {
        let d = app.data(q, json!({ "f": f })).await;
        sample.extend(nodes(&d["serviceRecords"]).iter().cloned());
    }
    let mut seen = [0usize; 5];
    for n in &sample {
        let me = n["id"].as_str().unwrap();
        let day = n["servedOn"].as_str().unwrap();
        let row = entity::service_record::Entity::find_by_id(uuid_of(&n["id"], "ServiceRecord"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let d = app.data(BACK, json!({ "id": me, "from": day, "to": day_after(day) })).await;
        let r = &d["serviceRecord"];
        assert_eq!(r["station"]["id"], gid("Station", row.station_id));
        assert_eq!(r["socialWorker"]["id"], json!(row.social_worker_id.map(|w| gid("SocialWorker", w))));
        assert_eq!(r["client"]["id"], json!(row.client_id.map(|c| gid("Client", c))));
        assert_eq!(r["project"]["id"], json!(row.project_id.map(|p| gid("Project", p))));
        assert_eq!(r["region"]["code"], row.region_code);
        for (k, field) in ["station", "socialWorker", "client", "project", "region"].into_iter().enumerate() {
            if r[field].is_null() {
                continue;
            }
            let back = &r[field]["serviceRecords"];
            assert!(total(back) <= 100);
            assert!(id_set(back).contains(me), "{field} of {me} does not list it on {day}");
            seen[k] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
});

both!(a_service_record_of_a_soft_deleted_client_shows_no_client, |app| {
    let q = r#"{ serviceRecords(first: 1, filter: { methods: [CASEWORK] }) { nodes { id client { id } } } }"#;
    let d = app.data(q, json!({})).await;
    let rec = d["serviceRecords"]["nodes"][0].clone();
    let client = uuid_of(&rec["client"]["id"], "Client");
    let backend = app.db.get_database_backend();
    let sql = "UPDATE clients SET deleted_at = updated_at WHERE id = $1";
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
    app.db.execute_raw(Statement::from_sql_and_values(backend, sql, vec![client.into()])).await.unwrap();
    let d = app.data(ONE, json!({ "id": rec["id"] })).await;
    assert_eq!(d["serviceRecord"]["client"], Value::Null);
    let body = app.post(r#"query($id: ID!) { client(id: $id) { id } }"#, json!({ "id": rec["client"]["id"] })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
});
