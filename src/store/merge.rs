//! The statements of one level of a request, run as one (issue 7: statements per request).
//!
//! A query's relations load in batches, one statement per relation and level
//! (`graphql::loaders`). Operation 2 of the load harness, a station with its seven lists and
//! three references, ran twelve statements, each a round trip, a parse and a plan; its
//! hand-written floor runs two. The lists and lookups of one level are independent selects,
//! so [`Merger`] collects those submitted while the request waits (see
//! `graphql::context::LoadQueue::run`) and runs them as one `UNION ALL`, each select an arm:
//!
//! ```sql
//! SELECT 0 AS __arm, m.__rn AS __ord, m.id AS a0_id, …, CAST(NULL AS uuid) AS a1_id, …
//!   FROM (<first select>) AS m
//! UNION ALL (SELECT 1, …, NULL …, m.id, … FROM (<second select>) AS m)
//! ORDER BY __arm, __ord
//! ```
//!
//! Every arm's columns are renamed with its prefix (`a0_`…), so a row is read as before with
//! that prefix (`FromQueryResult::from_query_result(row, "a0_")`). The other arms' columns are
//! NULL, cast on PostgreSQL to the entity's column type: PostgreSQL resolves a `UNION`'s column
//! types pair by pair, and two untyped NULLs would become `text`. `__ord` keeps each arm's
//! own order. Selects for the pool of lookups by key and for the main pool (code ranges, change
//! feeds: planned per run, [`crate::db::connect_keyed`]) merge apart: two statements at most
//! per level. A merged statement that fails fails every arm, with the same error. Only on
//! PostgreSQL: on SQLite, where a statement is no round trip, each select runs alone
//! ([`execute`]).

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use sea_orm::sea_query::{Alias, Expr, Order, PostgresQueryBuilder, Query, SelectStatement, TableBuilder, UnionType};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable,
    QueryResult,
};
use tokio::sync::oneshot;

use super::StoreError;

/// An output column of a submitted select: its name and its type.
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
}

impl Column {
    /// A column named `name` (as the select's output names it) of type `ty`.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        Self { name: name.into(), ty }
    }

    /// The columns of `E`'s rows, as `Select<E>` names them.
    pub fn of<E: EntityTrait>() -> Vec<Column> {
        E::Column::iter().map(|c| Column::new(c.as_str(), c.def().get_column_type().clone())).collect()
    }
}

/// Rows of one submitted select, read with [`Rows::prefix`] before each column name.
pub struct Rows {
    pub rows: Vec<QueryResult>,
    /// `""` when the select ran alone, `"a<n>_"` when it was an arm of a merged statement.
    pub prefix: String,
}

type Reply = oneshot::Sender<Result<Rows, Arc<DbErr>>>;

struct Arm {
    select: SelectStatement,
    columns: Vec<Column>,
    /// The most values the select binds (its keys or parents, and its filters').
    values: usize,
    /// The arm's order column, if its rows must keep an order.
    order: Option<&'static str>,
    reply: Reply,
}

/// Selects waiting to run, per pool. Shared by one request's loader and its
/// `LoadQueue`, which calls [`Merger::flush`] whenever the request waits.
#[derive(Clone)]
pub struct Merger {
    db: DatabaseConnection,
    keyed: DatabaseConnection,
    waiting: Arc<Mutex<[Vec<Arm>; 2]>>,
}

/// Which pool a select runs on: the pool for lookups by key, or the main one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Keyed = 0,
    Main = 1,
}

impl Merger {
    /// A merger for one request over the main pool `db` and the pool for lookups by key
    /// `keyed` (on SQLite, the same pool).
    pub fn new(db: DatabaseConnection, keyed: DatabaseConnection) -> Self {
        Self { db, keyed, waiting: Default::default() }
    }

    /// The database the selects are written for.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Runs `select`, whose output `columns` are listed, with the other selects submitted
    /// before the request next waits; `order` names the column the rows keep their order by;
    /// `keys` is how many keys or parents it binds.
    ///
    /// Errors: the merged statement's database error, shared by all its arms.
    pub async fn rows(
        &self,
        pool: Pool,
        select: SelectStatement,
        columns: Vec<Column>,
        order: Option<&'static str>,
        keys: usize,
    ) -> Result<Rows, StoreError> {
        let (reply, answer) = oneshot::channel();
        // A parent may bind two values (a code range's ends).
        let values = 2 * keys + FILTER_VALUES;
        let arm = Arm { select, columns, values, order, reply };
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())[pool as usize].push(arm);
        match answer.await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(e)) => Err(StoreError::Shared(e)),
            // Dropped unanswered: the request was cancelled.
            Err(_) => Err(StoreError::cancelled()),
        }
    }

    /// A future that runs the selects submitted so far ([`execute`]: on PostgreSQL merged per
    /// pool) and answers each; `None` when nothing waits.
    pub fn flush(&self) -> Option<BoxFuture<'static, ()>> {
        let [keyed, main] = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        if keyed.is_empty() && main.is_empty() {
            return None;
        }
        let backend = self.backend();
        let (db, keyed_db) = (self.db.clone(), self.keyed.clone());
        Some(Box::pin(async move {
            let run = |db: DatabaseConnection, arms: Vec<Arm>| async move {
                if !arms.is_empty() {
                    execute(&db, backend, arms).await;
                }
            };
            futures::join!(run(keyed_db, keyed), run(db, main));
        }))
    }
}

