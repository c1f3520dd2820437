//! Bulk exports (issue 24): `startExport` queues a job that writes a list as CSV, XLSX or JSON
//! Lines, `Export` (a `Node`) reports its status and progress, and `GET /exports/{id}` (the
//! `url`) downloads the file, to the caller that started it only.
//!
//! **Scope and masking are the read API's, not restated.** The job pages through the same
//! root list field a client would query (`volunteers`, `socialWorkers`, `volunteerTeams`,
//! `organizations`), executed by the same schema under the identity of the caller that
//! started the export (role, subject and scope stored with the job). Whatever the read API
//! masks or leaves out for that caller, the file masks or leaves out; an export cannot read
//! more than the caller's own queries could, and it spends the caller's rate budget
//! (it waits when the budget is spent, as a client would).
//!
//! XLSX is written by rust_xlsxwriter's constant-memory worksheet on a blocking thread to a
//! temporary file (a zip archive is finished only at its end), then stored in pieces like the
//! others.
//!
//! **Where the file is, and why.** The file is written while the job runs, in pieces of
//! [`JobSettings::chunk_bytes`] stored as rows of `job_chunks`, and streamed out a piece at
//! a time on download. Rather than running the export again at download time: the file
//! is a snapshot of one moment, its row count is known when it is offered, the audit row
//! states what was taken, and any replica can serve the download, including one that was
//! not running when the export was made. Memory stays flat either way: one page of rows and
//! one piece of file at a time, whatever the row count.
//!
//! **Restarts.** The job runs on the replica that accepted `startExport`, renewing its lease
//! as it goes ([`crate::store::job`]); if that replica dies, the first read of the job after
//! the lease lapses reports it FAILED with code `INTERRUPTED`. Nothing is silently lost; the
//! caller starts the export again.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::job::{JobKind, JobStatus as Status, Model as JobRow};
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::{RecordOrder, division};
use super::context::RequestData;
use super::enums::RecordOrderField;
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::payload::UserError;
use super::scalars::DateTime;
use crate::auth::identity::{Identity, Role};
use crate::domain::DivisionCode;
use crate::store::Scope;
use crate::store::audit::Actor;
use crate::store::job::{self as jobs, Owner};

/// How background jobs run (`CIVLINK_EXPORT_*`).
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// How long a job's lease lasts without renewal; a job not renewed within it is reported
    /// FAILED (`INTERRUPTED`). Renewed on every page, so it must outlast one page's query.
    pub lease: Duration,
    /// How long a finished export may be downloaded.
    pub download_ttl: Duration,
    /// Size of the pieces an export's file is stored in, in bytes.
    pub chunk_bytes: usize,
    /// Rows per page read from the list.
    pub page_size: usize,
    /// An uploaded roster of more data rows than this is imported as a background job
    /// (`CIVLINK_IMPORT_JOB_ROWS`).
    pub import_job_rows: usize,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(60),
            download_ttl: Duration::from_secs(3600),
            chunk_bytes: 256 * 1024,
            page_size: super::connection::MAX_PAGE_SIZE as usize,
            import_job_rows: 1_000,
        }
    }
}

/// What a replica needs to run jobs: the schema (exports read through it), the pools and the
/// settings. Cheap to clone (each part is shared).
#[derive(Clone)]
pub struct Jobs {
    pub schema: super::CivlinkSchema,
    pub db: sea_orm::DatabaseConnection,
    pub keyed: sea_orm::DatabaseConnection,
    pub settings: JobSettings,
}

/// What to export: every list of `Query` whose records belong to a region. The four kinds a
/// roster import reads are written with the import's Chinese headers and values (性别 男/女, …),
/// so export → edit → `importRoster` applies only the edits; the others have Chinese headers
/// too, with enum values, dates and amounts as the API writes them (`ELDERLY_CARE`,
/// `2025-03-01`, `1200.50`), and an `ID` column of global ids that relates their rows.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportKind {
    /// Divisions (行政区划) of the shipped code tree, in code order.
    Regions,
    /// Stations (社工站) and their rooms.
    Stations,
    /// Organisations (社会组织), with the columns of ORGANIZATIONS.
    Organizations,
    /// Social workers (社会工作者), with the columns of SOCIAL_WORKERS.
    SocialWorkers,
    /// Volunteers (志愿者), with the columns `importRoster` reads for VOLUNTEERS.
    Volunteers,
    /// Volunteer teams (志愿服务队), with the columns of VOLUNTEER_TEAMS.
    VolunteerTeams,
    /// Clients (服务对象), masked as `clients` lists them (an export never reveals).
    Clients,
    /// Projects (项目).
    Projects,
    /// Service records (服务记录).
    ServiceRecords,
    /// Charity resources (慈善资源).
    CharityResources,
    /// Trainings (培训).
    Trainings,
    /// Deliberation meetings (议事协商).
    DeliberationMeetings,
    /// Awards (表彰).
    Awards,
}

/// The file format of an export.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportFormat {
    /// UTF-8 with a byte-order mark (so Excel reads the Chinese), comma-separated, RFC 4180
    /// quoting; one header row with the Chinese headers `importRoster` reads.
    Csv,
    /// JSON Lines: one JSON object per record, with the API's field names, as the list field
    /// returns it (global ids, masked values).
    Jsonl,
    /// Excel workbook: the CSV's header and cells, every cell text (so ID numbers keep their
    /// 18 digits), in one sheet up to Excel's 1,048,575 data rows and further sheets beyond.
    Xlsx,
}

impl ExportFormat {
    fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/jsonl; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// The state of a background job.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::job::JobStatus")]
pub enum JobStatus {
    /// Accepted, not yet started.
    Queued,
    /// Running: `progress` moves.
    Running,
    /// Done; an export's `url` is set until it expires.
    Succeeded,
    /// Stopped: `error` says why.
    Failed,
}

/// Which records an export takes. `region` applies to every kind (for REGIONS: the subtree
/// below and including the division); `nameContains` to the kinds whose list filter has it
/// (not CLIENTS, SERVICE_RECORDS, CHARITY_RESOURCES, TRAININGS, DELIBERATION_MEETINGS, AWARDS:
/// `UNSUPPORTED_FILTER`).
#[derive(InputObject, Default, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFilter {
    /// Only records located in this division's subtree (12-digit code, or 2-, 4-, 6-, 9-digit
    /// prefix form as the lists accept).
    pub region: Option<String>,
    /// Name contains this text (exact substring after NFKC normalisation).
    pub name_contains: Option<String>,
}

