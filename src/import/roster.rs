//! Roster spreadsheets (CSV or XLSX) from other systems, imported through the same sync code
//! as the GraphQL `sync*` mutations, in batches.
//!
//! Columns are found by header, Chinese or English (the API's field names); the accepted
//! headers are listed per kind in [`headers`] and in README. CSV files may be UTF-8 (with or
//! without a byte-order mark) or GB 18030/GBK, as Chinese Excel saves them; XLSX files are read
//! from their first sheet. Row numbers in reports are the spreadsheet's (the header is row 1).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::Reader;
use chrono::NaiveDate;
use entity::Gender;
use entity::organization::OrganizationKind;
use entity::social_worker::CertificateLevel;
use entity::volunteer::IdDocumentType;
use sea_orm::DatabaseConnection;

use super::Progress;
use super::table::{self, Format, ReadError, ReadLimits, Table};
use crate::domain::roster::{
    FieldError, OrganizationInput, OrganizationRecord, SocialWorkerInput, Strictness, VolunteerInput,
    VolunteerTeamInput,
};
use crate::domain::volunteer_service::{SyncEntry, SyncEntryInput, VolunteerActivity};
use crate::store::audit::Actor;
use crate::store::sync::{self as engine, Atomicity, Roster, SyncMode, SyncRequest, Writer};

/// What a roster file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterKind {
    Volunteers,
    SocialWorkers,
    VolunteerTeams,
    Organizations,
    /// Volunteer service ledger entries (志愿服务记录), as `syncVolunteerService` takes them.
    VolunteerService,
}

/// How to import.
#[derive(Debug, Clone)]
pub struct RosterOptions {
    /// The system the file comes from; rows are keyed by `(source, external id)`.
    pub source: String,
    /// Report what would happen, write nothing.
    pub dry_run: bool,
    pub atomicity: Atomicity,
    /// Rows per sync batch (at most 10,000).
    pub batch_size: usize,
    /// The longest one batch's transaction may stay open (`CIVLINK_WRITE_TIMEOUT_MS`).
    pub write_timeout: std::time::Duration,
    /// The keys of persons' citizen ID numbers (from `CIVLINK_PERSON_KEY_SECRET`); required
    /// for volunteers and workers.
    pub person_keys: Option<crate::domain::person::PersonKeys>,
}

/// A problem (or warning) at one cell or row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// Spreadsheet row (the header is row 1); 0 for the file as a whole.
    pub row: u64,
    /// The column header, when the problem is in one column.
    pub column: Option<String>,
    pub message: String,
    pub code: &'static str,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.column, self.row) {
            (_, 0) => write!(f, "batch: {} ({})", self.message, self.code),
            (Some(c), row) => write!(f, "row {row}, column {c}: {} ({})", self.message, self.code),
            (None, row) => write!(f, "row {row}: {} ({})", self.message, self.code),
        }
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Accepted with a warning (credit codes failing their check character).
    pub warnings: Vec<RowIssue>,
    /// Rows not imported, and why.
    pub errors: Vec<RowIssue>,
}

impl std::fmt::Display for RosterReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} rows: {} created, {} updated, {} unchanged, {} failed",
            self.rows, self.created, self.updated, self.unchanged, self.failed
        )?;
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        for e in &self.errors {
            writeln!(f, "error: {e}")?;
        }
        Ok(())
    }
}

