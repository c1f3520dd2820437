//! Clients (服务对象), their categories and their case files (一人一档).
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        NewTable::with_uuid_key(manager, "clients")
            .text("name", 64)
            .text_null("id_number", 18)
            .col(ColumnDef::new(Alias::new("birth_date")).date().null().to_owned())
            .enumeration("gender", &["MALE", "FEMALE", "UNKNOWN"], false)
            .text_null("phone", 32)
            .text_null("address", 300)
            .in_region("region_code")
            .may_belong_to("station_id", "stations")
            .text_null("guardian_name", 64)
            .text_null("guardian_phone", 32)
            .external_reference()
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "client_categories")
            .belongs_to("client_id", "clients")
            .enumeration(
                "category",
                &[
                    "MIN_LIVING",
                    "EXTREME_POVERTY",
                    "NEAR_MIN_LIVING",
                    "TEMPORARY_ASSISTANCE",
                    "LEFT_BEHIND_ELDERLY",
                    "EMPTY_NEST",
                    "BEREAVED_PARENT",
                    "ILL_OR_DISABLED",
                    "DEPENDENT",
                    "ADVANCED_AGE",
                    "ORPHAN",
                    "DE_FACTO_UNATTENDED",
                    "LEFT_BEHIND_CHILD",
                    "CHILD_IN_DIFFICULTY",
                    "DISABLED",
                ],
                false,
            )
            .unique(&["client_id", "category"])
            .index(&["category"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "case_files")
            .belongs_to("client_id", "clients")
            .enumeration("stage", &["INTAKE", "ASSESSMENT", "PLANNING", "INTERVENTION", "EVALUATION", "CLOSED"], false)
            .col(ColumnDef::new(Alias::new("is_deep_case")).boolean().not_null().default(false).to_owned())
            .may_belong_to("social_worker_id", "social_workers")
            .col(ColumnDef::new(Alias::new("opened_on")).date().not_null().to_owned())
            .col(ColumnDef::new(Alias::new("closed_on")).date().null().to_owned())
            .unique(&["client_id"])
            .index(&["stage"])
            .index(&["is_deep_case"])
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["case_files", "client_categories", "clients"]).await
    }
}
