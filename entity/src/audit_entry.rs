//! One row of the audit log: who did what to which record, when, and why. Every reveal of
//! personal data writes one (PIPL arts. 51, 55).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// When it happened (UTC).
    pub occurred_at: DateTimeUtc,
    /// The token's subject.
    pub actor: String,
    /// The role the actor acted in.
    pub role: String,
    pub action: AuditAction,
    /// The GraphQL type of the record, e.g. `Client`.
    pub entity: String,
    /// The record's key.
    pub entity_id: String,
    /// The fields read or changed, comma-separated.
    pub fields: String,
    /// The reason the actor gave (required for reveals).
    pub reason: Option<String>,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
    /// For writes: a JSON object `{"field": {"old": …, "new": …}}` of the changed fields,
    /// sensitive values masked; `None` for reveals.
    pub changes: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AuditAction {
    /// Personal data shown in clear.
    #[sea_orm(string_value = "REVEAL")]
    Reveal,
    #[sea_orm(string_value = "CREATE")]
    Create,
    #[sea_orm(string_value = "UPDATE")]
    Update,
    #[sea_orm(string_value = "DELETE")]
    Delete,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
