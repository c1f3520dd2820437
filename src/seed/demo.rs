//! Deterministic demo data for the four places of the source article, reproducing their
//! published figures (DOMAIN.md, "Every prefecture reports the same kind of figures").
//!
//! Determinism: every random choice comes from fixed-seed ChaCha8 streams, ids are UUIDv7s
//! built from a fixed base instant and that stream, and every timestamp is [`CREATED_AT`];
//! the division codes are read in code order. Two runs on fresh databases with the same
//! shipped regions write identical rows.
//!
//! Idempotence: if demo records exist (`source = "demo"`), [`seed_demo`] writes nothing and
//! reports [`SeedOutcome::AlreadyPresent`].
//!
//! Everything is written in one transaction with multi-row inserts; the whole seed takes a
//! few seconds on SQLite.

use std::fmt;

use chrono::{DateTime, Utc};
use entity::{
    case_file, charity_resource, client, client_category, coverage_target, organization, project, project_participant,
    project_station, service_record, social_worker, station, station_assignment, volunteer, volunteer_ledger_entry,
    volunteer_point_rule, volunteer_team, volunteer_team_membership,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use super::SeedError;
use super::atlas::Atlas;
use super::build::{Area, Rows, World};
use super::places;
use super::synth::Synth;
use crate::store::write::insert_chunked;

/// `source` of every demo record that has one (external ids are `<place>-<kind>-<n>`).
pub const SOURCE: &str = super::build::SOURCE;

/// The figures the four places published (DOMAIN.md, table "Every prefecture reports the
/// same kind of figures", from the source article), which the demo data reproduce exactly.
/// Tests of the read API and of statistics assert against these constants.
///
/// Counts are `u64` (what `count` queries return); money is integer fen (`i64`); division
/// codes are 12-digit statistical codes.
pub mod figures {
    /// 黔西南布依族苗族自治州 (5223): "1 prefecture guidance centre, 8 county general
    /// stations, 101 township stations, 4 village rooms; 101 of 140 townships = 72 %
    /// coverage (Dec 2023); 册亨县, 兴义市, 晴隆县 fully covered; 14.88 M yuan invested since
    /// 2020".
    pub mod qianxinan {
        /// The prefecture; its guidance centre has this region.
        pub const PREFECTURE: &str = "522300000000";
        /// Township-level units (乡镇/街道) in the 2023 division codes.
        pub const TOWNSHIPS: u64 = 140;
        /// `GUIDANCE_CENTER` stations.
        pub const GUIDANCE_CENTERS: u64 = 1;
        /// `COUNTY_STATION` stations, one per county.
        pub const COUNTY_STATIONS: u64 = 8;
        /// `TOWNSHIP_STATION` stations, all `OPERATING`, at this many distinct townships.
        pub const TOWNSHIP_STATIONS: u64 = 101;
        /// `VILLAGE_ROOM` stations.
        pub const VILLAGE_ROOMS: u64 = 4;
        /// Counties with an operating township station in every township: 册亨县, 兴义市,
        /// 晴隆县.
        pub const FULLY_COVERED_COUNTIES: [&str; 3] = ["522327000000", "522301000000", "522324000000"];
        /// Sum of `investment_fen` over the prefecture's stations: 14.88 M yuan.
        pub const INVESTMENT_FEN: i64 = 1_488_000_000;
        /// The coverage target ("计划在 2025 年年底实现全州 140 个乡镇(街道)社工站建设全覆盖"):
        /// 100 % by this day, announced at the press conference of the article (its day is
        /// not given; the demo takes the report's month).
        pub const TARGET_DUE: (i32, u32, u32) = (2025, 12, 31);
        /// The day the demo records the target as announced.
        pub const TARGET_ANNOUNCED: (i32, u32, u32) = (2023, 12, 31);
    }

    /// 齐齐哈尔市 (2302): "164 stations built, 145 in full service, all 7 urban districts
    /// covered; 42,000 person-times served; 82 volunteer teams, 12,934 person-times of
    /// volunteer service; 51 social-work agencies (100 % agency coverage); 6,000 sets of
    /// thermal clothing worth 180,000 yuan donated for left-behind children".
    pub mod qiqihar {
        /// The prefecture.
        pub const PREFECTURE: &str = "230200000000";
        /// Stations of every level (1 guidance centre, 16 county stations, 147 township
        /// stations), all `OPERATING`.
        pub const STATIONS: u64 = 164;
        /// Stations with `in_full_service`.
        pub const IN_FULL_SERVICE: u64 = 145;
        /// The 7 urban districts (市辖区); every township of each has an operating township
        /// station.
        pub const URBAN_DISTRICTS: [&str; 7] = [
            "230202000000",
            "230203000000",
            "230204000000",
            "230205000000",
            "230206000000",
            "230207000000",
            "230208000000",
        ];
        /// Sum of `person_times` of the service records of the prefecture's stations.
        pub const SERVICE_PERSON_TIMES: i64 = 42_000;
        /// Volunteer teams with a region in the prefecture.
        pub const VOLUNTEER_TEAMS: u64 = 82;
        /// Volunteer ledger entries with `service_minutes > 0` of the prefecture's volunteers
        /// (one entry per person-time of volunteer service; point redemptions have 0 minutes).
        pub const VOLUNTEER_SERVICE_TIMES: u64 = 12_934;
        /// `SOCIAL_WORK_AGENCY` organisations with a region in the prefecture.
        pub const SOCIAL_WORK_AGENCIES: u64 = 51;
        /// Description of the `IN_KIND` charity resource for left-behind children.
        pub const THERMAL_CLOTHING_DESCRIPTION: &str = "为留守儿童捐赠保暖衣物6000套";
        /// Sets of thermal clothing donated.
        pub const THERMAL_CLOTHING_SETS: u32 = 6_000;
        /// Its value: 180,000 yuan.
        pub const THERMAL_CLOTHING_FEN: i64 = 18_000_000;
    }

    /// 宜昌市西陵区 (420502): "1+7+66: 1 district guidance centre, 7 street stations, 66
    /// community rooms; 70 % of community workers certified; 1.89 M yuan for 5 以奖代补 and 3
    /// provincial projects, 15 organisations cultivated, 8,500 beneficiaries; 1,434
    /// volunteers; 97,100 yuan charity funds linked; 200 mutual-aid projects raising 865,700
    /// yuan, matched 95,900 (province) + 184,900 (city); 1,351 community organisations guided,
    /// 4 contests cultivating 366; data ledger of 5,600, 1,144 one-person-one-file records,
    /// 678 deep cases".
    pub mod xiling {
        /// The district; its guidance centre has this region.
        pub const DISTRICT: &str = "420502000000";
        /// `GUIDANCE_CENTER` stations (the "1").
        pub const GUIDANCE_CENTERS: u64 = 1;
        /// `TOWNSHIP_STATION` stations, at streets (the "7").
        pub const STREET_STATIONS: u64 = 7;
        /// The streets with a station.
        pub const STATION_STREETS: [&str; 7] = [
            "420502001000",
            "420502002000",
            "420502003000",
            "420502004000",
            "420502005000",
            "420502006000",
            "420502010000",
        ];
        /// `VILLAGE_ROOM` stations in communities (the "66").
        pub const COMMUNITY_ROOMS: u64 = 66;
        /// Volunteers with a region in the district.
        pub const VOLUNTEERS: u64 = 1_434;
        /// Social workers with a region in the district (the plan's choice) …
        pub const SOCIAL_WORKERS: u64 = 100;
        /// … of whom 70 % hold a certificate (level other than `NONE`).
        pub const CERTIFIED_SOCIAL_WORKERS: u64 = 70;
        /// Sum of `budget_fen` of the district's five-society projects (the 以奖代补 and the
        /// provincial ones): 1.89 M yuan of support funds ("争取项目扶持资金共 189 万元").
        pub const PROJECT_FUNDING_FEN: i64 = 189_000_000;
        /// `AWARD_IN_LIEU_OF_SUBSIDY` projects ("开展'五社联动'社会工作'以奖代补'项目 5 个").
        pub const AWARD_IN_LIEU_PROJECTS: u64 = 5;
        /// `PROVINCIAL_PROGRAM` projects ("承接全省 3 个'五社联动'社工项目").
        pub const PROVINCIAL_PROJECTS: u64 = 3;
        /// Sum of `beneficiaries` of the five-society projects ("受益群众达 8500 人"); no other
        /// project of the district reports any.
        pub const BENEFICIARIES: i64 = 8_500;
        /// `COMMUNITY_SOCIAL_ORG` organisations taking part in the five-society projects
        /// ("培育社区社会组织 15 个").
        pub const PROJECT_CULTIVATED_ORGANIZATIONS: u64 = 15;
        /// `COMMUNITY_SOCIAL_ORG` organisations of the district ("指导培育社区社会组织 1351 家").
        pub const COMMUNITY_SOCIAL_ORGS: u64 = 1_351;
        /// Street contests (街道"微公益"创投大赛), `VENTURE_PHILANTHROPY` projects of 2023, the
        /// district's only ones ("开展街道'微公益'创投大赛 4 场") …
        pub const CONTESTS: u64 = 4;
        /// … and the community social organisations taking part in them ("培育社区社会组织 366
        /// 个"), each in one.
        pub const CONTEST_CULTIVATED_ORGANIZATIONS: u64 = 366;
        /// `MUTUAL_AID` projects with a region in the district.
        pub const MUTUAL_AID_PROJECTS: u64 = 200;
        /// Sum of their `funds_raised_fen`: 865,700 yuan.
        pub const MUTUAL_AID_RAISED_FEN: i64 = 86_570_000;
        /// `MATCHED_DONATION` resources at `PROVINCE` level: 95,900 yuan.
        pub const MATCHED_PROVINCE_FEN: i64 = 9_590_000;
        /// `MATCHED_DONATION` resources at `PREFECTURE` level: 184,900 yuan.
        pub const MATCHED_PREFECTURE_FEN: i64 = 18_490_000;
        /// `MONEY` charity resources in the district: 97,100 yuan.
        pub const CHARITY_FUNDS_FEN: i64 = 9_710_000;
        /// The communities of the volunteer points pilot (志愿积分试点): the article says "in 7
        /// communities" without naming them; the demo takes the first community of each
        /// street with a station.
        pub const POINTS_PILOT_COMMUNITIES: [&str; 7] = [
            "420502001001",
            "420502002002",
            "420502003001",
            "420502004001",
            "420502005001",
            "420502006002",
            "420502010001",
        ];
        /// The pilot's points per hour of any service (made up for the demo: the article gives
        /// no rates) …
        pub const POINTS_PER_HOUR: i32 = 10;
        /// … and of care for the elderly, which the pilot rewards more.
        pub const ELDERLY_CARE_POINTS_PER_HOUR: i32 = 12;
        /// The pilot's first day (the demo's choice).
        pub const POINTS_PILOT_FROM: (i32, u32, u32) = (2023, 1, 1);
        /// Clients on file: the data ledger ("建立'无盲区'数据台账 5600 人") …
        pub const CLIENTS_ON_FILE: u64 = 5_600;
        /// … of whom this many have a case file (一人一档).
        pub const CASE_FILES: u64 = 1_144;
        /// Case files with `is_deep_case`.
        pub const DEEP_CASES: u64 = 678;
        /// Training sessions held in 2023 ("今年以来累计培训 24 场次").
        pub const TRAINING_SESSIONS: u64 = 24;
        /// Their person-times ("5000 余人次").
        pub const TRAINING_PERSON_TIMES: i64 = 5_040;
        /// Deliberation meetings (议事协商) held in 2023, in every one of the 66 communities.
        pub const DELIBERATION_MEETINGS: u64 = 455;
        /// Their participants as person-times ("引导 1.3 万余名群众参与").
        pub const DELIBERATION_PARTICIPANTS: i64 = 13_020;
        /// Meetings that resolved their community problem ("解决社区治理难题 374 个").
        pub const PROBLEMS_RESOLVED: u64 = 374;
        /// Social workers named 最美社区工作者 in 2023.
        pub const MOST_BEAUTIFUL_WORKERS: u64 = 53;
        /// The title.
        pub const MOST_BEAUTIFUL_WORKER_TITLE: &str = "最美社区工作者";
    }

    /// 雅安市雨城区 (511802): "173 certified social workers; 24 incubated organisations;
    /// four-level network: general station + township stations + village rooms + N
    /// neighbourhood points; pay scale 3 posts, 12 grades (3岗12级)".
    pub mod yucheng {
        /// The district; its county station has this region.
        pub const DISTRICT: &str = "511802000000";
        /// Social workers with a certificate (level other than `NONE`); every worker of the
        /// district has a pay post and grade.
        pub const CERTIFIED_SOCIAL_WORKERS: u64 = 173;
        /// `COMMUNITY_SOCIAL_ORG` organisations (incubated by the district's incubation
        /// centre).
        pub const INCUBATED_ORGANIZATIONS: u64 = 24;
        /// Pay posts 1..=3.
        pub const PAY_POSTS: i32 = 3;
        /// Pay grades 1..=12 within a post.
        pub const PAY_GRADES: i32 = 12;
        /// Routine training (日常轮训, `ON_THE_JOB`) sessions in 2023 …
        pub const ROUTINE_SESSIONS: usize = 12;
        /// … and their person-times ("培训社工人才 3000 余人次").
        pub const ROUTINE_PERSON_TIMES: i64 = 3_060;
        /// Community cadres seconded (挂职锻炼, one `SECONDMENT` training): "选派 20 名社区干部".
        pub const SECONDED_CADRES: i64 = 20;
        /// Mentors of the community masters' studio (社区名师工作室, "聘请四名导师"): awards of
        /// this title in 2023, each to a social worker of the district.
        pub const MENTORS: usize = 4;
        /// Their title.
        pub const MENTOR_TITLE: &str = "社区名师工作室导师";
        /// Deputies and members (两代表一委员: 党代表, 人大代表, 政协委员) among the district's
        /// social workers in 2021-2023 ("近三年来 … 产生各级'两代表一委员' 40 余人"): awards of
        /// these titles, at county, prefecture or provincial level.
        pub const REPRESENTATIVES: [(&str, usize); 3] = [("党代表", 12), ("人大代表", 18), ("政协委员", 13)];
        /// Fields of service of the government-procured projects (政府采购, "在助老扶幼、医疗保健
        /// 等五个领域购买社会组织服务").
        pub const PROCUREMENT_DOMAINS: usize = 5;
    }
}

/// Seed of the random streams. Changing it (or the plans) changes every demo row.
const SEED: u64 = 0x5EED_C1F1_2023_1231;

/// `created_at` / `updated_at` of every demo row: 2025-01-01 00:00 China Standard Time.
pub const CREATED_AT: DateTime<Utc> = match DateTime::<Utc>::from_timestamp(1_735_660_800, 0) {
    Some(t) => t,
    None => panic!("invalid timestamp constant"),
};

/// Millisecond timestamp of the first demo id; each further id adds one millisecond.
const ID_BASE_MS: u64 = 1_735_660_800_000;

/// What [`seed_demo`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The demo data were written.
    Created,
    /// Demo data were already present; nothing was written.
    AlreadyPresent,
}

