//! 服务记录 ServiceRecord: one service delivered by a station, to a client or as an activity.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub station_id: Uuid,
    pub social_worker_id: Option<Uuid>,
    /// The client served (casework); `None` for a group or community activity.
    pub client_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// Name of the activity, for group and community work.
    pub activity_name: Option<String>,
    /// The division the service took place in (the station's, unless given).
    pub region_code: String,
    /// China Standard Time calendar date of the service.
    pub served_on: Date,
    pub service_type: ServiceType,
    pub method: ServiceMethod,
    /// 服务人次: people served, counted once per service.
    pub person_times: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ServiceType {
    #[sea_orm(string_value = "DAILY_CARE")]
    DailyCare,
    #[sea_orm(string_value = "SPIRITUAL_COMFORT")]
    SpiritualComfort,
    #[sea_orm(string_value = "EMOTIONAL_COUNSELING")]
    EmotionalCounseling,
    #[sea_orm(string_value = "CRISIS_INTERVENTION")]
    CrisisIntervention,
    #[sea_orm(string_value = "RELATIONSHIP_ADJUSTMENT")]
    RelationshipAdjustment,
    #[sea_orm(string_value = "SOCIAL_PARTICIPATION")]
    SocialParticipation,
    #[sea_orm(string_value = "TUTORING")]
    Tutoring,
    #[sea_orm(string_value = "RIGHTS_PROTECTION")]
    RightsProtection,
    #[sea_orm(string_value = "CAPACITY_BUILDING")]
    CapacityBuilding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ServiceMethod {
    #[sea_orm(string_value = "CASEWORK")]
    Casework,
    #[sea_orm(string_value = "GROUPWORK")]
    Groupwork,
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
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
    #[sea_orm(belongs_to = "super::client::Entity", from = "Column::ClientId", to = "super::client::Column::Id")]
    Client,
    #[sea_orm(belongs_to = "super::project::Entity", from = "Column::ProjectId", to = "super::project::Column::Id")]
    Project,
}

impl ActiveModelBehavior for ActiveModel {}
