//! Roster sync (`syncVolunteers`, `syncSocialWorkers`, `syncVolunteerTeams`,
//! `syncOrganizations`): upsert by external id, idempotency, dry runs, atomicity, deletion of
//! missing records, audit of changes, validation and access rules.

mod common;

use common::{TestApp, scalar, token_with};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const SYNC_VOLUNTEERS: &str = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) {
    committed created updated unchanged deleted failed
    results { index externalId action id changedFields userErrors { field message code } }
    userErrors { field message code } } }"#;

const SYNC_TEAMS: &str = r#"mutation($input: SyncVolunteerTeamsInput!) { syncVolunteerTeams(input: $input) {
    committed created updated unchanged deleted failed userErrors { code } results { externalId action userErrors { field code } } } }"#;

const SYNC_ORGANIZATIONS: &str = r#"mutation($input: SyncOrganizationsInput!) { syncOrganizations(input: $input) {
    committed created failed results { index action userErrors { field code } } } }"#;

const SYNC_WORKERS: &str = r#"mutation($input: SyncSocialWorkersInput!) { syncSocialWorkers(input: $input) {
    committed created updated failed results { index action userErrors { field code } } } }"#;

/// A valid GB 11643 citizen ID number for sequence `n` (born 1990-01-01 in 兴义市).
fn citizen_id(n: u16) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    civlink::domain::CitizenId::synthesize("522301", birth, n).unwrap().as_str().to_owned()
}

fn volunteer(n: u16) -> Value {
    json!({
        "externalId": format!("V{n:05}"),
        "name": format!("志愿者{n}"),
        "idNumber": citizen_id(n),
        "phone": format!("139{:08}", n),
        "regionCode": "522301",
        "teamExternalIds": ["T1"],
    })
}

fn batch(records: Vec<Value>, extra: Value) -> Value {
    let mut input = json!({ "source": "national-volunteer-system", "records": records });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    json!({ "input": input })
}

async fn teams(app: &TestApp) {
    let d = app
        .data(
            SYNC_TEAMS,
            json!({ "input": { "source": "national-volunteer-system", "records": [
                { "externalId": "T1", "name": "兴义市青年志愿服务队", "regionCode": "522301" },
                { "externalId": "T2", "name": "兴义市助老志愿服务队", "regionCode": "522301", "foundedOn": "2020-05-04" },
            ] } }),
        )
        .await;
    assert_eq!(d["syncVolunteerTeams"]["created"], 2, "{d}");
}

async fn source_count(app: &TestApp, table: &str) -> i64 {
    let sql =
        format!("SELECT COUNT(*) AS n FROM {table} WHERE source = 'national-volunteer-system' AND deleted_at IS NULL");
    scalar(app, &sql, vec![]).await
}

async fn audit_count(app: &TestApp) -> i64 {
    scalar(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action <> 'REVEAL'", vec![]).await
}

both!(a_batch_sent_twice_is_unchanged_the_second_time_and_writes_nothing, |app| {
    teams(&app).await;
    let records: Vec<Value> = (1..=5).map(volunteer).collect();
    let d = app.data(SYNC_VOLUNTEERS, batch(records.clone(), json!({}))).await;
    let r = &d["syncVolunteers"];
    assert_eq!(
        (r["committed"].as_bool(), r["created"].as_i64(), r["failed"].as_i64()),
        (Some(true), Some(5), Some(0)),
        "{r}"
    );
    assert_eq!(r["results"][0]["action"], "CREATED");
    assert!(r["results"][0]["changedFields"].as_array().unwrap().contains(&json!("teamExternalIds")));
    assert_eq!(source_count(&app, "volunteers").await, 5);
    let members = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM volunteer_team_memberships m JOIN volunteer_teams t ON t.id = m.volunteer_team_id WHERE t.external_id = 'T1' AND m.left_on IS NULL",
        vec![],
    )
    .await;
    assert_eq!(members, 5);
    let audits = audit_count(&app).await;
    let stamps = scalar(
        &app,
        "SELECT COUNT(DISTINCT updated_at) AS n FROM volunteers WHERE source = 'national-volunteer-system'",
        vec![],
    )
    .await;

    let d = app.data(SYNC_VOLUNTEERS, batch(records, json!({}))).await;
    let r = &d["syncVolunteers"];
    assert_eq!(r["unchanged"], 5, "{r}");
    assert_eq!(r["committed"], false);
    assert_eq!(r["results"], json!([]));
    assert_eq!(audit_count(&app).await, audits, "nothing audited: nothing written");
    let again = scalar(
        &app,
        "SELECT COUNT(DISTINCT updated_at) AS n FROM volunteers WHERE source = 'national-volunteer-system'",
        vec![],
    )
    .await;
    assert_eq!(again, stamps);
    let versions = scalar(
        &app,
        "SELECT CAST(MAX(version) AS BIGINT) AS n FROM volunteers WHERE source = 'national-volunteer-system'",
        vec![],
    )
    .await;
    assert_eq!(versions, 1);
});

