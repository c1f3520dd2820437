//! The compiled read path, GraphQL side (issue 22, docs/design/read-path.md): a root field
//! and the relations its selection reads become one statement ([`crate::store::compiled`]),
//! whose answers are handed to the request's loader before any resolver below the root runs.
//!
//! The resolvers do not change: each relation field still asks the loader for its key (a
//! [`PageKey`], [`CountKey`] or [`ByKey`] built from its arguments), and gets the compiled
//! answer when the compiled read built the same key. A relation the compiled read does not
//! know, or whose arguments it cannot take (an ID-number lookup, which is audited, or an
//! argument in error, which the resolver reports), is read by the loader as before: a key
//! that differs in anything is a miss, never a wrong answer.
//!
//! Compiled: on PostgreSQL, for callers who read rows, the root fields `node` (of a station
//! or a region), `station` and `region`, through the relations of
//! [`Station`](super::station::Station), [`Region`](super::region::Region) (its parent,
//! children and the lists of its subtree's records), `SocialWorker`, `VolunteerTeam`,
//! `Project` and `Organization`, at any depth below those roots. SQLite keeps the loader: a
//! statement there is no round trip, and its plans are made per statement anyway.
//!
//! The rows of the types that declare their fields' columns ([`Compiled::FIELDS`]) are read
//! with only the columns some field of the request's document reads ([`columns`]).

use std::collections::HashSet;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Context, InputType, SelectionField};
use entity::{region, station};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{DbBackend, EntityTrait, IdenStatic, TryIntoModel};
use serde_json::Value as Json;

use super::common::RecordOrder;
use super::connection::PageArgs;
use super::context::{BatchLoader, RequestData};
use super::error::{ApiError, ApiResult};
use super::loaders::{ByKey, CountKey, PageKey};
use super::scalars::DateTime;
use crate::store;
use crate::store::compiled::{self as sql, Build, ManyArgs};
use crate::store::page::counts_with_page;
use crate::store::relations::{InRegion, Listed, Located, Parents, ToMany};
use crate::store::{Feed, PageRequest, StoreError};

/// How queries read relations: one compiled statement per root field (PostgreSQL), or the
/// loader's batches per level. Both give the same answers; `Loader` exists to compare them
/// (the differential test) and as a way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReadPath {
    #[default]
    Compiled,
    Loader,
}

/// One relation field read with each row of `P`.
pub trait Branch<P: EntityTrait>: Send + Sync {
    /// Its JSON expression for the row of the derived table `outer`.
    fn expr(&self, b: &mut Build<'_>, outer: &Alias) -> Result<Expr, StoreError>;
    /// Hands what it read for `parent` (`value`, its entry of the row array) to the loader.
    fn answer(&self, parent: &P::Model, value: &Json, loader: &BatchLoader) -> Result<(), StoreError>;
}

/// Each field of an object type with the columns of its row it reads (its resolver, and
/// the loader's key of a relation); the key column is always read.
pub type Fields<E> = &'static [(&'static str, &'static [<E as EntityTrait>::Column])];

/// A table whose rows a compiled read can read with relations: which of its object type's
/// fields it compiles, and how.
pub trait Compiled: Listed<ActiveModel: TryIntoModel<<Self as EntityTrait>::Model>> {
    /// Every field of the object type and the columns it reads (a test holds the list to
    /// schema.graphql), so a compiled read reads only the columns some field of the request
    /// reads; `None`: every column.
    const FIELDS: Option<Fields<Self>> = None;

    /// The branch for `field` of the object type; `None`: read by its resolver through the
    /// loader.
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>>;
}

/// The columns and relations read with each row of `E`, in their order in the row array,
/// and the placeholders of the columns not read.
struct Rows<E: Compiled> {
    columns: Vec<E::Column>,
    unread: Vec<(E::Column, sea_orm::Value)>,
    branches: Vec<Box<dyn Branch<E>>>,
}

impl<E: Compiled> Rows<E> {
    /// The branches of the selected fields (fragments flattened: a field of another type
    /// in the same selection makes, at worst, a branch no resolver asks for), and the
    /// columns of [`columns`] with `extra`.
    fn of<'a>(fields: impl Iterator<Item = SelectionField<'a>>, data: &RequestData, extra: &[E::Column]) -> Self {
        let (columns, unread) = columns::<E>(data, extra);
        Rows { columns, unread, branches: fields.filter_map(|f| E::branch(&f, data)).collect() }
    }

    fn exprs(&self, b: &mut Build<'_>, t: &Alias) -> Result<Vec<Expr>, StoreError> {
        self.branches.iter().map(|br| br.expr(b, t)).collect()
    }

