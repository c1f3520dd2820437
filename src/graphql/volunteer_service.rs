//! The volunteer service ledger (志愿服务记录, 志愿积分): `recordVolunteerService`,
//! `correctVolunteerService`, `syncVolunteerService` and `Volunteer.serviceEntries`. The rules
//! are [`crate::domain::volunteer_service`]'s, the writes [`crate::store::volunteer_service`]'s.
//!
//! Entries are never edited or deleted: a correction is a reversing entry, and
//! `Volunteer.serviceHours`, `Volunteer.points` and the statistics keep summing the ledger,
//! so a reversal cancels its original.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use entity::volunteer_ledger_entry as m;

use super::common::{ExternalReference, RecordInfo};
use super::context::RequestData;
use super::error::{ApiError, ApiResult};
use super::id::{GlobalId, NodeType};
use super::payload::{self, db_error, editor, refused};
use super::scalars::Date;
use super::sync::{SyncAtomicity, SyncMode, SyncResult};
use crate::domain::roster::{FieldError, Problems};
use crate::domain::volunteer_service::{ServiceInput, SyncEntryInput};
use crate::store;
use crate::store::sync::Writer;
use crate::store::volunteer_service::EntryLinks;

/// Kind of volunteer activity; point rules may differ by kind.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::volunteer_ledger_entry::VolunteerActivity")]
pub enum VolunteerActivity {
    /// 助老: care for the elderly.
    ElderlyCare,
    /// 关爱儿童: care for children.
    ChildCare,
    /// 助残: support for the disabled.
    DisabilitySupport,
    /// 社区治理: community governance (patrols, deliberation, mediation).
    CommunityGovernance,
    /// 环境保护: environment and sanitation.
    Environment,
    /// 文体活动: culture and sports.
    CultureAndSports,
    /// 应急救援: emergency response.
    EmergencyResponse,
    /// 其他: anything else.
    Other,
}

/// 志愿服务记录 One entry of a volunteer's service ledger. Entries are never edited or
/// deleted; a correction is a second entry with the minutes and points negated, on the same
/// day, whose `corrects` names the first.
pub struct VolunteerServiceEntry(pub m::Model);

impl From<m::Model> for VolunteerServiceEntry {
    fn from(m: m::Model) -> Self {
        VolunteerServiceEntry(m)
    }
}

fn global(ty: NodeType, id: Option<uuid::Uuid>) -> Option<ID> {
    id.map(|id| GlobalId::encode(ty, id))
}

/// 志愿服务记录 One entry of a volunteer's service ledger. Entries are never edited or
/// deleted; a correction is a second entry with the minutes and points negated, on the same
/// day, whose `corrects` names the first.
#[Object]
impl VolunteerServiceEntry {
    /// Id of the entry (a UUID; give it to `correctVolunteerService`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Global id of the volunteer who served.
    async fn volunteer_id(&self) -> ID {
        GlobalId::encode(NodeType::Volunteer, self.0.volunteer_id)
    }
    /// Day of the service (CST); a reversal carries its original's day.
    async fn served_on(&self) -> Date {
        Date(self.0.served_on)
    }
    /// Service time in minutes; negative on a reversal.
    async fn minutes(&self) -> i32 {
        self.0.service_minutes
    }
    /// Points (志愿积分) earned; negative on a reversal or a redemption.
    async fn points(&self) -> i32 {
        self.0.points
    }
    /// Kind of activity; null on entries made before it was recorded.
    async fn activity(&self) -> Option<VolunteerActivity> {
        self.0.activity.map(Into::into)
    }
    /// What was done, in words; on a reversal, why the entry was corrected.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Global id of the station where the service took place.
    async fn station_id(&self) -> Option<ID> {
        global(NodeType::Station, self.0.station_id)
    }
    /// Global id of the volunteer team the service was given with.
    async fn team_id(&self) -> Option<ID> {
        global(NodeType::VolunteerTeam, self.0.volunteer_team_id)
    }
    /// Global id of the project the service belongs to.
    async fn project_id(&self) -> Option<ID> {
        global(NodeType::Project, self.0.project_id)
    }
    /// Id of the entry this one reverses; null for an entry that is not a correction.
    async fn corrects(&self) -> Option<ID> {
        self.0.corrects_entry_id.map(|id| ID(id.to_string()))
    }
    /// The system the entry came from and its id there (`syncVolunteerService`); null for
    /// entries written through `recordVolunteerService`.
    async fn external_reference(&self) -> Option<ExternalReference> {
        ExternalReference::of(&self.0.source, &self.0.external_id)
    }
    /// When the entry was written (UTC); entries never change, so `version` stays 1.
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
}

