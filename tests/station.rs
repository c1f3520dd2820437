//! Stations (社工站): the root list with each filter and ordering, lookup by id, every relation
//! checked from both ends, and the published figures of 齐齐哈尔市 and 黔西南州.

mod common;

use common::{gid, id_set, nodes, scalar, total, uuid_of};

use std::collections::{BTreeMap, BTreeSet};

use civlink::seed::demo::figures;
use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value as SqlValue};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

async fn execute(app: &TestApp, sql: &str, params: Vec<SqlValue>) {
    let backend = app.db.get_database_backend();
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
    app.db.execute_raw(Statement::from_sql_and_values(backend, sql, params)).await.unwrap();
}

/// A `Yuan` string with exactly two decimals, as integer fen.
fn fen(yuan: &Value) -> i64 {
    let s = yuan.as_str().expect("Yuan is a string");
    let (whole, frac) = s.split_once('.').unwrap_or_else(|| panic!("{s:?} has no decimal point"));
    assert!(frac.len() == 2 && frac.bytes().all(|b| b.is_ascii_digit()), "{s:?}: exactly two decimals");
    assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// Every node of the root connection `field`, walking pages of 100 with `$after`.
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

const LIST: &str = r#"query($f: StationFilter, $o: RecordOrder, $after: String) {
  stations(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name level status inFullService investment record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(stations_filters_each_return_matching_rows_and_count_like_sql, |app| {
    struct Case {
        filter: Value,
        sql: &'static str,
        check: fn(&Value) -> bool,
    }
    let cases = [
        Case {
            filter: json!({ "region": "420502" }),
            sql: "region_code LIKE '420502%'",
            check: |n| n["region"]["code"].as_str().unwrap().starts_with("420502"),
        },
        Case {
            filter: json!({ "region": "2302" }),
            sql: "region_code LIKE '2302%'",
            check: |n| n["region"]["code"].as_str().unwrap().starts_with("2302"),
        },
        Case {
            filter: json!({ "levels": ["GUIDANCE_CENTER", "COUNTY_STATION"] }),
            sql: "level IN ('GUIDANCE_CENTER', 'COUNTY_STATION')",
            check: |n| n["level"] == "GUIDANCE_CENTER" || n["level"] == "COUNTY_STATION",
        },
        Case {
            filter: json!({ "levels": ["VILLAGE_ROOM"] }),
            sql: "level = 'VILLAGE_ROOM'",
            check: |n| n["level"] == "VILLAGE_ROOM",
        },
        Case {
            filter: json!({ "statuses": ["PLANNED", "UNDER_CONSTRUCTION", "SUSPENDED", "CLOSED"] }),
            sql: "status <> 'OPERATING'",
            check: |n| n["status"] != "OPERATING",
        },
        Case {
            filter: json!({ "inFullService": false }),
            sql: "in_full_service = FALSE",
            check: |n| n["inFullService"] == false,
        },
        Case {
            filter: json!({ "inFullService": true, "region": "5223" }),
            sql: "in_full_service = TRUE AND region_code LIKE '5223%'",
            check: |n| n["inFullService"] == true && n["region"]["code"].as_str().unwrap().starts_with("5223"),
        },
        Case {
            filter: json!({ "nameContains": "街道" }),
            sql: "name LIKE '%街道%'",
            check: |n| n["name"].as_str().unwrap().contains("街道"),
        },
        Case {
            filter: json!({ "nameContains": "社会工作服务总站" }),
            sql: "name LIKE '%社会工作服务总站%'",
            check: |n| n["name"].as_str().unwrap().contains("社会工作服务总站") && n["level"] == "COUNTY_STATION",
        },
        Case {
            filter: json!({ "region": "511802", "levels": ["VILLAGE_ROOM", "NEIGHBORHOOD_POINT"], "statuses": ["OPERATING"], "inFullService": true, "nameContains": "社会工作室" }),
            sql: "region_code LIKE '511802%' AND level IN ('VILLAGE_ROOM', 'NEIGHBORHOOD_POINT') AND status = 'OPERATING' \
                  AND in_full_service = TRUE AND name LIKE '%社会工作室%'",
            check: |n| {
                n["region"]["code"].as_str().unwrap().starts_with("511802")
                    && n["level"] == "VILLAGE_ROOM"
                    && n["status"] == "OPERATING"
                    && n["inFullService"] == true
            },
        },
    ];
    for case in cases {
        let expected = scalar(
            &app,
            &format!("SELECT COUNT(*) AS n FROM stations WHERE deleted_at IS NULL AND {}", case.sql),
            vec![],
        )
        .await;
        assert!(expected > 0, "the demo data have rows for {}", case.filter);
        let (count, rows) = walk(&app, LIST, "stations", json!({ "f": case.filter })).await;
        assert_eq!(count, expected, "totalCount of {}", case.filter);
        assert_eq!(rows.len() as i64, expected, "rows of {}", case.filter);
        for n in &rows {
            assert!((case.check)(n), "{} does not satisfy {}", n, case.filter);
        }
        let distinct: BTreeSet<&str> = rows.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), rows.len(), "no station twice in {}", case.filter);
    }
    // No filter: every live station.
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM stations WHERE deleted_at IS NULL", vec![]).await;
    let d = app.data("{ stations { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(total(&d["stations"]), all);
    assert_eq!(nodes(&d["stations"]).len(), 20, "default page size");
});

both!(stations_filters_with_no_match_or_a_bad_code_answer_empty_or_with_an_error, |app| {
    let d = app.data(LIST, json!({ "f": { "region": "110000" } })).await;
    assert_eq!(d["stations"]["totalCount"], 0);
    assert!(nodes(&d["stations"]).is_empty());
    let d = app.data(LIST, json!({ "f": { "nameContains": "%" } })).await;
    assert_eq!(d["stations"]["totalCount"], 0, "% is literal, not a wildcard");
    let d = app.data(LIST, json!({ "f": { "region": "5223", "levels": ["NEIGHBORHOOD_POINT"] } })).await;
    assert_eq!(d["stations"]["totalCount"], 0);
    // An empty list means no restriction.
    let d = app.data(LIST, json!({ "f": { "region": "420502", "levels": [], "statuses": [] } })).await;
    assert_eq!(d["stations"]["totalCount"], 74);
    for bad in ["12345", "abc", "4205020"] {
        assert_eq!(app.error_code(LIST, json!({ "f": { "region": bad } })).await, "INVALID_DIVISION_CODE", "{bad}");
    }
});

both!(stations_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let region = json!({ "region": "5223" });
    let expected = scalar(&app, "SELECT COUNT(*) AS n FROM stations WHERE region_code LIKE '5223%'", vec![]).await;
    let mut lists: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for field in ["ID", "NAME", "CREATED_AT", "UPDATED_AT"] {
        for direction in ["ASC", "DESC"] {
            let (count, rows) =
                walk(&app, LIST, "stations", json!({ "f": region, "o": { "field": field, "direction": direction } }))
                    .await;
            assert_eq!(count, expected);
            assert_eq!(rows.len() as i64, expected);
            lists.insert(format!("{field} {direction}"), rows);
        }
    }
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "Station");
        let v = match field {
            "ID" => String::new(),
            "NAME" => n["name"].as_str().unwrap().to_owned(),
            "CREATED_AT" => {
                chrono::DateTime::parse_from_rfc3339(n["record"]["createdAt"].as_str().unwrap()).unwrap().to_rfc3339()
            }
            _ => chrono::DateTime::parse_from_rfc3339(n["record"]["updatedAt"].as_str().unwrap()).unwrap().to_rfc3339(),
        };
        (v, id)
    };
    for field in ["ID", "NAME", "CREATED_AT", "UPDATED_AT"] {
        let asc: Vec<(String, Uuid)> = lists[&format!("{field} ASC")].iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = lists[&format!("{field} DESC")].iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
    // The default order is by id, ascending.
    let (_, default) = walk(&app, LIST, "stations", json!({ "f": region })).await;
    assert_eq!(default, lists["ID ASC"]);
    // Ordering by name is by code point, as Rust orders strings.
    let names: Vec<&str> = lists["NAME ASC"].iter().map(|n| n["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
});

// ---------------------------------------------------------------------------------------------
// Published figures

both!(qiqihar_has_164_stations_of_which_145_are_in_full_service, |app| {
    let q = r#"{
        all: stations(filter: { region: "2302" }) { totalCount }
        full: stations(filter: { region: "2302", inFullService: true }) { totalCount }
        partial: stations(filter: { region: "2302", inFullService: false }) { totalCount }
        operating: stations(filter: { region: "2302", statuses: [OPERATING] }) { totalCount }
        centres: stations(filter: { region: "2302", levels: [GUIDANCE_CENTER] }) { totalCount }
        counties: stations(filter: { region: "2302", levels: [COUNTY_STATION] }) { totalCount }
        townships: stations(filter: { region: "2302", levels: [TOWNSHIP_STATION] }) { totalCount }
    }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(d["all"]["totalCount"], figures::qiqihar::STATIONS);
    assert_eq!(d["full"]["totalCount"], figures::qiqihar::IN_FULL_SERVICE);
    assert_eq!(d["partial"]["totalCount"], figures::qiqihar::STATIONS - figures::qiqihar::IN_FULL_SERVICE);
    assert_eq!(d["operating"]["totalCount"], figures::qiqihar::STATIONS, "all operating");
    assert_eq!(d["centres"]["totalCount"], 1);
    let counties = scalar(&app, "SELECT COUNT(*) AS n FROM regions WHERE parent_code = '230200000000'", vec![]).await;
    assert_eq!(d["counties"]["totalCount"], counties, "one county station per county");
    assert_eq!(
        d["townships"]["totalCount"].as_i64().unwrap(),
        figures::qiqihar::STATIONS as i64 - 1 - counties,
        "the rest are township stations"
    );
    // Every township of the 7 urban districts has a township station.
    for district in figures::qiqihar::URBAN_DISTRICTS {
        let prefix = &district[..6];
        let townships =
            scalar(&app, &format!("SELECT COUNT(*) AS n FROM regions WHERE parent_code = '{district}'"), vec![]).await;
        let d = app
            .data(
                "query($r: String!) { stations(filter: { region: $r, levels: [TOWNSHIP_STATION], inFullService: true }) { totalCount } }",
                json!({ "r": prefix }),
            )
            .await;
        assert_eq!(d["stations"]["totalCount"], townships, "{district}");
    }
});

