//! Records civlink owns and writes one at a time (stations, …): one parse per kind, used by
//! the create and update mutations (an update lays the given fields over the stored record
//! and parses the whole again, so a rule that ties two fields holds whichever one changes).
//!
//! Parsing is pure: whether a division exists or a referenced row is visible is checked by
//! the store. The helpers (text, phone, citizen ID, division, dates) are the roster's, so a
//! value is accepted or refused the same way on every path.

use chrono::NaiveDate;
use entity::Gender;
use entity::charity_resource::{CharityKind, MatchingLevel};
use entity::project::{FundingMode, ProjectStatus, ServiceDomain};
use entity::service_record::{ServiceMethod, ServiceType};
use entity::station::{StationLevel, StationStatus};

use super::identity::earliest_birth;
use super::roster::{
    EARLIEST_RECORD_DATE, FieldError, MAX_NAME, MAX_TEXT, Problems, citizen_id, date_in_range, division, gender,
    optional_text, phone, required_text,
};
use super::{DivisionCode, Yuan};

/// A money amount in yuan, already parsed where it entered ([`Yuan::parse`], which refuses
/// signs, so only code can build a negative one); absent is zero. Errors: `INVALID_MONEY`
/// for a negative amount, so the rule holds on every path.
pub fn money(field: &str, value: Option<Yuan>) -> Result<Yuan, FieldError> {
    match value {
        Some(y) if y.fen() < 0 => {
            Err(FieldError::new(field, "INVALID_MONEY", format!("{field}: negative amounts are not accepted")))
        }
        v => Ok(v.unwrap_or(Yuan::ZERO)),
    }
}

/// Bounds of mainland China and its islands, in degrees (WGS-84 / GCJ-02 alike at this
/// precision): latitude 3.8-53.6 N, longitude 73.4-135.1 E.
pub const LATITUDE: (f64, f64) = (3.8, 53.6);
/// See [`LATITUDE`].
pub const LONGITUDE: (f64, f64) = (73.4, 135.1);

/// Latitude and longitude, both or neither, within China. Errors: `REQUIRED` (one without
/// the other), `OUT_OF_RANGE`.
fn position(p: &mut Problems, latitude: Option<f64>, longitude: Option<f64>) {
    let check = |p: &mut Problems, field: &str, v: f64, (lo, hi): (f64, f64)| {
        if !(lo..=hi).contains(&v) {
            p.add(FieldError::new(field, "OUT_OF_RANGE", format!("{field}: between {lo} and {hi} degrees")));
        }
    };
    match (latitude, longitude) {
        (None, None) => {}
        (Some(lat), Some(lon)) => {
            check(p, "latitude", lat, LATITUDE);
            check(p, "longitude", lon, LONGITUDE);
        }
        (Some(_), None) => p.add(FieldError::new("longitude", "REQUIRED", "longitude: required with latitude")),
        (None, Some(_)) => p.add(FieldError::new("latitude", "REQUIRED", "latitude: required with longitude")),
    }
}

