//! `Training` (培训): object type, root fields and mutations (`createTraining`,
//! `updateTraining`, `deleteTraining`). Values are parsed by
//! [`crate::domain::activities::TrainingInput`].

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object};
use entity::training as m;

use super::common::{DateRange, ExternalReference, RecordInfo, RecordOrder, division};
use super::connection::{Conn, PageArgs, by_key, must_find, related, root};
use super::enums::SortDirection;
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::organization::Organization;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_some};
use super::region::Region;
use super::scalars::{Date, DateTime};
use super::social_worker::{SocialWorker, SocialWorkerFilter};
use super::station::Station;
use super::volunteer::{Volunteer, VolunteerFilter};
use crate::domain::activities::TrainingInput;
use crate::domain::roster::Problems;
use crate::store;
use crate::store::training::{Participants, TrainingVolunteers, TrainingWorkers};

/// Kind of training (培训).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::training::TrainingKind")]
pub enum TrainingKind {
    /// 考前辅导: preparation for the social-work qualification examination.
    PreCertification,
    /// 岗前/在岗培训: induction and in-service training (courses, lectures, exchanges, visits).
    OnTheJob,
    /// 挂职锻炼: secondment to another place.
    Secondment,
    /// Any other kind.
    Other,
}

/// 培训 A training session organised by a station or an organisation, with its participants
/// as person-times (培训人次) and, where known, the named social workers and volunteers.
pub struct Training(pub m::Model);

impl From<m::Model> for Training {
    fn from(m: m::Model) -> Self {
        Training(m)
    }
}

/// Filter of training lists.
#[derive(InputObject, Default)]
pub struct TrainingFilter {
    /// Only trainings located in this division's subtree.
    pub region: Option<String>,
    /// Only these kinds.
    #[graphql(default)]
    pub kinds: Vec<TrainingKind>,
    /// Only trainings held on these China Standard Time dates, `[from, to)`.
    pub held: Option<DateRange>,
}

impl TrainingFilter {
    pub fn parse(f: Option<TrainingFilter>) -> ApiResult<store::training::TrainingFilter> {
        let f = f.unwrap_or_default();
        Ok(store::training::TrainingFilter {
            region: division("filter.region", f.region.as_deref())?,
            kinds: f.kinds.into_iter().map(Into::into).collect(),
            held: DateRange::parse(f.held, "filter.held")?,
        })
    }
}

/// Sort fields of training lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "store::training::TrainingOrderField")]
pub enum TrainingOrderField {
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

/// Ordering of training lists.
#[derive(InputObject, Clone, Copy, Default)]
pub struct TrainingOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: TrainingOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl TrainingOrder {
    pub fn sort(o: Option<TrainingOrder>) -> store::Sort<store::training::TrainingOrderField> {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// 培训 A training session organised by a station or an organisation, with its participants
/// as person-times (培训人次) and, where known, the named social workers and volunteers.
#[civlink_macros::describe_arguments]
#[Object]
impl Training {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Training, self.0.id)
    }
    /// What was taught, e.g. "社会工作师考前辅导".
    async fn topic(&self) -> &str {
        &self.0.topic
    }
    /// Kind of training.
    async fn kind(&self) -> TrainingKind {
        self.0.kind.into()
    }
    /// China Standard Time date the session was held.
    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }
    /// Participants counted as person-times (培训人次): one person attending two sessions
    /// counts twice.
    async fn person_times(&self) -> i32 {
        self.0.person_times
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// Where the record came from when another system owns it.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// The division the training is located in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The organising station, if a station organised it (and the caller may read it).
    async fn station(&self, ctx: &Context<'_>) -> ApiResult<Option<Station>> {
        by_key::<entity::station::Entity, _>(ctx, self.0.station_id).await
    }
    /// The organising organisation, if one organised it (and the caller may read it).
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        by_key::<entity::organization::Entity, _>(ctx, self.0.organization_id).await
    }
    /// Social workers named as participants (those the caller may read).
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
        let filter = SocialWorkerFilter::parse(ctx, filter).await?;
        related::<TrainingWorkers, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
    /// Volunteers named as participants (those the caller may read).
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
        let filter = VolunteerFilter::parse(ctx, filter).await?;
        related::<TrainingVolunteers, _>(ctx, self.0.id, filter, order_by.into(), args).await
    }
}

