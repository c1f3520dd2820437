//! Roster spreadsheets (`civlink import volunteers|workers|teams|organizations`): Chinese
//! headers, CSV in UTF-8 or GBK, XLSX, bad rows reported by row and column, through the sync
//! code (idempotent, dry run).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use civlink::import::NoProgress;
use civlink::import::roster::{RosterKind, RosterOptions, RosterReport, import_roster};
use civlink::store::sync::Atomicity;
use common::{TestApp, scalar};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rosters").join(name)
}

fn options(per_record: bool, dry_run: bool) -> RosterOptions {
    RosterOptions {
        source: "xingyi-volunteers".into(),
        dry_run,
        atomicity: if per_record { Atomicity::PerRecord } else { Atomicity::All },
        batch_size: 2_000,
        write_timeout: civlink::store::write::DEFAULT_WRITE_TIMEOUT,
        person_keys: Some(civlink::domain::person::PersonKeys::insecure_for_tests()),
    }
}

async fn import(app: &TestApp, kind: RosterKind, file: &Path, options: &RosterOptions) -> RosterReport {
    import_roster(&app.db, kind, file, options, &NoProgress).await.expect("import")
}

async fn volunteers(app: &TestApp) -> i64 {
    scalar(
        app,
        "SELECT COUNT(*) AS n FROM volunteers WHERE source = 'xingyi-volunteers' AND deleted_at IS NULL",
        vec![],
    )
    .await
}

both!(a_csv_roster_is_imported_and_bad_rows_are_named_by_row_and_column, |app| {
    let teams = import(&app, RosterKind::VolunteerTeams, &fixture("teams.csv"), &options(false, false)).await;
    assert_eq!((teams.created, teams.failed), (2, 0), "{teams}");

    // All or nothing: four bad rows abort the file.
    let report = import(&app, RosterKind::Volunteers, &fixture("volunteers.csv"), &options(false, false)).await;
    assert_eq!((report.rows, report.created, report.failed), (7, 0, 4), "{report}");
    assert_eq!(volunteers(&app).await, 0);
    let errors: Vec<(u64, Option<&str>, &str)> =
        report.errors.iter().map(|e| (e.row, e.column.as_deref(), e.code)).collect();
    for expected in [
        (4, Some("身份证号"), "INVALID_CITIZEN_ID"),
        (5, Some("手机号"), "INVALID_PHONE"),
        (6, Some("所属队伍"), "UNKNOWN_REFERENCE"),
        (7, Some("性别"), "INVALID_VALUE"),
    ] {
        assert!(errors.contains(&expected), "{expected:?} in {errors:?}");
    }
    let shown = report.to_string();
    assert!(shown.contains("row 4, column 身份证号"), "{shown}");
    assert!(!shown.contains("522301199001010131"), "reports never repeat a whole ID number: {shown}");

    // Per record: the three good rows go in; a dry run first writes nothing.
    let dry = import(&app, RosterKind::Volunteers, &fixture("volunteers.csv"), &options(true, true)).await;
    assert_eq!((dry.created, dry.failed), (3, 4));
    assert_eq!(volunteers(&app).await, 0);
    let report = import(&app, RosterKind::Volunteers, &fixture("volunteers.csv"), &options(true, false)).await;
    assert_eq!((report.created, report.failed), (3, 4), "{report}");
    assert_eq!(volunteers(&app).await, 3);
    let memberships = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM volunteer_team_memberships m JOIN volunteers v ON v.id = m.volunteer_id WHERE v.source = 'xingyi-volunteers' AND m.left_on IS NULL",
        vec![],
    )
    .await;
    assert_eq!(memberships, 4, "V001 → T1, V002 → T1 and T2 (、 separated), V007 → T2");
    let skills = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM volunteers WHERE external_id = 'V001' AND skills = '急救;书法'",
        vec![],
    )
    .await;
    assert_eq!(skills, 1, "full-width separators split lists");
    // Again: nothing changes.
    let again = import(&app, RosterKind::Volunteers, &fixture("volunteers.csv"), &options(true, false)).await;
    assert_eq!((again.created, again.unchanged, again.failed), (0, 3, 4));
});

