//! Relay cursor connections: argument checks, the lazy `totalCount`, and the two ways a
//! connection is filled (a root list, or a relation through the DataLoader).
//!
//! The helpers here box the futures that wait on the database. async-graphql makes one
//! future per selected field, as large as the largest of its type's field futures, and
//! allocates and copies it for every field of every row, so one large relation future made
//! every `name` of a 100-row page copy kilobytes (issue 7, callgrind: boxing took a roster
//! page from 7.3 to 6.9 million instructions).

use std::borrow::Cow;

use async_graphql::connection::{CursorType, PageInfo};
use async_graphql::{Context, Object, OutputType, TypeName};
use sea_orm::EntityTrait;

use super::context::{BatchLoader, RequestData};
use super::error::{ApiError, ApiResult};
use super::loaders::{CountKey, PageKey};
use super::scalars::DateTime;
use crate::store::relations::{self, Listed, ToMany};
use crate::store::{Cursor, Feed, Page, PageRequest, StoreError};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest `first`/`last` accepted.
pub const MAX_PAGE_SIZE: u64 = 100;

/// The connection type of every list of `N`, named `<N>Connection` in the schema: `edges {
/// cursor node }`, `nodes`, `pageInfo`, `totalCount`. An edge keeps its [`Cursor`] as a value;
/// the opaque string is written only when a client selects `cursor` or `pageInfo`'s cursors
/// (issue 7: encoding every edge's cursor was a twentieth of a 100-row page's CPU, for pages
/// whose clients read only `endCursor`).
///
/// Ours rather than async-graphql's `Connection`, whose types carry no description (and
/// generic ones on their fields): the schema is what code generators and GraphiQL show.
pub struct Conn<N> {
    edges: Vec<Edge<N>>,
    has_previous_page: bool,
    has_next_page: bool,
    total: TotalCount,
}

impl<N: OutputType> TypeName for Conn<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// One page of a list, as a Relay cursor connection
/// (<https://relay.dev/graphql/connections.htm>): the page's items as `nodes`, or as `edges`
/// with a cursor each; `pageInfo` to ask for the next or the previous page; `totalCount` of
/// the whole list. Items come in the list's order (its `orderBy`, ties broken by id; a change
/// feed in `(record.updatedAt, id)` order). A page holds at most `first` or `last` items
/// (0-100), 20 when neither is given; cursors are keyset positions, so paging does not skip
/// or repeat items when others are added or removed in between.
#[Object(name_type)]
impl<N: OutputType> Conn<N> {
    /// Whether items exist before and after this page, and the cursors of its first and last
    /// items: pass `endCursor` as `after` (with `first`) for the next page, `startCursor` as
    /// `before` (with `last`) for the previous one.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor.encode_cursor()),
            end_cursor: self.edges.last().map(|e| e.cursor.encode_cursor()),
        }
    }
    /// The page's items with their cursors, in list order; empty past the end.
    async fn edges(&self) -> &[Edge<N>] {
        &self.edges
    }
    /// The page's items in list order, as `edges { node }` without the cursors.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }
    /// Number of items in the whole list (all pages) that the caller may see.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        self.total.count(ctx).await
    }
}

/// One item of a connection page with its cursor; named `<N>Edge` in the schema.
pub struct Edge<N> {
    cursor: Cursor,
    node: N,
}

impl<N: OutputType> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// One item of a connection page, with its position in the list (Relay cursor connections,
/// <https://relay.dev/graphql/connections.htm#sec-Edge-Types>).
#[Object(name_type)]
impl<N: OutputType> Edge<N> {
    /// The item.
    async fn node(&self) -> &N {
        &self.node
    }
    /// Opaque position of this item in its list: pass it as `after` (or `before`) to the same
    /// field, with the same `filter`, `orderBy` and change-feed arguments, for the items after
    /// (or before) it. It holds the item's sort key, not an offset, so it stays valid while
    /// other items are added or removed. Errors: a string this API did not issue is
    /// `INVALID_CURSOR`.
    async fn cursor(&self) -> String {
        self.cursor.encode_cursor()
    }
}

impl CursorType for Cursor {
    type Error = StoreError;

    /// Errors: [`StoreError::InvalidCursor`] for a string this API did not issue.
    fn decode_cursor(s: &str) -> Result<Self, StoreError> {
        Cursor::decode(s)
    }

    fn encode_cursor(&self) -> String {
        self.encode()
    }
}

