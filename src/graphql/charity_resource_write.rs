//! `createCharityResource`, `updateCharityResource`, `deleteCharityResource`. Values are
//! parsed by [`crate::domain::records::CharityResourceInput`]; money is in yuan (the `Yuan`
//! scalar, stored as integer fen).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::charity_resource as m;

use super::charity_resource::CharityResource;
use super::enums::{CharityKind, MatchingLevel};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use super::scalars::{Date, Yuan};
use crate::domain::records::CharityResourceInput;
use crate::domain::roster::Problems;
use crate::store::charity_resource_write as store;

/// A new charity resource (慈善资源): a donation in money or kind, or matched funds (配捐).
#[derive(InputObject)]
pub struct CreateCharityResourceInput {
    /// What was given, e.g. "6,000 sets of thermal clothing" (NFKC-normalised, 1-200
    /// characters).
    pub description: String,
    /// Kind of resource.
    pub kind: CharityKind,
    /// Donor (1-100 characters).
    pub donor_name: Option<String>,
    /// Value in yuan, in-kind donations at their assessed value (`"180000.00"`). A malformed
    /// amount fails the `Yuan` scalar, so the request is refused before anything runs.
    pub value: Yuan,
    /// The level that matched the donation: required for MATCHED_DONATION (`REQUIRED`),
    /// absent for other kinds (`INCONSISTENT`).
    pub matching_level: Option<MatchingLevel>,
    /// Whether the resource went into a community charity fund (社区慈善基金); default false.
    pub community_fund: Option<bool>,
    /// 12-digit division the resource was linked in; it must exist and lie in the caller's
    /// region (CIVIL_AFFAIRS) or its station's area (STATION_STAFF) (`OUT_OF_SCOPE`).
    pub region_code: String,
    /// Global id of the station that received it (one the caller may read); STATION_STAFF
    /// gives its own station (`OUT_OF_SCOPE` otherwise).
    pub station_id: Option<ID>,
    /// Day received: a China Standard Time calendar date, 2000-01-01 to today.
    pub received_on: Date,
}

/// Changes to a charity resource: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateCharityResourceInput {
    /// Global id of the charity resource.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `description` (rules as on create); absent: unchanged; `null` is refused.
    pub description: SetOrKeep<String>,
    /// New `kind` (rules of `matchingLevel` as on create); absent: unchanged; `null` is refused.
    pub kind: SetOrKeep<CharityKind>,
    /// New `donorName` (rules as on create); absent: unchanged; `null`: cleared.
    pub donor_name: MaybeUndefined<String>,
    /// New `value` in yuan (rules as on create); absent: unchanged; `null` is refused.
    pub value: SetOrKeep<Yuan>,
    /// New `matchingLevel` (rules as on create); absent: unchanged; `null`: cleared.
    pub matching_level: MaybeUndefined<MatchingLevel>,
    /// New `communityFund`; absent: unchanged; `null` is refused.
    pub community_fund: SetOrKeep<bool>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `stationId` (rules as on create); absent: unchanged; `null`: cleared.
    pub station_id: MaybeUndefined<ID>,
    /// New `receivedOn` (rules as on create); absent: unchanged; `null` is refused.
    pub received_on: SetOrKeep<Date>,
}

crate::payload!(
    /// The result of `createCharityResource` / `updateCharityResource`.
    CharityResourcePayload,
    charity_resource,
    CharityResource
);
crate::delete_payload!(
    /// The result of `deleteCharityResource`.
    DeleteCharityResourcePayload
);

/// Charity resource mutations.
#[derive(Default)]
pub struct CharityResourceMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl CharityResourceMutation {
    /// Records a charity resource (ADMIN anywhere, CIVIL_AFFAIRS in its region,
    /// STATION_STAFF at its own station and in its area). Client mistakes are in
    /// `userErrors`; top-level errors only `FORBIDDEN` and service failures.
    async fn create_charity_resource(
        &self,
        ctx: &Context<'_>,
        input: CreateCharityResourceInput,
    ) -> ApiResult<CharityResourcePayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let Some(station) = payload::opt_uuid(&mut p, "stationId", input.station_id.as_ref(), NodeType::Station) else {
            return Ok(CharityResourcePayload::of::<m::Model>(refused(p)));
        };
        let resource = CharityResourceInput {
            description: input.description,
            kind: Some(input.kind.into()),
            donor_name: input.donor_name,
            value: Some(input.value.0),
            matching_level: input.matching_level.map(Into::into),
            is_community_fund: input.community_fund,
            region_code: input.region_code,
            received_on: Some(input.received_on.0),
        };
        let out = store::create(&data.db, &editor, resource, station).await.map_err(db_error)?;
        Ok(CharityResourcePayload::of(out))
    }

    /// Changes a charity resource at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every rule of
    /// `createCharityResource`.
    async fn update_charity_resource(
        &self,
        ctx: &Context<'_>,
        input: UpdateCharityResourceInput,
    ) -> ApiResult<CharityResourcePayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::CharityResource);
        let station = payload::maybe_uuid(&mut p, "stationId", input.station_id, NodeType::Station);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(CharityResourcePayload::of::<m::Model>(refused(p)));
        };
        let out = store::update(&data.db, &editor, id, input.expected_version, station, |r| {
            set(&mut r.description, input.description.clone());
            set_some(&mut r.kind, input.kind.clone());
            set_opt(&mut r.donor_name, input.donor_name.clone());
            set_some(&mut r.value, input.value.clone().map(|y| y.0));
            set_opt(&mut r.matching_level, input.matching_level.clone());
            set_some(&mut r.is_community_fund, input.community_fund.clone());
            set(&mut r.region_code, input.region_code.clone());
            set_some(&mut r.received_on, input.received_on.clone().map(|d| d.0));
        })
        .await
        .map_err(db_error)?;
        Ok(CharityResourcePayload::of(out))
    }

    /// Soft-deletes a charity resource at `expectedVersion`. Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`.
    async fn delete_charity_resource(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> ApiResult<DeleteCharityResourcePayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::CharityResource, true).await?.into())
    }
}
