//! `RegionStatistics`: the figures of civil-affairs reports for a region and a period
//! (`Region.statistics`, `regionStatistics`). Figures come from [`crate::store::statistics`]
//! (SQL, batched over regions by DataLoader); what a caller sees of them is decided by
//! [`crate::domain::disclosure`].

use async_graphql::{Context, Enum, Object, SimpleObject};
use entity::case_file::CaseStage as StageM;
use entity::charity_resource::{CharityKind as KindM, MatchingLevel as LevelM};
use entity::client_category::ClientCategoryKind as CategoryM;
use entity::project::FundingMode as FundingM;
use entity::service_record::{ServiceMethod as MethodM, ServiceType as TypeM};
use entity::social_worker::CertificateLevel as CertificateM;
use entity::station::{StationLevel as LevelS, StationStatus as StatusS};
use sea_orm::Iterable;

use super::common::DateRange;
use super::connection::{Conn, PageArgs, root};
use super::context::RequestData;
use super::enums::{
    CaseStage, CertificateLevel, CharityKind, ClientCategory, FundingMode, MatchingLevel, ServiceMethod, ServiceType,
    StationLevel, StationStatus,
};
use super::error::{ApiError, ApiResult};
use super::limits::{connection_cost, list_cost};
use super::loaders::FigureKey;
use super::region::Region;
use super::scalars::{Date, Yuan};
use crate::domain::DivisionCode;
use crate::domain::disclosure::{CellKey, Figure, Measure, Publication, StatisticsAccess, Withheld};
use crate::store::statistics::{self as figures, Cell, Figures, Period};

mod activities;

/// Longest period accepted: 20 years (a monthly series of at most 240 entries).
pub const MAX_PERIOD_MONTHS: i64 = 240;

/// Steps of the social-worker pay scale: 3 posts × 12 grades (`byPayGrade` lists them all).
pub const PAY_SCALE_STEPS: usize = 36;

/// Values of an enumeration: the entries of a breakdown that lists every value.
///
/// Each breakdown list is costed with [`list_cost`] at its longest: every value of its
/// enumeration, [`PAY_SCALE_STEPS`], or [`MAX_PERIOD_MONTHS`] for a monthly series (the period
/// is an argument of the enclosing `statistics`). So what a statistics request resolves never
/// costs more than it was charged (`extensions.cost.actual ≤ requested`), and
/// `regionStatistics` over hundreds of divisions' monthly series is refused
/// (`COST_LIMIT_EXCEEDED`) before any SQL runs.
fn variants<E: Iterable>() -> usize {
    E::iter().count()
}

/// Parses a statistics period: both ends required, `to` after `from`, at most
/// [`MAX_PERIOD_MONTHS`] months. Errors: `INVALID_ARGUMENT` naming `argument`.
pub fn parse_period(range: DateRange, argument: &str) -> ApiResult<Period> {
    let (Some(from), Some(to)) = (range.from, range.to) else {
        return Err(ApiError::invalid(argument, format!("{argument}: both `from` and `to` are required")).into());
    };
    if to.0 <= from.0 {
        let msg = format!("{argument}: `to` ({}) must be after `from` ({})", to.0, from.0);
        return Err(ApiError::invalid(argument, msg).into());
    }
    if months(from.0, to.0).count() as i64 > MAX_PERIOD_MONTHS {
        let msg = format!("{argument}: a period may span at most {MAX_PERIOD_MONTHS} months");
        return Err(ApiError::invalid(argument, msg).into());
    }
    Ok(Period { from: from.0, to: to.0 })
}

/// The calendar months (`YYYY-MM`) a half-open date range touches.
fn months(from: chrono::NaiveDate, to: chrono::NaiveDate) -> impl Iterator<Item = String> {
    use chrono::Datelike;
    let last = to.pred_opt().unwrap_or(to);
    let (mut y, mut m) = (from.year(), from.month());
    std::iter::from_fn(move || {
        if (y, m) > (last.year(), last.month()) {
            return None;
        }
        let out = format!("{y:04}-{m:02}");
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Some(out)
    })
}

/// Why a figure is withheld.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum WithholdingReason {
    /// No longer given: small cells were withheld before figures about persons were
    /// perturbed (the cell-key method); they are now published perturbed.
    #[graphql(deprecation = "Figures about persons are perturbed (`perturbed`), no longer withheld as small cells")]
    SmallCell,
    /// An internal figure; the caller sees only published figures.
    NotPublished,
    /// No longer given: complementary cells were withheld so that a withheld cell could not be
    /// recomputed from its total; perturbed figures need no complementary suppression.
    #[graphql(
        deprecation = "Figures about persons are perturbed (`perturbed`), no longer withheld as complementary cells"
    )]
    Complementary,
}

impl From<Withheld> for WithholdingReason {
    fn from(w: Withheld) -> Self {
        match w {
            Withheld::NotPublished => WithholdingReason::NotPublished,
        }
    }
}

/// A figure about persons (clients and their service): `value`, exact or perturbed, or
/// `withheld` saying why not. For `PUBLISHED` access a figure is perturbed by the cell-key
/// method (docs/DISCLOSURE.md): its true value plus a noise fixed by the records it counts, so
/// the same records always give the same value, by whatever route it is asked. Counts move
/// by at most 2 and are never published as 1 or 2 (a true 1 to 3 may be published as 0 or 3
/// to 5; 0 stays 0); sums (person-times) move by at most 4 %. Totals and their breakdowns are
/// perturbed independently and need not add up.
#[derive(SimpleObject, Clone, Copy)]
pub struct ProtectedFigure {
    /// The figure, exact or perturbed (see `perturbed`); null when withheld.
    pub value: Option<i64>,
    /// Why the figure is withheld; null when it is given.
    pub withheld: Option<WithholdingReason>,
    /// Whether `value` is perturbed (the cell-key method): true for figures about persons given
    /// to callers with `PUBLISHED` access; false when exact or withheld.
    pub perturbed: bool,
}

