//! Writing one volunteer team: `createVolunteerTeam`, `updateVolunteerTeam`, and its
//! memberships (`addVolunteerTeamMember`, `removeVolunteerTeamMember`), which are changes of
//! the team (its version is checked and bumped). Values are parsed by
//! [`VolunteerTeamInput::parse_owned`], the rule the roster sync uses.

use chrono::NaiveDate;
use entity::{organization, station, volunteer, volunteer_team, volunteer_team_membership};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable, problem};
use super::sync::{Roster, VolunteerTeams};
use super::write::{Change, Field, field};
use crate::domain::roster::{EARLIEST_RECORD_DATE, Problems, VolunteerTeamInput, VolunteerTeamRecord, date_in_range};

impl Writable for volunteer_team::Entity {
    fn fields(m: &volunteer_team::Model) -> Vec<Field> {
        let mut f = VolunteerTeams::fields(m);
        f.push(field("station", m.station_id));
        f.push(field("organization", m.organization_id));
        f
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &volunteer_team::Model) -> VolunteerTeamInput {
    VolunteerTeamInput {
        external_id: String::new(),
        name: m.name.clone(),
        region_code: m.region_code.clone(),
        founded_on: m.founded_on,
    }
}

/// Where a team belongs: its station and its organisation (`None` in an update: unchanged;
/// `Some(None)`: cleared).
#[derive(Debug, Clone, Copy, Default)]
pub struct TeamLinks {
    pub station_id: Option<Option<Uuid>>,
    pub organization_id: Option<Option<Uuid>>,
}

fn row(
    record: &VolunteerTeamRecord,
    (station_id, organization_id): (Option<Uuid>, Option<Uuid>),
    old: Option<&volunteer_team::Model>,
    editor: &Editor,
) -> volunteer_team::Model {
    let mut m = VolunteerTeams::build(record, &(), "", old, editor.now);
    m.source = old.and_then(|o| o.source.clone());
    m.external_id = old.and_then(|o| o.external_id.clone());
    m.station_id = station_id;
    m.organization_id = organization_id;
    m
}

/// The team's station and organisation after `links` over `old`, each a row the caller may
/// read.
async fn resolve<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    links: TeamLinks,
    old: Option<&volunteer_team::Model>,
) -> Result<Outcome<(Option<Uuid>, Option<Uuid>)>, DbErr> {
    let mut p = Problems::default();
    let (scope, stored) = (&editor.scope, |f: fn(&volunteer_team::Model) -> Option<Uuid>| old.and_then(f));
    let given = links.station_id;
    let station = mutate::relation::<station::Entity, _>(db, scope, "stationId", given, stored(|o| o.station_id));
    let station = p.take(station.await?);
    let given = links.organization_id;
    let org =
        mutate::relation::<organization::Entity, _>(db, scope, "organizationId", given, stored(|o| o.organization_id));
    let org = p.take(org.await?);
    Ok(p.finish(station.zip(org)))
}

/// Creates a team civlink owns. Errors (client): the parse's, `UNKNOWN_REFERENCE`,
/// `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: VolunteerTeamInput,
    links: TeamLinks,
) -> Result<Outcome<volunteer_team::Model>, DbErr> {
    mutate::create::<volunteer_team::Entity, _>(db, editor, async |txn| {
        let links = resolve(txn, editor, links, None).await?;
        Ok(mutate::with(input.parse_owned(editor.today()), links).map(|(r, l)| row(&r, l, None, editor)))
    })
    .await
}

/// Updates team `id` at version `expected`; `change` lays the given fields over the stored
/// ones.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    links: TeamLinks,
    change: impl Fn(&mut VolunteerTeamInput),
) -> Result<Outcome<volunteer_team::Model>, DbErr> {
    mutate::update::<volunteer_team::Entity, _>(db, editor, id, expected, async |txn, old: &volunteer_team::Model| {
        let links = resolve(txn, editor, links, Some(old)).await?;
        let mut input = input_of(old);
        change(&mut input);
        Ok(mutate::with(input.parse_owned(editor.today()), links)
            .map(|(r, l)| Planned::row(row(&r, l, Some(old), editor))))
    })
    .await
}

