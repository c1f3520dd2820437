//! The compiled read path against the loader's (issue 22): two replicas of one PostgreSQL
//! database, one reading relations through compiled statements (the default) and one through
//! the loader (`CIVLINK_READ_PATH=loader`), answer the same queries with the same JSON, for
//! every role: random selections and arguments over `Station` and `Region` and the rows
//! below them with their own relations, drawn from a fixed seed, errors included. The plain
//! fields of the types whose statements read only the columns a request selects are drawn
//! from schema.graphql, so a field added there is compared too.

mod common;

use civlink::graphql::compiled::ReadPath;
use common::{Backend, Options, TestApp};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::LazyLock;

use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};

/// For each object type of schema.graphql, its fields that take no required argument, as
/// selections: a field of a scalar or enum type by its name, one of an object type whose
/// fields are all such by the name with all of them (`record { … }`).
static PLAIN_FIELDS: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let doc = async_graphql::parser::parse_schema(include_str!("../schema.graphql")).expect("schema.graphql");
    let mut objects = HashMap::new();
    let mut leaves: Vec<String> = ["ID", "String", "Int", "Float", "Boolean"].map(str::to_owned).to_vec();
    for d in &doc.definitions {
        if let TypeSystemDefinition::Type(t) = d {
            match &t.node.kind {
                TypeKind::Object(o) => {
                    let fields: Vec<(String, String)> = o
                        .fields
                        .iter()
                        .filter(|f| f.node.arguments.iter().all(|a| a.node.ty.node.nullable))
                        .map(|f| {
                            let mut ty = &f.node.ty.node;
                            while let BaseType::List(inner) = &ty.base {
                                ty = inner;
                            }
                            let BaseType::Named(name) = &ty.base else { unreachable!() };
                            (f.node.name.node.to_string(), name.to_string())
                        })
                        .collect();
                    objects.insert(t.node.name.node.to_string(), fields);
                }
                TypeKind::Scalar | TypeKind::Enum(_) => leaves.push(t.node.name.node.to_string()),
                _ => {}
            }
        }
    }
    let plain = |fields: &[(String, String)]| -> Vec<String> {
        fields.iter().filter(|(_, ty)| leaves.contains(ty)).map(|(f, _)| f.clone()).collect()
    };
    objects
        .iter()
        .map(|(name, fields)| {
            let mut selections = plain(fields);
            for (field, ty) in fields {
                if let Some(inner) = objects.get(ty)
                    && !inner.is_empty()
                    && plain(inner).len() == inner.len()
                {
                    selections.push(format!("{field} {{ {} }}", plain(inner).join(" ")));
                }
            }
            (name.clone(), selections)
        })
        .collect()
});

/// A random selection of the plain fields of `type_name` (see [`PLAIN_FIELDS`]), with `id`.
fn plain(rng: &mut StdRng, type_name: &str) -> String {
    let fields: Vec<&str> = PLAIN_FIELDS[type_name].iter().map(String::as_str).collect();
    let mut chosen = some(rng, &fields);
    if !chosen.contains(&"id") {
        chosen.insert(0, "id");
    }
    chosen.join(" ")
}

fn loader() -> Options {
    let mut options = Options::default();
    options.http.read_path = ReadPath::Loader;
    options
}

/// A random subset of `items`, never empty.
fn some<'a>(rng: &mut StdRng, items: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = items.iter().copied().filter(|_| rng.random_bool(0.4)).collect();
    if out.is_empty() {
        out.push(items[0]);
    }
    out
}

/// Connection arguments: page size from either end, cursors of a page read before
/// (`cursors`), order, change-feed window.
fn page_args(rng: &mut StdRng, order: &str, cursors: &[String]) -> String {
    let mut args = Vec::new();
    match rng.random_range(0..6) {
        0 => {}
        1 => args.push(format!("last: {}", rng.random_range(0..4))),
        2 => args.push("first: 101".to_owned()),
        _ => args.push(format!("first: {}", [0, 1, 2, 3, 10].choose(rng).unwrap())),
    }
    if rng.random_bool(0.15) {
        if let Some(c) = cursors.choose(rng) {
            args.push(format!("{}: \"{c}\"", if rng.random_bool(0.5) { "after" } else { "before" }));
        }
    }
    if rng.random_bool(0.05) {
        args.push("after: \"not-a-cursor\"".to_owned());
    }
    if rng.random_bool(0.3) && !order.is_empty() {
        args.push(order.to_owned());
    }
    if rng.random_bool(0.15) {
        args.push("includeDeleted: true".to_owned());
    }
    if rng.random_bool(0.1) {
        args.push("updatedSince: \"2020-01-01T00:00:00Z\"".to_owned());
    }
    if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) }
}

