//! The operator API's HTTP face. Every route needs a token (`Authorization:
//! Bearer …`): the operator's writes and reads, the observer's only reads.
//! Answers are JSON; a refusal is `{"error": …, "field": …}` with the
//! status that says whose fault it is (docs/node.md lists them).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use detente_core::{Notice, Party, Time};
use detente_store::record::RecordError;
use detente_store::{LogStore, WitnessStore};
use serde::Deserialize;
use serde_json::json;

mod openapi;
mod tiles;

use super::book::Refused;
use super::{Node, Role, Submitted};

pub(super) fn router<S: LogStore + WitnessStore + Clone + 'static>(node: Arc<Node<S>>) -> Router {
    // A node with a cosigner key is a witness of its peers' records (and of
    // those it is told to witness) too, under the same limits, keeping what
    // it cosigned in the node's store.
    let witness = node.cosigner.clone().map(|key| {
        crate::witness::router(crate::witness::Config {
            store: node.record.store().clone(),
            key,
            logs: node.peers.iter().map(|peer| peer.key.clone()).chain(node.witnessed.iter().cloned()).collect(),
            clock: node.clock.clone(),
            limits: node.limits,
        })
    });
    let document = openapi::document(witness.is_some());
    let api = Router::new()
        .route("/api/v1/status", get(status::<S>))
        .route("/api/v1/notifications", get(notifications::<S>).post(notify::<S>))
        .route("/api/v1/declarations", axum::routing::post(declare::<S>))
        .route("/api/v1/counts", get(counts::<S>))
        .route("/api/v1/findings", get(findings::<S>))
        .route("/api/v1/deadlines", get(deadlines::<S>))
        .route("/api/v1/feed", get(feed::<S>))
        .route("/api/v1/quorum", get(quorum::<S>))
        .route("/checkpoint", get(tiles::checkpoint::<S>))
        .route("/tile/{*path}", get(tiles::tile::<S>))
        .route(
            "/openapi.json",
            get(move || std::future::ready(([(header::CONTENT_TYPE, "application/json")], document.clone()))),
        )
        .route("/api/v1/parties/{party}/items/{uid}", get(history::<S>))
        .route("/api/v1/parties/{party}/database", get(database::<S>))
        .route("/peer/v1/entries", axum::routing::post(receive::<S>))
        .fallback(|| async {
            refusal(StatusCode::NOT_FOUND, None, "no such route: the API is under /api/v1/ (docs/node.md)")
        })
        .with_state(node);
    match witness {
        Some(witness) => api.merge(witness),
        None => api,
    }
}

/// A refusal: its status, the field at fault if any, and why. It answers
/// as `{"error": …, "field": …}`.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    field: Option<String>,
    message: String,
}

fn refusal(status: StatusCode, field: Option<&str>, message: impl Into<String>) -> Refusal {
    Refusal { status, field: field.map(str::to_owned), message: message.into() }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = match &self.field {
            Some(field) => json!({ "error": self.message, "field": field }),
            None => json!({ "error": self.message }),
        };
        let mut answer = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            answer.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        answer
    }
}

type Answer = Result<Response, Refusal>;

/// The role the request's token gives.
fn role<S>(node: &Node<S>, headers: &HeaderMap) -> Result<Role, Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    token
        .and_then(|token| node.tokens.role(token))
        .ok_or_else(|| refusal(StatusCode::UNAUTHORIZED, None, "give the operator's or the observer's token"))
}

fn operator<S>(node: &Node<S>, headers: &HeaderMap) -> Result<(), Refusal> {
    match role(node, headers)? {
        Role::Operator => Ok(()),
        Role::Observer => {
            Err(refusal(StatusCode::FORBIDDEN, None, "the observer's token reads; only the operator's writes"))
        }
    }
}

fn submitted(error: Submitted) -> Refusal {
    match error {
        Submitted::Refused(Refused { field, message }) => {
            refusal(StatusCode::UNPROCESSABLE_ENTITY, Some(&field), message)
        }
        Submitted::Record(RecordError::Refused { reason, .. }) => {
            refusal(StatusCode::UNPROCESSABLE_ENTITY, None, reason.to_string())
        }
        Submitted::Record(error) => {
            tracing::error!(%error, "the record refused a checked submission");
            refusal(StatusCode::INTERNAL_SERVER_ERROR, None, format!("the record failed: {error}"))
        }
        Submitted::Failed(error) => {
            refusal(StatusCode::INTERNAL_SERVER_ERROR, None, format!("the record failed: {error}"))
        }
    }
}

