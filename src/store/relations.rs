//! The generic shape of every list and relation, so each entity module states only its filter,
//! its orderings and how a relation joins; paging, counting and batching are written once here.

use std::collections::HashMap;
use std::hash::Hash;

use entity::region::RegionLevel;
use sea_orm::sea_query::{Expr, ExprTrait, Func, ValueType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryTrait, Select, TryGetable, Value,
};
use uuid::Uuid;

use super::declare::Scoped;
use super::merge::{Column, Merger, Pool, Rows};
use super::page::{self, Feed, Ordering, Page, PageRequest};
use super::{Direction, KeyValue, Scope, StoreError, within};
use crate::domain::DivisionCode;

/// How the rows of a listed table are keyed and which of them a scope sees. Declared tables
/// ([`Scoped`]) have it from their declaration; regions, the audit log and webhooks state it
/// by hand.
pub trait Keyed: EntityTrait<Model: FromQueryResult + Clone + Send + Sync> + Default {
    /// The primary key's Rust type (`Uuid`, or the 12-digit code for regions).
    type Key: Clone + Eq + Hash + Send + Sync + Into<Value> + TryGetable + 'static;

    fn key_column() -> Self::Column;
    fn key(model: &Self::Model) -> Self::Key;
    /// Rows the scope may see, soft-deleted rows excluded.
    fn visible(scope: &Scope) -> Select<Self>;

    /// Rows the scope may see, soft-deleted rows included (change feeds with tombstones).
    /// Entities without a change feed keep the default: [`Keyed::visible`].
    fn visible_with_deleted(scope: &Scope) -> Select<Self> {
        Self::visible(scope)
    }
    /// The change-feed order `(updated_at, id)`, for entities with record keeping; `None`
    /// for reference data (regions) and the audit log, which have no change feed.
    fn feed_ordering() -> Option<Ordering<Self>> {
        None
    }
}

impl<E> Keyed for E
where
    E: Scoped + Default,
    E::Model: FromQueryResult + Clone + Send + Sync,
{
    type Key = Uuid;

    fn key_column() -> E::Column {
        E::id_column()
    }
    fn key(model: &E::Model) -> Uuid {
        E::id(model)
    }
    fn visible(scope: &Scope) -> Select<E> {
        E::find().filter(E::deleted_column().is_null()).filter(E::readable(scope))
    }
    fn visible_with_deleted(scope: &Scope) -> Select<E> {
        E::find().filter(E::readable(scope))
    }
    fn feed_ordering() -> Option<Ordering<E>> {
        Some(Ordering {
            name: "changes",
            columns: vec![E::updated_column(), E::id_column()],
            direction: Direction::Asc,
            key: |r| vec![KeyValue::Time(E::recording(r).updated_at), KeyValue::Id(E::id(r))],
        })
    }
}

/// An entity that can be listed: scoped, filtered, ordered and looked up by key.
pub trait Listed: Keyed {
    /// Typed filter of the entity's lists.
    type Filter: Clone + Eq + Hash + Default + Send + Sync + 'static;
    /// Orderings a list can ask for.
    type OrderBy: Copy + Eq + Hash + Default + Send + Sync + 'static;

    /// Whether rows are public facts, returned even to callers who see only counts.
    const PUBLIC: bool = false;

    /// Whether a filter could single out a person (a name search on people): callers who see
    /// only counts may not use one, or counts would confirm who works where.
    fn identifying(_filter: &Self::Filter) -> bool {
        false
    }

    /// Applies a filter.
    fn filter(backend: DbBackend, select: Select<Self>, filter: &Self::Filter) -> Select<Self>;
    fn ordering(order: Self::OrderBy) -> Ordering<Self>;

    /// For a change feed, which applies regions itself so that it reads a province through
    /// `idx_<table>_province_changes` (migrations `000009`, `000010`) in feed order: the code
    /// column rows are located by, and the region taken out of the filter (`None` when it has
    /// none), leaving the filter without it. `None` (the filter unchanged): the table has no
    /// such index.
    fn take_region(_filter: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        None
    }
}