impl ProtectedFigure {
    /// A figure published exact to everyone (`perturbed: false`).
    pub fn exact(value: i64) -> Self {
        ProtectedFigure { value: Some(value), withheld: None, perturbed: false }
    }
}

impl From<Figure> for ProtectedFigure {
    fn from(f: Figure) -> Self {
        match f.value {
            Ok(v) => ProtectedFigure { value: Some(v), withheld: None, perturbed: f.perturbed },
            Err(w) => ProtectedFigure { value: None, withheld: Some(w.into()), perturbed: false },
        }
    }
}

/// What a section of the statistics is about: a subtree, a period, and what the caller sees.
#[derive(Clone)]
struct Subject {
    /// Significant code prefix of the region (`5223`).
    prefix: String,
    period: Period,
    access: StatisticsAccess,
}

impl Subject {
    async fn load<F: Figures<Key = String>>(&self, ctx: &Context<'_>) -> ApiResult<F::Value> {
        let data = RequestData::of(ctx)?;
        let key = FigureKey::<F>::new(self.prefix.clone(), self.period);
        Ok(data.loader.load_one(key).await.map_err(ApiError::from)?.unwrap_or_default())
    }

    /// A published sum over people's records (person-times): perturbed as a magnitude.
    fn magnitude(&self, c: Cell) -> ProtectedFigure {
        self.access.figure(Publication::Published, Measure::Magnitude, c.value, CellKey::from_sum(c.key)).into()
    }

    /// A count of people or their records with the key sum of `c`.
    fn count(&self, publication: Publication, value: i64, c: Cell) -> ProtectedFigure {
        self.access.figure(publication, Measure::Count, value, CellKey::from_sum(c.key)).into()
    }

    /// `(total, certified)` persons for this access ([`figures::Persons`]).
    fn persons(&self, p: figures::Persons) -> (i64, i64) {
        match self.access {
            StatisticsAccess::Full => (p.total, p.certified),
            StatisticsAccess::Published => (p.total_records, p.certified_records),
        }
    }

    /// An internal count that is not about persons (pay scale): exact for `FULL`, withheld
    /// otherwise.
    fn internal(&self, value: i64) -> ProtectedFigure {
        self.access.figure(Publication::Internal, Measure::Count, value, CellKey::default()).into()
    }

    /// A sum over volunteers' ledger entries for a scalar field: exact for `FULL`, perturbed
    /// as a magnitude for `PUBLISHED` (never withheld: ledger figures are published), and 0
    /// where the cell's `entries` are published as 0: hours beside no person-times would tell
    /// that someone served there.
    fn ledger_sum(&self, value: i64, entries: i64, key: i64) -> i64 {
        if self.access == StatisticsAccess::Published && self.ledger_count(entries, key) == 0 {
            return 0;
        }
        let f = self.access.figure(Publication::Published, Measure::Magnitude, value, CellKey::from_sum(key));
        f.value.unwrap_or(value)
    }

    /// A count of ledger entries for a scalar field, as [`Subject::ledger_sum`].
    fn ledger_count(&self, value: i64, key: i64) -> i64 {
        let f = self.access.figure(Publication::Published, Measure::Count, value, CellKey::from_sum(key));
        f.value.unwrap_or(value)
    }
}

/// The statistics of one division's subtree (the division and everything below it) for one
/// period. *Stock* figures (stations, coverage, social workers, volunteers and teams, clients
/// on file) describe the current records; *flow* figures (service, volunteer hours, projects,
/// charity, linkage) count what happened in the period, a half-open range `[from, to)` of
/// China Standard Time dates. Figures about persons (clients, service, volunteer service) are
/// perturbed for `PUBLISHED` access by the cell-key method: see `ProtectedFigure`. Figures
/// about stations, coverage, organisations, projects and charity are exact for everyone.
pub struct RegionStatistics {
    region: Region,
    subject: Subject,
}

impl RegionStatistics {
    pub fn new(region: Region, period: Period, scope: &crate::store::Scope) -> Self {
        let code = DivisionCode::parse(&region.0.code).ok();
        let prefix = code.as_ref().map_or_else(|| region.0.code.clone(), |c| c.significant().to_owned());
        let access = code.map_or(StatisticsAccess::Published, |c| scope.statistics_access(&c));
        RegionStatistics { region, subject: Subject { prefix, period, access } }
    }
}

/// Stations of one level.
#[derive(SimpleObject)]
pub struct StationLevelCount {
    /// The level.
    pub level: StationLevel,
    /// Stations of the level.
    pub count: i64,
}

/// Stations of one status.
#[derive(SimpleObject)]
pub struct StationStatusCount {
    /// The status.
    pub status: StationStatus,
    /// Stations of the status.
    pub count: i64,
}

/// The period of statistics: `[from, to)`, China Standard Time dates.
#[derive(SimpleObject)]
pub struct StatisticsPeriod {
    /// First day included.
    pub from: Date,
    /// First day excluded.
    pub to: Date,
}