/// Why a file could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum RosterImportError {
    /// The file cannot be read, or breaks a limit; `code` says which (see [`ReadError`]).
    #[error("{file}: {message}")]
    Read { file: PathBuf, message: String, code: &'static str },
    #[error("{file}: no column for {field} (accepted headers: {accepted})")]
    MissingColumn { file: PathBuf, field: &'static str, accepted: String },
    #[error("database error: {0}")]
    Db(#[from] engine::SyncError),
}

/// Accepted headers per field of each kind: the API name first, then Chinese names.
pub fn headers(kind: RosterKind) -> &'static [(&'static str, &'static [&'static str])] {
    match kind {
        RosterKind::Volunteers => &[
            ("externalId", &["externalId", "编号", "外部编号", "志愿者编号"]),
            ("source", &["source", "来源"]),
            ("name", &["name", "姓名"]),
            ("gender", &["gender", "性别"]),
            ("idDocumentType", &["idDocumentType", "证件类型"]),
            ("idNumber", &["idNumber", "身份证号", "身份证号码", "证件号码"]),
            ("phone", &["phone", "手机号", "手机号码", "联系电话"]),
            ("volunteerNumber", &["volunteerNumber", "志愿者编号"]),
            ("skills", &["skills", "技能", "专长"]),
            ("regionCode", &["regionCode", "行政区划代码", "区划代码"]),
            ("teamExternalIds", &["teamExternalIds", "所属队伍", "队伍编号"]),
        ],
        RosterKind::SocialWorkers => &[
            ("externalId", &["externalId", "编号", "外部编号", "工号"]),
            ("source", &["source", "来源"]),
            ("name", &["name", "姓名"]),
            ("gender", &["gender", "性别"]),
            ("idNumber", &["idNumber", "身份证号", "身份证号码"]),
            ("phone", &["phone", "手机号", "手机号码", "联系电话"]),
            ("certificateLevel", &["certificateLevel", "证书等级", "职业资格"]),
            ("certificateNumber", &["certificateNumber", "证书编号"]),
            ("certificateYear", &["certificateYear", "取证年份", "取得年份"]),
            ("employerExternalId", &["employerExternalId", "用人单位编号", "所属机构编号"]),
            ("payPost", &["payPost", "岗位", "薪酬岗位"]),
            ("payGrade", &["payGrade", "等级", "薪酬等级"]),
            ("regionCode", &["regionCode", "行政区划代码", "区划代码"]),
        ],
        RosterKind::VolunteerTeams => &[
            ("externalId", &["externalId", "编号", "外部编号", "队伍编号"]),
            ("source", &["source", "来源"]),
            ("name", &["name", "名称", "队伍名称"]),
            ("regionCode", &["regionCode", "行政区划代码", "区划代码"]),
            ("foundedOn", &["foundedOn", "成立日期"]),
        ],
        RosterKind::Organizations => &[
            ("externalId", &["externalId", "编号", "外部编号"]),
            ("source", &["source", "来源"]),
            ("name", &["name", "名称", "机构名称", "组织名称"]),
            ("kind", &["kind", "类型", "组织类型"]),
            ("creditCode", &["creditCode", "统一社会信用代码", "信用代码"]),
            ("regionCode", &["regionCode", "行政区划代码", "区划代码"]),
            ("contactName", &["contactName", "联系人"]),
            ("contactPhone", &["contactPhone", "联系电话", "手机号"]),
        ],
        RosterKind::VolunteerService => &[
            ("externalId", &["externalId", "编号", "外部编号", "记录编号"]),
            ("source", &["source", "来源"]),
            ("volunteerExternalId", &["volunteerExternalId", "志愿者编号"]),
            ("teamExternalId", &["teamExternalId", "队伍编号"]),
            ("servedOn", &["servedOn", "服务日期"]),
            ("minutes", &["minutes", "服务时长（分钟）", "服务时长(分钟)", "服务时长"]),
            ("points", &["points", "积分"]),
            ("activity", &["activity", "活动类型", "服务类别"]),
            ("description", &["description", "服务内容"]),
            ("correctsExternalId", &["correctsExternalId", "更正编号"]),
            ("reason", &["reason", "更正原因"]),
        ],
    }
}

/// Fields a file of `kind` must have a column for. A ledger file may hold only reversals,
/// which name no volunteer: its rows say what they lack.
fn required(kind: RosterKind) -> &'static [&'static str] {
    match kind {
        RosterKind::VolunteerService => &["externalId"],
        _ => &["externalId", "name", "regionCode"],
    }
}

fn read_error(path: &Path, e: ReadError) -> RosterImportError {
    RosterImportError::Read { file: path.to_owned(), message: e.message, code: e.code }
}

/// Reads the file at `path`: CSV and XLSX through [`table`] (within `limits`), the other
/// formats calamine knows (XLS, XLSB, ODS: the operator's own files only) as a whole sheet.
fn read_table(path: &Path, limits: &ReadLimits) -> Result<Table, RosterImportError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("xlsx" | "xlsm") => Format::Xlsx,
        Some("csv" | "txt") => Format::Csv,
        Some("xls" | "ods") => return read_sheet(path),
        _ => {
            return Err(read_error(
                path,
                ReadError { code: "UNSUPPORTED_FILE", message: "expected a .csv or .xlsx file".into() },
            ));
        }
    };
    let unreadable = |e: std::io::Error| ReadError { code: "UNREADABLE_FILE", message: e.to_string() };
    let bytes = std::fs::read(path).map_err(|e| read_error(path, unreadable(e)))?;
    table::read(format, &bytes, limits).map_err(|e| read_error(path, e))
}

fn read_sheet(path: &Path) -> Result<Table, RosterImportError> {
    let unreadable = |message: String| read_error(path, ReadError { code: "UNREADABLE_FILE", message });
    let mut book = calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let sheet = book.sheet_names().first().cloned().ok_or_else(|| unreadable("the workbook has no sheet".into()))?;
    let range = book.worksheet_range(&sheet).map_err(|e| unreadable(e.to_string()))?;
    let first_row = range.start().map_or(0, |(r, _)| r as u64);
    let mut rows = range.rows();
    let headers = rows.next().map(|r| r.iter().map(table::data_text).collect()).unwrap_or_default();
    let mut out = Vec::new();
    let mut lossy = std::collections::HashSet::new();
    for (i, row) in rows.enumerate() {
        let cells: Vec<String> = row.iter().map(table::data_text).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let number = first_row + i as u64 + 2;
        lossy.extend(row.iter().enumerate().filter(|(_, c)| table::lossy(c)).map(|(c, _)| (number, c)));
        out.push((number, cells));
    }
    Ok(Table { headers, rows: out, lossy })
}

