//! One person, many records (issue 23): a citizen ID number already held by a live record of
//! the same kind and source is refused (`DUPLICATE_PERSON`) on every write path (create and
//! update mutations, roster sync, spreadsheet import, twice in one batch, concurrent creates);
//! records of other sources with the same number are `sameAs` and count once in statistics;
//! lookups by ID number and by external reference, audited without the number; and what a
//! caller without reveal rights can learn.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use civlink::import::NoProgress;
use civlink::import::roster::{RosterKind, RosterOptions, import_roster};
use civlink::store::sync::Atomicity;
use common::{error_codes, payload_ok, scalar, token_with};
use serde_json::{Value, json};

const CREATE_VOLUNTEER: &str = r#"mutation($input: CreateVolunteerInput!) { createVolunteer(input: $input) {
    volunteer { id record { version } } userErrors { field message code existingId } } }"#;
const UPDATE_VOLUNTEER: &str = r#"mutation($input: UpdateVolunteerInput!) { updateVolunteer(input: $input) {
    volunteer { id record { version } } userErrors { field message code existingId } } }"#;
const DELETE_VOLUNTEER: &str = r#"mutation($input: DeleteInput!) { deleteVolunteer(input: $input) {
    deletedId userErrors { field code } } }"#;
const CREATE_WORKER: &str = r#"mutation($input: CreateSocialWorkerInput!) { createSocialWorker(input: $input) {
    socialWorker { id } userErrors { field message code existingId } } }"#;
const SYNC_VOLUNTEERS: &str = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) {
    committed created updated failed
    results { index externalId action id userErrors { field message code existingId } }
    userErrors { field message code } } }"#;
const SYNC_WORKERS: &str = r#"mutation($input: SyncSocialWorkersInput!) { syncSocialWorkers(input: $input) {
    committed created failed results { index action id userErrors { field code existingId } } } }"#;
const FIND_VOLUNTEERS: &str = r#"query($f: VolunteerFilter) { volunteers(first: 10, filter: $f) {
    totalCount nodes { id externalReference { source externalId } } } }"#;

/// A valid GB 11643 number for sequence `n`, born 1987-03-09 in 册亨县 (none of the demo's).
fn number(n: u16) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1987, 3, 9).unwrap();
    civlink::domain::CitizenId::synthesize("522327", birth, n).unwrap().as_str().to_owned()
}

/// A number whose check character is `X` (a sequence from 900 on: the tests' other numbers
/// use lower ones).
fn number_with_x() -> String {
    (900..999).map(number).find(|n| n.ends_with('X')).expect("some sequence checks to X")
}

fn volunteer(id_number: &str, region: &str) -> Value {
    json!({ "name": "王芳", "idNumber": id_number, "regionCode": region })
}

fn official(region: &str) -> String {
    let region = region.to_owned();
    token_with("CIVIL_AFFAIRS", move |c| c.region = Some(region))
}

fn sync_client(source: &str) -> String {
    let source = source.to_owned();
    token_with("SYNC_CLIENT", move |c| c.source = Some(source))
}

fn synced(n: &str, ext: &str, region: &str) -> Value {
    json!({ "externalId": ext, "name": "李强", "idNumber": n, "regionCode": region })
}

fn batch(source: &str, records: Vec<Value>, extra: Value) -> Value {
    let mut input = json!({ "source": source, "records": records });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    json!({ "input": input })
}

/// The only user error of mutation `field`.
fn the_error(d: &Value, field: &str) -> Value {
    let errors = d[field]["userErrors"].as_array().unwrap_or_else(|| panic!("{d}"));
    assert_eq!(errors.len(), 1, "{d}");
    errors[0].clone()
}

