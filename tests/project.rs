//! Projects (项目): the root list with each filter and ordering, lookup by id, money fields,
//! the five-society participants checked from both ends, and the published figures of 西陵区
//! (1.89 M yuan of project funding; 200 mutual-aid projects raising 865,700 yuan).

mod common;

use common::{gid, id_set, nodes, scalar, total, uuid_of};

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use civlink::seed::demo::figures;
use common::TestApp;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A `Yuan` string with exactly two decimals, as integer fen.
fn fen(yuan: &Value) -> i64 {
    let s = yuan.as_str().expect("Yuan is a string");
    let (whole, frac) = s.split_once('.').unwrap_or_else(|| panic!("{s:?} has no decimal point"));
    assert!(frac.len() == 2 && frac.bytes().all(|b| b.is_ascii_digit()), "{s:?}: exactly two decimals");
    assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
    assert!(whole == "0" || !whole.starts_with('0'), "{s:?}: no leading zeros");
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// Every node of the root connection `field`, walking pages with `$after`.
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

const LIST: &str = r#"query($f: ProjectFilter, $o: RecordOrder, $after: String) {
  projects(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name fundingMode status budget fundsRaised startsOn endsOn record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(projects_filters_each_return_matching_rows_and_count_like_sql, |app| {
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "region": "420502" }), "region_code LIKE '420502%'"),
        (json!({ "region": "5223" }), "region_code LIKE '5223%'"),
        (json!({ "fundingModes": ["MUTUAL_AID"] }), "funding_mode = 'MUTUAL_AID'"),
        (
            json!({ "fundingModes": ["CHARITY", "VENTURE_PHILANTHROPY", "PROVINCIAL_PROGRAM"] }),
            "funding_mode IN ('CHARITY', 'VENTURE_PHILANTHROPY', 'PROVINCIAL_PROGRAM')",
        ),
        (json!({ "statuses": ["ACTIVE"] }), "status = 'ACTIVE'"),
        (json!({ "statuses": ["PLANNED", "CANCELLED"] }), "status IN ('PLANNED', 'CANCELLED')"),
        (json!({ "starts": { "from": "2024-01-01" } }), "starts_on >= '2024-01-01'"),
        (json!({ "starts": { "to": "2023-01-01" } }), "starts_on < '2023-01-01'"),
        (
            json!({ "starts": { "from": "2023-03-01", "to": "2023-07-01" } }),
            "starts_on >= '2023-03-01' AND starts_on < '2023-07-01'",
        ),
        (json!({ "nameContains": "互助项目" }), "name LIKE '%互助项目%'"),
        (json!({ "nameContains": "运营项目" }), "name LIKE '%运营项目%'"),
        (
            json!({ "region": "2302", "fundingModes": ["GOVERNMENT_PROCUREMENT", "CHARITY"], "statuses": ["ACTIVE", "COMPLETED"], "starts": { "from": "2022-01-01" }, "nameContains": "齐齐哈尔" }),
            "region_code LIKE '2302%' AND funding_mode IN ('GOVERNMENT_PROCUREMENT', 'CHARITY') AND status IN ('ACTIVE', 'COMPLETED') \
             AND starts_on >= '2022-01-01' AND name LIKE '%齐齐哈尔%'",
        ),
    ];
    for (filter, cond) in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM projects WHERE deleted_at IS NULL AND {cond}");
        let expected = scalar(&app, &sql, vec![]).await;
        assert!(expected > 0, "the demo data have rows for {filter}");
        let (count, rows) = walk(&app, LIST, "projects", json!({ "f": filter })).await;
        assert_eq!(count, expected, "totalCount of {filter}");
        assert_eq!(rows.len() as i64, expected, "rows of {filter}");
        for n in &rows {
            if let Some(r) = filter.get("region") {
                assert!(n["region"]["code"].as_str().unwrap().starts_with(r.as_str().unwrap()), "{n}");
            }
            if let Some(modes) = filter.get("fundingModes") {
                assert!(modes.as_array().unwrap().contains(&n["fundingMode"]), "{n}");
            }
            if let Some(statuses) = filter.get("statuses") {
                assert!(statuses.as_array().unwrap().contains(&n["status"]), "{n}");
            }
            let starts = n["startsOn"].as_str().unwrap();
            if let Some(from) = filter["starts"]["from"].as_str() {
                assert!(starts >= from, "{n}");
            }
            if let Some(to) = filter["starts"]["to"].as_str() {
                assert!(starts < to, "{n}");
            }
            if let Some(q) = filter.get("nameContains") {
                assert!(n["name"].as_str().unwrap().contains(q.as_str().unwrap()), "{n}");
            }
        }
        let distinct: BTreeSet<&str> = rows.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), rows.len());
    }
    let all = scalar(&app, "SELECT COUNT(*) AS n FROM projects WHERE deleted_at IS NULL", vec![]).await;
    assert_eq!(total(&app.data("{ projects { totalCount } }", json!({})).await["projects"]), all);
    // Full-width text is normalised (NFKC) before matching: （ and ( are the same character after it.
    let d = app.data(LIST, json!({ "f": { "nameContains": "２０２５" } })).await;
    let n = scalar(&app, "SELECT COUNT(*) AS n FROM projects WHERE name LIKE '%2025%' AND deleted_at IS NULL", vec![])
        .await;
    assert_eq!(total(&d["projects"]), n);
});

