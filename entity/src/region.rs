//! 行政区划 Region: one row per NBS statistical division code (统计用区划代码).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    /// 12-digit statistical code, zero-padded (`522300000000` for 黔西南州).
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// 12-digit code of the parent division; `None` for provinces.
    pub parent_code: Option<String>,
    /// Set for township-level rows only, from digits 7-9 of the code.
    pub township_kind: Option<TownshipKind>,
    /// Edition year of the code list (codes change yearly), e.g. 2023.
    pub edition_year: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

/// Level of a division in the five-level statistical tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RegionLevel {
    #[sea_orm(string_value = "PROVINCE")]
    Province,
    #[sea_orm(string_value = "PREFECTURE")]
    Prefecture,
    #[sea_orm(string_value = "COUNTY")]
    County,
    #[sea_orm(string_value = "TOWNSHIP")]
    Township,
    #[sea_orm(string_value = "VILLAGE")]
    Village,
}

/// Kind of a township-level unit, from the code range of digits 7-9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TownshipKind {
    #[sea_orm(string_value = "STREET")]
    Street,
    #[sea_orm(string_value = "TOWN")]
    Town,
    #[sea_orm(string_value = "TOWNSHIP")]
    Township,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentCode", to = "Column::Code")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
