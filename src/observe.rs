//! Observability: log set-up (text or JSON), Prometheus metrics, and the per-request count of
//! SQL statements.
//!
//! What is logged and measured is chosen so that no personal data can reach a log line or a
//! metric label: operation names, request ids, roles, costs, durations and statement counts,
//! never query variables, response bodies, token subjects or SQL parameters.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the fields of the enclosing request span.
    Json,
}

/// Installs the global log subscriber on stderr, filtered by `RUST_LOG` (default `info`).
/// Call once, at start.
pub fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).init(),
    }
}

/// Names of the Prometheus series civlink exports (see README, "Observability").
pub mod series {
    /// Counter of GraphQL operations, labelled `operation` and `outcome`.
    pub const REQUESTS: &str = "civlink_graphql_requests_total";
    /// Histogram of GraphQL request durations, in seconds, labelled `operation`.
    pub const DURATION: &str = "civlink_graphql_request_duration_seconds";
    /// Histogram of the SQL statements one GraphQL request ran.
    pub const STATEMENTS_PER_REQUEST: &str = "civlink_sql_statements_per_request";
    /// Counter of SQL statements, labelled `outcome` (`ok` or `error`).
    pub const STATEMENTS: &str = "civlink_sql_statements_total";
    /// Histogram of SQL statement durations, in seconds.
    pub const STATEMENT_DURATION: &str = "civlink_sql_statement_duration_seconds";
    /// Gauge of pooled database connections, labelled `state` (`open`, `idle`, `max`).
    pub const POOL: &str = "civlink_db_pool_connections";
    /// The same of PostgreSQL's second pool, for lookups by key (`db::connect_keyed`).
    pub const KEYED_POOL: &str = "civlink_db_keyed_pool_connections";
    /// Counter of requests refused by the cost rate limit, labelled `role`.
    pub const RATE_LIMITED: &str = "civlink_rate_limited_total";
    /// Counter of requests refused by a static limit, labelled `code`.
    pub const LIMIT_REJECTED: &str = "civlink_limit_rejections_total";
    /// Gauge of open subscription WebSocket connections.
    pub const SUBSCRIPTION_CONNECTIONS: &str = "civlink_subscription_connections";
    /// Gauge of live subscriptions.
    pub const SUBSCRIPTIONS: &str = "civlink_subscriptions";
    /// Counter of subscription events sent.
    pub const SUBSCRIPTION_EVENTS: &str = "civlink_subscription_events_sent_total";
    /// Counter of messages queued for a slow connection that was closed before they went out
    /// (the client resumes with its last cursor and gets them again).
    pub const SUBSCRIPTION_DROPPED: &str = "civlink_subscription_events_dropped_total";
    /// Counter of subscription connections closed by the server, labelled `reason`
    /// (`token_expired`, `slow_consumer`, `forbidden`, `init_timeout`).
    pub const SUBSCRIPTION_CLOSED: &str = "civlink_subscription_closed_total";
}

/// The process-wide Prometheus recorder (installed on first use; a process has one).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let seconds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
            let counts = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Full(series::DURATION.into()), &seconds)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        metrics_exporter_prometheus::Matcher::Full(series::STATEMENT_DURATION.into()),
                        &seconds,
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        metrics_exporter_prometheus::Matcher::Full(series::STATEMENTS_PER_REQUEST.into()),
                        &counts,
                    )
                })
                .expect("static histogram buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (a host process embedding civlink):
            // civlink's series then go there, and `/metrics` renders an empty page.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Refreshes the gauges `series` (one of [`series::POOL`], [`series::KEYED_POOL`]) of the
/// pool `db`; called when `/metrics` is scraped.
pub fn record_pool(series: &'static str, db: &DatabaseConnection, max_connections: u32) {
    let (open, idle) = match &db.inner {
        sea_orm::DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        sea_orm::DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    metrics::gauge!(series, "state" => "open").set(open as f64);
    metrics::gauge!(series, "state" => "idle").set(idle as f64);
    metrics::gauge!(series, "state" => "in_use").set(open.saturating_sub(idle as u32) as f64);
    metrics::gauge!(series, "state" => "max").set(f64::from(max_connections));
}

/// Most distinct operation names used as a metric label; later names count as `other`, so a
/// client sending random names cannot grow the exporter without bound.
pub const MAX_OPERATION_LABELS: usize = 200;

/// The `operation` label of a request: its operation name (GraphQL names are
/// `[_A-Za-z][_0-9A-Za-z]*`, so they are safe as labels), `anonymous`, or `other` once
/// [`MAX_OPERATION_LABELS`] names have been seen.
pub fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|n| !n.is_empty() && n.len() <= 64) else { return "anonymous".to_owned() };
    let mut seen = SEEN.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if seen.contains(name) {
        return name.to_owned();
    }
    if seen.len() < MAX_OPERATION_LABELS {
        seen.insert(name.to_owned());
        return name.to_owned();
    }
    "other".to_owned()
}

tokio::task_local! {
    static STATEMENTS: Arc<AtomicU64>;
}

/// Runs `f` with a statement counter: every SQL statement executed by `f`, batched loads
/// included (they run inside the request's future, `graphql::context::LoadQueue::run`), adds
/// one to `counter`.
pub async fn count_statements<F: Future>(counter: Arc<AtomicU64>, f: F) -> F::Output {
    STATEMENTS.scope(counter, f).await
}

/// Installs the SQL statement callback on `db`: counts each statement for the request running
/// it and in the Prometheus series, with its duration; then calls `also` with the statement
/// (tests count and inspect statements with it). The service itself reads the statement's
/// duration and outcome, and its text only for the `TRACE` log of target `civlink::sql`
/// (`RUST_LOG=civlink::sql=trace`: each statement with its milliseconds, for profiling); never
/// its parameters, which may hold personal data.
pub fn instrument(db: &mut DatabaseConnection, also: Option<Arc<dyn Fn(&sea_orm::Statement) + Send + Sync>>) {
    db.set_metric_callback(move |info| {
        let _ = STATEMENTS.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
        let outcome = if info.failed { "error" } else { "ok" };
        metrics::counter!(series::STATEMENTS, "outcome" => outcome).increment(1);
        metrics::histogram!(series::STATEMENT_DURATION).record(info.elapsed.as_secs_f64());
        tracing::trace!(target: "civlink::sql", ms = info.elapsed.as_secs_f64() * 1e3, failed = info.failed, sql = %info.statement.sql);
        if let Some(f) = &also {
            f(info.statement);
        }
    });
}
