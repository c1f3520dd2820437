//! A server killed (SIGKILL) in the middle of a roster sync leaves the database as before the
//! batch (`ALL`) or with whole records only (`PER_RECORD`): each volunteer present has its
//! membership and its audit row, and nothing else of the batch is there.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestApp, scalar};
use serde_json::{Value, json};

const SYNC: &str = "mutation($input: SyncVolunteersInput!) { syncVolunteers(input: $input) { created failed } }";
const RECORDS: usize = 10_000;

/// `civlink serve` on the test app's database.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(app: &TestApp) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_civlink"))
            .arg("serve")
            .env("DATABASE_URL", &app.url)
            .env("CIVLINK_ADDR", "127.0.0.1:0")
            .env("CIVLINK_JWT_SECRET", common::TEST_SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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

    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn batch(source: &str, atomicity: &str) -> Value {
    let records: Vec<Value> = (0..RECORDS)
        .map(|n| {
            json!({
                "externalId": format!("V{n:05}"),
                "name": format!("志愿者{n}"),
                "phone": format!("139{n:08}"),
                "regionCode": "522301",
                "teamExternalIds": ["T1"],
            })
        })
        .collect();
    json!({ "query": SYNC, "variables": { "input": { "source": source, "atomicity": atomicity, "records": records } } })
}

async fn post(url: &str, body: &Value) -> reqwest::Result<Value> {
    reqwest::Client::new().post(url).bearer_auth(common::admin_token()).json(body).send().await?.json().await
}

async fn counts(app: &TestApp, source: &str) -> (i64, i64, i64) {
    let volunteers =
        scalar(app, &format!("SELECT COUNT(*) AS n FROM volunteers WHERE source = '{source}'"), vec![]).await;
    let members = scalar(
        app,
        &format!(
            "SELECT COUNT(*) AS n FROM volunteer_team_memberships m JOIN volunteers v ON v.id = m.volunteer_id WHERE v.source = '{source}'"
        ),
        vec![],
    )
    .await;
    // Audit rows name the row's id as text; match them to the source's rows by id.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ids: std::collections::HashSet<String> = entity::volunteer::Entity::find()
        .filter(entity::volunteer::Column::Source.eq(source))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.id.to_string())
        .collect();
    let audits = entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::Entity.eq("Volunteer"))
        .filter(entity::audit_entry::Column::Action.eq(entity::audit_entry::AuditAction::Create))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| ids.contains(&a.entity_id))
        .count() as i64;
    (volunteers, members, audits)
}

async fn teams(url: &str, source: &str) {
    let body = json!({
        "query": "mutation($input: SyncVolunteerTeamsInput!) { syncVolunteerTeams(input: $input) { created } }",
        "variables": { "input": { "source": source, "records": [{ "externalId": "T1", "name": "青年志愿服务队", "regionCode": "522301" }] } }
    });
    assert_eq!(post(url, &body).await.unwrap()["data"]["syncVolunteerTeams"]["created"], 1);
}

both!(a_server_killed_mid_batch_leaves_whole_records_only, |app| {
    // PER_RECORD commits chunks of 500: kill once the first chunk is in.
    let mut server = Server::start(&app);
    teams(&server.url, "per-record").await;
    let url = server.url.clone();
    let body = batch("per-record", "PER_RECORD");
    let request = tokio::spawn(async move { post(&url, &body).await });
    let start = Instant::now();
    loop {
        if counts(&app, "per-record").await.0 > 0 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "the first chunk never committed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    assert!(request.await.unwrap().is_err(), "killed before it answered");
    let (volunteers, members, audits) = counts(&app, "per-record").await;
    assert!(volunteers > 0 && (volunteers as usize) < RECORDS, "killed mid-batch: {volunteers}");
    assert_eq!(volunteers % 500, 0, "whole chunks of whole records");
    assert_eq!((members, audits), (volunteers, volunteers), "each record with its membership and its audit row");

    // ALL: time a whole batch, then kill another halfway through.
    let mut server = Server::start(&app);
    teams(&server.url, "all-timed").await;
    teams(&server.url, "all-killed").await;
    let t = Instant::now();
    let done = post(&server.url, &batch("all-timed", "ALL")).await.unwrap();
    assert_eq!(done["data"]["syncVolunteers"]["created"], RECORDS, "{done}");
    let whole = t.elapsed();
    let url = server.url.clone();
    let body = batch("all-killed", "ALL");
    let request = tokio::spawn(async move { post(&url, &body).await });
    tokio::time::sleep(whole / 2).await;
    server.kill();
    assert!(request.await.unwrap().is_err(), "killed before it answered (a batch takes {whole:?})");
    assert_eq!(counts(&app, "all-killed").await, (0, 0, 0), "nothing of an unfinished ALL batch");
    assert_eq!(counts(&app, "all-timed").await.0, RECORDS as i64, "earlier batches intact");
    // The database is usable afterwards.
    let server = Server::start(&app);
    let again = post(&server.url, &batch("all-killed", "ALL")).await.unwrap();
    assert_eq!(again["data"]["syncVolunteers"]["created"], RECORDS, "{again}");
});