/// A bulk export to start.
#[derive(InputObject)]
pub struct StartExportInput {
    /// What to export.
    pub kind: ExportKind,
    /// CSV (default), JSONL or XLSX.
    #[graphql(default_with = "ExportFormat::Csv")]
    pub format: ExportFormat,
    /// Which records; all the caller may read when absent.
    pub filter: Option<ExportFilter>,
    /// Row order, as the list's `orderBy`; default ID, oldest first. ID is creation order
    /// (REGIONS: code order); NAME orders the kinds that have a name; CREATED_AT and
    /// UPDATED_AT every kind but REGIONS. Any other pair is `UNSUPPORTED_ORDER`.
    pub order_by: Option<RecordOrder>,
}

/// What an export job was asked to do, as stored in `jobs.input`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportInput {
    kind: ExportKind,
    format: ExportFormat,
    filter: ExportFilter,
    /// The list's `orderBy` argument, as GraphQL input JSON.
    order_by: Value,
}

/// How far a job has come, in rows.
#[derive(SimpleObject)]
pub struct JobProgress {
    /// Rows done so far.
    pub done: i64,
    /// Rows expected, once known (the list's `totalCount` when the first page is read).
    pub total: Option<i64>,
}

/// Why a job failed.
#[derive(SimpleObject)]
pub struct JobError {
    /// Stable code: `INTERRUPTED` (the replica running it stopped: start it again),
    /// `RATE_LIMITED` (the caller's budget could not cover it), `FORBIDDEN` (the caller's
    /// token no longer reads these records), `INTERNAL`.
    pub code: String,
    /// For people.
    pub message: String,
}

/// A bulk export (issue 24): a list written to a file in the background, for the caller who
/// started it. Poll `status` and `progress` (through `node(id:)`) until SUCCEEDED, then GET
/// `url` with the same bearer token.
pub struct Export(pub JobRow);

impl Export {
    fn input(&self) -> Option<ExportInput> {
        serde_json::from_str(&self.0.input).ok()
    }
}

/// A bulk export (issue 24): a list written to a file in the background, for the caller who
/// started it. Poll `status` and `progress` (through `node(id:)`) until SUCCEEDED, then GET
/// `url` with the same bearer token.
#[Object]
impl Export {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::Export, self.0.id)
    }
    /// What is exported.
    async fn kind(&self) -> Option<ExportKind> {
        self.input().map(|i| i.kind)
    }
    /// The file's format.
    async fn format(&self) -> Option<ExportFormat> {
        self.input().map(|i| i.format)
    }
    /// QUEUED, RUNNING, SUCCEEDED or FAILED.
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }
    /// Rows written so far, of how many.
    async fn progress(&self) -> JobProgress {
        JobProgress { done: self.0.done, total: self.0.total }
    }
    /// Rows in the file, once SUCCEEDED; else null.
    async fn row_count(&self) -> Option<i64> {
        (self.0.status == Status::Succeeded).then_some(self.0.done)
    }
    /// Size of the file written so far, in bytes.
    async fn byte_count(&self) -> i64 {
        self.0.bytes
    }
    /// Where to download the file (relative to the API's origin: `GET /exports/{id}` with the
    /// same bearer token as the export's); null until SUCCEEDED and after `expiresAt`.
    async fn url(&self) -> Option<String> {
        let live = self.0.expires_at.is_some_and(|t| t > crate::domain::time::now());
        (self.0.status == Status::Succeeded && live)
            .then(|| format!("/exports/{}", GlobalId::encode(NodeType::Export, self.0.id).as_str()))
    }
    /// Until when `url` serves the file (UTC).
    async fn expires_at(&self) -> Option<DateTime> {
        self.0.expires_at.map(DateTime)
    }
    /// Why it FAILED; null otherwise.
    async fn error(&self) -> Option<JobError> {
        match (&self.0.error_code, &self.0.error_message) {
            (Some(code), message) => {
                Some(JobError { code: code.clone(), message: message.clone().unwrap_or_default() })
            }
            _ => None,
        }
    }
    /// When it was started (UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it finished (UTC), SUCCEEDED or FAILED.
    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(DateTime)
    }
}

/// Exports one caller (subject and role) may have running or queued at once.
pub const MAX_RUNNING_EXPORTS: u64 = 3;

/// The answer of `startExport`.
#[derive(SimpleObject)]
pub struct StartExportPayload {
    /// The export, QUEUED; null when refused.
    pub export: Option<Export>,
    /// `INVALID_DIVISION_CODE` (filter.region), `UNSUPPORTED_FILTER` (filter.nameContains for a
    /// list without it), `UNSUPPORTED_ORDER` (an orderBy the list lacks), `TOO_MANY_EXPORTS`
    /// (three of the caller's exports are still running: wait for one to finish).
    pub user_errors: Vec<UserError>,
}

