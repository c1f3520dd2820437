//! Regions: lookup by every code form, the tree, coverage, and the published figures of
//! 黔西南州 reproduced by the demo data.

mod common;

use civlink::seed::demo::figures;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const REGION: &str = "query($code: String!) { region(code: $code) { id code gb2260Code name level townshipKind editionYear parent { code } ancestors { code level } } }";

both!(region_accepts_every_code_form_and_answers_with_twelve_digits, |app| {
    for (input, code, level) in [
        ("522300", "522300000000", "PREFECTURE"),
        ("5223", "522300000000", "PREFECTURE"),
        ("522300000000", "522300000000", "PREFECTURE"),
        ("522301", "522301000000", "COUNTY"),
        ("522301001", "522301001000", "TOWNSHIP"),
        ("52", "520000000000", "PROVINCE"),
        (" 520000 ", "520000000000", "PROVINCE"),
    ] {
        let d = app.data(REGION, json!({ "code": input })).await;
        assert_eq!(d["region"]["code"], code, "{input}");
        assert_eq!(d["region"]["level"], level, "{input}");
    }
    let d = app.data(REGION, json!({ "code": "522301001" })).await;
    assert_eq!(d["region"]["townshipKind"], "STREET");
    assert_eq!(d["region"]["editionYear"], 2023);
    assert_eq!(d["region"]["gb2260Code"], Value::Null);
    assert_eq!(d["region"]["parent"]["code"], "522301000000");
    let ancestors: Vec<&str> =
        d["region"]["ancestors"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(ancestors, ["520000000000", "522300000000", "522301000000"]);
    let d = app.data(REGION, json!({ "code": "522300" })).await;
    assert_eq!(d["region"]["name"], "黔西南布依族苗族自治州");
    assert_eq!(d["region"]["gb2260Code"], "522300");
});

both!(region_rejects_malformed_codes_and_reports_unknown_ones, |app| {
    for bad in ["52230", "５２２３００", "abc", "", "5223000000001", "00"] {
        assert_eq!(app.error_code(REGION, json!({ "code": bad })).await, "INVALID_DIVISION_CODE", "{bad:?}");
    }
    let body = app.post(REGION, json!({ "code": "522399" })).await;
    assert_eq!(body["data"]["region"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["region"]));
});

both!(qianxinan_coverage_is_101_of_140_with_three_counties_fully_covered, |app| {
    let q = "query($code: String!) { region(code: $code) { coverage { townships townshipsWithStation rate } } }";
    let d = app.data(q, json!({ "code": "522300" })).await;
    let c = &d["region"]["coverage"];
    assert_eq!(c["townships"], figures::qianxinan::TOWNSHIPS);
    assert_eq!(c["townshipsWithStation"], figures::qianxinan::TOWNSHIP_STATIONS);
    assert!((c["rate"].as_f64().unwrap() - 101.0 / 140.0).abs() < 1e-12);
    for county in figures::qianxinan::FULLY_COVERED_COUNTIES {
        let d = app.data(q, json!({ "code": county })).await;
        assert_eq!(d["region"]["coverage"]["rate"], 1.0, "{county}");
    }
    // A village has no township below it: the rate is undefined, not zero.
    let d = app.data(q, json!({ "code": "522301001001" })).await;
    assert_eq!(d["region"]["coverage"]["townships"], 0);
    assert_eq!(d["region"]["coverage"]["rate"], Value::Null);
});

both!(per_county_station_counts_match_the_rows, |app| {
    let q = r#"{ region(code: "522300") {
        stations(filter: { levels: [GUIDANCE_CENTER] }) { totalCount }
        all: stations { totalCount }
        children(first: 20) { totalCount nodes { code
            township: stations(filter: { levels: [TOWNSHIP_STATION], statuses: [OPERATING] }) { totalCount }
            county: stations(filter: { levels: [COUNTY_STATION] }) { totalCount }
            coverage { townships townshipsWithStation }
        } }
    } }"#;
    let d = app.data(q, json!({})).await;
    let region = &d["region"];
    assert_eq!(region["stations"]["totalCount"], figures::qianxinan::GUIDANCE_CENTERS);
    let counties = region["children"]["nodes"].as_array().unwrap();
    assert_eq!(counties.len(), 8);
    let mut township_total = 0;
    for county in counties {
        let code = county["code"].as_str().unwrap();
        let expected = count(
            &app,
            &format!(
                "SELECT COUNT(*) AS n FROM stations WHERE level = 'TOWNSHIP_STATION' AND status = 'OPERATING' \
                 AND deleted_at IS NULL AND region_code BETWEEN '{}000000' AND '{}999999'",
                &code[..6],
                &code[..6]
            ),
        )
        .await;
        assert_eq!(county["township"]["totalCount"], expected, "{code}");
        assert_eq!(county["county"]["totalCount"], 1, "{code}");
        // Every township station is at a distinct township: coverage counts them all.
        assert_eq!(county["coverage"]["townshipsWithStation"], expected, "{code}");
        township_total += expected;
    }
    assert_eq!(township_total, figures::qianxinan::TOWNSHIP_STATIONS as i64);
    let all = figures::qianxinan::GUIDANCE_CENTERS
        + figures::qianxinan::COUNTY_STATIONS
        + figures::qianxinan::TOWNSHIP_STATIONS
        + figures::qianxinan::VILLAGE_ROOMS;
    assert_eq!(region["all"]["totalCount"], all);
});