/// A station as a caller sends it.
#[derive(Debug, Clone, Default)]
pub struct StationInput {
    pub name: String,
    pub level: Option<StationLevel>,
    /// Default `PLANNED`.
    pub status: Option<StationStatus>,
    /// Default false.
    pub in_full_service: Option<bool>,
    pub region_code: String,
    pub opened_on: Option<NaiveDate>,
    /// Default zero. Parsed where it enters ([`Yuan::parse`], the GraphQL `Yuan` scalar).
    pub investment: Option<Yuan>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A parsed station.
#[derive(Debug, Clone, PartialEq)]
pub struct StationRecord {
    pub name: String,
    pub level: StationLevel,
    pub status: StationStatus,
    pub in_full_service: bool,
    pub region_code: DivisionCode,
    pub opened_on: Option<NaiveDate>,
    pub investment: Yuan,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl StationInput {
    /// Errors: every problem of the record. Only an `OPERATING` station is in full service
    /// (`INCONSISTENT`); opened 2000-01-01 to `today`; investment ≥ 0 yuan; coordinates both or neither, within China.
    pub fn parse(&self, today: NaiveDate) -> Result<StationRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", &self.name, MAX_NAME));
        let level = required(&mut p, "level", self.level);
        let status = self.status.unwrap_or(StationStatus::Planned);
        let in_full_service = self.in_full_service.unwrap_or(false);
        if in_full_service && status != StationStatus::Operating {
            let msg = "inFullService: only an OPERATING station is in full service";
            p.add(FieldError::new("inFullService", "INCONSISTENT", msg));
        }
        let region_code = p.take(division("regionCode", &self.region_code));
        let opened_on = match self.opened_on {
            None => Some(None),
            Some(d) => p.take(date_in_range("openedOn", d, EARLIEST_RECORD_DATE, today)).map(Some),
        };
        let investment = p.take(money("investment", self.investment));
        let address = p.take(optional_text("address", self.address.as_deref(), MAX_TEXT));
        position(&mut p, self.latitude, self.longitude);
        let record = (|| {
            Some(StationRecord {
                name: name?,
                level: level?,
                status,
                in_full_service,
                region_code: region_code?,
                opened_on: opened_on?,
                investment: investment?,
                address: address?,
                latitude: self.latitude,
                longitude: self.longitude,
            })
        })();
        p.finish(record)
    }
}

// ---------------------------------------------------------------------------------------------

/// A client (服务对象) as a caller sends it. Every identity field is sensitive (PIPL).
#[derive(Debug, Clone, Default)]
pub struct ClientInput {
    pub name: String,
    pub id_number: Option<String>,
    /// Default: the citizen ID number's.
    pub birth_date: Option<NaiveDate>,
    /// Default: the citizen ID number's (odd sequence = male), else `UNKNOWN`.
    pub gender: Option<Gender>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub region_code: String,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
}

/// A parsed client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub name: String,
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub gender: Gender,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub region_code: DivisionCode,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
}

impl ClientInput {
    /// Errors: every problem of the record. The ID number is a GB 11643-1999 citizen ID; a
    /// birth date lies between 1900-01-01 and `today` and, with an ID number, is the one the
    /// number encodes (`INCONSISTENT`); phones are mainland mobile or landline numbers.
    pub fn parse(&self, today: NaiveDate) -> Result<ClientRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", &self.name, MAX_NAME));
        let citizen = p.take(citizen_id("idNumber", self.id_number.as_deref(), today));
        let encoded = citizen.as_ref().and_then(|c| c.as_ref().map(|c| c.birth_date()));
        let birth_date = match (self.birth_date, encoded) {
            (Some(d), Some(encoded)) if d != encoded => {
                // The message names the rule, never the encoded date: on an update the ID
                // number may be the stored one, which the caller sees masked (issue 21).
                let msg = "birthDate: not the birth date the ID number encodes (GB 11643-1999, digits 7-14)";
                p.add(FieldError::new("birthDate", "INCONSISTENT", msg));
                None
            }
            (Some(d), _) => p.take(date_in_range("birthDate", d, earliest_birth(), today)).map(Some),
            (None, e) => Some(e),
        };
        let phone_ = p.take(phone("phone", self.phone.as_deref()));
        let address = p.take(optional_text("address", self.address.as_deref(), MAX_TEXT));
        let region_code = p.take(division("regionCode", &self.region_code));
        let guardian_name = p.take(optional_text("guardianName", self.guardian_name.as_deref(), MAX_NAME));
        let guardian_phone = p.take(phone("guardianPhone", self.guardian_phone.as_deref()));
        let gender_ = p.take(gender(self.gender, citizen.as_ref().and_then(Option::as_ref)));
        let record = (|| {
            let citizen = citizen?;
            Some(ClientRecord {
                name: name?,
                gender: gender_?,
                id_number: citizen.map(|c| c.as_str().to_owned()),
                birth_date: birth_date?,
                phone: phone_?,
                address: address?,
                region_code: region_code?,
                guardian_name: guardian_name?,
                guardian_phone: guardian_phone?,
            })
        })();
        p.finish(record)
    }
}

