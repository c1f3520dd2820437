//! Keyset pagination (Relay cursor connections) over any entity, for one list or for many
//! parents at once.
//!
//! An [`Ordering`] lists the columns rows are compared by, the last one unique (the id), so the
//! order is total and a cursor (the key values of a row) names a position that stays valid
//! while rows are inserted or deleted. Pages never use OFFSET.
//!
//! [`fetch_pages_by_parent`] serves DataLoaders: it pages the children of many parents in one
//! statement with `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY key)`, so a nested
//! connection costs one statement whatever the number of parents or the page size.

use std::collections::HashMap;
use std::hash::Hash;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, OverStatement, Query, WindowStatement};
use sea_orm::{
    ColumnTrait, ColumnType, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, TryGetable, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::StoreError;
use super::merge::{Column, Merger, Pool, Rows};

/// One value of a row's sort key, typed so that it binds as the column's own type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum KeyValue {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Id(Uuid),
}

impl From<KeyValue> for Value {
    fn from(v: KeyValue) -> Self {
        match v {
            KeyValue::Text(s) => s.into(),
            KeyValue::Int(i) => i.into(),
            KeyValue::Time(t) => t.into(),
            KeyValue::Date(d) => d.into(),
            KeyValue::Id(u) => u.into(),
        }
    }
}

/// Sort direction of an ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// An opaque position in an ordering: the ordering's name and the key of the row at it.
/// Encoded as unpadded URL-safe base64 of a small JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub ordering: String,
    #[serde(rename = "k")]
    pub key: Vec<KeyValue>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        // Serialising plain strings, numbers and dates cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Errors: [`StoreError::InvalidCursor`] when `s` is not a cursor this API issued.
    pub fn decode(s: &str) -> Result<Self, StoreError> {
        let bytes = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| StoreError::InvalidCursor("not base64url".into()))?;
        serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor("not a civlink cursor".into()))
    }
}

/// A change-feed read (`updatedSince`, `includeDeleted`): rows changed in
/// `[since, until]`, soft-deleted ones too when `include_deleted`, ordered by
/// `(updated_at, id)`.
///
/// `until` is the request's start less the feed's settle time (the longest a write
/// transaction may stay open, plus a margin): a row whose transaction has not committed yet
/// has `updated_at` after `until`, so a reader paging by cursor can never pass over it and see
/// it commit behind its back. Rows changed later sort after every cursor handed out so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Feed {
    /// Rows with `updated_at >= since` (UTC); `None`: from the beginning.
    pub since: Option<DateTime<Utc>>,
    /// Rows with `updated_at <= until` (UTC).
    pub until: DateTime<Utc>,
    /// Soft-deleted rows are listed too (as tombstones).
    pub include_deleted: bool,
}

/// Which page of a list to fetch. Exactly one of `first` and `last` is set (the API layer
/// applies the default page size and the maximum before building one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub first: Option<u64>,
    pub after: Option<Cursor>,
    pub last: Option<u64>,
    pub before: Option<Cursor>,
}

impl PageRequest {
    /// The first `n` rows.
    pub fn first(n: u64) -> Self {
        Self { first: Some(n), after: None, last: None, before: None }
    }

    fn backward(&self) -> bool {
        self.last.is_some()
    }

    pub(super) fn limit(&self) -> u64 {
        self.first.or(self.last).unwrap_or(0)
    }
}

/// One page of rows with their cursors.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub items: Vec<(Cursor, M)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    /// Rows of the whole list (not just this page), when the page query counted them too
    /// ([`fetch_pages_by_parent`] with `with_total`); `None` otherwise.
    pub total: Option<u64>,
}

impl<M> Default for Page<M> {
    fn default() -> Self {
        Self { items: Vec::new(), has_previous_page: false, has_next_page: false, total: None }
    }
}

/// A total order on an entity's rows: compared column by column, the last unique.
pub struct Ordering<E: EntityTrait> {
    /// Stable name written into cursors, e.g. `name`.
    pub name: &'static str,
    pub columns: Vec<E::Column>,
    pub direction: Direction,
    /// The row's values of `columns`, in order.
    pub key: fn(&E::Model) -> Vec<KeyValue>,
}

impl<E: EntityTrait> Ordering<E> {
    fn tag(&self) -> String {
        match self.direction {
            Direction::Asc => format!("{}:asc", self.name),
            Direction::Desc => format!("{}:desc", self.name),
        }
    }