both!(qianxinan_stations_add_up_to_the_published_investment, |app| {
    let (count, rows) = walk(&app, LIST, "stations", json!({ "f": { "region": "5223" } })).await;
    let q = figures::qianxinan::GUIDANCE_CENTERS
        + figures::qianxinan::COUNTY_STATIONS
        + figures::qianxinan::TOWNSHIP_STATIONS
        + figures::qianxinan::VILLAGE_ROOMS;
    assert_eq!(count, q as i64);
    let sum: i64 = rows.iter().map(|n| fen(&n["investment"])).sum();
    assert_eq!(sum, figures::qianxinan::INVESTMENT_FEN);
    let sql = scalar(
        &app,
        "SELECT CAST(SUM(investment_fen) AS BIGINT) AS n FROM stations WHERE region_code LIKE '5223%' AND deleted_at IS NULL",
        vec![],
    )
    .await;
    assert_eq!(sum, sql);
    assert!(rows.iter().all(|n| fen(&n["investment"]) > 0), "every station has an investment");
});

both!(xiling_network_is_one_plus_seven_plus_sixty_six, |app| {
    let q = r#"{
        gc: stations(filter: { region: "420502", levels: [GUIDANCE_CENTER] }) { totalCount nodes { id childStations(first: 100) { totalCount } } }
        streets: stations(filter: { region: "420502", levels: [TOWNSHIP_STATION] }) { totalCount nodes { region { code } } }
        rooms: stations(filter: { region: "420502", levels: [VILLAGE_ROOM] }) { totalCount }
    }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(d["gc"]["totalCount"], figures::xiling::GUIDANCE_CENTERS);
    assert_eq!(d["streets"]["totalCount"], figures::xiling::STREET_STATIONS);
    assert_eq!(d["rooms"]["totalCount"], figures::xiling::COMMUNITY_ROOMS);
    let streets: BTreeSet<&str> = nodes(&d["streets"]).iter().map(|n| n["region"]["code"].as_str().unwrap()).collect();
    assert_eq!(streets, figures::xiling::STATION_STREETS.into_iter().collect());
    // The centre's children are the street stations and the rooms of streets without one.
    let children = d["gc"]["nodes"][0]["childStations"]["totalCount"].as_u64().unwrap();
    assert!(children >= figures::xiling::STREET_STATIONS, "{children}");
});

