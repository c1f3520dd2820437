//! The plans of the four places of the source article: what each has, so that the published
//! figures ([`super::demo::figures`]) come out exactly, and believable data around them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::charity_resource::{CharityKind, MatchingLevel};
use entity::organization::OrganizationKind;
use entity::project::{FundingMode, ProjectStatus, ServiceDomain};
use entity::station::{StationLevel, StationStatus};
use uuid::Uuid;

use super::SeedError;
use super::atlas::{county6, is_community};
use super::build::{
    Area, CharitySpec, Org, PartyRef, ProjectSpec, SERVICE_FROM, SERVICE_TO, StaffPlan, StationSpec, World, ymd,
};
use super::demo::figures::{qianxinan, qiqihar, xiling, yucheng};
use super::synth::{Registration, Synth};

const MUTUAL_AID_TOPICS: &[&str] = &[
    "楼道照明改造",
    "加装楼梯扶手",
    "邻里互助食堂",
    "四点半课堂",
    "老年助餐点",
    "车棚修缮",
    "垃圾分类驿站",
    "微花园建设",
    "下水管网疏通",
    "适老化改造",
    "儿童游乐角改造",
    "健身器材更新",
    "单元门维修",
    "院落环境整治",
    "邻里议事亭",
    "便民修理摊",
    "爱心雨棚",
    "独居老人呼叫器",
    "屋顶防水维修",
    "文化活动室",
];
const DONOR_WORDS: &[&str] =
    &["宏达", "兴盛", "恒通", "金源", "华鑫", "永安", "瑞丰", "鼎盛", "利民", "顺和", "长兴", "万福"];
const DONOR_TRADES: &[&str] =
    &["商贸有限公司", "建材有限公司", "实业有限公司", "农业开发有限公司", "食品有限公司", "物业服务有限公司"];
const COMPOUND_WORDS: &[&str] =
    &["幸福", "和谐", "锦苑", "滨河", "阳光", "安居", "雅苑", "翠园", "康乐", "金桥", "碧水", "丽景"];

/// A station opening date in `from..=to`.
fn opened(w: &mut World, from: NaiveDate, to: NaiveDate) -> Option<NaiveDate> {
    Some(w.s.date(from, to))
}

/// A synthetic local company or a caring resident as a donor.
fn donor(w: &mut World, place: &str) -> String {
    if w.s.chance(0.25) {
        let sex = w.s.sex(0.5);
        let name = w.s.name(sex);
        let surname: String = name.chars().take(1).collect();
        format!("爱心人士{surname}某某")
    } else {
        let word = w.s.pick(DONOR_WORDS).copied().unwrap_or("宏达");
        let trade = w.s.pick(DONOR_TRADES).copied().unwrap_or("商贸有限公司");
        format!("{place}{word}{trade}")
    }
}

/// When a gift arrived: while the project it supports runs, or any day of the service period.
fn received(w: &mut World, a: &Area, project: Option<usize>) -> NaiveDate {
    match project {
        Some(p) => w.day_of(a, p),
        None => w.s.date(SERVICE_FROM, SERVICE_TO),
    }
}

/// `k` distinct random elements of `items`, in their order.
fn some<T: Clone>(w: &mut World, items: &[T], k: usize) -> Vec<T> {
    w.s.choose_indices(items.len(), k).into_iter().map(|i| items[i].clone()).collect()
}

/// A project with a random schedule and the usual participants; returns its index.
fn standard_project(
    w: &mut World,
    a: &mut Area,
    name: String,
    mode: FundingMode,
    budget_fen: i64,
    region: &str,
    sites: Vec<usize>,
) -> usize {
    let raised_fen = match mode {
        FundingMode::VenturePhilanthropy | FundingMode::Charity => budget_fen / 100 * w.s.int(40, 100),
        _ => budget_fen,
    };
    let p = w.project(
        a,
        ProjectSpec { name, mode, budget_fen, raised_fen, region: region.to_owned(), sites, schedule: None },
    );
    w.five_societies(a, p, false);
    p
}

/// Mutual-aid projects (村社互助) in communities and villages: residents raise the money,
/// budget = funds raised. `raised_fen` gives each one's amount.
fn mutual_aid(w: &mut World, a: &mut Area, places: &[String], raised_fen: &[i64]) -> Vec<usize> {
    let mut out = Vec::new();
    for (k, &raised) in raised_fen.iter().enumerate() {
        let Some(place) = places.get(k % places.len().max(1)).cloned() else { break };
        let short = w.atlas.short(&place);
        let name = w.unique_name(MUTUAL_AID_TOPICS, |t| format!("{short}{t}互助项目"));
        let township = place.get(..9).map(|t| format!("{t}000")).unwrap_or_default();
        let site = a
            .sites
            .iter()
            .position(|s| s.level == StationLevel::VillageRoom && s.region == place)
            .or_else(|| a.township_site(&township))
            .or_else(|| (!a.sites.is_empty()).then_some(0));
        let p = w.project(
            a,
            ProjectSpec {
                name,
                mode: FundingMode::MutualAid,
                budget_fen: raised,
                raised_fen: raised,
                region: place,
                sites: site.into_iter().collect(),
                schedule: None,
            },
        );
        w.five_societies(a, p, true);
        out.push(p);
    }
    out
}

/// Amounts in whole yuan summing exactly to `total_fen`, split over `n` by random weights.
fn split(w: &mut World, total_fen: i64, n: usize, lo: u64, hi: u64) -> Vec<i64> {
    let weights = w.s.weights(n, lo, hi);
    let mut parts: Vec<i64> = Synth::apportion(total_fen / 100, &weights).into_iter().map(|y| y * 100).collect();
    if let Some(first) = parts.first_mut() {
        *first += total_fen % 100;
    }
    parts
}

fn check_count(what: &str, have: usize, want: u64) -> Result<(), SeedError> {
    if have as u64 == want {
        Ok(())
    } else {
        Err(SeedError::Plan(format!("{what}: the division data gives {have}, the plan needs {want}")))
    }
}

// ==================================================================== 黔西南州