// ---------------------------------------------------------------------------------------------

/// Most person-times (服务人次) one service record may count: a large community event.
pub const MAX_PERSON_TIMES: i32 = 100_000;

/// A service record as a caller sends it (its station, worker, client and project are
/// references, resolved by the store).
#[derive(Debug, Clone, Default)]
pub struct ServiceRecordInput {
    pub served_on: Option<NaiveDate>,
    pub service_type: Option<ServiceType>,
    pub method: Option<ServiceMethod>,
    /// Default 1.
    pub person_times: Option<i32>,
    pub activity_name: Option<String>,
    /// Whether the record names a client.
    pub has_client: bool,
}

/// A parsed service record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecordValues {
    pub served_on: NaiveDate,
    pub service_type: ServiceType,
    pub method: ServiceMethod,
    pub person_times: i32,
    pub activity_name: Option<String>,
}

/// `value`, or `REQUIRED` on `field`.
fn required<T>(p: &mut Problems, field: &str, value: Option<T>) -> Option<T> {
    value.or_else(|| {
        p.add(FieldError::new(field, "REQUIRED", format!("{field}: required")));
        None
    })
}

impl ServiceRecordInput {
    /// Errors: every problem of the record. Served on a CST date from 2000-01-01 to `today`;
    /// person-times 1 to [`MAX_PERSON_TIMES`]; casework (CASEWORK) serves a client
    /// (`clientId` `REQUIRED`).
    pub fn parse(&self, today: NaiveDate) -> Result<ServiceRecordValues, Vec<FieldError>> {
        let mut p = Problems::default();
        let served_on = required(&mut p, "servedOn", self.served_on)
            .and_then(|d| p.take(date_in_range("servedOn", d, EARLIEST_RECORD_DATE, today)));
        let service_type = required(&mut p, "serviceType", self.service_type);
        let method = required(&mut p, "method", self.method);
        if method == Some(ServiceMethod::Casework) && !self.has_client {
            p.add(FieldError::new("clientId", "REQUIRED", "clientId: casework serves a client"));
        }
        let person_times = self.person_times.unwrap_or(1);
        if !(1..=MAX_PERSON_TIMES).contains(&person_times) {
            let msg = format!("personTimes: between 1 and {MAX_PERSON_TIMES}");
            p.add(FieldError::new("personTimes", "OUT_OF_RANGE", msg));
        }
        let activity_name = p.take(optional_text("activityName", self.activity_name.as_deref(), MAX_NAME));
        let record = (|| {
            Some(ServiceRecordValues {
                served_on: served_on?,
                service_type: service_type?,
                method: method?,
                person_times,
                activity_name: activity_name?,
            })
        })();
        p.finish(record)
    }
}

// ---------------------------------------------------------------------------------------------

/// How far ahead a project may be planned to start: 5 years after today.
pub const PROJECT_PLANNING_YEARS: u32 = 5;

/// A project as a caller sends it.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub name: String,
    pub funding_mode: Option<FundingMode>,
    /// Default `PLANNED`.
    pub status: Option<ProjectStatus>,
    /// Default zero. Parsed where it enters ([`Yuan::parse`], the GraphQL `Yuan` scalar).
    pub budget: Option<Yuan>,
    /// Default zero.
    pub funds_raised: Option<Yuan>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub region_code: String,
    /// People the project reports reaching, 0 to [`MAX_BENEFICIARIES`].
    pub beneficiaries: Option<i32>,
    pub service_domain: Option<ServiceDomain>,
}

/// Most beneficiaries one project may report: the population of a large prefecture.
pub const MAX_BENEFICIARIES: i32 = 20_000_000;

