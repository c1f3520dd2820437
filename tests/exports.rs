//! Bulk exports (`startExport`, issue 24): polled through `node(id:)` to their download over
//! real HTTP, with real tokens, on both databases; the round trip export → edit → import that
//! changes only the edited cells (masked cells kept); scope and masking per role, exactly the
//! list's; the owner-only rule for polls and downloads; the audit row; an upload over
//! `CIVLINK_IMPORT_JOB_ROWS` imported as an `ImportJob` polled to its result; a job whose
//! replica died reported FAILED.

mod common;

use std::time::Duration;

use common::{TestApp, admin_token, citizen_id, civil_affairs, is_masked_citizen_id, is_masked_mobile, token_with};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const SOURCE: &str = "export-test";

const SYNC: &str = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) {
    committed created updated failed userErrors { field code message } } }"#;

const START: &str = r#"mutation($input: StartExportInput!) { startExport(input: $input) {
    export { id status kind format progress { done total } url }
    userErrors { field code message } } }"#;

const POLL: &str = r#"query($id: ID!) { node(id: $id) { id ... on Export {
    status progress { done total } rowCount byteCount url expiresAt error { code message } } } }"#;

const IMPORT: &str = r#"mutation($input: ImportRosterInput!) { importRoster(input: $input) {
    committed created updated unchanged failed
    results { row externalId action userErrors { field code message } }
    userErrors { field message code } job { id status } } }"#;

const POLL_IMPORT: &str = r#"query($id: ID!) { node(id: $id) { id ... on ImportJob {
    status progress { done total } error { code }
    result { committed created updated unchanged failed results { row externalId action userErrors { code } } } } } }"#;

/// `n` volunteers named `往返{i}` in `region`, each with a phone and a citizen ID number.
fn volunteers(first: u16, n: u16, region: &str) -> Vec<Value> {
    (first..first + n)
        .map(|i| {
            json!({
                "externalId": format!("E{i:03}"),
                "name": format!("往返{i}"),
                "gender": if i % 2 == 0 { "FEMALE" } else { "MALE" },
                "idDocumentType": "RESIDENT_ID",
                "idNumber": citizen_id(i),
                "phone": format!("1390000{i:04}"),
                "skills": ["急救", "书法"],
                "regionCode": region,
            })
        })
        .collect()
}

async fn seed(app: &TestApp, first: u16, n: u16, region: &str) {
    let input = json!({ "source": SOURCE, "records": volunteers(first, n, region) });
    let d = app.data(SYNC, json!({ "input": input })).await;
    assert_eq!(d["syncVolunteers"]["userErrors"], json!([]), "{d}");
    assert_eq!(d["syncVolunteers"]["created"], json!(n), "{d}");
}

/// Starts an export as `token` and returns the `Export`.
async fn start(app: &TestApp, token: &str, input: Value) -> Value {
    let d = app.data_as(Some(token), START, json!({ "input": input })).await;
    assert_eq!(d["startExport"]["userErrors"], json!([]), "{d}");
    d["startExport"]["export"].clone()
}

/// Polls the export until it is SUCCEEDED or FAILED (at most 30 s).
async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..300 {
        let d = app.data_as(Some(token), POLL, json!({ "id": id })).await;
        let status = d["node"]["status"].as_str().unwrap_or_default().to_owned();
        if status == "SUCCEEDED" || status == "FAILED" {
            return d["node"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("export {id} did not finish in 30 s");
}

/// GETs `url` (relative) with `token`; the status and body.
async fn download(app: &TestApp, token: Option<&str>, url: &str) -> (StatusCode, Vec<u8>) {
    let mut request = app.client().get(format!("http://{}{url}", app.addr));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.expect("download");
    let status = response.status();
    (status, response.bytes().await.expect("body").to_vec())
}

/// Exports as `token` and returns the finished `Export` and its file.
async fn export(app: &TestApp, token: &str, input: Value) -> (Value, Vec<u8>) {
    let started = start(app, token, input).await;
    let done = finished(app, token, started["id"].as_str().expect("id")).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let (status, body) = download(app, Some(token), done["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    (done, body)
}

/// The CSV's header and rows (the byte-order mark removed).
fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).expect("a UTF-8 byte-order mark");
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader.headers().expect("headers").iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.expect("row").iter().map(str::to_owned).collect()).collect();
    (headers, rows)
}

fn write_csv(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers).expect("header");
        for r in rows {
            w.write_record(r).expect("row");
        }
        w.flush().expect("flush");
    }
    out
}