both!(regions_lists_filter_by_level_subtree_and_name, |app| {
    let q = "query($f: RegionFilter, $o: RegionOrder) { regions(first: 100, filter: $f, orderBy: $o) { totalCount nodes { code name level } } }";
    let d = app.data(q, json!({ "f": { "level": "PROVINCE" } })).await;
    assert_eq!(d["regions"]["totalCount"], 31);
    let d = app.data(q, json!({ "f": { "level": "COUNTY", "within": "5223" } })).await;
    assert_eq!(d["regions"]["totalCount"], 8);
    let d = app.data(q, json!({ "f": { "level": "TOWNSHIP", "within": "420502" } })).await;
    assert_eq!(d["regions"]["totalCount"], 10);
    // Name search: exact substring; full-width input is normalised (NFKC).
    let d = app.data(q, json!({ "f": { "nameContains": "西陵", "level": "COUNTY" } })).await;
    let names: Vec<&str> =
        d["regions"]["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"西陵区"), "{names:?}");
    // Names are stored NFKC-normalised, so a division with full-width brackets in the NBS list
    // is found by its name typed either way.
    for typed in ["三星镇（叠石桥家纺产业园区）", "三星镇(叠石桥家纺产业园区)"] {
        let d = app.data(q, json!({ "f": { "nameContains": typed } })).await;
        assert_eq!(d["regions"]["totalCount"], 1, "{typed}");
    }
    let d = app.data(q, json!({ "f": { "nameContains": "％" } })).await;
    assert_eq!(d["regions"]["totalCount"], 0, "% is literal, not a wildcard");
    // Ordering by name is code-point order on both databases.
    let d = app.data(q, json!({ "f": { "level": "PROVINCE" }, "o": { "field": "NAME" } })).await;
    let names: Vec<String> =
        d["regions"]["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap().to_owned()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(app.error_code(q, json!({ "f": { "within": "12345" } })).await, "INVALID_DIVISION_CODE");
});

both!(region_relations_reach_every_kind_of_record_in_the_subtree, |app| {
    let q = r#"{ region(code: "420502") {
        stations { totalCount } socialWorkers { totalCount } volunteers { totalCount } volunteerTeams { totalCount }
        organizations { totalCount } projects { totalCount } clients { totalCount } serviceRecords { totalCount }
        deep: clients(filter: { deepCase: true }) { totalCount }
        charityResources { totalCount }
    } }"#;
    let d = app.data(q, json!({})).await;
    let r = &d["region"];
    assert_eq!(r["stations"]["totalCount"], 1 + 7 + 66);
    assert_eq!(r["volunteers"]["totalCount"], figures::xiling::VOLUNTEERS);
    assert!(r["clients"]["totalCount"].as_u64().unwrap() >= figures::xiling::CASE_FILES);
    assert_eq!(r["deep"]["totalCount"], figures::xiling::DEEP_CASES);
    for field in ["socialWorkers", "volunteerTeams", "organizations", "projects", "serviceRecords", "charityResources"]
    {
        assert!(r[field]["totalCount"].as_u64().unwrap() > 0, "{field}");
    }
    // A village inside the district sees a subset.
    let q = r#"{ region(code: "420502") { children(first: 1) { nodes { stations { totalCount } } } } }"#;
    let d = app.data(q, json!({})).await;
    assert!(d["region"]["children"]["nodes"][0]["stations"]["totalCount"].as_u64().unwrap() < 74);
});

async fn count(app: &common::TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}
