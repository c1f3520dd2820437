//! Clients (服务对象): the root list with each filter and ordering, lookup by id, masking of
//! every identity field (the clear values never reach a response), case files and
//! categories, every relation checked from both ends, and the published figures of 西陵区
//! (1,144 case files, 678 deep cases).

mod common;

use common::{gid, is_masked_citizen_id, is_masked_mobile, nodes, scalar, total, uuid_of};

use std::collections::{BTreeSet, HashMap};

use chrono::Datelike;
use civlink::seed::demo::figures;
use common::TestApp;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers

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

/// POSTs a query and returns the raw response text (which must hold no errors).
async fn raw(app: &TestApp, query: &str, variables: Value) -> (String, Value) {
    let resp = app
        .client()
        .post(app.graphql_url())
        .bearer_auth(common::admin_token())
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_success());
    let text = resp.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert!(body.get("errors").is_none(), "{body:#}");
    (text, body["data"].clone())
}

/// A masked name: the first character, then one `*` per further character (`*` alone for a
/// one-character name).
fn masked_name(clear: &str) -> String {
    let n = clear.chars().count();
    if n == 1 { "*".to_owned() } else { clear.chars().take(1).chain(std::iter::repeat_n('*', n - 1)).collect() }
}

/// The categories in the order the schema declares them.
const CATEGORY_ORDER: [&str; 15] = [
    "MIN_LIVING",
    "EXTREME_POVERTY",
    "NEAR_MIN_LIVING",
    "TEMPORARY_ASSISTANCE",
    "LEFT_BEHIND_ELDERLY",
    "EMPTY_NEST",
    "BEREAVED_PARENT",
    "ILL_OR_DISABLED",
    "DEPENDENT",
    "ADVANCED_AGE",
    "ORPHAN",
    "DE_FACTO_UNATTENDED",
    "LEFT_BEHIND_CHILD",
    "CHILD_IN_DIFFICULTY",
    "DISABLED",
];

const LIST: &str = r#"query($f: ClientFilter, $o: ClientOrder, $after: String) {
  clients(first: 100, after: $after, filter: $f, orderBy: $o) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id categories caseFile { stage deepCase } record { createdAt updatedAt } region { code } }
  }
}"#;

// ---------------------------------------------------------------------------------------------
// The root list

