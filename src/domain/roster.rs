//! Roster records from other systems (the national volunteer system, county HR sheets,
//! agency systems): one parse per kind, shared by the GraphQL sync mutations and the
//! spreadsheet importer, so a value is accepted or refused the same way on every path.
//!
//! A raw record holds what the caller sent (trimmed strings, optional fields); `parse` turns it
//! into a typed record or the list of every problem found, each naming its field. Parsing is
//! pure: whether a division code exists or a team external id is known is checked by the
//! store, against the database.

use chrono::{Datelike, NaiveDate};
use entity::Gender;
use entity::organization::OrganizationKind;
use entity::social_worker::CertificateLevel;
use entity::volunteer::IdDocumentType;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::{CitizenId, CreditCode, DivisionCode, DomainError, Phone};

/// Longest external id accepted, in characters.
pub const MAX_EXTERNAL_ID: usize = 64;
/// Longest name accepted, in characters.
pub const MAX_NAME: usize = 100;
/// Most skills one volunteer may list (a repeated skill is kept once).
pub const MAX_SKILLS: usize = 30;
/// Longest other free text (numbers, skills, contact names), in characters.
pub const MAX_TEXT: usize = 200;

/// A problem with one field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `["records", "3", "idNumber"]` once placed in a batch.
    pub field: Vec<String>,
    pub message: String,
    /// Stable code: `REQUIRED`, `TOO_LONG`, `OUT_OF_RANGE`, `INVALID_CITIZEN_ID`, …
    pub code: &'static str,
    /// The existing record the problem is about (`DUPLICATE_PERSON`: the record holding the
    /// citizen ID number), when the caller may read it.
    pub existing: Option<ExistingRecord>,
    /// The existing record the problem is about when the caller may **not** read it: never
    /// shown to the caller, but the refusal told it that the number is held, so the store
    /// writes an audit row naming the record ([`crate::store::audit::duplicate_checks`]).
    pub unreadable: Option<ExistingRecord>,
}

/// A stored record named by a problem: its type (the GraphQL type name) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingRecord {
    pub type_name: &'static str,
    pub id: uuid::Uuid,
}

impl FieldError {
    pub fn new(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        FieldError { field: vec![field.to_owned()], message: message.into(), code, existing: None, unreadable: None }
    }

    /// A domain rule's failure on `field`, with the rule's own code.
    pub fn domain(field: &str, e: DomainError) -> Self {
        FieldError::new(field, e.code(), format!("{field}: {}", e.message()))
    }
}

/// Whether a rule that other systems break in practice is enforced or only warned about.
/// GB 32100 credit codes of early pilots fail their check digit yet are legal (DOMAIN.md):
/// the API rejects them, imports from other systems warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    Reject,
    Warn,
}

/// Collects the errors of one record while parsing its fields.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Records one problem.
    pub fn add(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// The value, or `None` with its problem recorded.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.add(e)).ok()
    }

    /// The problems recorded.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.0
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The record when it was built and no problem was recorded, else every problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            _ => Err(self.0),
        }
    }
}

/// Trimmed, NFKC-normalised, non-empty text of at most `max` characters (names are stored
/// NFKC-normalised, README "Text matching").
///
/// Invisible characters (Unicode format characters, category Cf: zero-width space, byte-order
/// mark, …) are trimmed from both ends like white space, so text made only of them is empty.
/// Bidirectional controls (UAX #9 explicit embeddings, overrides and isolates) are refused
/// anywhere: they make the stored text display differently from its characters' order
/// ("Trojan Source", CVE-2021-42574).
///
/// Errors: `REQUIRED` (empty), `TOO_LONG`, `INVALID_TEXT` (control or bidirectional control
/// characters).
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if value.chars().any(is_bidi_control) {
        // Checked before trimming: a control at either end is refused, not silently dropped.
        return Err(FieldError::new(
            field,
            "INVALID_TEXT",
            format!("{field}: contains bidirectional control characters (U+202A-U+202E, U+2066-U+2069)"),
        ));
    }
    let invisible = |c: char| c.is_whitespace() || c.general_category() == GeneralCategory::Format;
    let v: String = value.trim_matches(invisible).nfkc().collect();
    let v = v.trim_matches(invisible);
    if v.is_empty() {
        return Err(FieldError::new(field, "REQUIRED", format!("{field}: must not be empty")));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(field, "TOO_LONG", format!("{field}: at most {max} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(field, "INVALID_TEXT", format!("{field}: contains control characters")));
    }
    Ok(v.to_owned())
}

/// UAX #9's explicit directional embeddings, overrides and isolates, and their terminators.
fn is_bidi_control(c: char) -> bool {
    use unicode_bidi::BidiClass::{FSI, LRE, LRI, LRO, PDF, PDI, RLE, RLI, RLO};
    matches!(unicode_bidi::bidi_class(c), LRE | RLE | LRO | RLO | PDF | LRI | RLI | FSI | PDI)
}

/// Like [`required_text`] for an optional field: absent or blank is `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => match required_text(field, v, max) {
            Err(e) if e.code == "REQUIRED" => Ok(None),
            other => other.map(Some),
        },
    }
}

