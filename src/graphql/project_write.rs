//! `createProject`, `updateProject`, `deleteProject`, and the project's stations
//! (`addProjectStation`, `removeProjectStation`) and five-society participants
//! (`addProjectParticipant`, `removeProjectParticipant`), which change the project (its
//! `expectedVersion` is checked and its version bumped). Values are parsed by
//! [`crate::domain::records::ProjectInput`]; money is in yuan (the `Yuan` scalar, stored as
//! integer fen).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::project as m;

use super::enums::{FundingMode, ProjectParty, ProjectStatus, ServiceDomain};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use super::project::Project;
use super::scalars::{Date, Yuan};
use crate::domain::records::ProjectInput;
use crate::domain::roster::{self, Problems};
use crate::store::project_write::{self as store, Participant};

/// A new project (项目).
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// How the project is funded.
    pub funding_mode: FundingMode,
    /// Status; default PLANNED.
    pub status: Option<ProjectStatus>,
    /// Budget in yuan (`"1890000.00"`); default 0. A malformed amount fails the `Yuan`
    /// scalar, so the request is refused before anything runs.
    pub budget: Option<Yuan>,
    /// Funds raised so far, in yuan (rules of `budget`); default 0.
    pub funds_raised: Option<Yuan>,
    /// First day (CST), 2000-01-01 to five years after today.
    pub starts_on: Date,
    /// Last day (CST), on or after `startsOn` (`INCONSISTENT`).
    pub ends_on: Option<Date>,
    /// 12-digit division the project serves; it must exist and, for CIVIL_AFFAIRS, lie in
    /// the caller's region.
    pub region_code: String,
    /// People the project reports reaching, 0 to 20,000,000 (`OUT_OF_RANGE`); absent: not
    /// reported.
    pub beneficiaries: Option<i32>,
    /// The field of service the project buys or delivers; absent: not recorded.
    pub service_domain: Option<ServiceDomain>,
}

/// Changes to a project: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// Global id of the project.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent: unchanged; `null` is refused.
    pub name: SetOrKeep<String>,
    /// New `fundingMode`; absent: unchanged; `null` is refused.
    pub funding_mode: SetOrKeep<FundingMode>,
    /// New `status`; absent: unchanged; `null` is refused.
    pub status: SetOrKeep<ProjectStatus>,
    /// New `budget` in yuan (rules as on create); absent: unchanged; `null` sets zero.
    pub budget: MaybeUndefined<Yuan>,
    /// New `fundsRaised` in yuan (rules as on create); absent: unchanged; `null` sets zero.
    pub funds_raised: MaybeUndefined<Yuan>,
    /// New `startsOn` (rules as on create); absent: unchanged; `null` is refused.
    pub starts_on: SetOrKeep<Date>,
    /// New `endsOn` (rules as on create); absent: unchanged; `null`: cleared.
    pub ends_on: MaybeUndefined<Date>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `beneficiaries` (rules as on create); absent: unchanged; `null`: cleared.
    pub beneficiaries: MaybeUndefined<i32>,
    /// New `serviceDomain`; absent: unchanged; `null`: cleared.
    pub service_domain: MaybeUndefined<ServiceDomain>,
}

/// Adding or removing a station running a project (a change of the project).
#[derive(InputObject)]
pub struct ProjectStationInput {
    /// Global id of the project.
    pub project_id: ID,
    /// The project's `record.version` as read; another stored version is a
    /// `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// Global id of the station; adding: one the caller may read (`UNKNOWN_REFERENCE`),
    /// not running the project yet (`ALREADY_LINKED`); removing: one running it
    /// (`NOT_LINKED`).
    pub station_id: ID,
}

