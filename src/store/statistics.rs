//! Statistics of region subtrees: the figures of every civil-affairs report (DOMAIN.md),
//! computed by the database.
//!
//! Each figure group is one `GROUP BY` statement over many subtrees at once: the subtree of a
//! region is a range of 12-digit codes (`prefix` padded with 0s to `prefix` padded with 9s, on
//! the indexed `region_code` columns), and rows are grouped by `substr(region_code, 1, len)`.
//! Rust only reshapes the grouped rows (a few dozen per subtree); it never visits records.
//!
//! Figures are of two kinds:
//! - *stock* figures describe the current state (stations, coverage, workers, volunteers,
//!   teams, clients on file) and ignore the period;
//! - *flow* figures count what happened in a [`Period`] (service, volunteer hours, projects
//!   running, charity received, linkage).
//!
//! Statistics count every live (not soft-deleted) row of the subtree whoever asks: they are
//! the figures a department publishes. What a caller may see of them (exact, perturbed or
//! withheld) is decided in [`crate::domain::disclosure`]. Figures about persons come with the
//! sum of their records' `record_key`s (the cell key before reduction, the cell-key method of
//! `docs/DISCLOSURE.md`), summed in the same aggregate as the figure.

use std::collections::HashMap;
use std::future::Future;

use chrono::NaiveDate;
use entity::case_file::CaseStage;
use entity::charity_resource::{CharityKind, MatchingLevel};
use entity::client_category::ClientCategoryKind;
use entity::project::FundingMode;
use entity::project_participant::Party;
use entity::service_record::{ServiceMethod, ServiceType};
use entity::social_worker::CertificateLevel;
use entity::station::{StationLevel, StationStatus};
use entity::{
    case_file, charity_resource, client, client_category, project, project_participant, service_record, social_worker,
    station, volunteer, volunteer_ledger_entry, volunteer_team, volunteer_team_membership,
};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Condition, Expr, ExprTrait, Func, IntoColumnRef, Query, SelectStatement, UnionType,
    WithClause,
};
use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend, QueryResult};

use uuid::Uuid;

use super::StoreError;

mod activities;
pub use activities::{AwardTotals, DeliberationTotals, TrainingTotals};

/// A half-open period `[from, to)` of China Standard Time calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First day included.
    pub from: NaiveDate,
    /// First day excluded.
    pub to: NaiveDate,
}

impl Period {
    /// The period of stock figures, which ignore it: keys of stock figures carry this one,
    /// so requests for different periods share them.
    pub const STOCK: Period = Period { from: NaiveDate::MIN, to: NaiveDate::MIN };

    /// `column` (a date) lies in the period.
    fn contains(&self, column: Expr) -> Condition {
        Condition::all().add(column.clone().gte(self.from)).add(column.lt(self.to))
    }

    /// `column` (a date) lies in the period, written so that no index on `column` serves the
    /// test: for statements whose rows are found by their division-code ranges and only
    /// filtered by the period (charity resources; service records go by [`dated_subtree`]).
    ///
    /// SQLite's planner, without histograms (STAT4), rates "one year of dates" as selective as
    /// "one county's codes" and read a whole year of the country's records through the date
    /// index (service records: 12 s per statement at national scale, against 16 ms through
    /// the code ranges: BENCHMARKS.md). A unary `+` is SQLite's documented way to
    /// disqualify a term from index use ("The SQLite Query Optimizer Overview", §
    /// "Disqualifying WHERE clause terms using unary-+"). PostgreSQL plans from histograms and
    /// is left alone. (`?` is SQLite's placeholder in custom expressions; `$1` is not.)
    fn filters(&self, backend: DbBackend, column: Expr) -> Condition {
        match backend {
            DbBackend::Sqlite => self.contains(Expr::cust_with_expr("+?", column)),
            _ => self.contains(column),
        }
    }
}

/// A group of figures computed together, for many subtrees (or records) in one statement (or
/// a few).
///
/// Region figures take significant code prefixes of one length (`5223` for 黔西南州); the
/// result maps each key with any rows to its value (absent keys have no rows).
pub trait Figures: Send + Sync + 'static {
    /// What the figures are of: a subtree's significant code prefix, or a record's id.
    type Key: Clone + Eq + std::hash::Hash + Send + Sync + 'static;
    type Value: Clone + Default + Send + Sync + 'static;
    /// Stock figures describe the current records and ignore the period.
    const STOCK: bool = false;
    /// Keys computed together must share this class (prefixes: their length).
    fn class(_key: &Self::Key) -> usize {
        0
    }
    fn compute<C: ConnectionTrait>(
        db: &C,
        keys: &[Self::Key],
        period: Period,
    ) -> impl Future<Output = Result<HashMap<Self::Key, Self::Value>, StoreError>> + Send;
}

/// A figure about persons: its value, the number of distinct clients it is computed from (0
/// when no client record contributes), and the sum of its records' `record_key`s (not reduced:
/// sums of disjoint cells add up to the sum of their union; reduce with
/// [`crate::domain::disclosure::CellKey::from_sum`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub value: i64,
    pub clients: i64,
    pub key: i64,
}

/// The name of the record-key column (`m20261206_000011_record_keys`). It is not a field of
/// the entities' models on purpose: it is read only here, summed, and never shown.
const RECORD_KEY: &str = "record_key";