/// Longest reveal reason accepted, in characters.
pub const MAX_REASON: usize = 500;

/// Fewest letters or digits a reveal reason must contain: [`reveal_reason`].
pub const MIN_REASON_WORD_CHARS: usize = 2;

/// The reason given for revealing personal data in clear (`identity(reason:)`): trimmed,
/// NFKC-normalised text of at most [`MAX_REASON`] characters with at least
/// [`MIN_REASON_WORD_CHARS`] letters or digits (Unicode general categories L* and N*), so a
/// reason is words a reviewer of the audit log can read (PIPL art. 51: reveals are
/// accountable). Text made only of white space, punctuation, symbols or invisible
/// characters (zero-width spaces and joiners, the byte-order mark, other format characters)
/// is no reason: one letter or digit is not either (`"."`, `"1"`, `"x"`).
///
/// Bidirectional controls and other control characters are refused anywhere, as in
/// [`required_text`] ("Trojan Source", CVE-2021-42574).
///
/// Errors: `REQUIRED` (fewer than [`MIN_REASON_WORD_CHARS`] letters or digits), `TOO_LONG`,
/// `INVALID_TEXT`; the field is `reason`.
pub fn reveal_reason(value: &str) -> Result<String, FieldError> {
    let text = required_text("reason", value, MAX_REASON)
        .map_err(|e| if e.code == "REQUIRED" { reason_required() } else { e })?;
    let words = text.chars().filter(|c| is_letter_or_digit(*c)).count();
    if words < MIN_REASON_WORD_CHARS {
        return Err(reason_required());
    }
    Ok(text)
}

fn reason_required() -> FieldError {
    FieldError::new(
        "reason",
        "REQUIRED",
        format!(
            "reason: a reveal needs a reason in words (at least {MIN_REASON_WORD_CHARS} letters or digits), \
             e.g. \"home visit follow-up\""
        ),
    )
}

/// Whether `c` is a letter or a digit: Unicode general category L* (letters, including Han
/// ideographs) or N* (digits and other numbers).
fn is_letter_or_digit(c: char) -> bool {
    use GeneralCategory as G;
    matches!(
        c.general_category(),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
    )
}

/// Earliest date accepted on the records of the station network (opened, served, received,
/// assigned, …): 2000-01-01. The first social-work stations date from the 2000s; earlier
/// dates are typing mistakes.
pub const EARLIEST_RECORD_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("2000-01-01 is a date"),
};

/// `date` when it lies in `[earliest, latest]`. Errors: `OUT_OF_RANGE` naming both ends.
pub fn date_in_range(
    field: &str,
    date: NaiveDate,
    earliest: NaiveDate,
    latest: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    if (earliest..=latest).contains(&date) {
        Ok(date)
    } else {
        Err(FieldError::new(field, "OUT_OF_RANGE", format!("{field}: between {earliest} and {latest}")))
    }
}

fn external_id(value: &str) -> Result<String, FieldError> {
    required_text("externalId", value, MAX_EXTERNAL_ID)
}

/// Whether a record is keyed by another system's id (sync, import) or owned by civlink (the
/// single mutations: no external id, the record's `external_id` is left empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyed {
    External,
    Owned,
}

fn key(keyed: Keyed, value: &str) -> Result<String, FieldError> {
    match keyed {
        Keyed::External => external_id(value),
        Keyed::Owned => Ok(String::new()),
    }
}

/// A 12-digit (or shorter, padded) division code; whether it exists is the store's check.
pub fn division(field: &str, value: &str) -> Result<DivisionCode, FieldError> {
    DivisionCode::parse(value).map_err(|e| FieldError::domain(field, e))
}

/// An optional mainland mobile or landline number, in its normalised form.
pub fn phone(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Phone::parse(v).map(|p| Some(p.as_str().to_owned())).map_err(|e| FieldError::domain(field, e)),
    }
}

/// An optional GB 11643-1999 citizen ID number (check character, real birth date not after
/// `today`).
pub fn citizen_id(field: &str, value: Option<&str>, today: NaiveDate) -> Result<Option<CitizenId>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => CitizenId::parse(v, today).map(Some).map_err(|e| FieldError::domain(field, e)),
    }
}

