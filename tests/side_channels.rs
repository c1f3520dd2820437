//! Side channels (issue 21, items 3-5): no error, warning or write result tells a caller a
//! value it sees masked; a reveal needs a reason in words; individuals' names are masked for
//! the roles that may not see personal data.
//!
//! The rule for writes: a caller sees masked values (phones, ID numbers, a client's
//! identity) only masked, so a write of one it sends answers the same whether or not the
//! value equals the stored one. Single updates write and report every masked field sent
//! (new version, audit row); syncs by CIVIL_AFFAIRS do the same, in VALIDATE and COMMIT
//! alike; ADMIN and SYNC_CLIENT syncs, the rosters' keepers, stay idempotent.

mod common;

use common::{TestApp, audit_entries, civil_affairs, payload_ok, scalar, token_with};
use serde_json::{Value, json};

/// A valid citizen ID number of someone born on `birth` in 兴义市, sequence `n` (odd: male).
fn citizen_id_born(birth: (i32, u32, u32), n: u16) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap();
    civlink::domain::CitizenId::synthesize("522301", birth, n).unwrap().as_str().to_owned()
}

/// Another valid citizen ID number (born another day of 1990) that masks like `id`
/// (`5223**********0014`): the guess an attacker who reads the masked value would try.
fn same_mask_as(id: &str) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(1990, 1, 2).unwrap();
    let seq: u16 = id[14..17].parse().unwrap();
    start
        .iter_days()
        .take(365)
        .map(|d| civlink::domain::CitizenId::synthesize("522301", d, seq).unwrap().as_str().to_owned())
        .find(|other| other[14..] == id[14..])
        .expect("a date whose check character matches")
}

const CREATE_CLIENT: &str = r#"mutation($input: CreateClientInput!) { createClient(input: $input) {
    client { id record { version } } userErrors { field message code } } }"#;
const UPDATE_CLIENT: &str = r#"mutation($input: UpdateClientInput!) { updateClient(input: $input) {
    client { id name idNumber birthDate gender phone record { version } } userErrors { field message code } } }"#;

/// Creates, as ADMIN, a client in 兴义市 born on 2014-07-19 (a child under 14) with a citizen
/// ID number and a phone; returns its global id.
async fn child(app: &TestApp) -> Value {
    let input = json!({
        "name": "王小明", "idNumber": citizen_id_born((2014, 7, 19), 1), "phone": "18912341893",
        "regionCode": "522301",
    });
    let d = app.data(CREATE_CLIENT, json!({ "input": input })).await;
    payload_ok(&d, "createClient")["client"]["id"].clone()
}

async fn version(app: &TestApp, table: &str, id: &Value, ty: &str) -> i64 {
    let key = common::uuid_of(id, ty);
    let sql = format!("SELECT CAST(version AS BIGINT) AS n FROM {table} WHERE id = $1");
    scalar(app, &sql, vec![key.into()]).await
}

both!(a_birth_date_or_gender_sent_alone_answers_the_same_whether_it_matches_the_stored_id_number, |app| {
    let id = child(&app).await;
    let official = civil_affairs("522301");
    let audits = scalar(&app, "SELECT COUNT(*) AS n FROM audit_log", vec![]).await;
    let update = async |field: &str, value: &str| {
        let input = json!({ "id": id, "expectedVersion": 1, field: value });
        app.data_as(Some(&official), UPDATE_CLIENT, json!({ "input": input })).await
    };
    // The reported case: a wrong date was answered with the date the stored number encodes.
    let wrong = update("birthDate", "2000-01-01").await;
    let right = update("birthDate", "2014-07-19").await;
    assert_eq!(wrong, right, "a right and a wrong guess get the same answer");
    assert_eq!(wrong["updateClient"]["userErrors"][0]["code"], "INCONSISTENT", "{wrong}");
    for leak in ["07-19", "0719", "2014-07"] {
        assert!(!wrong.to_string().contains(leak), "{wrong}");
    }
    // The gender variant: the stored number is a man's (odd sequence).
    let wrong = update("gender", "FEMALE").await;
    let right = update("gender", "MALE").await;
    assert_eq!(wrong, right, "{wrong} {right}");
    assert_eq!(wrong["updateClient"]["userErrors"][0]["code"], "INCONSISTENT");
    assert!(!wrong.to_string().contains("gives MALE"), "{wrong}");
    assert_eq!(version(&app, "clients", &id, "Client").await, 1, "nothing written");
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM audit_log", vec![]).await, audits, "nothing audited");

    // Sent together, both values are the caller's own and are compared as on create.
    let input = json!({ "id": id, "expectedVersion": 1, "idNumber": citizen_id_born((2014, 7, 19), 2),
                        "birthDate": "2000-01-01" });
    let d = app.data_as(Some(&official), UPDATE_CLIENT, json!({ "input": input })).await;
    assert_eq!(d["updateClient"]["userErrors"][0]["code"], "INCONSISTENT", "{d}");
    // A new number alone gives the birth date and gender again, instead of being compared.
    let input = json!({ "id": id, "expectedVersion": 1, "idNumber": citizen_id_born((2013, 3, 4), 2) });
    let d = app.data_as(Some(&official), UPDATE_CLIENT, json!({ "input": input })).await;
    let c = &payload_ok(&d, "updateClient")["client"];
    assert_eq!((c["birthDate"].as_str(), c["gender"].as_str()), (Some("2013-**-**"), Some("FEMALE")), "{c}");
});

