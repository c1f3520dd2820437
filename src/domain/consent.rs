//! Guardian consent (监护人同意) for processing a child's personal information: PIPL art. 31
//! (a child under 14 needs the consent of a parent or other guardian) and art. 15 (consent
//! may be withdrawn). Who may be a minor's guardian: Civil Code arts. 27 and 32 (parents;
//! failing them grandparents, elder siblings, other willing persons or organisations; failing
//! those, the civil-affairs department).
//!
//! A consent is in force on a day when it is not withdrawn, `valid_from <= day` and either it
//! has no end or `day < valid_until` (the end is the first day it no longer holds, so ranges
//! are half-open like every date range of the API). The reveal of a child's identity checks
//! the same rule in SQL (`store::audit::consent_in_force`).

use chrono::NaiveDate;
pub use entity::consent_record::GuardianRelation;

use super::identity::age_on;
use super::roster::{EARLIEST_RECORD_DATE, FieldError, Problems, date_in_range, required_text};

/// Age below which a guardian's consent is required: 14 (PIPL art. 31; DOMAIN.md).
pub const CONSENT_AGE: u32 = 14;

/// Longest guardian name, in characters (the `consent_records.consented_by` column).
pub const MAX_GUARDIAN_NAME: usize = 64;
/// Longest scope text, in characters.
pub const MAX_SCOPE: usize = 300;
/// Longest evidence reference, in characters.
pub const MAX_EVIDENCE: usize = 200;

/// A guardian's consent as given by the caller, before checking.
#[derive(Debug, Clone)]
pub struct ConsentInput {
    pub guardian_name: String,
    pub relation: GuardianRelation,
    /// What the consent covers, in words (e.g. "casework records of the station").
    pub scope: String,
    /// First day it holds; default today.
    pub valid_from: Option<NaiveDate>,
    /// First day it no longer holds; `None`: until withdrawn.
    pub valid_until: Option<NaiveDate>,
    /// Where the signed consent is kept (file number, scan reference).
    pub evidence_reference: String,
}

/// A checked consent, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentTerms {
    pub guardian_name: String,
    pub relation: GuardianRelation,
    pub scope: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub evidence_reference: String,
}

impl ConsentInput {
    /// Checks a consent for a child born on `birth_date` (`None`: unknown), recorded `today`
    /// (CST).
    ///
    /// Errors (every problem at once, by input field): `AGE_UNKNOWN` on `clientId` (no birth
    /// date: whether consent is needed cannot be told, so none is recorded), `NOT_A_MINOR` on
    /// `clientId` (14 or older today: the client consents for themself, PIPL art. 13);
    /// `REQUIRED`, `TOO_LONG`, `INVALID_TEXT` on the texts; `OUT_OF_RANGE` on `validFrom`
    /// (before 2000-01-01, or after today: a consent is recorded once given; never bounded
    /// by the birth date, which the caller sees masked); `INVALID_RANGE` on `validUntil` (not after `validFrom`).
    pub fn parse(&self, birth_date: Option<NaiveDate>, today: NaiveDate) -> Result<ConsentTerms, Vec<FieldError>> {
        let mut p = Problems::default();
        match birth_date {
            None => p.add(FieldError::new(
                "clientId",
                "AGE_UNKNOWN",
                "clientId: the client's birth date is unknown, so whether a guardian must consent cannot be told; \
                 record the birth date first",
            )),
            // No age in the message: the caller sees the birth date masked to its year.
            Some(b) if age_on(b, today) >= CONSENT_AGE => p.add(FieldError::new(
                "clientId",
                "NOT_A_MINOR",
                format!(
                    "clientId: the client is not under {CONSENT_AGE}; a guardian consents only for a child under {CONSENT_AGE}"
                ),
            )),
            Some(_) => {}
        }
        let guardian_name = p.take(required_text("guardianName", &self.guardian_name, MAX_GUARDIAN_NAME));
        let scope = p.take(required_text("scope", &self.scope, MAX_SCOPE));
        let evidence_reference = p.take(required_text("evidenceReference", &self.evidence_reference, MAX_EVIDENCE));
        // Not bounded by the birth date: the answer to a guessed `validFrom` would tell the
        // caller the exact birth date it sees masked (found by a new-user review). A consent
        // dated before the birth covers nothing earlier than the child anyway.
        let valid_from =
            p.take(date_in_range("validFrom", self.valid_from.unwrap_or(today), EARLIEST_RECORD_DATE, today));
        if let (Some(from), Some(until)) = (valid_from, self.valid_until)
            && until <= from
        {
            let msg =
                format!("validUntil: {until} is not after validFrom {from} (the range is [validFrom, validUntil))");
            p.add(FieldError::new("validUntil", "INVALID_RANGE", msg));
        }
        let terms = match (guardian_name, scope, evidence_reference, valid_from) {
            (Some(guardian_name), Some(scope), Some(evidence_reference), Some(valid_from)) => Some(ConsentTerms {
                guardian_name,
                relation: self.relation,
                scope,
                valid_from,
                valid_until: self.valid_until,
                evidence_reference,
            }),
            _ => None,
        };
        p.finish(terms)
    }
}

