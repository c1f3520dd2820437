//! Writing one station: `createStation`, `updateStation` (delete is the generic
//! [`mutate::delete`]). Values are parsed by [`StationInput::parse`].

use entity::{organization, station};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::write::{Field, enum_field, field};
use crate::domain::Yuan;
use crate::domain::records::{StationInput, StationRecord};
use crate::domain::roster::{FieldError, Problems};

impl Writable for station::Entity {
    fn fields(m: &station::Model) -> Vec<Field> {
        vec![
            field("name", Some(&m.name)),
            enum_field("level", &m.level),
            enum_field("status", &m.status),
            field("inFullService", Some(m.in_full_service)),
            field("regionCode", Some(&m.region_code)),
            field("parentStation", m.parent_station_id),
            field("operator", m.operator_id),
            field("openedOn", m.opened_on),
            field("investment", Some(Yuan::from_fen(m.investment_fen))),
            field("address", m.address.as_ref()),
            field("latitude", m.latitude),
            field("longitude", m.longitude),
        ]
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &station::Model) -> StationInput {
    StationInput {
        name: m.name.clone(),
        level: Some(m.level),
        status: Some(m.status),
        in_full_service: Some(m.in_full_service),
        region_code: m.region_code.clone(),
        opened_on: m.opened_on,
        investment: Some(Yuan::from_fen(m.investment_fen)),
        address: m.address.clone(),
        latitude: m.latitude,
        longitude: m.longitude,
    }
}

/// A station's parent station and operating organisation (`None` in an update: unchanged;
/// `Some(None)`: cleared).
#[derive(Debug, Clone, Copy, Default)]
pub struct StationLinks {
    pub parent_station_id: Option<Option<Uuid>>,
    pub operator_id: Option<Option<Uuid>>,
}

fn row(
    r: &StationRecord,
    (parent_station_id, operator_id): (Option<Uuid>, Option<Uuid>),
    old: Option<&station::Model>,
    editor: &Editor,
) -> station::Model {
    station::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        name: r.name.clone(),
        level: r.level,
        status: r.status,
        in_full_service: r.in_full_service,
        region_code: r.region_code.as_str().to_owned(),
        parent_station_id,
        operator_id,
        opened_on: r.opened_on,
        investment_fen: r.investment.fen(),
        address: r.address.clone(),
        latitude: r.latitude,
        longitude: r.longitude,
        source: old.and_then(|o| o.source.clone()),
        external_id: old.and_then(|o| o.external_id.clone()),
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// The parent station and operator after `links` over `old`: rows the caller may read; a
/// station is not its own parent.
async fn resolve<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    links: StationLinks,
    old: Option<&station::Model>,
) -> Result<Outcome<(Option<Uuid>, Option<Uuid>)>, DbErr> {
    let mut p = Problems::default();
    let (scope, stored) = (&editor.scope, |f: fn(&station::Model) -> Option<Uuid>| old.and_then(f));
    let parent = match links.parent_station_id {
        Some(Some(id)) if Some(id) == old.map(|o| o.id) => {
            let msg = "parentStationId: a station is not its own parent";
            p.add(FieldError::new("parentStationId", "INVALID_REFERENCE", msg));
            None
        }
        given => {
            let stored = stored(|o| o.parent_station_id);
            p.take(mutate::relation::<station::Entity, _>(db, scope, "parentStationId", given, stored).await?)
        }
    };
    let given = links.operator_id;
    let operator =
        mutate::relation::<organization::Entity, _>(db, scope, "operatorId", given, stored(|o| o.operator_id));
    let operator = p.take(operator.await?);
    Ok(p.finish(parent.zip(operator)))
}

/// Creates a station. Errors (client): the parse's, `UNKNOWN_REFERENCE`, `UNKNOWN_DIVISION`,
/// `OUT_OF_SCOPE`.
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    input: StationInput,
    links: StationLinks,
) -> Result<Outcome<station::Model>, DbErr> {
    mutate::create::<station::Entity, _>(db, editor, async |txn| {
        let links = resolve(txn, editor, links, None).await?;
        Ok(mutate::with(input.parse(editor.today()), links).map(|(r, l)| row(&r, l, None, editor)))
    })
    .await
}

/// Updates station `id` at version `expected`; `change` lays the given fields over the
/// stored ones.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    links: StationLinks,
    change: impl Fn(&mut StationInput),
) -> Result<Outcome<station::Model>, DbErr> {
    mutate::update::<station::Entity, _>(db, editor, id, expected, async |txn, old: &station::Model| {
        let links = resolve(txn, editor, links, Some(old)).await?;
        let mut input = input_of(old);
        change(&mut input);
        Ok(mutate::with(input.parse(editor.today()), links).map(|(r, l)| Planned::row(row(&r, l, Some(old), editor))))
    })
    .await
}
