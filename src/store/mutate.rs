//! Single-record writes, the engine behind every create / update / delete mutation, written
//! once:
//!
//! - one transaction per call, holding the row, its links and its audit row; run again from
//!   the start when the database aborts it for a concurrent one ([`super::write::retrying`]),
//!   so the plans must be safe to run more than once (they only read and write through the
//!   transaction);
//! - the caller's [`WriteLimit`] checked on the stored row (outside it, or not readable, or
//!   deleted: `NOT_FOUND`, so a row outside scope is indistinguishable from none) and on the
//!   written row (`OUT_OF_SCOPE`);
//! - divisions must exist in the code list (`UNKNOWN_DIVISION`);
//! - optimistic concurrency: an update or delete names the version it read
//!   (`expectedVersion`); any other stored version is `VERSION_CONFLICT` and nothing is
//!   written. The guarded `UPDATE … WHERE version = expected` also catches a writer that
//!   commits between our read and our write;
//! - every write bumps `version` and sets `updated_at` to one instant taken before the
//!   transaction; deletion is soft (`deleted_at` set) so change feeds show tombstones;
//! - the audit row names the changed fields with old and new values, sensitive values
//!   masked (see [`super::write::diff`]).
//!
//! A client's mistakes come back as [`FieldError`]s (the `userErrors` of the payload); only
//! database failures are errors.

use chrono::{DateTime, Utc};
use entity::audit_entry::{self, AuditAction};
use entity::{region, station};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use super::Scope;
use super::audit::Actor;
use super::constraint::{Constraint, on_constraint};
use super::declare::Scoped;
use super::person::{self, PersonSlot};
use super::scope::WriteLimit;
use super::write::{Change, Field, audit_row, begin_write, diff, diff_blind, retrying, within_write_timeout};
use crate::domain::DivisionCode;
use crate::domain::roster::FieldError;

/// A write's result: the value, or every problem with the caller's input.
pub type Outcome<T> = Result<T, Vec<FieldError>>;

/// Who writes, what they may read and write, and when.
pub struct Editor {
    pub actor: Actor,
    /// What the caller may read: stored rows and references outside it are not found.
    pub scope: Scope,
    /// What the caller may write.
    pub limit: WriteLimit,
    /// The instant of the write (UTC), taken once before the transaction begins: it becomes
    /// `created_at`, `updated_at`, `deleted_at` and the audit row's time.
    pub now: DateTime<Utc>,
    /// The write must commit within this long of `now` ([`within_write_timeout`]), or it is
    /// rolled back with `WRITE_TIMEOUT`: change feeds rely on it.
    pub write_timeout: std::time::Duration,
    /// The fields (API names) the caller's input sends; empty for creates and deletes.
    ///
    /// No role reads masked values (phones, ID numbers, a client's identity) in clear without
    /// a reveal, so an update is blind to them (issue 21, [`super::write::diff_blind`]): a
    /// masked field sent with a value is written and reported changed (new version, audit
    /// row) whether or not it equals the stored value, and a problem found in a masked field
    /// the caller did not send says only that the stored value fails the rules.
    pub sent: Vec<String>,
    /// The keys of persons' citizen ID numbers ([`super::person`]).
    pub person_keys: crate::domain::person::PersonKeys,
}

impl Editor {
    /// Today's date in China Standard Time at the write's instant.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now.with_timezone(&crate::domain::time::CST).date_naive()
    }

    /// Whether the caller's input sends `field` (an API name), as a value or as `null`.
    pub fn sends(&self, field: &str) -> bool {
        self.sent.iter().any(|f| f == field)
    }
}

