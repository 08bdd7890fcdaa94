//! A party's node in-process on loopback, over a real SQLite store: the
//! operator API records only what the treaty engine and the party's ledger
//! accept, refuses the rest naming the field with nothing recorded, counts
//! under every reading, and rebuilds what it knows from its record; and the
//! same on PostgreSQL.

mod common;

use common::*;
use detente_node::party::{Peer, StartError};
use detente_store::LogStore;
use serde_json::{Value, json};

#[tokio::test]
async fn the_node_records_what_the_engine_accepts_and_refuses_the_rest_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(node(dir.path()).await.unwrap()).await;
    assert_eq!(server.call("GET", "/api/v1/status", None, None).await.0, 401);
    assert_eq!(server.call("GET", "/api/v1/status", Some("guess"), None).await.0, 401);
    assert_eq!(server.size().await, 1, "the declaration is recorded on the first start");
    // The published figures of 2020-09-01: 675 deployed, 1,457 warheads, 800 launchers.
    let (us_before, ru_before) = (server.totals("US").await, server.totals("RU").await);
    assert_eq!(us_before, [675, 1457, 800]);

    let conversion = converted("US-B-B52H-001", "2020-10-08T09:00:00Z");
    let body = serde_json::to_vec(&conversion).unwrap();
    let observed =
        server.call("POST", "/api/v1/notifications", Some(OBSERVER), Some(("application/json", &body))).await;
    assert_eq!(observed.0, 403, "observers cannot write");
    assert_eq!(server.size().await, 1);

    let (status, listed) = server.notify(&conversion).await;
    assert_eq!(status, 201, "{listed}");
    assert_eq!((listed["sequence"].as_u64(), listed["late"].as_bool()), (Some(1), Some(false)));
    assert_eq!(listed["due"], "2020-10-13T09:00:00Z");
    assert_eq!(server.size().await, 2);
    // The United States counts the converted bomber out of all three
    // limits. Russia, which never accepted the conversions, reads it as a
    // non-deployed bomber: out of the deployed, still under the 800, which
    // it sees exceeded by 101 as before.
    assert_eq!(server.totals("US").await, [674, 1456, 799]);
    assert_eq!(ru_before, [675, 1457, 901]);
    assert_eq!(server.totals("RU").await, [674, 1456, 901], "Russia's reading keeps the bomber under the 800");

    let refused = [
        (
            json!({ "kind": "movement", "notice": { "events": [
                { "uid": "US-B-B52H-002", "at": "2020-10-09T00:00:00Z", "change": { "what": "moved", "from": "MINOT", "to": "EDWARDS" } }
            ]}}),
            "events[0].change.from",
        ),
        (converted("US-B-B52H-999", "2020-10-09T00:00:00Z"), "events[0].uid"),
        (converted("US-B-B52H-001", "2020-10-09T00:00:00Z"), "events[0].change"),
        (
            json!({ "kind": "change-in-data", "notice": { "events": [
                { "uid": "US-B-NEW-1", "at": "2020-10-09T00:00:00Z", "change": { "what": "created", "kind": "heavy-bomber",
                  "type": "B-52H", "facility": "MINOT", "status": "converted", "armament": "non-nuclear", "warheads": 2 } }
            ]}}),
            "events[0].change.warheads",
        ),
        (
            json!({ "kind": "change-in-data", "notice": { "events": [
                { "uid": "US-B-B52H-002", "at": "2020-10-09T00:00:00Z", "change": { "what": "moved", "from": "BARKSDALE", "to": "MINOT" } }
            ]}}),
            "events[0].change.what",
        ),
        (
            json!({ "kind": "launch", "notice": { "fields": { "launch": "2020-10-12T00:00:00Z" } } }),
            "fields.launch-area",
        ),
        (json!({ "kind": "inspection", "notice": {} }), "kind"),
        (json!({ "kind": "six-monthly-update", "notice": {} }), "kind"),
    ];
    for (submission, field) in refused {
        let (status, body) = server.notify(&submission).await;
        assert_eq!((status, body["field"].as_str()), (422, Some(field)), "{submission}: {body}");
    }
    let malformed: [(&str, &[u8], u16, Option<&str>); 4] = [
        (
            "application/json",
            b"{\"kind\": \"movement\", \"notice\": {\"events\": [{\"uid\": 5}]}}",
            400,
            Some("notice.events[0].uid"),
        ),
        ("application/json", b"{not json", 400, None),
        ("text/plain", b"{}", 415, None),
        ("application/json", &[b' '; 5 << 20], 413, None),
    ];
    for (media_type, body, expected, field) in malformed {
        let (status, answer) =
            server.call("POST", "/api/v1/notifications", Some(OPERATOR), Some((media_type, body))).await;
        assert_eq!(status, expected, "{answer}");
        if let Some(field) = field {
            assert_eq!(answer["field"], field, "{answer}");
        }
    }
    assert_eq!(server.size().await, 2, "nothing refused was recorded");

    // A late notification is recorded, and it is a finding.
    let (status, late) = server.notify(&converted("US-B-B52H-002", "2020-10-01T00:00:00Z")).await;
    assert_eq!((status, late["late"].as_bool()), (201, Some(true)), "{late}");
    let findings = server.get("/api/v1/findings").await;
    let kinds: Vec<(&str, &Value)> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["finding"]["finding"].as_str().unwrap(), &f["reading"]))
        .collect();
    // Under Russia's reading the United States is over the 800.
    assert_eq!(kinds, [("late-notification", &Value::Null), ("limit-exceeded", &json!("RU"))], "{findings}");

    // What each party owes next: the update as of 2021-03-01, due 30 days later.
    let deadlines = server.get("/api/v1/deadlines").await;
    let us = deadlines["deadlines"].as_array().unwrap().iter().find(|d| d["party"] == "US").unwrap().clone();
    assert_eq!(
        (us["kind"].as_str(), us["as_of"].as_str(), us["due"].as_str()),
        (Some("six-monthly-update"), Some("2021-03-01"), Some("2021-03-31T00:00:00Z"))
    );
    assert_eq!(us["seconds_left"].as_i64(), Some(172 * 86_400));
    let history = server.get("/api/v1/parties/US/items/US-B-B52H-001").await;
    assert_eq!(history["declared"]["status"], "deployed");
    assert_eq!(history["steps"][0]["after"]["status"], "converted");
    assert_eq!(server.call("GET", "/api/v1/parties/US/items/NOPE", Some(OBSERVER), None).await.0, 404);
    let before = server.get("/api/v1/parties/US/database?at=2020-10-08T00:00:00Z").await;
    let item = before["items"].as_array().unwrap().iter().find(|i| i["uid"] == "US-B-B52H-001").unwrap().clone();
    assert_eq!(item["status"], "deployed");
    let page = server.get("/api/v1/notifications?limit=1").await;
    assert_eq!((page["notifications"][0]["sequence"].as_u64(), page["next_after"].as_u64()), (Some(1), Some(0)));
    let rest = server.get("/api/v1/notifications?after=0").await;
    assert_eq!(rest["notifications"].as_array().unwrap().len(), 1);
    assert!(rest["next_after"].is_null());
    server.stop().await;

    // Restarted on the same store, the node knows what its record holds.
    let server = serve(node(dir.path()).await.unwrap()).await;
    assert_eq!(server.size().await, 3, "the declaration is not recorded twice");
    assert_eq!(server.totals("US").await, [673, 1455, 798]);
    assert_eq!(server.get("/api/v1/notifications").await["notifications"].as_array().unwrap().len(), 2);
    server.stop().await;
}

