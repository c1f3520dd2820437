//! `Client` (服务对象) and `CaseFile`: object types, root fields. Every identity field is
//! masked: name `张*`, ID number `5223**********123X`, phone `138****5678`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::case_file;
use entity::client as m;

use super::audit;
use super::common::{ExternalReference, RecordInfo, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::context::RequestData;
use super::enums::{CaseStage, ClientCategory, Gender, SortDirection};
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::loaders::{CaseFileOf, CategoriesOf};
use super::region::Region;
use super::scalars::{Date, DateTime};
use super::service_record::{ServiceRecord, ServiceRecordFilter, ServiceRecordOrder};
use super::social_worker::SocialWorker;
use super::station::Station;
use crate::domain::masking;
use crate::store;

/// 服务对象 A person served by a station. Sensitive personal information (PIPL): identity
/// fields are always masked here.
pub struct Client(pub m::Model);

impl From<m::Model> for Client {
    fn from(m: m::Model) -> Self {
        Client(m)
    }
}

/// Filter of client lists. Clients are found by place, category and case, never by a
/// personal attribute.
#[derive(InputObject, Default)]
pub struct ClientFilter {
    /// Only clients living in this division's subtree.
    pub region: Option<String>,
    /// Only clients in at least one of these categories. Categories that reveal assistance or
    /// disability status (those `categories` leaves out) cannot be filtered on:
    /// `INVALID_ARGUMENT` (a list filtered on one would disclose it for every client listed;
    /// their counts are in `statistics.clients.byCategory`).
    #[graphql(default)]
    pub categories: Vec<ClientCategory>,
    /// Only clients whose case file is at one of these stages.
    #[graphql(default)]
    pub stages: Vec<CaseStage>,
    /// Only deep cases (true) or only other cases (false).
    pub deep_case: Option<bool>,
}

impl ClientFilter {
    pub fn parse(f: Option<ClientFilter>) -> ApiResult<store::client::ClientFilter> {
        let f = f.unwrap_or_default();
        let categories: Vec<entity::client_category::ClientCategoryKind> =
            f.categories.into_iter().map(Into::into).collect();
        let sensitive: Vec<String> = categories
            .iter()
            .filter(|c| masking::is_sensitive_category(**c))
            .map(|c| sea_orm::ActiveEnum::to_value(c))
            .collect();
        if !sensitive.is_empty() {
            let message = format!(
                "{} reveal assistance or disability status (PIPL art. 28) and cannot be filtered on; \
                 counts by category are in statistics.clients.byCategory",
                sensitive.join(", ")
            );
            return Err(ApiError::invalid("filter.categories", message).into());
        }
        Ok(store::client::ClientFilter {
            region: division("filter.region", f.region.as_deref())?,
            categories,
            stages: f.stages.into_iter().map(Into::into).collect(),
            deep_case: f.deep_case,
        })
    }
}

/// Sort fields of client lists (never by name).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "store::client::ClientOrderField")]
pub enum ClientOrderField {
    /// Creation order (ids are UUIDv7).
    #[default]
    Id,
    /// Creation time; ties by id.
    CreatedAt,
    /// Time of the last change; ties by id.
    UpdatedAt,
}

/// Ordering of client lists.
#[derive(InputObject, Clone, Copy, Default)]
pub struct ClientOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: ClientOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl ClientOrder {
    pub fn sort(o: Option<ClientOrder>) -> store::Sort<store::client::ClientOrderField> {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// 服务对象 A person served by a station. Sensitive personal information (PIPL): identity
/// fields are always masked here.
#[civlink_macros::describe_arguments]
#[Object]
impl Client {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Client, self.0.id)
    }
    /// Name, masked: the family name and one `*` per further character (`张*`).
    async fn name(&self) -> String {
        masking::name(&self.0.name)
    }
    /// Citizen ID number (GB 11643), masked (`5223**********123X`).
    async fn id_number(&self) -> Option<String> {
        self.0.id_number.as_deref().map(masking::id_number)
    }
    /// Birth date, masked to the year (`1949-**-**`).
    async fn birth_date(&self) -> Option<String> {
        self.0.birth_date.map(masking::birth_date)
    }
    /// Gender.
    async fn gender(&self) -> Gender {
        self.0.gender.into()
    }
    /// Phone, masked (`138****5678`).
    async fn phone(&self) -> Option<String> {
        self.0.phone.as_deref().map(masking::phone)
    }
    /// Address, masked after its first six characters.
    async fn address(&self) -> Option<String> {
        self.0.address.as_deref().map(masking::address)
    }
    /// Guardian's name, masked.
    async fn guardian_name(&self) -> Option<String> {
        self.0.guardian_name.as_deref().map(masking::name)
    }
    /// Categories the client belongs to, except those revealing assistance or disability
    /// status (sensitive; listed only by `identity`).
    async fn categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<ClientCategory>> {
        let data = RequestData::of(ctx)?;
        let cats = data.loader.load_one(CategoriesOf(self.0.id)).await.map_err(ApiError::from)?;
        Ok(cats
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !masking::is_sensitive_category(*c))
            .map(Into::into)
            .collect())
    }
    /// The client's identity in clear, for a stated reason. Allowed to CIVIL_AFFAIRS,
    /// STATION_STAFF and ADMIN; each call writes one audit row (actor, role, client, fields
    /// selected, reason, time, request id) in the same transaction as the read, and returns
    /// nothing if that write fails. A child under 14 needs a guardian consent in force.
    /// Errors: `FORBIDDEN`, `INVALID_ARGUMENT` (a reason without at least 2 letters or digits),
    /// `CONSENT_REQUIRED`.
    async fn identity(&self, ctx: &Context<'_>, reason: String) -> ApiResult<Option<ClientIdentity>> {
        let data = RequestData::of(ctx)?;
        audit::may_reveal(data.identity.may_reveal_clients())?;
        let reason = audit::reason(&reason)?;
        let fields = audit::selected_fields(ctx);
        let today = crate::domain::time::today_cst();
        let (c, categories) = Box::pin(store::audit::reveal_client(
            &data.db,
            &data.scope,
            &data.actor(),
            self.0.id,
            &fields,
            &reason,
            today,
        ))
        .await
        .map_err(ApiError::from)?;
        Ok(Some(ClientIdentity {
            name: c.name,
            id_number: c.id_number,
            birth_date: c.birth_date.map(Date),
            phone: c.phone,
            address: c.address,
            guardian_name: c.guardian_name,
            guardian_phone: c.guardian_phone,
            categories: categories.into_iter().map(Into::into).collect(),
        }))
    }
    /// Guardian consents (监护人同意, PIPL art. 31) recorded for the client, newest first,
    /// withdrawn and expired ones included; guardian names masked. CIVIL_AFFAIRS and ADMIN
    /// only: `FORBIDDEN` for STATION_STAFF.
    async fn consents(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::consent::GuardianConsent>> {
        super::consent::of_client(ctx, self.0.id).await
    }
    /// The client's case file (一人一档), if one is open or was kept.
    async fn case_file(&self, ctx: &Context<'_>) -> ApiResult<Option<CaseFile>> {
        let data = RequestData::of(ctx)?;
        Ok(data.loader.load_one(CaseFileOf(self.0.id)).await.map_err(ApiError::from)?.map(CaseFile))
    }
    /// The owning system's reference, when synchronised from another system.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The division (village or township) the client lives in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The station serving the client.
    async fn station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<entity::station::Entity, _>(ctx, self.0.station_id).await
    }
    /// Services the client received.
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
        let filter = ServiceRecordFilter::parse(filter)?;
        let order = ServiceRecordOrder::sort(order_by);
        related::<store::service_record::ClientRecords, _>(ctx, self.0.id, filter, order, args).await
    }
}