both!(validate_reports_what_commit_would_do_and_writes_nothing, |app| {
    teams(&app).await;
    let mut records: Vec<Value> = (1..=4).map(volunteer).collect();
    records[3]["teamExternalIds"] = json!(["T9"]);
    for atomicity in ["ALL", "PER_RECORD"] {
        let audits = audit_count(&app).await;
        let v = app
            .data(SYNC_VOLUNTEERS, batch(records.clone(), json!({ "mode": "VALIDATE", "atomicity": atomicity })))
            .await;
        assert_eq!(source_count(&app, "volunteers").await, 0, "{atomicity}: a dry run writes nothing");
        assert_eq!(audit_count(&app).await, audits);
        assert_eq!(v["syncVolunteers"]["committed"], false);
        assert_eq!(v["syncVolunteers"]["failed"], 1);
        let failure = &v["syncVolunteers"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == "FAILED")
            .unwrap()["userErrors"][0];
        assert_eq!(failure["code"], "UNKNOWN_REFERENCE");
        assert_eq!(failure["field"], json!(["records", "3", "teamExternalIds"]));
    }
    let v = app
        .data(SYNC_VOLUNTEERS, batch(records.clone(), json!({ "mode": "VALIDATE", "atomicity": "PER_RECORD" })))
        .await;
    let c = app.data(SYNC_VOLUNTEERS, batch(records, json!({ "atomicity": "PER_RECORD" }))).await;
    for k in ["created", "updated", "unchanged", "deleted", "failed"] {
        assert_eq!(v["syncVolunteers"][k], c["syncVolunteers"][k], "{k}: VALIDATE predicts COMMIT");
    }
    assert_eq!(c["syncVolunteers"]["created"], 3);
    assert_eq!(source_count(&app, "volunteers").await, 3);
});

both!(all_aborts_on_one_bad_record_and_per_record_writes_the_others, |app| {
    teams(&app).await;
    let mut records: Vec<Value> = (1..=4).map(volunteer).collect();
    let mut bad = citizen_id(2);
    let last = bad.pop().unwrap();
    bad.push(if last == '1' { '2' } else { '1' });
    records[2]["idNumber"] = json!(bad);
    let d = app.data(SYNC_VOLUNTEERS, batch(records.clone(), json!({}))).await;
    let r = &d["syncVolunteers"];
    assert_eq!(
        (r["committed"].as_bool(), r["failed"].as_i64(), r["created"].as_i64()),
        (Some(false), Some(1), Some(0)),
        "{r}"
    );
    assert_eq!(r["userErrors"][0]["code"], "BATCH_ABORTED");
    assert_eq!(r["results"][0]["userErrors"][0]["field"], json!(["records", "2", "idNumber"]));
    assert_eq!(r["results"][0]["userErrors"][0]["code"], "INVALID_CITIZEN_ID");
    assert_eq!(r["results"][0]["externalId"], "V00003", "an invalid record keeps its external id in the report");
    assert_eq!(source_count(&app, "volunteers").await, 0);

    let d = app.data(SYNC_VOLUNTEERS, batch(records, json!({ "atomicity": "PER_RECORD" }))).await;
    let r = &d["syncVolunteers"];
    assert_eq!(
        (r["committed"].as_bool(), r["failed"].as_i64(), r["created"].as_i64()),
        (Some(true), Some(1), Some(3)),
        "{r}"
    );
    assert_eq!(source_count(&app, "volunteers").await, 3);
});

