//! Roster uploads (`importRoster`, issue 24): the GraphQL multipart request specification over
//! real HTTP against the real router, with real tokens; the engine of `civlink import` with its
//! row-and-column errors, under the caller's scope; the preflight-header rule; the limits on
//! size, rows, columns, lines and inflated XLSX; ID numbers saved as numbers.

mod common;

use std::io::Write;
use std::path::Path;

use common::{TestApp, admin_token, civil_affairs, scalar, token_with};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const IMPORT: &str = r#"mutation($input: ImportRosterInput!) { importRoster(input: $input) {
    committed created updated unchanged failed
    results { index row externalId action id userErrors { field message code } }
    userErrors { field message code }
    warnings { field code } } }"#;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rosters").join(name)).unwrap()
}

/// How to send an upload.
struct Send<'a> {
    token: Option<String>,
    kind: &'a str,
    source: &'a str,
    mode: &'a str,
    atomicity: &'a str,
    preflight: bool,
}

impl Default for Send<'_> {
    fn default() -> Self {
        Send {
            token: Some(admin_token()),
            kind: "VOLUNTEERS",
            source: "xingyi-volunteers",
            mode: "COMMIT",
            atomicity: "ALL",
            preflight: true,
        }
    }
}

/// Posts a multipart request (operations, map, file `0`) and returns the status and body.
async fn upload(app: &TestApp, send: Send<'_>, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let input = json!({ "kind": send.kind, "source": send.source, "mode": send.mode,
                        "atomicity": send.atomicity, "file": null });
    let operations = json!({ "query": IMPORT, "variables": { "input": input } });
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part("0", Part::bytes(bytes).file_name(name.to_owned()));
    let mut request = app.client().post(app.graphql_url()).multipart(form);
    if let Some(token) = &send.token {
        request = request.bearer_auth(token);
    }
    if send.preflight {
        request = request.header("apollo-require-preflight", "true");
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let body = response.json().await.expect("a JSON answer");
    (status, body)
}

/// Uploads and returns `importRoster`'s result, asserting there was no top-level error.
async fn imported(app: &TestApp, send: Send<'_>, name: &str, bytes: Vec<u8>) -> Value {
    let (status, body) = upload(app, send, name, bytes).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["importRoster"].clone()
}