/// The entries of a volunteer, for `Volunteer.serviceEntries`. Errors: `FORBIDDEN` for PORTAL
/// and PUBLIC.
pub async fn of_volunteer(ctx: &Context<'_>, volunteer: uuid::Uuid) -> ApiResult<Vec<VolunteerServiceEntry>> {
    let data = RequestData::of(ctx)?;
    if !data.identity.may_reveal_people() {
        let msg = "a volunteer's service entries are listed to CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT and ADMIN";
        return Err(ApiError::Forbidden(msg.into()).into());
    }
    let rows = store::volunteer_service::of_volunteer(&data.db, volunteer).await.map_err(db_error)?;
    Ok(rows.into_iter().map(VolunteerServiceEntry).collect())
}

/// A service a volunteer gave, to record in the ledger.
#[derive(InputObject)]
pub struct RecordVolunteerServiceInput {
    /// Global id of the volunteer: one the caller may write (ADMIN: any; CIVIL_AFFAIRS: of its
    /// division), else `NOT_FOUND`.
    pub volunteer: ID,
    /// Day of the service: a China Standard Time date, 2000-01-01 to today (`OUT_OF_RANGE`).
    pub served_on: Date,
    /// Service time in minutes, 1 to 1,440 (`OUT_OF_RANGE`).
    pub minutes: i32,
    /// Points earned, 0 to 10,000. Leave it out to have it computed from the point rules: the
    /// most specific rule in force on `servedOn` for the division of `station` (else the
    /// volunteer's) and `activity` gives `minutes × pointsPerHour / 60`, rounded down; no
    /// rule: 0. Where a rule applies, a given value must equal the rule's (`INCONSISTENT`);
    /// where none applies, it is recorded as given.
    pub points: Option<i32>,
    /// Kind of activity.
    pub activity: VolunteerActivity,
    /// What was done, in words (at most 300 characters).
    pub description: Option<String>,
    /// Global id of the station where the service took place (one the caller may read,
    /// `UNKNOWN_REFERENCE` otherwise); its division chooses the point rule.
    pub station: Option<ID>,
    /// Global id of the volunteer team the service was given with (one the caller may read).
    pub team: Option<ID>,
    /// Global id of the project the service belongs to (one the caller may read).
    pub project: Option<ID>,
}

/// An entry to correct.
#[derive(InputObject)]
pub struct CorrectVolunteerServiceInput {
    /// Id of the entry (`VolunteerServiceEntry.id`) of a volunteer the caller may write.
    pub entry: ID,
    /// Why it is corrected (1-300 characters); kept as the reversal's `description`.
    pub reason: String,
}

crate::payload!(
    /// The result of `recordVolunteerService` / `correctVolunteerService`: the entry written
    /// (for a correction, the reversing entry).
    VolunteerServicePayload,
    entry,
    VolunteerServiceEntry
);