both!(an_update_is_version_checked_and_audited_with_masked_old_and_new_values, |app| {
    teams(&app).await;
    app.data(SYNC_VOLUNTEERS, batch(vec![volunteer(1), volunteer(2)], json!({}))).await;
    let mut changed = volunteer(1);
    changed["phone"] = json!("13712345678");
    changed["teamExternalIds"] = json!(["T2"]);
    let d = app.data(SYNC_VOLUNTEERS, batch(vec![changed, volunteer(2)], json!({}))).await;
    let r = &d["syncVolunteers"];
    assert_eq!((r["updated"].as_i64(), r["unchanged"].as_i64()), (Some(1), Some(1)), "{r}");
    let mut fields: Vec<&str> =
        r["results"][0]["changedFields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["phone", "teamExternalIds"]);
    let version =
        scalar(&app, "SELECT CAST(version AS BIGINT) AS n FROM volunteers WHERE external_id = 'V00001'", vec![]).await;
    assert_eq!(version, 2);

    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT fields, changes, actor, role FROM audit_log WHERE action = 'UPDATE' AND entity = 'Volunteer'",
        ))
        .await
        .unwrap()
        .unwrap();
    let changes: Value = serde_json::from_str(&row.try_get::<String>("", "changes").unwrap()).unwrap();
    assert_eq!(changes["phone"], json!({ "old": "139****0001", "new": "137****5678" }), "phones masked in the log");
    assert_eq!(changes["teamExternalIds"], json!({ "old": "T1", "new": "T2" }));
    assert_eq!(row.try_get::<String>("", "role").unwrap(), "ADMIN");
    let log = app
        .data(r#"{ auditLog(first: 10, filter: { entity: "Volunteer" }) { nodes { action changes } } }"#, json!({}))
        .await;
    let update =
        log["auditLog"]["nodes"].as_array().unwrap().iter().find(|n| n["action"] == "UPDATE").expect("an UPDATE entry");
    assert_eq!(update["changes"]["phone"], changes["phone"], "readable through auditLog: {log}");
    let log = serde_json::to_string(&changes).unwrap();
    assert!(!log.contains("13712345678") && !log.contains(&citizen_id(1)), "no clear values in the audit log: {log}");
    // The old membership ended today; the new one is current.
    let current = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM volunteer_team_memberships m JOIN volunteers v ON v.id = m.volunteer_id WHERE v.external_id = 'V00001' AND m.left_on IS NULL",
        vec![],
    )
    .await;
    assert_eq!(current, 1);
});

both!(delete_missing_soft_deletes_what_the_source_no_longer_sends, |app| {
    teams(&app).await;
    app.data(SYNC_VOLUNTEERS, batch((1..=3).map(volunteer).collect(), json!({}))).await;
    let d = app.data(SYNC_VOLUNTEERS, batch(vec![volunteer(1), volunteer(2)], json!({ "deleteMissing": true }))).await;
    let r = &d["syncVolunteers"];
    assert_eq!((r["deleted"].as_i64(), r["unchanged"].as_i64()), (Some(1), Some(2)), "{r}");
    assert_eq!(r["results"][0]["externalId"], "V00003");
    assert_eq!(r["results"][0]["index"], Value::Null);
    assert_eq!(source_count(&app, "volunteers").await, 2);
    let q = r#"query($id: ID!) { node(id: $id) { id } }"#;
    let gone = app.post(q, json!({ "id": r["results"][0]["id"] })).await;
    assert_eq!(gone["errors"][0]["extensions"]["code"], "NOT_FOUND", "deleted rows are gone from reads");
    // Sent again, a deleted record comes back.
    let d = app.data(SYNC_VOLUNTEERS, batch(vec![volunteer(3)], json!({}))).await;
    assert_eq!(d["syncVolunteers"]["updated"], 1);
    assert!(d["syncVolunteers"]["results"][0]["changedFields"].as_array().unwrap().contains(&json!("deletedAt")));
    // Only with ALL: a partial batch would delete what failed.
    let d = app
        .data(SYNC_VOLUNTEERS, batch(vec![volunteer(1)], json!({ "deleteMissing": true, "atomicity": "PER_RECORD" })))
        .await;
    assert_eq!(d["syncVolunteers"]["userErrors"][0]["code"], "INVALID_ARGUMENT");
    assert_eq!(source_count(&app, "volunteers").await, 3);
    // An empty batch (a failed export upstream) never wipes the source.
    let d = app.data(SYNC_VOLUNTEERS, batch(vec![], json!({ "deleteMissing": true }))).await;
    assert_eq!(d["syncVolunteers"]["userErrors"][0]["code"], "EMPTY_BATCH");
    assert_eq!(d["syncVolunteers"]["deleted"], 0);
    assert_eq!(source_count(&app, "volunteers").await, 3);
});

