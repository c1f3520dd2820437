//! `CharityResource` (慈善资源): object type, root fields.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use entity::charity_resource as m;

use super::common::{DateRange, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::enums::{CharityKind, MatchingLevel, SortDirection};
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::project::{Project, ProjectFilter};
use super::region::Region;
use super::scalars::{Date, DateTime, Yuan};
use super::station::Station;
use crate::store;
use crate::store::project::{CharityResourceParty, ParticipantProjects};

/// 慈善资源 A charity resource: a donation in money or kind, or matched funds (配捐).
pub struct CharityResource(pub m::Model);

impl From<m::Model> for CharityResource {
    fn from(m: m::Model) -> Self {
        CharityResource(m)
    }
}

/// Filter of charity-resource lists.
#[derive(InputObject, Default)]
pub struct CharityResourceFilter {
    /// Only resources linked in this division's subtree.
    pub region: Option<String>,
    /// Only these kinds.
    #[graphql(default)]
    pub kinds: Vec<CharityKind>,
    /// Only resources received on these China Standard Time dates, `[from, to)`.
    pub received: Option<DateRange>,
}

impl CharityResourceFilter {
    pub fn parse(f: Option<CharityResourceFilter>) -> ApiResult<store::charity_resource::CharityResourceFilter> {
        let f = f.unwrap_or_default();
        Ok(store::charity_resource::CharityResourceFilter {
            region: division("filter.region", f.region.as_deref())?,
            kinds: f.kinds.into_iter().map(Into::into).collect(),
            received: DateRange::parse(f.received, "filter.received")?,
        })
    }
}

/// Sort fields of charity-resource lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "store::charity_resource::CharityResourceOrderField")]
pub enum CharityResourceOrderField {
    /// Creation order (ids are UUIDv7).
    #[default]
    Id,
    /// Date received; ties by id.
    ReceivedOn,
    /// Creation time; ties by id.
    CreatedAt,
    /// Time of the last change; ties by id.
    UpdatedAt,
}

/// Ordering of charity-resource lists.
#[derive(InputObject, Clone, Copy, Default)]
pub struct CharityResourceOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: CharityResourceOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl CharityResourceOrder {
    pub fn sort(o: Option<CharityResourceOrder>) -> store::Sort<store::charity_resource::CharityResourceOrderField> {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// 慈善资源 A charity resource: a donation in money or kind, or matched funds (配捐).
#[civlink_macros::describe_arguments]
#[Object]
impl CharityResource {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::CharityResource, self.0.id)
    }
    /// What was given, e.g. "6,000 sets of thermal clothing".
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Kind of resource.
    async fn kind(&self) -> CharityKind {
        self.0.kind.into()
    }
    /// Donor's name. civlink records no kind of donor, so every donor may be an individual:
    /// in clear for CIVIL_AFFAIRS, STATION_STAFF and ADMIN, masked for PORTAL (`张*`, the
    /// name rule of docs/ACCESS.md).
    async fn donor_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(super::audit::person_name(ctx, self.0.donor_name.as_deref())?)
    }
    /// Value in yuan (in-kind donations at their assessed value).
    async fn value(&self) -> Yuan {
        Yuan::from_fen(self.0.value_fen)
    }
    /// For matched donations: the level that matched.
    async fn matching_level(&self) -> Option<MatchingLevel> {
        self.0.matching_level.map(Into::into)
    }
    /// Whether the resource went into a community charity fund (社区慈善基金).
    async fn community_fund(&self) -> bool {
        self.0.is_community_fund
    }
    /// China Standard Time date the resource was received.
    async fn received_on(&self) -> Date {
        Date(self.0.received_on)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The division the resource was linked in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The station that received it.
    async fn station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<entity::station::Entity, _>(ctx, self.0.station_id).await
    }
    /// Projects the resource supports.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<ProjectFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<Project>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = ProjectFilter::parse(filter)?;
        related::<ParticipantProjects<CharityResourceParty>, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
}

/// Root fields for charity resources.
#[derive(Default)]
pub struct CharityResourceQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl CharityResourceQuery {
    /// A charity resource by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn charity_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the charity resource, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<CharityResource>> {
        let key = GlobalId::decode_uuid(&id, NodeType::CharityResource)?;
        must_find::<m::Entity, _>(ctx, key, format!("charity resource with id `{}`", id.as_str())).await
    }
    /// Charity resources, filtered and ordered.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn charity_resources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<CharityResourceFilter>,
        order_by: Option<CharityResourceOrder>,
    ) -> ApiResult<Conn<CharityResource>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let order = CharityResourceOrder::sort(order_by);
        root::<m::Entity, _>(ctx, CharityResourceFilter::parse(filter)?, order, args).await
    }
}
