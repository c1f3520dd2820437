//! Limits checked before a request runs, and the cost it reports.
//!
//! Every request's cost is computed statically from the document (async-graphql's complexity,
//! with `#[graphql(complexity = …)]` on every connection field: see [`connection_cost`]) before
//! any resolver runs. A request over a limit is refused with a request error whose
//! `extensions` carry a `code` and the computed `cost`, so no SQL runs for it. Each response
//! carries `extensions.cost { requested actual limit }` ([`super::CivlinkSchema::execute`]).
//!
//! The checks async-graphql has no hook for (aliases, directives, page sizes, introspection by
//! role, mutations over GET) are made on the parsed document, in the same extension. It is
//! installed on the schema that checks requests, not on the one that runs them: it has no hook
//! on fields.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
    VariableDefinition,
};
use async_graphql::{
    ErrorExtensionValues, Positioned, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};

use super::context::RequestData;
use crate::auth::identity::Role;

mod introspection;
use crate::ratelimit::{Budgets, RateLimiter, Refusal};
pub use introspection::{CENSUS_QUERY, Census};

/// Page size a connection is costed at when neither `first` nor `last` is given (the page it
/// returns then, see [`super::connection::DEFAULT_PAGE_SIZE`]).
pub const DEFAULT_COST_PAGE: usize = super::connection::DEFAULT_PAGE_SIZE as usize;

/// The static cost of a connection field: one for the field, plus its page size (`first` or
/// `last`, else the default page of 20) times the cost of its selection. A page of zero (or a
/// negative size, which the resolver refuses) is costed as one entry: the connection's own
/// fields (`totalCount`, `pageInfo`) still resolve. A size over the maximum page size is
/// refused before this runs (`PAGE_SIZE_EXCEEDED`).
///
/// Used as `#[graphql(complexity = "connection_cost(first, last, child_complexity)")]`.
pub fn connection_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    list_cost(first.or(last).map_or(DEFAULT_COST_PAGE, |n| n.max(1) as usize), child_complexity)
}

/// The static cost of a list field of at most `entries` entries: one for the field plus
/// `entries` times the cost of its selection (saturating).
pub fn list_cost(entries: usize, child_complexity: usize) -> usize {
    entries.saturating_mul(child_complexity).saturating_add(1)
}

/// Limits applied to every request before it runs. Units: counts unless said otherwise.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest nesting of selections accepted (`DEPTH_LIMIT_EXCEEDED` above it).
    pub max_depth: usize,
    /// Largest static cost accepted (`COST_LIMIT_EXCEEDED` above it).
    pub max_complexity: usize,
    /// Most aliased fields in one document (`ALIAS_LIMIT_EXCEEDED` above it).
    pub max_aliases: usize,
    /// Most directives in one document (`DIRECTIVE_LIMIT_EXCEEDED` above it).
    pub max_directives: usize,
    /// Largest `first`/`last` (`PAGE_SIZE_EXCEEDED` above it); at most
    /// [`super::connection::MAX_PAGE_SIZE`].
    pub max_page_size: usize,
    /// Roles that may run introspection (`__schema`, `__type`); others get
    /// `INTROSPECTION_DISABLED`. `__typename` is always allowed.
    pub introspection: HashSet<Role>,
    /// Cost budget per role (`RATE_LIMITED` when spent).
    pub budgets: Budgets,
    /// Entries of the automatic persisted query cache (per process).
    pub apq_cache_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 200_000,
            max_aliases: 30,
            max_directives: 20,
            max_page_size: super::connection::MAX_PAGE_SIZE as usize,
            introspection: [
                Role::Public,
                Role::Portal,
                Role::CivilAffairs,
                Role::StationStaff,
                Role::SyncClient,
                Role::Admin,
            ]
            .into_iter()
            .collect(),
            budgets: Budgets::default(),
            apq_cache_entries: 1000,
        }
    }
}

/// What the limit checks learnt about one request, read by the HTTP layer for logs and
/// metrics once it has run.
#[derive(Debug, Default)]
pub struct RequestStats {
    inner: Mutex<StatsInner>,
    actual: AtomicUsize,
}

#[derive(Debug, Default, Clone)]
struct StatsInner {
    operation: Option<String>,
    requested: Option<usize>,
}