both!(every_project_is_found_by_its_own_full_name, |app| {
    // A client copies a name from a response into `nameContains`: it must find that project,
    // whatever characters the name holds (here full-width brackets and colons, as in
    // "兴义市乡镇（街道）社会工作服务站运营项目").
    let (count, rows) = walk(&app, LIST, "projects", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let mut missed = Vec::new();
    for n in &rows {
        let d = app.data(LIST, json!({ "f": { "nameContains": n["name"] } })).await;
        if !id_set(&d["projects"]).contains(n["id"].as_str().unwrap()) {
            missed.push(n["name"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        missed.is_empty(),
        "{} of {} projects are not found by their own name, e.g. {:?}",
        missed.len(),
        rows.len(),
        &missed[..missed.len().min(3)]
    );
});

both!(projects_reject_an_empty_or_reversed_start_range_and_a_bad_region, |app| {
    for range in
        [json!({ "from": "2024-01-01", "to": "2024-01-01" }), json!({ "from": "2024-02-01", "to": "2024-01-01" })]
    {
        let body = app.post(LIST, json!({ "f": { "starts": range } })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT", "{range}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], "filter.starts");
    }
    let body = app.post(LIST, json!({ "f": { "starts": { "from": "2024-13-01" } } })).await;
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()), "a malformed date is refused: {body}");
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "42050" } })).await, "INVALID_DIVISION_CODE");
    // A one-day range is valid.
    let d = app.data(LIST, json!({ "f": { "starts": { "from": "2025-03-01", "to": "2025-03-02" } } })).await;
    let n = scalar(&app, "SELECT COUNT(*) AS n FROM projects WHERE starts_on = '2025-03-01'", vec![]).await;
    assert_eq!(total(&d["projects"]), n);
});

