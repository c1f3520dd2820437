//! `createVolunteer`, `updateVolunteer`, `deleteVolunteer`. Values follow the roster sync's
//! rules ([`crate::domain::roster::VolunteerInput`]); team memberships are changed on the
//! team (`addVolunteerTeamMember`, `removeVolunteerTeamMember`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::volunteer as m;

use super::enums::{Gender, IdDocumentType};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use super::volunteer::Volunteer;
use crate::domain::roster::{Problems, VolunteerInput};
use crate::store::volunteer_write as store;

/// A new volunteer.
#[derive(InputObject)]
pub struct CreateVolunteerInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Gender; default: from the citizen ID number (odd sequence = male), else UNKNOWN.
    pub gender: Option<Gender>,
    /// Kind of ID document; default RESIDENT_ID.
    pub id_document_type: Option<IdDocumentType>,
    /// ID number: a GB 11643-1999 citizen ID (check character, real birth date not in the
    /// future) for RESIDENT_ID, else 1-32 letters and digits.
    pub id_number: Option<String>,
    /// Mainland mobile (`13800138000`) or landline (`0851-28123456`) number.
    pub phone: Option<String>,
    /// Number on the national volunteer service system (全国志愿服务信息系统).
    pub volunteer_number: Option<String>,
    /// Skills (at most 30, each 1-50 characters, no `;`; a repeated skill is kept once).
    #[graphql(default)]
    pub skills: Vec<String>,
    /// 12-digit division the volunteer belongs to (shorter NBS forms are padded); it must
    /// exist and, for CIVIL_AFFAIRS, lie in the caller's region.
    pub region_code: String,
}

/// Changes to a volunteer: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateVolunteerInput {
    /// Global id of the volunteer.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent: unchanged; `null` is refused.
    pub name: SetOrKeep<String>,
    /// New `gender` (rules as on create); absent: unchanged, or the new `idNumber`'s when that
    /// is given; `null` is refused. MALE or FEMALE sent without `idNumber` for a record with a
    /// citizen ID number is `INCONSISTENT` whatever its value.
    pub gender: SetOrKeep<Gender>,
    /// New `idDocumentType` (rules as on create); absent: unchanged; `null` is refused.
    pub id_document_type: SetOrKeep<IdDocumentType>,
    /// New `idNumber` (rules as on create); absent: unchanged; `null`: cleared.
    pub id_number: MaybeUndefined<String>,
    /// New `phone` (rules as on create); absent: unchanged; `null`: cleared.
    pub phone: MaybeUndefined<String>,
    /// New `volunteerNumber` (rules as on create); absent: unchanged; `null`: cleared.
    pub volunteer_number: MaybeUndefined<String>,
    /// The whole list of skills (replaces the stored list; `[]` clears it); absent: unchanged;
    /// `null` is refused.
    pub skills: SetOrKeep<Vec<String>>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
}

crate::payload!(
    /// The result of `createVolunteer` / `updateVolunteer`.
    VolunteerPayload,
    volunteer,
    Volunteer
);
crate::delete_payload!(
    /// The result of `deleteVolunteer`.
    DeleteVolunteerPayload
);

impl From<CreateVolunteerInput> for VolunteerInput {
    fn from(i: CreateVolunteerInput) -> Self {
        VolunteerInput {
            external_id: String::new(),
            name: i.name,
            gender: i.gender.map(Into::into),
            id_document_type: i.id_document_type.map(Into::into),
            id_number: i.id_number,
            phone: i.phone,
            volunteer_number: i.volunteer_number,
            skills: i.skills,
            region_code: i.region_code,
            team_external_ids: None,
        }
    }
}

/// Volunteer mutations.
#[derive(Default)]
pub struct VolunteerMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl VolunteerMutation {
    /// Creates a volunteer (ADMIN anywhere, CIVIL_AFFAIRS in its region). Client mistakes
    /// are in `userErrors`; top-level errors only `FORBIDDEN` and service failures.
    async fn create_volunteer(&self, ctx: &Context<'_>, input: CreateVolunteerInput) -> ApiResult<VolunteerPayload> {
        let (data, editor) = editor(ctx, false)?;
        Ok(VolunteerPayload::of(store::create(&data.db, &editor, input.into()).await.map_err(db_error)?))
    }

    /// Changes a volunteer at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of
    /// `createVolunteer`.
    async fn update_volunteer(&self, ctx: &Context<'_>, input: UpdateVolunteerInput) -> ApiResult<VolunteerPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let Some(id) = payload::uuid(&mut p, "id", &input.id, NodeType::Volunteer) else {
            return Ok(VolunteerPayload::of::<m::Model>(refused(p)));
        };
        let out = store::update(&data.db, &editor, id, input.expected_version, |v| {
            set(&mut v.name, input.name.clone());
            set_some(&mut v.gender, input.gender.clone());
            set_some(&mut v.id_document_type, input.id_document_type.clone());
            set_opt(&mut v.id_number, input.id_number.clone());
            set_opt(&mut v.phone, input.phone.clone());
            set_opt(&mut v.volunteer_number, input.volunteer_number.clone());
            set(&mut v.skills, input.skills.clone());
            set(&mut v.region_code, input.region_code.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(VolunteerPayload::of(out))
    }

    /// Soft-deletes a volunteer at `expectedVersion`. Errors in `userErrors`: `NOT_FOUND`,
    /// `VERSION_CONFLICT`.
    async fn delete_volunteer(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeleteVolunteerPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::Volunteer, false).await?.into())
    }
}