impl RequestStats {
    /// The operation's name, when the document names it.
    pub fn operation(&self) -> Option<String> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).operation.clone()
    }
    /// The static cost, once computed (absent for documents that did not validate).
    pub fn requested(&self) -> Option<usize> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).requested
    }
    /// The fields of the response's `data` (`extensions.cost.actual`), once it has run.
    pub fn actual(&self) -> usize {
        self.actual.load(Ordering::Relaxed)
    }
    pub(super) fn set_actual(&self, fields: usize) {
        self.actual.store(fields, Ordering::Relaxed);
    }
    fn set_operation(&self, name: Option<String>) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).operation = name;
    }
    fn set_requested(&self, cost: usize) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).requested = Some(cost);
    }
}

/// Parsed documents kept per process, least recently used first out.
pub const DOCUMENT_CACHE_ENTRIES: usize = 256;
/// Longest document text (bytes) whose parse is kept: with [`DOCUMENT_CACHE_ENTRIES`], this
/// bounds the cache to a few megabytes whatever clients send.
pub const DOCUMENT_CACHE_MAX_BYTES: usize = 16 * 1024;

/// Parsed documents by their text. Integration scripts and portals send the same few
/// documents again and again; parsing one (async-graphql's pest grammar) was a twelfth of
/// load operation 1's CPU in civlink and a twentieth of a 100-row roster page's (issue 7,
/// callgrind). Only documents that parsed and passed the expansion check are kept; every
/// other check (variables, role, cost, rate) still runs per request. A cache of a pure
/// function: a replica without the entry parses again.
type Documents = Mutex<lru::LruCache<String, Arc<ExecutableDocument>>>;

/// The extension enforcing [`Limits`] and reporting `extensions.cost`.
pub struct CostLimits {
    limits: Arc<Limits>,
    rate: Arc<RateLimiter>,
    documents: Arc<Documents>,
    census: Arc<Census>,
}

impl CostLimits {
    /// One rate limiter and one document cache for the schema's lifetime: build one schema
    /// per process. `census` is what the schema's introspection lists, which prices
    /// introspection ([`Census`]).
    pub fn new(limits: &Limits, census: Census) -> Self {
        let entries = std::num::NonZeroUsize::new(DOCUMENT_CACHE_ENTRIES).unwrap_or(std::num::NonZeroUsize::MIN);
        Self {
            limits: Arc::new(limits.clone()),
            rate: Arc::new(RateLimiter::new(&limits.budgets)),
            documents: Arc::new(Mutex::new(lru::LruCache::new(entries))),
            census: Arc::new(census),
        }
    }
}

impl ExtensionFactory for CostLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostExtension {
            limits: self.limits.clone(),
            rate: self.rate.clone(),
            documents: self.documents.clone(),
            census: self.census.clone(),
            introspection: Mutex::new(None),
            pending: Mutex::new(None),
            document: Mutex::new(None),
            depth: Mutex::new(None),
        })
    }
}

/// What the checks of one request need to know of it, and where they leave the document of a
/// request sent to be checked only. Put in the request's data as `Arc<Checks>`; a request
/// without one is checked as PUBLIC's, with no rate budget.
pub struct Checks {
    role: Role,
    rate_key: String,
    operation_name: Option<String>,
    via_get: bool,
    stats: Arc<RequestStats>,
    /// `Some` when the request is only checked ([`Checks::only`]): once it passes every check
    /// its document is left here, and it is not run.
    passed: Option<Mutex<Option<Arc<ExecutableDocument>>>>,
}

impl Checks {
    /// The checks of a request that is then run on the same schema (a subscription).
    pub fn then_run(data: &RequestData) -> Self {
        Self {
            role: data.identity.role,
            rate_key: data.rate_key.clone(),
            operation_name: data.operation_name.clone(),
            via_get: data.via_get,
            stats: data.stats.clone(),
            passed: None,
        }
    }

    /// The checks of a request sent to be checked only: it is not run, and
    /// [`Checks::passed`] then holds its document if it passed.
    pub fn only(data: &RequestData) -> Self {
        Self { passed: Some(Mutex::new(None)), ..Self::then_run(data) }
    }

