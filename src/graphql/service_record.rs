//! `ServiceRecord` (服务记录): object type, root fields.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use entity::service_record as m;

use super::client::Client;
use super::common::{DateRange, RecordInfo, division};
use super::connection::{Conn, PageArgs, by_key, must_find, root};
use super::enums::{ServiceMethod, ServiceType, SortDirection};
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::project::Project;
use super::region::Region;
use super::scalars::{Date, DateTime};
use super::social_worker::SocialWorker;
use super::station::Station;
use crate::store;

/// 服务记录 One service delivered by a station: casework with a client, or a group or
/// community activity.
pub struct ServiceRecord(pub m::Model);

impl From<m::Model> for ServiceRecord {
    fn from(m: m::Model) -> Self {
        ServiceRecord(m)
    }
}

/// Filter of service-record lists.
#[derive(InputObject, Default)]
pub struct ServiceRecordFilter {
    /// Only services delivered in this division's subtree.
    pub region: Option<String>,
    /// Only these service types.
    #[graphql(default)]
    pub service_types: Vec<ServiceType>,
    /// Only these methods.
    #[graphql(default)]
    pub methods: Vec<ServiceMethod>,
    /// Only services on these China Standard Time dates, `[from, to)`.
    pub served: Option<DateRange>,
}

impl ServiceRecordFilter {
    pub fn parse(f: Option<ServiceRecordFilter>) -> ApiResult<store::service_record::ServiceRecordFilter> {
        let f = f.unwrap_or_default();
        Ok(store::service_record::ServiceRecordFilter {
            region: division("filter.region", f.region.as_deref())?,
            service_types: f.service_types.into_iter().map(Into::into).collect(),
            methods: f.methods.into_iter().map(Into::into).collect(),
            served: DateRange::parse(f.served, "filter.served")?,
        })
    }
}

/// Sort fields of service-record lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "store::service_record::ServiceRecordOrderField")]
pub enum ServiceRecordOrderField {
    /// Creation order (ids are UUIDv7).
    #[default]
    Id,
    /// Service date; ties by id.
    ServedOn,
    /// Creation time; ties by id.
    CreatedAt,
    /// Time of the last change; ties by id.
    UpdatedAt,
}

/// Ordering of service-record lists.
#[derive(InputObject, Clone, Copy, Default)]
pub struct ServiceRecordOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: ServiceRecordOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl ServiceRecordOrder {
    pub fn sort(o: Option<ServiceRecordOrder>) -> store::Sort<store::service_record::ServiceRecordOrderField> {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// 服务记录 One service delivered by a station: casework with a client, or a group or
/// community activity.
#[Object]
impl ServiceRecord {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::ServiceRecord, self.0.id)
    }
    /// China Standard Time date of the service.
    async fn served_on(&self) -> Date {
        Date(self.0.served_on)
    }
    /// Type of service.
    async fn service_type(&self) -> ServiceType {
        self.0.service_type.into()
    }
    /// Method: casework, group work or community work.
    async fn method(&self) -> ServiceMethod {
        self.0.method.into()
    }
    /// 服务人次 people served, counted once per service (person-times).
    async fn person_times(&self) -> i32 {
        self.0.person_times
    }
    /// Name of the activity, for group and community work.
    async fn activity_name(&self) -> Option<&str> {
        self.0.activity_name.as_deref()
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The station that delivered the service.
    async fn station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<entity::station::Entity, _>(ctx, Some(self.0.station_id)).await
    }
    /// The social worker who delivered it.
    async fn social_worker(&self, ctx: &Context<'_>) -> ApiResult<Option<SocialWorker>> {
        by_key::<entity::social_worker::Entity, _>(ctx, self.0.social_worker_id).await
    }
    /// The client served, for casework (identity masked).
    async fn client(&self, ctx: &Context<'_>) -> ApiResult<Option<Client>> {
        by_key::<entity::client::Entity, _>(ctx, self.0.client_id).await
    }
    /// The project the service was delivered under.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        by_key::<entity::project::Entity, _>(ctx, self.0.project_id).await
    }
    /// The division the service took place in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
}

/// Root fields for service records.
#[derive(Default)]
pub struct ServiceRecordQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl ServiceRecordQuery {
    /// A service record by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn service_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the service record, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<ServiceRecord>> {
        let key = GlobalId::decode_uuid(&id, NodeType::ServiceRecord)?;
        must_find::<m::Entity, _>(ctx, key, format!("service record with id `{}`", id.as_str())).await
    }
    /// Service records, filtered and ordered.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn service_records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<ServiceRecordFilter>,
        order_by: Option<ServiceRecordOrder>,
    ) -> ApiResult<Conn<ServiceRecord>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        root::<m::Entity, _>(ctx, ServiceRecordFilter::parse(filter)?, ServiceRecordOrder::sort(order_by), args).await
    }
}
