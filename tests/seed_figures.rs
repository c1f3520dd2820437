//! Every figure the seed article (DOMAIN.md, "Every prefecture reports the same kind of
//! figures"; the four news reports of `seed/000_94fa9eabf75c85f2.txt`) publishes about
//! 黔西南州, 齐齐哈尔市, 宜昌市西陵区 and 雅安市雨城区, asked of the API (as ADMIN, so every
//! figure is exact) on the demo data (issue 23).
//!
//! The test counts the figures it checks: every figure of DOMAIN.md's table for the four
//! places, 52 of them.

mod common;

use std::collections::BTreeSet;

use civlink::seed::demo::figures::{qianxinan, qiqihar, xiling, yucheng};
use common::{TestApp, nodes, total, walk};
use serde_json::{Value, json};

/// Cumulative figures ("累计", "since 2020"): every demo record lies in this period.
const ALL_TIME: (&str, &str) = ("2020-01-01", "2027-01-01");

const STATISTICS: &str = r#"query($code: String!, $from: Date!, $to: Date!) { region(code: $code) { name
  statistics(period: { from: $from, to: $to }) {
    stationCount stationsByLevel { level count } stationsInFullService
    coverage { townships townshipsWithStation rate target { rate dueOn announcedOn } }
    agencyCoverage { counties countiesWithAgency rate }
    socialWorkers { total certified certificationRate notOnPayScale { value } byPayGrade { post grade } }
    volunteers { volunteers teams servicePersonTimes regionsWithPointRules }
    service { personTimes { value } }
    clients { onFile { value } caseFiles { value } deepCases { value } }
    projects { beneficiaries byFundingMode { fundingMode projects budget fundsRaised beneficiaries } }
    charity { byKind { kind value } matchedByLevel { level value } }
    trainings { sessions personTimes { value } byKind { kind sessions personTimes { value } } }
    deliberations { meetings participants { value } resolvedProblems }
    awards { total byTitle { title count } } } } }"#;

async fn statistics(app: &TestApp, code: &str) -> Value {
    let vars = json!({ "code": code, "from": ALL_TIME.0, "to": ALL_TIME.1 });
    app.data(STATISTICS, vars).await["region"]["statistics"].clone()
}

fn level(s: &Value, level: &str) -> i64 {
    let entry = s["stationsByLevel"].as_array().unwrap().iter().find(|e| e["level"] == level).unwrap();
    entry["count"].as_i64().unwrap()
}

fn entry<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|e| e[key] == value).unwrap_or_else(|| panic!("{key} = {value} in {list}"))
}

/// A `Yuan` string ("1890000.00") in fen.
fn fen(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("yuan string: {v}"));
    let (yuan, cents) = s.split_once('.').unwrap_or((s, "0"));
    yuan.parse::<i64>().unwrap() * 100 + format!("{cents:0<2}").parse::<i64>().unwrap()
}

async fn coverage_rates(app: &TestApp, codes: &[&str]) -> Vec<f64> {
    let q = r#"query($codes: [String!]!) { regionStatistics(codes: $codes, period: { from: "2023-01-01", to: "2024-01-01" }) {
        coverage { rate } } }"#;
    let d = app.data(q, json!({ "codes": codes })).await;
    d["regionStatistics"].as_array().unwrap().iter().map(|s| s["coverage"]["rate"].as_f64().unwrap()).collect()
}

async fn organizations(app: &TestApp, region: &str, kind: &str) -> i64 {
    let q = r#"query($r: String, $k: OrganizationKind!) { organizations(filter: { region: $r, kinds: [$k] }) { totalCount } }"#;
    total(&app.data(q, json!({ "r": region, "k": kind })).await["organizations"])
}

/// The distinct organisations of `kind` taking part in the projects of `region` funded by one
/// of `modes`, each project's organisations on one page.
async fn project_organizations(app: &TestApp, region: &str, modes: &[&str], kind: &str) -> BTreeSet<String> {
    let q = r#"query($r: String, $m: [FundingMode!]!, $k: OrganizationKind!, $after: String) {
      projects(first: 100, after: $after, filter: { region: $r, fundingModes: $m }) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { organizations(first: 100, filter: { kinds: [$k] }) { totalCount nodes { id } } } } }"#;
    let (_, rows) = walk(app, q, "projects", json!({ "r": region, "m": modes, "k": kind })).await;
    let mut out = BTreeSet::new();
    for p in rows {
        let orgs = &p["organizations"];
        assert!(total(orgs) <= 100, "one page holds a project's organisations");
        out.extend(nodes(orgs).iter().map(|o| o["id"].as_str().unwrap().to_owned()));
    }
    out
}

