//! Trainings (培训), deliberation meetings (议事协商) and awards (荣誉): the single mutations
//! with every rule as a `userError`, versions and tombstones, what each role reads, lists
//! with pagination and change feeds, and their statistics (issue 23).

mod common;

use std::time::Duration;

use common::{
    Options, TestApp, civil_affairs, error_codes, gid, nodes, one_error, payload_ok, scalar, station_staff, token_with,
    total, walk,
};
use serde_json::{Value, json};

/// A short write timeout, so that a change feed lists a write `WRITE_TIMEOUT + 2 s` after it.
fn feed_options() -> Options {
    let mut o = Options::default();
    o.http.write_timeout = Duration::from_millis(1_500);
    o
}
const SETTLE: Duration = Duration::from_millis(1_500 + 2_000 + 500);

const CREATE_TRAINING: &str = r#"mutation($input: CreateTrainingInput!) { createTraining(input: $input) {
    training { id topic kind heldOn personTimes region { code } station { id } organization { id }
               socialWorkers { totalCount } record { version } }
    userErrors { field message code } } }"#;
const UPDATE_TRAINING: &str = r#"mutation($input: UpdateTrainingInput!) { updateTraining(input: $input) {
    training { id personTimes socialWorkers { totalCount } volunteers { totalCount } record { version } }
    userErrors { field message code } } }"#;
const DELETE_TRAINING: &str = r#"mutation($input: DeleteInput!) { deleteTraining(input: $input) {
    deletedId userErrors { field code } } }"#;
const CREATE_MEETING: &str = r#"mutation($input: CreateDeliberationMeetingInput!) {
  createDeliberationMeeting(input: $input) {
    deliberationMeeting { id topic participants resolved outcome region { code } station { id } record { version } }
    userErrors { field message code } } }"#;
const UPDATE_MEETING: &str = r#"mutation($input: UpdateDeliberationMeetingInput!) {
  updateDeliberationMeeting(input: $input) {
    deliberationMeeting { id resolved outcome record { version } } userErrors { field message code } } }"#;
const CREATE_AWARD: &str = r#"mutation($input: CreateAwardInput!) { createAward(input: $input) {
    award { id title level year socialWorker { id } volunteer { id } organization { id } record { version } }
    userErrors { field message code } } }"#;
const UPDATE_AWARD: &str = r#"mutation($input: UpdateAwardInput!) { updateAward(input: $input) {
    award { id year socialWorker { id } volunteer { id } record { version } } userErrors { field message code } } }"#;

async fn first_id(app: &TestApp, query: &str, field: &str) -> Value {
    let d = app.data(query, json!({})).await;
    nodes(&d[field])[0]["id"].clone()
}

/// 西陵区's guidance centre (the "1" of "1+7+66").
async fn xiling_centre(app: &TestApp) -> Value {
    first_id(
        app,
        r#"{ stations(first: 1, filter: { region: "420502", levels: [GUIDANCE_CENTER] }) { nodes { id } } }"#,
        "stations",
    )
    .await
}

/// A community room of 西陵区 and its community's code.
async fn xiling_room(app: &TestApp) -> (Value, String) {
    let q = r#"{ stations(first: 1, filter: { region: "420502", levels: [VILLAGE_ROOM] }) { nodes { id region { code } } } }"#;
    let d = app.data(q, json!({})).await;
    let n = &nodes(&d["stations"])[0];
    (n["id"].clone(), n["region"]["code"].as_str().unwrap().to_owned())
}

async fn xiling_workers(app: &TestApp, n: usize) -> Vec<Value> {
    let q = r#"query($n: Int) { socialWorkers(first: $n, filter: { region: "420502" }) { nodes { id } } }"#;
    let d = app.data(q, json!({ "n": n })).await;
    nodes(&d["socialWorkers"]).iter().map(|w| w["id"].clone()).collect()
}

fn training(station: &Value) -> Value {
    json!({
        "topic": "社会工作师考前辅导",
        "kind": "PRE_CERTIFICATION",
        "heldOn": "2024-05-06",
        "personTimes": 120,
        "regionCode": "420502",
        "stationId": station,
    })
}

