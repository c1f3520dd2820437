//! A category a client belongs to (many per client): assistance, elderly, children, disability.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub category: ClientCategoryKind,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

/// The categories of people civil affairs is responsible for ("一老一小、一残一困").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ClientCategoryKind {
    #[sea_orm(string_value = "MIN_LIVING")]
    MinLiving,
    #[sea_orm(string_value = "EXTREME_POVERTY")]
    ExtremePoverty,
    #[sea_orm(string_value = "NEAR_MIN_LIVING")]
    NearMinLiving,
    #[sea_orm(string_value = "TEMPORARY_ASSISTANCE")]
    TemporaryAssistance,
    #[sea_orm(string_value = "LEFT_BEHIND_ELDERLY")]
    LeftBehindElderly,
    #[sea_orm(string_value = "EMPTY_NEST")]
    EmptyNest,
    #[sea_orm(string_value = "BEREAVED_PARENT")]
    BereavedParent,
    #[sea_orm(string_value = "ILL_OR_DISABLED")]
    IllOrDisabled,
    #[sea_orm(string_value = "DEPENDENT")]
    Dependent,
    #[sea_orm(string_value = "ADVANCED_AGE")]
    AdvancedAge,
    #[sea_orm(string_value = "ORPHAN")]
    Orphan,
    #[sea_orm(string_value = "DE_FACTO_UNATTENDED")]
    DeFactoUnattended,
    #[sea_orm(string_value = "LEFT_BEHIND_CHILD")]
    LeftBehindChild,
    #[sea_orm(string_value = "CHILD_IN_DIFFICULTY")]
    ChildInDifficulty,
    #[sea_orm(string_value = "DISABLED")]
    Disabled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::client::Entity", from = "Column::ClientId", to = "super::client::Column::Id")]
    Client,
}

impl ActiveModelBehavior for ActiveModel {}
