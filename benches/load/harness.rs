//! The load harness of issue 7: starts civlink (the release binary, as a child process)
//! against a loaded database, drives it over HTTP with N concurrent clients through the
//! operations in `benches/operations/*.graphql`, and measures the hand-written SQL floor of
//! operations 1 and 2 through sqlx on the same database.
//!
//! Shared by the bench binary (`benches/load/main.rs`) and the smoke test
//! (`tests/load_smoke.rs`), which includes this file with `#[path]`.
//!
//! Per operation it reports requests/s, latency percentiles (hdrhistogram, microsecond
//! resolution), SQL statements per request (counted by an in-process server on a connection
//! with a metric callback: the count depends on the query's shape, not on load) and, once per
//! database, the server's peak RSS (`VmHWM` of the child process).
#![allow(dead_code)]

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::BoxFuture;
use hdrhistogram::Histogram;
use sea_orm::sqlx::{self, AssertSqlSafe};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

/// HS256 secret shared by the harness and the civlink it starts.
const SECRET: &str = "civlink-load-harness-secret-of-32-bytes-or-more";

/// The calendar quarter whose services operation 1 counts (China Standard Time dates,
/// half-open), and the year operation 4 reports.
pub const QUARTER: (&str, &str) = ("2026-10-01", "2027-01-01");
pub const YEAR: (&str, &str) = ("2025-01-01", "2026-01-01");

/// Pages of 100 that operation 3 walks (500 rows).
pub const ROSTER_PAGES: usize = 5;

/// A representative operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// 1-5, as numbered in issue 7.
    pub number: u8,
    pub name: &'static str,
    /// The GraphQL document (`benches/operations/<number>_<name>.graphql`).
    pub document: &'static str,
}

pub const OPERATIONS: [Operation; 5] = [
    Operation { number: 1, name: "portal", document: include_str!("../operations/1_portal.graphql") },
    Operation { number: 2, name: "station", document: include_str!("../operations/2_station.graphql") },
    Operation { number: 3, name: "roster", document: include_str!("../operations/3_roster.graphql") },
    Operation { number: 4, name: "dashboard", document: include_str!("../operations/4_dashboard.graphql") },
    Operation { number: 5, name: "coverage", document: include_str!("../operations/5_coverage.graphql") },
];

/// The database a run uses.
#[derive(Debug, Clone)]
pub enum Target {
    /// An existing SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database URL.
    Postgres(String),
}

impl Target {
    pub fn label(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "SQLite",
            Target::Postgres(_) => "PostgreSQL",
        }
    }

    pub fn url(&self) -> String {
        match self {
            Target::Sqlite(p) => format!("sqlite://{}?mode=rw", p.display()),
            Target::Postgres(u) => u.clone(),
        }
    }
}

/// How hard and how long to drive.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Concurrent clients.
    pub clients: usize,
    /// Measured time per operation (and per floor).
    pub duration: Duration,
    /// Unmeasured time per operation before it, to fill caches and pools.
    pub warmup: Duration,
    /// Upper bound on requests per operation, whatever the duration.
    pub max_requests: u64,
    /// The `civlink` binary to start.
    pub binary: PathBuf,
    /// Operations to run (numbers 1-5).
    pub operations: Vec<u8>,
    /// The read paths to compare (`CIVLINK_READ_PATH`): one server each, driven in turn.
    pub read_paths: Vec<ReadPath>,
    /// Rounds per operation: each round drives every read path and then the floor, so
    /// their figures come from the same stretch of time on a noisy host.
    pub rounds: u32,
}

pub use civlink::graphql::compiled::ReadPath;

/// `compiled` or `loader`, as `CIVLINK_READ_PATH` spells it.
fn spelled(path: ReadPath) -> &'static str {
    match path {
        ReadPath::Compiled => "compiled",
        ReadPath::Loader => "loader",
    }
}

/// Throughput and latency of one driven workload.
#[derive(Debug, Clone)]
pub struct Measured {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latencies in microseconds.
    pub latency: Histogram<u64>,
    /// First error seen, for the report.
    pub first_error: Option<String>,
}

