//! Webhooks (issue 25): `createWebhook`, `updateWebhook` (also pauses and resumes),
//! `deleteWebhook` and the `webhooks` list with each one's recent deliveries. The delivery
//! loop is [`crate::webhook`]; the rows [`crate::store::webhook`].
//!
//! Who: ADMIN (webhooks receiving every record's changes) and SYNC_CLIENT (webhooks of its own
//! source, receiving that source's rosters only); others get `FORBIDDEN`. A webhook receives
//! only changes of records its owner may read (`docs/ACCESS.md`), of its types, in its region.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::webhook as m;
use entity::webhook_delivery as d;
use uuid::Uuid;

use super::connection::{Conn, PageArgs, root};
use super::context::RequestData;
use super::error::{ApiError, ApiResult};
use super::id::NodeType;
use super::limits::connection_cost;
use super::payload::{UserError, db_error};
use super::scalars::DateTime;
use crate::auth::identity::Role;
use crate::domain::DivisionCode;
use crate::store;
use crate::store::webhook::{EVENT_TYPES, SOURCE_TYPES};
use crate::webhook::ssrf;

/// Only ADMIN and SYNC_CLIENT manage webhooks.
fn may_manage(data: &RequestData) -> Result<(), ApiError> {
    match data.identity.role {
        Role::Admin | Role::SyncClient => Ok(()),
        _ => Err(ApiError::Forbidden("webhooks are registered by ADMIN and SYNC_CLIENT tokens only".into())),
    }
}

/// The webhook id in global id `id`.
fn decode_id(id: &ID) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let key = text.strip_prefix("Webhook:")?;
    Uuid::parse_str(key).ok()
}

fn problem(field: &str, code: &str, message: impl Into<String>) -> UserError {
    UserError {
        field: if field.is_empty() { vec![] } else { vec![field.to_owned()] },
        message: message.into(),
        code: code.to_owned(),
        existing_id: None,
    }
}

fn not_found() -> UserError {
    problem("id", "NOT_FOUND", "id: no such webhook among those you manage")
}

/// Checks the URL (`INVALID_URL`, `FORBIDDEN_ADDRESS`, `UNRESOLVABLE_HOST`).
async fn checked_url(data: &RequestData, url: &str, errors: &mut Vec<UserError>) -> Option<String> {
    match ssrf::check_url(url, &data.webhook_allow).await {
        Ok(u) => Some(u.to_string()),
        Err(e) => {
            errors.push(problem("url", e.code(), e.to_string()));
            None
        }
    }
}

/// The types as stored: type names, each once; a SYNC_CLIENT may name only the types it reads
/// (`OUT_OF_SCOPE`); `REGION` has no events (`INVALID_VALUE`).
fn checked_types(data: &RequestData, types: &[NodeType], errors: &mut Vec<UserError>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for t in types {
        let name = t.name();
        if !EVENT_TYPES.contains(&name) {
            errors.push(problem("types", "INVALID_VALUE", format!("types: {name} has no change events")));
        } else if data.identity.role == Role::SyncClient && !SOURCE_TYPES.contains(&name) {
            errors.push(problem(
                "types",
                "OUT_OF_SCOPE",
                format!("types: a SYNC_CLIENT reads no {name} records; it may receive ORGANIZATION, SOCIAL_WORKER, VOLUNTEER and VOLUNTEER_TEAM"),
            ));
        } else if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn checked_region(region: &str, errors: &mut Vec<UserError>) -> Option<DivisionCode> {
    match DivisionCode::parse(region) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.push(problem("region", "INVALID_DIVISION_CODE", format!("region: {e}")));
            None
        }
    }
}

fn checked_description(d: &str, errors: &mut Vec<UserError>) -> Option<String> {
    let d = d.trim();
    if d.chars().count() > 500 {
        errors.push(problem("description", "TOO_LONG", "description: at most 500 characters"));
        return None;
    }
    Some(d.to_owned())
}

