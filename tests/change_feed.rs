//! Change feeds: `updatedSince` and `includeDeleted` on connections, ordered by
//! `(updatedAt, id)`, with tombstones for deleted records; a script paging through while rows
//! change never misses a change and never loops.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Options, TestApp, nodes, total, uuid_of};
use serde_json::{Value, json};

/// A short write timeout, so the feed holds back only `WRITE_TIMEOUT + 2 s` of changes.
const WRITE_TIMEOUT: Duration = Duration::from_millis(1_500);
/// How long after a write it is listed by a change feed (with a little slack).
const SETTLE: Duration = Duration::from_millis(1_500 + 2_000 + 500);

fn feed_options() -> Options {
    let mut o = Options::default();
    o.http.write_timeout = WRITE_TIMEOUT;
    o
}

/// For a test whose batch of 800 records may take a few seconds in a debug build.
const BUSY_WRITE_TIMEOUT: Duration = Duration::from_secs(6);
const BUSY_SETTLE: Duration = Duration::from_millis(6_000 + 2_000 + 500);

fn busy_options() -> Options {
    let mut o = Options::default();
    o.http.write_timeout = BUSY_WRITE_TIMEOUT;
    o
}

const SOURCE: &str = "feed-test";

const SYNC: &str = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) {
    committed created updated deleted failed userErrors { code message } } }"#;

const FEED: &str = r#"query($since: DateTime, $deleted: Boolean, $first: Int, $after: String) {
    volunteers(updatedSince: $since, includeDeleted: $deleted, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id name externalReference { externalId } record { updatedAt version deletedAt } } } }"#;

fn volunteers(names: &[u32], round: u32) -> Vec<Value> {
    names
        .iter()
        .map(|n| {
            json!({
                "externalId": format!("F{n:03}"),
                "name": format!("志愿者{n}"),
                "phone": format!("139{:04}{:04}", round % 10_000, n),
                "regionCode": "522301",
            })
        })
        .collect()
}

async fn sync(app: &TestApp, names: &[u32], round: u32, delete_missing: bool) -> Value {
    let input = json!({ "source": SOURCE, "records": volunteers(names, round), "deleteMissing": delete_missing });
    let d = app.data(SYNC, json!({ "input": input })).await;
    assert_eq!(d["syncVolunteers"]["userErrors"], json!([]), "{d}");
    d["syncVolunteers"].clone()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Pages through a feed from the start, `first` at a time; returns every node in order.
async fn read_all(app: &TestApp, since: &str, deleted: bool, first: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let vars = json!({ "since": since, "deleted": deleted, "first": first, "after": after });
        let d = app.data(FEED, vars).await;
        out.extend(nodes(&d["volunteers"]).iter().cloned());
        if d["volunteers"]["pageInfo"]["hasNextPage"] != json!(true) {
            return out;
        }
        after = d["volunteers"]["pageInfo"]["endCursor"].clone();
    }
}

/// The feed key of a node: `(updatedAt, id)`, comparable as the feed orders them (timestamps
/// come in one RFC 3339 UTC format, UUIDv7 text sorts like the UUID).
fn key(node: &Value) -> (String, String) {
    (node["record"]["updatedAt"].as_str().unwrap().to_owned(), uuid_of(&node["id"], "Volunteer").to_string())
}

