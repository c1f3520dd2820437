//! Database connection and migration, for SQLite (embedded default) and PostgreSQL.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

/// Pool settings; the defaults suit one replica on a small machine.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Upper bound on open connections.
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing.
    pub acquire_timeout: Duration,
    /// Longest a single SQL statement may run before the server cancels it (PostgreSQL's
    /// `statement_timeout`, set on every pooled connection); `None`: no limit. SQLite has no
    /// such setting: there the request timeout applies (see README).
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_connections: 16, acquire_timeout: Duration::from_secs(5), statement_timeout: None }
    }
}

/// Connects to `url` (`sqlite://FILE?mode=rwc` or `postgres://…`). Does not migrate.
///
/// SQLite connections run in WAL mode with foreign keys enforced and a busy timeout, so that
/// concurrent readers never see `database is locked` while a write is in progress.
///
/// Errors: the driver's error when the database cannot be reached or opened.
pub async fn connect(url: &str, settings: &PoolSettings) -> Result<DatabaseConnection, DbErr> {
    connect_planning(url, settings, Planning::PerExecution).await
}

/// The pool for statements that look rows up by key (primary keys, parent ids), next to
/// `db`, the pool [`connect`] opened on `url`.
///
/// On PostgreSQL: a second pool of up to `settings.max_connections`, whose connections keep
/// PostgreSQL's default `plan_cache_mode` (`auto`): after five runs of a prepared statement it
/// may reuse one generic plan instead of planning each run. A lookup by key has one good plan
/// whatever the keys: with them here, load operation 2 (a station and its twelve relation
/// statements) served 30 % more requests per second on the national set (BENCHMARKS.md,
/// "Generic plans for lookups by key"). Statements whose rows depend on a code range, a
/// change-feed window or a period stay on `db`: a county's change-feed page took 236 ms under
/// its generic plan and 0.7 ms planned with its values.
/// On SQLite, which plans every statement as it prepares it: `db` itself.
///
/// Errors: the driver's error when the database cannot be reached.
pub async fn connect_keyed(
    db: &DatabaseConnection,
    url: &str,
    settings: &PoolSettings,
) -> Result<DatabaseConnection, DbErr> {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => connect_planning(url, settings, Planning::Cached).await,
        _ => Ok(db.clone()),
    }
}

/// When PostgreSQL plans a prepared statement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Planning {
    /// Every run, with its parameters' values (`plan_cache_mode = force_custom_plan`).
    PerExecution,
    /// PostgreSQL's default, `auto`: a cached generic plan when it costs no more.
    Cached,
}

async fn connect_planning(url: &str, settings: &PoolSettings, planning: Planning) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_timeout(settings.acquire_timeout)
        .sqlx_logging(false);
    // Startup parameters, so they hold for every connection the pool opens, including those
    // re-opened after the database comes back.
    //
    // `plan_cache_mode = force_custom_plan`: statements are prepared once per connection, and
    // after five runs PostgreSQL may switch to a generic plan, costed without the parameters'
    // values. civlink's parameters vary in selectivity by orders of magnitude (a province's
    // code range or a township's; a change feed's cursor near the start or the end), and the
    // generic plan of a change-feed page read a bitmap of 1.5 M index entries instead of
    // walking 2,800 in order: 222 ms against 21 ms per page (BENCHMARKS.md, operation 3).
    // Planning each run costs well under a millisecond, but a request runs many statements:
    // lookups by key go to a second pool that keeps the default ([`connect_keyed`]). Write
    // transactions go back to the default too (`store::write::begin_write`): foreign-key
    // checks re-planned per row are slow.
    let statement_timeout = settings.statement_timeout.map(|t| t.as_millis().max(1));
    opts.map_sqlx_postgres_opts(move |o| {
        let o = match planning {
            Planning::PerExecution => o.options([("plan_cache_mode", "force_custom_plan")]),
            Planning::Cached => o,
        };
        match statement_timeout {
            Some(ms) => o.options([("statement_timeout", format!("{ms}"))]),
            None => o,
        }
    });
    opts.map_sqlx_sqlite_opts(|o| {
        o.foreign_keys(true)
            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
    });
    let mut db = Database::connect(opts).await?;
    crate::observe::instrument(&mut db, None);
    Ok(db)
}

/// What kind of database failure an error is, for the client's `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A statement ran past the statement timeout and was cancelled by the server.
    Timeout,
    /// No connection could be had: the database is down, unreachable or overloaded.
    Unavailable,
    /// The database aborted the transaction because of another one running at the same time:
    /// a deadlock or a serialization failure (PostgreSQL), a busy or locked database
    /// (SQLite). Running the transaction again may succeed.
    Conflict,
    /// Anything else (a bug, a schema mismatch): logged, opaque to the client.
    Other,
}

/// Classifies a database error by the driver's error code, never by its message: PostgreSQL
/// SQLSTATE 57014 is `query_canceled`, raised by `statement_timeout`; 40P01
/// `deadlock_detected` and 40001 `serialization_failure` are [`Failure::Conflict`]
/// (<https://www.postgresql.org/docs/current/errcodes-appendix.html>); so are SQLite's
/// `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6) with their extended codes (sqlx reports the
/// extended result code, whose low byte is the primary one;
/// <https://www.sqlite.org/rescode.html>).
pub fn classify(e: &DbErr) -> Failure {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{ConnAcquireErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed) => Failure::Unavailable,
        DbErr::Conn(_) => Failure::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match &**e {
            Sqlx::Database(d) if d.code().as_deref() == Some("57014") => Failure::Timeout,
            Sqlx::Database(d) if is_conflict_code(d.as_ref()) => Failure::Conflict,
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Tls(_) | Sqlx::Protocol(_) => {
                Failure::Unavailable
            }
            _ => Failure::Other,
        },
        _ => Failure::Other,
    }
}

/// Whether a database error's code says the transaction lost to a concurrent one (see
/// [`classify`]).
fn is_conflict_code(d: &dyn sea_orm::sqlx::error::DatabaseError) -> bool {
    let Some(code) = d.code() else { return false };
    if d.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>().is_some() {
        return matches!(code.as_ref(), "40P01" | "40001");
    }
    if d.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some() {
        const SQLITE_BUSY: i64 = 5;
        const SQLITE_LOCKED: i64 = 6;
        return code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, SQLITE_BUSY | SQLITE_LOCKED));
    }
    false
}

/// Refreshes the planner statistics of every table (`ANALYZE` on both databases). Run after
/// bulk loads: until autovacuum gets to a freshly loaded PostgreSQL table, the planner guesses
/// its size and can pick plans thousands of times slower (measured: township coverage of all
/// provinces took 3.2 s before and 3 ms after, BENCHMARKS.md).
///
/// A failure is logged, not returned: the statistics only speed queries up.
pub async fn analyze(db: &DatabaseConnection) {
    if let Err(e) = db.execute_unprepared("ANALYZE").await {
        tracing::warn!(error = %e, "ANALYZE after a bulk load failed; queries may be slow until autovacuum runs");
    }
}

/// Refreshes PostgreSQL's planner statistics of `tables` after a large write (see
/// [`analyze`]); nothing on SQLite, whose planner does not go wrong on a table that grew.
/// A failure is logged, not returned.
pub async fn analyze_tables<C: sea_orm::ConnectionTrait>(db: &C, tables: &[&str]) {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres || tables.is_empty() {
        return;
    }
    let list = tables.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ");
    if let Err(e) = db.execute_unprepared(&format!("ANALYZE {list}")).await {
        tracing::warn!(error = %e, "ANALYZE after a large sync failed; queries may be slow until autovacuum runs");
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