/// A connection field with a random selection of `totalCount`, `pageInfo`, `nodes` and
/// `edges`.
fn connection(rng: &mut StdRng, field: &str, args: String, node: &str) -> String {
    let mut parts = Vec::new();
    for p in some(rng, &["nodes", "totalCount", "pageInfo", "edges"]) {
        parts.push(match p {
            "nodes" => format!("nodes {{ {node} }}"),
            "totalCount" => "totalCount".to_owned(),
            "pageInfo" => "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }".to_owned(),
            _ => format!("edges {{ cursor node {{ {node} }} }}"),
        });
    }
    let alias = if rng.random_bool(0.2) { "other: " } else { "" };
    format!("{alias}{field}{args} {{ {} }}", parts.join(" "))
}

/// A named fragment spread into station selections.
const FRAGMENT: &str =
    "fragment S on Station { id name fromFragment: socialWorkers(first: 2) { totalCount nodes { name } } }";

/// A random selection of a station, `depth` levels of relations deep.
fn station(rng: &mut StdRng, depth: u32, cursors: &[String]) -> String {
    let mut fields: Vec<String> = vec![plain(rng, "Station")];
    let record_order = "orderBy: { field: NAME, direction: DESC }";
    let (worker, team, project) = if depth > 0 {
        (worker(rng, cursors), team(rng, cursors), project(rng, cursors))
    } else {
        (
            "id name phone idNumber certificateLevel employer { name }".to_owned(),
            "id name foundedOn".to_owned(),
            "id name status budget fundingMode".to_owned(),
        )
    };
    let lists: &[(&str, &str, &str)] = &[
        ("childStations", "id name level", record_order),
        ("socialWorkers", &worker, record_order),
        ("volunteerTeams", &team, record_order),
        ("projects", &project, record_order),
        ("clients", "id name phone idNumber birthDate address categories", ""),
        ("serviceRecords", "id servedOn method personTimes client { name }", ""),
        ("charityResources", "id kind value donorName", ""),
        ("trainings", "id topic heldOn", ""),
        ("deliberationMeetings", "id topic heldOn resolved", ""),
    ];
    for (field, node, order) in lists {
        if rng.random_bool(0.35) {
            let node = if *field == "childStations" && depth > 0 {
                station(rng, depth - 1, cursors)
            } else {
                node.to_string()
            };
            let args = page_args(rng, order, cursors);
            fields.push(connection(rng, field, args, &node));
        }
    }
    if rng.random_bool(0.4) {
        fields.push("region { code name level parent { code name } }".to_owned());
    }
    if rng.random_bool(0.4) {
        let inner = if depth > 0 { station(rng, depth - 1, cursors) } else { "id name".to_owned() };
        fields.push(format!("parentStation {{ {inner} }}"));
    }
    if rng.random_bool(0.3) {
        let inner = if depth > 0 { organization(rng, cursors) } else { "id name kind".to_owned() };
        fields.push(format!("operator {{ {inner} }}"));
    }
    if rng.random_bool(0.1) {
        fields.push("socialWorkers(filter: { certificateLevels: [INTERMEDIATE] }) { totalCount }".to_owned());
    }
    if rng.random_bool(0.1) {
        fields.push(
            "childStations(filter: { levels: [VILLAGE_ROOM] }, first: 2) { totalCount nodes { name } }".to_owned(),
        );
    }
    if rng.random_bool(0.1) {
        fields.push("skipped: clients(first: 2) @skip(if: true) { totalCount }".to_owned());
    }
    if rng.random_bool(0.1) {
        fields.push("included: projects(last: 1) @include(if: true) { nodes { name } }".to_owned());
    }
    if rng.random_bool(0.1) {
        fields.push("...S".to_owned());
    }
    fields.join(" ")
}