    /// The parsed document of a request checked only, once it has passed every check; `None`
    /// if it was refused (its response then holds why).
    pub fn passed(&self) -> Option<Arc<ExecutableDocument>> {
        self.passed.as_ref()?.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

struct CostExtension {
    limits: Arc<Limits>,
    rate: Arc<RateLimiter>,
    documents: Arc<Documents>,
    census: Arc<Census>,
    /// The operation's introspection: what it resolves, and the fields async-graphql's
    /// complexity counted for it ([`Census::price`]).
    introspection: Mutex<Option<(usize, usize)>>,
    /// A limit the document broke, held until validation has computed its cost, so the error
    /// can carry it.
    pending: Mutex<Option<ServerError>>,
    /// The request's document, passed on once it has passed the checks ([`Checks::passed`]).
    document: Mutex<Option<Arc<ExecutableDocument>>>,
    /// The document's depth as [`Shape`] measures it, checked once validation has costed it.
    depth: Mutex<Option<usize>>,
}

/// A request error with `extensions { code, …more }`.
pub fn request_error(code: &str, message: String, more: &[(&str, Value)]) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    for (k, v) in more {
        ext.set(*k, v.clone());
    }
    e.extensions = Some(ext);
    e
}

fn limit_error(code: &str, message: String, cost: Option<usize>, limit: usize) -> ServerError {
    metrics::counter!(crate::observe::series::LIMIT_REJECTED, "code" => code.to_owned()).increment(1);
    let mut more = vec![("limit", Value::from(limit))];
    if let Some(cost) = cost {
        more.push(("cost", Value::from(cost)));
    }
    request_error(code, message, &more)
}

/// Refuses a document whose fragments, once spread, make more than [`MAX_EXPANDED_FIELDS`]
/// fields (`QUERY_TOO_LARGE`).
fn refuse_expanded(doc: &ExecutableDocument) -> ServerResult<()> {
    let expanded = expanded_fields(doc);
    if expanded > MAX_EXPANDED_FIELDS {
        return Err(request_error(
            "QUERY_TOO_LARGE",
            format!(
                "the query expands to {} fields once its fragments are spread; at most {MAX_EXPANDED_FIELDS} are accepted",
                if expanded == u64::MAX { "more than 2^64".to_owned() } else { expanded.to_string() }
            ),
            &[],
        ));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Extension for CostExtension {
    /// Refuses a document that expands too far before anything walks its fragments as
    /// spread: async-graphql checks the nesting depth of every parsed document, before any
    /// extension's `parse_query`, by walking each spread again, so a kilobyte of fragments
    /// that each spread the previous one twice kept it busy for half a minute (30 levels),
    /// and validation for minutes. The count here is memoised per fragment. The text is
    /// parsed once, here, and the parse handed on; a persisted query arrives parsed, and a
    /// text seen before was checked when it was first parsed.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        let seen = self.documents.lock().unwrap_or_else(|e| e.into_inner()).contains(&request.query);
        if !seen {
            refuse_expanded(request.parsed_query()?)?;
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // Only a document parsed from `query` may be kept under it. A persisted query's
        // document arrives parsed, with `query` empty (async-graphql's APQ step clears it), so
        // an empty text is never looked up or stored: every persisted query would otherwise
        // run the first one kept.
        let cacheable = !query.is_empty() && query.len() <= DOCUMENT_CACHE_MAX_BYTES;
        let cached =
            if cacheable { self.documents.lock().unwrap_or_else(|e| e.into_inner()).get(query).cloned() } else { None };
        let (doc, kept) = match cached {
            Some(doc) => (ExecutableDocument::clone(&doc), doc),
            None => {
                // Its expanded size was checked in `prepare_request`.
                let doc = next.run(ctx, query, variables).await?;
                let kept = Arc::new(doc.clone());
                if cacheable {
                    self.documents.lock().unwrap_or_else(|e| e.into_inner()).put(query.to_owned(), kept.clone());
                }
                (doc, kept)
            }
        };
        *self.document.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
        let checks = ctx.data::<Arc<Checks>>().ok();
        let operation = selected_operation(&doc, checks.and_then(|c| c.operation_name.as_deref()));
        if let Some(checks) = checks {
            checks.stats.set_operation(operation.and_then(|(name, _)| name.map(str::to_owned)));
            if checks.via_get && operation.is_some_and(|(_, op)| op.ty != OperationType::Query) {
                return Err(request_error(
                    "METHOD_NOT_ALLOWED",
                    "only queries may be sent with GET; send mutations with POST".to_owned(),
                    &[],
                ));
            }
        }
        // A variable that fails one of our scalars refuses the request with that scalar's own
        // message (validation would refuse it too, saying only which type it expected).
        if let Some((_, op)) = operation
            && let Some(message) =
                super::coerce::first_error(&ctx.schema_env.registry, &op.variable_definitions, variables)
        {
            return Err(request_error("GRAPHQL_VALIDATION_FAILED", message, &[]));
        }
        let role = checks.map_or(Role::Public, |c| c.role);
        let counts = count_document(&doc, variables, &self.limits);
        if counts.introspection && !self.limits.introspection.contains(&role) {
            return Err(request_error(
                "INTROSPECTION_DISABLED",
                format!(
                    "introspection (`__schema`, `__type`) is turned off for {}; the schema is published as schema.graphql",
                    role.as_str()
                ),
                &[],
            ));
        }
        if counts.introspection
            && let Some((_, op)) = operation
        {
            let price = self.census.price(&doc, op, variables, self.limits.max_complexity.saturating_add(1));
            *self.introspection.lock().unwrap_or_else(|e| e.into_inner()) = Some(price);
        }
        *self.depth.lock().unwrap_or_else(|e| e.into_inner()) = Some(counts.shape.depth);
        if let Err(e) = check_counts(&counts, &self.limits) {
            *self.pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner()).take();
        let result = match next.run(ctx).await {
            Ok(result) => result,
            // A broken limit says more than the validation errors it may have caused.
            Err(errors) => return Err(pending.map_or(errors, |e| vec![e])),
        };
        // Introspection is priced at what it resolves, in place of a point per field.
        let cost = match self.introspection.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some((resolved, selected)) => result.complexity.saturating_sub(selected).saturating_add(resolved),
            None => result.complexity,
        };
        let checks = ctx.data::<Arc<Checks>>().ok();
        if let Some(checks) = checks {
            checks.stats.set_requested(cost);
        }
        if let Some(mut e) = pending {
            e.extensions.get_or_insert_with(Default::default).set("cost", cost);
            return Err(vec![e]);
        }
        let limits = &self.limits;
        let depth = self.depth.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or(result.depth);
        if depth > limits.max_depth {
            let message = format!("the query is nested {depth} levels deep; at most {} are accepted", limits.max_depth);
            return Err(vec![limit_error("DEPTH_LIMIT_EXCEEDED", message, Some(cost), limits.max_depth)]);
        }
        if cost > limits.max_complexity {
            let message = format!(
                "the query costs {cost} points; at most {} are accepted (a connection costs `first` × its selection: ask for smaller pages or fewer fields)",
                limits.max_complexity
            );
            return Err(vec![limit_error("COST_LIMIT_EXCEEDED", message, Some(cost), limits.max_complexity)]);
        }
        if let Some(checks) = checks {
            let role = checks.role;
            if let Err(refusal) = self.rate.check(role, &checks.rate_key, cost) {
                metrics::counter!(crate::observe::series::RATE_LIMITED, "role" => role.as_str()).increment(1);
                return Err(vec![rate_error(refusal, cost)]);
            }
        }
        Ok(result)
    }

    /// A request sent to be checked only stops here, having passed: its document is left
    /// in its [`Checks`] and it is not run.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Ok(checks) = ctx.data::<Arc<Checks>>()
            && let Some(passed) = &checks.passed
        {
            *passed.lock().unwrap_or_else(|e| e.into_inner()) =
                self.document.lock().unwrap_or_else(|e| e.into_inner()).take();
            return Response::new(Value::Null);
        }
        next.run(ctx, operation_name).await
    }
}

/// Seconds a client should wait: whole seconds, rounded up, at least one.
pub fn retry_after_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0).max(u64::from(d.is_zero()))
}

