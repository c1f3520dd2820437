//! Data access: filtered, scoped, paginated queries and batch loads, one module per entity.
//!
//! Every read goes through a [`Scope`], which becomes SQL conditions, so lists, counts, lookups
//! and nested relations all see the same rows. Soft-deleted rows (`deleted_at` set) are never
//! returned. Nothing here knows GraphQL.

pub mod audit;
pub mod changes;
pub mod compiled;
pub mod constraint;
pub mod merge;
pub mod mutate;
pub mod page;
pub mod person;
pub mod relations;
pub mod scope;
pub mod text;
pub mod write;

pub mod award;
pub mod charity_resource;
pub mod client;
pub mod consent;
pub mod coverage_target;
pub mod declare;
pub mod deliberation;
pub mod job;
pub mod organization;
pub mod project;
pub mod region;
pub mod service_record;
pub mod social_worker;
pub mod station;
pub mod statistics;
pub mod sync;
pub mod training;
pub mod volunteer;
pub mod volunteer_service;
pub mod volunteer_team;

pub mod charity_resource_write;
pub mod client_write;
pub mod organization_write;
pub mod project_write;
pub mod service_record_write;
pub mod social_worker_write;
pub mod station_write;
pub mod volunteer_team_write;
pub mod volunteer_write;
pub mod webhook;

pub use page::{Cursor, Direction, Feed, KeyValue, Page, PageRequest};
pub use scope::Scope;

use sea_orm::DbErr;

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or could not be reached. Never shown to clients verbatim.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// The failure of a statement that served several lists at once ([`merge::Merger`]),
    /// shared by each of them.
    #[error("database error: {0}")]
    Shared(std::sync::Arc<DbErr>),
    /// A pagination cursor that this API did not issue, or issued for another ordering.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),
}

impl StoreError {
    /// A load dropped unanswered: its request was cancelled (timed out) while it waited.
    pub fn cancelled() -> Self {
        StoreError::Shared(std::sync::Arc::new(DbErr::Custom("the request was cancelled".into())))
    }
}

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition};

use crate::domain::DivisionCode;

/// A half-open range of China Standard Time calendar dates, `[from, to)`; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    /// `column` (a date) lies in the range.
    pub fn condition(&self, column: impl ColumnTrait) -> Condition {
        let mut c = Condition::all();
        if let Some(from) = self.from {
            c = c.add(column.gte(from));
        }
        if let Some(to) = self.to {
            c = c.add(column.lt(to));
        }
        c
    }
}

/// A requested ordering: a field of the entity's own order enum and a direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Sort<F> {
    pub field: F,
    pub direction: Direction,
}

/// `column` (a 12-digit region code) lies in the subtree of `region`, when one is given.
pub fn within(column: impl ColumnTrait, region: &Option<DivisionCode>) -> Condition {
    match region {
        None => Condition::all(),
        Some(code) => {
            let (lo, hi) = code.subtree_bounds();
            Condition::all().add(column.between(lo, hi))
        }
    }
}

/// `column` takes one of `values`, when any are given (an empty list means no restriction).
pub fn one_of<C: ColumnTrait, V: Into<sea_orm::Value> + Clone>(column: C, values: &[V]) -> Condition {
    if values.is_empty() { Condition::all() } else { Condition::all().add(column.is_in(values.iter().cloned())) }
}

/// The common sort fields of entities keyed by UUIDv7 (`ID` is creation order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RecordOrderField {
    #[default]
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
}
