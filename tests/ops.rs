//! Operations: metrics, request logs without personal data, readiness while the database is
//! away and back, the statement timeout, and graceful shutdown of the real binary.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backend, Options, TestApp, admin_token};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Metrics

both_with!(
    metrics_show_requests_latency_statements_pool_and_rate_limit_rejections,
    {
        let mut o = Options::default();
        o.limits.budgets = "PORTAL=70/1h".parse().unwrap();
        o
    },
    |app| {
        let q = json!({ "query": "query StationPage { stations(first: 20) { nodes { id name } } }" });
        let portal = common::token_with("PORTAL", |_| {});
        for expected in [200, 429] {
            let resp = app.client().post(app.graphql_url()).bearer_auth(&portal).json(&q).send().await.unwrap();
            assert_eq!(resp.status(), expected);
        }
        let text = app.client().get(format!("http://{}/metrics", app.addr)).send().await.unwrap().text().await.unwrap();
        for series in [
            r#"civlink_graphql_requests_total{operation="StationPage",outcome="ok"}"#,
            r#"civlink_graphql_requests_total{operation="StationPage",outcome="rate_limited"}"#,
            r#"civlink_graphql_request_duration_seconds_bucket{operation="StationPage""#,
            "civlink_sql_statements_per_request_bucket",
            r#"civlink_sql_statements_total{outcome="ok"}"#,
            "civlink_sql_statement_duration_seconds_bucket",
            r#"civlink_db_pool_connections{state="open"}"#,
            r#"civlink_db_pool_connections{state="max"} 16"#,
            r#"civlink_rate_limited_total{role="PORTAL"}"#,
        ] {
            assert!(text.contains(series), "missing {series} in\n{text}");
        }
        // PostgreSQL's second pool, for lookups by key (SQLite has one pool; the recorder is
        // the process's, so its absence there cannot be told from another test's series).
        let keyed = r#"civlink_db_keyed_pool_connections{state="max"} 16"#;
        if app.backend == common::Backend::Postgres {
            assert!(text.contains(keyed), "missing {keyed} in\n{text}");
        }
    }
);

// ---------------------------------------------------------------------------------------------
// The real binary

