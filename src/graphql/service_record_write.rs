//! `createServiceRecord`, `updateServiceRecord`, `deleteServiceRecord`. Values are parsed by
//! [`crate::domain::records::ServiceRecordInput`]; the record's division is the client's, or
//! else the station's.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::service_record as m;

use super::enums::{ServiceMethod, ServiceType};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set_opt, set_some};
use super::scalars::Date;
use super::service_record::ServiceRecord;
use crate::domain::records::ServiceRecordInput;
use crate::domain::roster::Problems;
use crate::store::service_record_write::{self as store, RecordLinks};

/// A new service record (服务记录).
#[derive(InputObject)]
pub struct CreateServiceRecordInput {
    /// Global id of the station that delivered the service (one the caller may read);
    /// STATION_STAFF gives its own station (`OUT_OF_SCOPE` otherwise).
    pub station_id: ID,
    /// Global id of the social worker who delivered it (one the caller may read).
    pub social_worker_id: Option<ID>,
    /// Global id of the client served (one the caller may read); required for CASEWORK. The
    /// record is placed in the client's division, or else the station's.
    pub client_id: Option<ID>,
    /// Global id of the project the service belongs to (one the caller may read).
    pub project_id: Option<ID>,
    /// Name of the activity, for group and community work (1-100 characters).
    pub activity_name: Option<String>,
    /// Day of the service: a China Standard Time calendar date, 2000-01-01 to today.
    pub served_on: Date,
    /// Type of service.
    pub service_type: ServiceType,
    /// Method: casework, group work or community work.
    pub method: ServiceMethod,
    /// 服务人次: people served, 1 to 100,000; default 1.
    pub person_times: Option<i32>,
}

/// Changes to a service record: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateServiceRecordInput {
    /// Global id of the service record.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `stationId` (rules as on create); absent: unchanged; `null` is refused.
    pub station_id: SetOrKeep<ID>,
    /// New `socialWorkerId` (rules as on create); absent: unchanged; `null`: cleared.
    pub social_worker_id: MaybeUndefined<ID>,
    /// New `clientId` (rules as on create); absent: unchanged; `null`: cleared.
    pub client_id: MaybeUndefined<ID>,
    /// New `projectId` (rules as on create); absent: unchanged; `null`: cleared.
    pub project_id: MaybeUndefined<ID>,
    /// New `activityName` (rules as on create); absent: unchanged; `null`: cleared.
    pub activity_name: MaybeUndefined<String>,
    /// New `servedOn` (rules as on create); absent: unchanged; `null` is refused.
    pub served_on: SetOrKeep<Date>,
    /// New `serviceType`; absent: unchanged; `null` is refused.
    pub service_type: SetOrKeep<ServiceType>,
    /// New `method` (rules as on create); absent: unchanged; `null` is refused.
    pub method: SetOrKeep<ServiceMethod>,
    /// New `personTimes` (rules as on create); absent: unchanged; `null` is refused.
    pub person_times: SetOrKeep<i32>,
}

crate::payload!(
    /// The result of `createServiceRecord` / `updateServiceRecord`.
    ServiceRecordPayload,
    service_record,
    ServiceRecord
);
crate::delete_payload!(
    /// The result of `deleteServiceRecord`.
    DeleteServiceRecordPayload
);

/// Service record mutations.
#[derive(Default)]
pub struct ServiceRecordMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl ServiceRecordMutation {
    /// Creates a service record (ADMIN anywhere, CIVIL_AFFAIRS in its region, STATION_STAFF
    /// at its own station). Client mistakes are in `userErrors`; top-level errors only
    /// `FORBIDDEN` and service failures.
    async fn create_service_record(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceRecordInput,
    ) -> ApiResult<ServiceRecordPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let station = payload::uuid(&mut p, "stationId", &input.station_id, NodeType::Station);
        let worker =
            payload::opt_uuid(&mut p, "socialWorkerId", input.social_worker_id.as_ref(), NodeType::SocialWorker);
        let client = payload::opt_uuid(&mut p, "clientId", input.client_id.as_ref(), NodeType::Client);
        let project = payload::opt_uuid(&mut p, "projectId", input.project_id.as_ref(), NodeType::Project);
        let (Some(station), Some(worker), Some(client), Some(project)) = (station, worker, client, project) else {
            return Ok(ServiceRecordPayload::of::<m::Model>(refused(p)));
        };
        let links = RecordLinks {
            station_id: Some(station),
            social_worker_id: Some(worker),
            client_id: Some(client),
            project_id: Some(project),
        };
        let record = ServiceRecordInput {
            served_on: Some(input.served_on.0),
            service_type: Some(input.service_type.into()),
            method: Some(input.method.into()),
            person_times: input.person_times,
            activity_name: input.activity_name,
            // Set by the store from the resolved client.
            ..Default::default()
        };
        Ok(ServiceRecordPayload::of(store::create(&data.db, &editor, record, links).await.map_err(db_error)?))
    }

    /// Changes a service record at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of
    /// `createServiceRecord`.
    async fn update_service_record(
        &self,
        ctx: &Context<'_>,
        input: UpdateServiceRecordInput,
    ) -> ApiResult<ServiceRecordPayload> {
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::ServiceRecord);
        let station_id =
            input.station_id.into_option().map(|s| payload::uuid(&mut p, "stationId", &s, NodeType::Station));
        let links = RecordLinks {
            station_id: station_id.flatten(),
            social_worker_id: payload::maybe_uuid(
                &mut p,
                "socialWorkerId",
                input.social_worker_id,
                NodeType::SocialWorker,
            ),
            client_id: payload::maybe_uuid(&mut p, "clientId", input.client_id, NodeType::Client),
            project_id: payload::maybe_uuid(&mut p, "projectId", input.project_id, NodeType::Project),
        };
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(ServiceRecordPayload::of::<m::Model>(refused(p)));
        };
        let out = store::update(&data.db, &editor, id, input.expected_version, links, |r| {
            set_some(&mut r.served_on, input.served_on.clone().map(|d| d.0));
            set_some(&mut r.service_type, input.service_type.clone());
            set_some(&mut r.method, input.method.clone());
            set_some(&mut r.person_times, input.person_times.clone());
            set_opt(&mut r.activity_name, input.activity_name.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(ServiceRecordPayload::of(out))
    }

    /// Soft-deletes a service record at `expectedVersion`. Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`.
    async fn delete_service_record(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> ApiResult<DeleteServiceRecordPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::ServiceRecord, true).await?.into())
    }
}