/// `startExport`.
#[derive(Default)]
pub struct ExportMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl ExportMutation {
    /// Starts a bulk export of a list the caller may read (README, "Exports"): the records of
    /// `kind` that `filter` selects, in `orderBy` order, as the caller reads them (scope and
    /// masking of the list field), written in the background. Poll the returned `Export`
    /// through `node(id:)`; download its `url` with the same token. Audited (one row when the
    /// file is complete: who, what, how many rows, which filter). Client mistakes are in
    /// `userErrors`; top-level errors `FORBIDDEN` (no token: exports belong to a subject),
    /// `INTERNAL`.
    async fn start_export(&self, ctx: &Context<'_>, input: StartExportInput) -> ApiResult<StartExportPayload> {
        let data = RequestData::of(ctx)?;
        let Some(subject) = data.identity.subject.clone() else {
            return Err(
                ApiError::Forbidden("an export belongs to the token that starts it: send a token".into()).into()
            );
        };
        let jobs = data.jobs.clone().ok_or(ApiError::Internal)?;
        let filter = input.filter.unwrap_or_default();
        let spec = spec(input.kind);
        let refuse = |field: &[&str], code: &str, message: String| {
            let field = field.iter().map(|f| (*f).to_owned()).collect();
            let error = UserError { field, message, code: code.to_owned(), existing_id: None };
            Ok(StartExportPayload { export: None, user_errors: vec![error] })
        };
        if let Err(e) = division("filter.region", filter.region.as_deref()) {
            return refuse(&["filter", "region"], e.code(), e.message());
        }
        if filter.name_contains.is_some() && !spec.name_filter {
            let msg = format!("filter.nameContains: `{}` has no name filter; filter by region only", spec.field);
            return refuse(&["filter", "nameContains"], "UNSUPPORTED_FILTER", msg);
        }
        let order_by = match input.order_by {
            None => Value::Null,
            Some(o) => match spec.orders.iter().find(|(f, _)| *f == o.field) {
                Some((_, field)) => {
                    let direction = async_graphql::InputType::to_value(&o.direction).into_json().unwrap_or_default();
                    json!({ "field": field, "direction": direction })
                }
                None => {
                    let given = async_graphql::InputType::to_value(&o.field);
                    let msg = format!("orderBy.field: `{}` cannot be ordered by {given}", spec.field);
                    return refuse(&["orderBy", "field"], "UNSUPPORTED_ORDER", msg);
                }
            },
        };
        let stored = ExportInput { kind: input.kind, format: input.format, filter, order_by };
        let owner =
            Owner { subject, role: data.identity.role.as_str().to_owned(), scope: scope_text(&data.identity.scope) };
        // Each export holds a file in the database until it expires: a caller runs a few at a
        // time, not an unbounded number (the rate budget alone let a PORTAL token queue twenty).
        if jobs::unfinished(&data.db, &owner, JobKind::Export).await.map_err(ApiError::from)? >= MAX_RUNNING_EXPORTS {
            let msg = format!(
                "at most {MAX_RUNNING_EXPORTS} exports of yours run at once: wait until one has SUCCEEDED or FAILED"
            );
            return refuse(&["kind"], "TOO_MANY_EXPORTS", msg);
        }
        let text = serde_json::to_string(&stored).map_err(|_| ApiError::Internal)?;
        let row =
            jobs::create(&data.db, &owner, JobKind::Export, text, jobs.settings.lease).await.map_err(ApiError::from)?;
        let id = row.id;
        tokio::spawn(async move { run(jobs, id).await });
        Ok(StartExportPayload { export: Some(Export(row)), user_errors: Vec::new() })
    }
}

/// The export with this id, for its owner only (anyone else: none, as for a record out of
/// scope).
pub async fn load(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Export>> {
    let data = RequestData::of(ctx)?;
    let row = jobs::get(&data.db, id).await.map_err(ApiError::from)?;
    Ok(row.filter(|r| r.kind == JobKind::Export && owns(&data.identity, r)).map(Export))
}

/// Whether `identity` is the owner of `job`: the same subject in the same role and scope.
pub fn owns(identity: &Identity, job: &JobRow) -> bool {
    identity.subject.as_deref() == Some(job.owner_subject.as_str())
        && identity.role.as_str() == job.owner_role
        && scope_text(&identity.scope) == job.owner_scope
}

/// A scope as stored with a job: `ALL`, `COUNTS_ONLY`, `PORTAL`, `REGION:<code>`,
/// `STATION:<uuid>`, `SOURCE:<source>`.
pub fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::All => "ALL".to_owned(),
        Scope::CountsOnly => "COUNTS_ONLY".to_owned(),
        Scope::Portal => "PORTAL".to_owned(),
        Scope::Region(code) => format!("REGION:{}", code.as_str()),
        Scope::Station(id) => format!("STATION:{id}"),
        Scope::Source(source) => format!("SOURCE:{source}"),
    }
}

/// The identity a job runs as, from its stored owner; none when the stored text is not one
/// [`scope_text`] writes.
fn identity_of(job: &JobRow) -> Option<Identity> {
    let role = Role::parse(&job.owner_role)?;
    let scope = match job.owner_scope.split_once(':') {
        None => match job.owner_scope.as_str() {
            "ALL" => Scope::All,
            "COUNTS_ONLY" => Scope::CountsOnly,
            "PORTAL" => Scope::Portal,
            _ => return None,
        },
        Some(("REGION", code)) => Scope::Region(DivisionCode::parse(code).ok()?),
        Some(("STATION", id)) => Scope::Station(Uuid::parse_str(id).ok()?),
        Some(("SOURCE", source)) => Scope::Source(source.to_owned()),
        Some(_) => return None,
    };
    Some(Identity { subject: Some(job.owner_subject.clone()), role, scope })
}

/// One column of a CSV export: its header (one `importRoster` reads for the same field) and
/// how its cell is read from a listed record (the list's JSON).
struct Column {
    header: &'static str,
    cell: fn(&Value) -> String,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

macro_rules! col {
    ($header:literal, $($path:literal).+) => {
        Column { header: $header, cell: |r| text(&r$([$path])+) }
    };
    ($header:literal, $f:expr) => {
        Column { header: $header, cell: $f }
    };
}

fn gender(r: &Value) -> String {
    match r["gender"].as_str() {
        Some("MALE") => "男",
        Some("FEMALE") => "女",
        Some("UNKNOWN") => "未知",
        _ => "",
    }
    .to_owned()
}

fn document(r: &Value) -> String {
    match r["idDocumentType"].as_str() {
        Some("RESIDENT_ID") => "居民身份证",
        Some("PASSPORT") => "护照",
        Some("HK_MACAO_PERMIT") => "港澳居民来往内地通行证",
        Some("TAIWAN_PERMIT") => "台湾居民来往大陆通行证",
        Some("OTHER") => "其他",
        _ => "",
    }
    .to_owned()
}

fn certificate(r: &Value) -> String {
    match r["certificateLevel"].as_str() {
        Some("NONE") => "无",
        Some("ASSISTANT") => "助理社会工作师",
        Some("INTERMEDIATE") => "社会工作师",
        Some("SENIOR") => "高级社会工作师",
        _ => "",
    }
    .to_owned()
}

fn organization_kind(r: &Value) -> String {
    match r["kind"].as_str() {
        Some("SOCIAL_WORK_AGENCY") => "社会工作服务机构",
        Some("COMMUNITY_SOCIAL_ORG") => "社区社会组织",
        Some("SOCIAL_GROUP") => "社会团体",
        Some("FOUNDATION") => "基金会",
        Some("CHARITY") => "慈善组织",
        Some("GOVERNMENT") => "政府部门",
        Some("OTHER") => "其他",
        _ => "",
    }
    .to_owned()
}

/// What each kind of export reads: the list field, its selection, the type name (audit), the
/// types of its `filter` and `orderBy` arguments with what of them an export may set, and the
/// columns. For the kinds a roster import reads, the columns are the import's, so that an
/// exported file, edited and imported again under the records' source, changes only what
/// was edited. Memberships of teams are not exported (a volunteer's teams are left as they
/// are by an import without that column).
struct Spec {
    field: &'static str,
    type_name: &'static str,
    filter_type: &'static str,
    /// The list filter's field that [`ExportFilter::region`] goes to.
    region_filter: &'static str,
    /// Whether the list filter has `nameContains`.
    name_filter: bool,
    order_type: &'static str,
    /// The list's order field for each [`RecordOrderField`] it has.
    orders: &'static [(RecordOrderField, &'static str)],
    selection: &'static str,
    columns: &'static [Column],
}