/// A batch is checked in order, each notification on its own against the
/// database the ones before it leave, and what holds is recorded in one
/// append under one checkpoint, numbered without gaps.
#[tokio::test]
async fn a_batch_is_checked_in_order_and_recorded_in_one_append() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(node(dir.path()).await.unwrap()).await;
    let batch = json!([
        converted("US-B-B52H-001", "2020-10-08T09:00:00Z"),
        converted("US-B-B52H-001", "2020-10-08T10:00:00Z"),
        converted("US-B-B52H-002", "2020-10-08T11:00:00Z"),
    ]);
    let (status, answers) = server.notify(&batch).await;
    assert_eq!(status, 200, "{answers}");
    let said: Vec<(Option<u64>, Option<u64>, Option<&str>)> = answers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["status"].as_u64(), a["sequence"].as_u64(), a["field"].as_str()))
        .collect();
    assert_eq!(
        said,
        [(Some(201), Some(1), None), (Some(422), None, Some("events[0].change")), (Some(201), Some(2), None)]
    );
    let status = server.get("/api/v1/status").await;
    assert_eq!((status["record"]["size"].as_u64(), status["record"]["checkpoint_size"].as_u64()), (Some(3), Some(3)));
    assert_eq!(server.totals("US").await, [673, 1455, 798]);
    for (body, expected) in
        [(json!([]), 422), (json!(vec![converted("US-B-B52H-003", "2020-10-09T00:00:00Z"); 1001]), 422)]
    {
        assert_eq!(server.notify(&body).await.0, expected);
    }
    assert_eq!(server.size().await, 3, "nothing refused was recorded");

    // Submissions at once, each its own request: the sequencer numbers
    // them all, once each, whatever the order they reach it.
    let uids: Vec<String> = (3..=32).map(|i| format!("US-B-B52H-{i:03}")).collect();
    let mut sent = tokio::task::JoinSet::new();
    for uid in uids {
        let (address, body) = (server.address, serde_json::to_vec(&converted(&uid, "2020-10-09T00:00:00Z")).unwrap());
        let headers = [format!("Authorization: Bearer {OPERATOR}"), "Content-Type: application/json".to_owned()];
        sent.spawn(async move { request(address, "POST", "/api/v1/notifications", &headers, &body).await });
    }
    let mut sequences = Vec::new();
    while let Some(answer) = sent.join_next().await {
        let (status, listed) = answer.unwrap();
        assert_eq!(status, 201, "{listed}");
        sequences.push(serde_json::from_str::<Value>(&listed).unwrap()["sequence"].as_u64().unwrap());
    }
    sequences.sort_unstable();
    assert_eq!(sequences, (3..33).collect::<Vec<u64>>());
    assert_eq!(server.totals("US").await, [648, 1430, 768]);
    server.stop().await;
    let server = serve(node(dir.path()).await.unwrap()).await;
    assert_eq!(server.totals("US").await, [648, 1430, 768], "the record holds what the book did");
    server.stop().await;
}

