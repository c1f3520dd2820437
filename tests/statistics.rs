//! Statistics (`Region.statistics`, `regionStatistics`): the published figures of DOMAIN.md
//! reproduced from the demo data, statistical disclosure control by role, batching, errors,
//! and a property test comparing every figure with a plain Rust count of random records.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, TimeDelta};
use civlink::domain::Yuan;
use civlink::seed::demo::figures;
use common::{TestApp, token_with};
use entity::{
    case_file, charity_resource, client, client_category, project, project_participant, region, service_record,
    social_worker, station, volunteer, volunteer_ledger_entry, volunteer_team,
};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Service hours as the API states them, computed here on their own: whole minutes to
/// hundredths of an hour, rounded half up (minutes are never negative here).
fn hours_of(minutes: i64) -> f64 {
    ((minutes * 100 + 30) / 60) as f64 / 100.0
}
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// Every published figure of the statistics, for one division and period.
const FIGURES: &str = r#"query($code: String!, $from: Date!, $to: Date!) {
  region(code: $code) { statistics(period: { from: $from, to: $to }) {
    access stationCount stationsByLevel { level count } stationsByStatus { status count } stationsInFullService
    coverage { townships townshipsWithStation }
    socialWorkers { total certified certificationRate byCertificateLevel { level count }
      byPayGrade { post grade count { value withheld } } notOnPayScale { value withheld } }
    volunteers { volunteers teams serviceHours servicePersonTimes points }
    service { personTimes { value withheld } clientsServed { value withheld } records { value withheld }
      byServiceType { serviceType personTimes { value withheld } clientsServed { value withheld } }
      byMethod { method personTimes { value withheld } clientsServed { value withheld } }
      byMonth { month personTimes { value withheld } clientsServed { value withheld } } }
    clients { onFile { value withheld } caseFiles { value withheld } deepCases { value withheld }
      byCategory { category clients { value withheld } } byCaseStage { stage caseFiles { value withheld } } }
    projects { projects budget fundsRaised beneficiaries byFundingMode { fundingMode projects budget fundsRaised beneficiaries } }
    charity { resources value communityFundValue byKind { kind resources value } matchedByLevel { level resources value } }
    linkage { communities organizations socialWorkers volunteers charityResources }
  } } }"#;

/// A period holding every demo record: 240 months, the longest accepted.
const ALL_TIME: (&str, &str) = ("2010-01-01", "2030-01-01");

async fn statistics(app: &TestApp, token: Option<&str>, code: &str, (from, to): (&str, &str)) -> Value {
    let d = app.data_as(token, FIGURES, json!({ "code": code, "from": from, "to": to })).await;
    d["region"]["statistics"].clone()
}

fn yuan(fen: i64) -> String {
    Yuan::from_fen(fen).to_string()
}

fn entry<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|e| e[key] == value).unwrap_or_else(|| panic!("no {key} = {value}"))
}

both!(demo_data_reproduce_the_published_figures, |app| {
    let admin = common::admin_token();
    let admin = Some(admin.as_str());

    // 黔西南州: 1 guidance centre, 8 county stations, 101 township stations, 4 village rooms;
    // 101 of 140 townships covered; 14.88 M yuan invested.
    let s = statistics(&app, admin, figures::qianxinan::PREFECTURE, ALL_TIME).await;
    let q = figures::qianxinan::GUIDANCE_CENTERS
        + figures::qianxinan::COUNTY_STATIONS
        + figures::qianxinan::TOWNSHIP_STATIONS
        + figures::qianxinan::VILLAGE_ROOMS;
    assert_eq!(s["stationCount"], q);
    for (level, n) in [
        ("GUIDANCE_CENTER", figures::qianxinan::GUIDANCE_CENTERS),
        ("COUNTY_STATION", figures::qianxinan::COUNTY_STATIONS),
        ("TOWNSHIP_STATION", figures::qianxinan::TOWNSHIP_STATIONS),
        ("VILLAGE_ROOM", figures::qianxinan::VILLAGE_ROOMS),
        ("NEIGHBORHOOD_POINT", 0),
    ] {
        assert_eq!(entry(&s["stationsByLevel"], "level", level)["count"], n, "{level}");
    }
    assert_eq!(s["stationsByStatus"].as_array().unwrap().len(), 5, "every status, zeros included");
    assert_eq!(
        s["coverage"],
        json!({ "townships": figures::qianxinan::TOWNSHIPS, "townshipsWithStation": figures::qianxinan::TOWNSHIP_STATIONS })
    );

    // 齐齐哈尔市: 164 stations, 145 in full service; 42,000 person-times; 82 teams; 12,934
    // person-times of volunteer service.
    let s = statistics(&app, admin, figures::qiqihar::PREFECTURE, ALL_TIME).await;
    assert_eq!(s["stationCount"], figures::qiqihar::STATIONS);
    assert_eq!(s["stationsInFullService"], figures::qiqihar::IN_FULL_SERVICE);
    assert_eq!(entry(&s["stationsByStatus"], "status", "OPERATING")["count"], figures::qiqihar::STATIONS);
    assert_eq!(s["service"]["personTimes"]["value"], figures::qiqihar::SERVICE_PERSON_TIMES);
    assert_eq!(s["volunteers"]["teams"], figures::qiqihar::VOLUNTEER_TEAMS);
    assert_eq!(s["volunteers"]["servicePersonTimes"], figures::qiqihar::VOLUNTEER_SERVICE_TIMES);
    for district in figures::qiqihar::URBAN_DISTRICTS {
        let d = statistics(&app, admin, district, ALL_TIME).await;
        let c = &d["coverage"];
        assert_eq!(c["townships"], c["townshipsWithStation"], "{district} fully covered");
    }

    // 宜昌市西陵区 "1+7+66"; 70 % certified; 1,434 volunteers; 200 mutual-aid projects raising
    // 865,700 yuan, matched 95,900 (province) + 184,900 (city); 97,100 yuan charity funds;
    // 1,144 files, 678 deep cases.
    let s = statistics(&app, admin, figures::xiling::DISTRICT, ALL_TIME).await;
    assert_eq!(entry(&s["stationsByLevel"], "level", "GUIDANCE_CENTER")["count"], figures::xiling::GUIDANCE_CENTERS);
    assert_eq!(entry(&s["stationsByLevel"], "level", "TOWNSHIP_STATION")["count"], figures::xiling::STREET_STATIONS);
    assert_eq!(entry(&s["stationsByLevel"], "level", "VILLAGE_ROOM")["count"], figures::xiling::COMMUNITY_ROOMS);
    assert_eq!(s["socialWorkers"]["total"], figures::xiling::SOCIAL_WORKERS);
    assert_eq!(s["socialWorkers"]["certified"], figures::xiling::CERTIFIED_SOCIAL_WORKERS);
    assert_eq!(s["socialWorkers"]["certificationRate"], 0.7);
    assert_eq!(s["volunteers"]["volunteers"], figures::xiling::VOLUNTEERS);
    let mutual = entry(&s["projects"]["byFundingMode"], "fundingMode", "MUTUAL_AID");
    assert_eq!(mutual["projects"], figures::xiling::MUTUAL_AID_PROJECTS);
    assert_eq!(mutual["fundsRaised"], yuan(figures::xiling::MUTUAL_AID_RAISED_FEN));
    let five_society_budgets: i64 = ["AWARD_IN_LIEU_OF_SUBSIDY", "PROVINCIAL_PROGRAM"]
        .iter()
        .map(|m| entry(&s["projects"]["byFundingMode"], "fundingMode", m)["budget"].as_str().unwrap())
        .map(|b| Yuan::parse(b).unwrap().fen())
        .sum();
    assert_eq!(five_society_budgets, figures::xiling::PROJECT_FUNDING_FEN);
    assert_eq!(s["projects"]["beneficiaries"], figures::xiling::BENEFICIARIES);
    assert_eq!(s["clients"]["onFile"]["value"], figures::xiling::CLIENTS_ON_FILE);
    let matched = &s["charity"]["matchedByLevel"];
    assert_eq!(entry(matched, "level", "PROVINCE")["value"], yuan(figures::xiling::MATCHED_PROVINCE_FEN));
    assert_eq!(entry(matched, "level", "PREFECTURE")["value"], yuan(figures::xiling::MATCHED_PREFECTURE_FEN));
    assert_eq!(entry(&s["charity"]["byKind"], "kind", "MONEY")["value"], yuan(figures::xiling::CHARITY_FUNDS_FEN));
    assert_eq!(s["clients"]["caseFiles"]["value"], figures::xiling::CASE_FILES);
    assert_eq!(s["clients"]["deepCases"]["value"], figures::xiling::DEEP_CASES);

    // 雅安市雨城区: 173 certified social workers, all on the 3 posts × 12 grades scale.
    let s = statistics(&app, admin, figures::yucheng::DISTRICT, ALL_TIME).await;
    assert_eq!(s["socialWorkers"]["certified"], figures::yucheng::CERTIFIED_SOCIAL_WORKERS);
    assert_eq!(s["socialWorkers"]["byPayGrade"].as_array().unwrap().len(), 36);
    assert_eq!(s["socialWorkers"]["notOnPayScale"]["value"], 0);
});