/// `CAST(COALESCE(SUM(<table>.record_key), 0) AS BIGINT)`.
fn key_sum<T: sea_orm::sea_query::IntoIden>(table: T) -> Expr {
    sum(col((table, Alias::new(RECORD_KEY))))
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/// The rows of `prefixes`' subtrees dated in `period`, for tables indexed on `(region_code,
/// date)`: the condition, and the expression naming a row's subtree (as [`subtree`]).
///
/// On PostgreSQL, the subtrees' code ranges and the period, which its bitmap index scans bound
/// on both columns. On SQLite, the subtrees' listed codes
/// ([`super::region::subtree_codes`]) and the period. Each listed code is then one index
/// seek bounded by the period as well, where a code range is read whole and its dates filtered:
/// eight counties' year of service records at national scale read 11,459 index entries
/// instead of 34,000, 4 ms instead of 20 (BENCHMARKS.md, "Statistics"). The equality on the
/// code also keeps SQLite's planner off the date index without the unary `+` of
/// [`Period::filters`].
fn dated_subtree(
    backend: DbBackend,
    region: Expr,
    date: Expr,
    prefixes: &[String],
    period: Period,
) -> (Condition, Expr) {
    let (within, prefix) = subtree(region.clone(), prefixes);
    match backend {
        DbBackend::Sqlite => {
            let listed = super::region::subtree_codes(prefixes);
            (Condition::all().add(region.in_subquery(listed)).add(period.contains(date)), prefix)
        }
        _ => (Condition::all().add(within).add(period.contains(date)), prefix),
    }
}

/// The subtree restriction of `column` (a 12-digit code) to `prefixes`, and the expression
/// naming a row's subtree, `substr(column, 1, len)`.
fn subtree(column: Expr, prefixes: &[String]) -> (Condition, Expr) {
    let len = prefixes.first().map_or(12, String::len);
    let mut any = Condition::any();
    for p in prefixes {
        any = any.add(column.clone().between(format!("{p:0<12}"), format!("{p:9<12}")));
    }
    // Constants inline, not bound: PostgreSQL matches GROUP BY expressions textually.
    let prefix = Func::cust("substr").arg(column).arg(Expr::cust("1")).arg(Expr::cust(len.to_string()));
    (any, Expr::from(prefix))
}

fn col<T: IntoColumnRef>(c: T) -> Expr {
    Expr::col(c)
}

/// `CAST(COALESCE(SUM(expr), 0) AS BIGINT)`: the same integer type on both databases
/// (PostgreSQL sums `bigint` into `numeric`).
fn sum(expr: Expr) -> Expr {
    Func::cast_as(Func::coalesce([Func::sum(expr).into(), Expr::val(0)]), Alias::new("BIGINT")).into()
}

fn count_all() -> Expr {
    Expr::cust("COUNT(*)")
}

fn count_distinct(expr: Expr) -> Expr {
    Func::count_distinct(expr).into()
}

/// 1 for a positive `expr`, -1 for a negative one, else 0: a reversal of the ledger (negated
/// minutes, same date as its original) takes back its original's person-time.
fn signum(expr: Expr) -> Expr {
    Expr::case(expr.clone().gt(0), 1).case(expr.lt(0), -1).finally(0).into()
}

/// 1 when `cond` holds, else 0.
fn flag(cond: Expr) -> Expr {
    Expr::case(cond, 1).finally(0).into()
}

fn live<T: IntoColumnRef>(deleted_at: T) -> Expr {
    Expr::col(deleted_at).is_null()
}

fn get_i64(row: &QueryResult, name: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<Option<i64>>("", name)?.unwrap_or(0))
}

fn get_text(row: &QueryResult, name: &str) -> Result<String, StoreError> {
    Ok(row.try_get::<String>("", name)?)
}

/// An enum column's value; an unknown value (impossible under the CHECK constraints) is a
/// database error.
fn get_enum<E: ActiveEnum<Value = String>>(row: &QueryResult, name: &str) -> Result<E, StoreError> {
    let raw: String = row.try_get("", name)?;
    E::try_from_value(&raw).map_err(StoreError::Db)
}

fn get_opt_enum<E: ActiveEnum<Value = String>>(row: &QueryResult, name: &str) -> Result<Option<E>, StoreError> {
    let raw: Option<String> = row.try_get("", name)?;
    raw.map(|r| E::try_from_value(&r).map_err(StoreError::Db)).transpose()
}

/// Runs `stmt` and folds each row into the value of its `prefix`.
async fn fold<C, V, F>(db: &C, stmt: &SelectStatement, mut f: F) -> Result<HashMap<String, V>, StoreError>
where
    C: ConnectionTrait,
    V: Default,
    F: FnMut(&mut V, &QueryResult) -> Result<(), StoreError>,
{
    let mut out: HashMap<String, V> = HashMap::new();
    for row in db.query_all(stmt).await? {
        let prefix = get_text(&row, "prefix")?;
        f(out.entry(prefix).or_default(), &row)?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Stations and coverage (stock)

/// Stations by level and status: `(level, status) → (stations, of which in full service)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StationCounts(pub HashMap<(StationLevel, StationStatus), (i64, i64)>);

impl Figures for StationCounts {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    const STOCK: bool = true;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        _period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        let (within, prefix) = subtree(col(station::Column::RegionCode), prefixes);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .column(station::Column::Level)
            .column(station::Column::Status)
            .expr_as(count_all(), "n")
            .expr_as(sum(flag(col(station::Column::InFullService))), "full")
            .from(station::Entity)
            .and_where(live(station::Column::DeletedAt))
            .cond_where(within)
            .add_group_by([prefix, col(station::Column::Level), col(station::Column::Status)])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            let key = (get_enum(row, "level")?, get_enum(row, "status")?);
            v.0.insert(key, (get_i64(row, "n")?, get_i64(row, "full")?));
            Ok(())
        })
        .await
    }
}

/// Township coverage: `(townships, townships with an operating TOWNSHIP_STATION)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageCounts(pub u64, pub u64);

impl Figures for CoverageCounts {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    const STOCK: bool = true;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        _period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        let found = super::region::coverage(db, &super::Scope::All, prefixes).await?;
        Ok(found.into_iter().map(|(k, (t, w))| (k, CoverageCounts(t, w))).collect())
    }
}

/// County coverage by social-work agencies (社会工作服务机构覆盖率): `(county-level divisions in
/// the subtree, of which those where a live SOCIAL_WORK_AGENCY organisation is registered)`.
/// The seed article (齐齐哈尔: "社会工作服务机构覆盖率达 100%") does not define the figure; this
/// is the county-level reading of the Ministry of Civil Affairs' plans (an agency in every
/// county), written down in DOMAIN.md.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgencyCoverage(pub u64, pub u64);

