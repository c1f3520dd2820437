//! Regions (the division tree) and the subtree restriction every region-scoped relation uses.
//!
//! Division rows are public statistical facts: scope does not hide them, it hides what is
//! located in them.

use std::collections::HashMap;

use entity::region::{self, RegionLevel};
use entity::station::{self, StationLevel, StationStatus};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query};
use sea_orm::{ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};

use super::page::Ordering;
use super::relations::{Keyed, Listed, Parents, ToMany, by_column};
use super::{KeyValue, Scope, Sort, StoreError, text, within};
use crate::domain::DivisionCode;

/// Filter of region lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RegionFilter {
    pub level: Option<RegionLevel>,
    /// Only divisions in this division's subtree (itself included).
    pub within: Option<DivisionCode>,
    pub name_contains: Option<String>,
    /// Only divisions with (true) or without (false) an operating township station located in
    /// them (any caller's scope: coverage is a published figure).
    pub has_operating_station: Option<bool>,
}

/// Sort fields of region lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RegionOrderField {
    #[default]
    Code,
    Name,
}

impl Keyed for region::Entity {
    type Key = String;

    fn key_column() -> region::Column {
        region::Column::Code
    }
    fn key(model: &region::Model) -> String {
        model.code.clone()
    }
    fn visible(_scope: &Scope) -> Select<Self> {
        region::Entity::find().filter(region::Column::DeletedAt.is_null())
    }
}

impl Listed for region::Entity {
    type Filter = RegionFilter;
    type OrderBy = Sort<RegionOrderField>;
    const PUBLIC: bool = true;

    fn filter(backend: DbBackend, select: Select<Self>, f: &RegionFilter) -> Select<Self> {
        let mut s = select.filter(within(region::Column::Code, &f.within));
        if let Some(level) = f.level {
            s = s.filter(region::Column::Level.eq(level));
        }
        if let Some(q) = &f.name_contains {
            s = s.filter(text::contains(backend, region::Column::Name, q));
        }
        if let Some(has) = f.has_operating_station {
            let exists = Expr::exists(operating_township_station(&Scope::All));
            s = s.filter(if has { exists } else { exists.not() });
        }
        s
    }
    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        let (name, columns, key): (&'static str, Vec<region::Column>, fn(&region::Model) -> Vec<KeyValue>) = match order
            .field
        {
            RegionOrderField::Code => ("code", vec![region::Column::Code], |r| vec![KeyValue::Text(r.code.clone())]),
            RegionOrderField::Name => ("name", vec![region::Column::Name, region::Column::Code], |r| {
                vec![KeyValue::Text(r.name.clone()), KeyValue::Text(r.code.clone())]
            }),
        };
        Ordering { name, columns, direction: order.direction, key }
    }
}

/// Restricts `select` to rows whose `column` (a 12-digit code) lies in the subtree of one of
/// `prefixes` (significant code prefixes, all of one length), and names the row's subtree by
/// `substr(column, 1, len)`.
pub fn in_subtrees<E: EntityTrait>(select: Select<E>, column: E::Column, prefixes: &[String]) -> (Select<E>, Expr) {
    let len = prefixes.first().map_or(12, String::len);
    let mut any = Condition::any();
    for p in prefixes {
        any = any.add(column.between(format!("{p:0<12}"), format!("{p:9<12}")));
    }
    // Constants inline, not bound: PostgreSQL matches GROUP BY expressions textually, and two
    // copies of one expression with different parameter numbers would not match.
    let expr = Func::cust("substr")
        .arg(Expr::col((E::default(), column)))
        .arg(Expr::cust("1"))
        .arg(Expr::cust(len.to_string()));
    let expr = Expr::from(expr);
    (select.filter(any), expr)
}

/// The direct children of a region (by `parent_code`).
pub struct ChildRegions;

impl ToMany for ChildRegions {
    type Child = region::Entity;
    type Parent = String;
    fn restrict(select: Select<region::Entity>, parents: Parents<'_, String>) -> (Select<region::Entity>, Expr) {
        by_column(select, region::Column::ParentCode, parents)
    }
}