    fn cursor(&self, model: &E::Model) -> Cursor {
        Cursor { ordering: self.tag(), key: (self.key)(model) }
    }

    fn check(&self, cursor: &Cursor) -> Result<(), StoreError> {
        let fits = cursor.ordering == self.tag()
            && cursor.key.len() == self.columns.len()
            && self.columns.iter().zip(&cursor.key).all(|(c, v)| fits_column(c, v));
        if !fits {
            return Err(StoreError::InvalidCursor(format!(
                "the cursor does not belong to the ordering {}",
                self.tag()
            )));
        }
        Ok(())
    }

    /// Rows strictly after (`later = true`) or before the cursor in this ordering, as one
    /// row-value comparison, `(c1, c2, …) > (v1, v2, …)`: both databases start an index range
    /// scan at it (PostgreSQL: "Row Constructor Comparison"; SQLite: "Row Values", 3.15+),
    /// where the equivalent `c1 > v1 OR (c1 = v1 AND c2 > v2)` made PostgreSQL read the
    /// ordering's index from its start and filter, page after page (BENCHMARKS.md, operation 3).
    /// Ordering columns are never NULL.
    fn beyond(&self, cursor: &Cursor, later: bool) -> Condition {
        let ascending = (self.direction == Direction::Asc) == later;
        let columns = Expr::tuple(self.columns.iter().map(|c| Expr::col((E::default(), *c))));
        let values = Expr::tuple(cursor.key.iter().map(|v| Expr::val(Value::from(v.clone()))));
        Condition::all().add(if ascending { columns.gt(values) } else { columns.lt(values) })
    }

    /// Applies the cursors of `req` as conditions.
    pub(super) fn window(&self, mut select: Select<E>, req: &PageRequest) -> Result<Select<E>, StoreError> {
        if let Some(after) = &req.after {
            self.check(after)?;
            select = select.filter(self.beyond(after, true));
        }
        if let Some(before) = &req.before {
            self.check(before)?;
            select = select.filter(self.beyond(before, false));
        }
        Ok(select)
    }

    /// SQL order of the fetch: reversed when paging backward.
    pub(super) fn fetch_order(&self, req: &PageRequest) -> Order {
        match (self.direction, req.backward()) {
            (Direction::Asc, false) | (Direction::Desc, true) => Order::Asc,
            _ => Order::Desc,
        }
    }
}

/// Whether a cursor value has the type of its column and a value both databases store (a
/// forged cursor could otherwise bind a text where PostgreSQL expects a uuid, or a date
/// PostgreSQL refuses, failing the whole statement its list was merged into).
fn fits_column(column: &impl ColumnTrait, value: &KeyValue) -> bool {
    use sea_orm::sea_query::ColumnType as T;
    match (column.def().get_column_type(), value) {
        // Stored text never holds NUL (PostgreSQL refuses it in text).
        (T::String(_) | T::Text | T::Char(_), KeyValue::Text(t)) => !t.contains('\0'),
        (T::Integer | T::BigInteger | T::SmallInteger, KeyValue::Int(_)) => true,
        (T::TimestampWithTimeZone | T::Timestamp | T::DateTime, KeyValue::Time(t)) => crate::domain::time::storable(t),
        (T::Date, KeyValue::Date(d)) => crate::domain::time::storable_date(d),
        (T::Uuid, KeyValue::Id(_)) => true,
        _ => false,
    }
}

/// Turns the `limit + 1` rows fetched in fetch order into a page in list order.
pub(super) fn into_page<E: EntityTrait>(
    mut rows: Vec<E::Model>,
    ordering: &Ordering<E>,
    req: &PageRequest,
) -> Page<E::Model> {
    let limit = req.limit() as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    if req.backward() {
        rows.reverse();
    }
    let items = rows.into_iter().map(|m| (ordering.cursor(&m), m)).collect();
    // Relay: a side we did not look at reports whether a cursor bounds it.
    let (has_previous_page, has_next_page) =
        if req.backward() { (more, req.before.is_some()) } else { (req.after.is_some(), more) };
    Page { items, has_previous_page, has_next_page, total: None }
}

/// One page of `select` (already filtered and scoped) in `ordering`.
///
/// Errors: [`StoreError::InvalidCursor`] for a cursor of another ordering; database errors.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    ordering: &Ordering<E>,
    req: &PageRequest,
) -> Result<Page<E::Model>, StoreError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let order = ordering.fetch_order(req);
    let mut select = ordering.window(select, req)?;
    for c in &ordering.columns {
        select = select.order_by(*c, order.clone());
    }
    let rows = select.limit(req.limit() + 1).all(db).await?;
    Ok(into_page(rows, ordering, req))
}