both!(projects_order_by_every_field_in_both_directions_with_ties_broken_by_id, |app| {
    let expected = scalar(&app, "SELECT COUNT(*) AS n FROM projects WHERE deleted_at IS NULL", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "Project");
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
        let (count, asc) = walk(&app, LIST, "projects", json!({ "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) = walk(&app, LIST, "projects", json!({ "o": { "field": field, "direction": "DESC" } })).await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
});

// ---------------------------------------------------------------------------------------------
// Money and published figures

both!(project_money_fields_have_two_decimals_and_add_up_like_the_fen_columns, |app| {
    let (count, rows) = walk(&app, LIST, "projects", json!({})).await;
    assert_eq!(rows.len() as i64, count);
    let budget: i64 = rows.iter().map(|n| fen(&n["budget"])).sum();
    let raised: i64 = rows.iter().map(|n| fen(&n["fundsRaised"])).sum();
    let sql_budget =
        scalar(&app, "SELECT CAST(SUM(budget_fen) AS BIGINT) AS n FROM projects WHERE deleted_at IS NULL", vec![])
            .await;
    let sql_raised = scalar(
        &app,
        "SELECT CAST(SUM(funds_raised_fen) AS BIGINT) AS n FROM projects WHERE deleted_at IS NULL",
        vec![],
    )
    .await;
    assert_eq!(budget, sql_budget);
    assert_eq!(raised, sql_raised);
    for n in &rows {
        let row =
            entity::project::Entity::find_by_id(uuid_of(&n["id"], "Project")).one(&app.db).await.unwrap().unwrap();
        assert_eq!(fen(&n["budget"]), row.budget_fen);
        assert_eq!(fen(&n["fundsRaised"]), row.funds_raised_fen);
        assert_eq!(n["startsOn"], row.starts_on.format("%Y-%m-%d").to_string());
        assert_eq!(n["endsOn"], json!(row.ends_on.map(|d| d.format("%Y-%m-%d").to_string())));
        if let Some(end) = n["endsOn"].as_str() {
            assert!(end >= n["startsOn"].as_str().unwrap(), "{n}");
        }
        if n["fundingMode"] == "MUTUAL_AID" {
            assert_eq!(n["budget"], n["fundsRaised"], "residents raise a mutual-aid budget: {n}");
        }
    }
    // The thermal-clothing project of 齐齐哈尔 is funded exactly by the donation.
    let d = app
        .data(r#"{ projects(filter: { region: "2302", fundingModes: [CHARITY], nameContains: "温暖过冬" }) { nodes { budget fundsRaised } } }"#, json!({}))
        .await;
    let p = &d["projects"]["nodes"][0];
    assert_eq!(fen(&p["budget"]), figures::qiqihar::THERMAL_CLOTHING_FEN);
    assert_eq!(p["budget"], "180000.00");
});

both!(xiling_projects_reproduce_the_published_funding_and_mutual_aid_figures, |app| {
    let q = r#"query($f: ProjectFilter, $after: String) { projects(first: 100, after: $after, filter: $f) {
        totalCount pageInfo { hasNextPage endCursor } nodes { fundingMode budget fundsRaised region { code level } } } }"#;
    let (count, mutual) =
        walk(&app, q, "projects", json!({ "f": { "region": "420502", "fundingModes": ["MUTUAL_AID"] } })).await;
    assert_eq!(count as u64, figures::xiling::MUTUAL_AID_PROJECTS);
    let raised: i64 = mutual.iter().map(|n| fen(&n["fundsRaised"])).sum();
    assert_eq!(raised, figures::xiling::MUTUAL_AID_RAISED_FEN);
    assert_eq!(figures::xiling::MUTUAL_AID_RAISED_FEN, 86_570_000, "865,700.00 yuan");
    assert!(mutual.iter().all(|n| n["region"]["level"] == "VILLAGE"), "mutual aid happens in communities");
    let (_, all) = walk(&app, q, "projects", json!({ "f": { "region": "420502" } })).await;
    let five_society =
        |n: &&Value| n["fundingMode"] == "AWARD_IN_LIEU_OF_SUBSIDY" || n["fundingMode"] == "PROVINCIAL_PROGRAM";
    let funded: i64 = all.iter().filter(five_society).map(|n| fen(&n["budget"])).sum();
    assert_eq!(funded, figures::xiling::PROJECT_FUNDING_FEN);
    let sql = scalar(
        &app,
        "SELECT CAST(SUM(budget_fen) AS BIGINT) AS n FROM projects WHERE region_code LIKE '420502%' \
         AND funding_mode IN ('AWARD_IN_LIEU_OF_SUBSIDY', 'PROVINCIAL_PROGRAM') AND deleted_at IS NULL",
        vec![],
    )
    .await;
    assert_eq!(funded, sql);
});

// ---------------------------------------------------------------------------------------------
// project(id:)

const ONE: &str = r#"query($id: ID!) { project(id: $id) { id name fundingMode status budget fundsRaised startsOn endsOn
    externalReference { source externalId } region { code } } }"#;