/// The gender given, else the one a citizen ID number encodes, else `UNKNOWN`. GB 11643-1999
/// assigns odd sequence codes (digits 15-17) to men and even ones to women (DOMAIN.md).
///
/// Errors: `INCONSISTENT` when a given `MALE` or `FEMALE` contradicts the ID number (one of
/// them is mistyped). `UNKNOWN` contradicts nothing.
pub fn gender(given: Option<Gender>, id: Option<&CitizenId>) -> Result<Gender, FieldError> {
    let encoded = id.map(|id| if id.is_male() { Gender::Male } else { Gender::Female });
    match (given, encoded) {
        (Some(g @ (Gender::Male | Gender::Female)), Some(e)) if g != e => {
            // Names the rule, never the gender the number encodes: on an update the ID number
            // may be the stored one, which the caller sees masked (issue 21).
            let msg = "gender: contradicts the ID number's sequence code (GB 11643-1999: odd for men, even for women)";
            Err(FieldError::new("gender", "INCONSISTENT", msg))
        }
        (Some(g), _) => Ok(g),
        (None, e) => Ok(e.unwrap_or(Gender::Unknown)),
    }
}

/// Lays an update's birth date and gender over a stored person whose citizen ID number
/// (GB 11643-1999) encodes both, so that no answer depends on the stored number, which every
/// caller sees masked (issue 21: `updateClient(birthDate:)` answered with the date the stored
/// number gives, and its `INCONSISTENT` alone told a guess from the right date).
///
/// `sent` says which input fields (API names) the update sends; `new_id` whether the record
/// has a citizen ID number once the sent fields are laid over the stored ones; `stored_id`
/// whether the stored record has one. `birth_date` (clients only) and `gender` hold the
/// stored values with the sent ones laid over them, and are changed in place:
///
/// - `idNumber` sent with a value: a birth date or gender not sent is derived from the new
///   number again (set to `None`), never compared with it;
/// - `idNumber` not sent while one is stored: a sent birth date, or a sent `MALE` or `FEMALE`,
///   is refused whatever its value (comparing it with the stored number is a guessing
///   oracle); `null` and `UNKNOWN` contradict nothing and pass. To change them, send the ID
///   number with them: then both values are the caller's own and are compared as on create.
///
/// Errors: `INCONSISTENT` on `birthDate` and on `gender`.
pub fn lay_over_citizen_id(
    sent: &dyn Fn(&str) -> bool,
    new_id: bool,
    stored_id: bool,
    birth_date: Option<&mut Option<NaiveDate>>,
    gender: &mut Option<Gender>,
) -> Result<(), Vec<FieldError>> {
    let mut problems = Vec::new();
    if sent("idNumber") {
        if new_id {
            if !sent("gender") {
                *gender = None;
            }
            if let Some(b) = birth_date
                && !sent("birthDate")
            {
                *b = None;
            }
        }
        return Ok(());
    }
    if !stored_id {
        return Ok(());
    }
    if let Some(b) = birth_date
        && sent("birthDate")
        && b.is_some()
    {
        let msg = "birthDate: the stored ID number gives the birth date; send idNumber with a new birth date";
        problems.push(FieldError::new("birthDate", "INCONSISTENT", msg));
    }
    if sent("gender") && matches!(gender, Some(Gender::Male | Gender::Female)) {
        let msg = "gender: the stored ID number gives the gender (GB 11643-1999 sequence code); send idNumber \
                   with a new gender";
        problems.push(FieldError::new("gender", "INCONSISTENT", msg));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

// ---------------------------------------------------------------------------------------------

/// A volunteer as another system sends it.
#[derive(Debug, Clone, Default)]
pub struct VolunteerInput {
    pub external_id: String,
    pub name: String,
    pub gender: Option<Gender>,
    /// Default `RESIDENT_ID` when an ID number is given.
    pub id_document_type: Option<IdDocumentType>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub volunteer_number: Option<String>,
    pub skills: Vec<String>,
    pub region_code: String,
    /// External ids (same source) of the teams the volunteer is a member of; `None` leaves
    /// memberships as they are.
    pub team_external_ids: Option<Vec<String>>,
}

/// A parsed volunteer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerRecord {
    pub external_id: String,
    pub name: String,
    pub gender: Gender,
    pub id_document_type: IdDocumentType,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub volunteer_number: Option<String>,
    /// Skills joined by `;` (the stored form).
    pub skills: Option<String>,
    pub region_code: DivisionCode,
    pub team_external_ids: Option<Vec<String>>,
}

impl VolunteerInput {
    /// Errors: every problem of the record (a citizen ID is checked per GB 11643-1999 when the
    /// document type is `RESIDENT_ID`; other documents: 1-32 letters and digits).
    pub fn parse(&self, today: NaiveDate) -> Result<VolunteerRecord, Vec<FieldError>> {
        self.parse_keyed(today, Keyed::External)
    }

    /// Like [`Self::parse`] for a record civlink owns (single mutations): the external id is
    /// not read and the record's `external_id` is empty.
    pub fn parse_owned(&self, today: NaiveDate) -> Result<VolunteerRecord, Vec<FieldError>> {
        self.parse_keyed(today, Keyed::Owned)
    }

    fn parse_keyed(&self, today: NaiveDate, keyed: Keyed) -> Result<VolunteerRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let external_id = p.take(key(keyed, &self.external_id));
        let name = p.take(required_text("name", &self.name, MAX_NAME));
        let doc = self.id_document_type.unwrap_or(IdDocumentType::ResidentId);
        let (id_number, citizen) = match doc {
            IdDocumentType::ResidentId => {
                let id = p.take(citizen_id("idNumber", self.id_number.as_deref(), today)).flatten();
                (id.as_ref().map(|i| i.as_str().to_owned()), id)
            }
            _ => {
                let v = p.take(optional_text("idNumber", self.id_number.as_deref(), 32)).flatten();
                if let Some(v) = &v
                    && !v.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    p.add(FieldError::new("idNumber", "INVALID_ID_NUMBER", "idNumber: letters and digits only"));
                }
                (v.map(|v| v.to_ascii_uppercase()), None)
            }
        };
        let phone = p.take(phone("phone", self.phone.as_deref()));
        let volunteer_number = p.take(optional_text("volunteerNumber", self.volunteer_number.as_deref(), 64));
        let mut skills: Vec<String> = Vec::new();
        if self.skills.len() > MAX_SKILLS {
            let msg = format!("skills: at most {MAX_SKILLS} skills, got {}", self.skills.len());
            p.add(FieldError::new("skills", "TOO_MANY", msg));
        }
        for s in self.skills.iter().take(MAX_SKILLS) {
            // Each entry is a skill: a blank one is a mistake, not an absent value.
            if let Some(s) = p.take(required_text("skills", s, 50)) {
                if s.contains(';') {
                    p.add(FieldError::new("skills", "INVALID_TEXT", "skills: a skill may not contain `;`"));
                }
                if !skills.contains(&s) {
                    skills.push(s);
                }
            }
        }
        let region_code = p.take(division("regionCode", &self.region_code));
        let mut teams = None;
        if let Some(ids) = &self.team_external_ids {
            let mut out = Vec::new();
            for t in ids {
                if let Some(t) = p.take(required_text("teamExternalIds", t, MAX_EXTERNAL_ID))
                    && !out.contains(&t)
                {
                    out.push(t);
                }
            }
            out.sort();
            teams = Some(out);
        }
        let gender_ = p.take(gender(self.gender, citizen.as_ref()));
        let record = (|| {
            Some(VolunteerRecord {
                external_id: external_id?,
                name: name?,
                gender: gender_?,
                id_document_type: doc,
                id_number,
                phone: phone?,
                volunteer_number: volunteer_number?,
                skills: (!skills.is_empty()).then(|| skills.join(";")),
                region_code: region_code?,
                team_external_ids: teams,
            })
        })();
        p.finish(record)
    }
}