/// The volunteer's current membership of `team`.
async fn membership<C: ConnectionTrait>(
    db: &C,
    team: Uuid,
    volunteer: Uuid,
) -> Result<Option<volunteer_team_membership::Model>, DbErr> {
    use volunteer_team_membership::Column as M;
    volunteer_team_membership::Entity::find()
        .filter(M::VolunteerTeamId.eq(team))
        .filter(M::VolunteerId.eq(volunteer))
        .filter(M::LeftOn.is_null())
        .filter(M::DeletedAt.is_null())
        .one(db)
        .await
}

/// Adds volunteer `volunteer_id` (one the caller may read) to team `id` (at version
/// `expected`) from `joined_on` (default today; 2000-01-01 to today). Errors (client): as
/// [`mutate::update`], `UNKNOWN_REFERENCE`, `OUT_OF_RANGE`, `ALREADY_MEMBER`.
pub async fn add_member(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    volunteer_id: Uuid,
    joined_on: Option<NaiveDate>,
) -> Result<Outcome<volunteer_team::Model>, DbErr> {
    mutate::relink::<volunteer_team::Entity, _>(db, editor, id, expected, async |txn, team: &volunteer_team::Model| {
        let today = editor.today();
        let found = mutate::reference::<volunteer::Entity, _>(txn, &editor.scope, "volunteerId", Some(volunteer_id));
        if let Err(e) = found.await? {
            return Ok(Err(vec![e]));
        }
        let joined_on = match date_in_range("joinedOn", joined_on.unwrap_or(today), EARLIEST_RECORD_DATE, today) {
            Ok(d) => d,
            Err(e) => return Ok(Err(vec![e])),
        };
        if membership(txn, team.id, volunteer_id).await?.is_some() {
            return Ok(Err(problem("volunteerId", "ALREADY_MEMBER", "volunteerId: already a member of this team")));
        }
        let m = volunteer_team_membership::Model {
            id: Uuid::now_v7(),
            volunteer_team_id: team.id,
            volunteer_id,
            joined_on,
            left_on: None,
            created_at: editor.now,
            updated_at: editor.now,
            version: 1,
            deleted_at: None,
        };
        volunteer_team_membership::Entity::insert(m.into_active_model()).exec_without_returning(txn).await?;
        Ok(Ok(vec![Change { field: "members", old: None, new: Some(format!("{volunteer_id} from {joined_on}")) }]))
    })
    .await
}

/// Ends volunteer `volunteer_id`'s membership of team `id` on `left_on` (default today; from
/// the day they joined to today). Errors (client): as [`mutate::update`], `NOT_FOUND` (not a
/// current member), `OUT_OF_RANGE`.
pub async fn remove_member(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    volunteer_id: Uuid,
    left_on: Option<NaiveDate>,
) -> Result<Outcome<volunteer_team::Model>, DbErr> {
    mutate::relink::<volunteer_team::Entity, _>(db, editor, id, expected, async |txn, team: &volunteer_team::Model| {
        let today = editor.today();
        let Some(m) = membership(txn, team.id, volunteer_id).await? else {
            return Ok(Err(problem("volunteerId", "NOT_FOUND", "volunteerId: not a current member of this team")));
        };
        let left_on = match date_in_range("leftOn", left_on.unwrap_or(today), m.joined_on, today) {
            Ok(d) => d,
            Err(e) => return Ok(Err(vec![e])),
        };
        use volunteer_team_membership::Column as M;
        volunteer_team_membership::Entity::update_many()
            .col_expr(M::LeftOn, Expr::value(left_on))
            .col_expr(M::UpdatedAt, Expr::value(editor.now))
            .col_expr(M::Version, Expr::col(M::Version).add(1))
            .filter(M::Id.eq(m.id))
            .exec(txn)
            .await?;
        let old = format!("{volunteer_id} from {}", m.joined_on);
        Ok(Ok(vec![Change { field: "members", old: Some(old.clone()), new: Some(format!("{old} to {left_on}")) }]))
    })
    .await
}