both!(create_and_update_refuse_a_number_another_volunteer_holds_naming_it, |app| {
    let n = number_with_x();
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&n, "522327") })).await;
    let first = payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone();

    // The same number, with a lowercase check character: the same person.
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&n.to_lowercase(), "522301") })).await;
    let e = the_error(&d, "createVolunteer");
    assert_eq!((e["field"].clone(), e["code"].clone()), (json!(["idNumber"]), json!("DUPLICATE_PERSON")));
    assert_eq!(e["existingId"], first, "ADMIN may read the holder: it is named");
    assert!(e["message"].as_str().unwrap().contains(first.as_str().unwrap()));
    assert!(!e["message"].as_str().unwrap().contains(&n[..17]), "the message never repeats the number");
    assert!(d["createVolunteer"]["volunteer"].is_null());

    // An update to a number in use is refused too; to a free one it is not.
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&number(2), "522327") })).await;
    let second = payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone();
    let input = json!({ "id": second, "expectedVersion": 1, "idNumber": n });
    let d = app.data(UPDATE_VOLUNTEER, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "updateVolunteer"), common::one_error("idNumber", "DUPLICATE_PERSON"));
    assert_eq!(the_error(&d, "updateVolunteer")["existingId"], first);
    // Updating the holder itself (same number) is no duplicate.
    let input = json!({ "id": first, "expectedVersion": 1, "idNumber": n, "name": "王芳芳" });
    payload_ok(&app.data(UPDATE_VOLUNTEER, json!({ "input": input })).await, "updateVolunteer");

    // A deleted record holds no number: it may be registered again.
    let d = app.data(DELETE_VOLUNTEER, json!({ "input": { "id": first, "expectedVersion": 2 } })).await;
    payload_ok(&d, "deleteVolunteer");
    payload_ok(&app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&n, "522327") })).await, "createVolunteer");

    // Social workers: the same rule, their own kind (a volunteer's number is no worker's).
    let worker = json!({ "name": "赵敏", "idNumber": n, "regionCode": "522327" });
    payload_ok(&app.data(CREATE_WORKER, json!({ "input": worker.clone() })).await, "createSocialWorker");
    let d = app.data(CREATE_WORKER, json!({ "input": worker })).await;
    assert_eq!(the_error(&d, "createSocialWorker")["code"], "DUPLICATE_PERSON");
    // The audit log and the table hold the number only as the column it always was.
    let sql = "SELECT COUNT(*) AS n FROM audit_log WHERE changes LIKE $1";
    assert_eq!(scalar(&app, sql, vec![format!("%{n}%").into()]).await, 0, "audit rows mask the number");
});

both!(sync_refuses_a_held_number_and_the_second_record_of_one_batch, |app| {
    let src = "national-volunteer-system";
    let d = app.data(SYNC_VOLUNTEERS, batch(src, vec![synced(&number(10), "N1", "522327")], json!({}))).await;
    assert_eq!(d["syncVolunteers"]["created"], 1, "{d}");
    let holder = d["syncVolunteers"]["results"][0]["id"].clone();

    // Another external id with the held number; and two new records with one number.
    let records = vec![
        synced(&number(10), "N2", "522327"),
        synced(&number(11), "N3", "522327"),
        synced(&number(11), "N0", "522327"),
    ];
    for atomicity in ["ALL", "PER_RECORD"] {
        let d = app.data(SYNC_VOLUNTEERS, batch(src, records.clone(), json!({ "atomicity": atomicity }))).await;
        let results = d["syncVolunteers"]["results"].as_array().unwrap().clone();
        let failed: Vec<(i64, Value, Value)> = results
            .iter()
            .filter(|r| r["action"] == "FAILED")
            .map(|r| {
                (
                    r["index"].as_i64().unwrap(),
                    r["userErrors"][0]["code"].clone(),
                    r["userErrors"][0]["existingId"].clone(),
                )
            })
            .collect();
        // Record 0 is held by N1 (named); record 2 repeats record 1's number: the second is
        // refused, whatever order the external ids sort in (N0 < N3).
        assert!(failed.contains(&(0, json!("DUPLICATE_PERSON"), holder.clone())), "{atomicity}: {d}");
        assert!(failed.iter().any(|f| f.0 == 2 && f.1 == "DUPLICATE_PERSON"), "{atomicity}: {d}");
        assert!(!failed.iter().any(|f| f.0 == 1), "{atomicity}: {d}");
        if atomicity == "PER_RECORD" {
            assert_eq!(d["syncVolunteers"]["created"], 1, "{d}");
        }
    }
    // Another source may hold the same number: another system's record of the same person.
    let d = app
        .data(SYNC_VOLUNTEERS, batch("xingyi-volunteers", vec![synced(&number(10), "X1", "522327")], json!({})))
        .await;
    assert_eq!(d["syncVolunteers"]["created"], 1, "{d}");
    // Workers sync under the same rule.
    let w = |ext: &str| json!({ "externalId": ext, "name": "赵敏", "idNumber": number(12), "regionCode": "522327" });
    let d = app.data(SYNC_WORKERS, batch(src, vec![w("W1"), w("W2")], json!({ "atomicity": "PER_RECORD" }))).await;
    assert_eq!(
        (d["syncSocialWorkers"]["created"].clone(), d["syncSocialWorkers"]["failed"].clone()),
        (json!(1), json!(1)),
        "{d}"
    );
    assert_eq!(d["syncSocialWorkers"]["results"][1]["userErrors"][0]["code"], "DUPLICATE_PERSON", "{d}");
});

