//! Subscriptions (issue 25): `changes` over graphql-transport-ws on `/graphql`, with a real
//! WebSocket client: scoped like reads, resumable with no gap and no duplicate, across two
//! replicas on one database, closed when the token expires or the client reads too slowly;
//! `jobProgress`, an export followed to its end, for its owner only.

mod common;

use std::time::{Duration, Instant};

use common::{Options, TestApp, admin_token, civil_affairs, payload_ok, token_with};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const CHANGES: &str = r#"subscription($types: [NodeType!], $region: String, $after: String) {
    changes(types: $types, region: $region, after: $after) {
      cursor action nodeType id
      node { id ... on Station { name region { code } } ... on Volunteer { name phone } } } }"#;

fn live() -> Options {
    let mut o = Options::default();
    o.changes = true;
    o.http.subscriptions.poll = Duration::from_millis(100);
    o
}

/// A graphql-transport-ws client.
struct Client {
    socket: Socket,
}

impl Client {
    /// Connects to `app` and sends `connection_init` with `token`; returns the socket as it is
    /// after the server's first answer (an ack, or a close).
    async fn open(app: &TestApp, token: Option<&str>) -> (Client, Message) {
        let mut request = format!("ws://{}/graphql", app.addr).into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let (mut socket, response) = tokio_tungstenite::connect_async(request).await.expect("websocket upgrade");
        assert_eq!(
            response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        let payload = match token {
            Some(t) => json!({ "Authorization": format!("Bearer {t}") }),
            None => json!({}),
        };
        let init = json!({ "type": "connection_init", "payload": payload }).to_string();
        socket.send(Message::Text(init.into())).await.unwrap();
        let first = tokio::time::timeout(Duration::from_secs(5), socket.next()).await.expect("an answer to init");
        (Client { socket }, first.expect("open").expect("message"))
    }

    /// Connects and expects `connection_ack`.
    async fn connect(app: &TestApp, token: &str) -> Client {
        let (client, first) = Client::open(app, Some(token)).await;
        let text = first.into_text().expect("text");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["type"], "connection_ack", "{text}");
        client
    }

    async fn subscribe(&mut self, id: &str, variables: Value) {
        self.subscribe_to(id, CHANGES, variables).await
    }