both_with!(changes_are_listed_in_update_order_once_settled_and_deletions_as_tombstones, super::feed_options(), |app| {
    let t0 = now();
    let created = sync(&app, &[1, 2, 3, 4, 5], 0, false).await;
    assert_eq!(created["created"], 5);

    // Still inside the window a transaction could be open for: held back.
    let early = app.data(FEED, json!({ "since": t0 })).await;
    assert_eq!(total(&early["volunteers"]), 0, "{early}");

    tokio::time::sleep(SETTLE).await;
    let all = read_all(&app, &t0, false, 2).await;
    let names: Vec<&str> = all.iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 5, "{all:?}");
    let keys: Vec<_> = all.iter().map(key).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "not in (updatedAt, id) order: {keys:?}");
    let again = app.data(FEED, json!({ "since": t0 })).await;
    assert_eq!(total(&again["volunteers"]), 5);

    // Two drop out of the source's roster: soft-deleted.
    let t1 = now();
    let d = sync(&app, &[1, 2, 3], 0, true).await;
    assert_eq!(d["deleted"], 2, "{d}");
    tokio::time::sleep(SETTLE).await;
    let live = app.data(FEED, json!({ "since": t1 })).await;
    assert_eq!(total(&live["volunteers"]), 0, "deleted rows are listed only with includeDeleted: {live}");
    let tombstones = read_all(&app, &t1, true, 1).await;
    let mut gone: Vec<&str> =
        tombstones.iter().map(|n| n["externalReference"]["externalId"].as_str().unwrap()).collect();
    gone.sort();
    assert_eq!(gone, ["F004", "F005"]);
    for t in &tombstones {
        assert!(t["record"]["deletedAt"].is_string(), "{t}");
        assert_eq!(t["record"]["deletedAt"], t["record"]["updatedAt"], "{t}");
    }
    // Without updatedSince, includeDeleted lists everything, deleted or not.
    let everything = app.data(FEED, json!({ "deleted": true, "first": 0 })).await;
    let rows = common::scalar(&app, "SELECT COUNT(*) AS n FROM volunteers", vec![]).await;
    assert_eq!(total(&everything["volunteers"]), rows);

    // Nested connections take the same arguments.
    let nested = app
        .data(
            r#"query($since: DateTime) { region(code: "522301") {
                    volunteers(updatedSince: $since, includeDeleted: true) { totalCount } } }"#,
            json!({ "since": t0 }),
        )
        .await;
    assert_eq!(total(&nested["region"]["volunteers"]), 5, "{nested}");
});

both_with!(a_cursor_of_another_ordering_is_refused_by_a_feed, super::feed_options(), |app| {
    let d = app.data("{ volunteers(first: 1, orderBy: { field: NAME }) { pageInfo { endCursor } } }", json!({})).await;
    let cursor = d["volunteers"]["pageInfo"]["endCursor"].clone();
    let code = app.error_code(FEED, json!({ "since": "2020-01-01T00:00:00Z", "after": cursor })).await;
    assert_eq!(code, "INVALID_CURSOR");
});