both!(clients_filters_each_return_matching_rows_and_count_like_sql, |app| {
    let cats = |list: &[&str]| list.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
    let with_category = |list: &[&str]| {
        format!(
            "id IN (SELECT client_id FROM client_categories WHERE deleted_at IS NULL AND category IN ({}))",
            cats(list)
        )
    };
    let with_stage = |list: &[&str]| {
        format!("id IN (SELECT client_id FROM case_files WHERE deleted_at IS NULL AND stage IN ({}))", cats(list))
    };
    let deep = |flag: bool| {
        format!(
            "id IN (SELECT client_id FROM case_files WHERE deleted_at IS NULL AND is_deep_case = {})",
            if flag { "TRUE" } else { "FALSE" }
        )
    };
    let cases: Vec<(Value, String)> = vec![
        (json!({ "region": "511802" }), "region_code LIKE '511802%'".into()),
        (json!({ "region": "420502003" }), "region_code LIKE '420502003%'".into()),
        (json!({ "categories": ["ORPHAN"] }), with_category(&["ORPHAN"])),
        (
            json!({ "categories": ["LEFT_BEHIND_CHILD", "CHILD_IN_DIFFICULTY", "ADVANCED_AGE"] }),
            with_category(&["LEFT_BEHIND_CHILD", "CHILD_IN_DIFFICULTY", "ADVANCED_AGE"]),
        ),
        (json!({ "stages": ["INTAKE"] }), with_stage(&["INTAKE"])),
        (json!({ "stages": ["CLOSED", "EVALUATION"] }), with_stage(&["CLOSED", "EVALUATION"])),
        (json!({ "deepCase": true }), deep(true)),
        (json!({ "deepCase": false }), deep(false)),
        (
            json!({ "region": "2302", "categories": ["EMPTY_NEST", "LEFT_BEHIND_ELDERLY", "ADVANCED_AGE"], "stages": ["INTERVENTION"], "deepCase": true }),
            format!(
                "region_code LIKE '2302%' AND {} AND {} AND {}",
                with_category(&["EMPTY_NEST", "LEFT_BEHIND_ELDERLY", "ADVANCED_AGE"]),
                with_stage(&["INTERVENTION"]),
                deep(true)
            ),
        ),
    ];
    for (filter, cond) in cases {
        let sql = format!("SELECT COUNT(*) AS n FROM clients WHERE deleted_at IS NULL AND {cond}");
        let expected = scalar(&app, &sql, vec![]).await;
        assert!(expected > 0, "the demo data have rows for {filter}");
        let (count, rows) = walk(&app, LIST, "clients", json!({ "f": filter })).await;
        assert_eq!(count, expected, "totalCount of {filter}");
        assert_eq!(rows.len() as i64, expected, "rows of {filter}");
        for n in &rows {
            if let Some(r) = filter.get("region") {
                assert!(n["region"]["code"].as_str().unwrap().starts_with(r.as_str().unwrap()), "{n}");
            }
            if let Some(wanted) = filter.get("categories") {
                // Sensitive categories (assistance, disability) are not shown; the others are.
                let has = n["categories"].as_array().unwrap();
                let shown: Vec<&Value> =
                    wanted.as_array().unwrap().iter().filter(|c| !is_sensitive(c.as_str().unwrap())).collect();
                if shown.len() == wanted.as_array().unwrap().len() {
                    assert!(shown.iter().any(|c| has.contains(c)), "{n} has none of {wanted}");
                }
            }
            if let Some(stages) = filter.get("stages") {
                assert!(stages.as_array().unwrap().contains(&n["caseFile"]["stage"]), "{n}");
            }
            if let Some(flag) = filter.get("deepCase") {
                assert_eq!(&n["caseFile"]["deepCase"], flag, "{n}");
            }
        }
        let distinct: BTreeSet<&str> = rows.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(distinct.len(), rows.len(), "no client twice in {filter}");
    }
    // Deep and other cases partition the clients with a case file.
    let q = r#"{ all: clients { totalCount } deep: clients(filter: { deepCase: true }) { totalCount }
        other: clients(filter: { deepCase: false }) { totalCount }
        filed: clients(filter: { stages: [INTAKE, ASSESSMENT, PLANNING, INTERVENTION, EVALUATION, CLOSED] }) { totalCount } }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(total(&d["deep"]) + total(&d["other"]), total(&d["filed"]));
    let filed =
        scalar(&app, "SELECT COUNT(DISTINCT client_id) AS n FROM case_files WHERE deleted_at IS NULL", vec![]).await;
    assert_eq!(total(&d["filed"]), filed);
    assert_eq!(
        total(&d["all"]),
        scalar(&app, "SELECT COUNT(*) AS n FROM clients WHERE deleted_at IS NULL", vec![]).await
    );
    assert_eq!(app.error_code(LIST, json!({ "f": { "region": "42050200000" } })).await, "INVALID_DIVISION_CODE");
});

both!(xiling_has_5600_clients_on_file_1144_case_files_of_which_678_are_deep_cases, |app| {
    let q = r#"{
        all: clients(filter: { region: "420502" }) { totalCount }
        filed: clients(filter: { region: "420502", stages: [INTAKE, ASSESSMENT, PLANNING, INTERVENTION, EVALUATION, CLOSED] }) { totalCount }
        deep: clients(filter: { region: "420502", deepCase: true }) { totalCount }
        other: clients(filter: { region: "420502", deepCase: false }) { totalCount }
    }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(d["all"]["totalCount"], figures::xiling::CLIENTS_ON_FILE, "the data ledger");
    assert_eq!(d["filed"]["totalCount"], figures::xiling::CASE_FILES);
    assert_eq!(d["deep"]["totalCount"], figures::xiling::DEEP_CASES);
    assert_eq!(d["other"]["totalCount"], figures::xiling::CASE_FILES - figures::xiling::DEEP_CASES);
});

