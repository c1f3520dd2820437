//! On SQLite, statistics read a subtree's service records of a period through one index,
//! without visiting the table: the index on `(region_code, served_on)` also carries, as
//! trailing key columns, every column the statistics read (`deleted_at`, `client_id`,
//! `person_times`, `service_type`, `method`, `social_worker_id`). Measured at national scale:
//! the dashboard of the eight counties of a prefecture went from 146 to 103 ms (BENCHMARKS.md,
//! "Statistics").
//!
//! PostgreSQL keeps the plain index. There the same statements find the records of several
//! code ranges with a bitmap scan, which cannot be index-only: an `INCLUDE` index of those
//! columns (1.1 GB at national scale, against 363 MB) changed the same dashboard from 70 to
//! 66 ms, within the noise.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "idx_service_records_region_code_served_on";
const NEW: &str = "idx_service_records_region_code_served_on_covering";
const CARRIED: &str = "deleted_at, client_id, person_times, service_type, method, social_worker_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!("CREATE INDEX {NEW} ON service_records (region_code, served_on, {CARRIED})"))
            .await?;
        db.execute_unprepared(&format!("DROP INDEX {OLD}")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!("CREATE INDEX {OLD} ON service_records (region_code, served_on)")).await?;
        db.execute_unprepared(&format!("DROP INDEX {NEW}")).await?;
        Ok(())
    }
}