/// A new secret: 32 random bytes, hex.
fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a webhook secret");
        ApiError::Internal
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What happened to a record.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::webhook_delivery::DeliveryAction")]
pub enum ChangeAction {
    /// The record was created.
    Created,
    /// The record was changed (also its links: assignments, memberships, categories).
    Updated,
    /// The record was deleted (softly: it stays readable with `includeDeleted`).
    Deleted,
}

/// How a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::webhook_delivery::DeliveryStatus")]
pub enum WebhookDeliveryStatus {
    /// Not yet accepted by the receiver: waiting for its turn or for its next attempt.
    Pending,
    /// The receiver answered with a 2xx status.
    Delivered,
    /// Given up after the retry horizon (`CIVLINK_WEBHOOK_RETRY_SECS`, 24 h by default).
    Failed,
}

/// A registered endpoint that receives signed notices of changes.
pub struct Webhook(pub m::Model);

impl From<m::Model> for Webhook {
    fn from(m: m::Model) -> Self {
        Webhook(m)
    }
}

/// A registered endpoint that receives signed notices of changes (see the README's
/// "Webhooks"): one POST per change, in write order, retried until accepted.
#[Object]
impl Webhook {
    /// Global id of the webhook.
    async fn id(&self) -> ID {
        ID(crate::webhook::webhook_global_id(self.0.id))
    }
    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The node types it receives; empty: every type its owner may read.
    async fn types(&self) -> Vec<NodeType> {
        self.0.types.split(',').filter_map(|t| NodeType::ALL.into_iter().find(|n| n.name() == t)).collect()
    }
    /// Only records located in this division's subtree (12-digit code); null: everywhere.
    async fn region(&self) -> Option<&str> {
        self.0.region_code.as_deref()
    }
    /// What it is for, in words.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Paused webhooks receive nothing; resumed, they receive what changed meanwhile.
    async fn paused(&self) -> bool {
        self.0.paused
    }
    /// The source whose rosters it receives, for a SYNC_CLIENT's webhook; null for ADMIN's.
    async fn owner_source(&self) -> Option<&str> {
        self.0.owner_source.as_deref()
    }
    /// When it was registered (UTC); it receives changes made from then on.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it was last changed (UTC).
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// Its latest deliveries, newest first: `limit` of them (1-100, default 20).
    #[graphql(complexity = "super::limits::list_cost(limit.clamp(1, 100) as usize, child_complexity)")]
    async fn recent_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, desc = "How many deliveries, 1-100.")] limit: i32,
    ) -> ApiResult<Vec<WebhookDelivery>> {
        let data = RequestData::of(ctx)?;
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid("limit", "limit: must be 1-100".to_owned()).into());
        }
        let mut rows =
            store::webhook::recent_deliveries(&data.db, &[self.0.id], limit as u64).await.map_err(db_error)?;
        Ok(rows.remove(&self.0.id).unwrap_or_default().into_iter().map(WebhookDelivery).collect())
    }
}

/// One change sent (or to be sent) to a webhook, and how its delivery went.
pub struct WebhookDelivery(pub d::Model);

/// One change sent (or to be sent) to a webhook, and how its delivery went.
#[Object]
impl WebhookDelivery {
    /// The delivery's id, sent as `X-Civlink-Delivery` (the same on every retry).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What happened to the record.
    async fn action(&self) -> ChangeAction {
        self.0.action.into()
    }
    /// The record's type.
    async fn node_type(&self) -> Option<NodeType> {
        NodeType::ALL.into_iter().find(|n| n.name() == self.0.node_type)
    }
    /// Global id of the record.
    async fn record_id(&self) -> ID {
        match NodeType::ALL.into_iter().find(|n| n.name() == self.0.node_type) {
            Some(t) => super::id::GlobalId::encode(t, &self.0.record_id),
            None => ID(self.0.record_id.clone()),
        }
    }
    /// When the change was written (UTC).
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    /// How it stands.
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status.into()
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The HTTP status of the last answer; null when the receiver did not answer.
    async fn response_code(&self) -> Option<i32> {
        self.0.response_code
    }
    /// What went wrong the last time, in short (`HTTP 500`, `timed out`, `could not
    /// connect: …`); null once delivered.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the last attempt was made (UTC).
    async fn last_attempt_at(&self) -> Option<DateTime> {
        self.0.last_attempt_at.map(DateTime)
    }
    /// When the next attempt is due (UTC), while pending.
    async fn next_attempt_at(&self) -> Option<DateTime> {
        (self.0.status == d::DeliveryStatus::Pending).then_some(DateTime(self.0.next_attempt_at))
    }
    /// When the receiver accepted it (UTC).
    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivered_at.map(DateTime)
    }
}

