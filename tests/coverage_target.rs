//! Coverage targets (覆盖目标): `setCoverageTarget` (ADMIN anywhere, CIVIL_AFFAIRS in its
//! region, nobody else), every value rule, the target announced last winning, the audit entry,
//! and `Coverage.target` read by everyone (the demo's 黔西南州 target: 100 % by the end of
//! 2025).

mod common;

use common::{civil_affairs, error_codes, new_station, one_error, payload_ok, scalar, station_staff};
use serde_json::{Value, json};

const SET: &str = r#"mutation($input: SetCoverageTargetInput!) { setCoverageTarget(input: $input) {
    coverageTarget { rate dueOn announcedOn document } userErrors { field code message } } }"#;
const TARGET: &str = r#"query($code: String!) { region(code: $code) {
    statistics(period: { from: "2023-01-01", to: "2024-01-01" }) {
      coverage { rate target { rate dueOn announcedOn document } } } } }"#;
const COUNT: &str = "SELECT COUNT(*) AS n FROM coverage_targets";

async fn target(app: &common::TestApp, token: Option<&str>, code: &str) -> Value {
    app.data_as(token, TARGET, json!({ "code": code })).await["region"]["statistics"]["coverage"]["target"].clone()
}

fn input(region: &str, rate: f64, due: &str, announced: &str) -> Value {
    json!({ "regionCode": region, "rate": rate, "dueOn": due, "announcedOn": announced, "document": "州政府工作报告" })
}

both!(everyone_reads_the_target_announced_last, |app| {
    let t = target(&app, None, "5223").await;
    assert_eq!((t["rate"].clone(), t["dueOn"].clone()), (json!(1.0), json!("2025-12-31")), "{t}");
    assert_eq!(target(&app, None, "522301").await, Value::Null, "a county without a target of its own");

    // A revision announced later replaces it; one announced earlier does not.
    let d = app.data(SET, json!({ "input": input("522300000000", 0.9, "2024-12-31", "2024-03-01") })).await;
    assert_eq!(payload_ok(&d, "setCoverageTarget")["coverageTarget"]["rate"], 0.9);
    assert_eq!(target(&app, None, "5223").await["announcedOn"], "2024-03-01");
    let d = app.data(SET, json!({ "input": input("522300000000", 0.5, "2022-12-31", "2021-01-01") })).await;
    payload_ok(&d, "setCoverageTarget");
    let t = target(&app, None, "5223").await;
    assert_eq!((t["rate"].clone(), t["document"].clone()), (json!(0.9), json!("州政府工作报告")));

    // Each target is one audit entry of a creation.
    let q = r#"{ auditLog(first: 100, filter: { entity: "CoverageTarget" }) { nodes { action changes } } }"#;
    let d = app.data(q, json!({})).await;
    let entries = common::nodes(&d["auditLog"]);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries.iter().all(|e| e["action"] == "CREATE"), "{entries:?}");
});

both!(every_rule_of_a_target_is_a_user_error_and_nothing_is_written, |app| {
    let before = scalar(&app, COUNT, vec![]).await;
    let today = civlink::domain::time::today_cst();
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    for (value, field, code) in [
        (input("522301", 0.0, "2025-12-31", "2023-12-31"), "rate", "OUT_OF_RANGE"),
        (input("522301", 0.725, "2025-12-31", "2023-12-31"), "rate", "OUT_OF_RANGE"),
        (input("522301", 1.01, "2025-12-31", "2023-12-31"), "rate", "OUT_OF_RANGE"),
        (input("522301", 1.0, "2023-06-30", "2023-12-31"), "dueOn", "INCONSISTENT"),
        (input("522301", 1.0, "2099-12-31", "2023-12-31"), "dueOn", "OUT_OF_RANGE"),
        (input("522301", 1.0, "2030-12-31", &tomorrow), "announcedOn", "OUT_OF_RANGE"),
        (input("52230", 1.0, "2025-12-31", "2023-12-31"), "regionCode", "INVALID_DIVISION_CODE"),
        (input("529999000000", 1.0, "2025-12-31", "2023-12-31"), "regionCode", "UNKNOWN_DIVISION"),
        (input("420502001000", 1.0, "2025-12-31", "2023-12-31"), "regionCode", "NOT_COUNTY_OR_ABOVE"),
        (input("420502001001", 1.0, "2025-12-31", "2023-12-31"), "regionCode", "NOT_COUNTY_OR_ABOVE"),
    ] {
        let d = app.data(SET, json!({ "input": value.clone() })).await;
        assert_eq!(error_codes(&d, "setCoverageTarget"), one_error(field, code), "{value}");
    }
    assert_eq!(scalar(&app, COUNT, vec![]).await, before);
    // Whole percents, announced today by default.
    let d = app.data(SET, json!({ "input": { "regionCode": "522301", "rate": 0.72, "dueOn": "2030-12-31" } })).await;
    let t = &payload_ok(&d, "setCoverageTarget")["coverageTarget"];
    assert_eq!((t["rate"].clone(), t["announcedOn"].clone()), (json!(0.72), json!(today.to_string())), "{t}");
});

both!(county_officials_set_targets_in_their_region_only_and_others_may_not, |app| {
    let own = civil_affairs("522301");
    let d = app.data_as(Some(&own), SET, json!({ "input": input("522301", 1.0, "2025-12-31", "2023-12-31") })).await;
    payload_ok(&d, "setCoverageTarget");
    let d = app.data_as(Some(&own), SET, json!({ "input": input("522300", 1.0, "2025-12-31", "2023-12-31") })).await;
    assert_eq!(error_codes(&d, "setCoverageTarget"), one_error("regionCode", "OUT_OF_SCOPE"));
    let staff = station_staff(&new_station(&app, "522301").await);
    let value = json!({ "input": input("522301", 1.0, "2025-12-31", "2023-12-31") });
    assert_eq!(app.error_code_as(Some(&staff), SET, value.clone()).await, "FORBIDDEN");
    assert_eq!(app.error_code_as(None, SET, value).await, "FORBIDDEN");
    assert_eq!(target(&app, None, "522301").await["rate"], 1.0);
});