/// 黔西南州: 1 guidance centre, 8 county stations, 101 township stations (册亨, 兴义, 晴隆
/// fully covered), 4 village rooms; 14.88 M yuan invested.
pub(super) fn qianxinan(w: &mut World, a: &mut Area) -> Result<(), SeedError> {
    let pref = qianxinan::PREFECTURE;
    let counties = w.atlas.children(pref).to_vec();
    check_count("黔西南州 counties", counties.len(), qianxinan::COUNTY_STATIONS)?;
    let townships: usize = counties.iter().map(|c| w.atlas.children(c).len()).sum();
    check_count("黔西南州 townships", townships, qianxinan::TOWNSHIPS)?;

    w.bureau(a, "黔西南布依族苗族自治州", pref)?;
    for c in &counties {
        let name = w.atlas.name(c).to_owned();
        w.bureau(a, &name, c)?;
    }
    let pref_agency = w.agency(a, "黔西南州", pref, county6(pref))?;
    let mut county_agencies: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for (i, c) in counties.iter().enumerate() {
        let name = w.atlas.name(c).to_owned();
        // The three biggest counties have two agencies.
        for _ in 0..if [0, 1, 7].contains(&i) { 2 } else { 1 } {
            let agency = w.agency(a, &name, c, county6(c))?;
            county_agencies.entry(c.clone()).or_default().push(agency.id);
        }
    }
    w.org(
        a,
        "黔西南州社会工作协会".to_owned(),
        OrganizationKind::SocialGroup,
        pref,
        Some((Registration::SocialGroup, "522300")),
    )?;
    let charity_org = w.org(
        a,
        "黔西南州慈善总会".to_owned(),
        OrganizationKind::Charity,
        pref,
        Some((Registration::SocialGroup, "522300")),
    )?;
    let foundation = w.org(
        a,
        "黔西南州金州公益基金会".to_owned(),
        OrganizationKind::Foundation,
        pref,
        Some((Registration::Foundation, "522300")),
    )?;

    // Stations.
    let spec = StationSpec {
        name: "黔西南州社会工作指导中心".to_owned(),
        level: StationLevel::GuidanceCenter,
        status: StationStatus::Operating,
        full_service: true,
        region: pref.to_owned(),
        parent: None,
        operator: Some(pref_agency.id),
        opened_on: opened(w, ymd(2020, 5, 1), ymd(2020, 9, 30)),
        investment_fen: 0,
    };
    let gc = w.station(a, spec);
    let mut county_sites = BTreeMap::new();
    for c in &counties {
        let operator = county_agencies.get(c).and_then(|v| v.first()).copied();
        let spec = StationSpec {
            name: format!("{}社会工作服务总站", w.atlas.name(c)),
            level: StationLevel::CountyStation,
            status: StationStatus::Operating,
            full_service: true,
            region: c.clone(),
            parent: Some(gc),
            operator,
            opened_on: opened(w, ymd(2020, 6, 1), ymd(2021, 6, 30)),
            investment_fen: 0,
        };
        let site = w.station(a, spec);
        county_sites.insert(c.clone(), site);
    }
    // 册亨, 兴义, 晴隆 entirely; the remaining stations over the other counties in proportion
    // to their townships.
    let full: Vec<&str> = qianxinan::FULLY_COVERED_COUNTIES.to_vec();
    let covered_fully: usize = full.iter().map(|c| w.atlas.children(c).len()).sum();
    let rest = (qianxinan::TOWNSHIP_STATIONS as usize)
        .checked_sub(covered_fully)
        .ok_or_else(|| SeedError::Plan("黔西南州: fully covered counties exceed 101 townships".to_owned()))?;
    let others: Vec<String> = counties.iter().filter(|c| !full.contains(&c.as_str())).cloned().collect();
    let sizes: Vec<u64> = others.iter().map(|c| w.atlas.children(c).len() as u64).collect();
    let shares = Synth::apportion(rest as i64, &sizes);
    let mut chosen: Vec<String> = Vec::new();
    for c in &counties {
        let all = w.townships(c);
        let picked = match others.iter().position(|o| o == c) {
            Some(k) => some(w, &all, shares[k] as usize),
            None => all,
        };
        chosen.extend(picked);
    }
    check_count("黔西南州 township stations", chosen.len(), qianxinan::TOWNSHIP_STATIONS)?;
    for t in &chosen {
        let county = format!("{}000000", county6(t));
        let operators = county_agencies.get(&county).cloned().unwrap_or_default();
        let operator = w.s.pick(&operators).copied();
        let full_service = w.s.chance(0.85);
        let spec = StationSpec {
            name: format!("{}社会工作服务站", w.atlas.name(t)),
            level: StationLevel::TownshipStation,
            status: StationStatus::Operating,
            full_service,
            region: t.clone(),
            parent: county_sites.get(&county).copied(),
            operator,
            opened_on: opened(w, ymd(2020, 3, 1), ymd(2023, 11, 30)),
            investment_fen: 0,
        };
        w.station(a, spec);
    }
    // Four village rooms: two in 兴义, one each in 册亨 and 晴隆.
    for county in ["522301000000", "522301000000", "522327000000", "522324000000"] {
        let candidates: Vec<usize> = (0..a.sites.len())
            .filter(|&i| {
                a.sites[i].level == StationLevel::TownshipStation && a.sites[i].region.starts_with(county6(county))
            })
            .collect();
        let Some(&parent) = w.s.pick(&candidates) else {
            return Err(SeedError::Plan(format!("no township station in {county} for a village room")));
        };
        let township = a.sites[parent].region.clone();
        let villages: Vec<String> =
            w.villages(&township).into_iter().filter(|v| !a.sites.iter().any(|s| &s.region == v)).collect();
        let Some(village) = w.s.pick(&villages).cloned() else {
            return Err(SeedError::Plan(format!("no village under {township} for a village room")));
        };
        let operator = a.sites[parent].operator;
        let spec = StationSpec {
            name: format!("{}社会工作室", w.atlas.short(&village)),
            level: StationLevel::VillageRoom,
            status: StationStatus::Operating,
            full_service: true,
            region: village,
            parent: Some(parent),
            operator,
            opened_on: opened(w, ymd(2022, 3, 1), ymd(2023, 10, 31)),
            investment_fen: 0,
        };
        w.station(a, spec);
    }
    let all_sites: Vec<usize> = (0..a.sites.len()).collect();
    w.invest(a, &all_sites, qianxinan::INVESTMENT_FEN);

    w.community_orgs(a, &chosen, 8)?;
    w.staff(a, StaffPlan { total: 240, certified: 150, all_on_pay_scale: false })?;
    w.volunteers(a, 20, 300)?;
    w.clients(a, 500, 300, 90)?;

    // Projects.
    let mut charity_projects = Vec::new();
    for c in &counties {
        let mut sites: Vec<usize> = county_sites.get(c).copied().into_iter().collect();
        sites.extend((0..a.sites.len()).filter(|&i| {
            a.sites[i].level == StationLevel::TownshipStation && a.sites[i].region.starts_with(county6(c))
        }));
        let budget = w.s.int(400_000, 1_200_000) * 100;
        let name = format!("{}乡镇（街道）社会工作服务站运营项目", w.atlas.name(c));
        standard_project(w, a, name, FundingMode::GovernmentProcurement, budget, c, sites);
    }
    let townships_sites = a.operating(&[StationLevel::TownshipStation]);
    for year in [2022, 2023] {
        let sites = some(w, &townships_sites, 5);
        let budget = w.s.int(200_000, 500_000) * 100;
        standard_project(
            w,
            a,
            format!("黔西南州社工站建设以奖代补项目（{year}年）"),
            FundingMode::AwardInLieuOfSubsidy,
            budget,
            pref,
            sites,
        );
    }
    let sites = some(w, &townships_sites, 3);
    standard_project(
        w,
        a,
        "贵州省困境儿童关爱社会工作服务项目（黔西南州）".to_owned(),
        FundingMode::ProvincialProgram,
        60_000_000,
        pref,
        sites,
    );
    let sites = some(w, &townships_sites, 2);
    standard_project(
        w,
        a,
        "黔西南州公益创投：易地扶贫搬迁安置社区融入项目".to_owned(),
        FundingMode::VenturePhilanthropy,
        15_000_000,
        pref,
        sites,
    );
    for name in ["“情暖童心”留守儿童关爱计划", "“银龄守护”困难老人助餐项目"] {
        let sites = some(w, &townships_sites, 2);
        let budget = w.s.int(80_000, 200_000) * 100;
        let p = standard_project(w, a, name.to_owned(), FundingMode::Charity, budget, pref, sites);
        charity_projects.push(p);
    }
    // The plan for full coverage by the end of 2025 (DOMAIN.md: target 100 % by end of 2025).
    let p = w.project(
        a,
        ProjectSpec {
            name: "黔西南州乡镇（街道）社工站全覆盖提升项目（2025年）".to_owned(),
            mode: FundingMode::AwardInLieuOfSubsidy,
            budget_fen: 300_000_000,
            raised_fen: 0,
            region: pref.to_owned(),
            sites: vec![gc],
            schedule: Some((ProjectStatus::Planned, ymd(2025, 3, 1), Some(ymd(2025, 12, 31)))),
        },
    );
    w.five_societies(a, p, false);
    let villages: Vec<String> = chosen.iter().flat_map(|t| w.villages(t)).collect();
    let places = some(w, &villages, 3);
    let raised = split(w, 9_600_000, 3, 20, 60);
    let mutual = mutual_aid(w, a, &places, &raised);

    // Charity resources.
    for k in 0..6 {
        let region = w.s.pick(&counties).cloned().unwrap_or_else(|| pref.to_owned());
        let place = w.atlas.name(&region).to_owned();
        let donor = donor(w, &place);
        let value_fen = w.s.int(5_000, 80_000) * 100;
        let received_on = received(w, a, charity_projects.get(k % 2).copied());
        let spec = CharitySpec {
            description: "慈善捐款".to_owned(),
            kind: CharityKind::Money,
            donor: Some(donor),
            value_fen,
            level: None,
            community_fund: k < 2,
            region,
            site: None,
            received_on,
        };
        let project = charity_projects.get(k % 2).copied();
        w.charity(a, spec, project);
    }
    for (what, value_fen) in [("爱心书包500个", 5_000_000), ("冬季棉被300床", 9_000_000), ("助听器40台", 6_400_000)]
    {
        let site = w.s.pick(&townships_sites).copied();
        let region = site.map_or_else(|| pref.to_owned(), |i| a.sites[i].region.clone());
        let received_on = received(w, a, charity_projects.first().copied());
        let spec = CharitySpec {
            description: what.to_owned(),
            kind: CharityKind::InKind,
            donor: Some(charity_org.name.clone()),
            value_fen,
            level: None,
            community_fund: false,
            region,
            site,
            received_on,
        };
        let project = charity_projects.first().copied();
        w.charity(a, spec, project);
    }
    for &p in &mutual {
        let region = a.projects[p].region.clone();
        let site = a.projects[p].sites.first().copied();
        let received_on = received(w, a, Some(p));
        let spec = CharitySpec {
            description: "村社互助项目基金会配捐".to_owned(),
            kind: CharityKind::MatchedDonation,
            donor: Some(foundation.name.clone()),
            value_fen: 1_000_000,
            level: Some(MatchingLevel::Foundation),
            community_fund: false,
            region,
            site,
            received_on,
        };
        w.charity(a, spec, Some(p));
    }

    w.services(a, None)?;
    let entries = 2 * a.volunteers.len();
    w.ledger(a, entries);
    Ok(())
}