both!(sync_clients_write_only_their_source_and_officials_only_their_region, |app| {
    teams(&app).await;
    let own = token_with("SYNC_CLIENT", |c| c.source = Some("national-volunteer-system".into()));
    let other = token_with("SYNC_CLIENT", |c| c.source = Some("county-hr".into()));
    let d = app.data_as(Some(&own), SYNC_VOLUNTEERS, batch(vec![volunteer(1)], json!({}))).await;
    assert_eq!(d["syncVolunteers"]["created"], 1);
    for token in [
        other,
        token_with("PORTAL", |_| {}),
        token_with("STATION_STAFF", |c| c.station = Some(uuid::Uuid::nil().to_string())),
    ] {
        let code = app.error_code_as(Some(&token), SYNC_VOLUNTEERS, batch(vec![volunteer(2)], json!({}))).await;
        assert_eq!(code, "FORBIDDEN");
    }
    assert_eq!(app.error_code_as(None, SYNC_VOLUNTEERS, batch(vec![volunteer(2)], json!({}))).await, "FORBIDDEN");
    let official = token_with("CIVIL_AFFAIRS", |c| c.region = Some("522301".into()));
    let mut elsewhere = volunteer(3);
    elsewhere["regionCode"] = json!("420502");
    elsewhere["teamExternalIds"] = json!([]);
    let d = app
        .data_as(
            Some(&official),
            SYNC_VOLUNTEERS,
            batch(vec![volunteer(2), elsewhere], json!({ "atomicity": "PER_RECORD" })),
        )
        .await;
    let r = &d["syncVolunteers"];
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(r["results"][1]["userErrors"][0]["code"], "OUT_OF_SCOPE");
    assert_eq!(r["results"][1]["userErrors"][0]["field"], json!(["records", "1", "regionCode"]));
    // The official's deleteMissing cannot reach rows outside the region either.
    let d = app
        .data_as(Some(&official), SYNC_VOLUNTEERS, batch(vec![volunteer(2)], json!({ "deleteMissing": true })))
        .await;
    assert_eq!(d["syncVolunteers"]["deleted"], 1, "V00001 lies in 522301");
});

both!(every_rule_fails_with_its_field_and_code, |app| {
    teams(&app).await;
    let mut cases: Vec<(Value, &str, &str)> = Vec::new();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = volunteer(7);
        f(&mut v);
        v
    };
    cases.push((with(&|v| v["externalId"] = json!(" ")), "externalId", "REQUIRED"));
    cases.push((with(&|v| v["name"] = json!("")), "name", "REQUIRED"));
    cases.push((with(&|v| v["name"] = json!("名".repeat(101))), "name", "TOO_LONG"));
    cases.push((with(&|v| v["phone"] = json!("1390000000")), "phone", "INVALID_PHONE"));
    cases.push((with(&|v| v["idNumber"] = json!("52230119900101001")), "idNumber", "INVALID_CITIZEN_ID"));
    cases.push((
        with(&|v| v["idNumber"] = json!(citizen_id(3).replace("19900101", "19900230"))),
        "idNumber",
        "INVALID_CITIZEN_ID",
    ));
    cases.push((with(&|v| v["regionCode"] = json!("52230")), "regionCode", "INVALID_DIVISION_CODE"));
    cases.push((with(&|v| v["regionCode"] = json!("522399")), "regionCode", "UNKNOWN_DIVISION"));
    cases.push((with(&|v| v["teamExternalIds"] = json!(["nope"])), "teamExternalIds", "UNKNOWN_REFERENCE"));
    for (record, field, code) in cases {
        let d = app.data(SYNC_VOLUNTEERS, batch(vec![record.clone()], json!({ "mode": "VALIDATE" }))).await;
        let e = &d["syncVolunteers"]["results"][0]["userErrors"][0];
        assert_eq!((e["field"][2].as_str(), e["code"].as_str()), (Some(field), Some(code)), "{record}: {d}");
    }
    let d =
        app.data(SYNC_VOLUNTEERS, batch(vec![volunteer(1), volunteer(1)], json!({ "atomicity": "PER_RECORD" }))).await;
    assert_eq!(d["syncVolunteers"]["results"][1]["userErrors"][0]["code"], "DUPLICATE_EXTERNAL_ID");
    assert_eq!(d["syncVolunteers"]["created"], 1);

    // Credit codes: the API refuses a wrong check character (GB 32100-2015).
    let good = civlink::domain::CreditCode::synthesize("52522301MJ0000001").unwrap().as_str().to_owned();
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    let org = |n: u32, code: &str| json!({ "externalId": format!("O{n}"), "name": "兴义市社会工作服务中心", "kind": "SOCIAL_WORK_AGENCY", "creditCode": code, "regionCode": "522301" });
    let d = app
        .data(SYNC_ORGANIZATIONS, json!({ "input": { "source": "national-volunteer-system", "atomicity": "PER_RECORD", "records": [org(1, &good), org(2, &bad)] } }))
        .await;
    let r = &d["syncOrganizations"];
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(r["results"][1]["userErrors"][0]["code"], "INVALID_CREDIT_CODE");

    // Workers: pay scale and employer reference.
    let worker = |n: u32| json!({ "externalId": format!("W{n}"), "name": "社工", "regionCode": "522301", "employerExternalId": "O1", "payPost": 2, "payGrade": 7, "certificateLevel": "ASSISTANT", "certificateYear": 2021 });
    let mut no_grade = worker(2);
    no_grade["payGrade"] = Value::Null;
    let mut stranger = worker(3);
    stranger["employerExternalId"] = json!("O2");
    let d = app
        .data(SYNC_WORKERS, json!({ "input": { "source": "national-volunteer-system", "atomicity": "PER_RECORD", "records": [worker(1), no_grade, stranger] } }))
        .await;
    let r = &d["syncSocialWorkers"];
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(1), Some(2)), "{r}");
    assert_eq!(r["results"][1]["userErrors"][0]["code"], "REQUIRED");
    assert_eq!(r["results"][2]["userErrors"][0]["code"], "UNKNOWN_REFERENCE");
    let employer = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM social_workers w JOIN organizations o ON o.id = w.employer_id WHERE w.external_id = 'W1' AND o.external_id = 'O1'",
        vec![],
    )
    .await;
    assert_eq!(employer, 1);
});

