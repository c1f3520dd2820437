//! 覆盖目标 Coverage target: a division's announced target for township coverage (the share of
//! its township-level units with an operating township station) to reach by a day. A revised
//! target is a new row; the one announced last counts.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coverage_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The division whose townships the target covers.
    pub region_code: String,
    /// Target coverage in percent, 1-100.
    pub rate_percent: i32,
    /// The day by which (inclusive) the target is to be reached.
    pub due_on: Date,
    /// The day the target was announced.
    pub announced_on: Date,
    /// The document that set it (title or reference), if given.
    pub document: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