both!(a_masked_field_sent_to_an_update_is_written_and_reported_whether_or_not_it_changed, |app| {
    let id = child(&app).await;
    let audits = async || audit_entries(&app, "Client", &id, "UPDATE").await;
    // CIVIL_AFFAIRS and ADMIN alike read the phone only masked: each sends the stored phone,
    // then another one with the same mask.
    let sequences = [
        (civil_affairs("522301"), ["18912341893", "18900001893"]),
        (common::admin_token(), ["18900001893", "18912341893"]),
    ];
    let mut expected = 1;
    for (token, phones) in &sequences {
        for phone in phones {
            let input = json!({ "id": id, "expectedVersion": expected, "phone": phone });
            let d = app.data_as(Some(token.as_str()), UPDATE_CLIENT, json!({ "input": input })).await;
            let c = &payload_ok(&d, "updateClient")["client"];
            assert_eq!(c["record"]["version"], expected + 1, "{phone}: written whether or not it changed");
            assert_eq!(c["phone"], "189****1893");
            expected += 1;
        }
    }
    let entries = audits().await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    for e in &entries {
        assert_eq!(e["fields"], json!(["phone"]), "{e}");
        assert_eq!(e["changes"]["phone"], json!({ "old": "189****1893", "new": "189****1893" }), "{e}");
    }
    // A field left out is neither written nor reported.
    let input = json!({ "id": id, "expectedVersion": 5, "address": "兴义市桔山街道" });
    let d = app.data(UPDATE_CLIENT, json!({ "input": input })).await;
    payload_ok(&d, "updateClient");
    assert_eq!(audits().await.last().unwrap()["fields"], json!(["address"]));
});

const UPDATE_VOLUNTEER: &str = r#"mutation($input: UpdateVolunteerInput!) { updateVolunteer(input: $input) {
    volunteer { phone idNumber record { version } } userErrors { field message code } } }"#;
const UPDATE_WORKER: &str = r#"mutation($input: UpdateSocialWorkerInput!) { updateSocialWorker(input: $input) {
    socialWorker { phone idNumber record { version } } userErrors { field message code } } }"#;
const UPDATE_ORGANIZATION: &str = r#"mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
    organization { contactPhone record { version } } userErrors { field message code } } }"#;

/// Creates a row with mutation `q` (returning `{ <object> { id } }`) as ADMIN; its global id.
async fn create(app: &TestApp, q: &str, field: &str, input: Value) -> Value {
    let d = app.data(q, json!({ "input": input })).await;
    let out = payload_ok(&d, field);
    out.as_object().unwrap().values().find(|v| v.is_object()).unwrap()["id"].clone()
}

