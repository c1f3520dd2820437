//! Roster sync over GraphQL: `syncVolunteers`, `syncSocialWorkers`, `syncVolunteerTeams`,
//! `syncOrganizations` (DHIS2-style import: upsert by external id, dry run, atomic or
//! per-record, delete missing). The rules live in [`crate::domain::roster`] (parsing) and
//! [`crate::store::sync`] (the engine); this module shapes inputs and results.

use std::path::Path;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Upload};

use super::context::RequestData;
use super::enums::{CertificateLevel, Gender, IdDocumentType, OrganizationKind};
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::payload::UserError;
use super::scalars::Date;
use crate::domain::roster::{
    FieldError, OrganizationInput, SocialWorkerInput, Strictness, VolunteerInput, VolunteerTeamInput,
};
use crate::import::roster::{RosterImport, RosterImportError, RosterOptions, RowIssue};
use crate::import::table::{self, Format, ReadError};
use crate::store::sync::{self as engine, Roster, SyncRequest, SyncSummary, Writer};

/// What a sync does.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::store::sync::SyncMode")]
pub enum SyncMode {
    /// A dry run: reports exactly what COMMIT would do, writes nothing.
    Validate,
    /// Writes.
    Commit,
}

/// How failures affect the rest of a batch.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::store::sync::Atomicity")]
pub enum SyncAtomicity {
    /// All or nothing: one failed record aborts the batch.
    All,
    /// Each record on its own: failed records are skipped, the others written.
    PerRecord,
}

/// What happened (or, in VALIDATE, would happen) to one record.
#[derive(Enum, Copy, Clone, Eq, PartialEq, serde::Serialize, serde::Deserialize)]
#[graphql(remote = "crate::store::sync::SyncAction")]
pub enum SyncAction {
    /// A new row.
    Created,
    /// A stored row changed (or came back from deletion).
    Updated,
    /// The stored row already had these values; nothing written. Never for a CIVIL_AFFAIRS
    /// record that sends a phone or ID number, which sees them masked: such a field is written
    /// and reported changed whether or not it equals the stored value.
    Unchanged,
    /// Soft-deleted: the source's batch no longer names it (`deleteMissing`).
    Deleted,
    /// Not written; see `userErrors`.
    Failed,
}

/// The outcome of one record.
#[derive(SimpleObject, serde::Serialize, serde::Deserialize)]
pub struct SyncRecordResult {
    /// Position of the record in `records` (0-based; `importRoster`: among the file's data
    /// rows, empty rows not counted); null for rows deleted by `deleteMissing`.
    pub index: Option<usize>,
    /// The record's external id.
    pub external_id: String,
    /// What happened to it (in VALIDATE: what would happen).
    pub action: SyncAction,
    /// Global id of the row (null when a failed record matches none).
    pub id: Option<ID>,
    /// Fields that changed (created rows: the fields given). For CIVIL_AFFAIRS, every masked
    /// field sent with a value (phone, ID number, contact phone), equal to the stored one or
    /// not.
    pub changed_fields: Vec<String>,
    /// Why the record failed.
    pub user_errors: Vec<UserError>,
    /// `importRoster`: the record's spreadsheet row (the header is row 1); null for the sync
    /// mutations.
    pub row: Option<u64>,
}

/// The summary of a sync: counts, and one result per record that changed or failed. (Stored
/// as JSON as the result of an import job.)
#[derive(SimpleObject, serde::Serialize, serde::Deserialize)]
pub struct SyncResult {
    /// Whether anything was written: false for VALIDATE, for an aborted ALL batch, and for a
    /// batch with nothing to change.
    pub committed: bool,
    /// Records that became new rows.
    pub created: usize,
    /// Records that changed stored rows.
    pub updated: usize,
    /// Records equal to their stored rows (nothing written); see `SyncAction.UNCHANGED`.
    pub unchanged: usize,
    /// Rows soft-deleted by `deleteMissing`.
    pub deleted: usize,
    /// Records not written.
    pub failed: usize,
    /// One entry per created, updated, deleted or failed record, in batch order
    /// (unchanged records are only counted).
    pub results: Vec<SyncRecordResult>,
    /// Problems of the batch as a whole.
    pub user_errors: Vec<UserError>,
    /// Accepted with a warning (`importRoster` only: a column no field reads,
    /// `UNKNOWN_COLUMN`; fields without a column, which updated rows clear, `COLUMN_ABSENT`; a
    /// credit code failing its check character, `CHECK_DIGIT_MISMATCH`).
    pub warnings: Vec<UserError>,
    /// `importRoster` of a file of more data rows than `CIVLINK_IMPORT_JOB_ROWS`: the
    /// background job importing it (the counts above are then 0 and `results` empty; poll the
    /// job through `node(id:)` for its progress and its result). Null otherwise.
    #[serde(skip)]
    pub job: Option<super::import_job::ImportJob>,
}

