//! `createClient`, `updateClient`, `deleteClient`, the client's categories
//! (`addClientCategory`, `removeClientCategory`) and case file (`openCaseFile`,
//! `changeCaseFileStage`), which change the client (its `expectedVersion` is checked and its
//! version bumped). Values are parsed by [`crate::domain::records::ClientInput`].
//!
//! Clients are bound to their station: ADMIN writes anywhere, CIVIL_AFFAIRS in its region,
//! STATION_STAFF its own station's clients. The payload's client is masked as on every read.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::client as m;

use super::client::Client;
use super::enums::{CaseStage, ClientCategory, Gender};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use super::scalars::Date;
use crate::domain::records::ClientInput;
use crate::domain::roster::Problems;
use crate::store::client_write::{self as store, CaseOpening, StageChange};

/// A new client (服务对象). Sensitive personal information (PIPL): identity values are
/// stored in clear, shown masked, and masked in the audit log.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Citizen ID number, GB 11643-1999 (check character, real birth date not in the future).
    pub id_number: Option<String>,
    /// Birth date (CST calendar date), 1900-01-01 to today; default: the ID number's. With an
    /// ID number it must be the date the number encodes (`INCONSISTENT`).
    pub birth_date: Option<Date>,
    /// Gender; default: from the ID number (odd sequence = male), else UNKNOWN.
    pub gender: Option<Gender>,
    /// Mainland mobile (`13800138000`) or landline (`0851-28123456`) number.
    pub phone: Option<String>,
    /// Address (1-200 characters).
    pub address: Option<String>,
    /// 12-digit division (village or township) the client lives in; it must exist and, for
    /// CIVIL_AFFAIRS, lie in the caller's region.
    pub region_code: String,
    /// Global id of the station serving the client (one the caller may read); STATION_STAFF
    /// must give its own station (`OUT_OF_SCOPE` otherwise).
    pub station_id: Option<ID>,
    /// Guardian's name (1-100 characters).
    pub guardian_name: Option<String>,
    /// Guardian's phone (rules of `phone`).
    pub guardian_phone: Option<String>,
}

/// Changes to a client: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateClientInput {
    /// Global id of the client.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent: unchanged; `null` is refused.
    pub name: SetOrKeep<String>,
    /// New `idNumber` (rules as on create); absent: unchanged; `null`: cleared.
    pub id_number: MaybeUndefined<String>,
    /// New `birthDate` (rules as on create); absent: unchanged, or the new `idNumber`'s when
    /// that is given; `null`: cleared. A client with an ID number takes its birth date from
    /// it: a date sent without `idNumber` is `INCONSISTENT` whatever its value.
    pub birth_date: MaybeUndefined<Date>,
    /// New `gender` (rules as on create); absent: unchanged, or the new `idNumber`'s when that
    /// is given; `null` is refused. MALE or FEMALE sent without `idNumber` for a client with
    /// an ID number is `INCONSISTENT` whatever its value.
    pub gender: SetOrKeep<Gender>,
    /// New `phone` (rules as on create); absent: unchanged; `null`: cleared.
    pub phone: MaybeUndefined<String>,
    /// New `address` (rules as on create); absent: unchanged; `null`: cleared.
    pub address: MaybeUndefined<String>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `stationId` (rules as on create); absent: unchanged; `null`: cleared (not for
    /// STATION_STAFF, whose clients stay at its station).
    pub station_id: MaybeUndefined<ID>,
    /// New `guardianName` (rules as on create); absent: unchanged; `null`: cleared.
    pub guardian_name: MaybeUndefined<String>,
    /// New `guardianPhone` (rules as on create); absent: unchanged; `null`: cleared.
    pub guardian_phone: MaybeUndefined<String>,
}

/// A category added to or removed from a client.
#[derive(InputObject)]
pub struct ClientCategoryInput {
    /// Global id of the client.
    pub client_id: ID,
    /// The client's `record.version` as read.
    pub expected_version: i32,
    /// The category. Assistance and disability categories are sensitive: the audit log
    /// shows them as `***`.
    pub category: ClientCategory,
}

