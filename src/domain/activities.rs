//! Trainings (培训), deliberation meetings (议事协商) and awards (荣誉) as callers send them,
//! parsed once for the create and update mutations (an update lays the given fields over the
//! stored record and parses the whole again). References (stations, organisations, people) are
//! resolved by the store; here only how many were given matters.

use chrono::{Datelike, NaiveDate};
use entity::award::AwardLevel;
use entity::region::RegionLevel;
use entity::training::TrainingKind;

use super::DivisionCode;
use super::roster::{
    EARLIEST_RECORD_DATE, FieldError, MAX_NAME, MAX_TEXT, Problems, date_in_range, division, optional_text,
    required_text,
};

/// Most person-times one training or meeting may count: a large event.
pub const MAX_PARTICIPANTS: i32 = 100_000;
/// Longest outcome of a deliberation meeting, in characters.
pub const MAX_OUTCOME: usize = 500;
/// First year an award may carry: the founding of the People's Republic.
pub const EARLIEST_AWARD_YEAR: i32 = 1949;

fn required<T>(p: &mut Problems, field: &str, value: Option<T>) -> Option<T> {
    value.or_else(|| {
        p.add(FieldError::new(field, "REQUIRED", format!("{field}: required")));
        None
    })
}

fn participants(p: &mut Problems, field: &str, value: Option<i32>) -> Option<i32> {
    let v = required(p, field, value)?;
    if (1..=MAX_PARTICIPANTS).contains(&v) {
        Some(v)
    } else {
        p.add(FieldError::new(field, "OUT_OF_RANGE", format!("{field}: between 1 and {MAX_PARTICIPANTS}")));
        None
    }
}

fn held_on(p: &mut Problems, value: Option<NaiveDate>, today: NaiveDate) -> Option<NaiveDate> {
    required(p, "heldOn", value).and_then(|d| p.take(date_in_range("heldOn", d, EARLIEST_RECORD_DATE, today)))
}

/// A training as a caller sends it.
#[derive(Debug, Clone, Default)]
pub struct TrainingInput {
    pub topic: String,
    pub kind: Option<TrainingKind>,
    pub held_on: Option<NaiveDate>,
    pub person_times: Option<i32>,
    pub region_code: String,
    /// Whether a station or an organisation organised it (after the update, if one).
    pub has_organizer: bool,
    /// Named participants (social workers and volunteers) after the write.
    pub named_participants: usize,
}

/// A parsed training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRecord {
    pub topic: String,
    pub kind: TrainingKind,
    pub held_on: NaiveDate,
    pub person_times: i32,
    pub region_code: DivisionCode,
}

impl TrainingInput {
    /// Errors: every problem of the record. Topic 1-200 characters; held on a CST date from
    /// 2000-01-01 to `today`; person-times 1 to [`MAX_PARTICIPANTS`] and at least the named
    /// participants (`INCONSISTENT`); organised by a station or an organisation (`REQUIRED`
    /// on `stationId`).
    pub fn parse(&self, today: NaiveDate) -> Result<TrainingRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let topic = p.take(required_text("topic", &self.topic, MAX_TEXT));
        let kind = required(&mut p, "kind", self.kind);
        let held_on = held_on(&mut p, self.held_on, today);
        let person_times = participants(&mut p, "personTimes", self.person_times);
        if let Some(n) = person_times
            && (n as usize) < self.named_participants
        {
            let msg = format!("personTimes: fewer than the {} named participants", self.named_participants);
            p.add(FieldError::new("personTimes", "INCONSISTENT", msg));
        }
        if !self.has_organizer {
            let msg = "stationId: a training is organised by a station or an organisation (organizationId)";
            p.add(FieldError::new("stationId", "REQUIRED", msg));
        }
        let region_code = p.take(division("regionCode", &self.region_code));
        let record = (|| {
            Some(TrainingRecord {
                topic: topic?,
                kind: kind?,
                held_on: held_on?,
                person_times: person_times?,
                region_code: region_code?,
            })
        })();
        p.finish(record)
    }
}

/// A deliberation meeting as a caller sends it.
#[derive(Debug, Clone, Default)]
pub struct DeliberationInput {
    pub topic: String,
    pub held_on: Option<NaiveDate>,
    pub participants: Option<i32>,
    pub outcome: Option<String>,
    /// Default false.
    pub resolved: Option<bool>,
    pub region_code: String,
}

/// A parsed deliberation meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliberationRecord {
    pub topic: String,
    pub held_on: NaiveDate,
    pub participants: i32,
    pub outcome: Option<String>,
    pub resolved: bool,
    pub region_code: DivisionCode,
}

impl DeliberationInput {
    /// Errors: every problem of the record. Topic 1-200 characters; held on a CST date from
    /// 2000-01-01 to `today`; participants 1 to [`MAX_PARTICIPANTS`]; outcome at most
    /// [`MAX_OUTCOME`] characters; held in a community: a village-level division
    /// (`NOT_A_COMMUNITY`).
    pub fn parse(&self, today: NaiveDate) -> Result<DeliberationRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let topic = p.take(required_text("topic", &self.topic, MAX_TEXT));
        let held_on = held_on(&mut p, self.held_on, today);
        let participants = participants(&mut p, "participants", self.participants);
        let outcome = p.take(optional_text("outcome", self.outcome.as_deref(), MAX_OUTCOME));
        let region_code = p.take(division("regionCode", &self.region_code)).and_then(|c| {
            if c.level() == RegionLevel::Village {
                Some(c)
            } else {
                let msg =
                    "regionCode: a deliberation meeting is held in a community: a village-level division (村/社区)";
                p.add(FieldError::new("regionCode", "NOT_A_COMMUNITY", msg));
                None
            }
        });
        let record = (|| {
            Some(DeliberationRecord {
                topic: topic?,
                held_on: held_on?,
                participants: participants?,
                outcome: outcome?,
                resolved: self.resolved.unwrap_or(false),
                region_code: region_code?,
            })
        })();
        p.finish(record)
    }
}