/// Rows written per table (all zero when the data were already present).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub outcome: SeedOutcome,
    pub organizations: usize,
    pub stations: usize,
    pub social_workers: usize,
    pub station_assignments: usize,
    pub volunteer_teams: usize,
    pub volunteers: usize,
    pub volunteer_team_memberships: usize,
    pub volunteer_ledger_entries: usize,
    pub clients: usize,
    pub client_categories: usize,
    pub case_files: usize,
    pub projects: usize,
    pub project_stations: usize,
    pub project_participants: usize,
    pub charity_resources: usize,
    pub service_records: usize,
    pub trainings: usize,
    pub training_participants: usize,
    pub deliberation_meetings: usize,
    pub awards: usize,
}

impl DemoSummary {
    fn already_present() -> Self {
        Self::counted(SeedOutcome::AlreadyPresent, &Rows::default())
    }

    fn counted(outcome: SeedOutcome, rows: &Rows) -> Self {
        Self {
            outcome,
            organizations: rows.organizations.len(),
            stations: rows.stations.len(),
            social_workers: rows.social_workers.len(),
            station_assignments: rows.station_assignments.len(),
            volunteer_teams: rows.volunteer_teams.len(),
            volunteers: rows.volunteers.len(),
            volunteer_team_memberships: rows.volunteer_team_memberships.len(),
            volunteer_ledger_entries: rows.volunteer_ledger_entries.len(),
            clients: rows.clients.len(),
            client_categories: rows.client_categories.len(),
            case_files: rows.case_files.len(),
            projects: rows.projects.len(),
            project_stations: rows.project_stations.len(),
            project_participants: rows.project_participants.len(),
            charity_resources: rows.charity_resources.len(),
            service_records: rows.service_records.len(),
            trainings: rows.trainings.len(),
            training_participants: rows.training_participants.len(),
            deliberation_meetings: rows.deliberation_meetings.len(),
            awards: rows.awards.len(),
        }
    }