impl Figures for AgencyCoverage {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    const STOCK: bool = true;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        _period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use entity::region::{self, RegionLevel};
        let code = col((region::Entity, region::Column::Code));
        let (within, prefix) = subtree(code, prefixes);
        // A county's organisations are those whose 12-digit code shares its first six digits:
        // a range, so the index on `organizations.region_code` answers it.
        let agency = Expr::cust(format!(
            "CASE WHEN EXISTS (SELECT 1 FROM organizations o WHERE o.kind = '{}' AND o.deleted_at IS NULL \
             AND o.region_code BETWEEN regions.code AND SUBSTR(regions.code, 1, 6) || '999999') THEN 1 ELSE 0 END",
            entity::organization::OrganizationKind::SocialWorkAgency.to_value()
        ));
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(count_all(), "counties")
            .expr_as(sum(agency), "with_agency")
            .from(region::Entity)
            .and_where(live((region::Entity, region::Column::DeletedAt)))
            .and_where(col((region::Entity, region::Column::Level)).eq(RegionLevel::County.to_value()))
            .cond_where(within)
            .add_group_by([prefix])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            let n = |name| get_i64(row, name).map(|n| u64::try_from(n).unwrap_or(0));
            *v = AgencyCoverage(n("counties")?, n("with_agency")?);
            Ok(())
        })
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Social workers (stock)

/// Social workers: records by certificate level and pay post/grade (`None` when not on the
/// scale), and persons ([`Persons`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerCounts(pub Vec<(CertificateLevel, Option<i32>, Option<i32>, i64)>, pub Persons);

/// Persons among records of one kind (issue 23): records with the same person key (the same
/// citizen ID number, in several sources' rosters) count once; a record without a key (no
/// citizen ID number) counts as a person of its own.
///
/// Two counts: persons across the whole division (for callers who may read all its records,
/// `FULL` access), and records (`*_records`, for everyone else). A caller who can write records
/// where it may not read (a sync client may write anywhere) could otherwise register a guessed
/// citizen ID number in a village and see from a count of persons whether the number is
/// already on file there: a count of records grows by one whatever the number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Persons {
    pub total: i64,
    /// Persons with at least one record holding a certificate (social workers).
    pub certified: i64,
    pub total_records: i64,
    pub certified_records: i64,
}

/// Persons among the rows `cond` admits: distinct person keys plus rows without one.
fn persons_where(cond: Option<&str>) -> Expr {
    let (when, and) = match cond {
        Some(c) => (format!("CASE WHEN {c} THEN person_key END"), format!(" AND {c}")),
        None => ("person_key".to_owned(), String::new()),
    };
    Expr::cust(format!(
        "CAST(COUNT(DISTINCT {when}) + COALESCE(SUM(CASE WHEN person_key IS NULL{and} THEN 1 ELSE 0 END), 0) AS BIGINT)"
    ))
}

impl Figures for WorkerCounts {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    const STOCK: bool = true;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        _period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use social_worker::Column as W;
        let (within, prefix) = subtree(col(W::RegionCode), prefixes);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .column(W::CertificateLevel)
            .column(W::PayPost)
            .column(W::PayGrade)
            .expr_as(count_all(), "n")
            .from(social_worker::Entity)
            .and_where(live(W::DeletedAt))
            .cond_where(within)
            .add_group_by([prefix, col(W::CertificateLevel), col(W::PayPost), col(W::PayGrade)])
            .to_owned();
        let mut out = fold(db, &stmt, |v: &mut Self, row| {
            let post: Option<i32> = row.try_get("", "pay_post")?;
            let grade: Option<i32> = row.try_get("", "pay_grade")?;
            v.0.push((get_enum(row, "certificate_level")?, post, grade, get_i64(row, "n")?));
            Ok(())
        })
        .await?;
        let (within, prefix) = subtree(col(W::RegionCode), prefixes);
        let persons = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(persons_where(None), "n")
            .expr_as(persons_where(Some("certificate_level <> 'NONE'")), "certified")
            .expr_as(count_all(), "records")
            .expr_as(
                Expr::cust("CAST(SUM(CASE WHEN certificate_level <> 'NONE' THEN 1 ELSE 0 END) AS BIGINT)"),
                "certified_records",
            )
            .from(social_worker::Entity)
            .and_where(live(W::DeletedAt))
            .cond_where(within)
            .add_group_by([prefix])
            .to_owned();
        for (k, p) in fold(db, &persons, |v: &mut Persons, row| {
            *v = Persons {
                total: get_i64(row, "n")?,
                certified: get_i64(row, "certified")?,
                total_records: get_i64(row, "records")?,
                certified_records: get_i64(row, "certified_records")?,
            };
            Ok(())
        })
        .await?
        {
            out.entry(k).or_default().1 = p;
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Volunteers (stock counts, flow ledger)

/// Volunteers and volunteer teams located in the subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VolunteerCounts {
    /// Persons ([`Persons`]): records with the same citizen ID number count once.
    pub volunteers: i64,
    /// Records ([`Persons`]).
    pub volunteer_records: i64,
    pub teams: i64,
}

impl Figures for VolunteerCounts {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    const STOCK: bool = true;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        _period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        let (within, prefix) = subtree(col(volunteer::Column::RegionCode), prefixes);
        // Persons, not records: one person in two sources' rosters counts once.
        let people = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(persons_where(None), "n")
            .expr_as(count_all(), "records")
            .from(volunteer::Entity)
            .and_where(live(volunteer::Column::DeletedAt))
            .cond_where(within)
            .add_group_by([prefix])
            .to_owned();
        let mut out = fold(db, &people, |v: &mut Self, row| {
            v.volunteers = get_i64(row, "n")?;
            v.volunteer_records = get_i64(row, "records")?;
            Ok(())
        })
        .await?;
        let (within, prefix) = subtree(col(volunteer_team::Column::RegionCode), prefixes);
        let teams = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(count_all(), "n")
            .from(volunteer_team::Entity)
            .and_where(live(volunteer_team::Column::DeletedAt))
            .cond_where(within)
            .add_group_by([prefix])
            .to_owned();
        for (k, t) in fold(db, &teams, |v: &mut i64, row| {
            *v = get_i64(row, "n")?;
            Ok(())
        })
        .await?
        {
            out.entry(k).or_default().teams = t;
        }
        Ok(out)
    }
}

