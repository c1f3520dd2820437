//! Builds the demo rows in memory: generic builders for each kind of record, used by the
//! per-place plans in [`super::places`]. Nothing here touches the database.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::case_file::CaseStage;
use entity::charity_resource::{CharityKind, MatchingLevel};
use entity::client_category::ClientCategoryKind;
use entity::organization::OrganizationKind;
use entity::project::{FundingMode, ProjectStatus};
use entity::project_participant::Party;
use entity::region::RegionLevel;
use entity::service_record::{ServiceMethod, ServiceType};
use entity::social_worker::CertificateLevel;
use entity::station::{StationLevel, StationStatus};
use entity::station_assignment::AssignmentRole;
use entity::volunteer::IdDocumentType;
use entity::{
    case_file, charity_resource, client, client_category, organization, project, project_participant, project_station,
    service_record, social_worker, station, station_assignment, volunteer, volunteer_ledger_entry, volunteer_team,
    volunteer_team_membership,
};
use uuid::Uuid;

use super::SeedError;
use super::atlas::{Atlas, county6, is_community};
use super::synth::{Registration, Synth};

/// `source` of every demo record that has one.
pub(super) const SOURCE: &str = "demo";

/// Builds a date in a constant; an invalid literal fails the build, never a run.
pub(super) const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("invalid date constant"),
    }
}

/// First day of the service period the demo covers.
pub(super) const SERVICE_FROM: NaiveDate = ymd(2023, 1, 1);
/// Last day of the service period, and "today" for statuses.
pub(super) const SERVICE_TO: NaiveDate = ymd(2024, 12, 31);

/// The rows of every table, in insertion (foreign-key) order.
#[derive(Default)]
pub(super) struct Rows {
    pub organizations: Vec<organization::Model>,
    pub stations: Vec<station::Model>,
    pub social_workers: Vec<social_worker::Model>,
    pub station_assignments: Vec<station_assignment::Model>,
    pub volunteer_teams: Vec<volunteer_team::Model>,
    pub volunteers: Vec<volunteer::Model>,
    pub volunteer_team_memberships: Vec<volunteer_team_membership::Model>,
    pub clients: Vec<client::Model>,
    pub client_categories: Vec<client_category::Model>,
    pub case_files: Vec<case_file::Model>,
    pub projects: Vec<project::Model>,
    pub project_stations: Vec<project_station::Model>,
    pub charity_resources: Vec<charity_resource::Model>,
    pub project_participants: Vec<project_participant::Model>,
    pub service_records: Vec<service_record::Model>,
    pub volunteer_ledger_entries: Vec<volunteer_ledger_entry::Model>,
    pub trainings: Vec<entity::training::Model>,
    pub training_participants: Vec<entity::training_participant::Model>,
    pub deliberation_meetings: Vec<entity::deliberation_meeting::Model>,
    pub awards: Vec<entity::award::Model>,
}

/// An organisation of the area, for later reference.
#[derive(Debug, Clone)]
pub(super) struct Org {
    pub id: Uuid,
    pub name: String,
    pub region: String,
}

