//! The compiled read path (issue 22, docs/design/read-path.md): a root field and the relations
//! its selection reads, as one PostgreSQL statement that builds the answer as JSON.
//!
//! Each row becomes `json_build_array(json_build_array(t.c1, …), json_build_array(…))`: the
//! columns the caller names, in that order ([`row`]), and one entry per relation read with
//! it, in the order the caller gave them ([`branch`]); arrays rather than objects, so that
//! decoding the answer allocates no keys. A to-one relation is a correlated subquery
//! returning that array or `NULL`; a to-many relation returns `[rows, total]` ([`rows_of`],
//! [`total_of`]): `rows` a correlated, scoped, filtered keyset page (`limit + 1` rows in fetch
//! order, as [`super::page::fetch_page`] reads them) aggregated with `json_agg(… ORDER BY …)`,
//! `total` a correlated `count(*)`. The statement's text depends on the shape of the read
//! alone (which relations, which arguments are present); keys, page sizes, cursors and scope
//! values are parameters, so the pool for lookups by key reuses its prepared statement and,
//! after five runs, PostgreSQL's cached generic plan ([`crate::db::connect_keyed`]).
//!
//! The rows come back as the same models the loader reads ([`decode`]), so the value rules
//! (masking, global ids, money and dates) stay where they are: in the object types. A column
//! the statement did not read holds a placeholder in the model ([`placeholder`]: `NULL`, or
//! the type's zero value); the caller reads only columns some field of the request reads.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, TryIntoModel, Value,
};
use serde_json::Value as Json;

use super::page::{self, Feed, Ordering, Page, PageRequest};
use super::relations::{self, Listed, Parents, ToMany};
use super::{Scope, StoreError};

/// Builds one compiled statement: the caller's scope and a counter for table aliases.
pub struct Build<'s> {
    scope: &'s Scope,
    next: usize,
    /// Whether any part reads a change-feed window, planned per run on the main pool
    /// ([`relations::pool`]). A subtree's code range is no reason here: it is computed from
    /// the enclosing row, not bound as a value a custom plan could use.
    pub per_run: bool,
}

impl<'s> Build<'s> {
    /// A builder for a statement run for `scope`. Only for scopes that return rows: a caller
    /// who sees only counts reads no rows, and is never compiled.
    pub fn new(scope: &'s Scope) -> Self {
        Self { scope, next: 0, per_run: false }
    }

    fn alias(&mut self) -> Alias {
        self.next += 1;
        Alias::new(format!("t{}", self.next))
    }
}

/// The relations read with each row of a table: given the builder and the alias of the row's
/// derived table, their JSON expressions, in order (read back with [`branch`]).
pub type Branches<'f> = &'f mut dyn FnMut(&mut Build<'_>, &Alias) -> Result<Vec<Expr>, StoreError>;

/// Most branches in one `json_build_array`: PostgreSQL passes at most 100 arguments to a
/// function.
const CHUNK: usize = 90;

/// `json_build_array(json_build_array(alias.c1, …), json_build_array(json_build_array(e0,
/// …), …))`: the columns in order (read back with [`row`]), the branches in arrays of at most
/// [`CHUNK`] (read back with [`branch`]).
fn row_array<C: IdenStatic>(alias: &Alias, columns: &[C], branches: Vec<Expr>) -> Expr {
    let row = array(columns.iter().map(|c| outer(alias, *c)).collect());
    if branches.is_empty() {
        return Expr::cust_with_exprs("json_build_array($1)", [row]);
    }
    let mut chunks = Vec::new();
    let mut branches = branches.into_iter().peekable();
    while branches.peek().is_some() {
        let chunk: Vec<Expr> = branches.by_ref().take(CHUNK).collect();
        chunks.push(array(chunk));
    }
    Expr::cust_with_exprs("json_build_array($1, $2)", [row, array(chunks)])
}

/// `json_build_array($1, …)` of at most 100 expressions.
fn array(items: Vec<Expr>) -> Expr {
    let placeholders: Vec<String> = (1..=items.len()).map(|i| format!("${i}")).collect();
    Expr::cust_with_exprs(format!("json_build_array({})", placeholders.join(", ")), items)
}

/// The columns in a row array that [`one`] or [`many`] built, for [`decode`].
pub fn row(array: &Json) -> &Json {
    &array[0]
}

/// The answer of branch `i` in a row array that [`one`] or [`many`] built.
pub fn branch(array: &Json, i: usize) -> &Json {
    &array[1][i / CHUNK][i % CHUNK]
}

/// The row arrays of a to-many answer of [`many`], in fetch order; empty when the page
/// was not read.
pub fn rows_of(answer: &Json) -> &[Json] {
    answer[0].as_array().map(Vec::as_slice).unwrap_or_default()
}

/// The count of a to-many answer of [`many`]; `None` when it was not counted.
pub fn total_of(answer: &Json) -> Option<u64> {
    answer[1].as_u64()
}

fn scalar(select: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(select.into()))
}

