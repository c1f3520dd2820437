//! Bulk loading for the synthetic data set: rows generated on one thread, written by another
//! with the fastest path each database offers.
//!
//! - **PostgreSQL**: `COPY … FROM STDIN` (text format) through sqlx, in one transaction that
//!   first drops the loaded tables' secondary indexes and foreign keys and re-creates them
//!   after the last row (PostgreSQL manual, "Populating a Database", 14.4.3-14.4.4): building
//!   an index once is much cheaper than maintaining it row by row, and re-adding a foreign key
//!   validates every row with one join. DDL is transactional, so a failure leaves the database
//!   as it was.
//! - **SQLite**: multi-row `INSERT`s of up to [`SQLITE_MAX_PARAMETERS`] bind values, prepared
//!   once per shape, in one transaction that likewise drops and re-creates the secondary
//!   indexes. Foreign-key enforcement is switched off on the one connection that loads
//!   (`PRAGMA foreign_keys` cannot change inside a transaction) and back on before it returns
//!   to the pool; the generator only references rows it has generated, and the tests check
//!   `PRAGMA foreign_key_check` on the result. `synchronous` is left as the pool sets it
//!   (NORMAL): the load is one transaction, so it syncs once.
//!
//! Values are encoded by the same sqlx codecs SeaORM uses, so the stored bytes (UUID blobs
//! on SQLite, timestamp text) are those of rows the API writes.

use std::collections::HashMap;
use std::fmt::Write as _;

use std::sync::Arc;

use sea_orm::sea_query::{OptionEnum, Value};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection as _, Row as _};
use sea_orm::{DatabaseConnection, DbBackend, EntityTrait, IdenStatic, Iterable, ModelTrait};
use tokio::sync::mpsc;

use super::SeedError;
use crate::import::Progress;

/// Largest number of bind values in one SQLite statement (SQLite's limit is 32,766).
pub const SQLITE_MAX_PARAMETERS: usize = 30_000;

/// Rows gathered per table before a batch goes to the writer (one `COPY` or a few
/// multi-row `INSERT`s). Bounds the memory in flight to a few megabytes per table.
const BATCH_ROWS: usize = 20_000;

/// Batches waiting between the generator and the writer.
const CHANNEL_DEPTH: usize = 8;

/// A table the loader writes: its name and its columns in entity order.
#[derive(Debug, Clone)]
pub(super) struct TableSpec {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
}

impl TableSpec {
    /// The table and columns of entity `E`.
    pub fn of<E: EntityTrait + Default>() -> Self {
        Self { name: E::default().table_name(), columns: E::Column::iter().map(|c| c.as_str()).collect() }
    }
}

/// A batch of one table's rows, encoded for the target database.
enum Payload {
    /// `COPY` text-format lines.
    Copy(Vec<u8>),
    /// Values in column order, one `Vec` per row.
    Rows(Vec<Vec<Value>>),
}

struct Batch {
    table: usize,
    rows: usize,
    payload: Payload,
}

/// The generator's end: buffers rows per table, hashes them, and hands full batches to the
/// writer. Blocking: it runs on a thread of its own.
pub(super) struct Sink {
    backend: DbBackend,
    tables: Vec<TableSpec>,
    copy: Vec<Vec<u8>>,
    rows: Vec<Vec<Vec<Value>>>,
    pending: Vec<usize>,
    counts: Vec<u64>,
    line: String,
    hash: u64,
    tx: mpsc::Sender<Batch>,
}

/// FNV-1a, 64 bit: a stable hash (unlike `std`'s `DefaultHasher`) for the data checksum.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

