//! Statement counts: relations load through DataLoaders, so the number of SQL statements a
//! request runs depends on its nesting depth, never on its page sizes.
//!
//! These are the loader's counts (`CIVLINK_READ_PATH=loader`): the loader reads every
//! relation on SQLite, and on PostgreSQL what the compiled read path does not take. The
//! compiled path's counts are in tests/read_path.rs.

mod common;

/// The test app, reading relations through the loader.
fn loader() -> common::Options {
    let mut options = common::Options::default();
    options.http.read_path = civlink::graphql::compiled::ReadPath::Loader;
    options
}

use serde_json::json;

/// A county's stations, each with its workers, teams and projects, and one more level below.
const THREE_LEVELS: &str = r#"query($n: Int!) { region(code: "522301") {
  stations(first: $n) { totalCount nodes { name
    socialWorkers(first: $n) { totalCount nodes { name employer { name } } }
    volunteerTeams(first: $n) { nodes { name members(first: $n) { totalCount } } }
    projects(first: $n) { nodes { name organizations(first: $n) { nodes { name } } } }
  } } } }"#;

both_with!(statement_count_is_bounded_by_depth_not_page_size, loader(), |app| {
    let mut counts = Vec::new();
    for n in [5, 50] {
        app.take_statements();
        let d = app.data(THREE_LEVELS, json!({ "n": n })).await;
        let stations = d["region"]["stations"]["nodes"].as_array().unwrap();
        assert_eq!(stations.len(), n.min(d["region"]["stations"]["totalCount"].as_u64().unwrap() as usize));
        counts.push(app.take_statements());
    }
    assert_eq!(counts[0], counts[1], "statements at page size 5 and 50: {counts:?}");
    // The region; its stations with their total; their workers, teams and projects, one
    // statement on PostgreSQL (`store::merge`); the workers' employers and the projects'
    // organisations, one statement, and the teams' member counts. On SQLite each list and
    // lookup runs alone.
    let expected = match app.backend {
        common::Backend::Postgres => 5,
        common::Backend::Sqlite => 8,
    };
    assert_eq!(counts[1], expected, "{counts:?}");
});

both_with!(root_lists_with_relations_batch_the_same_way, loader(), |app| {
    // Township stations all have a parent, an operator and clients, so every level is reached
    // at both page sizes.
    let q = r#"query($n: Int!) { stations(first: $n, filter: { region: "522301", levels: [TOWNSHIP_STATION] }) { nodes {
        region { name parent { name } } operator { name } parentStation { name }
        clients(first: 3) { nodes { name categories caseFile { stage socialWorker { name } } } } } } }"#;
    let mut counts = Vec::new();
    for n in [2, 20] {
        app.take_statements();
        let d = app.data(q, json!({ "n": n })).await;
        let stations = d["stations"]["nodes"].as_array().unwrap();
        assert_eq!(stations.len(), n);
        assert!(stations.iter().all(|s| !s["clients"]["nodes"].as_array().unwrap().is_empty()), "{d}");
        counts.push(app.take_statements());
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    // stations; then region, operator, parent station and clients, merged into one
    // statement on PostgreSQL; then parent region, categories, case files; then the case
    // files' workers.
    let expected = match app.backend {
        common::Backend::Postgres => 6,
        common::Backend::Sqlite => 9,
    };
    assert_eq!(counts[1], expected, "{counts:?}");
});

both_with!(a_connection_asked_only_for_its_total_runs_no_page_query, loader(), |app| {
    // The portal's per-station service count (issue 7): one count statement per level, no
    // page statement whose rows nobody asked for.
    let count_only = r#"{ region(code: "522301") { stations(first: 10) { nodes {
        serviceRecords(filter: { served: { from: "2023-01-01", to: "2025-01-01" } }) { totalCount } } } } }"#;
    let with_rows = r#"{ region(code: "522301") { stations(first: 10) { nodes {
        serviceRecords(filter: { served: { from: "2023-01-01", to: "2025-01-01" } }) { totalCount nodes { id } } } } } }"#;
    app.take_statements();
    let d = app.data(count_only, json!({})).await;
    let counted = app.take_statements();
    let stations = d["region"]["stations"]["nodes"].as_array().unwrap();
    assert!(stations.iter().any(|s| s["serviceRecords"]["totalCount"].as_u64().unwrap() > 0), "{d}");
    app.data(with_rows, json!({})).await;
    let paged = app.take_statements();
    // region, stations, service-record counts; asking for the rows too changes the count
    // statement into the page statement, which counts as well.
    assert_eq!(counted, 3, "count-only statements");
    assert_eq!(paged, counted);
    // A root list asked only for its total runs only the count.
    app.take_statements();
    let d = app.data(r#"{ stations(filter: { region: "522301" }) { totalCount } }"#, json!({})).await;
    assert!(d["stations"]["totalCount"].as_u64().unwrap() > 0);
    assert_eq!(app.take_statements(), 1);
});

