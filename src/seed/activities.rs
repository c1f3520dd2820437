//! Trainings, deliberation meetings and awards of the demo (issue 23), reproducing what the
//! seed article publishes about them:
//!
//! - 宜昌市西陵区: 24 training sessions, 5,000+ person-times ("今年以来累计培训 24 场次、5000
//!   余人次"); 455 deliberation meetings in its 66 communities, 13,000+ participants, 374
//!   community problems resolved; 53 workers named 最美社区工作者 (quarterly);
//! - 雅安市雨城区: 3,000+ person-times of routine training (日常轮训), exam preparation
//!   (考前培训) and 20 community cadres seconded (挂职锻炼); four mentors of the community
//!   masters' studio (社区名师工作室); 40+ deputies and members (两代表一委员) among its
//!   social-work talent in the last three years.
//!
//! Everything in 2023, the year the article reports. Runs after the four place plans on its
//! own random stream, so it changes none of their rows.

use chrono::NaiveDate;
use entity::award::AwardLevel;
use entity::station::StationLevel;
use entity::training::TrainingKind;
use entity::{award, deliberation_meeting, training, training_participant};
use uuid::Uuid;

use super::SeedError;
use super::build::{SOURCE, World, ymd};
use super::demo::CREATED_AT;
use super::demo::figures::{xiling, yucheng};
use super::synth::Synth;

const YEAR_FROM: NaiveDate = ymd(2023, 1, 1);
const YEAR_TO: NaiveDate = ymd(2023, 12, 31);

/// Topics of 西陵区's sessions: the forms the article names.
const XILING_TOPICS: [(&str, TrainingKind); 5] = [
    ("社区工作者专家授课", TrainingKind::OnTheJob),
    ("社区工作先进经验交流", TrainingKind::OnTheJob),
    ("社区治理参观考察", TrainingKind::OnTheJob),
    ("社区工作者岗前培训", TrainingKind::OnTheJob),
    ("社会工作者职业水平考试辅导", TrainingKind::PreCertification),
];

const MEETING_TOPICS: [&str; 8] = [
    "老旧小区加装电梯",
    "小区停车位规划",
    "楼道堆物清理",
    "垃圾分类投放点设置",
    "小区绿化改造",
    "物业服务费调整",
    "社区活动室使用",
    "背街小巷路灯维修",
];

/// Adds the rows. Errors: [`SeedError::Plan`] when a place lacks the stations or workers the
/// figures need.
pub(super) fn plan(w: &mut World) -> Result<(), SeedError> {
    xiling_trainings(w)?;
    xiling_meetings(w)?;
    xiling_awards(w)?;
    yucheng_trainings(w)?;
    yucheng_awards(w)
}

fn in_place(region: &str, place: &str) -> bool {
    region.starts_with(&place[..6])
}

/// The station of `level` located exactly at `region`.
fn station_at(w: &World, level: StationLevel, region: &str) -> Result<Uuid, SeedError> {
    w.rows
        .stations
        .iter()
        .find(|s| s.level == level && s.region_code == region)
        .map(|s| s.id)
        .ok_or_else(|| SeedError::Plan(format!("no {level:?} station at {region}")))
}

fn training_row(
    w: &mut World,
    place: &str,
    n: usize,
    topic: &str,
    kind: TrainingKind,
    person_times: i64,
    station: Uuid,
) -> training::Model {
    let held_on = w.s.date(YEAR_FROM, YEAR_TO);
    training::Model {
        id: w.s.id(),
        topic: topic.to_owned(),
        kind,
        held_on,
        person_times: person_times as i32,
        region_code: station_region(w, station),
        station_id: Some(station),
        organization_id: None,
        source: Some(SOURCE.to_owned()),
        external_id: Some(format!("{place}-training-{n}")),
        created_at: CREATED_AT,
        updated_at: CREATED_AT,
        version: 1,
        deleted_at: None,
    }
}

fn station_region(w: &World, station: Uuid) -> String {
    w.rows.stations.iter().find(|s| s.id == station).map(|s| s.region_code.clone()).unwrap_or_default()
}

