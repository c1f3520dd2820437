//! Awards (荣誉): lists (filters, orderings, relations) and writes (`createAward`,
//! `updateAward`; delete is the generic [`mutate::delete`]). Values are parsed by
//! [`AwardInput::parse`]. Awards are given by civil affairs, so they are not bound to a
//! station: STATION_STAFF does not write them.

use entity::{award, organization, social_worker, volunteer};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, DbErr, QueryFilter, Select};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::page::Ordering;
use super::relations::{Listed, Located, Parents, ToMany, by_column};
use super::write::{Field, enum_field, field};
use super::{KeyValue, Sort, one_of, within};
use crate::domain::DivisionCode;
use crate::domain::activities::{AwardInput, AwardRecord};
use entity::award::AwardLevel;

crate::declare!(award, "Award", scope = awards, sourced);

/// Filter of award lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AwardFilter {
    pub region: Option<DivisionCode>,
    pub levels: Vec<AwardLevel>,
    /// Exact title (after NFKC normalisation), e.g. 最美社区工作者.
    pub title: Option<String>,
    /// Years from (inclusive) …
    pub year_from: Option<i32>,
    /// … to (inclusive).
    pub year_to: Option<i32>,
}

/// Sort fields of award lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AwardOrderField {
    #[default]
    Id,
    Year,
    CreatedAt,
    UpdatedAt,
}

impl Listed for award::Entity {
    type Filter = AwardFilter;
    type OrderBy = Sort<AwardOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((award::Column::RegionCode, f.region.take()))
    }
    fn filter(_backend: DbBackend, select: Select<Self>, f: &AwardFilter) -> Select<Self> {
        let mut select =
            select.filter(within(award::Column::RegionCode, &f.region)).filter(one_of(award::Column::Level, &f.levels));
        if let Some(t) = &f.title {
            select = select.filter(award::Column::Title.eq(t.as_str()));
        }
        if let Some(y) = f.year_from {
            select = select.filter(award::Column::Year.gte(y));
        }
        if let Some(y) = f.year_to {
            select = select.filter(award::Column::Year.lte(y));
        }
        select
    }
    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        use award::Column as C;
        let (name, columns, key): (&'static str, Vec<C>, fn(&award::Model) -> Vec<KeyValue>) = match order.field {
            AwardOrderField::Id => ("id", vec![C::Id], |r| vec![KeyValue::Id(r.id)]),
            AwardOrderField::Year => {
                ("year", vec![C::Year, C::Id], |r| vec![KeyValue::Int(i64::from(r.year)), KeyValue::Id(r.id)])
            }
            AwardOrderField::CreatedAt => {
                ("createdAt", vec![C::CreatedAt, C::Id], |r| vec![KeyValue::Time(r.created_at), KeyValue::Id(r.id)])
            }
            AwardOrderField::UpdatedAt => {
                ("updatedAt", vec![C::UpdatedAt, C::Id], |r| vec![KeyValue::Time(r.updated_at), KeyValue::Id(r.id)])
            }
        };
        Ordering { name, columns, direction: order.direction, key }
    }
}

impl Located for award::Entity {
    fn region_column() -> award::Column {
        award::Column::RegionCode
    }
}

/// Awards of a social worker.
pub struct WorkerAwards;

impl ToMany for WorkerAwards {
    type Child = award::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<award::Entity>, parents: Parents<'_, Uuid>) -> (Select<award::Entity>, Expr) {
        by_column(select, award::Column::SocialWorkerId, parents)
    }
}

/// Awards of a volunteer.
pub struct VolunteerAwards;

impl ToMany for VolunteerAwards {
    type Child = award::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<award::Entity>, parents: Parents<'_, Uuid>) -> (Select<award::Entity>, Expr) {
        by_column(select, award::Column::VolunteerId, parents)
    }
}

/// Awards of an organisation.
pub struct OrganizationAwards;

impl ToMany for OrganizationAwards {
    type Child = award::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<award::Entity>, parents: Parents<'_, Uuid>) -> (Select<award::Entity>, Expr) {
        by_column(select, award::Column::OrganizationId, parents)
    }
}

impl Writable for award::Entity {
    fn fields(m: &award::Model) -> Vec<Field> {
        vec![
            field("title", Some(&m.title)),
            enum_field("level", &m.level),
            field("year", Some(m.year)),
            field("regionCode", Some(&m.region_code)),
            field("socialWorker", m.social_worker_id),
            field("volunteer", m.volunteer_id),
            field("organization", m.organization_id),
        ]
    }
}

/// Who an award is given to, each a reference the caller may read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Awardee {
    pub social_worker: Option<Uuid>,
    pub volunteer: Option<Uuid>,
    pub organization: Option<Uuid>,
}

