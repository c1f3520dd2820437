//! A consent record on a client: for children under 14, a guardian's consent is needed before
//! their personal data may be shown in clear (PIPL art. 31).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub kind: ConsentKind,
    /// Who consented (the guardian).
    pub consented_by: String,
    /// What the consent covers, in words.
    pub scope: String,
    /// First day the consent holds (CST date).
    pub given_on: Date,
    /// First day it no longer holds; `None` until revoked or expired.
    pub expires_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ConsentKind {
    /// 监护人同意: a guardian's consent for a child under 14.
    #[sea_orm(string_value = "GUARDIAN_CONSENT")]
    GuardianConsent,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::client::Entity", from = "Column::ClientId", to = "super::client::Column::Id")]
    Client,
}

impl ActiveModelBehavior for ActiveModel {}