/// Column index of each field present in the header.
fn columns(path: &Path, kind: RosterKind, table: &Table) -> Result<HashMap<&'static str, usize>, RosterImportError> {
    let mut out = HashMap::new();
    for (field, names) in headers(kind) {
        if let Some(i) = table.headers.iter().position(|h| names.contains(&h.as_str())) {
            // 志愿者编号 may serve as both the external id and the volunteer number.
            out.entry(*field).or_insert(i);
        }
    }
    for field in required(kind) {
        if !out.contains_key(field) {
            let accepted =
                headers(kind).iter().find(|(f, _)| f == field).map(|(_, n)| n.join(", ")).unwrap_or_default();
            return Err(RosterImportError::MissingColumn { file: path.to_owned(), field, accepted });
        }
    }
    Ok(out)
}

/// A warning (`UNKNOWN_COLUMN`, row 1) for each non-empty header that no field reads: a
/// misspelt header (`手机` for `手机号`) would otherwise drop its column without a word.
fn unread_columns(kind: RosterKind, table: &Table) -> Vec<RowIssue> {
    let known = |h: &str| headers(kind).iter().any(|(_, names)| names.contains(&h));
    let all: Vec<&str> = headers(kind).iter().flat_map(|(_, names)| names.iter().copied()).collect();
    table
        .headers
        .iter()
        .filter(|h| !h.is_empty() && !known(h))
        .map(|h| RowIssue {
            row: 1,
            column: Some(h.clone()),
            message: format!("column `{h}` is not read; accepted headers: {}", all.join(", ")),
            code: "UNKNOWN_COLUMN",
        })
        .collect()
}

/// A warning (`DUPLICATE_COLUMN`, row 1) for each header of a field that an earlier column of
/// the file already gives (`姓名` twice, or `手机号` and `联系电话`): only the first is read.
fn repeated_columns(kind: RosterKind, table: &Table, columns: &HashMap<&'static str, usize>) -> Vec<RowIssue> {
    let mut out = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        // A column some field reads (志愿者编号 may be the external id or the volunteer number)
        // is not a repetition.
        if columns.values().any(|c| *c == i) {
            continue;
        }
        let field = headers(kind).iter().find(|(_, names)| names.contains(&header.as_str())).map(|(f, _)| *f);
        if let Some(first) = field.and_then(|f| columns.get(f)) {
            let read = table.headers.get(*first).cloned().unwrap_or_default();
            out.push(RowIssue {
                row: 1,
                column: Some(header.clone()),
                message: format!("column `{header}` is not read: column `{read}` gives the same field"),
                code: "DUPLICATE_COLUMN",
            });
        }
    }
    out
}

/// A warning (`COLUMN_ABSENT`, row 1) naming the fields of `kind` the file has no column for:
/// an import writes whole records, so a row that updates a record clears those fields (a
/// sheet of phone fixes would clear ID numbers). Team memberships are the exception: without
/// their column they are left as they are. Ledger entries are never updated.
fn absent_columns(kind: RosterKind, columns: &HashMap<&'static str, usize>) -> Option<RowIssue> {
    if kind == RosterKind::VolunteerService {
        return None;
    }
    let kept = ["source", "teamExternalIds"];
    let absent: Vec<&str> = headers(kind)
        .iter()
        .filter(|(field, _)| !columns.contains_key(field) && !kept.contains(field))
        .map(|(field, names)| names.get(1).copied().unwrap_or(field))
        .collect();
    (!absent.is_empty()).then(|| RowIssue {
        row: 1,
        column: None,
        message: format!(
            "no column for {}: a row that updates a record clears these fields or resets them to their \
             defaults (an import writes whole records); add the columns with the current values to keep them",
            absent.join(", ")
        ),
        code: "COLUMN_ABSENT",
    })
}

/// One row's cells by field.
struct Row<'a> {
    cells: &'a [String],
    columns: &'a HashMap<&'static str, usize>,
    errors: Vec<FieldError>,
}

impl Row<'_> {
    fn text(&self, field: &str) -> Option<String> {
        self.columns.get(field).and_then(|i| self.cells.get(*i)).filter(|v| !v.is_empty()).cloned()
    }

    fn required(&self, field: &str) -> String {
        self.text(field).unwrap_or_default()
    }

    fn list(&self, field: &str) -> Option<Vec<String>> {
        self.text(field).map(|v| {
            v.split([';', '；', ',', '，', '、']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        })
    }

    fn parsed<T>(&mut self, field: &str, parse: impl Fn(&str) -> Option<T>, expected: &str) -> Option<T> {
        let v = self.text(field)?;
        let parsed = parse(&v);
        if parsed.is_none() {
            self.errors.push(FieldError::new(field, "INVALID_VALUE", format!("{field}: `{v}` is not {expected}")));
        }
        parsed
    }
}

fn gender(v: &str) -> Option<Gender> {
    match v {
        "男" | "MALE" => Some(Gender::Male),
        "女" | "FEMALE" => Some(Gender::Female),
        "未知" | "UNKNOWN" => Some(Gender::Unknown),
        _ => None,
    }
}

fn document(v: &str) -> Option<IdDocumentType> {
    match v {
        "居民身份证" | "身份证" | "RESIDENT_ID" => Some(IdDocumentType::ResidentId),
        "护照" | "PASSPORT" => Some(IdDocumentType::Passport),
        "港澳居民来往内地通行证" | "港澳通行证" | "HK_MACAO_PERMIT" => {
            Some(IdDocumentType::HkMacaoPermit)
        }
        "台湾居民来往大陆通行证" | "台胞证" | "TAIWAN_PERMIT" => Some(IdDocumentType::TaiwanPermit),
        "其他" | "OTHER" => Some(IdDocumentType::Other),
        _ => None,
    }
}