fn xiling_trainings(w: &mut World) -> Result<(), SeedError> {
    let centre = station_at(w, StationLevel::GuidanceCenter, xiling::DISTRICT)?;
    let n = xiling::TRAINING_SESSIONS as usize;
    let weights = w.s.weights(n, 150, 260);
    let parts = Synth::apportion(xiling::TRAINING_PERSON_TIMES, &weights);
    let certified: Vec<Uuid> =
        w.rows.social_workers.iter().filter(|s| in_place(&s.region_code, xiling::DISTRICT)).map(|s| s.id).collect();
    for (k, person_times) in parts.into_iter().enumerate() {
        let (topic, kind) = XILING_TOPICS[k % XILING_TOPICS.len()];
        let row = training_row(w, "xl", k + 1, topic, kind, person_times, centre);
        // Exam preparation names a few of the district's workers who attended.
        if kind == TrainingKind::PreCertification {
            let start = w.s.index(certified.len().max(1));
            for worker in certified.iter().cycle().skip(start).take(certified.len().min(5)) {
                let id = w.s.id();
                w.rows.training_participants.push(training_participant::Model {
                    id,
                    training_id: row.id,
                    social_worker_id: Some(*worker),
                    volunteer_id: None,
                    created_at: CREATED_AT,
                    updated_at: CREATED_AT,
                    version: 1,
                    deleted_at: None,
                });
            }
        }
        w.rows.trainings.push(row);
    }
    Ok(())
}

fn xiling_meetings(w: &mut World) -> Result<(), SeedError> {
    // The 66 communities: the division of every community room of the district.
    let rooms: Vec<(Uuid, String)> = w
        .rows
        .stations
        .iter()
        .filter(|s| s.level == StationLevel::VillageRoom && in_place(&s.region_code, xiling::DISTRICT))
        .map(|s| (s.id, s.region_code.clone()))
        .collect();
    if rooms.len() as u64 != xiling::COMMUNITY_ROOMS {
        return Err(SeedError::Plan(format!("西陵区 has {} community rooms, not 66", rooms.len())));
    }
    let n = xiling::DELIBERATION_MEETINGS as usize;
    let weights = w.s.weights(n, 15, 45);
    let parts = Synth::apportion(xiling::DELIBERATION_PARTICIPANTS, &weights);
    let mut resolved: Vec<bool> = (0..n).map(|k| (k as u64) < xiling::PROBLEMS_RESOLVED).collect();
    w.s.shuffle(&mut resolved);
    for (k, participants) in parts.into_iter().enumerate() {
        // Every community holds meetings (full coverage of deliberation committees).
        let (station, region) = rooms[k % rooms.len()].clone();
        let topic = MEETING_TOPICS[w.s.index(MEETING_TOPICS.len())];
        let done = resolved[k];
        let outcome = if done { "经协商达成一致并落实" } else { "形成初步意见,继续协商" };
        let row = deliberation_meeting::Model {
            id: w.s.id(),
            topic: topic.to_owned(),
            held_on: w.s.date(YEAR_FROM, YEAR_TO),
            participants: participants as i32,
            outcome: Some(outcome.to_owned()),
            resolved: done,
            region_code: region,
            station_id: Some(station),
            source: Some(SOURCE.to_owned()),
            external_id: Some(format!("xl-deliberation-{}", k + 1)),
            created_at: CREATED_AT,
            updated_at: CREATED_AT,
            version: 1,
            deleted_at: None,
        };
        w.rows.deliberation_meetings.push(row);
    }
    Ok(())
}

/// An award of the demo to social worker `worker`.
fn worker_award(
    w: &mut World,
    title: &str,
    level: AwardLevel,
    year: i32,
    region: &str,
    worker: Uuid,
    key: String,
) -> award::Model {
    award::Model {
        id: w.s.id(),
        title: title.to_owned(),
        level,
        year,
        region_code: region.to_owned(),
        social_worker_id: Some(worker),
        volunteer_id: None,
        organization_id: None,
        source: Some(SOURCE.to_owned()),
        external_id: Some(key),
        created_at: CREATED_AT,
        updated_at: CREATED_AT,
        version: 1,
        deleted_at: None,
    }
}