fn column(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

/// Uploads `bytes` as a volunteers roster of [`SOURCE`] with `token`; `importRoster`'s result.
async fn import(app: &TestApp, token: &str, mode: &str, bytes: Vec<u8>) -> Value {
    import_named(app, token, mode, "volunteers.csv", bytes).await
}

/// Like [`import`], with the file's name (its extension tells CSV from XLSX).
async fn import_named(app: &TestApp, token: &str, mode: &str, name: &str, bytes: Vec<u8>) -> Value {
    let input =
        json!({ "kind": "VOLUNTEERS", "source": SOURCE, "mode": mode, "atomicity": "PER_RECORD", "file": null });
    let operations = json!({ "query": IMPORT, "variables": { "input": input } });
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part("0", Part::bytes(bytes).file_name(name.to_owned()));
    let response = app
        .client()
        .post(app.graphql_url())
        .multipart(form)
        .bearer_auth(token)
        .header("apollo-require-preflight", "true")
        .send()
        .await
        .expect("send");
    let body: Value = response.json().await.expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["importRoster"].clone()
}

/// The stored `(external id, name, phone, id number, version)` of the test source's volunteers.
async fn stored(app: &TestApp) -> Vec<(String, String, Option<String>, Option<String>, i32)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::volunteer::Entity::find()
        .filter(entity::volunteer::Column::Source.eq(SOURCE))
        .order_by_asc(entity::volunteer::Column::ExternalId)
        .all(&app.db)
        .await
        .expect("volunteers")
        .into_iter()
        .map(|v| (v.external_id.unwrap_or_default(), v.name, v.phone, v.id_number, v.version))
        .collect()
}

both!(an_exported_roster_edited_in_three_cells_and_imported_again_updates_three_records_and_leaves_the_rest, |app| {
    seed(&app, 1, 8, "522301").await;
    let before = stored(&app).await;
    let admin = admin_token();
    let filter = json!({ "region": "522301", "nameContains": "往返" });
    let (done, file) =
        export(&app, &admin, json!({ "kind": "VOLUNTEERS", "format": "CSV", "filter": filter.clone() })).await;
    assert_eq!(done["rowCount"], 8, "{done}");
    assert_eq!(done["progress"], json!({ "done": 8, "total": 8 }), "{done}");
    let (headers, mut rows) = parse_csv(&file);
    for h in ["编号", "姓名", "性别", "证件类型", "证件号码", "手机号", "技能", "行政区划代码"]
    {
        column(&headers, h);
    }
    assert_eq!(rows.len(), 8);
    let (name, phone, skills) = (column(&headers, "姓名"), column(&headers, "手机号"), column(&headers, "技能"));
    // Masked as the read API shows them to ADMIN.
    assert!(rows.iter().all(|r| is_masked_mobile(&r[phone])), "{rows:?}");
    assert!(rows.iter().all(|r| is_masked_citizen_id(&r[column(&headers, "证件号码")])), "{rows:?}");
    rows[0][name] = "往返改名".to_owned();
    rows[1][phone] = "13800001111".to_owned();
    rows[2][skills] = "急救;书法;心理疏导".to_owned();
    let edited = write_csv(&headers, &rows);

    // A mask that is not the stored value's is refused, not written.
    let mut wrong = rows.clone();
    wrong[3][phone] = "139****0000".to_owned();
    let dry = import(&app, &admin, "VALIDATE", write_csv(&headers, &wrong)).await;
    let codes: Vec<&Value> = dry["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["userErrors"].as_array().expect("errors"))
        .map(|e| &e["code"])
        .collect();
    assert_eq!(codes, vec![&json!("MASKED_VALUE")], "{dry}");

    let r = import(&app, &admin, "COMMIT", edited).await;
    assert_eq!(
        (r["updated"].as_i64(), r["unchanged"].as_i64(), r["failed"].as_i64()),
        (Some(3), Some(5), Some(0)),
        "{r}"
    );
    let after = stored(&app).await;
    let changed: Vec<&str> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0.as_str()).collect();
    assert_eq!(changed, vec!["E001", "E002", "E003"]);
    assert_eq!(after[0].1, "往返改名");
    assert_eq!(after[1].2.as_deref(), Some("13800001111"));
    // Every other phone and ID number is the real one, not its mask.
    for (b, a) in before.iter().zip(&after).skip(1) {
        assert_eq!(b.3, a.3, "the ID number of {} kept", b.0);
    }
    for (b, a) in before.iter().zip(&after).skip(2) {
        assert_eq!(b.2, a.2, "the phone of {} kept", b.0);
    }

    // XLSX: the same columns, every cell text; imported back unedited, nothing changes.
    let (_, book) = export(&app, &admin, json!({ "kind": "VOLUNTEERS", "format": "XLSX", "filter": filter })).await;
    assert!(book.starts_with(b"PK"), "a zip archive");
    let again = import_named(&app, &admin, "COMMIT", "volunteers.xlsx", book).await;
    let counts = (again["updated"].as_i64(), again["unchanged"].as_i64(), again["failed"].as_i64());
    assert_eq!(counts, (Some(0), Some(8), Some(0)), "{again}");
    assert_eq!(stored(&app).await, after, "nothing written");
});