/// A one-to-many (or many-to-many) relation from a parent key to children of `Child`.
pub trait ToMany: Send + Sync + 'static {
    type Child: Listed;
    /// Value identifying the parent, as read back from the partition expression.
    type Parent: Clone + Eq + Hash + Send + Sync + TryGetable + ValueType + 'static;

    /// Restricts `select` to the children of `parents` and returns the expression that names a
    /// child's parent. All keys given share one [`ToMany::batch`].
    fn restrict(select: Select<Self::Child>, parents: Parents<'_, Self::Parent>) -> (Select<Self::Child>, Expr);

    /// Parents that can share one statement. Subtree relations batch by the parents' level,
    /// since the partition expression depends on it.
    fn batch(_parent: &Self::Parent) -> u8 {
        0
    }

    /// The parents name code ranges (a province's or a township's subtree), not keys: how
    /// many rows a statement reads depends on their values, so it is planned per run, on the
    /// main pool, never from a cached generic plan ([`crate::db::connect_keyed`]).
    const BY_RANGE: bool = false;
}

/// The rows a list shows: scoped, filtered and, for a change feed, changed in its window
/// (soft-deleted ones included when it asks).
pub(super) fn listed<E: Listed>(
    backend: DbBackend,
    scope: &Scope,
    filter: &E::Filter,
    feed: Option<&Feed>,
) -> Select<E> {
    let Some(feed) = feed else { return E::filter(backend, E::visible(scope), filter) };
    let base = if feed.include_deleted { E::visible_with_deleted(scope) } else { E::visible(scope) };
    let mut filter = filter.clone();
    let located = E::take_region(&mut filter);
    let mut select = E::filter(backend, base, &filter);
    if let Some(updated_at) = E::feed_ordering().map(|o| o.columns[0]) {
        select = select.filter(updated_at.lte(feed.until));
        if let Some(since) = feed.since {
            select = select.filter(updated_at.gte(since));
        }
    }
    match located {
        Some((column, Some(region))) => select.filter(feed_region::<E>(backend, column, region)),
        // No region asked for: the caller's own (CIVIL_AFFAIRS), whose code range the scope
        // has applied, still narrows the feed to one province's order.
        Some((column, None)) => match scope.region().and_then(|own| feed_province::<E>(backend, column, own)) {
            Some(province) => select.filter(province),
            None => select,
        },
        None => select,
    }
}

/// A change feed's region condition, written for `idx_<table>_province_changes` on
/// `(substr(region_code, 1, 2), updated_at, id)`, which reads one province in feed order:
/// - a province: `substr(column, 1, 2) = '52'` alone, the same rows as its code range (codes
///   are 12 digits). Alone, because PostgreSQL multiplies the selectivities of conditions it
///   cannot tell are redundant: given both, it estimated a province at 11-1,664 rows instead
///   of ~65,000 and sorted it whole through the code index (BENCHMARKS.md, operation 3);
/// - below a province, on SQLite: the code range and the province, so the page walks only the
///   province's feed order (a township's page: 12.9 s → 0.14 s at national scale);
/// - below a province, on PostgreSQL: the code range alone; its histogram sizes a county or a
///   township right, and it reads the range by the code index and sorts those few rows.
fn feed_region<E: EntityTrait + Default>(backend: DbBackend, column: E::Column, region: DivisionCode) -> Condition {
    let province = feed_province::<E>(backend, column, &region);
    if region.level() == RegionLevel::Province {
        return Condition::all().add_option(province);
    }
    within(column, &Some(region)).add_option(province)
}

/// The province condition a change feed adds to a region's code range: the province of a
/// province on both databases, and of any region on SQLite (see [`feed_region`]). Also added
/// to the code range of the caller's scope, when the feed asks for no region: without it a
/// CIVIL_AFFAIRS caller of a province walked the whole country's `(updated_at, id)` order
/// and kept its province's rows. A page of 100 volunteers at national scale, warm
/// (BENCHMARKS.md, "A CIVIL_AFFAIRS caller's feed without a region filter"): 贵州 1.4-2.3 →
/// 0.3-0.5 ms on PostgreSQL, 6-8 → under 1 ms on SQLite; 北京, with 16,000 of the 2 million,
/// 13-32 → 6-11 ms and 37-42 → under 1 ms. The range stays: it is the scope. Given both,
/// PostgreSQL underestimates a province (about 2,500 rows of 65,000) but still reads a large
/// one through the province index; a small one it reads by the code index and sorts.
fn feed_province<E: EntityTrait + Default>(
    backend: DbBackend,
    column: E::Column,
    region: &DivisionCode,
) -> Option<Expr> {
    (region.level() == RegionLevel::Province || backend == DbBackend::Sqlite)
        .then(|| province_of::<E>(column).eq(region.province()))
}

