//! The GraphQL schema: one module per domain type (object type, filters, root fields), and
//! the shared pieces: errors, global ids, connections, DataLoaders, scalars and enums.
//!
//! Resolvers are thin: they parse arguments into store types, call one store function (or a
//! DataLoader), and wrap the rows. Building the schema touches no database.
#![allow(
    clippy::too_many_arguments,
    reason = "a connection field takes Relay's four paging arguments, the change-feed pair, a filter and an order"
)]

pub mod audit;
pub mod award;
pub mod charity_resource;
pub mod charity_resource_write;
pub mod client;
pub mod client_write;
mod coerce;
pub mod common;
pub mod compiled;
pub mod connection;
pub mod consent;
pub mod context;
pub mod coverage_target;
pub mod deliberation;
pub mod enums;
pub mod error;
pub mod export;
pub mod id;
pub mod import_job;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod order;
pub mod organization;
pub mod organization_write;
pub mod payload;
pub mod person;
pub mod project;
pub mod project_write;
pub mod region;
pub mod scalars;
pub mod service_record;
pub mod service_record_write;
pub mod social_worker;
pub mod social_worker_write;
pub mod station;
pub mod station_write;
pub mod statistics;
pub mod subscription;
pub mod sync;
pub mod training;
pub mod volunteer;
pub mod volunteer_service;
pub mod volunteer_team;
pub mod volunteer_team_write;
pub mod volunteer_write;
pub mod webhook;

use async_graphql::{MergedObject, Schema};

pub use context::RequestData;
pub use limits::Limits;

/// The query root: every entity's root fields plus `node`/`nodes`.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    region::RegionQuery,
    station::StationQuery,
    organization::OrganizationQuery,
    social_worker::SocialWorkerQuery,
    volunteer::VolunteerQuery,
    volunteer_team::VolunteerTeamQuery,
    client::ClientQuery,
    project::ProjectQuery,
    service_record::ServiceRecordQuery,
    charity_resource::CharityResourceQuery,
    training::TrainingQuery,
    deliberation::DeliberationMeetingQuery,
    award::AwardQuery,
    audit::AuditQuery,
    statistics::StatisticsQuery,
    webhook::WebhookQuery,
);

/// The mutation root: roster sync and the single create / update / delete mutations of each
/// entity, each returning a payload with the changed object and `userErrors`.
#[derive(MergedObject, Default)]
pub struct Mutation(
    sync::SyncMutation,
    station_write::StationMutation,
    organization_write::OrganizationMutation,
    social_worker_write::SocialWorkerMutation,
    volunteer_write::VolunteerMutation,
    volunteer_team_write::VolunteerTeamMutation,
    client_write::ClientMutation,
    consent::ConsentMutation,
    service_record_write::ServiceRecordMutation,
    project_write::ProjectMutation,
    charity_resource_write::CharityResourceMutation,
    volunteer_service::VolunteerServiceMutation,
    webhook::WebhookMutation,
    training::TrainingMutation,
    deliberation::DeliberationMeetingMutation,
    award::AwardMutation,
    coverage_target::CoverageTargetMutation,
    export::ExportMutation,
);

/// The civlink schema type.
pub type CivlinkSchema = Schema<Query, Mutation, subscription::Subscription>;

/// Builds the schema with its limit checks (see [`limits`]), its rate limiter and its
/// persisted-query cache (both per process). Per-request data ([`RequestData`]) is attached
/// by the caller. Touches no database.
pub fn build_schema(limits: &Limits) -> CivlinkSchema {
    // Depth and cost are checked by `CostLimits` after validation, so that the error carries
    // a code and the computed cost; async-graphql's own limits would answer without either.
    let apq =
        async_graphql::extensions::apollo_persisted_queries::LruCacheStorage::new(limits.apq_cache_entries.max(1));
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
        .extension(async_graphql::extensions::apollo_persisted_queries::ApolloPersistedQueries::new(apq))
        .extension(limits::CostLimits::new(limits, census()))
        .finish()
}

/// What the schema's introspection lists ([`limits::Census`]), read from a schema without
/// extensions: its introspection is a pure function of the types, answered without I/O.
fn census() -> limits::Census {
    let bare = Schema::build(Query::default(), Mutation::default(), subscription::Subscription).finish();
    let answer = futures::executor::block_on(bare.execute(limits::CENSUS_QUERY));
    if !answer.errors.is_empty() {
        tracing::error!(errors = ?answer.errors, "the schema's census query failed: introspection is priced per field");
    }
    limits::Census::from_answer(&answer.data)
}

/// The schema in SDL, as committed in `schema.graphql`: with `@specifiedBy` on the scalars
/// that have a specification URL, which async-graphql's plain `sdl()` leaves out although
/// introspection reports it (`specifiedByURL`); code generators read it from the file.
pub fn sdl() -> String {
    build_schema(&Limits::default()).sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
