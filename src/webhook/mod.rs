//! Webhook deliveries (issue 25): the loop every replica runs beside the HTTP server, which
//! turns committed writes (their audit rows, [`crate::store::webhook`]) into signed HTTP POSTs
//! to the registered receivers.
//!
//! Each POST carries one event: its action, the record's node type, global id and change-feed
//! cursor, never the record's data; the receiver reads the record through the API with its
//! own token. The body is signed with the webhook's secret (`X-Civlink-Signature-256:
//! sha256=<hex HMAC-SHA256 of the body>`, as GitHub does) and carries the time of sending,
//! also sent as `X-Civlink-Timestamp`, so a receiver can refuse replays.
//!
//! Delivery is at least once and in write order per webhook (so per record): a webhook's next
//! event waits until the one before it is delivered or given up. A failed attempt (no answer,
//! a timeout, a status other than 2xx, a redirect) is retried after an exponential backoff
//! with jitter until the retry horizon (24 h by default) has passed since the event was
//! queued; then it is marked `FAILED` and the next event goes.

pub mod ssrf;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::webhook::Model as Webhook;
use entity::webhook_delivery::{DeliveryAction, Model as Delivery};
use hmac::{KeyInit, Mac};
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::json;
use uuid::Uuid;

pub use ssrf::WebhookAllow;

use crate::graphql::id::{GlobalId, NodeType};
use crate::store::webhook::{self as store, Attempt};
use crate::store::{Cursor, KeyValue};

/// Header with the signature of the body.
pub const SIGNATURE_HEADER: &str = "X-Civlink-Signature-256";
/// Header with the delivery's id (the same on every retry of one event).
pub const DELIVERY_HEADER: &str = "X-Civlink-Delivery";
/// Header with the time of sending, Unix seconds (also `timestamp` in the body).
pub const TIMESTAMP_HEADER: &str = "X-Civlink-Timestamp";

/// Settings of the delivery loop.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Internal addresses receivers may have anyway (`CIVLINK_WEBHOOK_ALLOW`).
    pub allow: WebhookAllow,
    /// How long an event is retried before it is marked failed (`CIVLINK_WEBHOOK_RETRY_SECS`).
    pub retry_horizon: Duration,
    /// The pause after the first failed attempt; doubled after each further one, up to
    /// [`WebhookSettings::max_backoff`].
    pub first_backoff: Duration,
    /// The longest pause between attempts.
    pub max_backoff: Duration,
    /// How often the loop looks for new events.
    pub poll: Duration,
    /// Time allowed to connect to a receiver.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, answer included.
    pub response_timeout: Duration,
    /// The longest a write transaction may stay open (`CIVLINK_WRITE_TIMEOUT_MS`): events
    /// are looked for again this long (plus a margin) after they were written.
    pub write_timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow: WebhookAllow::default(),
            retry_horizon: Duration::from_secs(24 * 3600),
            first_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(3600),
            poll: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(15),
            write_timeout: crate::store::write::DEFAULT_WRITE_TIMEOUT,
        }
    }
}

/// The running delivery loop; [`Deliveries::stop`] ends it.
pub struct Deliveries {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Deliveries {
    /// Starts the loop on `db`. Errors: the HTTP client cannot be built (TLS roots).
    pub fn start(db: DatabaseConnection, settings: WebhookSettings) -> Result<Self, reqwest::Error> {
        let client = http_client(&settings)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(run(db, settings, client, stopped));
        Ok(Self { stop, task })
    }