/// A client's identity in clear (sensitive personal information; every read is audited).
#[derive(SimpleObject)]
pub struct ClientIdentity {
    /// Full name.
    pub name: String,
    /// Citizen ID number (GB 11643).
    pub id_number: Option<String>,
    /// Birth date.
    pub birth_date: Option<Date>,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Guardian's name.
    pub guardian_name: Option<String>,
    /// Guardian's phone.
    pub guardian_phone: Option<String>,
    /// All categories, sensitive ones included.
    pub categories: Vec<ClientCategory>,
}

/// 一人一档 A client's case file: casework stage (MZ/T 094-2017) and deep-case flag.
pub struct CaseFile(pub case_file::Model);

/// 一人一档 A client's case file: casework stage (MZ/T 094-2017) and deep-case flag.
#[Object]
impl CaseFile {
    /// Current casework stage.
    async fn stage(&self) -> CaseStage {
        self.0.stage.into()
    }
    /// 深度个案: whether this is an intensive case.
    async fn deep_case(&self) -> bool {
        self.0.is_deep_case
    }
    /// Day the file was opened.
    async fn opened_on(&self) -> Date {
        Date(self.0.opened_on)
    }
    /// Day the case was closed.
    async fn closed_on(&self) -> Option<Date> {
        self.0.closed_on.map(Date)
    }
    /// The social worker in charge.
    async fn social_worker(&self, ctx: &Context<'_>) -> ApiResult<Option<SocialWorker>> {
        by_key::<entity::social_worker::Entity, _>(ctx, self.0.social_worker_id).await
    }
}

/// Root fields for clients.
#[derive(Default)]
pub struct ClientQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl ClientQuery {
    /// A client by global id (identity masked). Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn client(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the client, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Client>> {
        let key = GlobalId::decode_uuid(&id, NodeType::Client)?;
        must_find::<m::Entity, _>(ctx, key, format!("client with id `{}`", id.as_str())).await
    }
    /// Clients, filtered and ordered (identity masked).
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<ClientFilter>,
        order_by: Option<ClientOrder>,
    ) -> ApiResult<Conn<Client>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        root::<m::Entity, _>(ctx, ClientFilter::parse(filter)?, ClientOrder::sort(order_by), args).await
    }
}