both!(roster_updates_answer_the_same_for_a_right_and_a_wrong_masked_value, |app| {
    let official = civil_affairs("522301");
    let id_a = citizen_id_born((1990, 1, 1), 1);
    let id_b = same_mask_as(&id_a);
    let q = r#"mutation($input: CreateVolunteerInput!) { createVolunteer(input: $input) { volunteer { id } userErrors { code } } }"#;
    let person = json!({ "name": "张三", "idNumber": id_a, "phone": "18912341893", "regionCode": "522301" });
    let v = create(&app, q, "createVolunteer", person.clone()).await;
    let q = r#"mutation($input: CreateSocialWorkerInput!) { createSocialWorker(input: $input) { socialWorker { id } userErrors { code } } }"#;
    let w = create(&app, q, "createSocialWorker", person).await;
    let q = r#"mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } userErrors { code } } }"#;
    let org = json!({ "name": "兴义市社工服务中心", "kind": "SOCIAL_WORK_AGENCY", "regionCode": "522301",
                      "contactPhone": "18912341893" });
    let o = create(&app, q, "createOrganization", org).await;
    let phones = ["18912341893", "18900001893"];
    let ids = [id_a.as_str(), id_b.as_str()];
    let cases = [
        (UPDATE_VOLUNTEER, "updateVolunteer", "volunteer", &v, "phone", phones),
        (UPDATE_VOLUNTEER, "updateVolunteer", "volunteer", &v, "idNumber", ids),
        (UPDATE_WORKER, "updateSocialWorker", "socialWorker", &w, "phone", phones),
        (UPDATE_WORKER, "updateSocialWorker", "socialWorker", &w, "idNumber", ids),
        (UPDATE_ORGANIZATION, "updateOrganization", "organization", &o, "contactPhone", phones),
    ];
    let mut versions: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (q, field, object, id, name, [right, wrong]) in cases {
        let mut answers = Vec::new();
        // The stored value, a wrong one, the stored one back: each write answers alike.
        for value in [right, wrong, right] {
            let version = versions.entry(id.to_string()).or_insert(1);
            let input = json!({ "id": id, "expectedVersion": *version, name: value });
            let d = app.data_as(Some(&official), q, json!({ "input": input })).await;
            let mut written = payload_ok(&d, field)[object].clone();
            assert_eq!(written["record"]["version"], *version + 1, "{field}.{name} = {value}: written");
            *version += 1;
            written["record"] = Value::Null;
            answers.push(written);
        }
        assert_eq!(answers[0], answers[1], "{field}.{name}");
        assert_eq!(answers[1], answers[2], "{field}.{name}");
    }
});

const SYNC_VOLUNTEERS: &str = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) {
    committed created updated unchanged deleted failed
    results { index externalId action changedFields userErrors { field message code } }
    userErrors { field message code } } }"#;
const SYNC_WORKERS: &str = r#"mutation($input: SyncSocialWorkersInput!) { syncSocialWorkers(input: $input) {
    committed created updated unchanged deleted failed
    results { index externalId action changedFields userErrors { field message code } }
    userErrors { field message code } } }"#;
const SYNC_ORGANIZATIONS: &str = r#"mutation($input: SyncOrganizationsInput!) { syncOrganizations(input: $input) {
    committed created updated unchanged deleted failed
    results { index externalId action changedFields userErrors { field message code } }
    userErrors { field message code } } }"#;

fn sync_input(records: Value, mode: &str) -> Value {
    json!({ "input": { "source": "county-hr", "mode": mode, "records": records } })
}

both!(a_sync_by_civil_affairs_answers_the_same_for_a_right_and_a_wrong_masked_value, |app| {
    let id_a = citizen_id_born((1990, 1, 1), 1);
    let id_b = same_mask_as(&id_a);
    let person = |phone: &str, id: &str| json!([{ "externalId": "P1", "name": "张三", "idNumber": id, "phone": phone, "regionCode": "522301" }]);
    let org = |phone: &str, _: &str| {
        json!([{ "externalId": "O1", "name": "兴义市社工服务中心", "kind": "SOCIAL_WORK_AGENCY",
                 "regionCode": "522301", "contactPhone": phone }])
    };
    let rosters: [(&str, &str, &dyn Fn(&str, &str) -> Value); 3] = [
        (SYNC_VOLUNTEERS, "syncVolunteers", &person),
        (SYNC_WORKERS, "syncSocialWorkers", &person),
        (SYNC_ORGANIZATIONS, "syncOrganizations", &org),
    ];
    let official = civil_affairs("522301");
    let own = token_with("SYNC_CLIENT", |c| c.source = Some("county-hr".into()));
    for (q, field, record) in rosters {
        let stored = record("18912341893", &id_a);
        let d = app.data(q, sync_input(stored.clone(), "COMMIT")).await;
        assert_eq!(d[field]["created"], 1, "{d}");
        // The reported case: a guessed phone (or ID number) was listed in changedFields only
        // when wrong. Now a right and a wrong guess read alike, in VALIDATE and COMMIT.
        let guesses = [
            ("right", record("18912341893", &id_a)),
            ("wrong phone", record("18900001893", &id_a)),
            ("wrong id", record("18912341893", &id_b)),
        ];
        for mode in ["VALIDATE", "COMMIT"] {
            let mut answers = Vec::new();
            for (what, guess) in &guesses {
                let d = app.data_as(Some(&official), q, sync_input(guess.clone(), mode)).await;
                assert_eq!(d[field]["failed"], 0, "{what}: {d}");
                answers.push((what, d[field].clone()));
                // Put the stored record back (as the source itself) for the next guess.
                app.data(q, sync_input(stored.clone(), "COMMIT")).await;
            }
            let (first, answer) = &answers[0];
            assert_eq!(answer["updated"], 1, "{first} {mode}: {answer}");
            assert_eq!(answer["unchanged"], 0, "{first} {mode}");
            for (what, other) in &answers[1..] {
                assert_eq!(other, answer, "{field} {mode}: {first} vs {what}");
            }
        }
        // The rosters' keepers still see a record equal to the stored one as unchanged.
        for token in [own.clone(), common::admin_token()] {
            let d = app.data_as(Some(&token), q, sync_input(stored.clone(), "VALIDATE")).await;
            assert_eq!((d[field]["unchanged"].as_i64(), d[field]["updated"].as_i64()), (Some(1), Some(0)), "{d}");
        }
    }
});