/// The row of `E` whose key is `key` (a column of the enclosing row, or a value), within the
/// scope and not deleted, as a row array of its `columns` (at most 100) and its `branches`;
/// `NULL` when there is none.
///
/// Errors: what a branch returns.
pub fn one<E: Listed>(
    b: &mut Build<'_>,
    key: Expr,
    columns: &[E::Column],
    branches: Branches<'_>,
) -> Result<Expr, StoreError> {
    let t = b.alias();
    let inner = E::visible(b.scope).filter(Expr::col((E::default(), E::key_column())).eq(key)).into_query();
    let row = row_array(&t, columns, branches(b, &t)?);
    Ok(scalar(Query::select().expr(row).from_subquery(inner, t.clone()).to_owned()))
}

/// What a to-many relation reads for each parent: its arguments, and whether the page and the
/// count are wanted.
pub struct ManyArgs<'a, R: ToMany> {
    pub filter: &'a <R::Child as Listed>::Filter,
    pub order: <R::Child as Listed>::OrderBy,
    pub feed: Option<&'a Feed>,
    pub page: &'a PageRequest,
    /// Read the page (`edges`, `nodes` or `pageInfo` selected).
    pub rows: bool,
    /// Count the parent's children (`totalCount` selected).
    pub count: bool,
    /// The columns of each row read (at most 100), with the ordering's among them.
    pub columns: &'a [<R::Child as EntityTrait>::Column],
}

/// The children of `parent` through `R` as `[[row arrays in fetch order] | null, n | null]`
/// (read back with [`rows_of`] and [`total_of`]).
///
/// Errors: [`StoreError::InvalidCursor`] for a cursor of another ordering; what a branch returns.
pub fn many<R: ToMany>(
    b: &mut Build<'_>,
    parent: Parents<'_, R::Parent>,
    args: &ManyArgs<'_, R>,
    branches: Branches<'_>,
) -> Result<Expr, StoreError> {
    if args.feed.is_some() {
        b.per_run = true;
    }
    let listed = relations::listed::<R::Child>(DbBackend::Postgres, b.scope, args.filter, args.feed);
    let (select, _) = R::restrict(listed, parent);
    let rows = if args.rows {
        let ordering = relations::ordering::<R::Child>(args.order, args.feed);
        let order = ordering.fetch_order(args.page);
        let mut paged = ordering.window(select.clone(), args.page)?;
        for c in &ordering.columns {
            paged = QueryOrder::order_by(paged, *c, order.clone());
        }
        let paged = paged.limit(args.page.limit() + 1).into_query();
        let t = b.alias();
        let row = row_array(&t, args.columns, branches(b, &t)?);
        let direction = if order == Order::Asc { "ASC" } else { "DESC" };
        let mut sql = String::from("coalesce(json_agg($1 ORDER BY ");
        let mut exprs = vec![row];
        for (i, c) in ordering.columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${} {direction}", i + 2));
            exprs.push(Expr::col((t.clone(), Alias::new(c.as_str()))));
        }
        sql.push_str("), '[]'::json)");
        scalar(Query::select().expr(Expr::cust_with_exprs(sql, exprs)).from_subquery(paged, t).to_owned())
    } else {
        Expr::cust("NULL")
    };
    let total = if args.count {
        let c = b.alias();
        scalar(Query::select().expr(Expr::cust("count(*)")).from_subquery(select.into_query(), c).to_owned())
    } else {
        Expr::cust("NULL")
    };
    Ok(Expr::cust_with_exprs("json_build_array($1, $2)", [rows, total]))
}

/// The columns a page of `E` in `order` (or in change-feed order) is sorted by, which its
/// rows must carry, as its cursors are made of them; `None` when the cursors of `req` belong
/// to another ordering: such a page is an error of its field alone, left to the loader, and
/// must not fail the statement of the whole root field.
pub fn page_columns<E: Listed>(order: E::OrderBy, feed: Option<&Feed>, req: &PageRequest) -> Option<Vec<E::Column>> {
    let ordering = relations::ordering::<E>(order, feed);
    ordering.window(E::find(), req).is_ok().then_some(ordering.columns)
}

/// Runs `root` (the expression [`one`] built for the root row) and returns its JSON: a row
/// array, or `Json::Null` when the row is absent or out of scope.
///
/// Errors: the database's.
pub async fn run<C: ConnectionTrait>(db: &C, root: Expr) -> Result<Json, StoreError> {
    let select = Query::select().expr_as(root, Alias::new("answer")).to_owned();
    let row = db.query_one(&select).await?;
    Ok(match row {
        Some(row) => row.try_get::<Option<Json>>("", "answer")?.unwrap_or(Json::Null),
        None => Json::Null,
    })
}

/// A page in list order from the rows of a to-many answer, read in fetch order: as
/// [`super::relations::pages`] gives it, also for a parent without children.
pub fn page_of<E: Listed>(
    rows: Vec<E::Model>,
    order: E::OrderBy,
    feed: Option<&Feed>,
    req: &PageRequest,
    total: Option<u64>,
) -> Page<E::Model> {
    if rows.is_empty() {
        return Page { total, ..Page::default() };
    }
    let ordering: Ordering<E> = relations::ordering::<E>(order, feed);
    Page { total, ..page::into_page(rows, &ordering, req) }
}

