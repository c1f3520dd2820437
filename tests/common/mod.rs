//! TestApp: the real router on port 0 over a fresh database (a SQLite file or a PostgreSQL
//! database), with the shipped division codes and the demo data loaded, plus typed helpers to
//! post GraphQL over HTTP.
//!
//! Loading 47,801 regions and the demo set per test would dominate the suite, so each test
//! process builds one template per backend (migrated, regions, demo) and every test gets its
//! own copy: a file copy for SQLite, `CREATE DATABASE … TEMPLATE` for PostgreSQL. Each test's
//! database is dropped when its `TestApp` is dropped.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, Value as SqlValue};
use serde_json::{Value, json};
use uuid::Uuid;

/// HS256 secret of every test app.
pub const TEST_SECRET: &str = "civlink-test-secret-of-at-least-32-bytes";
pub const TEST_ISSUER: &str = "civlink";
pub const TEST_AUDIENCE: &str = "civlink-api";

/// A token for `role` signed with the test secret; `f` may adjust the claims.
pub fn token_with(role: &str, f: impl FnOnce(&mut civlink::auth::jwt::Claims)) -> String {
    let mut claims = civlink::auth::jwt::dev_claims(
        &format!("test-{}", role.to_lowercase()),
        role,
        None,
        std::time::Duration::from_secs(3600),
        TEST_ISSUER,
        TEST_AUDIENCE,
    );
    f(&mut claims);
    civlink::auth::jwt::mint(TEST_SECRET, &claims).expect("mint")
}

/// An ADMIN token: what `TestApp::post` sends unless told otherwise.
pub fn admin_token() -> String {
    token_with("ADMIN", |_| {})
}

/// The PostgreSQL server tests use (trust auth), without a database name.
pub fn pg_server() -> String {
    std::env::var("CIVLINK_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Emits `mod $name { sqlite, postgres }` tests running one body on both databases.
#[macro_export]
macro_rules! both {
    ($(#[$m:meta])* $name:ident, |$app:ident| $body:block) => {
        $(#[$m])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::common::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::common::TestApp::spawn($crate::common::Backend::Postgres).await).await
            }
        }
    };
}

/// How a test app differs from the default one.
pub struct Options {
    pub limits: civlink::graphql::Limits,
    pub http: civlink::app::HttpSettings,
    /// Pool of the app's own connection (used with `app_url`).
    pub pool: civlink::db::PoolSettings,
    /// Makes the app's database URL from the test database's (e.g. through a proxy); `None`:
    /// the app shares the test's connection.
    pub app_url: Option<Box<dyn Fn(&str) -> String + Send + Sync>>,
    /// Keep every statement the app runs (see [`TestApp::take_logged`]).
    pub log_statements: bool,
    /// Run the webhook delivery loop with these settings, as `serve` does.
    pub webhooks: Option<civlink::webhook::WebhookSettings>,
    /// Run the change hub of subscriptions, as `serve` does (`http.subscriptions.poll`).
    pub changes: bool,
}

impl Default for Options {
    /// The defaults of `civlink serve`, except that no role is rate-limited and the cost
    /// limit is far higher: the entity and scope tests run many requests in a row and walk
    /// full pages three levels deep (costing up to a million points). The limit tests set
    /// limits and budgets of their own.
    fn default() -> Self {
        let off = "PUBLIC=off,PORTAL=off,CIVIL_AFFAIRS=off,STATION_STAFF=off,SYNC_CLIENT=off,ADMIN=off";
        Self {
            limits: civlink::graphql::Limits {
                budgets: off.parse().expect("budgets"),
                max_complexity: 100_000_000,
                ..Default::default()
            },
            http: Default::default(),
            pool: Default::default(),
            app_url: None,
            log_statements: false,
            webhooks: None,
            changes: false,
        }
    }
}

/// Like [`both!`], with the test app built from `$options` (an [`Options`] expression).
#[macro_export]
macro_rules! both_with {
    ($(#[$m:meta])* $name:ident, $options:expr, |$app:ident| $body:block) => {
        $(#[$m])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn options() -> $crate::common::Options {
                $options
            }
            async fn run($app: $crate::common::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::common::TestApp::spawn_with($crate::common::Backend::Sqlite, options()).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::common::TestApp::spawn_with($crate::common::Backend::Postgres, options()).await).await
            }
        }
    };
}

/// What a test database is: where it lives, and how to remove it.
enum Store {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        name: String,
    },
    /// Another app's database ([`TestApp::replica`]), removed with that app.
    Shared,
}