// ==================================================================== 齐齐哈尔市

/// 齐齐哈尔市: 164 stations, 145 in full service, every township of the 7 urban districts
/// covered, 82 volunteer teams, 51 social-work agencies, 6,000 sets of thermal clothing.
pub(super) fn qiqihar(w: &mut World, a: &mut Area) -> Result<(), SeedError> {
    let pref = qiqihar::PREFECTURE;
    let counties = w.atlas.children(pref).to_vec();
    for d in qiqihar::URBAN_DISTRICTS {
        if !counties.iter().any(|c| c == d) {
            return Err(SeedError::MissingRegion(d.to_owned()));
        }
    }
    let urban = |c: &String| qiqihar::URBAN_DISTRICTS.contains(&c.as_str());

    w.bureau(a, "齐齐哈尔市", pref)?;
    for c in &counties {
        let name = w.atlas.name(c).to_owned();
        w.bureau(a, &name, c)?;
    }
    // 51 agencies: one city-wide, two per county (100 % agency coverage), the rest where
    // townships are many.
    let city_agency = w.agency(a, "齐齐哈尔市", pref, county6(pref))?;
    let mut county_agencies: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for c in &counties {
        let name = w.atlas.name(c).to_owned();
        for _ in 0..2 {
            let agency = w.agency(a, &name, c, county6(c))?;
            county_agencies.entry(c.clone()).or_default().push(agency.id);
        }
    }
    let extra = (qiqihar::SOCIAL_WORK_AGENCIES as usize)
        .checked_sub(1 + 2 * counties.len())
        .ok_or_else(|| SeedError::Plan("齐齐哈尔市 has too many counties for 51 agencies".to_owned()))?;
    for _ in 0..extra {
        let Some(c) = w.s.pick(&counties).cloned() else { break };
        let name = w.atlas.name(&c).to_owned();
        let agency = w.agency(a, &name, &c, county6(&c))?;
        county_agencies.entry(c).or_default().push(agency.id);
    }
    w.org(
        a,
        "齐齐哈尔市社会工作联合会".to_owned(),
        OrganizationKind::SocialGroup,
        pref,
        Some((Registration::SocialGroup, "230200")),
    )?;
    let charity_org = w.org(
        a,
        "齐齐哈尔市慈善总会".to_owned(),
        OrganizationKind::Charity,
        pref,
        Some((Registration::SocialGroup, "230200")),
    )?;

    // Stations: centre, one per county, every urban township, the rest rural.
    let spec = StationSpec {
        name: "齐齐哈尔市社会工作指导中心".to_owned(),
        level: StationLevel::GuidanceCenter,
        status: StationStatus::Operating,
        full_service: true,
        region: pref.to_owned(),
        parent: None,
        operator: Some(city_agency.id),
        opened_on: opened(w, ymd(2021, 3, 1), ymd(2021, 6, 30)),
        investment_fen: w.some_investment(StationLevel::GuidanceCenter),
    };
    let gc = w.station(a, spec);
    let mut county_sites = BTreeMap::new();
    for c in &counties {
        let operator = county_agencies.get(c).and_then(|v| v.first()).copied();
        let spec = StationSpec {
            name: format!("{}社会工作服务总站", w.atlas.name(c)),
            level: StationLevel::CountyStation,
            status: StationStatus::Operating,
            full_service: true,
            region: c.clone(),
            parent: Some(gc),
            operator,
            opened_on: opened(w, ymd(2021, 4, 1), ymd(2021, 12, 31)),
            investment_fen: w.some_investment(StationLevel::CountyStation),
        };
        let site = w.station(a, spec);
        county_sites.insert(c.clone(), site);
    }
    let urban_townships: Vec<String> = counties.iter().filter(|c| urban(c)).flat_map(|c| w.townships(c)).collect();
    let rural: Vec<String> = counties.iter().filter(|c| !urban(c)).cloned().collect();
    let rest = (qiqihar::STATIONS as usize)
        .checked_sub(1 + counties.len() + urban_townships.len())
        .ok_or_else(|| SeedError::Plan("齐齐哈尔市: urban townships exceed 164 stations".to_owned()))?;
    let sizes: Vec<u64> = rural.iter().map(|c| w.atlas.children(c).len() as u64).collect();
    let shares = Synth::apportion(rest as i64, &sizes);
    let mut rural_townships = Vec::new();
    for (k, c) in rural.iter().enumerate() {
        let all = w.townships(c);
        rural_townships.extend(some(w, &all, shares[k] as usize));
    }
    let not_full = (qiqihar::STATIONS - qiqihar::IN_FULL_SERVICE) as usize;
    let partial: Vec<usize> = w.s.choose_indices(rural_townships.len(), not_full);
    let mut chosen: Vec<(String, bool)> = urban_townships.iter().map(|t| (t.clone(), true)).collect();
    chosen.extend(rural_townships.iter().enumerate().map(|(k, t)| (t.clone(), !partial.contains(&k))));
    for (t, full_service) in &chosen {
        let county = format!("{}000000", county6(t));
        let operators = county_agencies.get(&county).cloned().unwrap_or_default();
        let operator = w.s.pick(&operators).copied();
        let spec = StationSpec {
            name: format!("{}社会工作服务站", w.atlas.name(t)),
            level: StationLevel::TownshipStation,
            status: StationStatus::Operating,
            full_service: *full_service,
            region: t.clone(),
            parent: county_sites.get(&county).copied(),
            operator,
            opened_on: opened(w, ymd(2021, 6, 1), ymd(2023, 9, 30)),
            investment_fen: w.some_investment(StationLevel::TownshipStation),
        };
        w.station(a, spec);
    }
    check_count("齐齐哈尔市 stations", a.sites.len(), qiqihar::STATIONS)?;

    w.community_orgs(a, &urban_townships, 10)?;
    w.staff(a, StaffPlan { total: 340, certified: 200, all_on_pay_scale: false })?;
    w.volunteers(a, qiqihar::VOLUNTEER_TEAMS as usize, 900)?;
    w.clients(a, 600, 300, 60)?;

    // Projects.
    let urban_sites: Vec<usize> = (0..a.sites.len())
        .filter(|&i| {
            a.sites[i].level == StationLevel::TownshipStation
                && qiqihar::URBAN_DISTRICTS.iter().any(|d| a.sites[i].region.starts_with(county6(d)))
        })
        .collect();
    let rural_sites: Vec<usize> = (0..a.sites.len())
        .filter(|&i| a.sites[i].level == StationLevel::TownshipStation && !urban_sites.contains(&i))
        .collect();
    let mut sites = vec![gc];
    sites.extend(&urban_sites);
    standard_project(
        w,
        a,
        "齐齐哈尔市城区街道社会工作服务站运营项目".to_owned(),
        FundingMode::GovernmentProcurement,
        360_000_000,
        pref,
        sites,
    );
    standard_project(
        w,
        a,
        "齐齐哈尔市县域乡镇社会工作服务站运营项目".to_owned(),
        FundingMode::GovernmentProcurement,
        420_000_000,
        pref,
        rural_sites.clone(),
    );
    for c in some(w, &rural, 2) {
        let sites: Vec<usize> = county_sites.get(&c).copied().into_iter().collect();
        let name = format!("{}困难群众社会救助服务项目", w.atlas.name(&c));
        let budget = w.s.int(150_000, 400_000) * 100;
        standard_project(w, a, name, FundingMode::GovernmentProcurement, budget, &c, sites);
    }
    let township_sites = a.operating(&[StationLevel::TownshipStation]);
    for name in [
        "黑龙江省“三区”社会工作专业人才支持计划（齐齐哈尔市）",
        "黑龙江省困境儿童关爱保护社会工作服务项目（齐齐哈尔市）",
    ] {
        let sites = some(w, &township_sites, 4);
        let budget = w.s.int(300_000, 600_000) * 100;
        standard_project(w, a, name.to_owned(), FundingMode::ProvincialProgram, budget, pref, sites);
    }
    for name in ["齐齐哈尔市公益创投：“鹤城夕阳红”居家养老互助", "齐齐哈尔市公益创投：残疾人就业能力提升"]
    {
        let sites = some(w, &urban_sites, 2);
        let budget = w.s.int(50_000, 120_000) * 100;
        standard_project(w, a, name.to_owned(), FundingMode::VenturePhilanthropy, budget, pref, sites);
    }
    for year in [2022, 2023] {
        let sites = some(w, &township_sites, 6);
        let budget = w.s.int(200_000, 400_000) * 100;
        standard_project(
            w,
            a,
            format!("齐齐哈尔市社工站星级评定以奖代补（{year}年）"),
            FundingMode::AwardInLieuOfSubsidy,
            budget,
            pref,
            sites,
        );
    }
    let mut sites = vec![gc];
    sites.extend(some(w, &rural_sites, 8));
    let warm_winter = w.project(
        a,
        ProjectSpec {
            name: "“温暖过冬”留守儿童关爱行动".to_owned(),
            mode: FundingMode::Charity,
            budget_fen: qiqihar::THERMAL_CLOTHING_FEN,
            raised_fen: qiqihar::THERMAL_CLOTHING_FEN,
            region: pref.to_owned(),
            sites,
            schedule: Some((ProjectStatus::Completed, ymd(2023, 11, 1), Some(ymd(2024, 2, 29)))),
        },
    );
    w.five_societies(a, warm_winter, false);
    w.participant(a, warm_winter, PartyRef::Organization(charity_org.id));
    let sites = some(w, &township_sites, 3);
    let relief = standard_project(
        w,
        a,
        "齐齐哈尔市“慈善助学”圆梦行动".to_owned(),
        FundingMode::Charity,
        12_000_000,
        pref,
        sites,
    );
    let villages: Vec<String> = rural_townships.iter().flat_map(|t| w.villages(t)).collect();
    let places = some(w, &villages, 2);
    let raised = split(w, 4_200_000, 2, 20, 40);
    let mutual = mutual_aid(w, a, &places, &raised);

    // Charity resources.
    let spec = CharitySpec {
        description: qiqihar::THERMAL_CLOTHING_DESCRIPTION.to_owned(),
        kind: CharityKind::InKind,
        donor: Some(charity_org.name.clone()),
        value_fen: qiqihar::THERMAL_CLOTHING_FEN,
        level: None,
        community_fund: false,
        region: pref.to_owned(),
        site: Some(gc),
        received_on: ymd(2023, 11, 20),
    };
    w.charity(a, spec, Some(warm_winter));
    for _ in 0..4 {
        let region = w.s.pick(&counties).cloned().unwrap_or_else(|| pref.to_owned());
        let place = w.atlas.name(&region).to_owned();
        let donor = donor(w, &place);
        let value_fen = w.s.int(10_000, 60_000) * 100;
        let received_on = received(w, a, Some(relief));
        let spec = CharitySpec {
            description: "助学慈善捐款".to_owned(),
            kind: CharityKind::Money,
            donor: Some(donor),
            value_fen,
            level: None,
            community_fund: false,
            region,
            site: None,
            received_on,
        };
        w.charity(a, spec, Some(relief));
    }
    for &p in &mutual {
        let region = a.projects[p].region.clone();
        let county = format!("{}000000", county6(&region));
        let donor = format!("{}人民政府", w.atlas.name(&county));
        let site = a.projects[p].sites.first().copied();
        let received_on = received(w, a, Some(p));
        let spec = CharitySpec {
            description: "村社互助项目县级配捐".to_owned(),
            kind: CharityKind::MatchedDonation,
            donor: Some(donor),
            value_fen: 800_000,
            level: Some(MatchingLevel::County),
            community_fund: false,
            region,
            site,
            received_on,
        };
        w.charity(a, spec, Some(p));
    }

    w.services(a, Some(qiqihar::SERVICE_PERSON_TIMES))?;
    w.ledger(a, qiqihar::VOLUNTEER_SERVICE_TIMES as usize);
    Ok(())
}