impl SyncResult {
    fn new(s: SyncSummary, node: NodeType) -> Self {
        Self::with_ids(s, |id| GlobalId::encode(node, id))
    }

    /// The result of a sync of volunteer service entries, whose ids are plain UUIDs.
    pub(crate) fn of_entries(s: SyncSummary) -> Self {
        Self::with_ids(s, |id| ID(id.to_string()))
    }

    fn with_ids(s: SyncSummary, encode: impl Fn(uuid::Uuid) -> ID) -> Self {
        SyncResult {
            committed: s.committed,
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            deleted: s.deleted,
            failed: s.failed,
            results: s
                .results
                .into_iter()
                .map(|r| SyncRecordResult {
                    index: r.index,
                    external_id: r.external_id,
                    action: r.action.into(),
                    id: r.id.map(&encode),
                    changed_fields: r.changed_fields.into_iter().map(str::to_owned).collect(),
                    user_errors: r.errors.into_iter().map(UserError::from).collect(),
                    row: None,
                })
                .collect(),
            user_errors: s.errors.into_iter().map(UserError::from).collect(),
            warnings: vec![],
            job: None,
        }
    }

    /// The result of a batch that did not run: its one problem (no records, so no ids).
    pub(crate) fn refused(e: FieldError) -> Self {
        SyncResult::of_entries(SyncSummary { errors: vec![e], ..Default::default() })
    }

    /// The result of an uploaded file's import; problems are located by
    /// `["file", row, column header]`.
    pub(crate) fn imported(done: RosterImport, kind: crate::import::roster::RosterKind) -> Self {
        let r = done.report;
        let results = done
            .rows
            .into_iter()
            .map(|o| SyncRecordResult {
                index: Some(o.index),
                external_id: o.external_id,
                action: o.action.into(),
                id: o.id.map(|id| imported_id(kind, id)),
                changed_fields: o.changed_fields.into_iter().map(str::to_owned).collect(),
                user_errors: o.errors.into_iter().map(located).collect(),
                row: Some(o.row),
            })
            .collect();
        SyncResult {
            committed: done.committed,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            deleted: 0,
            failed: r.failed,
            results,
            // Row errors are in `results`; the file's own problems (row 0) here.
            user_errors: r.errors.into_iter().filter(|e| e.row == 0).map(located).collect(),
            warnings: r.warnings.into_iter().map(located).collect(),
            job: None,
        }
    }
}

/// A problem of an uploaded file as a user error: `field` is `["file"]`, then the spreadsheet
/// row and the column's header when known.
fn located(issue: RowIssue) -> UserError {
    let mut field = vec!["file".to_owned()];
    if issue.row > 0 {
        field.push(issue.row.to_string());
        field.extend(issue.column);
    }
    UserError { field, message: issue.message, code: issue.code.to_owned(), existing_id: None }
}

/// A problem of the uploaded file as a whole.
fn file_error(code: &'static str, message: String) -> FieldError {
    FieldError::new("file", code, message)
}