both!(an_export_applies_the_callers_scope_and_masking_and_is_the_callers_alone, |app| {
    seed(&app, 1, 4, "522301").await;
    seed(&app, 101, 3, "522323").await;
    let county = civil_affairs("522301");
    let filter = json!({ "nameContains": "往返" });

    // CIVIL_AFFAIRS of 兴义市: its county's volunteers only, phones and ID numbers masked.
    let (done, file) = export(&app, &county, json!({ "kind": "VOLUNTEERS", "filter": filter })).await;
    let (headers, rows) = parse_csv(&file);
    assert_eq!(done["rowCount"], 4);
    let region = column(&headers, "行政区划代码");
    assert!(rows.iter().all(|r| r[region].starts_with("522301")), "{rows:?}");
    assert!(rows.iter().all(|r| is_masked_mobile(&r[column(&headers, "手机号")])), "{rows:?}");

    // JSON Lines: the list's JSON, the same rows and masks.
    let (_, lines) = export(&app, &county, json!({ "kind": "VOLUNTEERS", "format": "JSONL", "filter": filter })).await;
    let records: Vec<Value> =
        String::from_utf8(lines).expect("UTF-8").lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(records.len(), 4);
    assert!(records.iter().all(|r| is_masked_citizen_id(r["idNumber"].as_str().unwrap_or_default())), "{records:?}");

    // PORTAL reads volunteers without contact or ID data: the file has none either.
    let portal = token_with("PORTAL", |_| {});
    let (done, file) = export(&app, &portal, json!({ "kind": "VOLUNTEERS", "filter": filter })).await;
    assert_eq!(done["rowCount"], 7);
    let (headers, rows) = parse_csv(&file);
    let (phone, id) = (column(&headers, "手机号"), column(&headers, "证件号码"));
    assert!(rows.iter().all(|r| r[phone].is_empty() && r[id].is_empty()), "{rows:?}");

    // Another county's official neither polls nor downloads it; nobody downloads without a token.
    let started = start(&app, &county, json!({ "kind": "VOLUNTEERS", "filter": filter })).await;
    let id = started["id"].as_str().expect("id");
    let done = finished(&app, &county, id).await;
    let url = done["url"].as_str().expect("url");
    let other = civil_affairs("522323");
    assert_eq!(app.error_code_as(Some(&other), POLL, json!({ "id": id })).await, "NOT_FOUND");
    assert_eq!(download(&app, Some(&other), url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(download(&app, None, url).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.error_code_as(None, START, json!({ "input": { "kind": "VOLUNTEERS" } })).await, "FORBIDDEN");

    // One audit row per export: who, what, how many rows, which filter.
    let audited = common::scalar(
        &app,
        "SELECT COUNT(*) AS n FROM audit_log WHERE entity_id = 'export' AND actor = 'test-civil_affairs' AND entity = 'Volunteer'",
        vec![],
    )
    .await;
    assert_eq!(audited, 3);
    let bad = app
        .data_as(Some(&county), START, json!({ "input": { "kind": "VOLUNTEERS", "filter": { "region": "52x" } } }))
        .await;
    assert_eq!(bad["startExport"]["userErrors"][0]["code"], "INVALID_DIVISION_CODE", "{bad}");

    // Past `expiresAt` the url is gone, and the file's pieces are removed when a new export runs.
    let key = common::uuid_of(&json!(id), "Export");
    let backend = app.db.get_database_backend();
    let past = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE jobs SET expires_at = NOW() - INTERVAL '1 hour'",
        _ => "UPDATE jobs SET expires_at = '2000-01-01T00:00:00+00:00'",
    };
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared(past).await.expect("expire");
    assert_eq!(download(&app, Some(&county), url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(finished(&app, &county, id).await["url"], Value::Null);
    let pieces = "SELECT COUNT(*) AS n FROM job_chunks WHERE job_id = $1";
    assert!(common::scalar(&app, pieces, vec![key.into()]).await > 0);
    export(&app, &county, json!({ "kind": "VOLUNTEER_TEAMS" })).await;
    assert_eq!(common::scalar(&app, pieces, vec![key.into()]).await, 0, "the expired file removed");
});

fn small_jobs() -> common::Options {
    let mut o = common::Options::default();
    o.http.jobs.import_job_rows = 3;
    o
}

both_with!(
    an_upload_over_the_job_threshold_is_imported_in_the_background_and_polled_to_its_result,
    super::small_jobs(),
    |app| {
        let headers: Vec<String> = ["编号", "姓名", "手机号", "行政区划代码"].iter().map(|h| h.to_string()).collect();
        let rows: Vec<Vec<String>> = (1..=6)
            .map(|i| {
                let phone = if i == 6 { "123".to_owned() } else { format!("1390000{i:04}") };
                vec![format!("J{i:03}"), format!("后台{i}"), phone, "522301".to_owned()]
            })
            .collect();
        let admin = admin_token();
        let queued = import(&app, &admin, "COMMIT", write_csv(&headers, &rows)).await;
        assert_eq!(queued["created"], 0, "{queued}");
        let id = queued["job"]["id"].as_str().expect("a job").to_owned();
        let mut job = Value::Null;
        for _ in 0..300 {
            job = app.data_as(Some(&admin), POLL_IMPORT, json!({ "id": id })).await["node"].clone();
            if job["status"] == "SUCCEEDED" || job["status"] == "FAILED" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(job["status"], "SUCCEEDED", "{job}");
        assert_eq!(job["progress"], json!({ "done": 6, "total": 6 }), "{job}");
        let result = &job["result"];
        assert_eq!((result["created"].as_i64(), result["failed"].as_i64()), (Some(5), Some(1)), "{job}");
        let failed: Vec<&Value> =
            result["results"].as_array().expect("results").iter().filter(|r| r["action"] == "FAILED").collect();
        assert_eq!(failed[0]["row"], 7, "{job}");
        assert_eq!(failed[0]["userErrors"][0]["code"], "INVALID_PHONE", "{job}");
        assert_eq!(stored(&app).await.len(), 5, "written by the job");
        let other = civil_affairs("522301");
        assert_eq!(app.error_code_as(Some(&other), POLL_IMPORT, json!({ "id": id })).await, "NOT_FOUND");
        // At or under the threshold, the import runs inline, as before.
        let inline = import(&app, &admin, "COMMIT", write_csv(&headers, &rows[..3])).await;
        assert_eq!((inline["unchanged"].as_i64(), inline["job"].clone()), (Some(3), Value::Null), "{inline}");
    }
);

both!(an_export_whose_replica_stopped_is_reported_failed_not_lost, |app| {
    let owner = civlink::store::job::Owner {
        subject: "test-admin".to_owned(),
        role: "ADMIN".to_owned(),
        scope: "ALL".to_owned(),
    };
    let input = json!({ "kind": "VOLUNTEERS", "format": "CSV", "filter": {}, "orderBy": null }).to_string();
    // A job whose replica was killed while it ran: RUNNING, lease lapsed, never renewed.
    let job = civlink::store::job::create(&app.db, &owner, entity::job::JobKind::Export, input, Duration::ZERO)
        .await
        .expect("job");
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE jobs SET status = 'RUNNING' WHERE id = $1",
        _ => "UPDATE jobs SET status = 'RUNNING' WHERE id = ?",
    };
    app.db.execute_raw(Statement::from_sql_and_values(backend, sql, [job.id.into()])).await.expect("update");
    let id = common::gid("Export", job.id);
    let d = app.data_as(Some(&admin_token()), POLL, json!({ "id": id })).await;
    assert_eq!(d["node"]["status"], "FAILED", "{d}");
    assert_eq!(d["node"]["error"]["code"], "INTERRUPTED", "{d}");
    assert_eq!(d["node"]["url"], Value::Null);

    // The same for an import whose replica was killed mid-file.
    let input = json!({ "source": SOURCE, "rows": 5000 }).to_string();
    let job = civlink::store::job::create(&app.db, &owner, entity::job::JobKind::Import, input, Duration::ZERO)
        .await
        .expect("job");
    app.db.execute_raw(Statement::from_sql_and_values(backend, sql, [job.id.into()])).await.expect("update");
    let id = common::gid("ImportJob", job.id);
    let d = app.data_as(Some(&admin_token()), POLL_IMPORT, json!({ "id": id })).await;
    assert_eq!(d["node"]["status"], "FAILED", "{d}");
    assert_eq!(d["node"]["error"]["code"], "INTERRUPTED", "{d}");
    assert_eq!(d["node"]["result"], Value::Null);
});

// Found by a review: a name such as `=HYPERLINK(…)` went into the CSV as it was, and a
// spreadsheet program runs it when the file is opened (OWASP, "CSV Injection"). The cell gets
// a leading `'`, which the import takes off again.
both!(formula_like_values_are_guarded_in_csv_and_import_back_unchanged, |app| {
    let hostile = "=HYPERLINK(\"http://x\",\"y\")";
    let input = json!({ "source": SOURCE, "records": [
        { "externalId": "F1", "name": hostile, "regionCode": "522301" },
        { "externalId": "F2", "name": "@SUM(1)", "regionCode": "522301" },
    ] });
    let d = app.data(SYNC, json!({ "input": input })).await;
    assert_eq!(d["syncVolunteers"]["created"], 2, "{d}");
    let admin = admin_token();
    let filter = json!({ "region": "522301" });
    let (_, file) = export(&app, &admin, json!({ "kind": "VOLUNTEERS", "format": "CSV", "filter": filter })).await;
    let (headers, rows) = parse_csv(&file);
    let name = column(&headers, "姓名");
    let names: Vec<&str> =
        rows.iter().map(|r| r[name].as_str()).filter(|n| n.contains("SUM") || n.contains("HYPERLINK")).collect();
    assert_eq!(names, vec![format!("'{hostile}").as_str(), "'@SUM(1)"], "no cell starts with a formula");
    let before = stored(&app).await;
    let mine: Vec<Vec<String>> = rows.into_iter().filter(|r| r[name].starts_with('\'')).collect();
    let again = import(&app, &admin, "COMMIT", write_csv(&headers, &mine)).await;
    assert_eq!((again["updated"].clone(), again["unchanged"].clone()), (json!(0), json!(2)), "{again}");
    assert_eq!(stored(&app).await, before);
});

// Found by a review: an ADMIN export holds several sources' records; imported as one source,
// another system's row of the same `编号` overwrote that source's record. Exports write the
// source, and the import refuses rows of another one.
both!(rows_of_another_source_are_refused_not_written_over_that_sources_records, |app| {
    seed(&app, 1, 2, "522301").await;
    let other = json!({ "source": "other-system", "records": [
        { "externalId": "E001", "name": "来源混淆", "regionCode": "522301" } ] });
    let d = app.data(SYNC, json!({ "input": other })).await;
    assert_eq!(d["syncVolunteers"]["created"], 1, "{d}");
    let admin = admin_token();
    let (_, file) = export(
        &app,
        &admin,
        json!({ "kind": "VOLUNTEERS", "format": "CSV", "filter": { "nameContains": "来源混淆" } }),
    )
    .await;
    let (headers, rows) = parse_csv(&file);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][column(&headers, "来源")], "other-system");
    let before = stored(&app).await;
    let result = import(&app, &admin, "COMMIT", write_csv(&headers, &rows)).await;
    let codes: Vec<&Value> = result["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["userErrors"].as_array().unwrap())
        .map(|e| &e["code"])
        .collect();
    assert_eq!(codes, vec![&json!("SOURCE_MISMATCH")], "{result}");
    assert_eq!(stored(&app).await, before, "the test source's records are untouched");
});

/// Every kind `startExport` takes: the `Query` list it reads, the list filter's region field,
/// and the first headers of its CSV.
const KINDS: [(&str, &str, &str, &[&str]); 13] = [
    ("REGIONS", "regions", "within", &["行政区划代码", "名称", "级别"]),
    ("STATIONS", "stations", "region", &["ID", "编号", "来源", "名称", "层级"]),
    ("ORGANIZATIONS", "organizations", "region", &["编号", "来源", "机构名称"]),
    ("SOCIAL_WORKERS", "socialWorkers", "region", &["编号", "来源", "姓名"]),
    ("VOLUNTEERS", "volunteers", "region", &["编号", "来源", "姓名"]),
    ("VOLUNTEER_TEAMS", "volunteerTeams", "region", &["编号", "来源", "队伍名称"]),
    ("CLIENTS", "clients", "region", &["ID", "编号", "来源", "姓名", "性别", "证件号码"]),
    ("PROJECTS", "projects", "region", &["ID", "编号", "来源", "项目名称"]),
    ("SERVICE_RECORDS", "serviceRecords", "region", &["ID", "服务日期", "服务类型"]),
    ("CHARITY_RESOURCES", "charityResources", "region", &["ID", "说明", "类型"]),
    ("TRAININGS", "trainings", "region", &["ID", "编号", "来源", "主题"]),
    ("DELIBERATION_MEETINGS", "deliberationMeetings", "region", &["ID", "编号", "来源", "议题"]),
    ("AWARDS", "awards", "region", &["ID", "编号", "来源", "称号"]),
];

both!(every_listable_kind_exports_the_rows_its_list_returns, |app| {
    let admin = admin_token();
    for (kind, field, region_filter, headers) in KINDS {
        // The first of the demo's four places that has records of the kind.
        let mut place = None;
        for region in ["522301", "5223", "511802", "420502", "2302"] {
            let count = format!("{{ {field}(filter: {{ {region_filter}: \"{region}\" }}) {{ totalCount }} }}");
            let total = app.data(&count, json!({})).await[field]["totalCount"].as_i64().expect("totalCount");
            if total > 0 {
                place = Some((region, total));
                break;
            }
        }
        let (region, total) = place.unwrap_or_else(|| panic!("{kind}: the demo data has none"));
        let (done, file) = export(&app, &admin, json!({ "kind": kind, "filter": { "region": region } })).await;
        assert_eq!(done["rowCount"], total, "{kind}: the list's rows");
        let (got, rows) = parse_csv(&file);
        assert_eq!(&got[..headers.len()], headers, "{kind}");
        assert_eq!(rows.len() as i64, total, "{kind}");
        assert!(rows.iter().all(|r| r.len() == got.len()), "{kind}: every row has every column");
        let code = column(&got, "行政区划代码");
        assert!(rows.iter().all(|r| r[code].starts_with(region)), "{kind}: {rows:?}");
    }
});

both!(client_exports_are_masked_for_every_role_and_refuse_filters_their_list_lacks, |app| {
    // Clients: names, ID numbers, phones and addresses masked as `clients` lists them, for
    // ADMIN as for a county official; an export never reveals.
    for token in [admin_token(), civil_affairs("511802")] {
        let (_, file) = export(&app, &token, json!({ "kind": "CLIENTS", "filter": { "region": "511802" } })).await;
        let (headers, rows) = parse_csv(&file);
        assert!(!rows.is_empty());
        let (name, id, phone) = (column(&headers, "姓名"), column(&headers, "证件号码"), column(&headers, "手机号"));
        for r in &rows {
            assert!(r[name].contains('*'), "{r:?}");
            assert!(r[id].is_empty() || is_masked_citizen_id(&r[id]), "{r:?}");
            assert!(r[phone].is_empty() || r[phone].contains('*'), "{r:?}");
        }
    }
    let refused = |input: Value| {
        let app = &app;
        async move { app.data(START, json!({ "input": input })).await["startExport"].clone() }
    };
    let r = refused(json!({ "kind": "CLIENTS", "filter": { "nameContains": "张" } })).await;
    assert_eq!(r["userErrors"][0]["code"], "UNSUPPORTED_FILTER", "{r}");
    assert_eq!(r["userErrors"][0]["field"], json!(["filter", "nameContains"]));
    assert_eq!(r["export"], Value::Null);
    let r = refused(json!({ "kind": "SERVICE_RECORDS", "orderBy": { "field": "NAME" } })).await;
    assert_eq!(r["userErrors"][0]["code"], "UNSUPPORTED_ORDER", "{r}");
    let r = refused(json!({ "kind": "REGIONS", "orderBy": { "field": "UPDATED_AT" } })).await;
    assert_eq!(r["userErrors"][0]["code"], "UNSUPPORTED_ORDER", "{r}");

    // REGIONS by name, descending: the list's order.
    let (_, file) = export(
        &app,
        &admin_token(),
        json!({ "kind": "REGIONS", "filter": { "region": "522301" }, "orderBy": { "field": "NAME", "direction": "DESC" } }),
    )
    .await;
    let (headers, rows) = parse_csv(&file);
    let names: Vec<&str> = rows.iter().map(|r| r[column(&headers, "名称")].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
});

both!(a_compressed_download_is_the_whole_file, |app| {
    // Found by a review: with `Accept-Encoding: gzip` (every browser's fetch) the download
    // panicked at its end and the client got a truncated file.
    seed(&app, 1, 8, "522301").await;
    let admin = admin_token();
    let (done, plain) = export(&app, &admin, json!({ "kind": "VOLUNTEERS", "format": "JSONL" })).await;
    let url = format!("http://{}{}", app.addr, done["url"].as_str().expect("url"));
    let response =
        app.client().get(url).bearer_auth(&admin).header("accept-encoding", "gzip").send().await.expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    let body = response.bytes().await.expect("the whole body");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut unzipped).expect("gzip");
    assert_eq!(unzipped, plain);
    // The export's audit row names no record: `entityId` is `export` for persons' lists too
    // (it came out as the global id of a Volunteer "export").
    let q = r#"{ auditLog(first: 5, filter: { entity: "Volunteer" }, orderBy: { direction: DESC }) { nodes { entityId reason } } }"#;
    let log = app.data(q, json!({})).await;
    let row = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["reason"].as_str().is_some_and(|r| r.starts_with("export")));
    assert_eq!(row.expect("the export's audit row")["entityId"], "export", "{log}");
});

both!(a_caller_runs_three_exports_at_once_not_more, |app| {
    // Found by a review: a PORTAL token queued twenty exports in a row, each a file in the
    // database, held back only by its rate budget.
    let portal = token_with("PORTAL", |_| {});
    let input = json!({ "input": { "kind": "REGIONS", "format": "JSONL" } });
    let mut started = Vec::new();
    for _ in 0..3 {
        let d = app.data_as(Some(&portal), START, input.clone()).await;
        assert_eq!(d["startExport"]["userErrors"], json!([]), "{d}");
        started.push(d["startExport"]["export"]["id"].as_str().expect("id").to_owned());
    }
    let d = app.data_as(Some(&portal), START, input.clone()).await;
    let refused = &d["startExport"];
    if refused["export"].is_null() {
        assert_eq!(refused["userErrors"][0]["code"], "TOO_MANY_EXPORTS", "{d}");
        assert_eq!(refused["userErrors"][0]["field"], json!(["kind"]));
    } else {
        // The first three ran to their end before the fourth came: nothing to refuse.
        for id in &started {
            assert_ne!(finished(&app, &portal, id).await["status"], "RUNNING");
        }
    }
    // Once they have finished, the caller may start more.
    for id in &started {
        finished(&app, &portal, id).await;
    }
    let d = app.data_as(Some(&portal), START, input).await;
    assert_eq!(d["startExport"]["userErrors"], json!([]), "{d}");
});
