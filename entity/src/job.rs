//! A background job (issue 24): a bulk export, or a roster import too long to run inside its
//! request. Its state is here, not in the replica that runs it, so any replica answers a poll.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: JobKind,
    pub status: JobStatus,
    /// The token subject that started it; only that subject (with the same role) may read it.
    pub owner_subject: String,
    /// The role of that token (`Role::as_str`).
    pub owner_role: String,
    /// The scope of that token, as written by the API's job module: what the job may read.
    pub owner_scope: String,
    /// What to do, as JSON (the export's kind, format, filter and ordering).
    pub input: String,
    /// Rows done.
    pub done: i64,
    /// Rows expected, when known.
    pub total: Option<i64>,
    /// The outcome, as JSON, once SUCCEEDED.
    pub result: Option<String>,
    /// Why it FAILED: a stable code and a message for people.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The replica running it renews this lease while it works; a RUNNING job whose lease has
    /// lapsed was abandoned (its replica died) and is reported FAILED.
    pub claimed_until: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// An export's file may be downloaded until then.
    pub expires_at: Option<DateTimeUtc>,
    /// Size of an export's file so far, in bytes.
    pub bytes: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum JobKind {
    #[sea_orm(string_value = "IMPORT")]
    Import,
    #[sea_orm(string_value = "EXPORT")]
    Export,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum JobStatus {
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    #[sea_orm(string_value = "RUNNING")]
    Running,
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
