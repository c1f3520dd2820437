//! One entry of a volunteer's service ledger: hours served and points (志愿积分) earned or spent.
//! Totals are sums over the ledger, never a mutable number.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer_ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub volunteer_id: Uuid,
    pub volunteer_team_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub served_on: Date,
    /// Service time in minutes (exposed as hours).
    pub service_minutes: i32,
    /// Points earned (positive) or redeemed (negative).
    pub points: i32,
    pub description: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::volunteer::Entity",
        from = "Column::VolunteerId",
        to = "super::volunteer::Column::Id"
    )]
    Volunteer,
    #[sea_orm(
        belongs_to = "super::volunteer_team::Entity",
        from = "Column::VolunteerTeamId",
        to = "super::volunteer_team::Column::Id"
    )]
    VolunteerTeam,
    #[sea_orm(belongs_to = "super::project::Entity", from = "Column::ProjectId", to = "super::project::Column::Id")]
    Project,
}

impl ActiveModelBehavior for ActiveModel {}