both!(import_refuses_the_second_row_of_a_spreadsheet_and_a_held_number, |app| {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster.csv");
    let csv = format!(
        "外部编号,姓名,身份证号,行政区划代码\nR1,甲一,{},522327\nR2,乙二,{},522327\nR3,丙三,{},522327\n",
        number(20),
        number(21),
        number(20).to_lowercase()
    );
    std::fs::write(&file, csv).unwrap();
    let options = RosterOptions {
        source: "county-roster".into(),
        dry_run: false,
        atomicity: Atomicity::PerRecord,
        batch_size: 2_000,
        write_timeout: civlink::store::write::DEFAULT_WRITE_TIMEOUT,
        person_keys: Some(civlink::domain::person::PersonKeys::insecure_for_tests()),
    };
    let report = import_roster(&app.db, RosterKind::Volunteers, &file, &options, &NoProgress).await.unwrap();
    assert_eq!((report.created, report.failed), (2, 1), "{report}");
    let errors: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.row, e.code)).collect();
    assert_eq!(errors, vec![(4, "DUPLICATE_PERSON")], "the third data row (spreadsheet row 4) repeats the first");
    // A later file with a number the source already holds, under a new external id.
    std::fs::write(&file, format!("外部编号,姓名,身份证号,行政区划代码\nR9,丁四,{},522327\n", number(21))).unwrap();
    let report = import_roster(&app.db, RosterKind::Volunteers, &file, &options, &NoProgress).await.unwrap();
    assert_eq!(report.failed, 1, "{report}");
    assert_eq!(report.errors[0].code, "DUPLICATE_PERSON");
});

both!(concurrent_creates_give_the_answer_sequential_ones_would, |app| {
    let n = number(30);
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for region in ["522327", "522301", "522324", "522327", "522301", "522324"] {
        let app = app.clone();
        let input = volunteer(&n, region);
        tasks.push(tokio::spawn(async move { app.data(CREATE_VOLUNTEER, json!({ "input": input })).await }));
    }
    let mut created = Vec::new();
    let mut refused = Vec::new();
    for t in tasks {
        let d = t.await.unwrap();
        let v = &d["createVolunteer"];
        if v["volunteer"].is_object() {
            created.push(v["volunteer"]["id"].clone());
        } else {
            refused.push(the_error(&d, "createVolunteer"));
        }
    }
    assert_eq!(created.len(), 1, "one volunteer, whoever came first: {refused:?}");
    for e in &refused {
        assert_eq!((e["code"].clone(), e["existingId"].clone()), (json!("DUPLICATE_PERSON"), created[0].clone()));
    }
    let live = "SELECT COUNT(*) AS n FROM volunteers WHERE deleted_at IS NULL AND source IS NULL AND name = '王芳'";
    assert_eq!(scalar(&app, live, vec![]).await, 1);
});