both_with!(a_relation_page_counts_its_total_in_the_same_statement, loader(), |app| {
    // Without a cursor the page statement counts each parent's children; with one, a second
    // statement counts them (the window only sees rows past the cursor). Both agree.
    let q = r#"query($after: String) { region(code: "522301") { stations(first: 3, after: $after) {
        totalCount pageInfo { endCursor } nodes { id } } } }"#;
    app.take_statements();
    let first = app.data(q, json!({ "after": null })).await;
    assert_eq!(app.take_statements(), 2, "region, stations with their total");
    let total = first["region"]["stations"]["totalCount"].as_u64().unwrap();
    assert!(total > 3, "{first}");
    let cursor = first["region"]["stations"]["pageInfo"]["endCursor"].clone();
    let next = app.data(q, json!({ "after": cursor })).await;
    assert_eq!(app.take_statements(), 3, "region, stations page, stations count");
    assert_eq!(next["region"]["stations"]["totalCount"].as_u64().unwrap(), total);
});

/// On PostgreSQL, lookups by key run on the pool that may reuse generic plans; statements
/// over a code range, a change-feed window or a period on the pool that plans each run
/// (`db::connect_keyed`: a county's change feed took 236 ms under its generic plan and 0.7 ms
/// planned with its values).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_by_key_and_range_statements_use_their_pools() {
    let app = common::TestApp::spawn_with(common::Backend::Postgres, loader()).await;
    let station = app.data(r#"{ region(code: "522301") { stations(first: 1) { nodes { id } } } }"#, json!({})).await
        ["region"]["stations"]["nodes"][0]["id"]
        .clone();
    // The region by code is a lookup by key; its stations are its code range's.
    app.take_statements();
    app.take_keyed_statements();
    app.data(r#"{ region(code: "522301") { stations(first: 3) { nodes { id } } } }"#, json!({})).await;
    assert_eq!((app.take_statements(), app.take_keyed_statements()), (2, 1));
    // A station by id, its workers, teams and region: all by key (the station; its workers
    // and region merged; its teams' count).
    let station_relations = r#"query($id: ID!) { node(id: $id) { ... on Station {
        socialWorkers(first: 3) { nodes { id } } volunteerTeams(first: 3) { totalCount } region { code } } } }"#;
    app.data(station_relations, json!({ "id": station })).await;
    let (all, keyed) = (app.take_statements(), app.take_keyed_statements());
    assert_eq!((all, keyed), (3, 3), "{keyed} of {all} statements by key");
    // A relation's change feed reads a window: planned per run.
    let feed = r#"query($id: ID!) { node(id: $id) { ... on Station {
        volunteerTeams(first: 3, updatedSince: "2020-01-01T00:00:00Z") { nodes { id } } } } }"#;
    app.data(feed, json!({ "id": station })).await;
    assert_eq!((app.take_statements(), app.take_keyed_statements()), (2, 1));
    // Statistics of a period: planned per run.
    app.data(
        r#"{ region(code: "522301") { statistics(period: { from: "2023-01-01", to: "2024-01-01" }) {
        service { personTimes { value } } } } }"#,
        json!({}),
    )
    .await;
    let (all, keyed) = (app.take_statements(), app.take_keyed_statements());
    assert!(all >= 2 && keyed == 1, "{keyed} of {all} statements by key");
}

/// The relations of operation 2 of the load harness (`benches/operations/2_station.graphql`):
/// a station's references and lists, each a different table with its own column types.
const STATION_RELATIONS: [(&str, &str); 10] = [
    ("region", "region { code name parent { code name } }"),
    ("parentStation", "parentStation { id name level openedOn }"),
    ("operator", "operator { id name kind }"),
    ("childStations", "childStations(first: 10) { totalCount nodes { id name level inFullService investment } }"),
    ("socialWorkers", "socialWorkers(first: 10) { totalCount nodes { id name certificateLevel } }"),
    ("volunteerTeams", "volunteerTeams(first: 10) { totalCount nodes { id name } }"),
    ("projects", "projects(first: 10) { totalCount nodes { id name status budget } }"),
    ("clients", "clients(first: 10) { totalCount nodes { id name } }"),
    ("serviceRecords", "serviceRecords(first: 10) { totalCount nodes { id servedOn method personTimes } }"),
    ("charityResources", "charityResources(first: 10) { totalCount nodes { id kind value } }"),
];

