//! Reveals of personal data (the `identity(reason:)` fields) and the `auditLog` (ADMIN).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::audit_entry as m;

use super::connection::{Conn, PageArgs, root};
use super::context::RequestData;
use super::enums::SortDirection;
use super::error::{ApiError, ApiResult};
use super::limits::connection_cost;
use super::scalars::{DateTime, Json};
use crate::store;
use crate::store::audit::RevealError;

/// The reason given for a reveal, by the rule of [`crate::domain::roster::reveal_reason`]:
/// trimmed, at most 500 characters, with at least 2 letters or digits (invisible, bidi
/// control, punctuation-only reasons are refused). Errors: `INVALID_ARGUMENT` on `reason`.
pub fn reason(reason: &str) -> Result<String, ApiError> {
    crate::domain::roster::reveal_reason(reason).map_err(|e| ApiError::invalid("reason", e.message))
}

/// The subfields selected under the current field: what the audit row says was revealed.
pub fn selected_fields(ctx: &Context<'_>) -> Vec<String> {
    let mut fields: Vec<String> =
        ctx.field().selection_set().map(|f| f.name().to_owned()).filter(|n| !n.starts_with("__")).collect();
    fields.sort();
    fields.dedup();
    fields
}

/// A worker's or volunteer's contact or ID field as the caller may see it: masked, or not at
/// all for PORTAL and PUBLIC callers.
pub fn contact(ctx: &Context<'_>, value: Option<&str>, mask: fn(&str) -> String) -> Result<Option<String>, ApiError> {
    let data = RequestData::of(ctx)?;
    Ok(if data.identity.sees_contact_fields() { value.map(mask) } else { None })
}

/// The name of an individual who is not a record of their own (an organisation's contact
/// person, a donor) as the caller may see it: in clear for the roles that work with personal
/// data (those that see workers' contact fields: CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT,
/// ADMIN), masked by the one name rule ([`crate::domain::masking::name`], `张*`) for PORTAL
/// and PUBLIC, which may not see personal data (PIPL art. 13: no purpose of theirs needs it).
pub fn person_name(ctx: &Context<'_>, value: Option<&str>) -> Result<Option<String>, ApiError> {
    let data = RequestData::of(ctx)?;
    let shown =
        |v: &str| if data.identity.sees_contact_fields() { v.to_owned() } else { crate::domain::masking::name(v) };
    Ok(value.map(shown))
}

/// Checks that the caller may reveal, or says why not.
pub fn may_reveal(allowed: bool) -> Result<(), ApiError> {
    if allowed { Ok(()) } else { Err(ApiError::Forbidden("your role may not see personal data in clear".into())) }
}

impl From<RevealError> for ApiError {
    fn from(e: RevealError) -> Self {
        match e {
            RevealError::NotFound => ApiError::NotFound("no such record".into()),
            RevealError::ConsentRequired => ApiError::ConsentRequired(
                "this client is under 14: a guardian's consent (GUARDIAN_CONSENT) in force is required".into(),
            ),
            RevealError::Store(e) => e.into(),
        }
    }
}

/// One entry of the audit log.
pub struct AuditEntry(pub m::Model);

impl From<m::Model> for AuditEntry {
    fn from(m: m::Model) -> Self {
        AuditEntry(m)
    }
}

/// One entry of the audit log: who read or changed which record, when and why.
#[Object]
impl AuditEntry {
    /// Id of the entry.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When it happened (UTC).
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    /// The token subject who acted.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The role acted in.
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// What was done: `REVEAL` (personal data shown in clear), `CREATE`, `UPDATE`, `DELETE`.
    async fn action(&self) -> &str {
        match self.0.action {
            m::AuditAction::Reveal => "REVEAL",
            m::AuditAction::Create => "CREATE",
            m::AuditAction::Update => "UPDATE",
            m::AuditAction::Delete => "DELETE",
        }
    }
    /// GraphQL type of the record, e.g. `Client`.
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// Global id of the record; `lookup` for a lookup of volunteers or social workers by
    /// citizen ID number (which names no record: the rows found are not recorded, nor the
    /// number); `export` for a bulk export (`reason` says which, how many rows, which filter).
    async fn entity_id(&self) -> ID {
        // Rows about no one record (a lookup, an export) keep their word, for every type.
        if [crate::store::audit::LOOKUP, crate::store::audit::EXPORT].contains(&self.0.entity_id.as_str()) {
            return ID(self.0.entity_id.clone());
        }
        match self.0.entity.as_str() {
            "Client" | "SocialWorker" | "Volunteer" => {
                let t = match self.0.entity.as_str() {
                    "Client" => super::id::NodeType::Client,
                    "SocialWorker" => super::id::NodeType::SocialWorker,
                    _ => super::id::NodeType::Volunteer,
                };
                super::id::GlobalId::encode(t, &self.0.entity_id)
            }
            _ => ID(self.0.entity_id.clone()),
        }
    }
    /// The fields read or changed.
    async fn fields(&self) -> Vec<&str> {
        self.0.fields.split(',').filter(|f| !f.is_empty()).collect()
    }
    /// The reason given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The request's `x-request-id`.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// For writes: the changed fields with their old and new values, phones and ID numbers
    /// masked, as a JSON object `{"phone": {"old": "139****0001", "new": "137****5678"}}`;
    /// null for reveals.
    async fn changes(&self) -> Option<Json> {
        self.0.changes.as_deref().and_then(|c| serde_json::from_str(c).ok()).map(Json)
    }
}

/// Filter of the audit log.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Only entries of this actor (token subject).
    pub actor: Option<String>,
    /// Only entries on this type of record, e.g. `Client`.
    pub entity: Option<String>,
    /// Only entries at or after this instant.
    pub since: Option<DateTime>,
    /// Only entries before this instant.
    pub until: Option<DateTime>,
}

/// Ordering of the audit log (by time; ties by id).
#[derive(InputObject, Clone, Copy, Default)]
pub struct AuditLogOrder {
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

/// A person's contact and identity data in clear.
#[derive(SimpleObject)]
pub struct PersonIdentity {
    /// Phone in clear.
    pub phone: Option<String>,
    /// ID document number in clear.
    pub id_number: Option<String>,
}

/// Root field `auditLog`.
#[derive(Default)]
pub struct AuditQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl AuditQuery {
    /// The audit log: every reveal of personal data in clear (`REVEAL`) and every write
    /// (`CREATE`, `UPDATE`, `DELETE`, with the changed fields). ADMIN only; others get
    /// `FORBIDDEN`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AuditLogFilter>,
        order_by: Option<AuditLogOrder>,
    ) -> ApiResult<Conn<AuditEntry>> {
        let data = RequestData::of(ctx)?;
        if data.identity.role != crate::auth::identity::Role::Admin {
            return Err(ApiError::Forbidden("the audit log is for ADMIN only".into()).into());
        }
        // `since` and `until` lie in the years 1000-9999: the `DateTime` scalar refuses others.
        let f = filter.unwrap_or_default();
        let filter = store::audit::AuditFilter {
            actor: f.actor,
            entity: f.entity,
            entity_id: None,
            since: f.since.map(|t| t.0),
            until: f.until.map(|t| t.0),
        };
        let order = store::Sort {
            field: store::audit::AuditOrderField::OccurredAt,
            direction: order_by.unwrap_or_default().direction.into(),
        };
        root::<m::Entity, _>(ctx, filter, order, PageArgs { first, after, last, before, ..Default::default() }).await
    }
}