/// The body of a request that must be JSON, decoded with the path of the
/// first field at fault.
async fn json_body<T: serde::de::DeserializeOwned, S>(node: &Node<S>, request: Request) -> Result<T, Refusal> {
    decode(&json_bytes(node, request).await?)
}

/// The body of a request that must be JSON, within the limits.
async fn json_bytes<S>(node: &Node<S>, request: Request) -> Result<axum::body::Bytes, Refusal> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, None, "send application/json"));
    }
    crate::http::read_body(request.into_body(), &node.limits)
        .await
        .map_err(|(status, message)| refusal(status, None, message.trim_end()))
}

/// JSON decoded, or refused with the path of the first field at fault.
fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Refusal> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = detente_core::shortened(&error.inner().to_string());
        refusal(StatusCode::BAD_REQUEST, Some(&path), message)
    })
}

#[utoipa::path(get, path = "/api/v1/status", security(("token" = [])), responses(
    (status = 200, description = "The party, the treaty, the record's origin, size and checkpoint size, the peers and their delivery, the totals of every party under every reading, and the newest checkpoint witnessed"),
    (status = 401, description = "No token, or not the operator's or the observer's")))]
async fn status<S: LogStore>(State(node): State<Arc<Node<S>>>, headers: HeaderMap) -> Answer {
    role(&node, &headers)?;
    let size = node.record.size().await.map_err(|e| refusal(StatusCode::INTERNAL_SERVER_ERROR, None, e.to_string()))?;
    let checkpoint = node.record.latest().await.ok().flatten().map(|c| c.checkpoint.size);
    let book = node.book.lock().await;
    let counts: serde_json::Map<String, serde_json::Value> = book
        .counts()
        .into_iter()
        .map(|(party, readings)| {
            let readings: serde_json::Map<String, serde_json::Value> = readings
                .into_iter()
                .map(|(reader, count)| {
                    let totals: Vec<_> =
                        count.limits.iter().map(|l| json!({ "limit": l.id, "total": l.total, "max": l.max })).collect();
                    (reader.to_string(), json!(totals))
                })
                .collect();
            (party.to_string(), serde_json::Value::Object(readings))
        })
        .collect();
    Ok(axum::Json(json!({
        "party": node.record.party(),
        "treaty": node.treaty,
        "record": { "origin": node.record.origin(), "size": size, "checkpoint_size": checkpoint },
        "notifications": book.listed().len(),
        "peers": node.peers.iter().map(|peer| json!({
            "party": peer.party,
            "url": peer.target.url(),
            "delivered_up_to": book.delivered(&peer.party),
            "received_up_to": book.received(&peer.party),
        })).collect::<Vec<_>>(),
        "counts": counts,
        "witnessed": node.quorum.lock().expect("the quorum state is never left half-written").witnessed.as_ref()
            .map(|w| json!({ "size": w.size, "quorum_met": w.quorum_met })),
    }))
    .into_response())
}

/// What the witnesses have cosigned of this node's record, and the forks
/// this node, as a witness, caught in its peers' records.
#[utoipa::path(get, path = "/api/v1/quorum", security(("token" = [])), responses(
    (status = 200, description = "The policy's quorum in words, the newest checkpoint with cosignatures (size, cosigners, quorum met, the note), each witness's state, and the forks this node caught as a witness"),
    (status = 401, description = "No token, or not the operator's or the observer's")))]
