//! Projects with their stations and five-society participants, charity resources, service
//! records and the volunteer service ledger.
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn money(col: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(col))
        .big_integer()
        .not_null()
        .default(0)
        .check(Expr::col(Alias::new(col)).gte(0))
        .to_owned()
}

fn date(col: &'static str, nullable: bool) -> ColumnDef {
    let mut d = ColumnDef::new(Alias::new(col));
    d.date();
    if nullable {
        d.null()
    } else {
        d.not_null()
    };
    d
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        NewTable::with_uuid_key(manager, "projects")
            .text("name", 200)
            .enumeration(
                "funding_mode",
                &[
                    "GOVERNMENT_PROCUREMENT",
                    "AWARD_IN_LIEU_OF_SUBSIDY",
                    "PROVINCIAL_PROGRAM",
                    "VENTURE_PHILANTHROPY",
                    "MUTUAL_AID",
                    "CHARITY",
                ],
                false,
            )
            .enumeration("status", &["PLANNED", "ACTIVE", "COMPLETED", "CANCELLED"], false)
            .col(money("budget_fen"))
            .col(money("funds_raised_fen"))
            .col(date("starts_on", false))
            .col(date("ends_on", true))
            .in_region("region_code")
            .external_reference()
            .index(&["funding_mode"])
            .index(&["status"])
            .index(&["starts_on"])
            .index(&["name"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "project_stations")
            .belongs_to("project_id", "projects")
            .belongs_to("station_id", "stations")
            .unique(&["project_id", "station_id"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "charity_resources")
            .text("description", 300)
            .enumeration("kind", &["MONEY", "IN_KIND", "MATCHED_DONATION"], false)
            .text_null("donor_name", 200)
            .col(money("value_fen"))
            .enumeration("matching_level", &["PROVINCE", "PREFECTURE", "COUNTY", "FOUNDATION"], true)
            .col(ColumnDef::new(Alias::new("is_community_fund")).boolean().not_null().default(false).to_owned())
            .in_region("region_code")
            .may_belong_to("station_id", "stations")
            .col(date("received_on", false))
            .index(&["kind"])
            .index(&["received_on"])
            .create(manager)
            .await?;
        // Exactly one participant column is set, the one `party` names.
        let one_of = |party: &'static str, col: &'static str| {
            let cols = [
                "region_code",
                "organization_id",
                "social_worker_id",
                "volunteer_id",
                "volunteer_team_id",
                "charity_resource_id",
            ];
            let mut e = Expr::col(Alias::new("party")).eq(party);
            for c in cols {
                e = if c == col {
                    e.and(Expr::col(Alias::new(c)).is_not_null())
                } else {
                    e.and(Expr::col(Alias::new(c)).is_null())
                };
            }
            e
        };
        let check = one_of("COMMUNITY", "region_code")
            .or(one_of("ORGANIZATION", "organization_id"))
            .or(one_of("SOCIAL_WORKER", "social_worker_id"))
            .or(one_of("VOLUNTEER", "volunteer_id"))
            .or(one_of("VOLUNTEER_TEAM", "volunteer_team_id"))
            .or(one_of("CHARITY_RESOURCE", "charity_resource_id"));
        NewTable::with_uuid_key(manager, "project_participants")
            .belongs_to("project_id", "projects")
            .enumeration(
                "party",
                &["COMMUNITY", "ORGANIZATION", "SOCIAL_WORKER", "VOLUNTEER", "VOLUNTEER_TEAM", "CHARITY_RESOURCE"],
                false,
            )
            .reference("region_code", "regions", "code", true, false)
            .may_belong_to("organization_id", "organizations")
            .may_belong_to("social_worker_id", "social_workers")
            .may_belong_to("volunteer_id", "volunteers")
            .may_belong_to("volunteer_team_id", "volunteer_teams")
            .may_belong_to("charity_resource_id", "charity_resources")
            .check(check)
            .index(&["project_id", "party"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "service_records")
            .belongs_to("station_id", "stations")
            .may_belong_to("social_worker_id", "social_workers")
            .may_belong_to("client_id", "clients")
            .may_belong_to("project_id", "projects")
            .text_null("activity_name", 200)
            .in_region("region_code")
            .col(date("served_on", false))
            .enumeration(
                "service_type",
                &[
                    "DAILY_CARE",
                    "SPIRITUAL_COMFORT",
                    "EMOTIONAL_COUNSELING",
                    "CRISIS_INTERVENTION",
                    "RELATIONSHIP_ADJUSTMENT",
                    "SOCIAL_PARTICIPATION",
                    "TUTORING",
                    "RIGHTS_PROTECTION",
                    "CAPACITY_BUILDING",
                ],
                false,
            )
            .enumeration("method", &["CASEWORK", "GROUPWORK", "COMMUNITY"], false)
            .col(
                ColumnDef::new(Alias::new("person_times"))
                    .integer()
                    .not_null()
                    .check(Expr::col(Alias::new("person_times")).gte(0))
                    .to_owned(),
            )
            .index(&["station_id", "served_on"])
            .index(&["region_code", "served_on"])
            .index(&["served_on"])
            .index(&["service_type"])
            .index(&["method"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "volunteer_ledger_entries")
            .belongs_to("volunteer_id", "volunteers")
            .may_belong_to("volunteer_team_id", "volunteer_teams")
            .may_belong_to("project_id", "projects")
            .col(date("served_on", false))
            .col(
                ColumnDef::new(Alias::new("service_minutes"))
                    .integer()
                    .not_null()
                    .check(Expr::col(Alias::new("service_minutes")).gte(0))
                    .to_owned(),
            )
            .col(ColumnDef::new(Alias::new("points")).integer().not_null().default(0).to_owned())
            .text_null("description", 300)
            .index(&["served_on"])
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "volunteer_ledger_entries",
                "service_records",
                "project_participants",
                "charity_resources",
                "project_stations",
                "projects",
            ],
        )
        .await
    }
}