both!(records_of_one_person_in_several_sources_are_same_as_and_count_once, |app| {
    let n = number(40);
    let before = "{ region(code: \"522327\") { statistics(period: { from: \"2024-01-01\", to: \"2025-01-01\" }) { volunteers { volunteers } socialWorkers { total } } } }";
    let stats = |d: &Value| {
        let s = &d["region"]["statistics"];
        (s["volunteers"]["volunteers"].as_i64().unwrap(), s["socialWorkers"]["total"].as_i64().unwrap())
    };
    let (v0, w0) = stats(&app.data(before, json!({})).await);
    let mut ids = Vec::new();
    for (src, ext) in [("national-volunteer-system", "NV1"), ("county-roster", "C1")] {
        let d = app.data(SYNC_VOLUNTEERS, batch(src, vec![synced(&n, ext, "522327")], json!({}))).await;
        ids.push(d["syncVolunteers"]["results"][0]["id"].clone());
    }
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&n, "522327") })).await;
    ids.push(payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone());
    // Three records, one person; another person with two records.
    for (src, ext) in [("national-volunteer-system", "NV2"), ("county-roster", "C2")] {
        app.data(SYNC_VOLUNTEERS, batch(src, vec![synced(&number(41), ext, "522327")], json!({}))).await;
    }
    let (v1, w1) = stats(&app.data(before, json!({})).await);
    assert_eq!((v1 - v0, w1 - w0), (2, 0), "5 records of 2 persons count as 2 volunteers");

    let same_as = r#"query($id: ID!) { volunteer(id: $id) { sameAs(first: 10) { totalCount nodes { id } } } }"#;
    let d = app.data(same_as, json!({ "id": ids[0] })).await;
    let mut got: Vec<Value> =
        d["volunteer"]["sameAs"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
    got.sort_by_key(|v| v.to_string());
    let mut want = vec![ids[1].clone(), ids[2].clone()];
    want.sort_by_key(|v| v.to_string());
    assert_eq!(got, want, "the other two records, not itself");
    assert_eq!(d["volunteer"]["sameAs"]["totalCount"], 2);
    // A sync client reads its own source only: the others are not listed.
    let d = app.data_as(Some(&sync_client("county-roster")), same_as, json!({ "id": ids[1] })).await;
    assert_eq!(d["volunteer"]["sameAs"]["totalCount"], 0, "{d}");
    // PORTAL reads volunteers but not ID numbers: that two records are one person is not for it.
    let portal = token_with("PORTAL", |_| {});
    assert_eq!(app.error_code_as(Some(&portal), same_as, json!({ "id": ids[0] })).await, "FORBIDDEN");
});

// Found by a review: a sync client may write anywhere, so a published count of persons (even
// one merged only within a division) told it whether a guessed number it registered was on
// file there. Published head counts are counts of records.
both!(a_published_head_count_grows_by_one_whatever_number_a_writer_registers, |app| {
    let q = "{ region(code: \"522327\") { statistics(period: { from: \"2024-01-01\", to: \"2025-01-01\" }) { access volunteers { volunteers } } } }";
    let count = |d: Value| {
        (
            d["region"]["statistics"]["access"].clone(),
            d["region"]["statistics"]["volunteers"]["volunteers"].as_i64().unwrap(),
        )
    };
    let on_file = number(60);
    app.data(SYNC_VOLUNTEERS, batch("county-roster", vec![synced(&on_file, "P1", "522327")], json!({}))).await;
    let (access, public0) = count(app.data_as(None, q, json!({})).await);
    assert_eq!(access, "PUBLISHED");
    let (_, full0) = count(app.data(q, json!({})).await);
    let prober = sync_client("other-system");
    for (k, n) in [on_file, number(61)].iter().enumerate() {
        let d = app
            .data_as(
                Some(&prober),
                SYNC_VOLUNTEERS,
                batch("other-system", vec![synced(n, &format!("X{k}"), "522327")], json!({})),
            )
            .await;
        assert_eq!(d["syncVolunteers"]["results"][0]["action"], "CREATED", "{d}");
        let (_, public) = count(app.data_as(None, q, json!({})).await);
        assert_eq!(public, public0 + k as i64 + 1, "one more record, whether or not the number was on file");
    }
    // For FULL access the registered person counted once, the new one once more.
    let (_, full) = count(app.data(q, json!({})).await);
    assert_eq!(full, full0 + 1);
});