// ==================================================================== 宜昌市西陵区

/// 西陵区 "1+7+66": a district guidance centre, 7 street stations, 66 community rooms;
/// 1,434 volunteers; 70 % of workers certified; 1.89 M yuan for the 8 five-society projects,
/// which reach 8,500 beneficiaries; 200 mutual-aid projects raising 865,700 yuan with matched
/// donations; 97,100 yuan of charity funds; 5,600 clients on file, 1,144 case files, 678 deep
/// cases; 1,351 community organisations and the 4 contests ([`xiling_contests`]).
pub(super) fn xiling(w: &mut World, a: &mut Area) -> Result<(), SeedError> {
    let root = xiling::DISTRICT;
    let streets = w.atlas.children(root).to_vec();
    for s in xiling::STATION_STREETS {
        if !streets.iter().any(|t| t == s) {
            return Err(SeedError::MissingRegion(s.to_owned()));
        }
    }
    w.bureau(a, "宜昌市西陵区", root)?;
    let mut agencies = Vec::new();
    for _ in 0..3 {
        agencies.push(w.agency(a, "西陵区", root, "420502")?);
    }
    agencies.push(w.agency(a, "宜昌市", root, "420500")?);
    w.org(
        a,
        "西陵区社会工作协会".to_owned(),
        OrganizationKind::SocialGroup,
        root,
        Some((Registration::SocialGroup, "420502")),
    )?;
    let charity_org = w.org(
        a,
        "西陵区慈善会".to_owned(),
        OrganizationKind::Charity,
        root,
        Some((Registration::SocialGroup, "420502")),
    )?;

    let spec = StationSpec {
        name: "西陵区社会工作指导中心".to_owned(),
        level: StationLevel::GuidanceCenter,
        status: StationStatus::Operating,
        full_service: true,
        region: root.to_owned(),
        parent: None,
        operator: agencies.first().map(|o| o.id),
        opened_on: opened(w, ymd(2021, 1, 4), ymd(2021, 3, 31)),
        investment_fen: w.some_investment(StationLevel::GuidanceCenter),
    };
    let gc = w.station(a, spec);
    for (k, street) in xiling::STATION_STREETS.iter().enumerate() {
        let operator = agencies.get(k % agencies.len()).map(|o| o.id);
        let spec = StationSpec {
            name: format!("{}社会工作服务站", w.atlas.name(street)),
            level: StationLevel::TownshipStation,
            status: StationStatus::Operating,
            full_service: true,
            region: (*street).to_owned(),
            parent: Some(gc),
            operator,
            opened_on: opened(w, ymd(2021, 4, 1), ymd(2021, 12, 31)),
            investment_fen: w.some_investment(StationLevel::TownshipStation),
        };
        w.station(a, spec);
    }
    // 66 community rooms: every community of the seven station streets, the rest from the
    // other streets.
    let communities: Vec<String> = streets.iter().flat_map(|s| w.atlas.communities(s)).collect();
    let (near, far): (Vec<String>, Vec<String>) =
        communities.iter().cloned().partition(|c| xiling::STATION_STREETS.iter().any(|s| c.starts_with(&s[..9])));
    let wanted = xiling::COMMUNITY_ROOMS as usize;
    let mut rooms = if near.len() >= wanted { some(w, &near, wanted) } else { near.clone() };
    let missing = wanted - rooms.len();
    rooms.extend(some(w, &far, missing));
    rooms.sort();
    check_count("西陵区 communities for rooms", rooms.len(), xiling::COMMUNITY_ROOMS)?;
    for c in &rooms {
        let street = format!("{}000", &c[..9]);
        let parent = a.township_site(&street).unwrap_or(gc);
        let operator = a.sites[parent].operator;
        let spec = StationSpec {
            name: format!("{}社会工作室", w.atlas.short(c)),
            level: StationLevel::VillageRoom,
            status: StationStatus::Operating,
            full_service: true,
            region: c.clone(),
            parent: Some(parent),
            operator,
            opened_on: opened(w, ymd(2021, 6, 1), ymd(2022, 12, 31)),
            investment_fen: w.some_investment(StationLevel::VillageRoom),
        };
        w.station(a, spec);
    }

    w.community_orgs(a, &streets, xiling::PROJECT_CULTIVATED_ORGANIZATIONS as usize)?;
    w.staff(
        a,
        StaffPlan {
            total: xiling::SOCIAL_WORKERS as usize,
            certified: xiling::CERTIFIED_SOCIAL_WORKERS as usize,
            all_on_pay_scale: false,
        },
    )?;
    w.volunteers(a, 30, xiling::VOLUNTEERS as usize)?;
    w.clients(a, xiling::CLIENTS_ON_FILE as usize, xiling::CASE_FILES as usize, xiling::DEEP_CASES as usize)?;

    // Projects: the five-society projects (5 以奖代补, 3 provincial) share the 1.89 M yuan of
    // support funds and the 8,500 beneficiaries; procurement and the charity project have
    // budgets of their own (weights in thousands of yuan). Then the 200 mutual-aid projects.
    let street_sites = a.operating(&[StationLevel::TownshipStation]);
    let room_sites = a.operating(&[StationLevel::VillageRoom]);
    let specs: [(FundingMode, &str, u64, u64); 13] = [
        (FundingMode::GovernmentProcurement, "西陵区街道社会工作服务站运营项目（2023年度）", 300, 400),
        (FundingMode::GovernmentProcurement, "西陵区街道社会工作服务站运营项目（2024年度）", 300, 400),
        (FundingMode::GovernmentProcurement, "西陵区困境儿童关爱保护服务项目", 120, 200),
        (FundingMode::GovernmentProcurement, "西陵区居家养老上门服务项目", 150, 250),
        (FundingMode::AwardInLieuOfSubsidy, "西陵区“五社联动”示范社区以奖代补项目", 80, 150),
        (FundingMode::AwardInLieuOfSubsidy, "西陵区社区社会组织培育以奖代补项目", 60, 100),
        (FundingMode::AwardInLieuOfSubsidy, "西陵区“五社联动”一老一小关爱以奖代补项目", 60, 120),
        (FundingMode::AwardInLieuOfSubsidy, "西陵区“五社联动”社区慈善基金以奖代补项目", 40, 100),
        (FundingMode::AwardInLieuOfSubsidy, "西陵区“五社联动”邻里互助以奖代补项目", 40, 100),
        (FundingMode::ProvincialProgram, "湖北省“五社联动”社区治理试点项目（西陵区）", 100, 200),
        (FundingMode::ProvincialProgram, "湖北省“五社联动”困难群众关爱服务项目（西陵区）", 100, 200),
        (FundingMode::ProvincialProgram, "湖北省“五社联动”社区志愿服务项目（西陵区）", 100, 200),
        (FundingMode::Charity, "西陵区社区慈善基金“微心愿”项目", 50, 100),
    ];
    let five = |m: FundingMode| matches!(m, FundingMode::AwardInLieuOfSubsidy | FundingMode::ProvincialProgram);
    let weights: Vec<u64> = specs.iter().map(|&(_, _, lo, hi)| w.s.int(lo as i64, hi as i64) as u64).collect();
    let five_weights: Vec<u64> =
        specs.iter().zip(&weights).filter(|((m, ..), _)| five(*m)).map(|(_, &weight)| weight).collect();
    let mut funding = split_by(xiling::PROJECT_FUNDING_FEN, &five_weights).into_iter();
    let mut reach = Synth::apportion(xiling::BENEFICIARIES, &five_weights).into_iter();
    let mut wish_project = None;
    let mut five_projects = Vec::new();
    let mut cultivation = None;
    for (k, (&(mode, name, _, _), &weight)) in specs.iter().zip(&weights).enumerate() {
        let budget = if five(mode) { funding.next().unwrap_or(0) } else { weight as i64 * 100_000 };
        let mut sites = if mode == FundingMode::GovernmentProcurement && k < 2 {
            let mut s = vec![gc];
            s.extend(&street_sites);
            s
        } else {
            let n = w.s.int(1, 3) as usize;
            some(w, &room_sites, n)
        };
        sites.sort_unstable();
        let schedule = match k {
            0 => Some((ProjectStatus::Completed, ymd(2023, 1, 1), Some(ymd(2023, 12, 31)))),
            1 => Some((ProjectStatus::Active, ymd(2024, 1, 1), Some(ymd(2025, 12, 31)))),
            _ => None,
        };
        let p = w.project(
            a,
            ProjectSpec {
                name: name.to_owned(),
                mode,
                budget_fen: budget,
                raised_fen: budget,
                region: root.to_owned(),
                sites,
                schedule,
            },
        );
        w.five_societies(a, p, false);
        if five(mode) {
            let beneficiaries = reach.next().and_then(|n| i32::try_from(n).ok());
            w.report_reach(a, p, beneficiaries, None);
            five_projects.push(p);
        }
        if name.contains("社区社会组织培育") {
            cultivation = Some(p);
        }
        if mode == FundingMode::Charity {
            wish_project = Some(p);
            w.participant(a, p, PartyRef::Organization(charity_org.id));
        }
    }
    // The 15 community social organisations the projects cultivated all take part in one of
    // them: those the draw left out join the cultivation project.
    let joined = w.organizations_of(a, &five_projects);
    for org in a.community_orgs.clone() {
        if !joined.contains(&org.id)
            && let Some(p) = cultivation
        {
            w.participant(a, p, PartyRef::Organization(org.id));
        }
    }
    let n = xiling::MUTUAL_AID_PROJECTS as usize;
    let raised = split(w, xiling::MUTUAL_AID_RAISED_FEN, n, 1_000, 8_000);
    let mut places = communities.clone();
    w.s.shuffle(&mut places);
    let mutual = mutual_aid(w, a, &places, &raised);

    // Matched donations (配捐) to mutual-aid projects, province and city.
    for (total, count, level, donor, what) in [
        (xiling::MATCHED_PROVINCE_FEN, 20, MatchingLevel::Province, "湖北省慈善总会", "村社互助项目省级配捐"),
        (xiling::MATCHED_PREFECTURE_FEN, 40, MatchingLevel::Prefecture, "宜昌市慈善总会", "村社互助项目市级配捐"),
    ] {
        let amounts = split(w, total, count, 1_000, 6_000);
        let targets = some(w, &mutual, count);
        for (value_fen, p) in amounts.into_iter().zip(targets) {
            let region = a.projects[p].region.clone();
            let site = a.projects[p].sites.first().copied();
            let received_on = received(w, a, Some(p));
            let spec = CharitySpec {
                description: what.to_owned(),
                kind: CharityKind::MatchedDonation,
                donor: Some(donor.to_owned()),
                value_fen,
                level: Some(level),
                community_fund: false,
                region,
                site,
                received_on,
            };
            w.charity(a, spec, Some(p));
        }
    }
    // 97,100 yuan of charity funds linked: half into community charity funds.
    let amounts = split(w, xiling::CHARITY_FUNDS_FEN, 12, 2_000, 15_000);
    for (k, value_fen) in amounts.into_iter().enumerate() {
        let region = w.s.pick(&communities).cloned().unwrap_or_else(|| root.to_owned());
        let donor = donor(w, "宜昌");
        let site = room_sites.iter().copied().find(|&i| a.sites[i].region == region);
        let project = if k < 4 { wish_project } else { w.s.pick(&mutual).copied() };
        let received_on = received(w, a, project);
        let spec = CharitySpec {
            description: if k % 2 == 0 { "社区慈善基金捐款".to_owned() } else { "慈善捐款".to_owned() },
            kind: CharityKind::Money,
            donor: Some(donor),
            value_fen,
            level: None,
            community_fund: k % 2 == 0,
            region,
            site,
            received_on,
        };
        w.charity(a, spec, project);
    }
    for (what, value_fen) in
        [("米面油爱心礼包200份", 3_000_000), ("助学图书1200册", 2_400_000), ("爱心轮椅20辆", 1_600_000)]
    {
        let site = w.s.pick(&street_sites).copied();
        let region = site.map_or_else(|| root.to_owned(), |i| a.sites[i].region.clone());
        let received_on = received(w, a, wish_project);
        let spec = CharitySpec {
            description: what.to_owned(),
            kind: CharityKind::InKind,
            donor: Some(charity_org.name.clone()),
            value_fen,
            level: None,
            community_fund: false,
            region,
            site,
            received_on,
        };
        w.charity(a, spec, wish_project);
    }

    w.services(a, None)?;
    let entries = 2 * a.volunteers.len();
    w.ledger(a, entries);
    xiling_contests(w, a, &streets)
}