/// The writer `data`'s caller syncs `source` as, with the source checked: the one
/// authorisation of the sync mutations and `importRoster` (ADMIN: any source; SYNC_CLIENT:
/// its own source; CIVIL_AFFAIRS: records in its region). A malformed source is the caller's
/// mistake (`Ok(Err)`); a role that may not write rosters is `FORBIDDEN`.
fn writer_for(data: &RequestData, source: &str) -> ApiResult<Result<(String, Writer), FieldError>> {
    let source = match crate::domain::roster::required_text("source", source, 64) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let region = data.scope.sync_region(&source).map_err(|m| ApiError::Forbidden(m.to_owned()))?;
    let blind = !data.identity.compares_masked_in_sync();
    let person_keys = Some(data.person_keys.clone());
    Ok(Ok((source, Writer { actor: data.actor(), region, write_timeout: data.write_timeout, blind, person_keys })))
}

/// A sync that failed in the database, classified like every database error: a batch that
/// kept losing to concurrent writes is `CONFLICT` (retry it), a dead database
/// `DATABASE_UNAVAILABLE`, anything else `INTERNAL`.
fn sync_failed(e: engine::SyncError) -> ApiError {
    match e {
        engine::SyncError::Db(e) => ApiError::from(crate::store::StoreError::Db(e)),
        engine::SyncError::Conflict | engine::SyncError::ConcurrentInsert => {
            tracing::warn!(error = %e, "sync batch rolled back: it kept colliding with concurrent writes");
            ApiError::Conflict
        }
    }
}

/// Runs a batch for the caller. Errors: `FORBIDDEN` for roles that may not write rosters
/// (ADMIN: any source; SYNC_CLIENT: its own source; CIVIL_AFFAIRS: records in its region),
/// `INTERNAL`.
async fn run<R: Roster>(
    ctx: &Context<'_>,
    node: NodeType,
    source: String,
    mode: SyncMode,
    atomicity: SyncAtomicity,
    delete_missing: bool,
    records: Vec<engine::Submitted<R::Record>>,
) -> ApiResult<SyncResult> {
    let data = RequestData::of(ctx)?;
    let (source, writer) = match writer_for(data, &source)? {
        Ok(w) => w,
        Err(e) => return Ok(SyncResult::refused(e)),
    };
    let request = SyncRequest { source, mode: mode.into(), atomicity: atomicity.into(), delete_missing, records };
    let summary = engine::sync::<R, _>(&data.db, &writer, request).await.map_err(sync_failed)?;
    Ok(SyncResult::new(summary, node))
}

/// What an uploaded roster file holds.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::import::roster::RosterKind")]
pub enum RosterKind {
    /// Volunteers (志愿者): the columns of `civlink import volunteers`.
    Volunteers,
    /// Social workers (社会工作者): the columns of `civlink import workers`.
    SocialWorkers,
    /// Volunteer teams (志愿服务队): the columns of `civlink import teams`.
    VolunteerTeams,
    /// Organisations (社会组织): the columns of `civlink import organizations`.
    Organizations,
    /// Volunteer service ledger entries (志愿服务记录): the columns of `civlink import
    /// service`, the fields of `syncVolunteerService`; result ids are entry ids.
    VolunteerService,
}

/// The id a result of an import of `kind` reports: the record's global id, or, for
/// VOLUNTEER_SERVICE, the ledger entry's UUID (as `syncVolunteerService` reports it).
fn imported_id(kind: crate::import::roster::RosterKind, id: uuid::Uuid) -> ID {
    use crate::import::roster::RosterKind as K;
    let node = match kind {
        K::Volunteers => NodeType::Volunteer,
        K::SocialWorkers => NodeType::SocialWorker,
        K::VolunteerTeams => NodeType::VolunteerTeam,
        K::Organizations => NodeType::Organization,
        K::VolunteerService => return ID(id.to_string()),
    };
    GlobalId::encode(node, id)
}

/// A roster spreadsheet to import, sent as a file of a multipart request.
#[derive(InputObject)]
pub struct ImportRosterInput {
    /// What the file holds.
    pub kind: RosterKind,
    /// The system the file comes from (1-64 characters); rows are keyed by `(source, external
    /// id)`. A SYNC_CLIENT token may import only its own source.
    pub source: String,
    /// The file (GraphQL multipart request): CSV in UTF-8 (with or without BOM) or GBK, or
    /// XLSX (first sheet); headers as in README's roster import. At most
    /// `CIVLINK_MAX_UPLOAD_BYTES` bytes, `CIVLINK_MAX_UPLOAD_ROWS` data rows and
    /// `CIVLINK_MAX_UPLOAD_COLUMNS` columns.
    pub file: Upload,
    /// VALIDATE (dry run) or COMMIT; default COMMIT.
    #[graphql(default_with = "SyncMode::Commit")]
    pub mode: SyncMode,
    /// ALL (default: one bad row and nothing is written) or PER_RECORD.
    #[graphql(default_with = "SyncAtomicity::All")]
    pub atomicity: SyncAtomicity,
}

