//! `Award` (荣誉): object type, root fields and mutations (`createAward`, `updateAward`,
//! `deleteAward`). Values are parsed by [`crate::domain::activities::AwardInput`].

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object};
use entity::award as m;

use super::common::{ExternalReference, RecordInfo, division};
use super::connection::{Conn, PageArgs, by_key, must_find, root};
use super::enums::SortDirection;
use super::error::ApiResult;
use super::id::{GlobalId, NodeType};
use super::limits::connection_cost;
use super::organization::Organization;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_some};
use super::region::Region;
use super::scalars::DateTime;
use super::social_worker::SocialWorker;
use super::volunteer::Volunteer;
use crate::domain::activities::AwardInput;
use crate::domain::roster::Problems;
use crate::store;
use crate::store::award::Awardee;

/// Level of the body that gave an award.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::award::AwardLevel")]
pub enum AwardLevel {
    /// 国家级 national.
    National,
    /// 省级 provincial.
    Provincial,
    /// 市级 prefecture.
    Prefecture,
    /// 县(区)级 county or district.
    County,
    /// 乡镇(街道)级 township or street.
    Township,
    /// 村(社区)级 village or community.
    Community,
}

/// 荣誉 An award: a title of a level and year (e.g. 最美社区工作者) given to one social
/// worker, volunteer or organisation.
pub struct Award(pub m::Model);

impl From<m::Model> for Award {
    fn from(m: m::Model) -> Self {
        Award(m)
    }
}

/// Filter of award lists.
#[derive(InputObject, Default)]
pub struct AwardFilter {
    /// Only awards located in this division's subtree.
    pub region: Option<String>,
    /// Only these levels.
    #[graphql(default)]
    pub levels: Vec<AwardLevel>,
    /// Only awards of exactly this title (compared after NFKC normalisation).
    pub title: Option<String>,
    /// Only awards of this year or later.
    pub year_from: Option<i32>,
    /// Only awards of this year or earlier.
    pub year_to: Option<i32>,
}

impl AwardFilter {
    pub fn parse(f: Option<AwardFilter>) -> ApiResult<store::award::AwardFilter> {
        let f = f.unwrap_or_default();
        Ok(store::award::AwardFilter {
            region: division("filter.region", f.region.as_deref())?,
            levels: f.levels.into_iter().map(Into::into).collect(),
            title: f.title.map(|t| crate::store::text::normalize(t.trim())),
            year_from: f.year_from,
            year_to: f.year_to,
        })
    }
}

/// Sort fields of award lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "store::award::AwardOrderField")]
pub enum AwardOrderField {
    /// Creation order (ids are UUIDv7).
    #[default]
    Id,
    /// Year; ties by id.
    Year,
    /// Creation time; ties by id.
    CreatedAt,
    /// Time of the last change; ties by id.
    UpdatedAt,
}

/// Ordering of award lists.
#[derive(InputObject, Clone, Copy, Default)]
pub struct AwardOrder {
    /// Field to order by.
    #[graphql(default)]
    pub field: AwardOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl AwardOrder {
    pub fn sort(o: Option<AwardOrder>) -> store::Sort<store::award::AwardOrderField> {
        let o = o.unwrap_or_default();
        store::Sort { field: o.field.into(), direction: o.direction.into() }
    }
}

/// 荣誉 An award: a title of a level and year (e.g. 最美社区工作者) given to one social
/// worker, volunteer or organisation.
#[Object]
impl Award {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Award, self.0.id)
    }
    /// The title, e.g. 最美社区工作者.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Level of the body that gave it.
    async fn level(&self) -> AwardLevel {
        self.0.level.into()
    }
    /// Year awarded.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Record keeping: created, updated and deleted (UTC), and version.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
    /// Where the record came from when another system owns it.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// The division the award is located in.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        by_key::<entity::region::Entity, _>(ctx, Some(self.0.region_code.clone())).await
    }
    /// The social worker awarded (if the award is a worker's and the caller may read it).
    async fn social_worker(&self, ctx: &Context<'_>) -> ApiResult<Option<SocialWorker>> {
        by_key::<entity::social_worker::Entity, _>(ctx, self.0.social_worker_id).await
    }
    /// The volunteer awarded (if the award is a volunteer's and the caller may read it).
    async fn volunteer(&self, ctx: &Context<'_>) -> ApiResult<Option<Volunteer>> {
        by_key::<entity::volunteer::Entity, _>(ctx, self.0.volunteer_id).await
    }
    /// The organisation awarded (if the award is an organisation's and the caller may read
    /// it).
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        by_key::<entity::organization::Entity, _>(ctx, self.0.organization_id).await
    }
}

/// Root fields for awards.
#[derive(Default)]
pub struct AwardQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl AwardQuery {
    /// An award by global id. Errors: `INVALID_ID`, `NOT_FOUND`.
    async fn award(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the award, as its `id` field returns it. Errors: `INVALID_ID` for another type's id or a malformed one, `NOT_FOUND` when there is none the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Award>> {
        let key = GlobalId::decode_uuid(&id, NodeType::Award)?;
        must_find::<m::Entity, _>(ctx, key, format!("award with id `{}`", id.as_str())).await
    }
    /// Awards, filtered and ordered (PORTAL: all, honours being published by name;
    /// CIVIL_AFFAIRS: its division's subtree; STATION_STAFF: those of the workers, volunteers
    /// and organisation it may read).
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
        filter: Option<AwardFilter>,
        order_by: Option<AwardOrder>,
    ) -> ApiResult<Conn<Award>> {
        let args = PageArgs { first, after, last, before, updated_since, include_deleted };
        root::<m::Entity, _>(ctx, AwardFilter::parse(filter)?, AwardOrder::sort(order_by), args).await
    }
}