#[tokio::test]
async fn a_node_refuses_a_peer_that_is_not_a_party_of_its_treaty() {
    let dir = tempfile::tempdir().unwrap();
    let china = Peer {
        party: "CN".parse().unwrap(),
        target: detente_node::client::Target::parse("http://127.0.0.1:9", None).unwrap(),
        key: ru_key().verifier().clone(),
    };
    match node_with_peers(dir.path(), vec![china]).await {
        Err(StartError::NotAParty { peer, treaty }) => {
            assert_eq!((peer.as_str(), treaty.as_str()), ("CN", "new-start"))
        }
        other => panic!("expected the Chinese peer refused under New START, got {other:?}"),
    }
    assert!(!dir.path().join("us.key.signed").exists(), "nothing was signed");
}

#[tokio::test]
async fn a_document_changed_in_the_store_stops_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let first = node(dir.path()).await.unwrap();
    let store = first.record().store().clone();
    drop(first);
    let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(US_2020.as_bytes()).into();
    let edited = US_2020.replacen(
        "US-B-B52H-001,heavy-bomber,B-52H,BARKSDALE,deployed",
        "US-B-B52H-001,heavy-bomber,B-52H,BARKSDALE,converted",
        1,
    );
    sqlx::query("UPDATE documents SET data = $1").bind(edited.as_bytes()).execute(store.pool()).await.unwrap();
    assert!(store.document(&detente_log::Hash(digest)).await.unwrap().is_some());
    let error = node(dir.path()).await.unwrap_err();
    assert!(matches!(error, StartError::Unreadable { sequence: 0, .. }), "{error}");
    assert!(error.to_string().contains("digest"), "{error}");
}

/// Random requests against a live node: whatever the method, path, token,
/// content type and body, the answer is never a server error, refusals
/// are JSON naming what is wrong, and the record grows only by what was
/// answered 201.
#[test]
fn random_requests_never_break_the_node_or_record_what_they_should_not() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = runtime.block_on(async { serve(node(dir.path()).await.unwrap()).await });
    let paths = [
        "/api/v1/status",
        "/api/v1/notifications",
        "/api/v1/notifications?limit=0&after=-1",
        "/api/v1/notifications?party=us",
        "/api/v1/declarations",
        "/api/v1/counts",
        "/api/v1/findings",
        "/api/v1/deadlines",
        // The feed with a good query streams until the node stops, so only
        // its refusals are drawn here (tests/feed.rs has the stream).
        "/api/v1/feed?after=-1",
        "/api/v1/feed?after=1&from=2",
        "/api/v1/parties/US/items/US-B-B52H-003",
        "/api/v1/parties/ZZ/database?at=2020",
        "/api/v1/parties/%FF/items/x",
        "/api/v1/quorum",
        "/peer/v1/entries",
        "/checkpoint",
        "/tile/0/000.p/1",
        "/tile/entries/000.p/1",
        "/tile/0/001",
        "/tile/0/x",
        "/tile/entries/%FF",
        "/openapi.json",
        "/nothing",
    ];
    let bodies = prop_oneof![
        Just(converted("US-B-B52H-003", "2020-10-09T00:00:00Z").to_string()),
        Just(r#"{"kind":"launch","notice":{"fields":{"launch":"2020-10-12T00:00:00Z","launch-area":"a","impact-area":"b"}}}"#.to_owned()),
        "\\PC{0,200}",
        proptest::collection::vec(proptest::char::range(' ', '~'), 0..300).prop_map(|c| c.into_iter().collect()),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 128, ..ProptestConfig::default() });
    let strategy = (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")],
        proptest::sample::select(paths.to_vec()),
        prop_oneof![Just(Some(OPERATOR)), Just(Some(OBSERVER)), Just(None), Just(Some("x"))],
        prop_oneof![Just("application/json"), Just("text/csv"), Just("application/json; charset=utf-8"), Just("")],
        bodies,
    );
    runner
        .run(&strategy, |(method, path, token, media_type, body)| {
            runtime.block_on(async {
                let before = server.size().await;
                let content = (!media_type.is_empty()).then_some((media_type, body.as_bytes()));
                let (status, answer) = server.call(method, path, token, content).await;
                let after = server.size().await;
                prop_assert!((200..500).contains(&status), "{method} {path}: {status} {answer}");
                if status == 201 {
                    prop_assert_eq!(after, before + 1);
                } else {
                    prop_assert_eq!(after, before, "{} {}: {} recorded something", method, path, status);
                }
                // A method a route does not take gets axum's bare 405.
                if status >= 400 && status != 405 {
                    prop_assert!(answer["error"].is_string(), "{method} {path}: {status} {answer}");
                }
                Ok(())
            })
        })
        .unwrap();
    runtime.block_on(server.stop());
}