// Found by a review: a refusal tells a county official that a number is held in another
// county of the same source, a record it may not read, and a dry run wrote nothing down. Each
// such refusal is now a REVEAL row naming the record (not the number), dry runs included.
both!(a_refusal_that_tells_of_a_record_the_writer_may_not_read_is_audited_dry_runs_too, |app| {
    let held = number(70);
    let d = app.data(SYNC_VOLUNTEERS, batch("provincial-roster", vec![synced(&held, "H1", "522327")], json!({}))).await;
    let holder = d["syncVolunteers"]["results"][0]["id"].clone();
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&held, "522327") })).await;
    let own_holder = payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone();
    let prober = official("522301");
    let probe = batch("provincial-roster", vec![synced(&held, "P1", "522301")], json!({ "mode": "VALIDATE" }));
    let d = app.data_as(Some(&prober), SYNC_VOLUNTEERS, probe).await;
    let e = &d["syncVolunteers"]["results"][0]["userErrors"][0];
    assert_eq!((e["code"].clone(), e["existingId"].clone()), (json!("DUPLICATE_PERSON"), Value::Null), "{d}");
    let d = app.data_as(Some(&prober), CREATE_VOLUNTEER, json!({ "input": volunteer(&held, "522301") })).await;
    assert_eq!(the_error(&d, "createVolunteer")["code"], "DUPLICATE_PERSON");
    // A number nobody holds leaves no row.
    let free = batch("provincial-roster", vec![synced(&number(71), "P2", "522301")], json!({ "mode": "VALIDATE" }));
    app.data_as(Some(&prober), SYNC_VOLUNTEERS, free).await;

    let audit = r#"{ auditLog(first: 100, filter: { entity: "Volunteer" }) { nodes { action actor role entityId fields reason changes } } }"#;
    let rows = app.data(audit, json!({})).await;
    let checks: Vec<&Value> = rows["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reason"] == civlink::store::audit::DUPLICATE_CHECK)
        .collect();
    // The rows name the records by global id (or key): one row per refusal.
    let named = |r: &Value, id: &Value| {
        r["entityId"] == *id || r["entityId"] == json!(common::uuid_of(id, "Volunteer").to_string())
    };
    assert_eq!(checks.len(), 2, "{rows:#}");
    assert!(checks.iter().any(|r| named(r, &holder)) && checks.iter().any(|r| named(r, &own_holder)), "{rows:#}");
    for r in &checks {
        assert_eq!(
            (r["action"].clone(), r["role"].clone(), r["fields"].clone()),
            (json!("REVEAL"), json!("CIVIL_AFFAIRS"), json!(["idNumber"]))
        );
        assert!(!r.to_string().contains(&held), "the number is not in the log: {r}");
    }
});

