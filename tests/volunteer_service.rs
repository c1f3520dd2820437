//! The volunteer service ledger through the API: `recordVolunteerService`,
//! `correctVolunteerService`, `syncVolunteerService`, `Volunteer.serviceEntries`, and the
//! totals that sum the ledger (`Volunteer.serviceHours`, `Volunteer.points`, statistics),
//! which a reversal cancels. 西陵区 (420502) runs the demo's points pilot in 7 communities
//! (10 points an hour, 12 for care for the elderly, from 2023-01-01; `src/seed/demo.rs`).

mod common;

use common::{civil_affairs, error_codes, one_error, payload_ok, token_with};
use serde_json::{Value, json};

const CREATE_VOLUNTEER: &str = r#"mutation($input: CreateVolunteerInput!) { createVolunteer(input: $input) {
    volunteer { id } userErrors { field message code } } }"#;
const RECORD: &str = r#"mutation($input: RecordVolunteerServiceInput!) { recordVolunteerService(input: $input) {
    entry { id volunteerId servedOn minutes points activity description stationId corrects record { version } }
    userErrors { field message code } } }"#;
const CORRECT: &str = r#"mutation($input: CorrectVolunteerServiceInput!) { correctVolunteerService(input: $input) {
    entry { id servedOn minutes points activity description corrects }
    userErrors { field message code } } }"#;
const TOTALS: &str = r#"query($id: ID!) { volunteer(id: $id) { serviceHours points
    serviceEntries { id minutes points corrects externalReference { source externalId } } } }"#;
const STATS: &str = r#"{ region(code: "420502") { statistics(period: { from: "2024-01-01", to: "2025-01-01" }) {
    access volunteers { serviceHours servicePersonTimes points } } } }"#;
const SYNC_VOLUNTEERS: &str = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) {
    created failed userErrors { code message } results { userErrors { field code message } } } }"#;
const SYNC: &str = r#"mutation($input: SyncVolunteerServiceInput!) { syncVolunteerService(input: $input) {
    committed created updated unchanged failed
    results { index externalId action id changedFields userErrors { field code message } }
    userErrors { code message } } }"#;

/// A pilot community of 西陵区 (a rule applies) and a division without rules.
const PILOT: &str = "420502001001";
const NO_RULES: &str = "522301";

/// Creates a volunteer of `region` as ADMIN; returns its global id.
async fn volunteer(app: &common::TestApp, name: &str, region: &str) -> Value {
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": { "name": name, "regionCode": region } })).await;
    payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone()
}

fn service(volunteer: &Value, minutes: i32, activity: &str) -> Value {
    json!({ "volunteer": volunteer, "servedOn": "2024-05-01", "minutes": minutes, "activity": activity })
}

