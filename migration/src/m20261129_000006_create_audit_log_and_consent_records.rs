//! The audit log (every reveal of personal data, later every write) and guardian consent
//! records for clients under 14 (PIPL art. 31).
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        NewTable::with_uuid_key(manager, "audit_log")
            .col(ColumnDef::new(Alias::new("occurred_at")).timestamp_with_time_zone().not_null().to_owned())
            .text("actor", 200)
            .text("role", 32)
            .enumeration("action", &["REVEAL", "CREATE", "UPDATE", "DELETE"], false)
            .text("entity", 64)
            .text("entity_id", 64)
            .text("fields", 1000)
            .text_null("reason", 500)
            .text_null("request_id", 64)
            .index(&["occurred_at"])
            .index(&["actor", "occurred_at"])
            .index(&["entity", "entity_id"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "consent_records")
            .belongs_to("client_id", "clients")
            .enumeration("kind", &["GUARDIAN_CONSENT"], false)
            .text("consented_by", 64)
            .text("scope", 300)
            .col(ColumnDef::new(Alias::new("given_on")).date().not_null().to_owned())
            .col(ColumnDef::new(Alias::new("expires_on")).date().null().to_owned())
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["consent_records", "audit_log"]).await
    }
}
