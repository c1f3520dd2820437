//! `SocialWorker` (社会工作者) and `StationAssignment`: object types, root fields.

use async_graphql::{Context, ID, InputObject, Object};
use entity::social_worker as m;
use entity::station_assignment;

use super::audit::{self, PersonIdentity, contact};
use super::common::{DateRange, ExternalReference, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::context::RequestData;
use super::enums::{AssignmentRole, CertificateLevel, Gender};
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::loaders::AssignmentsOf;
use super::organization::Organization;
use super::person::{ExternalReferenceLookup, IdNumberLookup, lookups};
use super::project::{Project, ProjectFilter};
use super::region::Region;
use super::scalars::{Date, DateTime};
use super::service_record::{ServiceRecord, ServiceRecordFilter, ServiceRecordOrder};
use super::station::Station;
use super::statistics::{self, ProtectedFigure};
use crate::domain::masking;
use crate::store;
use crate::store::project::{ParticipantProjects, SocialWorkerParty};
use crate::store::statistics as figures;

/// 社会工作者 A social worker. Phone and ID number are personal data and come masked.
pub struct SocialWorker(pub m::Model);

impl From<m::Model> for SocialWorker {
    fn from(m: m::Model) -> Self {
        SocialWorker(m)
    }
}

/// Filter of social-worker lists.
#[derive(InputObject, Default)]
pub struct SocialWorkerFilter {
    /// Only workers serving in this division's subtree.
    pub region: Option<String>,
    /// Only workers with these certificate levels.
    #[graphql(default)]
    pub certificate_levels: Vec<CertificateLevel>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
    /// Only the social-worker records of the person with this citizen ID number (one per
    /// source at most), among those the caller may read; audited. See `IdNumberLookup`.
    pub id_number: Option<IdNumberLookup>,
    /// Only the worker that system `source` keeps as `externalId`. See
    /// `ExternalReferenceLookup`.
    pub external_reference: Option<ExternalReferenceLookup>,
}

impl SocialWorkerFilter {
    /// The store's filter; a lookup by ID number is audited here. Errors: as
    /// [`super::person::lookups`], `INVALID_DIVISION_CODE`.
    pub async fn parse(
        ctx: &Context<'_>,
        f: Option<SocialWorkerFilter>,
    ) -> ApiResult<store::social_worker::SocialWorkerFilter> {
        let mut f = f.unwrap_or_default();
        let (id_number, external_reference) = (f.id_number.take(), f.external_reference.take());
        let plain = Self::parse_without_lookups(Some(f))?;
        let (person_key, external) = lookups(ctx, "SocialWorker", id_number, external_reference).await?;
        Ok(store::social_worker::SocialWorkerFilter { person_key, external, ..plain })
    }

    /// The store's filter of a filter without lookups (by ID number or external reference);
    /// one with a lookup is refused, as it needs [`SocialWorkerFilter::parse`], which audits.
    /// Errors: `INVALID_DIVISION_CODE`; `INVALID_ARGUMENT` for a lookup.
    pub fn parse_without_lookups(f: Option<SocialWorkerFilter>) -> ApiResult<store::social_worker::SocialWorkerFilter> {
        let f = f.unwrap_or_default();
        if f.id_number.is_some() || f.external_reference.is_some() {
            return Err(ApiError::invalid("filter", "a lookup needs the request's context").into());
        }
        Ok(store::social_worker::SocialWorkerFilter {
            region: division("filter.region", f.region.as_deref())?,
            certificate_levels: f.certificate_levels.into_iter().map(Into::into).collect(),
            name_contains: f.name_contains,
            person_key: None,
            external: None,
        })
    }
}

/// 社会工作者 A social worker. Phone and ID number are personal data and come masked.
#[civlink_macros::describe_arguments]
#[Object]
impl SocialWorker {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::SocialWorker, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Gender.
    async fn gender(&self) -> Gender {
        self.0.gender.into()
    }
    /// Phone, masked (`138****5678`); null for PORTAL and PUBLIC callers.
    async fn phone(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(contact(ctx, self.0.phone.as_deref(), masking::phone)?)
    }
    /// Citizen ID number (GB 11643), masked (`5223**********123X`).
    async fn id_number(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(contact(ctx, self.0.id_number.as_deref(), masking::id_number)?)
    }
    /// Phone and ID number in clear, for a stated reason. Allowed to CIVIL_AFFAIRS,
    /// STATION_STAFF, SYNC_CLIENT (own source) and ADMIN; each call writes one audit row.
    /// Errors: `FORBIDDEN`, `INVALID_ARGUMENT` (a reason without at least 2 letters or digits).
    async fn identity(&self, ctx: &Context<'_>, reason: String) -> ApiResult<Option<PersonIdentity>> {
        let data = RequestData::of(ctx)?;
        audit::may_reveal(data.identity.may_reveal_people())?;
        let reason = audit::reason(&reason)?;
        let fields = audit::selected_fields(ctx);
        let row = Box::pin(store::audit::reveal_social_worker(
            &data.db,
            &data.scope,
            &data.actor(),
            self.0.id,
            &fields,
            &reason,
        ))
        .await
        .map_err(ApiError::from)?;
        Ok(Some(PersonIdentity { phone: row.phone, id_number: row.id_number }))
    }
    /// Professional qualification level.
    async fn certificate_level(&self) -> CertificateLevel {
        self.0.certificate_level.into()
    }
    /// Whether the worker holds a qualification (level other than NONE).
    async fn certified(&self) -> bool {
        self.0.certificate_level != entity::social_worker::CertificateLevel::None
    }
    /// Certificate number.
    async fn certificate_number(&self) -> Option<&str> {
        self.0.certificate_number.as_deref()
    }
    /// Year the certificate was obtained.
    async fn certificate_year(&self) -> Option<i32> {
        self.0.certificate_year
    }
    /// Pay post, 1-3, of the "3 posts, 12 grades" scale (3岗12级).
    async fn pay_post(&self) -> Option<i32> {
        self.0.pay_post
    }
    /// Pay grade, 1-12, within the post.
    async fn pay_grade(&self) -> Option<i32> {
        self.0.pay_grade
    }
    /// The owning system's reference, when synchronised from another system.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The division the worker serves in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The employing organisation.
    async fn employer(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        by_key::<entity::organization::Entity, _>(ctx, self.0.employer_id).await
    }
    /// Assignments to stations, current and past, newest first.
    async fn assignments(&self, ctx: &Context<'_>) -> ApiResult<Vec<StationAssignment>> {
        let data = RequestData::of(ctx)?;
        let rows = data.loader.load_one(AssignmentsOf(self.0.id)).await.map_err(ApiError::from)?;
        Ok(rows.unwrap_or_default().into_iter().map(StationAssignment).collect())
    }
    /// The other social-worker records of the same person: records of other sources with the
    /// same citizen ID number, matched by its keyed hash, among those the caller may read.
    /// Empty for a record without a citizen ID number. Allowed to the roles that may reveal ID
    /// numbers (CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT, ADMIN); others get `FORBIDDEN`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn same_as(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<SocialWorkerFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<SocialWorker>> {
        audit::may_reveal(RequestData::of(ctx)?.identity.may_reveal_people())?;
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = SocialWorkerFilter::parse(ctx, filter).await?;
        related::<store::social_worker::SameAs, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Projects the worker takes part in.
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
        related::<ParticipantProjects<SocialWorkerParty>, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Person-times served (服务人次) by this worker in `period`, a half-open range
    /// `[from, to)` of China Standard Time dates (both ends required). Perturbed (the
    /// cell-key method, `perturbed: true`) when the caller may not read the records of the
    /// worker's region. Errors: `INVALID_ARGUMENT` for a bad period.
    async fn person_times(&self, ctx: &Context<'_>, period: DateRange) -> ApiResult<ProtectedFigure> {
        let access = RequestData::of(ctx)?.scope.record_statistics_access(&self.0.region_code, None);
        statistics::person_times::<figures::WorkerService>(ctx, self.0.id, period, access).await
    }
    /// Services the worker delivered.
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
        related::<store::service_record::WorkerRecords, _>(ctx, self.0.id, filter, order, args).await
    }
    /// Awards (荣誉) given to the social worker.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn awards(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<super::award::AwardFilter>,
        order_by: Option<super::award::AwardOrder>,
    ) -> ApiResult<Conn<super::award::Award>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = super::award::AwardFilter::parse(filter)?;
        related::<crate::store::award::WorkerAwards, _>(
            ctx,
            self.0.id,
            filter,
            super::award::AwardOrder::sort(order_by),
            args,
        )
        .await
    }
}