/// `base` with the fields of `patch` laid over it.
fn with(base: &Value, patch: Value) -> Value {
    let mut v = base.clone();
    for (k, x) in patch.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

async fn totals(app: &common::TestApp, id: &Value) -> (f64, i64, usize) {
    let d = app.data(TOTALS, json!({ "id": id })).await;
    let v = &d["volunteer"];
    (v["serviceHours"].as_f64().unwrap(), v["points"].as_i64().unwrap(), v["serviceEntries"].as_array().unwrap().len())
}

async fn stats(app: &common::TestApp, token: &str) -> (f64, i64, i64) {
    let d = app.data_as(Some(token), STATS, json!({})).await;
    let s = &d["region"]["statistics"];
    assert_eq!(s["access"], "FULL", "{d}");
    let v = &s["volunteers"];
    (v["serviceHours"].as_f64().unwrap(), v["servicePersonTimes"].as_i64().unwrap(), v["points"].as_i64().unwrap())
}

both!(a_reversal_cancels_its_entry_in_every_total_and_an_entry_is_corrected_once, |app| {
    let official = civil_affairs("420502");
    let vol = volunteer(&app, "李志愿", PILOT).await;
    let (hours0, person_times0, points0) = stats(&app, &official).await;

    // 90 minutes of care for the elderly in a pilot community: 12 points an hour.
    let d = app.data_as(Some(&official), RECORD, json!({ "input": service(&vol, 90, "ELDERLY_CARE") })).await;
    let first = payload_ok(&d, "recordVolunteerService")["entry"].clone();
    assert_eq!(first["points"], 18, "{first}");
    assert_eq!(first["minutes"], 90);
    assert_eq!(first["volunteerId"], vol);
    assert_eq!(first["corrects"], Value::Null);
    let d = app.data_as(Some(&official), RECORD, json!({ "input": service(&vol, 30, "ENVIRONMENT") })).await;
    let second = payload_ok(&d, "recordVolunteerService")["entry"].clone();
    assert_eq!(second["points"], 5, "any other activity: 10 points an hour");
    assert_eq!(totals(&app, &vol).await, (2.0, 23, 2));
    let q = r#"query($f: AuditLogFilter) { auditLog(first: 100, filter: $f) { nodes { action entityId changes } } }"#;
    let d = app.data(q, json!({ "f": { "entity": "VolunteerServiceEntry" } })).await;
    let created: Vec<&Value> = common::nodes(&d["auditLog"]).iter().filter(|n| n["entityId"] == first["id"]).collect();
    assert_eq!(created.len(), 1, "{d}");
    assert_eq!(created[0]["action"], "CREATE");
    assert_eq!(created[0]["changes"]["minutes"]["new"], "90", "{d}");

    // The first entry is corrected: a reversal on the same day, minutes and points negated.
    let input = json!({ "entry": first["id"], "reason": "登记重复" });
    let d = app.data_as(Some(&official), CORRECT, json!({ "input": input })).await;
    let reversal = payload_ok(&d, "correctVolunteerService")["entry"].clone();
    assert_eq!(reversal["corrects"], first["id"]);
    assert_eq!((reversal["minutes"].clone(), reversal["points"].clone()), (json!(-90), json!(-18)));
    assert_eq!(reversal["servedOn"], "2024-05-01");
    assert_eq!(reversal["activity"], "ELDERLY_CARE");
    assert_eq!(reversal["description"], "登记重复");
    assert_eq!(totals(&app, &vol).await, (0.5, 5, 3), "the reversal cancels the first entry");
    let (hours, person_times, points) = stats(&app, &official).await;
    assert!((hours - hours0 - 0.5).abs() < 1e-9, "{hours} vs {hours0}");
    assert_eq!(person_times - person_times0, 1, "the corrected entry counts no person-time");
    assert_eq!(points - points0, 5);

    // Neither the entry nor its reversal can be corrected again; nothing more is written.
    let d = app.data_as(Some(&official), CORRECT, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "correctVolunteerService"), one_error("entry", "ALREADY_CORRECTED"));
    assert_eq!(d["correctVolunteerService"]["entry"], Value::Null);
    let again = json!({ "entry": reversal["id"], "reason": "撤销更正" });
    let d = app.data_as(Some(&official), CORRECT, json!({ "input": again })).await;
    assert_eq!(error_codes(&d, "correctVolunteerService"), one_error("entry", "NOT_CORRECTABLE"));
    assert_eq!(totals(&app, &vol).await, (0.5, 5, 3));
});