/// `substr(table.column, 1, 2)`, written as `idx_<table>_province_changes` is (constants
/// inline: SQLite uses an index on an expression only for the same expression), with the
/// column qualified: relations join tables that have a `region_code` too
/// (`project_participants`).
fn province_of<E: EntityTrait + Default>(column: E::Column) -> Expr {
    Func::cust("substr").arg(Expr::col((E::default(), column))).arg(Expr::cust("1")).arg(Expr::cust("2")).into()
}

/// The ordering of a list: the change-feed order for a feed, else the one asked for.
pub(super) fn ordering<E: Listed>(order: E::OrderBy, feed: Option<&Feed>) -> Ordering<E> {
    feed.and_then(|_| E::feed_ordering()).unwrap_or_else(|| E::ordering(order))
}

/// One page of a root list.
pub async fn list<E: Listed, C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    filter: &E::Filter,
    order: E::OrderBy,
    feed: Option<&Feed>,
    req: &PageRequest,
) -> Result<Page<E::Model>, StoreError> {
    if !E::PUBLIC && !scope.returns_rows() {
        return Ok(Page::default());
    }
    let select = listed::<E>(db.get_database_backend(), scope, filter, feed);
    page::fetch_page(db, select, &ordering::<E>(order, feed), req).await
}

/// Number of rows of a root list (`totalCount`).
pub async fn count<E: Listed, C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    filter: &E::Filter,
    feed: Option<&Feed>,
) -> Result<u64, StoreError> {
    Ok(listed::<E>(db.get_database_backend(), scope, filter, feed).count(db).await?)
}

/// Rows by key, within scope, on the pool for lookups by key, merged with the other selects
/// of the request's level ([`Merger`]). Missing or out-of-scope keys are simply absent.
pub async fn by_keys<E: Listed>(
    merger: &Merger,
    scope: &Scope,
    keys: &[E::Key],
) -> Result<HashMap<E::Key, E::Model>, StoreError> {
    if !E::PUBLIC && !scope.returns_rows() {
        return Ok(HashMap::new());
    }
    let select = E::visible(scope).filter(E::key_column().is_in(keys.iter().cloned())).into_query();
    let Rows { rows, prefix } = merger.rows(Pool::Keyed, select, Column::of::<E>(), None, keys.len()).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let m = E::Model::from_query_result(&row, &prefix)?;
        out.insert(E::key(&m), m);
    }
    Ok(out)
}

/// A page of children for each parent, one statement per batch of parents, merged with the
/// other selects of the request's level ([`Merger`]).
/// On the relation's [`pool`].
#[allow(clippy::too_many_arguments)]
pub async fn pages<R: ToMany>(
    merger: &Merger,
    scope: &Scope,
    parents: &[R::Parent],
    filter: &<R::Child as Listed>::Filter,
    order: <R::Child as Listed>::OrderBy,
    feed: Option<&Feed>,
    req: &PageRequest,
    with_total: bool,
) -> Result<HashMap<R::Parent, Page<<R::Child as EntityTrait>::Model>>, StoreError> {
    if !R::Child::PUBLIC && !scope.returns_rows() {
        return Ok(HashMap::new());
    }
    let pool = pool::<R>(feed);
    let ordering = ordering::<R::Child>(order, feed);
    // Every batch submitted before any is awaited: they share the level's statement.
    let pages = batches::<R>(parents).into_iter().map(|batch| {
        let select = listed::<R::Child>(merger.backend(), scope, filter, feed);
        let (select, parent) = R::restrict(select, Parents::Keys(&batch));
        page::fetch_pages_by_parent(merger, pool, select, batch.len(), parent, &ordering, req, with_total)
    });
    Ok(futures::future::try_join_all(pages).await?.into_iter().flatten().collect())
}

/// The pool for a relation's statements: the one for lookups by key, unless they read code
/// ranges or a change-feed window, which are planned per run on the main pool
/// ([`crate::db::connect_keyed`]).
pub fn pool<R: ToMany>(feed: Option<&Feed>) -> Pool {
    if R::BY_RANGE || feed.is_some() { Pool::Main } else { Pool::Keyed }
}