/// The statistics of one division's subtree (the division and everything below it) for one
/// period. *Stock* figures (stations, coverage, social workers, volunteers and teams, clients
/// on file) describe the current records; *flow* figures (service, volunteer hours, projects,
/// charity, linkage) count what happened in the period, a half-open range `[from, to)` of
/// China Standard Time dates. Figures about persons (clients, service, volunteer service) are
/// perturbed for `PUBLISHED` access by the cell-key method: see `ProtectedFigure`. Figures
/// about stations, coverage, organisations, projects and charity are exact for everyone.
#[Object]
impl RegionStatistics {
    /// The division.
    async fn region(&self) -> &Region {
        &self.region
    }
    /// The period of the flow figures.
    async fn period(&self) -> StatisticsPeriod {
        StatisticsPeriod { from: Date(self.subject.period.from), to: Date(self.subject.period.to) }
    }
    /// Whether figures about persons are perturbed and internal figures withheld for this
    /// caller (`PUBLISHED`) or every figure is exact (`FULL`: ADMIN, and CIVIL_AFFAIRS
    /// callers of this division or one above it).
    async fn access(&self) -> StatisticsAccessLevel {
        self.subject.access.into()
    }
    /// Stations of every level and status (stock).
    async fn station_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let s = self.subject.load::<figures::StationCounts>(ctx).await?;
        Ok(s.0.values().map(|(n, _)| n).sum())
    }
    /// Stations by level, every level present (zeros included) (stock).
    #[graphql(complexity = "list_cost(variants::<LevelS>(), child_complexity)")]
    async fn stations_by_level(&self, ctx: &Context<'_>) -> ApiResult<Vec<StationLevelCount>> {
        let s = self.subject.load::<figures::StationCounts>(ctx).await?;
        Ok(LevelS::iter()
            .map(|level| StationLevelCount {
                level: level.into(),
                count: s.0.iter().filter(|((l, _), _)| *l == level).map(|(_, (n, _))| n).sum(),
            })
            .collect())
    }
    /// Stations by status, every status present (zeros included) (stock).
    #[graphql(complexity = "list_cost(variants::<StatusS>(), child_complexity)")]
    async fn stations_by_status(&self, ctx: &Context<'_>) -> ApiResult<Vec<StationStatusCount>> {
        let s = self.subject.load::<figures::StationCounts>(ctx).await?;
        Ok(StatusS::iter()
            .map(|status| StationStatusCount {
                status: status.into(),
                count: s.0.iter().filter(|((_, st), _)| *st == status).map(|(_, (n, _))| n).sum(),
            })
            .collect())
    }
    /// Stations in full service (全面运行), of any level and status (stock).
    async fn stations_in_full_service(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let s = self.subject.load::<figures::StationCounts>(ctx).await?;
        Ok(s.0.values().map(|(_, full)| full).sum())
    }
    /// Township coverage by operating township stations (stock).
    async fn coverage(&self, ctx: &Context<'_>) -> ApiResult<Coverage> {
        Coverage::load(ctx, self.subject.prefix.clone()).await
    }
    /// County coverage by social-work agencies (社会工作服务机构覆盖率, stock).
    async fn agency_coverage(&self, ctx: &Context<'_>) -> ApiResult<AgencyCoverage> {
        Ok(AgencyCoverage(self.subject.load::<figures::AgencyCoverage>(ctx).await?))
    }
    /// Social workers serving in the subtree (stock).
    async fn social_workers(&self) -> SocialWorkerStatistics {
        SocialWorkerStatistics(self.subject.clone())
    }
    /// Volunteers and teams (stock) and volunteer service in the period (flow).
    async fn volunteers(&self) -> VolunteerStatistics {
        VolunteerStatistics(self.subject.clone())
    }
    /// Service delivered in the period (flow).
    async fn service(&self) -> ServiceStatistics {
        ServiceStatistics(self.subject.clone())
    }
    /// Clients on file living in the subtree (stock): aggregates only, never individuals.
    async fn clients(&self) -> ClientStatistics {
        ClientStatistics(self.subject.clone())
    }
    /// Projects located in the subtree running in the period (flow).
    async fn projects(&self) -> ProjectStatistics {
        ProjectStatistics(self.subject.clone())
    }
    /// Charity resources received in the subtree in the period (flow).
    async fn charity(&self) -> CharityStatistics {
        CharityStatistics(self.subject.clone())
    }
    /// Trainings (培训) held in the period (flow): sessions exact, person-times a figure about
    /// persons.
    async fn trainings(&self) -> activities::TrainingStatistics {
        activities::TrainingStatistics(self.subject.clone())
    }
    /// Deliberation meetings (议事协商) held in the period (flow): meetings and problems
    /// resolved exact, participants a figure about persons.
    async fn deliberations(&self) -> activities::DeliberationStatistics {
        activities::DeliberationStatistics(self.subject.clone())
    }
    /// Awards (荣誉) of the years the period touches (flow), exact.
    async fn awards(&self) -> activities::AwardStatistics {
        activities::AwardStatistics(self.subject.clone())
    }
    /// Five-society linkage (五社联动) in the period (flow). For `PUBLISHED` access,
    /// participation in projects only: see `LinkageStatistics`.
    async fn linkage(&self, ctx: &Context<'_>) -> ApiResult<LinkageStatistics> {
        let l = self.subject.load::<figures::Linkage>(ctx).await?;
        Ok(match self.subject.access {
            StatisticsAccess::Full => LinkageStatistics {
                communities: l.communities,
                organizations: l.organizations,
                social_workers: l.social_workers,
                volunteers: l.volunteers,
                charity_resources: l.charity_resources,
            },
            StatisticsAccess::Published => LinkageStatistics {
                communities: l.communities_in_projects,
                organizations: l.organizations,
                social_workers: l.social_workers_in_projects,
                volunteers: l.volunteers_in_projects,
                charity_resources: l.charity_resources,
            },
        })
    }
}

/// What a caller sees of a region's statistics.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::disclosure::StatisticsAccess")]
pub enum StatisticsAccessLevel {
    /// Every figure, exact.
    Full,
    /// Published figures only: figures about persons perturbed (the cell-key method),
    /// internal figures withheld.
    Published,
}