impl Sink {
    /// Adds one row of table number `table` (an index into the specs given to [`load`]).
    ///
    /// # Errors
    /// [`SeedError::Plan`] when the writer has stopped (its own error is reported by
    /// [`load`]).
    pub fn push<M: ModelTrait>(&mut self, table: usize, model: &M) -> Result<(), SeedError> {
        let values: Vec<Value> = <M::Entity as EntityTrait>::Column::iter().map(|c| model.get(c)).collect();
        self.line.clear();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.line.push('\t');
            }
            copy_text(&mut self.line, v);
        }
        self.line.push('\n');
        self.hash = fnv(self.hash, self.line.as_bytes());
        match self.backend {
            DbBackend::Postgres => self.copy[table].extend_from_slice(self.line.as_bytes()),
            _ => self.rows[table].push(values),
        }
        self.pending[table] += 1;
        self.counts[table] += 1;
        if self.pending[table] >= BATCH_ROWS {
            self.flush(table)?;
        }
        Ok(())
    }

    fn flush(&mut self, table: usize) -> Result<(), SeedError> {
        if self.pending[table] == 0 {
            return Ok(());
        }
        let payload = match self.backend {
            DbBackend::Postgres => Payload::Copy(std::mem::take(&mut self.copy[table])),
            _ => Payload::Rows(std::mem::take(&mut self.rows[table])),
        };
        let batch = Batch { table, rows: self.pending[table], payload };
        self.pending[table] = 0;
        self.tx.blocking_send(batch).map_err(|_| SeedError::Plan("the database writer stopped".to_owned()))
    }

    /// Sends what is left of every table.
    fn finish(mut self) -> Result<(Vec<u64>, u64), SeedError> {
        for t in 0..self.tables.len() {
            self.flush(t)?;
        }
        Ok((self.counts, self.hash))
    }
}

/// Appends `v` in PostgreSQL's `COPY` text format (also the canonical form the checksum
/// hashes): `\N` for NULL, backslash escapes for tab, newline, carriage return and backslash.
fn copy_text(out: &mut String, v: &Value) {
    fn text(out: &mut String, s: &str) {
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    }
    const NULL: &str = "\\N";
    // Writing to a String cannot fail.
    let _ = match v {
        Value::Bool(Some(b)) => write!(out, "{}", if *b { 't' } else { 'f' }),
        Value::TinyInt(Some(i)) => write!(out, "{i}"),
        Value::SmallInt(Some(i)) => write!(out, "{i}"),
        Value::Int(Some(i)) => write!(out, "{i}"),
        Value::BigInt(Some(i)) => write!(out, "{i}"),
        Value::Double(Some(d)) => write!(out, "{d}"),
        Value::Float(Some(d)) => write!(out, "{d}"),
        Value::String(Some(s)) => {
            text(out, s);
            Ok(())
        }
        Value::Enum(OptionEnum::Some(e)) => {
            text(out, &e.value);
            Ok(())
        }
        Value::Uuid(Some(u)) => write!(out, "{}", u.hyphenated()),
        Value::ChronoDate(Some(d)) => write!(out, "{}", d.format("%Y-%m-%d")),
        Value::ChronoDateTimeUtc(Some(t)) => write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00")),
        _ => write!(out, "{NULL}"),
    };
}

/// What [`load`] wrote.
pub(super) struct Loaded {
    /// Rows per table, in the order of the specs.
    pub counts: Vec<u64>,
    /// FNV-1a of every row in `COPY` text form, in generation order.
    pub checksum: u64,
}

/// Runs `generate` on a blocking thread, feeding a [`Sink`], while this task writes its
/// batches into `tables` of `db`, as described in the module documentation.
///
/// # Errors
/// The writer's database error first (the generator then stops with a "writer stopped"
/// error, which is not reported), else the generator's.
pub(super) async fn load<G>(
    db: &DatabaseConnection,
    tables: Vec<TableSpec>,
    progress: &dyn Progress,
    generate: G,
) -> Result<Loaded, SeedError>
where
    G: FnOnce(&mut Sink) -> Result<(), SeedError> + Send + 'static,
{
    let backend = db.get_database_backend();
    if !matches!(backend, DbBackend::Postgres | DbBackend::Sqlite) {
        return Err(SeedError::Plan(format!("bulk loading supports PostgreSQL and SQLite, not {backend:?}")));
    }
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    let n = tables.len();
    let sink = Sink {
        backend,
        tables: tables.clone(),
        copy: vec![Vec::new(); n],
        rows: (0..n).map(|_| Vec::new()).collect(),
        pending: vec![0; n],
        counts: vec![0; n],
        line: String::new(),
        hash: FNV_OFFSET,
        tx,
    };
    let generator = tokio::task::spawn_blocking(move || {
        let mut sink = sink;
        generate(&mut sink)?;
        sink.finish()
    });
    let written = match backend {
        DbBackend::Postgres => write_postgres(db, &tables, rx, progress).await,
        _ => write_sqlite(db, &tables, rx, progress).await,
    };
    let generated = generator.await.map_err(|e| SeedError::Plan(format!("the generator failed: {e}")))?;
    written?;
    let (counts, checksum) = generated?;
    Ok(Loaded { counts, checksum })
}