impl Spec {
    /// The list's `filter` argument for an export's filter (JSON variables).
    fn list_filter(&self, filter: &ExportFilter) -> Value {
        let mut out = serde_json::Map::new();
        if let Some(region) = &filter.region {
            out.insert(self.region_filter.to_owned(), json!(region));
        }
        if let Some(name) = filter.name_contains.as_ref().filter(|_| self.name_filter) {
            out.insert("nameContains".to_owned(), json!(name));
        }
        Value::Object(out)
    }
}

/// The orders of lists ordered by `RecordOrder`.
const RECORD_ORDERS: &[(RecordOrderField, &str)] = &[
    (RecordOrderField::Id, "ID"),
    (RecordOrderField::Name, "NAME"),
    (RecordOrderField::CreatedAt, "CREATED_AT"),
    (RecordOrderField::UpdatedAt, "UPDATED_AT"),
];
/// The orders a list without names shares with `RecordOrder`.
const UNNAMED_ORDERS: &[(RecordOrderField, &str)] = &[
    (RecordOrderField::Id, "ID"),
    (RecordOrderField::CreatedAt, "CREATED_AT"),
    (RecordOrderField::UpdatedAt, "UPDATED_AT"),
];

/// A list of values (enum values, skills) as one cell, `;`-separated as imports read them.
fn joined(v: &Value) -> String {
    v.as_array().map(|a| a.iter().map(text).collect::<Vec<_>>().join(";")).unwrap_or_default()
}

const REGIONS: Spec = Spec {
    field: "regions",
    type_name: "Region",
    filter_type: "RegionFilter",
    region_filter: "within",
    name_filter: true,
    order_type: "RegionOrder",
    orders: &[(RecordOrderField::Id, "CODE"), (RecordOrderField::Name, "NAME")],
    selection: "code name level townshipKind editionYear parent { code }",
    columns: &[
        col!("行政区划代码", "code"),
        col!("名称", "name"),
        col!("级别", "level"),
        col!("乡级类型", "townshipKind"),
        col!("上级区划代码", "parent"."code"),
        col!("区划年份", "editionYear"),
    ],
};

const STATIONS: Spec = Spec {
    field: "stations",
    type_name: "Station",
    filter_type: "StationFilter",
    region_filter: "region",
    name_filter: true,
    order_type: "RecordOrder",
    orders: RECORD_ORDERS,
    selection: "id externalReference { source externalId } name level status inFullService openedOn investment \
                address latitude longitude region { code } parentStation { id } operator { id }",
    columns: &[
        col!("ID", "id"),
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("名称", "name"),
        col!("层级", "level"),
        col!("状态", "status"),
        col!("全面运营", "inFullService"),
        col!("启用日期", "openedOn"),
        col!("投入资金（元）", "investment"),
        col!("地址", "address"),
        col!("纬度", "latitude"),
        col!("经度", "longitude"),
        col!("行政区划代码", "region"."code"),
        col!("上级站点ID", "parentStation"."id"),
        col!("运营机构ID", "operator"."id"),
    ],
};

const CLIENTS: Spec = Spec {
    field: "clients",
    type_name: "Client",
    filter_type: "ClientFilter",
    region_filter: "region",
    name_filter: false,
    order_type: "ClientOrder",
    orders: UNNAMED_ORDERS,
    selection: "id externalReference { source externalId } name gender idNumber birthDate phone address \
                guardianName categories region { code } station { id }",
    columns: &[
        col!("ID", "id"),
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("姓名", "name"),
        col!("性别", gender),
        col!("证件号码", "idNumber"),
        col!("出生日期", "birthDate"),
        col!("手机号", "phone"),
        col!("地址", "address"),
        col!("监护人", "guardianName"),
        col!("类别", |r| joined(&r["categories"])),
        col!("行政区划代码", "region"."code"),
        col!("站点ID", "station"."id"),
    ],
};

const PROJECTS: Spec = Spec {
    field: "projects",
    type_name: "Project",
    filter_type: "ProjectFilter",
    region_filter: "region",
    name_filter: true,
    order_type: "RecordOrder",
    orders: RECORD_ORDERS,
    selection: "id externalReference { source externalId } name fundingMode status budget fundsRaised startsOn \
                endsOn beneficiaries serviceDomain region { code }",
    columns: &[
        col!("ID", "id"),
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("项目名称", "name"),
        col!("资金方式", "fundingMode"),
        col!("状态", "status"),
        col!("预算（元）", "budget"),
        col!("已筹资金（元）", "fundsRaised"),
        col!("开始日期", "startsOn"),
        col!("结束日期", "endsOn"),
        col!("受益人数", "beneficiaries"),
        col!("服务领域", "serviceDomain"),
        col!("行政区划代码", "region"."code"),
    ],
};