/// A webhook to register.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to POST deliveries: an `http` or `https` URL of a public address (loopback,
    /// private, link-local, CGNAT, unique-local and metadata addresses are refused unless
    /// the operator allows them with `CIVLINK_WEBHOOK_ALLOW`). Redirects are not followed.
    pub url: String,
    /// The node types to receive; absent or empty: every type the caller may read.
    pub types: Option<Vec<NodeType>>,
    /// Only records located in this division's subtree (a division code).
    pub region: Option<String>,
    /// What it is for, in words (at most 500 characters).
    pub description: Option<String>,
}

/// Changes to a webhook; absent fields are left as they are.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// Global id of the webhook.
    pub id: ID,
    /// A new URL, checked as in `createWebhook`.
    pub url: Option<String>,
    /// The node types to receive; empty: every type the caller may read.
    pub types: Option<Vec<NodeType>>,
    /// Only records in this division's subtree; `null`: everywhere.
    pub region: MaybeUndefined<String>,
    /// What it is for; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// `true` pauses deliveries; `false` resumes them, and the changes made while paused
    /// are delivered.
    pub paused: Option<bool>,
}

/// The webhook to delete.
#[derive(InputObject)]
pub struct DeleteWebhookInput {
    /// Global id of the webhook.
    pub id: ID,
}

/// Result of `createWebhook`.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    /// The webhook registered; null when nothing was.
    pub webhook: Option<Webhook>,
    /// The key deliveries are signed with (HMAC-SHA256), shown this once: keep it where the
    /// receiver can read it. Null when nothing was registered.
    pub secret: Option<String>,
    /// Problems with the input; empty when it was registered.
    pub user_errors: Vec<UserError>,
}

/// Result of `updateWebhook`.
#[derive(SimpleObject)]
pub struct UpdateWebhookPayload {
    /// The webhook as it now is; null when nothing was changed.
    pub webhook: Option<Webhook>,
    /// Problems with the input; empty when it was changed.
    pub user_errors: Vec<UserError>,
}

/// Result of `deleteWebhook`.
#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    /// Global id of the deleted webhook; null when nothing was deleted.
    pub deleted_id: Option<ID>,
    /// Problems with the input; empty when it was deleted.
    pub user_errors: Vec<UserError>,
}

/// Root field `webhooks`.
#[derive(Default)]
pub struct WebhookQuery;

#[civlink_macros::describe_arguments]
#[Object]
impl WebhookQuery {
    /// The webhooks the caller manages, oldest first: ADMIN's see every webhook, a
    /// SYNC_CLIENT those of its source. Other roles get `FORBIDDEN`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Conn<Webhook>> {
        may_manage(RequestData::of(ctx)?)?;
        let order = store::Sort { field: (), direction: store::Direction::Asc };
        root::<m::Entity, _>(
            ctx,
            store::webhook::WebhookFilter,
            order,
            PageArgs { first, after, last, before, ..Default::default() },
        )
        .await
    }
}

