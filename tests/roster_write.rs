//! Single mutations of the rosters: `createVolunteer`/`updateVolunteer`/`deleteVolunteer`,
//! the same for organisations, social workers and volunteer teams, station assignments and
//! team memberships. The value rules are the roster sync's (one parse); these tests check
//! that each reaches the client as a user error, and the versioning and audit of each write.

mod common;

use common::{citizen_id, error_codes, new_station, one_error, payload_ok, scalar, uuid_of};
use serde_json::{Value, json};

const CREATE_VOLUNTEER: &str = r#"mutation($input: CreateVolunteerInput!) { createVolunteer(input: $input) {
    volunteer { id name gender phone record { version } } userErrors { field message code } } }"#;
const UPDATE_VOLUNTEER: &str = r#"mutation($input: UpdateVolunteerInput!) { updateVolunteer(input: $input) {
    volunteer { id name phone record { version } } userErrors { field message code } } }"#;
const DELETE_VOLUNTEER: &str = r#"mutation($input: DeleteInput!) { deleteVolunteer(input: $input) {
    deletedId userErrors { field code } } }"#;
const CREATE_ORGANIZATION: &str = r#"mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
    organization { id creditCode } userErrors { field message code } } }"#;
const CREATE_WORKER: &str = r#"mutation($input: CreateSocialWorkerInput!) { createSocialWorker(input: $input) {
    socialWorker { id record { version } } userErrors { field message code } } }"#;
const ASSIGN: &str = r#"mutation($input: AssignSocialWorkerInput!) { assignSocialWorker(input: $input) {
    socialWorker { id record { version } } userErrors { field message code } } }"#;
const END_ASSIGNMENT: &str = r#"mutation($input: EndStationAssignmentInput!) { endStationAssignment(input: $input) {
    socialWorker { id record { version } } userErrors { field message code } } }"#;
const CREATE_TEAM: &str = r#"mutation($input: CreateVolunteerTeamInput!) { createVolunteerTeam(input: $input) {
    volunteerTeam { id record { version } } userErrors { field message code } } }"#;
const ADD_MEMBER: &str = r#"mutation($input: AddVolunteerTeamMemberInput!) { addVolunteerTeamMember(input: $input) {
    volunteerTeam { id record { version } } userErrors { field message code } } }"#;
const REMOVE_MEMBER: &str = r#"mutation($input: RemoveVolunteerTeamMemberInput!) { removeVolunteerTeamMember(input: $input) {
    volunteerTeam { id record { version } } userErrors { field message code } } }"#;
fn volunteer() -> Value {
    json!({ "name": "张三", "idNumber": citizen_id(1), "phone": "13900000001", "regionCode": "522301" })
}

both!(volunteer_values_are_checked_by_the_roster_rules, |app| {
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer() })).await;
    let v = payload_ok(&d, "createVolunteer");
    assert_eq!(v["volunteer"]["gender"], "MALE", "sequence 001 is odd");
    assert_eq!(v["volunteer"]["record"]["version"], 1);
    let bad_check = {
        let mut id = citizen_id(1);
        let last = id.pop().unwrap();
        id.push(if last == '0' { '1' } else { '0' });
        id
    };
    for (field, value, code) in [
        ("name", json!(""), "REQUIRED"),
        ("idNumber", json!(bad_check), "INVALID_CITIZEN_ID"),
        ("idNumber", json!("11010520991231002X"), "INVALID_CITIZEN_ID"),
        ("phone", json!("12345"), "INVALID_PHONE"),
        ("regionCode", json!("52230"), "INVALID_DIVISION_CODE"),
        ("regionCode", json!("529999000000"), "UNKNOWN_DIVISION"),
        ("skills", json!(["a;b"]), "INVALID_TEXT"),
        ("name", json!("\u{200B}\u{FEFF}"), "REQUIRED"),
        ("name", json!("张\u{202E}三"), "INVALID_TEXT"),
        ("gender", json!("FEMALE"), "INCONSISTENT"),
    ] {
        let mut input = volunteer();
        input[field] = value.clone();
        let d = app.data(CREATE_VOLUNTEER, json!({ "input": input })).await;
        assert_eq!(error_codes(&d, "createVolunteer"), one_error(field, code), "{field}={value}");
        assert!(d["createVolunteer"]["volunteer"].is_null());
    }
    // Landlines are phone numbers too (another person: the first holds citizen_id(1), issue 23).
    let mut input = volunteer();
    input["phone"] = json!("0851-28123456");
    input["idNumber"] = json!(citizen_id(2));
    payload_ok(&app.data(CREATE_VOLUNTEER, json!({ "input": input })).await, "createVolunteer");
});

