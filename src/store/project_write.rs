//! Writing one project: `createProject`, `updateProject`, its stations and its five-society
//! participants (changes of the project: its version is checked and bumped). Delete is the
//! generic [`mutate::delete`].

use entity::project_participant::{self, Party};
use entity::{
    charity_resource, organization, project, project_station, social_worker, station, volunteer, volunteer_team,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::Scope;
use super::mutate::{self, Editor, LinkColumns, Outcome, Planned, Writable, problem};
use super::write::{Change, Field, enum_field, field};
use crate::domain::records::{ProjectInput, ProjectRecord};
use crate::domain::roster::FieldError;
use crate::domain::{DivisionCode, Yuan};

impl Writable for project::Entity {
    fn fields(m: &project::Model) -> Vec<Field> {
        vec![
            field("name", Some(&m.name)),
            enum_field("fundingMode", &m.funding_mode),
            enum_field("status", &m.status),
            field("budget", Some(Yuan::from_fen(m.budget_fen))),
            field("fundsRaised", Some(Yuan::from_fen(m.funds_raised_fen))),
            field("startsOn", Some(m.starts_on)),
            field("endsOn", m.ends_on),
            field("regionCode", Some(&m.region_code)),
            field("beneficiaries", m.beneficiaries),
            field("serviceDomain", m.service_domain.map(|d| d.to_value())),
        ]
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &project::Model) -> ProjectInput {
    ProjectInput {
        name: m.name.clone(),
        funding_mode: Some(m.funding_mode),
        status: Some(m.status),
        budget: Some(Yuan::from_fen(m.budget_fen)),
        funds_raised: Some(Yuan::from_fen(m.funds_raised_fen)),
        starts_on: Some(m.starts_on),
        ends_on: m.ends_on,
        region_code: m.region_code.clone(),
        beneficiaries: m.beneficiaries,
        service_domain: m.service_domain,
    }
}

fn row(r: &ProjectRecord, old: Option<&project::Model>, editor: &Editor) -> project::Model {
    project::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        name: r.name.clone(),
        funding_mode: r.funding_mode,
        status: r.status,
        budget_fen: r.budget.fen(),
        funds_raised_fen: r.funds_raised.fen(),
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        region_code: r.region_code.as_str().to_owned(),
        beneficiaries: r.beneficiaries,
        service_domain: r.service_domain,
        source: old.and_then(|o| o.source.clone()),
        external_id: old.and_then(|o| o.external_id.clone()),
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// Creates a project. Errors (client): the parse's, `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: ProjectInput,
) -> Result<Outcome<project::Model>, DbErr> {
    mutate::create::<project::Entity, _>(db, editor, async |_| {
        Ok(input.parse(editor.today()).map(|r| row(&r, None, editor)))
    })
    .await
}

/// Updates project `id` at version `expected`; `change` lays the given fields over the
/// stored ones.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    change: impl Fn(&mut ProjectInput),
) -> Result<Outcome<project::Model>, DbErr> {
    mutate::update::<project::Entity, _>(db, editor, id, expected, async |_, old: &project::Model| {
        let mut input = input_of(old);
        change(&mut input);
        Ok(input.parse(editor.today()).map(|r| Planned::row(row(&r, Some(old), editor))))
    })
    .await
}

/// A five-society participant (五社联动) of a project: its party and who stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Participant {
    /// A community: a division of the code list.
    Community(DivisionCode),
    Organization(Uuid),
    SocialWorker(Uuid),
    Volunteer(Uuid),
    VolunteerTeam(Uuid),
    CharityResource(Uuid),
}

impl Participant {
    fn party(&self) -> Party {
        match self {
            Participant::Community(_) => Party::Community,
            Participant::Organization(_) => Party::Organization,
            Participant::SocialWorker(_) => Party::SocialWorker,
            Participant::Volunteer(_) => Party::Volunteer,
            Participant::VolunteerTeam(_) => Party::VolunteerTeam,
            Participant::CharityResource(_) => Party::CharityResource,
        }
    }

