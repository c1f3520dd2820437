//! Writing one service record: `createServiceRecord`, `updateServiceRecord` (delete is the
//! generic [`mutate::delete`]). Values are parsed by [`ServiceRecordInput::parse`].
//!
//! A record is bound to its station (STATION_STAFF writes its own station's records) and its
//! station, social worker, client and project are rows the caller may read. Its division is
//! not given: it is the client's for a record with a client, else the station's, so a record
//! counts where its service happened and nowhere a caller could choose.

use entity::{client, project, service_record, social_worker, station};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Planned, Writable};
use super::write::{Field, enum_field, field};
use crate::domain::records::{ServiceRecordInput, ServiceRecordValues};
use crate::domain::roster::Problems;

impl Writable for service_record::Entity {
    fn fields(m: &service_record::Model) -> Vec<Field> {
        vec![
            field("station", Some(m.station_id)),
            field("socialWorker", m.social_worker_id),
            field("client", m.client_id),
            field("project", m.project_id),
            field("activityName", m.activity_name.as_ref()),
            field("regionCode", Some(&m.region_code)),
            field("servedOn", Some(m.served_on)),
            enum_field("serviceType", &m.service_type),
            enum_field("method", &m.method),
            field("personTimes", Some(m.person_times)),
        ]
    }
}

/// The stored row as input: the base an update's given fields are laid over.
pub fn input_of(m: &service_record::Model) -> ServiceRecordInput {
    ServiceRecordInput {
        served_on: Some(m.served_on),
        service_type: Some(m.service_type),
        method: Some(m.method),
        person_times: Some(m.person_times),
        activity_name: m.activity_name.clone(),
        has_client: m.client_id.is_some(),
    }
}

/// A record's references (`None` in an update: unchanged; `Some(None)`: cleared). The
/// station is required, so it is never cleared.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordLinks {
    pub station_id: Option<Uuid>,
    pub social_worker_id: Option<Option<Uuid>>,
    pub client_id: Option<Option<Uuid>>,
    pub project_id: Option<Option<Uuid>>,
}

/// The resolved references and the division they place the record in.
struct Resolved {
    station_id: Uuid,
    social_worker_id: Option<Uuid>,
    client_id: Option<Uuid>,
    project_id: Option<Uuid>,
    region_code: String,
}

/// The references after `links` over `old`, each a row the caller may read.
/// Errors (client): `UNKNOWN_REFERENCE`.
async fn resolve<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    links: RecordLinks,
    old: Option<&service_record::Model>,
) -> Result<Outcome<Resolved>, DbErr> {
    let mut p = Problems::default();
    let scope = &editor.scope;
    let station_id = links.station_id.or(old.map(|o| o.station_id));
    let station = p.take(mutate::reference::<station::Entity, _>(db, scope, "stationId", station_id).await?).flatten();
    let stored = |f: fn(&service_record::Model) -> Option<Uuid>| old.and_then(f);
    let given = links.social_worker_id;
    let worker = mutate::relation::<social_worker::Entity, _>(
        db,
        scope,
        "socialWorkerId",
        given,
        stored(|o| o.social_worker_id),
    );
    let worker = p.take(worker.await?);
    let client_id = links.client_id.unwrap_or(stored(|o| o.client_id));
    let client = p.take(mutate::reference::<client::Entity, _>(db, scope, "clientId", client_id).await?);
    let given = links.project_id;
    let project = mutate::relation::<project::Entity, _>(db, scope, "projectId", given, stored(|o| o.project_id));
    let project = p.take(project.await?);
    let resolved = (|| {
        let (station, client) = (station?, client?);
        Some(Resolved {
            station_id: station.id,
            social_worker_id: worker?,
            client_id: client.as_ref().map(|c| c.id),
            project_id: project?,
            region_code: client.map_or(station.region_code, |c| c.region_code),
        })
    })();
    Ok(p.finish(resolved))
}

fn row(
    v: &ServiceRecordValues,
    r: Resolved,
    old: Option<&service_record::Model>,
    editor: &Editor,
) -> service_record::Model {
    service_record::Model {
        id: old.map_or_else(Uuid::now_v7, |o| o.id),
        station_id: r.station_id,
        social_worker_id: r.social_worker_id,
        client_id: r.client_id,
        project_id: r.project_id,
        activity_name: v.activity_name.clone(),
        region_code: r.region_code,
        served_on: v.served_on,
        service_type: v.service_type,
        method: v.method,
        person_times: v.person_times,
        created_at: old.map_or(editor.now, |o| o.created_at),
        updated_at: editor.now,
        version: old.map_or(1, |o| o.version),
        deleted_at: None,
    }
}

/// Creates a service record. Errors (client): the parse's, `UNKNOWN_REFERENCE`,
/// `OUT_OF_SCOPE` (STATION_STAFF: another station).
pub async fn create(
    db: &DatabaseConnection,
    editor: &Editor,
    mut input: ServiceRecordInput,
    links: RecordLinks,
) -> Result<Outcome<service_record::Model>, DbErr> {
    input.has_client = links.client_id.flatten().is_some();
    mutate::create::<service_record::Entity, _>(db, editor, async |txn| {
        let links_ = resolve(txn, editor, links, None).await?;
        Ok(mutate::with(input.parse(editor.today()), links_).map(|(v, r)| row(&v, r, None, editor)))
    })
    .await
}

/// Updates service record `id` at version `expected`; `change` lays the given fields over the
/// stored ones.
pub async fn update(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    links: RecordLinks,
    change: impl Fn(&mut ServiceRecordInput),
) -> Result<Outcome<service_record::Model>, DbErr> {
    mutate::update::<service_record::Entity, _>(db, editor, id, expected, async |txn, old: &service_record::Model| {
        let resolved = resolve(txn, editor, links, Some(old)).await?;
        let mut input = input_of(old);
        change(&mut input);
        input.has_client = links.client_id.unwrap_or(old.client_id).is_some();
        Ok(mutate::with(input.parse(editor.today()), resolved)
            .map(|(v, r)| Planned::row(row(&v, r, Some(old), editor))))
    })
    .await
}