// ---------------------------------------------------------------------------------------------

/// A social worker as another system sends it.
#[derive(Debug, Clone, Default)]
pub struct SocialWorkerInput {
    pub external_id: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    /// Default `NONE`.
    pub certificate_level: Option<CertificateLevel>,
    pub certificate_number: Option<String>,
    pub certificate_year: Option<i32>,
    /// External id (same source) of the employing organisation.
    pub employer_external_id: Option<String>,
    pub pay_post: Option<i32>,
    pub pay_grade: Option<i32>,
    pub region_code: String,
}

/// A parsed social worker record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialWorkerRecord {
    pub external_id: String,
    pub name: String,
    pub gender: Gender,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub certificate_level: CertificateLevel,
    pub certificate_number: Option<String>,
    pub certificate_year: Option<i32>,
    pub employer_external_id: Option<String>,
    pub pay_post: Option<i32>,
    pub pay_grade: Option<i32>,
    pub region_code: DivisionCode,
}

/// First year of the national social-work certificate examination (2008).
pub const FIRST_CERTIFICATE_YEAR: i32 = 2008;

impl SocialWorkerInput {
    /// Errors: every problem of the record. Pay post 1-3 and grade 1-12 ("3 posts, 12
    /// grades", 3岗12级) come together or not at all; a certificate year lies between 2008 and
    /// this year, and needs a certificate level other than `NONE`.
    pub fn parse(&self, today: NaiveDate) -> Result<SocialWorkerRecord, Vec<FieldError>> {
        self.parse_keyed(today, Keyed::External)
    }

    /// Like [`Self::parse`] for a record civlink owns (single mutations): the external id is
    /// not read and the record's `external_id` is empty.
    pub fn parse_owned(&self, today: NaiveDate) -> Result<SocialWorkerRecord, Vec<FieldError>> {
        self.parse_keyed(today, Keyed::Owned)
    }