impl Measured {
    /// The figures of `self` and `other` together (two rounds of one workload).
    fn merge(mut self, other: Measured) -> Measured {
        self.requests += other.requests;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        let _ = self.latency.add(&other.latency);
        self.first_error = self.first_error.or(other.first_error);
        self
    }

    /// Completed requests per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Latency at `q` (0-1), in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

/// One operation's figures on one database.
#[derive(Debug, Clone)]
pub struct OperationReport {
    pub operation: Operation,
    /// Per read path: civlink's figures and its SQL statements per HTTP request (operation
    /// 3: per page).
    pub civlink: Vec<(ReadPath, Measured, f64)>,
    /// The hand-written SQL floor (operations 1 and 2) through prepared statements that may
    /// reuse cached plans: its figures and round trips per request.
    pub floor: Option<(Measured, f64)>,
}

/// One database's run.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: &'static str,
    /// Rows of the largest tables, to say what was measured.
    pub rows: Vec<(&'static str, i64)>,
    pub operations: Vec<OperationReport>,
    /// Peak resident set size of the civlink process, in MiB.
    pub peak_rss_mib: f64,
}

/// Variable sets each operation cycles through, sampled from the database.
struct Samples {
    counties: Vec<String>,
    stations: Vec<Uuid>,
    provinces: Vec<String>,
    prefectures: Vec<Vec<String>>,
}

async fn strings(db: &DatabaseConnection, sql: &str) -> anyhow::Result<Vec<String>> {
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await?;
    rows.iter().map(|r| r.try_get_by_index::<String>(0).map_err(|e| anyhow!("{e}"))).collect()
}

/// At most `n` elements, evenly spread over `all`.
fn spread<T: Clone>(all: &[T], n: usize) -> Vec<T> {
    if all.len() <= n {
        return all.to_vec();
    }
    (0..n).map(|i| all[i * all.len() / n].clone()).collect()
}

async fn samples(db: &DatabaseConnection) -> anyhow::Result<Samples> {
    let counties = strings(
        db,
        "SELECT DISTINCT substr(region_code, 1, 6) FROM stations WHERE level = 'TOWNSHIP_STATION' ORDER BY 1",
    )
    .await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM stations WHERE level = 'TOWNSHIP_STATION' ORDER BY id".to_owned(),
        ))
        .await?;
    let stations: Vec<Uuid> = rows.iter().filter_map(|r| r.try_get_by_index::<Uuid>(0).ok()).collect();
    let provinces = strings(db, "SELECT DISTINCT substr(region_code, 1, 2) FROM volunteers ORDER BY 1").await?;
    let pairs = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT parent_code, code FROM regions WHERE level = 'COUNTY' AND parent_code IS NOT NULL ORDER BY code"
                .to_owned(),
        ))
        .await?;
    let mut prefectures: Vec<(String, Vec<String>)> = Vec::new();
    for r in pairs {
        let parent: String = r.try_get_by_index(0)?;
        let code: String = r.try_get_by_index(1)?;
        if !counties.iter().any(|c| code.starts_with(c.as_str())) {
            continue;
        }
        match prefectures.last_mut() {
            Some((p, list)) if *p == parent => list.push(code),
            _ => prefectures.push((parent, vec![code])),
        }
    }
    if counties.is_empty() || stations.is_empty() {
        bail!("the database holds no township stations: load it with `civlink seed synthetic --scale …` first");
    }
    Ok(Samples {
        counties: spread(&counties, 256),
        stations: spread(&stations, 256),
        provinces,
        prefectures: spread(&prefectures.into_iter().map(|(_, c)| c).collect::<Vec<_>>(), 64),
    })
}

/// The global id of a station.
fn station_gid(id: &Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("Station:{id}"))
}

/// Variables of request `k` of `op`.
fn variables(op: u8, s: &Samples, k: u64) -> Value {
    let k = k as usize;
    match op {
        1 => json!({ "county": s.counties[k % s.counties.len()], "from": QUARTER.0, "to": QUARTER.1 }),
        2 => json!({ "id": station_gid(&s.stations[k % s.stations.len()]) }),
        3 => json!({ "province": s.provinces[k % s.provinces.len().max(1)], "after": null }),
        4 => json!({ "counties": s.prefectures[k % s.prefectures.len().max(1)], "from": YEAR.0, "to": YEAR.1 }),
        _ => json!({}),
    }
}

