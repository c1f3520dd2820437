//! `DeliberationMeeting` (议事协商): object type, root fields and mutations
//! (`createDeliberationMeeting`, `updateDeliberationMeeting`, `deleteDeliberationMeeting`).
//! Values are parsed by [`crate::domain::activities::DeliberationInput`].

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object};
use entity::deliberation_meeting as m;

use super::common::{DateRange, ExternalReference, RecordInfo, division};
use super::connection::{Conn, PageArgs, by_key, must_find, root};
use super::enums::SortDirection;
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use super::region::Region;
use super::scalars::{Date, DateTime};
use super::station::Station;
use crate::domain::activities::DeliberationInput;
use crate::domain::roster::Problems;
use crate::store;

/// 议事协商 A deliberation meeting of a community (村/社区): the problem deliberated, the
/// participants (person-times), what was agreed and whether the problem was resolved.
pub struct DeliberationMeeting(pub m::Model);

impl From<m::Model> for DeliberationMeeting {
    fn from(m: m::Model) -> Self {
        DeliberationMeeting(m)
    }
}

/// Filter of deliberation-meeting lists.
#[derive(InputObject, Default)]
pub struct DeliberationMeetingFilter {
    /// Only meetings held in this division's subtree.
    pub region: Option<String>,
    /// Only meetings that resolved (true) or did not resolve (false) their problem.
    pub resolved: Option<bool>,
    /// Only meetings held on these China Standard Time dates, `[from, to)`.
    pub held: Option<DateRange>,
}

impl DeliberationMeetingFilter {
    pub fn parse(f: Option<DeliberationMeetingFilter>) -> ApiResult<store::deliberation::DeliberationFilter> {
        let f = f.unwrap_or_default();
        Ok(store::deliberation::DeliberationFilter {
            region: division("filter.region", f.region.as_deref())?,
            resolved: f.resolved,
            held: DateRange::parse(f.held, "filter.held")?,
        })
    }
}

/// Sort fields of deliberation-meeting lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "store::deliberation::DeliberationOrderField")]
pub enum DeliberationMeetingOrderField {
    /// Creation order (ids are UUIDv7).
    #[default]
    Id,
    /// Date held; ties by id.
    HeldOn,
    /// Creation time; ties by id.
    CreatedAt,
    /// Time of the last change; ties by id.
    UpdatedAt,
}

/// Ordering of deliberation-meeting lists.
#[derive(InputObject, Clone, Copy, Default)]
pub struct DeliberationMeetingOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: DeliberationMeetingOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl DeliberationMeetingOrder {
    pub fn sort(o: Option<DeliberationMeetingOrder>) -> store::Sort<store::deliberation::DeliberationOrderField> {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// 议事协商 A deliberation meeting of a community (村/社区): the problem deliberated, the
/// participants (person-times), what was agreed and whether the problem was resolved.
#[Object]
impl DeliberationMeeting {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::DeliberationMeeting, self.0.id)
    }
    /// The community problem deliberated, e.g. "老旧小区加装电梯".
    async fn topic(&self) -> &str {
        &self.0.topic
    }
    /// China Standard Time date of the meeting.
    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }
    /// Participants counted as person-times (residents, parties, officials).
    async fn participants(&self) -> i32 {
        self.0.participants
    }
    /// What was agreed.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
    /// Whether the community problem was resolved (解决社区治理难题).
    async fn resolved(&self) -> bool {
        self.0.resolved
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// Where the record came from when another system owns it.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// The community (a village-level division) the meeting was held in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The station that held or hosted it (if the caller may read it).
    async fn station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<entity::station::Entity, _>(ctx, self.0.station_id).await
    }
}

/// Root fields for deliberation meetings.
#[derive(Default)]
pub struct DeliberationMeetingQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl DeliberationMeetingQuery {
    /// A deliberation meeting by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn deliberation_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the deliberation meeting, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<DeliberationMeeting>> {
        let key = GlobalId::decode_uuid(&id, NodeType::DeliberationMeeting)?;
        must_find::<m::Entity, _>(ctx, key, format!("deliberation meeting with id `{}`", id.as_str())).await
    }
    /// Deliberation meetings, filtered and ordered (PORTAL: all; CIVIL_AFFAIRS: its
    /// division's subtree; STATION_STAFF: its station's).
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn deliberation_meetings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<DeliberationMeetingFilter>,
        order_by: Option<DeliberationMeetingOrder>,
    ) -> ApiResult<Conn<DeliberationMeeting>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        let filter = DeliberationMeetingFilter::parse(filter)?;
        root::<m::Entity, _>(ctx, filter, DeliberationMeetingOrder::sort(order_by), args).await
    }
}