// ---------------------------------------------------------------------------------------------
// station(id:)

const ONE: &str = r#"query($id: ID!) { station(id: $id) {
    id name level status inFullService openedOn investment address latitude longitude
    externalReference { source externalId } record { createdAt updatedAt version } region { code }
} }"#;

both!(station_by_id_round_trips_an_id_from_the_list_with_the_stored_values, |app| {
    let d = app.data(LIST, json!({ "f": { "region": "511802" } })).await;
    let listed = nodes(&d["stations"]).clone();
    assert!(listed.len() > 10);
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        let s = &one["station"];
        assert_eq!(s["id"], n["id"]);
        for field in ["name", "level", "status", "inFullService", "investment"] {
            assert_eq!(s[field], n[field], "{field}");
        }
        let row =
            entity::station::Entity::find_by_id(uuid_of(&n["id"], "Station")).one(&app.db).await.unwrap().unwrap();
        assert_eq!(s["name"], row.name);
        assert_eq!(fen(&s["investment"]), row.investment_fen);
        assert_eq!(s["region"]["code"], row.region_code);
        assert_eq!(s["openedOn"], json!(row.opened_on.map(|d| d.format("%Y-%m-%d").to_string())));
        assert_eq!(s["address"], json!(row.address));
        assert_eq!(s["latitude"].as_f64(), row.latitude);
        assert_eq!(s["longitude"].as_f64(), row.longitude);
        assert_eq!(s["externalReference"]["source"], json!(row.source));
        assert_eq!(s["externalReference"]["externalId"], json!(row.external_id));
        assert_eq!(s["record"]["version"], row.version);
        let created = chrono::DateTime::parse_from_rfc3339(s["record"]["createdAt"].as_str().unwrap()).unwrap();
        assert_eq!(created, row.created_at);
        // Status and full service agree: only operating stations can be in full service.
        if s["inFullService"] == true {
            assert_eq!(s["status"], "OPERATING");
        }
    }
});