/// A row of `E` from the JSON array of its `columns` ([`one`], [`many`]), with every column
/// not read set to its value in `unread` (its [`placeholder`]).
///
/// Errors: a JSON error ([`sea_orm::DbErr::Json`]) when a value is missing or of another type
/// than declared (a column type this decoder does not know is one).
pub fn decode<E>(columns: &[E::Column], unread: &[(E::Column, Value)], json: &Json) -> Result<E::Model, StoreError>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let json_error = |m: String| StoreError::Db(sea_orm::DbErr::Json(m));
    let Json::Array(values) = json else {
        return Err(json_error("a row is not an array".into()));
    };
    let mut row = <E::ActiveModel as ActiveModelTrait>::default();
    for (i, c) in columns.iter().enumerate() {
        let v = values.get(i).unwrap_or(&Json::Null);
        let value = value_of(c.def().get_column_type(), v)
            .ok_or_else(|| json_error(format!("column {}: unexpected {v}", c.as_str())))?;
        row.try_set(*c, value)?;
    }
    for (c, value) in unread {
        row.try_set(*c, value.clone())?;
    }
    Ok(row.try_into_model()?)
}

/// What a model holds in column `c` when a statement did not read it: `NULL` for a nullable
/// column, else the zero value of its type (`''`, `0`, `false`, the nil UUID, 1970-01-01);
/// `None` when the model does not take that value (an enumeration), so the column must be
/// read.
pub fn placeholder<E: EntityTrait>(c: E::Column) -> Option<Value> {
    use chrono::{DateTime, NaiveDate};
    let def = c.def();
    let ty = def.get_column_type();
    let value = if def.is_null() {
        value_of(ty, &Json::Null)?
    } else {
        match ty {
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => Value::String(Some(String::new())),
            ColumnType::Uuid => Value::Uuid(Some(uuid::Uuid::nil())),
            ColumnType::Boolean => Value::Bool(Some(false)),
            ColumnType::Integer => Value::Int(Some(0)),
            ColumnType::SmallInteger => Value::SmallInt(Some(0)),
            ColumnType::BigInteger => Value::BigInt(Some(0)),
            ColumnType::Double => Value::Double(Some(0.0)),
            ColumnType::Float => Value::Float(Some(0.0)),
            ColumnType::Date => Value::ChronoDate(Some(NaiveDate::default())),
            ColumnType::TimestampWithTimeZone => Value::ChronoDateTimeUtc(Some(DateTime::UNIX_EPOCH)),
            _ => return None,
        }
    };
    let mut probe = <E::ActiveModel as ActiveModelTrait>::default();
    probe.try_set(c, value.clone()).ok()?;
    Some(value)
}

/// The value of a column of type `ty` from its JSON (PostgreSQL's `to_json` of the type);
/// `None` when the JSON does not fit the type.
fn value_of(ty: &ColumnType, v: &Json) -> Option<Value> {
    use chrono::{DateTime, NaiveDate, Utc};
    let null = v.is_null();
    Some(match ty {
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) | ColumnType::Enum { .. } => {
            Value::String(if null { None } else { Some(v.as_str()?.to_owned()) })
        }
        ColumnType::Uuid => Value::Uuid(if null { None } else { Some(v.as_str()?.parse().ok()?) }),
        ColumnType::Boolean => Value::Bool(if null { None } else { Some(v.as_bool()?) }),
        ColumnType::Integer => Value::Int(if null { None } else { Some(i32::try_from(v.as_i64()?).ok()?) }),
        ColumnType::SmallInteger => Value::SmallInt(if null { None } else { Some(i16::try_from(v.as_i64()?).ok()?) }),
        ColumnType::BigInteger => Value::BigInt(if null { None } else { Some(v.as_i64()?) }),
        ColumnType::Double => Value::Double(if null { None } else { Some(v.as_f64()?) }),
        ColumnType::Float => Value::Float(if null { None } else { Some(v.as_f64()? as f32) }),
        ColumnType::Date => Value::ChronoDate(if null { None } else { Some(v.as_str()?.parse::<NaiveDate>().ok()?) }),
        ColumnType::TimestampWithTimeZone => Value::ChronoDateTimeUtc(if null {
            None
        } else {
            Some(DateTime::parse_from_rfc3339(v.as_str()?).ok()?.with_timezone(&Utc))
        }),
        ColumnType::Json | ColumnType::JsonBinary => Value::Json(if null { None } else { Some(Box::new(v.clone())) }),
        _ => return None,
    })
}

/// The key of the root row, bound as a value.
pub fn key_value<E: Listed>(key: E::Key) -> Expr {
    Expr::val(Into::<Value>::into(key))
}

/// The keys of a relation's parents in the children's select must bind as the parent
/// column's type: a column of the enclosing row's derived table.
pub fn outer<C: IdenStatic>(alias: &Alias, column: C) -> Expr {
    Expr::col((alias.clone(), Alias::new(column.as_str())))
}