/// Volunteer ledger entries of the subtree's volunteers served in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerTotals {
    /// Service time in minutes.
    pub minutes: i64,
    /// Points earned minus points redeemed.
    pub points: i64,
    /// Entries with service time (志愿服务人次: one person-time each), less the reversals of
    /// such entries (negative time), so a corrected entry counts for nothing.
    pub person_times: i64,
    /// Sum of the entries' record keys (the cell key of all three figures).
    pub key: i64,
}

impl Figures for LedgerTotals {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use volunteer_ledger_entry::Column as L;
        let (within, prefix) = subtree(col((volunteer::Entity, volunteer::Column::RegionCode)), prefixes);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(sum(col((volunteer_ledger_entry::Entity, L::ServiceMinutes))), "minutes")
            .expr_as(sum(col((volunteer_ledger_entry::Entity, L::Points))), "points")
            .expr_as(sum(signum(col((volunteer_ledger_entry::Entity, L::ServiceMinutes)))), "person_times")
            .expr_as(key_sum(volunteer_ledger_entry::Entity), "key_sum")
            .from_ledger_of_volunteers()
            .cond_where(period.contains(col((volunteer_ledger_entry::Entity, L::ServedOn))))
            .cond_where(within)
            .add_group_by([prefix])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            *v = LedgerTotals {
                minutes: get_i64(row, "minutes")?,
                points: get_i64(row, "points")?,
                person_times: get_i64(row, "person_times")?,
                key: get_i64(row, "key_sum")?,
            };
            Ok(())
        })
        .await
    }
}

/// Divisions of the subtree with volunteer point rules (志愿积分: the points pilots) in force on
/// some day of the period: a rule's `[valid_from, valid_until)` meets `[from, to)`. A figure
/// about places, not persons: exact for every caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointRuleRegions(pub i64);

impl Figures for PointRuleRegions {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use entity::volunteer_point_rule::{self as rule, Column as R};
        let (within, prefix) = subtree(col((rule::Entity, R::RegionCode)), prefixes);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(count_distinct(col((rule::Entity, R::RegionCode))), "n")
            .from(rule::Entity)
            .and_where(live((rule::Entity, R::DeletedAt)))
            .and_where(col((rule::Entity, R::ValidFrom)).lt(period.to))
            .cond_where(
                Condition::any()
                    .add(col((rule::Entity, R::ValidUntil)).is_null())
                    .add(col((rule::Entity, R::ValidUntil)).gt(period.from)),
            )
            .cond_where(within)
            .add_group_by([prefix])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            *v = PointRuleRegions(get_i64(row, "n")?);
            Ok(())
        })
        .await
    }
}

/// The ledger entry has no live reversal: a volunteer whose service was all corrected away
/// did not take part.
fn not_reversed() -> Expr {
    use volunteer_ledger_entry::Column as L;
    let reversals = Query::select()
        .column(L::CorrectsEntryId)
        .from(volunteer_ledger_entry::Entity)
        .and_where(col(L::CorrectsEntryId).is_not_null())
        .and_where(live(L::DeletedAt))
        .to_owned();
    col((volunteer_ledger_entry::Entity, L::Id)).not_in_subquery(reversals)
}

/// `FROM volunteers CROSS JOIN volunteer_ledger_entries` with the join condition and both
/// sides live. Volunteers come first: statistics restrict them by division, and SQLite keeps
/// the order of a `CROSS JOIN` (its planner otherwise started from the ledger's `served_on`
/// index and read a whole year of the country's entries for one county: 3.9 s instead of
/// 3 ms on the national set). PostgreSQL plans a `CROSS JOIN` with a `WHERE` freely.
trait LedgerOfVolunteers {
    fn from_ledger_of_volunteers(&mut self) -> &mut Self;
}

impl LedgerOfVolunteers for SelectStatement {
    fn from_ledger_of_volunteers(&mut self) -> &mut Self {
        use volunteer_ledger_entry::Column as L;
        self.from(volunteer::Entity)
            .cross_join(volunteer_ledger_entry::Entity)
            .and_where(
                col((volunteer::Entity, volunteer::Column::Id))
                    .equals((volunteer_ledger_entry::Entity, L::VolunteerId)),
            )
            .and_where(live((volunteer_ledger_entry::Entity, L::DeletedAt)))
            .and_where(live((volunteer::Entity, volunteer::Column::DeletedAt)))
    }
}

// ---------------------------------------------------------------------------------------------
// Service (flow)

/// Service delivered in the subtree in the period: totals and the three breakdowns of
/// person-times (by type, by method, by calendar month, China Standard Time dates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFigures {
    /// Person-times (服务人次) with their distinct clients and the records' key sum (which is
    /// also the cell key of `records`).
    pub person_times: Cell,
    /// Service records.
    pub records: i64,
    pub by_type: HashMap<ServiceType, Cell>,
    pub by_method: HashMap<ServiceMethod, Cell>,
    /// Keyed by `YYYY-MM`.
    pub by_month: HashMap<String, Cell>,
}