const PEOPLE_NAMES: &str = r#"query($o: ID!, $c: ID!) {
    organization: node(id: $o) { ... on Organization { name contactName } }
    charity: node(id: $c) { ... on CharityResource { donorName } } }"#;

both!(individuals_names_are_masked_for_roles_that_may_not_see_personal_data, |app| {
    let d = app
        .data(
            r#"mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } userErrors { code } } }"#,
            json!({ "input": { "name": "兴义市社工服务中心", "kind": "SOCIAL_WORK_AGENCY", "regionCode": "522301",
                               "contactName": "李四海" } }),
        )
        .await;
    let o = payload_ok(&d, "createOrganization")["organization"]["id"].clone();
    let d = app
        .data(
            r#"mutation($input: CreateCharityResourceInput!) { createCharityResource(input: $input) { charityResource { id } userErrors { code } } }"#,
            json!({ "input": { "description": "冬衣 20 套", "kind": "IN_KIND", "donorName": "王五", "value": "2000",
                               "regionCode": "522301", "receivedOn": "2025-01-10" } }),
        )
        .await;
    let c = payload_ok(&d, "createCharityResource")["charityResource"]["id"].clone();
    let portal = token_with("PORTAL", |_| {});
    let cases = [
        (Some(portal), json!({ "name": "兴义市社工服务中心", "contactName": "李**" }), json!({ "donorName": "王*" })),
        (
            Some(civil_affairs("5223")),
            json!({ "name": "兴义市社工服务中心", "contactName": "李四海" }),
            json!({ "donorName": "王五" }),
        ),
        (
            Some(common::admin_token()),
            json!({ "name": "兴义市社工服务中心", "contactName": "李四海" }),
            json!({ "donorName": "王五" }),
        ),
    ];
    for (token, organization, charity) in cases {
        let d = app.data_as(token.as_deref(), PEOPLE_NAMES, json!({ "o": o, "c": c })).await;
        assert_eq!(d["organization"], organization, "{d}");
        assert_eq!(d["charity"], charity, "{d}");
    }
    // PUBLIC finds neither record at all.
    let body = app.post_as(None, PEOPLE_NAMES, json!({ "o": o, "c": c })).await;
    assert!(!body.to_string().contains("李四海") && !body.to_string().contains("王五"), "{body}");
});

const LINKAGE: &str = r#"query($codes: [String!]!) {
  regionStatistics(codes: $codes, period: { from: "2025-06-01", to: "2025-07-01" }) {
    region { code } access linkage { communities organizations socialWorkers volunteers charityResources } } }"#;

/// `(access, linkage)` of each of `codes` in June 2025, as `token`.
async fn linkage(app: &TestApp, token: Option<&str>, codes: &[&str]) -> Vec<(Value, Value)> {
    let d = app.data_as(token, LINKAGE, json!({ "codes": codes })).await;
    let list = d["regionStatistics"].as_array().expect("regionStatistics");
    list.iter().map(|s| (s["access"].clone(), s["linkage"].clone())).collect()
}