both!(points_come_from_the_rules_and_given_points_must_agree_with_them, |app| {
    let pilot = volunteer(&app, "王积分", PILOT).await;
    let elsewhere = volunteer(&app, "张服务", NO_RULES).await;

    // Where a rule applies, given points must be the rule's.
    let d =
        app.data(RECORD, json!({ "input": with(&service(&pilot, 60, "ELDERLY_CARE"), json!({ "points": 5 })) })).await;
    assert_eq!(error_codes(&d, "recordVolunteerService"), one_error("points", "INCONSISTENT"));
    let message = d["recordVolunteerService"]["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("12"), "the message names the rule's value: {message}");
    let d =
        app.data(RECORD, json!({ "input": with(&service(&pilot, 60, "ELDERLY_CARE"), json!({ "points": 12 })) })).await;
    assert_eq!(payload_ok(&d, "recordVolunteerService")["entry"]["points"], 12);
    // Before the pilot began no rule applies.
    let early = with(&service(&pilot, 60, "ELDERLY_CARE"), json!({ "servedOn": "2022-12-31" }));
    let d = app.data(RECORD, json!({ "input": early })).await;
    assert_eq!(payload_ok(&d, "recordVolunteerService")["entry"]["points"], 0);

    // Where none applies, given points are recorded as given, and absent ones are 0.
    let d = app.data(RECORD, json!({ "input": with(&service(&elsewhere, 60, "OTHER"), json!({ "points": 7 })) })).await;
    assert_eq!(payload_ok(&d, "recordVolunteerService")["entry"]["points"], 7);
    let d = app.data(RECORD, json!({ "input": service(&elsewhere, 60, "OTHER") })).await;
    assert_eq!(payload_ok(&d, "recordVolunteerService")["entry"]["points"], 0);
    assert_eq!(totals(&app, &elsewhere).await, (2.0, 7, 2));
});

both!(bad_input_is_refused_with_the_exact_user_error_code_and_nothing_is_written, |app| {
    let vol = volunteer(&app, "赵错误", PILOT).await;
    let cases = [
        (with(&service(&vol, 60, "OTHER"), json!({ "minutes": 0 })), one_error("minutes", "OUT_OF_RANGE")),
        (with(&service(&vol, 60, "OTHER"), json!({ "minutes": 1441 })), one_error("minutes", "OUT_OF_RANGE")),
        (with(&service(&vol, 60, "OTHER"), json!({ "servedOn": "2099-01-01" })), one_error("servedOn", "OUT_OF_RANGE")),
        (with(&service(&vol, 60, "OTHER"), json!({ "points": -3 })), one_error("points", "OUT_OF_RANGE")),
        (with(&service(&vol, 60, "OTHER"), json!({ "volunteer": "not-an-id" })), one_error("volunteer", "INVALID_ID")),
        (
            with(&service(&vol, 60, "OTHER"), json!({ "station": common::gid("Station", uuid::Uuid::now_v7()) })),
            one_error("station", "UNKNOWN_REFERENCE"),
        ),
    ];
    for (input, expected) in cases {
        let d = app.data(RECORD, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "recordVolunteerService"), expected, "{input}");
        assert_eq!(d["recordVolunteerService"]["entry"], Value::Null);
    }
    let d = app.data(CORRECT, json!({ "input": { "entry": uuid::Uuid::now_v7().to_string(), "reason": "x" } })).await;
    assert_eq!(error_codes(&d, "correctVolunteerService"), one_error("entry", "NOT_FOUND"));
    let d = app.data(RECORD, json!({ "input": service(&vol, 60, "OTHER") })).await;
    let entry = payload_ok(&d, "recordVolunteerService")["entry"]["id"].clone();
    let d = app.data(CORRECT, json!({ "input": { "entry": entry, "reason": "  " } })).await;
    assert_eq!(error_codes(&d, "correctVolunteerService"), one_error("reason", "REQUIRED"));
    assert_eq!(totals(&app, &vol).await, (1.0, 10, 1));
});

both!(service_is_recorded_only_for_volunteers_the_caller_may_write, |app| {
    let vol = volunteer(&app, "钱范围", PILOT).await;
    let d = app.data(RECORD, json!({ "input": service(&vol, 60, "OTHER") })).await;
    let entry = payload_ok(&d, "recordVolunteerService")["entry"]["id"].clone();

    // Another county's official: the volunteer and its entries are not found.
    let other = civil_affairs("522301");
    let d = app.data_as(Some(&other), RECORD, json!({ "input": service(&vol, 60, "OTHER") })).await;
    assert_eq!(error_codes(&d, "recordVolunteerService"), one_error("volunteer", "NOT_FOUND"));
    let d = app.data_as(Some(&other), CORRECT, json!({ "input": { "entry": entry, "reason": "越权" } })).await;
    assert_eq!(error_codes(&d, "correctVolunteerService"), one_error("entry", "NOT_FOUND"));

    // Roles that may not write volunteers are refused outright.
    let portal = token_with("PORTAL", |_| {});
    let sync = token_with("SYNC_CLIENT", |c| c.source = Some("demo".into()));
    for token in [Some(portal.as_str()), Some(sync.as_str()), None] {
        let code = app.error_code_as(token, RECORD, json!({ "input": service(&vol, 60, "OTHER") })).await;
        assert_eq!(code, "FORBIDDEN", "{token:?}");
        let code = app.error_code_as(token, CORRECT, json!({ "input": { "entry": entry, "reason": "越权" } })).await;
        assert_eq!(code, "FORBIDDEN", "{token:?}");
    }
    // PORTAL sees the volunteer's totals but not its entries.
    let code = app.error_code_as(Some(&portal), TOTALS, json!({ "id": vol })).await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(totals(&app, &vol).await, (1.0, 10, 1), "nothing written by the refused calls");
});