    /// The row's model, after handing its branches' answers to the loader.
    fn read(&self, array: &Json, loader: &BatchLoader) -> Result<E::Model, StoreError> {
        let model = sql::decode::<E>(&self.columns, &self.unread, sql::row(array))?;
        for (i, br) in self.branches.iter().enumerate() {
            br.answer(&model, sql::branch(array, i), loader)?;
        }
        Ok(model)
    }
}

/// Reads the root row of `E` with key `key` and the relations its selection (`ctx`'s field)
/// reads, in one statement, and hands the answers to the loader; the root resolver then
/// finds the row there. Does nothing where the read path is not compiled (see the module).
///
/// Errors: the database's, as the loader would report them.
pub async fn prefetch<E: Compiled>(ctx: &Context<'_>, key: E::Key) -> ApiResult<()> {
    let data = RequestData::of(ctx)?;
    if !compiles(data) {
        return Ok(());
    }
    let rows = Rows::<E>::of(ctx.field().selection_set(), data, &[]);
    if rows.branches.is_empty() {
        // A lookup by key alone: the loader's statement is the same.
        return Ok(());
    }
    let mut b = Build::new(&data.scope);
    let root = sql::one::<E>(&mut b, sql::key_value::<E>(key.clone()), &rows.columns, &mut |b, t| rows.exprs(b, t))
        .map_err(ApiError::from)?;
    let db = if b.per_run { &data.db } else { data.loader.keyed() };
    let json = Box::pin(sql::run(db, root)).await.map_err(ApiError::from)?;
    let model = if json.is_null() { None } else { Some(rows.read(&json, &data.loader).map_err(ApiError::from)?) };
    data.loader.prefetch([(ByKey::<E>(key), model)]);
    Ok(())
}

/// Whether the request's reads are compiled: on PostgreSQL, with the compiled read path, for a
/// caller who reads rows (see the module).
pub fn compiles(data: &RequestData) -> bool {
    data.read_path == ReadPath::Compiled
        && data.scope.returns_rows()
        && data.db.get_database_backend() == DbBackend::Postgres
}

/// The columns of `E` a compiled read reads, in the table's order, and the placeholders of
/// the others: its key, `extra`, those of the fields of [`Compiled::FIELDS`] whose names the
/// request's document selects anywhere (on any type, so every row of `E` read for one request
/// carries what any of its fields reads, whichever branch read it and whichever answer the
/// loader keeps), and those without a [`sql::placeholder`]. Every column when `E` declares no
/// fields or the document is not known.
fn columns<E: Compiled>(data: &RequestData, extra: &[E::Column]) -> (Vec<E::Column>, Vec<(E::Column, sea_orm::Value)>) {
    let all = <E::Column as sea_orm::Iterable>::iter();
    let (Some(fields), Some(names)) = (E::FIELDS, data.field_names.get()) else {
        return (all.collect(), Vec::new());
    };
    let mut wanted: Vec<&'static str> = vec![E::key_column().as_str()];
    wanted.extend(extra.iter().map(|c| c.as_str()));
    for (field, columns) in fields {
        if names.contains(*field) {
            wanted.extend(columns.iter().map(|c| c.as_str()));
        }
    }
    let (mut read, mut unread) = (Vec::new(), Vec::new());
    for c in all {
        match sql::placeholder::<E>(c) {
            Some(value) if !wanted.contains(&c.as_str()) => unread.push((c, value)),
            _ => read.push(c),
        }
    }
    (read, unread)
}

/// The name of every field the document selects, in any operation or fragment, on any type:
/// what [`columns`] reads for.
pub fn field_names(doc: &ExecutableDocument) -> HashSet<String> {
    fn walk(set: &SelectionSet, names: &mut HashSet<String>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    names.insert(f.node.name.node.to_string());
                    walk(&f.node.selection_set.node, names);
                }
                Selection::InlineFragment(f) => walk(&f.node.selection_set.node, names),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut names = HashSet::new();
    for (_, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, &mut names);
    }
    for f in doc.fragments.values() {
        walk(&f.node.selection_set.node, &mut names);
    }
    names
}

/// A to-one relation: the row of `E` whose key the parent holds in `column`.
struct One<P: EntityTrait, E: Compiled> {
    column: P::Column,
    key: fn(&P::Model) -> Option<E::Key>,
    rows: Rows<E>,
}

impl<P: EntityTrait, E: Compiled> Branch<P> for One<P, E> {
    fn expr(&self, b: &mut Build<'_>, outer: &Alias) -> Result<Expr, StoreError> {
        sql::one::<E>(b, sql::outer(outer, self.column), &self.rows.columns, &mut |b, t| self.rows.exprs(b, t))
    }