both!(clients_order_by_id_and_timestamps_in_both_directions_but_never_by_name, |app| {
    let filter = json!({ "region": "511802" });
    let expected = scalar(&app, "SELECT COUNT(*) AS n FROM clients WHERE region_code LIKE '511802%'", vec![]).await;
    assert!(expected > 100, "ordering is checked across pages");
    let key = |n: &Value, field: &str| -> (String, Uuid) {
        let id = uuid_of(&n["id"], "Client");
        let v = match field {
            "ID" => String::new(),
            "CREATED_AT" => {
                chrono::DateTime::parse_from_rfc3339(n["record"]["createdAt"].as_str().unwrap()).unwrap().to_rfc3339()
            }
            _ => chrono::DateTime::parse_from_rfc3339(n["record"]["updatedAt"].as_str().unwrap()).unwrap().to_rfc3339(),
        };
        (v, id)
    };
    for field in ["ID", "CREATED_AT", "UPDATED_AT"] {
        let (count, asc) = walk(&app, LIST, "clients", json!({ "f": filter, "o": { "field": field } })).await;
        assert_eq!(count, expected);
        assert_eq!(asc.len() as i64, expected);
        let (_, desc) =
            walk(&app, LIST, "clients", json!({ "f": filter, "o": { "field": field, "direction": "DESC" } })).await;
        let asc: Vec<(String, Uuid)> = asc.iter().map(|n| key(n, field)).collect();
        assert!(asc.windows(2).all(|w| w[0] < w[1]), "{field} ASC is strictly increasing (ties by id)");
        let mut desc: Vec<(String, Uuid)> = desc.iter().map(|n| key(n, field)).collect();
        desc.reverse();
        assert_eq!(asc, desc, "{field} DESC is the reverse of ASC");
    }
    let body = app.post(LIST, json!({ "o": { "field": "NAME" } })).await;
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()), "clients cannot be ordered by name: {body}");
    assert!(body.get("data").is_none() || body["data"].is_null());
});

// ---------------------------------------------------------------------------------------------
// Masking

const EVERY_FIELD: &str = r#"query($first: Int) { clients(first: $first) { totalCount edges { cursor } nodes {
    id name idNumber birthDate gender phone address guardianName categories
    caseFile { stage deepCase openedOn closedOn socialWorker { id } }
    externalReference { source externalId } record { createdAt updatedAt version }
    region { code } station { id } serviceRecords(first: 100) { totalCount nodes { id } }
} } }"#;

/// Checks a client object's masked fields against the stored row and that no clear value is
/// anywhere in `body`.
fn assert_masked(n: &Value, row: &entity::client::Model, body: &str) {
    let who = &n["id"];
    assert_eq!(n["name"], masked_name(&row.name), "{who}");
    assert!(!body.contains(&row.name), "clear name {} in the response", row.name);

    let clear_id = row.id_number.as_deref().expect("demo clients have ID numbers");
    let masked = n["idNumber"].as_str().unwrap();
    assert!(is_masked_citizen_id(masked), "{masked}");
    assert_eq!((&masked[..4], &masked[14..]), (&clear_id[..4], &clear_id[14..]));
    assert!(!body.contains(clear_id), "clear ID number {clear_id} in the response");
    assert!(!body.contains(&clear_id[6..14]), "the birth digits of {clear_id} in the response");

    let birth = row.birth_date.expect("demo clients have birth dates");
    assert_eq!(n["birthDate"], format!("{:04}-**-**", birth.year()));
    let clear_birth = birth.format("%Y-%m-%d").to_string();
    assert!(!body.contains(&clear_birth), "clear birth date {clear_birth} in the response");
    assert!(!body.contains(&birth.format("%Y%m%d").to_string()));

    match &row.phone {
        Some(clear) => {
            let masked = n["phone"].as_str().unwrap();
            assert!(is_masked_mobile(masked), "{masked}");
            assert_eq!((&masked[..3], &masked[7..]), (&clear[..3], &clear[7..]));
            assert!(!body.contains(clear.as_str()), "clear phone {clear} in the response");
        }
        None => assert_eq!(n["phone"], Value::Null),
    }

    let address = row.address.as_deref().expect("demo clients have addresses");
    let kept: String = address.chars().take(6).collect();
    assert_eq!(n["address"], format!("{kept}****"), "{who}");
    let tail: String = address.chars().skip(6).collect();
    assert!(!body.contains(address), "clear address in the response");
    assert!(!body.contains(&tail), "the masked part of the address ({tail}) in the response");

    match &row.guardian_name {
        Some(g) => {
            assert_eq!(n["guardianName"], masked_name(g));
            assert!(!body.contains(g.as_str()), "clear guardian name {g} in the response");
        }
        None => assert_eq!(n["guardianName"], Value::Null),
    }
    if let Some(p) = &row.guardian_phone {
        assert!(!body.contains(p.as_str()), "guardian phone {p} in the response");
    }
}