both!(region_statistics_answer_in_the_order_given_with_one_statement_per_figure, |app| {
    // The three fully covered counties of 黔西南州 among all eight, side by side.
    let q = r#"query($codes: [String!]!) { regionStatistics(codes: $codes, period: { from: "2023-01-01", to: "2024-01-01" }) {
        region { code } coverage { rate } stationCount service { personTimes { value } byMonth { month } } } }"#;
    let counties: Vec<String> = (1..=8)
        .map(|i| format!("5223{:02}", if i <= 2 { i } else { i + 20 }))
        .chain(["522300".to_owned(), "522301".to_owned()])
        .collect();
    app.take_statements();
    let d = app.data(q, json!({ "codes": counties })).await;
    let many = app.take_statements();
    let rows = d["regionStatistics"].as_array().unwrap();
    assert_eq!(rows.len(), counties.len());
    for (row, code) in rows.iter().zip(&counties) {
        assert_eq!(row["region"]["code"], format!("{code:0<12}"));
        assert_eq!(row["service"]["byMonth"].as_array().unwrap().len(), 12, "12 months, zeros included");
    }
    for county in figures::qianxinan::FULLY_COVERED_COUNTIES {
        let row = rows.iter().find(|r| r["region"]["code"] == county).unwrap();
        assert_eq!(row["coverage"]["rate"], 1.0, "{county}");
    }
    // The prefecture's row equals the sum of its counties' rows.
    let sum: i64 = rows[..8].iter().map(|r| r["stationCount"].as_i64().unwrap()).sum();
    let prefecture = rows[8]["stationCount"].as_i64().unwrap();
    assert_eq!(sum, prefecture - 1, "all stations but the prefecture's guidance centre lie in a county");
    // One code or ten: the same statements (regions, stations, coverage, service, month
    // series; two code lengths double the figure statements).
    app.take_statements();
    app.data(q, json!({ "codes": ["522301", "522300"] })).await;
    assert_eq!(app.take_statements(), many, "statements depend on the figures asked, not on the number of codes");
});

