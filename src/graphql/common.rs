//! Input pieces shared by several types: orderings, date ranges, division-code arguments, and
//! the fields every record has.

use async_graphql::{InputObject, SimpleObject};
use sea_orm::ModelTrait;

use super::enums::{RecordOrderField, SortDirection};
use super::error::ApiError;
use super::scalars::{Date, DateTime};
use crate::domain::DivisionCode;
use crate::store;
use crate::store::declare::Declared;

/// Ordering of a list: a field and a direction. Ties are broken by id.
#[derive(InputObject, Clone, Copy, Default)]
pub struct RecordOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: RecordOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<Option<RecordOrder>> for store::Sort<store::RecordOrderField> {
    fn from(o: Option<RecordOrder>) -> Self {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// A half-open range `[from, to)` of China Standard Time calendar dates; either end may be
/// left open.
#[derive(InputObject, Clone, Copy, Default)]
pub struct DateRange {
    /// First day included.
    pub from: Option<Date>,
    /// First day excluded.
    pub to: Option<Date>,
}

impl DateRange {
    /// Errors: `INVALID_ARGUMENT` when `to` is not after `from`.
    pub fn parse(range: Option<DateRange>, argument: &str) -> Result<store::DateRange, ApiError> {
        let Some(r) = range else { return Ok(store::DateRange::default()) };
        if let (Some(f), Some(t)) = (r.from, r.to)
            && t.0 <= f.0
        {
            return Err(ApiError::invalid(
                argument,
                format!("{argument}: `to` ({}) must be after `from` ({})", t.0, f.0),
            ));
        }
        Ok(store::DateRange { from: r.from.map(|d| d.0), to: r.to.map(|d| d.0) })
    }
}

/// Parses an optional division-code argument (12-, 9-, 6-, 4- or 2-digit forms).
///
/// Errors: `INVALID_DIVISION_CODE` naming the argument.
pub fn division(argument: &str, code: Option<&str>) -> Result<Option<DivisionCode>, ApiError> {
    code.map(|c| DivisionCode::parse(c).map_err(|e| ApiError::domain(argument, e))).transpose()
}

/// The record keeping of any object: when it was written and its version.
#[derive(SimpleObject, Clone)]
pub struct RecordInfo {
    /// When the record was created (UTC).
    pub created_at: DateTime,
    /// When the record was last changed (UTC).
    pub updated_at: DateTime,
    /// Optimistic-concurrency version: 1 on creation, one more on every change.
    pub version: i32,
    /// When the record was deleted (UTC); null for live records. Only change feeds with
    /// `includeDeleted: true` list deleted records (tombstones).
    pub deleted_at: Option<DateTime>,
}

impl RecordInfo {
    /// The record keeping of `model`, a row of a declared table.
    pub fn of<M>(model: &M) -> Self
    where
        M: ModelTrait,
        M::Entity: Declared<Model = M>,
    {
        let r = <M::Entity as Declared>::recording(model);
        RecordInfo {
            created_at: DateTime(r.created_at),
            updated_at: DateTime(r.updated_at),
            version: r.version,
            deleted_at: r.deleted_at.map(DateTime),
        }
    }
}

/// Where a record came from when another system owns it.
#[derive(SimpleObject, Clone)]
pub struct ExternalReference {
    /// The owning system's name.
    pub source: String,
    /// The record's id in that system.
    pub external_id: String,
}

impl ExternalReference {
    pub fn of(source: &Option<String>, external_id: &Option<String>) -> Option<Self> {
        match (source, external_id) {
            (Some(s), Some(e)) => Some(Self { source: s.clone(), external_id: e.clone() }),
            _ => None,
        }
    }
}
