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
    /// Who consented (the guardian's name: personal data, masked when shown).
    pub consented_by: String,
    /// What the consent covers, in words.
    pub scope: String,
    /// First day the consent holds (CST date).
    pub given_on: Date,
    /// First day it no longer holds; `None`: until withdrawn.
    pub expires_on: Option<Date>,
    /// How the guardian is related to the child; `None` on records made before it was asked.
    pub relation: Option<GuardianRelation>,
    /// Where the signed consent is kept (file number, scan reference); `None` on records made
    /// before it was asked.
    pub evidence_reference: Option<String>,
    /// When the guardian withdrew the consent (PIPL art. 15); it no longer holds from then.
    pub withdrawn_at: Option<DateTimeUtc>,
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

/// How a guardian is related to the child (Civil Code arts. 27 and 32: parents first; failing
/// them grandparents, elder siblings, other approved persons, or an organisation such as a
/// residents' committee or the civil-affairs department).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum GuardianRelation {
    /// 父母: a parent.
    #[sea_orm(string_value = "PARENT")]
    Parent,
    /// 祖父母、外祖父母: a grandparent.
    #[sea_orm(string_value = "GRANDPARENT")]
    Grandparent,
    /// 兄、姐: an elder sibling of full age.
    #[sea_orm(string_value = "ELDER_SIBLING")]
    ElderSibling,
    /// 其他个人: another person approved as guardian.
    #[sea_orm(string_value = "OTHER_PERSON")]
    OtherPerson,
    /// 组织: an organisation acting as guardian (residents' or villagers' committee,
    /// civil-affairs department).
    #[sea_orm(string_value = "ORGANIZATION")]
    Organization,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::client::Entity", from = "Column::ClientId", to = "super::client::Column::Id")]
    Client,
}

impl ActiveModelBehavior for ActiveModel {}
