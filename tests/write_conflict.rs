//! Writes that collide with concurrent writes: batches lock rows in one order (so they cannot
//! deadlock on each other), a transaction the database aborts for a deadlock is run again,
//! and one that keeps losing answers `CONFLICT` with nothing written, never `INTERNAL`.
//!
//! The PostgreSQL tests force deadlocks with a transaction of their own, whose
//! `deadlock_timeout` is longer than civlink's (1 s by default), so civlink's transaction is
//! always the one the server aborts.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Backend, TestApp, scalar};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

const SOURCE: &str = "conflict-test";

const SYNC: &str = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) {
    committed created updated failed userErrors { code message } } }"#;

/// Volunteer records `V0001`… for `numbers`, in that order, with phones tagged `tag` (one
/// digit) and `round`, so every batch changes every record.
fn records(numbers: impl Iterator<Item = u32>, tag: u32, round: u32) -> Vec<Value> {
    numbers
        .map(|n| {
            json!({
                "externalId": format!("V{n:04}"),
                "name": format!("志愿者{n}"),
                "phone": format!("13{tag}{round:04}{n:04}"),
                "regionCode": "522301",
            })
        })
        .collect()
}

async fn sync(app: &TestApp, records: Vec<Value>) -> Value {
    app.post(SYNC, json!({ "input": { "source": SOURCE, "atomicity": "ALL", "records": records } })).await
}

/// Sessions of the test database waiting for a lock.
const WAITING_FOR_A_LOCK: &str =
    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";