/// Random relations of a row: each of `lists` (field, node selection, order argument) and
/// `ones` (a to-one field with its selection) with some probability.
fn relations(rng: &mut StdRng, cursors: &[String], lists: &[(&str, &str, &str)], ones: &[&str]) -> Vec<String> {
    let mut fields = Vec::new();
    for (field, node, order) in lists {
        if rng.random_bool(0.3) {
            let args = page_args(rng, order, cursors);
            fields.push(connection(rng, field, args, node));
        }
    }
    for one in ones {
        if rng.random_bool(0.3) {
            fields.push((*one).to_owned());
        }
    }
    fields
}

const BY_NAME: &str = "orderBy: { field: NAME }";

/// A random selection of a social worker with its relations.
fn worker(rng: &mut StdRng, cursors: &[String]) -> String {
    let mut fields = vec![plain(rng, "SocialWorker")];
    fields.extend(relations(
        rng,
        cursors,
        &[
            ("projects", "id name", BY_NAME),
            ("serviceRecords", "id servedOn personTimes", ""),
            ("awards", "id title level", ""),
        ],
        &["employer { id name region { code } }", "region { code name }"],
    ));
    fields.join(" ")
}

/// A random selection of a volunteer team with its relations.
fn team(rng: &mut StdRng, cursors: &[String]) -> String {
    let mut fields = vec![plain(rng, "VolunteerTeam")];
    fields.extend(relations(
        rng,
        cursors,
        &[("members", "id name phone idNumber", BY_NAME), ("projects", "id name status", "")],
        &["station { id name }", "organization { id name }", "region { code }"],
    ));
    fields.join(" ")
}

/// A random selection of a project with its relations.
fn project(rng: &mut StdRng, cursors: &[String]) -> String {
    let mut fields = vec![plain(rng, "Project")];
    fields.extend(relations(
        rng,
        cursors,
        &[
            ("stations", "id name", BY_NAME),
            ("communities", "code name", BY_NAME),
            ("organizations", "id name kind", BY_NAME),
            ("socialWorkers", "id name phone", BY_NAME),
            ("volunteers", "id name idNumber", BY_NAME),
            ("volunteerTeams", "id name", ""),
            ("charityResources", "id kind value", ""),
            ("serviceRecords", "id servedOn", ""),
        ],
        &["region { code name }"],
    ));
    fields.join(" ")
}

/// A random selection of an organisation with its relations.
fn organization(rng: &mut StdRng, cursors: &[String]) -> String {
    let mut fields = vec![plain(rng, "Organization")];
    fields.extend(relations(
        rng,
        cursors,
        &[
            ("operatedStations", "id name", BY_NAME),
            ("socialWorkers", "id name idNumber", ""),
            ("volunteerTeams", "id name", BY_NAME),
            ("projects", "id name", ""),
            ("awards", "id title", ""),
        ],
        &["region { code }"],
    ));
    fields.join(" ")
}

/// A random selection of a region with its stations and children.
fn region(rng: &mut StdRng, cursors: &[String]) -> String {
    let mut fields = vec!["code".to_owned(), "name".to_owned()];
    if rng.random_bool(0.5) {
        fields.push("parent { code name parent { code } }".to_owned());
    }
    if rng.random_bool(0.6) {
        let filter = if rng.random_bool(0.5) { ", filter: { levels: [TOWNSHIP_STATION] }" } else { "" };
        let args = page_args(rng, "orderBy: { field: NAME }", cursors);
        let args =
            if args.is_empty() { format!("(first: 5{filter})") } else { args.replace(')', &format!("{filter})")) };
        let node = station(rng, 0, cursors);
        fields.push(connection(rng, "stations", args, &node));
    }
    if rng.random_bool(0.4) {
        let args = page_args(rng, "orderBy: { field: NAME }", &[]);
        fields.push(connection(rng, "children", args, "code name level"));
    }
    let (worker, team, project, organization) =
        (worker(rng, cursors), team(rng, cursors), project(rng, cursors), organization(rng, cursors));
    fields.extend(relations(
        rng,
        cursors,
        &[
            ("socialWorkers", &worker, BY_NAME),
            ("volunteerTeams", &team, BY_NAME),
            ("projects", &project, ""),
            ("organizations", &organization, BY_NAME),
            ("volunteers", "id name phone idNumber", BY_NAME),
            ("clients", "id name idNumber categories", ""),
            ("serviceRecords", "id servedOn personTimes", ""),
            ("charityResources", "id kind value", ""),
            ("trainings", "id topic", ""),
            ("deliberationMeetings", "id topic resolved", ""),
            ("awards", "id title", ""),
        ],
        &[],
    ));
    if rng.random_bool(0.2) {
        fields.push("assistants: socialWorkers(filter: { certificateLevels: [ASSISTANT] }, first: 2) { totalCount nodes { name } }".to_owned());
    }
    fields.join(" ")
}