/// A kind of row written by single mutations: a declared table ([`Scoped`]: key, record
/// keeping, region, scope and station binding) with its audited fields.
pub trait Writable:
    Scoped<Model: Clone + Send + Sync + IntoActiveModel<<Self as EntityTrait>::ActiveModel>> + Send + Sync + 'static
{
    /// The audited fields of a row (API names), sensitive ones with their mask.
    fn fields(m: &Self::Model) -> Vec<Field>;

    /// The person a row is ([`super::person`]): sets the row's person key from its citizen
    /// ID number and returns its claim; `None` for rows that are no persons or have no such
    /// number.
    fn person(_m: &mut Self::Model, _keys: &crate::domain::person::PersonKeys) -> Option<PersonSlot> {
        None
    }
}

/// The `DUPLICATE_PERSON` problem of `slot`, if another live row of its kind and source holds
/// its key; the holder is named only when the editor may read it.
async fn person_refusal<W: Writable, C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    slot: &PersonSlot,
) -> Result<Option<FieldError>, DbErr> {
    let Some((holder, _)) = person::holder(db, slot).await? else { return Ok(None) };
    let readable = person::is_readable(db, slot.kind, holder, W::readable(&editor.scope)).await?;
    Ok(Some(person::duplicate_person(slot.kind, Some(holder), readable)))
}

/// After a write lost the race for a person key to a concurrent one (the unique index refused
/// it, [`on_constraint`]; its transaction rolled back): the same problem a sequential write
/// would have got, read from what the winner committed.
async fn lost_person_race<W: Writable>(
    db: &DatabaseConnection,
    editor: &Editor,
    slot: &PersonSlot,
) -> Result<Vec<FieldError>, DbErr> {
    let problem = person_refusal::<W, _>(db, editor, slot).await?;
    Ok(vec![problem.unwrap_or_else(|| person::duplicate_person(slot.kind, None, false))])
}

/// A planned update: the row as it should be, and the changes of its links (already written
/// by the plan, in the same transaction) for the audit row.
pub struct Planned<M> {
    pub row: M,
    pub links: Vec<Change>,
}

impl<M> Planned<M> {
    /// A change of the row's own fields only.
    pub fn row(row: M) -> Self {
        Planned { row, links: Vec::new() }
    }
}

/// The problem of `field` with `code`.
pub fn problem(field: &str, code: &'static str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError::new(field, code, message)]
}

/// Both results, or the problems of either or both.
pub fn with<A, B>(a: Outcome<A>, b: Outcome<B>) -> Outcome<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut e), Err(f)) => {
            e.extend(f);
            Err(e)
        }
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
    }
}

fn not_found(what: &str) -> Vec<FieldError> {
    problem("id", "NOT_FOUND", format!("id: no {what} with this id"))
}

/// The live row `id` of `W` that the editor may read and write, if any.
pub async fn find_writable<W: Writable, C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    id: Uuid,
) -> Result<Option<W::Model>, DbErr> {
    let row = W::find()
        .filter(W::id_column().eq(id))
        .filter(W::deleted_column().is_null())
        .filter(W::readable(&editor.scope))
        .one(db)
        .await?;
    Ok(row.filter(|r| editor.limit.admits(W::region(r), W::station(r))))
}

/// The live row `id` of `W` that `scope` may read, as a reference from `field`; `None` when
/// `id` is. Errors (client): `UNKNOWN_REFERENCE`.
pub async fn reference<W: Writable, C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    field: &str,
    id: Option<Uuid>,
) -> Result<Result<Option<W::Model>, FieldError>, DbErr> {
    let Some(id) = id else { return Ok(Ok(None)) };
    let row = W::find()
        .filter(W::id_column().eq(id))
        .filter(W::deleted_column().is_null())
        .filter(W::readable(scope))
        .one(db)
        .await?;
    Ok(row.map(Some).ok_or_else(|| {
        let what = W::TYPE;
        FieldError::new(field, "UNKNOWN_REFERENCE", format!("{field}: no {what} with this id"))
    }))
}

