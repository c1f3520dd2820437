//! Webhooks (issue 25): endpoints registered by ADMIN or a SYNC_CLIENT, and the log of their
//! deliveries. The events themselves are the audit rows of writes, written in each write's
//! transaction (the transactional outbox): a delivery row is made from an audit row by the
//! delivery loop, never by the write.
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn ts(col: &'static str, null: bool) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(col));
    def.timestamp_with_time_zone();
    if null {
        def.null()
    } else {
        def.not_null()
    };
    def
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        NewTable::with_uuid_key(manager, "webhooks")
            .text_null("owner_source", 64)
            .text("created_by", 200)
            .text("url", 2048)
            .text("secret", 128)
            .text("types", 400)
            .text_null("region_code", 12)
            .text_null("description", 500)
            .col(ColumnDef::new(Alias::new("paused")).boolean().not_null().default(false).to_owned())
            .col(ts("scanned_until", false))
            .col(ts("lease_until", true))
            .index(&["owner_source"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "webhook_deliveries")
            .belongs_to("webhook_id", "webhooks")
            .col(ColumnDef::new(Alias::new("audit_id")).uuid().not_null().to_owned())
            .col(ts("occurred_at", false))
            .enumeration("action", &["CREATED", "UPDATED", "DELETED"], false)
            .text("node_type", 32)
            .text("record_id", 64)
            .enumeration("status", &["PENDING", "DELIVERED", "FAILED"], false)
            .col(ColumnDef::new(Alias::new("attempts")).integer().not_null().default(0).to_owned())
            .col(ts("next_attempt_at", false))
            .col(ts("last_attempt_at", true))
            .col(ColumnDef::new(Alias::new("response_code")).integer().null().to_owned())
            .text_null("last_error", 500)
            .col(ts("delivered_at", true))
            .unique(&["webhook_id", "audit_id"])
            .index(&["webhook_id", "status", "occurred_at"])
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["webhook_deliveries", "webhooks"]).await
    }
}