/// The response body as sent (keys in response order).
async fn body(app: &TestApp, token: Option<&str>, query: &str, variables: &Value) -> String {
    let mut req = app.client().post(app.graphql_url()).json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    assert!(resp.status().is_success(), "HTTP {}", resp.status());
    resp.text().await.expect("body")
}

/// The response with its `errors` in a fixed order: GraphQL leaves their order unspecified,
/// and it follows when each field finished (a field whose rows were read ahead finishes
/// sooner). Responses without errors, or with errors in the same order, are compared as
/// sent, key order included.
fn errors_sorted(mut response: Value) -> Value {
    if let Some(errors) = response.get_mut("errors").and_then(Value::as_array_mut) {
        errors.sort_by_key(|e| e.to_string());
    }
    response
}

const QUERIES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiled_and_loader_answer_alike() {
    let compiled = TestApp::spawn(Backend::Postgres).await;
    let loaded = compiled.replica(loader()).await;
    let township = common::a_township_station(&compiled).await;
    let q = r#"{ stations(first: 3, filter: { region: "522301", levels: [COUNTY_STATION] }) { nodes { id } }
                 workers: socialWorkers(first: 5) { edges { cursor } } }"#;
    let d = compiled.data(q, json!({})).await;
    let county = common::nodes(&d["stations"])[0]["id"].clone();
    let cursors: Vec<String> =
        d["workers"]["edges"].as_array().unwrap().iter().map(|e| e["cursor"].as_str().unwrap().to_owned()).collect();
    let roles: Vec<(&str, Option<String>)> = vec![
        ("ADMIN", Some(common::admin_token())),
        ("PORTAL", Some(common::token_with("PORTAL", |_| {}))),
        ("CIVIL_AFFAIRS 522301", Some(common::civil_affairs("522301"))),
        ("CIVIL_AFFAIRS 522323", Some(common::civil_affairs("522323"))),
        ("STATION_STAFF", Some(common::station_staff(&township))),
        ("SYNC_CLIENT", Some(common::token_with("SYNC_CLIENT", |c| c.source = Some("demo".into())))),
        ("PUBLIC", None),
    ];
    let mut rng = StdRng::seed_from_u64(22);
    let mut compared = 0;
    for i in 0..QUERIES {
        let (query, variables) = match i % 5 {
            0 => (
                format!("query($id: ID!) {{ station(id: $id) {{ {} }} }}", station(&mut rng, 1, &cursors)),
                json!({ "id": county }),
            ),
            1 => (
                format!("query($id: ID!) {{ station(id: $id) {{ {} }} }}", station(&mut rng, 1, &cursors)),
                json!({ "id": township }),
            ),
            2 => (
                format!(
                    "query($id: ID!) {{ node(id: $id) {{ id ... on Station {{ {} }} ... on Client {{ name }} }} }}",
                    station(&mut rng, 1, &cursors)
                ),
                json!({ "id": if rng.random_bool(0.5) { &county } else { &township } }),
            ),
            // Two root fields read the same rows with different selections: each row of a
            // table read for the request carries the columns of both.
            3 => (
                format!(
                    "query($id: ID!) {{ a: station(id: $id) {{ {} }} b: node(id: $id) {{ ... on Station {{ {} }} }} }}",
                    station(&mut rng, 1, &cursors),
                    station(&mut rng, 1, &cursors)
                ),
                json!({ "id": township }),
            ),
            _ => {
                let code = ["522301", "522300", "52", "522301001"].choose(&mut rng).unwrap();
                (format!("{{ region(code: \"{code}\") {{ {} }} }}", region(&mut rng, &cursors)), json!({}))
            }
        };
        let query = if query.contains("...S") { format!("{query}\n{FRAGMENT}") } else { query };
        for (role, token) in &roles {
            let a = body(&compiled, token.as_deref(), &query, &variables).await;
            let b = body(&loaded, token.as_deref(), &query, &variables).await;
            if a != b {
                // Alike but for the order of `errors`?
                let (a, b): (Value, Value) = (serde_json::from_str(&a).unwrap(), serde_json::from_str(&b).unwrap());
                assert_eq!(errors_sorted(a), errors_sorted(b), "as {role}:\n{query}\n{variables}");
            }
            compared += 1;
        }
    }
    assert_eq!(compared, QUERIES * 7);
}

