//! Guardian consent (PIPL art. 31) through the API: `recordGuardianConsent`,
//! `withdrawGuardianConsent`, `Client.consents`, and how they govern the reveal of a child's
//! identity: refused without consent, allowed (one audit row) while one is in force, refused
//! again once it is withdrawn.

mod common;

use common::{civil_affairs, error_codes, payload_ok, token_with, uuid_of};
use serde_json::{Value, json};

const CREATE_CLIENT: &str = r#"mutation($input: CreateClientInput!) { createClient(input: $input) {
    client { id } userErrors { field message code } } }"#;
const REVEAL: &str =
    r#"query($id: ID!) { client(id: $id) { identity(reason: "school enrolment") { name guardianName } } }"#;
const RECORD: &str = r#"mutation($input: RecordGuardianConsentInput!) { recordGuardianConsent(input: $input) {
    consent { id guardianName relation scope validFrom validUntil evidenceReference withdrawnAt inForce record { version } }
    userErrors { field message code } } }"#;
const WITHDRAW: &str = r#"mutation($input: WithdrawGuardianConsentInput!) { withdrawGuardianConsent(input: $input) {
    consent { id withdrawnAt inForce record { version } } userErrors { field message code } } }"#;
const CONSENTS: &str = r#"query($id: ID!) { client(id: $id) { consents { id guardianName inForce withdrawnAt } } }"#;
const AUDIT: &str = r#"query($f: AuditLogFilter) { auditLog(first: 100, filter: $f) { nodes { action entity entityId fields changes } } }"#;

/// Creates a client of 兴义市 (as ADMIN) born on `birth` (none: unknown); returns its id.
async fn client(app: &common::TestApp, name: &str, birth: Option<&str>) -> Value {
    let input = json!({ "name": name, "birthDate": birth, "regionCode": "522301", "guardianName": "王大明" });
    let d = app.data(CREATE_CLIENT, json!({ "input": input })).await;
    payload_ok(&d, "createClient")["client"]["id"].clone()
}

fn consent_for(client: &Value) -> Value {
    json!({
        "clientId": client,
        "guardianName": "王大明",
        "relation": "PARENT",
        "scope": "个案服务与身份核实",
        "validFrom": "2026-01-01",
        "evidenceReference": "XY-监护-2026-0001",
    })
}

/// The audit rows of `entity` `entity_id` (its UUID) with `action`.
async fn audit_rows(app: &common::TestApp, entity: &str, entity_id: &str, action: &str) -> Vec<Value> {
    let d = app.data(AUDIT, json!({ "f": { "entity": entity } })).await;
    let rows = d["auditLog"]["nodes"].as_array().unwrap().iter();
    rows.filter(|n| n["action"] == action && n["entityId"] == entity_id).cloned().collect()
}

