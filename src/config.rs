//! Typed configuration: defaults, then environment variables (or flags), each checked once
//! at start with a message that names the variable (each flag's value name is its variable,
//! so clap's "invalid value 'x' for '--max-depth <CIVLINK_MAX_DEPTH>'" names it).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::allowlist::AllowList;
use crate::app::HttpSettings;
use crate::auth::identity::Role;
use crate::db::PoolSettings;
use crate::graphql::Limits;
use crate::import::table::{ReadLimits, UploadLimits};
use crate::ratelimit::Budgets;
use crate::webhook::{WebhookAllow, WebhookSettings};

/// Database settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded, created on first use) or
    /// `postgres://USER@HOST:PORT/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "DATABASE_URL",
        default_value = "sqlite://civlink.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Largest number of pooled database connections; on PostgreSQL `serve` has two pools of
    /// this size (see `db::connect_keyed`).
    #[arg(long, env = "CIVLINK_DB_MAX_CONNECTIONS", value_name = "CIVLINK_DB_MAX_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_max_connections: u32,

    /// Seconds a request waits for a free database connection.
    #[arg(long, env = "CIVLINK_DB_ACQUIRE_TIMEOUT_SECS", value_name = "CIVLINK_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub db_acquire_timeout_secs: u64,

    /// Milliseconds a single SQL statement may run while serving before PostgreSQL cancels it
    /// (`statement_timeout`); 0 turns it off. SQLite has no statement timeout: the request
    /// timeout bounds it.
    #[arg(long, env = "CIVLINK_STATEMENT_TIMEOUT_MS", value_name = "CIVLINK_STATEMENT_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(0..=3_600_000), global = true)]
    pub statement_timeout_ms: u64,

    /// Milliseconds a write transaction (a mutation, a sync batch, an import batch) may stay
    /// open; one that would commit later is rolled back (`WRITE_TIMEOUT`). Change feeds
    /// (`updatedSince`, `includeDeleted`) hold back the changes of the last this long plus
    /// 2 s, so a script paging through them never misses a write still in flight. Every
    /// replica and every `civlink import` must use the same value.
    #[arg(long, env = "CIVLINK_WRITE_TIMEOUT_MS", value_name = "CIVLINK_WRITE_TIMEOUT_MS", default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(100..=600_000), global = true)]
    pub write_timeout_ms: u64,

    /// Secret (32 bytes or more) of the person keys: the keyed hashes (HMAC-SHA256) of
    /// citizen ID numbers that link one person's records and refuse duplicates
    /// (`DUPLICATE_PERSON`). Without it, a sub-key of `CIVLINK_JWT_SECRET` is used. Every
    /// replica and every `civlink import` must use the same; changing it re-keys every record
    /// at the next start.
    #[arg(long, env = "CIVLINK_PERSON_KEY_SECRET", value_name = "CIVLINK_PERSON_KEY_SECRET", hide_env_values = true, value_parser = parse_secret, global = true)]
    pub person_key_secret: Option<Secret>,
}

/// A secret from configuration: `Debug` shows only its length.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

fn parse_secret(s: &str) -> Result<Secret, String> {
    let min = crate::domain::person::MIN_SECRET_BYTES;
    if s.len() < min {
        return Err(format!("the secret must be {min} bytes or more, got {}", s.len()));
    }
    Ok(Secret(s.to_owned()))
}

impl DatabaseConfig {
    /// Pool settings for one-off commands (migrate, import, seed): no statement timeout, a
    /// large import may run long statements.
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout_secs),
            statement_timeout: None,
        }
    }

    /// The write timeout, [`DatabaseConfig::write_timeout_ms`].
    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms)
    }

    /// The person keys ([`crate::domain::person`]): from `CIVLINK_PERSON_KEY_SECRET`, else a
    /// sub-key of `CIVLINK_JWT_SECRET` (a distinct HMAC label, never the JWT key itself);
    /// `None` when neither is set.
    ///
    /// Errors: a `CIVLINK_JWT_SECRET` too short to derive from (the message names it).
    pub fn person_keys(&self) -> Result<Option<crate::domain::person::PersonKeys>, String> {
        use crate::domain::person::PersonKeys;
        if let Some(secret) = &self.person_key_secret {
            return PersonKeys::derive(secret.expose())
                .map(Some)
                .map_err(|e| format!("CIVLINK_PERSON_KEY_SECRET: {e}"));
        }
        match std::env::var(crate::auth::jwt::ENV_SECRET) {
            Ok(jwt) if !jwt.is_empty() => PersonKeys::derive(jwt.as_bytes()).map(Some).map_err(|e| {
                format!(
                    "{} (person keys derive from it without CIVLINK_PERSON_KEY_SECRET): {e}",
                    crate::auth::jwt::ENV_SECRET
                )
            }),
            _ => Ok(None),
        }
    }

    /// Pool settings for `serve`: with the statement timeout.
    pub fn serving_pool(&self) -> PoolSettings {
        PoolSettings {
            statement_timeout: (self.statement_timeout_ms > 0)
                .then(|| Duration::from_millis(self.statement_timeout_ms)),
            ..self.pool()
        }
    }
}