both_with!(
    a_training_is_written_with_every_rule_a_user_error_and_deleted_as_a_tombstone,
    super::feed_options(),
    |app| {
        let centre = xiling_centre(&app).await;
        let workers = xiling_workers(&app, 2).await;
        let count = "SELECT COUNT(*) AS n FROM trainings";
        let before = scalar(&app, count, vec![]).await;
        let tomorrow = (civlink::domain::time::today_cst() + chrono::Days::new(1)).to_string();
        for (field, value, code, err_field) in [
            ("topic", json!(" "), "REQUIRED", "topic"),
            ("heldOn", json!(tomorrow), "OUT_OF_RANGE", "heldOn"),
            ("heldOn", json!("1999-12-31"), "OUT_OF_RANGE", "heldOn"),
            ("personTimes", json!(0), "OUT_OF_RANGE", "personTimes"),
            ("regionCode", json!("420502999999"), "UNKNOWN_DIVISION", "regionCode"),
            ("regionCode", json!("522301"), "INCONSISTENT", "regionCode"),
            ("stationId", Value::Null, "REQUIRED", "stationId"),
            ("stationId", json!("bm90LWFuLWlk"), "INVALID_ID", "stationId"),
            ("stationId", json!(gid("Station", uuid::Uuid::now_v7())), "UNKNOWN_REFERENCE", "stationId"),
            (
                "socialWorkerIds",
                json!([gid("SocialWorker", uuid::Uuid::now_v7())]),
                "UNKNOWN_REFERENCE",
                "socialWorkerIds",
            ),
            ("organizationId", json!(gid("Organization", uuid::Uuid::now_v7())), "UNKNOWN_REFERENCE", "organizationId"),
        ] {
            let mut input = training(&centre);
            input[field] = value.clone();
            let d = app.data(CREATE_TRAINING, json!({ "input": input })).await;
            assert_eq!(error_codes(&d, "createTraining"), one_error(err_field, code), "{field}={value}");
            assert!(d["createTraining"]["training"].is_null());
        }
        // Named participants count at most the person-times.
        let mut input = training(&centre);
        input["personTimes"] = json!(1);
        input["socialWorkerIds"] = json!(workers);
        let d = app.data(CREATE_TRAINING, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "createTraining"), one_error("personTimes", "INCONSISTENT"));
        assert_eq!(scalar(&app, count, vec![]).await, before, "no invalid training is written");

        // Valid, with two named workers: linked as the first update.
        let mut input = training(&centre);
        input["socialWorkerIds"] = json!(workers);
        let d = app.data(CREATE_TRAINING, json!({ "input": input })).await;
        let t = payload_ok(&d, "createTraining")["training"].clone();
        assert_eq!((t["kind"].clone(), t["personTimes"].clone()), (json!("PRE_CERTIFICATION"), json!(120)));
        assert_eq!(t["region"]["code"], "420502000000");
        assert_eq!(t["station"]["id"], centre);
        assert_eq!(t["socialWorkers"]["totalCount"], 2);
        assert_eq!(t["record"]["version"], 2);
        let id = t["id"].clone();

        let d = app
            .data(
                UPDATE_TRAINING,
                json!({ "input": { "id": id, "expectedVersion": 2, "personTimes": 200, "socialWorkerIds": null } }),
            )
            .await;
        // `null` names nobody, as `[]` does.
        let u = payload_ok(&d, "updateTraining")["training"].clone();
        assert_eq!((u["personTimes"].clone(), u["socialWorkers"]["totalCount"].clone()), (json!(200), json!(0)));
        assert_eq!(u["record"]["version"], 3);
        let d =
            app.data(UPDATE_TRAINING, json!({ "input": { "id": id, "expectedVersion": 2, "personTimes": 5 } })).await;
        assert_eq!(error_codes(&d, "updateTraining"), one_error("expectedVersion", "VERSION_CONFLICT"));
        let d =
            app.data(UPDATE_TRAINING, json!({ "input": { "id": id, "expectedVersion": 3, "stationId": null } })).await;
        assert_eq!(error_codes(&d, "updateTraining"), one_error("stationId", "REQUIRED"), "an organiser must remain");
        let body =
            app.post(UPDATE_TRAINING, json!({ "input": { "id": id, "expectedVersion": 3, "topic": null } })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");

        // Node, then delete: gone from lookups, a tombstone in the change feed.
        let d = app.data(r#"query($id: ID!) { node(id: $id) { __typename id } }"#, json!({ "id": id })).await;
        assert_eq!(d["node"]["__typename"], "Training");
        let d = app.data(DELETE_TRAINING, json!({ "input": { "id": id, "expectedVersion": 3 } })).await;
        assert_eq!(payload_ok(&d, "deleteTraining")["deletedId"], id);
        let q = r#"query($id: ID!) { training(id: $id) { id } }"#;
        assert_eq!(app.error_code(q, json!({ "id": id })).await, "NOT_FOUND");
        tokio::time::sleep(super::SETTLE).await;
        let feed = r#"query($since: DateTime) { trainings(updatedSince: $since, includeDeleted: true, first: 100) {
        nodes { id record { version deletedAt } } } }"#;
        let d = app.data(feed, json!({ "since": "2026-01-01T00:00:00Z" })).await;
        let listed: Vec<&Value> = nodes(&d["trainings"]).iter().filter(|n| n["id"] == id).collect();
        assert_eq!(listed.len(), 1, "{d}");
        assert_eq!(listed[0]["record"]["version"], 4);
        assert!(listed[0]["record"]["deletedAt"].is_string());
        // Every write is audited.
        let audited = scalar(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'Training'", vec![]).await;
        assert_eq!(audited, 4, "create, link, update, delete");
    }
);

