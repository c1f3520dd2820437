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
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_connections: 16, acquire_timeout: Duration::from_secs(5) }
    }
}

/// Connects to `url` (`sqlite://FILE?mode=rwc` or `postgres://…`). Does not migrate.
///
/// SQLite connections run in WAL mode with foreign keys enforced and a busy timeout, so that
/// concurrent readers never see `database is locked` while a write is in progress.
///
/// Errors: the driver's error when the database cannot be reached or opened.
pub async fn connect(url: &str, settings: &PoolSettings) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_timeout(settings.acquire_timeout)
        .sqlx_logging(false);
    opts.map_sqlx_sqlite_opts(|o| {
        o.foreign_keys(true)
            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
    });
    Database::connect(opts).await
}

/// Applies every pending migration.
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

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