    fn answer(&self, parent: &P::Model, value: &Json, loader: &BatchLoader) -> Result<(), StoreError> {
        let Some(key) = (self.key)(parent) else { return Ok(()) };
        let model = if value.is_null() { None } else { Some(self.rows.read(value, loader)?) };
        loader.prefetch([(ByKey::<E>(key), model)]);
        Ok(())
    }
}

fn one<P: EntityTrait, E: Compiled>(
    field: &SelectionField<'_>,
    data: &RequestData,
    column: P::Column,
    key: fn(&P::Model) -> Option<E::Key>,
) -> Option<Box<dyn Branch<P>>> {
    Some(Box::new(One::<P, E> { column, key, rows: Rows::of(field.selection_set(), data, &[]) }))
}

/// What a to-many relation's children are restricted to: a column of the parent's row, or
/// an expression of it.
enum Parent<P: EntityTrait> {
    Column(P::Column),
    Expr(fn(&Alias) -> Expr),
}

/// A to-many relation `R` with the arguments of one field.
struct Many<P: EntityTrait, R: ToMany>
where
    R::Child: Compiled,
{
    /// The parent's key the children are restricted to.
    parent: Parent<P>,
    key: fn(&P::Model) -> R::Parent,
    filter: <R::Child as Listed>::Filter,
    order: <R::Child as Listed>::OrderBy,
    feed: Option<Feed>,
    page: PageRequest,
    /// `edges`, `nodes` or `pageInfo` selected.
    rows_wanted: bool,
    /// `totalCount` selected.
    with_total: bool,
    rows: Rows<R::Child>,
}

impl<P: EntityTrait, R: ToMany> Branch<P> for Many<P, R>
where
    R::Child: Compiled,
    R::Parent: Into<sea_orm::Value>,
{
    fn expr(&self, b: &mut Build<'_>, outer: &Alias) -> Result<Expr, StoreError> {
        let parent = match self.parent {
            Parent::Column(c) => sql::outer(outer, c),
            Parent::Expr(expr) => expr(outer),
        };
        let args = ManyArgs::<R> {
            filter: &self.filter,
            order: self.order,
            feed: self.feed.as_ref(),
            page: &self.page,
            rows: self.rows_wanted,
            count: self.with_total,
            columns: &self.rows.columns,
        };
        sql::many::<R>(b, Parents::Outer(parent), &args, &mut |b, t| self.rows.exprs(b, t))
    }

    fn answer(&self, parent: &P::Model, value: &Json, loader: &BatchLoader) -> Result<(), StoreError> {
        let parent = (self.key)(parent);
        let total = sql::total_of(value);
        let counted = counts_with_page(&self.page, self.with_total);
        if self.rows_wanted {
            let rows = sql::rows_of(value).iter().map(|r| self.rows.read(r, loader)).collect::<Result<Vec<_>, _>>()?;
            let page =
                sql::page_of::<R::Child>(rows, self.order, self.feed.as_ref(), &self.page, total.filter(|_| counted));
            let key = PageKey::<R> {
                parent: parent.clone(),
                filter: self.filter.clone(),
                order: self.order,
                feed: self.feed,
                page: self.page.clone(),
                with_total: self.with_total,
            };
            loader.prefetch([(key, Some(page))]);
        }
        if let Some(total) = total.filter(|_| !counted || !self.rows_wanted) {
            let key = CountKey::<R> { parent, filter: self.filter.clone(), feed: self.feed };
            loader.prefetch([(key, Some(total))]);
        }
        Ok(())
    }
}

/// The value of argument `name` among a field's `arguments` (variables resolved) as `T`
/// (`None` when absent and optional).
fn argument<T: InputType>(arguments: &[(async_graphql::Name, async_graphql::Value)], name: &str) -> Option<T> {
    let value = arguments.iter().find(|(n, _)| n.as_str() == name).map(|(_, v)| v.clone());
    T::parse(value).ok()
}

