//! The `civlink` command: serve the API, migrate, print the schema, import division codes,
//! seed demo data. Thin: parses the command line and calls the library.

use std::path::PathBuf;

use anyhow::Context as _;
use civlink::auth::jwt::{self, JwtConfigError, JwtSettings, Verifier};
use civlink::config::{DatabaseConfig, ServeConfig};
use civlink::domain::DivisionCode;
use civlink::import::roster::{RosterKind, RosterOptions};
use civlink::import::{BarProgress, NoProgress};
use civlink::store::sync::Atomicity;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "civlink",
    version,
    about = "GraphQL API joining social-work stations, workers, volunteers, organisations, clients and projects (五社联动)"
)]
struct Cli {
    #[command(flatten)]
    db: DatabaseConfig,
    /// Log format on stderr: `text`, or `json` (one object per line, with the request span's
    /// fields). The level filter is `RUST_LOG` (default `info`).
    #[arg(
        long,
        env = "CIVLINK_LOG_FORMAT",
        value_name = "CIVLINK_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: civlink::observe::LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, load the shipped division codes if the regions table is empty, and serve.
    Serve(ServeConfig),
    /// Apply pending migrations and exit.
    Migrate,
    /// Prepare a database for serving and exit: migrate, and load the shipped division codes
    /// if the regions table is empty (`--demo`: also the demo data). Run once before starting
    /// several replicas, so that they do not race to do it.
    Setup {
        /// Also load the deterministic demo data set.
        #[arg(long)]
        demo: bool,
    },
    /// Print the GraphQL schema (SDL) to stdout.
    Schema,
    /// Import data files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Create data sets.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Mint a development token (HS256) from CIVLINK_JWT_SECRET and print it.
    Token(TokenArgs),
}