/// A client of one civlink server.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
    token: Arc<String>,
}

impl Client {
    fn new(addr: &str, clients: usize) -> anyhow::Result<Self> {
        let claims = civlink::auth::jwt::dev_claims(
            "load-harness",
            "ADMIN",
            None,
            Duration::from_secs(24 * 3600),
            "civlink",
            "civlink-api",
        );
        Ok(Self {
            http: reqwest::Client::builder().pool_max_idle_per_host(clients).build()?,
            url: format!("http://{addr}/graphql"),
            token: Arc::new(civlink::auth::jwt::mint(SECRET, &claims)?),
        })
    }

    /// Posts one request; the parsed body when it has data and no errors.
    async fn post(&self, query: &str, variables: &Value) -> Result<Value, String> {
        let resp = self
            .http
            .post(&self.url)
            .bearer_auth(self.token.as_str())
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = resp.status();
        let body: Value = resp.json().await.map_err(|e| format!("body: {e}"))?;
        if !status.is_success() || body.get("errors").is_some() || body.get("data").is_none() {
            return Err(format!("HTTP {status}: {}", body.to_string().chars().take(300).collect::<String>()));
        }
        Ok(body)
    }

    /// Runs request `k` of `op` (operation 3: [`ROSTER_PAGES`] pages).
    async fn run(&self, op: Operation, s: &Samples, k: u64) -> Result<(), String> {
        let mut vars = variables(op.number, s, k);
        let pages = if op.number == 3 { ROSTER_PAGES } else { 1 };
        for _ in 0..pages {
            let body = self.post(op.document, &vars).await?;
            if op.number == 3 {
                let info = &body["data"]["volunteers"]["pageInfo"];
                if info["hasNextPage"] != true {
                    break;
                }
                vars["after"] = info["endCursor"].clone();
            }
        }
        Ok(())
    }
}

type Job = Arc<dyn Fn(u64) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Runs `job(k)` for k = 0, 1, … from `clients` concurrent tasks until `duration` has passed
/// or `max` requests have started.
async fn drive(clients: usize, duration: Duration, max: u64, job: Job) -> Measured {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let (next, job) = (next.clone(), job.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds");
            let (mut errors, mut first_error) = (0u64, None);
            while Instant::now() < deadline {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= max {
                    break;
                }
                let t = Instant::now();
                let r = job(k).await;
                let _ = h.record((t.elapsed().as_micros() as u64).max(1));
                if let Err(e) = r {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (h, errors, first_error)
        }));
    }
    let mut latency = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds");
    let (mut errors, mut first_error) = (0, None);
    for t in tasks {
        if let Ok((h, e, f)) = t.await {
            let _ = latency.add(&h);
            errors += e;
            if first_error.is_none() {
                first_error = f;
            }
        }
    }
    let elapsed = started.elapsed();
    Measured { requests: latency.len(), errors, elapsed, latency, first_error }
}

/// civlink started as a child process; killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(binary: &PathBuf, url: &str, read_path: ReadPath) -> anyhow::Result<Server> {
        let mut child = Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("CIVLINK_READ_PATH", spelled(read_path))
            .env("CIVLINK_ADDR", "127.0.0.1:0")
            .env("CIVLINK_JWT_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Read every line, so the child never blocks on a full pipe.
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.trim().to_owned());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => Ok(Server { child, addr }),
            Err(_) => {
                let _ = child.kill();
                bail!("{} serve did not report its address within 120 s", binary.display())
            }
        }
    }

    /// Peak resident set size so far (`VmHWM`), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SQL statements per request of each operation, counted on an in-process server whose