both!(lookups_by_id_number_are_audited_without_the_number_and_refused_to_roles_that_may_not_reveal, |app| {
    let n = number_with_x();
    let d = app
        .data(SYNC_VOLUNTEERS, batch("national-volunteer-system", vec![synced(&n, "L1", "522327")], json!({})))
        .await;
    let id = d["syncVolunteers"]["results"][0]["id"].clone();
    let lookup = |number: &str| json!({ "f": { "idNumber": { "number": number, "reason": "核实志愿者身份" } } });

    // CIVIL_AFFAIRS of the county finds the record, by either case of the check character.
    let county = official("522327");
    for sent in [n.clone(), n.to_lowercase()] {
        let d = app.data_as(Some(&county), FIND_VOLUNTEERS, lookup(&sent)).await;
        assert_eq!(
            d["volunteers"]["nodes"],
            json!([{ "id": id, "externalReference": { "source": "national-volunteer-system", "externalId": "L1" } }])
        );
    }
    // Another county's official finds nothing: the same answer as for a number nobody holds.
    let other = official("522301");
    let held = app.data_as(Some(&other), FIND_VOLUNTEERS, lookup(&n)).await;
    let free = app.data_as(Some(&other), FIND_VOLUNTEERS, lookup(&number(50))).await;
    assert_eq!(held, free);
    assert_eq!(held["volunteers"]["totalCount"], 0);

    // Each lookup is one REVEAL row with who and why, and neither the number nor its key.
    let audit = r#"{ auditLog(first: 100, filter: { entity: "Volunteer" }) { nodes { action actor role entityId fields reason changes } } }"#;
    let rows = app.data(audit, json!({})).await;
    let lookups: Vec<&Value> =
        rows["auditLog"]["nodes"].as_array().unwrap().iter().filter(|r| r["entityId"] == "lookup").collect();
    assert_eq!(lookups.len(), 4, "{rows:#}");
    for r in &lookups {
        assert_eq!((r["action"].clone(), r["fields"].clone()), (json!("REVEAL"), json!(["filter.idNumber"])));
        assert_eq!(r["reason"], "核实志愿者身份");
        assert!(r["changes"].is_null());
    }
    let text = rows.to_string();
    let key = civlink::domain::person::PersonKeys::insecure_for_tests().key_of(&n).unwrap();
    assert!(!text.contains(&n[..17]) && !text.contains(&key), "the audit log names no number nor key");
    let sql = "SELECT COUNT(*) AS n FROM audit_log WHERE reason LIKE $1 OR fields LIKE $1 OR entity_id LIKE $1 OR changes LIKE $1";
    assert_eq!(scalar(&app, sql, vec![format!("%{}%", &n[..17]).into()]).await, 0);

    // By external reference.
    let by_ref = json!({ "f": { "externalReference": { "source": "national-volunteer-system", "externalId": "L1" } } });
    let d = app.data_as(Some(&county), FIND_VOLUNTEERS, by_ref.clone()).await;
    assert_eq!(d["volunteers"]["nodes"][0]["id"], id);

    // Roles that may not reveal ID numbers: refused before anything is looked up, the same for
    // a held and a free number, in lists and in counts; nothing audited.
    let count = r#"query($f: VolunteerFilter) { volunteers(filter: $f) { totalCount } }"#;
    let portal = token_with("PORTAL", |_| {});
    for token in [Some(portal.as_str()), None] {
        for q in [FIND_VOLUNTEERS, count] {
            let held = app.post_as(token, q, lookup(&n)).await;
            let free = app.post_as(token, q, lookup(&number(50))).await;
            assert_eq!(held["errors"][0]["extensions"]["code"], "FORBIDDEN", "{held}");
            assert_eq!(held, free, "a refusal tells nothing about the number");
            let by_ref = app.post_as(token, q, by_ref.clone()).await;
            assert_eq!(by_ref["errors"][0]["extensions"]["code"], "FORBIDDEN", "{by_ref}");
        }
    }
    let rows = app.data(audit, json!({})).await;
    let after = rows["auditLog"]["nodes"].as_array().unwrap().iter().filter(|r| r["entityId"] == "lookup").count();
    assert_eq!(after, 4, "refused lookups write nothing");
    // A malformed number: its own code, no echo.
    let bad = app.post_as(Some(&county), FIND_VOLUNTEERS, lookup("52232719870309001")).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "INVALID_CITIZEN_ID", "{bad}");
    assert!(!bad.to_string().contains("52232719870309001"));
});

