//! Schema migrations of civlink, one file per migration, applied in order by [`Migrator`].
//!
//! Migrations are frozen history: they spell out their columns and enum values instead of
//! reading them from `entity`, so a later change to an entity never rewrites an old migration.

pub use sea_orm_migration::prelude::*;

mod conventions;
mod m20261129_000001_create_regions;
mod m20261129_000002_create_organizations_and_stations;
mod m20261129_000003_create_workers_and_volunteers;
mod m20261129_000004_create_clients;
mod m20261129_000005_create_projects_services_and_charity;
mod m20261129_000006_create_audit_log_and_consent_records;
mod m20261129_000007_record_changes_in_audit_log;
mod m20261130_000008_cover_service_records_for_statistics;
mod m20261130_000009_index_change_feeds_by_province;
mod m20261130_000010_index_change_feeds_by_province_on_postgres;
mod m20261206_000011_record_keys;
mod m20261206_000012_guardian_consent_details;
mod m20261207_000013_volunteer_service;
mod m20261207_000014_person_keys;
mod m20261207_000015_trainings_deliberations_awards;
mod m20261207_000016_webhooks;
mod m20261207_000017_jobs;
mod m20261207_000018_change_notifications;
mod m20261207_000019_coverage_targets_and_project_reach;
mod m20261207_000020_cover_station_person_times;

/// Runs civlink's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_regions::Migration),
            Box::new(m20261129_000002_create_organizations_and_stations::Migration),
            Box::new(m20261129_000003_create_workers_and_volunteers::Migration),
            Box::new(m20261129_000004_create_clients::Migration),
            Box::new(m20261129_000005_create_projects_services_and_charity::Migration),
            Box::new(m20261129_000006_create_audit_log_and_consent_records::Migration),
            Box::new(m20261129_000007_record_changes_in_audit_log::Migration),
            Box::new(m20261130_000008_cover_service_records_for_statistics::Migration),
            Box::new(m20261130_000009_index_change_feeds_by_province::Migration),
            Box::new(m20261130_000010_index_change_feeds_by_province_on_postgres::Migration),
            Box::new(m20261206_000011_record_keys::Migration),
            Box::new(m20261206_000012_guardian_consent_details::Migration),
            Box::new(m20261207_000013_volunteer_service::Migration),
            Box::new(m20261207_000014_person_keys::Migration),
            Box::new(m20261207_000015_trainings_deliberations_awards::Migration),
            Box::new(m20261207_000016_webhooks::Migration),
            Box::new(m20261207_000017_jobs::Migration),
            Box::new(m20261207_000018_change_notifications::Migration),
            Box::new(m20261207_000019_coverage_targets_and_project_reach::Migration),
            Box::new(m20261207_000020_cover_station_person_times::Migration),
        ]
    }
}
