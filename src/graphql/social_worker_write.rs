//! `createSocialWorker`, `updateSocialWorker`, `deleteSocialWorker`, and station assignments
//! (`assignSocialWorker`, `endStationAssignment`), which change the worker (its
//! `expectedVersion` is checked and its version bumped). Values follow the roster sync's
//! rules ([`crate::domain::roster::SocialWorkerInput`]).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::social_worker as m;

use super::enums::{AssignmentRole, CertificateLevel, Gender};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use super::scalars::Date;
use super::social_worker::SocialWorker;
use crate::domain::roster::{Problems, SocialWorkerInput};
use crate::store::social_worker_write as store;

/// A new social worker.
#[derive(InputObject)]
pub struct CreateSocialWorkerInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Gender; default: from the citizen ID number, else UNKNOWN.
    pub gender: Option<Gender>,
    /// GB 11643-1999 citizen ID number (check character, real birth date not in the future).
    pub id_number: Option<String>,
    /// Mainland mobile or landline number.
    pub phone: Option<String>,
    /// Highest certificate held; default NONE.
    pub certificate_level: Option<CertificateLevel>,
    /// Certificate number (1-64 characters).
    pub certificate_number: Option<String>,
    /// Year the certificate was obtained (2008 to this year; needs a level).
    pub certificate_year: Option<i32>,
    /// Global id of the employing organisation (one the caller may read).
    pub employer_id: Option<ID>,
    /// Pay post 1-3 of "3 posts, 12 grades" (3岗12级), with `payGrade`.
    pub pay_post: Option<i32>,
    /// Pay grade 1-12, with `payPost`.
    pub pay_grade: Option<i32>,
    /// 12-digit division the worker serves in; it must exist and, for CIVIL_AFFAIRS, lie in
    /// the caller's region.
    pub region_code: String,
}

/// Changes to a social worker: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateSocialWorkerInput {
    /// Global id of the worker.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent: unchanged; `null` is refused.
    pub name: SetOrKeep<String>,
    /// New `gender` (rules as on create); absent: unchanged, or the new `idNumber`'s when that
    /// is given; `null` is refused. MALE or FEMALE sent without `idNumber` for a record with a
    /// citizen ID number is `INCONSISTENT` whatever its value.
    pub gender: SetOrKeep<Gender>,
    /// New `idNumber` (rules as on create); absent: unchanged; `null`: cleared.
    pub id_number: MaybeUndefined<String>,
    /// New `phone` (rules as on create); absent: unchanged; `null`: cleared.
    pub phone: MaybeUndefined<String>,
    /// New `certificateLevel` (rules as on create); absent: unchanged; `null` is refused.
    pub certificate_level: SetOrKeep<CertificateLevel>,
    /// New `certificateNumber` (rules as on create); absent: unchanged; `null`: cleared.
    pub certificate_number: MaybeUndefined<String>,
    /// New `certificateYear` (rules as on create); absent: unchanged; `null`: cleared.
    pub certificate_year: MaybeUndefined<i32>,
    /// New `employerId` (rules as on create); absent: unchanged; `null`: cleared.
    pub employer_id: MaybeUndefined<ID>,
    /// New `payPost` (rules as on create); absent: unchanged; `null`: cleared.
    pub pay_post: MaybeUndefined<i32>,
    /// New `payGrade` (rules as on create); absent: unchanged; `null`: cleared.
    pub pay_grade: MaybeUndefined<i32>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
}

/// A social worker's new assignment to a station.
#[derive(InputObject)]
pub struct AssignSocialWorkerInput {
    /// Global id of the worker.
    pub social_worker_id: ID,
    /// The worker's `record.version` as read.
    pub expected_version: i32,
    /// Global id of the station (one the caller may read).
    pub station_id: ID,
    /// Role at the station.
    pub role: AssignmentRole,
    /// First day (CST), 2000-01-01 to today; default today.
    pub started_on: Option<Date>,
}

/// The end of a social worker's current assignment to a station.
#[derive(InputObject)]
pub struct EndStationAssignmentInput {
    /// Global id of the worker.
    pub social_worker_id: ID,
    /// The worker's `record.version` as read.
    pub expected_version: i32,
    /// Global id of the station.
    pub station_id: ID,
    /// Last day (CST), from the assignment's first day to today; default today.
    pub ended_on: Option<Date>,
}

crate::payload!(
    /// The result of the social worker mutations.
    SocialWorkerPayload,
    social_worker,
    SocialWorker
);
crate::delete_payload!(
    /// The result of `deleteSocialWorker`.
    DeleteSocialWorkerPayload
);

