//! 荣誉 Award: a title of a level and year (e.g. 最美社区工作者), given to exactly one social
//! worker, volunteer or organisation, located in the division that gave or received it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "awards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub level: AwardLevel,
    pub year: i32,
    pub region_code: String,
    pub social_worker_id: Option<Uuid>,
    pub volunteer_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

/// Level of the body that gave an award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AwardLevel {
    #[sea_orm(string_value = "NATIONAL")]
    National,
    #[sea_orm(string_value = "PROVINCIAL")]
    Provincial,
    #[sea_orm(string_value = "PREFECTURE")]
    Prefecture,
    #[sea_orm(string_value = "COUNTY")]
    County,
    #[sea_orm(string_value = "TOWNSHIP")]
    Township,
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