impl Awardee {
    fn count(&self) -> usize {
        [self.social_worker, self.volunteer, self.organization].iter().filter(|a| a.is_some()).count()
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &award::Model) -> AwardInput {
    AwardInput {
        title: m.title.clone(),
        level: Some(m.level),
        year: Some(m.year),
        region_code: m.region_code.clone(),
        awardees: 1,
    }
}

fn row(r: &AwardRecord, a: Awardee, old: Option<&award::Model>, editor: &Editor) -> award::Model {
    award::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        title: r.title.clone(),
        level: r.level,
        year: r.year,
        region_code: r.region_code.as_str().to_owned(),
        social_worker_id: a.social_worker,
        volunteer_id: a.volunteer,
        organization_id: a.organization,
        source: old.and_then(|o| o.source.clone()),
        external_id: old.and_then(|o| o.external_id.clone()),
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// The awardee after `given` over `stored` (each as [`mutate::relation`]). Errors (client):
/// `UNKNOWN_REFERENCE`.
async fn awardee<C: sea_orm::ConnectionTrait>(
    db: &C,
    editor: &Editor,
    given: [Option<Option<Uuid>>; 3],
    stored: Awardee,
) -> Result<Outcome<Awardee>, DbErr> {
    let [w, v, o] = given;
    let s = &editor.scope;
    let w = mutate::relation::<social_worker::Entity, _>(db, s, "socialWorkerId", w, stored.social_worker).await?;
    let v = mutate::relation::<volunteer::Entity, _>(db, s, "volunteerId", v, stored.volunteer).await?;
    let o = mutate::relation::<organization::Entity, _>(db, s, "organizationId", o, stored.organization).await?;
    let problems: Vec<_> = [&w, &v, &o].iter().filter_map(|r| r.as_ref().err().cloned()).collect();
    Ok(match (w, v, o) {
        (Ok(social_worker), Ok(volunteer), Ok(organization)) => Ok(Awardee { social_worker, volunteer, organization }),
        _ => Err(problems),
    })
}

/// `row` when its awardee's division and its own lie on one branch of the division tree (one
/// within the other: a county's award to a worker of one of its communities, a community's
/// award to a worker registered with the county), so that an award counts only where its
/// awardee belongs. Errors (client): `INCONSISTENT` on the awardee's field.
async fn on_awardee_branch<C: sea_orm::ConnectionTrait>(
    db: &C,
    row: award::Model,
) -> Result<Outcome<award::Model>, DbErr> {
    use sea_orm::{EntityTrait, QuerySelect};
    let found = if let Some(id) = row.social_worker_id {
        let q = social_worker::Entity::find_by_id(id).select_only().column(social_worker::Column::RegionCode);
        q.into_tuple::<String>().one(db).await?.map(|r| ("socialWorkerId", r))
    } else if let Some(id) = row.volunteer_id {
        let q = volunteer::Entity::find_by_id(id).select_only().column(volunteer::Column::RegionCode);
        q.into_tuple::<String>().one(db).await?.map(|r| ("volunteerId", r))
    } else if let Some(id) = row.organization_id {
        let q = organization::Entity::find_by_id(id).select_only().column(organization::Column::RegionCode);
        q.into_tuple::<String>().one(db).await?.map(|r| ("organizationId", r))
    } else {
        None
    };
    let Some((field, theirs)) = found else { return Ok(Ok(row)) };
    let prefix = |code: &str| DivisionCode::parse(code).map(|c| c.significant().to_owned()).unwrap_or_default();
    let (ours, their_prefix) = (prefix(&row.region_code), prefix(&theirs));
    if theirs.starts_with(&ours) || row.region_code.starts_with(&their_prefix) {
        return Ok(Ok(row));
    }
    let msg = format!("{field}: registered in division {theirs}, outside the award's division {}", row.region_code);
    Ok(Err(vec![crate::domain::roster::FieldError::new(field, "INCONSISTENT", msg)]))
}

/// Creates an award. Errors (client): the parse's, `UNKNOWN_REFERENCE`, `UNKNOWN_DIVISION`,
/// `OUT_OF_SCOPE`, `INCONSISTENT` (an awardee outside the award's branch of the division
/// tree).
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    mut input: AwardInput,
    given: Awardee,
) -> Result<Outcome<award::Model>, DbErr> {
    input.awardees = given.count();
    mutate::create::<award::Entity, _>(db, editor, async |txn| {
        let who = awardee(
            txn,
            editor,
            [Some(given.social_worker), Some(given.volunteer), Some(given.organization)],
            Awardee::default(),
        )
        .await?;
        match mutate::with(input.parse(editor.today()), who) {
            Ok((r, a)) => on_awardee_branch(txn, row(&r, a, None, editor)).await,
            Err(e) => Ok(Err(e)),
        }
    })
    .await
}

/// Updates award `id` at version `expected`; `change` lays the given fields over the stored
/// ones; the awardee references as [`mutate::relation`] (the result must name exactly one).
/// Errors (client): as [`create`], and `NOT_FOUND`, `VERSION_CONFLICT`.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    given: [Option<Option<Uuid>>; 3],
    change: impl Fn(&mut AwardInput),
) -> Result<Outcome<award::Model>, DbErr> {
    mutate::update::<award::Entity, _>(db, editor, id, expected, async |txn, old: &award::Model| {
        let stored = Awardee {
            social_worker: old.social_worker_id,
            volunteer: old.volunteer_id,
            organization: old.organization_id,
        };
        let who = awardee(txn, editor, given, stored).await?;
        let mut input = input_of(old);
        change(&mut input);
        if let Ok(a) = &who {
            input.awardees = a.count();
        }
        match mutate::with(input.parse(editor.today()), who) {
            Ok((r, a)) => Ok(on_awardee_branch(txn, row(&r, a, Some(old), editor)).await?.map(Planned::row)),
            Err(e) => Ok(Err(e)),
        }
    })
    .await
}