/// A parsed project.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    pub name: String,
    pub funding_mode: FundingMode,
    pub status: ProjectStatus,
    pub budget: Yuan,
    pub funds_raised: Yuan,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub region_code: DivisionCode,
    pub beneficiaries: Option<i32>,
    pub service_domain: Option<ServiceDomain>,
}

impl ProjectInput {
    /// Errors: every problem of the record. Budget and funds raised ≥ 0 yuan; starts 2000-01-01 to [`PROJECT_PLANNING_YEARS`] after `today`; ends on or
    /// after its start (`INCONSISTENT`); beneficiaries 0 to [`MAX_BENEFICIARIES`]
    /// (`OUT_OF_RANGE`).
    pub fn parse(&self, today: NaiveDate) -> Result<ProjectRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", &self.name, MAX_NAME));
        let funding_mode = required(&mut p, "fundingMode", self.funding_mode);
        let status = self.status.unwrap_or(ProjectStatus::Planned);
        let budget = p.take(money("budget", self.budget));
        let funds_raised = p.take(money("fundsRaised", self.funds_raised));
        let latest = today.checked_add_months(chrono::Months::new(12 * PROJECT_PLANNING_YEARS)).unwrap_or(today);
        let starts_on = required(&mut p, "startsOn", self.starts_on)
            .and_then(|d| p.take(date_in_range("startsOn", d, EARLIEST_RECORD_DATE, latest)));
        if let (Some(start), Some(end)) = (starts_on, self.ends_on)
            && end < start
        {
            p.add(FieldError::new("endsOn", "INCONSISTENT", format!("endsOn: before startsOn ({start})")));
        }
        let region_code = p.take(division("regionCode", &self.region_code));
        if let Some(n) = self.beneficiaries
            && !(0..=MAX_BENEFICIARIES).contains(&n)
        {
            let msg = format!("beneficiaries: between 0 and {MAX_BENEFICIARIES}");
            p.add(FieldError::new("beneficiaries", "OUT_OF_RANGE", msg));
        }
        let record = (|| {
            Some(ProjectRecord {
                name: name?,
                funding_mode: funding_mode?,
                status,
                budget: budget?,
                funds_raised: funds_raised?,
                starts_on: starts_on?,
                ends_on: self.ends_on,
                region_code: region_code?,
                beneficiaries: self.beneficiaries,
                service_domain: self.service_domain,
            })
        })();
        p.finish(record)
    }
}

// ---------------------------------------------------------------------------------------------

/// A charity resource (慈善资源) as a caller sends it (its station is a reference, resolved
/// by the store).
#[derive(Debug, Clone, Default)]
pub struct CharityResourceInput {
    pub description: String,
    pub kind: Option<CharityKind>,
    pub donor_name: Option<String>,
    /// Default zero. Parsed where it enters ([`Yuan::parse`], the GraphQL `Yuan` scalar).
    pub value: Option<Yuan>,
    /// Only for `MATCHED_DONATION`, which needs it.
    pub matching_level: Option<MatchingLevel>,
    /// Default false.
    pub is_community_fund: Option<bool>,
    pub region_code: String,
    pub received_on: Option<NaiveDate>,
}

/// A parsed charity resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharityResourceRecord {
    pub description: String,
    pub kind: CharityKind,
    pub donor_name: Option<String>,
    pub value: Yuan,
    pub matching_level: Option<MatchingLevel>,
    pub is_community_fund: bool,
    pub region_code: DivisionCode,
    pub received_on: NaiveDate,
}