both!(a_column_no_field_reads_is_named_in_a_warning, |app| {
    // `手机` is not a header of the phone column (`手机号` is): its values would be dropped.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("volunteers.csv");
    std::fs::write(&file, "外部编号,姓名,手机,行政区划代码\nV100,赵敏,13900000100,522301\n").unwrap();
    let report = import(&app, RosterKind::Volunteers, &file, &options(false, false)).await;
    assert_eq!((report.created, report.failed), (1, 0), "{report}");
    let unread: Vec<(u64, Option<&str>, &str)> =
        report.warnings.iter().map(|w| (w.row, w.column.as_deref(), w.code)).collect();
    assert_eq!(unread, vec![(1, Some("手机"), "UNKNOWN_COLUMN"), (1, None, "COLUMN_ABSENT")]);
    assert!(report.to_string().contains("手机号"), "the warning lists the accepted headers: {report}");
    // Found by a review: an import writes whole records, so a field without a column is
    // cleared on every updated row; the file is told which.
    let absent = &report.warnings[1].message;
    assert!(absent.contains("手机号") && absent.contains("身份证号") && !absent.contains("姓名"), "{absent}");

    // A second column of a field (an alias of a read header) is named, not dropped silently.
    std::fs::write(&file, "外部编号,姓名,手机号,联系电话,行政区划代码\nV101,赵敏,13900000101,13900000102,522301\n")
        .unwrap();
    let report = import(&app, RosterKind::Volunteers, &file, &options(false, false)).await;
    let repeated: Vec<(u64, Option<&str>, &str)> = report
        .warnings
        .iter()
        .filter(|w| w.code == "DUPLICATE_COLUMN")
        .map(|w| (w.row, w.column.as_deref(), w.code))
        .collect();
    assert_eq!(repeated, vec![(1, Some("联系电话"), "DUPLICATE_COLUMN")], "{report}");
});

both!(a_gbk_csv_of_organisations_warns_on_a_pilot_credit_code, |app| {
    let report =
        import(&app, RosterKind::Organizations, &fixture("organizations-gbk.csv"), &options(true, false)).await;
    assert_eq!((report.created, report.failed), (2, 1), "{report}");
    assert_eq!(report.warnings.len(), 1, "{report}");
    assert_eq!(report.warnings[0].row, 3);
    assert_eq!(report.warnings[0].column.as_deref(), Some("统一社会信用代码"));
    assert_eq!(report.warnings[0].code, "CHECK_DIGIT_MISMATCH");
    assert_eq!(report.errors[0].row, 4);
    assert_eq!(report.errors[0].column.as_deref(), Some("类型"));
    assert_eq!(report.errors.len(), 1, "the unreadable type is reported once, not also as missing: {report}");
    let name =
        scalar(&app, "SELECT COUNT(*) AS n FROM organizations WHERE name = '兴义市阳光社会工作服务中心'", vec![]).await;
    assert_eq!(name, 1, "GBK decoded");
});

both!(an_xlsx_roster_with_numbers_and_dates_is_read_like_text, |app| {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("teams.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["编号", "队伍名称", "行政区划代码", "成立日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_number(1, 0, 101.0).unwrap();
    sheet.write_string(1, 1, "兴义市巾帼志愿服务队").unwrap();
    sheet.write_number(1, 2, 522301.0).unwrap();
    sheet.write_datetime_with_format(1, 3, &ExcelDateTime::from_ymd(2022, 3, 8).unwrap(), &date).unwrap();
    sheet.write_number(2, 0, 102.0).unwrap();
    sheet.write_string(2, 1, "").unwrap();
    sheet.write_string(2, 2, "522301").unwrap();
    sheet.write_datetime_with_format(2, 3, &ExcelDateTime::from_ymd(2099, 1, 1).unwrap(), &date).unwrap();
    book.save(&path).unwrap();

    let report = import(&app, RosterKind::VolunteerTeams, &path, &options(true, false)).await;
    assert_eq!((report.created, report.failed), (1, 1), "{report}");
    let errors: Vec<(u64, Option<&str>, &str)> =
        report.errors.iter().map(|e| (e.row, e.column.as_deref(), e.code)).collect();
    assert!(errors.contains(&(3, Some("队伍名称"), "REQUIRED")), "{errors:?}");
    assert!(errors.contains(&(3, Some("成立日期"), "OUT_OF_RANGE")), "{errors:?}");
    let stored = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM volunteer_teams WHERE external_id = '101' AND region_code = '522301000000' AND founded_on = '2022-03-08'",
        vec![],
    )
    .await;
    assert_eq!(stored, 1, "numbers without .0, Excel dates as dates");
});