/// Root fields for trainings.
#[derive(Default)]
pub struct TrainingQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl TrainingQuery {
    /// A training by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn training(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the training, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Training>> {
        let key = GlobalId::decode_uuid(&id, NodeType::Training)?;
        must_find::<m::Entity, _>(ctx, key, format!("training with id `{}`", id.as_str())).await
    }
    /// Trainings, filtered and ordered (PORTAL: all; CIVIL_AFFAIRS: its division's subtree;
    /// STATION_STAFF: its station's).
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn trainings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        updated_since: Option<DateTime>,
        include_deleted: Option<bool>,
        filter: Option<TrainingFilter>,
        order_by: Option<TrainingOrder>,
    ) -> ApiResult<Conn<Training>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        root::<m::Entity, _>(ctx, TrainingFilter::parse(filter)?, TrainingOrder::sort(order_by), args).await
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// A new training (培训).
#[derive(InputObject)]
pub struct CreateTrainingInput {
    /// What was taught (NFKC-normalised, 1-200 characters).
    pub topic: String,
    /// Kind of training.
    pub kind: TrainingKind,
    /// Day held: a China Standard Time calendar date, 2000-01-01 to today.
    pub held_on: Date,
    /// Participants as person-times, 1-100,000, at least the named participants
    /// (`INCONSISTENT`).
    pub person_times: i32,
    /// 12-digit division the training is located in; it must exist and lie in the caller's
    /// region (CIVIL_AFFAIRS) or its station's area (STATION_STAFF) (`OUT_OF_SCOPE`).
    pub region_code: String,
    /// Global id of the organising station (one the caller may read); STATION_STAFF gives its
    /// own station (`OUT_OF_SCOPE` otherwise). A station or an organisation is required
    /// (`REQUIRED`).
    pub station_id: Option<ID>,
    /// Global id of the organising organisation (one the caller may read).
    pub organization_id: Option<ID>,
    /// Global ids of the social workers who took part, where known (each one the caller may
    /// read, else `UNKNOWN_REFERENCE`).
    #[graphql(default)]
    pub social_worker_ids: Vec<ID>,
    /// Global ids of the volunteers who took part, where known (each one the caller may read).
    #[graphql(default)]
    pub volunteer_ids: Vec<ID>,
}

/// Changes to a training: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateTrainingInput {
    /// Global id of the training.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `topic` (rules as on create); absent: unchanged; `null` is refused.
    pub topic: SetOrKeep<String>,
    /// New `kind`; absent: unchanged; `null` is refused.
    pub kind: SetOrKeep<TrainingKind>,
    /// New `heldOn` (rules as on create); absent: unchanged; `null` is refused.
    pub held_on: SetOrKeep<Date>,
    /// New `personTimes` (rules as on create); absent: unchanged; `null` is refused.
    pub person_times: SetOrKeep<i32>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `stationId` (rules as on create); absent: unchanged; `null`: cleared (an
    /// organisation must remain).
    pub station_id: MaybeUndefined<ID>,
    /// New `organizationId`; absent: unchanged; `null`: cleared (a station must remain).
    pub organization_id: MaybeUndefined<ID>,
    /// The named social workers, replacing the stored ones; absent: unchanged; `null` or `[]`:
    /// none. With `volunteerIds` the named participants are replaced together: when only one
    /// of the two is given, the other is taken as empty.
    pub social_worker_ids: MaybeUndefined<Vec<ID>>,
    /// The named volunteers, replacing the stored ones; absent: unchanged; `null` or `[]`:
    /// none (see `socialWorkerIds`).
    pub volunteer_ids: MaybeUndefined<Vec<ID>>,
}