impl CharityResourceInput {
    /// Errors: every problem of the record. Description 1-200 characters; value ≥ 0 yuan; a
    /// `MATCHED_DONATION` names the level that matched it (`REQUIRED`)
    /// and other kinds name none (`INCONSISTENT`); received on a CST date from 2000-01-01 to
    /// `today`.
    pub fn parse(&self, today: NaiveDate) -> Result<CharityResourceRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let description = p.take(required_text("description", &self.description, MAX_TEXT));
        let kind = required(&mut p, "kind", self.kind);
        let donor_name = p.take(optional_text("donorName", self.donor_name.as_deref(), MAX_NAME));
        let value = p.take(money("value", self.value));
        match (kind, self.matching_level) {
            (Some(CharityKind::MatchedDonation), None) => {
                let msg = "matchingLevel: required for a MATCHED_DONATION";
                p.add(FieldError::new("matchingLevel", "REQUIRED", msg));
            }
            (Some(k), Some(_)) if k != CharityKind::MatchedDonation => {
                let msg = "matchingLevel: only a MATCHED_DONATION has a matching level";
                p.add(FieldError::new("matchingLevel", "INCONSISTENT", msg));
            }
            _ => {}
        }
        let region_code = p.take(division("regionCode", &self.region_code));
        let received_on = required(&mut p, "receivedOn", self.received_on)
            .and_then(|d| p.take(date_in_range("receivedOn", d, EARLIEST_RECORD_DATE, today)));
        let record = (|| {
            Some(CharityResourceRecord {
                description: description?,
                kind: kind?,
                donor_name: donor_name?,
                value: value?,
                matching_level: self.matching_level,
                is_community_fund: self.is_community_fund.unwrap_or(false),
                region_code: region_code?,
                received_on: received_on?,
            })
        })();
        p.finish(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn money_absent_is_zero_and_negative_is_refused() {
        assert_eq!(money("value", None), Ok(Yuan::ZERO));
        assert_eq!(money("value", Some(Yuan::from_fen(1990))).map(|y| y.fen()), Ok(1990));
        assert_eq!(money("value", Some(Yuan::from_fen(-1))).unwrap_err().code, "INVALID_MONEY");
    }

    #[test]
    fn a_birth_date_that_contradicts_the_id_number_is_refused_without_naming_the_encoded_date() {
        // Issue 21: the message said "the ID number gives 2014-07-19" of a stored number.
        let client = ClientInput {
            name: "王小明".into(),
            id_number: Some("11010519491231002X".into()),
            birth_date: NaiveDate::from_ymd_opt(2000, 1, 1),
            region_code: "522301".into(),
            ..Default::default()
        };
        let errors = client.parse(today()).unwrap_err();
        assert_eq!((errors[0].field[0].as_str(), errors[0].code), ("birthDate", "INCONSISTENT"));
        for leak in ["1949", "12-31", "1231"] {
            assert!(!errors[0].message.contains(leak), "{}", errors[0].message);
        }
    }

    fn station() -> StationInput {
        StationInput {
            name: " 兴义市桔山街道社工站 ".into(),
            level: Some(StationLevel::TownshipStation),
            status: Some(StationStatus::Operating),
            in_full_service: Some(true),
            region_code: "522301001".into(),
            opened_on: NaiveDate::from_ymd_opt(2021, 3, 1),
            investment: Some(Yuan::from_fen(12_000_050)),
            latitude: Some(25.09),
            longitude: Some(104.9),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_station_is_normalised() {
        let r = station().parse(today()).unwrap();
        assert_eq!(r.name, "兴义市桔山街道社工站");
        assert_eq!(r.investment.fen(), 12_000_050);
        assert_eq!(r.region_code.as_str(), "522301001000");
    }

    #[test]
    fn every_rule_of_a_station_names_its_field() {
        type Change = Box<dyn Fn(&mut StationInput)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (Box::new(|s| s.name = "  ".into()), "name", "REQUIRED"),
            (Box::new(|s| s.level = None), "level", "REQUIRED"),
            (Box::new(|s| s.status = Some(StationStatus::Planned)), "inFullService", "INCONSISTENT"),
            (Box::new(|s| s.region_code = "5223011".into()), "regionCode", "INVALID_DIVISION_CODE"),
            (Box::new(|s| s.opened_on = NaiveDate::from_ymd_opt(2026, 11, 30)), "openedOn", "OUT_OF_RANGE"),
            (Box::new(|s| s.opened_on = NaiveDate::from_ymd_opt(1999, 12, 31)), "openedOn", "OUT_OF_RANGE"),
            (Box::new(|s| s.investment = Some(Yuan::from_fen(-1))), "investment", "INVALID_MONEY"),
            (Box::new(|s| s.latitude = Some(60.0)), "latitude", "OUT_OF_RANGE"),
            (Box::new(|s| s.longitude = None), "longitude", "REQUIRED"),
        ];
        for (change, field, code) in cases {
            let mut s = station();
            change(&mut s);
            let errors = s.parse(today()).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!((errors[0].field[0].as_str(), errors[0].code), (field, code), "{errors:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// A coverage target (覆盖目标) as a caller sends it: the township coverage a division means to
/// reach by a day.
#[derive(Debug, Clone, Default)]
pub struct CoverageTargetInput {
    pub region_code: String,
    /// Target rate as a fraction, 0.01 to 1 in whole percents (`1` for full coverage).
    pub rate: f64,
    pub due_on: Option<NaiveDate>,
    /// Default today.
    pub announced_on: Option<NaiveDate>,
    pub document: Option<String>,
}

/// A parsed coverage target.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageTargetRecord {
    pub region_code: DivisionCode,
    /// 1-100.
    pub rate_percent: i32,
    pub due_on: NaiveDate,
    pub announced_on: NaiveDate,
    pub document: Option<String>,
}

/// The latest day a target may be due: plans reach a decade or two ahead.
pub const TARGET_YEARS_AHEAD: u32 = 30;

impl CoverageTargetInput {
    /// Errors: `OUT_OF_RANGE` for a rate that is not a whole percent from 1 % to 100 %, an
    /// announcement after `today` or before 2000, a due day more than [`TARGET_YEARS_AHEAD`]
    /// years after `today`; `INCONSISTENT` for a due day before the announcement;
    /// `NOT_COUNTY_OR_ABOVE` for a township or village; the rules of division codes and text.
    pub fn parse(&self, today: NaiveDate) -> Result<CoverageTargetRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let region_code = p.take(division("regionCode", &self.region_code));
        // Township coverage is a figure of divisions with townships below them.
        if let Some(code) = &region_code
            && code.significant().len() > 6
        {
            let msg =
                "regionCode: township coverage is of a county, prefecture or province, not of a township or village";
            p.add(FieldError::new("regionCode", "NOT_COUNTY_OR_ABOVE", msg));
        }
        let percent = self.rate * 100.0;
        let rate_percent = if percent.is_finite()
            && (percent - percent.round()).abs() < 1e-6
            && (1.0..=100.0).contains(&percent.round())
        {
            Some(percent.round() as i32)
        } else {
            p.add(FieldError::new("rate", "OUT_OF_RANGE", "rate: a whole percent from 0.01 to 1"));
            None
        };
        let announced_on =
            p.take(date_in_range("announcedOn", self.announced_on.unwrap_or(today), EARLIEST_RECORD_DATE, today));
        let latest = today.checked_add_months(chrono::Months::new(12 * TARGET_YEARS_AHEAD)).unwrap_or(today);
        let due_on = match self.due_on {
            Some(d) => p.take(date_in_range("dueOn", d, EARLIEST_RECORD_DATE, latest)),
            None => {
                p.add(FieldError::new("dueOn", "REQUIRED", "dueOn: required"));
                None
            }
        };
        if let (Some(a), Some(d)) = (announced_on, due_on)
            && d < a
        {
            p.add(FieldError::new("dueOn", "INCONSISTENT", format!("dueOn: before announcedOn ({a})")));
        }
        let document = p.take(optional_text("document", self.document.as_deref(), MAX_TEXT));
        let record = (|| {
            Some(CoverageTargetRecord {
                region_code: region_code?,
                rate_percent: rate_percent?,
                due_on: due_on?,
                announced_on: announced_on?,
                document: document?,
            })
        })();
        p.finish(record)
    }
}