/// Social worker mutations.
#[derive(Default)]
pub struct SocialWorkerMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl SocialWorkerMutation {
    /// Creates a social worker (ADMIN anywhere, CIVIL_AFFAIRS in its region). Client
    /// mistakes are in `userErrors`.
    async fn create_social_worker(
        &self,
        ctx: &Context<'_>,
        input: CreateSocialWorkerInput,
    ) -> ApiResult<SocialWorkerPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let Some(employer) =
            payload::opt_uuid(&mut p, "employerId", input.employer_id.as_ref(), NodeType::Organization)
        else {
            return Ok(SocialWorkerPayload::of::<m::Model>(refused(p)));
        };
        let worker = SocialWorkerInput {
            external_id: String::new(),
            name: input.name,
            gender: input.gender.map(Into::into),
            id_number: input.id_number,
            phone: input.phone,
            certificate_level: input.certificate_level.map(Into::into),
            certificate_number: input.certificate_number,
            certificate_year: input.certificate_year,
            employer_external_id: None,
            pay_post: input.pay_post,
            pay_grade: input.pay_grade,
            region_code: input.region_code,
        };
        Ok(SocialWorkerPayload::of(store::create(&data.db, &editor, worker, employer).await.map_err(db_error)?))
    }

    /// Changes a social worker at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of
    /// `createSocialWorker`.
    async fn update_social_worker(
        &self,
        ctx: &Context<'_>,
        input: UpdateSocialWorkerInput,
    ) -> ApiResult<SocialWorkerPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::SocialWorker);
        let employer = payload::maybe_uuid(&mut p, "employerId", input.employer_id, NodeType::Organization);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(SocialWorkerPayload::of::<m::Model>(refused(p)));
        };
        let out = store::update(&data.db, &editor, id, input.expected_version, employer, |w| {
            set(&mut w.name, input.name.clone());
            set_some(&mut w.gender, input.gender.clone());
            set_opt(&mut w.id_number, input.id_number.clone());
            set_opt(&mut w.phone, input.phone.clone());
            set_some(&mut w.certificate_level, input.certificate_level.clone());
            set_opt(&mut w.certificate_number, input.certificate_number.clone());
            set_opt(&mut w.certificate_year, input.certificate_year.clone());
            set_opt(&mut w.pay_post, input.pay_post.clone());
            set_opt(&mut w.pay_grade, input.pay_grade.clone());
            set(&mut w.region_code, input.region_code.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(SocialWorkerPayload::of(out))
    }

    /// Soft-deletes a social worker at `expectedVersion`. Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`.
    async fn delete_social_worker(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> ApiResult<DeleteSocialWorkerPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::SocialWorker, false).await?.into())
    }

    /// Assigns a social worker to a station with a role (a change of the worker: its
    /// `expectedVersion` is checked and its version bumped). Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`, `UNKNOWN_REFERENCE` (station), `OUT_OF_RANGE`,
    /// `ALREADY_ASSIGNED`.
    async fn assign_social_worker(
        &self,
        ctx: &Context<'_>,
        input: AssignSocialWorkerInput,
    ) -> ApiResult<SocialWorkerPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "socialWorkerId", &input.social_worker_id, NodeType::SocialWorker);
        let station = payload::uuid(&mut p, "stationId", &input.station_id, NodeType::Station);
        let (Some(id), Some(station)) = (id, station) else {
            return Ok(SocialWorkerPayload::of::<m::Model>(refused(p)));
        };
        let (role, started) = (input.role.into(), input.started_on.map(|d| d.0));
        let out = store::assign(&data.db, &editor, id, input.expected_version, station, role, started).await;
        Ok(SocialWorkerPayload::of(out.map_err(db_error)?))
    }

    /// Ends a social worker's current assignment to a station (a change of the worker).
    /// Errors in `userErrors`: `NOT_FOUND` (worker, or no current assignment there),
    /// `VERSION_CONFLICT`, `OUT_OF_RANGE`.
    async fn end_station_assignment(
        &self,
        ctx: &Context<'_>,
        input: EndStationAssignmentInput,
    ) -> ApiResult<SocialWorkerPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "socialWorkerId", &input.social_worker_id, NodeType::SocialWorker);
        let station = payload::uuid(&mut p, "stationId", &input.station_id, NodeType::Station);
        let (Some(id), Some(station)) = (id, station) else {
            return Ok(SocialWorkerPayload::of::<m::Model>(refused(p)));
        };
        let ended = input.ended_on.map(|d| d.0);
        let out = store::end_assignment(&data.db, &editor, id, input.expected_version, station, ended).await;
        Ok(SocialWorkerPayload::of(out.map_err(db_error)?))
    }
}
