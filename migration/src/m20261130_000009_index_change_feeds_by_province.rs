//! On SQLite, change feeds filtered by region read their province's rows in feed order: every
//! table with a change feed and a `region_code` gets an index on `(substr(region_code, 1, 2), updated_at,
//! id)`. A feed page filtered to a region also asks for the region's province
//! (`substr(region_code, 1, 2) = '52'`, implied by the region's code range), which this index
//! answers in `(updated_at, id)` order; before, the page walked the whole country's
//! `(updated_at, id)` order and filtered, about 3,000 rows read per 100 returned for a
//! province (21.7 ms against 0.2 ms for one page of a province's volunteers at national
//! scale, BENCHMARKS.md, operation 3).
//!
//! The expression is written exactly as the queries write it (`substr(region_code, 1, 2)`):
//! SQLite uses an index on an expression only for that same expression.
//!
//! SQLite only. PostgreSQL, given the same redundant province condition, multiplied its
//! selectivity with the code range's (they are the same rows), underestimated a province's
//! rows 30-fold and sorted the whole province by its code index instead: the load harness's
//! operation 3 fell from 55 to 22-26 req/s. It keeps walking `(updated_at, id)`.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables with a change feed and a division code, as of this migration (`000010` indexes
/// the same ones on PostgreSQL).
pub(crate) const TABLES: [&str; 9] = [
    "stations",
    "organizations",
    "social_workers",
    "volunteers",
    "volunteer_teams",
    "clients",
    "projects",
    "service_records",
    "charity_resources",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        for t in TABLES {
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{t}_province_changes ON {t} (substr(region_code, 1, 2), updated_at, id)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        for t in TABLES {
            db.execute_unprepared(&format!("DROP INDEX idx_{t}_province_changes")).await?;
        }
        Ok(())
    }
}
