//! What the benches share: the real router in this process over loopback HTTP, with a
//! statement counter, and an ADMIN token for it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::DatabaseConnection;

const SECRET: &str = "civlink-benchmark-secret-0123456789abcdef";

/// A running server: its GraphQL URL, statements run so far, the first statements' SQL.
pub struct Server {
    pub url: String,
    pub statements: Arc<AtomicU64>,
    pub sql: Arc<Mutex<Vec<String>>>,
    pub db: DatabaseConnection,
}

/// Serves `database_url` (migrated and loaded) on a free loopback port.
pub async fn serve(database_url: &str) -> anyhow::Result<Server> {
    let pool = civlink::db::PoolSettings { max_connections: 8, ..Default::default() };
    let mut db = civlink::db::connect(database_url, &pool).await?;
    let mut keyed_db = civlink::db::connect_keyed(&db, database_url, &pool).await?;
    let statements = Arc::new(AtomicU64::new(0));
    let sql = Arc::new(Mutex::new(Vec::new()));
    for pool in [&mut db, &mut keyed_db] {
        let (counter, log) = (statements.clone(), sql.clone());
        pool.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut l) = log.lock()
                && l.len() < 64
            {
                l.push(info.statement.to_string());
            }
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
    let state = civlink::app::AppState {
        schema,
        db: db.clone(),
        keyed_db,
        verifier: Some(verifier),
        http: Default::default(),
        changes: None,
    };
    let app = civlink::app::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/graphql", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Server { url, statements, sql, db })
}

/// An ADMIN token for [`serve`]d servers, valid for an hour.
pub fn admin_token() -> anyhow::Result<String> {
    let claims =
        civlink::auth::jwt::dev_claims("benchmark", "ADMIN", None, Duration::from_secs(3600), "civlink", "civlink-api");
    Ok(civlink::auth::jwt::mint(SECRET, &claims)?)
}

/// Median of `samples` (sorted in place), in milliseconds.
pub fn median_ms(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

/// Peak resident set size of this process (`VmHWM`), MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resets the peak RSS mark (Linux: `echo 5 > /proc/self/clear_refs`).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A `civlink serve` process of its own (the release binary at `binary`), so that its memory
/// can be measured apart from the benchmark's client.
pub struct ServerProcess {
    pub url: String,
    child: std::process::Child,
}

impl ServerProcess {
    /// Starts `binary serve` on `database_url` (migrated and loaded already) on a free
    /// loopback port, with the benchmark's JWT secret, and waits until `/readyz` answers.
    pub async fn start(binary: &std::path::Path, database_url: &str) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = std::process::Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("CIVLINK_ADDR", format!("127.0.0.1:{port}"))
            .env("CIVLINK_JWT_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()?;
        let ready = format!("http://127.0.0.1:{port}/readyz");
        for _ in 0..300 {
            if reqwest::get(&ready).await.is_ok_and(|r| r.status().is_success()) {
                return Ok(Self { url: format!("http://127.0.0.1:{port}/graphql"), child });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("{} serve did not become ready in 30 s", binary.display())
    }

    /// The server's peak resident set size (`VmHWM`), MiB.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// Stops the server (SIGKILL; the benchmark's database is dropped next).
    pub async fn stop(self) -> anyhow::Result<()> {
        drop(self);
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
