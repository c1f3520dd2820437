//! Regions: the NBS statistical division tree, keyed by the 12-digit code.
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let regions = NewTable::bare(manager, "regions");
        let code = regions.text_column("code", 12).not_null().primary_key().to_owned();
        regions
            .col(code)
            .text("name", 128)
            .enumeration("level", &["PROVINCE", "PREFECTURE", "COUNTY", "TOWNSHIP", "VILLAGE"], false)
            .reference("parent_code", "regions", "code", true, false)
            .enumeration("township_kind", &["STREET", "TOWN", "TOWNSHIP", "OTHER"], true)
            .col(ColumnDef::new(Alias::new("edition_year")).integer().not_null().to_owned())
            .index(&["level", "code"])
            .index(&["name"])
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["regions"]).await
    }
}