/// A to-many branch for `field`, whose arguments parse as the resolver parses them:
/// `filter` through `F` and `parse_filter`, `orderBy` through `O` and `parse_order`. `None`
/// when they do not parse (the resolver reports the error).
#[allow(clippy::too_many_arguments)]
fn many<P, R, F, O>(
    field: &SelectionField<'_>,
    data: &RequestData,
    parent: Parent<P>,
    key: fn(&P::Model) -> R::Parent,
    parse_filter: fn(Option<F>) -> ApiResult<<R::Child as Listed>::Filter>,
    parse_order: fn(Option<O>) -> <R::Child as Listed>::OrderBy,
) -> Option<Box<dyn Branch<P>>>
where
    P: EntityTrait,
    R: ToMany,
    R::Child: Compiled,
    R::Parent: Into<sea_orm::Value>,
    F: InputType,
    O: InputType,
{
    let arguments = field.arguments().ok()?;
    let args = PageArgs {
        first: argument(&arguments, "first")?,
        after: argument(&arguments, "after")?,
        last: argument(&arguments, "last")?,
        before: argument(&arguments, "before")?,
        updated_since: argument::<Option<DateTime>>(&arguments, "updatedSince")?,
        include_deleted: argument(&arguments, "includeDeleted")?,
    };
    let filter = parse_filter(argument::<Option<F>>(&arguments, "filter")?).ok()?;
    let order = parse_order(argument::<Option<O>>(&arguments, "orderBy")?);
    let page = args.request().ok()?;
    let feed = args.feed(data);
    let order_columns = sql::page_columns::<R::Child>(order, feed.as_ref(), &page)?;
    let selected = |name: &str| field.selection_set().any(|f| f.name() == name);
    let rows_wanted = selected("edges") || selected("nodes") || selected("pageInfo");
    let nodes = field.selection_set().flat_map(|f| match f.name() {
        "nodes" => f.selection_set().collect::<Vec<_>>(),
        "edges" => f
            .selection_set()
            .filter(|e| e.name() == "node")
            .flat_map(|n| n.selection_set().collect::<Vec<_>>())
            .collect(),
        _ => Vec::new(),
    });
    Some(Box::new(Many::<P, R> {
        parent,
        key,
        filter,
        order,
        feed,
        page,
        rows_wanted,
        with_total: selected("totalCount"),
        rows: Rows::of(nodes, data, &order_columns),
    }))
}

/// The relations of `Station` a compiled read reads; as its resolvers read them
/// (super::station).
impl Compiled for station::Entity {
    const FIELDS: Option<Fields<Self>> = {
        use station::Column as C;
        Some(&[
            ("id", &[]),
            ("name", &[C::Name]),
            ("level", &[C::Level]),
            ("status", &[C::Status]),
            ("inFullService", &[C::InFullService]),
            ("openedOn", &[C::OpenedOn]),
            ("investment", &[C::InvestmentFen]),
            ("address", &[C::Address]),
            ("latitude", &[C::Latitude]),
            ("longitude", &[C::Longitude]),
            ("externalReference", &[C::Source, C::ExternalId]),
            ("record", &[C::CreatedAt, C::UpdatedAt, C::Version, C::DeletedAt]),
            ("region", &[C::RegionCode]),
            ("parentStation", &[C::ParentStationId]),
            ("operator", &[C::OperatorId]),
            ("childStations", &[]),
            ("socialWorkers", &[]),
            ("volunteerTeams", &[]),
            ("projects", &[]),
            ("clients", &[]),
            ("personTimes", &[C::RegionCode]),
            ("serviceRecords", &[]),
            ("charityResources", &[]),
            ("trainings", &[]),
            ("deliberationMeetings", &[]),
        ])
    };

    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use super::{charity_resource as cr, client, deliberation as dm, project, service_record as sr, training};
        use station::{Column as C, Model as M};
        use store::{
            charity_resource, client as clients, deliberation, project as projects, service_record,
            training as trainings,
        };
        let id = || Parent::Column(C::Id);
        let key = |m: &M| m.id;
        match field.name() {
            "region" => one::<Self, region::Entity>(field, data, C::RegionCode, |m| Some(m.region_code.clone())),
            "parentStation" => one::<Self, Self>(field, data, C::ParentStationId, |m| m.parent_station_id),
            "operator" => one::<Self, entity::organization::Entity>(field, data, C::OperatorId, |m| m.operator_id),
            "childStations" => many::<Self, store::station::ChildStations, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::station::StationFilter::parse,
                Into::into,
            ),
            "socialWorkers" => many::<Self, store::social_worker::StationWorkers, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::social_worker::SocialWorkerFilter::parse_without_lookups,
                Into::into,
            ),
            "volunteerTeams" => many::<Self, store::volunteer_team::StationTeams, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::volunteer_team::VolunteerTeamFilter::parse,
                Into::into,
            ),
            "projects" => many::<Self, projects::StationProjects, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                project::ProjectFilter::parse,
                Into::into,
            ),
            "clients" => many::<Self, clients::StationClients, _, _>(
                field,
                data,
                id(),
                key,
                client::ClientFilter::parse,
                client::ClientOrder::sort,
            ),
            "serviceRecords" => many::<Self, service_record::StationRecords, _, _>(
                field,
                data,
                id(),
                key,
                sr::ServiceRecordFilter::parse,
                sr::ServiceRecordOrder::sort,
            ),
            "charityResources" => many::<Self, charity_resource::StationCharity, _, _>(
                field,
                data,
                id(),
                key,
                cr::CharityResourceFilter::parse,
                cr::CharityResourceOrder::sort,
            ),
            "trainings" => many::<Self, trainings::StationTrainings, _, _>(
                field,
                data,
                id(),
                key,
                training::TrainingFilter::parse,
                training::TrainingOrder::sort,
            ),
            "deliberationMeetings" => many::<Self, deliberation::StationDeliberations, _, _>(
                field,
                data,
                id(),
                key,
                dm::DeliberationMeetingFilter::parse,
                dm::DeliberationMeetingOrder::sort,
            ),
            _ => None,
        }
    }
}