both_with!(
    a_reader_paging_during_concurrent_writes_misses_no_change_and_never_goes_back,
    super::busy_options(),
    |app| {
        let roster: Vec<u32> = (1..=30).collect();
        let t0 = now();
        sync(&app, &roster, 0, false).await;

        // One writer sends a large batch in one long transaction (source `feed-bulk`); another
        // keeps changing the first roster in short ones, which commit while the long one is
        // open with an older `updatedAt`. A reader pages through the feed twenty at a time,
        // resuming from its last cursor whenever it reaches the end.
        let app = std::sync::Arc::new(app);
        let bulk = {
            let app = app.clone();
            tokio::spawn(async move {
                let records = volunteers(&(100..900).collect::<Vec<_>>(), 0);
                let input = json!({ "source": "feed-bulk", "records": records });
                let d = app.data(SYNC, json!({ "input": input })).await;
                assert_eq!(d["syncVolunteers"]["created"], 800, "{d}");
            })
        };
        let small = {
            let (app, roster, bulk) = (app.clone(), roster.clone(), bulk.abort_handle());
            tokio::spawn(async move {
                let mut round = 1;
                while !bulk.is_finished() || round < 5 {
                    sync(&app, &roster, round, false).await;
                    round += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                round
            })
        };
        let mut seen: BTreeMap<String, i64> = BTreeMap::new();
        let mut last: Option<(String, String)> = None;
        let mut after = Value::Null;
        let mut quiet_since: Option<std::time::Instant> = None;
        loop {
            let d = app.data(FEED, json!({ "since": t0, "first": 20, "after": after })).await;
            for n in nodes(&d["volunteers"]) {
                let k = key(n);
                assert!(last.as_ref().is_none_or(|l| *l < k), "the feed went back: {last:?} then {k:?}");
                last = Some(k);
                seen.insert(n["id"].as_str().unwrap().to_owned(), n["record"]["version"].as_i64().unwrap());
            }
            if let Some(c) = d["volunteers"]["pageInfo"]["endCursor"].as_str() {
                after = json!(c);
            }
            if d["volunteers"]["pageInfo"]["hasNextPage"] == json!(true) {
                continue;
            }
            // At the end: once the writers are done and their last writes have settled, stop.
            if small.is_finished() {
                let since = *quiet_since.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() > BUSY_SETTLE {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bulk.await.expect("bulk writer");
        let rounds = small.await.expect("small writer");

        // What the reader ended up with is every volunteer's last version.
        let fresh = read_all(&app, &t0, false, 100).await;
        let expected: BTreeMap<String, i64> = fresh
            .iter()
            .map(|n| (n["id"].as_str().unwrap().to_owned(), n["record"]["version"].as_i64().unwrap()))
            .collect();
        assert_eq!(expected.len(), 830);
        assert_eq!(expected.values().filter(|v| **v == rounds as i64).count(), 30, "{rounds} rounds: {expected:?}");
        let missed = expected.iter().filter(|(id, v)| seen.get(*id) != Some(v)).count();
        assert_eq!(missed, 0, "the reader missed {missed} of {} final versions", expected.len());
    }
);

both_with!(an_updated_since_outside_the_years_1000_to_9999_is_refused, super::feed_options(), |app| {
    // SQLite compares timestamps as text, where `+10000-…` sorts first: it listed every row.
    for since in ["+10000-01-01T00:00:00Z", "0999-12-31T00:00:00Z"] {
        // A value outside the type's range fails coercion: the whole request is refused.
        let code = app.error_code(FEED, json!({ "since": since })).await;
        assert_eq!(code, "GRAPHQL_VALIDATION_FAILED", "{since}");
    }
});

both_with!(concurrent_syncs_of_the_same_new_records_never_fail_internally, super::feed_options(), |app| {
    // Two syncs of the same new records at once: one creates them; the other either finds
    // them (unchanged) or is told to send the batch again, never INTERNAL.
    let roster: Vec<u32> = (1..=300).collect();
    let input = json!({ "input": { "source": SOURCE, "records": volunteers(&roster, 0) } });
    let app = std::sync::Arc::new(app);
    let runs: Vec<_> = (0..6)
        .map(|_| {
            let (app, input) = (app.clone(), input.clone());
            tokio::spawn(async move { app.post(SYNC, input).await })
        })
        .collect();
    let mut created = 0;
    for r in runs {
        let body = r.await.expect("sync task");
        assert!(body.get("errors").is_none(), "{body}");
        let d = &body["data"]["syncVolunteers"];
        created += d["created"].as_i64().unwrap();
        for e in d["userErrors"].as_array().unwrap() {
            assert_eq!(e["code"], "CONCURRENT_WRITE", "{d}");
        }
    }
    assert_eq!(created, 300, "the records were created exactly once");
    let rows = common::scalar(&app, "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'feed-test'", vec![]).await;
    assert_eq!(rows, 300);
});

/// On SQLite, a change feed filtered to a region reads the region's province in feed order,
/// through `idx_<table>_province_changes`, instead of walking the whole country's
/// `(updated_at, id)` order and filtering: at national scale one page of a township's
/// volunteers took 12.9 s that way, 0.14 s through the province (BENCHMARKS.md, operation 3).
/// Checked on the plan of the filtered feed under the national set's planner statistics
/// (`sqlite_stat1` of `volunteers` after `ANALYZE`, copied below), and the filtered feed lists
/// what the region holds. The same for the unfiltered feed of a caller confined to a region.
#[tokio::test]
async fn sqlite_region_feeds_read_their_province_in_feed_order() {
    use sea_orm::TransactionTrait;
    const NATIONAL_STAT1: &[(&str, &str)] = &[
        ("idx_volunteers_province_changes", "2005636 64698 1 1"),
        ("uq_volunteers_source_external_id", "2005636 2005636 1"),
        ("idx_volunteers_volunteer_number", "2005636 1"),
        ("idx_volunteers_updated_at_id", "2005636 1 1"),
        ("idx_volunteers_region_code", "2005636 49"),
        ("idx_volunteers_name", "2005636 6"),
        ("sqlite_autoindex_volunteers_1", "2005636 1"),
    ];
    let options = Options { log_statements: true, ..feed_options() };
    let app = TestApp::spawn_with(common::Backend::Sqlite, options).await;
    let t0 = now();
    sync(&app, &[1, 2, 3], 0, false).await;
    tokio::time::sleep(SETTLE).await;
    app.take_logged();
    let q = r#"query($since: DateTime!, $region: String!) {
      volunteers(updatedSince: $since, filter: { region: $region }) { totalCount nodes { id } } }"#;
    for region in ["52", "522301"] {
        let here = app.data(q, json!({ "since": t0, "region": region })).await;
        assert_eq!(nodes(&here["volunteers"]).len(), 3, "{here}");
    }
    let elsewhere = app.data(q, json!({ "since": t0, "region": "110101" })).await;
    assert_eq!(total(&elsewhere["volunteers"]), 0, "{elsewhere}");
    // Callers confined to a region, asking for none: the scope's range reads the same way.
    let unfiltered = r#"query($since: DateTime!) { volunteers(updatedSince: $since) { totalCount nodes { id } } }"#;
    for caller in ["52", "522301"] {
        let token = common::civil_affairs(caller);
        let here = app.data_as(Some(&token), unfiltered, json!({ "since": t0 })).await;
        assert_eq!(nodes(&here["volunteers"]).len(), 3, "{here}");
    }
    let logged = app.take_logged();

    let txn = app.db.begin().await.unwrap();
    common::use_sqlite_stats(&txn, "volunteers", NATIONAL_STAT1).await;
    let mut checked = 0;
    for statement in logged.iter().filter(|s| s.sql.contains("FROM \"volunteers\"") && s.sql.contains("ORDER BY")) {
        let plan = common::sqlite_plan(&txn, statement).await;
        assert!(
            plan.iter().any(|step| step
                .contains("USING INDEX idx_volunteers_province_changes (<expr>=? AND updated_at>? AND updated_at<?)")),
            "{}\nplan: {plan:#?}",
            statement.sql
        );
        checked += 1;
    }
    txn.rollback().await.unwrap();
    assert_eq!(checked, 5, "one page per region and per confined caller");
}

/// The province condition of a volunteers feed, as logged.
const PROVINCE_PREFIX: &str = r#"substr("volunteers"."region_code", 1, 2) ="#;

/// The SQL of the volunteer pages logged since the last look (their `ORDER BY` tells them
/// from the counts).
fn volunteer_pages(app: &TestApp) -> Vec<String> {
    app.take_logged()
        .into_iter()
        .filter(|s| s.sql.contains("FROM \"volunteers\"") && s.sql.contains("ORDER BY"))
        .map(|s| s.sql)
        .collect()
}

// A change feed filtered to a province asks for the province's two-digit prefix alone, which
// `idx_<table>_province_changes` answers in feed order on both databases (migrations `000009`
// and `000010`). Not the code range as well: PostgreSQL multiplied the two conditions'
// selectivities (the same rows), underestimated a province 30-fold and sorted it whole
// (BENCHMARKS.md, operation 3). Below a province the range stays, and SQLite adds the province.
both_with!(province_feeds_ask_for_the_prefix_alone, Options { log_statements: true, ..feed_options() }, |app| {
    let t0 = now();
    sync(&app, &[1, 2, 3], 0, false).await;
    tokio::time::sleep(SETTLE).await;
    app.take_logged();
    let q = r#"query($since: DateTime!, $region: String!) {
      volunteers(updatedSince: $since, filter: { region: $region }) { nodes { id } } }"#;
    for (region, expected) in [("52", 3), ("522301", 3), ("53", 0), ("110101", 0)] {
        let d = app.data(q, json!({ "since": t0, "region": region })).await;
        assert_eq!(nodes(&d["volunteers"]).len(), expected, "{region}: {d}");
    }
    let pages = volunteer_pages(&app);
    assert_eq!(pages.len(), 4, "one page per region: {pages:#?}");
    for province in [&pages[0], &pages[2]] {
        assert!(province.contains(PROVINCE_PREFIX) && !province.contains("BETWEEN"), "{province}");
    }
    for county in [&pages[1], &pages[3]] {
        assert!(county.contains("BETWEEN"), "{county}");
        assert_eq!(county.contains(PROVINCE_PREFIX), app.backend == common::Backend::Sqlite, "{county}");
    }
    let indexes = match app.backend {
        common::Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%_province_changes'"
        }
        common::Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname LIKE 'idx_%_province_changes'"
        }
    };
    // Nine from `000009`/`000010`, three from `000015` (trainings, deliberation meetings, awards).
    assert_eq!(common::scalar(&app, indexes, vec![]).await, 12, "one per table with a change feed and a division code");
});