both!(project_by_id_round_trips_an_id_from_the_list, |app| {
    let q = r#"{ projects(first: 40, filter: { region: "511802" }) { nodes { id name fundingMode status budget fundsRaised startsOn endsOn
        externalReference { source externalId } region { code } } } }"#;
    let d = app.data(q, json!({})).await;
    let listed = nodes(&d["projects"]).clone();
    assert!(listed.len() > 5);
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        assert_eq!(&one["project"], n);
    }
});

both!(project_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d = app.data(r#"{ charityResources(first: 1) { nodes { id } } region(code: "52") { id } }"#, json!({})).await;
    for foreign in [&d["charityResources"]["nodes"][0]["id"], &d["region"]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in ["UHJvamVjdA", "Project:1", &gid("Project", "{}"), &URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x3a])] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("Project", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["project"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["project"]));
});

// ---------------------------------------------------------------------------------------------
// Relations: the five societies

const RELATIONS: &str = r#"query($after: String) { projects(first: 20, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id region { code }
    stations(first: 100) { totalCount nodes { id projects(first: 100) { totalCount nodes { id } } } }
    communities(first: 100) { totalCount nodes { code level communityProjects(first: 100) { totalCount nodes { id } } } }
    organizations(first: 100) { totalCount nodes { id projects(first: 100) { totalCount nodes { id } } } }
    socialWorkers(first: 100) { totalCount nodes { id projects(first: 100) { totalCount nodes { id } } } }
    volunteers(first: 100) { totalCount nodes { id projects(first: 100) { totalCount nodes { id } } } }
    volunteerTeams(first: 100) { totalCount nodes { id projects(first: 100) { totalCount nodes { id } } } }
    charityResources(first: 100) { totalCount nodes { id projects(first: 100) { totalCount nodes { id } } } }
    serviceRecords(first: 100) { totalCount nodes { id project { id } } }
  }
} }"#;

/// Each participant of `conn` lists the project back through `back`.
fn lists_back(conn: &Value, back: &str, me: &str, what: &str) -> usize {
    for n in nodes(conn) {
        assert!(total(&n[back]) <= 100, "{what}");
        assert!(id_set(&n[back]).contains(me), "{what} {} does not list project {me}", n["id"]);
    }
    assert_eq!(nodes(conn).len() as i64, total(conn).min(100), "{what}");
    nodes(conn).len()
}

