//! `createVolunteerTeam`, `updateVolunteerTeam`, `deleteVolunteerTeam`, and memberships
//! (`addVolunteerTeamMember`, `removeVolunteerTeamMember`), which change the team (its
//! `expectedVersion` is checked and its version bumped). Values follow the roster sync's
//! rules ([`crate::domain::roster::VolunteerTeamInput`]).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::volunteer_team as m;

use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt};
use super::scalars::Date;
use super::volunteer_team::VolunteerTeam;
use crate::domain::roster::{Problems, VolunteerTeamInput};
use crate::store::volunteer_team_write::{self as store, TeamLinks};

/// A new volunteer team.
#[derive(InputObject)]
pub struct CreateVolunteerTeamInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// 12-digit division the team belongs to; it must exist and, for CIVIL_AFFAIRS, lie in
    /// the caller's region.
    pub region_code: String,
    /// Founding date (CST), not in the future.
    pub founded_on: Option<Date>,
    /// Global id of the station the team serves with (one the caller may read).
    pub station_id: Option<ID>,
    /// Global id of the organisation the team belongs to (one the caller may read).
    pub organization_id: Option<ID>,
}

/// Changes to a volunteer team: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateVolunteerTeamInput {
    /// Global id of the team.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent: unchanged; `null` is refused.
    pub name: SetOrKeep<String>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `foundedOn` (rules as on create); absent: unchanged; `null`: cleared.
    pub founded_on: MaybeUndefined<Date>,
    /// New `stationId` (rules as on create); absent: unchanged; `null`: cleared.
    pub station_id: MaybeUndefined<ID>,
    /// New `organizationId` (rules as on create); absent: unchanged; `null`: cleared.
    pub organization_id: MaybeUndefined<ID>,
}

/// A volunteer joining a team.
#[derive(InputObject)]
pub struct AddVolunteerTeamMemberInput {
    /// Global id of the team.
    pub volunteer_team_id: ID,
    /// The team's `record.version` as read.
    pub expected_version: i32,
    /// Global id of the volunteer (one the caller may read).
    pub volunteer_id: ID,
    /// First day of membership (CST), 2000-01-01 to today; default today.
    pub joined_on: Option<Date>,
}

/// A volunteer leaving a team.
#[derive(InputObject)]
pub struct RemoveVolunteerTeamMemberInput {
    /// Global id of the team.
    pub volunteer_team_id: ID,
    /// The team's `record.version` as read.
    pub expected_version: i32,
    /// Global id of the volunteer.
    pub volunteer_id: ID,
    /// Last day of membership (CST), from the day they joined to today; default today.
    pub left_on: Option<Date>,
}

crate::payload!(
    /// The result of the volunteer team mutations.
    VolunteerTeamPayload,
    volunteer_team,
    VolunteerTeam
);
crate::delete_payload!(
    /// The result of `deleteVolunteerTeam`.
    DeleteVolunteerTeamPayload
);

/// Volunteer team mutations.
#[derive(Default)]
pub struct VolunteerTeamMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl VolunteerTeamMutation {
    /// Creates a volunteer team (ADMIN anywhere, CIVIL_AFFAIRS in its region). Client
    /// mistakes are in `userErrors`.
    async fn create_volunteer_team(
        &self,
        ctx: &Context<'_>,
        input: CreateVolunteerTeamInput,
    ) -> ApiResult<VolunteerTeamPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let station = payload::opt_uuid(&mut p, "stationId", input.station_id.as_ref(), NodeType::Station);
        let org = payload::opt_uuid(&mut p, "organizationId", input.organization_id.as_ref(), NodeType::Organization);
        let (Some(station), Some(org)) = (station, org) else {
            return Ok(VolunteerTeamPayload::of::<m::Model>(refused(p)));
        };
        let links = TeamLinks { station_id: Some(station), organization_id: Some(org) };
        let team = VolunteerTeamInput {
            external_id: String::new(),
            name: input.name,
            region_code: input.region_code,
            founded_on: input.founded_on.map(|d| d.0),
        };
        Ok(VolunteerTeamPayload::of(store::create(&data.db, &editor, team, links).await.map_err(db_error)?))
    }

    /// Changes a volunteer team at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of
    /// `createVolunteerTeam`.
    async fn update_volunteer_team(
        &self,
        ctx: &Context<'_>,
        input: UpdateVolunteerTeamInput,
    ) -> ApiResult<VolunteerTeamPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::VolunteerTeam);
        let station_id = payload::maybe_uuid(&mut p, "stationId", input.station_id, NodeType::Station);
        let organization_id =
            payload::maybe_uuid(&mut p, "organizationId", input.organization_id, NodeType::Organization);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(VolunteerTeamPayload::of::<m::Model>(refused(p)));
        };
        let links = TeamLinks { station_id, organization_id };
        let out = store::update(&data.db, &editor, id, input.expected_version, links, |t| {
            set(&mut t.name, input.name.clone());
            set(&mut t.region_code, input.region_code.clone());
            set_opt(&mut t.founded_on, input.founded_on.clone().map_value(|d| d.0));
        })
        .await
        .map_err(db_error)?;
        Ok(VolunteerTeamPayload::of(out))
    }

    /// Soft-deletes a volunteer team at `expectedVersion`. Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`.
    async fn delete_volunteer_team(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> ApiResult<DeleteVolunteerTeamPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::VolunteerTeam, false).await?.into())
    }

    /// Adds a volunteer to a team (a change of the team). Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`, `UNKNOWN_REFERENCE` (volunteer), `OUT_OF_RANGE`,
    /// `ALREADY_MEMBER`.
    async fn add_volunteer_team_member(
        &self,
        ctx: &Context<'_>,
        input: AddVolunteerTeamMemberInput,
    ) -> ApiResult<VolunteerTeamPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "volunteerTeamId", &input.volunteer_team_id, NodeType::VolunteerTeam);
        let volunteer = payload::uuid(&mut p, "volunteerId", &input.volunteer_id, NodeType::Volunteer);
        let (Some(id), Some(volunteer)) = (id, volunteer) else {
            return Ok(VolunteerTeamPayload::of::<m::Model>(refused(p)));
        };
        let joined = input.joined_on.map(|d| d.0);
        let out = store::add_member(&data.db, &editor, id, input.expected_version, volunteer, joined).await;
        Ok(VolunteerTeamPayload::of(out.map_err(db_error)?))
    }

    /// Ends a volunteer's membership of a team (a change of the team). Errors in
    /// `userErrors`: `NOT_FOUND` (team, or not a current member), `VERSION_CONFLICT`,
    /// `OUT_OF_RANGE`.
    async fn remove_volunteer_team_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveVolunteerTeamMemberInput,
    ) -> ApiResult<VolunteerTeamPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "volunteerTeamId", &input.volunteer_team_id, NodeType::VolunteerTeam);
        let volunteer = payload::uuid(&mut p, "volunteerId", &input.volunteer_id, NodeType::Volunteer);
        let (Some(id), Some(volunteer)) = (id, volunteer) else {
            return Ok(VolunteerTeamPayload::of::<m::Model>(refused(p)));
        };
        let left = input.left_on.map(|d| d.0);
        let out = store::remove_member(&data.db, &editor, id, input.expected_version, volunteer, left).await;
        Ok(VolunteerTeamPayload::of(out.map_err(db_error)?))
    }
}