async fn quorum<S: LogStore + WitnessStore>(State(node): State<Arc<Node<S>>>, headers: HeaderMap) -> Answer {
    role(&node, &headers)?;
    let failed = |e: detente_store::StoreError| refusal(StatusCode::INTERNAL_SERVER_ERROR, None, e.to_string());
    let evidence = node.record.store().evidence().await.map_err(failed)?;
    let evidence: Vec<_> = evidence
        .into_iter()
        .map(|e| {
            let text = detente_log::witness::ForkEvidence { cosigned: e.cosigned, request: e.request }.to_text();
            json!({ "origin": e.origin, "received": e.received, "reason": e.reason, "evidence": text })
        })
        .collect();
    let state = node.quorum.lock().expect("the quorum state is never left half-written").clone();
    Ok(axum::Json(json!({
        "policy": node.policy.as_ref().map(|p| p.describe_quorum()),
        "witnessed": state.witnessed,
        "witnesses": state.witnesses,
        "witnessing_peers": node.cosigner.is_some(),
        "evidence": evidence,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    kind: String,
    #[serde(default)]
    notice: Notice,
}

/// The most notifications one request may carry.
const MAX_BATCH: usize = 1000;

/// One notification is answered with its listing (201) or its refusal. A
/// batch, an array of them, is answered 200 with an array holding, in
/// order, each one's listing with `"status": 201` or its refusal
/// `{"status", "error", "field"}`: each fares on its own.
#[utoipa::path(post, path = "/api/v1/notifications", security(("token" = [])),
    request_body(content = Object, content_type = "application/json",
        description = "`{\"kind\": KIND, \"notice\": {…}}` (docs/formats/notification.md), or an array of 1 to 1,000 of them"),
    responses(
        (status = 201, description = "One notification recorded: its listing (sequence, due, late, leaf hash)"),
        (status = 200, description = "A batch: one answer per item, in order, each with its own status"),
        (status = 400, description = "Not the JSON the route takes; `field` names the path"),
        (status = 401, description = "No token, or not the operator's or the observer's"),
        (status = 403, description = "The observer's token"),
        (status = 415, description = "Not application/json"),
        (status = 422, description = "The treaty or the party's database refuses it; `field` names the field")))]
async fn notify<S: LogStore>(State(node): State<Arc<Node<S>>>, request: Request) -> Answer {
    operator(&node, request.headers())?;
    let bytes = json_bytes(&node, request).await?;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
        let submission: Submission = decode(&bytes)?;
        let listed = node.notify(&submission.kind, submission.notice).await.map_err(submitted)?;
        return Ok((StatusCode::CREATED, axum::Json(json!(listed))).into_response());
    }
    let batch: Vec<Submission> = decode(&bytes)?;
    if batch.is_empty() || batch.len() > MAX_BATCH {
        let message = format!("a batch holds 1 to {MAX_BATCH} notifications");
        return Err(refusal(StatusCode::UNPROCESSABLE_ENTITY, None, message));
    }
    let results = node.notify_all(batch.into_iter().map(|s| (s.kind, s.notice)).collect()).await;
    let answers: Vec<serde_json::Value> = results
        .into_iter()
        .map(|result| match result {
            Ok(listed) => {
                let mut answer = json!(listed);
                answer["status"] = json!(201);
                answer
            }
            Err(error) => {
                let Refusal { status, field, message } = submitted(error);
                json!({ "status": status.as_u16(), "error": message, "field": field })
            }
        })
        .collect();
    Ok(axum::Json(answers).into_response())
}

#[utoipa::path(post, path = "/api/v1/declarations", security(("token" = [])),
    request_body(content = String, content_type = "text/csv", description = "The party's declaration, as CSV or as JSON (docs/formats)"),
    responses(
        (status = 201, description = "Recorded: the first starts the party's database, a later one is an update checked against the events since"),
        (status = 401, description = "No token, or not the operator's or the observer's"), (status = 403, description = "The observer's token"),
        (status = 415, description = "Not text/csv or application/json"),
        (status = 422, description = "Refused; `field` names the field")))]
async fn declare<S: LogStore>(State(node): State<Arc<Node<S>>>, request: Request) -> Answer {
    operator(&node, request.headers())?;
    let media_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let Some(media_type) = media_type.filter(|t| t == "text/csv" || t == "application/json") else {
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            "send a declaration as text/csv or application/json",
        ));
    };
    let bytes = crate::http::read_body(request.into_body(), &node.limits)
        .await
        .map_err(|(status, message)| refusal(status, None, message.trim_end()))?;
    let entry = node.declare(&media_type, bytes.to_vec()).await.map_err(submitted)?;
    let answer = json!({ "sequence": entry.entry().sequence, "leaf_hash": entry.leaf_hash().to_hex() });
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    party: Option<Party>,
    kind: Option<String>,
    /// Keyset paging: only notifications after this place in the order the
    /// node took them (each listed notification gives its `place`).
    after: Option<usize>,
    limit: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    after: Option<u64>,
}

/// The change feed (server-sent events), from the entry after the client's
/// `Last-Event-ID`, or after `?after=`, or from the first.
#[utoipa::path(get, path = "/api/v1/feed", security(("token" = [])),
    params(("after" = Option<u64>, Query, description = "Start after this sequence (or give Last-Event-ID)")),
    responses(
        (status = 200, description = "Server-sent events, one per entry of the record: declared, notified, received, delivered; the id is the sequence", content_type = "text/event-stream"),
        (status = 400, description = "An after or Last-Event-ID that is not a sequence"), (status = 401, description = "No token, or not the operator's or the observer's")))]
