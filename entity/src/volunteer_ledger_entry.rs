//! One entry of a volunteer's service ledger: hours served and points (志愿积分) earned or spent.
//! Totals are sums over the ledger, never a mutable number. Entries are never edited: a
//! correction is a reversing entry (`corrects_entry_id` set, minutes and points negated), so
//! every sum over the ledger cancels the corrected entry.
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
    /// What was done, in words; for a reversal, why the entry was corrected.
    pub description: Option<String>,
    /// Station where the service took place.
    pub station_id: Option<Uuid>,
    /// Kind of activity; `None` on entries made before it was recorded.
    pub activity: Option<VolunteerActivity>,
    /// The entry this one reverses (unique: an entry is corrected at most once).
    pub corrects_entry_id: Option<Uuid>,
    /// The system the entry came from (sync); `None` for entries written through the API.
    pub source: Option<String>,
    /// The entry's id in `source`.
    pub external_id: Option<String>,
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
    #[sea_orm(belongs_to = "super::station::Entity", from = "Column::StationId", to = "super::station::Column::Id")]
    Station,
}

/// Kind of volunteer activity; point rules may differ by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum VolunteerActivity {
    /// 助老: care for the elderly.
    #[sea_orm(string_value = "ELDERLY_CARE")]
    ElderlyCare,
    /// 关爱儿童: care for children.
    #[sea_orm(string_value = "CHILD_CARE")]
    ChildCare,
    /// 助残: support for the disabled.
    #[sea_orm(string_value = "DISABILITY_SUPPORT")]
    DisabilitySupport,
    /// 社区治理: community governance (patrols, deliberation, mediation).
    #[sea_orm(string_value = "COMMUNITY_GOVERNANCE")]
    CommunityGovernance,
    /// 环境保护: environment and sanitation.
    #[sea_orm(string_value = "ENVIRONMENT")]
    Environment,
    /// 文体活动: culture and sports.
    #[sea_orm(string_value = "CULTURE_AND_SPORTS")]
    CultureAndSports,
    /// 应急救援: emergency response.
    #[sea_orm(string_value = "EMERGENCY_RESPONSE")]
    EmergencyResponse,
    /// 其他.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

impl ActiveModelBehavior for ActiveModel {}
