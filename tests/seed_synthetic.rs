//! `civlink seed synthetic`: the load-test data set has the densities it promises, is
//! deterministic (same seed, same rows, on either database), keeps every index and foreign key,
//! and is written once.
//!
//! Each test seeds fresh databases holding only the migrated schema and the shipped division
//! codes (not the demo data of `TestApp`).

use std::collections::BTreeMap;

use civlink::import::NoProgress;
use civlink::seed::synthetic::{self, Scale, SyntheticOptions, density};
use civlink::seed::{SeedOutcome, SyntheticSummary};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

mod common;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh migrated database with the shipped division codes; removed on drop.
struct Fresh {
    db: DatabaseConnection,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl Fresh {
    async fn new(kind: Kind) -> Fresh {
        let (url, dir, pg_name) = match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                (format!("sqlite://{}?mode=rwc", dir.path().join("synthetic.db").display()), Some(dir), None)
            }
            Kind::Postgres => {
                // `civlink_t_<pid>_…`: the test helpers drop leftovers of ended processes.
                let name = format!("civlink_t_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
                let admin = Database::connect(format!("{}/postgres", common::pg_server())).await.expect("admin");
                admin.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await.expect("create");
                admin.close().await.ok();
                (format!("{}/{name}", common::pg_server()), None, Some(name))
            }
        };
        let db = civlink::db::connect(&url, &Default::default()).await.expect("connect");
        civlink::db::migrate(&db).await.expect("migrate");
        civlink::import::regions::import_shipped_regions(&db, &NoProgress).await.expect("regions");
        Fresh { db, _dir: dir, pg_name }
    }

    async fn seed(&self, scale: Scale, seed: u64) -> SyntheticSummary {
        synthetic::seed_synthetic(&self.db, SyntheticOptions { scale, seed }, &NoProgress).await.expect("seed")
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql.to_owned()))
            .await
            .expect("query")
            .expect("row");
        row.try_get_by_index::<i64>(0).expect("integer")
    }

    /// SQLite's planner statistics: `(table, index)` → `stat`.
    async fn sqlite_stat1(&self) -> BTreeMap<(String, String), String> {
        let sql = "SELECT tbl, COALESCE(idx, ''), stat FROM sqlite_stat1";
        let rows =
            self.db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql.to_owned())).await.expect("stat1");
        rows.iter()
            .map(|r| {
                let get = |i| r.try_get_by_index::<String>(i).expect("text");
                ((get(0), get(1)), get(2))
            })
            .collect()
    }

    /// Indexes and foreign keys of the schema, as (indexes, foreign keys).
    async fn schema_objects(&self) -> (i64, i64) {
        match self.db.get_database_backend() {
            DbBackend::Postgres => (
                self.scalar("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'public'").await,
                self.scalar("SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f'").await,
            ),
            _ => (
                self.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'").await,
                self.scalar(
                    "SELECT COUNT(*) FROM sqlite_master m, pragma_foreign_key_list(m.name) WHERE m.type = 'table'",
                )
                .await,
            ),
        }
    }

    /// A digest of stored rows that does not depend on the database: ids, names and numbers
    /// of a few tables in id order.
    async fn digest(&self) -> BTreeMap<&'static str, String> {
        let backend = self.db.get_database_backend();
        let id = |col: &str| match backend {
            DbBackend::Postgres => format!("{col}::text"),
            _ => format!(
                "lower(substr(hex({col}),1,8)||'-'||substr(hex({col}),9,4)||'-'||substr(hex({col}),13,4)||'-'||substr(hex({col}),17,4)||'-'||substr(hex({col}),21))"
            ),
        };
        let queries = [
            (
                "stations",
                format!(
                    "SELECT {} AS k, name || '|' || level || '|' || status || '|' || region_code AS v FROM stations ORDER BY id",
                    id("id")
                ),
            ),
            (
                "volunteers",
                format!(
                    "SELECT {} AS k, name || '|' || COALESCE(id_number, '') AS v FROM volunteers ORDER BY id",
                    id("id")
                ),
            ),
            (
                "service_records",
                format!(
                    "SELECT {} AS k, {} || '|' || CAST(served_on AS TEXT) || '|' || CAST(person_times AS TEXT) AS v FROM service_records ORDER BY id",
                    id("id"),
                    id("station_id")
                ),
            ),
        ];
        let mut out = BTreeMap::new();
        for (table, sql) in queries {
            let rows = self.db.query_all_raw(Statement::from_string(backend, sql)).await.expect("digest query");
            let mut text = String::new();
            for r in rows {
                let k: String = r.try_get("", "k").expect("k");
                let v: String = r.try_get("", "v").expect("v");
                text.push_str(&k);
                text.push(':');
                text.push_str(&v);
                text.push('\n');
            }
            out.insert(table, text);
        }
        out
    }

    async fn foreign_key_violations(&self) -> usize {
        match self.db.get_database_backend() {
            // Re-adding the constraints after the load validated every row.
            DbBackend::Postgres => 0,
            _ => self
                .db
                .query_all_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA foreign_key_check".to_owned()))
                .await
                .expect("foreign_key_check")
                .len(),
        }
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let db = self.db.clone();
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
                    db.close().await.ok();
                    if let Ok(admin) = Database::connect(format!("{}/postgres", common::pg_server())).await {
                        let _ = admin
                            .execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                            .await;
                    }
                })
            })
            .join()
            .ok();
        }
    }
}