both!(a_batch_over_ten_thousand_records_is_refused_whole, |app| {
    let records: Vec<Value> =
        (0..10_001).map(|n| json!({ "externalId": format!("X{n}"), "name": "x", "regionCode": "522301" })).collect();
    let d = app.data(SYNC_VOLUNTEERS, batch(records, json!({}))).await;
    assert_eq!(d["syncVolunteers"]["userErrors"][0]["code"], "BATCH_TOO_LARGE");
    assert_eq!(source_count(&app, "volunteers").await, 0);
});

// A batch longer than one write chunk (`store::sync::CHUNK`, 500 records): under ALL its
// first chunks are written before a later record fails, and the failure still leaves nothing
// behind; sent whole, every record, membership and audit row is written once.
both!(all_writes_a_long_batch_in_chunks_and_one_late_failure_leaves_nothing, |app| {
    teams(&app).await;
    let n = civlink::store::sync::CHUNK * 2 + 201;
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let birth =
                chrono::NaiveDate::from_ymd_opt(1985, 1, 1).unwrap() + chrono::TimeDelta::days((i / 900) as i64);
            let id = civlink::domain::CitizenId::synthesize("522301", birth, (i % 900) as u16 + 1).unwrap();
            json!({
                "externalId": format!("L{i:05}"),
                "name": format!("志愿者{i}"),
                "idNumber": id.as_str(),
                "regionCode": "522301",
                "teamExternalIds": ["T1"],
            })
        })
        .collect();
    let audits_before = audit_count(&app).await;
    let memberships = "SELECT COUNT(*) AS n FROM volunteer_team_memberships m JOIN volunteers v \
                       ON v.id = m.volunteer_id WHERE v.source = 'national-volunteer-system' AND m.left_on IS NULL";

    // The last record names a well-formed county code that does not exist: it fails only when
    // the batch is planned against the database, after two chunks were written.
    let mut late = records.clone();
    late[n - 1]["regionCode"] = json!("522399");
    let d = app.data(SYNC_VOLUNTEERS, batch(late, json!({}))).await;
    let r = &d["syncVolunteers"];
    assert_eq!(
        (r["committed"].as_bool(), r["failed"].as_i64(), r["created"].as_i64()),
        (Some(false), Some(1), Some(0)),
        "{r}"
    );
    assert_eq!(r["results"][0]["index"], json!(n - 1));
    assert_eq!(r["results"][0]["userErrors"][0]["code"], "UNKNOWN_DIVISION");
    assert_eq!(source_count(&app, "volunteers").await, 0);
    assert_eq!(scalar(&app, memberships, vec![]).await, 0);
    assert_eq!(audit_count(&app).await, audits_before);

    let d = app.data(SYNC_VOLUNTEERS, batch(records.clone(), json!({}))).await;
    let r = &d["syncVolunteers"];
    assert_eq!((r["committed"].as_bool(), r["created"].as_u64()), (Some(true), Some(n as u64)), "{}", r["userErrors"]);
    assert_eq!(source_count(&app, "volunteers").await, n as i64);
    assert_eq!(scalar(&app, memberships, vec![]).await, n as i64);
    assert_eq!(audit_count(&app).await, audits_before + n as i64);

    let d = app.data(SYNC_VOLUNTEERS, batch(records, json!({}))).await;
    assert_eq!(d["syncVolunteers"]["results"], json!([]), "sent again, every record is unchanged");
    assert_eq!(audit_count(&app).await, audits_before + n as i64);
});