/// The 1,351 community social organisations the district guided (the 15 of the projects and
/// the rest, several per community), and the 4 street contests (街道"微公益"创投大赛, 2023:
/// `VENTURE_PHILANTHROPY` projects of the streets) that cultivated 366 of them, each taking
/// part in one contest. Last in the plan, so it moves none of the rows before.
fn xiling_contests(w: &mut World, a: &mut Area, streets: &[String]) -> Result<(), SeedError> {
    let more = (xiling::COMMUNITY_SOCIAL_ORGS as usize).saturating_sub(a.community_orgs.len());
    let guided = w.community_orgs(a, streets, more)?;
    let cultivated = some(w, &guided, xiling::CONTEST_CULTIVATED_ORGANIZATIONS as usize);
    let contests = xiling::CONTESTS as usize;
    for (k, street) in xiling::STATION_STREETS.iter().take(contests).enumerate() {
        let month = 3 + 2 * k as u32;
        let budget = w.s.int(50_000, 100_000) * 100;
        let p = w.project(
            a,
            ProjectSpec {
                name: format!("{}“微公益”创投大赛", w.atlas.name(street)),
                mode: FundingMode::VenturePhilanthropy,
                budget_fen: budget,
                raised_fen: budget,
                region: (*street).to_owned(),
                sites: a.township_site(street).into_iter().collect(),
                schedule: Some((ProjectStatus::Completed, ymd(2023, month, 1), Some(ymd(2023, month + 1, 28)))),
            },
        );
        if let Some(community) = w.atlas.communities(street).first().cloned() {
            w.participant(a, p, PartyRef::Community(community));
        }
        for org in cultivated.iter().skip(k).step_by(contests) {
            w.participant(a, p, PartyRef::Organization(org.id));
        }
    }
    Ok(())
}

