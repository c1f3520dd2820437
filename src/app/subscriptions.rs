//! GraphQL over WebSocket on `/graphql` (the graphql-transport-ws protocol, and the older
//! graphql-ws one that async-graphql also speaks): subscriptions, and queries and mutations
//! sent the same way.
//!
//! The token travels in `connection_init`'s payload (`{"Authorization": "Bearer <JWT>"}`,
//! browsers cannot set headers on a WebSocket) and is verified as a request's header is
//! ([`super::authenticate`]'s verifier and identity). Each operation then runs with its own
//! [`RequestData`] and load queue, as an HTTP request does, so the cost, depth and rate limits
//! and the allow-list apply to it, and its nodes are read and masked by the same path.
//!
//! Messages to the client go through a queue of [`SubscriptionSettings::buffer`] messages;
//! while it is full the subscriptions are not read further (they resume from their position),
//! and when it stays full for [`SubscriptionSettings::stall`] the connection is closed with
//! [`CLOSE_SLOW_CONSUMER`]: memory per connection stays bounded whatever the client does.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};

use super::AppState;
use crate::auth::identity::{Identity, Role};
use crate::graphql::RequestData;
use crate::observe::series;
use crate::subscription::{
    CLOSE_FORBIDDEN, CLOSE_INIT_TIMEOUT, CLOSE_SLOW_CONSUMER, CLOSE_TOKEN_EXPIRED, ChangeHub, Connection,
};

/// Bytes read from a connection's socket at a time.
const READ_BUFFER: usize = 4096;
/// Largest message a client may send (a `subscribe` with its document), bytes.
const MAX_CLIENT_MESSAGE: usize = 1 << 20;

/// Answers a WebSocket upgrade of `/graphql`.
pub(super) fn upgrade(
    state: Arc<AppState>,
    ws: WebSocketUpgrade,
    headers: &axum::http::HeaderMap,
    request_id: String,
) -> Response {
    // The first protocol the client offers that async-graphql speaks.
    let protocol = headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|offered| offered.split(',').find_map(|p| p.trim().parse::<WebSocketProtocols>().ok()));
    let Some(hub) = state.changes.clone() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "subscriptions are not enabled on this server").into_response();
    };
    let Some(protocol) = protocol else {
        return (StatusCode::BAD_REQUEST, "ask for the `graphql-transport-ws` WebSocket subprotocol").into_response();
    };
    // tungstenite reserves 128 KiB for reading per connection by default; clients send only
    // small protocol messages, and a thousand idle subscribers would hold that much each.
    ws.protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| serve(state, hub, socket, protocol, request_id))
}

/// Counts the connection while it lives.
struct Counted;

impl Counted {
    fn new() -> Self {
        metrics::gauge!(series::SUBSCRIPTION_CONNECTIONS).increment(1.0);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        metrics::gauge!(series::SUBSCRIPTION_CONNECTIONS).decrement(1.0);
    }
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
}

fn closed(reason: &'static str) {
    metrics::counter!(series::SUBSCRIPTION_CLOSED, "reason" => reason).increment(1);
}