/// An award as a caller sends it.
#[derive(Debug, Clone, Default)]
pub struct AwardInput {
    pub title: String,
    pub level: Option<AwardLevel>,
    pub year: Option<i32>,
    pub region_code: String,
    /// How many awardees (social worker, volunteer, organisation) are given after the write.
    pub awardees: usize,
}

/// A parsed award.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardRecord {
    pub title: String,
    pub level: AwardLevel,
    pub year: i32,
    pub region_code: DivisionCode,
}

impl AwardInput {
    /// Errors: every problem of the record. Title 1-100 characters; year from
    /// [`EARLIEST_AWARD_YEAR`] to `today`'s; exactly one awardee (`REQUIRED` on
    /// `socialWorkerId` when none, `INCONSISTENT` when several).
    pub fn parse(&self, today: NaiveDate) -> Result<AwardRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let title = p.take(required_text("title", &self.title, MAX_NAME));
        let level = required(&mut p, "level", self.level);
        let year = required(&mut p, "year", self.year).and_then(|y| {
            if (EARLIEST_AWARD_YEAR..=today.year()).contains(&y) {
                Some(y)
            } else {
                let msg = format!("year: between {EARLIEST_AWARD_YEAR} and {}", today.year());
                p.add(FieldError::new("year", "OUT_OF_RANGE", msg));
                None
            }
        });
        match self.awardees {
            1 => {}
            0 => {
                let msg = "socialWorkerId: an award names its social worker, volunteer (volunteerId) or organisation (organizationId)";
                p.add(FieldError::new("socialWorkerId", "REQUIRED", msg));
            }
            _ => {
                let msg = "socialWorkerId: an award names exactly one social worker, volunteer or organisation";
                p.add(FieldError::new("socialWorkerId", "INCONSISTENT", msg));
            }
        }
        let region_code = p.take(division("regionCode", &self.region_code));
        let record = (|| Some(AwardRecord { title: title?, level: level?, year: year?, region_code: region_code? }))();
        p.finish(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    #[test]
    fn every_rule_of_a_training_names_its_field() {
        let ok = TrainingInput {
            topic: "社会工作师考前辅导".into(),
            kind: Some(TrainingKind::PreCertification),
            held_on: NaiveDate::from_ymd_opt(2023, 5, 6),
            person_times: Some(120),
            region_code: "420502".into(),
            has_organizer: true,
            named_participants: 2,
        };
        assert!(ok.parse(today()).is_ok());
        type Change = Box<dyn Fn(&mut TrainingInput)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (Box::new(|t| t.topic = " ".into()), "topic", "REQUIRED"),
            (Box::new(|t| t.kind = None), "kind", "REQUIRED"),
            (Box::new(|t| t.held_on = NaiveDate::from_ymd_opt(2027, 1, 1)), "heldOn", "OUT_OF_RANGE"),
            (Box::new(|t| t.person_times = Some(0)), "personTimes", "OUT_OF_RANGE"),
            (Box::new(|t| t.named_participants = 121), "personTimes", "INCONSISTENT"),
            (Box::new(|t| t.has_organizer = false), "stationId", "REQUIRED"),
            (Box::new(|t| t.region_code = "42050".into()), "regionCode", "INVALID_DIVISION_CODE"),
        ];
        for (change, field, code) in cases {
            let mut t = ok.clone();
            change(&mut t);
            let errors = t.parse(today()).unwrap_err();
            assert_eq!((errors[0].field[0].as_str(), errors[0].code), (field, code), "{errors:?}");
        }
    }

    #[test]
    fn a_meeting_is_held_in_a_community() {
        let m = DeliberationInput {
            topic: "加装电梯".into(),
            held_on: NaiveDate::from_ymd_opt(2023, 5, 6),
            participants: Some(30),
            region_code: "420502001001".into(),
            ..Default::default()
        };
        assert!(m.parse(today()).is_ok());
        let street = DeliberationInput { region_code: "420502001".into(), ..m };
        assert_eq!(street.parse(today()).unwrap_err()[0].code, "NOT_A_COMMUNITY");
    }

    #[test]
    fn an_award_names_exactly_one_awardee_and_a_past_year() {
        let a = AwardInput {
            title: "最美社区工作者".into(),
            level: Some(AwardLevel::County),
            year: Some(2023),
            region_code: "420502".into(),
            awardees: 1,
        };
        assert!(a.parse(today()).is_ok());
        let none = AwardInput { awardees: 0, ..a.clone() };
        assert_eq!(none.parse(today()).unwrap_err()[0].code, "REQUIRED");
        let two = AwardInput { awardees: 2, ..a.clone() };
        assert_eq!(two.parse(today()).unwrap_err()[0].code, "INCONSISTENT");
        let future = AwardInput { year: Some(2027), ..a };
        assert_eq!(future.parse(today()).unwrap_err()[0].field[0], "year");
    }
}