/// Whole-yuan parts of `total_fen` by the given weights.
fn split_by(total_fen: i64, weights: &[u64]) -> Vec<i64> {
    let mut parts: Vec<i64> = Synth::apportion(total_fen / 100, weights).into_iter().map(|y| y * 100).collect();
    if let Some(first) = parts.first_mut() {
        *first += total_fen % 100;
    }
    parts
}

// ==================================================================== 雅安市雨城区

/// 雨城区: 173 certified workers on the 3-post 12-grade scale, 24 incubated community
/// organisations, a four-level network (county station, township stations, village rooms,
/// neighbourhood points). Also where stations that are not operating live.
pub(super) fn yucheng(w: &mut World, a: &mut Area) -> Result<(), SeedError> {
    let root = yucheng::DISTRICT;
    let townships = w.atlas.children(root).to_vec();
    if townships.is_empty() {
        return Err(SeedError::Plan("雨城区 has no townships".to_owned()));
    }
    w.bureau(a, "雅安市雨城区", root)?;
    let mut agencies = Vec::new();
    for _ in 0..4 {
        agencies.push(w.agency(a, "雨城区", root, "511802")?);
    }
    w.org(
        a,
        "雨城区社会组织孵化中心".to_owned(),
        OrganizationKind::Other,
        root,
        Some((Registration::PrivateNonEnterprise, "511802")),
    )?;
    w.org(
        a,
        "雨城区社会工作协会".to_owned(),
        OrganizationKind::SocialGroup,
        root,
        Some((Registration::SocialGroup, "511802")),
    )?;
    let foundation = w.org(
        a,
        "雅安市雨城区公益慈善基金会".to_owned(),
        OrganizationKind::Foundation,
        root,
        Some((Registration::Foundation, "511800")),
    )?;

    let spec = StationSpec {
        name: "雨城区社会工作服务总站".to_owned(),
        level: StationLevel::CountyStation,
        status: StationStatus::Operating,
        full_service: true,
        region: root.to_owned(),
        parent: None,
        operator: agencies.first().map(|o| o.id),
        opened_on: opened(w, ymd(2021, 3, 1), ymd(2021, 5, 31)),
        investment_fen: w.some_investment(StationLevel::CountyStation),
    };
    let county = w.station(a, spec);
    let mut township_sites = Vec::new();
    for (k, t) in townships.iter().enumerate() {
        let full_service = w.s.chance(0.9);
        let spec = StationSpec {
            name: format!("{}社会工作服务站", w.atlas.name(t)),
            level: StationLevel::TownshipStation,
            status: StationStatus::Operating,
            full_service,
            region: t.clone(),
            parent: Some(county),
            operator: agencies.get(k % agencies.len()).map(|o| o.id),
            opened_on: opened(w, ymd(2021, 6, 1), ymd(2022, 12, 31)),
            investment_fen: w.some_investment(StationLevel::TownshipStation),
        };
        let site = w.station(a, spec);
        township_sites.push(site);
    }
    // Three village rooms per township; a few still being built or planned.
    let mut room_villages = Vec::new();
    for (k, t) in townships.iter().enumerate() {
        let villages = w.villages(t);
        for v in some(w, &villages, 3) {
            room_villages.push((v, township_sites[k]));
        }
    }
    let pending = w.s.choose_indices(room_villages.len(), 5);
    for (n, (village, parent)) in room_villages.iter().enumerate() {
        let status = match pending.iter().position(|&p| p == n) {
            Some(0..=2) => StationStatus::UnderConstruction,
            Some(_) => StationStatus::Planned,
            None => StationStatus::Operating,
        };
        let opened_on =
            if status == StationStatus::Operating { opened(w, ymd(2022, 1, 1), ymd(2024, 6, 30)) } else { None };
        let full_service = w.s.chance(0.7);
        let operator = a.sites[*parent].operator;
        let spec = StationSpec {
            name: format!("{}社会工作室", w.atlas.short(village)),
            level: StationLevel::VillageRoom,
            status,
            full_service,
            region: village.clone(),
            parent: Some(*parent),
            operator,
            opened_on,
            investment_fen: w.some_investment(StationLevel::VillageRoom),
        };
        w.station(a, spec);
    }
    // Neighbourhood points (小区服务点) in urban communities.
    let communities: Vec<String> = townships.iter().flat_map(|t| w.villages(t)).filter(|v| is_community(v)).collect();
    for (n, c) in some(w, &communities, 12).into_iter().enumerate() {
        let status = match n {
            0 => StationStatus::Suspended,
            1 => StationStatus::Closed,
            2 => StationStatus::Planned,
            _ => StationStatus::Operating,
        };
        let township = format!("{}000", &c[..9]);
        let parent = (0..a.sites.len())
            .find(|&i| a.sites[i].level == StationLevel::VillageRoom && a.sites[i].region == c)
            .or_else(|| a.township_site(&township));
        let operator = parent.and_then(|p| a.sites[p].operator);
        let short = w.atlas.short(&c);
        let name = w.unique_name(COMPOUND_WORDS, |x| format!("{short}{x}小区服务点"));
        let opened_on =
            if status == StationStatus::Planned { None } else { opened(w, ymd(2022, 6, 1), ymd(2024, 6, 30)) };
        let spec = StationSpec {
            name,
            level: StationLevel::NeighborhoodPoint,
            status,
            full_service: false,
            region: c,
            parent,
            operator,
            opened_on,
            investment_fen: w.some_investment(StationLevel::NeighborhoodPoint),
        };
        w.station(a, spec);
    }

    let incubated = w.community_orgs(a, &townships, yucheng::INCUBATED_ORGANIZATIONS as usize)?;
    w.staff(
        a,
        StaffPlan { total: 200, certified: yucheng::CERTIFIED_SOCIAL_WORKERS as usize, all_on_pay_scale: true },
    )?;
    w.volunteers(a, 12, 250)?;
    w.clients(a, 400, 240, 70)?;

    // Projects.
    let operating_townships = a.operating(&[StationLevel::TownshipStation]);
    let mut sites = vec![county];
    sites.extend(&operating_townships);
    standard_project(
        w,
        a,
        "雨城区乡镇（街道）社会工作服务站运营项目".to_owned(),
        FundingMode::GovernmentProcurement,
        150_000_000,
        root,
        sites,
    );
    let sites = some(w, &operating_townships, 5);
    standard_project(
        w,
        a,
        "雨城区“一老一小”关爱服务项目".to_owned(),
        FundingMode::GovernmentProcurement,
        48_000_000,
        root,
        sites,
    );
    for (k, org) in some(w, &incubated, 6).into_iter().enumerate() {
        let topic = ["邻里守望", "银龄互助", "儿童成长", "乡村文化", "助残融合", "生态护河"][k % 6];
        let village = org.region.clone();
        let township = format!("{}000", &village[..9]);
        let sites: Vec<usize> = a.township_site(&township).into_iter().collect();
        let budget = w.s.int(20_000, 60_000) * 100;
        let schedule = (k == 5).then_some((ProjectStatus::Cancelled, ymd(2023, 3, 1), Some(ymd(2023, 6, 30))));
        let p = w.project(
            a,
            ProjectSpec {
                name: format!("雨城区公益创投：{}“{topic}”项目", org.name),
                mode: FundingMode::VenturePhilanthropy,
                budget_fen: budget,
                raised_fen: if k == 5 { 0 } else { budget },
                region: village,
                sites,
                schedule,
            },
        );
        w.participant(a, p, PartyRef::Organization(org.id));
        w.five_societies(a, p, false);
    }
    let sites = some(w, &operating_townships, 2);
    standard_project(
        w,
        a,
        "四川省“社工+”乡村振兴服务项目（雨城区）".to_owned(),
        FundingMode::ProvincialProgram,
        40_000_000,
        root,
        sites,
    );
    let sites = some(w, &operating_townships, 4);
    standard_project(
        w,
        a,
        "雨城区社工站标准化建设以奖代补项目".to_owned(),
        FundingMode::AwardInLieuOfSubsidy,
        30_000_000,
        root,
        sites,
    );
    let sites = some(w, &operating_townships, 3);
    let relief = standard_project(
        w,
        a,
        "雨城区“雅雨暖心”慈善救助项目".to_owned(),
        FundingMode::Charity,
        20_000_000,
        root,
        sites,
    );
    let villages: Vec<String> = townships.iter().flat_map(|t| w.villages(t)).collect();
    let places = some(w, &villages, 5);
    let raised = split(w, 6_500_000, 5, 20, 60);
    let mutual = mutual_aid(w, a, &places, &raised);

    // Charity resources.
    for k in 0..4 {
        let donor = donor(w, "雅安");
        let value_fen = w.s.int(5_000, 40_000) * 100;
        let received_on = received(w, a, (k < 2).then_some(relief));
        let spec = CharitySpec {
            description: "慈善捐款".to_owned(),
            kind: CharityKind::Money,
            donor: Some(donor),
            value_fen,
            level: None,
            community_fund: k == 0,
            region: root.to_owned(),
            site: Some(county),
            received_on,
        };
        w.charity(a, spec, (k < 2).then_some(relief));
    }
    for (what, value_fen) in [("助学物资200份", 4_000_000), ("防寒棉被150床", 3_000_000)] {
        let received_on = received(w, a, Some(relief));
        let spec = CharitySpec {
            description: what.to_owned(),
            kind: CharityKind::InKind,
            donor: Some(foundation.name.clone()),
            value_fen,
            level: None,
            community_fund: false,
            region: root.to_owned(),
            site: Some(county),
            received_on,
        };
        w.charity(a, spec, Some(relief));
    }
    for (k, &p) in mutual.iter().enumerate() {
        let (level, donor, what) = if k < 2 {
            (MatchingLevel::County, "雅安市雨城区人民政府".to_owned(), "村社互助项目区级配捐")
        } else if k == 2 {
            (MatchingLevel::Foundation, foundation.name.clone(), "村社互助项目基金会配捐")
        } else {
            continue;
        };
        let region = a.projects[p].region.clone();
        let site = a.projects[p].sites.first().copied();
        let received_on = received(w, a, Some(p));
        let spec = CharitySpec {
            description: what.to_owned(),
            kind: CharityKind::MatchedDonation,
            donor: Some(donor),
            value_fen: 500_000,
            level: Some(level),
            community_fund: false,
            region,
            site,
            received_on,
        };
        w.charity(a, spec, Some(p));
    }

    w.services(a, None)?;
    let entries = 2 * a.volunteers.len();
    w.ledger(a, entries);
    yucheng_procurement(w, a, &incubated);
    Ok(())
}

