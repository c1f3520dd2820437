//! Social workers with their station assignments; volunteers, teams and memberships.
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const GENDERS: &[&str] = &["MALE", "FEMALE", "UNKNOWN"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let in_range = |col: &'static str, lo: i32, hi: i32| {
            ColumnDef::new(Alias::new(col))
                .integer()
                .null()
                .check(Expr::col(Alias::new(col)).between(lo, hi))
                .to_owned()
        };
        NewTable::with_uuid_key(manager, "social_workers")
            .text("name", 64)
            .enumeration("gender", GENDERS, false)
            .text_null("phone", 32)
            .text_null("id_number", 18)
            .enumeration("certificate_level", &["NONE", "ASSISTANT", "INTERMEDIATE", "SENIOR"], false)
            .text_null("certificate_number", 64)
            .col(ColumnDef::new(Alias::new("certificate_year")).integer().null().to_owned())
            .may_belong_to("employer_id", "organizations")
            .col(in_range("pay_post", 1, 3))
            .col(in_range("pay_grade", 1, 12))
            .in_region("region_code")
            .external_reference()
            .index(&["certificate_level"])
            .index(&["name"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "station_assignments")
            .belongs_to("station_id", "stations")
            .belongs_to("social_worker_id", "social_workers")
            .enumeration("role", &["HEAD", "RESIDENT", "SUPERVISOR"], false)
            .col(ColumnDef::new(Alias::new("started_on")).date().not_null().to_owned())
            .col(ColumnDef::new(Alias::new("ended_on")).date().null().to_owned())
            .index(&["station_id", "ended_on"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "volunteers")
            .text("name", 64)
            .enumeration("gender", GENDERS, false)
            .text_null("phone", 32)
            .enumeration(
                "id_document_type",
                &["RESIDENT_ID", "PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "OTHER"],
                false,
            )
            .text_null("id_number", 32)
            .text_null("volunteer_number", 64)
            .text_null("skills", 500)
            .in_region("region_code")
            .external_reference()
            .index(&["name"])
            .index(&["volunteer_number"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "volunteer_teams")
            .text("name", 200)
            .in_region("region_code")
            .may_belong_to("station_id", "stations")
            .may_belong_to("organization_id", "organizations")
            .col(ColumnDef::new(Alias::new("founded_on")).date().null().to_owned())
            .external_reference()
            .index(&["name"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "volunteer_team_memberships")
            .belongs_to("volunteer_team_id", "volunteer_teams")
            .belongs_to("volunteer_id", "volunteers")
            .col(ColumnDef::new(Alias::new("joined_on")).date().not_null().to_owned())
            .col(ColumnDef::new(Alias::new("left_on")).date().null().to_owned())
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &["volunteer_team_memberships", "volunteer_teams", "volunteers", "station_assignments", "social_workers"],
        )
        .await
    }
}
