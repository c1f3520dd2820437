//! Typed configuration: defaults, then environment variables (or flags), each checked once
//! at start with a message that names the variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use crate::db::PoolSettings;
use crate::graphql::Limits;

/// Database settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded, created on first use) or
    /// `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://civlink.db?mode=rwc", global = true)]
    pub database_url: String,

    /// Largest number of pooled database connections.
    #[arg(long, env = "CIVLINK_DB_MAX_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_max_connections: u32,

    /// Seconds a request waits for a free database connection.
    #[arg(long, env = "CIVLINK_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub db_acquire_timeout_secs: u64,
}

impl DatabaseConfig {
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout_secs),
        }
    }
}

/// Settings of `civlink serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "CIVLINK_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,

    /// Deepest selection nesting a query may have.
    #[arg(long, env = "CIVLINK_MAX_DEPTH", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_depth: u32,

    /// Largest static query complexity accepted.
    #[arg(long, env = "CIVLINK_MAX_COMPLEXITY", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_complexity: u32,

    /// Also load the deterministic demo data set (see `civlink seed demo`).
    #[arg(long)]
    pub demo: bool,
}

impl ServeConfig {
    pub fn limits(&self) -> Limits {
        Limits { max_depth: self.max_depth as usize, max_complexity: self.max_complexity as usize }
    }
}