pub struct TestApp {
    pub backend: Backend,
    pub addr: std::net::SocketAddr,
    pub db: DatabaseConnection,
    pub url: String,
    statements: Arc<AtomicU64>,
    /// Statements run on the pool for lookups by key (on SQLite: none told apart, the same pool).
    keyed_statements: Arc<AtomicU64>,
    /// Every statement the app ran, when [`Options::log_statements`] is set.
    log: Option<Arc<Mutex<Vec<Statement>>>>,
    client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
    deliveries: Option<civlink::webhook::Deliveries>,
    changes: Option<civlink::subscription::ChangeHub>,
    store: Store,
}

static SQLITE_TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
static PG_TEMPLATE: OnceLock<String> = OnceLock::new();

/// Runs `f` to completion on a runtime of its own (templates outlive each test's runtime).
fn block_on<T: Send + 'static>(f: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime").block_on(f)
    })
    .join()
    .expect("template builder panicked")
}

async fn fill(db: &DatabaseConnection) {
    civlink::db::migrate(db).await.expect("migrate");
    civlink::import::regions::import_shipped_regions(db, &civlink::import::NoProgress).await.expect("regions");
    civlink::seed::demo::seed_demo(db).await.expect("demo seed");
    // As `civlink setup` does: the demo rows get their person keys (the test apps' keys).
    civlink::store::person::backfill(db, &civlink::domain::person::PersonKeys::insecure_for_tests())
        .await
        .expect("person keys");
}

/// Removes the SQLite templates of test processes that have ended: each test binary makes its
/// own (tens of MB) and a static cannot remove it when the process exits. Linux only, where
/// `/proc/<pid>` tells whether a process still runs.
fn remove_templates_of_ended_runs() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("civlink-template-")) else { continue };
        if pid.parse::<u32>().is_ok() && !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The SQLite template file (migrated, regions, demo data); copy it, never write to it.
pub fn sqlite_template() -> PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| {
            remove_templates_of_ended_runs();
            block_on(async {
                let dir = std::env::temp_dir().join(format!("civlink-template-{}", std::process::id()));
                std::fs::create_dir_all(&dir).expect("template dir");
                let path = dir.join("template.db");
                let _ = std::fs::remove_file(&path);
                let db = civlink::db::connect(&format!("sqlite://{}?mode=rwc", path.display()), &Default::default())
                    .await
                    .expect("sqlite template");
                fill(&db).await;
                db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.expect("checkpoint");
                db.close().await.expect("close");
                path
            })
        })
        .clone()
}

async fn pg_admin() -> DatabaseConnection {
    Database::connect(format!("{}/postgres", pg_server()))
        .await
        .expect("PostgreSQL at CIVLINK_TEST_PG must be reachable")
}

/// Whether the test process named in a database name (`civlink_tpl_<pid>_…`,
/// `civlink_t_<pid>_…`) has ended. Unknown (no `/proc`, say): assume it runs.
fn owner_has_ended(database: &str) -> bool {
    let pid = database.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
    let proc = std::path::Path::new("/proc");
    match pid {
        Some(pid) if proc.is_dir() => !proc.join(pid.to_string()).exists(),
        _ => false,
    }
}