both!(volunteer_updates_are_versioned_and_audited_with_sensitive_values_masked, |app| {
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer() })).await;
    let id = payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone();
    let input = json!({ "id": id, "expectedVersion": 1, "idNumber": citizen_id(3), "volunteerNumber": null });
    let d = app.data(UPDATE_VOLUNTEER, json!({ "input": input.clone() })).await;
    let v = payload_ok(&d, "updateVolunteer");
    assert_eq!(v["volunteer"]["name"], "张三", "absent fields are unchanged");
    assert_eq!(v["volunteer"]["record"]["version"], 2);
    let d = app.data(UPDATE_VOLUNTEER, json!({ "input": input })).await;
    assert_eq!(error_codes(&d, "updateVolunteer"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let uuid = uuid_of(&id, "Volunteer");
    let sql = "SELECT CAST(version AS BIGINT) AS n FROM volunteers WHERE id = $1";
    assert_eq!(scalar(&app, sql, vec![uuid.into()]).await, 2, "a conflict changes nothing");
    // A field that cannot be cleared refuses null instead of ignoring it; nothing is written.
    for field in ["name", "regionCode", "gender"] {
        let mut input = json!({ "id": id, "expectedVersion": 2 });
        input[field] = Value::Null;
        let code = app.error_code(UPDATE_VOLUNTEER, json!({ "input": input })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{field}: null");
    }
    assert_eq!(scalar(&app, sql, vec![uuid.into()]).await, 2, "a refused null changes nothing");
    let q = r#"{ auditLog(first: 100, filter: { entity: "Volunteer" }) { nodes { action entityId changes } } }"#;
    let log = app.data(q, json!({})).await;
    let update = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["action"] == "UPDATE" && n["entityId"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{log}"));
    let change = &update["changes"]["idNumber"];
    for side in ["old", "new"] {
        let shown = change[side].as_str().unwrap();
        assert!(shown.contains('*') && shown.len() == 18, "{side} masked: {change}");
    }
    assert!(!update.to_string().contains(&citizen_id(3)), "the clear value never reaches the log");
    // Deleting needs the current version too.
    let d = app.data(DELETE_VOLUNTEER, json!({ "input": { "id": id, "expectedVersion": 1 } })).await;
    assert_eq!(error_codes(&d, "deleteVolunteer"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(DELETE_VOLUNTEER, json!({ "input": { "id": id, "expectedVersion": 2 } })).await;
    assert_eq!(d["deleteVolunteer"]["deletedId"], id);
});

both!(the_api_refuses_a_credit_code_with_a_wrong_check_character, |app| {
    let good = civlink::domain::CreditCode::synthesize("52522301MJ0000001").unwrap().as_str().to_owned();
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    let org = |code: &str| json!({ "input": { "name": "社工机构", "kind": "SOCIAL_WORK_AGENCY", "creditCode": code, "regionCode": "522301" } });
    let d = app.data(CREATE_ORGANIZATION, org(&bad)).await;
    assert_eq!(error_codes(&d, "createOrganization"), one_error("creditCode", "INVALID_CREDIT_CODE"));
    let d = app.data(CREATE_ORGANIZATION, org(&good)).await;
    assert_eq!(payload_ok(&d, "createOrganization")["organization"]["creditCode"], good);
});

both!(a_worker_is_assigned_to_a_station_and_the_assignment_ended_as_changes_of_the_worker, |app| {
    let station = new_station(&app, "522301").await;
    let worker = json!({ "name": "李四", "regionCode": "522301", "payPost": 2 });
    let d = app.data(CREATE_WORKER, json!({ "input": worker })).await;
    assert_eq!(error_codes(&d, "createSocialWorker"), one_error("payGrade", "REQUIRED"));
    let worker = json!({ "name": "李四", "regionCode": "522301", "payPost": 2, "payGrade": 5 });
    let d = app.data(CREATE_WORKER, json!({ "input": worker })).await;
    let id = payload_ok(&d, "createSocialWorker")["socialWorker"]["id"].clone();

    let assign = |v: i32| json!({ "input": { "socialWorkerId": id, "expectedVersion": v, "stationId": station, "role": "HEAD" } });
    let d = app.data(ASSIGN, assign(1)).await;
    assert_eq!(payload_ok(&d, "assignSocialWorker")["socialWorker"]["record"]["version"], 2);
    let d = app.data(ASSIGN, assign(1)).await;
    assert_eq!(error_codes(&d, "assignSocialWorker"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(ASSIGN, assign(2)).await;
    assert_eq!(error_codes(&d, "assignSocialWorker"), one_error("stationId", "ALREADY_ASSIGNED"));

    let end = |v: i32, on: &str| json!({ "input": { "socialWorkerId": id, "expectedVersion": v, "stationId": station, "endedOn": on } });
    let d = app.data(END_ASSIGNMENT, end(2, "1999-01-01")).await;
    assert_eq!(error_codes(&d, "endStationAssignment"), one_error("endedOn", "OUT_OF_RANGE"));
    let today = civlink::domain::time::today_cst().to_string();
    let d = app.data(END_ASSIGNMENT, end(2, &today)).await;
    assert_eq!(payload_ok(&d, "endStationAssignment")["socialWorker"]["record"]["version"], 3);
    let d = app.data(END_ASSIGNMENT, end(3, &today)).await;
    assert_eq!(error_codes(&d, "endStationAssignment"), one_error("stationId", "NOT_FOUND"));
    let sql = "SELECT COUNT(*) AS n FROM station_assignments WHERE social_worker_id = $1 AND ended_on IS NOT NULL";
    assert_eq!(scalar(&app, sql, vec![uuid_of(&id, "SocialWorker").into()]).await, 1);
});

both!(team_memberships_change_the_team_and_check_its_version, |app| {
    let d = app
        .data(
            CREATE_TEAM,
            json!({ "input": { "name": "青年志愿服务队", "regionCode": "522301", "foundedOn": "2999-01-01" } }),
        )
        .await;
    assert_eq!(error_codes(&d, "createVolunteerTeam"), one_error("foundedOn", "OUT_OF_RANGE"));
    let d = app.data(CREATE_TEAM, json!({ "input": { "name": "青年志愿服务队", "regionCode": "522301" } })).await;
    let team = payload_ok(&d, "createVolunteerTeam")["volunteerTeam"]["id"].clone();
    let d = app.data(CREATE_VOLUNTEER, json!({ "input": volunteer() })).await;
    let v = payload_ok(&d, "createVolunteer")["volunteer"]["id"].clone();

    let member = |v_: i32| json!({ "input": { "volunteerTeamId": team, "expectedVersion": v_, "volunteerId": v } });
    let d = app.data(ADD_MEMBER, member(1)).await;
    assert_eq!(payload_ok(&d, "addVolunteerTeamMember")["volunteerTeam"]["record"]["version"], 2);
    let d = app.data(ADD_MEMBER, member(2)).await;
    assert_eq!(error_codes(&d, "addVolunteerTeamMember"), one_error("volunteerId", "ALREADY_MEMBER"));
    let d = app.data(REMOVE_MEMBER, member(1)).await;
    assert_eq!(error_codes(&d, "removeVolunteerTeamMember"), one_error("expectedVersion", "VERSION_CONFLICT"));
    let d = app.data(REMOVE_MEMBER, member(2)).await;
    assert_eq!(payload_ok(&d, "removeVolunteerTeamMember")["volunteerTeam"]["record"]["version"], 3);
    let sql = "SELECT COUNT(*) AS n FROM volunteer_team_memberships WHERE volunteer_id = $1 AND left_on IS NOT NULL";
    assert_eq!(scalar(&app, sql, vec![uuid_of(&v, "Volunteer").into()]).await, 1);
    // An id of the wrong type is a user error, not a top-level error.
    let wrong = json!({ "input": { "volunteerTeamId": v, "expectedVersion": 3, "volunteerId": v } });
    let d = app.data(ADD_MEMBER, wrong).await;
    assert_eq!(error_codes(&d, "addVolunteerTeamMember"), one_error("volunteerTeamId", "INVALID_ID"));
});