    /// The participant as the audit log shows it: party and key (`ORGANIZATION 0190…`).
    fn shown(&self) -> String {
        let key = match self {
            Participant::Community(code) => code.as_str().to_owned(),
            Participant::Organization(id)
            | Participant::SocialWorker(id)
            | Participant::Volunteer(id)
            | Participant::VolunteerTeam(id)
            | Participant::CharityResource(id) => id.to_string(),
        };
        format!("{} {key}", self.party().to_value())
    }

    /// The participant rows of `project` standing for this participant.
    fn rows_of(&self, project: Uuid) -> Condition {
        use project_participant::Column as P;
        let who = match self {
            Participant::Community(code) => P::RegionCode.eq(code.as_str()),
            Participant::Organization(id) => P::OrganizationId.eq(*id),
            Participant::SocialWorker(id) => P::SocialWorkerId.eq(*id),
            Participant::Volunteer(id) => P::VolunteerId.eq(*id),
            Participant::VolunteerTeam(id) => P::VolunteerTeamId.eq(*id),
            Participant::CharityResource(id) => P::CharityResourceId.eq(*id),
        };
        Condition::all().add(P::ProjectId.eq(project)).add(P::Party.eq(self.party())).add(who)
    }

    /// A new participant row of `project`, its one column set as the party says.
    fn row(&self, project: Uuid, editor: &Editor) -> project_participant::Model {
        let (region, member) = match self {
            Participant::Community(code) => (Some(code.as_str().to_owned()), None),
            Participant::Organization(id)
            | Participant::SocialWorker(id)
            | Participant::Volunteer(id)
            | Participant::VolunteerTeam(id)
            | Participant::CharityResource(id) => (None, Some(*id)),
        };
        project_participant::Model::new(Uuid::now_v7(), project, self.party(), region, member, editor.now)
    }

    /// Whether the participant exists and the caller may read it. Errors (client) on
    /// `participantId`: `UNKNOWN_DIVISION` (community), `UNKNOWN_REFERENCE`.
    async fn check<C: ConnectionTrait>(&self, db: &C, scope: &Scope) -> Result<Result<(), FieldError>, DbErr> {
        const F: &str = "participantId";
        let found = match self {
            Participant::Community(code) => {
                if mutate::division_exists(db, code.as_str()).await? {
                    return Ok(Ok(()));
                }
                let msg = format!("{F}: no division {} in the code list", code.as_str());
                return Ok(Err(FieldError::new(F, "UNKNOWN_DIVISION", msg)));
            }
            Participant::Organization(id) => {
                mutate::reference::<organization::Entity, _>(db, scope, F, Some(*id)).await?.map(drop)
            }
            Participant::SocialWorker(id) => {
                mutate::reference::<social_worker::Entity, _>(db, scope, F, Some(*id)).await?.map(drop)
            }
            Participant::Volunteer(id) => {
                mutate::reference::<volunteer::Entity, _>(db, scope, F, Some(*id)).await?.map(drop)
            }
            Participant::VolunteerTeam(id) => {
                mutate::reference::<volunteer_team::Entity, _>(db, scope, F, Some(*id)).await?.map(drop)
            }
            Participant::CharityResource(id) => {
                mutate::reference::<charity_resource::Entity, _>(db, scope, F, Some(*id)).await?.map(drop)
            }
        };
        Ok(found)
    }
}

/// Adds (`add`) or removes a link row of `E` of a project: `found` is the stored row (its id
/// and whether it is live), `new` the row to insert when there is none. A removed link comes
/// back on its row (`project_stations` has a unique key). Errors (client) on `field`:
/// `ALREADY_LINKED` (adding a live link), `NOT_LINKED` (removing an absent or removed one).
async fn apply_link<E, C>(
    db: &C,
    editor: &Editor,
    found: Option<(Uuid, bool)>,
    add: bool,
    field: &str,
    cols: LinkColumns<E::Column>,
    new: E::ActiveModel,
) -> Result<Outcome<()>, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let (id, deleted_at) = match (found, add) {
        (Some((_, true)), true) => {
            return Ok(Err(problem(field, "ALREADY_LINKED", format!("{field}: the project has this link already"))));
        }
        (Some((id, false)), true) => (id, None),
        (Some((id, true)), false) => (id, Some(editor.now)),
        (None, true) => {
            E::insert(new).exec_without_returning(db).await?;
            return Ok(Ok(()));
        }
        (_, false) => return Ok(Err(problem(field, "NOT_LINKED", format!("{field}: the project has no such link")))),
    };
    mutate::set_link_deleted::<E, _>(db, cols, id, deleted_at, editor.now).await?;
    Ok(Ok(()))
}

