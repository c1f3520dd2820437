//! Load benchmark of issue 7: civlink under N concurrent HTTP clients on a loaded database,
//! next to the hand-written SQL floor.
//!
//! ```text
//! # load the data first (see BENCHMARKS.md), then:
//! cargo bench --bench load -- \
//!     --postgres postgres://postgres@127.0.0.1:5432/civlink_bench_national \
//!     --sqlite /work/bench/national.db --clients 16 --duration 20 --write BENCHMARKS.md
//! ```
//!
//! Each database gets its own run: civlink (the release binary of this checkout) is started
//! on it as a child process, once per read path asked for (`--read-paths compiled,loader`),
//! and every operation of `benches/operations/` is driven for the warm-up and then the
//! measured duration on each in turn, then its SQL floor (operations 1 and 2) through
//! prepared statements; `--rounds N` repeats that N times and adds up the rounds. The
//! table goes to stdout and, with `--write FILE`, replaces the section between
//! `<!-- load:begin -->` and `<!-- load:end -->` of FILE (appended when missing), with the
//! exact command.

#[path = "harness.rs"]
mod harness;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Drives civlink over HTTP with concurrent clients and reports throughput, latency and SQL counts")]
struct Args {
    /// PostgreSQL database URL holding a synthetic data set.
    #[arg(long)]
    postgres: Option<String>,
    /// SQLite file holding a synthetic data set.
    #[arg(long)]
    sqlite: Option<PathBuf>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Measured seconds per operation (and per SQL floor).
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Warm-up seconds per operation.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Most requests per operation, whatever the duration.
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: u64,
    /// Operations to run, e.g. `--ops 1,2`.
    #[arg(long, value_delimiter = ',', default_values_t = vec![1u8, 2, 3, 4, 5])]
    ops: Vec<u8>,
    /// Read paths to compare (`CIVLINK_READ_PATH`), e.g. `--read-paths compiled,loader`.
    #[arg(long, value_delimiter = ',', value_enum, default_values_t = vec![harness::ReadPath::Compiled])]
    read_paths: Vec<harness::ReadPath>,
    /// Rounds per operation, each driving every read path and then the floor in turn.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// Write the table into this Markdown file (between `<!-- load:begin -->` and
    /// `<!-- load:end -->`).
    #[arg(long)]
    write: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

const BEGIN: &str = "<!-- load:begin -->";
const END: &str = "<!-- load:end -->";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.postgres.is_none() && args.sqlite.is_none() {
        bail!("give --postgres URL and/or --sqlite FILE: the databases to benchmark");
    }
    if args.clients == 0 || args.duration == 0 {
        bail!("--clients and --duration must be at least 1");
    }
    if let Some(op) = args.ops.iter().find(|o| !(1..=5).contains(*o)) {
        bail!("--ops: there is no operation {op}; the operations are 1-5");
    }
    if let Some(p) = &args.sqlite
        && !p.is_file()
    {
        bail!("--sqlite {}: no such file", p.display());
    }
    let settings = harness::Settings {
        clients: args.clients,
        duration: Duration::from_secs(args.duration),
        warmup: Duration::from_secs(args.warmup),
        max_requests: args.max_requests,
        binary: PathBuf::from(env!("CARGO_BIN_EXE_civlink")),
        operations: args.ops.clone(),
        read_paths: args.read_paths.clone(),
        rounds: args.rounds,
    };
    let mut targets = Vec::new();
    if let Some(url) = &args.postgres {
        targets.push(harness::Target::Postgres(url.clone()));
    }
    if let Some(path) = &args.sqlite {
        targets.push(harness::Target::Sqlite(path.clone()));
    }
    let mut reports = Vec::new();
    for t in &targets {
        eprintln!("benchmarking {} …", t.label());
        let report = harness::run(t, &settings).await.with_context(|| format!("{} run", t.label()))?;
        for o in &report.operations {
            for (path, m, _) in &o.civlink {
                if let Some(e) = &m.first_error {
                    eprintln!("operation {} ({path:?}) had {} errors, first: {e}", o.operation.number, m.errors);
                }
            }
        }
        reports.push(report);
    }
    let table = harness::markdown(&reports, &settings);
    println!("{table}");
    if let Some(file) = &args.write {
        let command = format!(
            "cargo bench --bench load -- {}",
            std::env::args().skip(1).filter(|a| a != "--bench").collect::<Vec<_>>().join(" ")
        );
        let section = format!(
            "{BEGIN}\n```sh\n{command}\n```\n\nMeasured {} (UTC).\n\n{table}{END}",
            chrono::Utc::now().format("%Y-%m-%d %H:%M")
        );
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let text = match (text.find(BEGIN), text.find(END)) {
            (Some(b), Some(e)) if e > b => format!("{}{section}{}", &text[..b], &text[e + END.len()..]),
            _ => format!("{}\n{section}\n", text.trim_end()),
        };
        std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
        eprintln!("table written to {}", file.display());
    }
    Ok(())
}