    async fn subscribe_to(&mut self, id: &str, query: &str, variables: Value) {
        let m = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        self.socket.send(Message::Text(m.to_string().into())).await.unwrap();
        // No message confirms a subscription: give the server time to start it, so that the
        // writes that follow happen after it.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    /// The next `next` or `error` message within `limit`; `None` when none came.
    async fn message(&mut self, limit: Duration) -> Option<Value> {
        let until = Instant::now() + limit;
        loop {
            let left = until.checked_duration_since(Instant::now())?;
            let m = tokio::time::timeout(left, self.socket.next()).await.ok()??.ok()?;
            match m {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    match v["type"].as_str() {
                        Some("ping") => {
                            let pong = json!({ "type": "pong" }).to_string();
                            self.socket.send(Message::Text(pong.into())).await.unwrap();
                        }
                        Some("next") | Some("error") | Some("complete") => return Some(v),
                        _ => {}
                    }
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// The next event's `changes` within `limit`.
    async fn event(&mut self, limit: Duration) -> Option<Value> {
        let m = self.message(limit).await?;
        assert_eq!(m["type"], "next", "{m}");
        assert!(m["payload"].get("errors").is_none(), "{m}");
        Some(m["payload"]["data"]["changes"].clone())
    }

    /// The close code the server ends the connection with, within `limit`.
    async fn close_code(&mut self, limit: Duration) -> Option<u16> {
        let until = Instant::now() + limit;
        loop {
            let left = until.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.socket.next()).await.ok()?? {
                Ok(Message::Close(Some(frame))) => return Some(frame.code.into()),
                Ok(Message::Close(None)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }
}

async fn create_station(app: &TestApp, name: &str, region: &str) -> String {
    let q = r#"mutation($input: CreateStationInput!) { createStation(input: $input) { station { id } userErrors { code } } }"#;
    let input = json!({ "name": name, "level": "TOWNSHIP_STATION", "status": "OPERATING", "regionCode": region });
    let d = app.data(q, json!({ "input": input })).await;
    payload_ok(&d, "createStation")["station"]["id"].as_str().unwrap().to_owned()
}

const SECOND: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(5);

both_with!(a_subscriber_receives_creates_updates_and_deletes_with_the_node_as_read, live(), |app| {
    let mut ws = Client::connect(&app, &admin_token()).await;
    ws.subscribe("1", json!({ "types": ["STATION"] })).await;
    let id = create_station(&app, "订阅测试站", "522301").await;
    let created = ws.event(WAIT).await.expect("the create");
    assert_eq!(created["action"], "CREATED");
    assert_eq!(created["nodeType"], "STATION");
    assert_eq!(created["id"], id.as_str());
    assert_eq!(created["node"]["name"], "订阅测试站");
    assert_eq!(created["node"]["region"]["code"], "522301000000");

    let q = r#"mutation($input: DeleteInput!) { deleteStation(input: $input) { deletedId } }"#;
    app.data(q, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    let deleted = ws.event(WAIT).await.expect("the delete");
    assert_eq!(deleted["action"], "DELETED");
    assert_eq!(deleted["id"], id.as_str());
    assert_eq!(deleted["node"], Value::Null, "a deletion carries no node");
    assert_ne!(created["cursor"], deleted["cursor"]);
});

both_with!(a_county_officials_events_carry_personal_data_masked_as_its_reads, live(), |app| {
    let mut ws = Client::connect(&app, &civil_affairs("522301")).await;
    ws.subscribe("1", json!({ "types": ["VOLUNTEER"] })).await;
    let q = r#"mutation($input: CreateVolunteerInput!) { createVolunteer(input: $input) { volunteer { id phone } userErrors { code } } }"#;
    let input = json!({ "name": "订阅志愿者", "phone": "13912345678", "regionCode": "522301" });
    let d = app.data(q, json!({ "input": input })).await;
    let created = payload_ok(&d, "createVolunteer")["volunteer"].clone();
    let e = ws.event(WAIT).await.expect("the volunteer's event");
    assert_eq!(e["id"], created["id"]);
    let phone = e["node"]["phone"].as_str().unwrap();
    assert!(common::is_masked_mobile(phone), "masked for CIVIL_AFFAIRS as in its reads: {phone}");
});

both_with!(a_county_official_never_receives_another_countys_events, live(), |app| {
    let mut ws = Client::connect(&app, &civil_affairs("522301")).await;
    ws.subscribe("1", json!({})).await;
    let elsewhere = create_station(&app, "南明区的站", "520102").await;
    let here = create_station(&app, "兴义市的站", "522301").await;
    let got = ws.event(WAIT).await.expect("the county's own event");
    assert_eq!(got["id"], here.as_str(), "the other county's {elsewhere} must not come first or at all");
    assert_eq!(ws.message(SECOND).await, None, "nothing else");

    // The same holds for `region:` asked wider than the token's scope.
    let mut wide = Client::connect(&app, &civil_affairs("522301")).await;
    wide.subscribe("1", json!({ "region": "52" })).await;
    create_station(&app, "南明区的第二个站", "520102").await;
    assert_eq!(wide.message(Duration::from_millis(1_500)).await, None);
});

both_with!(a_subscriber_that_reconnects_with_its_last_cursor_gets_every_later_change_once, live(), |app| {
    let token = admin_token();
    let mut ws = Client::connect(&app, &token).await;
    ws.subscribe("1", json!({ "types": ["STATION"] })).await;
    create_station(&app, "站一", "522301").await;
    let first = ws.event(WAIT).await.expect("the first change");
    drop(ws);

    // Written while nobody listens.
    let mut expected = Vec::new();
    for i in 0..5 {
        expected.push(create_station(&app, &format!("断线期间的站{i}"), "522301").await);
    }
    let mut ws = Client::connect(&app, &token).await;
    ws.subscribe("1", json!({ "types": ["STATION"], "after": first["cursor"] })).await;
    expected.push(create_station(&app, "重连之后的站", "522301").await);
    let mut got = Vec::new();
    while let Some(e) = ws.event(Duration::from_millis(1_500)).await {
        got.push(e["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, expected, "every change after the cursor, in order, once");
});

both_with!(a_write_through_one_replica_reaches_a_subscriber_of_another_within_a_second, live(), |a| {
    let b = a.replica(live()).await;
    let mut ws = Client::connect(&b, &admin_token()).await;
    ws.subscribe("1", json!({ "types": ["STATION"] })).await;
    let mut latencies = Vec::new();
    for i in 0..5 {
        let written = Instant::now();
        let id = create_station(&a, &format!("甲副本写入{i}"), "522301").await;
        let e = ws.event(WAIT).await.expect("the event on the other replica");
        latencies.push(written.elapsed());
        assert_eq!(e["id"], id.as_str());
    }
    eprintln!("write-to-event latencies across replicas: {latencies:?}");
    let worst = latencies.iter().max().unwrap();
    assert!(*worst < SECOND, "write to event on another replica took {worst:?}");
});

both_with!(concurrent_writes_on_two_replicas_arrive_once_each_also_across_a_reconnect, live(), |a| {
    let b = a.replica(live()).await;
    let token = admin_token();
    let mut steady = Client::connect(&b, &token).await;
    steady.subscribe("1", json!({ "types": ["STATION"] })).await;
    let mut flaky = Client::connect(&a, &token).await;
    flaky.subscribe("1", json!({ "types": ["STATION"] })).await;

    let write = |round: usize| {
        let (a, b) = (&a, &b);
        async move {
            let writes = (0..8).map(|i| {
                let app = if i % 2 == 0 { a } else { b };
                async move { create_station(app, &format!("并发站{round}-{i}"), "522301").await }
            });
            futures::future::join_all(writes).await
        }
    };
    let mut expected: Vec<String> = write(0).await;
    // The flaky subscriber reads a few events, drops its connection mid-stream, and resumes
    // with the last cursor it got while the next round is written.
    let mut flaky_got = Vec::new();
    let mut last_cursor = Value::Null;
    for _ in 0..3 {
        let e = flaky.event(WAIT).await.expect("an event");
        flaky_got.push(e["id"].as_str().unwrap().to_owned());
        last_cursor = e["cursor"].clone();
    }
    drop(flaky);
    let second = write(1);
    let mut flaky = Client::connect(&a, &token).await;
    let resume = flaky.subscribe("1", json!({ "types": ["STATION"], "after": last_cursor }));
    let (ids, ()) = tokio::join!(second, resume);
    expected.extend(ids);

    let mut steady_got = Vec::new();
    while let Some(e) = steady.event(Duration::from_millis(2_000)).await {
        steady_got.push(e["id"].as_str().unwrap().to_owned());
    }
    while let Some(e) = flaky.event(Duration::from_millis(2_000)).await {
        flaky_got.push(e["id"].as_str().unwrap().to_owned());
    }
    let mut want = expected.clone();
    want.sort();
    for (who, mut got) in [("steady", steady_got), ("resumed", flaky_got)] {
        got.sort();
        assert_eq!(got, want, "{who}: every write once");
    }
});

/// Transaction ids are shared by the databases of one PostgreSQL server: a transaction left
/// open in another database must not hold this database's events back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_transaction_in_another_database_does_not_hold_events_back() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn_with(common::Backend::Postgres, live()).await;
    let other = sea_orm::Database::connect(format!("{}/postgres", common::pg_server())).await.unwrap();
    let open = other.begin().await.unwrap();
    open.execute_unprepared("SELECT pg_current_xact_id()").await.unwrap();
    let mut ws = Client::connect(&app, &admin_token()).await;
    ws.subscribe("1", json!({ "types": ["STATION"] })).await;
    let written = Instant::now();
    let id = create_station(&app, "别库长事务期间的站", "522301").await;
    let e = ws.event(WAIT).await.expect("the event");
    assert_eq!(e["id"], id.as_str());
    assert!(written.elapsed() < SECOND, "held back {:?} by another database's transaction", written.elapsed());
    open.rollback().await.unwrap();
}

/// A transaction of this database that is still open may yet write audit rows ordered before
/// a later commit's: the later commit's events wait for it, so that no reader passes a row
/// that commits behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_wait_for_an_older_open_transaction_of_the_same_database() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn_with(common::Backend::Postgres, live()).await;
    let mut ws = Client::connect(&app, &admin_token()).await;
    ws.subscribe("1", json!({ "types": ["STATION"] })).await;
    let same = sea_orm::Database::connect(app.url.as_str()).await.unwrap();
    let open = same.begin().await.unwrap();
    open.execute_unprepared("SELECT pg_current_xact_id()").await.unwrap();
    let id = create_station(&app, "等待较早事务的站", "522301").await;
    assert_eq!(ws.message(Duration::from_millis(1_500)).await, None, "held back while the older one is open");
    open.commit().await.unwrap();
    let e = ws.event(WAIT).await.expect("the event once it has committed");
    assert_eq!(e["id"], id.as_str());
}

both_with!(an_expired_token_closes_the_stream, live(), |app| {
    let expires = chrono::Utc::now().timestamp() + 2;
    let token = token_with("ADMIN", |c| c.exp = expires);
    let mut ws = Client::connect(&app, &token).await;
    ws.subscribe("1", json!({})).await;
    assert_eq!(ws.close_code(WAIT).await, Some(4401));
});

both_with!(a_bad_token_is_refused_at_connection_init, live(), |app| {
    let (mut ws, first) = Client::open(&app, Some("not-a-token")).await;
    let code = match first {
        Message::Close(Some(frame)) => Some(u16::from(frame.code)),
        _ => ws.close_code(WAIT).await,
    };
    assert_eq!(code, Some(4403));
});

both_with!(subscriptions_need_a_token_and_a_known_cursor, live(), |app| {
    let (mut ws, first) = Client::open(&app, None).await;
    assert!(first.into_text().unwrap().contains("connection_ack"));
    ws.subscribe("1", json!({})).await;
    let m = ws.message(WAIT).await.expect("an error");
    assert_eq!(m["type"], "next", "{m}");
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{m}");

    // Over HTTP a subscription is refused as a request error, never run or answered INTERNAL.
    let body = app.post("subscription { changes { id } }", json!({})).await;
    let code = body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
    assert!(!code.is_empty() && code != "INTERNAL", "{body}");

    let mut ws = Client::connect(&app, &admin_token()).await;
    ws.subscribe("2", json!({ "after": "bm90LWEtY3Vyc29y" })).await;
    let m = ws.message(WAIT).await.expect("an error");
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "INVALID_CURSOR", "{m}");

    // Found by a review: a cursor beyond the newest change (another deployment's, or from
    // before a restore) was accepted and then waited for events that had passed it.
    use base64::Engine;
    let beyond = json!({ "o": "changes:commit", "k": [
        { "t": "Int", "v": 9_000_000_000_000_000_000_i64 },
        { "t": "Id", "v": "00000000-0000-0000-0000-000000000000" } ] });
    let beyond = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(beyond.to_string());
    ws.subscribe("3", json!({ "after": beyond })).await;
    let m = loop {
        let m = ws.message(WAIT).await.expect("an error");
        if m["id"] == "3" {
            break m;
        }
    };
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "INVALID_CURSOR", "{m}");
});

both_with!(queries_and_mutations_also_run_over_the_socket_with_the_callers_scope, live(), |app| {
    let mut ws = Client::connect(&app, &civil_affairs("522301")).await;
    let q = json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ stations(first: 1) { totalCount nodes { region { code } } } }" } });
    ws.socket.send(Message::Text(q.to_string().into())).await.unwrap();
    let m = ws.message(WAIT).await.expect("the answer");
    assert_eq!(m["id"], "q", "{m}");
    let stations = &m["payload"]["data"]["stations"];
    assert!(stations["totalCount"].as_i64().unwrap() > 0, "{m}");
    assert!(stations["nodes"][0]["region"]["code"].as_str().unwrap().starts_with("522301"), "{m}");
    // Costed as over HTTP: stations, totalCount, nodes, and one node's region and code.
    assert_eq!(m["payload"]["extensions"]["cost"]["actual"], 5, "{m}");
    let done = ws.message(WAIT).await.expect("complete");
    assert_eq!(done["type"], "complete", "{done}");
});

both_with!(
    subscriptions_per_connection_are_limited,
    {
        let mut o = live();
        o.http.subscriptions.per_connection = 1;
        o
    },
    |app| {
        let mut ws = Client::connect(&app, &admin_token()).await;
        ws.subscribe("1", json!({})).await;
        ws.subscribe("2", json!({})).await;
        let m = ws.message(WAIT).await.expect("an error");
        assert_eq!(m["id"], "2", "{m}");
        assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "SUBSCRIPTION_LIMIT_EXCEEDED", "{m}");
    }
);

/// The value of the Prometheus series line starting with `prefix` (0 when absent).
async fn metric(app: &TestApp, prefix: &str) -> f64 {
    let text = app.client().get(format!("http://{}/metrics", app.addr)).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

both_with!(
    a_client_that_stops_reading_is_closed_and_memory_stays_bounded,
    {
        let mut o = live();
        o.http.subscriptions.buffer = 4;
        o.http.subscriptions.stall = Duration::from_millis(500);
        o
    },
    |app| {
        let slow = r#"subscription { changes(types: [VOLUNTEER]) { cursor action nodeType id
            node { a1: id a2: id a3: id a4: id a5: id a6: id a7: id a8: id a9: id a10: id
                   a11: id a12: id a13: id a14: id a15: id a16: id a17: id a18: id a19: id a20: id } } }"#;
        let mut ws = Client::connect(&app, &admin_token()).await;
        let m = json!({ "id": "1", "type": "subscribe", "payload": { "query": slow } });
        ws.socket.send(Message::Text(m.to_string().into())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        // Thousands of events of about 2 KB each, which the client never reads: the socket's
        // buffers fill, then the connection's queue, and the server gives up on it.
        let records: Vec<Value> = (0..4000)
            .map(|n| json!({ "externalId": format!("S{n:05}"), "name": format!("慢读者{n}"), "regionCode": "522301" }))
            .collect();
        let q = r#"mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) { created userErrors { code } } }"#;
        let d = app.data(q, json!({ "input": { "source": "slow-reader", "records": records } })).await;
        assert_eq!(d["syncVolunteers"]["created"], 4000, "{d}");
        // The server resolves and queues the events meanwhile; the client still reads nothing.
        tokio::time::sleep(Duration::from_secs(8)).await;
        // Metrics are per process (both databases' tests count here): a weak check.
        assert!(metric(&app, "civlink_subscription_closed_total{reason=\"slow_consumer\"}").await >= 1.0);
        assert!(metric(&app, "civlink_subscription_events_dropped_total").await >= 1.0);
        // What the client has not read yet is still in its socket; after it, the connection ends.
        let mut events = 0;
        while let Ok(Some(Ok(m))) = tokio::time::timeout(WAIT, ws.socket.next()).await {
            if m.is_text() {
                events += 1;
            }
        }
        eprintln!("{events} of 4000 events reached the client that stopped reading");
        assert!(events < 4000, "the server stopped sending: {events} events reached the client");
    }
);

const JOB_PROGRESS: &str = r#"subscription($id: ID!) { jobProgress(id: $id) {
    __typename ... on Export { status progress { done total } rowCount url }
    ... on ImportJob { status progress { done total } } } }"#;

both_with!(a_job_is_followed_to_its_end_by_its_owner_only, live(), |app| {
    let admin = admin_token();
    let start = "mutation { startExport(input: { kind: VOLUNTEERS, format: CSV }) { export { id } } }";
    let d = app.data_as(Some(&admin), start, json!({})).await;
    let id = d["startExport"]["export"]["id"].as_str().expect("id").to_owned();
    let mut ws = Client::connect(&app, &admin).await;
    ws.subscribe_to("job", JOB_PROGRESS, json!({ "id": id })).await;
    let mut events = Vec::new();
    loop {
        let m = ws.message(Duration::from_secs(60)).await.expect("an event or the end");
        match m["type"].as_str() {
            Some("next") => {
                assert!(m["payload"].get("errors").is_none(), "{m}");
                events.push(m["payload"]["data"]["jobProgress"].clone());
            }
            Some("complete") => break,
            other => panic!("{other:?}: {m}"),
        }
    }
    let last = events.last().expect("events");
    assert_eq!((&last["__typename"], &last["status"]), (&json!("Export"), &json!("SUCCEEDED")), "{events:?}");
    assert!(last["url"].is_string() && last["rowCount"].as_i64() > Some(0), "{last}");
    let done: Vec<i64> = events.iter().map(|e| e["progress"]["done"].as_i64().unwrap_or(0)).collect();
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "progress only moves forward: {done:?}");
    assert_eq!(events.iter().filter(|e| e["status"] == "SUCCEEDED").count(), 1, "the end is sent once");

    // Another caller, or another kind of id, gets an error, never the job.
    let mut other = Client::connect(&app, &civil_affairs("522301")).await;
    other.subscribe_to("job", JOB_PROGRESS, json!({ "id": id })).await;
    let m = other.message(WAIT).await.expect("an error");
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
    let station = app.data("{ stations(first: 1) { nodes { id } } }", json!({})).await;
    let station = station["stations"]["nodes"][0]["id"].clone();
    ws.subscribe_to("station", JOB_PROGRESS, json!({ "id": station })).await;
    let m = ws.message(WAIT).await.expect("an error");
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "INVALID_ID", "{m}");
});