/// `civlink serve` on a copy of the SQLite test template, JSON logs captured.
struct Server {
    child: Child,
    addr: SocketAddr,
    logs: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("civlink.db");
        std::fs::copy(common::sqlite_template(), &db).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_civlink"));
        cmd.arg("serve")
            .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", db.display()))
            .env("CIVLINK_ADDR", "127.0.0.1:0")
            .env("CIVLINK_JWT_SECRET", common::TEST_SECRET)
            .env("CIVLINK_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start civlink");
        let logs = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "civlink exited: {}", logs.lock().unwrap());
            if let Some(rest) = line.trim().strip_prefix("civlink listening on http://") {
                break rest.parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in stdout.lines() {});
        Server { child, addr, logs, _dir: dir }
    }

    fn url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, sig).unwrap();
    }

    /// Waits up to `limit` for the process to exit; its exit status.
    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < limit, "civlink still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_logs_carry_the_request_span_and_no_personal_data() {
    let server = tokio::task::spawn_blocking(|| Server::start(&[])).await.unwrap();
    let client = reqwest::Client::new();
    let post = |token: String, body: Value, id: &'static str| {
        client.post(server.url()).bearer_auth(token).header("x-request-id", id).json(&body).send()
    };
    // Reveal identities (audited), with personal data in the variables too.
    let reveal = "query Reveal($reason: String!) { clients(first: 5) { nodes { identity(reason: $reason) { name idNumber phone address guardianName } } } }";
    let resp = post(
        admin_token(),
        json!({ "query": reveal, "variables": { "reason": "家访 张三丰 13812345678" } }),
        "log-test-1",
    )
    .await
    .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "log-test-1");
    let body: Value = resp.json().await.unwrap();
    // (Children's identities need a guardian's consent: those nodes are errors.)
    assert!(body["data"]["clients"]["nodes"].is_array(), "{body:#}");
    let mut secrets: Vec<String> = vec!["张三丰".into(), "13812345678".into()];
    for node in body["data"]["clients"]["nodes"].as_array().unwrap() {
        for field in ["name", "idNumber", "phone", "address", "guardianName"] {
            if let Some(s) = node["identity"][field].as_str() {
                secrets.push(s.to_owned());
            }
        }
    }
    // At least one identity in clear (children's need consent; concurrent audit writes on
    // SQLite may fail some under load: those are errors, not data).
    assert!(secrets.len() >= 5, "no identity revealed: {body:#}");
    // A name search whose variable is a revealed name; a variable that fails its scalar; a
    // request refused for a bad token.
    let name = body["data"]["clients"]["nodes"][0]["identity"]["name"].as_str().unwrap().to_owned();
    let find = "query Find($q: String) { socialWorkers(filter: { nameContains: $q }) { totalCount } }";
    post(admin_token(), json!({ "query": find, "variables": { "q": name } }), "log-test-2").await.unwrap();
    let bad = "query Bad($d: Date) { serviceRecords(filter: { served: { from: $d } }) { totalCount } }";
    post(admin_token(), json!({ "query": bad, "variables": { "d": "110101199003077777" } }), "log-test-3")
        .await
        .unwrap();
    secrets.push("110101199003077777".into());
    // Bodies that are not GraphQL requests, quoting personal data.
    let resp =
        post(admin_token(), json!({ "query": "{ __typename }", "variables": "李四光 13912345678" }), "log-test-5")
            .await
            .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = client
        .get(server.url())
        .query(&[("query", "{ __typename }"), ("variables", "{\"q\": 王五}")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    secrets.extend(["李四光".into(), "13912345678".into(), "王五".into()]);
    let resp = post("not.a.token".into(), json!({ "query": "{ __typename }" }), "log-test-4").await.unwrap();
    assert_eq!(resp.status(), 401);
    secrets.push("not.a.token".into());
    secrets.push(admin_token().split('.').nth(1).unwrap().to_owned());

    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = server.logs.lock().unwrap().clone();
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "the log reveals {secret:?}:\n{logs}");
    }
    // One JSON line per request, with the request span's fields.
    let finished: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .filter(|v| v["fields"]["message"] == "request finished")
        .collect();
    let reveal_line = finished.iter().find(|v| v["span"]["request_id"] == "log-test-1").expect("a line for log-test-1");
    let span = &reveal_line["span"];
    assert_eq!(span["operation"], "Reveal", "{reveal_line}");
    assert_eq!(span["role"], "ADMIN");
    assert_eq!(span["method"], "POST");
    // The outcome follows the response: field errors (a child among the clients without a
    // guardian's consent; which clients are under 14 depends on today's date) make it "error".
    let expected = if body["errors"].is_array() { "error" } else { "ok" };
    assert_eq!(span["outcome"], expected, "{reveal_line}");
    assert!(span["cost"].as_u64().unwrap() > 5, "{span}");
    assert!(span["statements"].as_u64().unwrap() >= 2, "{span}");
    assert!(span["duration_ms"].as_f64().unwrap() > 0.0, "{span}");
    let bad_line = finished.iter().find(|v| v["span"]["request_id"] == "log-test-3").expect("a line for log-test-3");
    assert_eq!(bad_line["span"]["operation"], "Bad");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_accepting_finishes_requests_in_flight_and_exits_cleanly() {
    let mut server = tokio::task::spawn_blocking(|| Server::start(&[])).await.unwrap();
    // A request in flight: headers sent, body still coming.
    let body = json!({ "query": "{ regions(first: 3) { nodes { code } } }" }).to_string();
    let mut conn = std::net::TcpStream::connect(server.addr).unwrap();
    write!(
        conn,
        "POST /graphql HTTP/1.1\r\nhost: civlink\r\ncontent-type: application/json\r\ncontent-length: {}\r\nauthorization: Bearer {}\r\n\r\n",
        body.len(),
        admin_token()
    )
    .unwrap();
    conn.write_all(&body.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal(nix::sys::signal::Signal::SIGTERM);
    std::thread::sleep(Duration::from_millis(300));
    // No new connections.
    assert!(std::net::TcpStream::connect(server.addr).is_err(), "still accepting after SIGTERM");
    assert!(server.child.try_wait().unwrap().is_none(), "exited with a request in flight");
    // The request in flight completes.
    conn.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = conn.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""code":"110000000000""#), "{response}");
    let status = server.wait(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    let logs = server.logs.lock().unwrap().clone();
    assert!(logs.contains("shutting down") && logs.contains("stopped"), "{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_a_stuck_request_no_longer_than_the_grace_period() {
    let mut server =
        tokio::task::spawn_blocking(|| Server::start(&[("CIVLINK_SHUTDOWN_GRACE_SECS", "1")])).await.unwrap();
    let mut conn = std::net::TcpStream::connect(server.addr).unwrap();
    conn.write_all(
        b"POST /graphql HTTP/1.1\r\nhost: civlink\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    server.signal(nix::sys::signal::Signal::SIGINT);
    let status = server.wait(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    let waited = signalled.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "{waited:?}");
}

#[test]
fn bad_configuration_stops_the_process_with_a_message_naming_the_variable() {
    for (var, value) in [
        ("CIVLINK_MAX_DEPTH", "0"),
        ("CIVLINK_MAX_PAGE_SIZE", "500"),
        ("CIVLINK_RATE_LIMITS", "PUBLIC=lots"),
        ("CIVLINK_INTROSPECTION", "ROOT"),
        ("CIVLINK_CORS_ORIGINS", "portal.example"),
        ("CIVLINK_REQUEST_TIMEOUT_MS", "soon"),
        ("CIVLINK_LOG_FORMAT", "xml"),
        ("CIVLINK_ALLOWLIST", "/nonexistent/allowlist.json"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_civlink"))
            .arg("serve")
            .env("DATABASE_URL", "sqlite::memory:")
            .env("CIVLINK_ADDR", "127.0.0.1:0")
            .env(var, value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{var}={value}: the message does not name the variable:\n{stderr}");
    }
}

// ---------------------------------------------------------------------------------------------
// The database going away and coming back (PostgreSQL, through a TCP proxy we can cut)

/// A TCP proxy to the test PostgreSQL server that can drop every connection and refuse new
/// ones, then let them through again.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Default::default();
        let (up2, links2) = (up.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(link.abort_handle());
            }
        });
        Proxy { addr, up, links, accept }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// `host:port` of the test PostgreSQL server.
fn pg_host_port() -> String {
    let server = common::pg_server();
    let rest = server.split_once("://").map_or(server.as_str(), |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap().to_owned()
}

async fn readyz(app: &TestApp) -> u16 {
    app.client().get(format!("http://{}/readyz", app.addr)).send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_down_the_server_answers_with_a_clear_error_and_readiness_recovers() {
    let proxy = Proxy::start(pg_host_port()).await;
    let (target, via) = (pg_host_port(), proxy.addr.to_string());
    let options = Options {
        pool: civlink::db::PoolSettings {
            max_connections: 4,
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: None,
        },
        app_url: Some(Box::new(move |url: &str| url.replacen(&target, &via, 1))),
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Postgres, options).await;
    let q = "{ stations { totalCount } }";
    let before = app.data(q, json!({})).await["stations"]["totalCount"].as_i64().unwrap();
    assert_eq!(readyz(&app).await, 200);

    proxy.cut();
    assert_eq!(readyz(&app).await, 503);
    let started = Instant::now();
    let body = app.post(q, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "DATABASE_UNAVAILABLE", "{body:#}");
    assert!(started.elapsed() < Duration::from_secs(5), "answered in {:?}", started.elapsed());
    let health = app.client().get(format!("http://{}/healthz", app.addr)).send().await.unwrap();
    assert_eq!(health.status(), 200);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    while readyz(&app).await != 200 {
        assert!(Instant::now() < deadline, "not ready again 10 s after the database came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.data(q, json!({})).await["stations"]["totalCount"].as_i64().unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_past_the_statement_timeout_is_cancelled_and_reported() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let options = Options {
        pool: civlink::db::PoolSettings { statement_timeout: Some(Duration::from_millis(300)), ..Default::default() },
        app_url: Some(Box::new(|url: &str| url.to_owned())),
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Postgres, options).await;
    // Hold a lock the query must wait for.
    let txn = app.db.begin().await.unwrap();
    txn.execute_unprepared("LOCK TABLE stations IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let started = Instant::now();
    let body = app.post("{ stations(first: 1) { nodes { name } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body:#}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // Nothing of the request is left running on the server. The client may hear of the
    // cancellation before its backend has gone idle (seen once under CI's load), so it gets
    // 3 s; a statement that was not cancelled waits on the lock through all of them.
    let deadline = Instant::now() + Duration::from_secs(3);
    let running = loop {
        let running = common::scalar(
            &app,
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query ILIKE '%stations%' AND pid <> pg_backend_pid()",
            vec![],
        )
        .await;
        if running == 0 || Instant::now() > deadline {
            break running;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    txn.rollback().await.unwrap();
    assert_eq!(running, 0);
    let data = app.data("{ stations(first: 1) { nodes { name } } }", json!({})).await;
    assert_eq!(data["stations"]["nodes"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_request_timeout_is_answered_504_and_the_server_goes_on() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let mut options = Options {
        pool: civlink::db::PoolSettings { statement_timeout: None, ..Default::default() },
        app_url: Some(Box::new(|url: &str| url.to_owned())),
        ..Default::default()
    };
    options.http.request_timeout = Duration::from_millis(300);
    let app = TestApp::spawn_with(Backend::Postgres, options).await;
    let txn = app.db.begin().await.unwrap();
    txn.execute_unprepared("LOCK TABLE stations IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let started = Instant::now();
    let resp = app
        .client()
        .post(app.graphql_url())
        .bearer_auth(admin_token())
        .json(&json!({ "query": "{ stations(first: 1) { nodes { name } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 504);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body:#}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    txn.rollback().await.unwrap();
    let data = app.data("{ stations(first: 1) { nodes { name } } }", json!({})).await;
    assert_eq!(data["stations"]["nodes"].as_array().unwrap().len(), 1);
}

/// PostgreSQL plans every read with its parameters' values, also with a statement timeout set
/// (a generic plan of a change-feed page was ten times slower, `civlink::db`), and write
/// transactions with the server's default (`store::write::begin_write`).
#[tokio::test]
async fn postgres_connections_plan_each_statement_with_its_values() {
    use sea_orm::{ConnectionTrait, Statement};
    let url = format!("{}/postgres", common::pg_server());
    for statement_timeout in [None, Some(Duration::from_millis(1500))] {
        let settings = civlink::db::PoolSettings { statement_timeout, ..Default::default() };
        let db = civlink::db::connect(&url, &settings).await.expect("connect");
        let sql = "SELECT current_setting('plan_cache_mode') AS mode, current_setting('statement_timeout') AS timeout";
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        assert_eq!(row.try_get::<String>("", "mode").unwrap(), "force_custom_plan");
        let timeout = row.try_get::<String>("", "timeout").unwrap();
        assert_eq!(timeout, if statement_timeout.is_some() { "1500ms" } else { "0" });
        // Write transactions keep the default, under which foreign-key checks reuse one plan.
        let txn = civlink::store::write::begin_write(&db).await.unwrap();
        let row = txn.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        assert_eq!(row.try_get::<String>("", "mode").unwrap(), "auto");
        txn.rollback().await.unwrap();
        db.close().await.ok();
    }
}

/// Every connection to PostgreSQL sends without Nagle's delay (`TCP_NODELAY`): with it, a
/// message longer than one segment waits for the server's delayed ACK (40 ms on Linux) about
/// every other time (BENCHMARKS.md, "Roster sync"). sqlx-core 0.9.0 stopped setting it
/// (transact-rs/sqlx#4335); 0.9.1 sets it again, and this keeps an upgrade from losing it.
#[tokio::test]
async fn postgres_connections_send_without_nagle_delay() {
    use std::os::fd::BorrowedFd;

    use nix::sys::socket::{SockaddrLike, SockaddrStorage, getpeername, getsockopt, sockopt};
    use sea_orm::{ConnectionTrait, Statement};

    let server = common::pg_server();
    let port: u16 = server.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(5432);
    let db = civlink::db::connect(&format!("{server}/postgres"), &Default::default()).await.expect("connect");
    db.query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT 1")).await.unwrap();

    // This process's TCP sockets to the server's port (other tests' pools included).
    let mut checked = 0;
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        // SAFETY: the descriptor is open while `read_dir` lists it; it is only queried, and a
        // descriptor closed meanwhile makes the calls fail, which is skipped.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let Ok(peer) = getpeername::<SockaddrStorage>(std::os::fd::AsRawFd::as_raw_fd(&fd)) else { continue };
        let peer_port = peer.as_sockaddr_in().map(|a| a.port()).or(peer.as_sockaddr_in6().map(|a| a.port()));
        if peer.family().is_none() || peer_port != Some(port) {
            continue;
        }
        let Ok(nodelay) = getsockopt(&fd, sockopt::TcpNoDelay) else { continue };
        assert!(nodelay, "a connection to PostgreSQL (fd {fd:?}) has Nagle's algorithm on");
        checked += 1;
    }
    assert!(checked >= 1, "no connection to PostgreSQL port {port} found among this process's sockets");
    db.close().await.ok();
}
