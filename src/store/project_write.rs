//! Writing one project: `createProject`, `updateProject`, its stations and its five-society
//! participants (changes of the project: its version is checked and bumped). Delete is the
//! generic [`mutate::delete`].

use entity::project;
use sea_orm::{Condition, DatabaseConnection, DbErr};
use uuid::Uuid;

use super::Scope;
use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::write::{Field, enum_field, field};
use crate::domain::Yuan;
use crate::domain::records::{ProjectInput, ProjectRecord};

impl Writable for project::Entity {
    type Entity = project::Entity;
    type Model = project::Model;
    const TYPE: &'static str = "Project";
    crate::writable_columns!(project);

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
        ]
    }
    fn readable(scope: &Scope) -> Condition {
        scope.projects()
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &project::Model) -> ProjectInput {
    ProjectInput {
        name: m.name.clone(),
        funding_mode: Some(m.funding_mode),
        status: Some(m.status),
        budget: Some(Yuan::from_fen(m.budget_fen).to_string()),
        funds_raised: Some(Yuan::from_fen(m.funds_raised_fen).to_string()),
        starts_on: Some(m.starts_on),
        ends_on: m.ends_on,
        region_code: m.region_code.clone(),
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
    change: impl FnOnce(&mut ProjectInput),
) -> Result<Outcome<project::Model>, DbErr> {
    mutate::update::<project::Entity, _>(db, editor, id, expected, async |_, old: &project::Model| {
        let mut input = input_of(old);
        change(&mut input);
        Ok(input.parse(editor.today()).map(|r| Planned::row(row(&r, Some(old), editor))))
    })
    .await
}