/// Adding or removing a five-society participant (五社联动) of a project (a change of the
/// project).
#[derive(InputObject)]
pub struct ProjectParticipantInput {
    /// Global id of the project.
    pub project_id: ID,
    /// The project's `record.version` as read; another stored version is a
    /// `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// Which society the participant stands for.
    pub party: ProjectParty,
    /// The participant: for COMMUNITY a 12-digit division code of the code list
    /// (`INVALID_DIVISION_CODE`, `UNKNOWN_DIVISION`); otherwise the global id of the
    /// organisation, social worker, volunteer, volunteer team or charity resource `party`
    /// names (`INVALID_ID`), one the caller may read (`UNKNOWN_REFERENCE`). Adding: not a
    /// participant yet (`ALREADY_LINKED`); removing: a participant (`NOT_LINKED`).
    pub participant_id: ID,
}

crate::payload!(
    /// The result of the project mutations: the project as written. Errors in `userErrors`
    /// (codes in `UserError.code`): see each mutation.
    ProjectPayload,
    project,
    Project
);
crate::delete_payload!(
    /// The result of `deleteProject`.
    DeleteProjectPayload
);

/// The participant `id` of `party`, with the problem recorded in `p` when malformed.
fn participant(p: &mut Problems, party: ProjectParty, id: &ID) -> Option<Participant> {
    const F: &str = "participantId";
    let (ty, of): (NodeType, fn(uuid::Uuid) -> Participant) = match party {
        ProjectParty::Community => return p.take(roster::division(F, id.as_str())).map(Participant::Community),
        ProjectParty::Organization => (NodeType::Organization, Participant::Organization),
        ProjectParty::SocialWorker => (NodeType::SocialWorker, Participant::SocialWorker),
        ProjectParty::Volunteer => (NodeType::Volunteer, Participant::Volunteer),
        ProjectParty::VolunteerTeam => (NodeType::VolunteerTeam, Participant::VolunteerTeam),
        ProjectParty::CharityResource => (NodeType::CharityResource, Participant::CharityResource),
    };
    payload::uuid(p, F, id, ty).map(of)
}

/// Adds (`add`) or removes the participant of `input`.
async fn reparticipate(ctx: &Context<'_>, input: ProjectParticipantInput, add: bool) -> ApiResult<ProjectPayload> {
    let (data, editor) = editor(ctx, false)?;
    let mut p = Problems::default();
    let id = payload::uuid(&mut p, "projectId", &input.project_id, NodeType::Project);
    let who = participant(&mut p, input.party, &input.participant_id);
    let (Some(id), Some(who)) = (id, who) else {
        return Ok(ProjectPayload::of::<m::Model>(refused(p)));
    };
    let out = store::set_participant(&data.db, &editor, id, input.expected_version, who, add).await;
    Ok(ProjectPayload::of(out.map_err(db_error)?))
}

/// Adds (`add`) or removes the station of `input`.
async fn restation(ctx: &Context<'_>, input: ProjectStationInput, add: bool) -> ApiResult<ProjectPayload> {
    let (data, editor) = editor(ctx, false)?;
    let mut p = Problems::default();
    let id = payload::uuid(&mut p, "projectId", &input.project_id, NodeType::Project);
    let station = payload::uuid(&mut p, "stationId", &input.station_id, NodeType::Station);
    let (Some(id), Some(station)) = (id, station) else {
        return Ok(ProjectPayload::of::<m::Model>(refused(p)));
    };
    let out = store::set_station(&data.db, &editor, id, input.expected_version, station, add).await;
    Ok(ProjectPayload::of(out.map_err(db_error)?))
}

/// Project mutations.
#[derive(Default)]
pub struct ProjectMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl ProjectMutation {
    /// Creates a project (ADMIN anywhere, CIVIL_AFFAIRS in its region). Client mistakes are
    /// in `userErrors`; top-level errors only `FORBIDDEN` and service failures.
    async fn create_project(&self, ctx: &Context<'_>, input: CreateProjectInput) -> ApiResult<ProjectPayload> {
        let (data, editor) = editor(ctx, false)?;
        let project = ProjectInput {
            name: input.name,
            funding_mode: Some(input.funding_mode.into()),
            status: input.status.map(Into::into),
            budget: input.budget.map(|y| y.0),
            funds_raised: input.funds_raised.map(|y| y.0),
            starts_on: Some(input.starts_on.0),
            ends_on: input.ends_on.map(|d| d.0),
            region_code: input.region_code,
            beneficiaries: input.beneficiaries,
            service_domain: input.service_domain.map(Into::into),
        };
        Ok(ProjectPayload::of(store::create(&data.db, &editor, project).await.map_err(db_error)?))
    }