both!(a_page_of_50_clients_with_every_field_shows_only_masked_identities, |app| {
    let (body, d) = raw(&app, EVERY_FIELD, json!({ "first": 50 })).await;
    let page = nodes(&d["clients"]);
    assert_eq!(page.len(), 50);
    let ids: Vec<Uuid> = page.iter().map(|n| uuid_of(&n["id"], "Client")).collect();
    let rows: HashMap<Uuid, entity::client::Model> = entity::client::Entity::find()
        .filter(entity::client::Column::Id.is_in(ids.clone()))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    assert_eq!(rows.len(), 50);
    let (mut phones, mut guardians) = (0, 0);
    for n in page {
        let row = &rows[&uuid_of(&n["id"], "Client")];
        assert_masked(n, row, &body);
        phones += usize::from(row.phone.is_some());
        guardians += usize::from(row.guardian_name.is_some());
        // The other fields are the stored ones.
        assert_eq!(n["region"]["code"], row.region_code);
        assert_eq!(n["station"]["id"], json!(row.station_id.map(|s| gid("Station", s))));
        assert_eq!(n["externalReference"]["externalId"], json!(row.external_id));
    }
    assert!(phones > 0, "some clients of the page have phones");
    let _ = guardians;
});

both!(clients_reached_through_relations_are_masked_too, |app| {
    let q = r#"{
      serviceRecords(first: 50, filter: { methods: [CASEWORK] }) { nodes { client { id name idNumber birthDate phone address guardianName } } }
      stations(first: 5, filter: { levels: [TOWNSHIP_STATION], region: "5223" }) { nodes {
        clients(first: 20, filter: { categories: [LEFT_BEHIND_CHILD, ORPHAN, DE_FACTO_UNATTENDED, CHILD_IN_DIFFICULTY] }) {
          nodes { id name idNumber birthDate phone address guardianName } } } }
    }"#;
    let (body, d) = raw(&app, q, json!({})).await;
    let mut seen: Vec<&Value> = nodes(&d["serviceRecords"]).iter().map(|r| &r["client"]).collect();
    for s in nodes(&d["stations"]) {
        seen.extend(nodes(&s["clients"]));
    }
    assert!(seen.len() > 50);
    let mut guardians = 0;
    for n in seen {
        let row = entity::client::Entity::find_by_id(uuid_of(&n["id"], "Client")).one(&app.db).await.unwrap().unwrap();
        assert_masked(n, &row, &body);
        guardians += usize::from(row.guardian_name.is_some());
    }
    assert!(guardians > 0, "children with guardians are among them");
});

both!(lists_cannot_be_filtered_by_the_categories_they_hide, |app| {
    // A list filtered on MIN_LIVING would tell, client by client, what `categories` hides.
    let ca = common::civil_affairs("522301");
    for (token, q) in [
        (None, r#"{ clients(first: 3, filter: { categories: [DISABLED, MIN_LIVING] }) { totalCount } }"#),
        (Some(ca.as_str()), r#"{ clients(first: 3, filter: { categories: [EMPTY_NEST, DISABLED] }) { totalCount } }"#),
        (
            Some(ca.as_str()),
            r#"{ region(code: "522301") { clients(first: 3, filter: { categories: [MIN_LIVING] }) { totalCount } } }"#,
        ),
    ] {
        let token = token.map(str::to_owned).unwrap_or_else(common::admin_token);
        let body = app.post_as(Some(&token), q, json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_ARGUMENT", "{q}: {body:#}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("cannot be filtered on"), "{body:#}");
    }
    let ok = app
        .data(r#"{ clients(first: 3, filter: { categories: [LEFT_BEHIND_CHILD] }) { totalCount } }"#, json!({}))
        .await;
    assert!(ok["clients"]["totalCount"].as_i64().unwrap() > 0);
});

// ---------------------------------------------------------------------------------------------
// client(id:)

const ONE: &str = r#"query($id: ID!) { client(id: $id) { id name idNumber birthDate gender phone address guardianName categories
    caseFile { stage deepCase openedOn closedOn socialWorker { id } } region { code } station { id } } }"#;

both!(client_by_id_round_trips_an_id_from_the_list, |app| {
    let q = r#"{ clients(first: 30, filter: { region: "420502" }) { nodes { id name idNumber birthDate gender phone address guardianName categories
        caseFile { stage deepCase openedOn closedOn socialWorker { id } } region { code } station { id } } } }"#;
    let d = app.data(q, json!({})).await;
    let listed = nodes(&d["clients"]).clone();
    assert_eq!(listed.len(), 30);
    for n in &listed {
        let one = app.data(ONE, json!({ "id": n["id"] })).await;
        assert_eq!(&one["client"], n);
    }
});

