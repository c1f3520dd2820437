//! Wall-clock benchmark of the division-code import (`src/import/regions.rs`).
//!
//! ```text
//! cargo bench --bench import_regions                       # SQLite only
//! cargo bench --bench import_regions -- --postgres postgres://postgres@127.0.0.1:5432/postgres
//! cargo bench --bench import_regions -- --postgres 'postgres://postgres@localhost/postgres?host=/var/run/postgresql'
//! cargo bench --bench import_regions -- --runs 9 --batch-size 2000
//! cargo bench --bench import_regions -- --write-synthetic /tmp/nbs-full   # then time `civlink import regions`
//! ```
//!
//! Each run migrates a fresh database (untimed), then times one import: the shipped
//! townships-and-above (provinces … streets, 44,703 rows), the whole shipped set (villages of
//! the seed areas too, 47,801 rows), and a re-import of the whole set into a loaded database
//! (idempotent: nothing written). SQLite runs on a temporary file with the server's pragmas
//! (WAL, synchronous NORMAL); PostgreSQL on a database created on the given server and dropped
//! afterwards. Reports median and minimum per scenario.
//!
//! `--write-synthetic DIR` times nothing: it writes a full-size input for `civlink import
//! regions DIR` (the shipped provinces … streets, and a made-up `villages.csv` of `--villages`
//! rows, 620,573 by default as in the real 2023 file, in its layout; see [`write_synthetic`]),
//! so that the real command can be timed and its peak memory measured (BENCHMARKS.md).

use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// Write a full-size synthetic input directory here and exit (no timing).
    #[arg(long, value_name = "DIR")]
    write_synthetic: Option<PathBuf>,
    /// Rows of the synthetic `villages.csv`, placeholders included.
    #[arg(long, default_value_t = 620_573)]
    villages: usize,
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

/// Writes into `dir` the shipped `provinces.csv` … `streets.csv` and a `villages.csv` of `rows`
/// rows in the layout of the full NBS file (`code,name,streetCode,provinceCode,cityCode,areaCode`,
/// names quoted, code order): the rows spread evenly over the shipped townships, codes 001… for
/// residents' committees and 201… for villagers' committees, names made up; and below each
/// township placeholder row (`350527000` 金门县) the village placeholder the real file has at
/// that place (`350527000000`, line 226,726 there, about line 226,000 here), so the importer
/// meets it in the middle of the file.
fn write_synthetic(dir: &Path, rows: usize) -> anyhow::Result<()> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/regions");
    std::fs::create_dir_all(dir)?;
    for file in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"] {
        std::fs::copy(data.join(file), dir.join(file))?;
    }
    let mut townships = Vec::new();
    for record in csv::Reader::from_path(data.join("streets.csv"))?.records() {
        let record = record?;
        townships.push((record[0].to_owned(), record[1].to_owned()));
    }
    let is_placeholder = |code: &str| code.ends_with("000");
    let real = townships.iter().filter(|(code, _)| !is_placeholder(code)).count();
    let villages = rows.saturating_sub(townships.len() - real);
    // Codes 001-199 and 201-399 (200 is skipped to keep the two kinds apart by their first digit).
    anyhow::ensure!(villages <= real * 398, "at most {} villages fit the shipped townships", real * 398);
    let (each, extra) = (villages / real, villages % real);

    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("villages.csv"))?);
    writeln!(out, "code,name,streetCode,provinceCode,cityCode,areaCode")?;
    let mut written = 0;
    for (street, name) in &townships {
        let ancestors = format!("{},{},{},{}", street, &street[..2], &street[..4], &street[..6]);
        if is_placeholder(street) {
            writeln!(out, "{street}000,\"{name}\",{ancestors}")?;
            continue;
        }
        let here = each + usize::from(written < extra);
        written += 1;
        let residents = here / 2;
        for n in 1..=here {
            let (number, kind) =
                if n <= residents { (n, "社区居民委员会") } else { (200 + n - residents, "村民委员会") };
            writeln!(out, "{street}{number:03},\"{name}第{n}{kind}\",{ancestors}")?;
        }
    }
    out.flush()?;
    println!("{}: {} township rows, villages.csv with {rows} rows", dir.display(), townships.len());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(dir) = &args.write_synthetic {
        return write_synthetic(dir, args.villages);
    }
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
