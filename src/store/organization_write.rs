//! Writing one organisation: `createOrganization`, `updateOrganization` (delete is the
//! generic [`mutate::delete`]). Values are parsed by [`OrganizationInput::parse_owned`], the
//! rule the roster sync uses, and rows are built by the sync's [`Organizations::build`].

use entity::organization;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::sync::{Organizations, Roster};
use super::write::Field;
use crate::domain::roster::{OrganizationInput, OrganizationRecord, Strictness};

impl Writable for organization::Entity {
    fn fields(m: &organization::Model) -> Vec<Field> {
        Organizations::fields(m)
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &organization::Model) -> OrganizationInput {
    OrganizationInput {
        external_id: String::new(),
        name: m.name.clone(),
        kind: Some(m.kind),
        credit_code: m.credit_code.clone(),
        region_code: m.region_code.clone(),
        contact_name: m.contact_name.clone(),
        contact_phone: m.contact_phone.clone(),
    }
}

fn row(record: &OrganizationRecord, old: Option<&organization::Model>, editor: &Editor) -> organization::Model {
    let mut m = Organizations::build(record, &(), "", old, editor.now);
    m.source = old.and_then(|o| o.source.clone());
    m.external_id = old.and_then(|o| o.external_id.clone());
    m
}

/// Creates an organisation civlink owns. A GB 32100 credit code with a wrong check character
/// is refused (only imports from other systems are lenient). Errors (client): the parse's,
/// `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: OrganizationInput,
) -> Result<Outcome<organization::Model>, DbErr> {
    mutate::create::<organization::Entity, _>(db, editor, async |_| {
        Ok(input.parse_owned(Strictness::Reject).map(|(r, _)| row(&r, None, editor)))
    })
    .await
}

/// Updates organisation `id` at version `expected`; `change` lays the given fields over the
/// stored ones. A credit code given is checked strictly; a stored one that an import let in
/// with a wrong check character (a warning then) does not block changes to other fields.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    change: impl Fn(&mut OrganizationInput),
) -> Result<Outcome<organization::Model>, DbErr> {
    mutate::update::<organization::Entity, _>(db, editor, id, expected, async |_, old: &organization::Model| {
        let mut input = input_of(old);
        change(&mut input);
        let strictness = if input.credit_code == old.credit_code { Strictness::Warn } else { Strictness::Reject };
        Ok(input.parse_owned(strictness).map(|(r, _)| Planned::row(row(&r, Some(old), editor))))
    })
    .await
}