both!(a_writer_who_may_not_read_the_holder_learns_only_that_the_number_is_taken, |app| {
    // A volunteer civlink owns, in 册亨县.
    let n = number(60);
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&n, "522327") })).await;
    let holder = payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone();
    // 兴义市's official registers the same person in its county: refused (the rule), but the
    // answer names no record, division, time or name it may not read.
    let other = official("522301");
    let d = app.data_as(Some(&other), CREATE_VOLUNTEER, json!({ "input": volunteer(&n, "522301") })).await;
    let e = the_error(&d, "createVolunteer");
    assert_eq!(e["code"], "DUPLICATE_PERSON");
    assert!(e["existingId"].is_null(), "{e}");
    let text = d.to_string();
    let uuid = common::uuid_of(&holder, "Volunteer").to_string();
    for secret in [holder.as_str().unwrap(), uuid.as_str(), "522327", "册亨", "王芳"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // The message is the same whoever holds the number and wherever: compare with a holder in
    // yet another county.
    let m = number(61);
    app.data(CREATE_VOLUNTEER, json!({ "input": volunteer(&m, "522324") })).await;
    let d2 = app.data_as(Some(&other), CREATE_VOLUNTEER, json!({ "input": volunteer(&m, "522301") })).await;
    assert_eq!(the_error(&d2, "createVolunteer"), e, "one answer for every holder outside the caller's reach");
    // The county's own records are named to it.
    let d = app.data_as(Some(&other), CREATE_VOLUNTEER, json!({ "input": volunteer(&number(62), "522301") })).await;
    let own = payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone();
    let d = app.data_as(Some(&other), CREATE_VOLUNTEER, json!({ "input": volunteer(&number(62), "522301") })).await;
    assert_eq!(the_error(&d, "createVolunteer")["existingId"], own);
    // A CIVIL_AFFAIRS sync (another source, the holder outside its region): the same.
    let records = vec![synced(&n, "S1", "522301")];
    let d = app.data(SYNC_VOLUNTEERS, batch("county-sync", records.clone(), json!({}))).await;
    assert_eq!(d["syncVolunteers"]["created"], 1, "another source: no duplicate");
    let records = vec![synced(&n, "S2", "522301")];
    let d = app
        .data_as(
            Some(&official("522301")),
            SYNC_VOLUNTEERS,
            batch("county-sync", records, json!({ "mode": "VALIDATE" })),
        )
        .await;
    let e = &d["syncVolunteers"]["results"][0]["userErrors"][0];
    assert_eq!(e["code"], "DUPLICATE_PERSON", "{d}");
    assert!(!e["existingId"].is_null(), "the holder S1 lies in the official's region: named");
});

both!(counts_do_not_tell_a_writer_whether_a_number_is_registered_outside_its_reach, |app| {
    // 册亨县 (522327) has a volunteer of the national volunteer system with number X.
    let x = number(80);
    let d = app
        .data(SYNC_VOLUNTEERS, batch("national-volunteer-system", vec![synced(&x, "C80", "522327")], json!({})))
        .await;
    assert_eq!(d["syncVolunteers"]["created"], 1, "{d}");
    let q = r#"{ region(code: "5223") { statistics(period: { from: "2024-01-01", to: "2025-01-01" }) { access volunteers { volunteers } } } }"#;
    let official = official("522301");
    let count = |d: &Value| d["region"]["statistics"]["volunteers"]["volunteers"].as_i64().unwrap();
    let (own0, full0) =
        (count(&app.data_as(Some(&official), q, json!({})).await), count(&app.data(q, json!({})).await));
    // 兴义市's official registers X and a free number Y in its own county (civlink's own source).
    for n in [x.clone(), number(81)] {
        payload_ok(
            &app.data_as(Some(&official), CREATE_VOLUNTEER, json!({ "input": volunteer(&n, "522301") })).await,
            "createVolunteer",
        );
    }
    let published = app.data_as(Some(&official), q, json!({})).await;
    assert_eq!(published["region"]["statistics"]["access"], "PUBLISHED");
    assert_eq!(
        count(&published) - own0,
        2,
        "X counts like the free Y: the prefecture's count tells nothing about 册亨县"
    );
    // Callers who may read every record of the prefecture count the person once.
    assert_eq!(count(&app.data(q, json!({})).await) - full0, 1);
});

both!(backfill_keys_stored_rows_keeps_the_oldest_of_a_legacy_duplicate_and_rekeys_for_a_new_secret, |app| {
    use sea_orm::ConnectionTrait;
    let (a, b) = (number(90), number(91));
    let records = vec![synced(&a, "OLD1", "522327"), synced(&b, "OLD2", "522327")];
    let d = app.data(SYNC_VOLUNTEERS, batch("legacy", records, json!({}))).await;
    assert_eq!(d["syncVolunteers"]["created"], 2, "{d}");
    // As written before the rule: one number twice in one source, no keys.
    let sql = format!("UPDATE volunteers SET id_number = '{a}', person_key = NULL WHERE source = 'legacy'");
    app.db.execute_unprepared(&sql).await.unwrap();
    let keys = civlink::domain::person::PersonKeys::insecure_for_tests();
    let done = civlink::store::person::backfill(&app.db, &keys).await.unwrap();
    assert_eq!((done.keyed, done.duplicates, done.rekeyed), (1, 1, false));
    let keyed = "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'legacy' AND person_key = $1";
    assert_eq!(scalar(&app, keyed, vec![keys.key_of(&a).unwrap().into()]).await, 1);
    let oldest = "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'legacy' AND external_id = 'OLD1' AND person_key IS NOT NULL";
    assert_eq!(scalar(&app, oldest, vec![]).await, 1, "the older row keeps the key");
    // Idempotent; and a new secret makes every key again.
    assert_eq!(civlink::store::person::backfill(&app.db, &keys).await.unwrap().keyed, 0);
    let other = civlink::domain::person::PersonKeys::derive(b"another-person-key-secret-of-32-bytes!").unwrap();
    let done = civlink::store::person::backfill(&app.db, &other).await.unwrap();
    assert!(done.rekeyed && done.keyed > 1, "{done:?}");
    assert_eq!(scalar(&app, keyed, vec![keys.key_of(&a).unwrap().into()]).await, 0);
    assert_eq!(scalar(&app, keyed, vec![other.key_of(&a).unwrap().into()]).await, 1);
});