fn certificate(v: &str) -> Option<CertificateLevel> {
    match v {
        "无" | "NONE" => Some(CertificateLevel::None),
        "助理社会工作师" | "ASSISTANT" => Some(CertificateLevel::Assistant),
        "社会工作师" | "INTERMEDIATE" => Some(CertificateLevel::Intermediate),
        "高级社会工作师" | "SENIOR" => Some(CertificateLevel::Senior),
        _ => None,
    }
}

fn organization_kind(v: &str) -> Option<OrganizationKind> {
    match v {
        "社会工作服务机构" | "SOCIAL_WORK_AGENCY" => Some(OrganizationKind::SocialWorkAgency),
        "社区社会组织" | "COMMUNITY_SOCIAL_ORG" => Some(OrganizationKind::CommunitySocialOrg),
        "社会团体" | "SOCIAL_GROUP" => Some(OrganizationKind::SocialGroup),
        "基金会" | "FOUNDATION" => Some(OrganizationKind::Foundation),
        "慈善组织" | "CHARITY" => Some(OrganizationKind::Charity),
        "政府部门" | "GOVERNMENT" => Some(OrganizationKind::Government),
        "其他" | "OTHER" => Some(OrganizationKind::Other),
        _ => None,
    }
}

/// `2020-05-04`, `2020/5/4` or `2020年5月4日`.
fn date(v: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"].iter().find_map(|f| NaiveDate::parse_from_str(v, f).ok())
}

fn number(v: &str) -> Option<i32> {
    v.parse().ok()
}

/// A row as a parsed record of `R`, or its problems.
type Parsed<R> = Result<<R as Roster>::Record, Vec<FieldError>>;

/// The external id cell of a row, as written.
/// Rows (by position in `rows`) whose external id, normalised as the sync engine keys it,
/// an earlier row of the file already has, each with its `DUPLICATE_EXTERNAL_ID` error. The
/// engine finds duplicates within one batch; the file is sent in several (`--batch-size`).
fn repeated_external_ids(
    rows: &[(u64, Vec<String>)],
    columns: &HashMap<&'static str, usize>,
) -> HashMap<usize, FieldError> {
    let mut first: HashMap<String, u64> = HashMap::new();
    let mut repeated = HashMap::new();
    for (i, (row, cells)) in rows.iter().enumerate() {
        let Ok(ext) = crate::domain::roster::required_text("externalId", &sent(cells, columns), 64) else { continue };
        match first.get(&ext) {
            Some(earlier) => {
                let msg = format!("externalId: `{ext}` appears more than once in the file (first in row {earlier})");
                repeated.insert(i, FieldError::new("externalId", "DUPLICATE_EXTERNAL_ID", msg));
            }
            None => _ = first.insert(ext, *row),
        }
    }
    repeated
}

/// A batch's rows as sync records: each row's external id as sent, and the errors found before
/// parsing (`unreadable`, by position in the batch) or else what `parse` makes of its cells.
fn submitted<T>(
    batch: &[(u64, Vec<String>)],
    columns: &HashMap<&'static str, usize>,
    unreadable: impl Fn(usize) -> Option<Vec<FieldError>>,
    mut parse: impl FnMut(usize, &[String]) -> Result<T, Vec<FieldError>>,
) -> Vec<engine::Submitted<T>> {
    let row = |(i, (_, cells)): (usize, &(u64, Vec<String>))| {
        let parsed = match unreadable(i) {
            Some(e) => Err(e),
            None => parse(i, cells),
        };
        (sent(cells, columns), parsed)
    };
    batch.iter().enumerate().map(row).collect()
}

fn sent(cells: &[String], columns: &HashMap<&'static str, usize>) -> String {
    columns.get("externalId").and_then(|i| cells.get(*i)).cloned().unwrap_or_default()
}

fn merge<T>(row: Row<'_>, parsed: Result<T, Vec<FieldError>>) -> Result<T, Vec<FieldError>> {
    match (parsed, row.errors) {
        (Ok(v), e) if e.is_empty() => Ok(v),
        (Ok(_), e) => Err(e),
        (Err(p), mut e) => {
            // A cell the row could not read (`INVALID_VALUE`) reaches the parser as absent:
            // its `REQUIRED` there would report the same cell twice.
            let unread: Vec<Vec<String>> = e.iter().map(|e| e.field.clone()).collect();
            e.extend(p.into_iter().filter(|p| !unread.contains(&p.field)));
            Err(e)
        }
    }
}

/// One row's outcome in an import: what the sync engine said of it, by spreadsheet row.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    /// Position among the file's data rows (0-based; empty rows are not counted).
    pub index: usize,
    /// Spreadsheet row (the header is row 1).
    pub row: u64,
    /// The row's external id, as written.
    pub external_id: String,
    pub action: engine::SyncAction,
    /// The record's id (none for failed rows that match no record).
    pub id: Option<uuid::Uuid>,
    /// Changed fields (API names) for created and updated rows.
    pub changed_fields: Vec<&'static str>,
    /// Why the row failed.
    pub errors: Vec<RowIssue>,
}

