//! Long roster imports as background jobs (issue 24): an `importRoster` upload of more data
//! rows than `CIVLINK_IMPORT_JOB_ROWS` answers at once with an `ImportJob` (a `Node`), whose
//! `status`, `progress` and, when done, `result` (the `SyncResult` the inline import would
//! have answered) the caller polls.
//!
//! The file is read and checked within the request, as an inline import's is; the rows are
//! then written by the replica that accepted the upload, renewing the job's lease as it goes
//! ([`crate::store::job`]). The rows themselves are not stored: if that replica dies, the job
//! is reported FAILED (`INTERRUPTED`) once the lease lapses, never left RUNNING. Uploading
//! the file again is safe: rows are keyed by `(source, external id)`, so rows an interrupted
//! PER_RECORD import had written come back UNCHANGED; an interrupted ALL import wrote nothing
//! (its one transaction was never committed).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::{Context, ID, Object};
use entity::job::{JobKind, JobStatus as Status, Model as JobRow};
use uuid::Uuid;

use super::context::RequestData;
use super::error::{ApiError, ApiResult};
use super::export::{JobError, JobProgress, JobStatus, Jobs, owns, scope_text};
use super::id::{GlobalId, NodeType};
use super::scalars::DateTime;
use super::sync::SyncResult;
use crate::import::roster::{RosterImportError, RosterKind, RosterOptions};
use crate::import::table::Table;
use crate::store::job::{self as jobs, Owner};
use crate::store::sync::Writer;

/// A roster import running in the background (issue 24): poll `status` and `progress`
/// through `node(id:)`; `result` is the import's `SyncResult` once SUCCEEDED.
pub struct ImportJob(pub JobRow);

/// A roster import running in the background (issue 24): poll `status` and `progress`
/// through `node(id:)`; `result` is the import's `SyncResult` once SUCCEEDED.
#[Object]
impl ImportJob {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeType::ImportJob, self.0.id)
    }
    /// QUEUED, RUNNING, SUCCEEDED or FAILED.
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }
    /// Data rows of the file imported so far, of how many.
    async fn progress(&self) -> JobProgress {
        JobProgress { done: self.0.done, total: self.0.total }
    }
    /// What the import did, once SUCCEEDED: the answer an inline `importRoster` gives
    /// (counts, one result per created, updated or failed row, the file's problems).
    async fn result(&self) -> Option<SyncResult> {
        (self.0.status == Status::Succeeded)
            .then(|| self.0.result.as_deref().and_then(|r| serde_json::from_str(r).ok()))
            .flatten()
    }
    /// Why it FAILED (`INTERRUPTED`: the replica running it stopped; upload the file again);
    /// null otherwise.
    async fn error(&self) -> Option<JobError> {
        self.0
            .error_code
            .as_ref()
            .map(|code| JobError { code: code.clone(), message: self.0.error_message.clone().unwrap_or_default() })
    }
    /// When it was started (UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it finished (UTC).
    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(DateTime)
    }
}

/// The import job with this id, for its owner only.
pub async fn load(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<ImportJob>> {
    let data = RequestData::of(ctx)?;
    let row = jobs::get(&data.db, id).await.map_err(ApiError::from)?;
    Ok(row.filter(|r| r.kind == JobKind::Import && owns(&data.identity, r)).map(ImportJob))
}

/// Counts the rows the import engine reports done.
#[derive(Default)]
struct Counter(AtomicU64);

impl crate::import::Progress for Counter {
    fn start(&self, _label: &str, _total: Option<u64>) {}
    fn advance(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    fn finish(&self) {}
}

/// Queues the import of `table` (already read within the upload limits) as a job of the
/// caller's and starts it on this replica. Errors: `FORBIDDEN` without a token subject,
/// `INTERNAL`.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    jobs: Arc<Jobs>,
    data: &RequestData,
    writer: Writer,
    kind: RosterKind,
    name: String,
    table: Table,
    mut options: RosterOptions,
) -> ApiResult<ImportJob> {
    let subject = data.identity.subject.clone().ok_or_else(|| ApiError::Forbidden("send a token".into()))?;
    let owner =
        Owner { subject, role: data.identity.role.as_str().to_owned(), scope: scope_text(&data.identity.scope) };
    let total = table.rows.len();
    let input = serde_json::json!({
        "source": options.source, "file": name, "rows": total, "dryRun": options.dry_run,
        "perRecord": options.atomicity == crate::store::sync::Atomicity::PerRecord,
    });
    let row = jobs::create(&data.db, &owner, JobKind::Import, input.to_string(), jobs.settings.lease)
        .await
        .map_err(ApiError::from)?;
    // PER_RECORD rows stand alone: smaller batches let `progress` move. ALL stays one batch,
    // all or nothing for the file, as inline.
    if options.atomicity == crate::store::sync::Atomicity::PerRecord {
        options.batch_size = IMPORT_BATCH;
    }
    let id = row.id;
    tokio::spawn(async move { run(jobs, id, writer, kind, name, table, options, total).await });
    Ok(ImportJob(row))
}

/// Rows per batch of a PER_RECORD import job.
const IMPORT_BATCH: usize = 500;

#[allow(clippy::too_many_arguments)]
async fn run(
    jobs: Arc<Jobs>,
    id: Uuid,
    writer: Writer,
    kind: RosterKind,
    name: String,
    table: Table,
    options: RosterOptions,
    total: usize,
) {
    let lease = jobs.settings.lease;
    match jobs::claim(&jobs.db, id, lease).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(error = %e, job = %id, "import job: could not be claimed");
            return;
        }
    }
    let counter = Arc::new(Counter::default());
    // The lease is renewed beside the import (one ALL batch may take the whole write timeout),
    // and the rows done reported with it, at least every second so that a poll sees progress.
    let beat = {
        let (jobs, counter) = (jobs.clone(), counter.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep((lease / 4).min(std::time::Duration::from_secs(1))).await;
                let done = counter.0.load(Ordering::Relaxed) as i64;
                match jobs::progress(&jobs.db, id, done, Some(total as i64), 0, lease).await {
                    Ok(true) => {}
                    _ => return,
                }
            }
        })
    };
    let file = Path::new(&name);
    let outcome = crate::import::roster::import_table(&jobs.db, &writer, kind, file, &table, &options, &*counter).await;
    beat.abort();
    let result = match outcome {
        Ok(done) => SyncResult::imported(done, kind),
        Err(RosterImportError::MissingColumn { field, accepted, .. }) => {
            let message = format!("file: no column for {field} (accepted headers: {accepted})");
            SyncResult::refused(crate::domain::roster::FieldError::new("file", "MISSING_COLUMN", message))
        }
        Err(RosterImportError::Read { message, code, .. }) => {
            SyncResult::refused(crate::domain::roster::FieldError::new("file", code, format!("file: {message}")))
        }
        Err(RosterImportError::Db(e)) => {
            tracing::error!(error = %e, job = %id, "import job: the database failed");
            let message = "the database failed during the import; rows are keyed by external id: upload the file again";
            if let Err(e) = jobs::fail(&jobs.db, id, "INTERNAL", message).await {
                tracing::error!(error = %e, job = %id, "import job: could not record its failure");
            }
            return;
        }
    };
    let stored = match serde_json::to_string(&result) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, job = %id, "import job: its result could not be stored");
            let _ = jobs::fail(&jobs.db, id, "INTERNAL", "the import's result could not be stored").await;
            return;
        }
    };
    if let Err(e) = jobs::succeed(&jobs.db, id, total as i64, 0, stored, None).await {
        tracing::error!(error = %e, job = %id, "import job: could not record its result");
    }
}
