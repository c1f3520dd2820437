//! Writes are audited with what they changed: `audit_log.changes`, a JSON object of
//! `{"field": {"old": …, "new": …}}` with sensitive values masked.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("audit_log"))
                    .add_column(ColumnDef::new(Alias::new("changes")).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Alias::new("audit_log")).drop_column(Alias::new("changes")).to_owned())
            .await
    }
}