#[derive(clap::Args)]
struct TokenArgs {
    /// Subject: who the token is for.
    #[arg(long)]
    sub: String,
    /// Role: PORTAL, CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT or ADMIN.
    #[arg(long)]
    role: String,
    /// Division code of a CIVIL_AFFAIRS token's scope (e.g. 522301).
    #[arg(long)]
    region: Option<String>,
    /// Station (UUID or global id) of a STATION_STAFF token.
    #[arg(long)]
    station: Option<String>,
    /// Source system of a SYNC_CLIENT token.
    #[arg(long)]
    source: Option<String>,
    /// Lifetime, e.g. 15m, 1h, 7d.
    #[arg(long, default_value = "1h")]
    ttl: String,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import NBS division-code CSV files (provinces.csv, cities.csv, areas.csv, streets.csv,
    /// villages*.csv; plain or .gz) from DIR. Idempotent; placeholder rows are skipped and
    /// counted per level; one transaction, so a failure leaves the regions table as it was.
    Regions { dir: PathBuf },
    /// Import a volunteer roster (CSV or XLSX; headers 外部编号/志愿者编号, 姓名, 身份证号, 手机号,
    /// 所属队伍, 行政区划代码, … see README) through the sync code.
    Volunteers(RosterArgs),
    /// Import a social-worker roster (编号, 姓名, 身份证号, 证书等级, 岗位, 等级, …).
    Workers(RosterArgs),
    /// Import volunteer teams (编号, 队伍名称, 行政区划代码, 成立日期).
    Teams(RosterArgs),
    /// Import organisations (编号, 机构名称, 类型, 统一社会信用代码, 行政区划代码, …).
    Organizations(RosterArgs),
    /// Import volunteer service ledger entries (编号, 志愿者编号, 服务日期, 服务时长（分钟）, 积分,
    /// 活动类型, 服务内容; a reversal: 编号, 更正编号, 更正原因), as `syncVolunteerService`.
    Service(RosterArgs),
}

/// A roster file and how to import it.
#[derive(clap::Args)]
struct RosterArgs {
    /// The .csv (UTF-8 or GBK) or .xlsx file.
    file: PathBuf,
    /// The system the file comes from; rows are keyed by (source, external id).
    #[arg(long)]
    source: String,
    /// Report what would happen; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows even if others fail (default: any failed row aborts its batch).
    #[arg(long)]
    per_record: bool,
    /// Rows per sync batch (1-10,000).
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    batch_size: u32,
}

#[derive(Subcommand)]
enum SeedCommand {
    /// Load the deterministic demo data set (synthetic people) that reproduces the published
    /// figures of the source article. Does nothing if it is already loaded.
    Demo,
    /// Load the deterministic synthetic load-test data set (stations, people, projects and
    /// three years of service records at per-township densities) for one county, one
    /// prefecture or the whole country. Does nothing if synthetic data are already loaded.
    Synthetic {
        /// Area filled: tiny (one county), prefecture (黔西南州) or national (41,351 townships,
        /// about 22 million rows).
        #[arg(long, value_enum)]
        scale: civlink::seed::Scale,
        /// Seed of the random streams: the same seed writes the same rows.
        #[arg(long, default_value_t = civlink::seed::synthetic::DEFAULT_SEED)]
        seed: u64,
    },
}

/// The process's allocator: mimalloc, not glibc's `malloc`. Under the load harness's 16
/// clients glibc's `malloc` family took about a fifth of the machine's CPU time (`perf`:
/// `_int_malloc`, `malloc_consolidate`, `unlink_chunk`), as much as the server's own code.
/// With mimalloc, in interleaved runs, the portal operation served 69 → 86 requests/s and the
/// station operation 86 → 105 (medians of three, BENCHMARKS.md, "Load harness").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    civlink::observe::init_logs(cli.log_format);
    match cli.command {
        Command::Schema => {
            print!("{}", civlink::graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            let db = connect(&cli.db).await?;
            civlink::db::migrate(&db).await.context("migration failed")?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Setup { demo } => {
            let db = connect_and_migrate(&cli.db).await?;
            load_regions_if_empty(&db).await?;
            if demo {
                let summary = civlink::seed::demo::seed_demo(&db).await.context("seeding demo data")?;
                tracing::info!("demo data: {summary}");
            }
            backfill_person_keys(&cli.db, &db).await?;
            eprintln!("database ready");
            Ok(())
        }
        Command::Import(ImportCommand::Regions { dir }) => {
            let db = connect_and_migrate(&cli.db).await?;
            let counts = civlink::import::regions::import_regions_dir(&db, &dir, &BarProgress::new())
                .await
                .with_context(|| {
                    format!(
                        "importing regions from {} (nothing imported: the regions table is as it was)",
                        dir.display()
                    )
                })?;
            println!("{counts}");
            Ok(())
        }
        Command::Import(ImportCommand::Volunteers(args)) => import_roster(&cli.db, RosterKind::Volunteers, args).await,
        Command::Import(ImportCommand::Workers(args)) => import_roster(&cli.db, RosterKind::SocialWorkers, args).await,
        Command::Import(ImportCommand::Teams(args)) => import_roster(&cli.db, RosterKind::VolunteerTeams, args).await,
        Command::Import(ImportCommand::Organizations(args)) => {
            import_roster(&cli.db, RosterKind::Organizations, args).await
        }
        Command::Import(ImportCommand::Service(args)) => {
            import_roster(&cli.db, RosterKind::VolunteerService, args).await
        }
        Command::Seed(SeedCommand::Demo) => {
            let db = connect_and_migrate(&cli.db).await?;
            load_regions_if_empty(&db).await?;
            let summary = civlink::seed::demo::seed_demo(&db).await.context("seeding demo data")?;
            println!("{summary}");
            backfill_person_keys(&cli.db, &db).await?;
            Ok(())
        }
        Command::Seed(SeedCommand::Synthetic { scale, seed }) => {
            let db = connect_and_migrate(&cli.db).await?;
            load_regions_if_empty(&db).await?;
            let options = civlink::seed::SyntheticOptions { scale, seed };
            let summary = civlink::seed::seed_synthetic(&db, options, &BarProgress::new())
                .await
                .context("seeding synthetic data")?;
            println!("{summary}");
            backfill_person_keys(&cli.db, &db).await?;
            Ok(())
        }
        Command::Token(args) => {
            let settings = JwtSettings::from_env()?;
            let secret = settings.secret.clone().context("set CIVLINK_JWT_SECRET (32 bytes or more) to mint tokens")?;
            println!("{}", token(&settings, &secret, &args)?);
            Ok(())
        }
        Command::Serve(serve) => {
            let verifier = verifier(serve.demo)?;
            // Person keys: configured, or (a demo, or no tokens at all, so nothing can write
            // persons) made for this process, the stored keys then being made again.
            let configured = cli.db.person_keys().map_err(anyhow::Error::msg)?;
            let person_keys = match configured.clone() {
                Some(keys) => keys,
                None if serve.demo || verifier.is_none() => {
                    let mut bytes = [0u8; 32];
                    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for person keys: {e}"))?;
                    civlink::domain::person::PersonKeys::derive(&bytes).map_err(anyhow::Error::msg)?
                }
                None => anyhow::bail!(
                    "set CIVLINK_PERSON_KEY_SECRET (32 bytes or more): with CIVLINK_JWT_KEYS alone there is no secret to key citizen ID numbers with"
                ),
            };
            let http = serve.http(&cli.db, person_keys.clone()).map_err(anyhow::Error::msg)?;
            let webhooks = serve.webhooks(&cli.db);
            let db = connect_and_migrate_with(&cli.db, &cli.db.serving_pool()).await?;
            load_regions_if_empty(&db).await?;
            if serve.demo {
                let summary = civlink::seed::demo::seed_demo(&db).await.context("seeding demo data")?;
                tracing::info!("demo data: {summary}");
            }
            if configured.is_some() || serve.demo {
                civlink::store::person::backfill(&db, &person_keys).await.context("making person keys")?;
            }
            let schema = civlink::graphql::build_schema(&serve.limits());
            let keyed_db =
                civlink::db::connect_keyed(&db, &cli.db.database_url, &cli.db.serving_pool()).await.with_context(
                    || format!("cannot connect to the database (DATABASE_URL={})", redact(&cli.db.database_url)),
                )?;
            // Every replica listens for committed changes and wakes its own subscribers.
            let changes = civlink::subscription::ChangeHub::start(db.clone(), http.subscriptions.poll);
            let app = civlink::app::router(civlink::app::AppState {
                schema,
                db: db.clone(),
                keyed_db: keyed_db.clone(),
                verifier,
                http,
                changes: Some(changes.clone()),
            });
            // Any replica delivers webhooks; each webhook is worked on by one at a time.
            let deliveries = civlink::webhook::Deliveries::start(db.clone(), webhooks)
                .context("starting webhook deliveries (HTTP client)")?;
            let listener = tokio::net::TcpListener::bind(serve.addr)
                .await
                .with_context(|| format!("cannot listen on {} (CIVLINK_ADDR)", serve.addr))?;
            let addr = listener.local_addr()?;
            println!("civlink listening on http://{addr}");
            println!("GraphiQL: http://{addr}/graphql");
            // On SIGTERM/SIGINT: stop accepting, let requests in flight finish for up to the
            // grace period, then close the pool.
            let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
            let server = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(async move {
                    shutdown().await;
                    let _ = signalled_tx.send(());
                })
                .into_future();
            tokio::pin!(server);
            let grace = serve.shutdown_grace();
            tokio::select! {
                result = &mut server => result?,
                _ = async {
                    let _ = signalled_rx.await;
                    tokio::time::sleep(grace).await;
                } => {
                    tracing::warn!(grace_secs = grace.as_secs(), "requests still in flight after the grace period; exiting");
                }
            }
            deliveries.stop().await;
            changes.stop().await;
            db.close().await.context("closing the database pool")?;
            // On SQLite the same pool, already closed: closing it again returns at once.
            keyed_db.close().await.context("closing the database pool for lookups by key")?;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// The token verifier of `serve`. Without any configured key, tokens are refused and only the
/// public surface is served; with `--demo`, a random secret is made for this process and an
/// ADMIN token printed, so the demo can be explored at once.
fn verifier(demo: bool) -> anyhow::Result<Option<Verifier>> {
    let mut settings = JwtSettings::from_env()?;
    match Verifier::new(&settings) {
        Ok(v) => Ok(Some(v)),
        Err(JwtConfigError::NoKeys) if demo => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for a demo secret: {e}"))?;
            let secret = bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
            settings.secret = Some(secret.clone());
            let verifier = Verifier::new(&settings)?;
            let args = TokenArgs {
                sub: "demo-admin".into(),
                role: "ADMIN".into(),
                region: None,
                station: None,
                source: None,
                ttl: "12h".into(),
            };
            println!("No CIVLINK_JWT_SECRET set: made a secret for this process only.");
            println!("Demo ADMIN token (12 h); in GraphiQL add the header {{\"Authorization\": \"Bearer <token>\"}}:");
            println!("{}", token(&settings, &secret, &args)?);
            Ok(Some(verifier))
        }
        Err(JwtConfigError::NoKeys) => {
            tracing::warn!("no CIVLINK_JWT_SECRET or CIVLINK_JWT_KEYS: serving the public surface only");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn token(settings: &JwtSettings, secret: &str, args: &TokenArgs) -> anyhow::Result<String> {
    let ttl = jwt::parse_ttl(&args.ttl).map_err(anyhow::Error::msg)?;
    let role = civlink::auth::identity::Role::parse(&args.role).with_context(|| {
        format!("unknown role {:?}: use PORTAL, CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT or ADMIN", args.role)
    })?;
    let region = match &args.region {
        Some(r) => Some(DivisionCode::parse(r).map_err(|e| anyhow::anyhow!("--region: {e}"))?.as_str().to_owned()),
        None => None,
    };
    let mut claims = jwt::dev_claims(&args.sub, role.as_str(), region, ttl, &settings.issuer, &settings.audience);
    claims.station = args.station.clone();
    claims.source = args.source.clone();
    civlink::auth::identity::Identity::from_claims(&claims).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(jwt::mint(secret, &claims)?)
}

/// Makes the person keys of stored rows ([`civlink::store::person::backfill`]) when a secret
/// is configured; without one, `serve` makes them at its next start.
async fn backfill_person_keys(config: &DatabaseConfig, db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    match config.person_keys().map_err(anyhow::Error::msg)? {
        Some(keys) => {
            civlink::store::person::backfill(db, &keys).await.context("making person keys")?;
        }
        None => {
            tracing::info!("no CIVLINK_PERSON_KEY_SECRET or CIVLINK_JWT_SECRET: person keys are made when serve starts")
        }
    }
    Ok(())
}

async fn connect(db: &DatabaseConfig) -> anyhow::Result<sea_orm::DatabaseConnection> {
    connect_with(db, &db.pool()).await
}

async fn connect_with(
    db: &DatabaseConfig,
    pool: &civlink::db::PoolSettings,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    civlink::db::connect(&db.database_url, pool)
        .await
        .with_context(|| format!("cannot connect to the database (DATABASE_URL={})", redact(&db.database_url)))
}

async fn connect_and_migrate(db: &DatabaseConfig) -> anyhow::Result<sea_orm::DatabaseConnection> {
    connect_and_migrate_with(db, &db.pool()).await
}

async fn connect_and_migrate_with(
    db: &DatabaseConfig,
    pool: &civlink::db::PoolSettings,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let conn = connect_with(db, pool).await?;
    civlink::db::migrate(&conn).await.context("migration failed")?;
    Ok(conn)
}

async fn load_regions_if_empty(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    if civlink::import::regions::regions_empty(db).await? {
        let counts = civlink::import::regions::import_shipped_regions(db, &NoProgress).await?;
        tracing::info!("loaded the shipped division codes: {counts}");
    }
    Ok(())
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// `civlink import volunteers|workers|teams|organizations`: prints the report; fails (exit
/// status 1) when any row failed.
async fn import_roster(config: &DatabaseConfig, kind: RosterKind, args: RosterArgs) -> anyhow::Result<()> {
    let db = connect_and_migrate(config).await?;
    load_regions_if_empty(&db).await?;
    let options = RosterOptions {
        source: args.source,
        dry_run: args.dry_run,
        atomicity: if args.per_record { Atomicity::PerRecord } else { Atomicity::All },
        batch_size: args.batch_size as usize,
        write_timeout: config.write_timeout(),
        person_keys: config.person_keys().map_err(anyhow::Error::msg)?,
    };
    let report = civlink::import::roster::import_roster(&db, kind, &args.file, &options, &BarProgress::new())
        .await
        .with_context(|| format!("importing {}", args.file.display()))?;
    print!("{report}");
    if args.dry_run {
        println!("dry run: nothing was written");
    }
    if report.failed > 0 {
        anyhow::bail!("{} of {} rows failed", report.failed, report.rows);
    }
    Ok(())
}