/// What [`import_table`] did: the report the CLI prints, whether anything was written, and
/// one outcome per created, updated or failed row (unchanged rows are only counted).
#[derive(Debug, Clone, Default)]
pub struct RosterImport {
    pub report: RosterReport,
    pub committed: bool,
    pub rows: Vec<RowOutcome>,
}

/// Imports a roster file as the operator (ADMIN, any region). Errors: the file cannot be read
/// or lacks a required column; the database fails. Bad rows are in the report, with their row
/// and column.
pub async fn import_roster(
    db: &DatabaseConnection,
    kind: RosterKind,
    path: &Path,
    options: &RosterOptions,
    progress: &dyn Progress,
) -> Result<RosterReport, RosterImportError> {
    let source = crate::domain::roster::required_text("--source", &options.source, 64).map_err(|e| {
        let message = format!("the source name is invalid: {}", e.message);
        read_error(path, ReadError { code: "INVALID_SOURCE", message })
    })?;
    let options = &RosterOptions { source, ..options.clone() };
    // Rows written before the person keys existed, or under another secret, are keyed first,
    // so the file's rows are checked against every stored record (`DUPLICATE_PERSON`).
    match (&options.person_keys, kind) {
        (Some(keys), _) => {
            crate::store::person::backfill(db, keys).await.map_err(|e| RosterImportError::Db(e.into()))?;
        }
        (None, RosterKind::Volunteers | RosterKind::SocialWorkers) => {
            let msg = "set CIVLINK_PERSON_KEY_SECRET (or CIVLINK_JWT_SECRET) as the server has it: \
                       citizen ID numbers are matched by their keyed hash";
            return Err(read_error(path, ReadError { code: "NO_PERSON_KEY", message: msg.to_owned() }));
        }
        (None, _) => {}
    }
    let table = read_table(path, &ReadLimits::OPERATOR)?;
    let writer = Writer {
        actor: Actor {
            subject: format!("import:{}", options.source),
            role: "ADMIN",
            request_id: format!("import-{}", uuid::Uuid::now_v7()),
        },
        region: None,
        write_timeout: options.write_timeout,
        // The operator's importer acts as ADMIN, which may compare (Identity::compares_masked_in_sync).
        blind: false,
        person_keys: options.person_keys.clone(),
    };
    Ok(import_table(db, &writer, kind, path, &table, options, progress).await?.report)
}

/// Imports rows read from `file` (its name is used in errors and progress) through the sync
/// engine as `writer`: the engine of `civlink import` and of the `importRoster` mutation.
/// `options.source` must already be checked. Errors: a required column is missing; the
/// database fails.
pub async fn import_table(
    db: &DatabaseConnection,
    writer: &Writer,
    kind: RosterKind,
    file: &Path,
    table: &Table,
    options: &RosterOptions,
    progress: &dyn Progress,
) -> Result<RosterImport, RosterImportError> {
    let columns = columns(file, kind, table)?;
    let today = crate::domain::time::today_cst();
    let mut done =
        RosterImport { report: RosterReport { rows: table.rows.len(), ..Default::default() }, ..Default::default() };
    let report = &mut done.report;
    report.warnings.extend(unread_columns(kind, table));
    report.warnings.extend(repeated_columns(kind, table, &columns));
    report.warnings.extend(absent_columns(kind, &columns));
    let header_of = |field: &str| columns.get(field).and_then(|i| table.headers.get(*i)).cloned();
    let label = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    progress.start(&label, Some(table.rows.len() as u64));
    let batch_size = options.batch_size.clamp(1, engine::MAX_RECORDS);
    let repeated = repeated_external_ids(&table.rows, &columns);
    for (b, batch) in table.rows.chunks(batch_size).enumerate() {
        let (unmasked, masked_errors) = unmask(db, writer, kind, &options.source, batch, &columns).await?;
        let batch = unmasked.as_slice();
        let mut warnings = Vec::new();
        // A row repeating an earlier row's external id fails like a duplicate within one batch,
        // whichever batch the earlier row went into (it would otherwise overwrite it). A row
        // reading a number that lost digits fails before it is parsed.
        let unreadable = |i: usize| {
            let mut errors = batch.get(i).map(|(row, _)| lost_digits(*row, &columns, table)).unwrap_or_default();
            errors.extend(batch.get(i).and_then(|(_, cells)| other_source(cells, &columns, &options.source)));
            errors.extend(repeated.get(&(b * batch_size + i)).cloned());
            errors.extend(masked_errors.get(&i).cloned().unwrap_or_default());
            (!errors.is_empty()).then_some(errors)
        };
        let summary = match kind {
            RosterKind::Volunteers => {
                let records = submitted(batch, &columns, unreadable, |_, cells| volunteer(cells, &columns, today));
                run::<engine::Volunteers>(db, writer, options, records).await?
            }
            RosterKind::SocialWorkers => {
                let records = submitted(batch, &columns, unreadable, |_, cells| social_worker(cells, &columns, today));
                run::<engine::SocialWorkers>(db, writer, options, records).await?
            }
            RosterKind::VolunteerTeams => {
                let records = submitted(batch, &columns, unreadable, |_, cells| volunteer_team(cells, &columns, today));
                run::<engine::VolunteerTeams>(db, writer, options, records).await?
            }
            RosterKind::Organizations => {
                let records = submitted(batch, &columns, unreadable, |i, cells| {
                    organization(cells, &columns).map(|(r, w)| {
                        warnings.extend(w.into_iter().map(|w| (i, w)));
                        r
                    })
                });
                run::<engine::Organizations>(db, writer, options, records).await?
            }
            RosterKind::VolunteerService => {
                let records = submitted(batch, &columns, unreadable, |_, cells| service_entry(cells, &columns, today));
                let mode = if options.dry_run { SyncMode::Validate } else { SyncMode::Commit };
                crate::store::volunteer_service::sync(db, writer, &options.source, mode, options.atomicity, records)
                    .await
                    .map_err(|e| RosterImportError::Db(engine::SyncError::Db(e)))?
            }
        };
        let issue = |i: Option<usize>, e: FieldError| {
            let field = e.field.last().cloned().unwrap_or_default();
            RowIssue {
                row: i.and_then(|i| batch.get(i)).map_or(0, |(row, _)| *row),
                column: header_of(&field),
                message: e.message,
                code: e.code,
            }
        };
        report.warnings.extend(warnings.into_iter().map(|(i, w)| issue(Some(i), w)));
        report.created += summary.created;
        report.updated += summary.updated;
        report.unchanged += summary.unchanged;
        report.failed += summary.failed;
        done.committed |= summary.committed;
        for r in summary.results {
            let errors: Vec<RowIssue> = r.errors.into_iter().map(|e| issue(r.index, e)).collect();
            report.errors.extend(errors.iter().cloned());
            if let Some(i) = r.index {
                done.rows.push(RowOutcome {
                    index: b * batch_size + i,
                    row: batch.get(i).map_or(0, |(row, _)| *row),
                    external_id: r.external_id,
                    action: r.action,
                    id: r.id,
                    changed_fields: r.changed_fields,
                    errors,
                });
            }
        }
        for e in summary.errors {
            report.errors.push(issue(None, e));
        }
        progress.advance(batch.len() as u64);
    }
    progress.finish();
    Ok(done)
}