both!(project_relations_agree_with_the_rows_and_with_the_other_side, |app| {
    let (count, projects) = walk(&app, RELATIONS, "projects", json!({})).await;
    assert_eq!(projects.len() as i64, count);
    let mut seen = [0usize; 8];
    let party = |column: &str, party: &str, joined: &str| {
        format!(
            "SELECT COUNT(DISTINCT pp.{column}) AS n FROM project_participants pp JOIN {joined} x ON x.id = pp.{column} \
             WHERE pp.project_id = $1 AND pp.party = '{party}' AND pp.deleted_at IS NULL AND x.deleted_at IS NULL"
        )
    };
    for p in &projects {
        let me = p["id"].as_str().unwrap();
        let id = uuid_of(&p["id"], "Project");
        let row = entity::project::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(p["region"]["code"], row.region_code);

        seen[0] += lists_back(&p["stations"], "projects", me, "station");
        let n = scalar(
            &app,
            "SELECT COUNT(DISTINCT ps.station_id) AS n FROM project_stations ps JOIN stations s ON s.id = ps.station_id \
             WHERE ps.project_id = $1 AND ps.deleted_at IS NULL AND s.deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&p["stations"]), n, "stations of {me}");

        // communities ↔ region.communityProjects (keyed by code, not id)
        let communities = &p["communities"];
        for c in nodes(communities) {
            assert!(id_set(&c["communityProjects"]).contains(me), "community {} lists {me}", c["code"]);
            seen[1] += 1;
        }
        let n = scalar(
            &app,
            "SELECT COUNT(DISTINCT region_code) AS n FROM project_participants \
             WHERE project_id = $1 AND party = 'COMMUNITY' AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(communities), n, "communities of {me}");
        assert!(n >= 1, "every demo project has a community");

        for (field, k, column, name, table) in [
            ("organizations", 2, "organization_id", "ORGANIZATION", "organizations"),
            ("socialWorkers", 3, "social_worker_id", "SOCIAL_WORKER", "social_workers"),
            ("volunteers", 4, "volunteer_id", "VOLUNTEER", "volunteers"),
            ("volunteerTeams", 5, "volunteer_team_id", "VOLUNTEER_TEAM", "volunteer_teams"),
            ("charityResources", 6, "charity_resource_id", "CHARITY_RESOURCE", "charity_resources"),
        ] {
            seen[k] += lists_back(&p[field], "projects", me, field);
            assert_eq!(id_set(&p[field]).len(), nodes(&p[field]).len(), "{field}: no node twice");
            let n = scalar(&app, &party(column, name, table), vec![id.into()]).await;
            assert_eq!(total(&p[field]), n, "{field} of {me}");
        }

        let records = &p["serviceRecords"];
        for r in nodes(records) {
            assert_eq!(r["project"]["id"], me);
            seen[7] += 1;
        }
        assert_eq!(nodes(records).len() as i64, total(records).min(100));
        let n = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM service_records WHERE project_id = $1 AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(records), n, "serviceRecords of {me}");
    }
    assert!(seen.iter().all(|&n| n > 0), "every party is exercised: {seen:?}");
});

both!(project_relations_take_their_own_filters, |app| {
    let q = r#"{ projects(first: 100, filter: { region: "420502", fundingModes: [GOVERNMENT_PROCUREMENT] }) { nodes { id
        rooms: stations(filter: { levels: [TOWNSHIP_STATION] }) { totalCount nodes { level } }
        villages: communities(filter: { level: VILLAGE }) { totalCount nodes { level } }
        agencies: organizations(filter: { kinds: [SOCIAL_WORK_AGENCY] }) { totalCount nodes { kind } }
        groupwork: serviceRecords(filter: { methods: [GROUPWORK, COMMUNITY] }) { totalCount nodes { method } }
    } } }"#;
    let d = app.data(q, json!({})).await;
    let projects = nodes(&d["projects"]);
    assert!(!projects.is_empty());
    let mut streets = 0;
    for p in projects {
        let id = uuid_of(&p["id"], "Project");
        assert!(nodes(&p["rooms"]).iter().all(|s| s["level"] == "TOWNSHIP_STATION"));
        let n = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM project_stations ps JOIN stations s ON s.id = ps.station_id \
             WHERE ps.project_id = $1 AND s.level = 'TOWNSHIP_STATION' AND ps.deleted_at IS NULL AND s.deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&p["rooms"]), n);
        streets += n;
        assert!(nodes(&p["villages"]).iter().all(|c| c["level"] == "VILLAGE"));
        assert!(nodes(&p["agencies"]).iter().all(|o| o["kind"] == "SOCIAL_WORK_AGENCY"));
        assert!(nodes(&p["groupwork"]).iter().all(|r| r["method"] != "CASEWORK"));
    }
    assert!(streets > 0);
});

// ---------------------------------------------------------------------------------------------
// Paging a relation

const PROJECT_STATIONS: &str = r#"query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $o: RecordOrder) {
  project(id: $id) { stations(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id name } } } }"#;