/// `actual` is within `tolerance` (a share) of `expected`.
fn near(what: &str, actual: u64, expected: f64, tolerance: f64) {
    let lo = expected * (1.0 - tolerance);
    let hi = expected * (1.0 + tolerance);
    assert!(
        (lo..=hi).contains(&(actual as f64)),
        "{what}: {actual} rows, expected {expected:.0} ± {:.0} %",
        tolerance * 100.0
    );
}

async fn proportions_and_determinism(kind: Kind) {
    let a = Fresh::new(kind).await;
    let before = a.schema_objects().await;
    let summary = a.seed(Scale::Tiny, 7).await;
    assert_eq!(summary.outcome, SeedOutcome::Created);
    assert_eq!((summary.counties, summary.townships), (1, 32), "兴义市 has 32 township-level units");

    // Every table holds what the summary says.
    for (table, n) in &summary.tables {
        assert_eq!(a.scalar(&format!("SELECT COUNT(*) FROM {table}")).await as u64, *n, "{table}");
    }
    // The promised densities, for a sample of 32 townships.
    let expected: BTreeMap<_, _> = synthetic::expected(summary.townships, summary.counties).into_iter().collect();
    let township_stations = a.scalar("SELECT COUNT(*) FROM stations WHERE level = 'TOWNSHIP_STATION'").await as u64;
    near("township stations", township_stations, expected["township_stations"], 0.2);
    for table in
        ["social_workers", "volunteers", "volunteer_teams", "organizations", "clients", "projects", "service_records"]
    {
        near(table, summary.rows(table), expected[table], 0.2);
    }
    let case_files = summary.rows("case_files") as f64 / summary.rows("clients") as f64;
    assert!((case_files - density::CASE_FILE_SHARE).abs() < 0.1, "case-file share {case_files}");
    // Three years of service, none after the end of the period.
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM service_records WHERE served_on < '2024-01-01' OR served_on > '2026-11-28'")
            .await,
        0
    );
    // Indexes and foreign keys are back, and every reference resolves.
    assert_eq!(a.schema_objects().await, before);
    assert_eq!(a.foreign_key_violations().await, 0);
    // The planner has statistics of the loaded tables (without them SQLite read a year of the
    // country's ledger for one county's statistics).
    let analyzed = match a.db.get_database_backend() {
        DbBackend::Sqlite => "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'volunteer_ledger_entries'",
        _ => "SELECT COUNT(*) FROM pg_stats WHERE tablename = 'volunteer_ledger_entries'",
    };
    assert!(a.scalar(analyzed).await > 0, "no planner statistics after the load");

    // Written once.
    let again = a.seed(Scale::Tiny, 7).await;
    assert_eq!(again.outcome, SeedOutcome::AlreadyPresent);
    assert_eq!(again.total(), 0);

    // Same seed on a fresh database: the same rows; another seed: other rows.
    let b = Fresh::new(kind).await;
    let same = b.seed(Scale::Tiny, 7).await;
    assert_eq!(same.tables, summary.tables);
    assert_eq!(same.checksum, summary.checksum);
    assert_eq!(b.digest().await, a.digest().await);
    let c = Fresh::new(kind).await;
    let other = c.seed(Scale::Tiny, 8).await;
    assert_ne!(other.checksum, summary.checksum);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_scale_has_the_promised_proportions_and_is_deterministic_sqlite() {
    proportions_and_determinism(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_scale_has_the_promised_proportions_and_is_deterministic_postgres() {
    proportions_and_determinism(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_writes_the_same_rows_on_sqlite_and_postgresql() {
    let (lite, pg) = (Fresh::new(Kind::Sqlite).await, Fresh::new(Kind::Postgres).await);
    let (a, b) = (lite.seed(Scale::Tiny, 11).await, pg.seed(Scale::Tiny, 11).await);
    assert_eq!(a.tables, b.tables);
    assert_eq!(a.checksum, b.checksum);
    assert_eq!(lite.digest().await, pg.digest().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefecture_scale_matches_the_national_densities() {
    let db = Fresh::new(Kind::Sqlite).await;
    let s = db.seed(Scale::Prefecture, synthetic::DEFAULT_SEED).await;
    assert_eq!(s.townships, 140, "黔西南州 has 140 township-level units");
    let expected: BTreeMap<_, _> = synthetic::expected(s.townships, s.counties).into_iter().collect();
    for table in
        ["social_workers", "volunteers", "volunteer_teams", "organizations", "clients", "projects", "service_records"]
    {
        near(table, s.rows(table), expected[table], 0.1);
    }
    assert_eq!(db.foreign_key_violations().await, 0);
    // SQLite's planner statistics are of every index read whole, as a later `ANALYZE` would
    // leave them: sampled ones (`analysis_limit`) rated 667 of the national set's ~28,000
    // operating township stations, and a county's station page read the whole country's
    // (BENCHMARKS.md, "Load harness").
    let seeded = db.sqlite_stat1().await;
    assert!(seeded.contains_key(&("service_records".to_owned(), "idx_service_records_method".to_owned())));
    db.db.execute_unprepared("PRAGMA analysis_limit = 0; ANALYZE").await.expect("analyze");
    assert_eq!(seeded, db.sqlite_stat1().await, "the seed's statistics are not those of a full ANALYZE");
    // National scale covers every township-level unit, those directly under a prefecture
    // (东莞, 中山, 儋州, 嘉峪关) included.
    assert_eq!(synthetic::area_size(&db.db, Scale::National).await.expect("area").1, 41_351);
}
