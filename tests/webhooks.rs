//! Webhooks (issue 25): registration rules, SSRF refusals, signed deliveries from the audit
//! log, retries, scope, pause and resume, and a change committed just before the server is
//! killed. Each delivery test runs a small receiver (axum on port 0) that checks every
//! signature with the secret `createWebhook` returned.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use common::{Options, TestApp, token_with};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
    webhook { id url types region description paused ownerSource } secret userErrors { field code message } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) {
    webhook { id url paused types } userErrors { field code message } } }"#;
const DELETE: &str = r#"mutation($input: DeleteWebhookInput!) { deleteWebhook(input: $input) {
    deletedId userErrors { field code message } } }"#;
const LIST: &str = r#"{ webhooks(first: 50) { totalCount nodes { id url ownerSource
    recentDeliveries(limit: 50) { id action nodeType recordId status attempts responseCode lastError } } } }"#;

fn sync_client(source: &str) -> String {
    token_with("SYNC_CLIENT", |c| c.source = Some(source.to_owned()))
}

fn allow_localhost() -> civlink::webhook::WebhookAllow {
    "127.0.0.1".parse().expect("allow-list")
}

/// Delivery loop on, fast: polls every 50 ms, retries after 100 ms, 200 ms, …; 127.0.0.1
/// allowed (only through the allow-list).
fn delivering() -> Options {
    let mut o = Options::default();
    o.http.webhook_allow = Arc::new(allow_localhost());
    o.webhooks = Some(civlink::webhook::WebhookSettings {
        allow: allow_localhost(),
        poll: Duration::from_millis(50),
        first_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
        ..Default::default()
    });
    o
}

async fn create_as(app: &TestApp, token: &str, input: Value) -> Value {
    app.data_as(Some(token), CREATE, json!({ "input": input })).await["createWebhook"].clone()
}

fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------
// The receiver

#[derive(Debug, Clone)]
struct Received {
    body: Value,
    delivery: String,
    signature_ok: bool,
    timestamp_matches: bool,
}

#[derive(Clone, Default)]
struct Receiver {
    secret: Arc<Mutex<String>>,
    got: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to this many requests first.
    failures: Arc<AtomicUsize>,
}

impl Receiver {
    /// Starts on 127.0.0.1, port 0; returns it and its URL.
    async fn start() -> (Receiver, String) {
        let r = Receiver::default();
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { state.receive(headers, body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}/hook"))
    }

    fn receive(&self, headers: HeaderMap, body: Bytes) -> StatusCode {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let secret = self.secret.lock().unwrap().clone();
        // As a receiver would: HMAC-SHA256 of the raw body, compared in constant time.
        let mut mac = hmac::Hmac::<sha2_11::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&body);
        let sent = header("x-civlink-signature-256");
        let signature_ok = sent
            .strip_prefix("sha256=")
            .and_then(|h| (0..h.len()).step_by(2).map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok()).collect())
            .is_some_and(|bytes: Vec<u8>| mac.verify_slice(&bytes).is_ok());
        let body: Value = serde_json::from_slice(&body).unwrap();
        let timestamp_matches =
            body["timestamp"].as_i64().map(|t| t.to_string()) == Some(header("x-civlink-timestamp"));
        let delivery = header("x-civlink-delivery");
        self.got.lock().unwrap().push(Received { body, delivery, signature_ok, timestamp_matches });
        let failing = self.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if failing { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// The record ids (global ids) of the events received, in order.
    fn ids(&self) -> Vec<String> {
        self.received().iter().map(|r| r.body["events"][0]["id"].as_str().unwrap_or_default().to_owned()).collect()
    }

    /// Waits until `done` holds for what was received (at most 20 s).
    async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        self.within(Duration::from_secs(20), what, done).await
    }

