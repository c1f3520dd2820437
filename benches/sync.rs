//! Roster sync throughput: a 10,000-volunteer `syncVolunteers` batch over HTTP.
//!
//! ```text
//! cargo bench --bench sync                                   # SQLite only
//! cargo bench --bench sync -- --postgres postgres://postgres@127.0.0.1:5432/postgres --runs 5 \
//!     --server target/release/civlink                         # the server as a process of its own
//! ```
//!
//! Each run migrates a fresh database and loads the shipped division codes (untimed), starts
//! the real router in this process, syncs 200 teams (untimed), then times three requests of
//! 10,000 volunteers each (every volunteer in one team, citizen ID and phone set):
//! 1. `COMMIT`/`ALL` into the empty roster (10,000 created);
//! 2. the same batch again (10,000 unchanged, nothing written);
//! 3. the batch with every tenth phone number changed (1,000 updated).
//!
//! Reports the median over `--runs` and the peak resident memory of the process during the
//! timed requests (server and client together: an upper bound for the server).

mod common;

use std::time::{Duration, Instant};

use clap::Parser;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Times a 10,000-volunteer roster sync")]
struct Args {
    /// PostgreSQL server URL with a maintenance database (…/postgres); also benchmark there.
    #[arg(long)]
    postgres: Option<String>,
    /// Runs per database (a fresh database each).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Volunteers per batch.
    #[arg(long, default_value_t = 10_000)]
    records: usize,
    /// A release `civlink` binary: run the server as a process of its own and report its
    /// peak memory alone (without it, the router runs in the benchmark's process and the
    /// reported memory includes the client's).
    #[arg(long)]
    server: Option<std::path::PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

const SYNC: &str = "mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) { committed created updated unchanged failed userErrors { code message } } }";

fn citizen_id(n: usize) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::TimeDelta::days((n % 9000) as i64);
    civlink::domain::CitizenId::synthesize("522301", birth, (n / 9000) as u16 * 2 + 1).unwrap().as_str().to_owned()
}

fn batch(records: usize, changed_every: Option<usize>) -> Value {
    let records: Vec<Value> = (0..records)
        .map(|n| {
            let changed = changed_every.is_some_and(|k| n % k == 0);
            json!({
                "externalId": format!("NVS-{n:06}"),
                "name": format!("志愿者{n}"),
                "idNumber": citizen_id(n),
                "phone": format!("{}{n:08}", if changed { "137" } else { "139" }),
                "volunteerNumber": format!("5223{n:08}"),
                "skills": ["急救", "助老"],
                "regionCode": "522301",
                "teamExternalIds": [format!("T{:03}", n % 200)],
            })
        })
        .collect();
    json!({ "query": SYNC, "variables": { "input": { "source": "bench", "records": records } } })
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> anyhow::Result<Value> {
    let v: Value = client.post(url).bearer_auth(token).json(body).send().await?.json().await?;
    if v.get("errors").is_some() || !v["data"]["syncVolunteers"]["userErrors"].as_array().is_some_and(|a| a.is_empty())
    {
        anyhow::bail!("sync failed: {v}");
    }
    Ok(v["data"]["syncVolunteers"].clone())
}

/// A fresh migrated database with the shipped division codes: its URL, and how to drop it.
async fn fresh(postgres: Option<&str>, dir: &std::path::Path, run: usize) -> anyhow::Result<(String, Option<String>)> {
    let url = match postgres {
        None => format!("sqlite://{}?mode=rwc", dir.join(format!("sync-{run}.db")).display()),
        Some(server) => {
            let admin = sea_orm::Database::connect(server).await?;
            let name = format!("civlink_bench_sync_{}_{run}", std::process::id());
            admin.execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}""#)).await?;
            admin.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await?;
            let base = server.rsplit_once('/').map_or(server, |(b, _)| b);
            format!("{base}/{name}")
        }
    };
    let db = civlink::db::connect(&url, &Default::default()).await?;
    civlink::db::migrate(&db).await?;
    civlink::import::import_shipped_regions(&db, &civlink::import::NoProgress).await?;
    db.close().await?;
    Ok((url, postgres.map(|s| s.to_owned())))
}

async fn drop_database(server: &str, url: &str) -> anyhow::Result<()> {
    let name = url.rsplit('/').next().unwrap_or_default();
    let admin = sea_orm::Database::connect(server).await?;
    admin.execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await?;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let client = reqwest::Client::new();
    let token = common::admin_token()?;
    let first = batch(args.records, None);
    let changed = batch(args.records, Some(10));
    let teams: Vec<Value> = (0..200)
        .map(|n| json!({ "externalId": format!("T{n:03}"), "name": format!("志愿服务队{n}"), "regionCode": "522301" }))
        .collect();
    let teams = json!({
        "query": "mutation($input: SyncVolunteerTeamsInput!) { syncVolunteerTeams(input: $input) { created } }",
        "variables": { "input": { "source": "bench", "records": teams } }
    });
    let mut rows = Vec::new();
    let mut targets: Vec<(&str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(pg) = &args.postgres {
        targets.push(("PostgreSQL", Some(pg.as_str())));
    }
    for (label, pg) in targets {
        let (mut created, mut unchanged, mut updated) = (Vec::new(), Vec::new(), Vec::new());
        let mut peak: f64 = 0.0;
        for run in 0..args.runs {
            let (url, server) = fresh(pg, dir.path(), run).await?;
            let (app, process) = match &args.server {
                Some(binary) => (None, Some(common::ServerProcess::start(binary, &url).await?)),
                None => (Some(common::serve(&url).await?), None),
            };
            let endpoint =
                app.as_ref().map(|a| &a.url).or(process.as_ref().map(|p| &p.url)).cloned().unwrap_or_default();
            client.post(&endpoint).bearer_auth(&token).json(&teams).send().await?;
            common::reset_peak_rss();
            for (body, times, expect) in [
                (&first, &mut created, "created"),
                (&first, &mut unchanged, "unchanged"),
                (&changed, &mut updated, "updated"),
            ] {
                let t = Instant::now();
                let r = post(&client, &endpoint, &token, body).await?;
                times.push(t.elapsed());
                let n = r[expect].as_u64().unwrap_or(0) as usize;
                let want = if expect == "updated" { args.records.div_ceil(10) } else { args.records };
                anyhow::ensure!(n == want, "{label}: expected {want} {expect}, got {r}");
            }
            let rss = match &process {
                Some(p) => p.peak_rss_mib(),
                None => common::peak_rss_mib(),
            };
            peak = peak.max(rss.unwrap_or(0.0));
            eprintln!("{label} run {run}: peak RSS {:.0} MiB", rss.unwrap_or(0.0));
            if let Some(app) = app {
                app.db.close().await?;
            }
            if let Some(p) = process {
                p.stop().await?;
            }
            if let Some(server) = server {
                drop_database(&server, &url).await?;
            }
        }
        let row = |what: &str, times: &mut Vec<Duration>| {
            format!("| {label} | {what} | {:.0} | {} |", common::median_ms(times), args.runs)
        };
        rows.push(row(&format!("{} new volunteers (COMMIT, ALL)", args.records), &mut created));
        rows.push(row("the same batch again (all unchanged)", &mut unchanged));
        rows.push(row("every tenth phone changed (10 % updated)", &mut updated));
        let whose = if args.server.is_some() { "the server process" } else { "benchmark and server together" };
        rows.push(format!("| {label} | peak RSS of {whose}, MiB | {peak:.0} | {} |", args.runs));
    }
    println!("\n| database | batch of {} volunteers | median ms | runs |", args.records);
    println!("|---|---|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