both!(client_by_id_rejects_foreign_and_malformed_ids_and_reports_unknown_ones, |app| {
    let d = app
        .data(r#"{ serviceRecords(first: 1) { nodes { id } } socialWorkers(first: 1) { nodes { id } } }"#, json!({}))
        .await;
    for foreign in [&d["serviceRecords"]["nodes"][0]["id"], &d["socialWorkers"]["nodes"][0]["id"]] {
        assert_eq!(app.error_code(ONE, json!({ "id": foreign })).await, "INVALID_ID", "{foreign}");
    }
    for bad in ["Q2xpZW50", "client", &gid("Client", "522301193906134004"), &gid("Client ", Uuid::now_v7())] {
        assert_eq!(app.error_code(ONE, json!({ "id": bad })).await, "INVALID_ID", "{bad:?}");
    }
    let body = app.post(ONE, json!({ "id": gid("Client", Uuid::now_v7()) })).await;
    assert_eq!(body["data"]["client"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["client"]));
});

// ---------------------------------------------------------------------------------------------
// Relations, categories and case files

const RELATIONS: &str = r#"query($r: String!, $after: String) { clients(first: 100, after: $after, filter: { region: $r }) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id region { code } categories
    station { id clients(first: 1, filter: { region: $r }) { totalCount } }
    caseFile { stage deepCase openedOn closedOn socialWorker { id } }
    serviceRecords(first: 100) { totalCount nodes { id servedOn method client { id } } }
  }
} }"#;

both!(client_relations_categories_and_case_files_agree_with_the_rows, |app| {
    let mut seen = [0usize; 4];
    let mut station_clients: HashMap<String, i64> = HashMap::new();
    let mut station_totals: HashMap<String, i64> = HashMap::new();
    let (count, clients) = walk(&app, RELATIONS, "clients", json!({ "r": "511802" })).await;
    assert_eq!(clients.len() as i64, count);
    for c in &clients {
        let me = c["id"].as_str().unwrap();
        let id = uuid_of(&c["id"], "Client");
        let row = entity::client::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(c["region"]["code"], row.region_code);

        // station ↔ station.clients: every client of the district is counted by its station.
        assert_eq!(c["station"]["id"], json!(row.station_id.map(|s| gid("Station", s))));
        if let Some(s) = c["station"]["id"].as_str() {
            *station_clients.entry(s.to_owned()).or_default() += 1;
            station_totals.insert(s.to_owned(), total(&c["station"]["clients"]));
            seen[0] += 1;
        }

        // categories: the stored ones, each once.
        let cats: Vec<&str> = c["categories"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let backend = app.db.get_database_backend();
        let sql = "SELECT category FROM client_categories WHERE client_id = $1 AND deleted_at IS NULL";
        let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
        let stored: BTreeSet<String> = app
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, vec![id.into()]))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "category").unwrap())
            .collect();
        let got: BTreeSet<String> = cats.iter().map(|c| (*c).to_owned()).collect();
        assert!(!stored.is_empty(), "every demo client has a category");
        // Sensitive categories (assistance, disability status) are masked by leaving them out.
        let stored: BTreeSet<String> = stored.into_iter().filter(|c| !is_sensitive(c)).collect();
        assert_eq!(got, stored, "categories of {me}");
        assert_eq!(cats.len(), got.len(), "no category twice: {cats:?}");
        seen[1] += 1;

        // caseFile: the stored file, if any.
        let file = entity::case_file::Entity::find()
            .filter(entity::case_file::Column::ClientId.eq(id))
            .filter(entity::case_file::Column::DeletedAt.is_null())
            .one(&app.db)
            .await
            .unwrap();
        match file {
            Some(f) => {
                let cf = &c["caseFile"];
                assert_eq!(cf["deepCase"], f.is_deep_case);
                assert_eq!(cf["openedOn"], f.opened_on.format("%Y-%m-%d").to_string());
                assert_eq!(cf["closedOn"], json!(f.closed_on.map(|d| d.format("%Y-%m-%d").to_string())));
                assert_eq!(cf["socialWorker"]["id"], json!(f.social_worker_id.map(|w| gid("SocialWorker", w))));
                assert_eq!(cf["stage"] == "CLOSED", f.closed_on.is_some(), "a closed case has a closing day: {cf}");
                if let Some(closed) = cf["closedOn"].as_str() {
                    assert!(closed >= cf["openedOn"].as_str().unwrap());
                }
                seen[2] += 1;
            }
            None => assert_eq!(c["caseFile"], Value::Null),
        }

        // serviceRecords ↔ serviceRecord.client
        let records = &c["serviceRecords"];
        for r in nodes(records) {
            assert_eq!(r["client"]["id"], me);
            assert_eq!(r["method"], "CASEWORK", "services with a client are casework");
            seen[3] += 1;
        }
        assert_eq!(nodes(records).len() as i64, total(records).min(100));
        let n = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM service_records WHERE client_id = $1 AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(records), n, "serviceRecords of {me}");
        if c["caseFile"].is_null() {
            assert_eq!(n, 0, "no casework without a case file");
        }
    }
    // Each station's count of the district's clients is the number of clients pointing at it.
    for (station, n) in &station_clients {
        assert_eq!(station_totals[station], *n, "station {station}");
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
});