/// The audit change of link `shown` added (`add`) or removed, named `field`.
fn link_change(field: &'static str, shown: String, add: bool) -> Change {
    let (old, new) = if add { (None, Some(shown)) } else { (Some(shown), None) };
    Change { field, old, new }
}

/// Adds (`add`) or removes participant `who` of project `id` at version `expected`.
/// Errors (client): as [`mutate::update`], `UNKNOWN_DIVISION` / `UNKNOWN_REFERENCE`
/// (adding), `ALREADY_LINKED`, `NOT_LINKED`.
pub async fn set_participant(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    who: Participant,
    add: bool,
) -> Result<Outcome<project::Model>, DbErr> {
    use project_participant::Column as P;
    mutate::relink::<project::Entity, _>(db, editor, id, expected, async |txn, p: &project::Model| {
        if add && let Err(e) = who.check(txn, &editor.scope).await? {
            return Ok(Err(vec![e]));
        }
        // Several rows may stand for one participant (no unique key): a live one first.
        let found = project_participant::Entity::find()
            .filter(who.rows_of(p.id))
            .order_by_asc(P::DeletedAt.is_not_null())
            .one(txn)
            .await?
            .map(|r| (r.id, r.deleted_at.is_none()));
        let cols = LinkColumns { id: P::Id, deleted_at: P::DeletedAt, updated_at: P::UpdatedAt, version: P::Version };
        let new = who.row(p.id, editor).into_active_model();
        let out = apply_link::<project_participant::Entity, _>(txn, editor, found, add, "participantId", cols, new);
        if let Err(e) = out.await? {
            return Ok(Err(e));
        }
        Ok(Ok(vec![link_change("participants", who.shown(), add)]))
    })
    .await
}

/// Adds (`add`) or removes station `station_id` of project `id` at version `expected`.
/// Errors (client): as [`mutate::update`], `UNKNOWN_REFERENCE` (adding a station the caller
/// may not read), `ALREADY_LINKED`, `NOT_LINKED`.
pub async fn set_station(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    station_id: Uuid,
    add: bool,
) -> Result<Outcome<project::Model>, DbErr> {
    use project_station::Column as S;
    mutate::relink::<project::Entity, _>(db, editor, id, expected, async |txn, p: &project::Model| {
        if add
            && let Err(e) =
                mutate::reference::<station::Entity, _>(txn, &editor.scope, "stationId", Some(station_id)).await?
        {
            return Ok(Err(vec![e]));
        }
        let found = project_station::Entity::find()
            .filter(S::ProjectId.eq(p.id))
            .filter(S::StationId.eq(station_id))
            .one(txn)
            .await?
            .map(|r| (r.id, r.deleted_at.is_none()));
        let cols = LinkColumns { id: S::Id, deleted_at: S::DeletedAt, updated_at: S::UpdatedAt, version: S::Version };
        let new = project_station::Model {
            id: Uuid::now_v7(),
            project_id: p.id,
            station_id,
            created_at: editor.now,
            updated_at: editor.now,
            version: 1,
            deleted_at: None,
        };
        let out = apply_link::<project_station::Entity, _>(
            txn,
            editor,
            found,
            add,
            "stationId",
            cols,
            new.into_active_model(),
        );
        if let Err(e) = out.await? {
            return Ok(Err(e));
        }
        Ok(Ok(vec![link_change("stations", station_id.to_string(), add)]))
    })
    .await
}