/// The standard connection arguments, as received, with the change-feed arguments of
/// connections over records (`updatedSince`, `includeDeleted`).
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub updated_since: Option<DateTime>,
    pub include_deleted: Option<bool>,
}

impl PageArgs {
    /// Checks the arguments and turns them into a store request.
    ///
    /// Errors: `INVALID_ARGUMENT` for negative sizes or `first` with `last`;
    /// `PAGE_SIZE_EXCEEDED` above [`MAX_PAGE_SIZE`]; `INVALID_CURSOR` for foreign cursors.
    pub fn request(&self) -> Result<PageRequest, ApiError> {
        let size = |name: &str, v: Option<i32>| -> Result<Option<u64>, ApiError> {
            match v {
                None => Ok(None),
                Some(n) if n < 0 => Err(ApiError::invalid(name, format!("`{name}` must be zero or more, got {n}"))),
                Some(n) if n as u64 > MAX_PAGE_SIZE => Err(ApiError::PageSizeExceeded(format!(
                    "`{name}: {n}` exceeds the maximum page size of {MAX_PAGE_SIZE}; page with `after`/`before`"
                ))),
                Some(n) => Ok(Some(n as u64)),
            }
        };
        let first = size("first", self.first)?;
        let last = size("last", self.last)?;
        if first.is_some() && last.is_some() {
            return Err(ApiError::invalid("last", "pass either `first` or `last`, not both"));
        }
        let cursor = |c: &Option<String>| c.as_deref().map(Cursor::decode).transpose().map_err(ApiError::from);
        let first = if last.is_none() { Some(first.unwrap_or(DEFAULT_PAGE_SIZE)) } else { None };
        Ok(PageRequest { first, after: cursor(&self.after)?, last, before: cursor(&self.before)? })
    }

    /// The change-feed window, when `updatedSince` or `includeDeleted: true` is given: rows
    /// changed from `updatedSince` up to the request's start less the feed's settle time
    /// (see [`RequestData::feed_until`]), in `(updatedAt, id)` order. `updatedSince` lies in
    /// the years 1000-9999: the `DateTime` scalar refuses any other before the request runs.
    pub fn feed(&self, data: &RequestData) -> Option<Feed> {
        let since = self.updated_since.map(|t| t.0);
        let include_deleted = self.include_deleted.unwrap_or(false);
        (since.is_some() || include_deleted).then(|| Feed { since, until: data.feed_until(), include_deleted })
    }
}

