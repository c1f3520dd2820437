//! The volunteer service ledger (志愿服务记录, 志愿积分): one entry per service a volunteer gave,
//! with its time and points. Entries are never edited or deleted: a mistake is corrected by a
//! reversing entry (the original's minutes and points negated, on the original's date), so
//! every total, which is a sum over the ledger, cancels the corrected entry in every period.
//!
//! Points come from the point rules (`volunteer_point_rules`, data, not code) when the caller
//! gives none: the most specific rule in force on the day of service for the division where
//! the service took place (the station's, else the volunteer's) and the kind of activity. A
//! caller may give points itself; where a rule applies they must be the rule's (else
//! `INCONSISTENT`: a pilot's points mean the same everywhere it runs); where none applies the
//! given points are taken as they are (a scheme civlink has no rules of).

use chrono::NaiveDate;
pub use entity::volunteer_ledger_entry::VolunteerActivity;
use entity::volunteer_point_rule;

use super::DivisionCode;
use super::roster::{
    EARLIEST_RECORD_DATE, FieldError, MAX_EXTERNAL_ID, Problems, date_in_range, optional_text, required_text,
};

/// Longest service of one entry, in minutes: a day.
pub const MAX_MINUTES: i32 = 24 * 60;
/// Most points one entry may earn.
pub const MAX_POINTS: i32 = 10_000;
/// Longest description and correction reason, in characters (the `description` column).
pub const MAX_DESCRIPTION: usize = 300;

/// A service as given by the caller, before checking.
#[derive(Debug, Clone, Default)]
pub struct ServiceInput {
    pub served_on: Option<NaiveDate>,
    pub minutes: i32,
    /// Points to record; `None`: from the rules.
    pub points: Option<i32>,
    pub activity: Option<VolunteerActivity>,
    pub description: Option<String>,
}

/// A checked service, ready to be given its points and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub served_on: NaiveDate,
    pub minutes: i32,
    pub points: Option<i32>,
    pub activity: VolunteerActivity,
    pub description: Option<String>,
}

impl ServiceInput {
    /// Checks a service recorded `today` (CST).
    ///
    /// Errors (every problem at once): `REQUIRED` on `servedOn` and `activity`, `OUT_OF_RANGE`
    /// on `servedOn` (2000-01-01 to today), `minutes` (1 to 1,440) and `points` (0 to
    /// 10,000); `TOO_LONG`, `INVALID_TEXT` on `description`.
    pub fn parse(&self, today: NaiveDate) -> Result<Service, Vec<FieldError>> {
        let mut p = Problems::default();
        let served_on = match self.served_on {
            Some(d) => p.take(date_in_range("servedOn", d, EARLIEST_RECORD_DATE, today)),
            None => {
                p.add(FieldError::new("servedOn", "REQUIRED", "servedOn: the day of service is required"));
                None
            }
        };
        if !(1..=MAX_MINUTES).contains(&self.minutes) {
            p.add(FieldError::new("minutes", "OUT_OF_RANGE", format!("minutes: between 1 and {MAX_MINUTES}")));
        }
        if let Some(points) = self.points
            && !(0..=MAX_POINTS).contains(&points)
        {
            p.add(FieldError::new("points", "OUT_OF_RANGE", format!("points: between 0 and {MAX_POINTS}")));
        }
        let activity = self.activity;
        if activity.is_none() {
            p.add(FieldError::new("activity", "REQUIRED", "activity: the kind of activity is required"));
        }
        let description = p.take(optional_text("description", self.description.as_deref(), MAX_DESCRIPTION));
        let built = (|| {
            Some(Service {
                served_on: served_on?,
                minutes: self.minutes,
                points: self.points,
                activity: activity?,
                description: description?,
            })
        })();
        p.finish(built)
    }
}

/// The reason of a correction: 1-300 characters. Errors: `REQUIRED`, `TOO_LONG`,
/// `INVALID_TEXT`.
pub fn correction_reason(value: &str) -> Result<String, FieldError> {
    required_text("reason", value, MAX_DESCRIPTION)
}

/// An external id of a synced entry. Errors: `REQUIRED`, `TOO_LONG`, `INVALID_TEXT`.
pub fn external_id(field: &str, value: &str) -> Result<String, FieldError> {
    required_text(field, value, MAX_EXTERNAL_ID)
}

