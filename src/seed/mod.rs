//! Demo and synthetic data.
//!
//! [`seed_demo`] fills a migrated database, whose `regions` hold the shipped division codes,
//! with deterministic demo data for the four places of the source article (黔西南州,
//! 齐齐哈尔市, 宜昌市西陵区, 雅安市雨城区). The data reproduce the figures those places
//! published ([`demo::figures`]); synthetic people only.

mod activities;
mod atlas;
mod build;
mod bulk;
pub mod demo;
mod places;
mod synth;
pub mod synthetic;

use sea_orm::DbErr;

use crate::domain::DomainError;

pub use demo::{DemoSummary, SeedOutcome, seed_demo};
pub use synthetic::{Scale, SyntheticOptions, SyntheticSummary, seed_synthetic};

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The database refused a query or an insert; nothing was written (one transaction).
    #[error("database error while seeding: {0}")]
    Db(#[from] DbErr),
    /// The bulk loader's connection failed (COPY or a multi-row insert); nothing was written
    /// (one transaction).
    #[error("database error while bulk loading: {0}")]
    Bulk(#[from] sea_orm::sqlx::Error),
    /// A synthesized identifier did not validate (a bug in the seed, not in the data).
    #[error("invalid synthetic identifier: {0}")]
    Domain(#[from] DomainError),
    /// A division the demo needs is not in `regions`: import the shipped division codes
    /// first (`civlink regions import`, or `serve`, which loads them into an empty database).
    #[error("division {0} is missing from regions; import the shipped division codes first")]
    MissingRegion(String),
    /// The division data do not allow the published figures (e.g. fewer townships than
    /// stations to place).
    #[error("the division data do not fit the demo plan: {0}")]
    Plan(String),
}