// ---------------------------------------------------------------------------------------------

/// Township coverage of a division's subtree: how many township-level units have an
/// operating township station (乡镇(街道)社工站覆盖率). Counts every station whoever asks: it
/// is a published figure.
pub struct Coverage {
    prefix: String,
    counts: figures::CoverageCounts,
}

impl Coverage {
    pub async fn load(ctx: &Context<'_>, prefix: String) -> ApiResult<Coverage> {
        let data = RequestData::of(ctx)?;
        let key = FigureKey::<figures::CoverageCounts>::new(prefix.clone(), Period::STOCK);
        let counts = data.loader.load_one(key).await.map_err(ApiError::from)?.unwrap_or_default();
        Ok(Coverage { prefix, counts })
    }
}

/// Township coverage of a division's subtree: how many township-level units have an
/// operating township station (乡镇(街道)社工站覆盖率). Counts every station whoever asks: it
/// is a published figure.
#[civlink_macros::describe_arguments]
#[Object]
impl Coverage {
    /// Township-level units (towns, townships, streets) in the subtree.
    async fn townships(&self) -> u64 {
        self.counts.0
    }
    /// Of those, units with an OPERATING TOWNSHIP_STATION located in them.
    async fn townships_with_station(&self) -> u64 {
        self.counts.1
    }
    /// `townshipsWithStation / townships`, from 0 to 1; null when there are no townships.
    async fn rate(&self) -> Option<f64> {
        (self.counts.0 > 0).then(|| self.counts.1 as f64 / self.counts.0 as f64)
    }
    /// The division's announced coverage target (the one announced last), if any: a plan,
    /// not a count.
    async fn target(&self, ctx: &Context<'_>) -> ApiResult<Option<super::coverage_target::CoverageTarget>> {
        super::coverage_target::of_region(ctx, &format!("{:0<12}", self.prefix)).await
    }
    /// The township-level units without an operating township station, by code.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn uncovered_townships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Conn<Region>> {
        let args = PageArgs { first, after, last, before, ..Default::default() };
        let filter = crate::store::region::RegionFilter {
            level: Some(entity::region::RegionLevel::Township),
            within: DivisionCode::parse(&format!("{:0<12}", self.prefix)).ok(),
            has_operating_station: Some(false),
            ..Default::default()
        };
        root::<entity::region::Entity, _>(ctx, filter, Default::default(), args).await
    }
}

/// County coverage by social-work agencies (社会工作服务机构覆盖率): how many county-level
/// divisions of the subtree have a social-work agency (`SOCIAL_WORK_AGENCY`) registered in
/// them. The source article does not define the figure; this is the county-level reading of
/// the civil-affairs plans (an agency in every county, DOMAIN.md). Exact for everyone.
pub struct AgencyCoverage(figures::AgencyCoverage);

/// County coverage by social-work agencies (社会工作服务机构覆盖率): how many county-level
/// divisions of the subtree have a social-work agency (`SOCIAL_WORK_AGENCY`) registered in
/// them. The source article does not define the figure; this is the county-level reading of
/// the civil-affairs plans (an agency in every county, DOMAIN.md). Exact for everyone.
#[Object]
impl AgencyCoverage {
    /// County-level divisions (counties, county-level cities, districts) in the subtree.
    async fn counties(&self) -> u64 {
        self.0.0
    }
    /// Of those, divisions where at least one social-work agency is registered.
    async fn counties_with_agency(&self) -> u64 {
        self.0.1
    }
    /// `countiesWithAgency / counties`, from 0 to 1; null when there are no counties.
    async fn rate(&self) -> Option<f64> {
        (self.0.0 > 0).then(|| self.0.1 as f64 / self.0.0 as f64)
    }
}

// ---------------------------------------------------------------------------------------------

/// Social workers of one certificate level.
#[derive(SimpleObject)]
pub struct CertificateLevelCount {
    /// The certificate level.
    pub level: CertificateLevel,
    /// Workers holding it (as their highest).
    pub count: i64,
}

/// Social workers on one step of the "3 posts, 12 grades" pay scale (3岗12级).
#[derive(SimpleObject)]
pub struct PayGradeCount {
    /// Pay post, 1-3.
    pub post: i32,
    /// Pay grade within the post, 1-12.
    pub grade: i32,
    /// Workers on this step (an internal figure).
    pub count: ProtectedFigure,
}

/// Social workers serving in the subtree (stock).
pub struct SocialWorkerStatistics(Subject);