/// The fields of `kind` that the read API (and so an export) shows masked, with their masks.
fn masked_fields(kind: RosterKind) -> &'static [(&'static str, fn(&str) -> String)] {
    use crate::domain::masking;
    match kind {
        RosterKind::Volunteers | RosterKind::SocialWorkers => {
            &[("phone", masking::phone), ("idNumber", masking::id_number)]
        }
        RosterKind::Organizations => &[("contactPhone", masking::phone)],
        RosterKind::VolunteerTeams | RosterKind::VolunteerService => &[],
    }
}

/// The stored values of the masked fields of `kind`'s live records of `source` with these
/// external ids, among the records in `region` (the writer's): by external id, by field.
async fn stored_masked(
    db: &DatabaseConnection,
    kind: RosterKind,
    source: &str,
    region: &Option<crate::domain::DivisionCode>,
    ids: Vec<String>,
) -> Result<HashMap<String, HashMap<&'static str, String>>, RosterImportError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db_error = |e: sea_orm::DbErr| RosterImportError::Db(engine::SyncError::Db(e));
    let mut out: HashMap<String, HashMap<&'static str, String>> = HashMap::new();
    let mut put = |ext: Option<String>, field: &'static str, value: Option<String>| {
        if let (Some(ext), Some(value)) = (ext, value) {
            out.entry(ext).or_default().insert(field, value);
        }
    };
    match kind {
        RosterKind::Volunteers => {
            use entity::volunteer as m;
            let rows = m::Entity::find()
                .filter(m::Column::Source.eq(source))
                .filter(m::Column::ExternalId.is_in(ids))
                .filter(m::Column::DeletedAt.is_null())
                .filter(crate::store::within(m::Column::RegionCode, region))
                .all(db)
                .await
                .map_err(db_error)?;
            for r in rows {
                put(r.external_id.clone(), "phone", r.phone);
                put(r.external_id, "idNumber", r.id_number);
            }
        }
        RosterKind::SocialWorkers => {
            use entity::social_worker as m;
            let rows = m::Entity::find()
                .filter(m::Column::Source.eq(source))
                .filter(m::Column::ExternalId.is_in(ids))
                .filter(m::Column::DeletedAt.is_null())
                .filter(crate::store::within(m::Column::RegionCode, region))
                .all(db)
                .await
                .map_err(db_error)?;
            for r in rows {
                put(r.external_id.clone(), "phone", r.phone);
                put(r.external_id, "idNumber", r.id_number);
            }
        }
        RosterKind::Organizations => {
            use entity::organization as m;
            let rows = m::Entity::find()
                .filter(m::Column::Source.eq(source))
                .filter(m::Column::ExternalId.is_in(ids))
                .filter(m::Column::DeletedAt.is_null())
                .filter(crate::store::within(m::Column::RegionCode, region))
                .all(db)
                .await
                .map_err(db_error)?;
            for r in rows {
                put(r.external_id, "contactPhone", r.contact_phone);
            }
        }
        RosterKind::VolunteerTeams | RosterKind::VolunteerService => {}
    }
    Ok(out)
}

