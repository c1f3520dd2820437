//! `createStation`, `updateStation`, `deleteStation`. Values are parsed by
//! [`crate::domain::records::StationInput`].

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::station as m;

use super::enums::{StationLevel, StationStatus};
use super::error::ApiResult;
use super::id::NodeType;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use super::scalars::{Date, Yuan};
use super::station::Station;
use crate::domain::records::StationInput;
use crate::domain::roster::Problems;
use crate::store::station_write::{self as store, StationLinks};

/// A new station.
#[derive(InputObject)]
pub struct CreateStationInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Level in the station network.
    pub level: StationLevel,
    /// Status; default PLANNED.
    pub status: Option<StationStatus>,
    /// Whether the station is in full service (only an OPERATING station); default false.
    pub in_full_service: Option<bool>,
    /// 12-digit division the station is in; it must exist and, for CIVIL_AFFAIRS, lie in the
    /// caller's region.
    pub region_code: String,
    /// Global id of the parent station (one the caller may read).
    pub parent_station_id: Option<ID>,
    /// Global id of the operating organisation (one the caller may read).
    pub operator_id: Option<ID>,
    /// Day it opened (CST), 2000-01-01 to today.
    pub opened_on: Option<Date>,
    /// Money invested, in yuan (`"120000.50"`); default 0. A malformed amount fails the
    /// `Yuan` scalar, so the request is refused before anything runs.
    pub investment: Option<Yuan>,
    /// Address (1-200 characters).
    pub address: Option<String>,
    /// Latitude in degrees, 3.8-53.6, with `longitude`.
    pub latitude: Option<f64>,
    /// Longitude in degrees, 73.4-135.1, with `latitude`.
    pub longitude: Option<f64>,
}

/// Changes to a station: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateStationInput {
    /// Global id of the station.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent: unchanged; `null` is refused.
    pub name: SetOrKeep<String>,
    /// New `level` (rules as on create); absent: unchanged; `null` is refused.
    pub level: SetOrKeep<StationLevel>,
    /// New `status` (rules as on create); absent: unchanged; `null` is refused.
    pub status: SetOrKeep<StationStatus>,
    /// New `inFullService` (rules as on create); absent: unchanged; `null` is refused.
    pub in_full_service: SetOrKeep<bool>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `parentStationId` (rules as on create); absent: unchanged; `null`: cleared.
    pub parent_station_id: MaybeUndefined<ID>,
    /// New `operatorId` (rules as on create); absent: unchanged; `null`: cleared.
    pub operator_id: MaybeUndefined<ID>,
    /// New `openedOn` (rules as on create); absent: unchanged; `null`: cleared.
    pub opened_on: MaybeUndefined<Date>,
    /// New `investment` in yuan (rules as on create); absent: unchanged; `null` sets zero.
    pub investment: MaybeUndefined<Yuan>,
    /// New `address` (rules as on create); absent: unchanged; `null`: cleared.
    pub address: MaybeUndefined<String>,
    /// New `latitude` (rules as on create); absent: unchanged; `null`: cleared.
    pub latitude: MaybeUndefined<f64>,
    /// New `longitude` (rules as on create); absent: unchanged; `null`: cleared.
    pub longitude: MaybeUndefined<f64>,
}

crate::payload!(
    /// The result of `createStation` / `updateStation`.
    StationPayload,
    station,
    Station
);
crate::delete_payload!(
    /// The result of `deleteStation`.
    DeleteStationPayload
);

/// Station mutations.
#[derive(Default)]
pub struct StationMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl StationMutation {
    /// Creates a station (ADMIN anywhere, CIVIL_AFFAIRS in its region). Client mistakes are
    /// in `userErrors`; top-level errors only `FORBIDDEN` and service failures.
    async fn create_station(&self, ctx: &Context<'_>, input: CreateStationInput) -> ApiResult<StationPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let parent = payload::opt_uuid(&mut p, "parentStationId", input.parent_station_id.as_ref(), NodeType::Station);
        let operator = payload::opt_uuid(&mut p, "operatorId", input.operator_id.as_ref(), NodeType::Organization);
        let (Some(parent), Some(operator)) = (parent, operator) else {
            return Ok(StationPayload::of::<m::Model>(refused(p)));
        };
        let links = StationLinks { parent_station_id: Some(parent), operator_id: Some(operator) };
        let station = StationInput {
            name: input.name,
            level: Some(input.level.into()),
            status: input.status.map(Into::into),
            in_full_service: input.in_full_service,
            region_code: input.region_code,
            opened_on: input.opened_on.map(|d| d.0),
            investment: input.investment.map(|y| y.0),
            address: input.address,
            latitude: input.latitude,
            longitude: input.longitude,
        };
        Ok(StationPayload::of(store::create(&data.db, &editor, station, links).await.map_err(db_error)?))
    }

    /// Changes a station at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of
    /// `createStation`.
    async fn update_station(&self, ctx: &Context<'_>, input: UpdateStationInput) -> ApiResult<StationPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let id = payload::uuid(&mut p, "id", &input.id, NodeType::Station);
        let parent_station_id =
            payload::maybe_uuid(&mut p, "parentStationId", input.parent_station_id, NodeType::Station);
        let operator_id = payload::maybe_uuid(&mut p, "operatorId", input.operator_id, NodeType::Organization);
        let (Some(id), true) = (id, p.is_empty()) else {
            return Ok(StationPayload::of::<m::Model>(refused(p)));
        };
        let links = StationLinks { parent_station_id, operator_id };
        let out = store::update(&data.db, &editor, id, input.expected_version, links, |s| {
            set(&mut s.name, input.name.clone());
            set_some(&mut s.level, input.level.clone());
            set_some(&mut s.status, input.status.clone());
            set_some(&mut s.in_full_service, input.in_full_service.clone());
            set(&mut s.region_code, input.region_code.clone());
            set_opt(&mut s.opened_on, input.opened_on.clone().map_value(|d| d.0));
            set_opt(&mut s.investment, input.investment.clone().map_value(|y| y.0));
            set_opt(&mut s.address, input.address.clone());
            set_opt(&mut s.latitude, input.latitude.clone());
            set_opt(&mut s.longitude, input.longitude.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(StationPayload::of(out))
    }

    /// Soft-deletes a station at `expectedVersion`. Errors in `userErrors`: `NOT_FOUND`,
    /// `VERSION_CONFLICT`.
    async fn delete_station(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeleteStationPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::Station, false).await?.into())
    }
}