/// Settings of `civlink serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "CIVLINK_ADDR", value_name = "CIVLINK_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,

    /// Deepest selection nesting a query may have.
    #[arg(long, env = "CIVLINK_MAX_DEPTH", value_name = "CIVLINK_MAX_DEPTH", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_depth: u32,

    /// Largest static query cost accepted, in cost points (see README, "Cost model").
    #[arg(long, env = "CIVLINK_MAX_COMPLEXITY", value_name = "CIVLINK_MAX_COMPLEXITY", default_value_t = 200_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_complexity: u32,

    /// Most aliased fields in one document.
    #[arg(long, env = "CIVLINK_MAX_ALIASES", value_name = "CIVLINK_MAX_ALIASES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub max_aliases: u32,

    /// Most directives in one document.
    #[arg(long, env = "CIVLINK_MAX_DIRECTIVES", value_name = "CIVLINK_MAX_DIRECTIVES", default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub max_directives: u32,

    /// Largest `first`/`last` of a connection (1-100).
    #[arg(long, env = "CIVLINK_MAX_PAGE_SIZE", value_name = "CIVLINK_MAX_PAGE_SIZE", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_page_size: u32,

    /// Most operations in one batched POST (a JSON array).
    #[arg(long, env = "CIVLINK_MAX_BATCH", value_name = "CIVLINK_MAX_BATCH", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_batch: u32,

    /// Largest request body, in bytes (1 KiB to 64 MiB).
    #[arg(long, env = "CIVLINK_MAX_BODY_BYTES", value_name = "CIVLINK_MAX_BODY_BYTES", default_value_t = 8_388_608, value_parser = clap::value_parser!(u32).range(1024..=67_108_864))]
    pub max_body_bytes: u32,

    /// Largest roster file `importRoster` accepts, in bytes (1 KiB to 64 MiB); the multipart
    /// body around it must fit `CIVLINK_MAX_BODY_BYTES`, which may not be smaller.
    #[arg(long, env = "CIVLINK_MAX_UPLOAD_BYTES", value_name = "CIVLINK_MAX_UPLOAD_BYTES", default_value_t = 4_194_304, value_parser = clap::value_parser!(u32).range(1024..=67_108_864))]
    pub max_upload_bytes: u32,

    /// Most data rows of an uploaded roster file (1-10,000: one sync batch, so ALL is all or
    /// nothing for the whole file).
    #[arg(long, env = "CIVLINK_MAX_UPLOAD_ROWS", value_name = "CIVLINK_MAX_UPLOAD_ROWS", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_upload_rows: u32,

    /// An uploaded roster file of more data rows than this is imported in the background:
    /// `importRoster` answers at once with an `ImportJob` to poll (0-10,000; 10,000: never).
    #[arg(long, env = "CIVLINK_IMPORT_JOB_ROWS", value_name = "CIVLINK_IMPORT_JOB_ROWS", default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub import_job_rows: u32,

    /// How long a background job (export or import) keeps its claim without renewing it, in
    /// seconds (2-3,600). Its replica renews it several times per lease; a job whose replica
    /// died is reported FAILED (`INTERRUPTED`) once its lease has lapsed.
    #[arg(long, env = "CIVLINK_JOB_LEASE_SECS", value_name = "CIVLINK_JOB_LEASE_SECS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(2..=3_600))]
    pub job_lease_secs: u32,

    /// How long a finished export may be downloaded, in seconds (60 to 604,800: a week).
    #[arg(long, env = "CIVLINK_EXPORT_DOWNLOAD_SECS", value_name = "CIVLINK_EXPORT_DOWNLOAD_SECS", default_value_t = 3_600, value_parser = clap::value_parser!(u32).range(60..=604_800))]
    pub export_download_secs: u32,

    /// How queries read relations: `compiled` (on PostgreSQL, `node`, `station` and `region`
    /// with the relations their selection reads, as one statement) or `loader` (batched
    /// statements per level, as on SQLite). Both give the same answers; `loader` is there to
    /// compare them.
    #[arg(long, env = "CIVLINK_READ_PATH", value_name = "CIVLINK_READ_PATH", value_enum, default_value_t = crate::graphql::compiled::ReadPath::Compiled)]
    pub read_path: crate::graphql::compiled::ReadPath,

    /// Most columns of an uploaded roster file (1-16,384).
    #[arg(long, env = "CIVLINK_MAX_UPLOAD_COLUMNS", value_name = "CIVLINK_MAX_UPLOAD_COLUMNS", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=16_384))]
    pub max_upload_columns: u32,

    /// Longest line of an uploaded CSV file, in bytes (1 KiB to 16 MiB).
    #[arg(long, env = "CIVLINK_MAX_UPLOAD_LINE_BYTES", value_name = "CIVLINK_MAX_UPLOAD_LINE_BYTES", default_value_t = 65_536, value_parser = clap::value_parser!(u32).range(1024..=16_777_216))]
    pub max_upload_line_bytes: u32,

    /// Most bytes an uploaded XLSX file may inflate to, all its parts together (1 MiB to
    /// 1 GiB); entries inflating more than 200 times their compressed size are refused too.
    #[arg(long, env = "CIVLINK_MAX_UPLOAD_UNCOMPRESSED_BYTES", value_name = "CIVLINK_MAX_UPLOAD_UNCOMPRESSED_BYTES", default_value_t = 67_108_864, value_parser = clap::value_parser!(u64).range(1_048_576..=1_073_741_824))]
    pub max_upload_uncompressed_bytes: u64,

    /// Milliseconds a GraphQL request may run before it is cancelled (`TIMEOUT`).
    #[arg(long, env = "CIVLINK_REQUEST_TIMEOUT_MS", value_name = "CIVLINK_REQUEST_TIMEOUT_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub request_timeout_ms: u64,

    /// Cost budget per role: `ROLE=POINTS/PERIOD` entries separated by commas, `ROLE=off` for
    /// none; roles not named keep their default.
    #[arg(long, env = "CIVLINK_RATE_LIMITS", value_name = "CIVLINK_RATE_LIMITS", default_value = crate::ratelimit::DEFAULT_BUDGETS, value_parser = parse_budgets)]
    pub rate_limits: Budgets,

    /// Roles that may run introspection: `all`, `none`, or roles separated by commas.
    #[arg(long, env = "CIVLINK_INTROSPECTION", value_name = "CIVLINK_INTROSPECTION", default_value = "all", value_parser = parse_roles)]
    pub introspection: RoleSet,

    /// Allow-list mode: an Apollo persisted-query manifest (JSON) of the operations that
    /// roles other than ADMIN may run.
    #[arg(long, env = "CIVLINK_ALLOWLIST", value_name = "CIVLINK_ALLOWLIST")]
    pub allowlist: Option<PathBuf>,

    /// Entries of the automatic persisted query cache (per replica).
    #[arg(long, env = "CIVLINK_APQ_CACHE_ENTRIES", value_name = "CIVLINK_APQ_CACHE_ENTRIES", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub apq_cache_entries: u32,

    /// Origins allowed by CORS, separated by commas (`https://portal.example.gov.cn`), or `*`;
    /// empty: no CORS.
    #[arg(long, env = "CIVLINK_CORS_ORIGINS", value_name = "CIVLINK_CORS_ORIGINS", default_value = "", value_parser = parse_origins)]
    pub cors_origins: Origins,

    /// Seconds given to requests in flight to finish after SIGTERM/SIGINT before the process
    /// exits anyway.
    #[arg(long, env = "CIVLINK_SHUTDOWN_GRACE_SECS", value_name = "CIVLINK_SHUTDOWN_GRACE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_grace_secs: u64,

    /// Internal addresses and networks webhooks may be sent to anyway, comma-separated
    /// (`10.20.0.0/16,192.168.1.7`); every other loopback, private, link-local, CGNAT,
    /// unique-local or metadata address is refused.
    #[arg(long, env = "CIVLINK_WEBHOOK_ALLOW", value_name = "CIVLINK_WEBHOOK_ALLOW", default_value = "", value_parser = parse_webhook_allow)]
    pub webhook_allow: WebhookAllow,

    /// Seconds a webhook event is retried before it is marked failed (60-604800).
    #[arg(long, env = "CIVLINK_WEBHOOK_RETRY_SECS", value_name = "CIVLINK_WEBHOOK_RETRY_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(60..=604_800))]
    pub webhook_retry_secs: u64,

    /// Most subscriptions on one WebSocket connection (1-1000).
    #[arg(long, env = "CIVLINK_SUBSCRIPTIONS_PER_CONNECTION", value_name = "CIVLINK_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub subscriptions_per_connection: u32,

    /// Most subscriptions of one caller (role and subject) on one replica (1-100000).
    #[arg(long, env = "CIVLINK_SUBSCRIPTIONS_PER_CALLER", value_name = "CIVLINK_SUBSCRIPTIONS_PER_CALLER", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub subscriptions_per_caller: u32,

    /// Messages queued for one subscription connection before it counts as slow (1-100000).
    #[arg(long, env = "CIVLINK_SUBSCRIPTION_BUFFER", value_name = "CIVLINK_SUBSCRIPTION_BUFFER", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub subscription_buffer: u32,

    /// Milliseconds a slow connection's queue may stay full before it is closed with code
    /// 4413 (resume with the last cursor) (100-600000).
    #[arg(long, env = "CIVLINK_SUBSCRIPTION_STALL_MS", value_name = "CIVLINK_SUBSCRIPTION_STALL_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub subscription_stall_ms: u64,

    /// Milliseconds between checks of the outbox for new changes besides notifications
    /// (10-60000).
    #[arg(long, env = "CIVLINK_SUBSCRIPTION_POLL_MS", value_name = "CIVLINK_SUBSCRIPTION_POLL_MS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub subscription_poll_ms: u64,

    /// Also load the deterministic demo data set (see `civlink seed demo`).
    #[arg(long)]
    pub demo: bool,
}