const SERVICE_RECORDS: Spec = Spec {
    field: "serviceRecords",
    type_name: "ServiceRecord",
    filter_type: "ServiceRecordFilter",
    region_filter: "region",
    name_filter: false,
    order_type: "ServiceRecordOrder",
    orders: UNNAMED_ORDERS,
    selection: "id servedOn serviceType method personTimes activityName region { code } station { id } \
                socialWorker { id } client { id } project { id }",
    columns: &[
        col!("ID", "id"),
        col!("服务日期", "servedOn"),
        col!("服务类型", "serviceType"),
        col!("服务方法", "method"),
        col!("服务人次", "personTimes"),
        col!("活动名称", "activityName"),
        col!("行政区划代码", "region"."code"),
        col!("站点ID", "station"."id"),
        col!("社会工作者ID", "socialWorker"."id"),
        col!("服务对象ID", "client"."id"),
        col!("项目ID", "project"."id"),
    ],
};

const CHARITY_RESOURCES: Spec = Spec {
    field: "charityResources",
    type_name: "CharityResource",
    filter_type: "CharityResourceFilter",
    region_filter: "region",
    name_filter: false,
    order_type: "CharityResourceOrder",
    orders: UNNAMED_ORDERS,
    selection: "id description kind donorName value matchingLevel communityFund receivedOn region { code } \
                station { id }",
    columns: &[
        col!("ID", "id"),
        col!("说明", "description"),
        col!("类型", "kind"),
        col!("捐赠方", "donorName"),
        col!("价值（元）", "value"),
        col!("配捐层级", "matchingLevel"),
        col!("社区基金", "communityFund"),
        col!("接收日期", "receivedOn"),
        col!("行政区划代码", "region"."code"),
        col!("站点ID", "station"."id"),
    ],
};

const TRAININGS: Spec = Spec {
    field: "trainings",
    type_name: "Training",
    filter_type: "TrainingFilter",
    region_filter: "region",
    name_filter: false,
    order_type: "TrainingOrder",
    orders: UNNAMED_ORDERS,
    selection: "id externalReference { source externalId } topic kind heldOn personTimes region { code } \
                station { id } organization { id }",
    columns: &[
        col!("ID", "id"),
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("主题", "topic"),
        col!("类型", "kind"),
        col!("日期", "heldOn"),
        col!("人次", "personTimes"),
        col!("行政区划代码", "region"."code"),
        col!("站点ID", "station"."id"),
        col!("主办机构ID", "organization"."id"),
    ],
};

const DELIBERATION_MEETINGS: Spec = Spec {
    field: "deliberationMeetings",
    type_name: "DeliberationMeeting",
    filter_type: "DeliberationMeetingFilter",
    region_filter: "region",
    name_filter: false,
    order_type: "DeliberationMeetingOrder",
    orders: UNNAMED_ORDERS,
    selection: "id externalReference { source externalId } topic heldOn participants outcome resolved \
                region { code } station { id }",
    columns: &[
        col!("ID", "id"),
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("议题", "topic"),
        col!("日期", "heldOn"),
        col!("参与人数", "participants"),
        col!("结果", "outcome"),
        col!("已解决", "resolved"),
        col!("行政区划代码", "region"."code"),
        col!("站点ID", "station"."id"),
    ],
};

const AWARDS: Spec = Spec {
    field: "awards",
    type_name: "Award",
    filter_type: "AwardFilter",
    region_filter: "region",
    name_filter: false,
    order_type: "AwardOrder",
    orders: UNNAMED_ORDERS,
    selection: "id externalReference { source externalId } title level year region { code } socialWorker { id } \
                volunteer { id } organization { id }",
    columns: &[
        col!("ID", "id"),
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("称号", "title"),
        col!("级别", "level"),
        col!("年份", "year"),
        col!("行政区划代码", "region"."code"),
        col!("社会工作者ID", "socialWorker"."id"),
        col!("志愿者ID", "volunteer"."id"),
        col!("组织ID", "organization"."id"),
    ],
};

const VOLUNTEERS: Spec = Spec {
    field: "volunteers",
    type_name: "Volunteer",
    filter_type: "VolunteerFilter",
    region_filter: "region",
    name_filter: true,
    order_type: "RecordOrder",
    orders: RECORD_ORDERS,
    selection: "id externalReference { source externalId } name gender idDocumentType idNumber phone \
                volunteerNumber skills region { code }",
    columns: &[
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("姓名", "name"),
        col!("性别", gender),
        col!("证件类型", document),
        col!("证件号码", "idNumber"),
        col!("手机号", "phone"),
        col!("志愿者编号", "volunteerNumber"),
        col!("技能", |r| joined(&r["skills"])),
        col!("行政区划代码", "region"."code"),
    ],
};

const SOCIAL_WORKERS: Spec = Spec {
    field: "socialWorkers",
    type_name: "SocialWorker",
    filter_type: "SocialWorkerFilter",
    region_filter: "region",
    name_filter: true,
    order_type: "RecordOrder",
    orders: RECORD_ORDERS,
    selection: "id externalReference { source externalId } name gender idNumber phone certificateLevel \
                certificateNumber certificateYear employer { externalReference { externalId } } payPost payGrade \
                region { code }",
    columns: &[
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("姓名", "name"),
        col!("性别", gender),
        col!("身份证号", "idNumber"),
        col!("手机号", "phone"),
        col!("证书等级", certificate),
        col!("证书编号", "certificateNumber"),
        col!("取证年份", "certificateYear"),
        col!("用人单位编号", "employer"."externalReference"."externalId"),
        col!("岗位", "payPost"),
        col!("等级", "payGrade"),
        col!("行政区划代码", "region"."code"),
    ],
};

const VOLUNTEER_TEAMS: Spec = Spec {
    field: "volunteerTeams",
    type_name: "VolunteerTeam",
    filter_type: "VolunteerTeamFilter",
    region_filter: "region",
    name_filter: true,
    order_type: "RecordOrder",
    orders: RECORD_ORDERS,
    selection: "id externalReference { source externalId } name foundedOn region { code }",
    columns: &[
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("队伍名称", "name"),
        col!("行政区划代码", "region"."code"),
        col!("成立日期", "foundedOn"),
    ],
};