fn rate_error(refusal: Refusal, cost: usize) -> ServerError {
    match refusal {
        Refusal::Later { retry_after, budget } => {
            let secs = retry_after_secs(retry_after);
            request_error(
                "RATE_LIMITED",
                format!(
                    "rate limit: this query costs {cost} points and your budget of {budget} is spent; retry in {secs} s"
                ),
                &[
                    ("cost", Value::from(cost)),
                    ("retryAfter", Value::from(secs)),
                    ("budget", Value::from(budget.to_string())),
                ],
            )
        }
        Refusal::Never { budget } => limit_error(
            "COST_LIMIT_EXCEEDED",
            format!("the query costs {cost} points, more than your whole budget of {budget}"),
            Some(cost),
            budget.points as usize,
        ),
    }
}

/// The operation that will run: its name and type; `None` when the name matches none.
pub(crate) fn selected_operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<&'a str>, &'a OperationDefinition)> {
    match &doc.operations {
        DocumentOperations::Single(op) => Some((None, &op.node)),
        DocumentOperations::Multiple(ops) => match name {
            Some(name) => ops.iter().find(|(n, _)| n.as_str() == name).map(|(n, op)| (Some(n.as_str()), &op.node)),
            None if ops.len() == 1 => ops.iter().next().map(|(n, op)| (Some(n.as_str()), &op.node)),
            None => None,
        },
    }
}