    /// (table, rows written), in insertion order.
    pub fn tables(&self) -> [(&'static str, usize); 20] {
        [
            ("organizations", self.organizations),
            ("stations", self.stations),
            ("social_workers", self.social_workers),
            ("station_assignments", self.station_assignments),
            ("volunteer_teams", self.volunteer_teams),
            ("volunteers", self.volunteers),
            ("volunteer_team_memberships", self.volunteer_team_memberships),
            ("clients", self.clients),
            ("client_categories", self.client_categories),
            ("case_files", self.case_files),
            ("projects", self.projects),
            ("project_stations", self.project_stations),
            ("charity_resources", self.charity_resources),
            ("project_participants", self.project_participants),
            ("service_records", self.service_records),
            ("volunteer_ledger_entries", self.volunteer_ledger_entries),
            ("trainings", self.trainings),
            ("training_participants", self.training_participants),
            ("deliberation_meetings", self.deliberation_meetings),
            ("awards", self.awards),
        ]
    }

    /// Rows written in all tables.
    pub fn total(&self) -> usize {
        self.tables().iter().map(|(_, n)| n).sum()
    }
}

impl fmt::Display for DemoSummary {
    /// One line per table for the CLI, or one line saying nothing was done.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.outcome == SeedOutcome::AlreadyPresent {
            return write!(f, "demo data already present (source = \"{SOURCE}\"); nothing written");
        }
        writeln!(f, "demo data written:")?;
        for (table, n) in self.tables() {
            writeln!(f, "  {table:<28}{n:>8}")?;
        }
        write!(f, "  {:<28}{:>8}", "total", self.total())
    }
}

