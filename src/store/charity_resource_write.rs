//! Writing one charity resource (慈善资源): `createCharityResource`, `updateCharityResource`
//! (delete is the generic [`mutate::delete`]). Values are parsed by
//! [`CharityResourceInput::parse`]; the value is stored as integer fen.
//!
//! A resource received by a station is bound to it: STATION_STAFF writes its own station's
//! resources, located in the station's area (see `mutate::placed`). The station is a row the
//! caller may read.

use entity::charity_resource;
use sea_orm::{ActiveEnum, DatabaseConnection, DbErr};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::write::{Field, enum_field, field};
use crate::domain::Yuan;
use crate::domain::records::{CharityResourceInput, CharityResourceRecord};

impl Writable for charity_resource::Entity {
    fn fields(m: &charity_resource::Model) -> Vec<Field> {
        vec![
            field("description", Some(&m.description)),
            enum_field("kind", &m.kind),
            field("donorName", m.donor_name.as_ref()),
            field("value", Some(Yuan::from_fen(m.value_fen))),
            field("matchingLevel", m.matching_level.map(|l| l.to_value())),
            field("communityFund", Some(m.is_community_fund)),
            field("regionCode", Some(&m.region_code)),
            field("station", m.station_id),
            field("receivedOn", Some(m.received_on)),
        ]
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &charity_resource::Model) -> CharityResourceInput {
    CharityResourceInput {
        description: m.description.clone(),
        kind: Some(m.kind),
        donor_name: m.donor_name.clone(),
        value: Some(Yuan::from_fen(m.value_fen)),
        matching_level: m.matching_level,
        is_community_fund: Some(m.is_community_fund),
        region_code: m.region_code.clone(),
        received_on: Some(m.received_on),
    }
}

fn row(
    r: &CharityResourceRecord,
    station_id: Option<Uuid>,
    old: Option<&charity_resource::Model>,
    editor: &Editor,
) -> charity_resource::Model {
    charity_resource::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        description: r.description.clone(),
        kind: r.kind,
        donor_name: r.donor_name.clone(),
        value_fen: r.value.fen(),
        matching_level: r.matching_level,
        is_community_fund: r.is_community_fund,
        region_code: r.region_code.as_str().to_owned(),
        station_id,
        received_on: r.received_on,
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// Creates a charity resource. Errors (client): the parse's, `UNKNOWN_REFERENCE`,
/// `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: CharityResourceInput,
    station_id: Option<Uuid>,
) -> Result<Outcome<charity_resource::Model>, DbErr> {
    mutate::create::<charity_resource::Entity, _>(db, editor, async |txn| {
        let station = mutate::station_relation(txn, editor, Some(station_id), None).await?;
        Ok(mutate::with(input.parse(editor.today()), station).map(|(r, s)| row(&r, s, None, editor)))
    })
    .await
}

/// Updates charity resource `id` at version `expected`; `change` lays the given fields over
/// the stored ones, `station_id` as [`mutate::station_relation`].
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    station_id: Option<Option<Uuid>>,
    change: impl Fn(&mut CharityResourceInput),
) -> Result<Outcome<charity_resource::Model>, DbErr> {
    mutate::update::<charity_resource::Entity, _>(
        db,
        editor,
        id,
        expected,
        async |txn, old: &charity_resource::Model| {
            let station = mutate::station_relation(txn, editor, station_id, old.station_id).await?;
            let mut input = input_of(old);
            change(&mut input);
            Ok(mutate::with(input.parse(editor.today()), station)
                .map(|(r, s)| Planned::row(row(&r, s, Some(old), editor))))
        },
    )
    .await
}