impl Figures for ServiceFigures {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    /// One statement: the period's records of the subtrees are read once (a CTE) and grouped
    /// four ways (`UNION ALL`), instead of four statements each reading them (BENCHMARKS.md).
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use service_record::Column as S;
        let backend = db.get_database_backend();
        let (dated, prefix) = dated_subtree(backend, col(S::RegionCode), col(S::ServedOn), prefixes, period);
        let rows = Query::select()
            .expr_as(prefix, "prefix")
            .columns([S::PersonTimes, S::ClientId, S::ServiceType, S::Method])
            .expr_as(col((service_record::Entity, Alias::new(RECORD_KEY))), "record_key")
            .expr_as(month_of(backend, col(S::ServedOn)), "month")
            .from(service_record::Entity)
            .and_where(live(S::DeletedAt))
            .cond_where(dated)
            .to_owned();
        let rows = backend.build(&rows);
        // Each grouping: its kind, and the dimension it groups by (none for the totals). On
        // PostgreSQL the distinct clients of a group are counted in two steps, one row per
        // (group, client) first, then the rows of the group (`COUNT(client_id)` skips the group
        // without a client): it hashes both steps, where `COUNT(DISTINCT …)` sorted the
        // period's records once per grouping. SQLite sorts either way, and one sort per
        // grouping (`COUNT(DISTINCT …)`) costs it half of two (BENCHMARKS.md, "Statistics").
        let groupings = [("T", None), ("Y", Some("service_type")), ("M", Some("method")), ("D", Some("month"))];
        let selects: Vec<String> = groupings
            .iter()
            .map(|(kind, dim)| {
                let (dim_expr, group) = match dim {
                    Some(d) => (format!("CAST({d} AS TEXT)"), format!("prefix, {d}")),
                    None => ("NULL".to_owned(), "prefix".to_owned()),
                };
                let head = format!(
                    "SELECT '{kind}' AS kind, prefix, {dim_expr} AS dimension, \
                     CAST(COALESCE(SUM(person_times), 0) AS BIGINT) AS person_times, \
                     CAST(COALESCE(SUM(record_key), 0) AS BIGINT) AS key_sum"
                );
                match backend {
                    DbBackend::Sqlite => format!(
                        "{head}, COUNT(DISTINCT client_id) AS clients, COUNT(*) AS records FROM s GROUP BY {group}"
                    ),
                    _ => format!(
                        "{head}, COUNT(client_id) AS clients, CAST(SUM(records) AS BIGINT) AS records \
                         FROM (SELECT {group}, client_id, SUM(person_times) AS person_times, \
                         SUM(record_key) AS record_key, COUNT(*) AS records \
                         FROM s GROUP BY {group}, client_id) AS g GROUP BY {group}"
                    ),
                }
            })
            .collect();
        // MATERIALIZED: read once. SQLite otherwise inlined `s` into each grouping's subquery
        // and read the records four times (eight counties' year at national scale: 331 ms
        // instead of 115 ms); PostgreSQL materializes a CTE used more than once anyway.
        let sql = format!("WITH s AS MATERIALIZED ({}) {}", rows.sql, selects.join(" UNION ALL "));
        let stmt =
            sea_orm::Statement::from_sql_and_values(backend, sql, rows.values.unwrap_or(sea_orm::Values(Vec::new())));
        let mut out: HashMap<String, Self> = HashMap::new();
        for row in db.query_all_raw(stmt).await? {
            let figures = out.entry(get_text(&row, "prefix")?).or_default();
            let cell = Cell {
                value: get_i64(&row, "person_times")?,
                clients: get_i64(&row, "clients")?,
                key: get_i64(&row, "key_sum")?,
            };
            let dimension: Option<String> = row.try_get("", "dimension")?;
            let dimension = dimension.unwrap_or_default();
            match get_text(&row, "kind")?.as_str() {
                "T" => (figures.person_times, figures.records) = (cell, get_i64(&row, "records")?),
                "Y" => _ = figures.by_type.insert(parse_enum(&dimension)?, cell),
                "M" => _ = figures.by_method.insert(parse_enum(&dimension)?, cell),
                _ => _ = figures.by_month.insert(dimension, cell),
            }
        }
        Ok(out)
    }
}

fn parse_enum<E: ActiveEnum<Value = String>>(raw: &str) -> Result<E, StoreError> {
    E::try_from_value(&raw.to_owned()).map_err(StoreError::Db)
}

