//! Statement counts: relations load through DataLoaders, so the number of SQL statements a
//! request runs depends on its nesting depth, never on its page sizes.

mod common;

use serde_json::json;

/// A county's stations, each with its workers, teams and projects, and one more level below.
const THREE_LEVELS: &str = r#"query($n: Int!) { region(code: "522301") {
  stations(first: $n) { totalCount nodes { name
    socialWorkers(first: $n) { totalCount nodes { name employer { name } } }
    volunteerTeams(first: $n) { nodes { name members(first: $n) { totalCount } } }
    projects(first: $n) { nodes { name organizations(first: $n) { nodes { name } } } }
  } } } }"#;

both!(statement_count_is_bounded_by_depth_not_page_size, |app| {
    let mut counts = Vec::new();
    for n in [5, 50] {
        app.take_statements();
        let d = app.data(THREE_LEVELS, json!({ "n": n })).await;
        let stations = d["region"]["stations"]["nodes"].as_array().unwrap();
        assert_eq!(stations.len(), n.min(d["region"]["stations"]["totalCount"].as_u64().unwrap() as usize));
        counts.push(app.take_statements());
    }
    assert_eq!(counts[0], counts[1], "statements at page size 5 and 50: {counts:?}");
    // region + stations + count, then per level one statement per relation (+ counts).
    assert!(counts[1] <= 12, "{counts:?}");
    eprintln!("statements for the 3-level query: {counts:?}");
});

both!(root_lists_with_relations_batch_the_same_way, |app| {
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
    // stations, then region, operator, parent station, clients; then parent region,
    // categories, case files; then the case files' workers.
    assert!(counts[1] <= 9, "{counts:?}");
});