/// Reads the uploaded file within the request's limits, off the async threads (calamine and
/// the archive check are CPU work).
async fn read_upload(
    ctx: &Context<'_>,
    data: &RequestData,
    file: &Upload,
) -> Result<(String, table::Table), FieldError> {
    let upload = file.value(ctx).map_err(|_| {
        file_error("FILE_MISSING", "file: no file was sent for this variable (see the `map` part)".to_owned())
    })?;
    let limits = data.upload;
    let name = upload.filename.clone();
    let filename = name.clone();
    let read = move || -> Result<table::Table, ReadError> {
        use std::io::Read;
        let max = limits.max_file_bytes;
        let mut bytes = Vec::new();
        let unreadable = |e: std::io::Error| ReadError { code: "UNREADABLE_FILE", message: e.to_string() };
        upload.into_read().take(max as u64 + 1).read_to_end(&mut bytes).map_err(unreadable)?;
        if bytes.len() > max {
            let message = format!("the file is larger than CIVLINK_MAX_UPLOAD_BYTES allows ({max} bytes)");
            return Err(ReadError { code: "FILE_TOO_LARGE", message });
        }
        let format = Format::of(&filename, &bytes)?;
        table::read(format, &bytes, &limits.read)
    };
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(table)) => Ok((name, table)),
        Ok(Err(e)) => Err(file_error(e.code, format!("file: {}", e.message))),
        Err(e) => {
            tracing::error!(error = %e, "reading an uploaded roster file failed");
            Err(file_error("UNREADABLE_FILE", "file: the file could not be read".to_owned()))
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// A volunteer record of another system.
#[derive(InputObject)]
pub struct VolunteerSyncRecord {
    /// The volunteer's id in the source system (unique per source, 1-64 characters).
    pub external_id: String,
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Gender; default: from the citizen ID number (odd sequence = male), else UNKNOWN.
    pub gender: Option<Gender>,
    /// Kind of ID document; default RESIDENT_ID.
    pub id_document_type: Option<IdDocumentType>,
    /// ID number: a GB 11643-1999 citizen ID (check digit, real birth date not in the future)
    /// for RESIDENT_ID, else 1-32 letters and digits.
    pub id_number: Option<String>,
    /// Mainland mobile (`13800138000`) or landline (`0851-28123456`) number.
    pub phone: Option<String>,
    /// Number on the national volunteer service system (全国志愿服务信息系统).
    pub volunteer_number: Option<String>,
    /// Skills (at most 30, each 1-50 characters, no `;`; a repeated skill is kept once).
    #[graphql(default)]
    pub skills: Vec<String>,
    /// Division the volunteer belongs to (any code form `region(code:)` accepts; it must
    /// exist).
    pub region_code: String,
    /// External ids of the source's teams the volunteer is a member of now; memberships in
    /// the source's other teams end today. Omit to leave memberships alone.
    pub team_external_ids: Option<Vec<String>>,
}

/// A batch of volunteers from one source.
#[derive(InputObject)]
pub struct SyncVolunteersInput {
    /// The calling system's name (1-64 characters); a SYNC_CLIENT token may write only its
    /// own source.
    pub source: String,
    /// VALIDATE (dry run) or COMMIT; default COMMIT.
    #[graphql(default_with = "SyncMode::Commit")]
    pub mode: SyncMode,
    /// ALL (default) or PER_RECORD.
    #[graphql(default_with = "SyncAtomicity::All")]
    pub atomicity: SyncAtomicity,
    /// Soft-delete the source's volunteers this batch does not name (only with ALL).
    #[graphql(default)]
    pub delete_missing: bool,
    /// Up to 10,000 records, keyed by `externalId`.
    pub records: Vec<VolunteerSyncRecord>,
}

/// A social worker record of another system.
#[derive(InputObject)]
pub struct SocialWorkerSyncRecord {
    /// The worker's id in the source system (unique per source, 1-64 characters).
    pub external_id: String,
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Gender; default: from the citizen ID number, else UNKNOWN.
    pub gender: Option<Gender>,
    /// GB 11643-1999 citizen ID number.
    pub id_number: Option<String>,
    /// Mainland mobile or landline number.
    pub phone: Option<String>,
    /// Highest certificate held; default NONE.
    pub certificate_level: Option<CertificateLevel>,
    /// Certificate number.
    pub certificate_number: Option<String>,
    /// Year the certificate was obtained (2008 to this year; needs a level).
    pub certificate_year: Option<i32>,
    /// External id of the employing organisation, among the source's organisations.
    pub employer_external_id: Option<String>,
    /// Pay post 1-3 of "3 posts, 12 grades" (3岗12级), with `payGrade`.
    pub pay_post: Option<i32>,
    /// Pay grade 1-12, with `payPost`.
    pub pay_grade: Option<i32>,
    /// Division the worker serves in (it must exist).
    pub region_code: String,
}

/// A batch of social workers from one source.
#[derive(InputObject)]
pub struct SyncSocialWorkersInput {
    /// The calling system's name (1-64 characters).
    pub source: String,
    /// VALIDATE (dry run) or COMMIT; default COMMIT.
    #[graphql(default_with = "SyncMode::Commit")]
    pub mode: SyncMode,
    /// ALL (default) or PER_RECORD.
    #[graphql(default_with = "SyncAtomicity::All")]
    pub atomicity: SyncAtomicity,
    /// Soft-delete the source's workers this batch does not name (only with ALL).
    #[graphql(default)]
    pub delete_missing: bool,
    /// Up to 10,000 records, keyed by `externalId`.
    pub records: Vec<SocialWorkerSyncRecord>,
}

/// A volunteer team record of another system.
#[derive(InputObject)]
pub struct VolunteerTeamSyncRecord {
    /// The team's id in the source system (unique per source, 1-64 characters).
    pub external_id: String,
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Division the team belongs to (it must exist).
    pub region_code: String,
    /// Founding date, not in the future.
    pub founded_on: Option<Date>,
}

/// A batch of volunteer teams from one source.
#[derive(InputObject)]
pub struct SyncVolunteerTeamsInput {
    /// The calling system's name (1-64 characters).
    pub source: String,
    /// VALIDATE (dry run) or COMMIT; default COMMIT.
    #[graphql(default_with = "SyncMode::Commit")]
    pub mode: SyncMode,
    /// ALL (default) or PER_RECORD.
    #[graphql(default_with = "SyncAtomicity::All")]
    pub atomicity: SyncAtomicity,
    /// Soft-delete the source's teams this batch does not name (only with ALL).
    #[graphql(default)]
    pub delete_missing: bool,
    /// Up to 10,000 records, keyed by `externalId`.
    pub records: Vec<VolunteerTeamSyncRecord>,
}

/// An organisation record of another system.
#[derive(InputObject)]
pub struct OrganizationSyncRecord {
    /// The organisation's id in the source system (unique per source, 1-64 characters).
    pub external_id: String,
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Kind of organisation.
    pub kind: OrganizationKind,
    /// GB 32100-2015 unified social credit code; a wrong check character is refused.
    pub credit_code: Option<String>,
    /// Division the organisation is registered in (it must exist).
    pub region_code: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone, mainland mobile or landline.
    pub contact_phone: Option<String>,
}

/// A batch of organisations from one source.
#[derive(InputObject)]
pub struct SyncOrganizationsInput {
    /// The calling system's name (1-64 characters).
    pub source: String,
    /// VALIDATE (dry run) or COMMIT; default COMMIT.
    #[graphql(default_with = "SyncMode::Commit")]
    pub mode: SyncMode,
    /// ALL (default) or PER_RECORD.
    #[graphql(default_with = "SyncAtomicity::All")]
    pub atomicity: SyncAtomicity,
    /// Soft-delete the source's organisations this batch does not name (only with ALL).
    #[graphql(default)]
    pub delete_missing: bool,
    /// Up to 10,000 records, keyed by `externalId`.
    pub records: Vec<OrganizationSyncRecord>,
}

/// Roster sync mutations.
#[derive(Default)]
pub struct SyncMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl SyncMutation {
    /// Imports an uploaded roster spreadsheet (a GraphQL multipart request; README, "Uploading
    /// a roster"): the engine of `civlink import`, under the caller's token and scope, with
    /// the rules of the `sync*` mutations (ADMIN: any source; SYNC_CLIENT: its own source;
    /// CIVIL_AFFAIRS: rows in its region). The whole file is one batch. Problems are in
    /// `userErrors` with `field` `["file", row, column header]`: a row's in `results`, the
    /// file's own (`FILE_TOO_LARGE`, `TOO_MANY_ROWS`, `TOO_MANY_COLUMNS`, `LINE_TOO_LONG`,
    /// `SPREADSHEET_TOO_LARGE`, `UNSUPPORTED_FILE`, `UNREADABLE_FILE`, `INVALID_TEXT`,
    /// `MISSING_COLUMN`) at the top. A file of more data rows than `CIVLINK_IMPORT_JOB_ROWS`
    /// is imported in the background: the answer then has zero counts and `job` set, whose
    /// `result` is this answer once the job SUCCEEDED. A number cell of 16 or more digits (an ID number saved as a number) fails its
    /// row with `NUMBER_PRECISION_LOST`. Top-level errors only `FORBIDDEN`, `CONFLICT`,
    /// `INTERNAL`. Costs as much as a sync batch of 10,000 records.
    #[graphql(complexity = "1 + crate::store::sync::MAX_RECORDS + child_complexity")]
    async fn import_roster(&self, ctx: &Context<'_>, input: ImportRosterInput) -> ApiResult<SyncResult> {
        let data = RequestData::of(ctx)?;
        let (source, writer) = match writer_for(data, &input.source)? {
            Ok(w) => w,
            Err(e) => return Ok(SyncResult::refused(e)),
        };
        let (name, table) = match read_upload(ctx, data, &input.file).await {
            Ok(t) => t,
            Err(e) => return Ok(SyncResult::refused(e)),
        };
        let options = RosterOptions {
            source,
            dry_run: input.mode == SyncMode::Validate,
            atomicity: input.atomicity.into(),
            batch_size: engine::MAX_RECORDS,
            write_timeout: data.write_timeout,
            person_keys: Some(data.person_keys.clone()),
        };
        let kind = input.kind.into();
        if let Some(jobs) = data.jobs.clone().filter(|j| table.rows.len() > j.settings.import_job_rows) {
            let job = super::import_job::start(jobs, data, writer, kind, name, table, options).await?;
            let mut queued = SyncResult::of_entries(SyncSummary::default());
            queued.job = Some(job);
            return Ok(queued);
        }
        let file = Path::new(&name);
        let progress = crate::import::NoProgress;
        match crate::import::roster::import_table(&data.db, &writer, kind, file, &table, &options, &progress).await {
            Ok(done) => Ok(SyncResult::imported(done, kind)),
            Err(RosterImportError::Db(e)) => Err(sync_failed(e).into()),
            Err(RosterImportError::MissingColumn { field, accepted, .. }) => {
                let message = format!("file: no column for {field} (accepted headers: {accepted})");
                Ok(SyncResult::refused(file_error("MISSING_COLUMN", message)))
            }
            Err(RosterImportError::Read { message, code, .. }) => {
                Ok(SyncResult::refused(file_error(code, format!("file: {message}"))))
            }
        }
    }

    /// Upserts the source's volunteers by external id (with their team memberships).
    /// Client mistakes are in `userErrors`; top-level errors only `FORBIDDEN`, `INTERNAL`.
    #[graphql(complexity = "1 + input.records.len() + child_complexity")]
    async fn sync_volunteers(&self, ctx: &Context<'_>, input: SyncVolunteersInput) -> ApiResult<SyncResult> {
        let today = crate::domain::time::today_cst();
        let records = input
            .records
            .into_iter()
            .map(|r| {
                let sent = r.external_id.trim().to_owned();
                let parsed = VolunteerInput {
                    external_id: r.external_id,
                    name: r.name,
                    gender: r.gender.map(Into::into),
                    id_document_type: r.id_document_type.map(Into::into),
                    id_number: r.id_number,
                    phone: r.phone,
                    volunteer_number: r.volunteer_number,
                    skills: r.skills,
                    region_code: r.region_code,
                    team_external_ids: r.team_external_ids,
                }
                .parse(today);
                (sent, parsed)
            })
            .collect();
        let (s, m, a, d) = (input.source, input.mode, input.atomicity, input.delete_missing);
        run::<engine::Volunteers>(ctx, NodeType::Volunteer, s, m, a, d, records).await
    }

    /// Upserts the source's social workers by external id (employers among the source's
    /// organisations). Client mistakes are in `userErrors`.
    #[graphql(complexity = "1 + input.records.len() + child_complexity")]
    async fn sync_social_workers(&self, ctx: &Context<'_>, input: SyncSocialWorkersInput) -> ApiResult<SyncResult> {
        let today = crate::domain::time::today_cst();
        let records = input
            .records
            .into_iter()
            .map(|r| {
                let sent = r.external_id.trim().to_owned();
                let parsed = SocialWorkerInput {
                    external_id: r.external_id,
                    name: r.name,
                    gender: r.gender.map(Into::into),
                    id_number: r.id_number,
                    phone: r.phone,
                    certificate_level: r.certificate_level.map(Into::into),
                    certificate_number: r.certificate_number,
                    certificate_year: r.certificate_year,
                    employer_external_id: r.employer_external_id,
                    pay_post: r.pay_post,
                    pay_grade: r.pay_grade,
                    region_code: r.region_code,
                }
                .parse(today);
                (sent, parsed)
            })
            .collect();
        let (s, m, a, d) = (input.source, input.mode, input.atomicity, input.delete_missing);
        run::<engine::SocialWorkers>(ctx, NodeType::SocialWorker, s, m, a, d, records).await
    }

    /// Upserts the source's volunteer teams by external id. Client mistakes are in
    /// `userErrors`.
    #[graphql(complexity = "1 + input.records.len() + child_complexity")]
    async fn sync_volunteer_teams(&self, ctx: &Context<'_>, input: SyncVolunteerTeamsInput) -> ApiResult<SyncResult> {
        let today = crate::domain::time::today_cst();
        let records = input
            .records
            .into_iter()
            .map(|r| {
                let sent = r.external_id.trim().to_owned();
                let parsed = VolunteerTeamInput {
                    external_id: r.external_id,
                    name: r.name,
                    region_code: r.region_code,
                    founded_on: r.founded_on.map(|d| d.0),
                }
                .parse(today);
                (sent, parsed)
            })
            .collect();
        let (s, m, a, d) = (input.source, input.mode, input.atomicity, input.delete_missing);
        run::<engine::VolunteerTeams>(ctx, NodeType::VolunteerTeam, s, m, a, d, records).await
    }

    /// Upserts the source's organisations by external id. Client mistakes are in
    /// `userErrors`.
    #[graphql(complexity = "1 + input.records.len() + child_complexity")]
    async fn sync_organizations(&self, ctx: &Context<'_>, input: SyncOrganizationsInput) -> ApiResult<SyncResult> {
        let records = input
            .records
            .into_iter()
            .map(|r| {
                let sent = r.external_id.trim().to_owned();
                let parsed = OrganizationInput {
                    external_id: r.external_id,
                    name: r.name,
                    kind: Some(r.kind.into()),
                    credit_code: r.credit_code,
                    region_code: r.region_code,
                    contact_name: r.contact_name,
                    contact_phone: r.contact_phone,
                }
                .parse(Strictness::Reject)
                .map(|(record, _)| record);
                (sent, parsed)
            })
            .collect();
        let (s, m, a, d) = (input.source, input.mode, input.atomicity, input.delete_missing);
        run::<engine::Organizations>(ctx, NodeType::Organization, s, m, a, d, records).await
    }
}