/// Opening a client's case file (一人一档) at stage INTAKE.
#[derive(InputObject)]
pub struct OpenCaseFileInput {
    /// Global id of the client; it has no case file yet (`CASE_FILE_EXISTS`).
    pub client_id: ID,
    /// The client's `record.version` as read.
    pub expected_version: i32,
    /// Day the file is opened (CST), 2000-01-01 to today; default today.
    pub opened_on: Option<Date>,
    /// 深度个案: an intensive case; default false.
    #[graphql(default)]
    pub deep_case: bool,
    /// Global id of the social worker in charge (one the caller may read).
    pub social_worker_id: Option<ID>,
}

/// Moving a client's case file to another casework stage (MZ/T 094-2017).
#[derive(InputObject)]
pub struct ChangeCaseFileStageInput {
    /// Global id of the client.
    pub client_id: ID,
    /// The client's `record.version` as read.
    pub expected_version: i32,
    /// The new stage. CLOSED sets `closedOn`; leaving CLOSED reopens the case and clears it.
    pub stage: CaseStage,
    /// Day of the change (CST), default today; for CLOSED the closing day, from the opening
    /// day to today.
    pub on: Option<Date>,
    /// New deep-case flag; absent: unchanged; `null` is refused.
    pub deep_case: SetOrKeep<bool>,
    /// New social worker in charge (one the caller may read); absent: unchanged; `null`:
    /// cleared.
    pub social_worker_id: MaybeUndefined<ID>,
}

crate::payload!(
    /// The result of the client mutations: the client (masked) as written.
    ClientPayload,
    client,
    Client
);
crate::delete_payload!(
    /// The result of `deleteClient`.
    DeleteClientPayload
);

impl From<CreateClientInput> for ClientInput {
    fn from(i: CreateClientInput) -> Self {
        ClientInput {
            name: i.name,
            id_number: i.id_number,
            birth_date: i.birth_date.map(|d| d.0),
            gender: i.gender.map(Into::into),
            phone: i.phone,
            address: i.address,
            region_code: i.region_code,
            guardian_name: i.guardian_name,
            guardian_phone: i.guardian_phone,
        }
    }
}

/// The client id of a link mutation, with the problem recorded in `p` when malformed.
fn client_id(p: &mut Problems, id: &ID) -> Option<uuid::Uuid> {
    payload::uuid(p, "clientId", id, NodeType::Client)
}

/// Adds (`add`) or removes the category of `input`.
async fn recategorise(ctx: &Context<'_>, input: ClientCategoryInput, add: bool) -> ApiResult<ClientPayload> {
    let (data, editor) = editor(ctx, true)?;
    let mut p = Problems::default();
    let Some(id) = client_id(&mut p, &input.client_id) else {
        return Ok(ClientPayload::of::<m::Model>(refused(p)));
    };
    let (version, kind) = (input.expected_version, input.category.into());
    let out = store::set_category(&data.db, &editor, id, version, kind, add).await;
    Ok(ClientPayload::of(out.map_err(db_error)?))
}