/// Writes the demo data unless demo data are already present.
///
/// Needs a migrated database whose `regions` hold the shipped division codes (villages of
/// the four places included). Everything is written in one transaction: on error nothing is
/// written.
///
/// # Errors
/// [`SeedError::MissingRegion`] when the division codes have not been imported,
/// [`SeedError::Plan`] when they cannot carry the published figures, [`SeedError::Db`] when
/// the database fails.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<DemoSummary, SeedError> {
    let txn = crate::store::write::begin_write(db).await?;
    if demo_present(&txn).await? {
        txn.rollback().await?;
        return Ok(DemoSummary::already_present());
    }
    let atlas = Atlas::load(
        &txn,
        &[
            figures::qianxinan::PREFECTURE,
            figures::qiqihar::PREFECTURE,
            figures::xiling::DISTRICT,
            figures::yucheng::DISTRICT,
        ],
    )
    .await?;
    let rows = build(&atlas)?;
    let summary = DemoSummary::counted(SeedOutcome::Created, &rows);
    insert_rows(&txn, rows).await?;
    insert_chunked::<volunteer_point_rule::Entity, _>(&txn, xiling_point_rules()).await?;
    insert_chunked::<coverage_target::Entity, _>(&txn, vec![qianxinan_target()]).await?;
    txn.commit().await?;
    crate::db::analyze(db).await;
    Ok(summary)
}

