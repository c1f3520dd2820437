//! Constraint violations translated in one place (realworld-axum-sqlx's `on_constraint`), so
//! that a write that loses a race to a concurrent insert gives the same answer as one that
//! came second: every write path asks [`on_constraint`] what a database error means.

use sea_orm::{DbErr, SqlErr};

/// What a violated constraint means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `ux_volunteers_person_key` / `ux_social_workers_person_key` (migration 000014): a live
    /// record of the same kind and source already has this person key (`DUPLICATE_PERSON`).
    PersonKey,
    /// Any other unique key: a concurrent request inserted the same key first (roster rows by
    /// `(source, external_id)`, link rows).
    Unique,
}

/// The indexes whose violation means [`Constraint::PersonKey`]. Both databases name the index
/// in the message: PostgreSQL `… unique constraint "ux_volunteers_person_key"`, SQLite
/// `UNIQUE constraint failed: index 'ux_volunteers_person_key'` (an expression index).
pub const PERSON_KEY_INDEXES: [&str; 2] = ["ux_volunteers_person_key", "ux_social_workers_person_key"];

/// The constraint `e` violates, if it is a unique-key violation.
pub fn on_constraint(e: &DbErr) -> Option<Constraint> {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => {
            Some(if PERSON_KEY_INDEXES.iter().any(|i| message.contains(i)) {
                Constraint::PersonKey
            } else {
                Constraint::Unique
            })
        }
        _ => None,
    }
}
