//! Guardian consent (监护人同意, PIPL art. 31): `recordGuardianConsent`,
//! `withdrawGuardianConsent` and `Client.consents`. A client under 14 is revealed
//! (`Client.identity`) only while a consent is in force; the rules are
//! [`crate::domain::consent`]'s, the writes [`crate::store::consent`]'s.
//!
//! Who: the roles that may reveal the client (CIVIL_AFFAIRS, STATION_STAFF, ADMIN, within
//! their scope) record and withdraw; only CIVIL_AFFAIRS and ADMIN list (`FORBIDDEN` for
//! STATION_STAFF). The guardian's name is personal data: masked here and in the audit log.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::consent_record as m;

use super::audit::may_reveal;
use super::common::RecordInfo;
use super::context::RequestData;
use super::error::{ApiError, ApiResult};
use super::id::NodeType;
use super::payload::{self, db_error, editor, refused};
use super::scalars::Date;
use crate::domain::consent::{ConsentInput, in_force};
use crate::domain::masking;
use crate::domain::roster::{FieldError, Problems};
use crate::store;

/// How the guardian is related to the child (Civil Code arts. 27 and 32).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::consent_record::GuardianRelation")]
pub enum GuardianRelation {
    /// 父母 a parent.
    Parent,
    /// 祖父母、外祖父母 a grandparent.
    Grandparent,
    /// 兄、姐 an elder sibling of full age.
    ElderSibling,
    /// 其他个人 another person approved as guardian.
    OtherPerson,
    /// 组织 an organisation acting as guardian (residents' or villagers' committee, the
    /// civil-affairs department).
    Organization,
}

/// 监护人同意 A guardian's consent to processing the personal information of a child under
/// 14 (PIPL art. 31). It is in force from `validFrom` up to, not including, `validUntil`,
/// unless withdrawn.
pub struct GuardianConsent(pub m::Model);

impl From<m::Model> for GuardianConsent {
    fn from(m: m::Model) -> Self {
        GuardianConsent(m)
    }
}

/// 监护人同意 A guardian's consent to processing the personal information of a child under
/// 14 (PIPL art. 31). It is in force from `validFrom` up to, not including, `validUntil`,
/// unless withdrawn.
#[Object]
impl GuardianConsent {
    /// Id of the consent record (a UUID; give it to `withdrawGuardianConsent`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The guardian's name, masked (`王*`).
    async fn guardian_name(&self) -> String {
        masking::name(&self.0.consented_by)
    }
    /// How the guardian is related to the child; null on records made before it was asked.
    async fn relation(&self) -> Option<GuardianRelation> {
        self.0.relation.map(Into::into)
    }
    /// What the consent covers, in words.
    async fn scope(&self) -> &str {
        &self.0.scope
    }
    /// First day it holds (CST).
    async fn valid_from(&self) -> Date {
        Date(self.0.given_on)
    }
    /// First day it no longer holds (CST); null: until withdrawn.
    async fn valid_until(&self) -> Option<Date> {
        self.0.expires_on.map(Date)
    }
    /// Where the signed consent is kept (file number, scan reference).
    async fn evidence_reference(&self) -> Option<&str> {
        self.0.evidence_reference.as_deref()
    }
    /// When it was withdrawn (UTC); null while not withdrawn.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
    /// Whether it is in force today (CST): not withdrawn, begun, not ended. While one is, the
    /// child's identity may be revealed.
    async fn in_force(&self) -> bool {
        let today = crate::domain::time::today_cst();
        in_force(self.0.given_on, self.0.expires_on, self.0.withdrawn_at.is_some(), today)
    }
    /// Record keeping: created, updated (UTC), and version (give it to
    /// `withdrawGuardianConsent` as `expectedVersion`).
    async fn record(&self) -> RecordInfo {
        RecordInfo::of(&self.0)
    }
}

/// The consents of a client, for `Client.consents`. Errors: `FORBIDDEN` for roles other than
/// CIVIL_AFFAIRS and ADMIN.
pub async fn of_client(ctx: &Context<'_>, client: uuid::Uuid) -> ApiResult<Vec<GuardianConsent>> {
    let data = RequestData::of(ctx)?;
    if !data.identity.may_list_consents() {
        return Err(ApiError::Forbidden("only CIVIL_AFFAIRS and ADMIN may list guardian consents".into()).into());
    }
    let rows = store::consent::of_client(&data.db, client).await.map_err(db_error)?;
    Ok(rows.into_iter().map(GuardianConsent).collect())
}

