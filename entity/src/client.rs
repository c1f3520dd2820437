//! 服务对象 Client: a person served by a station. Every identity field is sensitive personal
//! information under PIPL and is masked by the API layer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Citizen ID number (GB 11643-1999).
    pub id_number: Option<String>,
    pub birth_date: Option<Date>,
    pub gender: crate::Gender,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Village (or township) the client lives in.
    pub region_code: String,
    /// The station that serves the client.
    pub station_id: Option<Uuid>,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
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
