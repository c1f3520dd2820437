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