both!(a_deliberation_meeting_is_held_in_a_community_and_written_by_its_station, |app| {
    let (room, community) = xiling_room(&app).await;
    let input = json!({
        "topic": "老旧小区加装电梯", "heldOn": "2024-03-01", "participants": 36,
        "regionCode": community, "stationId": room,
    });
    let staff = station_staff(&room);
    let d = app.data_as(Some(&staff), CREATE_MEETING, json!({ "input": input.clone() })).await;
    let m = payload_ok(&d, "createDeliberationMeeting")["deliberationMeeting"].clone();
    assert_eq!((m["resolved"].clone(), m["participants"].clone()), (json!(false), json!(36)));
    assert_eq!(m["record"]["version"], 1);
    for (field, value, code) in [
        ("regionCode", json!("420502001000"), "NOT_A_COMMUNITY"),
        ("participants", json!(0), "OUT_OF_RANGE"),
        ("outcome", json!("议".repeat(501)), "TOO_LONG"),
        ("topic", json!(""), "REQUIRED"),
    ] {
        let mut bad = input.clone();
        bad[field] = value.clone();
        let d = app.data(CREATE_MEETING, json!({ "input": bad })).await;
        assert_eq!(error_codes(&d, "createDeliberationMeeting"), one_error(field, code), "{field}={value}");
    }
    // Station staff writes its own station's meetings only.
    let centre = xiling_centre(&app).await;
    let mut other = input.clone();
    other["stationId"] = centre;
    let d = app.data_as(Some(&staff), CREATE_MEETING, json!({ "input": other })).await;
    assert_eq!(
        error_codes(&d, "createDeliberationMeeting"),
        one_error("stationId", "UNKNOWN_REFERENCE"),
        "not its to read"
    );
    let mut unbound = input.clone();
    unbound["stationId"] = Value::Null;
    let d = app.data_as(Some(&staff), CREATE_MEETING, json!({ "input": unbound })).await;
    assert_eq!(error_codes(&d, "createDeliberationMeeting"), one_error("stationId", "OUT_OF_SCOPE"));
    // A county official of another county may not write here.
    let d = app.data_as(Some(&civil_affairs("511802")), CREATE_MEETING, json!({ "input": input.clone() })).await;
    let codes = error_codes(&d, "createDeliberationMeeting");
    assert!(codes.iter().any(|(_, c)| c == "OUT_OF_SCOPE" || c == "UNKNOWN_REFERENCE"), "{codes:?}");

    let upd = json!({ "id": m["id"], "expectedVersion": 1, "resolved": true, "outcome": "加装两部电梯" });
    let d = app.data_as(Some(&staff), UPDATE_MEETING, json!({ "input": upd })).await;
    let u = payload_ok(&d, "updateDeliberationMeeting")["deliberationMeeting"].clone();
    assert_eq!(
        (u["resolved"].clone(), u["outcome"].clone(), u["record"]["version"].clone()),
        (json!(true), json!("加装两部电梯"), json!(2))
    );
    let clear = json!({ "id": m["id"], "expectedVersion": 2, "outcome": null });
    let d = app.data_as(Some(&staff), UPDATE_MEETING, json!({ "input": clear })).await;
    assert!(payload_ok(&d, "updateDeliberationMeeting")["deliberationMeeting"]["outcome"].is_null());
});