/// Counts aliases, directives and introspection fields over the whole document (every
/// operation and fragment), and checks page sizes (the first one over the limit is an error,
/// held like the others until the cost is known).
/// Most fields a document may hold once every fragment spread is replaced by its fragment
/// (the schema's largest real queries, every statistics figure of a region, hold a few hundred).
pub const MAX_EXPANDED_FIELDS: u64 = 20_000;

/// Fields of the largest operation of `doc` with fragments spread, computed once per fragment
/// (linear in the document, saturating; a fragment cycle counts as nothing here and is
/// refused by validation).
fn expanded_fields(doc: &ExecutableDocument) -> u64 {
    use std::collections::HashMap;
    fn size<'a>(
        set: &'a SelectionSet,
        doc: &'a ExecutableDocument,
        memo: &mut HashMap<&'a str, u64>,
        visiting: &mut HashSet<&'a str>,
    ) -> u64 {
        let mut n: u64 = 0;
        for item in &set.items {
            let add = match &item.node {
                Selection::Field(f) => 1u64.saturating_add(size(&f.node.selection_set.node, doc, memo, visiting)),
                Selection::InlineFragment(i) => size(&i.node.selection_set.node, doc, memo, visiting),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(known) = memo.get(name) {
                        *known
                    } else if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                        if !visiting.insert(name) {
                            0
                        } else {
                            let v = size(&fragment.node.selection_set.node, doc, memo, visiting);
                            visiting.remove(name);
                            memo.insert(name, v);
                            v
                        }
                    } else {
                        0
                    }
                }
            };
            n = n.saturating_add(add);
        }
        n
    }
    let mut memo = HashMap::new();
    let mut visiting = HashSet::new();
    doc.operations
        .iter()
        .map(|(_, op)| size(&op.node.selection_set.node, doc, &mut memo, &mut visiting))
        .max()
        .unwrap_or(0)
}

fn count_document(doc: &ExecutableDocument, variables: &Variables, limits: &Limits) -> Counts {
    let mut counts = Counts::default();
    let operations: Vec<_> = doc.operations.iter().map(|(_, op)| op).collect();
    for op in &operations {
        counts.directives += op.node.directives.len();
        walk(&op.node.selection_set, &op.node.variable_definitions, variables, limits, &mut counts);
    }
    for fragment in doc.fragments.values() {
        counts.directives += fragment.node.directives.len();
        // Variables in fragments resolve against the operation that spreads them.
        let defs = operations.first().map(|op| &op.node.variable_definitions[..]).unwrap_or(&[]);
        walk(&fragment.node.selection_set, defs, variables, limits, &mut counts);
    }
    counts.shape = document_shape(doc);
    counts
}