/// The most columns a merged statement returns. PostgreSQL allows 1,664, SQLite 2,000 (its
/// default `SQLITE_MAX_COLUMN`); many lists at one level (aliases) take several statements.
const MAX_COLUMNS: usize = 1_000;
/// The most values a merged statement binds: PostgreSQL's protocol allows 65,535, SQLite
/// 32,766 (`SQLITE_MAX_VARIABLE_NUMBER`).
const MAX_VALUES: usize = 30_000;
/// Values a select binds besides its keys, at most: its filters and cursor.
const FILTER_VALUES: usize = 64;

/// Runs `arms` at once: on PostgreSQL, as few statements as [`MAX_COLUMNS`] and
/// [`MAX_VALUES`] allow; on SQLite each alone.
///
/// SQLite runs a statement as a call into the library, not a round trip, and each pooled
/// connection on a thread of its own, so separate statements run in parallel there; merged,
/// operation 2 of the load harness served 30 % fewer requests per second (BENCHMARKS.md).
async fn execute(db: &DatabaseConnection, backend: DbBackend, arms: Vec<Arm>) {
    if backend != DbBackend::Postgres {
        futures::future::join_all(arms.into_iter().map(|arm| execute_one(db, vec![arm]))).await;
        return;
    }
    let mut chunks: Vec<Vec<Arm>> = Vec::new();
    let (mut columns, mut values) = (0, 0);
    for arm in arms {
        let width = arm.columns.len() + 2;
        match chunks.last_mut() {
            Some(chunk) if columns + width <= MAX_COLUMNS && values + arm.values <= MAX_VALUES => {
                columns += width;
                values += arm.values;
                chunk.push(arm);
            }
            _ => {
                (columns, values) = (width, arm.values);
                chunks.push(vec![arm]);
            }
        }
    }
    futures::future::join_all(chunks.into_iter().map(|chunk| execute_one(db, chunk))).await;
}

/// Runs `arms` as one statement and answers each.
async fn execute_one(db: &DatabaseConnection, mut arms: Vec<Arm>) {
    if arms.len() == 1 {
        let arm = arms.remove(0);
        let rows = db.query_all(&arm.select).await.map(|rows| Rows { rows, prefix: String::new() });
        let _ = arm.reply.send(rows.map_err(Arc::new));
        return;
    }
    let statement = merged(&mut arms);
    let mut split: Vec<Vec<QueryResult>> = arms.iter().map(|_| Vec::new()).collect();
    match db.query_all(&statement).await {
        Ok(rows) => {
            for row in rows {
                match row.try_get::<i32>("", "__arm").ok().and_then(|k| split.get_mut(k as usize)) {
                    Some(arm_rows) => arm_rows.push(row),
                    None => tracing::error!("merged statement returned a row of no arm"),
                }
            }
            for (k, (arm, rows)) in arms.into_iter().zip(split).enumerate() {
                let _ = arm.reply.send(Ok(Rows { rows, prefix: prefix(k) }));
            }
        }
        Err(e) => {
            let e = Arc::new(e);
            for arm in arms {
                let _ = arm.reply.send(Err(e.clone()));
            }
        }
    }
}

fn prefix(arm: usize) -> String {
    format!("a{arm}_")
}

/// The `UNION ALL` of `arms` (module docs); takes their selects.
fn merged(arms: &mut [Arm]) -> SelectStatement {
    let nulls: Vec<Vec<Expr>> =
        arms.iter().map(|arm| arm.columns.iter().map(|c| typed_null(&c.ty)).collect()).collect();
    let m = Alias::new("m");
    let mut out: Option<SelectStatement> = None;
    for k in 0..arms.len() {
        let mut arm = Query::select();
        arm.expr_as(Expr::cust(k.to_string()), Alias::new("__arm"));
        match arms[k].order {
            Some(column) => arm.expr_as(Expr::col((m.clone(), Alias::new(column))), Alias::new("__ord")),
            None => arm.expr_as(typed_null(&ColumnType::BigInteger), Alias::new("__ord")),
        };
        for (j, other) in arms.iter().enumerate() {
            for (c, column) in other.columns.iter().enumerate() {
                let name = Alias::new(format!("{}{}", prefix(j), column.name));
                if j == k {
                    arm.expr_as(Expr::col((m.clone(), Alias::new(column.name.as_str()))), name);
                } else {
                    arm.expr_as(nulls[j][c].clone(), name);
                }
            }
        }
        arm.from_subquery(std::mem::replace(&mut arms[k].select, Query::select()), m.clone());
        match &mut out {
            None => out = Some(arm),
            Some(first) => {
                first.union(UnionType::All, arm);
            }
        }
    }
    let mut out = out.unwrap_or_else(Query::select);
    out.order_by(Alias::new("__arm"), Order::Asc).order_by(Alias::new("__ord"), Order::Asc);
    out
}

/// NULL of a column's type on PostgreSQL (module docs).
fn typed_null(ty: &ColumnType) -> Expr {
    let mut name = String::new();
    PostgresQueryBuilder.prepare_column_type(ty, &mut name);
    Expr::cust(format!("CAST(NULL AS {name})"))
}