/// A guardian's consent to record for a client under 14.
#[derive(InputObject)]
pub struct RecordGuardianConsentInput {
    /// Global id of the client: a child under 14 today (`NOT_A_MINOR`), with a known birth
    /// date (`AGE_UNKNOWN`), that the caller may read (`NOT_FOUND`).
    pub client_id: ID,
    /// The guardian's name (1-64 characters); personal data, shown masked.
    pub guardian_name: String,
    /// How the guardian is related to the child.
    pub relation: GuardianRelation,
    /// What the consent covers, in words (1-300 characters).
    pub scope: String,
    /// First day it holds (CST), from the child's birth (and 2000-01-01) to today; default
    /// today.
    pub valid_from: Option<Date>,
    /// First day it no longer holds (CST), after `validFrom` (`INVALID_RANGE`); absent: until
    /// withdrawn.
    pub valid_until: Option<Date>,
    /// Where the signed consent is kept: file number or scan reference (1-200 characters).
    pub evidence_reference: String,
}

/// A consent to withdraw.
#[derive(InputObject)]
pub struct WithdrawGuardianConsentInput {
    /// Id of the consent record.
    pub id: ID,
    /// Its `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
}

crate::payload!(
    /// The result of the guardian-consent mutations: the consent as written.
    GuardianConsentPayload,
    consent,
    GuardianConsent
);

/// Guardian-consent mutations.
#[derive(Default)]
pub struct ConsentMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl ConsentMutation {
    /// Records a guardian's consent for a client under 14 (PIPL art. 31); audited, the
    /// guardian's name masked. Allowed to the roles that may reveal the client (CIVIL_AFFAIRS,
    /// STATION_STAFF, ADMIN, within scope); others get `FORBIDDEN`. Errors in `userErrors`:
    /// `NOT_FOUND`, `INVALID_ID`, `AGE_UNKNOWN`, `NOT_A_MINOR`, `OUT_OF_RANGE`,
    /// `INVALID_RANGE`, `REQUIRED`, `TOO_LONG`, `INVALID_TEXT`.
    async fn record_guardian_consent(
        &self,
        ctx: &Context<'_>,
        input: RecordGuardianConsentInput,
    ) -> ApiResult<GuardianConsentPayload> {
        may_reveal(RequestData::of(ctx)?.identity.may_reveal_clients())?;
        let (data, editor) = editor(ctx, true)?;
        let mut p = Problems::default();
        let Some(client) = payload::uuid(&mut p, "clientId", &input.client_id, NodeType::Client) else {
            return Ok(GuardianConsentPayload::of::<m::Model>(refused(p)));
        };
        let consent = ConsentInput {
            guardian_name: input.guardian_name,
            relation: input.relation.into(),
            scope: input.scope,
            valid_from: input.valid_from.map(|d| d.0),
            valid_until: input.valid_until.map(|d| d.0),
            evidence_reference: input.evidence_reference,
        };
        let out = store::consent::record(&data.db, &editor, client, &consent).await.map_err(db_error)?;
        Ok(GuardianConsentPayload::of(out))
    }

    /// Withdraws a guardian's consent (PIPL art. 15): from now on it allows no reveal. The
    /// record stays, with `withdrawnAt`; audited. Allowed as `recordGuardianConsent`. Errors in
    /// `userErrors`: `NOT_FOUND`, `INVALID_ID`, `ALREADY_WITHDRAWN`, `VERSION_CONFLICT`.
    async fn withdraw_guardian_consent(
        &self,
        ctx: &Context<'_>,
        input: WithdrawGuardianConsentInput,
    ) -> ApiResult<GuardianConsentPayload> {
        may_reveal(RequestData::of(ctx)?.identity.may_reveal_clients())?;
        let (data, editor) = editor(ctx, true)?;
        let Ok(id) = uuid::Uuid::parse_str(input.id.as_str()) else {
            let e = FieldError::new("id", "INVALID_ID", "id: not the id of a consent record");
            return Ok(GuardianConsentPayload::of::<m::Model>(Err(vec![e])));
        };
        let out = store::consent::withdraw(&data.db, &editor, id, input.expected_version).await.map_err(db_error)?;
        Ok(GuardianConsentPayload::of(out))
    }
}
