//! The `civlink` command: serve the API, migrate, print the schema, import division codes,
//! seed demo data. Thin: parses the command line and calls the library.

use std::path::PathBuf;

use anyhow::Context as _;
use civlink::auth::jwt::{self, JwtConfigError, JwtSettings, Verifier};
use civlink::config::{DatabaseConfig, ServeConfig};
use civlink::domain::DivisionCode;
use civlink::import::{BarProgress, NoProgress};
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, load the shipped division codes if the regions table is empty, and serve.
    Serve(ServeConfig),
    /// Apply pending migrations and exit.
    Migrate,
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
    /// villages*.csv; plain or .gz) from DIR. Idempotent.
    Regions { dir: PathBuf },
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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
        Command::Import(ImportCommand::Regions { dir }) => {
            let db = connect_and_migrate(&cli.db).await?;
            let counts = civlink::import::regions::import_regions_dir(&db, &dir, &BarProgress::new())
                .await
                .with_context(|| format!("importing regions from {}", dir.display()))?;
            println!("{counts}");
            Ok(())
        }
        Command::Seed(SeedCommand::Demo) => {
            let db = connect_and_migrate(&cli.db).await?;
            load_regions_if_empty(&db).await?;
            let summary = civlink::seed::demo::seed_demo(&db).await.context("seeding demo data")?;
            println!("{summary}");
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
            let db = connect_and_migrate(&cli.db).await?;
            load_regions_if_empty(&db).await?;
            if serve.demo {
                let summary = civlink::seed::demo::seed_demo(&db).await.context("seeding demo data")?;
                tracing::info!("demo data: {summary}");
            }
            let schema = civlink::graphql::build_schema(&serve.limits());
            let app = civlink::app::router(civlink::app::AppState { schema, db, verifier });
            let listener = tokio::net::TcpListener::bind(serve.addr)
                .await
                .with_context(|| format!("cannot listen on {} (CIVLINK_ADDR)", serve.addr))?;
            let addr = listener.local_addr()?;
            println!("civlink listening on http://{addr}");
            println!("GraphiQL: http://{addr}/graphql");
            axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
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

async fn connect(db: &DatabaseConfig) -> anyhow::Result<sea_orm::DatabaseConnection> {
    civlink::db::connect(&db.database_url, &db.pool())
        .await
        .with_context(|| format!("cannot connect to the database (DATABASE_URL={})", redact(&db.database_url)))
}

async fn connect_and_migrate(db: &DatabaseConfig) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let conn = connect(db).await?;
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