both!(client_categories_come_in_the_declared_enum_order, |app| {
    // src/store/client.rs: "Categories of each client, in enum order."
    let q = r#"query($after: String) { clients(first: 100, after: $after, filter: { region: "5223" }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id categories } } }"#;
    let (_, clients) = walk(&app, q, "clients", json!({})).await;
    let mut multi = 0;
    for c in &clients {
        let cats: Vec<usize> = c["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| CATEGORY_ORDER.iter().position(|k| v == *k).expect("a known category"))
            .collect();
        if cats.len() > 1 {
            multi += 1;
        }
        assert!(
            cats.windows(2).all(|w| w[0] < w[1]),
            "categories of {} out of enum order: {}",
            c["id"],
            c["categories"]
        );
    }
    assert!(multi > 0);
});

both!(client_service_records_take_their_own_filters_and_orderings, |app| {
    let q = r#"{ clients(first: 50, filter: { region: "420502", deepCase: true }) { nodes { id
        recent: serviceRecords(filter: { served: { from: "2024-07-01", to: "2025-01-01" } }, orderBy: { field: SERVED_ON, direction: DESC }) {
          totalCount nodes { servedOn } }
        care: serviceRecords(filter: { serviceTypes: [DAILY_CARE, SPIRITUAL_COMFORT] }) { totalCount nodes { serviceType } }
    } } }"#;
    let d = app.data(q, json!({})).await;
    let mut any = 0;
    for c in nodes(&d["clients"]) {
        let id = uuid_of(&c["id"], "Client");
        let days: Vec<&str> = nodes(&c["recent"]).iter().map(|r| r["servedOn"].as_str().unwrap()).collect();
        assert!(days.iter().all(|d| ("2024-07-01".."2025-01-01").contains(d)), "{days:?}");
        assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
        let n = scalar(
            &app,
            "SELECT COUNT(*) AS n FROM service_records WHERE client_id = $1 AND served_on >= '2024-07-01' \
             AND served_on < '2025-01-01' AND deleted_at IS NULL",
            vec![id.into()],
        )
        .await;
        assert_eq!(total(&c["recent"]), n);
        any += n;
        assert!(
            nodes(&c["care"])
                .iter()
                .all(|r| r["serviceType"] == "DAILY_CARE" || r["serviceType"] == "SPIRITUAL_COMFORT")
        );
    }
    assert!(any > 0);
});

/// Categories revealing assistance or disability status, left out unless revealed.
fn is_sensitive(category: &str) -> bool {
    [
        "MIN_LIVING",
        "EXTREME_POVERTY",
        "NEAR_MIN_LIVING",
        "TEMPORARY_ASSISTANCE",
        "ILL_OR_DISABLED",
        "DEPENDENT",
        "DISABLED",
    ]
    .contains(&category)
}
