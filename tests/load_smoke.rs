//! A small-scale smoke run of the load harness (`benches/load`): on a tiny synthetic data
//! set, civlink started as a child process answers every operation of
//! `benches/operations/` without errors, the SQL floor runs, and the report has its figures.
//! The benchmark itself is not part of the suite (CI time).

#[path = "../benches/load/harness.rs"]
mod harness;

use std::path::PathBuf;
use std::time::Duration;

use civlink::import::NoProgress;
use civlink::seed::synthetic::{Scale, SyntheticOptions, seed_synthetic};
use sea_orm::{ConnectionTrait, Database};

mod common;

fn settings() -> harness::Settings {
    harness::Settings {
        clients: 2,
        duration: Duration::from_millis(400),
        warmup: Duration::from_millis(100),
        max_requests: 20,
        binary: PathBuf::from(env!("CARGO_BIN_EXE_civlink")),
        operations: vec![1, 2, 3, 4, 5],
        read_paths: vec![harness::ReadPath::Compiled, harness::ReadPath::Loader],
        rounds: 2,
    }
}

async fn fill(url: &str) {
    let db = civlink::db::connect(url, &Default::default()).await.expect("connect");
    civlink::db::migrate(&db).await.expect("migrate");
    civlink::import::regions::import_shipped_regions(&db, &NoProgress).await.expect("regions");
    seed_synthetic(&db, SyntheticOptions { scale: Scale::Tiny, seed: 3 }, &NoProgress).await.expect("seed");
    db.close().await.ok();
}

fn check(report: &harness::Report) {
    assert_eq!(report.operations.len(), 5);
    for o in &report.operations {
        assert_eq!(o.civlink.len(), 2, "both read paths");
        for (path, m, statements) in &o.civlink {
            assert!(m.requests > 0, "operation {} ({path:?}) ran no request", o.operation.number);
            assert_eq!(m.errors, 0, "operation {} ({path:?}): {:?}", o.operation.number, m.first_error);
            assert!(*statements >= 1.0, "operation {} ({path:?}) counted no statement", o.operation.number);
        }
        match (&o.floor, o.operation.number) {
            (Some((f, n)), 1 | 2) => {
                assert!(f.requests > 0 && f.errors == 0, "floor of {}: {:?}", o.operation.number, f.first_error);
                assert!(*n >= 1.0 && *n <= 2.0);
            }
            (None, 3..=5) => {}
            (floor, n) => panic!("operation {n}: unexpected floor {floor:?}"),
        }
    }
    assert!(report.peak_rss_mib > 1.0, "peak RSS {}", report.peak_rss_mib);
    let table = harness::markdown(std::slice::from_ref(report), &settings());
    eprintln!("{table}");
    assert!(table.contains("| 1 portal |") && table.contains("| 5 coverage |"), "{table}");
    assert!(table.contains("| compiled |") && table.contains("| loader |"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_harness_drives_every_operation_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tiny.db");
    fill(&format!("sqlite://{}?mode=rwc", path.display())).await;
    let report = harness::run(&harness::Target::Sqlite(path), &settings()).await.expect("harness run");
    check(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_harness_drives_every_operation_on_postgres() {
    let name = format!("civlink_t_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
    let admin = Database::connect(format!("{}/postgres", common::pg_server())).await.expect("admin");
    admin.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await.expect("create");
    let url = format!("{}/{name}", common::pg_server());
    fill(&url).await;
    let result = harness::run(&harness::Target::Postgres(url), &settings()).await;
    let _ = admin.execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await;
    check(&result.expect("harness run"));
}