/// The `(field, code)` of every row error of a result.
fn row_errors(r: &Value) -> Vec<(Value, String)> {
    r["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["userErrors"].as_array().unwrap().iter())
        .map(|e| (e["field"].clone(), e["code"].as_str().unwrap().to_owned()))
        .collect()
}

async fn count(app: &TestApp, table: &str, source: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE source = '{source}' AND deleted_at IS NULL");
    scalar(app, &sql, vec![]).await
}

async fn teams(app: &TestApp) {
    let send = Send { kind: "VOLUNTEER_TEAMS", ..Default::default() };
    let r = imported(app, send, "teams.csv", fixture("teams.csv")).await;
    assert_eq!((r["created"].as_i64(), r["committed"].as_bool()), (Some(2), Some(true)), "{r}");
}

both!(a_csv_upload_validates_then_commits_with_the_cli_s_row_and_column_errors, |app| {
    teams(&app).await;
    let audits = scalar(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE action <> 'REVEAL'", vec![]).await;
    // The CLI's fixture: seven rows, four bad.
    for mode in ["VALIDATE", "COMMIT"] {
        let send = Send { mode, ..Default::default() };
        let r = imported(&app, send, "volunteers.csv", fixture("volunteers.csv")).await;
        assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(0), Some(4)), "{mode}: {r}");
        assert_eq!(r["committed"], false, "ALL: four bad rows abort the file");
        assert_eq!(r["userErrors"][0]["code"], "BATCH_ABORTED");
        assert_eq!(r["userErrors"][0]["field"], json!(["file"]));
    }
    let send = Send { mode: "VALIDATE", atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send, "volunteers.csv", fixture("volunteers.csv")).await;
    assert_eq!(
        (r["created"].as_i64(), r["failed"].as_i64(), r["committed"].as_bool()),
        (Some(3), Some(4), Some(false))
    );
    assert_eq!(count(&app, "volunteers", "xingyi-volunteers").await, 0, "VALIDATE writes nothing");
    let after = scalar(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE action <> 'REVEAL'", vec![]).await;
    assert_eq!(after, audits, "nor audits anything");
    let errors = row_errors(&r);
    for (field, code) in [
        (json!(["file", "4", "身份证号"]), "INVALID_CITIZEN_ID"),
        (json!(["file", "5", "手机号"]), "INVALID_PHONE"),
        (json!(["file", "6", "所属队伍"]), "UNKNOWN_REFERENCE"),
        (json!(["file", "7", "性别"]), "INVALID_VALUE"),
    ] {
        assert!(errors.contains(&(field.clone(), code.to_owned())), "{field} {code} in {errors:?}");
    }
    let failed = r["results"].as_array().unwrap().iter().find(|x| x["action"] == "FAILED").unwrap();
    assert_eq!(failed["row"].as_u64().unwrap(), failed["index"].as_u64().unwrap() + 2, "the header is row 1");
    assert!(!r.to_string().contains("522301199001010131"), "answers never repeat a whole ID number: {r}");

    let send = Send { atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send, "volunteers.csv", fixture("volunteers.csv")).await;
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64(), r["committed"].as_bool()), (Some(3), Some(4), Some(true)));
    assert_eq!(count(&app, "volunteers", "xingyi-volunteers").await, 3);
    let created = r["results"].as_array().unwrap().iter().find(|x| x["action"] == "CREATED").unwrap();
    assert!(created["id"].is_string(), "{created}");
    let subject =
        scalar(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'test-admin' AND entity = 'Volunteer'", vec![])
            .await;
    assert_eq!(subject, 3, "each write audited under the caller's token");
});

both!(gbk_csv_and_xlsx_uploads_are_read_like_the_cli_reads_them, |app| {
    let send = Send { kind: "ORGANIZATIONS", atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send, "organizations-gbk.csv", fixture("organizations-gbk.csv")).await;
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(2), Some(1)), "{r}");
    assert_eq!(r["warnings"], json!([{ "field": ["file", "3", "统一社会信用代码"], "code": "CHECK_DIGIT_MISMATCH" }]));
    assert_eq!(row_errors(&r), vec![(json!(["file", "4", "类型"]), "INVALID_VALUE".to_owned())]);
    let name =
        scalar(&app, "SELECT COUNT(*) AS n FROM organizations WHERE name = '兴义市阳光社会工作服务中心'", vec![]).await;
    assert_eq!(name, 1, "GBK decoded");

    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["编号", "队伍名称", "行政区划代码", "成立日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_number(1, 0, 101.0).unwrap();
    sheet.write_string(1, 1, "兴义市巾帼志愿服务队").unwrap();
    sheet.write_number(1, 2, 522301.0).unwrap();
    sheet.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(2022, 3, 8).unwrap(), &date).unwrap();
    sheet.write_number(2, 0, 102.0).unwrap();
    sheet.write_string(2, 2, "522301").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let send = Send { kind: "VOLUNTEER_TEAMS", atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send, "teams.xlsx", bytes).await;
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(row_errors(&r), vec![(json!(["file", "3", "队伍名称"]), "REQUIRED".to_owned())]);
    let stored = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM volunteer_teams WHERE external_id = '101' AND region_code = '522301000000' AND founded_on = '2022-03-08'",
        vec![],
    )
    .await;
    assert_eq!(stored, 1, "numbers without .0, Excel dates as dates");
});