/// Client mutations.
#[derive(Default)]
pub struct ClientMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl ClientMutation {
    /// Creates a client (ADMIN anywhere, CIVIL_AFFAIRS in its region, STATION_STAFF at its
    /// own station). Client mistakes are in `userErrors`; top-level errors only `FORBIDDEN`
    /// and service failures.
    async fn create_client(&self, ctx: &Context<'_>, input: CreateClientInput) -> ApiResult<ClientPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let Some(station) = payload::opt_uuid(&mut p, "stationId", input.station_id.as_ref(), NodeType::Station) else {
            return Ok(ClientPayload::of::<m::Model>(refused(p)));
        };
        let out = store::create(&data.db, &editor, input.into(), station).await.map_err(db_error)?;
        Ok(ClientPayload::of(out))
    }

    /// Changes a client at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of `createClient`.
    async fn update_client(&self, ctx: &Context<'_>, input: UpdateClientInput) -> ApiResult<ClientPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::Client);
        let station = payload::maybe_uuid(&mut p, "stationId", input.station_id, NodeType::Station);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(ClientPayload::of::<m::Model>(refused(p)));
        };
        let out = store::update(&data.db, &editor, id, input.expected_version, station, |c| {
            set(&mut c.name, input.name.clone());
            set_opt(&mut c.id_number, input.id_number.clone());
            set_opt(&mut c.birth_date, input.birth_date.clone().map_value(|d| d.0));
            set_some(&mut c.gender, input.gender.clone());
            set_opt(&mut c.phone, input.phone.clone());
            set_opt(&mut c.address, input.address.clone());
            set(&mut c.region_code, input.region_code.clone());
            set_opt(&mut c.guardian_name, input.guardian_name.clone());
            set_opt(&mut c.guardian_phone, input.guardian_phone.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(ClientPayload::of(out))
    }

    /// Soft-deletes a client at `expectedVersion`. Errors in `userErrors`: `NOT_FOUND`,
    /// `VERSION_CONFLICT`.
    async fn delete_client(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeleteClientPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::Client, true).await?.into())
    }

    /// Puts a client in a category (a change of the client). Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`, `ALREADY_IN_CATEGORY`.
    async fn add_client_category(&self, ctx: &Context<'_>, input: ClientCategoryInput) -> ApiResult<ClientPayload> {
        recategorise(ctx, input, true).await
    }

    /// Takes a client out of a category (a change of the client). Errors in `userErrors`:
    /// `NOT_FOUND` (client, or not in the category), `VERSION_CONFLICT`.
    async fn remove_client_category(&self, ctx: &Context<'_>, input: ClientCategoryInput) -> ApiResult<ClientPayload> {
        recategorise(ctx, input, false).await
    }

    /// Opens a client's case file at INTAKE (a change of the client). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, `CASE_FILE_EXISTS`, `OUT_OF_RANGE`,
    /// `UNKNOWN_REFERENCE` (social worker), `INVALID_ID`.
    async fn open_case_file(&self, ctx: &Context<'_>, input: OpenCaseFileInput) -> ApiResult<ClientPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let id = client_id(&mut p, &input.client_id);
        let worker =
            payload::opt_uuid(&mut p, "socialWorkerId", input.social_worker_id.as_ref(), NodeType::SocialWorker);
        let (Some(id), Some(social_worker_id)) = (id, worker) else {
            return Ok(ClientPayload::of::<m::Model>(refused(p)));
        };
        let opening =
            CaseOpening { opened_on: input.opened_on.map(|d| d.0), deep_case: input.deep_case, social_worker_id };
        let out = store::open_case_file(&data.db, &editor, id, input.expected_version, opening).await;
        Ok(ClientPayload::of(out.map_err(db_error)?))
    }

    /// Moves a client's case file to another stage (a change of the client). Errors in
    /// `userErrors`: `NOT_FOUND` (client, or no case file), `VERSION_CONFLICT`,
    /// `OUT_OF_RANGE`, `UNKNOWN_REFERENCE` (social worker), `INVALID_ID`.
    async fn change_case_file_stage(
        &self,
        ctx: &Context<'_>,
        input: ChangeCaseFileStageInput,
    ) -> ApiResult<ClientPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let id = client_id(&mut p, &input.client_id);
        let social_worker_id =
            payload::maybe_uuid(&mut p, "socialWorkerId", input.social_worker_id, NodeType::SocialWorker);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(ClientPayload::of::<m::Model>(refused(p)));
        };
        let change = StageChange {
            stage: input.stage.into(),
            on: input.on.map(|d| d.0),
            deep_case: input.deep_case.into_option(),
            social_worker_id,
        };
        let out = store::change_case_file_stage(&data.db, &editor, id, input.expected_version, change).await;
        Ok(ClientPayload::of(out.map_err(db_error)?))
    }
}