/// How `totalCount` is computed when, and only when, a client asks for it.
enum Counter {
    /// Counted with the page.
    Known(u64),
    /// A root list: one `COUNT(*)` of the filtered, scoped rows.
    Root(Box<dyn Fn(&RequestData) -> futures::future::BoxFuture<'static, Result<u64, ApiError>> + Send + Sync>),
    /// A relation: batched through the DataLoader with the siblings' counts.
    Relation(Box<dyn Fn(&BatchLoader) -> futures::future::BoxFuture<'_, Result<u64, ApiError>> + Send + Sync>),
}

/// The connection's field `totalCount`, computed on demand.
struct TotalCount(Counter);

impl TotalCount {
    async fn count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let data = RequestData::of(ctx)?;
        Ok(match &self.0 {
            Counter::Known(n) => *n,
            Counter::Root(f) => f(data).await?,
            Counter::Relation(f) => f(&data.loader).await?,
        })
    }
}

/// A caller who sees only counts (PUBLIC) may ask a connection for `totalCount`, never for
/// its rows.
fn rows_allowed<E: Listed>(ctx: &Context<'_>, data: &RequestData) -> Result<(), ApiError> {
    if E::PUBLIC || data.scope.returns_rows() {
        return Ok(());
    }
    let look = ctx.look_ahead();
    if look.field("edges").exists() || look.field("nodes").exists() {
        return Err(ApiError::Forbidden(
            "without a token only published aggregates are available (totalCount, coverage); sign in to list records"
                .into(),
        ));
    }
    Ok(())
}

/// Whether the selection reads the page (`edges`, `nodes` or `pageInfo`). A connection asked
/// only for `totalCount` runs its count and no page query (issue 7: the portal's
/// `serviceRecords(filter: …) { totalCount }` per station ran a page query it threw away).
fn wants_rows(ctx: &Context<'_>) -> bool {
    let look = ctx.look_ahead();
    look.field("edges").exists() || look.field("nodes").exists() || look.field("pageInfo").exists()
}

/// A caller who sees only counts may not filter people by name: the count would confirm that
/// a named person works in a place.
fn counts_allowed<E: Listed>(data: &RequestData, filter: &E::Filter) -> Result<(), ApiError> {
    if !data.scope.returns_rows() && E::identifying(filter) {
        return Err(ApiError::Forbidden("sign in to search people by name".into()));
    }
    Ok(())
}

fn into_connection<M, N: OutputType + From<M>>(page: Page<M>, total: TotalCount) -> Conn<N> {
    Conn {
        edges: page.items.into_iter().map(|(cursor, m)| Edge { cursor, node: N::from(m) }).collect(),
        has_previous_page: page.has_previous_page,
        has_next_page: page.has_next_page,
        total,
    }
}

/// A root list of `E` as a connection of `N`.
pub async fn root<E, N>(ctx: &Context<'_>, filter: E::Filter, order: E::OrderBy, args: PageArgs) -> ApiResult<Conn<N>>
where
    E: Listed,
    N: OutputType + From<E::Model>,
{
    let data = RequestData::of(ctx)?;
    let req = args.request()?;
    let feed = args.feed(data);
    rows_allowed::<E>(ctx, data)?;
    counts_allowed::<E>(data, &filter)?;
    let page = if wants_rows(ctx) {
        Box::pin(relations::list::<E, _>(&data.db, &data.scope, &filter, order, feed.as_ref(), &req))
            .await
            .map_err(ApiError::from)?
    } else {
        Page::default()
    };
    let total = TotalCount(Counter::Root(Box::new(move |data: &RequestData| {
        let (db, scope, filter) = (data.db.clone(), data.scope.clone(), filter.clone());
        Box::pin(
            async move { relations::count::<E, _>(&db, &scope, &filter, feed.as_ref()).await.map_err(ApiError::from) },
        )
    })));
    Ok(into_connection(page, total))
}

/// The children of `parent` through relation `R`, as a connection of `N`.
pub async fn related<R, N>(
    ctx: &Context<'_>,
    parent: R::Parent,
    filter: <R::Child as Listed>::Filter,
    order: <R::Child as Listed>::OrderBy,
    args: PageArgs,
) -> ApiResult<Conn<N>>
where
    R: ToMany,
    N: OutputType + From<<R::Child as EntityTrait>::Model>,
{
    let data = RequestData::of(ctx)?;
    rows_allowed::<R::Child>(ctx, data)?;
    counts_allowed::<R::Child>(data, &filter)?;
    let with_total = ctx.look_ahead().field("totalCount").exists();
    let feed = args.feed(data);
    let page = args.request()?;
    let page = PageKey::<R> { parent: parent.clone(), filter: filter.clone(), order, feed, page, with_total };
    let page = if wants_rows(ctx) {
        Box::pin(data.loader.load_one(page)).await.map_err(ApiError::from)?.unwrap_or_default()
    } else {
        Page::default()
    };
    let total = match page.total {
        // The page statement counted too: no second statement.
        Some(n) => TotalCount(Counter::Known(n)),
        None => TotalCount(Counter::Relation(Box::new(move |loader: &BatchLoader| {
            let key = CountKey::<R> { parent: parent.clone(), filter: filter.clone(), feed };
            Box::pin(async move { Ok(loader.load_one(key).await.map_err(ApiError::from)?.unwrap_or(0)) })
        }))),
    };
    Ok(into_connection(page, total))
}

/// One object of `E` by key through the DataLoader, within scope; `None` when absent.
pub async fn by_key<E, N>(ctx: &Context<'_>, key: Option<E::Key>) -> ApiResult<Option<N>>
where
    E: Listed,
    N: From<E::Model>,
{
    let Some(key) = key else { return Ok(None) };
    let data = RequestData::of(ctx)?;
    let row = Box::pin(data.loader.load_one(super::loaders::ByKey::<E>(key))).await.map_err(ApiError::from)?;
    Ok(row.map(N::from))
}

/// Like [`by_key`], for a root lookup: absent becomes a `NOT_FOUND` error naming `what`.
pub async fn must_find<E, N>(ctx: &Context<'_>, key: E::Key, what: String) -> ApiResult<Option<N>>
where
    E: Listed,
    N: From<E::Model>,
{
    match by_key::<E, N>(ctx, Some(key)).await? {
        Some(n) => Ok(Some(n)),
        None => Err(ApiError::NotFound(format!("no {what}")).into()),
    }
}
