//! A webhook: an HTTPS endpoint that receives signed notices of changes (issue 25), registered
//! by ADMIN (every record) or a SYNC_CLIENT (its own source's records).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The SYNC_CLIENT source that owns it; `None`: owned by ADMIN.
    pub owner_source: Option<String>,
    /// The token subject that registered it.
    pub created_by: String,
    pub url: String,
    /// The HMAC-SHA256 key deliveries are signed with; never shown after registration.
    pub secret: String,
    /// The node types (GraphQL type names) it receives, comma-separated; empty: every type
    /// its owner may read.
    pub types: String,
    /// Only records located in this division's subtree, when set.
    pub region_code: Option<String>,
    pub description: Option<String>,
    pub paused: bool,
    /// Every audit row with `occurred_at` before this instant has been turned into a delivery
    /// (or left out by the filters).
    pub scanned_until: DateTimeUtc,
    /// A replica working on this webhook holds it until then.
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