/// The rule that gives the points of a service on `served_on` of kind `activity` in the
/// division `place`: among the rules in force that day whose division contains `place` and
/// whose activity is `activity` or any, the one of the deepest division, then the one for the
/// activity rather than any, then the latest `valid_from`.
pub fn applicable_rule<'a>(
    rules: &'a [volunteer_point_rule::Model],
    place: &DivisionCode,
    served_on: NaiveDate,
    activity: VolunteerActivity,
) -> Option<&'a volunteer_point_rule::Model> {
    rules
        .iter()
        .filter(|r| r.deleted_at.is_none())
        .filter(|r| r.valid_from <= served_on && r.valid_until.is_none_or(|u| served_on < u))
        .filter(|r| r.activity.is_none_or(|a| a == activity))
        .filter_map(|r| DivisionCode::parse(&r.region_code).ok().filter(|c| c.contains(place)).map(|c| (r, c)))
        .max_by_key(|(r, c)| (c.significant().len(), r.activity.is_some(), r.valid_from))
        .map(|(r, _)| r)
}

/// Points of `minutes` of service under `rule`: `minutes × points_per_hour / 60`, rounded
/// down (half an hour of a 10-points-an-hour rule earns 5).
pub fn points_of(rule: &volunteer_point_rule::Model, minutes: i32) -> i32 {
    let points = i64::from(minutes) * i64::from(rule.points_per_hour) / 60;
    i32::try_from(points).unwrap_or(i32::MAX)
}

