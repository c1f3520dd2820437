//! Writing one volunteer: `createVolunteer`, `updateVolunteer` (delete is the generic
//! [`mutate::delete`]). Values are parsed by [`VolunteerInput::parse_owned`], the rule the
//! roster sync uses, and rows are built by the sync's [`Volunteers::build`].

use entity::volunteer;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::sync::{Roster, Volunteers};
use super::write::Field;
use crate::domain::roster::{VolunteerInput, VolunteerRecord, lay_over_citizen_id};
use entity::volunteer::IdDocumentType;

impl Writable for volunteer::Entity {
    fn fields(m: &volunteer::Model) -> Vec<Field> {
        Volunteers::fields(m)
    }
    fn person(m: &mut volunteer::Model, keys: &crate::domain::person::PersonKeys) -> Option<super::person::PersonSlot> {
        super::person::volunteer_slot(m, keys)
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &volunteer::Model) -> VolunteerInput {
    VolunteerInput {
        external_id: String::new(),
        name: m.name.clone(),
        gender: Some(m.gender),
        id_document_type: Some(m.id_document_type),
        id_number: m.id_number.clone(),
        phone: m.phone.clone(),
        volunteer_number: m.volunteer_number.clone(),
        skills: m.skills.iter().flat_map(|s| s.split(';')).map(str::to_owned).collect(),
        region_code: m.region_code.clone(),
        team_external_ids: None,
    }
}

/// The row of `record`, keeping the stored row's id, creation time and external reference.
fn row(record: &VolunteerRecord, old: Option<&volunteer::Model>, editor: &Editor) -> volunteer::Model {
    let mut m = Volunteers::build(record, &Vec::new(), "", old, editor.now);
    m.source = old.and_then(|o| o.source.clone());
    m.external_id = old.and_then(|o| o.external_id.clone());
    m
}

/// Creates a volunteer civlink owns (no external reference). Errors (client): the parse's,
/// `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: VolunteerInput,
) -> Result<Outcome<volunteer::Model>, DbErr> {
    mutate::create::<volunteer::Entity, _>(db, editor, async |_| {
        Ok(input.parse_owned(editor.today()).map(|r| row(&r, None, editor)))
    })
    .await
}

/// Updates volunteer `id` at version `expected`: `change` lays the given fields over the
/// stored ones, and the whole record is parsed again. Errors (client): as
/// [`mutate::update`], and the parse's.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    change: impl Fn(&mut VolunteerInput),
) -> Result<Outcome<volunteer::Model>, DbErr> {
    mutate::update::<volunteer::Entity, _>(db, editor, id, expected, async |_, old: &volunteer::Model| {
        let mut input = input_of(old);
        change(&mut input);
        let citizen = |doc: Option<IdDocumentType>, id: Option<&str>| {
            doc.unwrap_or(IdDocumentType::ResidentId) == IdDocumentType::ResidentId
                && id.is_some_and(|v| !v.trim().is_empty())
        };
        let new_id = citizen(input.id_document_type, input.id_number.as_deref());
        let stored_id = citizen(Some(old.id_document_type), old.id_number.as_deref());
        let sent = |f: &str| editor.sends(f);
        let parsed = lay_over_citizen_id(&sent, new_id, stored_id, None, &mut input.gender)
            .and_then(|()| input.parse_owned(editor.today()));
        Ok(parsed.map(|r| Planned::row(row(&r, Some(old), editor))))
    })
    .await
}