both!(an_award_names_exactly_one_awardee_and_only_civil_affairs_gives_it, |app| {
    let workers = xiling_workers(&app, 2).await;
    let input = json!({ "title": "最美社区工作者", "level": "COUNTY", "year": 2024, "regionCode": "420502", "socialWorkerId": workers[0] });
    let d = app.data_as(Some(&civil_affairs("420502")), CREATE_AWARD, json!({ "input": input.clone() })).await;
    let a = payload_ok(&d, "createAward")["award"].clone();
    assert_eq!((a["socialWorker"]["id"].clone(), a["record"]["version"].clone()), (workers[0].clone(), json!(1)));

    let mut none = input.clone();
    none["socialWorkerId"] = Value::Null;
    let d = app.data(CREATE_AWARD, json!({ "input": none })).await;
    assert_eq!(error_codes(&d, "createAward"), one_error("socialWorkerId", "REQUIRED"));
    let volunteer =
        first_id(&app, r#"{ volunteers(first: 1, filter: { region: "420502" }) { nodes { id } } }"#, "volunteers")
            .await;
    let mut two = input.clone();
    two["volunteerId"] = volunteer.clone();
    let d = app.data(CREATE_AWARD, json!({ "input": two })).await;
    assert_eq!(error_codes(&d, "createAward"), one_error("socialWorkerId", "INCONSISTENT"));
    for (year, code) in [(1948, "OUT_OF_RANGE"), (2100, "OUT_OF_RANGE")] {
        let mut bad = input.clone();
        bad["year"] = json!(year);
        let d = app.data(CREATE_AWARD, json!({ "input": bad })).await;
        assert_eq!(error_codes(&d, "createAward"), one_error("year", code));
    }
    // Another county's official: out of scope, and the worker is not theirs to read.
    let d = app.data_as(Some(&civil_affairs("511802")), CREATE_AWARD, json!({ "input": input.clone() })).await;
    let codes = error_codes(&d, "createAward");
    assert!(codes.contains(&("socialWorkerId".into(), "UNKNOWN_REFERENCE".into())), "{codes:?}");
    // Station staff does not give awards.
    let (room, _) = xiling_room(&app).await;
    assert_eq!(
        app.error_code_as(Some(&station_staff(&room)), CREATE_AWARD, json!({ "input": input.clone() })).await,
        "FORBIDDEN"
    );

    // Moving the award to a volunteer: the worker cleared in the same update.
    let upd = json!({ "id": a["id"], "expectedVersion": 1, "socialWorkerId": null, "volunteerId": volunteer });
    let d = app.data(UPDATE_AWARD, json!({ "input": upd })).await;
    let u = payload_ok(&d, "updateAward")["award"].clone();
    assert!(u["socialWorker"].is_null());
    assert_eq!((u["volunteer"]["id"].clone(), u["record"]["version"].clone()), (volunteer, json!(2)));

    // An award counts where its awardee belongs: a 西陵区 worker's award in a Guizhou county is
    // refused, on create and on update; a provincial award (湖北, 42) is on the worker's branch.
    let mut elsewhere = input.clone();
    elsewhere["regionCode"] = json!("522301");
    let d = app.data(CREATE_AWARD, json!({ "input": elsewhere })).await;
    assert_eq!(error_codes(&d, "createAward"), one_error("socialWorkerId", "INCONSISTENT"));
    let upd = json!({ "id": a["id"], "expectedVersion": 2, "regionCode": "522301" });
    let d = app.data(UPDATE_AWARD, json!({ "input": upd })).await;
    assert_eq!(error_codes(&d, "updateAward"), one_error("volunteerId", "INCONSISTENT"));
    let mut provincial = input.clone();
    provincial["regionCode"] = json!("420000000000");
    provincial["level"] = json!("PROVINCIAL");
    payload_ok(&app.data(CREATE_AWARD, json!({ "input": provincial })).await, "createAward");
});

const COUNTS: &str = r#"{ trainings { totalCount } deliberationMeetings { totalCount } awards { totalCount } }"#;

both!(each_role_reads_the_activities_its_scope_allows, |app| {
    let live = |t: &str| format!("SELECT COUNT(*) AS n FROM {t} WHERE deleted_at IS NULL");
    let all = [
        scalar(&app, &live("trainings"), vec![]).await,
        scalar(&app, &live("deliberation_meetings"), vec![]).await,
        scalar(&app, &live("awards"), vec![]).await,
    ];
    assert!(all.iter().all(|n| *n > 0), "{all:?}");
    let fields = ["trainings", "deliberationMeetings", "awards"];
    let counts = |d: &Value| fields.map(|f| d[f]["totalCount"].as_i64().unwrap());
    assert_eq!(counts(&app.data(COUNTS, json!({})).await), all, "ADMIN");
    assert_eq!(counts(&app.data_as(Some(&token_with("PORTAL", |_| {})), COUNTS, json!({})).await), all, "PORTAL");
    assert_eq!(counts(&app.data_as(None, COUNTS, json!({})).await), [0, 0, 0], "PUBLIC");
    let q = r#"{ trainings(first: 1) { nodes { id } } }"#;
    assert_eq!(app.error_code_as(None, q, json!({})).await, "FORBIDDEN");
    // A county official: its county's rows only.
    let within = |t: &str, c: &str| format!("{} AND region_code BETWEEN '{c}000000' AND '{c}999999'", live(t));
    let yc = [
        scalar(&app, &within("trainings", "511802"), vec![]).await,
        scalar(&app, &within("deliberation_meetings", "511802"), vec![]).await,
        scalar(&app, &within("awards", "511802"), vec![]).await,
    ];
    assert!(yc[0] > 0 && yc[0] < all[0]);
    assert_eq!(
        counts(&app.data_as(Some(&civil_affairs("511802")), COUNTS, json!({})).await),
        yc,
        "CIVIL_AFFAIRS 雨城区"
    );
    // Station staff: the station's trainings and meetings; the awards of its people.
    let (room, _) = xiling_room(&app).await;
    let sid = common::uuid_of(&room, "Station");
    let staff = app.data_as(Some(&station_staff(&room)), COUNTS, json!({})).await;
    let own_meetings =
        scalar(&app, &format!("{} AND station_id = $1", live("deliberation_meetings")), vec![sid.into()]).await;
    assert!(own_meetings > 0);
    assert_eq!(staff["deliberationMeetings"]["totalCount"], own_meetings);
    assert_eq!(staff["trainings"]["totalCount"], 0, "the room organised none");
    let own_awards = scalar(&app, &format!("{} AND social_worker_id IN (SELECT social_worker_id FROM station_assignments WHERE deleted_at IS NULL AND station_id = $1)", live("awards")), vec![sid.into()]).await;
    assert_eq!(staff["awards"]["totalCount"], own_awards);
    let centre = xiling_centre(&app).await;
    let staff = app.data_as(Some(&station_staff(&centre)), COUNTS, json!({})).await;
    assert_eq!(staff["trainings"]["totalCount"], 24, "the centre organised the district's 24 sessions");
});

both!(activity_lists_page_filter_and_order, |app| {
    let q = r#"query($after: String) { region(code: "420502") { deliberationMeetings(first: 40, after: $after,
        filter: { resolved: true }, orderBy: { field: HELD_ON, direction: DESC }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id heldOn resolved region { code } } } } }"#;
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let d = app.data(q, json!({ "after": after })).await;
        let conn = &d["region"]["deliberationMeetings"];
        assert_eq!(total(conn), 374);
        seen.extend(nodes(conn).iter().cloned());
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 374);
    assert!(seen.iter().all(|m| m["resolved"] == true));
    let dates: Vec<&str> = seen.iter().map(|m| m["heldOn"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "ordered by date, newest first");
    let ids: std::collections::BTreeSet<&str> = seen.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 374, "no meeting twice");

    let q = r#"query($after: String) { trainings(first: 7, after: $after, filter: { region: "511802", kinds: [ON_THE_JOB] }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id personTimes kind } } }"#;
    let (n, rows) = walk(&app, q, "trainings", json!({})).await;
    assert_eq!((n, rows.len()), (12, 12));
    assert_eq!(rows.iter().map(|r| r["personTimes"].as_i64().unwrap()).sum::<i64>(), 3_060);
    let q = r#"{ awards(first: 1, filter: { title: "最美社区工作者", yearFrom: 2023, yearTo: 2023 }) { totalCount
        nodes { socialWorker { region { code } } } } }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(total(&d["awards"]), 53);

    // The relations the other way: a station's trainings and meetings, a worker's awards.
    let q = r#"{ stations(first: 1, filter: { region: "420502", levels: [GUIDANCE_CENTER] }) { nodes {
        trainings(filter: { kinds: [PRE_CERTIFICATION] }) { totalCount nodes { kind } } deliberationMeetings { totalCount } } }
        awards(first: 1) { nodes { id socialWorker { awards { totalCount nodes { id title } } } } } }"#;
    let d = app.data(q, json!({})).await;
    let centre = &nodes(&d["stations"])[0];
    assert_eq!(total(&centre["trainings"]), 4, "every fifth of the 24 sessions is exam preparation");
    assert_eq!(total(&centre["deliberationMeetings"]), 0, "meetings are the community rooms'");
    let award = &nodes(&d["awards"])[0];
    let own = &award["socialWorker"]["awards"];
    assert_eq!(total(own), 1);
    assert_eq!(nodes(own)[0]["id"], award["id"]);
});