both!(the_cli_imports_prints_the_report_and_fails_on_bad_rows, |app| {
    let run = |kind: &str, file: PathBuf, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_civlink"))
            .args(["import", kind])
            .arg(file)
            .args(["--source", "xingyi-volunteers"])
            .args(extra)
            .env("DATABASE_URL", &app.url)
            // Volunteers' citizen ID numbers are matched by their keyed hash (issue 23).
            .env("CIVLINK_PERSON_KEY_SECRET", "a-person-key-secret-of-32-bytes-or-more")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run civlink")
    };
    let out = run("teams", fixture("teams.csv"), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 rows: 2 created"));
    let out = run("volunteers", fixture("volunteers.csv"), &["--per-record"]);
    assert!(!out.status.success(), "bad rows fail the command");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 created") && stdout.contains("error: row 5, column 手机号"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 of 7 rows failed"));
    let out = run("volunteers", fixture("missing.csv"), &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.csv"), "names the file");
});

// The importer sends a file in batches (`--batch-size`); an external id repeated in a later
// batch is a duplicate like one within a batch, and never overwrites the earlier row.
both!(an_external_id_repeated_in_a_later_batch_is_a_duplicate, |app| {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dup.csv");
    let id = |n: u16| {
        let birth = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        civlink::domain::CitizenId::synthesize("522301", birth, n).unwrap().as_str().to_owned()
    };
    let rows = [("I1", "甲一", 501), ("I2", "乙二", 502), ("I3", "丙三", 503), ("I1", "丁四", 504)];
    let mut csv = "外部编号,姓名,身份证号,行政区划代码\n".to_owned();
    for (ext, name, n) in rows {
        csv.push_str(&format!("{ext},{name},{},522301\n", id(n)));
    }
    std::fs::write(&file, csv).unwrap();
    for batch_size in [2, 1_000] {
        let source = format!("dup-{batch_size}");
        let options = RosterOptions { batch_size, source: source.clone(), ..options(true, false) };
        let report = import(&app, RosterKind::Volunteers, &file, &options).await;
        assert_eq!((report.created, report.updated, report.failed), (3, 0, 1), "batch size {batch_size}: {report}");
        let errors: Vec<(u64, Option<&str>, &str)> =
            report.errors.iter().map(|e| (e.row, e.column.as_deref(), e.code)).collect();
        assert_eq!(errors, vec![(5, Some("外部编号"), "DUPLICATE_EXTERNAL_ID")], "batch size {batch_size}");
        let sql = format!("SELECT COUNT(*) AS n FROM volunteers WHERE source = '{source}' AND name = '甲一'");
        assert_eq!(scalar(&app, &sql, vec![]).await, 1, "the first row keeps its name (batch size {batch_size})");
    }
});

// An 18-digit ID number saved as a number has lost digits (a double keeps about 16, Excel 15):
// the row fails with NUMBER_PRECISION_LOST, in the CLI as through `importRoster`.
both!(an_id_number_saved_as_a_number_fails_its_row_instead_of_importing_other_digits, |app| {
    use rust_xlsxwriter::Workbook;
    let id = (1..100)
        .map(|n| {
            let birth = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
            civlink::domain::CitizenId::synthesize("522301", birth, n).unwrap().as_str().to_owned()
        })
        .find(|id| !id.ends_with('X'))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["外部编号", "姓名", "身份证号", "行政区划代码"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "N1").unwrap();
    sheet.write_string(1, 1, "周一").unwrap();
    sheet.write_number(1, 2, id.parse::<f64>().unwrap()).unwrap();
    sheet.write_string(1, 3, "522301").unwrap();
    book.save(&path).unwrap();
    let report = import(&app, RosterKind::Volunteers, &path, &options(true, false)).await;
    assert_eq!((report.created, report.failed), (0, 1), "{report}");
    let errors: Vec<(u64, Option<&str>, &str)> =
        report.errors.iter().map(|e| (e.row, e.column.as_deref(), e.code)).collect();
    assert_eq!(errors, vec![(2, Some("身份证号"), "NUMBER_PRECISION_LOST")]);
});