/// Social workers serving in the subtree (stock).
#[Object]
impl SocialWorkerStatistics {
    /// Social workers. With `FULL` access counted as **persons**: records with the same
    /// citizen ID number (one person in several sources' rosters) count once, and a record
    /// without one counts as a person. With `PUBLISHED` access counted as **records**: a
    /// merged count would tell a caller who can write records where it may not read whether
    /// a citizen ID number it registers is already on file there.
    async fn total(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.persons(self.0.load::<figures::WorkerCounts>(ctx).await?.1).0)
    }
    /// Workers holding a certificate (any level other than NONE), counted as `total` counts: for
    /// `FULL` access a person with a certificate in any of their records counts once.
    async fn certified(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.persons(self.0.load::<figures::WorkerCounts>(ctx).await?.1).1)
    }
    /// `certified / total`, from 0 to 1; null without workers.
    async fn certification_rate(&self, ctx: &Context<'_>) -> ApiResult<Option<f64>> {
        let (total, certified) = self.0.persons(self.0.load::<figures::WorkerCounts>(ctx).await?.1);
        Ok((total > 0).then(|| certified as f64 / total as f64))
    }
    /// Worker **records** by certificate level, every level present (a person with records
    /// of two levels counts in both).
    #[graphql(complexity = "list_cost(variants::<CertificateM>(), child_complexity)")]
    async fn by_certificate_level(&self, ctx: &Context<'_>) -> ApiResult<Vec<CertificateLevelCount>> {
        let w = self.0.load::<figures::WorkerCounts>(ctx).await?;
        Ok(CertificateM::iter()
            .map(|level| CertificateLevelCount {
                level: level.into(),
                count: w.0.iter().filter(|r| r.0 == level).map(|r| r.3).sum(),
            })
            .collect())
    }
    /// Worker **records** on each of the 36 steps of the pay scale, post by post (internal
    /// figures).
    #[graphql(complexity = "list_cost(PAY_SCALE_STEPS, child_complexity)")]
    async fn by_pay_grade(&self, ctx: &Context<'_>) -> ApiResult<Vec<PayGradeCount>> {
        let w = self.0.load::<figures::WorkerCounts>(ctx).await?;
        let mut out = Vec::with_capacity(PAY_SCALE_STEPS);
        for post in 1..=3 {
            for grade in 1..=12 {
                let n = w.0.iter().filter(|r| r.1 == Some(post) && r.2 == Some(grade)).map(|r| r.3).sum();
                let count = self.0.internal(n);
                out.push(PayGradeCount { post, grade, count });
            }
        }
        Ok(out)
    }
    /// Worker **records** not on the pay scale (no post or grade recorded) (an internal figure).
    async fn not_on_pay_scale(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let w = self.0.load::<figures::WorkerCounts>(ctx).await?;
        let n = w.0.iter().filter(|r| r.1.is_none() || r.2.is_none()).map(|r| r.3).sum();
        Ok(self.0.internal(n))
    }
}

// ---------------------------------------------------------------------------------------------

/// Volunteers and teams of the subtree (stock) and their service in the period (flow).
pub struct VolunteerStatistics(Subject);

/// Volunteers and teams of the subtree (stock) and their service in the period (flow).
#[Object]
impl VolunteerStatistics {
    /// Volunteers registered in the subtree. With `FULL` access counted as **persons**: records
    /// with the same citizen ID number (the national volunteer system's roster and a county's)
    /// count once, and a record without one counts as a person. With `PUBLISHED` access counted
    /// as **records**, as `socialWorkers.total` and for the same reason.
    async fn volunteers(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let v = self.0.load::<figures::VolunteerCounts>(ctx).await?;
        Ok(if self.0.access == StatisticsAccess::Full { v.volunteers } else { v.volunteer_records })
    }
    /// Volunteer teams registered in the subtree.
    async fn teams(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::VolunteerCounts>(ctx).await?.teams)
    }
    /// Hours of service the subtree's volunteers logged in the period: ledger minutes / 60,
    /// rounded half away from zero to two decimals. For `PUBLISHED` access the minutes are
    /// perturbed (a sum over people, at most 4 %).
    async fn service_hours(&self, ctx: &Context<'_>) -> ApiResult<f64> {
        let l = self.0.load::<figures::LedgerTotals>(ctx).await?;
        Ok(crate::domain::time::hours_from_minutes(self.0.ledger_sum(l.minutes, l.person_times, l.key)))
    }
    /// Person-times of volunteer service (志愿服务人次) in the period: ledger entries with
    /// service time, less their reversals (a corrected entry counts for nothing). For `PUBLISHED` access perturbed as a count (at most ±2, never 1 or 2).
    async fn service_person_times(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let l = self.0.load::<figures::LedgerTotals>(ctx).await?;
        Ok(self.0.ledger_count(l.person_times, l.key))
    }
    /// Points (志愿积分) earned minus points redeemed in the period. For `PUBLISHED` access
    /// perturbed (a sum over people, at most 4 %).
    async fn points(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let l = self.0.load::<figures::LedgerTotals>(ctx).await?;
        Ok(self.0.ledger_sum(l.points, l.person_times, l.key))
    }
    /// Divisions (usually communities) of the subtree where volunteer point rules (志愿积分,
    /// the points pilots) were in force on some day of the period. About places: exact for
    /// everyone.
    async fn regions_with_point_rules(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::PointRuleRegions>(ctx).await?.0)
    }
}

// ---------------------------------------------------------------------------------------------

/// Service of one type in the period.
#[derive(SimpleObject)]
pub struct ServiceTypeFigures {
    /// The service type.
    pub service_type: ServiceType,
    /// Person-times (服务人次).
    pub person_times: ProtectedFigure,
    /// Distinct clients served.
    pub clients_served: ProtectedFigure,
}

/// Service by one method in the period.
#[derive(SimpleObject)]
pub struct ServiceMethodFigures {
    /// The method.
    pub method: ServiceMethod,
    /// Person-times (服务人次).
    pub person_times: ProtectedFigure,
    /// Distinct clients served.
    pub clients_served: ProtectedFigure,
}

/// Service in one calendar month.
#[derive(SimpleObject)]
pub struct ServiceMonthFigures {
    /// The month, `YYYY-MM` (China Standard Time).
    pub month: String,
    /// Person-times (服务人次).
    pub person_times: ProtectedFigure,
    /// Distinct clients served.
    pub clients_served: ProtectedFigure,
}

/// Service delivered in the subtree in the period (flow). For `PUBLISHED` access every cell
/// is perturbed on its own (the cell-key method): breakdowns need not add up to the totals.
pub struct ServiceStatistics(Subject);

impl ServiceStatistics {
    /// A cell's person-times (a sum) and distinct clients (a count), perturbed independently of
    /// every other cell.
    fn figures(&self, c: Cell) -> (ProtectedFigure, ProtectedFigure) {
        (self.0.magnitude(c), self.0.count(Publication::Published, c.clients, c))
    }