/// A row's reference after a write: `None` keeps `stored`, `Some(None)` clears it,
/// `Some(Some(id))` sets it to `id`, a row of `W` the caller may read (see [`reference`]).
pub async fn relation<W: Writable, C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    field: &str,
    given: Option<Option<Uuid>>,
    stored: Option<Uuid>,
) -> Result<Result<Option<Uuid>, FieldError>, DbErr> {
    match given {
        None => Ok(Ok(stored)),
        Some(id) => Ok(reference::<W, _>(db, scope, field, id).await?.map(|r| r.map(|r| W::id(&r)))),
    }
}

/// The station a station-bound row (client, charity resource) is bound to after `given` over
/// `stored` (as [`relation`]), a station the caller may read. Errors (client):
/// `UNKNOWN_REFERENCE` on `stationId`.
pub async fn station_relation<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    given: Option<Option<Uuid>>,
    stored: Option<Uuid>,
) -> Result<Outcome<Option<Uuid>>, DbErr> {
    Ok(relation::<station::Entity, _>(db, &editor.scope, "stationId", given, stored).await?.map_err(|e| vec![e]))
}

/// Whether the 12-digit `code` is a live division of the code list.
pub async fn division_exists<C: ConnectionTrait>(db: &C, code: &str) -> Result<bool, DbErr> {
    let n = region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .filter(region::Column::DeletedAt.is_null())
        .count(db)
        .await?;
    Ok(n > 0)
}

/// The area a station serves: the subtree of its division (a township station: its township
/// and the villages below it; a village room or neighbourhood point: its village; a county
/// station: its county). A station's people live where it stands (DOMAIN.md: one station per
/// township, rooms in the villages below it), so a row bound to it lies in this area. `None`
/// for a station that is absent or has an unparsable division.
async fn station_area<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<DivisionCode>, DbErr> {
    let row = station::Entity::find_by_id(id).one(db).await?;
    Ok(row.and_then(|s| DivisionCode::parse(&s.region_code).ok()))
}

/// The written row's problems of place: its division must exist (`UNKNOWN_DIVISION`) and lie
/// within the editor's limit (`OUT_OF_SCOPE`).
///
/// STATION_STAFF writes rows bound to its own station (`OUT_OF_SCOPE` on `stationId`). A row
/// bound to a station must lie in that station's area ([`station_area`]): for STATION_STAFF
/// that is `OUT_OF_SCOPE` on `regionCode` (staff could otherwise place a row in another
/// county's lists and statistics, which only that county's officials may write); for ADMIN and
/// CIVIL_AFFAIRS, whose limit admits both places, it is `INCONSISTENT` (a record of one county
/// filed under another county's station would count in both).
async fn placed<W: Writable, C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    row: &W::Model,
    old_region: Option<&str>,
) -> Result<Vec<FieldError>, DbErr> {
    let region = W::region(row);
    let mut problems = Vec::new();
    if old_region != Some(region) && !division_exists(db, region).await? {
        let msg = format!("regionCode: no division {region} in the code list");
        problems.push(FieldError::new("regionCode", "UNKNOWN_DIVISION", msg));
    }
    if !editor.limit.admits(region, W::station(row)) {
        let (field, msg) = match &editor.limit {
            WriteLimit::Station(_) => ("stationId", "stationId: you may write only your own station's records".into()),
            WriteLimit::Region(code) => ("regionCode", format!("regionCode: outside your region {}", code.as_str())),
            WriteLimit::Anywhere => ("regionCode", String::new()),
        };
        problems.push(FieldError::new(field, "OUT_OF_SCOPE", msg));
    } else if let Some(station) = W::station(row)
        && let Some(area) = station_area(db, station).await?
        && !region.starts_with(area.significant())
    {
        let problem = if let WriteLimit::Station(_) = editor.limit {
            let msg = format!("regionCode: {region} lies outside your station's area {}", area.as_str());
            FieldError::new("regionCode", "OUT_OF_SCOPE", msg)
        } else {
            let msg = format!("regionCode: {region} lies outside the area {} of the station", area.as_str());
            FieldError::new("regionCode", "INCONSISTENT", msg)
        };
        problems.push(problem);
    }
    Ok(problems)
}