async fn serve(
    state: Arc<AppState>,
    hub: ChangeHub,
    socket: WebSocket,
    protocol: WebSocketProtocols,
    request_id: String,
) {
    let _counted = Counted::new();
    let settings = state.http.subscriptions.clone();
    let (mut sink, mut source) = socket.split();

    // The first message must be `connection_init`; it carries the token.
    let first = tokio::time::timeout(settings.init_timeout, async {
        while let Some(Ok(m)) = source.next().await {
            match m {
                Message::Text(t) => return Some(t.as_str().to_owned()),
                Message::Binary(b) => return Some(String::from_utf8_lossy(&b).into_owned()),
                Message::Close(_) => return None,
                _ => {}
            }
        }
        None
    })
    .await;
    let first = match first {
        Ok(Some(text)) => text,
        Ok(None) => return,
        Err(_) => {
            closed("init_timeout");
            let _ = sink.send(close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")).await;
            return;
        }
    };
    let init: serde_json::Value = serde_json::from_str(&first).unwrap_or_default();
    let token = init["payload"]["Authorization"].as_str().or_else(|| init["payload"]["authorization"].as_str());
    let (identity, expires) = if init["type"] == "connection_init" {
        match verify(&state, token) {
            Ok(found) => found,
            Err(reason) => {
                tracing::info!(reason, "subscription connection refused");
                closed("forbidden");
                let _ = sink.send(close(CLOSE_FORBIDDEN, "Forbidden: the token does not verify")).await;
                return;
            }
        }
    } else {
        // Not an init: async-graphql answers it as the protocol says (closes the socket).
        (Identity::public(), None)
    };

    let caller = format!("{}:{}", identity.role.as_str(), identity.subject.as_deref().unwrap_or("PUBLIC"));
    let conn = Arc::new(Connection::new(hub, settings.clone(), caller));
    let executor = Executor { state: state.clone(), identity, conn, request_id };
    let input = futures::stream::once(futures::future::ready(first.into_bytes())).chain(
        source.take_while(|m| futures::future::ready(m.is_ok())).filter_map(|m| {
            futures::future::ready(match m {
                Ok(Message::Text(t)) => Some(t.as_str().as_bytes().to_vec()),
                Ok(Message::Binary(b)) => Some(b.to_vec()),
                _ => None,
            })
        }),
    );
    let mut messages = async_graphql::http::WebSocket::new(executor, input, protocol);

    // The writer drains the bounded queue into the socket; `urgent` cuts in with a close.
    let (out, mut queue) = tokio::sync::mpsc::channel::<Message>(settings.buffer.max(1));
    let (urgent, mut cut) = tokio::sync::watch::channel(None::<(u16, String)>);
    let writer = tokio::spawn(async move {
        loop {
            let next = tokio::select! {
                biased;
                _ = cut.changed() => break,
                m = queue.recv() => m,
            };
            let Some(m) = next else { break };
            let last = matches!(m, Message::Close(_));
            tokio::select! {
                biased;
                _ = cut.changed() => break,
                sent = sink.send(m) => if sent.is_err() { return },
            }
            if last {
                return;
            }
        }
        let close_with = cut.borrow().clone();
        if let Some((code, reason)) = close_with {
            let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close(code, &reason))).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    });

    let expiry = async {
        match expires {
            Some(at) => {
                let left = (at - chrono::Utc::now().timestamp()).max(0) as u64;
                tokio::time::sleep(Duration::from_secs(left)).await
            }
            None => std::future::pending().await,
        }
    };
    let mut expiry = std::pin::pin!(expiry);
    loop {
        let next = tokio::select! {
            m = messages.next() => m,
            _ = &mut expiry => {
                closed("token_expired");
                let reason = "Token expired: connect again with a fresh token and resume with your last cursor";
                let _ = urgent.send(Some((CLOSE_TOKEN_EXPIRED, reason.to_owned())));
                break;
            }
        };
        let Some(next) = next else { break };
        let (message, last) = match next {
            WsMessage::Text(t) => (Message::Text(t.into()), false),
            WsMessage::Close(code, reason) => (close(code, &reason), true),
        };
        match tokio::time::timeout(settings.stall, out.send(message)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => break,
            Err(_) => {
                closed("slow_consumer");
                let queued = out.max_capacity() - out.capacity();
                metrics::counter!(series::SUBSCRIPTION_DROPPED).increment(queued as u64 + 1);
                let reason =
                    "Slow consumer: messages were not read in time; reconnect and resume with your last cursor";
                let _ = urgent.send(Some((CLOSE_SLOW_CONSUMER, reason.to_owned())));
                break;
            }
        }
        if last {
            break;
        }
    }
    // Ends the subscriptions (their limits' slots go with them) before waiting for the writer.
    drop(messages);
    drop(out);
    let _ = writer.await;
}