async fn feed<S: LogStore + 'static>(
    State(node): State<Arc<Node<S>>>,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    role(&node, &headers)?;
    let Query(query) =
        query.map_err(|_| refusal(StatusCode::BAD_REQUEST, None, "the query takes after, a sequence"))?;
    let after = match headers.get("last-event-id") {
        Some(id) => Some(id.to_str().ok().and_then(|id| id.parse().ok()).ok_or_else(|| {
            refusal(StatusCode::BAD_REQUEST, Some("Last-Event-ID"), "the last event's id, a sequence")
        })?),
        None => query.after,
    };
    let events = node.feed(after);
    Ok(axum::response::sse::Sse::new(events).keep_alive(axum::response::sse::KeepAlive::default()).into_response())
}

#[utoipa::path(get, path = "/api/v1/notifications", security(("token" = [])),
    params(
        ("party" = Option<String>, Query, description = "Only this party's"),
        ("kind" = Option<String>, Query, description = "Only this kind"),
        ("after" = Option<usize>, Query, description = "Keyset paging: after this place (a listing's `place`, or the page's `next_after`)"),
        ("limit" = Option<usize>, Query, description = "At most this many, up to 1,000")),
    responses((status = 200, description = "The notifications in the order the node took them, and `next_after`"),
        (status = 400, description = "A query that does not read"), (status = 401, description = "No token, or not the operator's or the observer's")))]
async fn notifications<S: LogStore>(
    State(node): State<Arc<Node<S>>>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    role(&node, &headers)?;
    let Query(query) =
        query.map_err(|_| refusal(StatusCode::BAD_REQUEST, None, "the query takes party, kind, after and limit"))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let book = node.book.lock().await;
    let page: Vec<_> = book
        .listed()
        .iter()
        .enumerate()
        .skip(query.after.map_or(0, |after| after.saturating_add(1)))
        .filter(|(_, l)| query.party.as_ref().is_none_or(|p| &l.party == p))
        .filter(|(_, l)| query.kind.as_ref().is_none_or(|k| &l.kind == k))
        .take(limit + 1)
        .map(|(place, listed)| Placed { place, listed })
        .collect();
    let next = (page.len() > limit).then(|| page[limit - 1].place);
    Ok(axum::Json(json!({ "notifications": &page[..page.len().min(limit)], "next_after": next })).into_response())
}

/// A listed notification with its place in the node's order, the key a
/// page continues from.
#[derive(serde::Serialize)]
struct Placed<'a> {
    place: usize,
    #[serde(flatten)]
    listed: &'a super::book::Listed,
}

#[utoipa::path(get, path = "/api/v1/counts", security(("token" = [])), responses(
    (status = 200, description = "Every party's database now, counted under every party's reading, with the items behind each number"), (status = 401, description = "No token, or not the operator's or the observer's")))]
async fn counts<S: LogStore>(State(node): State<Arc<Node<S>>>, headers: HeaderMap) -> Answer {
    role(&node, &headers)?;
    Ok(axum::Json(json!(node.book.lock().await.counts())).into_response())
}

#[utoipa::path(get, path = "/api/v1/findings", security(("token" = [])), responses(
    (status = 200, description = "Late and missing notifications, changes an update shows that no notification reported, and limits exceeded under each reading"), (status = 401, description = "No token, or not the operator's or the observer's")))]
async fn findings<S: LogStore>(State(node): State<Arc<Node<S>>>, headers: HeaderMap) -> Answer {
    role(&node, &headers)?;
    let findings = node.book.lock().await.findings(node.now());
    let listed: Vec<_> = findings
        .iter()
        .map(|noted| {
            json!({ "party": noted.party, "reading": noted.reading, "finding": noted.finding, "says": noted.finding.to_string() })
        })
        .collect();
    Ok(axum::Json(json!({ "findings": listed })).into_response())
}

#[utoipa::path(get, path = "/api/v1/deadlines", security(("token" = [])), responses(
    (status = 200, description = "The data exchanges each party owes next: kind, as-of date, deadline and seconds left by the node's clock"), (status = 401, description = "No token, or not the operator's or the observer's")))]
async fn deadlines<S: LogStore>(State(node): State<Arc<Node<S>>>, headers: HeaderMap) -> Answer {
    role(&node, &headers)?;
    let now = node.now();
    let listed: Vec<_> = node
        .book
        .lock()
        .await
        .deadlines(now)
        .into_iter()
        .map(|(party, d)| {
            json!({ "party": party, "kind": d.kind, "as_of": d.as_of, "due": d.due, "seconds_left": now.seconds_until(d.due) })
        })
        .collect();
    Ok(axum::Json(json!({ "now": now, "deadlines": listed })).into_response())
}