/// Commits `txn` when `out` succeeded within the write timeout, else rolls it back. Errors
/// (client): `WRITE_TIMEOUT`.
pub async fn finish<T>(txn: DatabaseTransaction, editor: &Editor, out: Outcome<T>) -> Result<Outcome<T>, DbErr> {
    if out.is_ok() && !within_write_timeout(editor.now, editor.write_timeout) {
        txn.rollback().await?;
        let limit = editor.write_timeout.as_secs_f64();
        let msg = format!("the write took longer than the write timeout ({limit} s) and was rolled back; retry it");
        return Ok(Err(problem("", "WRITE_TIMEOUT", msg)));
    }
    match &out {
        Ok(_) => txn.commit().await?,
        Err(_) => txn.rollback().await?,
    }
    Ok(out)
}

/// Writes the audit row of a write of `entity` `id` (see [`audit_row`]).
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: AuditAction,
    entity: &str,
    id: Uuid,
    changes: &[Change],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = audit_row(actor, action, entity, id, changes, now);
    audit_entry::Entity::insert(row.into_active_model()).exec_without_returning(db).await.map(|_| ())
}

/// Creates the row `build` makes (inside the transaction, so its reference checks see what
/// the insert will), with its audit row. `build` sets `created_at`/`updated_at` to
/// `editor.now` and `version` to 1.
pub async fn create<W, B>(db: &DatabaseConnection, editor: &Editor, build: B) -> Result<Outcome<W::Model>, DbErr>
where
    W: Writable,
    B: AsyncFnOnce(&DatabaseTransaction) -> Result<Outcome<W::Model>, DbErr> + Clone,
{
    // Each attempt plans afresh with its own copy of `build`.
    let out = retrying(|| create_once::<W, B>(db, editor, build.clone())).await?;
    told_of_unreadable(db, editor, &out).await?;
    Ok(out)
}

/// The audit rows of the records a refusal told the editor of but it may not read
/// ([`super::audit::duplicate_checks`]).
async fn told_of_unreadable<T>(db: &DatabaseConnection, editor: &Editor, out: &Outcome<T>) -> Result<(), DbErr> {
    match out {
        Err(problems) => super::audit::duplicate_checks(db, &editor.actor, problems).await,
        Ok(_) => Ok(()),
    }
}

/// One attempt of [`create`]: its transaction.
async fn create_once<W, B>(db: &DatabaseConnection, editor: &Editor, build: B) -> Result<Outcome<W::Model>, DbErr>
where
    W: Writable,
    B: AsyncFnOnce(&DatabaseTransaction) -> Result<Outcome<W::Model>, DbErr>,
{
    let txn = begin_write(db).await?;
    let mut raced: Option<PersonSlot> = None;
    let out = async {
        let mut row = match build(&txn).await? {
            Ok(row) => row,
            Err(e) => return Ok(Err(e)),
        };
        let problems = placed::<W, _>(&txn, editor, &row, None).await?;
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let slot = W::person(&mut row, &editor.person_keys);
        if let Some(slot) = &slot
            && let Some(problem) = person_refusal::<W, _>(&txn, editor, slot).await?
        {
            return Ok(Err(vec![problem]));
        }
        let changes = diff(None, W::fields(&row));
        let inserted = W::insert(row.clone().into_active_model()).exec_without_returning(&txn).await;
        if let Err(e) = inserted {
            return match (on_constraint(&e), slot) {
                (Some(Constraint::PersonKey), Some(slot)) => {
                    raced = Some(slot);
                    Ok(Err(Vec::new()))
                }
                _ => Err(e),
            };
        }
        audit(&txn, &editor.actor, AuditAction::Create, W::TYPE, W::id(&row), &changes, editor.now).await?;
        Ok::<_, DbErr>(Ok(row))
    }
    .await?;
    let out = finish(txn, editor, out).await?;
    match raced {
        Some(slot) => Ok(Err(lost_person_race::<W>(db, editor, &slot).await?)),
        None => Ok(out),
    }
}