/// How deep a document reaches, measured per operation with every fragment spread (like
/// async-graphql's own depth, which it replaces), and what its introspection asks for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Shape {
    /// Deepest field path: a field is one level, fragments are transparent, and inside
    /// introspection (`__schema`, `__type`) an `ofType` adds none. The standard introspection
    /// queries unwrap type references through a fixed chain of seven (gql 4) or nine
    /// (graphql-js 16, graphql-core 3.3) `ofType`s, which would otherwise make them 13-15
    /// levels deep; a chain is one object per level, bounded by [`MAX_EXPANDED_FIELDS`] like
    /// every other field, and ends in `null` past the schema's deepest wrapping.
    depth: usize,
    /// Most `fields`, `inputFields`, `interfaces` and `possibleTypes` nested in one another
    /// inside introspection: the lists that multiply its work (every type's fields' types'
    /// fields …). graphql-js 16.9 refuses three (`MaxIntrospectionDepthRule`); the standard
    /// queries nest one.
    introspection_lists: usize,
    /// `__schema` fields an operation selects, fragments spread (saturating).
    schemas: usize,
}

impl Shape {
    /// Siblings: the deepest path, the most nested lists, all the `__schema`s.
    fn beside(self, other: Shape) -> Shape {
        Shape {
            depth: self.depth.max(other.depth),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
            schemas: self.schemas.saturating_add(other.schemas),
        }
    }
}

/// Nested introspection lists refused (graphql-js 16.9's `MaxIntrospectionDepthRule`).
pub const MAX_INTROSPECTION_LISTS: usize = 3;

/// The largest [`Shape`] of `doc`'s operations, fragments computed once per introspection
/// context (a fragment cycle counts as nothing here and is refused by validation).
fn document_shape(doc: &ExecutableDocument) -> Shape {
    use std::collections::HashMap;
    type Memo<'a> = HashMap<(&'a str, bool), Shape>;
    fn of_set<'a>(
        set: &'a SelectionSet,
        doc: &'a ExecutableDocument,
        introspection: bool,
        memo: &mut Memo<'a>,
        visiting: &mut HashSet<(&'a str, bool)>,
    ) -> Shape {
        let mut shape = Shape::default();
        for item in &set.items {
            let one = match &item.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    let root = matches!(name, "__schema" | "__type");
                    let inner = of_set(&f.node.selection_set.node, doc, introspection || root, memo, visiting);
                    let list =
                        introspection && matches!(name, "fields" | "inputFields" | "interfaces" | "possibleTypes");
                    Shape {
                        depth: inner.depth + usize::from(!(introspection && name == "ofType")),
                        introspection_lists: inner.introspection_lists + usize::from(list),
                        schemas: inner.schemas.saturating_add(usize::from(name == "__schema")),
                    }
                }
                Selection::InlineFragment(i) => of_set(&i.node.selection_set.node, doc, introspection, memo, visiting),
                Selection::FragmentSpread(spread) => {
                    let key = (spread.node.fragment_name.node.as_str(), introspection);
                    match (memo.get(&key), doc.fragments.get(&spread.node.fragment_name.node)) {
                        (Some(known), _) => *known,
                        (None, Some(fragment)) if visiting.insert(key) => {
                            let v = of_set(&fragment.node.selection_set.node, doc, introspection, memo, visiting);
                            visiting.remove(&key);
                            memo.insert(key, v);
                            v
                        }
                        _ => Shape::default(),
                    }
                }
            };
            shape = shape.beside(one);
        }
        shape
    }
    let mut memo = Memo::new();
    let mut visiting = HashSet::new();
    doc.operations.iter().fold(Shape::default(), |acc, (_, op)| {
        let one = of_set(&op.node.selection_set.node, doc, false, &mut memo, &mut visiting);
        Shape {
            depth: acc.depth.max(one.depth),
            introspection_lists: acc.introspection_lists.max(one.introspection_lists),
            schemas: acc.schemas.max(one.schemas),
        }
    })
}