/// The relations of `Region` a compiled read reads; as its resolvers read them
/// (super::region). A subtree's records are restricted to the region's significant prefix,
/// computed in SQL from the row's code ([`significant_prefix`]).
impl Compiled for region::Entity {
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use super::{
            award, charity_resource as cr, client, deliberation as dm, organization, project, service_record as sr,
            social_worker, station, training, volunteer, volunteer_team,
        };
        use region::Column as C;
        match field.name() {
            "parent" => one::<Self, Self>(field, data, C::ParentCode, |m| m.parent_code.clone()),
            "children" => many::<Self, store::region::ChildRegions, _, super::region::RegionOrder>(
                field,
                data,
                Parent::Column(C::Code),
                |m| m.code.clone(),
                super::region::RegionFilter::parse,
                Into::into,
            ),
            "stations" => subtree::<entity::station::Entity, _, RecordOrder>(
                field,
                data,
                station::StationFilter::parse,
                Into::into,
            ),
            "socialWorkers" => subtree::<entity::social_worker::Entity, _, RecordOrder>(
                field,
                data,
                social_worker::SocialWorkerFilter::parse_without_lookups,
                Into::into,
            ),
            "volunteers" => subtree::<entity::volunteer::Entity, _, RecordOrder>(
                field,
                data,
                volunteer::VolunteerFilter::parse_without_lookups,
                Into::into,
            ),
            "volunteerTeams" => subtree::<entity::volunteer_team::Entity, _, RecordOrder>(
                field,
                data,
                volunteer_team::VolunteerTeamFilter::parse,
                Into::into,
            ),
            "organizations" => subtree::<entity::organization::Entity, _, RecordOrder>(
                field,
                data,
                organization::OrganizationFilter::parse,
                Into::into,
            ),
            "projects" => subtree::<entity::project::Entity, _, RecordOrder>(
                field,
                data,
                project::ProjectFilter::parse,
                Into::into,
            ),
            "clients" => subtree::<entity::client::Entity, _, _>(
                field,
                data,
                client::ClientFilter::parse,
                client::ClientOrder::sort,
            ),
            "serviceRecords" => subtree::<entity::service_record::Entity, _, _>(
                field,
                data,
                sr::ServiceRecordFilter::parse,
                sr::ServiceRecordOrder::sort,
            ),
            "charityResources" => subtree::<entity::charity_resource::Entity, _, _>(
                field,
                data,
                cr::CharityResourceFilter::parse,
                cr::CharityResourceOrder::sort,
            ),
            "trainings" => subtree::<entity::training::Entity, _, _>(
                field,
                data,
                training::TrainingFilter::parse,
                training::TrainingOrder::sort,
            ),
            "deliberationMeetings" => subtree::<entity::deliberation_meeting::Entity, _, _>(
                field,
                data,
                dm::DeliberationMeetingFilter::parse,
                dm::DeliberationMeetingOrder::sort,
            ),
            "awards" => {
                subtree::<entity::award::Entity, _, _>(field, data, award::AwardFilter::parse, award::AwardOrder::sort)
            }
            _ => None,
        }
    }
}

/// A list of a region's subtree (`Region.stations`, …) for `field`: the records of `E`
/// restricted to the significant prefix of the region's code ([`significant_prefix`]), under
/// the loader's key of that prefix ([`super::region::prefix_of`]); arguments as [`many`].
fn subtree<E, F, O>(
    field: &SelectionField<'_>,
    data: &RequestData,
    parse_filter: fn(Option<F>) -> ApiResult<E::Filter>,
    parse_order: fn(Option<O>) -> E::OrderBy,
) -> Option<Box<dyn Branch<region::Entity>>>
where
    E: Located + Compiled + 'static,
    F: InputType,
    O: InputType,
{
    many::<region::Entity, InRegion<E>, F, O>(
        field,
        data,
        Parent::Expr(significant_prefix),
        super::region::prefix_of,
        parse_filter,
        parse_order,
    )
}

