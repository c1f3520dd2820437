//! Volunteers: filters, orderings and relations whose children are volunteers.

use std::collections::HashMap;

use entity::project_participant::{self as pp, Party};
use entity::volunteer;
use entity::volunteer_ledger_entry as ledger;
use entity::volunteer_team_membership as membership;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};
use uuid::Uuid;

use super::relations::{Listed, Located, Parents, ToMany, through};
use super::{RecordOrderField, Sort, StoreError, text, within};
use crate::domain::DivisionCode;

crate::declare!(volunteer, "Volunteer", scope = volunteers, sourced, named);

/// Filter of volunteer lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VolunteerFilter {
    pub region: Option<DivisionCode>,
    pub name_contains: Option<String>,
    /// Exact lookup: the person key of a citizen ID number ([`super::person`]).
    pub person_key: Option<String>,
    /// Exact lookup: `(source, external id)`.
    pub external: Option<(String, String)>,
}

impl Listed for volunteer::Entity {
    type Filter = VolunteerFilter;
    type OrderBy = Sort<RecordOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((volunteer::Column::RegionCode, f.region.take()))
    }
    fn filter(backend: DbBackend, select: Select<Self>, f: &VolunteerFilter) -> Select<Self> {
        let mut s = select.filter(within(volunteer::Column::RegionCode, &f.region));
        if let Some(q) = &f.name_contains {
            s = s.filter(text::contains(backend, volunteer::Column::Name, q));
        }
        if let Some(key) = &f.person_key {
            s = s.filter(volunteer::Column::PersonKey.eq(key.as_str()));
        }
        if let Some((source, ext)) = &f.external {
            s = s
                .filter(volunteer::Column::Source.eq(source.as_str()))
                .filter(volunteer::Column::ExternalId.eq(ext.as_str()));
        }
        s
    }
    fn ordering(order: Self::OrderBy) -> super::page::Ordering<Self> {
        super::declare::record_ordering(order)
    }
    fn identifying(f: &VolunteerFilter) -> bool {
        f.name_contains.is_some() || f.person_key.is_some() || f.external.is_some()
    }
}

impl Located for volunteer::Entity {
    fn region_column() -> volunteer::Column {
        volunteer::Column::RegionCode
    }
}

/// Current members of a volunteer team (membership not ended).
pub struct TeamMembers;

impl ToMany for TeamMembers {
    type Child = volunteer::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<volunteer::Entity>, parents: Parents<'_, Uuid>) -> (Select<volunteer::Entity>, Expr) {
        let (select, parent) = through(
            select,
            membership::Entity,
            membership::Column::VolunteerId,
            membership::Column::VolunteerTeamId,
            membership::Column::DeletedAt,
            None,
            parents,
        );
        (select.filter(membership::Column::LeftOn.is_null()), parent)
    }
}

/// The other volunteer records of the same person (`Volunteer.sameAs`): live or not as the
/// list asks, with the parent's person key, other than the parent. A record without a person
/// key has none.
pub struct SameAs;

/// The alias of the parent row in [`SameAs`]'s self-join.
const SAME_AS_PARENT: &str = "same_as_parent";

impl ToMany for SameAs {
    type Child = volunteer::Entity;
    type Parent = Uuid;
    fn restrict(
        mut select: Select<volunteer::Entity>,
        parents: Parents<'_, Uuid>,
    ) -> (Select<volunteer::Entity>, Expr) {
        use sea_orm::sea_query::{Alias, ExprTrait};
        let parent = Alias::new(SAME_AS_PARENT);
        let on = Expr::col((parent.clone(), volunteer::Column::PersonKey))
            .equals((volunteer::Entity, volunteer::Column::PersonKey))
            .and(
                Expr::col((parent.clone(), volunteer::Column::Id))
                    .ne(Expr::col((volunteer::Entity, volunteer::Column::Id))),
            )
            .and(parents.contain(Expr::col((parent.clone(), volunteer::Column::Id))));
        QueryTrait::query(&mut select).join_as(sea_orm::JoinType::InnerJoin, volunteer::Entity, parent.clone(), on);
        (select, Expr::col((parent, volunteer::Column::Id)))
    }
}

/// Volunteers taking part in a project individually (五社联动 party VOLUNTEER).
pub struct ProjectVolunteers;

impl ToMany for ProjectVolunteers {
    type Child = volunteer::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<volunteer::Entity>, parents: Parents<'_, Uuid>) -> (Select<volunteer::Entity>, Expr) {
        let kind = Some((pp::Column::Party, Party::Volunteer.into()));
        through(
            select,
            pp::Entity,
            pp::Column::VolunteerId,
            pp::Column::ProjectId,
            pp::Column::DeletedAt,
            kind,
            parents,
        )
    }
}

/// Ledger totals of each volunteer ([`LedgerTotals`]), summed over all live entries.
pub async fn ledger_totals<C: ConnectionTrait>(
    db: &C,
    volunteers: &[Uuid],
) -> Result<HashMap<Uuid, LedgerTotals>, StoreError> {
    let stmt = ledger::Entity::find()
        .select_only()
        .column(ledger::Column::VolunteerId)
        .expr_as(Expr::cust("COALESCE(SUM(service_minutes), 0)"), "minutes")
        .expr_as(Expr::cust("COALESCE(SUM(points), 0)"), "points")
        // Bigint on both databases: PostgreSQL sums bigints into numeric.
        .expr_as(Expr::cust("CAST(COALESCE(SUM(record_key), 0) AS BIGINT)"), "key_sum")
        .filter(ledger::Column::DeletedAt.is_null())
        .filter(ledger::Column::VolunteerId.is_in(volunteers.iter().copied()))
        .group_by(ledger::Column::VolunteerId)
        .into_query();
    let mut out = HashMap::new();
    for row in db.query_all(&stmt).await? {
        let id: Uuid = row.try_get("", "volunteer_id")?;
        let totals = LedgerTotals {
            minutes: row.try_get("", "minutes")?,
            points: row.try_get("", "points")?,
            key: row.try_get("", "key_sum")?,
        };
        out.insert(id, totals);
    }
    Ok(out)
}

/// One volunteer's ledger: service minutes, points balance, and the sum of its entries' record
/// keys (the cell key that perturbs the two for callers who may not read the entries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerTotals {
    pub minutes: i64,
    pub points: i64,
    pub key: i64,
}