/// The point rules of 西陵区's volunteer points pilot: in each pilot community, from the
/// pilot's first day, [`figures::xiling::POINTS_PER_HOUR`] for any activity and
/// [`figures::xiling::ELDERLY_CARE_POINTS_PER_HOUR`] for care for the elderly. Ids are fixed
/// (UUIDv7 of the demo's base instant), so two seeds write the same rows.
fn xiling_point_rules() -> Vec<volunteer_point_rule::Model> {
    use figures::xiling as x;
    use volunteer_ledger_entry::VolunteerActivity;
    let (y, m, d) = x::POINTS_PILOT_FROM;
    let from = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let mut rules = Vec::new();
    for (n, community) in x::POINTS_PILOT_COMMUNITIES.iter().enumerate() {
        for (k, (activity, per_hour)) in
            [(None, x::POINTS_PER_HOUR), (Some(VolunteerActivity::ElderlyCare), x::ELDERLY_CARE_POINTS_PER_HOUR)]
                .into_iter()
                .enumerate()
        {
            let counter = (n * 2 + k) as u128;
            let id =
                uuid::Uuid::from_u128((u128::from(ID_BASE_MS) << 80) | (0x7u128 << 76) | (0x8u128 << 60) | counter);
            rules.push(volunteer_point_rule::Model {
                id,
                region_code: (*community).to_owned(),
                activity,
                points_per_hour: per_hour,
                valid_from: from,
                valid_until: None,
                description: Some("西陵区社区志愿服务创新试点: 志愿积分".to_owned()),
                created_at: CREATED_AT,
                updated_at: CREATED_AT,
                version: 1,
                deleted_at: None,
            });
        }
    }
    rules
}