/// A new, empty database on the test server (`scripts/test-all` starts one),
/// named for the test that uses it.
async fn postgres_database(test: &str) -> String {
    let server = std::env::var("DETENTE_TEST_POSTGRES")
        .expect("DETENTE_TEST_POSTGRES gives the test PostgreSQL server; scripts/test-all starts one and sets it");
    let name = format!("detente_node_{}_{test}", std::process::id());
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    admin.close().await;
    format!("{server}/{name}")
}

/// The same node over PostgreSQL: it records, refuses, and rebuilds alike.
#[tokio::test]
async fn the_node_keeps_its_record_in_postgresql_alike() {
    let address = postgres_database("alike").await;
    let dir = tempfile::tempdir().unwrap();
    let store = || async { detente_store::postgres::PgStore::open(&address).await.unwrap() };
    let server = serve(start_node(store().await, dir.path(), Vec::new()).await.unwrap()).await;
    assert_eq!(server.totals("US").await, [675, 1457, 800]);
    let (status, listed) = server.notify(&converted("US-B-B52H-001", "2020-10-08T09:00:00Z")).await;
    assert_eq!(status, 201, "{listed}");
    let (status, refused) = server.notify(&converted("US-B-B52H-001", "2020-10-09T00:00:00Z")).await;
    assert_eq!((status, refused["field"].as_str()), (422, Some("events[0].change")), "{refused}");
    assert_eq!(server.size().await, 2);
    server.stop().await;
    let server = serve(start_node(store().await, dir.path(), Vec::new()).await.unwrap()).await;
    assert_eq!(server.size().await, 2);
    assert_eq!(server.totals("US").await, [674, 1456, 799]);
    server.stop().await;
}

/// An append the database refuses (here a trigger, standing in for a full
/// disk or a lost connection) is answered 500, and leaves nothing behind:
/// the node's database is what its record holds, so the same notification
/// goes through afterwards under the number the failed one would have had.
#[tokio::test]
async fn a_failed_append_leaves_the_database_as_the_record_holds_it() {
    let address = postgres_database("failed_append").await;
    let dir = tempfile::tempdir().unwrap();
    let store = detente_store::postgres::PgStore::open(&address).await.unwrap();
    let server = serve(start_node(store, dir.path(), Vec::new()).await.unwrap()).await;
    let (status, listed) = server.notify(&converted("US-B-B52H-001", "2020-10-08T09:00:00Z")).await;
    assert_eq!(status, 201, "{listed}");
    let fault = sqlx::PgPool::connect(&address).await.unwrap();
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
         CREATE TRIGGER refuse BEFORE UPDATE ON tree_size FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(&fault)
    .await
    .unwrap();
    let second = converted("US-B-B52H-002", "2020-10-09T09:00:00Z");
    let (status, failed) = server.notify(&second).await;
    assert_eq!(status, 500, "{failed}");
    sqlx::raw_sql("DROP TRIGGER refuse ON tree_size").execute(&fault).await.unwrap();
    assert_eq!(server.size().await, 2);
    assert_eq!(server.totals("US").await, [674, 1456, 799], "the failed conversion is not counted");
    let (status, listed) = server.notify(&second).await;
    assert_eq!((status, listed["sequence"].as_u64()), (201, Some(2)), "{listed}");
    assert_eq!(server.totals("US").await, [673, 1455, 798]);
    server.stop().await;
}
