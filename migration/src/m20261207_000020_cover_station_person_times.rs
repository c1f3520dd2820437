//! On PostgreSQL, a station's person-times of a period (`Station.personTimes`, read for every
//! station of a portal page: `store::statistics::service_by`) are read from one index without
//! visiting the table: the index on `(station_id, served_on)` becomes a partial index of the
//! records not deleted that also carries what the figure sums and counts (`person_times`,
//! `client_id`, `record_key`), so PostgreSQL answers with an index-only scan instead of
//! visiting a table page for every record of the station (BENCHMARKS.md, "A station's
//! person-times from an index alone").
//!
//! Statements that read a station's records of a period read records not deleted; a list of a
//! station's records with `includeDeleted` finds them through `idx_service_records_station_id`.
//! SQLite keeps its index (not measured there).
//!
//! `CREATE INDEX` blocks writes to service records while it builds (seconds at national
//! scale); run it when no roster sync is due. Index-only scans need the table's visibility
//! map, which autovacuum keeps.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "idx_service_records_station_id_served_on";
const NEW: &str = "idx_service_records_station_id_served_on_covering";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS {NEW} ON service_records (station_id, served_on) \
             INCLUDE (person_times, client_id, record_key) WHERE deleted_at IS NULL"
        ))
        .await?;
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {OLD}")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!("CREATE INDEX IF NOT EXISTS {OLD} ON service_records (station_id, served_on)"))
            .await?;
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {NEW}")).await?;
        Ok(())
    }
}
