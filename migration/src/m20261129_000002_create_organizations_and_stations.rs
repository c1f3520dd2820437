//! Organisations and stations.
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        NewTable::with_uuid_key(manager, "organizations")
            .text("name", 200)
            .enumeration(
                "kind",
                &[
                    "SOCIAL_WORK_AGENCY",
                    "COMMUNITY_SOCIAL_ORG",
                    "SOCIAL_GROUP",
                    "FOUNDATION",
                    "CHARITY",
                    "GOVERNMENT",
                    "OTHER",
                ],
                false,
            )
            .text_null("credit_code", 18)
            .in_region("region_code")
            .text_null("contact_name", 64)
            .text_null("contact_phone", 32)
            .external_reference()
            .index(&["kind"])
            .index(&["name"])
            .index(&["credit_code"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "stations")
            .text("name", 200)
            .enumeration(
                "level",
                &["GUIDANCE_CENTER", "COUNTY_STATION", "TOWNSHIP_STATION", "VILLAGE_ROOM", "NEIGHBORHOOD_POINT"],
                false,
            )
            .enumeration("status", &["PLANNED", "UNDER_CONSTRUCTION", "OPERATING", "SUSPENDED", "CLOSED"], false)
            .col(ColumnDef::new(Alias::new("in_full_service")).boolean().not_null().default(false).to_owned())
            .in_region("region_code")
            .may_belong_to("parent_station_id", "stations")
            .may_belong_to("operator_id", "organizations")
            .col(ColumnDef::new(Alias::new("opened_on")).date().null().to_owned())
            .col(
                ColumnDef::new(Alias::new("investment_fen"))
                    .big_integer()
                    .not_null()
                    .default(0)
                    .check(Expr::col(Alias::new("investment_fen")).gte(0))
                    .to_owned(),
            )
            .text_null("address", 300)
            .col(ColumnDef::new(Alias::new("latitude")).double().null().to_owned())
            .col(ColumnDef::new(Alias::new("longitude")).double().null().to_owned())
            .external_reference()
            .index(&["region_code", "level", "status"])
            .index(&["level", "status"])
            .index(&["in_full_service"])
            .index(&["name"])
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["stations", "organizations"]).await
    }
}