both!(station_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d = app.data(r#"{ organizations(first: 1) { nodes { id } } region(code: "420502") { id } }"#, json!({})).await;
    let org = d["organizations"]["nodes"][0]["id"].clone();
    let region = d["region"]["id"].clone();
    for foreign in [org, region] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    let malformed = [
        "not an id".to_owned(),
        String::new(),
        "U3RhdGlvbg".to_owned(),
        gid("Station", "not-a-uuid"),
        gid("Station", 42),
        gid("Nope", Uuid::now_v7()),
        format!("{}==", gid("Station", Uuid::now_v7())),
    ];
    for bad in malformed {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let unknown = gid("Station", Uuid::now_v7());
    let body = app.post(ONE, json!({ "id": unknown })).await;
    assert_eq!(body["data"]["station"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["station"]));
});

both!(a_soft_deleted_station_disappears_from_lookups_lists_and_relations, |app| {
    let q = r#"{ stations(first: 1, filter: { region: "420502", levels: [VILLAGE_ROOM] }) { nodes { id parentStation { id } } } }"#;
    let d = app.data(q, json!({})).await;
    let room = d["stations"]["nodes"][0].clone();
    let parent = room["parentStation"]["id"].clone();
    let count_q = r#"query($p: ID!) { stations(filter: { region: "420502" }) { totalCount }
        station(id: $p) { childStations(first: 100) { totalCount nodes { id } } } }"#;
    let before = app.data(count_q, json!({ "p": parent })).await;
    assert!(id_set(&before["station"]["childStations"]).contains(room["id"].as_str().unwrap()));
    execute(
        &app,
        "UPDATE stations SET deleted_at = updated_at WHERE id = $1",
        vec![uuid_of(&room["id"], "Station").into()],
    )
    .await;
    let after = app.data(count_q, json!({ "p": parent })).await;
    assert_eq!(total(&after["stations"]), total(&before["stations"]) - 1);
    assert_eq!(total(&after["station"]["childStations"]), total(&before["station"]["childStations"]) - 1);
    assert!(!id_set(&after["station"]["childStations"]).contains(room["id"].as_str().unwrap()));
    let body = app.post(ONE, json!({ "id": room["id"] })).await;
    assert_eq!(body["data"]["station"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
});

// ---------------------------------------------------------------------------------------------
// Relations

const RELATIONS: &str = r#"query($r: String!) { stations(first: 100, filter: { region: $r }) { totalCount nodes {
  id region { code }
  parentStation { id childStations(first: 100) { totalCount nodes { id } } }
  childStations(first: 100) { totalCount nodes { id parentStation { id } } }
  operator { id operatedStations(first: 100) { totalCount nodes { id } } }
  socialWorkers(first: 100) { totalCount nodes { id assignments { current station { id } } } }
  volunteerTeams(first: 100) { totalCount nodes { id station { id } } }
  projects(first: 100) { totalCount nodes { id stations(first: 100) { totalCount nodes { id } } } }
  clients(first: 100) { totalCount nodes { id station { id } } }
  serviceRecords(first: 100) { totalCount nodes { id station { id } } }
  charityResources(first: 100) { totalCount nodes { id station { id } } }
} } }"#;