    /// The rows of a breakdown of person-times, each cell on its own.
    fn breakdown(&self, cells: &[Cell]) -> Vec<(ProtectedFigure, ProtectedFigure)> {
        cells.iter().map(|c| self.figures(*c)).collect()
    }
}

/// Service delivered in the subtree in the period (flow). For `PUBLISHED` access every cell
/// is perturbed on its own (the cell-key method): breakdowns need not add up to the totals.
#[Object]
impl ServiceStatistics {
    /// Person-times served (服务人次), the sum over service records.
    async fn person_times(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        Ok(self.0.magnitude(self.0.load::<figures::ServiceFigures>(ctx).await?.person_times))
    }
    /// Distinct clients served (casework records).
    async fn clients_served(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let t = self.0.load::<figures::ServiceFigures>(ctx).await?;
        Ok(self.figures(t.person_times).1)
    }
    /// Service records.
    async fn records(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let t = self.0.load::<figures::ServiceFigures>(ctx).await?;
        Ok(self.0.count(Publication::Published, t.records, t.person_times))
    }
    /// By service type, every type present.
    #[graphql(complexity = "list_cost(variants::<TypeM>(), child_complexity)")]
    async fn by_service_type(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceTypeFigures>> {
        let t = self.0.load::<figures::ServiceFigures>(ctx).await?;
        let by = t.by_type;
        let cells: Vec<Cell> = TypeM::iter().map(|t| by.get(&t).copied().unwrap_or_default()).collect();
        Ok(TypeM::iter()
            .zip(self.breakdown(&cells))
            .map(|(t, (person_times, clients_served))| ServiceTypeFigures {
                service_type: t.into(),
                person_times,
                clients_served,
            })
            .collect())
    }
    /// By method, every method present.
    #[graphql(complexity = "list_cost(variants::<MethodM>(), child_complexity)")]
    async fn by_method(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceMethodFigures>> {
        let t = self.0.load::<figures::ServiceFigures>(ctx).await?;
        let by = t.by_method;
        let cells: Vec<Cell> = MethodM::iter().map(|m| by.get(&m).copied().unwrap_or_default()).collect();
        Ok(MethodM::iter()
            .zip(self.breakdown(&cells))
            .map(|(m, (person_times, clients_served))| ServiceMethodFigures {
                method: m.into(),
                person_times,
                clients_served,
            })
            .collect())
    }
    /// By calendar month, every month the period touches present (zeros included).
    #[graphql(complexity = "list_cost(MAX_PERIOD_MONTHS as usize, child_complexity)")]
    async fn by_month(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceMonthFigures>> {
        let t = self.0.load::<figures::ServiceFigures>(ctx).await?;
        let by = t.by_month;
        let months: Vec<String> = months(self.0.period.from, self.0.period.to).collect();
        let cells: Vec<Cell> = months.iter().map(|m| by.get(m).copied().unwrap_or_default()).collect();
        Ok(months
            .into_iter()
            .zip(self.breakdown(&cells))
            .map(|(month, (person_times, clients_served))| ServiceMonthFigures { month, person_times, clients_served })
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------

/// Clients of one category.
#[derive(SimpleObject)]
pub struct ClientCategoryFigure {
    /// The category.
    pub category: ClientCategory,
    /// Clients in the category.
    pub clients: ProtectedFigure,
}

/// Case files at one casework stage.
#[derive(SimpleObject)]
pub struct CaseStageFigure {
    /// The casework stage.
    pub stage: CaseStage,
    /// Case files at the stage (an internal figure).
    pub case_files: ProtectedFigure,
}

/// Clients on file living in the subtree (stock). Aggregates only; every cell is a count of
/// distinct clients, perturbed for `PUBLISHED` access (the cell-key method; cells need not
/// add up).
pub struct ClientStatistics(Subject);

/// Clients on file living in the subtree (stock). Aggregates only; every cell is a count of
/// distinct clients, perturbed for `PUBLISHED` access (the cell-key method; cells need not
/// add up).
#[Object]
impl ClientStatistics {
    /// Clients on file (the data ledger, 数据台账).
    async fn on_file(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let c = self.0.load::<figures::ClientCounts>(ctx).await?;
        Ok(self.0.count(Publication::Published, c.on_file.value, c.on_file))
    }
    /// Clients by category, every category present. A client may be in several.
    #[graphql(complexity = "list_cost(variants::<CategoryM>(), child_complexity)")]
    async fn by_category(&self, ctx: &Context<'_>) -> ApiResult<Vec<ClientCategoryFigure>> {
        let c = self.0.load::<figures::ClientCounts>(ctx).await?;
        Ok(CategoryM::iter()
            .map(|k| ClientCategoryFigure {
                category: k.into(),
                clients: {
                    let cell = c.by_category.get(&k).copied().unwrap_or_default();
                    self.0.count(Publication::Published, cell.value, cell)
                },
            })
            .collect())
    }
    /// Case files (一人一档, one per client).
    async fn case_files(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let c = self.0.load::<figures::ClientCounts>(ctx).await?;
        let files = sum_cells(c.by_stage.values().map(|(files, _)| files));
        Ok(self.0.count(Publication::Published, files.value, files))
    }
    /// Case files by casework stage (MZ/T 094-2017), every stage present (internal figures).
    #[graphql(complexity = "list_cost(variants::<StageM>(), child_complexity)")]
    async fn by_case_stage(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseStageFigure>> {
        let c = self.0.load::<figures::ClientCounts>(ctx).await?;
        Ok(StageM::iter()
            .map(|s| CaseStageFigure {
                stage: s.into(),
                case_files: {
                    let files = c.by_stage.get(&s).map(|(files, _)| *files).unwrap_or_default();
                    self.0.count(Publication::Internal, files.value, files)
                },
            })
            .collect())
    }
    /// Deep cases (深度个案).
    async fn deep_cases(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let c = self.0.load::<figures::ClientCounts>(ctx).await?;
        let deep = sum_cells(c.by_stage.values().map(|(_, deep)| deep));
        Ok(self.0.count(Publication::Published, deep.value, deep))
    }
}

/// The cell of the union of disjoint cells: values, clients and key sums added (the key of a
/// union is the sum of its parts' keys).
fn sum_cells<'a>(cells: impl Iterator<Item = &'a Cell>) -> Cell {
    cells.fold(Cell::default(), |a, c| Cell {
        value: a.value + c.value,
        clients: a.clients + c.clients,
        key: a.key + c.key,
    })
}

// ---------------------------------------------------------------------------------------------

/// Projects of one funding mode.
#[derive(SimpleObject)]
pub struct FundingModeFigures {
    /// The funding mode.
    pub funding_mode: FundingMode,
    /// Projects funded so.
    pub projects: i64,
    /// Budget, yuan.
    pub budget: Yuan,
    /// Funds raised, yuan.
    pub funds_raised: Yuan,
    /// People the projects report reaching (see `ProjectStatistics.beneficiaries`).
    pub beneficiaries: i64,
}

/// Projects located in the subtree running in the period: started before its end and not
/// ended (`endsOn`, the last day) before its start (flow).
pub struct ProjectStatistics(Subject);

/// Projects located in the subtree running in the period: started before its end and not
/// ended (`endsOn`, the last day) before its start (flow).
#[Object]
impl ProjectStatistics {
    /// Projects.
    async fn projects(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::ProjectTotals>(ctx).await?.0.values().map(|v| v.0).sum())
    }
    /// Their budgets, yuan.
    async fn budget(&self, ctx: &Context<'_>) -> ApiResult<Yuan> {
        Ok(Yuan::from_fen(self.0.load::<figures::ProjectTotals>(ctx).await?.0.values().map(|v| v.1).sum()))
    }
    /// Funds they raised, yuan.
    async fn funds_raised(&self, ctx: &Context<'_>) -> ApiResult<Yuan> {
        Ok(Yuan::from_fen(self.0.load::<figures::ProjectTotals>(ctx).await?.0.values().map(|v| v.2).sum()))
    }
    /// People the projects report reaching (受益群众): the sum of `Project.beneficiaries`, as
    /// the projects declare them (projects that report none add nothing). A figure the
    /// projects publish, not a count of records about persons: exact for everyone.
    async fn beneficiaries(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::ProjectTotals>(ctx).await?.0.values().map(|v| v.3).sum())
    }
    /// By funding mode, every mode present.
    #[graphql(complexity = "list_cost(variants::<FundingM>(), child_complexity)")]
    async fn by_funding_mode(&self, ctx: &Context<'_>) -> ApiResult<Vec<FundingModeFigures>> {
        let p = self.0.load::<figures::ProjectTotals>(ctx).await?;
        Ok(FundingM::iter()
            .map(|m| {
                let (projects, budget, raised, beneficiaries) = p.0.get(&m).copied().unwrap_or_default();
                FundingModeFigures {
                    funding_mode: m.into(),
                    projects,
                    budget: Yuan::from_fen(budget),
                    funds_raised: Yuan::from_fen(raised),
                    beneficiaries,
                }
            })
            .collect())
    }
}

/// Charity resources of one kind.
#[derive(SimpleObject)]
pub struct CharityKindFigures {
    /// The kind.
    pub kind: CharityKind,
    /// Resources of the kind.
    pub resources: i64,
    /// Value, yuan.
    pub value: Yuan,
}

/// Matched donations (配捐) of one level.
#[derive(SimpleObject)]
pub struct MatchingLevelFigures {
    /// Who matched.
    pub level: MatchingLevel,
    /// Matched donations of the level.
    pub resources: i64,
    /// Value, yuan.
    pub value: Yuan,
}

/// Charity resources received in the subtree in the period (flow).
pub struct CharityStatistics(Subject);

/// Charity resources received in the subtree in the period (flow).
#[Object]
impl CharityStatistics {
    /// Resources received.
    async fn resources(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::CharityTotals>(ctx).await?.0.values().map(|v| v.0).sum())
    }
    /// Their value, yuan.
    async fn value(&self, ctx: &Context<'_>) -> ApiResult<Yuan> {
        Ok(Yuan::from_fen(self.0.load::<figures::CharityTotals>(ctx).await?.0.values().map(|v| v.1).sum()))
    }
    /// Value that went into community charity funds (社区慈善基金), yuan.
    async fn community_fund_value(&self, ctx: &Context<'_>) -> ApiResult<Yuan> {
        Ok(Yuan::from_fen(self.0.load::<figures::CharityTotals>(ctx).await?.0.values().map(|v| v.2).sum()))
    }
    /// By kind, every kind present.
    #[graphql(complexity = "list_cost(variants::<KindM>(), child_complexity)")]
    async fn by_kind(&self, ctx: &Context<'_>) -> ApiResult<Vec<CharityKindFigures>> {
        let c = self.0.load::<figures::CharityTotals>(ctx).await?;
        Ok(KindM::iter()
            .map(|k| {
                let rows = c.0.iter().filter(|((kind, _), _)| *kind == k);
                let (n, v) = rows.fold((0, 0), |(n, v), (_, r)| (n + r.0, v + r.1));
                CharityKindFigures { kind: k.into(), resources: n, value: Yuan::from_fen(v) }
            })
            .collect())
    }
    /// Matched donations (kind MATCHED_DONATION) by matching level, every level present.
    #[graphql(complexity = "list_cost(variants::<LevelM>(), child_complexity)")]
    async fn matched_by_level(&self, ctx: &Context<'_>) -> ApiResult<Vec<MatchingLevelFigures>> {
        let c = self.0.load::<figures::CharityTotals>(ctx).await?;
        Ok(LevelM::iter()
            .map(|l| {
                let (n, v, _) = c.0.get(&(KindM::MatchedDonation, Some(l))).copied().unwrap_or_default();
                MatchingLevelFigures { level: l.into(), resources: n, value: Yuan::from_fen(v) }
            })
            .collect())
    }
}

/// Five-society linkage (五社联动): distinct participants of each party active in the
/// subtree in the period, through its running projects or its service. Exact for everyone;
/// for `PUBLISHED` access (`RegionStatistics.access`) communities, social workers and
/// volunteers count participation in projects only, because one found only through service
/// would tell that someone was served, or served, there in the period (docs/DISCLOSURE.md).
#[derive(SimpleObject)]
pub struct LinkageStatistics {
    /// Villages and communities (村/社区) taking part in projects, or (`FULL` access only)
    /// where service took place.
    pub communities: i64,
    /// Social organisations taking part in projects.
    pub organizations: i64,
    /// Social worker **records** taking part in projects, or (`FULL` access only) delivering
    /// service (one person with records in two rosters who took part through both counts twice).
    pub social_workers: i64,
    /// Volunteer **records** taking part in projects, or (`FULL` access only) logging service
    /// time (as `socialWorkers`).
    pub volunteers: i64,
    /// Charity resources taking part in projects or received.
    pub charity_resources: i64,
}

// ---------------------------------------------------------------------------------------------
// Figures of single records

/// A figure of one record (station, worker, team) for `period`, batched over the records of
/// a page.
pub async fn record_figure<F: Figures<Key = uuid::Uuid>>(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    period: Period,
) -> ApiResult<F::Value> {
    let data = RequestData::of(ctx)?;
    Ok(Box::pin(data.loader.load_one(FigureKey::<F>::new(id, period)))
        .await
        .map_err(ApiError::from)?
        .unwrap_or_default())
}

/// A sum over people's records of one record (a team's minutes of service): exact for `Full`
/// access, perturbed as a magnitude for `Published`.
pub fn published_sum(access: StatisticsAccess, c: Cell) -> i64 {
    let f = access.figure(Publication::Published, Measure::Magnitude, c.value, CellKey::from_sum(c.key));
    f.value.unwrap_or(c.value)
}

/// Person-times (服务人次) of one record's service in `period`: exact for `Full` access,
/// perturbed as a magnitude (the cell-key method) for `Published`.
pub async fn person_times<F: Figures<Key = uuid::Uuid, Value = Cell>>(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    period: DateRange,
    access: StatisticsAccess,
) -> ApiResult<ProtectedFigure> {
    let period = parse_period(period, "period")?;
    let c = record_figure::<F>(ctx, id, period).await?;
    Ok(access.figure(Publication::Published, Measure::Magnitude, c.value, CellKey::from_sum(c.key)).into())
}

// ---------------------------------------------------------------------------------------------

/// Largest number of divisions one `regionStatistics` call compares.
pub const MAX_REGIONS: usize = 500;

/// Root field for side-by-side statistics.
#[derive(Default)]
pub struct StatisticsQuery;

/// Root field for side-by-side statistics.
#[civlink_macros::describe_arguments]
#[Object]
impl StatisticsQuery {
    /// The statistics of many divisions for one period, one per code in the order given (any
    /// code form `region(code:)` accepts; at most 500), e.g. every county of a prefecture.
    /// Each figure is one statement for all divisions of a level.
    /// Errors: `INVALID_DIVISION_CODE` or `NOT_FOUND` naming the code, `INVALID_ARGUMENT`
    /// for a bad period or too many codes.
    #[graphql(complexity = "1 + codes.len() * child_complexity")]
    async fn region_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Division codes, at most 500, in any form `region(code:)` accepts; one answer per code, in the same order. Errors: `INVALID_DIVISION_CODE` or `NOT_FOUND` naming the code, `INVALID_ARGUMENT` for more than 500."
        )]
        codes: Vec<String>,
        period: DateRange,
    ) -> ApiResult<Vec<RegionStatistics>> {
        if codes.len() > MAX_REGIONS {
            return Err(ApiError::invalid("codes", format!("codes: at most {MAX_REGIONS} divisions per call")).into());
        }
        let period = parse_period(period, "period")?;
        let data = RequestData::of(ctx)?;
        let mut parsed = Vec::with_capacity(codes.len());
        for (i, code) in codes.iter().enumerate() {
            let c = DivisionCode::parse(code).map_err(|e| ApiError::domain(&format!("codes[{i}]"), e))?;
            parsed.push(c.as_str().to_owned());
        }
        let keys = parsed.iter().map(|c| super::loaders::ByKey::<entity::region::Entity>(c.clone()));
        let found = data.loader.load_many(keys).await.map_err(ApiError::from)?;
        let mut out = Vec::with_capacity(parsed.len());
        for (code, given) in parsed.iter().zip(&codes) {
            let key = super::loaders::ByKey::<entity::region::Entity>(code.clone());
            let row = found.get(&key).cloned();
            let Some(row) = row else {
                return Err(ApiError::NotFound(format!("no division with code `{given}`")).into());
            };
            out.push(RegionStatistics::new(Region(row), period, &data.scope));
        }
        Ok(out)
    }
}
