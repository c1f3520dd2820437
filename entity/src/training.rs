//! 培训 Training: a session organised by a station or an organisation (at least one), with its
//! participants as person-times; the named social workers and volunteers who took part, where
//! known, are `training_participant` rows.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trainings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What was taught, e.g. "社会工作师考前辅导".
    pub topic: String,
    pub kind: TrainingKind,
    /// China Standard Time date the session was held.
    pub held_on: Date,
    /// Participants counted as person-times (培训人次).
    pub person_times: i32,
    pub region_code: String,
    /// The organising station, if a station organised it.
    pub station_id: Option<Uuid>,
    /// The organising organisation, if one organised it.
    pub organization_id: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

/// Kind of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum TrainingKind {
    /// 考前辅导: preparation for the social-work qualification examination.
    #[sea_orm(string_value = "PRE_CERTIFICATION")]
    PreCertification,
    /// 岗前/在岗培训: induction and in-service training.
    #[sea_orm(string_value = "ON_THE_JOB")]
    OnTheJob,
    /// 挂职锻炼: secondment to another place.
    #[sea_orm(string_value = "SECONDMENT")]
    Secondment,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
    #[sea_orm(belongs_to = "super::station::Entity", from = "Column::StationId", to = "super::station::Column::Id")]
    Station,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl ActiveModelBehavior for ActiveModel {}