both!(a_project_s_stations_page_forward_and_backward_with_cursors_in_every_order, |app| {
    // The project with the most stations.
    let q = r#"query($after: String) { projects(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        nodes { id stations { totalCount } } } }"#;
    let (_, all) = walk(&app, q, "projects", json!({})).await;
    let big = all.iter().max_by_key(|p| total(&p["stations"])).unwrap();
    let n = total(&big["stations"]);
    assert!(n > 30, "{n}");
    let id = &big["id"];
    for order in [
        json!({ "field": "ID" }),
        json!({ "field": "NAME" }),
        json!({ "field": "NAME", "direction": "DESC" }),
        json!({ "field": "CREATED_AT", "direction": "DESC" }),
    ] {
        let full = app.data(PROJECT_STATIONS, json!({ "id": id, "first": 100, "o": order })).await;
        let expected: Vec<Value> = nodes(&full["project"]["stations"]).clone();
        assert_eq!(expected.len() as i64, n);
        if order["field"] == "NAME" {
            let mut keys: Vec<(String, Uuid)> = expected
                .iter()
                .map(|s| (s["name"].as_str().unwrap().to_owned(), uuid_of(&s["id"], "Station")))
                .collect();
            if order["direction"] == "DESC" {
                keys.reverse();
            }
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{order}");
        }
        let mut forward = Vec::new();
        let mut after = Value::Null;
        loop {
            let d = app.data(PROJECT_STATIONS, json!({ "id": id, "first": 7, "after": after, "o": order })).await;
            let c = &d["project"]["stations"];
            assert_eq!(total(c), n, "totalCount ignores paging");
            assert_eq!(c["pageInfo"]["hasPreviousPage"], !after.is_null());
            forward.extend(nodes(c).iter().cloned());
            if c["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = c["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(forward, expected, "forward pages of {order}");
        let mut backward: Vec<Value> = Vec::new();
        let mut before = Value::Null;
        loop {
            let d = app.data(PROJECT_STATIONS, json!({ "id": id, "last": 9, "before": before, "o": order })).await;
            let c = &d["project"]["stations"];
            let mut page = nodes(c).clone();
            page.extend(backward);
            backward = page;
            if c["pageInfo"]["hasPreviousPage"] == false {
                break;
            }
            before = c["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, expected, "backward pages of {order}");
    }
    // A cursor of the root list is refused by the relation under another ordering.
    let root =
        app.data(r#"{ stations(first: 1, orderBy: { field: NAME }) { pageInfo { endCursor } } }"#, json!({})).await;
    let body = app
        .post(PROJECT_STATIONS, json!({ "id": id, "first": 5, "after": root["stations"]["pageInfo"]["endCursor"] }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_CURSOR");
    let body = app.post(PROJECT_STATIONS, json!({ "id": id, "first": 101 })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAGE_SIZE_EXCEEDED");
});

both!(sibling_projects_page_their_participants_independently, |app| {
    // Every project's second page of social workers and communities, in one request, equals
    // what each project gives on its own.
    let q = r#"query($after: String) { projects(first: 30, filter: { region: "5223" }) { nodes { id
        socialWorkers(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
        organizations(first: 1) { totalCount nodes { id } }
    } } }"#;
    let d = app.data(q, json!({})).await;
    let one = r#"query($id: ID!) { project(id: $id) { socialWorkers(first: 100) { nodes { id } } organizations(first: 100) { nodes { id } } } }"#;
    let mut checked = 0;
    for p in nodes(&d["projects"]) {
        let alone = app.data(one, json!({ "id": p["id"] })).await;
        let workers: Vec<&Value> = nodes(&alone["project"]["socialWorkers"]).iter().map(|n| &n["id"]).collect();
        let orgs: Vec<&Value> = nodes(&alone["project"]["organizations"]).iter().map(|n| &n["id"]).collect();
        assert_eq!(total(&p["socialWorkers"]), workers.len() as i64);
        assert_eq!(total(&p["organizations"]), orgs.len() as i64);
        if let Some(first) = nodes(&p["socialWorkers"]).first() {
            assert_eq!(&first["id"], workers[0]);
        }
        if let Some(first) = nodes(&p["organizations"]).first() {
            assert_eq!(&first["id"], orgs[0]);
        }
        if p["socialWorkers"]["pageInfo"]["hasNextPage"] == true {
            let q2 = r#"query($id: ID!, $after: String) { project(id: $id) { socialWorkers(first: 100, after: $after) { nodes { id } } } }"#;
            let rest =
                app.data(q2, json!({ "id": p["id"], "after": p["socialWorkers"]["pageInfo"]["endCursor"] })).await;
            let rest: Vec<&Value> = nodes(&rest["project"]["socialWorkers"]).iter().map(|n| &n["id"]).collect();
            assert_eq!(rest, workers[1..].to_vec());
            checked += 1;
        }
    }
    assert!(checked > 0);
});
