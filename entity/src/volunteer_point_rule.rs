//! A rule of a volunteer points scheme (志愿积分, e.g. the 西陵区 pilot): how many points an hour
//! of service earns in a division and the divisions below it, for one kind of activity or any,
//! from a date. Rules are data: a scheme changes by adding rows, not code.
use sea_orm::entity::prelude::*;

use crate::volunteer_ledger_entry::VolunteerActivity;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer_point_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The division (12 digits) whose subtree the rule covers.
    pub region_code: String,
    /// The kind of activity it covers; `None`: every kind.
    pub activity: Option<VolunteerActivity>,
    /// Points per hour of service (0-1000); an entry earns `minutes × points_per_hour / 60`,
    /// rounded down.
    pub points_per_hour: i32,
    /// First day of service it applies to (CST).
    pub valid_from: Date,
    /// First day it no longer applies to; `None`: open-ended.
    pub valid_until: Option<Date>,
    pub description: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