both!(published_linkage_figures_do_not_tell_where_or_when_someone_was_served, |app| {
    let q =
        r#"mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { code } } }"#;
    let station = common::new_station(&app, "522301").await;
    let input = json!({ "name": "李奶奶", "regionCode": "522301001001", "stationId": station });
    let client = payload_ok(&app.data(q, json!({ "input": input })).await, "createClient")["client"]["id"].clone();
    let q = r#"mutation($input: CreateSocialWorkerInput!) { createSocialWorker(input: $input) { socialWorker { id } userErrors { code } } }"#;
    let input = json!({ "name": "赵社工", "regionCode": "522301" });
    let worker =
        payload_ok(&app.data(q, json!({ "input": input })).await, "createSocialWorker")["socialWorker"]["id"].clone();

    let codes = ["522301000000", "522301001000", "522301001001"];
    let portal = token_with("PORTAL", |_| {});
    let published_before = linkage(&app, Some(&portal), &codes).await;
    let anonymous_before = linkage(&app, None, &codes).await;
    let full_before = linkage(&app, Some(&common::admin_token()), &codes).await;

    let q = r#"mutation($input: CreateServiceRecordInput!) { createServiceRecord(input: $input) {
        serviceRecord { id } userErrors { field code } } }"#;
    let input = json!({ "stationId": station, "socialWorkerId": worker, "clientId": client, "servedOn": "2025-06-03",
        "serviceType": "SPIRITUAL_COMFORT", "method": "CASEWORK" });
    payload_ok(&app.data(q, json!({ "input": input })).await, "createServiceRecord");

    // The exact figures see the village and the worker through the service record…
    let full_after = linkage(&app, Some(&common::admin_token()), &codes).await;
    for ((access, before), (_, after)) in full_before.iter().zip(&full_after) {
        assert_eq!(access, "FULL");
        assert_eq!(after["communities"].as_i64(), before["communities"].as_i64().map(|n| n + 1), "{after}");
        assert_eq!(after["socialWorkers"].as_i64(), before["socialWorkers"].as_i64().map(|n| n + 1), "{after}");
    }
    // …the published ones do not move: before, the village's served day showed as a community.
    assert_eq!(linkage(&app, Some(&portal), &codes).await, published_before);
    assert_eq!(linkage(&app, None, &codes).await, anonymous_before);
    assert!(published_before.iter().all(|(access, _)| access == "PUBLISHED"), "{published_before:?}");
});

// Found by a review of issue 23: PORTAL read every volunteer's hours and points exactly and
// added them up to the exact figure beside the perturbed `volunteers.serviceHours`. For callers
// who may not list the ledger, each volunteer's sums are perturbed as the statistics are.
both!(portal_reads_each_volunteers_ledger_sums_perturbed_within_the_bounds, |app| {
    let q = r#"{ volunteers(first: 100, filter: { region: "420502" }) { nodes { id serviceHours points } } }"#;
    let exact = app.data(q, json!({})).await;
    let portal = app.data_as(Some(&token_with("PORTAL", |_| {})), q, json!({})).await;
    let rows = |d: &Value| d["volunteers"]["nodes"].as_array().unwrap().clone();
    let (exact, portal) = (rows(&exact), rows(&portal));
    assert_eq!(exact.len(), 100);
    // A sum over people (ProtectedFigure's rule for magnitudes): small values become 0 or at
    // least 3, others move by at most 2 steps of max(1, value / 50); 0 stays 0.
    let within = |e: i64, p: i64| {
        let step = (e.abs() / 50).max(1);
        if e.abs() < 5 { p == 0 || (p.abs() >= 3 && (p - e).abs() <= 2) } else { (p - e).abs() <= 2 * step }
    };
    let minutes = |v: &Value| (v["serviceHours"].as_f64().unwrap() * 60.0).round() as i64;
    let mut moved = 0;
    for (e, p) in exact.iter().zip(&portal) {
        assert_eq!(e["id"], p["id"]);
        let (em, pm) = (minutes(e), minutes(p));
        let (ep, pp) = (e["points"].as_i64().unwrap(), p["points"].as_i64().unwrap());
        assert!(within(em, pm) && within(ep, pp), "exact {e}, PORTAL {p}");
        moved += usize::from(em != pm || ep != pp);
    }
    assert!(moved > 0, "PORTAL does not read the exact sums");
    // The statistics' own callers who may list the entries read them exact.
    let official = app.data_as(Some(&civil_affairs("420502")), q, json!({})).await;
    assert_eq!(rows(&official), exact);
});