/// A station of the area, with what later builders need to know about it.
#[derive(Debug, Clone)]
pub(super) struct Site {
    pub id: Uuid,
    /// Index in [`Rows::stations`].
    pub row: usize,
    pub level: StationLevel,
    pub region: String,
    pub operating: bool,
    pub operator: Option<Uuid>,
    pub opened_on: NaiveDate,
    /// Workers currently assigned.
    pub workers: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub(super) struct Team {
    pub id: Uuid,
    pub site: usize,
    pub region: String,
    pub founded_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub(super) struct Vol {
    pub id: Uuid,
    pub team: usize,
    pub joined_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub(super) struct CaseRef {
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub worker: Option<Uuid>,
    pub deep: bool,
}

#[derive(Debug, Clone)]
pub(super) struct ClientRef {
    pub id: Uuid,
    pub site: usize,
    pub region: String,
    pub file: Option<CaseRef>,
}

#[derive(Debug, Clone)]
pub(super) struct ProjectRef {
    pub id: Uuid,
    pub sites: Vec<usize>,
    pub region: String,
    pub starts_on: NaiveDate,
    /// Last day, or the end of the service period for open-ended projects.
    pub ends_on: NaiveDate,
}

impl ProjectRef {
    fn runs_on(&self, day: NaiveDate) -> bool {
        (self.starts_on..=self.ends_on).contains(&day)
    }
}

/// The state of one place while its plan runs.
pub(super) struct Area {
    /// Short key in external ids (`qxn-station-00001`).
    pub key: &'static str,
    /// 12-digit code of the place.
    pub root: String,
    /// Approximate centre (latitude, longitude) and the spread of station coordinates.
    pub centre: (f64, f64),
    pub spread: f64,
    counters: BTreeMap<&'static str, u32>,
    pub sites: Vec<Site>,
    pub agencies: Vec<Org>,
    pub community_orgs: Vec<Org>,
    pub workers: Vec<Uuid>,
    pub teams: Vec<Team>,
    pub volunteers: Vec<Vol>,
    pub clients: Vec<ClientRef>,
    pub projects: Vec<ProjectRef>,
}

impl Area {
    pub(super) fn new(key: &'static str, root: &str, centre: (f64, f64), spread: f64) -> Self {
        Self {
            key,
            root: root.to_owned(),
            centre,
            spread,
            counters: BTreeMap::new(),
            sites: Vec::new(),
            agencies: Vec::new(),
            community_orgs: Vec::new(),
            workers: Vec::new(),
            teams: Vec::new(),
            volunteers: Vec::new(),
            clients: Vec::new(),
            projects: Vec::new(),
        }
    }

    /// The next stable external id of `kind` in this area, e.g. `xl-client-00001`.
    fn external_id(&mut self, kind: &'static str) -> Option<String> {
        let n = self.counters.entry(kind).or_insert(0);
        *n += 1;
        Some(format!("{}-{kind}-{:05}", self.key, *n))
    }

    /// Indices of operating sites at `levels`.
    pub(super) fn operating(&self, levels: &[StationLevel]) -> Vec<usize> {
        (0..self.sites.len()).filter(|&i| self.sites[i].operating && levels.contains(&self.sites[i].level)).collect()
    }

    /// The operating township station whose region is `township`, if any.
    pub(super) fn township_site(&self, township: &str) -> Option<usize> {
        self.sites.iter().position(|s| s.level == StationLevel::TownshipStation && s.region == township)
    }
}

/// What a new station is.
pub(super) struct StationSpec {
    pub name: String,
    pub level: StationLevel,
    pub status: StationStatus,
    pub full_service: bool,
    pub region: String,
    pub parent: Option<usize>,
    pub operator: Option<Uuid>,
    pub opened_on: Option<NaiveDate>,
    pub investment_fen: i64,
}

/// What a new project is.
pub(super) struct ProjectSpec {
    pub name: String,
    pub mode: FundingMode,
    pub budget_fen: i64,
    pub raised_fen: i64,
    pub region: String,
    pub sites: Vec<usize>,
    /// `None`: a schedule drawn at random, status following from the dates.
    pub schedule: Option<(ProjectStatus, NaiveDate, Option<NaiveDate>)>,
}

/// One party of a project (五社联动).
pub(super) enum PartyRef {
    Community(String),
    Organization(Uuid),
    SocialWorker(Uuid),
    Volunteer(Uuid),
    VolunteerTeam(Uuid),
    CharityResource(Uuid),
}

/// What a new charity resource is.
pub(super) struct CharitySpec {
    pub description: String,
    pub kind: CharityKind,
    pub donor: Option<String>,
    pub value_fen: i64,
    pub level: Option<MatchingLevel>,
    pub community_fund: bool,
    pub region: String,
    pub site: Option<usize>,
    pub received_on: NaiveDate,
}

/// How many workers an area has and how they are qualified.
pub(super) struct StaffPlan {
    pub total: usize,
    pub certified: usize,
    /// Every worker has a pay post and grade (雨城区's 3岗12级 scale), not only most.
    pub all_on_pay_scale: bool,
}

const AGENCY_WORDS: &[&str] = &[
    "同心",
    "阳光",
    "向阳",
    "和美",
    "善道",
    "启航",
    "明德",
    "仁爱",
    "春晖",
    "益友",
    "暖心",
    "博爱",
    "新希望",
    "金秋",
    "彩虹",
    "乐善",
    "众合",
    "心连心",
    "融爱",
    "晨曦",
    "守望",
    "携手",
    "致远",
    "笃行",
    "惠民",
    "安康",
    "长青",
    "德馨",
    "汇善",
    "知行",
    "弘毅",
    "立人",
    "幸福",
    "和谐",
    "温馨",
    "爱心",
    "助人",
    "慈航",
    "众益",
    "正心",
    "宜善",
    "大地",
    "春雨",
    "朝阳",
    "满天星",
    "同行",
    "益路",
    "恒爱",
    "善缘",
    "美好",
];
const COMMUNITY_ORG_KINDS: &[&str] = &[
    "老年协会",
    "志愿者协会",
    "邻里互助会",
    "文体队",
    "妇女儿童之家",
    "红白理事会",
    "乡贤理事会",
    "睦邻议事会",
    "银龄互助社",
    "青少年成长营",
    "平安巡防队",
    "助残服务社",
    "书画协会",
    "舞蹈队",
    "爱心驿站",
];
const TEAM_WORDS: &[&str] = &[
    "红马甲",
    "夕阳红",
    "青年",
    "巾帼",
    "爱心",
    "党员先锋",
    "邻里守望",
    "银龄",
    "春雨",
    "暖阳",
    "雷锋",
    "护河",
    "助残",
    "应急",
    "文明实践",
    "萤火虫",
    "向日葵",
    "蒲公英",
    "手拉手",
    "彩虹",
];
const SKILLS: &[&str] = &[
    "陪伴探访",
    "心理疏导",
    "课业辅导",
    "医疗护理",
    "法律咨询",
    "文艺表演",
    "摄影宣传",
    "驾驶",
    "家电维修",
    "理发",
    "厨艺",
    "手语",
    "应急救护",
    "垃圾分类指导",
    "电脑培训",
];
const LEDGER_DESCRIPTIONS: &[&str] = &[
    "关爱空巢老人入户探访",
    "四点半课堂课业辅导",
    "社区环境整治",
    "反诈防骗宣传",
    "助餐送餐",
    "文明交通劝导",
    "防溺水巡查",
    "留守儿童陪伴",
    "垃圾分类督导",
    "节日慰问活动",
    "义诊服务",
    "疫苗接种引导",
];
const ADDRESS_PLACES: &[&str] = &["党群服务中心", "便民服务中心", "综合服务楼", "新时代文明实践站"];

fn activities(kind: ServiceType) -> &'static [&'static str] {
    match kind {
        ServiceType::DailyCare => &["助餐送餐服务", "居家清洁照料", "助浴理发服务"],
        ServiceType::SpiritualComfort => &["银龄茶话会", "重阳敬老活动", "节日探访慰问"],
        ServiceType::EmotionalCounseling => &["情绪减压小组", "亲子沟通工作坊"],
        ServiceType::CrisisIntervention => &["防溺水安全教育", "家庭危机干预演练"],
        ServiceType::RelationshipAdjustment => &["邻里和睦议事会", "家庭关系调适小组"],
        ServiceType::SocialParticipation => &["社区文艺汇演", "邻里节", "垃圾分类宣传"],
        ServiceType::Tutoring => &["四点半课堂", "暑期托管班", "假期阅读营"],
        ServiceType::RightsProtection => &["反诈防骗宣传", "法律援助进社区", "残疾人权益宣讲"],
        ServiceType::CapacityBuilding => &["社工实务能力培训", "志愿者骨干培训", "社区社会组织孵化培训"],
    }
}

const SERVICE_TYPES: &[ServiceType] = &[
    ServiceType::DailyCare,
    ServiceType::SpiritualComfort,
    ServiceType::EmotionalCounseling,
    ServiceType::CrisisIntervention,
    ServiceType::RelationshipAdjustment,
    ServiceType::SocialParticipation,
    ServiceType::Tutoring,
    ServiceType::RightsProtection,
    ServiceType::CapacityBuilding,
];

const ALL_LEVELS: [StationLevel; 5] = [
    StationLevel::GuidanceCenter,
    StationLevel::CountyStation,
    StationLevel::TownshipStation,
    StationLevel::VillageRoom,
    StationLevel::NeighborhoodPoint,
];

/// Rounds a coordinate to six decimals (about 0.1 m), as a survey would record it.
fn coordinate(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The builder: the generator, the division tree, the rows so far.
pub(super) struct World<'a> {
    pub s: Synth,
    pub atlas: &'a Atlas,
    pub rows: Rows,
    now: DateTime<Utc>,
    names: HashSet<String>,
}

impl<'a> World<'a> {
    pub(super) fn new(atlas: &'a Atlas, synth: Synth, now: DateTime<Utc>) -> Self {
        Self { s: synth, atlas, rows: Rows::default(), now, names: HashSet::new() }
    }

    pub(super) fn into_rows(self) -> Rows {
        self.rows
    }

    /// `make(word)` for the first word that gives a name not used yet.
    pub(super) fn unique_name(&mut self, words: &[&str], make: impl Fn(&str) -> String) -> String {
        let start = self.s.index(words.len());
        for k in 0..words.len() {
            let name = make(words[(start + k) % words.len()]);
            if self.names.insert(name.clone()) {
                return name;
            }
        }
        let mut n = 2;
        loop {
            let name = make(&format!("{}{n}", words.get(start).copied().unwrap_or("")));
            if self.names.insert(name.clone()) {
                return name;
            }
            n += 1;
        }
    }

    /// Real villages (not the NBS "virtual" placeholders of farms) below a township.
    pub(super) fn villages(&self, township: &str) -> Vec<String> {
        self.atlas.children(township).iter().filter(|v| !self.atlas.name(v).contains("虚拟")).cloned().collect()
    }

    /// Townships of a county, in code order.
    pub(super) fn townships(&self, county: &str) -> Vec<String> {
        self.atlas.children(county).to_vec()
    }

    /// A county to use as the home address code for someone registered at `region`: the
    /// county itself, or one of the prefecture's counties.
    fn home_county(&mut self, region: &str) -> String {
        match self.atlas.get(region).map(|d| d.level) {
            Ok(RegionLevel::Province | RegionLevel::Prefecture) => {
                let counties = self.atlas.children(region);
                self.s.pick(counties).map_or_else(|| county6(region).to_owned(), |c| county6(c).to_owned())
            }
            _ => county6(region).to_owned(),
        }
    }

    // ---------------------------------------------------------------- organisations

    /// An organisation. `registration` gives a credit code registered at `registrar6`; `None`
    /// leaves it without one (a community organisation only filed with the street, 备案).
    pub(super) fn org(
        &mut self,
        a: &mut Area,
        name: String,
        kind: OrganizationKind,
        region: &str,
        registration: Option<(Registration, &str)>,
    ) -> Result<Org, SeedError> {
        let credit_code = match registration {
            Some((reg, registrar)) => Some(self.s.credit_code(reg, registrar)?),
            None => None,
        };
        let sex = self.s.sex(0.6);
        let id = self.s.id();
        self.names.insert(name.clone());
        self.rows.organizations.push(organization::Model {
            id,
            name: name.clone(),
            kind,
            credit_code,
            region_code: region.to_owned(),
            contact_name: Some(self.s.name(sex)),
            contact_phone: Some(self.s.phone()),
            source: Some(SOURCE.to_owned()),
            external_id: a.external_id("org"),
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
        let org = Org { id, name, region: region.to_owned() };
        match kind {
            OrganizationKind::SocialWorkAgency => a.agencies.push(org.clone()),
            OrganizationKind::CommunitySocialOrg => a.community_orgs.push(org.clone()),
            _ => {}
        }
        Ok(org)
    }

    /// A social-work agency (民办非企业单位) named after `place`, registered with `registrar6`.
    pub(super) fn agency(
        &mut self,
        a: &mut Area,
        place: &str,
        region: &str,
        registrar6: &str,
    ) -> Result<Org, SeedError> {
        let name = self.unique_name(AGENCY_WORDS, |w| format!("{place}{w}社会工作服务中心"));
        self.org(
            a,
            name,
            OrganizationKind::SocialWorkAgency,
            region,
            Some((Registration::PrivateNonEnterprise, registrar6)),
        )
    }

    /// The civil-affairs bureau of a county or prefecture.
    pub(super) fn bureau(&mut self, a: &mut Area, place: &str, region: &str) -> Result<Org, SeedError> {
        let registrar = self.registrar(region);
        self.org(
            a,
            format!("{place}民政局"),
            OrganizationKind::Government,
            region,
            Some((Registration::GovernmentOrgan, &registrar)),
        )
    }

    /// Community social organisations (社区社会组织) in distinct villages below `within`
    /// (townships), or in every village several times over when `count` exceeds the villages;
    /// half registered as social groups with the county, half only filed.
    pub(super) fn community_orgs(
        &mut self,
        a: &mut Area,
        within: &[String],
        count: usize,
    ) -> Result<Vec<Org>, SeedError> {
        let villages: Vec<String> = within.iter().flat_map(|t| self.villages(t)).collect();
        // More organisations than villages: every village has several.
        let picked = if count <= villages.len() {
            self.s.choose_indices(villages.len(), count)
        } else {
            (0..count).map(|n| n % villages.len().max(1)).collect()
        };
        let mut out = Vec::new();
        for (n, &i) in picked.iter().enumerate() {
            let village = &villages[i];
            let short = self.atlas.short(village);
            let name = self.unique_name(COMMUNITY_ORG_KINDS, |k| format!("{short}{k}"));
            let registrar = county6(village).to_owned();
            let registration = (n % 2 == 0).then_some((Registration::SocialGroup, registrar.as_str()));
            out.push(self.org(a, name, OrganizationKind::CommunitySocialOrg, village, registration)?);
        }
        if out.len() < count {
            return Err(SeedError::Plan(format!("only {} villages for {count} community organisations", out.len())));
        }
        Ok(out)
    }

    /// The six-digit registrar code for an organisation located at `region`: its county, or
    /// the prefecture / province in GB/T 2260 form.
    pub(super) fn registrar(&self, region: &str) -> String {
        county6(region).to_owned()
    }

    // ---------------------------------------------------------------- stations

    /// A station; returns its index in `a.sites`.
    pub(super) fn station(&mut self, a: &mut Area, spec: StationSpec) -> usize {
        let id = self.s.id();
        let parent_station_id = spec.parent.and_then(|p| a.sites.get(p)).map(|p| p.id);
        let lat = coordinate(a.centre.0 + self.s.float(-a.spread, a.spread));
        let lon = coordinate(a.centre.1 + self.s.float(-a.spread, a.spread) * 1.2);
        let place = self.s.pick(ADDRESS_PLACES).copied().unwrap_or("党群服务中心");
        let address = format!("{}{place}{}楼", self.atlas.address(&spec.region), self.s.int(1, 3));
        let operating = spec.status == StationStatus::Operating;
        self.names.insert(spec.name.clone());
        let row = self.rows.stations.len();
        self.rows.stations.push(station::Model {
            id,
            name: spec.name,
            level: spec.level,
            status: spec.status,
            in_full_service: spec.full_service && operating,
            region_code: spec.region.clone(),
            parent_station_id,
            operator_id: spec.operator,
            opened_on: spec.opened_on,
            investment_fen: spec.investment_fen,
            address: Some(address),
            latitude: Some(lat),
            longitude: Some(lon),
            source: Some(SOURCE.to_owned()),
            external_id: a.external_id("station"),
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
        a.sites.push(Site {
            id,
            row,
            level: spec.level,
            region: spec.region,
            operating,
            operator: spec.operator,
            opened_on: spec.opened_on.unwrap_or(SERVICE_TO),
            workers: Vec::new(),
        });
        a.sites.len() - 1
    }

    /// Spreads `total_fen` over the sites in whole yuan, weighted by level.
    pub(super) fn invest(&mut self, a: &Area, sites: &[usize], total_fen: i64) {
        let weights: Vec<u64> = sites
            .iter()
            .map(|&i| {
                let (lo, hi) = match a.sites[i].level {
                    StationLevel::GuidanceCenter => (800_000, 1_200_000),
                    StationLevel::CountyStation => (300_000, 500_000),
                    StationLevel::TownshipStation => (60_000, 140_000),
                    StationLevel::VillageRoom => (10_000, 30_000),
                    StationLevel::NeighborhoodPoint => (3_000, 8_000),
                };
                self.s.int(lo, hi) as u64
            })
            .collect();
        let yuan = Synth::apportion(total_fen / 100, &weights);
        let mut rest = total_fen % 100;
        for (&i, y) in sites.iter().zip(yuan) {
            let mut fen = y * 100;
            // Any odd fen of the total go to the first station, so the sum stays exact.
            fen += std::mem::take(&mut rest);
            if let Some(row) = self.rows.stations.get_mut(a.sites[i].row) {
                row.investment_fen = fen;
            }
        }
    }

    /// A random investment in whole yuan for a station of `level` (places with no published
    /// total).
    pub(super) fn some_investment(&mut self, level: StationLevel) -> i64 {
        let (lo, hi) = match level {
            StationLevel::GuidanceCenter => (500_000, 900_000),
            StationLevel::CountyStation => (150_000, 300_000),
            StationLevel::TownshipStation => (50_000, 120_000),
            StationLevel::VillageRoom => (8_000, 25_000),
            StationLevel::NeighborhoodPoint => (2_000, 6_000),
        };
        self.s.int(lo, hi) * 100
    }

    // ---------------------------------------------------------------- social workers

    /// Workers for the operating stations of the area, with their current assignments and a
    /// few ended ones: a head and a supervisor or resident per station, then the remaining
    /// workers as residents spread over township stations and village rooms.
    pub(super) fn staff(&mut self, a: &mut Area, plan: StaffPlan) -> Result<(), SeedError> {
        let mut slots: Vec<(usize, AssignmentRole)> = Vec::new();
        for (i, site) in a.sites.iter().enumerate() {
            if !site.operating {
                continue;
            }
            let roles: &[AssignmentRole] = match site.level {
                StationLevel::GuidanceCenter => {
                    &[AssignmentRole::Head, AssignmentRole::Supervisor, AssignmentRole::Supervisor]
                }
                StationLevel::CountyStation => &[AssignmentRole::Head, AssignmentRole::Supervisor],
                StationLevel::TownshipStation => &[AssignmentRole::Head, AssignmentRole::Resident],
                StationLevel::VillageRoom | StationLevel::NeighborhoodPoint => &[AssignmentRole::Resident],
            };
            slots.extend(roles.iter().map(|&r| (i, r)));
        }
        if slots.len() > plan.total {
            return Err(SeedError::Plan(format!("{} needs {} workers, plan has {}", a.key, slots.len(), plan.total)));
        }
        let extra_sites = a.operating(&[StationLevel::TownshipStation, StationLevel::VillageRoom]);
        if extra_sites.is_empty() {
            return Err(SeedError::Plan(format!("{} has no township station or village room", a.key)));
        }
        let mut k = 0;
        while slots.len() < plan.total {
            slots.push((extra_sites[k % extra_sites.len()], AssignmentRole::Resident));
            k += 1;
        }
        let mut certified = vec![false; plan.total];
        for i in self.s.choose_indices(plan.total, plan.certified) {
            certified[i] = true;
        }
        let province = a.root.get(..2).unwrap_or("00").to_owned();
        for (n, (site_index, role)) in slots.into_iter().enumerate() {
            let site = a.sites[site_index].clone();
            let sex = self.s.sex(0.75);
            let birth = self.s.date(ymd(1965, 1, 1), ymd(2000, 12, 31));
            let home = self.home_county(&site.region);
            let id_number = self.s.citizen_id(&home, birth, sex)?;
            let (level, number, year) = if certified[n] {
                let level = self
                    .s
                    .weighted(&[
                        (CertificateLevel::Assistant, 60),
                        (CertificateLevel::Intermediate, 35),
                        (CertificateLevel::Senior, 5),
                    ])
                    .unwrap_or(CertificateLevel::Assistant);
                let (from, letter) = match level {
                    CertificateLevel::Senior => (2019, 'S'),
                    CertificateLevel::Intermediate => (2010, 'Z'),
                    _ => (2010, 'C'),
                };
                let year = self.s.int(from, 2024) as i32;
                let serial = self.s.serial();
                (level, Some(format!("{letter}{year}{province}{serial:06}")), Some(year))
            } else {
                (CertificateLevel::None, None, None)
            };
            let (pay_post, pay_grade) = if plan.all_on_pay_scale || self.s.chance(0.7) {
                let post = match level {
                    CertificateLevel::Senior => 1,
                    CertificateLevel::Intermediate => self.s.int(1, 2),
                    CertificateLevel::Assistant => self.s.int(2, 3),
                    CertificateLevel::None => 3,
                } as i32;
                (Some(post), Some(self.s.int(1, 12) as i32))
            } else {
                (None, None)
            };
            let employer = match site.operator {
                Some(op) => Some(op),
                None => self.s.pick(&a.agencies).map(|o| o.id),
            };
            let worker_id = self.s.id();
            self.rows.social_workers.push(social_worker::Model {
                id: worker_id,
                name: self.s.name(sex),
                gender: sex.gender(),
                phone: Some(self.s.phone()),
                id_number: Some(id_number),
                certificate_level: level,
                certificate_number: number,
                certificate_year: year,
                employer_id: employer,
                pay_post,
                pay_grade,
                region_code: site.region.clone(),
                source: Some(SOURCE.to_owned()),
                external_id: a.external_id("worker"),
                created_at: self.now,
                updated_at: self.now,
                version: 1,
                deleted_at: None,
                person_key: None,
            });
            let latest = site.opened_on.max(ymd(2024, 6, 30));
            let started_on = self.s.date(site.opened_on, latest.min(site.opened_on + TimeDelta::days(240)));
            // About one worker in sixteen moved here from another station.
            let elsewhere: Vec<usize> = a.operating(&ALL_LEVELS).into_iter().filter(|&i| i != site_index).collect();
            if self.s.chance(0.06) && !elsewhere.is_empty() {
                let other = elsewhere[self.s.index(elsewhere.len())];
                let ended_on = started_on - TimeDelta::days(1);
                let began = ended_on - TimeDelta::days(self.s.int(180, 900));
                self.assignment(a.sites[other].id, worker_id, AssignmentRole::Resident, began, Some(ended_on));
            }
            self.assignment(site.id, worker_id, role, started_on, None);
            a.sites[site_index].workers.push(worker_id);
            a.workers.push(worker_id);
        }
        Ok(())
    }

    fn assignment(
        &mut self,
        station: Uuid,
        worker: Uuid,
        role: AssignmentRole,
        started_on: NaiveDate,
        ended_on: Option<NaiveDate>,
    ) {
        let id = self.s.id();
        self.rows.station_assignments.push(station_assignment::Model {
            id,
            station_id: station,
            social_worker_id: worker,
            role,
            started_on,
            ended_on,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
    }

    /// A current worker of site `i` (or of the area, when the site has none).
    fn worker_at(&mut self, a: &Area, i: usize) -> Option<Uuid> {
        let site = a.sites.get(i)?;
        if site.workers.is_empty() { self.s.pick(&a.workers).copied() } else { self.s.pick(&site.workers).copied() }
    }

    // ---------------------------------------------------------------- volunteers

    /// Volunteer teams attached to operating township stations (or the area's other stations
    /// when there are too few), and volunteers living in those townships, each a member of
    /// one team, some of two, a few having left one.
    pub(super) fn volunteers(&mut self, a: &mut Area, teams: usize, volunteers: usize) -> Result<(), SeedError> {
        let mut bases = a.operating(&[StationLevel::TownshipStation]);
        if bases.is_empty() {
            bases = a.operating(&[StationLevel::GuidanceCenter, StationLevel::CountyStation]);
        }
        if bases.is_empty() {
            return Err(SeedError::Plan(format!("{} has no operating station for volunteer teams", a.key)));
        }
        self.s.shuffle(&mut bases);
        for t in 0..teams {
            let site_index = bases[t % bases.len()];
            let site = a.sites[site_index].clone();
            let place = self.atlas.name(&site.region).to_owned();
            let name = self.unique_name(TEAM_WORDS, |w| format!("{place}{w}志愿服务队"));
            let organization_id = if self.s.chance(0.4) {
                let pool = if self.s.chance(0.5) { &a.community_orgs } else { &a.agencies };
                self.s.pick(pool).map(|o| o.id)
            } else {
                None
            };
            let founded_on = self.s.date(ymd(2015, 1, 1), ymd(2023, 12, 31));
            let id = self.s.id();
            self.rows.volunteer_teams.push(volunteer_team::Model {
                id,
                name,
                region_code: site.region.clone(),
                station_id: Some(site.id),
                organization_id,
                founded_on: Some(founded_on),
                source: Some(SOURCE.to_owned()),
                external_id: a.external_id("team"),
                created_at: self.now,
                updated_at: self.now,
                version: 1,
                deleted_at: None,
            });
            a.teams.push(Team { id, site: site_index, region: site.region, founded_on });
        }
        for n in 0..volunteers {
            // Every team gets members first, then the rest join at random.
            let team_index = if n < a.teams.len() { n } else { self.s.index(a.teams.len()) };
            let team = a.teams[team_index].clone();
            let homes = self.villages(&team.region);
            let region = self.s.pick(&homes).cloned().unwrap_or_else(|| team.region.clone());
            let sex = self.s.sex(0.55);
            let birth = self.s.date(ymd(1950, 1, 1), ymd(2006, 12, 31));
            // A few volunteers hold documents other than a resident ID card.
            let document = match n % 211 {
                17 => IdDocumentType::HkMacaoPermit,
                59 => IdDocumentType::TaiwanPermit,
                101 => IdDocumentType::Passport,
                163 => IdDocumentType::Other,
                _ => IdDocumentType::ResidentId,
            };
            let id_number = match document {
                IdDocumentType::ResidentId => self.s.citizen_id(county6(&region), birth, sex)?,
                IdDocumentType::HkMacaoPermit => format!("H{:010}", self.s.int(0, 9_999_999_999)),
                IdDocumentType::TaiwanPermit => format!("{:08}", self.s.int(0, 99_999_999)),
                IdDocumentType::Passport => format!("E{:08}", self.s.int(0, 99_999_999)),
                IdDocumentType::Other => format!("JG{:08}", self.s.int(0, 99_999_999)),
            };
            let skill_count = self.s.int(1, 3) as usize;
            let skills: Vec<&str> =
                self.s.choose_indices(SKILLS.len(), skill_count).into_iter().map(|i| SKILLS[i]).collect();
            let serial = self.s.serial();
            let id = self.s.id();
            self.rows.volunteers.push(volunteer::Model {
                id,
                name: self.s.name(sex),
                gender: sex.gender(),
                phone: Some(self.s.phone()),
                id_document_type: document,
                id_number: Some(id_number),
                volunteer_number: Some(format!("{}{serial:08}", county6(&region))),
                skills: Some(skills.join(";")),
                region_code: region,
                source: Some(SOURCE.to_owned()),
                external_id: a.external_id("volunteer"),
                created_at: self.now,
                updated_at: self.now,
                version: 1,
                deleted_at: None,
                person_key: None,
            });
            let joined_on = self.s.date(team.founded_on.max(ymd(2019, 1, 1)), ymd(2024, 10, 31));
            self.membership(team.id, id, joined_on, None);
            if a.teams.len() > 1 && self.s.chance(0.15) {
                let other = (team_index + 1 + self.s.index(a.teams.len() - 1)) % a.teams.len();
                let other = a.teams[other].clone();
                let joined = self.s.date(other.founded_on.max(ymd(2019, 1, 1)), ymd(2024, 10, 31));
                let left = self.s.chance(0.3).then(|| self.s.date(joined + TimeDelta::days(30), SERVICE_TO));
                self.membership(other.id, id, joined, left);
            }
            a.volunteers.push(Vol { id, team: team_index, joined_on });
        }
        Ok(())
    }

    fn membership(&mut self, team: Uuid, volunteer: Uuid, joined_on: NaiveDate, left_on: Option<NaiveDate>) {
        let id = self.s.id();
        self.rows.volunteer_team_memberships.push(volunteer_team_membership::Model {
            id,
            volunteer_team_id: team,
            volunteer_id: volunteer,
            joined_on,
            left_on,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
    }

    /// Exactly `entries` service entries (minutes > 0) in the volunteers' ledgers across
    /// 2023-2024, then a few point redemptions (minutes 0, negative points).
    pub(super) fn ledger(&mut self, a: &Area, entries: usize) {
        if a.volunteers.is_empty() {
            return;
        }
        let mut earned = vec![0i32; a.volunteers.len()];
        for _ in 0..entries {
            let v = self.s.index(a.volunteers.len());
            let vol = &a.volunteers[v];
            let served_on = self.s.date(vol.joined_on.max(SERVICE_FROM), SERVICE_TO);
            let minutes = 30 * self.s.int(1, 12) as i32;
            let points = minutes / 30;
            earned[v] += points;
            let project_id = if self.s.chance(0.25) {
                let running: Vec<Uuid> = a.projects.iter().filter(|p| p.runs_on(served_on)).map(|p| p.id).collect();
                self.s.pick(&running).copied()
            } else {
                None
            };
            let description = self.s.pick(LEDGER_DESCRIPTIONS).map(|d| (*d).to_owned());
            let id = self.s.id();
            self.rows.volunteer_ledger_entries.push(volunteer_ledger_entry::Model {
                id,
                volunteer_id: vol.id,
                volunteer_team_id: a.teams.get(vol.team).map(|t| t.id),
                project_id,
                served_on,
                service_minutes: minutes,
                points,
                description,
                station_id: None,
                activity: None,
                corrects_entry_id: None,
                source: None,
                external_id: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
                deleted_at: None,
            });
        }
        for (v, vol) in a.volunteers.iter().enumerate() {
            if earned[v] >= 20 && self.s.chance(0.1) {
                let spent = self.s.int(5, i64::from(earned[v] / 2)) as i32;
                let id = self.s.id();
                self.rows.volunteer_ledger_entries.push(volunteer_ledger_entry::Model {
                    id,
                    volunteer_id: vol.id,
                    volunteer_team_id: None,
                    project_id: None,
                    served_on: self.s.date(ymd(2024, 6, 1), SERVICE_TO),
                    service_minutes: 0,
                    points: -spent,
                    description: Some("志愿积分兑换生活用品".to_owned()),
                    station_id: None,
                    activity: None,
                    corrects_entry_id: None,
                    source: None,
                    external_id: None,
                    created_at: self.now,
                    updated_at: self.now,
                    version: 1,
                    deleted_at: None,
                });
            }
        }
    }

    // ---------------------------------------------------------------- clients

    /// `count` clients served by the area's operating township stations and village rooms,
    /// with categories by age group; `files` of them have a case file, `deep` of those a deep
    /// case.
    pub(super) fn clients(&mut self, a: &mut Area, count: usize, files: usize, deep: usize) -> Result<(), SeedError> {
        let sites = a.operating(&[StationLevel::TownshipStation, StationLevel::VillageRoom]);
        if sites.is_empty() {
            return Err(SeedError::Plan(format!("{} has no station to serve clients", a.key)));
        }
        let with_file: HashSet<usize> = self.s.choose_indices(count, files).into_iter().collect();
        let file_order: Vec<usize> = (0..count).filter(|i| with_file.contains(i)).collect();
        let deep_files: HashSet<usize> = self
            .s
            .choose_indices(file_order.len(), deep)
            .into_iter()
            .filter_map(|k| file_order.get(k).copied())
            .collect();
        for n in 0..count {
            let site_index = sites[self.s.index(sites.len())];
            let site = a.sites[site_index].clone();
            let region = if site.level == StationLevel::VillageRoom {
                site.region.clone()
            } else {
                let homes = self.villages(&site.region);
                self.s.pick(&homes).cloned().unwrap_or_else(|| site.region.clone())
            };
            let group = self.s.weighted(&[(AgeGroup::Child, 30), (AgeGroup::Elderly, 50), (AgeGroup::Adult, 20)]);
            let group = group.unwrap_or(AgeGroup::Elderly);
            let birth = match group {
                AgeGroup::Child => self.s.date(ymd(2008, 1, 1), ymd(2022, 12, 31)),
                AgeGroup::Elderly => self.s.date(ymd(1928, 1, 1), ymd(1964, 12, 31)),
                AgeGroup::Adult => self.s.date(ymd(1965, 1, 1), ymd(2006, 12, 31)),
            };
            let sex = self.s.sex(0.5);
            let name = self.s.name(sex);
            let id_number = self.s.citizen_id(county6(&region), birth, sex)?;
            let (phone, guardian_name, guardian_phone) = match group {
                AgeGroup::Child => {
                    let guardian_sex = self.s.sex(0.6);
                    let guardian = self.s.name(guardian_sex);
                    // A grandparent with the family surname looks after most left-behind children.
                    let surname: String = name.chars().take(1).collect();
                    let given: String = guardian.chars().skip(1).collect();
                    (None, Some(format!("{surname}{given}")), Some(self.s.phone()))
                }
                AgeGroup::Elderly => (self.s.chance(0.6).then(|| self.s.phone()), None, None),
                AgeGroup::Adult => (Some(self.s.phone()), None, None),
            };
            let address = if is_community(&region) {
                format!(
                    "{}{}栋{}单元{}号",
                    self.atlas.address(&region),
                    self.s.int(1, 30),
                    self.s.int(1, 4),
                    self.s.int(101, 1802)
                )
            } else {
                format!("{}{}组{}号", self.atlas.address(&region), self.s.int(1, 12), self.s.int(1, 80))
            };
            let id = self.s.id();
            self.rows.clients.push(client::Model {
                id,
                name,
                id_number: Some(id_number),
                birth_date: Some(birth),
                gender: sex.gender(),
                phone,
                address: Some(address),
                region_code: region.clone(),
                station_id: Some(site.id),
                guardian_name,
                guardian_phone,
                source: Some(SOURCE.to_owned()),
                external_id: a.external_id("client"),
                created_at: self.now,
                updated_at: self.now,
                version: 1,
                deleted_at: None,
            });
            for category in self.categories(group, birth) {
                let cid = self.s.id();
                self.rows.client_categories.push(client_category::Model {
                    id: cid,
                    client_id: id,
                    category,
                    created_at: self.now,
                    updated_at: self.now,
                    version: 1,
                    deleted_at: None,
                });
            }
            let file = if with_file.contains(&n) {
                Some(self.case_file(a, id, site_index, deep_files.contains(&n)))
            } else {
                None
            };
            a.clients.push(ClientRef { id, site: site_index, region, file });
        }
        Ok(())
    }

    /// One to three categories that fit the age group, distinct.
    fn categories(&mut self, group: AgeGroup, birth: NaiveDate) -> Vec<ClientCategoryKind> {
        use ClientCategoryKind as K;
        let assistance = [K::MinLiving, K::ExtremePoverty, K::NearMinLiving, K::TemporaryAssistance];
        let mut out: Vec<K> = Vec::new();
        match group {
            AgeGroup::Child => {
                let children = [K::Orphan, K::DeFactoUnattended, K::LeftBehindChild, K::ChildInDifficulty];
                let picks = self.s.int(1, 2) as usize;
                out.extend(self.s.choose_indices(children.len(), picks).into_iter().map(|i| children[i]));
                if self.s.chance(0.25) {
                    out.extend(self.s.pick(&[K::MinLiving, K::NearMinLiving, K::TemporaryAssistance]).copied());
                }
                if self.s.chance(0.15) {
                    out.push(K::Disabled);
                }
            }
            AgeGroup::Elderly => {
                let mut elderly =
                    vec![K::LeftBehindElderly, K::EmptyNest, K::BereavedParent, K::IllOrDisabled, K::Dependent];
                if birth <= ymd(1944, 12, 31) {
                    elderly.push(K::AdvancedAge);
                }
                let picks = self.s.int(1, 2) as usize;
                out.extend(self.s.choose_indices(elderly.len(), picks).into_iter().map(|i| elderly[i]));
                if self.s.chance(0.4) {
                    out.extend(self.s.pick(&assistance).copied());
                }
                if self.s.chance(0.15) {
                    out.push(K::Disabled);
                }
            }
            AgeGroup::Adult => {
                out.extend(self.s.pick(&assistance).copied());
                if self.s.chance(0.5) {
                    out.push(K::Disabled);
                }
            }
        }
        out
    }

    fn case_file(&mut self, a: &Area, client_id: Uuid, site: usize, deep: bool) -> CaseRef {
        use CaseStage as S;
        let stage = if deep {
            self.s.weighted(&[(S::Planning, 15), (S::Intervention, 50), (S::Evaluation, 20), (S::Closed, 15)])
        } else {
            self.s.weighted(&[
                (S::Intake, 8),
                (S::Assessment, 10),
                (S::Planning, 10),
                (S::Intervention, 35),
                (S::Evaluation, 12),
                (S::Closed, 25),
            ])
        }
        .unwrap_or(S::Intervention);
        let opened_on = self.s.date(ymd(2022, 3, 1), ymd(2024, 11, 30));
        let closed_on = (stage == S::Closed).then(|| {
            let latest = (opened_on + TimeDelta::days(400)).min(SERVICE_TO);
            self.s.date((opened_on + TimeDelta::days(30)).min(latest), latest)
        });
        let worker = self.worker_at(a, site);
        let id = self.s.id();
        self.rows.case_files.push(case_file::Model {
            id,
            client_id,
            stage,
            is_deep_case: deep,
            social_worker_id: worker,
            opened_on,
            closed_on,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
        CaseRef { opened_on, closed_on, worker, deep }
    }

    // ---------------------------------------------------------------- projects and charity

    /// A project with its stations; returns its index in `a.projects`.
    pub(super) fn project(&mut self, a: &mut Area, spec: ProjectSpec) -> usize {
        let (status, starts_on, ends_on) = match spec.schedule {
            Some(s) => s,
            None => {
                let starts = self.s.date(ymd(2022, 1, 1), ymd(2024, 10, 31));
                let ends = starts + TimeDelta::days(self.s.int(180, 730));
                let status = if ends < SERVICE_TO { ProjectStatus::Completed } else { ProjectStatus::Active };
                (status, starts, Some(ends))
            }
        };
        let id = self.s.id();
        self.names.insert(spec.name.clone());
        self.rows.projects.push(project::Model {
            id,
            name: spec.name,
            funding_mode: spec.mode,
            status,
            budget_fen: spec.budget_fen,
            funds_raised_fen: spec.raised_fen,
            starts_on,
            ends_on,
            region_code: spec.region.clone(),
            beneficiaries: None,
            service_domain: None,
            source: Some(SOURCE.to_owned()),
            external_id: a.external_id("project"),
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
        let mut sites = spec.sites;
        sites.sort_unstable();
        sites.dedup();
        for &i in &sites {
            let Some(site) = a.sites.get(i) else { continue };
            let ps = self.s.id();
            self.rows.project_stations.push(project_station::Model {
                id: ps,
                project_id: id,
                station_id: site.id,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
                deleted_at: None,
            });
        }
        let last = ends_on.unwrap_or(SERVICE_TO).max(starts_on);
        a.projects.push(ProjectRef { id, sites, region: spec.region, starts_on, ends_on: last });
        a.projects.len() - 1
    }

    /// Sets what project `p` reports: its beneficiaries and its field of service.
    pub(super) fn report_reach(
        &mut self,
        a: &Area,
        p: usize,
        beneficiaries: Option<i32>,
        domain: Option<project::ServiceDomain>,
    ) {
        let Some(id) = a.projects.get(p).map(|r| r.id) else { return };
        if let Some(row) = self.rows.projects.iter_mut().rev().find(|r| r.id == id) {
            row.beneficiaries = beneficiaries;
            row.service_domain = domain;
        }
    }

    /// The organisations taking part in any of the projects `ps`.
    pub(super) fn organizations_of(&self, a: &Area, ps: &[usize]) -> HashSet<Uuid> {
        let ids: HashSet<Uuid> = ps.iter().filter_map(|&p| a.projects.get(p)).map(|r| r.id).collect();
        self.rows
            .project_participants
            .iter()
            .filter(|r| ids.contains(&r.project_id))
            .filter_map(|r| r.organization_id)
            .collect()
    }

    /// One participant of project `p`.
    pub(super) fn participant(&mut self, a: &Area, p: usize, party: PartyRef) {
        let Some(project) = a.projects.get(p) else { return };
        let (party, region, member) = match party {
            PartyRef::Community(code) => (Party::Community, Some(code), None),
            PartyRef::Organization(id) => (Party::Organization, None, Some(id)),
            PartyRef::SocialWorker(id) => (Party::SocialWorker, None, Some(id)),
            PartyRef::Volunteer(id) => (Party::Volunteer, None, Some(id)),
            PartyRef::VolunteerTeam(id) => (Party::VolunteerTeam, None, Some(id)),
            PartyRef::CharityResource(id) => (Party::CharityResource, None, Some(id)),
        };
        let row = project_participant::Model::new(self.s.id(), project.id, party, region, member, self.now);
        self.rows.project_participants.push(row);
    }

    /// The usual five-society participants of project `p`: its community, the operator of
    /// its first station, workers of its stations, often a volunteer team, sometimes
    /// volunteers. `light` (mutual-aid projects) keeps it to community, one worker and
    /// residents who volunteer.
    pub(super) fn five_societies(&mut self, a: &Area, p: usize, light: bool) {
        let Some(project) = a.projects.get(p).cloned() else { return };
        let community = if self.atlas.get(&project.region).is_ok_and(|d| d.level == RegionLevel::Village) {
            project.region.clone()
        } else {
            let first = project.sites.first().and_then(|&i| a.sites.get(i)).map(|s| s.region.clone());
            let base = first.unwrap_or_else(|| project.region.clone());
            let homes = self.villages(&base);
            self.s.pick(&homes).cloned().unwrap_or(base)
        };
        self.participant(a, p, PartyRef::Community(community));
        let operator = project.sites.first().and_then(|&i| a.sites.get(i)).and_then(|s| s.operator);
        if !light && let Some(op) = operator {
            self.participant(a, p, PartyRef::Organization(op));
        }
        let with_local_org = self.s.chance(if light { 0.3 } else { 0.5 });
        if with_local_org
            && let Some(org) = self.s.pick(&a.community_orgs).map(|o| o.id)
            && Some(org) != operator
        {
            self.participant(a, p, PartyRef::Organization(org));
        }
        let mut workers: Vec<Uuid> =
            project.sites.iter().filter_map(|&i| a.sites.get(i)).flat_map(|s| s.workers.clone()).collect();
        if workers.is_empty() {
            workers = a.workers.clone();
        }
        let n = if light { 1 } else { self.s.int(1, 3) as usize };
        for i in self.s.choose_indices(workers.len(), n) {
            self.participant(a, p, PartyRef::SocialWorker(workers[i]));
        }
        if !light && self.s.chance(0.6) {
            let local: Vec<Uuid> = a.teams.iter().filter(|t| project.sites.contains(&t.site)).map(|t| t.id).collect();
            let team =
                if local.is_empty() { self.s.pick(&a.teams).map(|t| t.id) } else { self.s.pick(&local).copied() };
            if let Some(team) = team {
                self.participant(a, p, PartyRef::VolunteerTeam(team));
            }
        }
        if self.s.chance(if light { 0.5 } else { 0.35 }) {
            let n = self.s.int(1, 3) as usize;
            for i in self.s.choose_indices(a.volunteers.len(), n) {
                self.participant(a, p, PartyRef::Volunteer(a.volunteers[i].id));
            }
        }
    }

    /// A charity resource; `project` (an index in `a.projects`) makes it a participant too.
    pub(super) fn charity(&mut self, a: &Area, spec: CharitySpec, project: Option<usize>) -> Uuid {
        let id = self.s.id();
        self.rows.charity_resources.push(charity_resource::Model {
            id,
            description: spec.description,
            kind: spec.kind,
            donor_name: spec.donor,
            value_fen: spec.value_fen,
            matching_level: spec.level,
            is_community_fund: spec.community_fund,
            region_code: spec.region,
            station_id: spec.site.and_then(|i| a.sites.get(i)).map(|s| s.id),
            received_on: spec.received_on,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
        if let Some(p) = project {
            self.participant(a, p, PartyRef::CharityResource(id));
        }
        id
    }

    // ---------------------------------------------------------------- services

    /// Service records across 2023-2024: casework for clients with a file (a few sessions,
    /// more for deep cases), group and community activities at every operating station.
    /// With `exact_person_times`, community activities are added until the area's
    /// person-times total exactly that.
    pub(super) fn services(&mut self, a: &Area, exact_person_times: Option<i64>) -> Result<(), SeedError> {
        let mut total: i64 = 0;
        for c in &a.clients {
            let Some(file) = &c.file else { continue };
            let from = file.opened_on.max(SERVICE_FROM);
            let to = file.closed_on.unwrap_or(SERVICE_TO).min(SERVICE_TO);
            if to < from {
                continue;
            }
            let sessions = if file.deep { self.s.int(3, 8) } else { self.s.int(1, 3) };
            for _ in 0..sessions {
                let kind = self.s.pick(SERVICE_TYPES).copied().unwrap_or(ServiceType::EmotionalCounseling);
                let served_on = self.s.date(from, to);
                let project = self.project_at(a, c.site, served_on, 0.1);
                let worker = file.worker;
                self.record(
                    a,
                    c.site,
                    worker,
                    Some(c.id),
                    project,
                    None,
                    &c.region,
                    served_on,
                    kind,
                    ServiceMethod::Casework,
                    1,
                );
                total += 1;
            }
        }
        for i in 0..a.sites.len() {
            if !a.sites[i].operating {
                continue;
            }
            let (groups, communities) = match a.sites[i].level {
                StationLevel::GuidanceCenter | StationLevel::CountyStation => (self.s.int(1, 3), self.s.int(1, 2)),
                StationLevel::TownshipStation => (self.s.int(1, 4), self.s.int(0, 2)),
                StationLevel::VillageRoom | StationLevel::NeighborhoodPoint => (self.s.int(0, 2), self.s.int(0, 1)),
            };
            for _ in 0..groups {
                let people = self.s.int(6, 30) as i32;
                total += self.activity(a, i, ServiceMethod::Groupwork, people);
            }
            for _ in 0..communities {
                let people = self.s.int(20, 150) as i32;
                total += self.activity(a, i, ServiceMethod::Community, people);
            }
        }
        if let Some(target) = exact_person_times {
            if total > target {
                return Err(SeedError::Plan(format!("{} already has {total} person-times, above {target}", a.key)));
            }
            let sites = a.operating(&[StationLevel::TownshipStation, StationLevel::CountyStation]);
            while total < target {
                let Some(&i) = self.s.pick(&sites) else {
                    return Err(SeedError::Plan(format!("{} has no station for community activities", a.key)));
                };
                let people = (self.s.int(40, 200)).min(target - total) as i32;
                total += self.activity(a, i, ServiceMethod::Community, people);
            }
        }
        Ok(())
    }

    /// A group or community activity at site `i`; returns its person-times.
    fn activity(&mut self, a: &Area, i: usize, method: ServiceMethod, people: i32) -> i64 {
        let kind = self.s.pick(SERVICE_TYPES).copied().unwrap_or(ServiceType::SocialParticipation);
        let name = self.s.pick(activities(kind)).map(|n| (*n).to_owned());
        let served_on = self.s.date(SERVICE_FROM, SERVICE_TO);
        let worker = self.worker_at(a, i);
        let project = self.project_at(a, i, served_on, 0.3);
        let region = a.sites[i].region.clone();
        self.record(a, i, worker, None, project, name, &region, served_on, kind, method, people);
        i64::from(people)
    }

    /// With probability `p`, a project running on `day` at site `i` (or anywhere in the area).
    fn project_at(&mut self, a: &Area, i: usize, day: NaiveDate, p: f64) -> Option<Uuid> {
        if !self.s.chance(p) {
            return None;
        }
        let running: Vec<&ProjectRef> = a.projects.iter().filter(|pr| pr.runs_on(day)).collect();
        let local: Vec<Uuid> = running.iter().filter(|pr| pr.sites.contains(&i)).map(|pr| pr.id).collect();
        if local.is_empty() { self.s.pick(&running).map(|pr| pr.id) } else { self.s.pick(&local).copied() }
    }

    /// A day on which project `p` runs, within the service period where possible (when a
    /// donation arrived, say).
    pub(super) fn day_of(&mut self, a: &Area, p: usize) -> NaiveDate {
        match a.projects.get(p) {
            Some(pr) => {
                let from = pr.starts_on.max(SERVICE_FROM).min(pr.ends_on);
                let to = pr.ends_on.min(SERVICE_TO).max(from);
                self.s.date(from, to)
            }
            None => self.s.date(SERVICE_FROM, SERVICE_TO),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        a: &Area,
        site: usize,
        worker: Option<Uuid>,
        client: Option<Uuid>,
        project: Option<Uuid>,
        activity_name: Option<String>,
        region: &str,
        served_on: NaiveDate,
        service_type: ServiceType,
        method: ServiceMethod,
        person_times: i32,
    ) {
        let Some(station) = a.sites.get(site) else { return };
        let id = self.s.id();
        self.rows.service_records.push(service_record::Model {
            id,
            station_id: station.id,
            social_worker_id: worker,
            client_id: client,
            project_id: project,
            activity_name,
            region_code: region.to_owned(),
            served_on,
            service_type,
            method,
            person_times,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
            deleted_at: None,
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgeGroup {
    Child,
    Elderly,
    Adult,
}