both_with!(a_level_runs_as_one_statement_and_each_relation_gets_its_own_rows, loader(), |app| {
    let station_query =
        |fields: &str| format!("query($id: ID!) {{ node(id: $id) {{ ... on Station {{ id {fields} }} }} }}");
    let all: Vec<&str> = STATION_RELATIONS.iter().map(|(_, f)| *f).collect();
    let whole_query = station_query(&all.join(" "));
    // A county's first stations, and the stations charity resources were given to.
    let d = app
        .data(
            r#"{ stations(first: 8, filter: { region: "522301" }) { nodes { id } }
        charityResources(first: 50) { nodes { station { id } } } }"#,
            json!({}),
        )
        .await;
    let mut ids: Vec<&serde_json::Value> = common::nodes(&d["stations"]).iter().map(|s| &s["id"]).collect();
    ids.extend(common::nodes(&d["charityResources"]).iter().map(|r| &r["station"]["id"]).filter(|id| id.is_string()));
    ids.sort_by_key(|id| id.to_string());
    ids.dedup();
    let mut filled = std::collections::BTreeSet::new();
    for id in ids {
        app.take_statements();
        let whole = app.data(&whole_query, json!({ "id": id })).await;
        // The station; then its region, references and seven lists as one statement on
        // PostgreSQL, one each on SQLite (no parent station, no lookup); then the region's
        // parent.
        let parent = u64::from(!whole["node"]["parentStation"].is_null());
        let expected = match app.backend {
            common::Backend::Postgres => 3,
            common::Backend::Sqlite => 11 + parent,
        };
        assert_eq!(app.take_statements(), expected, "{whole}");
        for (name, fields) in STATION_RELATIONS {
            // Alone, the relation's select runs as it is, not as an arm.
            let alone = app.data(&station_query(fields), json!({ "id": id })).await;
            assert_eq!(whole["node"][name], alone["node"][name], "{name} of {id}");
            let value = &whole["node"][name];
            if value["totalCount"].as_u64().is_some_and(|n| n > 0)
                || (value.is_object() && value.get("totalCount").is_none())
            {
                filled.insert(name);
            }
        }
    }
    // Every relation had rows for some station, so every arm was compared with rows in it.
    assert_eq!(filled.len(), STATION_RELATIONS.len(), "relations with rows: {filled:?}");
});

/// 70 lists of one station, each with its own page size: on PostgreSQL, 70 arms of about 25
/// columns, more than a statement may return at once (1,664 columns), so the level takes two
/// statements or three; each list still gets its own rows.
async fn many_lists_at_one_level(backend: common::Backend) {
    let mut options = loader();
    options.limits.max_aliases = 100;
    let app = common::TestApp::spawn_with(backend, options).await;
    let id = common::a_township_station(&app).await;
    let lists: Vec<String> =
        (1..=70).map(|n| format!("w{n}: clients(first: {n}) {{ totalCount nodes {{ id }} }}")).collect();
    let q = format!("query($id: ID!) {{ node(id: $id) {{ ... on Station {{ {} }} }} }}", lists.join(" "));
    app.take_statements();
    let d = app.data(&q, json!({ "id": id })).await;
    let statements = app.take_statements();
    match backend {
        common::Backend::Postgres => {
            assert!(
                (3..=4).contains(&statements),
                "the station, then the lists in two or three statements: {statements}"
            )
        }
        common::Backend::Sqlite => assert_eq!(statements, 71, "the station, then each list alone"),
    }
    let total = d["node"]["w1"]["totalCount"].as_u64().unwrap() as usize;
    assert!(total > 1, "{d}");
    let all = common::nodes(&d["node"]["w70"]).clone();
    for n in 1..=70 {
        let page = common::nodes(&d["node"][format!("w{n}")]);
        assert_eq!(page.len(), n.min(total), "w{n}");
        assert_eq!(page[..], all[..n.min(total)], "w{n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_lists_at_one_level_split_into_statements_the_database_accepts_sqlite() {
    many_lists_at_one_level(common::Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_lists_at_one_level_split_into_statements_the_database_accepts_postgres() {
    many_lists_at_one_level(common::Backend::Postgres).await
}