both!(the_sync_is_idempotent_validate_writes_nothing_and_entries_are_never_edited, |app| {
    let client = token_with("SYNC_CLIENT", |c| c.source = Some("xiling-points".into()));
    let roster = json!({ "source": "xiling-points", "records": [
        { "externalId": "V1", "name": "孙同步", "regionCode": PILOT } ] });
    let d = app.data_as(Some(&client), SYNC_VOLUNTEERS, json!({ "input": roster })).await;
    assert_eq!(d["syncVolunteers"]["created"], 1, "{d}");
    let vol = {
        let q = r#"{ volunteers(first: 5, filter: { nameContains: "孙同步" }) { nodes { id } } }"#;
        app.data(q, json!({})).await["volunteers"]["nodes"][0]["id"].clone()
    };
    let e1 = json!({ "externalId": "E1", "volunteerExternalId": "V1", "servedOn": "2024-05-01", "minutes": 60, "activity": "ELDERLY_CARE" });
    let batch = |mode: &str, records: Vec<Value>| json!({ "input": { "source": "xiling-points", "mode": mode, "records": records } });

    // VALIDATE reports what COMMIT would do and writes nothing.
    let d = app.data_as(Some(&client), SYNC, batch("VALIDATE", vec![e1.clone()])).await;
    let s = &d["syncVolunteerService"];
    assert_eq!((s["committed"].clone(), s["created"].clone()), (json!(false), json!(1)), "{d}");
    assert_eq!(totals(&app, &vol).await, (0.0, 0, 0));

    // COMMIT writes it, with the rule's points; sent again it is unchanged.
    let d = app.data_as(Some(&client), SYNC, batch("COMMIT", vec![e1.clone()])).await;
    let s = &d["syncVolunteerService"];
    assert_eq!((s["committed"].clone(), s["created"].clone()), (json!(true), json!(1)), "{d}");
    assert_eq!(totals(&app, &vol).await, (1.0, 12, 1));
    let d = app.data_as(Some(&client), SYNC, batch("COMMIT", vec![e1.clone()])).await;
    let s = &d["syncVolunteerService"];
    assert_eq!(
        (s["committed"].clone(), s["created"].clone(), s["unchanged"].clone()),
        (json!(false), json!(0), json!(1)),
        "{d}"
    );
    assert_eq!(totals(&app, &vol).await, (1.0, 12, 1));

    // Sent again with other values it is refused: entries are never edited.
    let changed = with(&e1, json!({ "minutes": 30 }));
    let d = app.data_as(Some(&client), SYNC, batch("COMMIT", vec![changed])).await;
    let s = &d["syncVolunteerService"];
    assert_eq!(s["failed"], 1, "{d}");
    assert_eq!(s["results"][0]["userErrors"][0]["code"], "ENTRY_IMMUTABLE");
    assert_eq!(s["results"][0]["userErrors"][0]["field"], json!(["records", "0", "externalId"]));
    assert!(s["results"][0]["userErrors"][0]["message"].as_str().unwrap().contains("minutes"), "{d}");

    // The source sends a reversal instead; the batch is idempotent as well.
    let r1 = json!({ "externalId": "R1", "correctsExternalId": "E1", "reason": "系统重复推送" });
    let d = app.data_as(Some(&client), SYNC, batch("COMMIT", vec![e1.clone(), r1.clone()])).await;
    let s = &d["syncVolunteerService"];
    assert_eq!((s["created"].clone(), s["unchanged"].clone()), (json!(1), json!(1)), "{d}");
    assert_eq!(totals(&app, &vol).await, (0.0, 0, 2));
    let d = app.data_as(Some(&client), SYNC, batch("COMMIT", vec![e1.clone(), r1.clone()])).await;
    assert_eq!(d["syncVolunteerService"]["unchanged"], 2, "{d}");
    let d = app.data(TOTALS, json!({ "id": vol })).await;
    let refs: Vec<Value> = d["volunteer"]["serviceEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["externalReference"]["externalId"].clone())
        .collect();
    assert_eq!(refs.len(), 2);
    assert!(refs.contains(&json!("E1")) && refs.contains(&json!("R1")), "{d}");

    // A second reversal of E1 is refused; under ALL nothing of the batch is written.
    let e2 = json!({ "externalId": "E2", "volunteerExternalId": "V1", "servedOn": "2024-05-02", "minutes": 30, "activity": "OTHER" });
    let r2 = json!({ "externalId": "R2", "correctsExternalId": "E1", "reason": "再次撤销" });
    let d = app.data_as(Some(&client), SYNC, batch("COMMIT", vec![e2.clone(), r2.clone()])).await;
    let s = &d["syncVolunteerService"];
    assert_eq!(s["committed"], false, "{d}");
    assert_eq!(s["userErrors"][0]["code"], "BATCH_ABORTED", "{d}");
    assert_eq!(s["results"][0]["userErrors"][0]["code"], "ALREADY_CORRECTED", "{d}");
    assert_eq!(totals(&app, &vol).await, (0.0, 0, 2));
    // PER_RECORD writes the good one.
    let per_record = json!({ "input": { "source": "xiling-points", "atomicity": "PER_RECORD", "records": [e2, r2] } });
    let d = app.data_as(Some(&client), SYNC, per_record).await;
    let s = &d["syncVolunteerService"];
    assert_eq!((s["created"].clone(), s["failed"].clone()), (json!(1), json!(1)), "{d}");
    assert_eq!(totals(&app, &vol).await, (0.5, 5, 3));

    // Another source's client may not write this source; an official of another county may
    // not write its volunteers' entries.
    let stranger = token_with("SYNC_CLIENT", |c| c.source = Some("other-system".into()));
    let code = app.error_code_as(Some(&stranger), SYNC, batch("COMMIT", vec![e1.clone()])).await;
    assert_eq!(code, "FORBIDDEN");
    let e3 = json!({ "externalId": "E3", "volunteerExternalId": "V1", "servedOn": "2024-05-03", "minutes": 30, "activity": "OTHER" });
    let d = app.data_as(Some(&civil_affairs("522301")), SYNC, batch("COMMIT", vec![e3])).await;
    assert_eq!(d["syncVolunteerService"]["results"][0]["userErrors"][0]["code"], "OUT_OF_SCOPE", "{d}");
    let d = app.data_as(Some(&civil_affairs("420502")), SYNC, batch("VALIDATE", vec![e1.clone()])).await;
    assert_eq!(d["syncVolunteerService"]["unchanged"], 1, "the district's official may: {d}");

    // Nor learn, by sending E1 again for a volunteer of its own, anything of the stored entry
    // (which fields differ told its day, minutes and activity; found by a new-user review).
    let own = json!({ "source": "xiling-points", "records": [
        { "externalId": "V1", "name": "孙同步", "regionCode": PILOT },
        { "externalId": "V9", "name": "钱本县", "regionCode": "522301001001" } ] });
    let d = app.data_as(Some(&client), SYNC_VOLUNTEERS, json!({ "input": own })).await;
    assert_eq!(d["syncVolunteers"]["created"], 1, "{d}");
    let guesses: Vec<Value> = ["2024-05-01", "2024-05-02"]
        .iter()
        .map(|day| with(&e1, json!({ "volunteerExternalId": "V9", "servedOn": day })))
        .collect();
    let mut answers = Vec::new();
    for guess in guesses {
        let d = app.data_as(Some(&civil_affairs("522301")), SYNC, batch("VALIDATE", vec![guess])).await;
        let e = d["syncVolunteerService"]["results"][0]["userErrors"][0].clone();
        assert_eq!(
            (e["code"].clone(), e["field"].clone()),
            (json!("OUT_OF_SCOPE"), json!(["records", "0", "externalId"])),
            "{d}"
        );
        answers.push(e);
    }
    assert_eq!(answers[0], answers[1], "the same answer whatever the guess");
});

both!(migration_000013_keeps_every_entry_and_its_record_key_down_and_up, |app| {
    use migration::{Migrator, MigratorTrait};
    let vol = volunteer(&app, "周迁移", PILOT).await;
    let d = app.data(RECORD, json!({ "input": service(&vol, 60, "OTHER") })).await;
    let entry = payload_ok(&d, "recordVolunteerService")["entry"]["id"].clone();
    let input = json!({ "input": { "entry": entry, "reason": "迁移前更正" } });
    payload_ok(&app.data(CORRECT, input.clone()).await, "correctVolunteerService");
    let originals = "SELECT CAST(COUNT(*) * 4294967296 + COALESCE(SUM(record_key), 0) AS BIGINT) AS n \
                     FROM volunteer_ledger_entries WHERE service_minutes >= 0";
    let before = common::scalar(&app, originals, vec![]).await;
    let demo = common::scalar(&app, "SELECT COUNT(*) AS n FROM volunteer_ledger_entries", vec![]).await;
    assert!(demo > 100, "the demo's ledger is there to be copied: {demo}");

    // Down to before 000013 (and any migration after it): the reversal goes (the old CHECK
    // refuses it), every other row stays with its key.
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let at = names.iter().position(|n| n == "m20261207_000013_volunteer_service").expect("000013 is listed");
    Migrator::down(&app.db, Some((names.len() - at) as u32)).await.expect("down");
    assert_eq!(common::scalar(&app, originals, vec![]).await, before);
    assert_eq!(common::scalar(&app, "SELECT COUNT(*) AS n FROM volunteer_ledger_entries", vec![]).await, demo - 1);
    // Up again: the rows are copied with their keys, and reversals are possible again.
    Migrator::up(&app.db, None).await.expect("up");
    assert_eq!(common::scalar(&app, originals, vec![]).await, before);
    payload_ok(&app.data(CORRECT, input).await, "correctVolunteerService");
    assert_eq!(totals(&app, &vol).await, (0.0, 0, 2));
    let keyed = "SELECT COUNT(*) AS n FROM volunteer_ledger_entries WHERE record_key IS NULL";
    assert_eq!(common::scalar(&app, keyed, vec![]).await, 0, "the record-key trigger or default is back");
});

// Published hours and points beside published person-times of 0 told that someone served in a
// community on a day (found by a new-user review): a cell whose entries are published as 0
// publishes no hours and no points either.
both!(published_hours_and_points_are_zero_where_the_person_times_are, |app| {
    let vol = volunteer(&app, "周单日", PILOT).await;
    let q = r#"mutation($input: RecordVolunteerServiceInput!) { recordVolunteerService(input: $input) {
        entry { id } userErrors { code } } }"#;
    let days: Vec<String> = (1..=20).map(|d| format!("2024-03-{d:02}")).collect();
    for day in &days {
        let input = with(&service(&vol, 60, "ELDERLY_CARE"), json!({ "servedOn": day }));
        common::payload_ok(&app.data(q, json!({ "input": input })).await, "recordVolunteerService");
    }
    let stats = r#"query($from: Date!, $to: Date!) { region(code: "420502001001") {
        statistics(period: { from: $from, to: $to }) { access volunteers { serviceHours servicePersonTimes points } } } }"#;
    let mut zeros = 0;
    for (i, day) in days.iter().enumerate() {
        let next = format!("2024-03-{:02}", i + 2);
        let d = app.data_as(None, stats, json!({ "from": day, "to": next })).await;
        let s = &d["region"]["statistics"];
        assert_eq!(s["access"], "PUBLISHED");
        let v = &s["volunteers"];
        if v["servicePersonTimes"] == 0 {
            zeros += 1;
            assert_eq!((v["serviceHours"].as_f64(), v["points"].as_i64()), (Some(0.0), Some(0)), "{day}: {v}");
        }
    }
    // The exact figures, for whoever may read them.
    let d = app.data(stats, json!({ "from": "2024-03-01", "to": "2024-03-02" })).await;
    assert!(d["region"]["statistics"]["volunteers"]["servicePersonTimes"].as_i64() >= Some(1), "{d}");
    eprintln!("{zeros} of {} single-entry days published as 0 person-times", days.len());
});
