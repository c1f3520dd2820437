//! Guardian consent records (监护人同意) of clients under 14: recording, withdrawing and
//! listing them. The rules are [`crate::domain::consent`]'s; the reveal of a child's identity
//! checks them (`super::audit::reveal_client`).
//!
//! Who: whoever may reveal the client, i.e. the roles of `Client.identity` within their read
//! scope (a client outside it is `NOT_FOUND`). Every change writes an audit row (entity
//! `ConsentRecord`) with the guardian's name masked like every name. Withdrawal keeps the
//! record (with `withdrawn_at`): the consent was in force until then, and reveals made under
//! it stay accountable.

use entity::audit_entry::AuditAction;
use entity::client;
use entity::consent_record::{self, ConsentKind};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::Scope;
use super::mutate::{Editor, Outcome, audit, finish, problem};
use super::relations::Keyed;
use super::write::{Change, Field, begin_write, diff, enum_field, field, masked, retrying};
use crate::domain::consent::ConsentInput;
use crate::domain::masking;

crate::declare!(consent_record, "ConsentRecord");

/// The GraphQL type named in the audit log.
const TYPE: &str = <entity::consent_record::Entity as super::declare::Declared>::TYPE;

/// The audited fields of a consent record (API names), the guardian's name masked.
fn fields(m: &consent_record::Model) -> Vec<Field> {
    vec![
        field("client", Some(m.client_id)),
        enum_field("kind", &m.kind),
        masked("guardianName", Some(&m.consented_by), masking::name),
        field("relation", m.relation.map(|r| sea_orm::ActiveEnum::to_value(&r))),
        field("scope", Some(&m.scope)),
        field("validFrom", Some(m.given_on)),
        field("validUntil", m.expires_on),
        field("evidenceReference", m.evidence_reference.as_ref()),
        field("withdrawnAt", m.withdrawn_at.map(|t| t.to_rfc3339())),
    ]
}

/// The live client `id` that `scope` may read, if any.
async fn readable_client<C: ConnectionTrait>(db: &C, scope: &Scope, id: Uuid) -> Result<Option<client::Model>, DbErr> {
    <client::Entity as Keyed>::visible(scope).filter(client::Column::Id.eq(id)).one(db).await
}

/// Records a guardian's consent for client `client_id`, a child under 14 that the editor may
/// read. Errors (client): `NOT_FOUND` on `clientId`, the checks of [`ConsentInput::parse`]
/// (`AGE_UNKNOWN`, `NOT_A_MINOR`, `OUT_OF_RANGE`, `INVALID_RANGE`, text rules),
/// `WRITE_TIMEOUT`.
pub async fn record(
    db: &DatabaseConnection,
    editor: &Editor,
    client_id: Uuid,
    input: &ConsentInput,
) -> Result<Outcome<consent_record::Model>, DbErr> {
    retrying(|| record_once(db, editor, client_id, input)).await
}

/// One attempt of [`record`]: its transaction.
async fn record_once(
    db: &DatabaseConnection,
    editor: &Editor,
    client_id: Uuid,
    input: &ConsentInput,
) -> Result<Outcome<consent_record::Model>, DbErr> {
    let txn = begin_write(db).await?;
    let out = async {
        let Some(child) = readable_client(&txn, &editor.scope, client_id).await? else {
            return Ok(Err(problem("clientId", "NOT_FOUND", "clientId: no Client with this id")));
        };
        let terms = match input.parse(child.birth_date, editor.today()) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let row = consent_record::Model {
            id: Uuid::now_v7(),
            client_id,
            kind: ConsentKind::GuardianConsent,
            consented_by: terms.guardian_name,
            scope: terms.scope,
            given_on: terms.valid_from,
            expires_on: terms.valid_until,
            relation: Some(terms.relation),
            evidence_reference: Some(terms.evidence_reference),
            withdrawn_at: None,
            created_at: editor.now,
            updated_at: editor.now,
            version: 1,
            deleted_at: None,
        };
        let changes = diff(None, fields(&row));
        consent_record::Entity::insert(row.clone().into_active_model()).exec_without_returning(&txn).await?;
        audit(&txn, &editor.actor, AuditAction::Create, TYPE, row.id, &changes, editor.now).await?;
        Ok::<_, DbErr>(Ok(row))
    }
    .await?;
    finish(txn, editor, out).await
}

/// Withdraws consent record `id` (at version `expected`) of a client the editor may read:
/// `withdrawn_at` set to the write's instant, version bumped, audited. From then on it no
/// longer allows reveals.
///
/// Errors (client): `NOT_FOUND` on `id` (no such record, or its client is outside the
/// caller's scope), `VERSION_CONFLICT`, `ALREADY_WITHDRAWN`, `WRITE_TIMEOUT`.
pub async fn withdraw(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
) -> Result<Outcome<consent_record::Model>, DbErr> {
    retrying(|| withdraw_once(db, editor, id, expected)).await
}

/// One attempt of [`withdraw`]: its transaction.
async fn withdraw_once(
    db: &DatabaseConnection,
    editor: &Editor,
    id: Uuid,
    expected: i32,
) -> Result<Outcome<consent_record::Model>, DbErr> {
    use consent_record::Column as C;
    let txn = begin_write(db).await?;
    let out = async {
        let old = consent_record::Entity::find_by_id(id).filter(C::DeletedAt.is_null()).one(&txn).await?;
        let old = match old {
            Some(o) if readable_client(&txn, &editor.scope, o.client_id).await?.is_some() => o,
            _ => return Ok(Err(problem("id", "NOT_FOUND", "id: no consent record with this id"))),
        };
        if let Some(at) = old.withdrawn_at {
            let msg = format!("id: the consent was withdrawn already, at {}", at.to_rfc3339());
            return Ok(Err(problem("id", "ALREADY_WITHDRAWN", msg)));
        }
        if old.version != expected {
            let msg =
                format!("expectedVersion: the record is at version {}, not {expected}; read it again", old.version);
            return Ok(Err(problem("expectedVersion", "VERSION_CONFLICT", msg)));
        }
        let written = consent_record::Entity::update_many()
            .col_expr(C::WithdrawnAt, Expr::value(editor.now))
            .col_expr(C::UpdatedAt, Expr::value(editor.now))
            .col_expr(C::Version, Expr::col(C::Version).add(1))
            .filter(C::Id.eq(id))
            .filter(C::Version.eq(expected))
            .exec(&txn)
            .await?;
        if written.rows_affected != 1 {
            let msg = "expectedVersion: the record changed since you read it; read it again";
            return Ok(Err(problem("expectedVersion", "VERSION_CONFLICT", msg)));
        }
        let new = consent_record::Model {
            withdrawn_at: Some(editor.now),
            updated_at: editor.now,
            version: expected + 1,
            ..old.clone()
        };
        let changes: Vec<Change> = diff(Some(fields(&old)), fields(&new));
        audit(&txn, &editor.actor, AuditAction::Update, TYPE, id, &changes, editor.now).await?;
        Ok::<_, DbErr>(Ok(new))
    }
    .await?;
    finish(txn, editor, out).await
}

/// The consent records of `client` (withdrawn and expired ones included), newest first.
pub async fn of_client<C: ConnectionTrait>(db: &C, client: Uuid) -> Result<Vec<consent_record::Model>, DbErr> {
    consent_record::Entity::find()
        .filter(consent_record::Column::ClientId.eq(client))
        .filter(consent_record::Column::DeletedAt.is_null())
        .order_by_desc(consent_record::Column::GivenOn)
        .order_by_desc(consent_record::Column::Id)
        .all(db)
        .await
}