/// `YYYY-MM` of a date column: SQLite stores dates as ISO text, PostgreSQL as `date`.
fn month_of(backend: DbBackend, date: Expr) -> Expr {
    match backend {
        DbBackend::Postgres => Func::cust("to_char").arg(date).arg(Expr::cust("'YYYY-MM'")).into(),
        _ => Expr::from(Func::cust("substr").arg(date).arg(Expr::cust("1")).arg(Expr::cust("7"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Clients on file (stock)

/// Clients living in the subtree: on file, by category, case files by stage, deep cases.
/// Every count is a count of distinct clients (`Cell::clients` = `Cell::value`), keyed by the
/// clients' record keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCounts {
    pub on_file: Cell,
    pub by_category: HashMap<ClientCategoryKind, Cell>,
    /// Case files by stage: `(files, of which deep cases)`.
    pub by_stage: HashMap<CaseStage, (Cell, Cell)>,
}

/// A count of distinct clients with their key sum, from columns `n` and `key_sum` (and
/// `deep`, `deep_key_sum` for deep cases).
fn client_cell(row: &QueryResult, n: &str, key: &str) -> Result<Cell, StoreError> {
    let value = get_i64(row, n)?;
    Ok(Cell { value, clients: value, key: get_i64(row, key)? })
}

impl Figures for ClientCounts {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    const STOCK: bool = true;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        _period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        let region = col((client::Entity, client::Column::RegionCode));
        let (within, prefix) = subtree(region, prefixes);
        let client_live = live((client::Entity, client::Column::DeletedAt));

        let on_file = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(count_all(), "n")
            .expr_as(key_sum(client::Entity), "key_sum")
            .from(client::Entity)
            .and_where(client_live.clone())
            .cond_where(within.clone())
            .add_group_by([prefix.clone()])
            .to_owned();

        // `(client_id, category)` is unique, so rows of a category are distinct clients.
        use client_category::Column as K;
        let categories = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .column((client_category::Entity, K::Category))
            .expr_as(count_all(), "n")
            .expr_as(key_sum(client::Entity), "key_sum")
            .from(client_category::Entity)
            .inner_join(
                client::Entity,
                col((client::Entity, client::Column::Id)).equals((client_category::Entity, K::ClientId)),
            )
            .and_where(live((client_category::Entity, K::DeletedAt)))
            .and_where(client_live.clone())
            .cond_where(within.clone())
            .add_group_by([prefix.clone(), col((client_category::Entity, K::Category))])
            .to_owned();

        use case_file::Column as F;
        let stages = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .column((case_file::Entity, F::Stage))
            .expr_as(count_all(), "n")
            .expr_as(sum(flag(col((case_file::Entity, F::IsDeepCase)))), "deep")
            .expr_as(key_sum(client::Entity), "key_sum")
            .expr_as(
                sum(Expr::case(col((case_file::Entity, F::IsDeepCase)), col((client::Entity, Alias::new(RECORD_KEY))))
                    .finally(0)
                    .into()),
                "deep_key_sum",
            )
            .from(case_file::Entity)
            .inner_join(
                client::Entity,
                col((client::Entity, client::Column::Id)).equals((case_file::Entity, F::ClientId)),
            )
            .and_where(live((case_file::Entity, F::DeletedAt)))
            .and_where(client_live)
            .cond_where(within)
            .add_group_by([prefix, col((case_file::Entity, F::Stage))])
            .to_owned();

        // Three statements at once, each on a connection of its own.
        let (on_file, categories, stages) =
            futures::try_join!(db.query_all(&on_file), db.query_all(&categories), db.query_all(&stages))?;
        let mut out: HashMap<String, Self> = HashMap::new();
        for row in on_file {
            out.entry(get_text(&row, "prefix")?).or_default().on_file = client_cell(&row, "n", "key_sum")?;
        }
        for row in categories {
            let v = out.entry(get_text(&row, "prefix")?).or_default();
            v.by_category.insert(get_enum(&row, "category")?, client_cell(&row, "n", "key_sum")?);
        }
        for row in stages {
            let v = out.entry(get_text(&row, "prefix")?).or_default();
            let files = client_cell(&row, "n", "key_sum")?;
            v.by_stage.insert(get_enum(&row, "stage")?, (files, client_cell(&row, "deep", "deep_key_sum")?));
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Projects and charity (flow)

/// Projects of the subtree running in the period (started before its end, not ended before
/// its start), by funding mode: `(projects, budget fen, funds raised fen, beneficiaries
/// reported)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectTotals(pub HashMap<FundingMode, (i64, i64, i64, i64)>);

/// Projects located in the subtree and running in the period: `starts_on < to` and
/// (`ends_on` unset or `ends_on >= from`; `ends_on` is the last day).
fn running_projects(period: Period, region: Condition) -> SelectStatement {
    use project::Column as P;
    Query::select()
        .from(project::Entity)
        .and_where(live((project::Entity, P::DeletedAt)))
        .and_where(col((project::Entity, P::StartsOn)).lt(period.to))
        .cond_where(
            Condition::any()
                .add(col((project::Entity, P::EndsOn)).is_null())
                .add(col((project::Entity, P::EndsOn)).gte(period.from)),
        )
        .cond_where(region)
        .to_owned()
}

impl Figures for ProjectTotals {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use project::Column as P;
        let (within, prefix) = subtree(col((project::Entity, P::RegionCode)), prefixes);
        let stmt = running_projects(period, within)
            .expr_as(prefix.clone(), "prefix")
            .column((project::Entity, P::FundingMode))
            .expr_as(count_all(), "n")
            .expr_as(sum(col((project::Entity, P::BudgetFen))), "budget")
            .expr_as(sum(col((project::Entity, P::FundsRaisedFen))), "raised")
            .expr_as(sum(col((project::Entity, P::Beneficiaries))), "beneficiaries")
            .add_group_by([prefix, col((project::Entity, P::FundingMode))])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            let mode = get_enum(row, "funding_mode")?;
            let totals =
                (get_i64(row, "n")?, get_i64(row, "budget")?, get_i64(row, "raised")?, get_i64(row, "beneficiaries")?);
            v.0.insert(mode, totals);
            Ok(())
        })
        .await
    }
}

/// Charity resources received in the subtree in the period, by kind and matching level:
/// `(resources, value fen, value fen into community charity funds)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CharityTotals(pub HashMap<(CharityKind, Option<MatchingLevel>), (i64, i64, i64)>);

impl Figures for CharityTotals {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use charity_resource::Column as R;
        let backend = db.get_database_backend();
        let (within, prefix) = subtree(col(R::RegionCode), prefixes);
        let fund_value = Expr::case(col(R::IsCommunityFund), col(R::ValueFen)).finally(0);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .column(R::Kind)
            .column(R::MatchingLevel)
            .expr_as(count_all(), "n")
            .expr_as(sum(col(R::ValueFen)), "value")
            .expr_as(sum(fund_value.into()), "fund")
            .from(charity_resource::Entity)
            .and_where(live(R::DeletedAt))
            .cond_where(period.filters(backend, col(R::ReceivedOn)))
            .cond_where(within)
            .add_group_by([prefix, col(R::Kind), col(R::MatchingLevel)])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            let key = (get_enum(row, "kind")?, get_opt_enum(row, "matching_level")?);
            v.0.insert(key, (get_i64(row, "n")?, get_i64(row, "value")?, get_i64(row, "fund")?));
            Ok(())
        })
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Five-society linkage (flow)

/// 五社联动: distinct participants of each party active in the subtree in the period.
///
/// - communities: villages/communities taking part in the subtree's running projects, or
///   where a service record of the period took place (village-level codes only);
/// - organisations: organisations taking part in those projects;
/// - social workers: workers taking part in those projects or delivering service in the period;
/// - volunteers: volunteers taking part in those projects or logging service time (ledger
///   entries with minutes) in the period;
/// - charity resources: resources taking part in those projects or received in the period.
///
/// The `*_in_projects` counts leave out the parties found only through service and volunteer
/// service: those reveal that a person was served, or served, in a place on a day, so they
/// are figures about persons, and published figures count participation in projects only
/// (docs/DISCLOSURE.md, "Linkage").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Linkage {
    pub communities: i64,
    pub organizations: i64,
    pub social_workers: i64,
    pub volunteers: i64,
    pub charity_resources: i64,
    /// Communities taking part in the running projects.
    pub communities_in_projects: i64,
    /// Social workers taking part in the running projects.
    pub social_workers_in_projects: i64,
    /// Volunteers taking part in the running projects.
    pub volunteers_in_projects: i64,
}

/// The participants of the subtrees' running projects: `prefix`, `party` and the participant
/// columns of `project_participants` (one of them set per row).
fn participants(prefixes: &[String], period: Period) -> SelectStatement {
    use project_participant::Column as PP;
    let (within, prefix) = subtree(col((project::Entity, project::Column::RegionCode)), prefixes);
    let mut stmt = running_projects(period, within);
    stmt.expr_as(prefix, "prefix");
    for c in [PP::Party, PP::RegionCode, PP::OrganizationId, PP::SocialWorkerId, PP::VolunteerId, PP::CharityResourceId]
    {
        stmt.column((project_participant::Entity, c));
    }
    stmt.inner_join(
        project_participant::Entity,
        col((project_participant::Entity, PP::ProjectId)).equals((project::Entity, project::Column::Id)),
    )
    .and_where(live((project_participant::Entity, PP::DeletedAt)))
    .to_owned()
}

/// `SELECT prefix, <column> AS participant FROM <cte> WHERE <column> IS NOT NULL [AND party]`.
fn from_cte(cte: &str, column: &str, party: Option<Party>) -> SelectStatement {
    let t = Alias::new(cte);
    let mut stmt = Query::select()
        .expr_as(col((t.clone(), Alias::new("prefix"))), "prefix")
        .expr_as(col((t.clone(), Alias::new(column))), "participant")
        .from(t.clone())
        .and_where(col((t.clone(), Alias::new(column))).is_not_null())
        .to_owned();
    if let Some(party) = party {
        stmt.and_where(col((t, Alias::new("party"))).eq(party.to_value()));
    }
    stmt
}

/// `SELECT '<kind>' AS kind, prefix, COUNT(*) AS n` over the union without duplicates of
/// `parts` (each `prefix, participant`), per prefix: the union is hashed on PostgreSQL, where
/// `COUNT(DISTINCT …)` over `UNION ALL` sorted.
fn distinct_participants(kind: &str, mut parts: Vec<SelectStatement>) -> SelectStatement {
    let mut union = parts.remove(0);
    union.distinct();
    for p in parts {
        union.union(UnionType::Distinct, p);
    }
    let t = Alias::new("t");
    Query::select()
        .expr_as(Expr::cust(format!("'{kind}'")), "kind")
        .expr_as(col((t.clone(), Alias::new("prefix"))), "prefix")
        .expr_as(count_all(), "n")
        .from_subquery(union, t.clone())
        .add_group_by([col((t, Alias::new("prefix")))])
        .to_owned()
}

impl Figures for Linkage {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    /// One statement: the running projects' participants (CTE `p`) and the period's service
    /// records (CTE `sv`) are each read once and feed the five parties' distinct counts
    /// (`UNION ALL`); five statements read the service records twice and the projects five
    /// times (BENCHMARKS.md, "Statistics").
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use service_record::Column as S;
        let backend = db.get_database_backend();

        let (dated, prefix) = dated_subtree(backend, col(S::RegionCode), col(S::ServedOn), prefixes, period);
        let service = Query::select()
            .expr_as(prefix, "prefix")
            .columns([S::RegionCode, S::SocialWorkerId])
            .from(service_record::Entity)
            .and_where(live(S::DeletedAt))
            .cond_where(dated)
            .to_owned();
        let cte = |name: &str, query: SelectStatement| {
            CommonTableExpression::new().table_name(Alias::new(name)).query(query).materialized(true).to_owned()
        };
        let with = WithClause::new().cte(cte("p", participants(prefixes, period))).cte(cte("sv", service)).to_owned();

        // Communities: participants, and places of service at village level.
        let mut places = from_cte("sv", "region_code", None);
        places.and_where(
            Expr::from(Func::cust("substr").arg(col(S::RegionCode)).arg(Expr::cust("10")).arg(Expr::cust("3")))
                .ne("000"),
        );
        let communities =
            distinct_participants("C", vec![from_cte("p", "region_code", Some(Party::Community)), places]);
        let organizations =
            distinct_participants("O", vec![from_cte("p", "organization_id", Some(Party::Organization))]);
        let workers = distinct_participants(
            "W",
            vec![
                from_cte("p", "social_worker_id", Some(Party::SocialWorker)),
                from_cte("sv", "social_worker_id", None),
            ],
        );

        use volunteer_ledger_entry::Column as L;
        let (within, prefix) = subtree(col((volunteer::Entity, volunteer::Column::RegionCode)), prefixes);
        let logging = Query::select()
            .expr_as(prefix, "prefix")
            .expr_as(col((volunteer_ledger_entry::Entity, L::VolunteerId)), "participant")
            .from_ledger_of_volunteers()
            .and_where(col((volunteer_ledger_entry::Entity, L::ServiceMinutes)).gt(0))
            .and_where(not_reversed())
            .cond_where(period.contains(col((volunteer_ledger_entry::Entity, L::ServedOn))))
            .cond_where(within)
            .to_owned();
        let volunteers =
            distinct_participants("V", vec![from_cte("p", "volunteer_id", Some(Party::Volunteer)), logging]);

        use charity_resource::Column as R;
        let (within, prefix) = subtree(col(R::RegionCode), prefixes);
        let received = Query::select()
            .expr_as(prefix, "prefix")
            .expr_as(col(R::Id), "participant")
            .from(charity_resource::Entity)
            .and_where(live(R::DeletedAt))
            .cond_where(period.filters(backend, col(R::ReceivedOn)))
            .cond_where(within)
            .to_owned();
        let charity = distinct_participants(
            "R",
            vec![from_cte("p", "charity_resource_id", Some(Party::CharityResource)), received],
        );

        let in_projects = [
            distinct_participants("c", vec![from_cte("p", "region_code", Some(Party::Community))]),
            distinct_participants("w", vec![from_cte("p", "social_worker_id", Some(Party::SocialWorker))]),
            distinct_participants("v", vec![from_cte("p", "volunteer_id", Some(Party::Volunteer))]),
        ];

        let mut all = communities;
        for part in [organizations, workers, volunteers, charity].into_iter().chain(in_projects) {
            all.union(UnionType::All, part);
        }
        let mut out: HashMap<String, Self> = HashMap::new();
        for row in db.query_all(&all.with(with)).await? {
            let linkage = out.entry(get_text(&row, "prefix")?).or_default();
            let field = match get_text(&row, "kind")?.as_str() {
                "C" => &mut linkage.communities,
                "O" => &mut linkage.organizations,
                "W" => &mut linkage.social_workers,
                "V" => &mut linkage.volunteers,
                "c" => &mut linkage.communities_in_projects,
                "w" => &mut linkage.social_workers_in_projects,
                "v" => &mut linkage.volunteers_in_projects,
                _ => &mut linkage.charity_resources,
            };
            *field = get_i64(&row, "n")?;
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Figures of single records (stations, workers, teams), batched over the records of a page

/// Service records of the period whose `column` (a record id) is one of `ids`: per id,
/// person-times, the distinct clients they are computed from and the records' key sum.
async fn service_by<C: ConnectionTrait>(
    db: &C,
    column: service_record::Column,
    ids: &[Uuid],
    period: Period,
) -> Result<HashMap<Uuid, Cell>, StoreError> {
    use service_record::Column as S;
    let stmt = Query::select()
        .expr_as(col(column), "owner")
        .expr_as(sum(col(S::PersonTimes)), "person_times")
        .expr_as(count_distinct(col(S::ClientId)), "clients")
        .expr_as(key_sum(service_record::Entity), "key_sum")
        .from(service_record::Entity)
        .and_where(live(S::DeletedAt))
        .and_where(col(column).is_in(ids.iter().copied()))
        .cond_where(period.contains(col(S::ServedOn)))
        .add_group_by([col(column)])
        .to_owned();
    let mut out = HashMap::new();
    for row in db.query_all(&stmt).await? {
        let owner: Uuid = row.try_get("", "owner")?;
        let cell = Cell {
            value: get_i64(&row, "person_times")?,
            clients: get_i64(&row, "clients")?,
            key: get_i64(&row, "key_sum")?,
        };
        out.insert(owner, cell);
    }
    Ok(out)
}

/// Service delivered at each station in the period (服务人次 and distinct clients).
pub struct StationService;

impl Figures for StationService {
    type Key = Uuid;
    type Value = Cell;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
        period: Period,
    ) -> Result<HashMap<Uuid, Cell>, StoreError> {
        service_by(db, service_record::Column::StationId, ids, period).await
    }
}

/// Service delivered by each social worker in the period (服务人次 and distinct clients).
pub struct WorkerService;

impl Figures for WorkerService {
    type Key = Uuid;
    type Value = Cell;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
        period: Period,
    ) -> Result<HashMap<Uuid, Cell>, StoreError> {
        service_by(db, service_record::Column::SocialWorkerId, ids, period).await
    }
}

/// Current members of each volunteer team: live memberships not left, of live volunteers.
pub struct TeamMembers;

impl Figures for TeamMembers {
    type Key = Uuid;
    type Value = i64;
    const STOCK: bool = true;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
        _period: Period,
    ) -> Result<HashMap<Uuid, i64>, StoreError> {
        use volunteer_team_membership::Column as M;
        let team = col((volunteer_team_membership::Entity, M::VolunteerTeamId));
        let stmt = Query::select()
            .expr_as(team.clone(), "owner")
            .expr_as(count_distinct(col((volunteer_team_membership::Entity, M::VolunteerId))), "n")
            .from(volunteer_team_membership::Entity)
            .inner_join(
                volunteer::Entity,
                col((volunteer::Entity, volunteer::Column::Id))
                    .equals((volunteer_team_membership::Entity, M::VolunteerId)),
            )
            .and_where(live((volunteer_team_membership::Entity, M::DeletedAt)))
            .and_where(col((volunteer_team_membership::Entity, M::LeftOn)).is_null())
            .and_where(live((volunteer::Entity, volunteer::Column::DeletedAt)))
            .and_where(team.clone().is_in(ids.iter().copied()))
            .add_group_by([team])
            .to_owned();
        let mut out = HashMap::new();
        for row in db.query_all(&stmt).await? {
            out.insert(row.try_get::<Uuid>("", "owner")?, get_i64(&row, "n")?);
        }
        Ok(out)
    }
}