/// The first limit the counts break.
fn check_counts(counts: &Counts, limits: &Limits) -> ServerResult<()> {
    if let Some(e) = &counts.page_size {
        return Err(e.clone());
    }
    if counts.shape.introspection_lists >= MAX_INTROSPECTION_LISTS {
        return Err(limit_error(
            "INTROSPECTION_LIMIT_EXCEEDED",
            format!(
                "introspection nests `fields`, `inputFields`, `interfaces` or `possibleTypes` {} deep; fewer than {MAX_INTROSPECTION_LISTS} are accepted (the standard introspection query nests one)",
                counts.shape.introspection_lists
            ),
            None,
            MAX_INTROSPECTION_LISTS - 1,
        ));
    }
    if counts.shape.schemas > 1 {
        return Err(limit_error(
            "INTROSPECTION_LIMIT_EXCEEDED",
            format!(
                "an operation selects `__schema` {} times; once is accepted (it already holds the whole schema)",
                counts.shape.schemas
            ),
            None,
            1,
        ));
    }
    if counts.aliases > limits.max_aliases {
        return Err(limit_error(
            "ALIAS_LIMIT_EXCEEDED",
            format!("the document has {} aliases; at most {} are accepted", counts.aliases, limits.max_aliases),
            None,
            limits.max_aliases,
        ));
    }
    if counts.directives > limits.max_directives {
        return Err(limit_error(
            "DIRECTIVE_LIMIT_EXCEEDED",
            format!(
                "the document has {} directives; at most {} are accepted",
                counts.directives, limits.max_directives
            ),
            None,
            limits.max_directives,
        ));
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    aliases: usize,
    directives: usize,
    introspection: bool,
    /// The deepest operation's [`Shape`].
    shape: Shape,
    /// The first `first`/`last` over the maximum page size.
    page_size: Option<ServerError>,
}

fn walk(
    set: &Positioned<SelectionSet>,
    defs: &[Positioned<VariableDefinition>],
    variables: &Variables,
    limits: &Limits,
    counts: &mut Counts,
) {
    for selection in &set.node.items {
        match &selection.node {
            Selection::Field(field) => {
                let f = &field.node;
                counts.aliases += usize::from(f.alias.is_some());
                counts.directives += f.directives.len();
                counts.introspection |= matches!(f.name.node.as_str(), "__schema" | "__type");
                for (name, value) in &f.arguments {
                    if !matches!(name.node.as_str(), "first" | "last") {
                        continue;
                    }
                    if let Some(n) = int_value(&value.node, defs, variables)
                        && n > limits.max_page_size as i64
                        && counts.page_size.is_none()
                    {
                        counts.page_size = Some(limit_error(
                            "PAGE_SIZE_EXCEEDED",
                            format!(
                                "`{}: {n}` on `{}` exceeds the maximum page size of {}; page with `after`/`before`",
                                name.node, f.name.node, limits.max_page_size
                            ),
                            None,
                            limits.max_page_size,
                        ));
                    }
                }
                walk(&f.selection_set, defs, variables, limits, counts);
            }
            Selection::FragmentSpread(spread) => counts.directives += spread.node.directives.len(),
            Selection::InlineFragment(inline) => {
                counts.directives += inline.node.directives.len();
                walk(&inline.node.selection_set, defs, variables, limits, counts);
            }
        }
    }
}

/// An argument's integer value: a literal, or a variable's value (or its default).
fn int_value(
    value: &async_graphql_value::Value,
    defs: &[Positioned<VariableDefinition>],
    variables: &Variables,
) -> Option<i64> {
    match value {
        async_graphql_value::Value::Number(n) => n.as_i64(),
        async_graphql_value::Value::Variable(name) => match variables.get(name) {
            Some(Value::Number(n)) => n.as_i64(),
            Some(_) => None,
            None => {
                defs.iter().find(|d| d.node.name.node == *name).and_then(|d| d.node.default_value.as_ref()).and_then(
                    |v| match &v.node {
                        Value::Number(n) => n.as_i64(),
                        _ => None,
                    },
                )
            }
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_costs_its_page_times_its_selection() {
        assert_eq!(connection_cost(Some(10), None, 3), 31);
        assert_eq!(connection_cost(None, Some(5), 3), 16);
        assert_eq!(connection_cost(None, None, 3), 61);
        // An empty page still resolves the connection's own fields: costed as one entry.
        assert_eq!(connection_cost(Some(-4), None, 3), 4);
        assert_eq!(connection_cost(Some(0), None, 3), 4);
        assert_eq!(list_cost(usize::MAX, 3), usize::MAX, "saturates");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
