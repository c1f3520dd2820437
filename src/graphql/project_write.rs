//! `createProject`, `updateProject`, `deleteProject`. Values are parsed by
//! [`crate::domain::records::ProjectInput`]; money is in yuan (decimal strings, stored as
//! integer fen).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::project as m;

use super::enums::{FundingMode, ProjectStatus};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, db_error, editor, refused, set, set_opt, set_some};
use super::project::Project;
use super::scalars::Date;
use crate::domain::records::ProjectInput;
use crate::domain::roster::Problems;
use crate::store::project_write as store;

/// A new project (项目).
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// How the project is funded.
    pub funding_mode: FundingMode,
    /// Status; default PLANNED.
    pub status: Option<ProjectStatus>,
    /// Budget in yuan: a decimal string ≥ 0 with at most 2 decimals (`"1890000.00"`);
    /// default 0. A string, so a malformed amount is a user error (`INVALID_MONEY`).
    pub budget: Option<String>,
    /// Funds raised in yuan (rules of `budget`); default 0.
    pub funds_raised: Option<String>,
    /// First day (CST), 2000-01-01 to five years after today.
    pub starts_on: Date,
    /// Last day (CST), on or after `startsOn` (`INCONSISTENT`).
    pub ends_on: Option<Date>,
    /// 12-digit division the project serves; it must exist and, for CIVIL_AFFAIRS, lie in
    /// the caller's region.
    pub region_code: String,
}

/// Changes to a project: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// Global id of the project.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent or `null`: unchanged.
    pub name: Option<String>,
    /// New `fundingMode`; absent or `null`: unchanged.
    pub funding_mode: Option<FundingMode>,
    /// New `status`; absent or `null`: unchanged.
    pub status: Option<ProjectStatus>,
    /// Yuan as a decimal string (rules as on create); `null` sets zero.
    pub budget: MaybeUndefined<String>,
    /// Yuan as a decimal string (rules as on create); `null` sets zero.
    pub funds_raised: MaybeUndefined<String>,
    /// New `startsOn` (rules as on create); absent or `null`: unchanged.
    pub starts_on: Option<Date>,
    /// New `endsOn` (rules as on create); absent: unchanged; `null`: cleared.
    pub ends_on: MaybeUndefined<Date>,
    /// New `regionCode` (rules as on create); absent or `null`: unchanged.
    pub region_code: Option<String>,
}

crate::payload!(
    /// The result of `createProject` / `updateProject`.
    ProjectPayload,
    project,
    Project
);
crate::delete_payload!(
    /// The result of `deleteProject`.
    DeleteProjectPayload
);

/// Project mutations.
#[derive(Default)]
pub struct ProjectMutation;

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
            budget: input.budget,
            funds_raised: input.funds_raised,
            starts_on: Some(input.starts_on.0),
            ends_on: input.ends_on.map(|d| d.0),
            region_code: input.region_code,
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
            set(&mut r.name, input.name);
            set_some(&mut r.funding_mode, input.funding_mode);
            set_some(&mut r.status, input.status);
            set_opt(&mut r.budget, input.budget);
            set_opt(&mut r.funds_raised, input.funds_raised);
            set_some(&mut r.starts_on, input.starts_on.map(|d| d.0));
            set_opt(&mut r.ends_on, input.ends_on.map_value(|d| d.0));
            set(&mut r.region_code, input.region_code);
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
}