/// A set of roles (for `CIVLINK_INTROSPECTION`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSet(pub HashSet<Role>);

/// CORS origins (for `CIVLINK_CORS_ORIGINS`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origins(pub Vec<String>);

const ALL_ROLES: [Role; 6] =
    [Role::Public, Role::Portal, Role::CivilAffairs, Role::StationStaff, Role::SyncClient, Role::Admin];

fn parse_webhook_allow(s: &str) -> Result<WebhookAllow, String> {
    s.parse()
}

fn parse_budgets(s: &str) -> Result<Budgets, String> {
    s.parse()
}

fn parse_roles(s: &str) -> Result<RoleSet, String> {
    match s.trim() {
        "all" => return Ok(RoleSet(ALL_ROLES.into_iter().collect())),
        "none" | "" => return Ok(RoleSet(HashSet::new())),
        _ => {}
    }
    s.split(',')
        .map(str::trim)
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                format!("unknown role `{r}`: use all, none, or PUBLIC, PORTAL, CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT, ADMIN")
            })
        })
        .collect::<Result<_, _>>()
        .map(RoleSet)
}

fn parse_origins(s: &str) -> Result<Origins, String> {
    let mut out = Vec::new();
    for o in s.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let valid = o == "*"
            || ((o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && o.split_once("://").is_some_and(|(_, host)| !host.is_empty() && !host.contains('/'))
                && axum::http::HeaderValue::from_str(o).is_ok());
        if !valid {
            return Err(format!("`{o}` is not an origin: use scheme://host[:port] without a path, or *"));
        }
        out.push(o.to_owned());
    }
    Ok(Origins(out))
}