    async fn within(&self, limit: Duration, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(started.elapsed() < limit, "waited {limit:?} for {what}; got {got:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Registers a webhook for `url` as `token` and gives the receiver its secret.
async fn register(app: &TestApp, token: &str, receiver: &Receiver, input: Value) -> String {
    let created = create_as(app, token, input).await;
    assert_eq!(codes(&created), Vec::<String>::new(), "{created}");
    *receiver.secret.lock().unwrap() = created["secret"].as_str().unwrap().to_owned();
    created["webhook"]["id"].as_str().unwrap().to_owned()
}

async fn create_station(app: &TestApp, name: &str) -> String {
    let q = r#"mutation($input: CreateStationInput!) { createStation(input: $input) { station { id } userErrors { code } } }"#;
    let input = json!({ "name": name, "level": "TOWNSHIP_STATION", "status": "OPERATING", "regionCode": "522301" });
    let d = app.data(q, json!({ "input": input })).await;
    d["createStation"]["station"]["id"].as_str().unwrap().to_owned()
}

async fn sync_volunteers(app: &TestApp, source: &str, external_ids: &[&str]) -> Vec<String> {
    let q =
        r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) { created userErrors { code } } }"#;
    let records: Vec<Value> = external_ids
        .iter()
        .enumerate()
        .map(|(i, e)| json!({ "externalId": e, "name": format!("志愿者{i}"), "regionCode": "522301" }))
        .collect();
    let d = app.data(q, json!({ "input": { "source": source, "records": records } })).await;
    assert_eq!(d["syncVolunteers"]["created"], external_ids.len(), "{d}");
    // A SYNC_CLIENT of the source sees its source's volunteers only.
    let d = app.data_as(Some(&sync_client(source)), "{ volunteers(first: 100) { nodes { id } } }", json!({})).await;
    common::nodes(&d["volunteers"]).iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------
// Registration

both!(only_admin_and_sync_clients_register_webhooks, |app| {
    let input = json!({ "url": "https://93.184.215.14/hook" });
    for role in ["PORTAL", "STATION_STAFF"] {
        let token = token_with(role, |c| c.station = Some(uuid::Uuid::now_v7().to_string()));
        let code = app.error_code_as(Some(&token), CREATE, json!({ "input": input.clone() })).await;
        assert_eq!(code, "FORBIDDEN", "{role}");
    }
    let ca = token_with("CIVIL_AFFAIRS", |c| c.region = Some("522301".into()));
    assert_eq!(app.error_code_as(Some(&ca), LIST, json!({})).await, "FORBIDDEN");
    assert_eq!(app.error_code_as(None, CREATE, json!({ "input": input })).await, "FORBIDDEN");
});

both!(urls_of_internal_addresses_are_refused_unless_allowed, |app| {
    let admin = common::admin_token();
    for (url, code) in [
        ("ftp://files.example/hook", "INVALID_URL"),
        ("not a url", "INVALID_URL"),
        ("https://user:pw@93.184.215.14/", "INVALID_URL"),
        ("http://[::1]/hook", "FORBIDDEN_ADDRESS"),
        ("http://169.254.169.254/latest/meta-data", "FORBIDDEN_ADDRESS"),
        ("http://127.0.0.1:9/hook", "FORBIDDEN_ADDRESS"),
        ("http://10.1.2.3/hook", "FORBIDDEN_ADDRESS"),
        ("http://100.100.100.200/", "FORBIDDEN_ADDRESS"),
        ("http://[fd00:ec2::254]/", "FORBIDDEN_ADDRESS"),
        ("http://[::ffff:127.0.0.1]/", "FORBIDDEN_ADDRESS"),
        // A host name that resolves to 127.0.0.1.
        ("http://localhost:9/hook", "FORBIDDEN_ADDRESS"),
        ("http://no-such-host.invalid/hook", "UNRESOLVABLE_HOST"),
    ] {
        let p = create_as(&app, &admin, json!({ "url": url })).await;
        assert_eq!(codes(&p), vec![code], "{url}: {p}");
        assert!(p["webhook"].is_null() && p["secret"].is_null(), "{p}");
    }
    assert_eq!(common::total(&app.data(LIST, json!({})).await["webhooks"]), 0, "nothing registered");
});

both!(a_webhook_is_registered_with_a_secret_shown_once_and_managed_by_its_owner_only, |app| {
    let admin = common::admin_token();
    let input = json!({ "url": "https://93.184.215.14/hook", "types": ["STATION", "VOLUNTEER"], "region": "522301", "description": "roster mirror" });
    let created = create_as(&app, &admin, input).await;
    assert_eq!(codes(&created), Vec::<String>::new(), "{created}");
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 64, "32 random bytes, hex");
    assert_eq!(created["webhook"]["types"], json!(["STATION", "VOLUNTEER"]));
    assert_eq!(created["webhook"]["region"], "522301000000");
    assert!(created["webhook"]["ownerSource"].is_null());
    let admin_hook = created["webhook"]["id"].as_str().unwrap().to_owned();
    // The secret is never returned again: no field of Webhook carries it.
    let listed = app.post(LIST, json!({})).await.to_string();
    assert!(!listed.contains(secret), "{listed}");

    // A SYNC_CLIENT: its own source's types only; sees and manages its own webhooks only.
    let nvs = sync_client("nvs");
    let refused = create_as(&app, &nvs, json!({ "url": "https://93.184.215.14/a", "types": ["STATION"] })).await;
    assert_eq!(codes(&refused), vec!["OUT_OF_SCOPE"], "{refused}");
    let own = create_as(&app, &nvs, json!({ "url": "https://93.184.215.14/a", "types": ["VOLUNTEER"] })).await;
    assert_eq!(own["webhook"]["ownerSource"], "nvs", "{own}");
    let own_id = own["webhook"]["id"].as_str().unwrap().to_owned();
    let seen = app.data_as(Some(&nvs), LIST, json!({})).await;
    assert_eq!(common::id_set(&seen["webhooks"]).into_iter().collect::<Vec<_>>(), vec![own_id.clone()]);
    assert_eq!(common::total(&app.data(LIST, json!({})).await["webhooks"]), 2, "ADMIN sees both");
    let other = sync_client("other");
    for (token, id) in [(&other, &own_id), (&nvs, &admin_hook)] {
        let u = app.data_as(Some(token), UPDATE, json!({ "input": { "id": id, "paused": true } })).await;
        assert_eq!(codes(&u["updateWebhook"]), vec!["NOT_FOUND"], "{u}");
        let d = app.data_as(Some(token), DELETE, json!({ "input": { "id": id } })).await;
        assert_eq!(codes(&d["deleteWebhook"]), vec!["NOT_FOUND"], "{d}");
    }

    // Updates are checked like registrations.
    let u = app.data(UPDATE, json!({ "input": { "id": admin_hook, "url": "http://127.0.0.1/x" } })).await;
    assert_eq!(codes(&u["updateWebhook"]), vec!["FORBIDDEN_ADDRESS"], "{u}");
    let u = app.data(UPDATE, json!({ "input": { "id": admin_hook, "paused": true, "types": [] } })).await;
    assert_eq!(u["updateWebhook"]["webhook"]["paused"], true, "{u}");
    assert_eq!(u["updateWebhook"]["webhook"]["types"], json!([]), "{u}");
    let u = app.data(UPDATE, json!({ "input": { "id": "bm9wZQ", "paused": true } })).await;
    assert_eq!(codes(&u["updateWebhook"]), vec!["INVALID_ID"], "{u}");

    let d = app.data_as(Some(&nvs), DELETE, json!({ "input": { "id": own_id } })).await;
    assert_eq!(d["deleteWebhook"]["deletedId"], own_id.as_str(), "{d}");
    assert_eq!(common::total(&app.data(LIST, json!({})).await["webhooks"]), 1);
});

// ---------------------------------------------------------------------------------------
// Deliveries

both_with!(a_write_is_delivered_signed_without_personal_data, delivering(), |app| {
    let (receiver, url) = Receiver::start().await;
    register(&app, &common::admin_token(), &receiver, json!({ "url": url, "types": ["STATION"] })).await;
    let station = create_station(&app, "兴义市webhook测试社工站").await;
    let got = receiver.until("the station's CREATED event", |g| !g.is_empty()).await;
    let r = &got[0];
    assert!(r.signature_ok, "{r:?}");
    assert!(r.timestamp_matches, "{r:?}");
    let event = &r.body["events"][0];
    assert_eq!(event["action"], "CREATED");
    assert_eq!(event["nodeType"], "STATION");
    assert_eq!(event["id"], station.as_str());
    assert_eq!(r.body["deliveryId"], r.delivery.as_str());
    // The cursor is a change-feed cursor: the record's (updatedAt, id).
    let cursor: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(event["cursor"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(cursor["o"], "changes:asc", "{cursor}");
    let q = r#"query($after: String) { stations(updatedSince: "2000-01-01T00:00:00Z", first: 5, after: $after) { nodes { id } } }"#;
    let d = app.post(q, json!({ "after": event["cursor"] })).await;
    assert!(d["errors"].is_null(), "the change feed takes the cursor: {d}");
    // No record data: the receiver reads the record with its own token.
    assert!(!r.body.to_string().contains("webhook测试"), "{}", r.body);

    let listed = app.data(LIST, json!({})).await;
    let deliveries = &common::nodes(&listed["webhooks"])[0]["recentDeliveries"];
    assert_eq!(deliveries[0]["status"], "DELIVERED", "{listed}");
    assert_eq!(deliveries[0]["attempts"], 1);
    assert_eq!(deliveries[0]["responseCode"], 204);
    assert_eq!(deliveries[0]["recordId"], station.as_str());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "delivered once");
});

both_with!(
    a_name_that_resolves_to_an_internal_address_at_delivery_time_gets_nothing,
    {
        // Registration allows 127.0.0.1, the deliveries' resolver does not: as if `localhost`
        // had resolved to a public address when it was registered (DNS rebinding).
        let mut o = delivering();
        if let Some(w) = o.webhooks.as_mut() {
            w.allow = Default::default();
        }
        o
    },
    |app| {
        let (receiver, url) = Receiver::start().await;
        let url = url.replace("127.0.0.1", "localhost");
        register(&app, &common::admin_token(), &receiver, json!({ "url": url, "types": ["STATION"] })).await;
        create_station(&app, "重绑定社工站").await;
        let started = Instant::now();
        loop {
            let listed = app.data(LIST, json!({})).await;
            let d = &common::nodes(&listed["webhooks"])[0]["recentDeliveries"][0];
            if d["attempts"].as_i64().unwrap_or(0) >= 1 {
                assert_eq!(d["status"], "PENDING", "{d}");
                assert!(d["responseCode"].is_null(), "{d}");
                assert!(d["lastError"].as_str().unwrap().contains("no address a webhook may reach"), "{d}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{listed}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(receiver.received().is_empty(), "nothing reached the receiver");
    }
);

both_with!(a_receiver_answering_500_gets_retries_until_it_accepts, delivering(), |app| {
    let (receiver, url) = Receiver::start().await;
    receiver.failures.store(2, Ordering::SeqCst);
    register(&app, &common::admin_token(), &receiver, json!({ "url": url, "types": ["STATION"] })).await;
    let first = create_station(&app, "重试一社工站").await;
    let second = create_station(&app, "重试二社工站").await;
    let got = receiver.until("two failures, then both stations", |g| g.len() >= 4).await;
    assert!(got.iter().all(|r| r.signature_ok), "{got:#?}");
    // The first event three times (same delivery id), then the second: in write order.
    let ids: Vec<&str> = got.iter().map(|r| r.body["events"][0]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![first.as_str(), first.as_str(), first.as_str(), second.as_str()]);
    assert_eq!(got[0].delivery, got[2].delivery);
    let listed = app.data(LIST, json!({})).await;
    let deliveries = &common::nodes(&listed["webhooks"])[0]["recentDeliveries"];
    let first_log = deliveries.as_array().unwrap().iter().find(|d| d["recordId"] == first.as_str()).unwrap();
    assert_eq!(first_log["attempts"], 3, "{listed}");
    assert_eq!(first_log["status"], "DELIVERED");
});

both_with!(
    an_event_is_given_up_after_the_retry_horizon_and_the_next_one_goes,
    {
        let mut o = delivering();
        if let Some(w) = o.webhooks.as_mut() {
            w.retry_horizon = Duration::from_millis(700);
        }
        o
    },
    |app| {
        let (receiver, url) = Receiver::start().await;
        receiver.failures.store(usize::MAX, Ordering::SeqCst);
        register(&app, &common::admin_token(), &receiver, json!({ "url": url, "types": ["STATION"] })).await;
        let first = create_station(&app, "放弃社工站").await;
        let started = Instant::now();
        loop {
            let listed = app.data(LIST, json!({})).await;
            let d = &common::nodes(&listed["webhooks"])[0]["recentDeliveries"][0];
            if d["status"] == "FAILED" {
                assert_eq!(d["recordId"], first.as_str());
                assert_eq!(d["lastError"], "HTTP 500 Internal Server Error", "{d}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{listed}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        receiver.failures.store(0, Ordering::SeqCst);
        let second = create_station(&app, "接着社工站").await;
        receiver.until("the next event", |g| g.iter().any(|r| r.body["events"][0]["id"] == second.as_str())).await;
    }
);

both_with!(a_sync_clients_webhook_never_receives_another_sources_records, delivering(), |app| {
    let (mine, mine_url) = Receiver::start().await;
    let (all, all_url) = Receiver::start().await;
    register(&app, &sync_client("nvs"), &mine, json!({ "url": mine_url })).await;
    register(&app, &common::admin_token(), &all, json!({ "url": all_url, "types": ["VOLUNTEER"] })).await;
    // Another source's records first, then its own: delivered in write order, so once its own
    // have come, the other source's would have come before them.
    let others = sync_volunteers(&app, "other-system", &["X1", "X2"]).await;
    let own = sync_volunteers(&app, "nvs", &["N1", "N2"]).await;
    create_station(&app, "不属于任何来源的社工站").await;
    all.until("all four volunteers", |g| g.len() >= 4).await;
    mine.until("its own two volunteers", |g| g.len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = mine.ids();
    assert_eq!(got.iter().collect::<std::collections::BTreeSet<_>>(), own.iter().collect(), "{got:?}");
    assert!(others.iter().all(|o| !got.contains(o)));
    assert!(mine.received().iter().all(|r| r.signature_ok));
    let everything = all.ids();
    assert!(others.iter().chain(&own).all(|v| everything.contains(v)), "ADMIN's webhook gets every source's");
    assert_eq!(everything.len(), 4, "no station events on a VOLUNTEER webhook: {everything:?}");
});

both_with!(two_replicas_deliver_each_event_once_in_order, delivering(), |app| {
    // A second delivery loop on the same database, as a second replica would run.
    let settings = delivering().webhooks.unwrap();
    let second = civlink::webhook::Deliveries::start(app.db.clone(), settings).unwrap();
    let (receiver, url) = Receiver::start().await;
    register(&app, &common::admin_token(), &receiver, json!({ "url": url, "types": ["STATION"] })).await;
    let mut stations = Vec::new();
    for n in 0..6 {
        stations.push(create_station(&app, &format!("双副本{n}号社工站")).await);
    }
    // Deleting one is an event too.
    let q = r#"mutation($input: DeleteInput!) { deleteStation(input: $input) { deletedId } }"#;
    app.data(q, json!({ "input": { "id": stations[0], "expectedVersion": 1 } })).await;
    receiver.until("seven events", |g| g.len() >= 7).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    second.stop().await;
    let got = receiver.received();
    assert!(got.iter().all(|r| r.signature_ok));
    let mut expected = stations.clone();
    expected.push(stations[0].clone());
    assert_eq!(receiver.ids(), expected, "each once, in write order");
    let actions: Vec<&str> = got.iter().map(|r| r.body["events"][0]["action"].as_str().unwrap()).collect();
    assert_eq!(actions, [vec!["CREATED"; 6], vec!["DELETED"]].concat());
});

both_with!(a_paused_webhook_receives_nothing_until_resumed_then_catches_up, delivering(), |app| {
    let (receiver, url) = Receiver::start().await;
    let id = register(&app, &common::admin_token(), &receiver, json!({ "url": url, "types": ["STATION"] })).await;
    let u = app.data(UPDATE, json!({ "input": { "id": id, "paused": true } })).await;
    assert_eq!(u["updateWebhook"]["webhook"]["paused"], true, "{u}");
    let a = create_station(&app, "暂停甲社工站").await;
    let b = create_station(&app, "暂停乙社工站").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(receiver.received().is_empty(), "nothing while paused");
    app.data(UPDATE, json!({ "input": { "id": id, "paused": false } })).await;
    let got = receiver.until("both stations after resuming", |g| g.len() >= 2).await;
    let ids: Vec<&str> = got.iter().map(|r| r.body["events"][0]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![a.as_str(), b.as_str()]);
});

// ---------------------------------------------------------------------------------------
// A server killed after a commit

struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    fn start(app: &TestApp) -> Server {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_civlink"))
            .arg("serve")
            .env("DATABASE_URL", &app.url)
            .env("CIVLINK_ADDR", "127.0.0.1:0")
            .env("CIVLINK_JWT_SECRET", common::TEST_SECRET)
            .env("CIVLINK_WEBHOOK_ALLOW", "127.0.0.1")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start civlink");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "civlink exited before listening");
            if let Some(addr) = line.trim().strip_prefix("civlink listening on ") {
                break format!("{addr}/graphql");
            }
        };
        std::thread::spawn(move || for _ in stdout.lines() {});
        Server { child, url }
    }

    async fn post(&self, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables });
        let r = reqwest::Client::new().post(&self.url).bearer_auth(common::admin_token()).json(&body).send().await;
        r.unwrap().json().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

both!(a_change_committed_just_before_a_crash_is_delivered_after_the_restart, |app| {
    let (receiver, url) = Receiver::start().await;
    // Refuses everything until the server has been killed: nothing is delivered before.
    receiver.failures.store(usize::MAX, Ordering::SeqCst);
    let mut server = Server::start(&app);
    let created = server.post(CREATE, json!({ "input": { "url": url, "types": ["STATION"] } })).await;
    *receiver.secret.lock().unwrap() = created["data"]["createWebhook"]["secret"].as_str().unwrap().to_owned();
    let q = r#"mutation($input: CreateStationInput!) { createStation(input: $input) { station { id } } }"#;
    let input =
        json!({ "name": "崩溃前社工站", "level": "TOWNSHIP_STATION", "status": "OPERATING", "regionCode": "522301" });
    let d = server.post(q, json!({ "input": input })).await;
    let station = d["data"]["createStation"]["station"]["id"].as_str().unwrap().to_owned();
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    receiver.failures.store(0, Ordering::SeqCst);
    let _restarted = Server::start(&app);
    // A lease the killed server held (30 s) and a backoff it set (up to 10 s) may delay it.
    let got = receiver
        .within(Duration::from_secs(60), "the station's event after the restart", |g| {
            g.iter().any(|r| r.body["events"][0]["id"] == station.as_str() && r.signature_ok)
        })
        .await;
    assert!(got.iter().all(|r| r.signature_ok));
});

// `recentDeliveries(limit:)` was priced as one item, so `actual` could pass `requested`
// (found by a new-user review): it costs its limit times its selection.
both!(recent_deliveries_are_priced_at_their_limit, |app| {
    let q = "{ webhooks(first: 2) { nodes { recentDeliveries(limit: 50) { status attempts } } } }";
    let body = app.post(q, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let requested = body["extensions"]["cost"]["requested"].as_u64().unwrap();
    assert!(requested >= 2 * 50 * 2, "{body:#}");
});