/// Waits until some session of the test database waits for a row lock (civlink's write,
/// blocked by the test's transaction). Panics after 20 s.
async fn until_a_session_waits_for_a_lock(app: &TestApp) {
    let started = Instant::now();
    while scalar(app, WAITING_FOR_A_LOCK, vec![]).await == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "civlink never waited for the test's lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const VOLUNTEER_PHONES: &str =
    "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'conflict-test' AND phone LIKE '139%'";

/// Two volunteers `V0001` and `V0002` (phones tagged 9), a test transaction holding
/// `V0002`'s row, and a sync of both (tagged 8) that civlink writes in key order, so it
/// takes `V0001` and waits for `V0002`. Each of `deadlocks` rounds then makes the test's
/// transaction wait for `V0001`: a deadlock, which the server resolves by aborting civlink's
/// transaction; the test then lets `V0001` go again (ROLLBACK TO SAVEPOINT) for civlink's
/// next attempt. Finally the test's transaction ends and the sync's answer is returned.
async fn sync_through_deadlocks(app: &Arc<TestApp>, deadlocks: u32) -> Value {
    let body = sync(app, records(1..=2, 9, 0)).await;
    assert_eq!(body["data"]["syncVolunteers"]["created"], 2, "{body}");
    let blocker = app.db.begin().await.expect("begin");
    blocker.execute_unprepared("SET LOCAL deadlock_timeout = '60s'").await.expect("deadlock_timeout");
    let lock =
        |n: u32| format!("UPDATE volunteers SET name = name WHERE source = '{SOURCE}' AND external_id = 'V{n:04}'");
    blocker.execute_unprepared(&lock(2)).await.expect("lock V0002");
    let request = {
        let app = app.clone();
        tokio::spawn(async move { sync(&app, records(1..=2, 8, 1)).await })
    };
    for _ in 0..deadlocks {
        until_a_session_waits_for_a_lock(app).await;
        blocker.execute_unprepared("SAVEPOINT s").await.expect("savepoint");
        // Returns once the server has aborted civlink's transaction, the other side of the cycle.
        blocker.execute_unprepared(&lock(1)).await.expect("the test's transaction survives the deadlock");
        blocker.execute_unprepared("ROLLBACK TO SAVEPOINT s").await.expect("release V0001");
    }
    // Either civlink gave up (its answer may still be on its way) or its next attempt takes
    // V0001 and waits for V0002 again: wait for whichever comes, then let it through.
    let started = Instant::now();
    while !request.is_finished() && scalar(app, WAITING_FOR_A_LOCK, vec![]).await == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "civlink neither answered nor waited for the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    blocker.rollback().await.expect("rollback");
    request.await.expect("sync task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_aborted_by_a_deadlock_is_run_again_and_succeeds() {
    let app = Arc::new(TestApp::spawn(Backend::Postgres).await);
    let before =
        scalar(&app, "SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()", vec![]).await;
    let body = sync_through_deadlocks(&app, civlink::store::write::MAX_ATTEMPTS - 1).await;
    assert!(body.get("errors").is_none(), "{body}");
    let d = &body["data"]["syncVolunteers"];
    assert_eq!((d["committed"].as_bool(), d["updated"].as_i64()), (Some(true), Some(2)), "{body}");
    let phones = "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'conflict-test' AND phone LIKE '138%'";
    assert_eq!(scalar(&app, phones, vec![]).await, 2);
    // The server did abort civlink's transaction (its statistics may lag a moment).
    let mut deadlocks = 0;
    for _ in 0..50 {
        deadlocks =
            scalar(&app, "SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()", vec![])
                .await;
        if deadlocks > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(deadlocks >= before + i64::from(civlink::store::write::MAX_ATTEMPTS - 1), "{before} → {deadlocks}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_deadlocks_on_every_attempt_is_a_conflict_and_writes_nothing() {
    let app = Arc::new(TestApp::spawn(Backend::Postgres).await);
    let body = sync_through_deadlocks(&app, civlink::store::write::MAX_ATTEMPTS).await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{body}");
    assert!(error["message"].as_str().unwrap().contains("retry"), "{body}");
    assert!(!error["message"].as_str().unwrap().contains("deadlock"), "no database text: {body}");
    // Nothing of the batch was written: the phones and versions are the first sync's, and the
    // only audit rows are its CREATEs.
    assert_eq!(scalar(&app, VOLUNTEER_PHONES, vec![]).await, 2);
    let versions = "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'conflict-test' AND version = 1";
    assert_eq!(scalar(&app, versions, vec![]).await, 2);
    let updates = "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'Volunteer' AND action = 'UPDATE'";
    assert_eq!(scalar(&app, updates, vec![]).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_of_the_same_records_in_opposite_orders_succeed_or_conflict_never_internal() {
    const RECORDS: u32 = 300;
    const ROUNDS: u32 = 10;
    let app = Arc::new(TestApp::spawn(Backend::Postgres).await);
    let body = sync(&app, records(1..=RECORDS, 9, 0)).await;
    assert_eq!(body["data"]["syncVolunteers"]["created"], RECORDS, "{body}");
    let mut committed: i32 = 0;
    let mut conflicts = 0;
    for round in 1..=ROUNDS {
        let forward = records(1..=RECORDS, 8, round);
        let backward = records((1..=RECORDS).rev(), 7, round);
        let tasks = [forward, backward].map(|batch| {
            let app = app.clone();
            tokio::spawn(async move { sync(&app, batch).await })
        });
        for task in tasks {
            let body = task.await.expect("sync task");
            match body.get("errors") {
                None => {
                    let d = &body["data"]["syncVolunteers"];
                    assert_eq!(d["userErrors"], json!([]), "round {round}: {body}");
                    assert_eq!(d["updated"], RECORDS, "round {round}: {body}");
                    committed += 1;
                }
                Some(errors) => {
                    assert_eq!(errors[0]["extensions"]["code"], "CONFLICT", "round {round}: {body}");
                    conflicts += 1;
                }
            }
        }
        // Consistent: every record carries the phones of one batch (all or nothing), the
        // versions agree, and each committed batch left one audit row per record.
        let batches = "SELECT COUNT(DISTINCT substr(phone, 1, 7)) AS n FROM volunteers WHERE source = 'conflict-test'";
        assert_eq!(scalar(&app, batches, vec![]).await, 1, "round {round}");
        let versions = "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'conflict-test' AND version = $1";
        assert_eq!(scalar(&app, versions, vec![(1 + committed).into()]).await, i64::from(RECORDS), "round {round}");
    }
    let updates = "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'Volunteer' AND action = 'UPDATE'";
    assert_eq!(scalar(&app, updates, vec![]).await, i64::from(RECORDS) * i64::from(committed));
    eprintln!("{ROUNDS} rounds of two batches: {committed} committed, {conflicts} CONFLICT");
}

/// SQLite's `SQLITE_BUSY` (another connection holds the write lock past the busy timeout) is
/// the same kind of failure as a PostgreSQL deadlock: classified by its code as a conflict, so
/// it is retried and then answered `CONFLICT`.
#[tokio::test]
async fn a_busy_sqlite_database_is_a_conflict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("busy.db").display());
    let connect = || async {
        let mut opts = sea_orm::ConnectOptions::new(url.clone());
        opts.max_connections(1).map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
        sea_orm::Database::connect(opts).await.expect("connect")
    };
    let (a, b) = (connect().await, connect().await);
    a.execute_unprepared("CREATE TABLE t (x INTEGER)").await.expect("create");
    a.execute_unprepared("BEGIN IMMEDIATE").await.expect("a takes the write lock");
    let e = b.execute_unprepared("BEGIN IMMEDIATE").await.expect_err("b finds the database busy");
    assert_eq!(civlink::db::classify(&e), civlink::db::Failure::Conflict, "{e:?}");
    a.execute_unprepared("ROLLBACK").await.expect("rollback");
}