/// A ledger entry of another system, keyed by its id there.
#[derive(InputObject)]
pub struct VolunteerServiceSyncRecord {
    /// The entry's id in the source system (unique per source, 1-64 characters). An entry is
    /// written once: sent again with the same values it is `UNCHANGED`; with other values it
    /// fails with `ENTRY_IMMUTABLE` (send a reversal instead).
    pub external_id: String,
    /// For a reversal: the external id of the source's entry it corrects (stored, or earlier in
    /// this batch). A reversal negates that entry's minutes and points on its day; give none of
    /// `volunteerExternalId`, `servedOn`, `minutes`, `points`, `activity`, `teamExternalId`
    /// then (`INCONSISTENT`), but a `reason`.
    pub corrects_external_id: Option<String>,
    /// For a reversal: why (1-300 characters).
    pub reason: Option<String>,
    /// The volunteer's external id among the source's volunteers (`UNKNOWN_REFERENCE`).
    pub volunteer_external_id: Option<String>,
    /// The team's external id among the source's teams (`UNKNOWN_REFERENCE`).
    pub team_external_id: Option<String>,
    /// Day of the service (CST), 2000-01-01 to today.
    pub served_on: Option<Date>,
    /// Service time in minutes, 1 to 1,440.
    pub minutes: Option<i32>,
    /// Points, as for `recordVolunteerService` (rules of the volunteer's division); absent:
    /// computed. A computed value is fixed when the entry is written: sending the entry again
    /// without points is `UNCHANGED` even if the rules changed since.
    pub points: Option<i32>,
    /// Kind of activity.
    pub activity: Option<VolunteerActivity>,
    /// What was done, in words (at most 300 characters).
    pub description: Option<String>,
}

/// A batch of ledger entries from one source.
#[derive(InputObject)]
pub struct SyncVolunteerServiceInput {
    /// The calling system's name (1-64 characters); a SYNC_CLIENT token may write only its own
    /// source.
    pub source: String,
    /// VALIDATE (dry run: reports what COMMIT would do, writes nothing) or COMMIT (default).
    #[graphql(default_with = "SyncMode::Commit")]
    pub mode: SyncMode,
    /// ALL (default: one failed record writes nothing) or PER_RECORD (the good records are
    /// written, in one transaction).
    #[graphql(default_with = "SyncAtomicity::All")]
    pub atomicity: SyncAtomicity,
    /// Up to 10,000 records, written in the order given.
    pub records: Vec<VolunteerServiceSyncRecord>,
}

impl From<VolunteerServiceSyncRecord> for SyncEntryInput {
    fn from(r: VolunteerServiceSyncRecord) -> Self {
        SyncEntryInput {
            external_id: r.external_id,
            corrects_external_id: r.corrects_external_id,
            reason: r.reason,
            volunteer_external_id: r.volunteer_external_id,
            team_external_id: r.team_external_id,
            served_on: r.served_on.map(|d| d.0),
            minutes: r.minutes,
            points: r.points,
            activity: r.activity.map(Into::into),
            description: r.description,
        }
    }
}

