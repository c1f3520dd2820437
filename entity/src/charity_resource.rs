//! 慈善资源 CharityResource: a donation in money or kind, or matched funds (配捐) from a level of
//! government or a foundation, linked to a region and optionally a station. Projects it supports
//! list it among their participants (`project_participants`, party `CHARITY_RESOURCE`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "charity_resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What was given, e.g. "6,000 sets of thermal clothing".
    pub description: String,
    pub kind: CharityKind,
    pub donor_name: Option<String>,
    /// Value in fen.
    pub value_fen: i64,
    /// Set for `MATCHED_DONATION`: the level that matched.
    pub matching_level: Option<MatchingLevel>,
    /// Whether the resource went into a community charity fund (社区慈善基金).
    pub is_community_fund: bool,
    pub region_code: String,
    pub station_id: Option<Uuid>,
    pub received_on: Date,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CharityKind {
    #[sea_orm(string_value = "MONEY")]
    Money,
    #[sea_orm(string_value = "IN_KIND")]
    InKind,
    #[sea_orm(string_value = "MATCHED_DONATION")]
    MatchedDonation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum MatchingLevel {
    #[sea_orm(string_value = "PROVINCE")]
    Province,
    #[sea_orm(string_value = "PREFECTURE")]
    Prefecture,
    #[sea_orm(string_value = "COUNTY")]
    County,
    #[sea_orm(string_value = "FOUNDATION")]
    Foundation,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
    #[sea_orm(belongs_to = "super::station::Entity", from = "Column::StationId", to = "super::station::Column::Id")]
    Station,
}

impl ActiveModelBehavior for ActiveModel {}