/// The social workers of `place` (a district).
fn workers_of(w: &World, place: &str) -> Vec<Uuid> {
    w.rows.social_workers.iter().filter(|s| in_place(&s.region_code, place)).map(|s| s.id).collect()
}

fn xiling_awards(w: &mut World) -> Result<(), SeedError> {
    let workers = workers_of(w, xiling::DISTRICT);
    let n = xiling::MOST_BEAUTIFUL_WORKERS as usize;
    if workers.len() < n {
        return Err(SeedError::Plan(format!("西陵区 has {} social workers, fewer than {n} awards", workers.len())));
    }
    let chosen = w.s.choose_indices(workers.len(), n);
    for (k, i) in chosen.into_iter().enumerate() {
        let title = xiling::MOST_BEAUTIFUL_WORKER_TITLE;
        let row = worker_award(
            w,
            title,
            AwardLevel::County,
            2023,
            xiling::DISTRICT,
            workers[i],
            format!("xl-award-{}", k + 1),
        );
        w.rows.awards.push(row);
    }
    Ok(())
}

/// 雨城区's mentors (聘请四名导师, 2023) and its deputies and members (两代表一委员, 2021-2023),
/// each a social worker of the district; nobody holds two of the three offices.
fn yucheng_awards(w: &mut World) -> Result<(), SeedError> {
    let workers = workers_of(w, yucheng::DISTRICT);
    let offices = yucheng::REPRESENTATIVES.iter().map(|(_, n)| n).sum::<usize>();
    let needed = yucheng::MENTORS + offices;
    if workers.len() < needed {
        return Err(SeedError::Plan(format!(
            "雨城区 has {} social workers, fewer than {needed} awards",
            workers.len()
        )));
    }
    let chosen = w.s.choose_indices(workers.len(), needed);
    let (mentors, elected) = chosen.split_at(yucheng::MENTORS);
    let mut k = 0;
    for &i in mentors {
        k += 1;
        let row = worker_award(
            w,
            yucheng::MENTOR_TITLE,
            AwardLevel::County,
            2023,
            yucheng::DISTRICT,
            workers[i],
            format!("yc-award-{k}"),
        );
        w.rows.awards.push(row);
    }
    let levels = [AwardLevel::County, AwardLevel::County, AwardLevel::Prefecture, AwardLevel::Provincial];
    let mut elected = elected.iter();
    for (title, n) in yucheng::REPRESENTATIVES {
        for _ in 0..n {
            let Some(&i) = elected.next() else { break };
            k += 1;
            let level = w.s.pick(&levels).copied().unwrap_or(AwardLevel::County);
            let year = w.s.int(2021, 2023) as i32;
            let row = worker_award(w, title, level, year, yucheng::DISTRICT, workers[i], format!("yc-award-{k}"));
            w.rows.awards.push(row);
        }
    }
    Ok(())
}

fn yucheng_trainings(w: &mut World) -> Result<(), SeedError> {
    let general = station_at(w, StationLevel::CountyStation, yucheng::DISTRICT)?;
    let mut k = 0;
    let plans: [(&str, TrainingKind, usize, i64); 3] = [
        ("社区工作者分层分类轮训", TrainingKind::OnTheJob, yucheng::ROUTINE_SESSIONS, yucheng::ROUTINE_PERSON_TIMES),
        ("社会工作师线上线下冲刺考前培训", TrainingKind::PreCertification, 4, 240),
        ("社区干部赴成都、绵阳、深圳挂职锻炼", TrainingKind::Secondment, 1, yucheng::SECONDED_CADRES),
    ];
    for (topic, kind, sessions, total) in plans {
        let weights = w.s.weights(sessions, 80, 120);
        for person_times in Synth::apportion(total, &weights) {
            k += 1;
            let row = training_row(w, "yc", k, topic, kind, person_times, general);
            w.rows.trainings.push(row);
        }
    }
    Ok(())
}