/// `SELECT 1 FROM station WHERE` the station is an operating township station located in
/// the outer query's region row (and in `scope`).
fn operating_township_station(scope: &Scope) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(station::Entity)
        .and_where(
            Expr::col((station::Entity, station::Column::RegionCode)).equals((region::Entity, region::Column::Code)),
        )
        .and_where(station::Column::Level.eq(StationLevel::TownshipStation))
        .and_where(station::Column::Status.eq(StationStatus::Operating))
        .and_where(station::Column::DeletedAt.is_null())
        .cond_where(scope.stations())
        .to_owned()
}

/// The codes of the townships in `prefixes`' subtrees with an operating TOWNSHIP_STATION
/// in `scope`, each once.
fn covered_townships(scope: &Scope, prefixes: &[String]) -> sea_orm::sea_query::SelectStatement {
    let stations = station::Entity::find()
        .filter(station::Column::Level.eq(StationLevel::TownshipStation))
        .filter(station::Column::Status.eq(StationStatus::Operating))
        .filter(station::Column::DeletedAt.is_null())
        .filter(scope.stations());
    let (stations, _) = in_subtrees(stations, station::Column::RegionCode, prefixes);
    stations.select_only().column(station::Column::RegionCode).distinct().into_query()
}

/// `SELECT code FROM regions WHERE code BETWEEN … OR …`: every division code of
/// `prefixes`' subtrees, soft-deleted ones included. Every `region_code` references one
/// (foreign keys are enforced on both databases), so `region_code IN (this)` selects the same
/// rows as the code ranges, but as one index seek per code: SQLite uses it where a range read
/// whole would be filtered on the index's next columns.
pub fn subtree_codes(prefixes: &[String]) -> sea_orm::sea_query::SelectStatement {
    let (codes, _) = in_subtrees(region::Entity::find(), region::Column::Code, prefixes);
    codes.select_only().column(region::Column::Code).into_query()
}

/// Township coverage of regions' subtrees (DOMAIN.md: 黔西南州 101 of 140 = 72 %): per
/// significant code prefix, `(townships, townships with an operating TOWNSHIP_STATION)`, one
/// statement per prefix length. Stations outside `scope` do not count.
pub async fn coverage<C: sea_orm::ConnectionTrait>(
    db: &C,
    scope: &Scope,
    prefixes: &[String],
) -> Result<HashMap<String, (u64, u64)>, StoreError> {
    let mut by_len: HashMap<usize, Vec<String>> = HashMap::new();
    for p in prefixes {
        by_len.entry(p.len()).or_default().push(p.clone());
    }
    let mut out = HashMap::new();
    for batch in by_len.into_values() {
        let townships = region::Entity::find()
            .filter(region::Column::DeletedAt.is_null())
            .filter(region::Column::Level.eq(RegionLevel::Township));
        let (select, parent) = in_subtrees(townships, region::Column::Code, &batch);
        // A join to the covered townships of the same subtrees, not a correlated EXISTS:
        // PostgreSQL hashed the EXISTS over every operating station of the country (28,000
        // rows, 22-32 ms for one prefecture's counties); the join reads the subtrees' stations
        // only (0.6 ms).
        let covered = Alias::new("covered_townships");
        let mut stmt = select
            .select_only()
            .expr_as(parent.clone(), "prefix")
            .expr_as(Expr::cust("COUNT(*)"), "townships")
            .expr_as(Expr::cust("COUNT(covered_townships.region_code)"), "covered")
            .group_by(parent)
            .into_query();
        stmt.join_subquery(
            JoinType::LeftJoin,
            covered_townships(scope, &batch),
            covered.clone(),
            Expr::col((covered, station::Column::RegionCode)).equals((region::Entity, region::Column::Code)),
        );
        for row in db.query_all(&stmt).await? {
            let prefix: String = row.try_get("", "prefix")?;
            let townships: i64 = row.try_get("", "townships")?;
            let covered: Option<i64> = row.try_get("", "covered")?;
            out.insert(
                prefix,
                (u64::try_from(townships).unwrap_or(0), u64::try_from(covered.unwrap_or(0)).unwrap_or(0)),
            );
        }
    }
    Ok(out)
}
