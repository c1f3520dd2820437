//! Latency of the statistics API (`Region.statistics`, `regionStatistics`) on loaded databases.
//!
//! ```text
//! cargo bench --bench statistics -- --sqlite /work/bench/national.db \
//!     --postgres postgres://postgres@127.0.0.1:5432/civlink_bench_national
//! cargo bench --bench statistics -- --postgres URL --county 522301 --prefecture 5223 --year 2024 --runs 30
//! cargo bench --bench statistics -- --postgres URL --explain    # also print the query plans
//! ```
//!
//! For each database: the real router in this process over loopback HTTP, an ADMIN token (every
//! figure exact), three operations (queries in `benches/statistics/*.graphql`):
//! 1. every figure of one county for one year;
//! 2. every figure of all counties of one prefecture for one year (`regionStatistics`);
//! 3. township coverage of all 31 provinces in one request.
//!
//! Each is run `--warmup` times untimed, then `--runs` times; the report gives the median, p90
//! and minimum latency in ms and the SQL statements per request, as a Markdown table.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;
use common::{Server, serve};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Times the statistics API on loaded databases")]
struct Args {
    /// A loaded SQLite file.
    #[arg(long)]
    sqlite: Option<String>,
    /// A loaded PostgreSQL database URL.
    #[arg(long)]
    postgres: Option<String>,
    /// County of operation 1 (any code form).
    #[arg(long, default_value = "522301")]
    county: String,
    /// Prefecture of operation 2 (any code form).
    #[arg(long, default_value = "5223")]
    prefecture: String,
    /// Calendar year of the period.
    #[arg(long, default_value_t = 2024)]
    year: i32,
    /// Timed runs per operation.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Untimed runs first.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Print the SQL of one run of each operation with its query plan (PostgreSQL:
    /// EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN).
    #[arg(long)]
    explain: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

struct Operation {
    name: &'static str,
    query: String,
    variables: Value,
}

/// Codes of the divisions directly below `code` (any code form) at `level`.
async fn children(client: &reqwest::Client, server: &Server, token: &str, code: &str) -> anyhow::Result<Vec<String>> {
    let q = r#"query($code: String!) { region(code: $code) { children(first: 100) { nodes { code } } } }"#;
    let body = post(client, server, token, q, &json!({ "code": code })).await?;
    Ok(body["data"]["region"]["children"]["nodes"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["code"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default())
}

async fn post(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    query: &str,
    vars: &Value,
) -> anyhow::Result<Value> {
    let body: Value = client
        .post(&server.url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": vars }))
        .send()
        .await?
        .json()
        .await?;
    if let Some(errors) = body.get("errors") {
        anyhow::bail!("errors: {errors}");
    }
    Ok(body)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn explain(server: &Server, statements: &[String]) {
    let backend = server.db.get_database_backend();
    for sql in statements {
        let prefix = match backend {
            sea_orm::DbBackend::Postgres => "EXPLAIN (ANALYZE, BUFFERS) ",
            _ => "EXPLAIN QUERY PLAN ",
        };
        // The statement alone, timed (SQLite has no EXPLAIN ANALYZE; on PostgreSQL this is
        // the time without the instrumentation's overhead).
        let t = Instant::now();
        let rows = server.db.query_all_raw(Statement::from_string(backend, sql.clone())).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        match rows {
            Ok(rows) => println!("\n{ms:.1} ms alone, {} rows:", rows.len()),
            Err(e) => println!("\nfailed alone: {e}"),
        }
        println!("\n```sql\n{sql}\n```");
        match server.db.query_all_raw(Statement::from_string(backend, format!("{prefix}{sql}"))).await {
            Ok(rows) => {
                println!("```text");
                for r in rows {
                    let line = r
                        .try_get::<String>("", "QUERY PLAN")
                        .or_else(|_| r.try_get::<String>("", "detail"))
                        .unwrap_or_default();
                    println!("{line}");
                }
                println!("```");
            }
            Err(e) => println!("(no plan: {e})"),
        }
    }
}

async fn run(label: &str, database_url: &str, args: &Args) -> anyhow::Result<Vec<String>> {
    let server = serve(database_url).await?;
    let client = reqwest::Client::new();
    let token = common::admin_token()?;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/statistics");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}"));
    let figures = read("figures.graphql")?;
    let (from, to) = (format!("{}-01-01", args.year), format!("{}-01-01", args.year + 1));
    let counties = children(&client, &server, &token, &args.prefecture).await?;
    let provinces = children(&client, &server, &token, "000000000000").await.unwrap_or_default();
    let provinces = if provinces.is_empty() {
        // The root has no row: the 31 province codes from a region list.
        let q = r#"{ regions(first: 100, filter: { level: PROVINCE }) { nodes { code } } }"#;
        let body = post(&client, &server, &token, q, &json!({})).await?;
        body["data"]["regions"]["nodes"]
            .as_array()
            .map(|a| a.iter().filter_map(|n| n["code"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    } else {
        provinces
    };
    let operations = [
        Operation {
            name: "1. one county, one year, every figure",
            query: format!("{}\n{figures}", read("region.graphql")?),
            variables: json!({ "code": args.county, "from": from, "to": to }),
        },
        Operation {
            name: "2. all counties of a prefecture, one year, every figure",
            query: format!("{}\n{figures}", read("counties.graphql")?),
            variables: json!({ "codes": counties, "from": from, "to": to }),
        },
        Operation {
            name: "3. coverage of all 31 provinces",
            query: read("coverage.graphql")?,
            variables: json!({ "codes": provinces }),
        },
    ];
    let mut rows = Vec::new();
    for op in &operations {
        for _ in 0..args.warmup {
            post(&client, &server, &token, &op.query, &op.variables).await?;
        }
        server.statements.store(0, Ordering::Relaxed);
        server.sql.lock().map(|mut l| l.clear()).ok();
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let t = Instant::now();
            post(&client, &server, &token, &op.query, &op.variables).await?;
            times.push(t.elapsed());
        }
        times.sort();
        let per_request = server.statements.load(Ordering::Relaxed) as f64 / args.runs as f64;
        rows.push(format!(
            "| {label} | {} | {:.1} | {:.1} | {:.1} | {per_request:.0} |",
            op.name,
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            times[0].as_secs_f64() * 1000.0,
        ));
        if args.explain {
            let first: Vec<String> = {
                let l = server.sql.lock().map(|l| l.clone()).unwrap_or_default();
                l.into_iter().take(per_request.round() as usize).collect()
            };
            println!("\n### {label}: {}", op.name);
            explain(&server, &first).await;
        }
    }
    Ok(rows)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut targets = Vec::new();
    if let Some(path) = &args.sqlite {
        targets.push(("SQLite", format!("sqlite://{path}?mode=rw")));
    }
    if let Some(url) = &args.postgres {
        targets.push(("PostgreSQL", url.clone()));
    }
    if targets.is_empty() {
        anyhow::bail!("give --sqlite FILE and/or --postgres URL of a loaded database (see `civlink seed synthetic`)");
    }
    let mut rows = Vec::new();
    for (label, url) in targets {
        rows.extend(run(label, &url, &args).await?);
    }
    println!("\n| database | operation | median ms | p90 ms | min ms | statements |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