/// Services bought from social organisations in five fields (政府采购 + 低偿服务, "在助老扶幼、
/// 医疗保健等五个领域购买社会组织服务"): one procured project per field, each run by an
/// incubated organisation. Last in the plan, so it moves none of the rows before.
fn yucheng_procurement(w: &mut World, a: &mut Area, incubated: &[Org]) {
    let fields = [
        (ServiceDomain::ElderlyCare, "助老"),
        (ServiceDomain::ChildCare, "扶幼"),
        (ServiceDomain::HealthCare, "医疗保健"),
        (ServiceDomain::DisabilitySupport, "助残"),
        (ServiceDomain::CommunityGovernance, "纠纷调处"),
    ];
    debug_assert_eq!(fields.len(), yucheng::PROCUREMENT_DOMAINS);
    let providers = some(w, incubated, fields.len());
    for ((domain, what), org) in fields.into_iter().zip(providers) {
        let budget = w.s.int(50_000, 150_000) * 100;
        let township = format!("{}000", &org.region[..9]);
        let p = w.project(
            a,
            ProjectSpec {
                name: format!("雨城区政府购买{what}服务项目（{}）", org.name),
                mode: FundingMode::GovernmentProcurement,
                budget_fen: budget,
                raised_fen: budget,
                region: yucheng::DISTRICT.to_owned(),
                sites: a.township_site(&township).into_iter().collect(),
                schedule: Some((ProjectStatus::Active, ymd(2023, 1, 1), Some(ymd(2025, 12, 31)))),
            },
        );
        w.participant(a, p, PartyRef::Community(org.region.clone()));
        w.participant(a, p, PartyRef::Organization(org.id));
        w.report_reach(a, p, None, Some(domain));
    }
}