/// Each child of a relation connection points back at `me`, and the connection counts like SQL.
fn points_back(conn: &Value, me: &str, back: &str, what: &str) {
    for n in nodes(conn) {
        assert_eq!(n[back]["id"], me, "{what}: {n}");
    }
    assert_eq!(id_set(conn).len(), nodes(conn).len(), "{what}: no node twice");
    assert_eq!(nodes(conn).len() as i64, total(conn).min(100), "{what}: page holds min(total, 100)");
}

both!(station_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    let mut seen = [0usize; 9];
    for region in ["420502", "511802"] {
        let d = app.data(RELATIONS, json!({ "r": region })).await;
        assert!(total(&d["stations"]) <= 100);
        for s in nodes(&d["stations"]) {
            let me = s["id"].as_str().unwrap();
            let id = uuid_of(&s["id"], "Station");
            let row = entity::station::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
            assert_eq!(s["region"]["code"], row.region_code);

            // parentStation ↔ childStations
            match row.parent_station_id {
                Some(p) => {
                    assert_eq!(s["parentStation"]["id"], gid("Station", p));
                    let siblings = &s["parentStation"]["childStations"];
                    assert!(total(siblings) <= 100);
                    assert!(id_set(siblings).contains(me), "the parent lists {me} among its children");
                    seen[0] += 1;
                }
                None => assert_eq!(s["parentStation"], Value::Null),
            }
            let children = &s["childStations"];
            points_back(children, me, "parentStation", "childStations");
            let n = scalar(
                &app,
                "SELECT COUNT(*) AS n FROM stations WHERE parent_station_id = $1 AND deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(children), n, "childStations of {me}");

            // operator ↔ operatedStations
            match row.operator_id {
                Some(o) => {
                    assert_eq!(s["operator"]["id"], gid("Organization", o));
                    let operated = &s["operator"]["operatedStations"];
                    assert!(total(operated) <= 100);
                    assert!(id_set(operated).contains(me), "the operator lists {me}");
                    seen[1] += 1;
                }
                None => assert_eq!(s["operator"], Value::Null),
            }

            // socialWorkers ↔ assignments
            let workers = &s["socialWorkers"];
            for w in nodes(workers) {
                let current: Vec<&Value> = w["assignments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|a| a["current"] == true && a["station"]["id"] == me)
                    .collect();
                assert!(!current.is_empty(), "worker {} has a current assignment to {me}", w["id"]);
                seen[2] += 1;
            }
            let n = scalar(
                &app,
                "SELECT COUNT(DISTINCT a.social_worker_id) AS n FROM station_assignments a \
                 JOIN social_workers w ON w.id = a.social_worker_id \
                 WHERE a.station_id = $1 AND a.ended_on IS NULL AND a.deleted_at IS NULL AND w.deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(workers), n, "socialWorkers of {me}");
            assert_eq!(id_set(workers).len(), nodes(workers).len());

            // volunteerTeams ↔ station
            points_back(&s["volunteerTeams"], me, "station", "volunteerTeams");
            seen[3] += nodes(&s["volunteerTeams"]).len();
            let n = scalar(
                &app,
                "SELECT COUNT(*) AS n FROM volunteer_teams WHERE station_id = $1 AND deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(&s["volunteerTeams"]), n);

            // projects ↔ project.stations
            let projects = &s["projects"];
            for p in nodes(projects) {
                assert!(total(&p["stations"]) <= 100);
                assert!(id_set(&p["stations"]).contains(me), "project {} lists {me}", p["id"]);
                seen[4] += 1;
            }
            let n = scalar(
                &app,
                "SELECT COUNT(DISTINCT ps.project_id) AS n FROM project_stations ps JOIN projects p ON p.id = ps.project_id \
                 WHERE ps.station_id = $1 AND ps.deleted_at IS NULL AND p.deleted_at IS NULL",
                vec![id.into()],
            )
            .await;
            assert_eq!(total(projects), n, "projects of {me}");
            assert_eq!(id_set(projects).len(), nodes(projects).len());

            // clients, serviceRecords, charityResources ↔ their station
            for (field, table, k) in [
                ("clients", "clients", 5),
                ("serviceRecords", "service_records", 6),
                ("charityResources", "charity_resources", 7),
            ] {
                points_back(&s[field], me, "station", field);
                seen[k] += nodes(&s[field]).len();
                let n = scalar(
                    &app,
                    &format!("SELECT COUNT(*) AS n FROM {table} WHERE station_id = $1 AND deleted_at IS NULL"),
                    vec![id.into()],
                )
                .await;
                assert_eq!(total(&s[field]), n, "{field} of {me}");
            }
            seen[8] += 1;
        }
    }
    // Every relation was exercised with rows, not only with empty lists.
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
});

both!(station_relations_take_their_own_filters_and_orderings, |app| {
    let q = r#"{ stations(first: 100, filter: { region: "420502" }) { nodes { id
        deep: clients(filter: { deepCase: true }) { totalCount }
        casework: serviceRecords(filter: { methods: [CASEWORK] }) { totalCount }
        latest: serviceRecords(first: 5, orderBy: { field: SERVED_ON, direction: DESC }) { nodes { servedOn } }
        rooms: childStations(filter: { levels: [VILLAGE_ROOM] }) { totalCount nodes { level } }
        money: charityResources(filter: { kinds: [MONEY] }) { totalCount nodes { kind } }
        certified: socialWorkers(filter: { certificateLevels: [ASSISTANT, INTERMEDIATE, SENIOR] }) { totalCount nodes { certified } }
    } } }"#;
    let d = app.data(q, json!({})).await;
    let mut casework_total = 0;
    for s in nodes(&d["stations"]) {
        let id = uuid_of(&s["id"], "Station");
        let deep = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM clients c JOIN case_files f ON f.client_id = c.id \
             WHERE c.station_id = $1 AND f.is_deep_case = TRUE AND c.deleted_at IS NULL AND f.deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&s["deep"]), deep);
        let casework = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM service_records WHERE station_id = $1 AND method = 'CASEWORK' AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&s["casework"]), casework);
        casework_total += casework;
        let days: Vec<&str> = nodes(&s["latest"]).iter().map(|n| n["servedOn"].as_str().unwrap()).collect();
        assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
        assert!(nodes(&s["rooms"]).iter().all(|n| n["level"] == "VILLAGE_ROOM"));
        assert!(nodes(&s["money"]).iter().all(|n| n["kind"] == "MONEY"));
        assert!(nodes(&s["certified"]).iter().all(|n| n["certified"] == true));
    }
    assert!(casework_total > 0);
});

