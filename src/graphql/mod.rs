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

/// The schema as async-graphql builds it.
type Built = Schema<Query, Mutation, subscription::Subscription>;

/// The civlink schema, as served. A query or mutation is checked by one async-graphql schema,
/// which carries the checks as extensions (persisted queries, then [`limits::CostLimits`]:
/// limits, cost, rate), and, once it has passed, run by a second one without extensions on the
/// document the first parsed and validated: async-graphql builds a `ResolveInfo` and calls
/// every extension's hook for every field and every list item as soon as one extension is
/// installed, and none of the checks needs that. A subscription is checked and run by the first.
///
/// Cheap to clone (both schemas are reference-counted). Holds the rate limiter, the
/// persisted-query cache and the parsed-document cache of this process.
#[derive(Clone)]
pub struct CivlinkSchema {
    checks: Built,
    runs: Built,
    /// `extensions.cost.limit` (`Limits::max_complexity`).
    max_complexity: usize,
}

impl CivlinkSchema {
    /// Runs one query or mutation for the caller of `data`: its checks, then, if it passed,
    /// the operation. The response's objects list their entries in the selection's order
    /// ([`order`]), and it carries `extensions.cost { requested actual limit }` once the cost
    /// is known: `actual` is the number of fields of its `data` ([`order::as_selected`]). A
    /// refused request has errors without a path and no data, as async-graphql answers them.
    /// `request` may carry data of its own (a subscription's connection); its `extensions`
    /// are read for a persisted query.
    pub async fn execute(&self, mut request: async_graphql::Request, data: RequestData) -> async_graphql::Response {
        let checks = std::sync::Arc::new(limits::Checks::only(&data));
        let mut checked = async_graphql::Request::new(request.query.clone()).variables(request.variables.clone());
        checked.operation_name = request.operation_name.clone();
        checked.extensions = request.extensions.clone();
        checked.introspection_mode = request.introspection_mode;
        let refused = self.checks.execute(checked.data(checks.clone())).await;
        let stats = data.stats.clone();
        let Some(document) = checks.passed() else { return self.with_cost(refused, &stats, 0) };
        request.set_parsed_query(async_graphql::parser::types::ExecutableDocument::clone(&document));
        if compiled::compiles(&data) {
            // Set once: the run reads the columns the document's fields read.
            let _ = data.field_names.set(compiled::field_names(&document));
        }
        let operation = data.operation_name.clone();
        let mut response = self.runs.execute(request.data(data)).await;
        let fields = order::as_selected(&mut response.data, &document, operation.as_deref());
        self.with_cost(response, &stats, fields)
    }

    /// Runs a subscription (or any operation sent as one) for the caller of `data`, checked and
    /// run by the same schema: its events are few fields each. `session_data` is the
    /// connection's.
    pub fn subscribe(
        &self,
        request: async_graphql::Request,
        data: RequestData,
        session_data: std::sync::Arc<async_graphql::Data>,
    ) -> futures::stream::BoxStream<'static, async_graphql::Response> {
        let checks = std::sync::Arc::new(limits::Checks::then_run(&data));
        self.checks.execute_stream_with_session_data(request.data(checks).data(data), session_data)
    }

    /// Records `fields` as the request's actual cost and reports its cost, once known.
    fn with_cost(
        &self,
        response: async_graphql::Response,
        stats: &limits::RequestStats,
        fields: usize,
    ) -> async_graphql::Response {
        stats.set_actual(fields);
        match stats.requested() {
            Some(requested) => response.extension(
                "cost",
                async_graphql::value!({ "requested": requested, "actual": fields, "limit": self.max_complexity }),
            ),
            None => response,
        }
    }
}

/// The schema's types, with no extension.
fn bare() -> async_graphql::SchemaBuilder<Query, Mutation, subscription::Subscription> {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
}

/// Builds the schema with its limit checks (see [`limits`]), its rate limiter and its
/// persisted-query cache (both per process). Per-request data ([`RequestData`]) is passed to
/// [`CivlinkSchema::execute`] with each request. Touches no database.
pub fn build_schema(limits: &Limits) -> CivlinkSchema {
    // Depth and cost are checked by `CostLimits` after validation, so that the error carries
    // a code and the computed cost; async-graphql's own limits would answer without either.
    let apq =
        async_graphql::extensions::apollo_persisted_queries::LruCacheStorage::new(limits.apq_cache_entries.max(1));
    let checks = bare()
        .extension(async_graphql::extensions::apollo_persisted_queries::ApolloPersistedQueries::new(apq))
        .extension(limits::CostLimits::new(limits, census()))
        .finish();
    // Validated in full by `checks`; `Fast` still computes what async-graphql needs to run.
    let runs = bare().validation_mode(async_graphql::ValidationMode::Fast).finish();
    CivlinkSchema { checks, runs, max_complexity: limits.max_complexity }
}

/// What the schema's introspection lists ([`limits::Census`]), read from a schema without
/// extensions: its introspection is a pure function of the types, answered without I/O.
fn census() -> limits::Census {
    let answer = futures::executor::block_on(bare().finish().execute(limits::CENSUS_QUERY));
    if !answer.errors.is_empty() {
        tracing::error!(errors = ?answer.errors, "the schema's census query failed: introspection is priced per field");
    }
    limits::Census::from_answer(&answer.data)
}

/// The schema in SDL, as committed in `schema.graphql`: with `@specifiedBy` on the scalars
/// that have a specification URL, which async-graphql's plain `sdl()` leaves out although
/// introspection reports it (`specifiedByURL`); code generators read it from the file.
pub fn sdl() -> String {
    bare().finish().sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