const ORGANIZATIONS: Spec = Spec {
    field: "organizations",
    type_name: "Organization",
    filter_type: "OrganizationFilter",
    region_filter: "region",
    name_filter: true,
    order_type: "RecordOrder",
    orders: RECORD_ORDERS,
    selection: "id externalReference { source externalId } name kind creditCode contactName contactPhone \
                region { code }",
    columns: &[
        col!("编号", "externalReference"."externalId"),
        col!("来源", "externalReference"."source"),
        col!("机构名称", "name"),
        col!("组织类型", organization_kind),
        col!("统一社会信用代码", "creditCode"),
        col!("行政区划代码", "region"."code"),
        col!("联系人", "contactName"),
        col!("联系电话", "contactPhone"),
    ],
};

fn spec(kind: ExportKind) -> &'static Spec {
    match kind {
        ExportKind::Regions => &REGIONS,
        ExportKind::Stations => &STATIONS,
        ExportKind::Organizations => &ORGANIZATIONS,
        ExportKind::SocialWorkers => &SOCIAL_WORKERS,
        ExportKind::Volunteers => &VOLUNTEERS,
        ExportKind::VolunteerTeams => &VOLUNTEER_TEAMS,
        ExportKind::Clients => &CLIENTS,
        ExportKind::Projects => &PROJECTS,
        ExportKind::ServiceRecords => &SERVICE_RECORDS,
        ExportKind::CharityResources => &CHARITY_RESOURCES,
        ExportKind::Trainings => &TRAININGS,
        ExportKind::DeliberationMeetings => &DELIBERATION_MEETINGS,
        ExportKind::Awards => &AWARDS,
    }
}

/// Why a run stopped early: a code and message for the job row.
struct Stop(&'static str, String);

impl From<crate::store::StoreError> for Stop {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "export job: database error");
        Stop("INTERNAL", "the database failed while the export was written".to_owned())
    }
}

/// Runs export `id` on this replica: claims it, pages through the list as its owner, stores
/// the file, audits it. Never panics; a failure is written to the job.
pub async fn run(jobs: Arc<Jobs>, id: Uuid) {
    match run_export(&jobs, id).await {
        Ok(()) => {}
        Err(Stop(code, message)) => {
            if let Err(e) = jobs::fail(&jobs.db, id, code, &message).await {
                tracing::error!(error = %e, job = %id, "export job: could not record its failure");
            }
        }
    }
}

async fn run_export(jobs: &Jobs, id: Uuid) -> Result<(), Stop> {
    let settings = jobs.settings;
    if !jobs::claim(&jobs.db, id, settings.lease).await? {
        return Ok(());
    }
    // Expired files go when new ones come, so storage is bounded by what is downloadable.
    if let Err(e) = jobs::purge_expired(&jobs.db).await {
        tracing::warn!(error = %e, "export job: expired files could not be removed");
    }
    let Some(row) = jobs::get(&jobs.db, id).await? else { return Ok(()) };
    let internal = || Stop("INTERNAL", "the export's stored request could not be read".to_owned());
    let input: ExportInput = serde_json::from_str(&row.input).map_err(|_| internal())?;
    let identity = identity_of(&row).ok_or_else(internal)?;
    let spec = spec(input.kind);
    // The count is asked of the first page only: it is a statement over the whole selection.
    let query = |count: &str| {
        format!(
            "query Export($first: Int!, $after: String, $filter: {}, $orderBy: {}) {{ {}(first: $first, \
             after: $after, filter: $filter, orderBy: $orderBy) {{ {count} pageInfo {{ hasNextPage endCursor }} \
             nodes {{ {} }} }} }}",
            spec.filter_type, spec.order_type, spec.field, spec.selection
        )
    };
    let filter = spec.list_filter(&input.filter);
    let (first_query, next_query) = (query("totalCount"), query(""));
    let mut file = FileWriter::new(jobs, id, input.format, spec);
    file.header()?;
    let mut after: Option<String> = None;
    let mut done: i64 = 0;
    let mut total: Option<i64> = None;
    loop {
        let variables = json!({
            "first": settings.page_size,
            "after": after,
            "filter": filter,
            "orderBy": input.order_by,
        });
        let query = if after.is_none() { &first_query } else { &next_query };
        let page = page(jobs, &identity, id, query, variables).await?;
        let list = &page[spec.field];
        total = total.or_else(|| list["totalCount"].as_i64());
        let nodes = list["nodes"].as_array().map(Vec::as_slice).unwrap_or_default();
        for node in nodes {
            file.record(node).await?;
        }
        done += nodes.len() as i64;
        file.flush_full().await?;
        if !jobs::progress(&jobs.db, id, done, total, file.bytes, settings.lease).await? {
            // Settled FAILED by another replica (the lease lapsed): stop writing.
            return Ok(());
        }
        let next = list["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
        after = list["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        if !next || after.is_none() || nodes.is_empty() {
            break;
        }
    }
    file.flush_all().await?;
    let actor =
        Actor { subject: row.owner_subject.clone(), role: identity.role.as_str(), request_id: format!("export-{id}") };
    let headers: Vec<&str> = spec.columns.iter().map(|c| c.header).collect();
    let reason = format!(
        "export {} as {}: {done} rows; filter {}; orderBy {}",
        GlobalId::encode(NodeType::Export, id).as_str(),
        input.format.extension().to_ascii_uppercase(),
        serde_json::to_string(&input.filter).unwrap_or_default(),
        input.order_by,
    );
    crate::store::audit::export(&jobs.db, &actor, spec.type_name, &headers, &reason)
        .await
        .map_err(|e| Stop::from(crate::store::StoreError::Db(e)))?;
    let expires =
        crate::domain::time::now() + chrono::Duration::from_std(settings.download_ttl).unwrap_or(chrono::Duration::MAX);
    let result = json!({ "rowCount": done }).to_string();
    jobs::succeed(&jobs.db, id, done, file.bytes, result, Some(expires)).await?;
    Ok(())
}

/// One page of the list, as the job's owner reads it. A spent rate budget is waited out;
/// any other error stops the export.
async fn page(jobs: &Jobs, identity: &Identity, id: Uuid, query: &str, variables: Value) -> Result<Value, Stop> {
    loop {
        let (mut data, loads) =
            RequestData::new(jobs.db.clone(), jobs.keyed.clone(), identity.clone(), format!("export-{id}"));
        data.operation_name = Some("Export".to_owned());
        let request =
            async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables.clone()));
        let response = loads.run(jobs.schema.execute(request, data)).await;
        let Some(error) = response.errors.first() else {
            return response.data.into_json().map_err(|_| Stop("INTERNAL", "the list could not be read".to_owned()));
        };
        let extensions = error.extensions.as_ref();
        let code = extensions.and_then(|e| e.get("code")).and_then(|c| match c {
            async_graphql::Value::String(s) => Some(s.clone()),
            async_graphql::Value::Enum(s) => Some(s.to_string()),
            _ => None,
        });
        let retry = extensions.and_then(|e| e.get("retryAfter")).and_then(|c| match c {
            async_graphql::Value::Number(n) => n.as_u64(),
            _ => None,
        });
        match (code.as_deref(), retry) {
            (Some("RATE_LIMITED"), Some(secs)) => {
                // Keep the lease while waiting, so the wait is not taken for a dead replica.
                let row = jobs::get(&jobs.db, id).await?;
                let (done, total, bytes) = row.map_or((0, None, 0), |r| (r.done, r.total, r.bytes));
                if !jobs::progress(&jobs.db, id, done, total, bytes, jobs.settings.lease).await? {
                    return Err(Stop(jobs::INTERRUPTED, "the export was stopped".to_owned()));
                }
                let wait = Duration::from_secs(secs).min(jobs.settings.lease / 2);
                tokio::time::sleep(wait).await;
            }
            (Some("RATE_LIMITED"), None) => {
                return Err(Stop(
                    "RATE_LIMITED",
                    "one page of this export costs more than the caller's whole budget".into(),
                ));
            }
            (Some("FORBIDDEN"), _) => {
                return Err(Stop("FORBIDDEN", "the caller's role may not list these records".to_owned()));
            }
            _ => {
                tracing::error!(code = ?code, message = %error.message, job = %id, "export job: the list failed");
                return Err(Stop("INTERNAL", "the list could not be read".to_owned()));
            }
        }
    }
}

