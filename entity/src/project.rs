//! 项目 Project: a funded piece of work that links the five societies.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub funding_mode: FundingMode,
    pub status: ProjectStatus,
    /// Budget in fen.
    pub budget_fen: i64,
    /// Funds raised in fen.
    pub funds_raised_fen: i64,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    /// The division the project serves.
    pub region_code: String,
    /// People the project reports reaching (受益群众), as it declares them.
    pub beneficiaries: Option<i32>,
    /// The field of service the project buys or delivers.
    pub service_domain: Option<ServiceDomain>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum FundingMode {
    #[sea_orm(string_value = "GOVERNMENT_PROCUREMENT")]
    GovernmentProcurement,
    #[sea_orm(string_value = "AWARD_IN_LIEU_OF_SUBSIDY")]
    AwardInLieuOfSubsidy,
    #[sea_orm(string_value = "PROVINCIAL_PROGRAM")]
    ProvincialProgram,
    #[sea_orm(string_value = "VENTURE_PHILANTHROPY")]
    VenturePhilanthropy,
    #[sea_orm(string_value = "MUTUAL_AID")]
    MutualAid,
    #[sea_orm(string_value = "CHARITY")]
    Charity,
}

/// Field of service (服务领域) of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ServiceDomain {
    #[sea_orm(string_value = "ELDERLY_CARE")]
    ElderlyCare,
    #[sea_orm(string_value = "CHILD_CARE")]
    ChildCare,
    #[sea_orm(string_value = "HEALTH_CARE")]
    HealthCare,
    #[sea_orm(string_value = "DISABILITY_SUPPORT")]
    DisabilitySupport,
    #[sea_orm(string_value = "SOCIAL_ASSISTANCE")]
    SocialAssistance,
    #[sea_orm(string_value = "COMMUNITY_GOVERNANCE")]
    CommunityGovernance,
    #[sea_orm(string_value = "EMERGENCY_RESPONSE")]
    EmergencyResponse,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ProjectStatus {
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