/// Updates row `id` as `plan` says, if its stored version is `expected`. `plan` gets the
/// stored row inside the transaction and returns the row as it should be (it may write link
/// rows and report them as changes). A plan that changes nothing writes nothing and returns
/// the stored row.
///
/// Errors (client): `NOT_FOUND` (absent, deleted, or outside the caller's scope),
/// `VERSION_CONFLICT`, the plan's problems, `UNKNOWN_DIVISION`, `OUT_OF_SCOPE`.
pub async fn update<W, P>(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    plan: P,
) -> Result<Outcome<W::Model>, DbErr>
where
    W: Writable,
    P: AsyncFnOnce(&DatabaseTransaction, &W::Model) -> Result<Outcome<Planned<W::Model>>, DbErr> + Clone,
{
    let out = retrying(|| update_once::<W, P>(db, editor, id, expected, plan.clone())).await?;
    told_of_unreadable(db, editor, &out).await?;
    Ok(out)
}

/// One attempt of [`update`]: its transaction.
async fn update_once<W, P>(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    plan: P,
) -> Result<Outcome<W::Model>, DbErr>
where
    W: Writable,
    P: AsyncFnOnce(&DatabaseTransaction, &W::Model) -> Result<Outcome<Planned<W::Model>>, DbErr>,
{
    let txn = begin_write(db).await?;
    let mut raced: Option<PersonSlot> = None;
    let out = async {
        let Some(old) = find_writable::<W, _>(&txn, editor, id).await? else {
            return Ok(Err(not_found(W::TYPE)));
        };
        if W::version(&old) != expected {
            return Ok(Err(conflict(W::version(&old), expected)));
        }
        let Planned { row: mut new, links } = match plan(&txn, &old).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(unsent_masked_redacted::<W>(editor, &old, e))),
        };
        let problems = placed::<W, _>(&txn, editor, &new, Some(W::region(&old))).await?;
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let mut changes = diff_blind(Some(W::fields(&old)), W::fields(&new), |f| editor.sends(f));
        changes.extend(links);
        if changes.is_empty() {
            return Ok(Ok(old));
        }
        let slot = W::person(&mut new, &editor.person_keys);
        if let Some(slot) = &slot
            && let Some(problem) = person_refusal::<W, _>(&txn, editor, slot).await?
        {
            return Ok(Err(vec![problem]));
        }
        W::stamp(&mut new, expected + 1, editor.now);
        let written = W::update_many()
            .set(new.clone().into_active_model().reset_all())
            .filter(W::id_column().eq(id))
            .filter(W::version_column().eq(expected))
            .exec(&txn)
            .await;
        let written = match (written, slot) {
            (Ok(w), _) => w,
            (Err(e), Some(slot)) if on_constraint(&e) == Some(Constraint::PersonKey) => {
                raced = Some(slot);
                return Ok(Err(Vec::new()));
            }
            (Err(e), _) => return Err(e),
        };
        if written.rows_affected != 1 {
            return Ok(Err(conflict(expected + 1, expected)));
        }
        audit(&txn, &editor.actor, AuditAction::Update, W::TYPE, id, &changes, editor.now).await?;
        Ok::<_, DbErr>(Ok(new))
    }
    .await?;
    let out = finish(txn, editor, out).await?;
    match raced {
        Some(slot) => Ok(Err(lost_person_race::<W>(db, editor, &slot).await?)),
        None => Ok(out),
    }
}

