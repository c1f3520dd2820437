//! 社会工作者 SocialWorker. Phone and ID number are personal data: masked by the API layer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "social_workers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub gender: crate::Gender,
    pub phone: Option<String>,
    /// Citizen ID number (GB 11643-1999), sensitive.
    pub id_number: Option<String>,
    pub certificate_level: CertificateLevel,
    pub certificate_number: Option<String>,
    pub certificate_year: Option<i32>,
    pub employer_id: Option<Uuid>,
    /// Pay post 1-3 of the "3 posts, 12 grades" (3岗12级) scale.
    pub pay_post: Option<i32>,
    /// Pay grade 1-12 within the post.
    pub pay_grade: Option<i32>,
    /// The division the worker serves in (for scope and filters).
    pub region_code: String,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
    /// Keyed hash (HMAC-SHA256, hex) of the normalised citizen ID number: records with the same
    /// key are one person. Never the number itself; set by the store, never by the API.
    pub person_key: Option<String>,
}

/// National social-work professional qualification (社会工作者职业水平证书).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CertificateLevel {
    #[sea_orm(string_value = "NONE")]
    None,
    #[sea_orm(string_value = "ASSISTANT")]
    Assistant,
    #[sea_orm(string_value = "INTERMEDIATE")]
    Intermediate,
    #[sea_orm(string_value = "SENIOR")]
    Senior,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::EmployerId",
        to = "super::organization::Column::Id"
    )]
    Employer,
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