/// A new award (荣誉), given to exactly one social worker, volunteer or organisation.
#[derive(InputObject)]
pub struct CreateAwardInput {
    /// The title, e.g. 最美社区工作者 (NFKC-normalised, 1-100 characters).
    pub title: String,
    /// Level of the body that gave it.
    pub level: AwardLevel,
    /// Year awarded, 1949 to this year.
    pub year: i32,
    /// 12-digit division the award is located in; it must exist, lie in the caller's region
    /// (CIVIL_AFFAIRS) (`OUT_OF_SCOPE`), and lie on one branch of the division tree with the
    /// awardee's division, one within the other (`INCONSISTENT` on the awardee's field): an
    /// award counts in statistics only where its awardee belongs.
    pub region_code: String,
    /// Global id of the social worker awarded (one the caller may read). Exactly one of
    /// `socialWorkerId`, `volunteerId`, `organizationId` (`REQUIRED`, `INCONSISTENT`).
    pub social_worker_id: Option<ID>,
    /// Global id of the volunteer awarded (one the caller may read).
    pub volunteer_id: Option<ID>,
    /// Global id of the organisation awarded (one the caller may read).
    pub organization_id: Option<ID>,
}

/// Changes to an award: absent fields are unchanged, `null` clears a reference (exactly one
/// awardee must remain).
#[derive(InputObject)]
pub struct UpdateAwardInput {
    /// Global id of the award.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `title` (rules as on create); absent: unchanged; `null` is refused.
    pub title: SetOrKeep<String>,
    /// New `level`; absent: unchanged; `null` is refused.
    pub level: SetOrKeep<AwardLevel>,
    /// New `year` (rules as on create); absent: unchanged; `null` is refused.
    pub year: SetOrKeep<i32>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `socialWorkerId`; absent: unchanged; `null`: cleared.
    pub social_worker_id: MaybeUndefined<ID>,
    /// New `volunteerId`; absent: unchanged; `null`: cleared.
    pub volunteer_id: MaybeUndefined<ID>,
    /// New `organizationId`; absent: unchanged; `null`: cleared.
    pub organization_id: MaybeUndefined<ID>,
}

crate::payload!(
    /// The result of `createAward` / `updateAward`.
    AwardPayload,
    award,
    Award
);
crate::delete_payload!(
    /// The result of `deleteAward`.
    DeleteAwardPayload
);

/// Award mutations.
#[derive(Default)]
pub struct AwardMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl AwardMutation {
    /// Records an award (ADMIN anywhere, CIVIL_AFFAIRS in its region; awards are given by
    /// civil affairs, so STATION_STAFF gets `FORBIDDEN`). Client mistakes are in `userErrors`.
    async fn create_award(&self, ctx: &Context<'_>, input: CreateAwardInput) -> ApiResult<AwardPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let w = payload::opt_uuid(&mut p, "socialWorkerId", input.social_worker_id.as_ref(), NodeType::SocialWorker);
        let v = payload::opt_uuid(&mut p, "volunteerId", input.volunteer_id.as_ref(), NodeType::Volunteer);
        let o = payload::opt_uuid(&mut p, "organizationId", input.organization_id.as_ref(), NodeType::Organization);
        let (Some(social_worker), Some(volunteer), Some(organization), true) = (w, v, o, p.is_empty()) else {
            return Ok(AwardPayload::of::<m::Model>(refused(p)));
        };
        let award = AwardInput {
            title: input.title,
            level: Some(input.level.into()),
            year: Some(input.year),
            region_code: input.region_code,
            awardees: 0,
        };
        let who = Awardee { social_worker, volunteer, organization };
        let out = store::award::create(&data.db, &editor, award, who).await.map_err(db_error)?;
        Ok(AwardPayload::of(out))
    }

    /// Changes an award at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every rule of `createAward`.
    async fn update_award(&self, ctx: &Context<'_>, input: UpdateAwardInput) -> ApiResult<AwardPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::Award);
        let w = payload::maybe_uuid(&mut p, "socialWorkerId", input.social_worker_id, NodeType::SocialWorker);
        let v = payload::maybe_uuid(&mut p, "volunteerId", input.volunteer_id, NodeType::Volunteer);
        let o = payload::maybe_uuid(&mut p, "organizationId", input.organization_id, NodeType::Organization);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(AwardPayload::of::<m::Model>(refused(p)));
        };
        let out = store::award::update(&data.db, &editor, id, input.expected_version, [w, v, o], |r| {
            set(&mut r.title, input.title.clone());
            set_some(&mut r.level, input.level.clone());
            set_some(&mut r.year, input.year.clone());
            set(&mut r.region_code, input.region_code.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(AwardPayload::of(out))
    }

    /// Soft-deletes an award at `expectedVersion`. Errors in `userErrors`: `NOT_FOUND`,
    /// `VERSION_CONFLICT`.
    async fn delete_award(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeleteAwardPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::Award, false).await?.into())
    }
}
