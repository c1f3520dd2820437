//! Roster sync over GraphQL: `syncVolunteers`, `syncSocialWorkers`, `syncVolunteerTeams`,
//! `syncOrganizations` (DHIS2-style import: upsert by external id, dry run, atomic or
//! per-record, delete missing). The rules live in [`crate::domain::roster`] (parsing) and
//! [`crate::store::sync`] (the engine); this module shapes inputs and results.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::context::RequestData;
use super::enums::{CertificateLevel, Gender, IdDocumentType, OrganizationKind};
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::payload::UserError;
use super::scalars::Date;
use crate::domain::roster::{OrganizationInput, SocialWorkerInput, Strictness, VolunteerInput, VolunteerTeamInput};
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
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
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
#[derive(SimpleObject)]
pub struct SyncRecordResult {
    /// Position of the record in `records` (0-based); null for rows deleted by
    /// `deleteMissing`.
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
}

/// The summary of a sync: counts, and one result per record that changed or failed.
#[derive(SimpleObject)]
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
}

impl SyncResult {
    fn new(s: SyncSummary, node: NodeType) -> Self {
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
                    id: r.id.map(|id| GlobalId::encode(node, id)),
                    changed_fields: r.changed_fields.into_iter().map(str::to_owned).collect(),
                    user_errors: r.errors.into_iter().map(UserError::from).collect(),
                })
                .collect(),
            user_errors: s.errors.into_iter().map(UserError::from).collect(),
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
    let source = match crate::domain::roster::required_text("source", &source, 64) {
        Ok(s) => s,
        Err(e) => return Ok(SyncResult::new(SyncSummary { errors: vec![e], ..Default::default() }, node)),
    };
    let region = data.scope.sync_region(&source).map_err(|m| ApiError::Forbidden(m.to_owned()))?;
    let blind = !data.identity.compares_masked_in_sync();
    let writer = Writer {
        actor: data.actor(),
        region,
        write_timeout: data.write_timeout,
        blind,
        person_keys: Some(data.person_keys.clone()),
    };
    let request = SyncRequest { source, mode: mode.into(), atomicity: atomicity.into(), delete_missing, records };
    // Classified like every database error: a batch that kept losing to concurrent writes is
    // `CONFLICT` (retry it), a dead database `DATABASE_UNAVAILABLE`, anything else `INTERNAL`.
    let summary = engine::sync::<R, _>(&data.db, &writer, request).await.map_err(|e| match e {
        engine::SyncError::Db(e) => ApiError::from(crate::store::StoreError::Db(e)),
        engine::SyncError::Conflict | engine::SyncError::ConcurrentInsert => {
            tracing::warn!(error = %e, "sync batch rolled back: it kept colliding with concurrent writes");
            ApiError::Conflict
        }
    })?;
    Ok(SyncResult::new(summary, node))
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