both!(statistics_refuse_bad_codes_and_periods, |app| {
    let q = r#"query($codes: [String!]!, $from: Date, $to: Date) { regionStatistics(codes: $codes, period: { from: $from, to: $to }) { stationCount } }"#;
    let ok = json!({ "codes": ["5223"], "from": "2023-01-01", "to": "2024-01-01" });
    assert_eq!(app.data(q, ok).await["regionStatistics"][0]["stationCount"], 114);
    for (vars, code, argument) in [
        (
            json!({ "codes": ["5223", "52x3"], "from": "2023-01-01", "to": "2024-01-01" }),
            "INVALID_DIVISION_CODE",
            "codes[1]",
        ),
        (json!({ "codes": ["5223"], "from": "2023-01-01" }), "INVALID_ARGUMENT", "period"),
        (json!({ "codes": ["5223"], "from": "2024-01-01", "to": "2024-01-01" }), "INVALID_ARGUMENT", "period"),
        (json!({ "codes": ["5223"], "from": "2000-01-01", "to": "2020-01-02" }), "INVALID_ARGUMENT", "period"),
    ] {
        let body = app.post(q, vars.clone()).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{vars}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{vars}");
    }
    let body = app.post(q, json!({ "codes": ["5223", "522399"], "from": "2023-01-01", "to": "2024-01-01" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("522399"));
    let many: Vec<String> = (0..501).map(|_| "5223".to_owned()).collect();
    let body = app.post(q, json!({ "codes": many, "from": "2023-01-01", "to": "2024-01-01" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT");
});

both!(uncovered_townships_are_the_townships_without_an_operating_station, |app| {
    let q = r#"{ region(code: "5223") { coverage { townships townshipsWithStation uncoveredTownships(first: 100) { totalCount nodes { code level } } } } }"#;
    let d = app.data_as(None, q, json!({})).await;
    let c = &d["region"]["coverage"];
    let uncovered = c["uncoveredTownships"]["nodes"].as_array().unwrap();
    let n = c["townships"].as_u64().unwrap() - c["townshipsWithStation"].as_u64().unwrap();
    assert_eq!(c["uncoveredTownships"]["totalCount"], n);
    assert_eq!(uncovered.len() as u64, n);
    let stations = entity::station::Entity::find()
        .filter(station::Column::Level.eq(station::StationLevel::TownshipStation))
        .filter(station::Column::Status.eq(station::StationStatus::Operating))
        .filter(station::Column::DeletedAt.is_null())
        .all(&app.db)
        .await
        .unwrap();
    let covered: BTreeSet<String> = stations.into_iter().map(|s| s.region_code).collect();
    for t in uncovered {
        assert_eq!(t["level"], "TOWNSHIP");
        assert!(!covered.contains(t["code"].as_str().unwrap()), "{t}");
    }
});

both!(person_figures_are_perturbed_and_internal_figures_withheld_from_published_views, |app| {
    // A township with 1 to 4 clients on file: find one through the database.
    let clients = client::Entity::find().filter(client::Column::DeletedAt.is_null()).all(&app.db).await.unwrap();
    let mut per_township: BTreeMap<String, i64> = BTreeMap::new();
    for c in &clients {
        *per_township.entry(c.region_code[..9].to_owned()).or_default() += 1;
    }
    let (small, few) = per_township
        .iter()
        .find(|(_, n)| (1..5).contains(*n))
        .map(|(t, n)| (t.clone(), *n))
        .expect("the demo data have a township with 1 to 4 clients");
    let county = &small[..6];
    let other_county = if county == "522301" { "522302" } else { "522301" };

    let public = statistics(&app, None, &small, ALL_TIME).await;
    assert_eq!(public["access"], "PUBLISHED");
    // 1 to 4 clients are published perturbed: never as 1 or 2, at most 2 away unless 0.
    let shown = public["clients"]["onFile"]["value"].as_i64().expect("published, perturbed");
    assert!(shown == 0 || (shown >= 3 && (shown - few).abs() <= 2), "{few} clients published as {shown}");
    assert_eq!(public["clients"]["onFile"]["withheld"], Value::Null);
    assert_eq!(public["clients"]["byCaseStage"][0]["caseFiles"]["withheld"], "NOT_PUBLISHED");
    assert_eq!(public["socialWorkers"]["byPayGrade"][0]["count"]["withheld"], "NOT_PUBLISHED");

    let admin = statistics(&app, Some(&common::admin_token()), &small, ALL_TIME).await;
    assert_eq!(admin["access"], "FULL");
    assert_eq!(admin["clients"]["onFile"], json!({ "value": few, "withheld": null }));
    // Zero stays zero: a category without clients is published as 0.
    for (p, a) in public["clients"]["byCategory"]
        .as_array()
        .unwrap()
        .iter()
        .zip(admin["clients"]["byCategory"].as_array().unwrap())
    {
        if a["clients"]["value"] == 0 {
            assert_eq!(p["clients"]["value"], 0, "{p}");
        }
    }
    published_figures_are_perturbed_within_bounds(&public, &admin);
    let q = r#"query($code: String!) { region(code: $code) { statistics(period: { from: "2010-01-01", to: "2030-01-01" }) {
        clients { onFile { value withheld perturbed } byCaseStage { caseFiles { value withheld perturbed } } } } } }"#;
    let flags = app.data_as(None, q, json!({ "code": small })).await;
    let flags = &flags["region"]["statistics"]["clients"];
    assert_eq!(flags["onFile"]["perturbed"], true);
    assert_eq!(
        flags["byCaseStage"][0]["caseFiles"],
        json!({ "value": null, "withheld": "NOT_PUBLISHED", "perturbed": false })
    );
    let flags = app.data_as(Some(&common::admin_token()), q, json!({ "code": small })).await;
    assert_eq!(
        flags["region"]["statistics"]["clients"]["onFile"],
        json!({ "value": few, "withheld": null, "perturbed": false })
    );

    for (token, access) in [
        (token_with("CIVIL_AFFAIRS", |c| c.region = Some(county.to_owned())), "FULL"),
        (token_with("CIVIL_AFFAIRS", |c| c.region = Some(other_county.to_owned())), "PUBLISHED"),
        (token_with("PORTAL", |_| {}), "PUBLISHED"),
    ] {
        let s = statistics(&app, Some(&token), &small, ALL_TIME).await;
        assert_eq!(s["access"], access);
        let expected = if access == "FULL" { &admin } else { &public };
        assert_eq!(&s, expected, "{access}: the same figures as every caller of that access");
    }
    // Figures about stations are exact for everyone; about persons, within 2 of the truth.
    let public = statistics(&app, None, figures::xiling::DISTRICT, ALL_TIME).await;
    let deep = public["clients"]["deepCases"]["value"].as_i64().unwrap();
    assert!((deep - figures::xiling::DEEP_CASES as i64).abs() <= 2, "{deep}");
    let stations =
        figures::xiling::GUIDANCE_CENTERS + figures::xiling::STREET_STATIONS + figures::xiling::COMMUNITY_ROOMS;
    assert_eq!(public["stationCount"], stations);
});

// ---------------------------------------------------------------------------------------------
// Property test: random records, every figure recomputed in plain Rust from the rows.

/// Random records in 黔西南州 (its townships and villages), on top of the demo data: every
/// table the statistics read, with soft-deleted rows, dates on period boundaries, clients
/// without records and records without clients.
async fn insert_random_records(app: &TestApp, rng: &mut ChaCha8Rng) {
    let places = region::Entity::find()
        .filter(region::Column::Code.between("522300000000", "522399999999"))
        .all(&app.db)
        .await
        .unwrap();
    let townships: Vec<String> =
        places.iter().filter(|r| r.level == region::RegionLevel::Township).map(|r| r.code.clone()).collect();
    let villages: Vec<String> =
        places.iter().filter(|r| r.level == region::RegionLevel::Village).map(|r| r.code.clone()).collect();
    // Few places, so that random regions and small cells both occur.
    let townships: Vec<String> = townships.choose_multiple(rng, 6).cloned().collect();
    let villages: Vec<String> = villages.choose_multiple(rng, 6).cloned().collect();
    let now = civlink::domain::time::now();
    let base = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    let date = |rng: &mut ChaCha8Rng| base + TimeDelta::days(rng.random_range(0..730));
    let place = |rng: &mut ChaCha8Rng| {
        if rng.random_bool(0.5) {
            townships.choose(rng).unwrap().clone()
        } else {
            villages.choose(rng).unwrap().clone()
        }
    };
    let deleted = |rng: &mut ChaCha8Rng| rng.random_bool(0.1).then_some(now);

    let stations: Vec<station::Model> = (0..12)
        .map(|_| station::Model {
            id: Uuid::now_v7(),
            name: "随机站".into(),
            level: *station::StationLevel::iter().collect::<Vec<_>>().choose(rng).unwrap(),
            status: *station::StationStatus::iter().collect::<Vec<_>>().choose(rng).unwrap(),
            in_full_service: rng.random_bool(0.5),
            region_code: townships.choose(rng).unwrap().clone(),
            parent_station_id: None,
            operator_id: None,
            opened_on: None,
            investment_fen: 0,
            address: None,
            latitude: None,
            longitude: None,
            source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: deleted(rng),
        })
        .collect();
    let workers: Vec<social_worker::Model> = (0..20)
        .map(|_| {
            let on_scale = rng.random_bool(0.7);
            social_worker::Model {
                id: Uuid::now_v7(),
                name: "随机社工".into(),
                gender: entity::Gender::Female,
                phone: None,
                id_number: None,
                certificate_level: *social_worker::CertificateLevel::iter().collect::<Vec<_>>().choose(rng).unwrap(),
                certificate_number: None,
                certificate_year: None,
                employer_id: None,
                pay_post: on_scale.then(|| rng.random_range(1..=3)),
                pay_grade: on_scale.then(|| rng.random_range(1..=12)),
                region_code: place(rng),
                source: None,
                external_id: None,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: deleted(rng),
                person_key: None,
            }
        })
        .collect();
    let volunteers: Vec<volunteer::Model> = (0..20)
        .map(|_| volunteer::Model {
            id: Uuid::now_v7(),
            name: "随机志愿者".into(),
            gender: entity::Gender::Male,
            phone: None,
            id_document_type: volunteer::IdDocumentType::iter().next().unwrap(),
            id_number: None,
            volunteer_number: None,
            skills: None,
            region_code: place(rng),
            source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: deleted(rng),
            person_key: None,
        })
        .collect();
    let teams: Vec<volunteer_team::Model> = (0..4)
        .map(|_| volunteer_team::Model {
            id: Uuid::now_v7(),
            name: "随机队".into(),
            region_code: place(rng),
            station_id: None,
            organization_id: None,
            founded_on: None,
            source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: deleted(rng),
        })
        .collect();
    let ledger: Vec<volunteer_ledger_entry::Model> = (0..60)
        .map(|_| volunteer_ledger_entry::Model {
            id: Uuid::now_v7(),
            volunteer_id: volunteers.choose(rng).unwrap().id,
            volunteer_team_id: None,
            project_id: None,
            served_on: date(rng),
            service_minutes: if rng.random_bool(0.2) { 0 } else { rng.random_range(1..600) },
            points: rng.random_range(-20..50),
            description: None,
            station_id: None,
            activity: None,
            corrects_entry_id: None,
            source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: deleted(rng),
        })
        .collect();
    let clients: Vec<client::Model> = (0..rng.random_range(3..25))
        .map(|_| client::Model {
            id: Uuid::now_v7(),
            name: "随机对象".into(),
            id_number: None,
            birth_date: None,
            gender: entity::Gender::Female,
            phone: None,
            address: None,
            region_code: place(rng),
            station_id: None,
            guardian_name: None,
            guardian_phone: None,
            source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: deleted(rng),
        })
        .collect();
    let mut categories = Vec::new();
    let mut case_files = Vec::new();
    for c in &clients {
        let kinds: Vec<_> = client_category::ClientCategoryKind::iter().collect();
        let n = rng.random_range(0..3);
        for k in kinds.choose_multiple(rng, n) {
            categories.push(client_category::Model {
                id: Uuid::now_v7(),
                client_id: c.id,
                category: *k,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: deleted(rng),
            });
        }
        if rng.random_bool(0.7) {
            case_files.push(case_file::Model {
                id: Uuid::now_v7(),
                client_id: c.id,
                stage: *case_file::CaseStage::iter().collect::<Vec<_>>().choose(rng).unwrap(),
                is_deep_case: rng.random_bool(0.4),
                social_worker_id: None,
                opened_on: base,
                closed_on: None,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: deleted(rng),
            });
        }
    }
    let records: Vec<service_record::Model> = (0..80)
        .map(|_| service_record::Model {
            id: Uuid::now_v7(),
            station_id: stations.choose(rng).unwrap().id,
            social_worker_id: rng.random_bool(0.8).then(|| workers.choose(rng).unwrap().id),
            client_id: rng.random_bool(0.6).then(|| clients.choose(rng).unwrap().id),
            project_id: None,
            activity_name: None,
            region_code: place(rng),
            served_on: date(rng),
            service_type: *service_record::ServiceType::iter().collect::<Vec<_>>().choose(rng).unwrap(),
            method: *service_record::ServiceMethod::iter().collect::<Vec<_>>().choose(rng).unwrap(),
            person_times: rng.random_range(0..40),
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: deleted(rng),
        })
        .collect();
    let projects: Vec<project::Model> = (0..10)
        .map(|_| {
            let starts_on = date(rng);
            project::Model {
                id: Uuid::now_v7(),
                name: "随机项目".into(),
                funding_mode: *project::FundingMode::iter().collect::<Vec<_>>().choose(rng).unwrap(),
                status: project::ProjectStatus::Active,
                budget_fen: rng.random_range(0..10_000_000),
                funds_raised_fen: rng.random_range(0..10_000_000),
                starts_on,
                ends_on: rng.random_bool(0.7).then(|| starts_on + TimeDelta::days(rng.random_range(0..400))),
                region_code: place(rng),
                beneficiaries: rng.random_bool(0.5).then(|| rng.random_range(0..1_000)),
                service_domain: None,
                source: None,
                external_id: None,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: deleted(rng),
            }
        })
        .collect();
    let charity: Vec<charity_resource::Model> = (0..15)
        .map(|_| {
            let kind = *charity_resource::CharityKind::iter().collect::<Vec<_>>().choose(rng).unwrap();
            charity_resource::Model {
                id: Uuid::now_v7(),
                description: "随机捐赠".into(),
                kind,
                donor_name: None,
                value_fen: rng.random_range(0..5_000_000),
                matching_level: (kind == charity_resource::CharityKind::MatchedDonation)
                    .then(|| *charity_resource::MatchingLevel::iter().collect::<Vec<_>>().choose(rng).unwrap()),
                is_community_fund: rng.random_bool(0.3),
                region_code: place(rng),
                station_id: None,
                received_on: date(rng),
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: deleted(rng),
            }
        })
        .collect();
    let organizations = entity::organization::Entity::find().all(&app.db).await.unwrap();
    let mut participants = Vec::new();
    for p in &projects {
        for _ in 0..rng.random_range(0..6) {
            let party = *project_participant::Party::iter().collect::<Vec<_>>().choose(rng).unwrap();
            // The same draws in the same order as ever: deletion first, then the member.
            let deleted_at = deleted(rng);
            use project_participant::Party::*;
            let (region, member) = match party {
                Community => (Some(villages.choose(rng).unwrap().clone()), None),
                Organization => (None, Some(organizations.choose(rng).unwrap().id)),
                SocialWorker => (None, Some(workers.choose(rng).unwrap().id)),
                Volunteer => (None, Some(volunteers.choose(rng).unwrap().id)),
                VolunteerTeam => (None, Some(teams.choose(rng).unwrap().id)),
                CharityResource => (None, Some(charity.choose(rng).unwrap().id)),
            };
            let mut m = project_participant::Model::new(Uuid::now_v7(), p.id, party, region, member, now);
            m.deleted_at = deleted_at;
            participants.push(m);
        }
    }

    macro_rules! insert {
        ($e:ident, $rows:expr) => {
            if !$rows.is_empty() {
                $e::Entity::insert_many($rows.into_iter().map(IntoActiveModel::into_active_model))
                    .exec_without_returning(&app.db)
                    .await
                    .unwrap();
            }
        };
    }
    insert!(station, stations);
    insert!(social_worker, workers);
    insert!(volunteer, volunteers);
    insert!(volunteer_team, teams);
    insert!(volunteer_ledger_entry, ledger);
    insert!(client, clients);
    insert!(client_category, categories);
    insert!(case_file, case_files);
    insert!(service_record, records);
    insert!(project, projects);
    insert!(charity_resource, charity);
    insert!(project_participant, participants);
}

/// Every row the statistics read.
struct Rows {
    regions: Vec<region::Model>,
    stations: Vec<station::Model>,
    workers: Vec<social_worker::Model>,
    volunteers: Vec<volunteer::Model>,
    teams: Vec<volunteer_team::Model>,
    ledger: Vec<volunteer_ledger_entry::Model>,
    clients: Vec<client::Model>,
    categories: Vec<client_category::Model>,
    case_files: Vec<case_file::Model>,
    records: Vec<service_record::Model>,
    projects: Vec<project::Model>,
    charity: Vec<charity_resource::Model>,
    participants: Vec<project_participant::Model>,
}

impl Rows {
    async fn load(app: &TestApp) -> Rows {
        let db = &app.db;
        let regions = region::Entity::find()
            .filter(region::Column::Code.between("522300000000", "522399999999"))
            .all(db)
            .await
            .unwrap();
        Rows {
            regions,
            stations: station::Entity::find().all(db).await.unwrap(),
            workers: social_worker::Entity::find().all(db).await.unwrap(),
            volunteers: volunteer::Entity::find().all(db).await.unwrap(),
            teams: volunteer_team::Entity::find().all(db).await.unwrap(),
            ledger: volunteer_ledger_entry::Entity::find().all(db).await.unwrap(),
            clients: client::Entity::find().all(db).await.unwrap(),
            categories: client_category::Entity::find().all(db).await.unwrap(),
            case_files: case_file::Entity::find().all(db).await.unwrap(),
            records: service_record::Entity::find().all(db).await.unwrap(),
            projects: project::Entity::find().all(db).await.unwrap(),
            charity: charity_resource::Entity::find().all(db).await.unwrap(),
            participants: project_participant::Entity::find().all(db).await.unwrap(),
        }
    }

    /// The figures of `prefix` for `[from, to)`, as the API would answer an ADMIN (every
    /// figure exact), computed row by row.
    fn expected(&self, prefix: &str, from: NaiveDate, to: NaiveDate) -> Value {
        let inside = |code: &str| code.starts_with(prefix);
        let in_period = |d: NaiveDate| from <= d && d < to;
        let figure = |v: i64| json!({ "value": v, "withheld": null });
        let name = |v: String| Value::String(v);

        let stations: Vec<_> =
            self.stations.iter().filter(|s| s.deleted_at.is_none() && inside(&s.region_code)).collect();
        let townships: Vec<_> = self
            .regions
            .iter()
            .filter(|r| r.deleted_at.is_none() && r.level == region::RegionLevel::Township && inside(&r.code))
            .collect();
        let covered = townships
            .iter()
            .filter(|t| {
                stations.iter().any(|s| {
                    s.region_code == t.code
                        && s.level == station::StationLevel::TownshipStation
                        && s.status == station::StationStatus::Operating
                })
            })
            .count();

        let workers: Vec<_> =
            self.workers.iter().filter(|w| w.deleted_at.is_none() && inside(&w.region_code)).collect();
        let certified = workers.iter().filter(|w| w.certificate_level != social_worker::CertificateLevel::None).count();
        let mut pay = Vec::new();
        for post in 1..=3 {
            for grade in 1..=12 {
                let n = workers.iter().filter(|w| w.pay_post == Some(post) && w.pay_grade == Some(grade)).count();
                pay.push(json!({ "post": post, "grade": grade, "count": figure(n as i64) }));
            }
        }
        let off_scale = workers.iter().filter(|w| w.pay_post.is_none() || w.pay_grade.is_none()).count();

        let live_volunteers: HashMap<Uuid, &volunteer::Model> =
            self.volunteers.iter().filter(|v| v.deleted_at.is_none()).map(|v| (v.id, v)).collect();
        let ledger: Vec<_> = self
            .ledger
            .iter()
            .filter(|l| {
                l.deleted_at.is_none()
                    && in_period(l.served_on)
                    && live_volunteers.get(&l.volunteer_id).is_some_and(|v| inside(&v.region_code))
            })
            .collect();
        let minutes: i64 = ledger.iter().map(|l| l.service_minutes as i64).sum();

        let records: Vec<_> = self
            .records
            .iter()
            .filter(|r| r.deleted_at.is_none() && in_period(r.served_on) && inside(&r.region_code))
            .collect();
        let cell = |rs: &[&&service_record::Model]| {
            let clients: BTreeSet<Uuid> = rs.iter().filter_map(|r| r.client_id).collect();
            (figure(rs.iter().map(|r| r.person_times as i64).sum()), figure(clients.len() as i64))
        };
        let (person_times, served) = cell(&records.iter().collect::<Vec<_>>());
        let by_type: Vec<Value> = service_record::ServiceType::iter()
            .map(|t| {
                let (p, c) = cell(&records.iter().filter(|r| r.service_type == t).collect::<Vec<_>>());
                json!({ "serviceType": t.to_value(), "personTimes": p, "clientsServed": c })
            })
            .collect();
        let by_method: Vec<Value> = service_record::ServiceMethod::iter()
            .map(|m| {
                let (p, c) = cell(&records.iter().filter(|r| r.method == m).collect::<Vec<_>>());
                json!({ "method": m.to_value(), "personTimes": p, "clientsServed": c })
            })
            .collect();
        let mut months = Vec::new();
        let mut d = from.with_day(1).unwrap();
        while d < to {
            let month = format!("{:04}-{:02}", d.year(), d.month());
            let (p, c) = cell(
                &records
                    .iter()
                    .filter(|r| (r.served_on.year(), r.served_on.month()) == (d.year(), d.month()))
                    .collect::<Vec<_>>(),
            );
            months.push(json!({ "month": month, "personTimes": p, "clientsServed": c }));
            d = d.checked_add_months(chrono::Months::new(1)).unwrap();
        }

        let clients: HashMap<Uuid, &client::Model> = self
            .clients
            .iter()
            .filter(|c| c.deleted_at.is_none() && inside(&c.region_code))
            .map(|c| (c.id, c))
            .collect();
        let by_category: Vec<Value> = client_category::ClientCategoryKind::iter()
            .map(|k| {
                let n: BTreeSet<Uuid> = self
                    .categories
                    .iter()
                    .filter(|c| c.deleted_at.is_none() && c.category == k && clients.contains_key(&c.client_id))
                    .map(|c| c.client_id)
                    .collect();
                json!({ "category": k.to_value(), "clients": figure(n.len() as i64) })
            })
            .collect();
        let files: Vec<_> =
            self.case_files.iter().filter(|f| f.deleted_at.is_none() && clients.contains_key(&f.client_id)).collect();
        let by_stage: Vec<Value> = case_file::CaseStage::iter()
            .map(|s| json!({ "stage": s.to_value(), "caseFiles": figure(files.iter().filter(|f| f.stage == s).count() as i64) }))
            .collect();

        let running: Vec<_> = self
            .projects
            .iter()
            .filter(|p| {
                p.deleted_at.is_none()
                    && inside(&p.region_code)
                    && p.starts_on < to
                    && p.ends_on.is_none_or(|e| e >= from)
            })
            .collect();
        let by_mode: Vec<Value> = project::FundingMode::iter()
            .map(|m| {
                let ps: Vec<_> = running.iter().filter(|p| p.funding_mode == m).collect();
                json!({
                    "fundingMode": m.to_value(),
                    "projects": ps.len(),
                    "budget": yuan(ps.iter().map(|p| p.budget_fen).sum()),
                    "fundsRaised": yuan(ps.iter().map(|p| p.funds_raised_fen).sum()),
                    "beneficiaries": ps.iter().filter_map(|p| p.beneficiaries).map(i64::from).sum::<i64>(),
                })
            })
            .collect();

        let charity: Vec<_> = self
            .charity
            .iter()
            .filter(|c| c.deleted_at.is_none() && inside(&c.region_code) && in_period(c.received_on))
            .collect();
        let by_kind: Vec<Value> = charity_resource::CharityKind::iter()
            .map(|k| {
                let cs: Vec<_> = charity.iter().filter(|c| c.kind == k).collect();
                json!({ "kind": k.to_value(), "resources": cs.len(), "value": yuan(cs.iter().map(|c| c.value_fen).sum()) })
            })
            .collect();
        let by_level: Vec<Value> = charity_resource::MatchingLevel::iter()
            .map(|l| {
                let cs: Vec<_> = charity
                    .iter()
                    .filter(|c| c.kind == charity_resource::CharityKind::MatchedDonation && c.matching_level == Some(l))
                    .collect();
                json!({ "level": l.to_value(), "resources": cs.len(), "value": yuan(cs.iter().map(|c| c.value_fen).sum()) })
            })
            .collect();

        let running_ids: BTreeSet<Uuid> = running.iter().map(|p| p.id).collect();
        let taking_part: Vec<_> = self
            .participants
            .iter()
            .filter(|p| p.deleted_at.is_none() && running_ids.contains(&p.project_id))
            .collect();
        let party = |party: project_participant::Party| taking_part.iter().filter(move |p| p.party == party);
        use project_participant::Party;
        let communities: BTreeSet<String> = party(Party::Community)
            .filter_map(|p| p.region_code.clone())
            .chain(records.iter().filter(|r| &r.region_code[9..] != "000").map(|r| r.region_code.clone()))
            .collect();
        let organizations: BTreeSet<Uuid> = party(Party::Organization).filter_map(|p| p.organization_id).collect();
        let linked_workers: BTreeSet<Uuid> = party(Party::SocialWorker)
            .filter_map(|p| p.social_worker_id)
            .chain(records.iter().filter_map(|r| r.social_worker_id))
            .collect();
        let linked_volunteers: BTreeSet<Uuid> = party(Party::Volunteer)
            .filter_map(|p| p.volunteer_id)
            .chain(ledger.iter().filter(|l| l.service_minutes > 0).map(|l| l.volunteer_id))
            .collect();
        let linked_charity: BTreeSet<Uuid> = party(Party::CharityResource)
            .filter_map(|p| p.charity_resource_id)
            .chain(charity.iter().map(|c| c.id))
            .collect();

        json!({
            "access": "FULL",
            "stationCount": stations.len(),
            "stationsByLevel": station::StationLevel::iter()
                .map(|l| json!({ "level": name(l.to_value()), "count": stations.iter().filter(|s| s.level == l).count() }))
                .collect::<Vec<_>>(),
            "stationsByStatus": station::StationStatus::iter()
                .map(|st| json!({ "status": name(st.to_value()), "count": stations.iter().filter(|s| s.status == st).count() }))
                .collect::<Vec<_>>(),
            "stationsInFullService": stations.iter().filter(|s| s.in_full_service).count(),
            "coverage": { "townships": townships.len(), "townshipsWithStation": covered },
            "socialWorkers": {
                "total": workers.len(),
                "certified": certified,
                "certificationRate": if workers.is_empty() { Value::Null } else { json!(certified as f64 / workers.len() as f64) },
                "byCertificateLevel": social_worker::CertificateLevel::iter()
                    .map(|l| json!({ "level": l.to_value(), "count": workers.iter().filter(|w| w.certificate_level == l).count() }))
                    .collect::<Vec<_>>(),
                "byPayGrade": pay,
                "notOnPayScale": figure(off_scale as i64),
            },
            "volunteers": {
                "volunteers": live_volunteers.values().filter(|v| inside(&v.region_code)).count(),
                "teams": self.teams.iter().filter(|t| t.deleted_at.is_none() && inside(&t.region_code)).count(),
                "serviceHours": hours_of(minutes),
                "servicePersonTimes": ledger.iter().filter(|l| l.service_minutes > 0).count(),
                "points": ledger.iter().map(|l| l.points as i64).sum::<i64>(),
            },
            "service": {
                "personTimes": person_times,
                "clientsServed": served,
                "records": figure(records.len() as i64),
                "byServiceType": by_type,
                "byMethod": by_method,
                "byMonth": months,
            },
            "clients": {
                "onFile": figure(clients.len() as i64),
                "caseFiles": figure(files.len() as i64),
                "deepCases": figure(files.iter().filter(|f| f.is_deep_case).count() as i64),
                "byCategory": by_category,
                "byCaseStage": by_stage,
            },
            "projects": {
                "projects": running.len(),
                "budget": yuan(running.iter().map(|p| p.budget_fen).sum()),
                "fundsRaised": yuan(running.iter().map(|p| p.funds_raised_fen).sum()),
                "beneficiaries": running.iter().filter_map(|p| p.beneficiaries).map(i64::from).sum::<i64>(),
                "byFundingMode": by_mode,
            },
            "charity": {
                "resources": charity.len(),
                "value": yuan(charity.iter().map(|c| c.value_fen).sum()),
                "communityFundValue": yuan(charity.iter().filter(|c| c.is_community_fund).map(|c| c.value_fen).sum()),
                "byKind": by_kind,
                "matchedByLevel": by_level,
            },
            "linkage": {
                "communities": communities.len(),
                "organizations": organizations.len(),
                "socialWorkers": linked_workers.len(),
                "volunteers": linked_volunteers.len(),
                "charityResources": linked_charity.len(),
            },
        })
    }
}

both!(every_figure_matches_a_plain_rust_count_of_random_records, |app| {
    let admin = common::admin_token();
    for seed in [1_u64, 2, 3] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        insert_random_records(&app, &mut rng).await;
        let rows = Rows::load(&app).await;
        // Random regions of every level that holds records, and random periods, including
        // ones whose ends fall on record dates.
        let mut codes: Vec<String> = vec!["52".into(), "5223".into()];
        for r in rows.records.iter().filter(|r| r.region_code.starts_with("5223")).take(40) {
            codes.push(r.region_code[..6].to_owned());
            codes.push(r.region_code[..9].to_owned());
            codes.push(r.region_code.clone());
        }
        for _ in 0..6 {
            let code = codes.choose(&mut rng).unwrap().clone();
            let from = NaiveDate::from_ymd_opt(2022, 6, 1).unwrap() + TimeDelta::days(rng.random_range(0..900));
            let to = from + TimeDelta::days(rng.random_range(1..500));
            let prefix = civlink::domain::DivisionCode::parse(&code).unwrap().significant().to_owned();
            let expected = rows.expected(&prefix, from, to);
            let got = statistics(&app, Some(&admin), &code, (&from.to_string(), &to.to_string())).await;
            assert_eq!(got, expected, "seed {seed}, region {code}, period [{from}, {to})");
            let public = statistics(&app, None, &code, (&from.to_string(), &to.to_string())).await;
            published_figures_are_perturbed_within_bounds(&public, &got);
        }
    }
});

/// Published statistics against the exact ones (`full`): figures about stations, coverage,
/// workers, projects and charity are equal, linkage at most the exact one; every figure about persons is given
/// (never withheld) and within the cell-key method's bounds: counts 0 stay 0, are never
/// published as 1 or 2 and move by at most 2 (a true 3 may become 0); sums (person-times,
/// volunteer minutes and points) move by at most 2 steps of `max(1, value / 50)`.
fn published_figures_are_perturbed_within_bounds(public: &Value, full: &Value) {
    fn count(what: &str, p: &Value, e: &Value) {
        let (p, e) =
            (p["value"].as_i64().unwrap_or_else(|| panic!("{what}: withheld {p}")), e["value"].as_i64().unwrap());
        assert!(p != 1 && p != 2, "{what}: {e} published as {p}");
        assert!(if e == 0 { p == 0 } else { (p - e).abs() <= 2 || (e <= 3 && p == 0) }, "{what}: {e} published as {p}");
    }
    fn magnitude(what: &str, p: i64, e: i64) {
        let step = (e.abs() / 50).max(1);
        let ok = if e.abs() < 5 { p == 0 || (p.abs() >= 3 && (p - e).abs() <= 2) } else { (p - e).abs() <= 2 * step };
        assert!(ok && (e != 0 || p == 0), "{what}: {e} published as {p}");
    }
    for key in [
        "stationCount",
        "stationsByLevel",
        "stationsByStatus",
        "stationsInFullService",
        "coverage",
        "projects",
        "charity",
    ] {
        assert_eq!(public[key], full[key], "{key}");
    }
    // Published linkage counts participation in projects only (docs/DISCLOSURE.md, "Linkage").
    for key in ["organizations", "charityResources"] {
        assert_eq!(public["linkage"][key], full["linkage"][key], "linkage.{key}");
    }
    for key in ["communities", "socialWorkers", "volunteers"] {
        let (p, e) = (public["linkage"][key].as_i64().unwrap(), full["linkage"][key].as_i64().unwrap());
        assert!(p <= e, "linkage.{key}: {e} published as {p}");
    }
    for key in ["total", "certified", "certificationRate", "byCertificateLevel"] {
        assert_eq!(public["socialWorkers"][key], full["socialWorkers"][key], "socialWorkers.{key}");
    }
    for key in ["volunteers", "teams"] {
        assert_eq!(public["volunteers"][key], full["volunteers"][key], "volunteers.{key}");
    }
    let (pv, fv) = (&public["volunteers"], &full["volunteers"]);
    let minutes = |v: &Value| (v["serviceHours"].as_f64().unwrap() * 60.0).round() as i64;
    if pv["servicePersonTimes"] == 0 {
        // Hours and points beside no person-times would tell that someone served: 0 as well.
        assert_eq!((minutes(pv), pv["points"].as_i64()), (0, Some(0)), "volunteers: {pv}");
    } else {
        magnitude("volunteers.serviceHours", minutes(pv), minutes(fv));
        magnitude("volunteers.points", pv["points"].as_i64().unwrap(), fv["points"].as_i64().unwrap());
    }
    count(
        "volunteers.servicePersonTimes",
        &json!({ "value": pv["servicePersonTimes"] }),
        &json!({ "value": fv["servicePersonTimes"] }),
    );

    let (ps, fs) = (&public["service"], &full["service"]);
    let pt = |v: &Value| v["value"].as_i64().unwrap();
    magnitude("service.personTimes", pt(&ps["personTimes"]), pt(&fs["personTimes"]));
    count("service.clientsServed", &ps["clientsServed"], &fs["clientsServed"]);
    count("service.records", &ps["records"], &fs["records"]);
    for list in ["byServiceType", "byMethod", "byMonth"] {
        for (p, e) in ps[list].as_array().unwrap().iter().zip(fs[list].as_array().unwrap()) {
            magnitude(&format!("service.{list}"), pt(&p["personTimes"]), pt(&e["personTimes"]));
            count(&format!("service.{list}.clientsServed"), &p["clientsServed"], &e["clientsServed"]);
        }
    }
    let (pc, fc) = (&public["clients"], &full["clients"]);
    for key in ["onFile", "caseFiles", "deepCases"] {
        count(&format!("clients.{key}"), &pc[key], &fc[key]);
    }
    for (p, e) in pc["byCategory"].as_array().unwrap().iter().zip(fc["byCategory"].as_array().unwrap()) {
        count("clients.byCategory", &p["clients"], &e["clients"]);
    }
    for c in pc["byCaseStage"].as_array().unwrap() {
        assert_eq!(c["caseFiles"], json!({ "value": null, "withheld": "NOT_PUBLISHED" }));
    }
}

both!(station_worker_and_team_figures_are_batched_and_agree_with_the_records, |app| {
    let q = r#"query($first: Int!) { region(code: "2302") {
        stations(first: $first) { nodes { id personTimes(period: { from: "2023-01-01", to: "2025-01-01" }) { value withheld } } }
        socialWorkers(first: $first) { nodes { id personTimes(period: { from: "2023-01-01", to: "2025-01-01" }) { value } } }
        volunteerTeams(first: $first) { nodes { id memberCount members { totalCount } serviceHours(period: { from: "2023-01-01", to: "2025-01-01" }) } }
    } }"#;
    app.take_statements();
    app.data(q, json!({ "first": 3 })).await;
    let few = app.take_statements();
    let d = app.data(q, json!({ "first": 60 })).await;
    assert_eq!(app.take_statements(), few, "one statement per figure, whatever the page size");

    let r = &d["region"];
    for s in r["stations"]["nodes"].as_array().unwrap() {
        let id = common::uuid_of(&s["id"], "Station");
        let n = common::scalar(
            &app,
            "SELECT CAST(COALESCE(SUM(person_times), 0) AS BIGINT) AS n FROM service_records WHERE station_id = $1 AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(s["personTimes"], json!({ "value": n, "withheld": null }));
    }
    for w in r["socialWorkers"]["nodes"].as_array().unwrap() {
        let id = common::uuid_of(&w["id"], "SocialWorker");
        let n = common::scalar(
            &app,
            "SELECT CAST(COALESCE(SUM(person_times), 0) AS BIGINT) AS n FROM service_records WHERE social_worker_id = $1 AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(w["personTimes"]["value"], n);
    }
    let mut hours = 0.0;
    for t in r["volunteerTeams"]["nodes"].as_array().unwrap() {
        assert_eq!(t["memberCount"], t["members"]["totalCount"]);
        let id = common::uuid_of(&t["id"], "VolunteerTeam");
        let minutes = common::scalar(
            &app,
            "SELECT CAST(COALESCE(SUM(service_minutes), 0) AS BIGINT) AS n FROM volunteer_ledger_entries WHERE volunteer_team_id = $1 AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(t["serviceHours"], hours_of(minutes));
        hours += minutes as f64;
    }
    assert!(hours > 0.0, "the demo teams log service");

    // A station with service to 1 to 4 clients: exact for ADMIN and its own staff, perturbed
    // for a portal.
    let small = common::scalar(
        &app,
        "SELECT COUNT(*) AS n FROM (SELECT station_id FROM service_records WHERE deleted_at IS NULL AND served_on >= '2023-01-01' AND served_on < '2025-01-01' GROUP BY station_id HAVING COUNT(DISTINCT client_id) BETWEEN 1 AND 4) t",
        vec![],
    )
    .await;
    assert!(small > 0, "the demo data have stations serving 1 to 4 clients");
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT station_id FROM service_records WHERE deleted_at IS NULL AND served_on >= '2023-01-01' AND served_on < '2025-01-01' GROUP BY station_id HAVING COUNT(DISTINCT client_id) BETWEEN 1 AND 4 ORDER BY station_id LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap();
    let station: Uuid = row.try_get("", "station_id").unwrap();
    let q = r#"query($id: ID!) { station(id: $id) { personTimes(period: { from: "2023-01-01", to: "2025-01-01" }) { value withheld perturbed } } }"#;
    let id = common::gid("Station", station);
    let exact = app.data(q, json!({ "id": id })).await["station"]["personTimes"]["value"].as_i64().unwrap();
    let portal = app.data_as(Some(&token_with("PORTAL", |_| {})), q, json!({ "id": id })).await;
    let p = &portal["station"]["personTimes"];
    assert_eq!((&p["withheld"], &p["perturbed"]), (&Value::Null, &json!(true)), "{p}");
    let p = p["value"].as_i64().unwrap();
    // A sum (person-times) of 5 or more moves by at most 2 steps of max(1, value / 50); below 5
    // by the count rule (to 0, or 3 to 6).
    let bound = if exact < 5 { 3 } else { 2 * (exact / 50).max(1) };
    assert!(p != 1 && p != 2 && (p - exact).abs() <= bound, "{exact} -> {p}");
    let staff = token_with("STATION_STAFF", |c| c.station = Some(station.to_string()));
    let own = app.data_as(Some(&staff), q, json!({ "id": id })).await;
    assert_eq!(own["station"]["personTimes"], json!({ "value": exact, "withheld": null, "perturbed": false }), "{own}");
});

/// On SQLite, statistics find a subtree's service records by their division codes, one seek
/// per code bounded by the period in the covering index, and never through the single-column
/// `served_on` index: at national scale that index made each statement read a year of the
/// whole country's records (12 s instead of 16 ms), and whole code ranges read three years
/// where one was asked (20 ms instead of 4; BENCHMARKS.md).
/// Checked on the plan of every statement a dashboard request runs, under the planner
/// statistics of the national synthetic set (`sqlite_stat1` as `seed synthetic --scale
/// national` leaves it, copied below).
#[tokio::test]
async fn sqlite_statistics_read_service_records_by_division_code_and_period() {
    use sea_orm::TransactionTrait;
    const NATIONAL_STAT1: &[(&str, &str)] = &[
        ("idx_service_records_updated_at_id", "10150419 2 1"),
        ("idx_service_records_station_id_served_on", "10150419 201 2"),
        ("idx_service_records_station_id", "10150419 201"),
        ("idx_service_records_social_worker_id", "10150419 36"),
        ("idx_service_records_service_type", "10150419 1001"),
        ("idx_service_records_served_on", "10150419 1001"),
        ("idx_service_records_region_code_served_on_keyed", "10150419 232 2 2 1 1 1 1 1 1"),
        ("idx_service_records_region_code", "10150419 143"),
        ("idx_service_records_project_id", "10150419 29"),
        ("idx_service_records_method", "10150419 1001"),
        ("idx_service_records_client_id", "10150419 13"),
        ("sqlite_autoindex_service_records_1", "10150419 1"),
    ];
    let options = common::Options { log_statements: true, ..Default::default() };
    let app = TestApp::spawn_with(common::Backend::Sqlite, options).await;
    let admin = common::admin_token();
    // One county, and every county of the prefecture side by side (eight code ranges).
    statistics(&app, Some(&admin), "522301", ("2024-01-01", "2025-01-01")).await;
    let counties = ["522301", "522302", "522323", "522324", "522325", "522326", "522327", "522328"];
    let many = r#"query($codes: [String!]!) {
      regionStatistics(codes: $codes, period: { from: "2024-01-01", to: "2025-01-01" }) {
        service { personTimes { value } } linkage { communities socialWorkers } } }"#;
    let d = app.data_as(Some(&admin), many, json!({ "codes": counties })).await;
    assert_eq!(d["regionStatistics"].as_array().map(Vec::len), Some(8));
    let logged = app.take_logged();

    // One connection, whose planner is given the national statistics; rolled back.
    let txn = app.db.begin().await.unwrap();
    common::use_sqlite_stats(&txn, "service_records", NATIONAL_STAT1).await;
    let mut checked = 0;
    for statement in logged {
        if !(statement.sql.contains("\"service_records\"") && statement.sql.contains("BETWEEN")) {
            continue;
        }
        let plan = common::sqlite_plan(&txn, &statement).await;
        assert!(
            !plan.iter().any(|step| step.contains("idx_service_records_served_on")),
            "{}\nplan: {plan:#?}",
            statement.sql
        );
        // Every column the statistics read is in the index: the table is never visited.
        assert!(
            plan.iter().filter(|step| step.contains("service_records")).all(|step| step.contains(
                "COVERING INDEX idx_service_records_region_code_served_on_keyed \
                     (region_code=? AND served_on>? AND served_on<?)"
            )),
            "{}\nplan: {plan:#?}",
            statement.sql
        );
        checked += 1;
    }
    txn.rollback().await.unwrap();
    // Per request, the service figures and the linkage (its places and workers).
    assert_eq!(checked, 4, "statements over service records");
}