/// Number of children per parent.
pub async fn counts<R: ToMany, C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    parents: &[R::Parent],
    filter: &<R::Child as Listed>::Filter,
    feed: Option<&Feed>,
) -> Result<HashMap<R::Parent, u64>, StoreError> {
    let mut out = HashMap::new();
    for batch in batches::<R>(parents) {
        let select = listed::<R::Child>(db.get_database_backend(), scope, filter, feed);
        let (select, parent) = R::restrict(select, Parents::Keys(&batch));
        out.extend(page::count_by_parent(db, select, parent).await?);
    }
    Ok(out)
}

fn batches<R: ToMany>(parents: &[R::Parent]) -> Vec<Vec<R::Parent>> {
    let mut by: HashMap<u8, Vec<R::Parent>> = HashMap::new();
    for p in parents {
        by.entry(R::batch(p)).or_default().push(p.clone());
    }
    by.into_values().collect()
}

/// The parents a relation's children are read for.
pub enum Parents<'a, P> {
    /// Parents by key, bound as values (a batch of the loader).
    Keys(&'a [P]),
    /// The one parent whose key is this expression, a column of an enclosing query: the
    /// relation becomes a correlated subquery (the compiled read path, [`super::compiled`]).
    Outer(Expr),
}

impl<P: Clone + Into<Value>> Parents<'_, P> {
    /// The condition that `parent` (the expression naming a child's parent) names one of
    /// these parents: `parent IN (keys…)` or `parent = outer`.
    pub fn contain(self, parent: Expr) -> Expr {
        match self {
            Parents::Keys(keys) => parent.is_in(keys.iter().cloned().map(Into::into)),
            Parents::Outer(outer) => parent.eq(outer),
        }
    }
}

/// Restriction helper for the common case: the child has a column holding the parent's id.
pub fn by_column<E: EntityTrait, P: Clone + Into<Value>>(
    select: Select<E>,
    column: E::Column,
    parents: Parents<'_, P>,
) -> (Select<E>, Expr) {
    let parent = Expr::col((E::default(), column));
    (select.filter(parents.contain(parent.clone())), parent)
}

/// An entity located in a region by a 12-digit code column.
pub trait Located: Listed {
    fn region_column() -> Self::Column;
}

/// Rows of `E` located in a region's subtree; the parent is the region's significant code
/// prefix (e.g. `5223` for 黔西南州).
pub struct InRegion<E>(std::marker::PhantomData<fn() -> E>);

impl<E: Located + 'static> ToMany for InRegion<E> {
    type Child = E;
    type Parent = String;
    fn restrict(select: Select<E>, parents: Parents<'_, String>) -> (Select<E>, Expr) {
        match parents {
            Parents::Keys(prefixes) => super::region::in_subtrees(select, E::region_column(), prefixes),
            // Codes starting with the prefix: from the prefix itself up to, not including, the
            // prefix followed by ':' (the character after '9').
            Parents::Outer(prefix) => {
                let code = Expr::col((E::default(), E::region_column()));
                let end = Expr::cust_with_exprs("$1 || ':'", [prefix.clone()]);
                (select.filter(code.clone().gte(prefix.clone())).filter(code.lt(end)), prefix)
            }
        }
    }
    fn batch(parent: &String) -> u8 {
        parent.len() as u8
    }
    const BY_RANGE: bool = true;
}

/// Restriction through a link table: children of `E` whose key equals `link_child` of a live
/// row of the link table whose `link_parent` is one of `parents` (and, when given, whose
/// `kind` column equals a value). The parent is read from `link_parent`.
pub fn through<E, L, P>(
    mut select: Select<E>,
    link: L,
    link_child: L::Column,
    link_parent: L::Column,
    link_deleted: L::Column,
    kind: Option<(L::Column, Value)>,
    parents: Parents<'_, P>,
) -> (Select<E>, Expr)
where
    E: Listed,
    L: EntityTrait,
    P: Clone + Into<Value>,
{
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::ExprTrait;
    let mut on = Expr::col((link, link_child))
        .equals((E::default(), E::key_column()))
        .and(Expr::col((link, link_deleted)).is_null())
        .and(parents.contain(Expr::col((link, link_parent))));
    if let Some((col, v)) = kind {
        on = on.and(Expr::col((link, col)).eq(v));
    }
    QueryTrait::query(&mut select).inner_join(link, on);
    (select, Expr::col((link, link_parent)))
}
