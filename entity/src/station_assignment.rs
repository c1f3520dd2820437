//! A social worker's assignment to a station over time, with a role.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "station_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub station_id: Uuid,
    pub social_worker_id: Uuid,
    pub role: AssignmentRole,
    pub started_on: Date,
    /// Last day of the assignment; `None` while it is current.
    pub ended_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AssignmentRole {
    #[sea_orm(string_value = "HEAD")]
    Head,
    #[sea_orm(string_value = "RESIDENT")]
    Resident,
    #[sea_orm(string_value = "SUPERVISOR")]
    Supervisor,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::station::Entity", from = "Column::StationId", to = "super::station::Column::Id")]
    Station,
    #[sea_orm(
        belongs_to = "super::social_worker::Entity",
        from = "Column::SocialWorkerId",
        to = "super::social_worker::Column::Id"
    )]
    SocialWorker,
}

impl ActiveModelBehavior for ActiveModel {}
