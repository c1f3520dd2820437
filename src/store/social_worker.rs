//! Social workers: filters, orderings, relations whose children are workers, and assignments.

use std::collections::HashMap;

use entity::project_participant::{self as pp, Party};
use entity::social_worker::{self, CertificateLevel};
use entity::station_assignment as sa;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::relations::{Keyed, Listed, Located, Parents, ToMany, by_column, through};
use super::{RecordOrderField, Sort, StoreError, one_of, text, within};
use crate::domain::DivisionCode;

crate::declare!(social_worker, "SocialWorker", scope = social_workers, sourced, named);

/// Filter of social-worker lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SocialWorkerFilter {
    pub region: Option<DivisionCode>,
    pub certificate_levels: Vec<CertificateLevel>,
    pub name_contains: Option<String>,
    /// Exact lookup: the person key of a citizen ID number ([`super::person`]).
    pub person_key: Option<String>,
    /// Exact lookup: `(source, external id)`.
    pub external: Option<(String, String)>,
}

impl Listed for social_worker::Entity {
    type Filter = SocialWorkerFilter;
    type OrderBy = Sort<RecordOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((social_worker::Column::RegionCode, f.region.take()))
    }
    fn filter(backend: DbBackend, select: Select<Self>, f: &SocialWorkerFilter) -> Select<Self> {
        let mut s = select
            .filter(within(social_worker::Column::RegionCode, &f.region))
            .filter(one_of(social_worker::Column::CertificateLevel, &f.certificate_levels));
        if let Some(q) = &f.name_contains {
            s = s.filter(text::contains(backend, social_worker::Column::Name, q));
        }
        if let Some(key) = &f.person_key {
            s = s.filter(social_worker::Column::PersonKey.eq(key.as_str()));
        }
        if let Some((source, ext)) = &f.external {
            s = s
                .filter(social_worker::Column::Source.eq(source.as_str()))
                .filter(social_worker::Column::ExternalId.eq(ext.as_str()));
        }
        s
    }
    fn ordering(order: Self::OrderBy) -> super::page::Ordering<Self> {
        super::declare::record_ordering(order)
    }
    fn identifying(f: &SocialWorkerFilter) -> bool {
        f.name_contains.is_some() || f.person_key.is_some() || f.external.is_some()
    }
}

impl Located for social_worker::Entity {
    fn region_column() -> social_worker::Column {
        social_worker::Column::RegionCode
    }
}

/// The other social-worker records of the same person (`SocialWorker.sameAs`), as
/// [`super::volunteer::SameAs`].
pub struct SameAs;

/// The alias of the parent row in [`SameAs`]'s self-join.
const SAME_AS_PARENT: &str = "same_as_parent";

impl ToMany for SameAs {
    type Child = social_worker::Entity;
    type Parent = Uuid;
    fn restrict(
        mut select: Select<social_worker::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<social_worker::Entity>, Expr) {
        use sea_orm::sea_query::{Alias, ExprTrait};
        let parent = Alias::new(SAME_AS_PARENT);
        let on = Expr::col((parent.clone(), social_worker::Column::PersonKey))
            .equals((social_worker::Entity, social_worker::Column::PersonKey))
            .and(
                Expr::col((parent.clone(), social_worker::Column::Id))
                    .ne(Expr::col((social_worker::Entity, social_worker::Column::Id))),
            )
            .and(parents.contain(Expr::col((parent.clone(), social_worker::Column::Id))));
        QueryTrait::query(&mut select).join_as(sea_orm::JoinType::InnerJoin, social_worker::Entity, parent.clone(), on);
        (select, Expr::col((parent, social_worker::Column::Id)))
    }
}

/// Workers currently assigned to a station (assignment not ended).
pub struct StationWorkers;

impl ToMany for StationWorkers {
    type Child = social_worker::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<social_worker::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<social_worker::Entity>, Expr) {
        let (select, parent) = through(
            select,
            sa::Entity,
            sa::Column::SocialWorkerId,
            sa::Column::StationId,
            sa::Column::DeletedAt,
            None,
            parents,
        );
        (select.filter(sa::Column::EndedOn.is_null()), parent)
    }
}

/// Workers employed by an organisation.
pub struct EmployedWorkers;

impl ToMany for EmployedWorkers {
    type Child = social_worker::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<social_worker::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<social_worker::Entity>, Expr) {
        by_column(select, social_worker::Column::EmployerId, parents)
    }
}

/// Workers taking part in a project (五社联动 party SOCIAL_WORKER).
pub struct ProjectWorkers;

impl ToMany for ProjectWorkers {
    type Child = social_worker::Entity;
    type Parent = Uuid;
    fn restrict(
        select: Select<social_worker::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<social_worker::Entity>, Expr) {
        let kind = Some((pp::Column::Party, Party::SocialWorker.into()));
        through(
            select,
            pp::Entity,
            pp::Column::SocialWorkerId,
            pp::Column::ProjectId,
            pp::Column::DeletedAt,
            kind,
            parents,
        )
    }
}

/// Station assignments (current and past) of each worker, newest first. Only assignments to
/// stations the scope can see are returned.
pub async fn assignments_by_worker<C: ConnectionTrait>(
    db: &C,
    scope: &super::Scope,
    workers: &[Uuid],
) -> Result<HashMap<Uuid, Vec<sa::Model>>, StoreError> {
    use entity::station;
    let visible_stations = <station::Entity as Keyed>::visible(scope);
    let station_ids = visible_stations.select_only().column(station::Column::Id).into_query();
    let rows = sa::Entity::find()
        .filter(sa::Column::DeletedAt.is_null())
        .filter(sa::Column::SocialWorkerId.is_in(workers.iter().copied()))
        .filter(sa::Column::StationId.in_subquery(station_ids))
        .order_by_desc(sa::Column::StartedOn)
        .order_by_asc(sa::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<sa::Model>> = HashMap::new();
    for r in rows {
        out.entry(r.social_worker_id).or_default().push(r);
    }
    Ok(out)
}