/// connection counts statements; also checks every operation answers without errors.
async fn count_statements(
    url: &str,
    s: &Arc<Samples>,
    ops: &[Operation],
    read_path: ReadPath,
) -> anyhow::Result<Vec<f64>> {
    let mut db = civlink::db::connect(url, &Default::default()).await?;
    let mut keyed_db = civlink::db::connect_keyed(&db, url, &Default::default()).await?;
    let counter = Arc::new(AtomicU64::new(0));
    for pool in [&mut db, &mut keyed_db] {
        let c = counter.clone();
        pool.set_metric_callback(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
    }
    let settings = civlink::auth::jwt::JwtSettings {
        secret: Some(SECRET.to_owned()),
        keys_file: None,
        issuer: "civlink".to_owned(),
        audience: "civlink-api".to_owned(),
        leeway_secs: 60,
    };
    let verifier = civlink::auth::jwt::Verifier::new(&settings)?;
    let schema = civlink::graphql::build_schema(&Default::default());
    let app = civlink::app::router(civlink::app::AppState {
        schema,
        db,
        keyed_db,
        verifier: Some(verifier),
        http: civlink::app::HttpSettings { read_path, ..Default::default() },
        changes: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = Client::new(&addr.to_string(), 1)?;
    let mut out = Vec::new();
    for op in ops {
        let mut requests = 0u64;
        counter.store(0, Ordering::SeqCst);
        for k in 0..4 {
            let mut vars = variables(op.number, s, k);
            let pages = if op.number == 3 { ROSTER_PAGES } else { 1 };
            for _ in 0..pages {
                let body = client
                    .post(op.document, &vars)
                    .await
                    .map_err(|e| anyhow!("operation {} ({}) failed: {e}", op.number, op.name))?;
                requests += 1;
                let info = &body["data"]["volunteers"]["pageInfo"];
                if op.number != 3 || info["hasNextPage"] != true {
                    break;
                }
                vars["after"] = info["endCursor"].clone();
            }
        }
        out.push(counter.load(Ordering::SeqCst) as f64 / requests.max(1) as f64);
    }
    server.abort();
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The SQL floor: operations 1 and 2 written by hand, the fewest round trips that fetch the
// same rows (the columns the response needs), through sqlx on the same database.

#[derive(Clone)]
enum Pool {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// A bind value of the floor queries.
#[derive(Clone)]
enum Arg {
    Text(String),
    Id(Uuid),
    Date(chrono::NaiveDate),
}

impl Pool {
    fn placeholder(&self, i: usize) -> String {
        match self {
            Pool::Postgres(_) => format!("${i}"),
            Pool::Sqlite(_) => format!("?{i}"),
        }
    }

    /// Runs `sql` with `args`; returns the number of rows (read, not decoded further).
    async fn rows(&self, sql: String, args: &[Arg]) -> Result<usize, String> {
        macro_rules! run {
            ($pool:expr) => {{
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for a in args {
                    q = match a {
                        Arg::Text(s) => q.bind(s.clone()),
                        Arg::Id(u) => q.bind(*u),
                        Arg::Date(d) => q.bind(*d),
                    };
                }
                q.fetch_all($pool).await.map(|r| r.len()).map_err(|e| e.to_string())
            }};
        }
        match self {
            Pool::Postgres(p) => run!(p),
            Pool::Sqlite(p) => run!(p),
        }
    }
}

/// Lowest and highest 12-digit codes of a subtree given by its significant prefix.
fn bounds(prefix: &str) -> (String, String) {
    (format!("{prefix:0<12}"), format!("{prefix:9<12}"))
}

/// Operation 1 by hand: stations with the county and their total (one statement), then the
/// workers, teams and projects of every station with their counts and the quarter's service
/// records (one statement).
async fn floor_portal(pool: &Pool, county: &str) -> Result<usize, String> {
    let (lo, hi) = bounds(county);
    let p = |i| pool.placeholder(i);
    let stations_sql = format!(
        "SELECT r.code, r.name, s.id, s.name, s.status, COUNT(s.id) OVER () AS total \
         FROM regions r LEFT JOIN stations s ON s.region_code BETWEEN {} AND {} \
           AND s.level = 'TOWNSHIP_STATION' AND s.deleted_at IS NULL \
         WHERE r.code = {} ORDER BY s.id LIMIT 50",
        p(1),
        p(2),
        p(3)
    );
    let code = format!("{county:0<12}");
    let ids: Vec<Uuid> = {
        macro_rules! fetch {
            ($pool:expr) => {{
                let rows = sqlx::query(AssertSqlSafe(stations_sql))
                    .bind(lo.clone())
                    .bind(hi.clone())
                    .bind(code.clone())
                    .fetch_all($pool)
                    .await
                    .map_err(|e| e.to_string())?;
                use sea_orm::sqlx::Row as _;
                rows.iter().filter_map(|r| r.try_get::<Option<Uuid>, _>(2).ok().flatten()).collect()
            }};
        }
        match pool {
            Pool::Postgres(pg) => fetch!(pg),
            Pool::Sqlite(lite) => fetch!(lite),
        }
    };
    if ids.is_empty() {
        return Ok(1);
    }
    let list = (0..ids.len()).map(|i| p(i + 3)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT 'w' AS kind, station_id AS parent, id, name, certificate_level AS extra, n FROM ( \
           SELECT a.station_id, w.id, w.name, w.certificate_level, \
             ROW_NUMBER() OVER (PARTITION BY a.station_id ORDER BY w.id) AS rn, \
             COUNT(*) OVER (PARTITION BY a.station_id) AS n \
           FROM station_assignments a JOIN social_workers w ON w.id = a.social_worker_id \
           WHERE a.station_id IN ({list}) AND a.ended_on IS NULL AND a.deleted_at IS NULL \
             AND w.deleted_at IS NULL) x WHERE rn <= 10 \
         UNION ALL \
         SELECT 't', station_id, id, name, NULL, n FROM ( \
           SELECT t.station_id, t.id, t.name, \
             ROW_NUMBER() OVER (PARTITION BY t.station_id ORDER BY t.id) AS rn, \
             COUNT(*) OVER (PARTITION BY t.station_id) AS n \
           FROM volunteer_teams t WHERE t.station_id IN ({list}) AND t.deleted_at IS NULL) x WHERE rn <= 10 \
         UNION ALL \
         SELECT 'p', station_id, id, name, funding_mode, n FROM ( \
           SELECT ps.station_id, pr.id, pr.name, pr.funding_mode, \
             ROW_NUMBER() OVER (PARTITION BY ps.station_id ORDER BY pr.id) AS rn, \
             COUNT(*) OVER (PARTITION BY ps.station_id) AS n \
           FROM project_stations ps JOIN projects pr ON pr.id = ps.project_id \
           WHERE ps.station_id IN ({list}) AND ps.deleted_at IS NULL AND pr.deleted_at IS NULL) x WHERE rn <= 5 \
         UNION ALL \
         SELECT 's', station_id, NULL, NULL, CAST(COUNT(DISTINCT client_id) AS TEXT), CAST(SUM(person_times) AS BIGINT) FROM service_records \
           WHERE station_id IN ({list}) AND served_on >= {} AND served_on < {} AND deleted_at IS NULL \
           GROUP BY station_id",
        p(1),
        p(2)
    );
    let mut args = vec![Arg::Date(date(QUARTER.0)), Arg::Date(date(QUARTER.1))];
    args.extend(ids.into_iter().map(Arg::Id));
    pool.rows(sql, &args).await?;
    Ok(2)
}

/// Operation 2 by hand: the station with its region, parent region, parent station and
/// operator (one statement), then the first 10 of each relation with counts (one statement).
async fn floor_station(pool: &Pool, id: Uuid) -> Result<usize, String> {
    let p1 = pool.placeholder(1);
    let station = format!(
        "SELECT s.id, s.name, s.level, s.status, s.in_full_service, s.opened_on, s.investment_fen, s.address, \
           r.code, r.name, pr.code, pr.name, ps.id, ps.name, ps.level, o.id, o.name, o.kind \
         FROM stations s \
         LEFT JOIN regions r ON r.code = s.region_code \
         LEFT JOIN regions pr ON pr.code = r.parent_code \
         LEFT JOIN stations ps ON ps.id = s.parent_station_id AND ps.deleted_at IS NULL \
         LEFT JOIN organizations o ON o.id = s.operator_id AND o.deleted_at IS NULL \
         WHERE s.id = {p1} AND s.deleted_at IS NULL"
    );
    pool.rows(station, &[Arg::Id(id)]).await?;
    let relations = format!(
        "SELECT * FROM (SELECT 'c' AS kind, id, name, COUNT(*) OVER () AS n FROM stations \
           WHERE parent_station_id = {p1} AND deleted_at IS NULL ORDER BY id LIMIT 10) c \
         UNION ALL SELECT * FROM (SELECT 'w', w.id, w.name, COUNT(*) OVER () FROM station_assignments a \
           JOIN social_workers w ON w.id = a.social_worker_id \
           WHERE a.station_id = {p1} AND a.ended_on IS NULL AND a.deleted_at IS NULL AND w.deleted_at IS NULL \
           ORDER BY w.id LIMIT 10) w \
         UNION ALL SELECT * FROM (SELECT 't', id, name, COUNT(*) OVER () FROM volunteer_teams \
           WHERE station_id = {p1} AND deleted_at IS NULL ORDER BY id LIMIT 10) t \
         UNION ALL SELECT * FROM (SELECT 'p', pr.id, pr.name, COUNT(*) OVER () FROM project_stations ps \
           JOIN projects pr ON pr.id = ps.project_id \
           WHERE ps.station_id = {p1} AND ps.deleted_at IS NULL AND pr.deleted_at IS NULL ORDER BY pr.id LIMIT 10) p \
         UNION ALL SELECT * FROM (SELECT 'l', id, name, COUNT(*) OVER () FROM clients \
           WHERE station_id = {p1} AND deleted_at IS NULL ORDER BY id LIMIT 10) l \
         UNION ALL SELECT * FROM (SELECT 'r', id, NULL, COUNT(*) OVER () FROM service_records \
           WHERE station_id = {p1} AND deleted_at IS NULL ORDER BY id LIMIT 10) r \
         UNION ALL SELECT * FROM (SELECT 'h', id, kind, COUNT(*) OVER () FROM charity_resources \
           WHERE station_id = {p1} AND deleted_at IS NULL ORDER BY id LIMIT 10) h"
    );
    pool.rows(relations, &[Arg::Id(id)]).await?;
    Ok(2)
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date constant")
}

/// Drives the SQL floor of operation `op` (1 or 2); `None` for the others.
async fn floor(pool: &Pool, op: u8, s: &Arc<Samples>, settings: &Settings) -> Option<(Measured, f64)> {
    if op != 1 && op != 2 {
        return None;
    }
    let statements = Arc::new(AtomicU64::new(0));
    let job: Job = {
        let (pool, s, statements) = (pool.clone(), s.clone(), statements.clone());
        Arc::new(move |k| {
            let (pool, s, statements) = (pool.clone(), s.clone(), statements.clone());
            Box::pin(async move {
                let n = if op == 1 {
                    floor_portal(&pool, &s.counties[k as usize % s.counties.len()]).await?
                } else {
                    floor_station(&pool, s.stations[k as usize % s.stations.len()]).await?
                };
                statements.fetch_add(n as u64, Ordering::Relaxed);
                Ok(())
            })
        })
    };
    let _ = drive(settings.clients, settings.warmup, settings.max_requests, job.clone()).await;
    statements.store(0, Ordering::Relaxed);
    let m = drive(settings.clients, settings.duration, settings.max_requests, job).await;
    let per = statements.load(Ordering::Relaxed) as f64 / m.requests.max(1) as f64;
    Some((m, per))
}

/// One database's whole run: sample variables, count statements, start civlink, drive
/// every operation and its floor, read the peak RSS.
pub async fn run(target: &Target, settings: &Settings) -> anyhow::Result<Report> {
    let url = target.url();
    let db = civlink::db::connect(&url, &Default::default())
        .await
        .with_context(|| format!("cannot open {}", target.label()))?;
    let s = Arc::new(samples(&db).await?);
    let mut rows = Vec::new();
    for table in ["stations", "social_workers", "volunteers", "clients", "projects", "service_records"] {
        let n = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), format!("SELECT COUNT(*) FROM {table}")))
            .await?
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        rows.push((table, n));
    }
    // The floor's statements are prepared once per connection and may reuse PostgreSQL's
    // cached generic plan (the pool for lookups by key keeps `plan_cache_mode = auto`).
    let prepared = civlink::db::connect_keyed(&db, &url, &Default::default()).await?;
    let pool = match prepared.get_database_backend() {
        DbBackend::Postgres => Pool::Postgres(prepared.get_postgres_connection_pool().clone()),
        _ => Pool::Sqlite(prepared.get_sqlite_connection_pool().clone()),
    };
    let ops: Vec<Operation> = OPERATIONS.iter().copied().filter(|o| settings.operations.contains(&o.number)).collect();
    let mut servers = Vec::new();
    for &path in &settings.read_paths {
        let statements = count_statements(&url, &s, &ops, path).await?;
        let server = Server::start(&settings.binary, &url, path)?;
        let client = Client::new(&server.addr, settings.clients)?;
        servers.push((path, statements, server, client));
    }
    let mut reports = Vec::new();
    for (i, op) in ops.iter().copied().enumerate() {
        let mut civlink: Vec<Option<Measured>> = vec![None; servers.len()];
        let mut floor_figures: Option<(Measured, f64)> = None;
        for _ in 0..settings.rounds.max(1) {
            for (j, (_, _, _, client)) in servers.iter().enumerate() {
                let job: Job = {
                    let (client, s) = (client.clone(), s.clone());
                    Arc::new(move |k| {
                        let (client, s) = (client.clone(), s.clone());
                        Box::pin(async move { client.run(op, &s, k).await })
                    })
                };
                let _ = drive(settings.clients, settings.warmup, settings.max_requests, job.clone()).await;
                let m = drive(settings.clients, settings.duration, settings.max_requests, job).await;
                civlink[j] = Some(match civlink[j].take() {
                    Some(before) => before.merge(m),
                    None => m,
                });
            }
            if let Some((m, per)) = floor(&pool, op.number, &s, settings).await {
                floor_figures = Some(match floor_figures.take() {
                    Some((before, _)) => (before.merge(m), per),
                    None => (m, per),
                });
            }
        }
        let civlink = servers
            .iter()
            .zip(civlink)
            .filter_map(|((path, statements, _, _), m)| m.map(|m| (*path, m, statements[i])))
            .collect();
        reports.push(OperationReport { operation: op, civlink, floor: floor_figures });
    }
    let peak_rss_mib = servers.iter().map(|(_, _, server, _)| server.peak_rss_mib()).fold(0.0, f64::max);
    drop(servers);
    db.close().await.ok();
    prepared.close().await.ok();
    Ok(Report { target: target.label(), rows, operations: reports, peak_rss_mib })
}

/// The Markdown table of one or more runs, operations side by side per database.
pub fn markdown(reports: &[Report], settings: &Settings) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} concurrent clients, {} s measured per operation after {} s of warm-up.\n",
        settings.clients,
        settings.duration.as_secs_f64(),
        settings.warmup.as_secs_f64()
    );
    let _ = writeln!(out, "| data | {} |", reports.iter().map(|r| r.target).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(reports.len()));
    if let Some(first) = reports.first() {
        for (i, (table, _)) in first.rows.iter().enumerate() {
            let cells: Vec<String> =
                reports.iter().map(|r| r.rows.get(i).map_or("–".to_owned(), |(_, n)| group(*n))).collect();
            let _ = writeln!(out, "| {table} | {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| operation | database | read path | req/s | p50 ms | p90 ms | p99 ms | p99 / p50 | SQL / request | \
         prepared floor req/s (statements) | req/s / floor's | errors |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let ops = reports.first().map(|r| r.operations.len()).unwrap_or(0);
    for i in 0..ops {
        for r in reports {
            let Some(o) = r.operations.get(i) else { continue };
            for (path, m, statements) in &o.civlink {
                let (floor, ratio) = match &o.floor {
                    Some((f, n)) => {
                        (format!("{:.0} ({n:.0})", f.rate()), format!("{:.0} %", 100.0 * m.rate() / f.rate().max(1e-9)))
                    }
                    None => ("–".to_owned(), "–".to_owned()),
                };
                let _ = writeln!(
                    out,
                    "| {} {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1}× | {statements:.1} | {floor} | {ratio} | {} |",
                    o.operation.number,
                    o.operation.name,
                    r.target,
                    spelled(*path),
                    m.rate(),
                    m.ms(0.5),
                    m.ms(0.9),
                    m.ms(0.99),
                    m.ms(0.99) / m.ms(0.5).max(1e-9),
                    m.errors
                );
            }
        }
    }
    let _ = writeln!(out);
    for r in reports {
        let _ = writeln!(out, "- {}: civlink peak RSS {:.0} MiB", r.target, r.peak_rss_mib);
    }
    out
}

/// `1234567` → `1,234,567`.
fn group(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