/// Volunteer service ledger mutations.
#[derive(Default)]
pub struct VolunteerServiceMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl VolunteerServiceMutation {
    /// Records a service a volunteer gave (志愿服务记录) in the ledger behind
    /// `Volunteer.serviceHours`, `Volunteer.points` and the statistics; audited. Allowed to
    /// whoever may write the volunteer (ADMIN anywhere, CIVIL_AFFAIRS in its division); other
    /// roles get `FORBIDDEN`. Errors in `userErrors`: `NOT_FOUND`, `INVALID_ID`,
    /// `UNKNOWN_REFERENCE`, `OUT_OF_RANGE`, `INCONSISTENT` (points other than the point
    /// rule's), `TOO_LONG`, `INVALID_TEXT`.
    async fn record_volunteer_service(
        &self,
        ctx: &Context<'_>,
        input: RecordVolunteerServiceInput,
    ) -> ApiResult<VolunteerServicePayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let volunteer = payload::uuid(&mut p, "volunteer", &input.volunteer, NodeType::Volunteer);
        let team = payload::opt_uuid(&mut p, "team", input.team.as_ref(), NodeType::VolunteerTeam);
        let project = payload::opt_uuid(&mut p, "project", input.project.as_ref(), NodeType::Project);
        let station = payload::opt_uuid(&mut p, "station", input.station.as_ref(), NodeType::Station);
        let (Some(volunteer), Some(team_id), Some(project_id), Some(station_id)) = (volunteer, team, project, station)
        else {
            return Ok(VolunteerServicePayload::of::<m::Model>(refused(p)));
        };
        let service = ServiceInput {
            served_on: Some(input.served_on.0),
            minutes: input.minutes,
            points: input.points,
            activity: Some(input.activity.into()),
            description: input.description,
        };
        let links = EntryLinks { team_id, project_id, station_id };
        let out =
            store::volunteer_service::record(&data.db, &editor, volunteer, links, &service).await.map_err(db_error)?;
        Ok(VolunteerServicePayload::of(out))
    }

    /// Corrects a ledger entry by a reversing entry (its minutes and points negated, on its
    /// day), so every total cancels it; the entry itself is never changed. To replace a wrong
    /// entry, correct it and record the right one. Allowed as `recordVolunteerService`.
    /// Errors in `userErrors`: `NOT_FOUND`, `INVALID_ID`, `ALREADY_CORRECTED` (an entry is
    /// corrected once), `NOT_CORRECTABLE` (the entry is itself a correction), `REQUIRED`,
    /// `TOO_LONG`, `INVALID_TEXT` on `reason`.
    async fn correct_volunteer_service(
        &self,
        ctx: &Context<'_>,
        input: CorrectVolunteerServiceInput,
    ) -> ApiResult<VolunteerServicePayload> {
        let (data, editor) = editor(ctx, false)?;
        let Ok(id) = uuid::Uuid::parse_str(input.entry.as_str()) else {
            let e = FieldError::new("entry", "INVALID_ID", "entry: not the id of a volunteer service entry");
            return Ok(VolunteerServicePayload::of::<m::Model>(Err(vec![e])));
        };
        let out = store::volunteer_service::correct(&data.db, &editor, id, &input.reason).await.map_err(db_error)?;
        Ok(VolunteerServicePayload::of(out))
    }

    /// Writes the source's ledger entries by external id, idempotently: an entry already
    /// stored with the same values is `UNCHANGED` and nothing is written; with other values it
    /// fails (`ENTRY_IMMUTABLE`: entries are never edited, send a reversal). Who: ADMIN (any
    /// source), SYNC_CLIENT (its own source, else `FORBIDDEN`), CIVIL_AFFAIRS (volunteers of
    /// its region, else `OUT_OF_SCOPE` per record). Result ids are entry ids. Client mistakes
    /// are in `userErrors`; per record: `UNKNOWN_REFERENCE`, `OUT_OF_SCOPE`,
    /// `ENTRY_IMMUTABLE`, `ALREADY_CORRECTED`, `NOT_CORRECTABLE`, `DUPLICATE_EXTERNAL_ID`,
    /// `INCONSISTENT` and the value rules of `recordVolunteerService`.
    #[graphql(complexity = "1 + input.records.len() + child_complexity")]
    async fn sync_volunteer_service(
        &self,
        ctx: &Context<'_>,
        input: SyncVolunteerServiceInput,
    ) -> ApiResult<SyncResult> {
        let data = RequestData::of(ctx)?;
        let source = match crate::domain::roster::required_text("source", &input.source, 64) {
            Ok(s) => s,
            Err(e) => {
                return Ok(SyncResult::of_entries(store::sync::SyncSummary { errors: vec![e], ..Default::default() }));
            }
        };
        let region = data.scope.sync_region(&source).map_err(|m| ApiError::Forbidden(m.to_owned()))?;
        let writer =
            Writer { actor: data.actor(), region, write_timeout: data.write_timeout, blind: false, person_keys: None };
        let today = crate::domain::time::today_cst();
        let records = input
            .records
            .into_iter()
            .map(|r| {
                let sent = r.external_id.trim().to_owned();
                (sent, SyncEntryInput::from(r).parse(today))
            })
            .collect();
        let summary = store::volunteer_service::sync(
            &data.db,
            &writer,
            &source,
            input.mode.into(),
            input.atomicity.into(),
            records,
        )
        .await
        .map_err(db_error)?;
        Ok(SyncResult::of_entries(summary))
    }
}