    fn parse_keyed(&self, today: NaiveDate, keyed: Keyed) -> Result<SocialWorkerRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let external_id = p.take(key(keyed, &self.external_id));
        let name = p.take(required_text("name", &self.name, MAX_NAME));
        let citizen = p.take(citizen_id("idNumber", self.id_number.as_deref(), today));
        let phone = p.take(phone("phone", self.phone.as_deref()));
        let level = self.certificate_level.unwrap_or(CertificateLevel::None);
        let number = p.take(optional_text("certificateNumber", self.certificate_number.as_deref(), 64));
        if let Some(year) = self.certificate_year {
            if !(FIRST_CERTIFICATE_YEAR..=today.year()).contains(&year) {
                let msg = format!("certificateYear: between {FIRST_CERTIFICATE_YEAR} and {}", today.year());
                p.add(FieldError::new("certificateYear", "OUT_OF_RANGE", msg));
            } else if level == CertificateLevel::None {
                let msg = "certificateYear: given without a certificate level";
                p.add(FieldError::new("certificateYear", "INCONSISTENT", msg));
            }
        }
        match (self.pay_post, self.pay_grade) {
            (None, None) => {}
            (Some(post), Some(grade)) => {
                if !(1..=3).contains(&post) {
                    p.add(FieldError::new("payPost", "OUT_OF_RANGE", "payPost: 1 to 3 (3岗12级)"));
                }
                if !(1..=12).contains(&grade) {
                    p.add(FieldError::new("payGrade", "OUT_OF_RANGE", "payGrade: 1 to 12 (3岗12级)"));
                }
            }
            (Some(_), None) => p.add(FieldError::new("payGrade", "REQUIRED", "payGrade: required with payPost")),
            (None, Some(_)) => p.add(FieldError::new("payPost", "REQUIRED", "payPost: required with payGrade")),
        }
        let employer =
            p.take(optional_text("employerExternalId", self.employer_external_id.as_deref(), MAX_EXTERNAL_ID));
        let region_code = p.take(division("regionCode", &self.region_code));
        let gender_ = p.take(gender(self.gender, citizen.as_ref().and_then(Option::as_ref)));
        let record = (|| {
            let citizen = citizen?;
            Some(SocialWorkerRecord {
                external_id: external_id?,
                name: name?,
                gender: gender_?,
                id_number: citizen.map(|c| c.as_str().to_owned()),
                phone: phone?,
                certificate_level: level,
                certificate_number: number?,
                certificate_year: self.certificate_year,
                employer_external_id: employer?,
                pay_post: self.pay_post,
                pay_grade: self.pay_grade,
                region_code: region_code?,
            })
        })();
        p.finish(record)
    }
}

// ---------------------------------------------------------------------------------------------

/// A volunteer team as another system sends it.
#[derive(Debug, Clone, Default)]
pub struct VolunteerTeamInput {
    pub external_id: String,
    pub name: String,
    pub region_code: String,
    pub founded_on: Option<NaiveDate>,
}

/// A parsed volunteer team record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerTeamRecord {
    pub external_id: String,
    pub name: String,
    pub region_code: DivisionCode,
    pub founded_on: Option<NaiveDate>,
}

impl VolunteerTeamInput {
    /// Errors: every problem of the record; a founding date may not lie in the future.
    pub fn parse(&self, today: NaiveDate) -> Result<VolunteerTeamRecord, Vec<FieldError>> {
        self.parse_keyed(today, Keyed::External)
    }

    /// Like [`Self::parse`] for a record civlink owns (single mutations): the external id is
    /// not read and the record's `external_id` is empty.
    pub fn parse_owned(&self, today: NaiveDate) -> Result<VolunteerTeamRecord, Vec<FieldError>> {
        self.parse_keyed(today, Keyed::Owned)
    }

    fn parse_keyed(&self, today: NaiveDate, keyed: Keyed) -> Result<VolunteerTeamRecord, Vec<FieldError>> {
        let mut p = Problems::default();
        let external_id = p.take(key(keyed, &self.external_id));
        let name = p.take(required_text("name", &self.name, MAX_NAME));
        let region_code = p.take(division("regionCode", &self.region_code));
        if self.founded_on.is_some_and(|d| d > today) {
            p.add(FieldError::new("foundedOn", "OUT_OF_RANGE", format!("foundedOn: after today ({today})")));
        }
        let record = (|| {
            Some(VolunteerTeamRecord {
                external_id: external_id?,
                name: name?,
                region_code: region_code?,
                founded_on: self.founded_on,
            })
        })();
        p.finish(record)
    }
}

// ---------------------------------------------------------------------------------------------

/// An organisation as another system sends it.
#[derive(Debug, Clone, Default)]
pub struct OrganizationInput {
    pub external_id: String,
    pub name: String,
    pub kind: Option<OrganizationKind>,
    pub credit_code: Option<String>,
    pub region_code: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// A parsed organisation record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRecord {
    pub external_id: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub credit_code: Option<String>,
    pub region_code: DivisionCode,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

impl OrganizationInput {
    /// Errors: every problem of the record. A GB 32100-2015 credit code with a wrong check
    /// character is refused under [`Strictness::Reject`] and becomes a warning under
    /// [`Strictness::Warn`] (the returned list).
    pub fn parse(&self, strictness: Strictness) -> Result<(OrganizationRecord, Vec<FieldError>), Vec<FieldError>> {
        self.parse_keyed(strictness, Keyed::External)
    }

