//! A server killed (SIGKILL) in the middle of a roster sync leaves the database as before the
//! batch (`ALL`) or with whole records only (`PER_RECORD`): each volunteer present has its
//! membership and its audit row, and nothing else of the batch is there. A background job
//! (an uploaded roster's import, an export) whose server was killed is reported FAILED
//! (`INTERRUPTED`) by the next server once its lease has lapsed, never left RUNNING.

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
        Self::start_with(app, &[])
    }

    /// `civlink serve` with these settings besides.
    fn start_with(app: &TestApp, settings: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_civlink"))
            .arg("serve")
            .envs(settings.iter().copied())
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

/// Polls job `id` on `url` until `done(node)`; the node (at most 60 s).
async fn poll_job(url: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let query = "query($id: ID!) { node(id: $id) { ... on ImportJob { status progress { done } error { code } } \
                 ... on Export { status progress { done } error { code } } } }";
    let start = Instant::now();
    loop {
        let body = post(url, &json!({ "query": query, "variables": { "id": id } })).await.expect("poll");
        let node = body["data"]["node"].clone();
        if done(&node) {
            return node;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "job {id} stuck: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn running(node: &Value) -> bool {
    node["status"] == "RUNNING" && node["progress"]["done"].as_i64().unwrap_or(0) > 0
}

both!(a_job_whose_server_was_killed_is_reported_failed_by_the_next_one, |app| {
    // Every upload a job; a lease of 2 s so that the test need not wait a minute.
    let settings = [("CIVLINK_JOB_LEASE_SECS", "2"), ("CIVLINK_IMPORT_JOB_ROWS", "0")];
    let mut server = Server::start_with(&app, &settings);
    teams(&server.url, "job-killed").await;
    let mut sheet = String::from("编号,姓名,手机号,行政区划代码,所属队伍\n");
    for n in 0..RECORDS {
        sheet.push_str(&format!("J{n:05},志愿者{n},139{n:08},522301,T1\n"));
    }
    let input = json!({ "kind": "VOLUNTEERS", "source": "job-killed", "atomicity": "PER_RECORD", "file": null });
    let query =
        "mutation($input: ImportRosterInput!) { importRoster(input: $input) { job { id } userErrors { code } } }";
    let form = reqwest::multipart::Form::new()
        .text("operations", json!({ "query": query, "variables": { "input": input } }).to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part("0", reqwest::multipart::Part::bytes(sheet.into_bytes()).file_name("volunteers.csv"));
    let answer: Value = reqwest::Client::new()
        .post(&server.url)
        .bearer_auth(common::admin_token())
        .header("apollo-require-preflight", "true")
        .multipart(form)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("JSON");
    let job = answer["data"]["importRoster"]["job"]["id"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned();
    poll_job(&server.url, &job, running).await;
    server.kill();
    let imported = counts(&app, "job-killed").await;
    assert!(imported.0 > 0 && (imported.0 as usize) < RECORDS, "killed mid-file: {imported:?}");
    assert_eq!(imported.0 % 500, 0, "whole batches of whole records");

    let mut server = Server::start_with(&app, &settings);
    let failed = poll_job(&server.url, &job, |n| n["status"] != "RUNNING").await;
    assert_eq!((&failed["status"], &failed["error"]["code"]), (&json!("FAILED"), &json!("INTERRUPTED")), "{failed}");

    // An export of the rows now there, killed after its first pages.
    let query = "mutation { startExport(input: { kind: VOLUNTEERS }) { export { id } } }";
    let answer = post(&server.url, &json!({ "query": query })).await.expect("startExport");
    let export =
        answer["data"]["startExport"]["export"]["id"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned();
    let seen = poll_job(&server.url, &export, |n| running(n) || n["status"] == "SUCCEEDED").await;
    assert_eq!(seen["status"], "RUNNING", "the export finished before it could be killed");
    server.kill();
    let server = Server::start_with(&app, &settings);
    let failed = poll_job(&server.url, &export, |n| n["status"] != "RUNNING").await;
    assert_eq!((&failed["status"], &failed["error"]["code"]), (&json!("FAILED"), &json!("INTERRUPTED")), "{failed}");
    // The next export runs to the end.
    let answer = post(&server.url, &json!({ "query": query })).await.expect("startExport");
    let again = answer["data"]["startExport"]["export"]["id"].as_str().expect("id").to_owned();
    let done = poll_job(&server.url, &again, |n| n["status"] != "RUNNING" && n["status"] != "QUEUED").await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
});