/// Operation 2 of the load harness (a station with its references and seven lists) is one
/// statement on PostgreSQL with the compiled path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_with_its_lists_is_one_statement() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let station = common::a_township_station(&app).await;
    let q = include_str!("../benches/operations/2_station.graphql");
    app.take_statements();
    let d = app.data(q, json!({ "id": station })).await;
    assert!(d["node"]["socialWorkers"]["totalCount"].as_u64().unwrap() > 0, "{d}");
    assert_eq!(app.take_statements(), 1, "{d}");
}

/// 70 lists of one station, each with its own page size: one statement on PostgreSQL (the
/// relations of a row go into arrays of at most 90, PostgreSQL passing at most 100
/// arguments to a function), and each list gets its own rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seventy_lists_of_a_station_are_one_statement() {
    let mut options = Options::default();
    options.limits.max_aliases = 100;
    let app = TestApp::spawn_with(Backend::Postgres, options).await;
    let id = common::a_township_station(&app).await;
    let lists: Vec<String> =
        (1..=70).map(|n| format!("w{n}: clients(first: {n}) {{ totalCount nodes {{ id }} }}")).collect();
    let q = format!("query($id: ID!) {{ node(id: $id) {{ ... on Station {{ {} }} }} }}", lists.join(" "));
    app.take_statements();
    let d = app.data(&q, json!({ "id": id })).await;
    assert_eq!(app.take_statements(), 1);
    let total = d["node"]["w1"]["totalCount"].as_u64().unwrap() as usize;
    assert!(total > 1, "{d}");
    let all = common::nodes(&d["node"]["w70"]).clone();
    for n in 1..=70 {
        let page = common::nodes(&d["node"][format!("w{n}")]);
        assert_eq!(page.len(), n.min(total), "w{n}");
        assert_eq!(page[..], all[..n.min(total)], "w{n}");
    }
}

/// A county station's workers, teams and projects with one more level of relations below
/// each: one statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_with_two_levels_of_relations_is_one_statement() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let q = r#"{ stations(first: 1, filter: { region: "522301", levels: [TOWNSHIP_STATION] }) { nodes { id } } }"#;
    let d = app.data(q, json!({})).await;
    let id = common::nodes(&d["stations"])[0]["id"].clone();
    let q = r#"query($id: ID!, $n: Int!) { station(id: $id) { name
        socialWorkers(first: $n) { totalCount nodes { name employer { name } projects(first: $n) { totalCount } } }
        volunteerTeams(first: $n) { nodes { name organization { name } members(first: $n) { totalCount } } }
        projects(first: $n) { nodes { name organizations(first: $n) { nodes { name } } } }
      } }"#;
    app.take_statements();
    let d = app.data(q, json!({ "id": id, "n": 20 })).await;
    assert!(d["station"]["socialWorkers"]["totalCount"].as_u64().unwrap() > 0, "{d}");
    assert_eq!(app.take_statements(), 1, "{d}");
}

/// Operation 1 of the load harness (a county, its township stations and three lists of each):
/// the root field is one statement, the stations' person-times a second (statistics are
/// batched by the loader, not compiled).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_with_its_stations_and_their_lists_is_two_statements() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let q = include_str!("../benches/operations/1_portal.graphql");
    app.take_statements();
    let d = app.data(q, json!({ "county": "522301", "from": "2023-10-01", "to": "2023-12-31" })).await;
    let stations = common::nodes(&d["region"]["stations"]);
    assert!(!stations.is_empty(), "{d}");
    assert!(stations.iter().any(|s| s["socialWorkers"]["totalCount"].as_u64().unwrap() > 0), "{d}");
    assert_eq!(app.take_statements(), 2, "{d}");
}