fn bad_path(rejection: PathRejection) -> Refusal {
    refusal(StatusCode::BAD_REQUEST, Some("path"), rejection.body_text())
}

fn party_of(text: &str) -> Result<Party, Refusal> {
    text.parse()
        .map_err(|e: detente_core::error::PartyError| refusal(StatusCode::NOT_FOUND, Some("party"), e.to_string()))
}

#[utoipa::path(get, path = "/api/v1/parties/{party}/items/{uid}", security(("token" = [])),
    params(("party" = String, Path, description = "A party code, such as US"), ("uid" = String, Path, description = "The item's unique identifier")),
    responses((status = 200, description = "The item as declared, then each event with its notification and the item after it"),
        (status = 401, description = "No token, or not the operator's or the observer's"), (status = 404, description = "No such party or item")))]
async fn history<S: LogStore>(
    State(node): State<Arc<Node<S>>>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    role(&node, &headers)?;
    let Path((party, uid)) = path.map_err(bad_path)?;
    let party = party_of(&party)?;
    let book = node.book.lock().await;
    let history = book.ledger(&party).and_then(|ledger| ledger.history(&uid));
    let history = history
        .ok_or_else(|| refusal(StatusCode::NOT_FOUND, Some("uid"), format!("{party} has declared no item {uid:?}")))?;
    Ok(axum::Json(json!(history)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AtQuery {
    at: Option<Time>,
}

#[utoipa::path(get, path = "/api/v1/parties/{party}/database", security(("token" = [])),
    params(("party" = String, Path, description = "A party code, such as US"),
        ("at" = Option<String>, Query, description = "A UTC moment, YYYY-MM-DDTHH:MM:SSZ; now if absent")),
    responses((status = 200, description = "The database at that moment, as a JSON declaration", content_type = "application/json"),
        (status = 400, description = "An at that is not a UTC time"), (status = 401, description = "No token, or not the operator's or the observer's"), (status = 404, description = "No such party, or none declared")))]
async fn database<S: LogStore>(
    State(node): State<Arc<Node<S>>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<AtQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    role(&node, &headers)?;
    let Path(party) = path.map_err(bad_path)?;
    let Query(query) =
        query.map_err(|_| refusal(StatusCode::BAD_REQUEST, Some("at"), "at is a UTC time, YYYY-MM-DDTHH:MM:SSZ"))?;
    let party = party_of(&party)?;
    let book = node.book.lock().await;
    let ledger = book
        .ledger(&party)
        .ok_or_else(|| refusal(StatusCode::NOT_FOUND, Some("party"), format!("{party} has declared no database")))?;
    let declaration = match query.at {
        Some(at) => ledger.at(at),
        None => ledger.now(),
    };
    let mut json = Vec::new();
    detente_core::codec::write_json(&declaration, &mut json).expect("writing to a Vec cannot fail");
    Ok(([(header::CONTENT_TYPE, "application/json")], Body::from(json)).into_response())
}

/// A peer's envelope: no token, since the entries' signatures by a key in
/// the node's configuration are what let them in. A 409 says which entry
/// the node takes next.
#[utoipa::path(post, path = "/peer/v1/entries",
    request_body(content = Object, content_type = "application/json", description = "A peer's envelope: a run of its signed entries with their proofs and its checkpoint (docs/node.md, The exchange)"),
    responses(
        (status = 200, description = "The receiver's answer: a receipt per entry taken, and the entry it takes next"),
        (status = 403, description = "An entry not signed by a configured peer's key"),
        (status = 409, description = "A run that starts after the entry expected (`next` names it), or two entries under one number"),
        (status = 413, description = "Over the body cap"),
        (status = 422, description = "A proof or a checkpoint that does not hold")))]
async fn receive<S: LogStore>(State(node): State<Arc<Node<S>>>, request: Request) -> Answer {
    let envelope: super::exchange::Envelope = json_body(&node, request).await?;
    match node.receive(envelope).await {
        Ok(answer) => Ok((StatusCode::OK, axum::Json(answer)).into_response()),
        Err(rejected) => {
            let mut body = json!({ "error": rejected.message, "field": rejected.field });
            if let Some(next) = rejected.next {
                body["next"] = json!(next);
            }
            Ok((rejected.status, axum::Json(body)).into_response())
        }
    }
}