fn pg_template() -> String {
    PG_TEMPLATE
        .get_or_init(|| {
            block_on(async {
                let admin = pg_admin().await;
                // Leftovers of earlier runs, by the process id in their names: only those of
                // processes that have ended (test runs of other checkouts may be going on).
                let stale = admin
                    .query_all_raw(Statement::from_string(
                        admin.get_database_backend(),
                        r"SELECT datname FROM pg_database WHERE datname LIKE 'civlink\_tpl\_%' OR datname LIKE 'civlink\_t\_%'",
                    ))
                    .await
                    .unwrap_or_default();
                for row in stale {
                    if let Ok(name) = row.try_get::<String>("", "datname")
                        && owner_has_ended(&name)
                    {
                        let _ = admin.execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}""#)).await;
                    }
                }
                let name = format!("civlink_tpl_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
                admin.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await.expect("create template");
                let db = civlink::db::connect(&format!("{}/{name}", pg_server()), &Default::default()).await.expect("connect");
                fill(&db).await;
                db.close().await.expect("close");
                name
            })
        })
        .clone()
}

impl TestApp {
    /// A fresh database with regions and demo data, and the router serving it on port 0.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    /// Like [`TestApp::spawn`], with limits, HTTP settings and pool settings of its own, and
    /// optionally the app's connection going elsewhere (through a proxy).
    pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
        let (url, store) = match backend {
            Backend::Sqlite => {
                let template = tokio::task::spawn_blocking(sqlite_template).await.expect("template");
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().join("civlink.db");
                std::fs::copy(&template, &path).expect("copy template");
                (format!("sqlite://{}?mode=rwc", path.display()), Store::Sqlite { _dir: dir })
            }
            Backend::Postgres => {
                let template = tokio::task::spawn_blocking(pg_template).await.expect("template");
                let name = format!("civlink_t_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
                let admin = pg_admin().await;
                admin
                    .execute_unprepared(&format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                (format!("{}/{name}", pg_server()), Store::Postgres { name })
            }
        };
        Self::start(backend, url, store, options).await
    }

    /// A second replica of this app: another router, pools and loops on the same database
    /// (on SQLite, the same file), as two `civlink serve` processes behind one database.
    pub async fn replica(&self, options: Options) -> TestApp {
        Self::start(self.backend, self.url.clone(), Store::Shared, options).await
    }

    async fn start(backend: Backend, url: String, store: Store, options: Options) -> TestApp {
        let db = civlink::db::connect(&url, &Default::default()).await.expect("connect test database");
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        let log = options.log_statements.then(|| Arc::new(Mutex::new(Vec::new())));
        let logged = log.clone();
        let count: Arc<dyn Fn(&Statement) + Send + Sync> = Arc::new(move |statement| {
            counter.fetch_add(1, Ordering::SeqCst);
            if let Some(log) = &logged {
                log.lock().expect("statement log").push(statement.clone());
            }
        });
        let app_url = options.app_url.as_ref().map_or_else(|| url.clone(), |rewrite| rewrite(&url));
        let mut app_db = match &options.app_url {
            Some(_) => civlink::db::connect(&app_url, &options.pool).await.expect("connect app database"),
            None => db.clone(),
        };
        civlink::observe::instrument(&mut app_db, Some(count.clone()));
        // The pool for lookups by key: a second pool on PostgreSQL, counted like the first and
        // on its own.
        let mut keyed_db =
            civlink::db::connect_keyed(&app_db, &app_url, &options.pool).await.expect("connect keyed pool");
        let keyed_statements = Arc::new(AtomicU64::new(0));
        if backend == Backend::Postgres {
            let keyed = keyed_statements.clone();
            let count_keyed: Arc<dyn Fn(&Statement) + Send + Sync> = Arc::new(move |statement| {
                keyed.fetch_add(1, Ordering::SeqCst);
                count(statement);
            });
            civlink::observe::instrument(&mut keyed_db, Some(count_keyed));
        }
        let schema = civlink::graphql::build_schema(&options.limits);
        let settings = civlink::auth::jwt::JwtSettings {
            secret: Some(TEST_SECRET.to_owned()),
            keys_file: Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwt/keys.pem"))),
            issuer: TEST_ISSUER.to_owned(),
            audience: TEST_AUDIENCE.to_owned(),
            leeway_secs: 60,
        };
        let verifier = civlink::auth::jwt::Verifier::new(&settings).expect("verifier");
        let changes = options
            .changes
            .then(|| civlink::subscription::ChangeHub::start(db.clone(), options.http.subscriptions.poll));
        let app = civlink::app::router(civlink::app::AppState {
            schema,
            db: app_db,
            keyed_db,
            verifier: Some(verifier),
            http: options.http,
            changes: changes.clone(),
        });
        let deliveries = options
            .webhooks
            .map(|settings| civlink::webhook::Deliveries::start(db.clone(), settings).expect("webhook deliveries"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await
                .expect("server");
        });
        TestApp {
            backend,
            addr,
            db,
            url,
            statements,
            keyed_statements,
            log,
            client: reqwest::Client::new(),
            server,
            deliveries,
            changes,
            store,
        }
    }

    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    /// POSTs a query with variables as ADMIN; returns the whole JSON response.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.post_as(Some(&admin_token()), query, variables).await
    }