/// A batch with its masked cells resolved, and the rows (by position in the batch) whose
/// masked cells could not be.
///
/// An exported file carries phones and ID numbers masked as the read API shows them
/// (`138****5678`). Edited and imported again, such a cell means "keep the stored value":
/// when it is exactly the mask of the stored value of the same record (same source and
/// external id, within the writer's region, so nothing is compared that the writer could
/// not read masked anyway), the stored value is imported in its place. Any other cell with
/// a mask character (`*`) fails its row with `MASKED_VALUE`, rather than overwrite a real
/// value with a mask or a mangled one. For a writer that may not compare masked values
/// (CIVIL_AFFAIRS, [`Writer::blind`]), a kept value still counts as sent, so its record is
/// reported UPDATED (version moved, values unchanged).
async fn unmask(
    db: &DatabaseConnection,
    writer: &Writer,
    kind: RosterKind,
    source: &str,
    batch: &[(u64, Vec<String>)],
    columns: &HashMap<&'static str, usize>,
) -> Result<(Vec<(u64, Vec<String>)>, HashMap<usize, Vec<FieldError>>), RosterImportError> {
    let fields: Vec<(&'static str, usize, fn(&str) -> String)> =
        masked_fields(kind).iter().filter_map(|(f, mask)| columns.get(f).map(|c| (*f, *c, *mask))).collect();
    let is_masked = |cells: &[String]| fields.iter().any(|(_, c, _)| cells.get(*c).is_some_and(|v| v.contains('*')));
    let key = |cells: &[String]| crate::domain::roster::required_text("externalId", &sent(cells, columns), 64).ok();
    let ids: Vec<String> = batch.iter().filter(|(_, cells)| is_masked(cells)).filter_map(|(_, c)| key(c)).collect();
    let mut errors: HashMap<usize, Vec<FieldError>> = HashMap::new();
    if ids.is_empty() {
        return Ok((batch.to_vec(), errors));
    }
    let stored = stored_masked(db, kind, source, &writer.region, ids).await?;
    let mut out = batch.to_vec();
    for (i, (_, cells)) in out.iter_mut().enumerate() {
        let record = key(cells).and_then(|k| stored.get(&k));
        for (field, column, mask) in &fields {
            let Some(cell) = cells.get_mut(*column).filter(|v| v.contains('*')) else { continue };
            match record.and_then(|r| r.get(field)).filter(|v| mask(v) == *cell) {
                Some(value) => *cell = value.clone(),
                None => {
                    let msg = format!(
                        "{field}: `{cell}` is a masked value, kept only where it is the mask of this record's \
                         stored value; enter the full value, or leave the exported mask as it was"
                    );
                    errors.entry(i).or_default().push(FieldError::new(field, "MASKED_VALUE", msg));
                }
            }
        }
    }
    Ok((out, errors))
}

/// `SOURCE_MISMATCH` for a row whose `来源` (source) cell names another system than the import's:
/// an export of several sources' records, imported as one of them, would otherwise overwrite
/// that source's record of the same external id with another system's row.
fn other_source(cells: &[String], columns: &HashMap<&'static str, usize>, source: &str) -> Option<FieldError> {
    let given = columns.get("source").and_then(|i| cells.get(*i)).filter(|v| !v.is_empty())?;
    (given != source).then(|| {
        let msg = format!("source: the row is a record of `{given}`, not of `{source}`; import it with that source");
        FieldError::new("source", "SOURCE_MISMATCH", msg)
    })
}

/// The `NUMBER_PRECISION_LOST` errors of a row: one per read column whose cell holds a number
/// too long for the spreadsheet to have kept every digit ([`Table::lossy`]).
fn lost_digits(row: u64, columns: &HashMap<&'static str, usize>, table: &Table) -> Vec<FieldError> {
    let mut fields: Vec<&'static str> =
        columns.iter().filter(|(_, c)| table.lossy.contains(&(row, **c))).map(|(f, _)| *f).collect();
    fields.sort_unstable();
    fields
        .into_iter()
        .map(|f| {
            let msg = format!(
                "{f}: the cell is a number of 16 or more digits, and a spreadsheet number keeps only 15 \
                 significant digits, so the value read is not the one typed; format the column as text (文本) \
                 and enter the value again"
            );
            FieldError::new(f, "NUMBER_PRECISION_LOST", msg)
        })
        .collect()
}

async fn run<R: Roster>(
    db: &DatabaseConnection,
    writer: &Writer,
    options: &RosterOptions,
    records: Vec<engine::Submitted<R::Record>>,
) -> Result<engine::SyncSummary, RosterImportError> {
    let mode = if options.dry_run { SyncMode::Validate } else { SyncMode::Commit };
    let request = SyncRequest {
        source: options.source.clone(),
        mode,
        atomicity: options.atomicity,
        delete_missing: false,
        records,
    };
    Ok(engine::sync::<R, _>(db, writer, request).await?)
}

fn volunteer(cells: &[String], columns: &HashMap<&'static str, usize>, today: NaiveDate) -> Parsed<engine::Volunteers> {
    let mut row = Row { cells, columns, errors: Vec::new() };
    let input = VolunteerInput {
        external_id: row.required("externalId"),
        name: row.required("name"),
        gender: row.parsed("gender", gender, "男, 女 or 未知"),
        id_document_type: row.parsed("idDocumentType", document, "a document type (居民身份证, 护照, …)"),
        id_number: row.text("idNumber"),
        phone: row.text("phone"),
        volunteer_number: row.text("volunteerNumber"),
        skills: row.list("skills").unwrap_or_default(),
        region_code: row.required("regionCode"),
        team_external_ids: row.list("teamExternalIds"),
    };
    let parsed = input.parse(today);
    merge(row, parsed)
}

fn social_worker(
    cells: &[String],
    columns: &HashMap<&'static str, usize>,
    today: NaiveDate,
) -> Parsed<engine::SocialWorkers> {
    let mut row = Row { cells, columns, errors: Vec::new() };
    let input = SocialWorkerInput {
        external_id: row.required("externalId"),
        name: row.required("name"),
        gender: row.parsed("gender", gender, "男, 女 or 未知"),
        id_number: row.text("idNumber"),
        phone: row.text("phone"),
        certificate_level: row.parsed(
            "certificateLevel",
            certificate,
            "无, 助理社会工作师, 社会工作师 or 高级社会工作师",
        ),
        certificate_number: row.text("certificateNumber"),
        certificate_year: row.parsed("certificateYear", number, "a year"),
        employer_external_id: row.text("employerExternalId"),
        pay_post: row.parsed("payPost", number, "a number"),
        pay_grade: row.parsed("payGrade", number, "a number"),
        region_code: row.required("regionCode"),
    };
    let parsed = input.parse(today);
    merge(row, parsed)
}

fn volunteer_team(
    cells: &[String],
    columns: &HashMap<&'static str, usize>,
    today: NaiveDate,
) -> Parsed<engine::VolunteerTeams> {
    let mut row = Row { cells, columns, errors: Vec::new() };
    let input = VolunteerTeamInput {
        external_id: row.required("externalId"),
        name: row.required("name"),
        region_code: row.required("regionCode"),
        founded_on: row.parsed("foundedOn", date, "a date (2020-05-04, 2020/5/4 or 2020年5月4日)"),
    };
    let parsed = input.parse(today);
    merge(row, parsed)
}

/// An organisation row; credit codes failing their check character are accepted with a
/// warning (early pilot codes, DOMAIN.md).
fn organization(
    cells: &[String],
    columns: &HashMap<&'static str, usize>,
) -> Result<(OrganizationRecord, Vec<FieldError>), Vec<FieldError>> {
    let mut row = Row { cells, columns, errors: Vec::new() };
    let kind = row.parsed("kind", organization_kind, "an organisation type (社会工作服务机构, 基金会, …)");
    let input = OrganizationInput {
        external_id: row.required("externalId"),
        name: row.required("name"),
        kind,
        credit_code: row.text("creditCode"),
        region_code: row.required("regionCode"),
        contact_name: row.text("contactName"),
        contact_phone: row.text("contactPhone"),
    };
    let parsed = input.parse(Strictness::Warn);
    merge(row, parsed)
}

/// A kind of volunteer activity: its API name or its Chinese name.
fn activity(v: &str) -> Option<VolunteerActivity> {
    use VolunteerActivity as A;
    Some(match v {
        "ELDERLY_CARE" | "助老" => A::ElderlyCare,
        "CHILD_CARE" | "关爱儿童" => A::ChildCare,
        "DISABILITY_SUPPORT" | "助残" => A::DisabilitySupport,
        "COMMUNITY_GOVERNANCE" | "社区治理" => A::CommunityGovernance,
        "ENVIRONMENT" | "环境保护" => A::Environment,
        "CULTURE_AND_SPORTS" | "文体活动" => A::CultureAndSports,
        "EMERGENCY_RESPONSE" | "应急救援" => A::EmergencyResponse,
        "OTHER" | "其他" => A::Other,
        _ => return None,
    })
}

/// A ledger entry row: a service, or with 更正编号 the reversal of an earlier entry.
fn service_entry(
    cells: &[String],
    columns: &HashMap<&'static str, usize>,
    today: NaiveDate,
) -> Result<SyncEntry, Vec<FieldError>> {
    let mut row = Row { cells, columns, errors: Vec::new() };
    let input = SyncEntryInput {
        external_id: row.required("externalId"),
        corrects_external_id: row.text("correctsExternalId"),
        reason: row.text("reason"),
        volunteer_external_id: row.text("volunteerExternalId"),
        team_external_id: row.text("teamExternalId"),
        served_on: row.parsed("servedOn", date, "a date (2025-05-04, 2025/5/4 or 2025年5月4日)"),
        minutes: row.parsed("minutes", number, "a number of minutes"),
        points: row.parsed("points", number, "a number"),
        activity: row.parsed(
            "activity",
            activity,
            "an activity (助老, 关爱儿童, 助残, 社区治理, 环境保护, 文体活动, 应急救援, 其他)",
        ),
        description: row.text("description"),
    };
    let parsed = input.parse(today);
    merge(row, parsed)
}