/// The points of `service` in `place` under `rules`: the rule's when one applies (a given
/// value must equal it), else the given value or 0. Errors: `INCONSISTENT` on `points`.
pub fn points(
    service: &Service,
    rules: &[volunteer_point_rule::Model],
    place: &DivisionCode,
) -> Result<i32, FieldError> {
    match (applicable_rule(rules, place, service.served_on, service.activity), service.points) {
        (Some(rule), Some(given)) if given != points_of(rule, service.minutes) => Err(FieldError::new(
            "points",
            "INCONSISTENT",
            format!(
                "points: the point rule of {} in force on {} gives {} points an hour, so {} minutes earn {}, not \
                 {given}; leave points out to have them computed",
                rule.region_code,
                service.served_on,
                rule.points_per_hour,
                service.minutes,
                points_of(rule, service.minutes)
            ),
        )),
        (Some(rule), _) => Ok(points_of(rule, service.minutes)),
        (None, given) => Ok(given.unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use uuid::Uuid;

    fn rule(
        region: &str,
        activity: Option<VolunteerActivity>,
        per_hour: i32,
        from: (i32, u32, u32),
    ) -> volunteer_point_rule::Model {
        volunteer_point_rule::Model {
            id: Uuid::now_v7(),
            region_code: region.into(),
            activity,
            points_per_hour: per_hour,
            valid_from: NaiveDate::from_ymd_opt(from.0, from.1, from.2).unwrap(),
            valid_until: None,
            description: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
            deleted_at: None,
        }
    }

    #[test]
    fn the_most_specific_rule_in_force_gives_the_points() {
        let rules = vec![
            rule("420502000000", None, 6, (2023, 1, 1)),
            rule("420502001001", None, 10, (2023, 1, 1)),
            rule("420502001001", Some(VolunteerActivity::ElderlyCare), 12, (2023, 1, 1)),
            rule("420502001001", None, 20, (2030, 1, 1)),
        ];
        let community = DivisionCode::parse("420502001001").unwrap();
        let other = DivisionCode::parse("420502001002").unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let r = |place, a| applicable_rule(&rules, place, day, a).map(|r| r.points_per_hour);
        assert_eq!(r(&community, VolunteerActivity::ElderlyCare), Some(12));
        assert_eq!(r(&community, VolunteerActivity::Environment), Some(10));
        assert_eq!(r(&other, VolunteerActivity::ElderlyCare), Some(6));
        let elsewhere = DivisionCode::parse("522301000000").unwrap();
        assert_eq!(r(&elsewhere, VolunteerActivity::ElderlyCare), None);
        let early = NaiveDate::from_ymd_opt(2022, 12, 31).unwrap();
        assert!(applicable_rule(&rules, &community, early, VolunteerActivity::Other).is_none());
        assert_eq!(points_of(&rules[1], 90), 15);
        assert_eq!(points_of(&rules[1], 5), 0);
    }
}

/// One ledger entry of another system, parsed: a service, or the reversal of one of the
/// source's entries (`syncVolunteerService`, `importRoster` of VOLUNTEER_SERVICE).
#[derive(Debug, Clone)]
pub struct SyncEntry {
    pub external_id: String,
    pub kind: SyncEntryKind,
}

/// What a synced entry records.
#[derive(Debug, Clone)]
pub enum SyncEntryKind {
    Service { volunteer_external_id: String, team_external_id: Option<String>, service: Service },
    Reversal { corrects_external_id: String, reason: String },
}

/// A ledger entry of another system as sent (GraphQL `VolunteerServiceSyncRecord`, or a row of
/// a VOLUNTEER_SERVICE spreadsheet), before checking.
#[derive(Debug, Clone, Default)]
pub struct SyncEntryInput {
    pub external_id: String,
    pub corrects_external_id: Option<String>,
    pub reason: Option<String>,
    pub volunteer_external_id: Option<String>,
    pub team_external_id: Option<String>,
    pub served_on: Option<NaiveDate>,
    pub minutes: Option<i32>,
    pub points: Option<i32>,
    pub activity: Option<VolunteerActivity>,
    pub description: Option<String>,
}

impl SyncEntryInput {
    /// The entry, or its problems, by field (`REQUIRED`, `INCONSISTENT` between a reversal
    /// and a service's values, and the value rules of [`ServiceInput::parse`]).
    pub fn parse(self, today: NaiveDate) -> Result<SyncEntry, Vec<FieldError>> {
        let r = self;
        let mut p = Problems::default();
        let ext = p.take(external_id("externalId", &r.external_id));
        let kind = match r.corrects_external_id {
            Some(corrects) => {
                let given = [
                    ("volunteerExternalId", r.volunteer_external_id.is_some()),
                    ("teamExternalId", r.team_external_id.is_some()),
                    ("servedOn", r.served_on.is_some()),
                    ("minutes", r.minutes.is_some()),
                    ("points", r.points.is_some()),
                    ("activity", r.activity.is_some()),
                    ("description", r.description.is_some()),
                ];
                for (field, _) in given.iter().filter(|(_, g)| *g) {
                    let msg =
                        format!("{field}: a reversal takes its values from the entry it corrects; leave {field} out");
                    p.add(FieldError::new(field, "INCONSISTENT", msg));
                }
                let corrects = p.take(external_id("correctsExternalId", &corrects));
                let reason = p.take(correction_reason(r.reason.as_deref().unwrap_or("")));
                corrects
                    .zip(reason)
                    .map(|(corrects_external_id, reason)| SyncEntryKind::Reversal { corrects_external_id, reason })
            }
            None => {
                if r.reason.is_some() {
                    p.add(FieldError::new(
                        "reason",
                        "INCONSISTENT",
                        "reason: only a reversal (correctsExternalId) has a reason",
                    ));
                }
                let volunteer = match r.volunteer_external_id {
                    Some(v) => p.take(external_id("volunteerExternalId", &v)),
                    None => {
                        p.add(FieldError::new("volunteerExternalId", "REQUIRED", "volunteerExternalId: required"));
                        None
                    }
                };
                let team = match r.team_external_id {
                    Some(t) => p.take(external_id("teamExternalId", &t)).map(Some),
                    None => Some(None),
                };
                let input = ServiceInput {
                    served_on: r.served_on,
                    minutes: r.minutes.unwrap_or(0),
                    points: r.points,
                    activity: r.activity,
                    description: r.description,
                };
                if r.minutes.is_none() {
                    p.add(FieldError::new("minutes", "REQUIRED", "minutes: required"));
                }
                let service = match input.parse(today) {
                    Ok(s) => Some(s),
                    Err(errors) => {
                        for e in errors.into_iter().filter(|e| !(r.minutes.is_none() && e.field == ["minutes"])) {
                            p.add(e);
                        }
                        None
                    }
                };
                (|| {
                    Some(SyncEntryKind::Service {
                        volunteer_external_id: volunteer?,
                        team_external_id: team?,
                        service: service?,
                    })
                })()
            }
        };
        p.finish(ext.zip(kind).map(|(external_id, kind)| SyncEntry { external_id, kind }))
    }
}