/// The significant prefix of the 12-digit code of the region row `outer` (every row's code is
/// canonical), in SQL: the code up to the first segment end (2, 4, 6, 9 digits) after which
/// it is all zeros, as [`crate::domain::division::DivisionCode::significant`] computes it.
fn significant_prefix(outer: &Alias) -> Expr {
    Expr::cust_with_exprs(
        "CASE WHEN substr($1, 3) = '0000000000' THEN substr($1, 1, 2) \
         WHEN substr($1, 5) = '00000000' THEN substr($1, 1, 4) \
         WHEN substr($1, 7) = '000000' THEN substr($1, 1, 6) \
         WHEN substr($1, 10) = '000' THEN substr($1, 1, 9) ELSE $1 END",
        [sql::outer(outer, region::Column::Code)],
    )
}

/// The relations of `SocialWorker` a compiled read reads; as its resolvers read them
/// (super::social_worker). `sameAs` is left to the loader (its resolver checks the role first).
impl Compiled for entity::social_worker::Entity {
    const FIELDS: Option<Fields<Self>> = {
        use entity::social_worker::Column as C;
        Some(&[
            ("id", &[]),
            ("name", &[C::Name]),
            ("gender", &[C::Gender]),
            ("phone", &[C::Phone]),
            ("idNumber", &[C::IdNumber]),
            ("identity", &[]),
            ("certificateLevel", &[C::CertificateLevel]),
            ("certified", &[C::CertificateLevel]),
            ("certificateNumber", &[C::CertificateNumber]),
            ("certificateYear", &[C::CertificateYear]),
            ("payPost", &[C::PayPost]),
            ("payGrade", &[C::PayGrade]),
            ("externalReference", &[C::Source, C::ExternalId]),
            ("record", &[C::CreatedAt, C::UpdatedAt, C::Version, C::DeletedAt]),
            ("region", &[C::RegionCode]),
            ("employer", &[C::EmployerId]),
            ("assignments", &[]),
            ("sameAs", &[]),
            ("projects", &[]),
            ("personTimes", &[C::RegionCode]),
            ("serviceRecords", &[]),
            ("awards", &[]),
        ])
    };

    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::social_worker::{Column as C, Model as M};
        let id = || Parent::Column(C::Id);
        let key = |m: &M| m.id;
        match field.name() {
            "region" => one::<Self, region::Entity>(field, data, C::RegionCode, |m| Some(m.region_code.clone())),
            "employer" => one::<Self, entity::organization::Entity>(field, data, C::EmployerId, |m| m.employer_id),
            "projects" => many::<
                Self,
                store::project::ParticipantProjects<store::project::SocialWorkerParty>,
                _,
                RecordOrder,
            >(field, data, id(), key, super::project::ProjectFilter::parse, Into::into),
            "serviceRecords" => many::<Self, store::service_record::WorkerRecords, _, _>(
                field,
                data,
                id(),
                key,
                super::service_record::ServiceRecordFilter::parse,
                super::service_record::ServiceRecordOrder::sort,
            ),
            "awards" => many::<Self, store::award::WorkerAwards, _, _>(
                field,
                data,
                id(),
                key,
                super::award::AwardFilter::parse,
                super::award::AwardOrder::sort,
            ),
            _ => None,
        }
    }
}

/// The relations of `VolunteerTeam` a compiled read reads; as its resolvers read them
/// (super::volunteer_team).
impl Compiled for entity::volunteer_team::Entity {
    const FIELDS: Option<Fields<Self>> = {
        use entity::volunteer_team::Column as C;
        Some(&[
            ("id", &[]),
            ("name", &[C::Name]),
            ("foundedOn", &[C::FoundedOn]),
            ("externalReference", &[C::Source, C::ExternalId]),
            ("record", &[C::CreatedAt, C::UpdatedAt, C::Version, C::DeletedAt]),
            ("region", &[C::RegionCode]),
            ("station", &[C::StationId]),
            ("organization", &[C::OrganizationId]),
            ("memberCount", &[]),
            ("serviceHours", &[C::RegionCode]),
            ("members", &[]),
            ("projects", &[]),
        ])
    };

    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::volunteer_team::{Column as C, Model as M};
        let id = || Parent::Column(C::Id);
        let key = |m: &M| m.id;
        match field.name() {
            "region" => one::<Self, region::Entity>(field, data, C::RegionCode, |m| Some(m.region_code.clone())),
            "station" => one::<Self, station::Entity>(field, data, C::StationId, |m| m.station_id),
            "organization" => {
                one::<Self, entity::organization::Entity>(field, data, C::OrganizationId, |m| m.organization_id)
            }
            "members" => many::<Self, store::volunteer::TeamMembers, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::volunteer::VolunteerFilter::parse_without_lookups,
                Into::into,
            ),
            "projects" => many::<
                Self,
                store::project::ParticipantProjects<store::project::VolunteerTeamParty>,
                _,
                RecordOrder,
            >(field, data, id(), key, super::project::ProjectFilter::parse, Into::into),
            _ => None,
        }
    }
}

