//! One file per person (一人一档): the client's casework stage (MZ/T 094-2017) and deep-case flag.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique: one file per client.
    pub client_id: Uuid,
    pub stage: CaseStage,
    /// 深度个案: an intensive case.
    pub is_deep_case: bool,
    /// The social worker in charge of the case.
    pub social_worker_id: Option<Uuid>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

/// Casework stages of MZ/T 094-2017 (社会工作服务项目绩效评估指南 / casework process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CaseStage {
    #[sea_orm(string_value = "INTAKE")]
    Intake,
    #[sea_orm(string_value = "ASSESSMENT")]
    Assessment,
    #[sea_orm(string_value = "PLANNING")]
    Planning,
    #[sea_orm(string_value = "INTERVENTION")]
    Intervention,
    #[sea_orm(string_value = "EVALUATION")]
    Evaluation,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::client::Entity", from = "Column::ClientId", to = "super::client::Column::Id")]
    Client,
    #[sea_orm(
        belongs_to = "super::social_worker::Entity",
        from = "Column::SocialWorkerId",
        to = "super::social_worker::Column::Id"
    )]
    SocialWorker,
}

impl ActiveModelBehavior for ActiveModel {}
