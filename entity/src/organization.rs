//! 社会组织 Organization: agencies, community organisations, foundations, charities, departments.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    /// Unified social credit code (GB 32100-2015), 18 characters.
    pub credit_code: Option<String>,
    pub region_code: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum OrganizationKind {
    #[sea_orm(string_value = "SOCIAL_WORK_AGENCY")]
    SocialWorkAgency,
    #[sea_orm(string_value = "COMMUNITY_SOCIAL_ORG")]
    CommunitySocialOrg,
    #[sea_orm(string_value = "SOCIAL_GROUP")]
    SocialGroup,
    #[sea_orm(string_value = "FOUNDATION")]
    Foundation,
    #[sea_orm(string_value = "CHARITY")]
    Charity,
    #[sea_orm(string_value = "GOVERNMENT")]
    Government,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