/// The relations of `Project` a compiled read reads; as its resolvers read them
/// (super::project).
impl Compiled for entity::project::Entity {
    const FIELDS: Option<Fields<Self>> = {
        use entity::project::Column as C;
        Some(&[
            ("id", &[]),
            ("name", &[C::Name]),
            ("fundingMode", &[C::FundingMode]),
            ("status", &[C::Status]),
            ("budget", &[C::BudgetFen]),
            ("fundsRaised", &[C::FundsRaisedFen]),
            ("startsOn", &[C::StartsOn]),
            ("endsOn", &[C::EndsOn]),
            ("beneficiaries", &[C::Beneficiaries]),
            ("serviceDomain", &[C::ServiceDomain]),
            ("externalReference", &[C::Source, C::ExternalId]),
            ("record", &[C::CreatedAt, C::UpdatedAt, C::Version, C::DeletedAt]),
            ("region", &[C::RegionCode]),
            ("stations", &[]),
            ("communities", &[]),
            ("organizations", &[]),
            ("socialWorkers", &[]),
            ("volunteers", &[]),
            ("volunteerTeams", &[]),
            ("charityResources", &[]),
            ("serviceRecords", &[]),
        ])
    };

    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::project::{Column as C, Model as M};
        let id = || Parent::Column(C::Id);
        let key = |m: &M| m.id;
        match field.name() {
            "region" => one::<Self, region::Entity>(field, data, C::RegionCode, |m| Some(m.region_code.clone())),
            "stations" => many::<Self, store::station::ProjectStations, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::station::StationFilter::parse,
                Into::into,
            ),
            "communities" => many::<Self, store::project::ProjectCommunities, _, super::region::RegionOrder>(
                field,
                data,
                id(),
                key,
                super::region::RegionFilter::parse,
                Into::into,
            ),
            "organizations" => many::<Self, store::organization::ProjectOrganizations, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::organization::OrganizationFilter::parse,
                Into::into,
            ),
            "socialWorkers" => many::<Self, store::social_worker::ProjectWorkers, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::social_worker::SocialWorkerFilter::parse_without_lookups,
                Into::into,
            ),
            "volunteers" => many::<Self, store::volunteer::ProjectVolunteers, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::volunteer::VolunteerFilter::parse_without_lookups,
                Into::into,
            ),
            "volunteerTeams" => many::<Self, store::volunteer_team::ProjectTeams, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::volunteer_team::VolunteerTeamFilter::parse,
                Into::into,
            ),
            "charityResources" => many::<Self, store::charity_resource::ProjectCharity, _, _>(
                field,
                data,
                id(),
                key,
                super::charity_resource::CharityResourceFilter::parse,
                super::charity_resource::CharityResourceOrder::sort,
            ),
            "serviceRecords" => many::<Self, store::service_record::ProjectRecords, _, _>(
                field,
                data,
                id(),
                key,
                super::service_record::ServiceRecordFilter::parse,
                super::service_record::ServiceRecordOrder::sort,
            ),
            _ => None,
        }
    }
}