both!(a_childs_identity_is_revealed_only_while_a_recorded_consent_is_in_force, |app| {
    let official = civil_affairs("522301");
    let child = client(&app, "王小宝", Some("2016-05-01")).await;
    let key = uuid_of(&child, "Client").to_string();

    // No consent: refused, and no audit row.
    let body = app.post_as(Some(&official), REVEAL, json!({ "id": child })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONSENT_REQUIRED", "{body}");
    assert!(!body.to_string().contains("王小宝"), "{body}");
    assert_eq!(audit_rows(&app, "Client", child.as_str().unwrap(), "REVEAL").await.len(), 0);

    // The official records the guardian's consent.
    let d = app.data_as(Some(&official), RECORD, json!({ "input": consent_for(&child) })).await;
    let consent = payload_ok(&d, "recordGuardianConsent")["consent"].clone();
    assert_eq!(consent["guardianName"], "王**", "masked like every name");
    assert_eq!(consent["relation"], "PARENT");
    assert_eq!(consent["validFrom"], "2026-01-01");
    assert_eq!(consent["validUntil"], Value::Null);
    assert_eq!(consent["evidenceReference"], "XY-监护-2026-0001");
    assert_eq!(consent["inForce"], true);
    assert_eq!(consent["record"]["version"], 1);
    let consent_id = consent["id"].as_str().unwrap().to_owned();
    let created = audit_rows(&app, "ConsentRecord", &consent_id, "CREATE").await;
    assert_eq!(created.len(), 1, "{created:?}");
    let changes = &created[0]["changes"];
    assert_eq!(changes["guardianName"]["new"], "王**", "the guardian's name is masked in the audit log");
    assert_eq!(changes["client"]["new"], json!(key));
    assert!(!created[0].to_string().contains("王大明"), "{created:?}");

    // Now the reveal succeeds, with exactly one audit row.
    let d = app.data_as(Some(&official), REVEAL, json!({ "id": child })).await;
    assert_eq!(d["client"]["identity"]["name"], "王小宝");
    assert_eq!(audit_rows(&app, "Client", child.as_str().unwrap(), "REVEAL").await.len(), 1);

    // The guardian withdraws the consent.
    let input = json!({ "id": consent_id, "expectedVersion": 1 });
    let d = app.data_as(Some(&official), WITHDRAW, json!({ "input": input })).await;
    let withdrawn = payload_ok(&d, "withdrawGuardianConsent")["consent"].clone();
    assert!(withdrawn["withdrawnAt"].is_string(), "{withdrawn}");
    assert_eq!(withdrawn["inForce"], false);
    assert_eq!(withdrawn["record"]["version"], 2);
    let updated = audit_rows(&app, "ConsentRecord", &consent_id, "UPDATE").await;
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["fields"], json!(["withdrawnAt"]));

    // Refused again, and no further audit row.
    let body = app.post_as(Some(&official), REVEAL, json!({ "id": child })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONSENT_REQUIRED", "{body}");
    assert_eq!(audit_rows(&app, "Client", child.as_str().unwrap(), "REVEAL").await.len(), 1);

    // Withdrawing twice is refused, whatever version is named.
    for version in [1, 2] {
        let input = json!({ "id": consent_id, "expectedVersion": version });
        let d = app.data_as(Some(&official), WITHDRAW, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "withdrawGuardianConsent"), common::one_error("id", "ALREADY_WITHDRAWN"));
    }
    assert_eq!(audit_rows(&app, "ConsentRecord", &consent_id, "UPDATE").await.len(), 1);

    // The official sees the record, withdrawn, guardian masked.
    let d = app.data_as(Some(&official), CONSENTS, json!({ "id": child })).await;
    let listed = d["client"]["consents"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{d}");
    assert_eq!(listed[0]["id"], json!(consent_id));
    assert_eq!(listed[0]["guardianName"], "王**");
    assert_eq!(listed[0]["inForce"], false);
});

/// `base` with the fields of `patch` laid over it.
fn with(base: &Value, patch: Value) -> Value {
    let mut v = base.clone();
    for (k, x) in patch.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

both!(consents_are_refused_for_adults_unknown_ages_bad_ranges_and_callers_who_may_not_reveal, |app| {
    let official = civil_affairs("522301");
    let child = client(&app, "李小花", Some("2018-02-01")).await;
    let adult = client(&app, "李大花", Some("1990-02-01")).await;
    // 14 today: the 14th birthday counts (PIPL art. 31 says "under 14").
    let today = civlink::domain::time::today_cst();
    let fourteen = today.checked_sub_months(chrono::Months::new(14 * 12)).unwrap().to_string();
    let fourteen = client(&app, "李十四", Some(&fourteen)).await;
    let unknown = client(&app, "李未知", None).await;
    let good = consent_for(&child);
    let tomorrow = today.succ_opt().unwrap().to_string();
    let cases = [
        (consent_for(&adult), "clientId", "NOT_A_MINOR"),
        (consent_for(&fourteen), "clientId", "NOT_A_MINOR"),
        (consent_for(&unknown), "clientId", "AGE_UNKNOWN"),
        (with(&good, json!({ "validUntil": "2026-01-01" })), "validUntil", "INVALID_RANGE"),
        (with(&good, json!({ "validUntil": "2025-06-01" })), "validUntil", "INVALID_RANGE"),
        (with(&good, json!({ "validFrom": tomorrow })), "validFrom", "OUT_OF_RANGE"),
        (with(&good, json!({ "validFrom": "1999-12-31" })), "validFrom", "OUT_OF_RANGE"),
        (with(&good, json!({ "guardianName": "  " })), "guardianName", "REQUIRED"),
        (with(&good, json!({ "evidenceReference": "" })), "evidenceReference", "REQUIRED"),
        (with(&good, json!({ "clientId": "not-an-id" })), "clientId", "INVALID_ID"),
    ];
    for (input, field, code) in cases {
        let d = app.data_as(Some(&official), RECORD, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "recordGuardianConsent"), common::one_error(field, code), "{input}");
        assert_eq!(d["recordGuardianConsent"]["consent"], Value::Null);
    }
    // A client outside the official's county is not found.
    let elsewhere = civil_affairs("522302");
    let d = app.data_as(Some(&elsewhere), RECORD, json!({ "input": good })).await;
    assert_eq!(error_codes(&d, "recordGuardianConsent"), common::one_error("clientId", "NOT_FOUND"));
    // Roles that may not reveal a client may not record its consent.
    for token in [token_with("PORTAL", |_| {}), token_with("SYNC_CLIENT", |c| c.source = Some("x".into()))] {
        assert_eq!(app.error_code_as(Some(&token), RECORD, json!({ "input": good })).await, "FORBIDDEN");
    }
    assert_eq!(common::scalar(&app, "SELECT COUNT(*) AS n FROM consent_records", vec![]).await, 0);
    // A bounded consent is accepted, in force until its end.
    let d = app
        .data_as(Some(&official), RECORD, json!({ "input": with(&good, json!({ "validUntil": "2099-01-01" })) }))
        .await;
    assert_eq!(payload_ok(&d, "recordGuardianConsent")["consent"]["inForce"], true);
});

both!(station_staff_record_consents_but_only_officials_and_admin_list_them, |app| {
    let station = common::new_station(&app, "522301").await;
    let input = json!({ "name": "张小乐", "birthDate": "2019-03-03", "regionCode": "522301", "stationId": station });
    let d = app.data(CREATE_CLIENT, json!({ "input": input })).await;
    let child = payload_ok(&d, "createClient")["client"]["id"].clone();
    let staff = common::station_staff(&station);
    let d = app.data_as(Some(&staff), RECORD, json!({ "input": consent_for(&child) })).await;
    let id = payload_ok(&d, "recordGuardianConsent")["consent"]["id"].clone();
    let d = app.data_as(Some(&staff), REVEAL, json!({ "id": child })).await;
    assert_eq!(d["client"]["identity"]["name"], "张小乐");
    assert_eq!(app.error_code_as(Some(&staff), CONSENTS, json!({ "id": child })).await, "FORBIDDEN");
    for token in [common::admin_token(), civil_affairs("5223")] {
        let d = app.data_as(Some(&token), CONSENTS, json!({ "id": child })).await;
        assert_eq!(d["client"]["consents"][0]["id"], id, "{d}");
        assert_eq!(d["client"]["consents"][0]["inForce"], true);
    }
});

// A new-user review read exact birth dates off this mutation's messages: `validFrom` was
// bounded by the birth date ("validFrom: between 2012-12-30 and …", one call per client) and
// NOT_A_MINOR stated the age, while `birthDate` reads `2012-**-**` and no audit row was written.
both!(recording_a_consent_tells_nothing_of_the_birth_date_the_caller_sees_masked, |app| {
    let official = civil_affairs("522301");
    let child = client(&app, "王小明", Some("2016-07-19")).await;
    let adult = client(&app, "王大明", Some("2004-10-08")).await;
    let answer = |d: &Value| d["recordGuardianConsent"]["userErrors"].to_string();
    // A validFrom on either side of the birth date is answered alike: no guess is confirmed.
    for (before, after) in [("2016-07-18", "2016-07-19"), ("2000-01-01", "2016-07-20")] {
        let a = app
            .data_as(
                Some(&official),
                RECORD,
                json!({ "input": with(&consent_for(&child), json!({ "validFrom": before })) }),
            )
            .await;
        let b = app
            .data_as(
                Some(&official),
                RECORD,
                json!({ "input": with(&consent_for(&child), json!({ "validFrom": after })) }),
            )
            .await;
        assert_eq!(answer(&a), "[]", "{a}");
        assert_eq!(answer(&b), "[]", "{b}");
    }
    let d = app
        .data_as(
            Some(&official),
            RECORD,
            json!({ "input": with(&consent_for(&adult), json!({ "validFrom": "1999-12-31" })) }),
        )
        .await;
    let text = answer(&d);
    for leak in ["2004", "10-08", "22 years"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    assert!(text.contains("NOT_A_MINOR") && text.contains("OUT_OF_RANGE"), "{text}");
});