/// A page of children for each of many parents, in one statement.
///
/// With `with_total` and no cursor, the same statement also counts each parent's children
/// (`COUNT(*) OVER (PARTITION BY parent)`: the row numbering already reads the whole
/// partition, so the count costs nothing more) into [`Page::total`], and a connection asking
/// for `nodes` and `totalCount` runs one statement instead of two. With a cursor the window
/// sees only the rows past it, so totals are left to [`count_by_parent`].
///
/// `select` must already restrict to the parents' children (filters, scope); `parent` is the
/// expression naming a row's parent, read back as `P`; `parents` is how many. Parents without
/// children are absent from the map. The statement runs on `pool`, merged with the other
/// selects of the request's level ([`Merger`]).
#[allow(clippy::too_many_arguments)]
pub async fn fetch_pages_by_parent<E, P>(
    merger: &Merger,
    pool: Pool,
    select: Select<E>,
    parents: usize,
    parent: Expr,
    ordering: &Ordering<E>,
    req: &PageRequest,
    with_total: bool,
) -> Result<HashMap<P, Page<E::Model>>, StoreError>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    P: TryGetable + sea_orm::sea_query::ValueType + Eq + Hash,
{
    let order = ordering.fetch_order(req);
    let counted = counts_with_page(req, with_total);
    let mut columns = Column::of::<E>();
    let mut inner = ordering.window(select, req)?.into_query();
    if counted {
        let mut total = WindowStatement::new();
        total.add_partition_by(parent.clone());
        inner.expr_window_as(Expr::cust("COUNT(*)"), total, Alias::new("__total"));
        columns.push(Column::new("__total", ColumnType::BigInteger));
    }
    let mut window = WindowStatement::new();
    window.add_partition_by(parent.clone());
    for c in &ordering.columns {
        window.order_by_expr(Expr::col((E::default(), *c)), order.clone());
    }
    inner.expr_as(parent, Alias::new("__parent"));
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("__rn"));
    columns.push(Column::new("__parent", <P as sea_orm::sea_query::ValueType>::column_type()));
    columns.push(Column::new("__rn", ColumnType::BigInteger));
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("paged"))
        .and_where(Expr::col(Alias::new("__rn")).lte(req.limit() as i64 + 1))
        .order_by(Alias::new("__rn"), Order::Asc)
        .to_owned();
    let Rows { rows, prefix } = merger.rows(pool, outer, columns, Some("__rn"), parents).await?;
    let mut grouped: HashMap<P, (Vec<E::Model>, Option<u64>)> = HashMap::new();
    for row in rows {
        let key: P = row.try_get(&prefix, "__parent")?;
        let total =
            if counted { Some(u64::try_from(row.try_get::<i64>(&prefix, "__total")?).unwrap_or(0)) } else { None };
        let entry = grouped.entry(key).or_insert_with(|| (Vec::new(), total));
        entry.0.push(E::Model::from_query_result(&row, &prefix)?);
    }
    Ok(grouped.into_iter().map(|(k, (rows, total))| (k, Page { total, ..into_page(rows, ordering, req) })).collect())
}

/// Whether [`fetch_pages_by_parent`] counts each parent's children for `req`: when asked to
/// and the request has no cursor. Parents missing from its answer then have no children.
pub fn counts_with_page(req: &PageRequest, with_total: bool) -> bool {
    with_total && req.after.is_none() && req.before.is_none()
}

/// Row counts of `select` per parent, in one `GROUP BY` statement.
pub async fn count_by_parent<E, C, P>(db: &C, select: Select<E>, parent: Expr) -> Result<HashMap<P, u64>, StoreError>
where
    E: EntityTrait,
    C: ConnectionTrait,
    P: TryGetable + Eq + Hash,
{
    let rows = select
        .select_only()
        .expr_as(parent.clone(), "__parent")
        .expr_as(Expr::cust("COUNT(*)"), "__count")
        .group_by(parent)
        .into_query();
    let rows = db.query_all(&rows).await?;
    let mut counts = HashMap::with_capacity(rows.len());
    for row in rows {
        let n: i64 = row.try_get("", "__count")?;
        counts.insert(row.try_get("", "__parent")?, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}