/// Writes an export's file in pieces of [`JobSettings::chunk_bytes`] to `job_chunks`.
struct FileWriter<'a> {
    jobs: &'a Jobs,
    id: Uuid,
    format: ExportFormat,
    spec: &'static Spec,
    buffer: Vec<u8>,
    seq: i32,
    bytes: i64,
    xlsx: Option<Xlsx>,
}

/// An XLSX file being written on a blocking thread: rows go to it through a bounded channel,
/// and it answers the finished file's path (a temporary file, removed once stored).
struct Xlsx {
    rows: tokio::sync::mpsc::Sender<Vec<String>>,
    done: tokio::task::JoinHandle<Result<std::path::PathBuf, String>>,
}

/// Data rows of one worksheet: Excel's 1,048,576 rows less the header. A longer export goes on
/// in further sheets, each with the header (an import reads the first sheet only).
const XLSX_SHEET_ROWS: u32 = 1_048_575;

impl Xlsx {
    /// Starts the writer with the header row. rust_xlsxwriter's constant-memory worksheet
    /// writes each finished row to a temporary file, so memory does not grow with the rows;
    /// cells are strings (no shared-string table to grow either).
    fn start(headers: Vec<&'static str>) -> Self {
        let (rows, incoming) = tokio::sync::mpsc::channel::<Vec<String>>(1024);
        let done = tokio::task::spawn_blocking(move || write_workbook(&headers, incoming, XLSX_SHEET_ROWS));
        Self { rows, done }
    }
}

/// Writes the rows received on `incoming` to a workbook, `sheet_rows` data rows per sheet,
/// until the sender is dropped; the saved file's path (a temporary file). Blocking.
fn write_workbook(
    headers: &[&str],
    mut incoming: tokio::sync::mpsc::Receiver<Vec<String>>,
    sheet_rows: u32,
) -> Result<std::path::PathBuf, String> {
    let fail = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut sheet = sheet_with_header(&mut book, headers).map_err(fail)?;
    let mut row: u32 = 0;
    while let Some(cells) = incoming.blocking_recv() {
        if row == sheet_rows {
            sheet = sheet_with_header(&mut book, headers).map_err(fail)?;
            row = 0;
        }
        row += 1;
        for (c, v) in cells.into_iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(row, c as u16, v).map_err(fail)?;
            }
        }
    }
    let path = std::env::temp_dir().join(format!("civlink-export-{}.xlsx", Uuid::now_v7()));
    book.save(&path).map_err(fail)?;
    Ok(path)
}

/// A new constant-memory sheet of `book`, with the header in its first row.
fn sheet_with_header<'b>(
    book: &'b mut rust_xlsxwriter::Workbook,
    headers: &[&str],
) -> Result<&'b mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
    let sheet = book.add_worksheet_with_constant_memory()?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    Ok(sheet)
}

impl<'a> FileWriter<'a> {
    fn new(jobs: &'a Jobs, id: Uuid, format: ExportFormat, spec: &'static Spec) -> Self {
        Self { jobs, id, format, spec, buffer: Vec::new(), seq: 0, bytes: 0, xlsx: None }
    }

    fn csv_row<I: IntoIterator<Item = T>, T: AsRef<[u8]>>(&mut self, cells: I) -> Result<(), Stop> {
        let mut w = csv::WriterBuilder::new().from_writer(&mut self.buffer);
        w.write_record(cells).map_err(|_| Stop("INTERNAL", "the file could not be written".to_owned()))?;
        w.flush().map_err(|_| Stop("INTERNAL", "the file could not be written".to_owned()))?;
        Ok(())
    }

    fn header(&mut self) -> Result<(), Stop> {
        if self.format == ExportFormat::Xlsx {
            self.xlsx = Some(Xlsx::start(self.spec.columns.iter().map(|c| c.header).collect()));
        }
        if self.format == ExportFormat::Csv {
            self.buffer.extend_from_slice("\u{feff}".as_bytes());
            let headers: Vec<&str> = self.spec.columns.iter().map(|c| c.header).collect();
            self.csv_row(headers)?;
        }
        Ok(())
    }

