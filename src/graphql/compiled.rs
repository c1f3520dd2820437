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
//! [`Station`](super::station::Station), [`Region`](super::region::Region) (its parent and
//! children), `SocialWorker`, `VolunteerTeam`, `Project` and `Organization`, at any depth
//! below those roots. SQLite keeps the loader: a statement there is no round trip, and its
//! plans are made per statement anyway.

use async_graphql::{Context, InputType, SelectionField};
use entity::{region, station};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{DbBackend, EntityTrait, TryIntoModel};
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
use crate::store::relations::{Listed, Parents, ToMany};
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
    /// Hands what it read for `parent` (`value`, its entry of the row object) to the loader.
    fn answer(&self, parent: &P::Model, value: &Json, loader: &BatchLoader) -> Result<(), StoreError>;
}

/// A table whose rows a compiled read can read with relations: which of its object type's
/// fields it compiles, and how.
pub trait Compiled: Listed<ActiveModel: TryIntoModel<<Self as EntityTrait>::Model>> {
    /// The branch for `field` of the object type; `None`: read by its resolver through the
    /// loader.
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>>;
}

/// The relations read with each row of `E`, in their order in the row object.
struct Rows<E: Compiled> {
    branches: Vec<Box<dyn Branch<E>>>,
}

impl<E: Compiled> Rows<E> {
    /// The branches of the selected fields (fragments flattened: a field of another type
    /// in the same selection makes, at worst, a branch no resolver asks for).
    fn of<'a>(fields: impl Iterator<Item = SelectionField<'a>>, data: &RequestData) -> Self {
        Rows { branches: fields.filter_map(|f| E::branch(&f, data)).collect() }
    }

    fn exprs(&self, b: &mut Build<'_>, t: &Alias) -> Result<Vec<Expr>, StoreError> {
        self.branches.iter().map(|br| br.expr(b, t)).collect()
    }

    /// The row's model, after handing its branches' answers to the loader.
    fn read(&self, object: &Json, loader: &BatchLoader) -> Result<E::Model, StoreError> {
        let model = sql::decode::<E>(&object["row"])?;
        for (i, br) in self.branches.iter().enumerate() {
            br.answer(&model, sql::branch(object, i), loader)?;
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
    if data.read_path != ReadPath::Compiled
        || !data.scope.returns_rows()
        || data.db.get_database_backend() != DbBackend::Postgres
    {
        return Ok(());
    }
    let rows = Rows::<E>::of(ctx.field().selection_set(), data);
    if rows.branches.is_empty() {
        // A lookup by key alone: the loader's statement is the same.
        return Ok(());
    }
    let mut b = Build::new(&data.scope);
    let root = sql::one::<E>(&mut b, sql::key_value::<E>(key.clone()), &mut |b, t| rows.exprs(b, t))
        .map_err(ApiError::from)?;
    let db = if b.per_run { &data.db } else { data.loader.keyed() };
    let json = Box::pin(sql::run(db, root)).await.map_err(ApiError::from)?;
    let model = if json.is_null() { None } else { Some(rows.read(&json, &data.loader).map_err(ApiError::from)?) };
    data.loader.prefetch([(ByKey::<E>(key), model)]);
    Ok(())
}

/// A to-one relation: the row of `E` whose key the parent holds in `column`.
struct One<P: EntityTrait, E: Compiled> {
    column: P::Column,
    key: fn(&P::Model) -> Option<E::Key>,
    rows: Rows<E>,
}

impl<P: EntityTrait, E: Compiled> Branch<P> for One<P, E> {
    fn expr(&self, b: &mut Build<'_>, outer: &Alias) -> Result<Expr, StoreError> {
        sql::one::<E>(b, sql::outer(outer, self.column), &mut |b, t| self.rows.exprs(b, t))
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
    Some(Box::new(One::<P, E> { column, key, rows: Rows::of(field.selection_set(), data) }))
}

/// A to-many relation `R` with the arguments of one field.
struct Many<P: EntityTrait, R: ToMany>
where
    R::Child: Compiled,
{
    /// The parent's column the children are restricted to.
    parent: P::Column,
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
        let parent = sql::outer(outer, self.parent);
        let args = ManyArgs::<R> {
            filter: &self.filter,
            order: self.order,
            feed: self.feed.as_ref(),
            page: &self.page,
            rows: self.rows_wanted,
            count: self.with_total,
        };
        sql::many::<R>(b, Parents::Outer(parent), &args, &mut |b, t| self.rows.exprs(b, t))
    }

    fn answer(&self, parent: &P::Model, value: &Json, loader: &BatchLoader) -> Result<(), StoreError> {
        let parent = (self.key)(parent);
        let total = value["total"].as_u64();
        let counted = counts_with_page(&self.page, self.with_total);
        if self.rows_wanted {
            let rows = value["rows"].as_array().map(Vec::as_slice).unwrap_or_default();
            let rows = rows.iter().map(|r| self.rows.read(r, loader)).collect::<Result<Vec<_>, _>>()?;
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

/// The value of argument `name` of `field` as `T` (`None` when absent and optional).
fn argument<T: InputType>(field: &SelectionField<'_>, name: &str) -> Option<T> {
    let args = field.arguments().ok()?;
    let value = args.into_iter().find(|(n, _)| n.as_str() == name).map(|(_, v)| v);
    T::parse(value).ok()
}

/// A to-many branch for `field`, whose arguments parse as the resolver parses them:
/// `filter` through `F` and `parse_filter`, `orderBy` through `O` and `parse_order`. `None`
/// when they do not parse (the resolver reports the error).
#[allow(clippy::too_many_arguments)]
fn many<P, R, F, O>(
    field: &SelectionField<'_>,
    data: &RequestData,
    parent: P::Column,
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
    let args = PageArgs {
        first: argument(field, "first")?,
        after: argument(field, "after")?,
        last: argument(field, "last")?,
        before: argument(field, "before")?,
        updated_since: argument::<Option<DateTime>>(field, "updatedSince")?,
        include_deleted: argument(field, "includeDeleted")?,
    };
    let filter = parse_filter(argument::<Option<F>>(field, "filter")?).ok()?;
    let order = parse_order(argument::<Option<O>>(field, "orderBy")?);
    let page = args.request().ok()?;
    let feed = args.feed(data);
    if !sql::cursors_fit::<R::Child>(order, feed.as_ref(), &page) {
        return None;
    }
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
        rows: Rows::of(nodes, data),
    }))
}

/// The relations of `Station` a compiled read reads; as its resolvers read them
/// (super::station).
impl Compiled for station::Entity {
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use super::{charity_resource as cr, client, deliberation as dm, project, service_record as sr, training};
        use station::{Column as C, Model as M};
        use store::{
            charity_resource, client as clients, deliberation, project as projects, service_record,
            training as trainings,
        };
        let id = || C::Id;
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
/// (super::region). Its lists of a subtree's records (`stations`, …) are left to the loader:
/// read under a region for each of its rows, as correlated subqueries, operation 1 of the
/// load harness (a county's 50 stations with three lists each) ran slower than the loader's
/// batches (BENCHMARKS.md, "Compiled read path").
impl Compiled for region::Entity {
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use region::Column as C;
        match field.name() {
            "parent" => one::<Self, Self>(field, data, C::ParentCode, |m| m.parent_code.clone()),
            "children" => many::<Self, store::region::ChildRegions, _, super::region::RegionOrder>(
                field,
                data,
                C::Code,
                |m| m.code.clone(),
                super::region::RegionFilter::parse,
                Into::into,
            ),
            _ => None,
        }
    }
}

/// The relations of `SocialWorker` a compiled read reads; as its resolvers read them
/// (super::social_worker). `sameAs` is left to the loader (its resolver checks the role first).
impl Compiled for entity::social_worker::Entity {
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::social_worker::{Column as C, Model as M};
        let id = || C::Id;
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
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::volunteer_team::{Column as C, Model as M};
        let id = || C::Id;
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
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::project::{Column as C, Model as M};
        let id = || C::Id;
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
    fn branch(field: &SelectionField<'_>, data: &RequestData) -> Option<Box<dyn Branch<Self>>> {
        use entity::organization::{Column as C, Model as M};
        let id = || C::Id;
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