    /// Changes a project at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of
    /// `createProject`.
    async fn update_project(&self, ctx: &Context<'_>, input: UpdateProjectInput) -> ApiResult<ProjectPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let Some(id) = payload::uuid(&mut p, "id", &input.id, NodeType::Project) else {
            return Ok(ProjectPayload::of::<m::Model>(refused(p)));
        };
        let out = store::update(&data.db, &editor, id, input.expected_version, |r| {
            set(&mut r.name, input.name.clone());
            set_some(&mut r.funding_mode, input.funding_mode.clone());
            set_some(&mut r.status, input.status.clone());
            set_opt(&mut r.budget, input.budget.clone().map_value(|y| y.0));
            set_opt(&mut r.funds_raised, input.funds_raised.clone().map_value(|y| y.0));
            set_some(&mut r.starts_on, input.starts_on.clone().map(|d| d.0));
            set_opt(&mut r.ends_on, input.ends_on.clone().map_value(|d| d.0));
            set(&mut r.region_code, input.region_code.clone());
            set_opt(&mut r.beneficiaries, input.beneficiaries.clone());
            set_opt(&mut r.service_domain, input.service_domain.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(ProjectPayload::of(out))
    }

    /// Soft-deletes a project at `expectedVersion`. Errors in `userErrors`: `NOT_FOUND`,
    /// `VERSION_CONFLICT`.
    async fn delete_project(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeleteProjectPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::Project, false).await?.into())
    }

    /// Adds a station running a project (a change of the project; ADMIN anywhere,
    /// CIVIL_AFFAIRS in its region). A removed station comes back on its old link. Errors in
    /// `userErrors`: `NOT_FOUND` (project), `VERSION_CONFLICT`, `INVALID_ID`,
    /// `UNKNOWN_REFERENCE` (station), `ALREADY_LINKED`.
    async fn add_project_station(&self, ctx: &Context<'_>, input: ProjectStationInput) -> ApiResult<ProjectPayload> {
        restation(ctx, input, true).await
    }

    /// Removes a station from a project (a change of the project). Errors in `userErrors`:
    /// `NOT_FOUND` (project), `VERSION_CONFLICT`, `INVALID_ID`, `NOT_LINKED`.
    async fn remove_project_station(&self, ctx: &Context<'_>, input: ProjectStationInput) -> ApiResult<ProjectPayload> {
        restation(ctx, input, false).await
    }

    /// Adds a five-society participant to a project (a change of the project; ADMIN
    /// anywhere, CIVIL_AFFAIRS in its region). Errors in `userErrors`: `NOT_FOUND`
    /// (project), `VERSION_CONFLICT`, `INVALID_ID`, `INVALID_DIVISION_CODE`,
    /// `UNKNOWN_DIVISION`, `UNKNOWN_REFERENCE`, `ALREADY_LINKED`.
    async fn add_project_participant(
        &self,
        ctx: &Context<'_>,
        input: ProjectParticipantInput,
    ) -> ApiResult<ProjectPayload> {
        reparticipate(ctx, input, true).await
    }

    /// Removes a five-society participant from a project (a change of the project). Errors
    /// in `userErrors`: `NOT_FOUND` (project), `VERSION_CONFLICT`, `INVALID_ID`,
    /// `INVALID_DIVISION_CODE`, `NOT_LINKED`.
    async fn remove_project_participant(
        &self,
        ctx: &Context<'_>,
        input: ProjectParticipantInput,
    ) -> ApiResult<ProjectPayload> {
        reparticipate(ctx, input, false).await
    }
}