    /// POSTs a query with `token` (`None`: no Authorization header, i.e. PUBLIC).
    pub async fn post_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self.client.post(self.graphql_url()).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        assert!(resp.status().is_success(), "HTTP {}", resp.status());
        resp.json().await.expect("json body")
    }

    /// Like [`TestApp::data`] with `token`.
    pub async fn data_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.post_as(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Like [`TestApp::error_code`] with `token`.
    pub async fn error_code_as(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let body = self.post_as(token, query, variables).await;
        let code = &body["errors"][0]["extensions"]["code"];
        assert!(code.is_string(), "expected an error with extensions.code, got {body:#}");
        code.as_str().unwrap_or_default().to_owned()
    }

    /// POSTs a query that must succeed; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.post(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// POSTs a query that must fail; returns the `extensions.code` of the first error.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let body = self.post(query, variables).await;
        let code = &body["errors"][0]["extensions"]["code"];
        assert!(code.is_string(), "expected an error with extensions.code, got {body:#}");
        code.as_str().unwrap_or_default().to_owned()
    }

    /// SQL statements executed since the last call.
    pub fn take_statements(&self) -> u64 {
        self.statements.swap(0, Ordering::SeqCst)
    }

    /// Statements run on the pool for lookups by key since the last call (PostgreSQL; on SQLite
    /// always 0, the pools being one).
    pub fn take_keyed_statements(&self) -> u64 {
        self.keyed_statements.swap(0, Ordering::SeqCst)
    }

    /// The statements the app ran since the last call (with [`Options::log_statements`]).
    pub fn take_logged(&self) -> Vec<Statement> {
        let log = self.log.as_ref().expect("the app was spawned with Options::log_statements");
        std::mem::take(&mut *log.lock().expect("statement log"))
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(d) = &self.deliveries {
            d.abort();
        }
        if let Some(c) = &self.changes {
            c.abort();
        }
        if let Store::Postgres { name } = &self.store {
            let name = name.clone();
            let db = self.db.clone();
            block_on(async move {
                db.close().await.ok();
                let admin = pg_admin().await;
                let _ = admin.execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await;
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the entity test files

/// `SELECT COUNT(*) AS n …` (or any single `n` column), with `$1`-style parameters on both backends.
pub async fn scalar(app: &TestApp, sql: &str, params: Vec<SqlValue>) -> i64 {
    let backend = app.db.get_database_backend();
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
    let row = app.db.query_one_raw(Statement::from_sql_and_values(backend, sql, params)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The global id of the first township station of 兴义市 (`522301`) in the demo data.
pub async fn a_township_station(app: &TestApp) -> Value {
    let q = r#"{ stations(first: 1, filter: { region: "522301", levels: [TOWNSHIP_STATION] }) { nodes { id } } }"#;
    let d = app.data(q, serde_json::json!({})).await;
    nodes(&d["stations"])[0]["id"].clone()
}

/// The type name and key inside a global id.
pub fn decode(id: &str) -> (String, String) {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).expect("base64url id")).expect("utf-8 id");
    let (ty, key) = text.split_once(':').expect("Type:key");
    (ty.to_owned(), key.to_owned())
}

/// The UUID inside a global id of type `ty`.
pub fn uuid_of(id: &Value, ty: &str) -> Uuid {
    let (t, key) = decode(id.as_str().expect("id string"));
    assert_eq!(t, ty, "{id}");
    Uuid::parse_str(&key).expect("uuid key")
}

pub fn gid(ty: &str, key: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{ty}:{key}"))
}

pub fn nodes(conn: &Value) -> &Vec<Value> {
    conn["nodes"].as_array().expect("nodes")
}

pub fn id_set(conn: &Value) -> BTreeSet<String> {
    nodes(conn).iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

pub fn total(conn: &Value) -> i64 {
    conn["totalCount"].as_i64().expect("totalCount")
}

/// A masked mobile number: `138****5678`.
pub fn is_masked_mobile(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    c.len() == 11
        && c[0] == '1'
        && c[1..3].iter().all(char::is_ascii_digit)
        && c[3..7].iter().all(|&x| x == '*')
        && c[7..].iter().all(char::is_ascii_digit)
}

/// A masked citizen ID number: `^\d{4}\*{10}[\dX]{4}$`.
pub fn is_masked_citizen_id(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    c.len() == 18
        && c[..4].iter().all(char::is_ascii_digit)
        && c[4..14].iter().all(|&x| x == '*')
        && c[14..].iter().all(|&x| x.is_ascii_digit() || x == 'X')
}

/// Every node of the root connection `field`, walking pages of `$after`, with the raw
/// response body each node came in.
pub async fn walk_bodies(
    app: &TestApp,
    query: &str,
    field: &str,
    mut vars: Value,
) -> (i64, Vec<Value>, Vec<Arc<String>>) {
    let mut out = Vec::new();
    let mut bodies = Vec::new();
    let mut after = Value::Null;
    loop {
        vars["after"] = after.clone();
        let resp = app
            .client()
            .post(app.graphql_url())
            .bearer_auth(admin_token())
            .json(&json!({ "query": query, "variables": vars }))
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success());
        let text = resp.text().await.expect("body");
        let body: Value = serde_json::from_str(&text).expect("json");
        assert!(body.get("errors").is_none(), "{body:#}");
        let conn = &body["data"][field];
        out.extend(nodes(conn).iter().cloned());
        let page = Arc::new(text);
        bodies.extend(nodes(conn).iter().map(|_| page.clone()));
        if conn["pageInfo"]["hasNextPage"] != true {
            return (total(conn), out, bodies);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

pub async fn walk(app: &TestApp, query: &str, field: &str, vars: Value) -> (i64, Vec<Value>) {
    let (n, rows, _) = walk_bodies(app, query, field, vars).await;
    (n, rows)
}

// ---------------------------------------------------------------------------------------------
// Helpers of the single-mutation tests

/// The payload of mutation `field` in `d`, asserting it has no user errors.
pub fn payload_ok<'a>(d: &'a Value, field: &str) -> &'a Value {
    assert_eq!(d[field]["userErrors"], json!([]), "{d}");
    &d[field]
}

/// The user errors of mutation `field` in `d` as `(first field name, code)` pairs.
pub fn error_codes(d: &Value, field: &str) -> Vec<(String, String)> {
    assert!(d[field].is_object(), "{d}");
    d[field]["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| (e["field"][0].as_str().unwrap_or_default().to_owned(), e["code"].as_str().unwrap().to_owned()))
        .collect()
}

/// `[(field, code)]`, for comparing with [`error_codes`].
pub fn one_error(field: &str, code: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), code.to_owned())]
}

/// The audit entries of `entity` row `id` (a global id) with `action`, oldest first, as an
/// ADMIN reads them (`changes` included).
pub async fn audit_entries(app: &TestApp, entity: &str, id: &Value, action: &str) -> Vec<Value> {
    let q = r#"query($f: AuditLogFilter) { auditLog(first: 100, filter: $f) {
        nodes { action entityId fields changes } } }"#;
    let d = app.data(q, json!({ "f": { "entity": entity } })).await;
    let key = uuid_of(id, entity).to_string();
    nodes(&d["auditLog"])
        .iter()
        .filter(|n| n["action"] == action && (n["entityId"] == *id || n["entityId"] == json!(key)))
        .cloned()
        .collect()
}

/// Asserts that `input`, sent as the `$input` of `query`, is refused whole because a money
/// value fails the `Yuan` scalar: a request error (`GRAPHQL_VALIDATION_FAILED`) carrying the
/// scalar's own message, which contains `fragment`; nothing ran, so nothing was written.
pub async fn refused_by_the_yuan_scalar(app: &TestApp, query: &str, input: Value, fragment: &str) {
    let body = app.post(query, serde_json::json!({ "input": input })).await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("\"Yuan\"") && message.contains(fragment), "{fragment}: {body}");
    assert!(body.get("data").is_none(), "a request error has no data: {body}");
}

