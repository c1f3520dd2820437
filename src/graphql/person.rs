//! One person, many records (issue 23): the exact lookups of the volunteer and social-worker
//! lists (by citizen ID number, by the owning system's reference), shared by both filters.

use async_graphql::{Context, InputObject};

use super::audit;
use super::context::RequestData;
use super::error::{ApiError, ApiResult};
use crate::domain::CitizenId;
use crate::store;

/// An exact lookup by citizen ID number (公民身份号码, GB 11643-1999). Allowed to the roles that
/// may reveal ID numbers (CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT, ADMIN), within what they
/// may read; others get `FORBIDDEN` before anything is looked up, whether or not the number is
/// registered. Each lookup writes one audit row (`REVEAL`, `entityId` `lookup`, field
/// `filter.idNumber`, with the reason), which holds neither the number nor anything derived
/// from it; the number is not logged either. Records are matched by the number's keyed hash,
/// so `…002x` finds `…002X`.
#[derive(InputObject)]
pub struct IdNumberLookup {
    /// The 18-character citizen ID number; a lowercase `x` check character is taken as `X`.
    /// Errors: `INVALID_CITIZEN_ID` (the message never repeats the number).
    pub number: String,
    /// Why the person is looked up, in words: at least 2 letters or digits, at most 500
    /// characters (audited). Errors: `INVALID_ARGUMENT`.
    pub reason: String,
}

/// An exact lookup by the owning system's reference: the record that system `source` keeps as
/// `externalId`. Allowed to the roles that may reveal ID numbers, like [`IdNumberLookup`];
/// not audited (it names a record, not a person).
#[derive(InputObject)]
pub struct ExternalReferenceLookup {
    /// The owning system's name, as in `externalReference.source`.
    pub source: String,
    /// The record's id in that system, as in `externalReference.externalId`.
    pub external_id: String,
}

/// The store's form of the lookups of a list of `entity` (`Volunteer`, `SocialWorker`):
/// `(person key, (source, external id))`. Writes the audit row of a lookup by ID number.
///
/// Errors: `FORBIDDEN` (a role that may not reveal ID numbers), `INVALID_CITIZEN_ID`,
/// `INVALID_ARGUMENT` (the reason).
pub async fn lookups(
    ctx: &Context<'_>,
    entity: &str,
    by_number: Option<IdNumberLookup>,
    by_reference: Option<ExternalReferenceLookup>,
) -> ApiResult<(Option<String>, Option<(String, String)>)> {
    if by_number.is_none() && by_reference.is_none() {
        return Ok((None, None));
    }
    let data = RequestData::of(ctx)?;
    if !data.identity.may_reveal_people() {
        return Err(
            ApiError::Forbidden("your role may not look people up by ID number or external reference".into()).into()
        );
    }
    let external = by_reference.map(|r| (r.source.trim().to_owned(), r.external_id.trim().to_owned()));
    let Some(lookup) = by_number else { return Ok((None, external)) };
    let reason = audit::reason(&lookup.reason)?;
    let id = CitizenId::parse(&lookup.number, crate::domain::time::today_cst())
        .map_err(|e| ApiError::domain("filter.idNumber.number", e))?;
    let key = data.person_keys.key(&id);
    Box::pin(store::audit::lookup_by_id_number(&data.db, &data.actor(), entity, &reason))
        .await
        .map_err(|e| ApiError::from(store::StoreError::Db(e)))?;
    Ok((Some(key), external))
}