/// Volunteer service minutes logged for each team in the period (ledger entries naming it), as
/// a [`Cell`] (`clients` 0) with the entries' key sum.
pub struct TeamServiceMinutes;

impl Figures for TeamServiceMinutes {
    type Key = Uuid;
    type Value = Cell;
    async fn compute<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
        period: Period,
    ) -> Result<HashMap<Uuid, Cell>, StoreError> {
        use volunteer_ledger_entry::Column as L;
        let stmt = Query::select()
            .expr_as(col(L::VolunteerTeamId), "owner")
            .expr_as(sum(col(L::ServiceMinutes)), "minutes")
            .expr_as(key_sum(volunteer_ledger_entry::Entity), "key_sum")
            .from(volunteer_ledger_entry::Entity)
            .and_where(live(L::DeletedAt))
            .and_where(col(L::VolunteerTeamId).is_in(ids.iter().copied()))
            .cond_where(period.contains(col(L::ServedOn)))
            .add_group_by([col(L::VolunteerTeamId)])
            .to_owned();
        let mut out = HashMap::new();
        for row in db.query_all(&stmt).await? {
            let cell = Cell { value: get_i64(&row, "minutes")?, clients: 0, key: get_i64(&row, "key_sum")? };
            out.insert(row.try_get::<Uuid>("", "owner")?, cell);
        }
        Ok(out)
    }
}
