//! 社工站 Station: guidance centres, county general stations, township stations, village rooms.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub level: StationLevel,
    pub status: StationStatus,
    /// 全面运行: the station delivers its full service catalogue.
    pub in_full_service: bool,
    pub region_code: String,
    pub parent_station_id: Option<Uuid>,
    /// The organisation operating the station (often a social-work agency under contract).
    pub operator_id: Option<Uuid>,
    pub opened_on: Option<Date>,
    /// Investment in fen (1/100 yuan).
    pub investment_fen: i64,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum StationLevel {
    #[sea_orm(string_value = "GUIDANCE_CENTER")]
    GuidanceCenter,
    #[sea_orm(string_value = "COUNTY_STATION")]
    CountyStation,
    #[sea_orm(string_value = "TOWNSHIP_STATION")]
    TownshipStation,
    #[sea_orm(string_value = "VILLAGE_ROOM")]
    VillageRoom,
    #[sea_orm(string_value = "NEIGHBORHOOD_POINT")]
    NeighborhoodPoint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum StationStatus {
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    #[sea_orm(string_value = "UNDER_CONSTRUCTION")]
    UnderConstruction,
    #[sea_orm(string_value = "OPERATING")]
    Operating,
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::region::Entity", from = "Column::RegionCode", to = "super::region::Column::Code")]
    Region,
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentStationId", to = "Column::Id")]
    ParentStation,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OperatorId",
        to = "super::organization::Column::Id"
    )]
    Operator,
}

impl ActiveModelBehavior for ActiveModel {}