    /// Stops the loop after the request in flight, if any (at most the response timeout), and
    /// waits for it. Deliveries not yet made stay queued for the next start or another replica.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Ends the loop at once, at whatever point it is (tests): a delivery in flight is
    /// attempted again later, as after a crash.
    pub fn abort(&self) {
        let _ = self.stop.send(true);
        self.task.abort();
    }
}

/// The HTTP client of deliveries: no proxy (a proxy would resolve names itself), no
/// redirects followed, the guarded resolver, timeouts on connecting and on the whole request.
fn http_client(settings: &WebhookSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(ssrf::GuardedResolver { allow: Arc::new(settings.allow.clone()) }))
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.response_timeout)
        .user_agent(concat!("civlink-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Longest a replica holds one webhook per pass: also how long the webhook waits when the
/// replica holding it dies. It exceeds the work budget plus one request's timeout.
const LEASE: Duration = Duration::from_secs(30);
/// Longest a replica starts deliveries to one webhook per pass before turning to the next.
const WORK_BUDGET: Duration = Duration::from_secs(10);

async fn run(
    db: DatabaseConnection,
    settings: WebhookSettings,
    client: reqwest::Client,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let settle = settings.write_timeout + crate::store::write::COMMIT_MARGIN;
    loop {
        if *stopped.borrow() {
            return;
        }
        // The webhook held, so that stopping mid-pass gives its lease up at once.
        let held = std::sync::Mutex::new(None::<Uuid>);
        let hold = |id: Option<Uuid>| {
            if let Ok(mut h) = held.lock() {
                *h = id;
            }
        };
        let pass = async {
            let mut done = Vec::new();
            while let Some(hook) = store::claim(&db, &done, LEASE).await? {
                hold(Some(hook.id));
                done.push(hook.id);
                let worked = work_on(&db, &settings, &client, &hook, settle).await;
                store::release(&db, hook.id).await?;
                hold(None);
                worked?;
            }
            Ok::<_, DbErr>(())
        };
        tokio::select! {
            out = pass => if let Err(e) = out {
                tracing::warn!(error = %e, "webhook deliveries: database error; trying again shortly");
            },
            _ = stopped.changed() => {
                let id = held.lock().ok().and_then(|h| *h);
                if let Some(id) = id {
                    let _ = store::release(&db, id).await;
                }
                return;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.poll) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Queues the webhook's new events and delivers what is due, in order, until one attempt
/// fails or the work budget is spent.
async fn work_on(
    db: &DatabaseConnection,
    settings: &WebhookSettings,
    client: &reqwest::Client,
    hook: &Webhook,
    settle: Duration,
) -> Result<(), DbErr> {
    store::enqueue(db, hook, settle).await?;
    let started = std::time::Instant::now();
    while started.elapsed() < WORK_BUDGET {
        let Some(d) = store::head(db, hook.id).await? else { return Ok(()) };
        let now = crate::domain::time::now();
        if d.next_attempt_at > now {
            return Ok(());
        }
        let attempt = attempt(settings, client, hook, &d).await;
        let failed = attempt.error.is_some();
        if let Some(e) = &attempt.error {
            tracing::info!(webhook = %hook.id, delivery = %d.id, attempts = d.attempts + 1, error = %e, "webhook delivery failed");
        }
        store::record_attempt(db, &d, attempt.clone()).await?;
        if failed && attempt.retry_at.is_some() {
            return Ok(());
        }
    }
    Ok(())
}

/// The event's JSON body, sent at `sent` (Unix seconds).
pub fn body(hook: &Webhook, d: &Delivery, sent: i64) -> String {
    let node_type = node_type(&d.node_type);
    let id = node_type.map(|t| GlobalId::encode(t, &d.record_id).0).unwrap_or_default();
    let cursor = Uuid::parse_str(&d.record_id)
        .map(|u| {
            Cursor { ordering: "changes:asc".into(), key: vec![KeyValue::Time(d.occurred_at), KeyValue::Id(u)] }
                .encode()
        })
        .unwrap_or_default();
    let action = match d.action {
        DeliveryAction::Created => "CREATED",
        DeliveryAction::Updated => "UPDATED",
        DeliveryAction::Deleted => "DELETED",
    };
    let type_value = node_type.map(node_type_value).unwrap_or_default();
    json!({
        "deliveryId": d.id.to_string(),
        "webhookId": webhook_global_id(hook.id),
        "timestamp": sent,
        "events": [{
            "action": action,
            "nodeType": type_value,
            "id": id,
            "cursor": cursor,
            "occurredAt": d.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        }],
    })
    .to_string()
}

/// The opaque global id of a webhook (`Webhook:<uuid>`, base64url).
pub fn webhook_global_id(id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Webhook:{id}"))
}

fn node_type(name: &str) -> Option<NodeType> {
    NodeType::ALL.into_iter().find(|t| t.name() == name)
}

/// The `NodeType` enum value of a type, as the schema spells it (`SOCIAL_WORKER`).
pub fn node_type_value(t: NodeType) -> String {
    let mut out = String::new();
    for (i, c) in t.name().chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// `sha256=<hex>` of HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = match hmac::Hmac::<sha2_11::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + bytes.len() * 2);
    hex.push_str("sha256=");
    for b in bytes.iter() {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// One attempt at delivery `d`.
async fn attempt(settings: &WebhookSettings, client: &reqwest::Client, hook: &Webhook, d: &Delivery) -> Attempt {
    let at = crate::domain::time::now();
    let (response_code, error) = match post(settings, client, hook, d, at).await {
        Ok(status) if status.is_success() => (Some(status.as_u16()), None),
        Ok(status) if status.is_redirection() => {
            (Some(status.as_u16()), Some(format!("HTTP {status}: redirects are not followed")))
        }
        Ok(status) => (Some(status.as_u16()), Some(format!("HTTP {status}"))),
        Err(e) => (None, Some(e)),
    };
    let retry_at = error.as_ref().and_then(|_| {
        let next = at + chrono::Duration::from_std(backoff(settings, d.attempts + 1)).ok()?;
        let horizon = d.created_at + chrono::Duration::from_std(settings.retry_horizon).ok()?;
        (next <= horizon).then_some(next)
    });
    Attempt { at, response_code, error, retry_at }
}

async fn post(
    settings: &WebhookSettings,
    client: &reqwest::Client,
    hook: &Webhook,
    d: &Delivery,
    at: DateTime<Utc>,
) -> Result<reqwest::StatusCode, String> {
    let url = ssrf::parse_url(&hook.url).map_err(|e| e.to_string())?;
    ssrf::check_literal(&url, &settings.allow).map_err(|e| e.to_string())?;
    let sent = at.timestamp();
    let body = body(hook, d, sent);
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(&hook.secret, body.as_bytes()))
        .header(DELIVERY_HEADER, d.id.to_string())
        .header(TIMESTAMP_HEADER, sent.to_string())
        .body(body)
        .send()
        .await
        .map_err(describe)?;
    Ok(response.status())
}

/// A short summary of a failed request for the delivery log (no response body).
fn describe(e: reqwest::Error) -> String {
    use std::error::Error;
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = e.source();
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() { kind.to_owned() } else { format!("{kind}: {cause}") }
}

/// The pause after failed attempt `n` (from 1): `first_backoff × 2^(n-1)` up to
/// `max_backoff`, with "equal jitter" (half fixed, half random), as [`crate::store::write::backoff`].
fn backoff(settings: &WebhookSettings, n: i32) -> Duration {
    let full = settings.first_backoff.saturating_mul(1u32 << (n.clamp(1, 20) - 1) as u32).min(settings.max_backoff);
    let micros = full.as_micros() as u64;
    let random = getrandom::u64().unwrap_or(u64::MAX);
    Duration::from_micros(micros / 2 + random % (micros / 2 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn node_type_values_are_screaming_snake_case() {
        assert_eq!(node_type_value(NodeType::SocialWorker), "SOCIAL_WORKER");
        assert_eq!(node_type_value(NodeType::Station), "STATION");
    }
}