/// Mutations of webhooks.
#[derive(Default)]
pub struct WebhookMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl WebhookMutation {
    /// Registers a webhook, which receives the changes written from now on. ADMIN's receive
    /// every record's; a SYNC_CLIENT's only its own source's rosters. Returns the signing
    /// secret, shown this once. Errors in `userErrors`: `INVALID_URL`, `FORBIDDEN_ADDRESS`,
    /// `UNRESOLVABLE_HOST`, `INVALID_VALUE`, `OUT_OF_SCOPE`, `INVALID_DIVISION_CODE`,
    /// `TOO_LONG`. Other roles get `FORBIDDEN`.
    async fn create_webhook(&self, ctx: &Context<'_>, input: CreateWebhookInput) -> ApiResult<CreateWebhookPayload> {
        let data = RequestData::of(ctx)?;
        may_manage(data)?;
        let mut errors = Vec::new();
        let url = checked_url(data, &input.url, &mut errors).await;
        let types = checked_types(data, input.types.as_deref().unwrap_or_default(), &mut errors);
        let region = input.region.as_deref().and_then(|r| checked_region(r, &mut errors));
        let description = input.description.as_deref().and_then(|d| checked_description(d, &mut errors));
        let Some(url) = url.filter(|_| errors.is_empty()) else {
            return Ok(CreateWebhookPayload { webhook: None, secret: None, user_errors: errors });
        };
        let secret = new_secret()?;
        let new = store::webhook::NewWebhook { url, secret: secret.clone(), types, region, description };
        let subject = data.identity.subject.clone().unwrap_or_default();
        let row = store::webhook::create(&data.db, &data.scope, &subject, new).await.map_err(db_error)?;
        Ok(CreateWebhookPayload { webhook: Some(Webhook(row)), secret: Some(secret), user_errors: vec![] })
    }

    /// Changes a webhook: its URL, types, region, description, or `paused`. Resuming
    /// delivers what changed while it was paused. Errors in `userErrors`: those of
    /// `createWebhook`, `NOT_FOUND`, `INVALID_ID`.
    async fn update_webhook(&self, ctx: &Context<'_>, input: UpdateWebhookInput) -> ApiResult<UpdateWebhookPayload> {
        let data = RequestData::of(ctx)?;
        may_manage(data)?;
        let Some(id) = decode_id(&input.id) else {
            let e = problem("id", "INVALID_ID", "id: not a webhook id");
            return Ok(UpdateWebhookPayload { webhook: None, user_errors: vec![e] });
        };
        let mut errors = Vec::new();
        let mut changes = store::webhook::WebhookChanges { paused: input.paused, ..Default::default() };
        if let Some(url) = &input.url {
            changes.url = checked_url(data, url, &mut errors).await;
        }
        if let Some(types) = &input.types {
            changes.types = Some(checked_types(data, types, &mut errors));
        }
        match &input.region {
            MaybeUndefined::Value(r) => changes.region = Some(checked_region(r, &mut errors)),
            MaybeUndefined::Null => changes.region = Some(None),
            MaybeUndefined::Undefined => {}
        }
        match &input.description {
            MaybeUndefined::Value(d) => changes.description = Some(checked_description(d, &mut errors)),
            MaybeUndefined::Null => changes.description = Some(None),
            MaybeUndefined::Undefined => {}
        }
        if !errors.is_empty() {
            return Ok(UpdateWebhookPayload { webhook: None, user_errors: errors });
        }
        match store::webhook::update(&data.db, &data.scope, id, changes).await.map_err(db_error)? {
            Some(row) => Ok(UpdateWebhookPayload { webhook: Some(Webhook(row)), user_errors: vec![] }),
            None => Ok(UpdateWebhookPayload { webhook: None, user_errors: vec![not_found()] }),
        }
    }

    /// Deletes a webhook: nothing more is delivered to it. Errors in `userErrors`:
    /// `NOT_FOUND`, `INVALID_ID`.
    async fn delete_webhook(&self, ctx: &Context<'_>, input: DeleteWebhookInput) -> ApiResult<DeleteWebhookPayload> {
        let data = RequestData::of(ctx)?;
        may_manage(data)?;
        let Some(id) = decode_id(&input.id) else {
            let e = problem("id", "INVALID_ID", "id: not a webhook id");
            return Ok(DeleteWebhookPayload { deleted_id: None, user_errors: vec![e] });
        };
        if store::webhook::delete(&data.db, &data.scope, id).await.map_err(db_error)? {
            Ok(DeleteWebhookPayload { deleted_id: Some(input.id), user_errors: vec![] })
        } else {
            Ok(DeleteWebhookPayload { deleted_id: None, user_errors: vec![not_found()] })
        }
    }
}
