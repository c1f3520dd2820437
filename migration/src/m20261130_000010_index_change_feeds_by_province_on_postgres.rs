//! On PostgreSQL too, change feeds filtered to a province read that province's rows in feed
//! order: every table with a change feed and a `region_code` gets the index SQLite got in
//! `000009`, on `(substr(region_code, 1, 2), updated_at, id)`, and its statistics.
//!
//! A feed filtered to a province now asks for `substr(region_code, 1, 2) = '52'` instead of
//! the province's code range (the same rows), so PostgreSQL estimates it from this index's
//! expression statistics and reads 100 rows for a page of 100. Before, it walked the whole
//! country's `(updated_at, id)` order and kept one row in about 30 (BENCHMARKS.md, operation
//! 3).
//!
//! `CREATE INDEX` blocks writes to each table while it builds (at national scale the nine
//! took 54 s together, 10 million service records among them); run it when no roster sync is
//! due.
//! `ANALYZE` then gathers the expression's statistics: without them PostgreSQL would guess
//! 0.5 % of the rows for any province.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

// The tables with a change feed and a division code: `000009`'s.
use crate::m20261130_000009_index_change_feeds_by_province::TABLES;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for t in TABLES {
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{t}_province_changes ON {t} ((substr(region_code, 1, 2)), updated_at, id)"
            ))
            .await?;
            db.execute_unprepared(&format!("ANALYZE {t}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for t in TABLES {
            db.execute_unprepared(&format!("DROP INDEX idx_{t}_province_changes")).await?;
        }
        Ok(())
    }
}