/// A social worker's assignment to a station, with a role, over a period.
pub struct StationAssignment(pub station_assignment::Model);

/// A social worker's assignment to a station, with a role, over a period.
#[Object]
impl StationAssignment {
    /// The station.
    async fn station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<entity::station::Entity, _>(ctx, Some(self.0.station_id)).await
    }
    /// Role at the station.
    async fn role(&self) -> AssignmentRole {
        self.0.role.into()
    }
    /// First day of the assignment.
    async fn started_on(&self) -> Date {
        Date(self.0.started_on)
    }
    /// Last day of the assignment; null while it is current.
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date)
    }
    /// Whether the assignment is current.
    async fn current(&self) -> bool {
        self.0.ended_on.is_none()
    }
}

/// Root fields for social workers.
#[derive(Default)]
pub struct SocialWorkerQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl SocialWorkerQuery {
    /// A social worker by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn social_worker(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the social worker, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<SocialWorker>> {
        let key = GlobalId::decode_uuid(&id, NodeType::SocialWorker)?;
        must_find::<m::Entity, _>(ctx, key, format!("social worker with id `{}`", id.as_str())).await
    }
    /// Social workers, filtered and ordered.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn social_workers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<SocialWorkerFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<SocialWorker>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        root::<m::Entity, _>(ctx, SocialWorkerFilter::parse(ctx, filter).await?, order_by.into(), args).await
    }
}