crate::payload!(
    /// The result of `createTraining` / `updateTraining`.
    TrainingPayload,
    training,
    Training
);
crate::delete_payload!(
    /// The result of `deleteTraining`.
    DeleteTrainingPayload
);

/// Decodes the participant ids; problems go to `p`.
fn participants(p: &mut Problems, workers: &[ID], volunteers: &[ID]) -> Participants {
    Participants {
        social_workers: workers
            .iter()
            .filter_map(|id| payload::uuid(p, "socialWorkerIds", id, NodeType::SocialWorker))
            .collect(),
        volunteers: volunteers
            .iter()
            .filter_map(|id| payload::uuid(p, "volunteerIds", id, NodeType::Volunteer))
            .collect(),
    }
}

/// Training mutations.
#[derive(Default)]
pub struct TrainingMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl TrainingMutation {
    /// Records a training (ADMIN anywhere, CIVIL_AFFAIRS in its region, STATION_STAFF for its
    /// own station and in its area). A training created with named participants is at version
    /// 2: the participants are linked as its first update. Client mistakes are in
    /// `userErrors`; top-level errors only `FORBIDDEN` and service failures.
    async fn create_training(&self, ctx: &Context<'_>, input: CreateTrainingInput) -> ApiResult<TrainingPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let station = payload::opt_uuid(&mut p, "stationId", input.station_id.as_ref(), NodeType::Station);
        let org = payload::opt_uuid(&mut p, "organizationId", input.organization_id.as_ref(), NodeType::Organization);
        let people = participants(&mut p, &input.social_worker_ids, &input.volunteer_ids);
        let (Some(station), Some(org), true) = (station, org, p.is_empty()) else {
            return Ok(TrainingPayload::of::<m::Model>(refused(p)));
        };
        let training = TrainingInput {
            topic: input.topic,
            kind: Some(input.kind.into()),
            held_on: Some(input.held_on.0),
            person_times: Some(input.person_times),
            region_code: input.region_code,
            has_organizer: false,
            named_participants: 0,
        };
        let out = store::training::create(&data.db, &editor, training, station, org, people).await.map_err(db_error)?;
        Ok(TrainingPayload::of(out))
    }

    /// Changes a training at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every rule of `createTraining`.
    async fn update_training(&self, ctx: &Context<'_>, input: UpdateTrainingInput) -> ApiResult<TrainingPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::Training);
        let station = payload::maybe_uuid(&mut p, "stationId", input.station_id, NodeType::Station);
        let org = payload::maybe_uuid(&mut p, "organizationId", input.organization_id, NodeType::Organization);
        let people = match (&input.social_worker_ids, &input.volunteer_ids) {
            (MaybeUndefined::Undefined, MaybeUndefined::Undefined) => None,
            (w, v) => {
                let listed = |ids: &MaybeUndefined<Vec<ID>>| ids.value().cloned().unwrap_or_default();
                Some(participants(&mut p, &listed(w), &listed(v)))
            }
        };
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(TrainingPayload::of::<m::Model>(refused(p)));
        };
        let out = store::training::update(&data.db, &editor, id, input.expected_version, station, org, people, |r| {
            set(&mut r.topic, input.topic.clone());
            set_some(&mut r.kind, input.kind.clone());
            set_some(&mut r.held_on, input.held_on.clone().map(|d| d.0));
            set_some(&mut r.person_times, input.person_times.clone());
            set(&mut r.region_code, input.region_code.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(TrainingPayload::of(out))
    }

    /// Soft-deletes a training at `expectedVersion`. Errors in `userErrors`: `NOT_FOUND`,
    /// `VERSION_CONFLICT`.
    async fn delete_training(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeleteTrainingPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::Training, true).await?.into())
    }
}