/// Whether a consent holds on `day`: not withdrawn, begun, not ended (see the module).
pub fn in_force(valid_from: NaiveDate, valid_until: Option<NaiveDate>, withdrawn: bool, day: NaiveDate) -> bool {
    !withdrawn && valid_from <= day && valid_until.is_none_or(|u| day < u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn input() -> ConsentInput {
        ConsentInput {
            guardian_name: "王芳".into(),
            relation: GuardianRelation::Parent,
            scope: "个案服务记录".into(),
            valid_from: Some(date(2026, 1, 1)),
            valid_until: Some(date(2027, 1, 1)),
            evidence_reference: "XY-2026-001".into(),
        }
    }

    fn codes(r: Result<ConsentTerms, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.err().unwrap_or_default().into_iter().map(|e| (e.field.join("."), e.code)).collect()
    }

    #[test]
    fn consent_is_checked_against_the_childs_age_and_its_own_range() {
        let today = date(2026, 12, 6);
        let child = Some(date(2016, 5, 1));
        assert!(input().parse(child, today).is_ok());
        let cases: Vec<(ConsentInput, Option<NaiveDate>, Vec<(&str, &str)>)> = vec![
            (input(), None, vec![("clientId", "AGE_UNKNOWN")]),
            // 14 on the day: no guardian consent (PIPL art. 31 is "under 14").
            (input(), Some(date(2012, 12, 6)), vec![("clientId", "NOT_A_MINOR")]),
            (
                ConsentInput { valid_until: Some(date(2026, 1, 1)), ..input() },
                child,
                vec![("validUntil", "INVALID_RANGE")],
            ),
            (
                ConsentInput { valid_until: Some(date(2025, 1, 1)), ..input() },
                child,
                vec![("validUntil", "INVALID_RANGE")],
            ),
            (
                ConsentInput { valid_from: Some(date(2026, 12, 7)), ..input() },
                child,
                vec![("validFrom", "OUT_OF_RANGE")],
            ),
            (
                ConsentInput { valid_from: Some(date(1999, 12, 31)), ..input() },
                child,
                vec![("validFrom", "OUT_OF_RANGE")],
            ),
            (ConsentInput { guardian_name: " ".into(), ..input() }, child, vec![("guardianName", "REQUIRED")]),
            (
                ConsentInput { evidence_reference: String::new(), ..input() },
                child,
                vec![("evidenceReference", "REQUIRED")],
            ),
            (ConsentInput { scope: "x".repeat(301), ..input() }, child, vec![("scope", "TOO_LONG")]),
        ];
        for (i, birth, want) in cases {
            let want: Vec<(String, &str)> = want.into_iter().map(|(f, c)| (f.to_owned(), c)).collect();
            assert_eq!(codes(i.parse(birth, today)), want);
        }
    }

    #[test]
    fn a_consent_holds_from_its_first_day_up_to_but_not_on_its_end() {
        let (from, until) = (date(2026, 1, 1), Some(date(2026, 2, 1)));
        assert!(!in_force(from, until, false, date(2025, 12, 31)));
        assert!(in_force(from, until, false, date(2026, 1, 1)));
        assert!(in_force(from, until, false, date(2026, 1, 31)));
        assert!(!in_force(from, until, false, date(2026, 2, 1)));
        assert!(in_force(from, None, false, date(2030, 1, 1)));
        assert!(!in_force(from, None, true, date(2026, 1, 2)));
    }
}