/// Counts of awards of `title` in `region`.
async fn awards(app: &TestApp, region: &str, title: &str) -> i64 {
    let q = r#"query($r: String, $t: String) { awards(filter: { region: $r, title: $t }) { totalCount } }"#;
    total(&app.data(q, json!({ "r": region, "t": title })).await["awards"])
}

both!(every_figure_the_seed_article_publishes_comes_back_from_the_api, |app| {
    let mut checked: Vec<&str> = Vec::new();

    // 黔西南州 (5223).
    let s = statistics(&app, "5223").await;
    checked.push("黔西南州: 1 prefecture guidance centre");
    assert_eq!(level(&s, "GUIDANCE_CENTER") as u64, qianxinan::GUIDANCE_CENTERS);
    assert_eq!(level(&s, "GUIDANCE_CENTER"), 1);
    checked.push("黔西南州: 8 county general stations");
    assert_eq!(level(&s, "COUNTY_STATION"), 8);
    checked.push("黔西南州: 101 township stations");
    assert_eq!(level(&s, "TOWNSHIP_STATION"), 101);
    checked.push("黔西南州: 4 village rooms");
    assert_eq!(level(&s, "VILLAGE_ROOM"), 4);
    checked.push("黔西南州: 101 of 140 townships covered, 72 %");
    assert_eq!(s["coverage"]["townships"], 140);
    assert_eq!(s["coverage"]["townshipsWithStation"], 101);
    assert_eq!((s["coverage"]["rate"].as_f64().unwrap() * 100.0).round(), 72.0);
    checked.push("黔西南州: 册亨县, 兴义市 (义龙), 晴隆县 fully covered");
    assert_eq!(coverage_rates(&app, &["522327", "522301", "522324"]).await, vec![1.0, 1.0, 1.0]);
    checked.push("黔西南州: 14.88 M yuan invested since 2020");
    let q = r#"query($after: String) { stations(first: 100, after: $after, filter: { region: "5223" }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { investment } } }"#;
    let (n, rows) = walk(&app, q, "stations", json!({})).await;
    assert_eq!(n, 114);
    assert_eq!(rows.iter().map(|r| fen(&r["investment"])).sum::<i64>(), 1_488_000_000);
    assert_eq!(qianxinan::INVESTMENT_FEN, 1_488_000_000);
    checked.push("黔西南州: 100 % coverage by the end of 2025");
    let target = &s["coverage"]["target"];
    assert_eq!((target["rate"].as_f64(), target["dueOn"].as_str()), (Some(1.0), Some("2025-12-31")), "{target}");

    // 齐齐哈尔市 (2302).
    let s = statistics(&app, "2302").await;
    checked.push("齐齐哈尔: 164 stations built");
    assert_eq!(s["stationCount"].as_u64(), Some(qiqihar::STATIONS));
    assert_eq!(s["stationCount"], 164);
    checked.push("齐齐哈尔: 145 in full service");
    assert_eq!(s["stationsInFullService"], 145);
    checked.push("齐齐哈尔: all 7 urban districts covered");
    assert_eq!(coverage_rates(&app, &qiqihar::URBAN_DISTRICTS).await, vec![1.0; 7]);
    checked.push("齐齐哈尔: 42,000 person-times served");
    assert_eq!(s["service"]["personTimes"]["value"], 42_000);
    checked.push("齐齐哈尔: 82 volunteer teams");
    assert_eq!(s["volunteers"]["teams"], 82);
    checked.push("齐齐哈尔: 12,934 person-times of volunteer service");
    assert_eq!(s["volunteers"]["servicePersonTimes"], 12_934);
    checked.push("齐齐哈尔: 51 social-work agencies");
    assert_eq!(organizations(&app, "2302", "SOCIAL_WORK_AGENCY").await, 51);
    checked.push("齐齐哈尔: 51 agencies are 100 % agency coverage");
    let agencies = &s["agencyCoverage"];
    assert_eq!((agencies["counties"].as_i64(), agencies["rate"].as_f64()), (Some(16), Some(1.0)), "{agencies}");
    checked.push("齐齐哈尔: 6,000 sets of thermal clothing worth 180,000 yuan");
    let q = r#"{ charityResources(first: 100, filter: { region: "2302", kinds: [IN_KIND] }) { nodes { description value } } }"#;
    let d = app.data(q, json!({})).await;
    let clothing = nodes(&d["charityResources"])
        .iter()
        .find(|r| r["description"] == qiqihar::THERMAL_CLOTHING_DESCRIPTION)
        .expect("the thermal clothing");
    assert!(qiqihar::THERMAL_CLOTHING_DESCRIPTION.contains("6000套"));
    assert_eq!(clothing["value"], "180000.00");

    // 宜昌市西陵区 (420502).
    let s = statistics(&app, "420502").await;
    checked.push("西陵区: 1+7+66 (guidance centre, street stations, community rooms)");
    assert_eq!((level(&s, "GUIDANCE_CENTER"), level(&s, "TOWNSHIP_STATION"), level(&s, "VILLAGE_ROOM")), (1, 7, 66));
    checked.push("西陵区: 24 training sessions");
    assert_eq!(s["trainings"]["sessions"], 24);
    checked.push("西陵区: 5,000+ training person-times");
    let trained = s["trainings"]["personTimes"]["value"].as_i64().unwrap();
    assert!((5_000..6_000).contains(&trained), "5000 余人次: {trained}");
    checked.push("西陵区: 70 % of community workers certified");
    assert_eq!(s["socialWorkers"]["certificationRate"], 0.7);
    checked.push("西陵区: 53 workers named 最美社区工作者");
    assert_eq!(entry(&s["awards"]["byTitle"], "title", "最美社区工作者")["count"], 53);
    let modes = &s["projects"]["byFundingMode"];
    let five = ["AWARD_IN_LIEU_OF_SUBSIDY", "PROVINCIAL_PROGRAM"];
    checked.push("西陵区: 5 以奖代补 projects");
    assert_eq!(entry(modes, "fundingMode", five[0])["projects"], 5);
    checked.push("西陵区: 3 provincial 五社联动 projects");
    assert_eq!(entry(modes, "fundingMode", five[1])["projects"], 3);
    checked.push("西陵区: 1.89 M yuan project funding");
    let funded: i64 = five.iter().map(|m| fen(&entry(modes, "fundingMode", m)["budget"])).sum();
    assert_eq!(funded, 189_000_000);
    checked.push("西陵区: 8,500 beneficiaries");
    let reached: i64 = five.iter().map(|m| entry(modes, "fundingMode", m)["beneficiaries"].as_i64().unwrap()).sum();
    assert_eq!((reached, s["projects"]["beneficiaries"].as_i64()), (8_500, Some(8_500)));
    checked.push("西陵区: 15 community social organisations cultivated by the projects");
    assert_eq!(project_organizations(&app, "420502", &five, "COMMUNITY_SOCIAL_ORG").await.len(), 15);
    checked.push("西陵区: 1,351 community social organisations guided");
    assert_eq!(organizations(&app, "420502", "COMMUNITY_SOCIAL_ORG").await, 1_351);
    checked.push("西陵区: 4 街道微公益 venture-philanthropy contests");
    assert_eq!(entry(modes, "fundingMode", "VENTURE_PHILANTHROPY")["projects"], 4);
    checked.push("西陵区: 366 community social organisations cultivated by the contests");
    let contests = project_organizations(&app, "420502", &["VENTURE_PHILANTHROPY"], "COMMUNITY_SOCIAL_ORG").await;
    assert_eq!(contests.len(), 366);
    checked.push("西陵区: volunteer points (志愿积分) pilot in 7 communities");
    assert_eq!(s["volunteers"]["regionsWithPointRules"], 7);
    checked.push("西陵区: data ledger (无盲区数据台账) of 5,600 people");
    assert_eq!(s["clients"]["onFile"]["value"], 5_600);
    checked.push("西陵区: 1,434 volunteers");
    assert_eq!(s["volunteers"]["volunteers"], 1_434);
    checked.push("西陵区: 97,100 yuan charity funds linked");
    assert_eq!(fen(&entry(&s["charity"]["byKind"], "kind", "MONEY")["value"]), 9_710_000);
    checked.push("西陵区: 200 mutual-aid projects raising 865,700 yuan");
    let mutual = entry(modes, "fundingMode", "MUTUAL_AID");
    assert_eq!((mutual["projects"].as_i64(), fen(&mutual["fundsRaised"])), (Some(200), 86_570_000));
    checked.push("西陵区: matched 95,900 (province) + 184,900 (city)");
    assert_eq!(fen(&entry(&s["charity"]["matchedByLevel"], "level", "PROVINCE")["value"]), 9_590_000);
    assert_eq!(fen(&entry(&s["charity"]["matchedByLevel"], "level", "PREFECTURE")["value"]), 18_490_000);
    checked.push("西陵区: 455 deliberation meetings");
    assert_eq!(s["deliberations"]["meetings"], 455);
    checked.push("西陵区: 13,000+ deliberation participants");
    let took_part = s["deliberations"]["participants"]["value"].as_i64().unwrap();
    assert!((13_000..14_000).contains(&took_part), "1.3 万余名: {took_part}");
    checked.push("西陵区: 374 community problems solved");
    assert_eq!(s["deliberations"]["resolvedProblems"], 374);
    checked.push("西陵区: deliberation in all 66 communities");
    let q = r#"query($after: String) { deliberationMeetings(first: 100, after: $after, filter: { region: "420502" }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { region { code } } } }"#;
    let (_, rows) = walk(&app, q, "deliberationMeetings", json!({})).await;
    let communities: BTreeSet<&str> = rows.iter().map(|r| r["region"]["code"].as_str().unwrap()).collect();
    assert_eq!(communities.len(), 66);
    checked.push("西陵区: 1,144 one-person-one-file records");
    assert_eq!(s["clients"]["caseFiles"]["value"].as_u64(), Some(xiling::CASE_FILES));
    checked.push("西陵区: 678 deep cases");
    assert_eq!(s["clients"]["deepCases"]["value"], 678);

    // 雅安市雨城区 (511802).
    let s = statistics(&app, "511802").await;
    checked.push("雨城区: 173 certified social workers");
    assert_eq!(s["socialWorkers"]["certified"].as_u64(), Some(yucheng::CERTIFIED_SOCIAL_WORKERS));
    checked.push("雨城区: 3,000+ person-times of social-work talent trained (日常轮训)");
    let routine = entry(&s["trainings"]["byKind"], "kind", "ON_THE_JOB")["personTimes"]["value"].as_i64().unwrap();
    assert!((3_000..4_000).contains(&routine), "3000 余人次: {routine}");
    checked.push("雨城区: 20 community cadres seconded");
    assert_eq!(entry(&s["trainings"]["byKind"], "kind", "SECONDMENT")["personTimes"]["value"], 20);
    checked.push("雨城区: exam-preparation training (考前培训) held");
    assert!(entry(&s["trainings"]["byKind"], "kind", "PRE_CERTIFICATION")["sessions"].as_i64().unwrap() > 0);
    checked.push("雨城区: 24 incubated organisations");
    assert_eq!(organizations(&app, "511802", "COMMUNITY_SOCIAL_ORG").await, 24);
    checked.push("雨城区: four-level network (general station, township stations, village rooms, N points)");
    assert_eq!(level(&s, "COUNTY_STATION"), 1);
    for l in ["TOWNSHIP_STATION", "VILLAGE_ROOM", "NEIGHBORHOOD_POINT"] {
        assert!(level(&s, l) > 0, "{l}");
    }
    checked.push("雨城区: 4 mentors of the community masters' studio");
    assert_eq!(awards(&app, "511802", "社区名师工作室导师").await, 4);
    checked.push("雨城区: 40+ 两代表一委员 among its social-work talent");
    let mut elected = 0;
    for title in ["党代表", "人大代表", "政协委员"] {
        elected += awards(&app, "511802", title).await;
    }
    assert!((40..50).contains(&elected), "40 余人: {elected}");
    checked.push("雨城区: services purchased in 5 domains");
    let q = r#"query($after: String) { projects(first: 100, after: $after,
        filter: { region: "511802", fundingModes: [GOVERNMENT_PROCUREMENT] }) {
        totalCount pageInfo { hasNextPage endCursor } nodes { serviceDomain } } }"#;
    let (_, rows) = walk(&app, q, "projects", json!({})).await;
    let domains: BTreeSet<&str> = rows.iter().filter_map(|r| r["serviceDomain"].as_str()).collect();
    assert_eq!(domains.len(), 5, "{domains:?}");
    checked.push("雨城区: pay scale of 3 posts, 12 grades");
    assert_eq!(s["socialWorkers"]["byPayGrade"].as_array().unwrap().len(), 36);
    assert_eq!(s["socialWorkers"]["notOnPayScale"]["value"], 0, "every worker is on the scale");

    // Every published figure, each checked once.
    assert_eq!(checked.len(), 52);
    assert_eq!(checked.iter().collect::<BTreeSet<_>>().len(), checked.len());
});
