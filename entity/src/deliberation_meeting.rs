//! 议事协商 DeliberationMeeting: a meeting of a community's deliberation committee, with its
//! participants (person-times), outcome and whether the community problem was resolved.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliberation_meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The problem deliberated, e.g. "老旧小区加装电梯".
    pub topic: String,
    /// China Standard Time date of the meeting.
    pub held_on: Date,
    /// Participants counted as person-times.
    pub participants: i32,
    /// What was agreed.
    pub outcome: Option<String>,
    /// Whether the community problem was resolved.
    pub resolved: bool,
    /// The community (a village-level division, or the division of its station).
    pub region_code: String,
    /// The station that held or hosted it.
    pub station_id: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
    #[sea_orm(belongs_to = "super::station::Entity", from = "Column::StationId", to = "super::station::Column::Id")]
    Station,
}

impl ActiveModelBehavior for ActiveModel {}