both!(a_volunteer_service_sheet_is_imported_as_syncvolunteerservice_writes_it, |app| {
    teams(&app).await;
    let send = Send { atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send, "volunteers.csv", fixture("volunteers.csv")).await;
    assert_eq!(r["created"], 3, "V001, V002 and V007: {r}");
    // Two services, the reversal of the first, a volunteer the source does not have, and
    // minutes that are not a number.
    let sheet = "\u{feff}编号,志愿者编号,队伍编号,服务日期,服务时长（分钟）,活动类型,服务内容,更正编号,更正原因\n\
                 S1,V001,T1,2025-05-04,120,助老,陪伴老人,,\n\
                 S2,V007,,2025/5/5,90,ENVIRONMENT,,,\n\
                 S3,,,,,,,S1,录入错误\n\
                 S4,V999,,2025-05-06,60,助老,,,\n\
                 S5,V001,,2025-05-06,两小时,助老,,,\n";
    let send = || Send { kind: "VOLUNTEER_SERVICE", atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send(), "service.csv", sheet.as_bytes().to_vec()).await;
    assert_eq!(
        (r["created"].as_i64(), r["failed"].as_i64(), r["committed"].as_bool()),
        (Some(3), Some(2), Some(true)),
        "{r}"
    );
    let errors = row_errors(&r);
    for (field, code) in [
        (json!(["file", "5", "志愿者编号"]), "UNKNOWN_REFERENCE"),
        (json!(["file", "6", "服务时长（分钟）"]), "INVALID_VALUE"),
    ] {
        assert!(errors.contains(&(field.clone(), code.to_owned())), "{field} {code} in {errors:?}");
    }
    let created = r["results"].as_array().unwrap().iter().find(|x| x["externalId"] == "S1").unwrap();
    let id = created["id"].as_str().expect("an entry id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "entry ids are UUIDs, as syncVolunteerService answers: {id}");
    let minutes = |external: &'static str| {
        let sql = format!(
            "SELECT COALESCE(SUM(e.service_minutes), 0) AS n FROM volunteer_ledger_entries e \
             JOIN volunteers v ON v.id = e.volunteer_id WHERE v.external_id = '{external}' AND e.source = 'xingyi-volunteers'"
        );
        let app = &app;
        async move { scalar(app, &sql, vec![]).await }
    };
    assert_eq!(minutes("V001").await, 0, "S1 and its reversal cancel");
    assert_eq!(minutes("V007").await, 90);
    // The same sheet again: the stored entries are UNCHANGED, nothing is written twice.
    let again = imported(&app, send(), "service.csv", sheet.as_bytes().to_vec()).await;
    assert_eq!((again["created"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(3)), "{again}");
    // A changed entry is refused, not edited: entries are corrected by reversal.
    let edited = "编号,志愿者编号,服务日期,服务时长（分钟）,活动类型\nS2,V007,2025-05-05,95,环境保护\n";
    let r = imported(&app, send(), "edited.csv", edited.as_bytes().to_vec()).await;
    assert!(row_errors(&r).iter().any(|(_, c)| c == "ENTRY_IMMUTABLE"), "{r}");
    assert_eq!(minutes("V007").await, 90);
    // A file without 编号 says which column it lacks.
    let r = imported(&app, send(), "nokey.csv", "志愿者编号,服务日期\nV001,2025-05-04\n".as_bytes().to_vec()).await;
    assert_eq!(r["userErrors"][0]["code"], "MISSING_COLUMN", "{r}");
});

both!(a_file_of_three_megabytes_is_read_under_the_four_megabyte_upload_limit, |app| {
    // Found by a review: axum's own 2 MB default for extractors refused a 3 MB file although
    // CIVLINK_MAX_UPLOAD_BYTES (4 MiB by default) allowed it, naming the body limit.
    let mut sheet = String::from("编号,姓名,行政区划代码,备注\n");
    let note = "x".repeat(50_000);
    for n in 0..60 {
        sheet.push_str(&format!("B{n:03},某某,522301,{note}\n"));
    }
    assert!(sheet.len() > 3_000_000 && sheet.len() < 4 * 1024 * 1024);
    let send = Send { mode: "VALIDATE", ..Default::default() };
    let (status, body) = upload(&app, send, "big.csv", sheet.into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = &body["data"]["importRoster"];
    assert_eq!(r["created"], 60, "{body}");
    assert_eq!(r["warnings"][0]["code"], "UNKNOWN_COLUMN", "{body}");
});

both!(uploads_follow_the_sync_mutations_scope_rules, |app| {
    teams(&app).await;
    let csv = |rows: &[(&str, &str)]| {
        let mut out = "外部编号,姓名,行政区划代码\n".to_owned();
        for (ext, region) in rows {
            out.push_str(&format!("{ext},张{ext},{region}\n"));
        }
        out.into_bytes()
    };
    for token in [
        None,
        Some(token_with("PORTAL", |_| {})),
        Some(token_with("SYNC_CLIENT", |c| c.source = Some("county-hr".into()))),
    ] {
        let send = Send { token, ..Default::default() };
        let (status, body) = upload(&app, send, "v.csv", csv(&[("S1", "522301")])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    }
    assert_eq!(count(&app, "volunteers", "xingyi-volunteers").await, 0);
    let own = token_with("SYNC_CLIENT", |c| c.source = Some("xingyi-volunteers".into()));
    let r = imported(&app, Send { token: Some(own), ..Default::default() }, "v.csv", csv(&[("S1", "522301")])).await;
    assert_eq!(r["created"], 1, "{r}");
    // An official of 兴义市 (522301) imports rows in its region only.
    let send = Send { token: Some(civil_affairs("522301")), atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send, "v.csv", csv(&[("S2", "522301"), ("S3", "420502")])).await;
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(row_errors(&r), vec![(json!(["file", "3", "行政区划代码"]), "OUT_OF_SCOPE".to_owned())]);
    assert_eq!(count(&app, "volunteers", "xingyi-volunteers").await, 2);
});

both!(a_multipart_request_without_a_preflight_header_is_refused_unread, |app| {
    let bytes = fixture("teams.csv");
    let send = Send { kind: "VOLUNTEER_TEAMS", preflight: false, ..Default::default() };
    let (status, body) = upload(&app, send, "teams.csv", bytes.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PREFLIGHT_REQUIRED");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("apollo-require-preflight"));
    assert_eq!(count(&app, "volunteer_teams", "xingyi-volunteers").await, 0);
    // Apollo's other header does as well.
    let input = json!({ "kind": "VOLUNTEER_TEAMS", "source": "xingyi-volunteers", "file": null });
    let form = Form::new()
        .text("operations", json!({ "query": IMPORT, "variables": { "input": input } }).to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part("0", Part::bytes(bytes).file_name("teams.csv"));
    let response = app
        .client()
        .post(app.graphql_url())
        .bearer_auth(admin_token())
        .header("x-apollo-operation-name", "ImportTeams")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["importRoster"]["created"], 2, "{body}");
    // A multipart body that is not a GraphQL multipart request.
    let form = Form::new().text("operations", "{not json").text("map", "{}");
    let response = app
        .client()
        .post(app.graphql_url())
        .bearer_auth(admin_token())
        .header("apollo-require-preflight", "1")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("multipart"), "{body}");
    // A mutation sent as JSON with no file at all.
    let d = app.post(IMPORT, json!({ "input": { "kind": "VOLUNTEERS", "source": "x", "file": null } })).await;
    assert!(d["errors"].is_array(), "{d}");
});

fn small_limits() -> common::Options {
    let mut options = common::Options::default();
    options.http.max_body_bytes = 256 * 1024;
    options.http.upload = civlink::import::table::UploadLimits {
        max_file_bytes: 128 * 1024,
        read: civlink::import::table::ReadLimits {
            max_rows: 5,
            max_columns: 12,
            max_line_bytes: 2048,
            max_uncompressed_bytes: 8 * 1024 * 1024,
        },
    };
    options
}

both_with!(files_past_a_limit_are_refused_with_the_limit_s_code, small_limits(), |app| {
    let file_error = |r: &Value| (r["userErrors"][0]["field"].clone(), r["userErrors"][0]["code"].clone());
    // Six data rows, one more than allowed.
    let mut csv = "外部编号,姓名,行政区划代码\n".to_owned();
    for n in 0..6 {
        csv.push_str(&format!("R{n},李{n},522301\n"));
    }
    let r = imported(&app, Send::default(), "rows.csv", csv.into_bytes()).await;
    assert_eq!(file_error(&r), (json!(["file"]), json!("TOO_MANY_ROWS")), "{r}");
    // Thirteen columns.
    let csv = format!("外部编号,姓名,行政区划代码{}\nR1,李一,522301\n", ",x".repeat(10));
    let r = imported(&app, Send::default(), "cols.csv", csv.into_bytes()).await;
    assert_eq!(file_error(&r), (json!(["file"]), json!("TOO_MANY_COLUMNS")), "{r}");
    // One endless line (no line break in 100 KB).
    let csv = format!("外部编号,姓名,行政区划代码\nR1,{}", "长".repeat(30_000));
    let r = imported(&app, Send::default(), "line.csv", csv.into_bytes()).await;
    assert_eq!(file_error(&r), (json!(["file"]), json!("LINE_TOO_LONG")), "{r}");
    // A file over the upload limit, inside the body limit.
    let (status, body) = upload(&app, Send::default(), "big.csv", vec![b'a'; 200 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("CIVLINK_MAX_UPLOAD_BYTES"), "{body}");
    // A body over the body limit.
    let (status, body) = upload(&app, Send::default(), "huge.csv", vec![b'a'; 300 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    // Other formats are named.
    let r = imported(&app, Send::default(), "roster.pdf", b"%PDF-1.4".to_vec()).await;
    assert_eq!(file_error(&r), (json!(["file"]), json!("UNSUPPORTED_FILE")), "{r}");
    // A NUL character, which PostgreSQL refuses in text, in a reference looked up in the
    // database.
    let csv = "外部编号,姓名,行政区划代码,所属队伍\nR1,李一,522301,T\u{0}1\n";
    let r = imported(&app, Send::default(), "nul.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(file_error(&r), (json!(["file"]), json!("INVALID_TEXT")), "{r}");
    // A missing required column.
    let r = imported(&app, Send::default(), "v.csv", "外部编号,姓名\nR1,李一\n".as_bytes().to_vec()).await;
    assert_eq!(file_error(&r), (json!(["file"]), json!("MISSING_COLUMN")), "{r}");
    assert_eq!(count(&app, "volunteers", "xingyi-volunteers").await, 0);
});

/// An XLSX file of a few hundred kilobytes whose sheet inflates to `mb` megabytes of zeros.
fn xlsx_bomb(mb: usize) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let chunk = vec![b'0'; 1024 * 1024];
    for _ in 0..mb {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

both!(an_xlsx_bomb_is_refused_before_it_is_inflated, |app| {
    let bomb = xlsx_bomb(300);
    assert!(bomb.len() < 1024 * 1024, "the bomb is small: {} bytes", bomb.len());
    let r = imported(&app, Send::default(), "roster.xlsx", bomb).await;
    assert_eq!(r["userErrors"][0]["code"], "SPREADSHEET_TOO_LARGE", "{r}");
    assert_eq!(r["userErrors"][0]["field"], json!(["file"]));
});

#[test]
fn an_archive_whose_declared_sizes_lie_is_stopped_at_the_limit() {
    use civlink::import::table::{ReadLimits, check_archive};
    // 8 MiB of zeros would fail the declared total; declared as 1 byte in both headers, only
    // inflating can tell. The zip crate (9) stops an entry at its declared size itself
    // (`UNREADABLE_FILE`); civlink's counter stops at the limit: whichever comes first.
    let mut bomb = xlsx_bomb(8);
    let real = (8u32 * 1024 * 1024).to_le_bytes();
    let mut patched = 0;
    let mut i = 0;
    while let Some(at) = bomb[i..].windows(4).position(|w| w == real) {
        bomb[i + at..i + at + 4].copy_from_slice(&1u32.to_le_bytes());
        i += at + 4;
        patched += 1;
    }
    assert!(patched >= 2, "local and central headers patched");
    let limits =
        ReadLimits { max_rows: 10, max_columns: 10, max_line_bytes: 1024, max_uncompressed_bytes: 2 * 1024 * 1024 };
    let refused = check_archive(&bomb, &limits).unwrap_err();
    assert!(["SPREADSHEET_TOO_LARGE", "UNREADABLE_FILE"].contains(&refused.code), "{refused:?}");
}

both!(id_numbers_saved_as_numbers_are_refused_not_imported_wrong, |app| {
    use rust_xlsxwriter::Workbook;
    // An ID number of digits only (no check character X), as a spreadsheet number can hold.
    let id = (1..100).map(common::citizen_id).find(|id| !id.ends_with('X')).unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["外部编号", "姓名", "身份证号", "手机号", "行政区划代码"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    // Row 2: the ID number as a number, as Excel keeps it when typed into a General cell.
    sheet.write_string(1, 0, "N1").unwrap();
    sheet.write_string(1, 1, "周一").unwrap();
    sheet.write_number(1, 2, id.parse::<f64>().unwrap()).unwrap();
    sheet.write_number(1, 3, 13_900_000_201.0).unwrap();
    sheet.write_number(1, 4, 522301.0).unwrap();
    // Row 3: the same as text.
    sheet.write_string(2, 0, "N2").unwrap();
    sheet.write_string(2, 1, "周二").unwrap();
    sheet.write_string(2, 2, &id).unwrap();
    sheet.write_number(2, 3, 13_900_000_202.0).unwrap();
    sheet.write_string(2, 4, "522301").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let send = Send { atomicity: "PER_RECORD", ..Default::default() };
    let r = imported(&app, send, "ids.xlsx", bytes).await;
    assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(row_errors(&r), vec![(json!(["file", "2", "身份证号"]), "NUMBER_PRECISION_LOST".to_owned())]);
    let failed = &r["results"].as_array().unwrap().iter().find(|x| x["action"] == "FAILED").unwrap()["userErrors"][0];
    assert!(failed["message"].as_str().unwrap().contains("text"), "says to store it as text: {failed}");
    let stored =
        scalar(&app, "SELECT COUNT(*) AS n FROM volunteers WHERE external_id = 'N2' AND phone = '13900000202'", vec![])
            .await;
    assert_eq!(stored, 1, "the text ID and the numeric phone are read as shown");
    assert_eq!(count(&app, "volunteers", "xingyi-volunteers").await, 1);
});

fn sync_client_budget() -> common::Options {
    let mut options = common::Options::default();
    options.limits.budgets = "SYNC_CLIENT=25000/1h".parse().expect("budgets");
    options
}

both_with!(an_upload_is_costed_and_rate_limited_like_a_full_sync_batch, sync_client_budget(), |app| {
    let own = || Some(token_with("SYNC_CLIENT", |c| c.source = Some("xingyi-volunteers".into())));
    let csv = "外部编号,姓名,行政区划代码\nC1,钱一,522301\n".as_bytes().to_vec();
    for _ in 0..2 {
        let send = Send { token: own(), mode: "VALIDATE", ..Default::default() };
        let (status, body) = upload(&app, send, "v.csv", csv.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let cost = body["extensions"]["cost"]["requested"].as_u64().unwrap_or_default();
        assert!(cost > 10_000, "costs like 10,000 records whatever the file holds: {body}");
    }
    let send = Send { token: own(), mode: "VALIDATE", ..Default::default() };
    let (status, body) = upload(&app, send, "v.csv", csv).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
});

fn with_cors() -> common::Options {
    let mut options = common::Options::default();
    options.http.cors_origins = vec!["https://portal.example.gov.cn".to_owned()];
    options
}

both_with!(a_browser_on_an_allowed_origin_may_send_the_preflight_header, with_cors(), |app| {
    let preflight = |origin: &'static str| {
        app.client()
            .request(reqwest::Method::OPTIONS, app.graphql_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "apollo-require-preflight,authorization")
            .send()
    };
    let allowed = preflight("https://portal.example.gov.cn").await.unwrap();
    let headers = allowed.headers().get("access-control-allow-headers").unwrap().to_str().unwrap().to_owned();
    assert!(headers.contains("apollo-require-preflight") && headers.contains("x-apollo-operation-name"), "{headers}");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none(), "another origin is not allowed");
});
