//! `Volunteer` (志愿者): object type, root fields.

use async_graphql::{Context, ID, InputObject, Object};
use entity::volunteer as m;

use super::audit::{self, PersonIdentity, contact};
use super::common::{ExternalReference, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::context::RequestData;
use super::enums::{Gender, IdDocumentType};
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::loaders::LedgerTotalsOf;
use super::person::{ExternalReferenceLookup, IdNumberLookup, lookups};
use super::project::{Project, ProjectFilter};
use super::region::Region;
use super::scalars::DateTime;
use super::volunteer_team::{VolunteerTeam, VolunteerTeamFilter};
use crate::domain::masking;
use crate::store;
use crate::store::project::{ParticipantProjects, VolunteerParty};

/// 志愿者 A volunteer. Phone and ID number are personal data and come masked.
pub struct Volunteer(pub m::Model);

impl From<m::Model> for Volunteer {
    fn from(m: m::Model) -> Self {
        Volunteer(m)
    }
}

/// Filter of volunteer lists.
#[derive(InputObject, Default)]
pub struct VolunteerFilter {
    /// Only volunteers registered in this division's subtree.
    pub region: Option<String>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
    /// Only the volunteer records of the person with this citizen ID number (one per source
    /// at most), among those the caller may read; audited. See `IdNumberLookup`.
    pub id_number: Option<IdNumberLookup>,
    /// Only the volunteer that system `source` keeps as `externalId`. See
    /// `ExternalReferenceLookup`.
    pub external_reference: Option<ExternalReferenceLookup>,
}

impl VolunteerFilter {
    /// The store's filter; a lookup by ID number is audited here. Errors: as
    /// [`super::person::lookups`], `INVALID_DIVISION_CODE`.
    pub async fn parse(ctx: &Context<'_>, f: Option<VolunteerFilter>) -> ApiResult<store::volunteer::VolunteerFilter> {
        let mut f = f.unwrap_or_default();
        let (id_number, external_reference) = (f.id_number.take(), f.external_reference.take());
        let plain = Self::parse_without_lookups(Some(f))?;
        let (person_key, external) = lookups(ctx, "Volunteer", id_number, external_reference).await?;
        Ok(store::volunteer::VolunteerFilter { person_key, external, ..plain })
    }

    /// The store's filter of a filter without lookups (by ID number or external reference);
    /// one with a lookup is refused, as it needs [`VolunteerFilter::parse`], which audits.
    /// Errors: `INVALID_DIVISION_CODE`; `INVALID_ARGUMENT` for a lookup.
    pub fn parse_without_lookups(f: Option<VolunteerFilter>) -> ApiResult<store::volunteer::VolunteerFilter> {
        let f = f.unwrap_or_default();
        if f.id_number.is_some() || f.external_reference.is_some() {
            return Err(ApiError::invalid("filter", "a lookup needs the request's context").into());
        }
        let region = division("filter.region", f.region.as_deref())?;
        Ok(store::volunteer::VolunteerFilter {
            region,
            name_contains: f.name_contains,
            person_key: None,
            external: None,
        })
    }
}

/// 志愿者 A volunteer. Phone and ID number are personal data and come masked.
#[civlink_macros::describe_arguments]
#[Object]
impl Volunteer {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Volunteer, self.0.id)
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
    /// Type of identity document.
    async fn id_document_type(&self) -> IdDocumentType {
        self.0.id_document_type.into()
    }
    /// Identity document number, masked (`5223**********123X`).
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
        let row =
            Box::pin(store::audit::reveal_volunteer(&data.db, &data.scope, &data.actor(), self.0.id, &fields, &reason))
                .await
                .map_err(ApiError::from)?;
        Ok(Some(PersonIdentity { phone: row.phone, id_number: row.id_number }))
    }
    /// Number on the national volunteer service system (全国志愿服务信息系统).
    async fn volunteer_number(&self) -> Option<&str> {
        self.0.volunteer_number.as_deref()
    }
    /// Skills.
    async fn skills(&self) -> Vec<&str> {
        self.0
            .skills
            .as_deref()
            .map(|s| s.split(';').map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }
    /// Total service hours recorded in the volunteer's ledger (hours, two decimals). For
    /// callers who may not list the ledger's entries (PORTAL, PUBLIC) perturbed as statistics
    /// are (the cell-key method, a sum over the volunteer's entries: at most 4 %, 0 stays 0),
    /// so that adding up volunteers does not undo the perturbation of published statistics.
    async fn service_hours(&self, ctx: &Context<'_>) -> ApiResult<f64> {
        let l = ledger(ctx, self.0.id).await?;
        Ok(crate::domain::time::hours_from_minutes(published_ledger(ctx, l.minutes, l.key)?))
    }
    /// Balance of volunteer points (志愿积分): earned minus redeemed. Perturbed as
    /// `serviceHours` for callers who may not list the ledger's entries.
    async fn points(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let l = ledger(ctx, self.0.id).await?;
        published_ledger(ctx, l.points, l.key)
    }
    /// The entries of the volunteer's service ledger behind `serviceHours` and `points`,
    /// corrections included, newest service first. Listed to CIVIL_AFFAIRS, STATION_STAFF,
    /// SYNC_CLIENT and ADMIN; `FORBIDDEN` for PORTAL.
    async fn service_entries(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<super::volunteer_service::VolunteerServiceEntry>> {
        super::volunteer_service::of_volunteer(ctx, self.0.id).await
    }
    /// The owning system's reference, when synchronised from another system.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// The division the volunteer is registered in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// Teams the volunteer currently belongs to.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn teams(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<VolunteerTeamFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<VolunteerTeam>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = VolunteerTeamFilter::parse(filter)?;
        related::<store::volunteer_team::VolunteerMemberships, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// The other volunteer records of the same person: records of other sources (the national
    /// volunteer system's roster, a county's roster, civlink's own) with the same citizen ID
    /// number, matched by its keyed hash, among those the caller may read. Empty for a record
    /// without a citizen ID number. Allowed to the roles that may reveal ID numbers
    /// (CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT, ADMIN); others get `FORBIDDEN` (that two
    /// records are one person is derived from a number they may not see).
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
        filter: Option<VolunteerFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<Volunteer>> {
        audit::may_reveal(RequestData::of(ctx)?.identity.may_reveal_people())?;
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = VolunteerFilter::parse(ctx, filter).await?;
        related::<store::volunteer::SameAs, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Projects the volunteer takes part in individually.
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
        related::<ParticipantProjects<VolunteerParty>, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Awards (荣誉) given to the volunteer.
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
        related::<crate::store::award::VolunteerAwards, _>(
            ctx,
            self.0.id,
            filter,
            super::award::AwardOrder::sort(order_by),
            args,
        )
        .await
    }
}

async fn ledger(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<store::volunteer::LedgerTotals> {
    let data = RequestData::of(ctx)?;
    Ok(Box::pin(data.loader.load_one(LedgerTotalsOf(id))).await.map_err(ApiError::from)?.unwrap_or_default())
}

/// A sum over one volunteer's ledger entries as the caller may see it: exact for callers who
/// may list the entries (`serviceEntries`), perturbed as a magnitude for the others.
fn published_ledger(ctx: &Context<'_>, value: i64, key: i64) -> ApiResult<i64> {
    use super::statistics::published_sum;
    use crate::domain::disclosure::StatisticsAccess;
    let access = if RequestData::of(ctx)?.identity.may_reveal_people() {
        StatisticsAccess::Full
    } else {
        StatisticsAccess::Published
    };
    Ok(published_sum(access, crate::store::statistics::Cell { value, clients: 0, key }))
}

/// Root fields for volunteers.
#[derive(Default)]
pub struct VolunteerQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl VolunteerQuery {
    /// A volunteer by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn volunteer(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the volunteer, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Volunteer>> {
        let key = GlobalId::decode_uuid(&id, NodeType::Volunteer)?;
        must_find::<m::Entity, _>(ctx, key, format!("volunteer with id `{}`", id.as_str())).await
    }
    /// Volunteers, filtered and ordered.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn volunteers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<VolunteerFilter>,
        order_by: Option<RecordOrder>,
    ) -> ApiResult<Conn<Volunteer>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        root::<m::Entity, _>(ctx, VolunteerFilter::parse(ctx, filter).await?, order_by.into(), args).await
    }
}