    /// Like [`Self::parse`] for a record civlink owns (single mutations): the external id is
    /// not read and the record's `external_id` is empty.
    pub fn parse_owned(
        &self,
        strictness: Strictness,
    ) -> Result<(OrganizationRecord, Vec<FieldError>), Vec<FieldError>> {
        self.parse_keyed(strictness, Keyed::Owned)
    }

    fn parse_keyed(
        &self,
        strictness: Strictness,
        keyed: Keyed,
    ) -> Result<(OrganizationRecord, Vec<FieldError>), Vec<FieldError>> {
        let mut p = Problems::default();
        let mut warnings = Vec::new();
        let external_id = p.take(key(keyed, &self.external_id));
        let name = p.take(required_text("name", &self.name, MAX_NAME));
        let kind = self.kind.or_else(|| {
            p.add(FieldError::new("kind", "REQUIRED", "kind: required"));
            None
        });
        let credit_code = match self.credit_code.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => match strictness {
                Strictness::Reject => {
                    p.take(CreditCode::parse(v).map_err(|e| FieldError::domain("creditCode", e))).map(Some)
                }
                Strictness::Warn => match CreditCode::parse_lenient(v) {
                    Ok((code, warning)) => {
                        if let Some(w) = warning {
                            warnings.push(FieldError::new(
                                "creditCode",
                                "CHECK_DIGIT_MISMATCH",
                                format!("creditCode: {w}"),
                            ));
                        }
                        Some(Some(code))
                    }
                    Err(e) => {
                        p.add(FieldError::domain("creditCode", e));
                        None
                    }
                },
            },
        };
        let region_code = p.take(division("regionCode", &self.region_code));
        let contact_name = p.take(optional_text("contactName", self.contact_name.as_deref(), MAX_NAME));
        let contact_phone = p.take(phone("contactPhone", self.contact_phone.as_deref()));
        let record = (|| {
            Some(OrganizationRecord {
                external_id: external_id?,
                name: name?,
                kind: kind?,
                credit_code: credit_code?.map(|c| c.as_str().to_owned()),
                region_code: region_code?,
                contact_name: contact_name?,
                contact_phone: contact_phone?,
            })
        })();
        p.finish(record).map(|r| (r, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn a_reveal_reason_needs_two_letters_or_digits() {
        let code = |v: &str| reveal_reason(v).map_err(|e| e.code);
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("home visit follow-up", Ok("home visit follow-up")),
            ("  家访  ", Ok("家访")),
            ("核查", Ok("核查")),
            ("ab", Ok("ab")),
            ("12", Ok("12")),
            ("Ⅻ号", Ok("XII号")),
            ("\u{200B}家访\u{200B}", Ok("家访")),
            ("", Err("REQUIRED")),
            ("   ", Err("REQUIRED")),
            ("\u{200B}", Err("REQUIRED")),
            ("\u{200B}\u{200B}\u{200D}", Err("REQUIRED")),
            ("\u{FEFF}\u{2060}\u{00AD}", Err("REQUIRED")),
            ("\u{3000}", Err("REQUIRED")),
            ("x", Err("REQUIRED")),
            ("1", Err("REQUIRED")),
            ("...", Err("REQUIRED")),
            ("!?。，", Err("REQUIRED")),
            ("--- +++ ***", Err("REQUIRED")),
            ("😀😀", Err("REQUIRED")),
            ("a\u{200B}", Err("REQUIRED")),
            ("\u{202E}", Err("INVALID_TEXT")),
            ("\u{202E}家访", Err("INVALID_TEXT")),
            ("家访\u{2066}", Err("INVALID_TEXT")),
            ("家\u{7}访", Err("INVALID_TEXT")),
        ];
        for &(input, expected) in cases {
            assert_eq!(code(input), expected.map(str::to_owned), "{input:?}");
        }
        assert_eq!(code(&"访".repeat(MAX_REASON)), Ok("访".repeat(MAX_REASON)));
        assert_eq!(code(&"访".repeat(MAX_REASON + 1)), Err("TOO_LONG"));
    }

    #[test]
    fn text_of_only_invisible_characters_is_empty_and_bidi_controls_are_refused() {
        let code = |v: &str| required_text("name", v, 50).map_err(|e| e.code);
        assert_eq!(code("\u{200B}\u{FEFF} \u{200B}"), Err("REQUIRED"));
        assert_eq!(code("\u{2060}"), Err("REQUIRED"));
        assert_eq!(code("\u{200B}张三\u{FEFF}"), Ok("张三".to_owned()));
        for control in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            assert_eq!(code(&format!("张{control}三")), Err("INVALID_TEXT"), "U+{:04X}", control as u32);
            assert_eq!(code(&format!("{control}张三")), Err("INVALID_TEXT"), "U+{:04X} first", control as u32);
            assert_eq!(code(&format!("张三{control}")), Err("INVALID_TEXT"), "U+{:04X} last", control as u32);
        }
        // Joiners inside a name are kept (Arabic-script names, emoji sequences).
        assert_eq!(code("a\u{200D}b"), Ok("a\u{200D}b".to_owned()));
        assert_eq!(optional_text("remarks", Some("\u{200B}"), 50).map_err(|e| e.code), Ok(None));
    }