/// The relations of `Organization` a compiled read reads; as its resolvers read them
/// (super::organization).
impl Compiled for entity::organization::Entity {
    const FIELDS: Option<Fields<Self>> = {
        use entity::organization::Column as C;
        Some(&[
            ("id", &[]),
            ("name", &[C::Name]),
            ("kind", &[C::Kind]),
            ("creditCode", &[C::CreditCode]),
            ("contactName", &[C::ContactName]),
            ("contactPhone", &[C::ContactPhone]),
            ("externalReference", &[C::Source, C::ExternalId]),
            ("record", &[C::CreatedAt, C::UpdatedAt, C::Version, C::DeletedAt]),
            ("region", &[C::RegionCode]),
            ("operatedStations", &[]),
            ("socialWorkers", &[]),
            ("volunteerTeams", &[]),
            ("projects", &[]),
            ("awards", &[]),
        ])
    };

    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::organization::{Column as C, Model as M};
        let id = || Parent::Column(C::Id);
        let key = |m: &M| m.id;
        match field.name() {
            "region" => one::<Self, region::Entity>(field, data, C::RegionCode, |m| Some(m.region_code.clone())),
            "operatedStations" => many::<Self, store::station::OperatedStations, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::station::StationFilter::parse,
                Into::into,
            ),
            "socialWorkers" => many::<Self, store::social_worker::EmployedWorkers, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::social_worker::SocialWorkerFilter::parse_without_lookups,
                Into::into,
            ),
            "volunteerTeams" => many::<Self, store::volunteer_team::OrganizationTeams, _, RecordOrder>(
                field,
                data,
                id(),
                key,
                super::volunteer_team::VolunteerTeamFilter::parse,
                Into::into,
            ),
            "projects" => many::<
                Self,
                store::project::ParticipantProjects<store::project::OrganizationParty>,
                _,
                RecordOrder,
            >(field, data, id(), key, super::project::ProjectFilter::parse, Into::into),
            "awards" => many::<Self, store::award::OrganizationAwards, _, _>(
                field,
                data,
                id(),
                key,
                super::award::AwardFilter::parse,
                super::award::AwardOrder::sort,
            ),
            _ => None,
        }
    }
}

/// Tables read through a compiled read's relations whose own relations are left to the
/// loader.
macro_rules! leaves {
    ($($t:path),+) => {$(
        impl Compiled for $t {
            fn branch(_: &SelectionField<'_>, _: &RequestData) -> Option<Box<dyn Branch<Self>>> {
                None
            }
        }
    )+};
}
leaves!(
    entity::volunteer::Entity,
    entity::client::Entity,
    entity::service_record::Entity,
    entity::charity_resource::Entity,
    entity::training::Entity,
    entity::deliberation_meeting::Entity,
    entity::award::Entity
);

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    use super::*;

    /// The fields of `type_name` in schema.graphql.
    fn schema_fields(type_name: &str) -> BTreeSet<String> {
        let doc = async_graphql::parser::parse_schema(include_str!("../../schema.graphql")).expect("schema.graphql");
        doc.definitions
            .iter()
            .find_map(|d| match d {
                TypeSystemDefinition::Type(t) if t.node.name.node == type_name => match &t.node.kind {
                    TypeKind::Object(o) => Some(o.fields.iter().map(|f| f.node.name.node.to_string()).collect()),
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_else(|| panic!("no type {type_name} in schema.graphql"))
    }

    fn declared<E: Compiled>() -> BTreeSet<String> {
        E::FIELDS.expect("declared").iter().map(|(f, _)| (*f).to_owned()).collect()
    }

    /// A field missing from a declaration would read a placeholder in place of its column:
    /// every field of each declared type is declared, and nothing else.
    #[test]
    fn declarations_name_every_field_of_their_type() {
        assert_eq!(declared::<station::Entity>(), schema_fields("Station"));
        assert_eq!(declared::<entity::social_worker::Entity>(), schema_fields("SocialWorker"));
        assert_eq!(declared::<entity::volunteer_team::Entity>(), schema_fields("VolunteerTeam"));
        assert_eq!(declared::<entity::project::Entity>(), schema_fields("Project"));
        assert_eq!(declared::<entity::organization::Entity>(), schema_fields("Organization"));
    }

    /// Columns of an enumeration type have no placeholder and are always read; others hold
    /// `NULL` or their type's zero value when not read.
    #[test]
    fn placeholders_fit_their_columns() {
        use station::Column as C;
        assert!(sql::placeholder::<station::Entity>(C::Level).is_none());
        assert_eq!(sql::placeholder::<station::Entity>(C::Name), Some(sea_orm::Value::String(Some(String::new()))));
        assert_eq!(sql::placeholder::<station::Entity>(C::Address), Some(sea_orm::Value::String(None)));
        assert!(sql::placeholder::<station::Entity>(C::CreatedAt).is_some());
    }

    #[test]
    fn field_names_cover_operations_and_fragments() {
        let doc = async_graphql::parser::parse_query(
            "query A { station(id: 1) { name ...F ... on Station { address } } } fragment F on Station { level }",
        )
        .unwrap();
        let names = field_names(&doc);
        for n in ["station", "name", "address", "level"] {
            assert!(names.contains(n), "{n}");
        }
        assert_eq!(names.len(), 4);
    }
}