// A feed that asks for no region still reads one province's feed order when the caller is
// confined to a region (CIVIL_AFFAIRS): the scope's code range gets the province's prefix, on
// both databases for a province and on SQLite below one (as a region filter would), where it
// walked the whole country's `(updated_at, id)` order (BENCHMARKS.md, operation 3). The range
// stays, and the rows are the scope's.
both_with!(scoped_feeds_read_the_callers_province, Options { log_statements: true, ..feed_options() }, |app| {
    let t0 = now();
    sync(&app, &[1, 2, 3], 0, false).await;
    tokio::time::sleep(SETTLE).await;
    app.take_logged();
    let q = r#"query($since: DateTime!) { volunteers(updatedSince: $since) { nodes { id } } }"#;
    let callers = [("52", 3), ("522301", 3), ("53", 0), ("522302", 0)];
    for (region, expected) in callers {
        let d = app.data_as(Some(&common::civil_affairs(region)), q, json!({ "since": t0 })).await;
        assert_eq!(nodes(&d["volunteers"]).len(), expected, "{region}: {d}");
    }
    let admin = app.data(q, json!({ "since": t0 })).await;
    assert!(nodes(&admin["volunteers"]).len() >= 3, "{admin}");
    let pages = volunteer_pages(&app);
    assert_eq!(pages.len(), callers.len() + 1, "one page per caller: {pages:#?}");
    for (page, (region, _)) in pages.iter().zip(callers) {
        assert!(page.contains("BETWEEN"), "the scope's range stays for {region}: {page}");
        let province_wide = region.len() == 2;
        assert_eq!(
            page.contains(PROVINCE_PREFIX),
            province_wide || app.backend == common::Backend::Sqlite,
            "{region}: {page}"
        );
    }
    assert!(!pages[callers.len()].contains(PROVINCE_PREFIX), "an ADMIN's feed has no region: {}", pages[callers.len()]);
});

// A region-filtered feed of a relation that joins a table with its own `region_code`
// (an organisation's projects, through `project_participants`): the province condition names
// its table, where an unqualified `region_code` was ambiguous on SQLite.
both!(region_filtered_feeds_of_joined_relations_name_their_column, |app| {
    let q = r#"{ organizations(first: 20) { nodes {
        projects(updatedSince: "2000-01-01T00:00:00Z", filter: { region: "52" }) { totalCount nodes { id } } } } }"#;
    let d = app.data(q, json!({})).await;
    let found: usize = nodes(&d["organizations"]).iter().map(|o| nodes(&o["projects"]).len()).sum();
    assert!(found > 0, "the demo organisations take part in projects in 贵州: {d}");
});