    #[test]
    fn an_update_never_compares_a_sent_birth_date_or_gender_with_a_stored_id_number() {
        let date = |d: u32| NaiveDate::from_ymd_opt(2014, 7, d);
        // (sent fields, new id, stored id, birth date, gender) -> (result codes, birth, gender)
        type Case = (&'static [&'static str], bool, bool, Option<NaiveDate>, Option<Gender>);
        let cases: Vec<(Case, Result<(), Vec<&str>>, Option<NaiveDate>, Option<Gender>)> = vec![
            // A guess of the birth date alone is refused whether right (19) or wrong (1).
            (
                (&["birthDate"][..], true, true, date(19), Some(Gender::Male)),
                Err(vec!["birthDate"]),
                date(19),
                Some(Gender::Male),
            ),
            (
                (&["birthDate"][..], true, true, date(1), Some(Gender::Male)),
                Err(vec!["birthDate"]),
                date(1),
                Some(Gender::Male),
            ),
            (
                (&["gender"][..], true, true, date(19), Some(Gender::Female)),
                Err(vec!["gender"]),
                date(19),
                Some(Gender::Female),
            ),
            ((&["gender"][..], true, true, date(19), Some(Gender::Unknown)), Ok(()), date(19), Some(Gender::Unknown)),
            ((&["birthDate"][..], true, true, None, Some(Gender::Male)), Ok(()), None, Some(Gender::Male)),
            // Without a stored number there is nothing to compare with.
            (
                (&["birthDate", "gender"][..], false, false, date(1), Some(Gender::Female)),
                Ok(()),
                date(1),
                Some(Gender::Female),
            ),
            // A new number: unsent values are derived from it again, sent ones compared as on create.
            ((&["idNumber"][..], true, true, date(19), Some(Gender::Male)), Ok(()), None, None),
            ((&["idNumber", "birthDate"][..], true, true, date(1), Some(Gender::Male)), Ok(()), date(1), None),
            ((&["idNumber"][..], false, true, date(19), Some(Gender::Male)), Ok(()), date(19), Some(Gender::Male)),
        ];
        for ((sent, new_id, stored_id, birth, gender), expected, want_birth, want_gender) in cases {
            let (mut b, mut g) = (birth, gender);
            let r = lay_over_citizen_id(&|f: &str| sent.contains(&f), new_id, stored_id, Some(&mut b), &mut g);
            let codes = r.map_err(|e| e.iter().map(|e| e.field[0].as_str()).collect::<Vec<_>>().join(","));
            assert_eq!(codes, expected.map_err(|e| e.join(",")), "{sent:?} {new_id} {stored_id}");
            assert_eq!((b, g), (want_birth, want_gender), "{sent:?} {new_id} {stored_id}");
        }
    }

