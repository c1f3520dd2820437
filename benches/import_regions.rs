//! Wall-clock benchmark of the division-code import (`src/import/regions.rs`).
//!
//! ```text
//! cargo bench --bench import_regions                       # SQLite only
//! cargo bench --bench import_regions -- --postgres postgres://postgres@127.0.0.1:5432/postgres
//! cargo bench --bench import_regions -- --postgres 'postgres://postgres@localhost/postgres?host=/var/run/postgresql'
//! cargo bench --bench import_regions -- --runs 9 --batch-size 2000
//! ```
//!
//! Each run migrates a fresh database (untimed), then times one import: the shipped
//! townships-and-above (provinces … streets, 44,703 rows), the whole shipped set (villages of
//! the seed areas too, 47,801 rows), and a re-import of the whole set into a loaded database
//! (idempotent: nothing written). SQLite runs on a temporary file with the server's pragmas
//! (WAL, synchronous NORMAL); PostgreSQL on a database created on the given server and dropped
//! afterwards. Reports median and minimum per scenario.

use std::path::Path;
use std::time::{Duration, Instant};

use civlink::db::{self, PoolSettings};
use civlink::import::{ImportOptions, NoProgress, import_regions_dir_with, import_shipped_regions_with};
use clap::Parser;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

#[derive(Parser)]
#[command(about = "Times the NBS division-code import on fresh databases")]
struct Args {
    /// PostgreSQL server URL with a maintenance database (e.g. …/postgres); also benchmark there.
    #[arg(long)]
    postgres: Option<String>,
    /// Timed runs per scenario (a fresh database each).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Rows per batch / transaction.
    #[arg(long, default_value_t = ImportOptions::default().batch_size)]
    batch_size: usize,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Where a fresh database comes from.
enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

/// A fresh migrated database; [`Fresh::dispose`] removes it.
struct Fresh {
    db: DatabaseConnection,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Backend {
    fn label(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }

    async fn fresh(&self) -> anyhow::Result<Fresh> {
        match self {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
                let db = db::connect(&url, &PoolSettings::default()).await?;
                db::migrate(&db).await?;
                Ok(Fresh { db, _dir: Some(dir), pg: None })
            }
            Backend::Postgres { admin_url } => {
                let name = format!("civlink_bench_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(admin_url).await?;
                admin.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await?;
                admin.close().await?;
                let db = db::connect(&with_database(admin_url, &name), &PoolSettings::default()).await?;
                db::migrate(&db).await?;
                Ok(Fresh { db, _dir: None, pg: Some((admin_url.clone(), name)) })
            }
        }
    }
}

impl Fresh {
    async fn dispose(self) -> anyhow::Result<()> {
        self.db.close().await?;
        if let Some((admin_url, name)) = self.pg {
            let admin = Database::connect(&admin_url).await?;
            admin.execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await?;
            admin.close().await?;
        }
        Ok(())
    }
}

/// `url` with its database name replaced, query (`?host=/var/run/postgresql`, …) kept.
fn with_database(url: &str, name: &str) -> String {
    let (url, query) = url.split_once('?').map_or((url, None), |(u, q)| (u, Some(q)));
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

fn summary(label: &str, mut times: Vec<Duration>, rows: u64) {
    times.sort();
    let median = if times.len() % 2 == 1 {
        times[times.len() / 2]
    } else {
        (times[times.len() / 2 - 1] + times[times.len() / 2]) / 2
    };
    let min = times[0];
    println!(
        "  {label:<34} median {:>8.1} ms   min {:>8.1} ms   ({} runs, {rows} rows, {:.0} rows/s at median)",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        times.len(),
        rows as f64 / median.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runs = args.runs.max(1);
    let options = ImportOptions { batch_size: args.batch_size, ..ImportOptions::default() };

    // The shipped townships-and-above, as a directory of the four upper-level files.
    let upper = tempfile::tempdir()?;
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/regions");
    for file in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"] {
        std::fs::copy(data.join(file), upper.path().join(file))?;
    }

    let mut backends = vec![Backend::Sqlite];
    if let Some(admin_url) = args.postgres {
        backends.push(Backend::Postgres { admin_url });
    }

    println!("division-code import, batch size {}, {runs} runs per scenario", options.batch_size);
    for backend in &backends {
        println!("{}:", backend.label());

        let (mut times, mut rows) = (Vec::new(), 0);
        for _ in 0..runs {
            let fresh = backend.fresh().await?;
            let start = Instant::now();
            let counts = import_regions_dir_with(&fresh.db, upper.path(), &NoProgress, &options).await?;
            times.push(start.elapsed());
            rows = counts.total();
            fresh.dispose().await?;
        }
        summary("townships and above, fresh DB", times, rows);

        let (mut times, mut again) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let fresh = backend.fresh().await?;
            let start = Instant::now();
            let counts = import_shipped_regions_with(&fresh.db, &NoProgress, &options).await?;
            times.push(start.elapsed());
            rows = counts.total();

            let start = Instant::now();
            let counts = import_shipped_regions_with(&fresh.db, &NoProgress, &options).await?;
            again.push(start.elapsed());
            anyhow::ensure!(counts.inserted == 0 && counts.updated == 0, "re-import wrote rows: {counts}");
            fresh.dispose().await?;
        }
        summary("whole shipped set, fresh DB", times, rows);
        summary("whole shipped set, re-import", again, rows);
    }
    Ok(())
}