/// 黔西南州's target: every township covered by the end of 2025. Its id is fixed, after the
/// point rules'.
fn qianxinan_target() -> coverage_target::Model {
    use figures::qianxinan as q;
    let day = |(y, m, d): (i32, u32, u32)| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let counter = 0x100u128;
    coverage_target::Model {
        id: uuid::Uuid::from_u128((u128::from(ID_BASE_MS) << 80) | (0x7u128 << 76) | (0x8u128 << 60) | counter),
        region_code: q::PREFECTURE.to_owned(),
        rate_percent: 100,
        due_on: day(q::TARGET_DUE),
        announced_on: day(q::TARGET_ANNOUNCED),
        document: Some("黔西南州社会工作志愿服务站建设情况新闻发布会".to_owned()),
        created_at: CREATED_AT,
        updated_at: CREATED_AT,
        version: 1,
        deleted_at: None,
    }
}

/// Whether any demo record exists.
async fn demo_present<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    let stations = station::Entity::find().filter(station::Column::Source.eq(SOURCE)).count(db).await?;
    let organizations = organization::Entity::find().filter(organization::Column::Source.eq(SOURCE)).count(db).await?;
    Ok(stations + organizations > 0)
}

type Plan = for<'w, 'a> fn(&'w mut World<'a>, &'w mut Area) -> Result<(), SeedError>;

/// Runs the four plans, each on its own random stream.
fn build(atlas: &Atlas) -> Result<Rows, SeedError> {
    let mut world = World::new(atlas, Synth::new(SEED, ID_BASE_MS), CREATED_AT);
    let plans: [(u64, Area, Plan); 4] = [
        (1, Area::new("qxn", figures::qianxinan::PREFECTURE, (25.09, 104.90), 0.45), places::qianxinan),
        (2, Area::new("qqhr", figures::qiqihar::PREFECTURE, (47.35, 123.92), 0.8), places::qiqihar),
        (3, Area::new("xl", figures::xiling::DISTRICT, (30.705, 111.29), 0.03), places::xiling),
        (4, Area::new("yc", figures::yucheng::DISTRICT, (29.98, 103.0), 0.12), places::yucheng),
    ];
    for (stream, mut area, plan) in plans {
        world.s.reseed(stream);
        plan(&mut world, &mut area)?;
    }
    // Trainings, meetings and awards refer to the places' stations and workers: after them.
    world.s.reseed(5);
    super::activities::plan(&mut world)?;
    Ok(world.into_rows())
}

async fn insert_rows<C: ConnectionTrait>(db: &C, mut rows: Rows) -> Result<(), DbErr> {
    normalize_names(&mut rows);
    insert_chunked::<organization::Entity, _>(db, rows.organizations).await?;
    insert_chunked::<station::Entity, _>(db, rows.stations).await?;
    insert_chunked::<social_worker::Entity, _>(db, rows.social_workers).await?;
    insert_chunked::<station_assignment::Entity, _>(db, rows.station_assignments).await?;
    insert_chunked::<volunteer_team::Entity, _>(db, rows.volunteer_teams).await?;
    insert_chunked::<volunteer::Entity, _>(db, rows.volunteers).await?;
    insert_chunked::<volunteer_team_membership::Entity, _>(db, rows.volunteer_team_memberships).await?;
    insert_chunked::<client::Entity, _>(db, rows.clients).await?;
    insert_chunked::<client_category::Entity, _>(db, rows.client_categories).await?;
    insert_chunked::<case_file::Entity, _>(db, rows.case_files).await?;
    insert_chunked::<project::Entity, _>(db, rows.projects).await?;
    insert_chunked::<project_station::Entity, _>(db, rows.project_stations).await?;
    insert_chunked::<charity_resource::Entity, _>(db, rows.charity_resources).await?;
    insert_chunked::<project_participant::Entity, _>(db, rows.project_participants).await?;
    insert_chunked::<service_record::Entity, _>(db, rows.service_records).await?;
    insert_chunked::<volunteer_ledger_entry::Entity, _>(db, rows.volunteer_ledger_entries).await?;
    insert_chunked::<entity::training::Entity, _>(db, rows.trainings).await?;
    insert_chunked::<entity::training_participant::Entity, _>(db, rows.training_participants).await?;
    insert_chunked::<entity::deliberation_meeting::Entity, _>(db, rows.deliberation_meetings).await?;
    insert_chunked::<entity::award::Entity, _>(db, rows.awards).await?;
    Ok(())
}

/// Stored names are NFKC-normalised, the one text-matching rule of `store::text` (full-width
/// `（街道）` is stored as `(街道)`), so name filters find every record by its own name.
fn normalize_names(rows: &mut Rows) {
    use crate::store::text::normalize;
    rows.organizations.iter_mut().for_each(|r| r.name = normalize(&r.name));
    rows.stations.iter_mut().for_each(|r| r.name = normalize(&r.name));
    rows.social_workers.iter_mut().for_each(|r| r.name = normalize(&r.name));
    rows.volunteer_teams.iter_mut().for_each(|r| r.name = normalize(&r.name));
    rows.volunteers.iter_mut().for_each(|r| r.name = normalize(&r.name));
    rows.clients.iter_mut().for_each(|r| r.name = normalize(&r.name));
    rows.projects.iter_mut().for_each(|r| r.name = normalize(&r.name));
}