/// `civlink serve` (the real binary) on a copy of the SQLite template, its JSON logs captured:
/// a lookup by ID number leaves the number in no log line and no audit row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_by_id_number_leaves_the_number_in_no_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("civlink.db");
    std::fs::copy(common::sqlite_template(), &db).unwrap();
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_civlink"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("CIVLINK_ADDR", "127.0.0.1:0")
        .env("CIVLINK_JWT_SECRET", common::TEST_SECRET)
        .env("CIVLINK_PERSON_KEY_SECRET", "person-key-secret-of-the-log-test-0123456789")
        .env("CIVLINK_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start civlink");
    let logs = Arc::new(Mutex::new(String::new()));
    let mut stderr = child.stderr.take().unwrap();
    let sink = logs.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(k) = stderr.read(&mut buf) {
            if k == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..k]));
        }
    });
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(std::io::BufRead::read_line(&mut stdout, &mut line).unwrap() > 0, "{}", logs.lock().unwrap());
        if let Some(rest) = line.trim().strip_prefix("civlink listening on http://") {
            break rest.to_owned();
        }
    };
    let client = reqwest::Client::new();
    let url_gql = format!("http://{addr}/graphql");
    let n = number(70);
    let admin = common::admin_token();
    let create: Value = client
        .post(&url_gql)
        .bearer_auth(&admin)
        .json(&json!({ "query": CREATE_VOLUNTEER, "variables": { "input": volunteer(&n, "522327") } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(create["data"]["createVolunteer"]["volunteer"].is_object(), "{create}");
    let duplicate: Value = client
        .post(&url_gql)
        .bearer_auth(&admin)
        .json(&json!({ "query": CREATE_VOLUNTEER, "variables": { "input": volunteer(&n, "522327") } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(duplicate["data"]["createVolunteer"]["userErrors"][0]["code"], "DUPLICATE_PERSON", "{duplicate}");
    for token in [official("522327"), token_with("PORTAL", |_| {})] {
        let body = json!({ "query": FIND_VOLUNTEERS, "variables": { "f": { "idNumber": { "number": n, "reason": "核实身份" } } } });
        let resp: Value =
            client.post(&url_gql).bearer_auth(&token).json(&body).send().await.unwrap().json().await.unwrap();
        assert!(resp.get("data").is_some(), "{resp}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    let logs = logs.lock().unwrap().clone();
    assert!(logs.contains("request finished"), "the requests were logged: {logs}");
    assert!(!logs.contains(&n[..17]), "the number is in the server's log:\n{logs}");
    // The audit rows of the lookup, read from the database the binary wrote.
    let conn = sea_orm::Database::connect(&url).await.unwrap();
    use sea_orm::ConnectionTrait;
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COALESCE(reason, '') || fields || entity_id || COALESCE(changes, '') AS t FROM audit_log",
        ))
        .await
        .unwrap();
    let mut lookups = 0;
    for r in rows {
        let t: String = r.try_get("", "t").unwrap();
        assert!(!t.contains(&n[..17]), "the number is in an audit row: {t}");
        lookups += usize::from(t.contains("filter.idNumber"));
    }
    assert_eq!(lookups, 1, "the official's lookup is audited, PORTAL's refused one is not");
}