/// A new deliberation meeting (议事协商).
#[derive(InputObject)]
pub struct CreateDeliberationMeetingInput {
    /// The community problem deliberated (NFKC-normalised, 1-200 characters).
    pub topic: String,
    /// Day held: a China Standard Time calendar date, 2000-01-01 to today.
    pub held_on: Date,
    /// Participants as person-times, 1-100,000.
    pub participants: i32,
    /// What was agreed (at most 500 characters).
    pub outcome: Option<String>,
    /// Whether the community problem was resolved; default false.
    pub resolved: Option<bool>,
    /// 12-digit code of the community: a village-level division (`NOT_A_COMMUNITY`
    /// otherwise) in the caller's region (CIVIL_AFFAIRS) or its station's area
    /// (STATION_STAFF) (`OUT_OF_SCOPE`).
    pub region_code: String,
    /// Global id of the station that held or hosted it (one the caller may read);
    /// STATION_STAFF gives its own station (`OUT_OF_SCOPE` otherwise).
    pub station_id: Option<ID>,
}

/// Changes to a deliberation meeting: absent fields are unchanged, `null` clears a nullable
/// field.
#[derive(InputObject)]
pub struct UpdateDeliberationMeetingInput {
    /// Global id of the meeting.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `topic` (rules as on create); absent: unchanged; `null` is refused.
    pub topic: SetOrKeep<String>,
    /// New `heldOn` (rules as on create); absent: unchanged; `null` is refused.
    pub held_on: SetOrKeep<Date>,
    /// New `participants` (rules as on create); absent: unchanged; `null` is refused.
    pub participants: SetOrKeep<i32>,
    /// New `outcome`; absent: unchanged; `null`: cleared.
    pub outcome: MaybeUndefined<String>,
    /// New `resolved`; absent: unchanged; `null` is refused.
    pub resolved: SetOrKeep<bool>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `stationId` (rules as on create); absent: unchanged; `null`: cleared.
    pub station_id: MaybeUndefined<ID>,
}

crate::payload!(
    /// The result of `createDeliberationMeeting` / `updateDeliberationMeeting`.
    DeliberationMeetingPayload,
    deliberation_meeting,
    DeliberationMeeting
);
crate::delete_payload!(
    /// The result of `deleteDeliberationMeeting`.
    DeleteDeliberationMeetingPayload
);

/// Deliberation-meeting mutations.
#[derive(Default)]
pub struct DeliberationMeetingMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl DeliberationMeetingMutation {
    /// Records a deliberation meeting (ADMIN anywhere, CIVIL_AFFAIRS in its region,
    /// STATION_STAFF for its own station and in its area). Client mistakes are in
    /// `userErrors`; top-level errors only `FORBIDDEN` and service failures.
    async fn create_deliberation_meeting(
        &self,
        ctx: &Context<'_>,
        input: CreateDeliberationMeetingInput,
    ) -> ApiResult<DeliberationMeetingPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let Some(station) = payload::opt_uuid(&mut p, "stationId", input.station_id.as_ref(), NodeType::Station) else {
            return Ok(DeliberationMeetingPayload::of::<m::Model>(refused(p)));
        };
        let meeting = DeliberationInput {
            topic: input.topic,
            held_on: Some(input.held_on.0),
            participants: Some(input.participants),
            outcome: input.outcome,
            resolved: input.resolved,
            region_code: input.region_code,
        };
        let out = store::deliberation::create(&data.db, &editor, meeting, station).await.map_err(db_error)?;
        Ok(DeliberationMeetingPayload::of(out))
    }

    /// Changes a deliberation meeting at `expectedVersion` (absent fields unchanged). Errors
    /// in `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every rule of
    /// `createDeliberationMeeting`.
    async fn update_deliberation_meeting(
        &self,
        ctx: &Context<'_>,
        input: UpdateDeliberationMeetingInput,
    ) -> ApiResult<DeliberationMeetingPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::DeliberationMeeting);
        let station = payload::maybe_uuid(&mut p, "stationId", input.station_id, NodeType::Station);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(DeliberationMeetingPayload::of::<m::Model>(refused(p)));
        };
        let out = store::deliberation::update(&data.db, &editor, id, input.expected_version, station, |r| {
            set(&mut r.topic, input.topic.clone());
            set_some(&mut r.held_on, input.held_on.clone().map(|d| d.0));
            set_some(&mut r.participants, input.participants.clone());
            set_opt(&mut r.outcome, input.outcome.clone());
            set_some(&mut r.resolved, input.resolved.clone());
            set(&mut r.region_code, input.region_code.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(DeliberationMeetingPayload::of(out))
    }

    /// Soft-deletes a deliberation meeting at `expectedVersion`. Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`.
    async fn delete_deliberation_meeting(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> ApiResult<DeleteDeliberationMeetingPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::DeliberationMeeting, true).await?.into())
    }
}