impl ServeConfig {
    /// The GraphQL limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_depth: self.max_depth as usize,
            max_complexity: self.max_complexity as usize,
            max_aliases: self.max_aliases as usize,
            max_directives: self.max_directives as usize,
            max_page_size: self.max_page_size as usize,
            introspection: self.introspection.0.clone(),
            budgets: self.rate_limits.clone(),
            apq_cache_entries: self.apq_cache_entries as usize,
        }
    }

    /// The HTTP settings; reads the allow-list file.
    ///
    /// Errors: the allow-list file cannot be read or is not a manifest (the message names
    /// `CIVLINK_ALLOWLIST` and the file); `CIVLINK_MAX_UPLOAD_BYTES` is larger than
    /// `CIVLINK_MAX_BODY_BYTES`.
    pub fn http(
        &self,
        db: &DatabaseConfig,
        person_keys: crate::domain::person::PersonKeys,
    ) -> Result<HttpSettings, String> {
        if self.max_upload_bytes > self.max_body_bytes {
            return Err(format!(
                "CIVLINK_MAX_UPLOAD_BYTES ({}) is larger than CIVLINK_MAX_BODY_BYTES ({}): an upload travels \
                 inside one request body; raise CIVLINK_MAX_BODY_BYTES or lower CIVLINK_MAX_UPLOAD_BYTES",
                self.max_upload_bytes, self.max_body_bytes
            ));
        }
        let allowlist = match &self.allowlist {
            Some(path) => Some(Arc::new(AllowList::load(path).map_err(|e| format!("CIVLINK_ALLOWLIST: {e}"))?)),
            None => None,
        };
        Ok(HttpSettings {
            max_body_bytes: self.max_body_bytes as usize,
            max_batch: self.max_batch as usize,
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            cors_origins: self.cors_origins.0.clone(),
            allowlist,
            db_max_connections: db.db_max_connections,
            write_timeout: db.write_timeout(),
            upload: self.upload(),
            webhook_allow: Arc::new(self.webhook_allow.clone()),
            person_keys,
            subscriptions: crate::subscription::SubscriptionSettings {
                per_connection: self.subscriptions_per_connection as usize,
                per_caller: self.subscriptions_per_caller as usize,
                buffer: self.subscription_buffer as usize,
                stall: Duration::from_millis(self.subscription_stall_ms),
                poll: Duration::from_millis(self.subscription_poll_ms),
                ..Default::default()
            },
            jobs: crate::graphql::export::JobSettings {
                import_job_rows: self.import_job_rows as usize,
                lease: Duration::from_secs(self.job_lease_secs.into()),
                download_ttl: Duration::from_secs(self.export_download_secs.into()),
                ..Default::default()
            },
            read_path: self.read_path,
        })
    }

    /// The limits on uploaded roster files.
    pub fn upload(&self) -> UploadLimits {
        UploadLimits {
            max_file_bytes: self.max_upload_bytes as usize,
            read: ReadLimits {
                max_rows: self.max_upload_rows as usize,
                max_columns: self.max_upload_columns as usize,
                max_line_bytes: self.max_upload_line_bytes as usize,
                max_uncompressed_bytes: self.max_upload_uncompressed_bytes,
            },
        }
    }

    /// The settings of the webhook delivery loop.
    pub fn webhooks(&self, db: &DatabaseConfig) -> WebhookSettings {
        WebhookSettings {
            allow: self.webhook_allow.clone(),
            retry_horizon: Duration::from_secs(self.webhook_retry_secs),
            write_timeout: db.write_timeout(),
            ..Default::default()
        }
    }

    /// How long requests in flight may take to finish after a shutdown signal.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_limit_over_the_body_limit_is_refused_at_start() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeConfig,
            #[command(flatten)]
            db: DatabaseConfig,
        }
        let cli = Cli::try_parse_from(["civlink", "--max-body-bytes", "2048", "--max-upload-bytes", "4096"]).unwrap();
        let refused = cli.serve.http(&cli.db, crate::domain::person::PersonKeys::insecure_for_tests()).unwrap_err();
        assert!(
            refused.contains("CIVLINK_MAX_UPLOAD_BYTES") && refused.contains("CIVLINK_MAX_BODY_BYTES"),
            "{refused}"
        );
        let cli = Cli::try_parse_from(["civlink", "--max-upload-rows", "10001"]);
        assert!(cli.is_err(), "at most one sync batch of rows");
        let cli = Cli::try_parse_from(["civlink"]).unwrap();
        let http = cli.serve.http(&cli.db, crate::domain::person::PersonKeys::insecure_for_tests()).unwrap();
        assert_eq!(http.upload, UploadLimits::default(), "the flags' defaults are the library's");
    }

    #[test]
    fn roles_and_origins_parse_or_say_why_not() {
        assert_eq!(parse_roles("all").unwrap().0.len(), 6);
        assert!(parse_roles("none").unwrap().0.is_empty());
        assert_eq!(parse_roles("ADMIN, SYNC_CLIENT").unwrap().0, [Role::Admin, Role::SyncClient].into_iter().collect());
        assert!(parse_roles("ADMIN,ROOT").unwrap_err().contains("ROOT"));
        assert_eq!(parse_origins("").unwrap().0, Vec::<String>::new());
        assert_eq!(parse_origins("https://a.example, http://b.example:8080").unwrap().0.len(), 2);
        for bad in ["a.example", "https://a.example/", "https://a.example/path", "ftp://x", "https://"] {
            assert!(parse_origins(bad).is_err(), "{bad}");
        }
    }
}