/// A CIVIL_AFFAIRS token for the division `region`.
pub fn civil_affairs(region: &str) -> String {
    token_with("CIVIL_AFFAIRS", |c| c.region = Some(region.to_owned()))
}

/// A STATION_STAFF token for the station with global id `station`.
pub fn station_staff(station: &Value) -> String {
    let key = uuid_of(station, "Station").to_string();
    token_with("STATION_STAFF", |c| c.station = Some(key))
}

/// A valid citizen ID number of someone born on 1990-01-01 in 兴义市, sequence `n`.
pub fn citizen_id(n: u16) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).expect("date");
    civlink::domain::CitizenId::synthesize("522301", birth, n).expect("citizen id").as_str().to_owned()
}

/// Creates a station in division `region` as ADMIN and returns its global id.
pub async fn new_station(app: &TestApp, region: &str) -> Value {
    let q = r#"mutation($input: CreateStationInput!) { createStation(input: $input) { station { id } userErrors { code } } }"#;
    let input =
        json!({ "name": "测试社工站", "level": "TOWNSHIP_STATION", "status": "OPERATING", "regionCode": region });
    let d = app.data(q, json!({ "input": input })).await;
    payload_ok(&d, "createStation")["station"]["id"].clone()
}

/// SQLite's `EXPLAIN QUERY PLAN` of a logged statement, with its values: one step per line.
pub async fn sqlite_plan(db: &impl sea_orm::ConnectionTrait, statement: &Statement) -> Vec<String> {
    let explain = Statement::from_sql_and_values(
        sea_orm::DbBackend::Sqlite,
        format!("EXPLAIN QUERY PLAN {}", statement.sql),
        statement.values.clone().unwrap_or(sea_orm::Values(Vec::new())),
    );
    db.query_all_raw(explain).await.unwrap().iter().map(|row| row.try_get::<String>("", "detail").unwrap()).collect()
}

/// Gives SQLite's planner on `db` (a transaction, to be rolled back) the statistics `ANALYZE`
/// left for `table` on another database: its `(index, stat)` rows of `sqlite_stat1`.
pub async fn use_sqlite_stats(db: &impl sea_orm::ConnectionTrait, table: &str, stats: &[(&str, &str)]) {
    db.execute_unprepared("ANALYZE").await.unwrap();
    db.execute_unprepared(&format!("DELETE FROM sqlite_stat1 WHERE tbl = '{table}'")).await.unwrap();
    for (index, stat) in stats {
        let sql = format!("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('{table}', '{index}', '{stat}')");
        db.execute_unprepared(&sql).await.unwrap();
    }
    db.execute_unprepared("ANALYZE sqlite_schema").await.unwrap();
}