/// A secondary index or foreign key dropped for the load, with the DDL that re-creates it.
struct Dropped {
    drop: String,
    create: String,
}

async fn write_postgres(
    db: &DatabaseConnection,
    tables: &[TableSpec],
    mut rx: mpsc::Receiver<Batch>,
    progress: &dyn Progress,
) -> Result<(), SeedError> {
    let mut conn = db.get_postgres_connection_pool().acquire().await?;
    let mut tx = conn.begin().await?;
    // Index builds sort in memory up to this much, per build (the default is 64 MB).
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *tx).await?;
    let mut indexes = Vec::new();
    let mut foreign_keys = Vec::new();
    for t in tables {
        let rows = sqlx::query(
            "SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS def \
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
             WHERE x.indrelid = $1::regclass \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid \
                               AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x')) \
             ORDER BY 1",
        )
        .bind(t.name)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            let name: String = r.try_get("name")?;
            indexes.push(Dropped { drop: format!(r#"DROP INDEX "{name}""#), create: r.try_get("def")? });
        }
        let rows = sqlx::query(
            "SELECT conname::text AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint \
             WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY 1",
        )
        .bind(t.name)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            let name: String = r.try_get("name")?;
            let def: String = r.try_get("def")?;
            foreign_keys.push(Dropped {
                drop: format!(r#"ALTER TABLE "{}" DROP CONSTRAINT "{name}""#, t.name),
                create: format!(r#"ALTER TABLE "{}" ADD CONSTRAINT "{name}" {def}"#, t.name),
            });
        }
    }
    for d in foreign_keys.iter().chain(&indexes) {
        sqlx::query(AssertSqlSafe(d.drop.as_str())).execute(&mut *tx).await?;
    }
    let statements: Vec<String> = tables
        .iter()
        .map(|t| {
            let cols = t.columns.iter().map(|c| format!(r#""{c}""#)).collect::<Vec<_>>().join(", ");
            format!(r#"COPY "{}" ({cols}) FROM STDIN"#, t.name)
        })
        .collect();
    while let Some(batch) = rx.recv().await {
        let Payload::Copy(data) = batch.payload else { continue };
        let mut copy = tx.copy_in_raw(&statements[batch.table]).await?;
        copy.send(data).await?;
        copy.finish().await?;
        progress.advance(batch.rows as u64);
    }
    progress.finish();
    progress.start("indexes and foreign keys", Some((indexes.len() + foreign_keys.len()) as u64));
    for d in indexes.iter().chain(&foreign_keys) {
        sqlx::query(AssertSqlSafe(d.create.as_str())).execute(&mut *tx).await?;
        progress.advance(1);
    }
    tx.commit().await?;
    progress.finish();
    progress.start("analyze", Some(tables.len() as u64));
    for t in tables {
        sqlx::query(AssertSqlSafe(format!(r#"ANALYZE "{}""#, t.name))).execute(&mut *conn).await?;
        progress.advance(1);
    }
    progress.finish();
    Ok(())
}

async fn write_sqlite(
    db: &DatabaseConnection,
    tables: &[TableSpec],
    mut rx: mpsc::Receiver<Batch>,
    progress: &dyn Progress,
) -> Result<(), SeedError> {
    let mut conn = db.get_sqlite_connection_pool().acquire().await?;
    // Whatever happens below, this connection is not handed to anyone else afterwards.
    conn.close_on_drop();
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
    sqlx::query("PRAGMA cache_size = -262144").execute(&mut *conn).await?;
    let result = async {
        let mut tx = conn.begin().await?;
        let mut indexes = Vec::new();
        for t in tables {
            let rows = sqlx::query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL \
                 ORDER BY name",
            )
            .bind(t.name)
            .fetch_all(&mut *tx)
            .await?;
            for r in rows {
                let name: String = r.try_get("name")?;
                indexes.push(Dropped { drop: format!(r#"DROP INDEX "{name}""#), create: r.try_get("sql")? });
            }
        }
        for d in &indexes {
            sqlx::query(AssertSqlSafe(d.drop.as_str())).execute(&mut *tx).await?;
        }
        let mut statements: HashMap<(usize, usize), Arc<String>> = HashMap::new();
        while let Some(batch) = rx.recv().await {
            let Payload::Rows(rows) = batch.payload else { continue };
            let spec = &tables[batch.table];
            let per_statement = (SQLITE_MAX_PARAMETERS / spec.columns.len().max(1)).max(1);
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
                let sql = statements
                    .entry((batch.table, chunk.len()))
                    .or_insert_with(|| Arc::new(insert_sql(spec, chunk.len())))
                    .clone();
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for v in chunk.into_iter().flatten() {
                    query = bind_sqlite(query, v)?;
                }
                query.execute(&mut *tx).await?;
            }
            progress.advance(batch.rows as u64);
        }
        progress.finish();
        progress.start("indexes", Some(indexes.len() as u64));
        for d in &indexes {
            sqlx::query(AssertSqlSafe(d.create.as_str())).execute(&mut *tx).await?;
            progress.advance(1);
        }
        tx.commit().await?;
        progress.finish();
        Ok::<(), SeedError>(())
    }
    .await;
    // Back to the pool's settings before anything else can see this connection.
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
    result?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await?;
    // Planner statistics, as PostgreSQL gets above: without `sqlite_stat1` SQLite guesses
    // index selectivity. Every index of every table read whole (SQLite's default,
    // `analysis_limit = 0`; 46 s for the national set): examining about 1,000 entries of each
    // (`analysis_limit = 1000`, 0.1 s) rated 667 stations per level where 27,914 are operating
    // township stations, and 1,001 service records per method of 3.4 million, and SQLite chose
    // indexes by them (BENCHMARKS.md, "SQLite's planner statistics of the national set").
    progress.start("analyze", Some(1));
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    progress.finish();
    Ok(())
}

/// `INSERT INTO t (cols) VALUES (?, …), …` for `rows` rows.
fn insert_sql(spec: &TableSpec, rows: usize) -> String {
    let cols = spec.columns.iter().map(|c| format!(r#""{c}""#)).collect::<Vec<_>>().join(", ");
    let one = format!("({})", vec!["?"; spec.columns.len()].join(", "));
    let mut sql = format!(r#"INSERT INTO "{}" ({cols}) VALUES "#, spec.name);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&one);
    }
    sql
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds `v` with the codec sea-query-sqlx uses for it, so values are stored as the API
/// stores them.
fn bind_sqlite(q: SqliteQuery<'_>, v: Value) -> Result<SqliteQuery<'_>, SeedError> {
    Ok(match v {
        Value::Bool(b) => q.bind(b),
        Value::TinyInt(i) => q.bind(i),
        Value::SmallInt(i) => q.bind(i),
        Value::Int(i) => q.bind(i),
        Value::BigInt(i) => q.bind(i),
        Value::Float(f) => q.bind(f),
        Value::Double(d) => q.bind(d),
        Value::String(s) => q.bind(s),
        Value::Enum(OptionEnum::Some(e)) => q.bind(Some(e.value.into_owned())),
        Value::Enum(OptionEnum::None(_)) => q.bind(None::<String>),
        Value::Uuid(u) => q.bind(u),
        Value::ChronoDate(d) => q.bind(d),
        Value::ChronoDateTimeUtc(t) => q.bind(t),
        other => return Err(SeedError::Plan(format!("the bulk loader cannot bind {other:?}"))),
    })
}
