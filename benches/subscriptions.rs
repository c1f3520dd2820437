//! Subscriptions (issue 25): events per second fanned out to many subscribers, write-to-event
//! latency, and the server's memory with the subscriptions open.
//!
//! ```text
//! cargo build --bin civlink
//! cargo bench --profile dev --bench subscriptions -- --server target/debug/civlink \
//!     [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--subscribers 1000 --writes 50]
//! ```
//!
//! For each database (SQLite, and PostgreSQL when given) the benchmark makes a fresh database,
//! starts `civlink serve` on it as a process of its own (which migrates it and loads the
//! division codes), then:
//! 1. reads the server's resident memory (`VmRSS`), opens `--subscribers` WebSocket connections
//!    with one `changes(types: [STATION])` subscription each, waits, and reads it again: the
//!    memory of that many idle subscriptions;
//! 2. creates `--writes` stations one after another (`--interval-ms` apart) over HTTP (`createStation` as ADMIN) and
//!    waits until every subscriber has every event. Reports events delivered per second
//!    (subscribers × writes over the time from the first write to the last event), and the
//!    latency from each write's answer (the commit) to each subscriber's event, p50 and p99.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{SinkExt, StreamExt};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser)]
#[command(about = "Fans changes out to many subscribers")]
struct Args {
    /// The `civlink` binary to run as the server.
    #[arg(long, default_value = "target/debug/civlink")]
    server: std::path::PathBuf,
    /// PostgreSQL server URL with a maintenance database (…/postgres); also benchmark there.
    #[arg(long)]
    postgres: Option<String>,
    /// Subscribers (one connection and one subscription each).
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Stations created while they listen.
    #[arg(long, default_value_t = 50)]
    writes: usize,
    /// Pause between writes, milliseconds; 0: one after another (throughput). With a pause
    /// longer than one fan-out takes, the latency is that of an idle server.
    #[arg(long, default_value_t = 0)]
    interval_ms: u64,
    /// Open the connections without subscribing (to tell a connection's memory from a
    /// subscription's).
    #[arg(long)]
    connections_only: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

const SECRET: &str = "civlink-benchmark-secret-0123456789abcdef";

fn token() -> String {
    let claims =
        civlink::auth::jwt::dev_claims("benchmark", "ADMIN", None, Duration::from_secs(3600), "civlink", "civlink-api");
    civlink::auth::jwt::mint(SECRET, &claims).expect("token")
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(binary: &std::path::Path, database_url: &str, subscribers: usize) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("CIVLINK_ADDR", &addr)
            .env("CIVLINK_JWT_SECRET", SECRET)
            .env("CIVLINK_SUBSCRIPTIONS_PER_CALLER", (subscribers + 10).to_string())
            .env("CIVLINK_RATE_LIMITS", "ADMIN=off")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?;
        let server = Server { child, addr };
        let client = reqwest::Client::new();
        let started = Instant::now();
        while client.get(format!("http://{}/readyz", server.addr)).send().await.map(|r| r.status().is_success()).ok()
            != Some(true)
        {
            anyhow::ensure!(started.elapsed() < Duration::from_secs(600), "the server did not become ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(server)
    }

    /// Resident memory of the server process, MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }
}

type Received = Arc<Mutex<Vec<HashMap<String, Instant>>>>;

async fn subscriber(
    addr: String,
    token: String,
    index: usize,
    received: Received,
    ready: tokio::sync::mpsc::Sender<()>,
    subscribe: bool,
) {
    let mut request = format!("ws://{addr}/graphql").into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    let _ack = ws.next().await;
    let q = "subscription { changes(types: [STATION]) { cursor action id node { id ... on Station { name } } } }";
    let m = json!({ "id": "1", "type": "subscribe", "payload": { "query": q } });
    if subscribe {
        ws.send(Message::Text(m.to_string().into())).await.unwrap();
    }
    let _ = ready.send(()).await;
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m {
            let at = Instant::now();
            let v: Value = serde_json::from_str(&t).unwrap_or_default();
            if let Some(id) = v["payload"]["data"]["changes"]["id"].as_str() {
                received.lock().await[index].insert(id.to_owned(), at);
            }
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(args: &Args, name: &str, database_url: &str) -> anyhow::Result<()> {
    let server = Server::start(&args.server, database_url, args.subscribers).await?;
    let token = token();
    let http = reqwest::Client::new();
    let create = r#"mutation($input: CreateStationInput!) { createStation(input: $input) { station { id } } }"#;
    // One write first, so that the server's pools and caches are warm.
    http.post(format!("http://{}/graphql", server.addr))
        .bearer_auth(&token)
        .json(&json!({ "query": create, "variables": { "input": { "name": "预热", "level": "TOWNSHIP_STATION", "status": "OPERATING", "regionCode": "522301" } } }))
        .send()
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = server.rss_mib();

    let received: Received = Arc::new(Mutex::new(vec![HashMap::new(); args.subscribers]));
    let (ready_tx, mut ready) = tokio::sync::mpsc::channel(args.subscribers);
    for i in 0..args.subscribers {
        tokio::spawn(subscriber(
            server.addr.clone(),
            token.clone(),
            i,
            received.clone(),
            ready_tx.clone(),
            !args.connections_only,
        ));
    }
    for _ in 0..args.subscribers {
        ready.recv().await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_after = server.rss_mib();
    if args.connections_only {
        println!(
            "{name}: server RSS {rss_before:.1} MiB before, {rss_after:.1} MiB with {} idle connections",
            args.subscribers
        );
        return Ok(());
    }

    let mut written: Vec<(String, Instant)> = Vec::new();
    let first = Instant::now();
    for i in 0..args.writes {
        let input = json!({ "name": format!("压测站{i}"), "level": "TOWNSHIP_STATION", "status": "OPERATING", "regionCode": "522301" });
        let answer: Value = http
            .post(format!("http://{}/graphql", server.addr))
            .bearer_auth(&token)
            .json(&json!({ "query": create, "variables": { "input": input } }))
            .send()
            .await?
            .json()
            .await?;
        let id = answer["data"]["createStation"]["station"]["id"].as_str().unwrap_or_default().to_owned();
        written.push((id, Instant::now()));
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
    }
    let expected = args.subscribers * args.writes;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let got: usize =
            received.lock().await.iter().map(|r| written.iter().filter(|(id, _)| r.contains_key(id)).count()).sum();
        if got >= expected || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = received.lock().await;
    let mut latencies = Vec::with_capacity(expected);
    let mut last = first;
    let mut delivered = 0usize;
    for r in received.iter() {
        for (id, at) in &written {
            if let Some(got) = r.get(id) {
                delivered += 1;
                last = last.max(*got);
                latencies.push(got.saturating_duration_since(*at).as_secs_f64() * 1000.0);
            }
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let elapsed = last.duration_since(first).as_secs_f64();
    println!(
        "{name}: {} subscribers, {} writes {} ms apart: {delivered}/{expected} events in {elapsed:.2} s = {:.0} events/s; \
         write-to-event latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; server RSS {rss_before:.1} MiB before, \
         {rss_after:.1} MiB with the subscriptions open ({:.1} KiB each)",
        args.subscribers,
        args.writes,
        args.interval_ms,
        delivered as f64 / elapsed.max(1e-9),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
        (rss_after - rss_before) * 1024.0 / args.subscribers as f64,
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}?mode=rwc", dir.path().join("subscriptions.db").display());
    run(&args, "SQLite", &sqlite).await?;
    if let Some(pg) = &args.postgres {
        let admin = sea_orm::Database::connect(pg.as_str()).await?;
        admin.execute_unprepared("DROP DATABASE IF EXISTS civlink_bench_subscriptions WITH (FORCE)").await?;
        admin.execute_unprepared("CREATE DATABASE civlink_bench_subscriptions").await?;
        let base = pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b);
        run(&args, "PostgreSQL", &format!("{base}/civlink_bench_subscriptions")).await?;
        admin.execute_unprepared("DROP DATABASE IF EXISTS civlink_bench_subscriptions WITH (FORCE)").await?;
    }
    Ok(())
}
