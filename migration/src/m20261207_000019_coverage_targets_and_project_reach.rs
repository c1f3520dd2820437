//! What the seed article reports beyond the records of `000015` (issue 23):
//!
//! - `coverage_targets`: a division's announced target for township coverage (黔西南州: "计划在
//!   2025 年年底实现全州 140 个乡镇(街道)社工站建设全覆盖"): the rate, in percent, to reach by a
//!   day, as announced on a day. A revised target is a new row; the one announced last counts.
//! - `projects.beneficiaries`: the people a project reports reaching (受益群众), a figure the
//!   project declares, not counted from records about persons.
//! - `projects.service_domain`: the field of service (服务领域) a project buys or delivers
//!   (雨城区: "在助老扶幼、医疗保健等五个领域购买社会组织服务").
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The values of `ServiceDomain` (entity `project::ServiceDomain`).
const SERVICE_DOMAINS: [&str; 8] = [
    "ELDERLY_CARE",
    "CHILD_CARE",
    "HEALTH_CARE",
    "DISABILITY_SUPPORT",
    "SOCIAL_ASSISTANCE",
    "COMMUNITY_GOVERNANCE",
    "EMERGENCY_RESPONSE",
    "OTHER",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rate = Alias::new("rate_percent");
        NewTable::with_uuid_key(manager, "coverage_targets")
            .in_region("region_code")
            .col(
                ColumnDef::new(rate.clone())
                    .integer()
                    .not_null()
                    .check(Expr::col(rate.clone()).gte(1).and(Expr::col(rate).lte(100)))
                    .to_owned(),
            )
            .col(ColumnDef::new(Alias::new("due_on")).date().not_null().to_owned())
            .col(ColumnDef::new(Alias::new("announced_on")).date().not_null().to_owned())
            .text_null("document", 200)
            .check(Expr::col(Alias::new("due_on")).gte(Expr::col(Alias::new("announced_on"))))
            .index(&["region_code", "announced_on"])
            .create(manager)
            .await?;

        let beneficiaries = Alias::new("beneficiaries");
        let domain = Alias::new("service_domain");
        let columns = [
            ColumnDef::new(beneficiaries.clone()).integer().null().check(Expr::col(beneficiaries).gte(0)).to_owned(),
            ColumnDef::new(domain.clone())
                .string_len(32)
                .null()
                .check(Expr::col(domain).is_in(SERVICE_DOMAINS))
                .to_owned(),
        ];
        // One column per statement: SQLite alters one thing at a time.
        for mut col in columns {
            manager.alter_table(Table::alter().table(Alias::new("projects")).add_column(&mut col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["service_domain", "beneficiaries"] {
            manager
                .alter_table(Table::alter().table(Alias::new("projects")).drop_column(Alias::new(col)).to_owned())
                .await?;
        }
        drop_tables(manager, &["coverage_targets"]).await
    }
}