/// The identity of a `connection_init`'s `Authorization` value and its expiry (Unix seconds):
/// PUBLIC without one. Errors carry a reason for the server log only.
fn verify(state: &AppState, header: Option<&str>) -> Result<(Identity, Option<i64>), &'static str> {
    let Some(header) = header else { return Ok((Identity::public(), None)) };
    let verifier = state.verifier.as_ref().ok_or("a token was sent but no key is configured")?;
    let claims = verifier.verify_header(Some(header)).map_err(|e| e.reason())?.ok_or("empty authorization")?;
    let identity = Identity::from_claims(&claims).map_err(|_| "claims do not make an identity")?;
    Ok((identity, Some(claims.exp)))
}

/// Runs each operation of one connection as an HTTP request runs: its own request data and
/// load queue, the caller's identity, the connection's limits.
#[derive(Clone)]
struct Executor {
    state: Arc<AppState>,
    identity: Identity,
    conn: Arc<Connection>,
    request_id: String,
}

impl async_graphql::Executor for Executor {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        let mut answers = self.execute_stream(request, None);
        answers.next().await.unwrap_or_else(|| async_graphql::Response::new(async_graphql::Value::Null))
    }

    fn execute_stream(
        &self,
        mut request: async_graphql::Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let state = &self.state;
        if let Some(list) = &state.http.allowlist {
            list.resolve(&mut request);
            if self.identity.role != Role::Admin && !list.permits(&request) {
                let message = "allow-list mode: this document is not on the list of operations this server runs";
                let refused = async_graphql::Response::from_errors(vec![crate::graphql::limits::request_error(
                    "OPERATION_NOT_ALLOWED",
                    message.to_owned(),
                    &[],
                )]);
                return futures::stream::once(futures::future::ready(refused)).boxed();
            }
        }
        let (mut data, loads) =
            RequestData::new(state.db.clone(), state.keyed_db.clone(), self.identity.clone(), self.request_id.clone());
        data.operation_name = request.operation_name.clone();
        data.write_timeout = state.http.write_timeout;
        data.upload = state.http.upload;
        data.webhook_allow = state.http.webhook_allow.clone();
        data.person_keys = state.http.person_keys.clone();
        // A query or mutation sent over the socket gets the request timeout of HTTP; a
        // subscription runs for as long as the connection lasts.
        let subscription = is_subscription(&request);
        let limit = (!subscription).then_some(state.http.request_timeout);
        let request = request.data(self.conn.clone());
        let answers = if subscription {
            state.schema.subscribe(request, data, session_data.unwrap_or_default())
        } else {
            let schema = state.schema.clone();
            futures::stream::once(async move { schema.execute(request, data).await }).boxed()
        };
        // Each answer is resolved inside the load queue, as an HTTP request is.
        futures::stream::unfold(Some((answers, loads)), move |state| async move {
            let (mut answers, loads) = state?;
            let next = loads.run(answers.next());
            let answer = match limit {
                None => next.await?,
                Some(limit) => match tokio::time::timeout(limit, next).await {
                    Ok(answer) => answer?,
                    Err(_) => {
                        let message = format!(
                            "the request ran longer than {} ms and was cancelled; ask for smaller pages or narrower filters",
                            limit.as_millis()
                        );
                        let error = crate::graphql::limits::request_error("TIMEOUT", message, &[]);
                        return Some((async_graphql::Response::from_errors(vec![error]), None));
                    }
                },
            };
            Some((answer, Some((answers, loads))))
        })
        .boxed()
    }
}

/// Whether `request` runs a subscription: its document parses and the operation it selects is
/// one. A document that does not parse is not (its error comes at once); a persisted query
/// (no text yet) is taken for one, so that it is never cut short.
fn is_subscription(request: &async_graphql::Request) -> bool {
    if request.query.trim().is_empty() {
        return true;
    }
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    crate::graphql::limits::selected_operation(&doc, request.operation_name.as_deref())
        .is_some_and(|(_, op)| op.ty == async_graphql::parser::types::OperationType::Subscription)
}