    async fn record(&mut self, node: &Value) -> Result<(), Stop> {
        match self.format {
            ExportFormat::Xlsx => {
                let cells: Vec<String> = self.spec.columns.iter().map(|c| (c.cell)(node)).collect();
                let sink = self.xlsx.as_ref().ok_or_else(|| Stop("INTERNAL", "the file was not started".to_owned()))?;
                sink.rows.send(cells).await.map_err(|_| Stop("INTERNAL", "the file could not be written".to_owned()))
            }
            ExportFormat::Csv => {
                let cells: Vec<String> =
                    self.spec.columns.iter().map(|c| crate::import::table::guard_formula((c.cell)(node))).collect();
                self.csv_row(cells)
            }
            ExportFormat::Jsonl => {
                serde_json::to_writer(&mut self.buffer, node)
                    .map_err(|_| Stop("INTERNAL", "the file could not be written".to_owned()))?;
                self.buffer.push(b'\n');
                Ok(())
            }
        }
    }

    /// Stores full pieces, keeping the remainder in memory.
    async fn flush_full(&mut self) -> Result<(), Stop> {
        let size = self.jobs.settings.chunk_bytes.max(1);
        while self.buffer.len() >= size {
            let rest = self.buffer.split_off(size);
            let piece = std::mem::replace(&mut self.buffer, rest);
            self.store(piece).await?;
        }
        Ok(())
    }

    /// Stores everything left.
    async fn flush_all(&mut self) -> Result<(), Stop> {
        if let Some(Xlsx { rows, done }) = self.xlsx.take() {
            drop(rows);
            let written = done.await.map_err(|_| Stop("INTERNAL", "the workbook writer stopped".to_owned()))?;
            let path = written.map_err(|e| {
                tracing::error!(error = %e, job = %self.id, "export job: the workbook could not be written");
                Stop("INTERNAL", "the workbook could not be written".to_owned())
            })?;
            let stored = self.store_file(&path).await;
            let _ = std::fs::remove_file(&path);
            return stored;
        }
        self.flush_full().await?;
        if !self.buffer.is_empty() {
            let piece = std::mem::take(&mut self.buffer);
            self.store(piece).await?;
        }
        Ok(())
    }

    /// Stores a finished file a piece at a time (each piece read on a blocking thread).
    async fn store_file(&mut self, path: &std::path::Path) -> Result<(), Stop> {
        use std::io::Read;
        let unreadable = || Stop("INTERNAL", "the workbook could not be read back".to_owned());
        let mut file = std::fs::File::open(path).map_err(|_| unreadable())?;
        let size = self.jobs.settings.chunk_bytes.max(1);
        loop {
            let read = tokio::task::spawn_blocking(move || {
                let mut piece = Vec::with_capacity(size);
                (&mut file).take(size as u64).read_to_end(&mut piece).map(|_| (file, piece))
            });
            let (back, piece) = read.await.map_err(|_| unreadable())?.map_err(|_| unreadable())?;
            file = back;
            if piece.is_empty() {
                return Ok(());
            }
            self.store(piece).await?;
        }
    }

    async fn store(&mut self, piece: Vec<u8>) -> Result<(), Stop> {
        self.bytes += piece.len() as i64;
        jobs::append_chunk(&self.jobs.db, self.id, self.seq, piece).await?;
        self.seq += 1;
        Ok(())
    }
}

/// What `GET /exports/{id}` serves: the media type, a file name, and the job's id, for a
/// caller that owns a SUCCEEDED, unexpired export. Errors: `NotFound` for anything else
/// (another caller's export looks like none).
pub async fn downloadable(
    db: &sea_orm::DatabaseConnection,
    identity: &Identity,
    id: &str,
) -> Result<(&'static str, String, Uuid), ApiError> {
    let not_found = || ApiError::NotFound(format!("no export with id `{id}`"));
    let key = GlobalId::decode_uuid(id, NodeType::Export).map_err(|_| not_found())?;
    let row = jobs::get(db, key).await.map_err(ApiError::from)?.ok_or_else(not_found)?;
    if row.kind != JobKind::Export || !owns(identity, &row) {
        return Err(not_found());
    }
    let live = row.expires_at.is_some_and(|t| t > crate::domain::time::now());
    if row.status != Status::Succeeded || !live {
        return Err(not_found());
    }
    let input: ExportInput = serde_json::from_str(&row.input).map_err(|_| ApiError::Internal)?;
    let name = format!("{}-{}.{}", spec(input.kind).field, row.id, input.format.extension());
    Ok((input.format.media_type(), name, row.id))
}

/// A handle for spawning jobs, as [`RequestData::jobs`] holds it.
pub type JobsHandle = Arc<Jobs>;

#[cfg(test)]
mod tests {
    use calamine::Reader;

    use super::write_workbook;

    #[test]
    fn an_xlsx_export_longer_than_a_sheet_goes_on_in_further_sheets_each_with_the_header() {
        let (rows, incoming) = tokio::sync::mpsc::channel(16);
        for n in 0..5 {
            rows.try_send(vec![format!("E{n}"), String::new()]).expect("room");
        }
        drop(rows);
        let path = write_workbook(&["编号", "姓名"], incoming, 2).expect("written");
        let mut book = calamine::open_workbook_auto(&path).expect("a workbook");
        let mut sheets = Vec::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).expect("a sheet");
            sheets.push(range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>()).collect::<Vec<_>>());
        }
        std::fs::remove_file(&path).ok();
        let header = vec!["编号".to_owned(), "姓名".to_owned()];
        let row = |n: u8| vec![format!("E{n}"), String::new()];
        assert_eq!(
            sheets,
            vec![vec![header.clone(), row(0), row(1)], vec![header.clone(), row(2), row(3)], vec![header, row(4)]]
        );
    }

    #[test]
    fn an_empty_xlsx_export_has_its_header() {
        let (rows, incoming) = tokio::sync::mpsc::channel::<Vec<String>>(1);
        drop(rows);
        let path = write_workbook(&["编号"], incoming, 2).expect("written");
        let mut book = calamine::open_workbook_auto(&path).expect("a workbook");
        let name = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&name).expect("a sheet");
        std::fs::remove_file(&path).ok();
        assert_eq!(range.rows().map(|r| r[0].to_string()).collect::<Vec<_>>(), vec!["编号".to_owned()]);
    }
}