/// `errors` with the message of each problem in a masked field the caller did not send
/// replaced by one that names no value: such a problem is the stored value's (a number stored
/// before a rule existed), which the caller sees masked, and a parse message may quote parts
/// of it (a check character, an impossible date).
fn unsent_masked_redacted<W: Writable>(editor: &Editor, old: &W::Model, errors: Vec<FieldError>) -> Vec<FieldError> {
    let masked: Vec<&'static str> = W::fields(old).iter().filter(|f| f.mask.is_some()).map(|f| f.name).collect();
    errors
        .into_iter()
        .map(|mut e| {
            let name = e.field.first().map(String::as_str).unwrap_or_default();
            if let Some(field) = masked.iter().find(|m| **m == name)
                && !editor.sends(field)
            {
                e.message = format!("{field}: the stored value no longer passes the rules; send a new one");
            }
            e
        })
        .collect()
}

fn conflict(current: i32, expected: i32) -> Vec<FieldError> {
    let msg = format!(
        "expectedVersion: the record is at version {current}, not {expected}; it changed since you read it. \
         Read it again and reapply your change"
    );
    problem("expectedVersion", "VERSION_CONFLICT", msg)
}

/// Soft-deletes row `id` if its stored version is `expected`: `deleted_at` and `updated_at`
/// set to `editor.now`, `version` bumped, audited. Returns the id.
///
/// Errors (client): `NOT_FOUND` (absent, already deleted, or outside the caller's scope),
/// `VERSION_CONFLICT`.
pub async fn delete<W>(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
) -> Result<Outcome<Uuid>, DbErr>
where
    W: Writable,
{
    retrying(|| delete_once::<W>(db, editor, id, expected)).await
}

/// One attempt of [`delete`]: its transaction.
async fn delete_once<W: Writable>(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
) -> Result<Outcome<Uuid>, DbErr> {
    let txn = begin_write(db).await?;
    let out = async {
        let Some(old) = find_writable::<W, _>(&txn, editor, id).await? else {
            return Ok(Err(not_found(W::TYPE)));
        };
        if W::version(&old) != expected {
            return Ok(Err(conflict(W::version(&old), expected)));
        }
        let written = W::update_many()
            .col_expr(W::deleted_column(), Expr::value(editor.now))
            .col_expr(W::updated_column(), Expr::value(editor.now))
            .col_expr(W::version_column(), Expr::col(W::version_column()).add(1))
            .filter(W::id_column().eq(id))
            .filter(W::version_column().eq(expected))
            .exec(&txn)
            .await?;
        if written.rows_affected != 1 {
            return Ok(Err(conflict(expected + 1, expected)));
        }
        let change = [Change { field: "deletedAt", old: None, new: Some(editor.now.to_rfc3339()) }];
        audit(&txn, &editor.actor, AuditAction::Delete, W::TYPE, id, &change, editor.now).await?;
        Ok::<_, DbErr>(Ok(id))
    }
    .await?;
    finish(txn, editor, out).await
}

/// Runs a link change of a parent row (assignments, memberships, categories, case files,
/// participants) as an update of the parent: `link` writes the link rows and returns their
/// changes; the parent's version is checked and bumped, so change feeds see it.
pub async fn relink<W, L>(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
    link: L,
) -> Result<Outcome<W::Model>, DbErr>
where
    W: Writable,
    L: AsyncFnOnce(&DatabaseTransaction, &W::Model) -> Result<Outcome<Vec<Change>>, DbErr> + Clone,
{
    update::<W, _>(db, editor, id, expected, async |txn, old: &W::Model| {
        Ok(link(txn, old).await?.map(|links| Planned { row: old.clone(), links }))
    })
    .await
}

/// The record-keeping columns of a link table (a row linking a parent to another row).
pub struct LinkColumns<C> {
    pub id: C,
    pub deleted_at: C,
    pub updated_at: C,
    pub version: C,
}

/// Sets `deleted_at` of link row `id` of `E` (a removal, or `None`: a return), bumping its
/// version.
pub async fn set_link_deleted<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    cols: LinkColumns<E::Column>,
    id: Uuid,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    E::update_many()
        .col_expr(cols.deleted_at, Expr::value(deleted_at))
        .col_expr(cols.updated_at, Expr::value(now))
        .col_expr(cols.version, Expr::col(cols.version).add(1))
        .filter(cols.id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}