both!(every_station_is_found_by_its_own_full_name, |app| {
    let (count, rows) = walk(&app, LIST, "stations", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    for n in &rows {
        let d = app.data(LIST, json!({ "f": { "nameContains": n["name"] } })).await;
        assert!(id_set(&d["stations"]).contains(n["id"].as_str().unwrap()), "{} is not found by its name", n["name"]);
    }
});

both!(a_station_s_workers_page_by_cursor_with_filters_through_the_assignments, |app| {
    let q = r#"{ stations(first: 100, filter: { region: "2302" }) { nodes { id socialWorkers { totalCount } } } }"#;
    let d = app.data(q, json!({})).await;
    let station = nodes(&d["stations"]).iter().max_by_key(|s| total(&s["socialWorkers"])).unwrap().clone();
    assert!(total(&station["socialWorkers"]) >= 3);
    let page = r#"query($id: ID!, $f: SocialWorkerFilter, $o: RecordOrder, $after: String) { station(id: $id) {
        socialWorkers(first: 1, after: $after, filter: $f, orderBy: $o) { totalCount pageInfo { hasNextPage endCursor }
          nodes { id name certificateLevel } } } }"#;
    for filter in [Value::Null, json!({ "certificateLevels": ["NONE", "ASSISTANT"] })] {
        for order in [json!({ "field": "NAME", "direction": "DESC" }), json!({ "field": "CREATED_AT" })] {
            let mut seen: Vec<Value> = Vec::new();
            let mut after = Value::Null;
            let count = loop {
                let d = app.data(page, json!({ "id": station["id"], "f": filter, "o": order, "after": after })).await;
                let c = &d["station"]["socialWorkers"];
                seen.extend(nodes(c).iter().cloned());
                if c["pageInfo"]["hasNextPage"] == false {
                    break total(c);
                }
                after = c["pageInfo"]["endCursor"].clone();
            };
            assert_eq!(seen.len() as i64, count, "{filter} {order}");
            let distinct: BTreeSet<&str> = seen.iter().map(|n| n["id"].as_str().unwrap()).collect();
            assert_eq!(distinct.len(), seen.len());
            if let Some(levels) = filter["certificateLevels"].as_array() {
                assert!(seen.iter().all(|n| levels.contains(&n["certificateLevel"])));
            }
        }
    }
});
