//! 志愿者 Volunteer. ID numbers and phones are personal data: masked by the API layer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub gender: crate::Gender,
    pub phone: Option<String>,
    pub id_document_type: IdDocumentType,
    pub id_number: Option<String>,
    /// Number on the national volunteer service system (全国志愿服务信息系统).
    pub volunteer_number: Option<String>,
    /// Skills, separated by `;`.
    pub skills: Option<String>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum IdDocumentType {
    #[sea_orm(string_value = "RESIDENT_ID")]
    ResidentId,
    #[sea_orm(string_value = "PASSPORT")]
    Passport,
    #[sea_orm(string_value = "HK_MACAO_PERMIT")]
    HkMacaoPermit,
    #[sea_orm(string_value = "TAIWAN_PERMIT")]
    TaiwanPermit,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
}

impl ActiveModelBehavior for ActiveModel {}