    #[test]
    fn messages_that_compare_with_an_id_number_name_no_value() {
        let id = CitizenId::parse("11010519491231002X", NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap();
        let e = gender(Some(Gender::Male), Some(&id)).unwrap_err();
        assert!(!e.message.contains("FEMALE") && !e.message.contains("female"), "{}", e.message);
    }

    fn volunteer() -> VolunteerInput {
        VolunteerInput {
            external_id: " V-001 ".into(),
            name: "张三".into(),
            id_number: Some("11010519491231002X".into()),
            phone: Some("13800138000".into()),
            skills: vec!["急救".into(), "书法".into()],
            region_code: "522301".into(),
            team_external_ids: Some(vec!["T2".into(), "T1".into(), "T2".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn a_repeated_skill_is_kept_once() {
        let v = VolunteerInput { skills: vec!["急救".into(), " 急救".into(), "书法".into()], ..volunteer() };
        assert_eq!(v.parse(today()).unwrap().skills.as_deref(), Some("急救;书法"));
    }

    #[test]
    fn a_valid_volunteer_is_normalised() {
        let r = volunteer().parse(today()).unwrap();
        assert_eq!(r.external_id, "V-001");
        assert_eq!(r.gender, Gender::Female, "sequence 002 is even");
        assert_eq!(r.region_code.as_str(), "522301000000");
        assert_eq!(r.skills.as_deref(), Some("急救;书法"));
        assert_eq!(r.team_external_ids, Some(vec!["T1".to_owned(), "T2".to_owned()]));
    }

    #[test]
    fn every_problem_of_a_record_is_reported_with_its_field() {
        for (change, field, code) in [
            (
                Box::new(|v: &mut VolunteerInput| v.external_id = "  ".into()) as Box<dyn Fn(&mut VolunteerInput)>,
                "externalId",
                "REQUIRED",
            ),
            (Box::new(|v| v.name = "\u{0}x".into()), "name", "INVALID_TEXT"),
            (Box::new(|v| v.name = "名".repeat(101)), "name", "TOO_LONG"),
            (Box::new(|v| v.id_number = Some("110105194912310021".into())), "idNumber", "INVALID_CITIZEN_ID"),
            (Box::new(|v| v.id_number = Some("11010520991231002X".into())), "idNumber", "INVALID_CITIZEN_ID"),
            (Box::new(|v| v.phone = Some("12345".into())), "phone", "INVALID_PHONE"),
            (Box::new(|v| v.region_code = "52230".into()), "regionCode", "INVALID_DIVISION_CODE"),
            (Box::new(|v| v.skills = vec!["a;b".into()]), "skills", "INVALID_TEXT"),
            (Box::new(|v| v.skills = vec!["急救".into(), "  ".into()]), "skills", "REQUIRED"),
            (Box::new(|v| v.skills = (0..=MAX_SKILLS).map(|i| format!("技能{i}")).collect()), "skills", "TOO_MANY"),
            (Box::new(|v| v.gender = Some(Gender::Male)), "gender", "INCONSISTENT"),
            (Box::new(|v| v.name = "\u{200B}\u{FEFF}".into()), "name", "REQUIRED"),
            (Box::new(|v| v.name = "张\u{202E}三".into()), "name", "INVALID_TEXT"),
        ] {
            let mut v = volunteer();
            change(&mut v);
            let errors = v.parse(today()).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!((errors[0].field[0].as_str(), errors[0].code), (field, code), "{errors:?}");
        }
        let mut v = volunteer();
        v.name = String::new();
        v.phone = Some("x".into());
        assert_eq!(v.parse(today()).unwrap_err().len(), 2, "all problems at once");
    }

    #[test]
    fn passports_are_not_citizen_ids() {
        let mut v = volunteer();
        v.id_document_type = Some(IdDocumentType::Passport);
        v.id_number = Some("e1234567".into());
        let r = v.parse(today()).unwrap();
        assert_eq!(r.id_number.as_deref(), Some("E1234567"));
        assert_eq!(r.gender, Gender::Unknown);
    }

    #[test]
    fn pay_scale_and_certificates_are_checked() {
        let base = SocialWorkerInput {
            external_id: "W1".into(),
            name: "李四".into(),
            region_code: "420502".into(),
            ..Default::default()
        };
        assert!(base.parse(today()).is_ok());
        for (change, field, code) in [
            (
                Box::new(|w: &mut SocialWorkerInput| w.pay_post = Some(2)) as Box<dyn Fn(&mut SocialWorkerInput)>,
                "payGrade",
                "REQUIRED",
            ),
            (
                Box::new(|w| {
                    w.pay_post = Some(4);
                    w.pay_grade = Some(1)
                }),
                "payPost",
                "OUT_OF_RANGE",
            ),
            (
                Box::new(|w| {
                    w.pay_post = Some(1);
                    w.pay_grade = Some(13)
                }),
                "payGrade",
                "OUT_OF_RANGE",
            ),
            (Box::new(|w| w.certificate_year = Some(2020)), "certificateYear", "INCONSISTENT"),
            (
                Box::new(|w| {
                    w.certificate_level = Some(CertificateLevel::Assistant);
                    w.certificate_year = Some(2007)
                }),
                "certificateYear",
                "OUT_OF_RANGE",
            ),
        ] {
            let mut w = base.clone();
            change(&mut w);
            let errors = w.parse(today()).unwrap_err();
            assert_eq!((errors[0].field[0].as_str(), errors[0].code), (field, code), "{errors:?}");
        }
    }

    #[test]
    fn credit_codes_with_a_bad_check_digit_are_refused_by_the_api_and_warned_on_import() {
        let org = |code: &str| OrganizationInput {
            external_id: "O1".into(),
            name: "社工机构".into(),
            kind: Some(OrganizationKind::SocialWorkAgency),
            credit_code: Some(code.into()),
            region_code: "522301".into(),
            ..Default::default()
        };
        let good = crate::domain::CreditCode::synthesize("52522301MJ0000001").unwrap().as_str().to_owned();
        assert!(org(&good).parse(Strictness::Reject).is_ok());
        let mut bad = good.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        let errors = org(&bad).parse(Strictness::Reject).unwrap_err();
        assert_eq!(errors[0].code, "INVALID_CREDIT_CODE");
        let (_, warnings) = org(&bad).parse(Strictness::Warn).unwrap();
        assert_eq!(warnings[0].code, "CHECK_DIGIT_MISMATCH");
        assert!(org("not a code").parse(Strictness::Warn).is_err(), "only the check digit is lenient");
    }
}