const STATS: &str = r#"{ region(code: "420502") { statistics(period: { from: "2023-01-01", to: "2024-01-01" }) {
    access
    trainings { sessions personTimes { value perturbed } byKind { kind sessions personTimes { value } } }
    deliberations { meetings participants { value perturbed } resolvedProblems }
    awards { total byTitle { title count } } } } }"#;

// Trainings and meetings are public events whose person-times every caller reads record by
// record (a review added PORTAL's records up to the exact total beside a perturbed statistic):
// their sums are published exact, as the records are.
both!(statistics_count_activities_exactly_for_everyone_as_their_records_are_read, |app| {
    let d = app.data_as(Some(&civil_affairs("420502")), STATS, json!({})).await;
    let s = &d["region"]["statistics"];
    assert_eq!(s["access"], "FULL");
    assert_eq!(s["trainings"]["sessions"], 24);
    assert_eq!(s["trainings"]["personTimes"], json!({ "value": 5_040, "perturbed": false }));
    let by_kind: i64 =
        s["trainings"]["byKind"].as_array().unwrap().iter().map(|k| k["sessions"].as_i64().unwrap()).sum();
    assert_eq!(by_kind, 24);
    assert_eq!(s["trainings"]["byKind"].as_array().unwrap().len(), 4, "every kind listed");
    assert_eq!(s["deliberations"]["meetings"], 455);
    assert_eq!(s["deliberations"]["participants"], json!({ "value": 13_020, "perturbed": false }));
    assert_eq!(s["deliberations"]["resolvedProblems"], 374);
    assert_eq!(s["awards"], json!({ "total": 53, "byTitle": [{ "title": "最美社区工作者", "count": 53 }] }));

    for token in [None, Some(token_with("PORTAL", |_| {}))] {
        let d = app.data_as(token.as_deref(), STATS, json!({})).await;
        let p = &d["region"]["statistics"];
        assert_eq!(p["access"], "PUBLISHED");
        assert_eq!(p["trainings"]["sessions"], 24, "events are exact");
        assert_eq!(p["deliberations"]["meetings"], 455);
        assert_eq!(p["deliberations"]["resolvedProblems"], 374);
        assert_eq!(p["awards"]["total"], 53);
        assert_eq!(p["trainings"]["personTimes"], json!({ "value": 5_040, "perturbed": false }));
        assert_eq!(p["deliberations"]["participants"], json!({ "value": 13_020, "perturbed": false }));
    }
    // What PORTAL reads record by record adds up to the same figure.
    let q = r#"query($after: String) { trainings(first: 100, after: $after, filter: { region: "420502" }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { personTimes heldOn } } }"#;
    let portal = token_with("PORTAL", |_| {});
    let mut after = Value::Null;
    let mut sum = 0;
    loop {
        let d = app.data_as(Some(&portal), q, json!({ "after": after })).await;
        for n in nodes(&d["trainings"]) {
            if n["heldOn"].as_str().unwrap().starts_with("2023") {
                sum += n["personTimes"].as_i64().unwrap();
            }
        }
        if d["trainings"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["trainings"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(sum, 5_040);
    // Another year: nothing.
    let q = r#"{ region(code: "420502") { statistics(period: { from: "2022-01-01", to: "2023-01-01" }) {
        trainings { sessions } deliberations { meetings } awards { total } } } }"#;
    let d = app.data(q, json!({})).await;
    assert_eq!(
        d["region"]["statistics"],
        json!({ "trainings": { "sessions": 0 }, "deliberations": { "meetings": 0 }, "awards": { "total": 0 } })
    );
});
