//! The demo seed (`src/seed/demo.rs`) on real databases: it reproduces the published figures
//! of DOMAIN.md ([`figures`]), writes valid synthetic identifiers, changes nothing when run
//! again, and writes identical rows on fresh SQLite and PostgreSQL databases.
//!
//! PostgreSQL: `CIVLINK_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names the maintenance database; each test creates `civlink_seed_<uuid>` there and drops it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::NaiveDate;
use civlink::db::{self, PoolSettings};
use civlink::domain::{CitizenId, CreditCode, DivisionCode, Phone};
use civlink::import::{NoProgress, import_shipped_regions};
use civlink::seed::demo::{DemoSummary, SeedOutcome, figures, seed_demo};
use entity::case_file;
use entity::charity_resource::{self, CharityKind, MatchingLevel};
use entity::client;
use entity::client_category::{self, ClientCategoryKind};
use entity::organization::{self, OrganizationKind};
use entity::project::{self, FundingMode};
use entity::project_participant::{self, Party};
use entity::region::{self, RegionLevel};
use entity::service_record::{self, ServiceMethod, ServiceType};
use entity::social_worker::{self, CertificateLevel};
use entity::station::{self, StationLevel, StationStatus};
use entity::station_assignment;
use entity::volunteer::{self, IdDocumentType};
use entity::volunteer_ledger_entry;
use entity::volunteer_team;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, Iterable, JoinType, PaginatorTrait,
    QueryFilter, QuerySelect, RelationTrait,
};

// ---------------------------------------------------------------------------------------------
// Fresh databases (small and local on purpose; tests/common will take this over).

/// A migrated database with the shipped regions, removed when dropped.
struct TestDb {
    db: DatabaseConnection,
    _cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("civlink.db").display());
        Self::prepared(&url, Cleanup::Sqlite(dir)).await
    }

    async fn postgres() -> Self {
        let admin_url = std::env::var("CIVLINK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("civlink_seed_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(&admin_url).await.expect("connect to the PostgreSQL maintenance database");
        admin.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await.expect("create test database");
        admin.close().await.expect("close admin connection");
        let (base, _) = admin_url.rsplit_once('/').expect("URL with a database name");
        let url = format!("{base}/{name}");
        Self::prepared(&url, Cleanup::Postgres { admin_url, name }).await
    }

    async fn prepared(url: &str, cleanup: Cleanup) -> Self {
        let db = db::connect(url, &PoolSettings::default()).await.expect("connect");
        db::migrate(&db).await.expect("migrate");
        import_shipped_regions(&db, &NoProgress).await.expect("import shipped regions");
        Self { db, _cleanup: cleanup }
    }

    /// Seeds and reports how long it took.
    async fn seed(&self) -> DemoSummary {
        let started = Instant::now();
        let summary = seed_demo(&self.db).await.expect("demo seed");
        eprintln!(
            "{:?} seed: {:?}, {} rows in {:.2?}",
            self.db.get_database_backend(),
            summary.outcome,
            summary.total(),
            started.elapsed()
        );
        summary
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = self else { return };
        // Drop runs inside the test's runtime, which cannot block on async work: use a thread
        // with its own runtime. FORCE closes the test pool's remaining connections.
        let (admin_url, sql) = (admin_url.clone(), format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#));
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let admin = Database::connect(&admin_url).await?;
                admin.execute_unprepared(&sql).await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}: {dropped:?}");
        }
    }
}

/// Emits `<name>::sqlite` and `<name>::postgres` tests running `async fn <name>(TestDb)`.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(super::TestDb::sqlite().await).await;
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name(super::TestDb::postgres().await).await;
                }
            }
        )*
    };
}

on_both_databases!(
    demo_reproduces_the_published_figures_and_seeding_again_changes_nothing,
    demo_identifiers_are_valid_and_every_kind_is_used,
);

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Inclusive 12-digit bounds of the subtree of `code`.
fn subtree(code: &str) -> (String, String) {
    DivisionCode::parse(code).expect("division code").subtree_bounds()
}

fn stations_under(code: &str) -> sea_orm::Select<station::Entity> {
    let (lo, hi) = subtree(code);
    station::Entity::find().filter(station::Column::RegionCode.between(lo, hi))
}

async fn count_stations(db: &DatabaseConnection, code: &str, level: StationLevel) -> u64 {
    stations_under(code).filter(station::Column::Level.eq(level)).count(db).await.expect("count stations")
}

/// Distinct regions of operating township stations under `code`.
async fn covered_townships(db: &DatabaseConnection, code: &str) -> BTreeSet<String> {
    let regions: Vec<String> = stations_under(code)
        .filter(station::Column::Level.eq(StationLevel::TownshipStation))
        .filter(station::Column::Status.eq(StationStatus::Operating))
        .select_only()
        .column(station::Column::RegionCode)
        .into_tuple()
        .all(db)
        .await
        .expect("township stations");
    regions.into_iter().collect()
}

async fn townships_of(db: &DatabaseConnection, code: &str) -> BTreeSet<String> {
    let (lo, hi) = subtree(code);
    let codes: Vec<String> = region::Entity::find()
        .filter(region::Column::Level.eq(RegionLevel::Township))
        .filter(region::Column::Code.between(lo, hi))
        .select_only()
        .column(region::Column::Code)
        .into_tuple()
        .all(db)
        .await
        .expect("townships");
    codes.into_iter().collect()
}

/// Money sums are added up in Rust: PostgreSQL's SUM(bigint) is a numeric.
fn sum(values: Vec<i64>) -> i64 {
    values.into_iter().sum()
}

async fn charity_sum(db: &DatabaseConnection, code: &str, kind: CharityKind, level: Option<MatchingLevel>) -> i64 {
    let (lo, hi) = subtree(code);
    let mut q = charity_resource::Entity::find()
        .filter(charity_resource::Column::RegionCode.between(lo, hi))
        .filter(charity_resource::Column::Kind.eq(kind));
    if let Some(level) = level {
        q = q.filter(charity_resource::Column::MatchingLevel.eq(level));
    }
    sum(q.select_only().column(charity_resource::Column::ValueFen).into_tuple().all(db).await.expect("charity"))
}

/// Row counts of every demo table.
async fn table_counts(db: &DatabaseConnection) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    counts.insert("organizations", organization::Entity::find().count(db).await.expect("count"));
    counts.insert("stations", station::Entity::find().count(db).await.expect("count"));
    counts.insert("social_workers", social_worker::Entity::find().count(db).await.expect("count"));
    counts.insert("station_assignments", station_assignment::Entity::find().count(db).await.expect("count"));
    counts.insert("volunteers", volunteer::Entity::find().count(db).await.expect("count"));
    counts.insert("volunteer_teams", volunteer_team::Entity::find().count(db).await.expect("count"));
    counts.insert("volunteer_ledger_entries", volunteer_ledger_entry::Entity::find().count(db).await.expect("count"));
    counts.insert("clients", client::Entity::find().count(db).await.expect("count"));
    counts.insert("client_categories", client_category::Entity::find().count(db).await.expect("count"));
    counts.insert("case_files", case_file::Entity::find().count(db).await.expect("count"));
    counts.insert("projects", project::Entity::find().count(db).await.expect("count"));
    counts.insert("project_participants", project_participant::Entity::find().count(db).await.expect("count"));
    counts.insert("charity_resources", charity_resource::Entity::find().count(db).await.expect("count"));
    counts.insert("service_records", service_record::Entity::find().count(db).await.expect("count"));
    counts.insert("trainings", entity::training::Entity::find().count(db).await.expect("count"));
    counts
        .insert("training_participants", entity::training_participant::Entity::find().count(db).await.expect("count"));
    counts
        .insert("deliberation_meetings", entity::deliberation_meeting::Entity::find().count(db).await.expect("count"));
    counts.insert("awards", entity::award::Entity::find().count(db).await.expect("count"));
    counts
}

// ---------------------------------------------------------------------------------------------
// Tests.

async fn demo_reproduces_the_published_figures_and_seeding_again_changes_nothing(t: TestDb) {
    let db = &t.db;
    let summary = t.seed().await;
    assert_eq!(summary.outcome, SeedOutcome::Created);
    println!("{summary}");

    // 黔西南州: 1 + 8 + 101 + 4, 101 of 140 townships, three counties fully covered, 14.88 M yuan.
    {
        use figures::qianxinan as f;
        assert_eq!(townships_of(db, f::PREFECTURE).await.len() as u64, f::TOWNSHIPS);
        assert_eq!(count_stations(db, f::PREFECTURE, StationLevel::GuidanceCenter).await, f::GUIDANCE_CENTERS);
        assert_eq!(count_stations(db, f::PREFECTURE, StationLevel::CountyStation).await, f::COUNTY_STATIONS);
        assert_eq!(count_stations(db, f::PREFECTURE, StationLevel::TownshipStation).await, f::TOWNSHIP_STATIONS);
        assert_eq!(count_stations(db, f::PREFECTURE, StationLevel::VillageRoom).await, f::VILLAGE_ROOMS);
        assert_eq!(count_stations(db, f::PREFECTURE, StationLevel::NeighborhoodPoint).await, 0);
        let centre = stations_under(f::PREFECTURE)
            .filter(station::Column::Level.eq(StationLevel::GuidanceCenter))
            .one(db)
            .await
            .expect("centre")
            .expect("a guidance centre");
        assert_eq!(centre.region_code, f::PREFECTURE);
        let covered = covered_townships(db, f::PREFECTURE).await;
        assert_eq!(covered.len() as u64, f::TOWNSHIP_STATIONS);
        assert_eq!(covered.len() * 100 / f::TOWNSHIPS as usize, 72, "72 % coverage");
        for county in f::FULLY_COVERED_COUNTIES {
            let all = townships_of(db, county).await;
            assert!(!all.is_empty());
            assert!(all.is_subset(&covered), "every township of {county} has an operating station");
        }
        let county_regions: BTreeSet<String> = stations_under(f::PREFECTURE)
            .filter(station::Column::Level.eq(StationLevel::CountyStation))
            .select_only()
            .column(station::Column::RegionCode)
            .into_tuple()
            .all(db)
            .await
            .expect("county stations")
            .into_iter()
            .collect();
        assert_eq!(county_regions.len() as u64, f::COUNTY_STATIONS, "one county station per county");
        let invested: Vec<i64> = stations_under(f::PREFECTURE)
            .select_only()
            .column(station::Column::InvestmentFen)
            .into_tuple()
            .all(db)
            .await
            .expect("investment");
        assert_eq!(sum(invested), f::INVESTMENT_FEN);
    }

    // 齐齐哈尔市: 164 stations, 145 in full service, 7 urban districts, 82 teams, 51 agencies.
    {
        use figures::qiqihar as f;
        assert_eq!(stations_under(f::PREFECTURE).count(db).await.expect("count"), f::STATIONS);
        let full = stations_under(f::PREFECTURE).filter(station::Column::InFullService.eq(true)).count(db).await;
        assert_eq!(full.expect("count"), f::IN_FULL_SERVICE);
        let covered = covered_townships(db, f::PREFECTURE).await;
        for district in f::URBAN_DISTRICTS {
            let all = townships_of(db, district).await;
            assert!(!all.is_empty());
            assert!(all.is_subset(&covered), "every township of {district} has an operating station");
        }
        let (lo, hi) = subtree(f::PREFECTURE);
        let teams =
            volunteer_team::Entity::find().filter(volunteer_team::Column::RegionCode.between(&lo, &hi)).count(db);
        assert_eq!(teams.await.expect("count"), f::VOLUNTEER_TEAMS);
        let agencies: Vec<String> = organization::Entity::find()
            .filter(organization::Column::Kind.eq(OrganizationKind::SocialWorkAgency))
            .filter(organization::Column::RegionCode.between(&lo, &hi))
            .select_only()
            .column(organization::Column::RegionCode)
            .into_tuple()
            .all(db)
            .await
            .expect("agencies");
        assert_eq!(agencies.len() as u64, f::SOCIAL_WORK_AGENCIES);
        let counties = region::Entity::find()
            .filter(region::Column::ParentCode.eq(f::PREFECTURE))
            .all(db)
            .await
            .expect("counties");
        for county in counties {
            assert!(agencies.contains(&county.code), "{} has a social-work agency", county.name);
        }
        let clothing = charity_resource::Entity::find()
            .filter(charity_resource::Column::Description.eq(f::THERMAL_CLOTHING_DESCRIPTION))
            .all(db)
            .await
            .expect("thermal clothing");
        assert_eq!(clothing.len(), 1);
        assert_eq!(clothing[0].kind, CharityKind::InKind);
        assert_eq!(clothing[0].value_fen, f::THERMAL_CLOTHING_FEN);
        assert!(clothing[0].region_code.starts_with("2302"));
        let person_times: Vec<i32> = service_record::Entity::find()
            .filter(service_record::Column::RegionCode.between(&lo, &hi))
            .select_only()
            .column(service_record::Column::PersonTimes)
            .into_tuple()
            .all(db)
            .await
            .expect("person-times");
        assert_eq!(person_times.into_iter().map(i64::from).sum::<i64>(), f::SERVICE_PERSON_TIMES);
        let volunteer_service = volunteer_ledger_entry::Entity::find()
            .join(JoinType::InnerJoin, volunteer_ledger_entry::Relation::Volunteer.def())
            .filter(volunteer::Column::RegionCode.between(&lo, &hi))
            .filter(volunteer_ledger_entry::Column::ServiceMinutes.gt(0))
            .count(db)
            .await
            .expect("ledger");
        assert_eq!(volunteer_service, f::VOLUNTEER_SERVICE_TIMES);
    }

    // 西陵区 "1+7+66", 1,434 volunteers, 70 % certified, money, 5,600 clients, 1,144 files / 678 deep.
    {
        use figures::xiling as f;
        assert_eq!(count_stations(db, f::DISTRICT, StationLevel::GuidanceCenter).await, f::GUIDANCE_CENTERS);
        assert_eq!(count_stations(db, f::DISTRICT, StationLevel::TownshipStation).await, f::STREET_STATIONS);
        assert_eq!(count_stations(db, f::DISTRICT, StationLevel::VillageRoom).await, f::COMMUNITY_ROOMS);
        assert_eq!(stations_under(f::DISTRICT).count(db).await.expect("count"), 1 + 7 + 66);
        let streets = covered_townships(db, f::DISTRICT).await;
        assert_eq!(streets, f::STATION_STREETS.iter().map(|s| (*s).to_owned()).collect());
        let rooms: Vec<String> = stations_under(f::DISTRICT)
            .filter(station::Column::Level.eq(StationLevel::VillageRoom))
            .select_only()
            .column(station::Column::RegionCode)
            .into_tuple()
            .all(db)
            .await
            .expect("rooms");
        let distinct: BTreeSet<&String> = rooms.iter().collect();
        assert_eq!(distinct.len(), rooms.len(), "one room per community");
        for room in &rooms {
            let committee: u16 = room[9..].parse().expect("village digits");
            assert!((1..200).contains(&committee), "{room} is a residents' committee (community)");
        }
        let (lo, hi) = subtree(f::DISTRICT);
        let volunteers = volunteer::Entity::find().filter(volunteer::Column::RegionCode.between(&lo, &hi)).count(db);
        assert_eq!(volunteers.await.expect("count"), f::VOLUNTEERS);
        let workers = social_worker::Entity::find().filter(social_worker::Column::RegionCode.between(&lo, &hi));
        assert_eq!(workers.clone().count(db).await.expect("count"), f::SOCIAL_WORKERS);
        let certified = workers.filter(social_worker::Column::CertificateLevel.ne(CertificateLevel::None)).count(db);
        assert_eq!(certified.await.expect("count"), f::CERTIFIED_SOCIAL_WORKERS);
        assert_eq!(f::CERTIFIED_SOCIAL_WORKERS * 100 / f::SOCIAL_WORKERS, 70);
        let projects = project::Entity::find().filter(project::Column::RegionCode.between(&lo, &hi));
        let funded: Vec<i64> = projects
            .clone()
            .filter(
                project::Column::FundingMode.is_in([FundingMode::AwardInLieuOfSubsidy, FundingMode::ProvincialProgram]),
            )
            .select_only()
            .column(project::Column::BudgetFen)
            .into_tuple()
            .all(db)
            .await
            .expect("budgets");
        assert_eq!(sum(funded), f::PROJECT_FUNDING_FEN);
        let mutual: Vec<i64> = projects
            .filter(project::Column::FundingMode.eq(FundingMode::MutualAid))
            .select_only()
            .column(project::Column::FundsRaisedFen)
            .into_tuple()
            .all(db)
            .await
            .expect("mutual aid");
        assert_eq!(mutual.len() as u64, f::MUTUAL_AID_PROJECTS);
        assert_eq!(sum(mutual), f::MUTUAL_AID_RAISED_FEN);
        let province = charity_sum(db, f::DISTRICT, CharityKind::MatchedDonation, Some(MatchingLevel::Province)).await;
        assert_eq!(province, f::MATCHED_PROVINCE_FEN);
        let city = charity_sum(db, f::DISTRICT, CharityKind::MatchedDonation, Some(MatchingLevel::Prefecture)).await;
        assert_eq!(city, f::MATCHED_PREFECTURE_FEN);
        assert_eq!(charity_sum(db, f::DISTRICT, CharityKind::Money, None).await, f::CHARITY_FUNDS_FEN);
        let files = case_file::Entity::find()
            .join(JoinType::InnerJoin, case_file::Relation::Client.def())
            .filter(client::Column::RegionCode.between(&lo, &hi));
        assert_eq!(files.clone().count(db).await.expect("count"), f::CASE_FILES);
        let clients = client::Entity::find().filter(client::Column::RegionCode.between(&lo, &hi)).count(db);
        assert_eq!(clients.await.expect("count"), f::CLIENTS_ON_FILE, "the data ledger");
        let deep = files.filter(case_file::Column::IsDeepCase.eq(true)).count(db).await.expect("count");
        assert_eq!(deep, f::DEEP_CASES);
    }

    // 雨城区: 173 certified on the 3-post 12-grade scale, 24 incubated organisations, four levels.
    {
        use figures::yucheng as f;
        let (lo, hi) = subtree(f::DISTRICT);
        let workers = social_worker::Entity::find()
            .filter(social_worker::Column::RegionCode.between(&lo, &hi))
            .all(db)
            .await
            .expect("workers");
        let certified = workers.iter().filter(|w| w.certificate_level != CertificateLevel::None).count();
        assert_eq!(certified as u64, f::CERTIFIED_SOCIAL_WORKERS);
        for w in &workers {
            assert!(matches!(w.pay_post, Some(p) if (1..=f::PAY_POSTS).contains(&p)), "{} pay post", w.name);
            assert!(matches!(w.pay_grade, Some(g) if (1..=f::PAY_GRADES).contains(&g)), "{} pay grade", w.name);
            let certificate = w.certificate_level != CertificateLevel::None;
            assert_eq!(certificate, w.certificate_number.is_some());
            assert_eq!(certificate, w.certificate_year.is_some());
        }
        let incubated = organization::Entity::find()
            .filter(organization::Column::Kind.eq(OrganizationKind::CommunitySocialOrg))
            .filter(organization::Column::RegionCode.between(&lo, &hi))
            .count(db);
        assert_eq!(incubated.await.expect("count"), f::INCUBATED_ORGANIZATIONS);
        let general = stations_under(f::DISTRICT)
            .filter(station::Column::Level.eq(StationLevel::CountyStation))
            .all(db)
            .await
            .expect("general station");
        assert_eq!(general.len(), 1);
        assert_eq!(general[0].region_code, f::DISTRICT);
        for level in [StationLevel::TownshipStation, StationLevel::VillageRoom, StationLevel::NeighborhoodPoint] {
            assert!(count_stations(db, f::DISTRICT, level).await > 0, "雨城区 has {level:?}");
        }
    }

    // Seeding again writes nothing.
    let before = table_counts(db).await;
    let again = t.seed().await;
    assert_eq!(again.outcome, SeedOutcome::AlreadyPresent);
    assert_eq!(again.total(), 0);
    assert!(again.to_string().contains("already present"));
    assert_eq!(table_counts(db).await, before);
    for (table, n) in summary.tables() {
        if let Some(&stored) = before.get(table) {
            assert_eq!(stored, n as u64, "{table}: summary and table agree");
        }
    }
}

async fn demo_identifiers_are_valid_and_every_kind_is_used(t: TestDb) {
    let db = &t.db;
    t.seed().await;
    let today = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");

    let workers = social_worker::Entity::find().all(db).await.expect("workers");
    for w in &workers {
        let id = CitizenId::parse(w.id_number.as_deref().expect("worker ID number"), today).expect("worker ID valid");
        assert_eq!(&id.address_code()[..4], &w.region_code[..4], "workers' numbers carry a county of their prefecture");
        Phone::parse(w.phone.as_deref().expect("worker phone")).expect("worker phone valid");
        assert_eq!(id.is_male(), w.gender == entity::Gender::Male);
    }
    let clients = client::Entity::find().all(db).await.expect("clients");
    for c in &clients {
        let id = CitizenId::parse(c.id_number.as_deref().expect("client ID number"), today).expect("client ID valid");
        assert_eq!(id.address_code(), &c.region_code[..6], "clients' numbers carry their county");
        assert_eq!(Some(id.birth_date()), c.birth_date);
    }
    let volunteers = volunteer::Entity::find().all(db).await.expect("volunteers");
    let mut documents = BTreeSet::new();
    for v in &volunteers {
        documents.insert(format!("{:?}", v.id_document_type));
        if v.id_document_type == IdDocumentType::ResidentId {
            CitizenId::parse(v.id_number.as_deref().expect("volunteer ID"), today).expect("volunteer ID valid");
        }
    }
    assert_eq!(documents.len(), IdDocumentType::iter().count(), "every ID document type");
    let orgs = organization::Entity::find().all(db).await.expect("organisations");
    // Counted apart: most organisations are registered; of community social organisations,
    // half are registered as social groups and half only filed (备案) with their street.
    let (mut with_code, mut community, mut community_with_code) = (0, 0, 0);
    for o in &orgs {
        let is_community = o.kind == OrganizationKind::CommunitySocialOrg;
        community += usize::from(is_community);
        if let Some(code) = &o.credit_code {
            let code = CreditCode::parse(code).expect("credit code valid");
            if is_community {
                community_with_code += 1;
            } else {
                with_code += 1;
            }
            if o.kind == OrganizationKind::SocialWorkAgency {
                assert_eq!(code.registering_department(), '5', "{} is registered with civil affairs", o.name);
                assert_eq!(code.org_type(), '2', "{} is a private non-enterprise unit", o.name);
                let registrar = DivisionCode::parse(code.region_code()).expect("registrar region");
                let seat = DivisionCode::parse(&o.region_code).expect("organisation region");
                assert!(registrar.contains(&seat), "{} is registered where it is, or above", o.name);
            }
        }
    }
    assert!(with_code * 10 >= (orgs.len() - community) * 8, "most organisations have a credit code");
    assert!((community * 4..=community * 6).contains(&(community_with_code * 10)), "half the community ones");
    // Station operators have valid codes.
    let stations = station::Entity::find().all(db).await.expect("stations");
    let by_id: BTreeMap<_, _> = orgs.iter().map(|o| (o.id, o)).collect();
    for s in &stations {
        let operator = by_id.get(&s.operator_id.expect("every demo station has an operator")).expect("operator");
        assert!(operator.credit_code.is_some(), "{} is operated by a registered organisation", s.name);
        assert_eq!(s.source.as_deref(), Some("demo"));
        assert!(s.external_id.is_some());
        assert_eq!(s.version, 1);
    }

    // Every kind of every enum the demo should show.
    async fn distinct<E, T>(db: &DatabaseConnection, col: E::Column) -> BTreeSet<String>
    where
        E: EntityTrait,
        T: sea_orm::TryGetable + std::fmt::Debug,
        (T,): sea_orm::TryGetableMany,
    {
        let values: Vec<T> =
            E::find().select_only().column(col).distinct().into_tuple().all(db).await.expect("distinct values");
        values.iter().map(|v| format!("{v:?}")).collect()
    }
    assert_eq!(
        distinct::<project_participant::Entity, Party>(db, project_participant::Column::Party).await.len(),
        Party::iter().count()
    );
    assert_eq!(
        distinct::<service_record::Entity, ServiceType>(db, service_record::Column::ServiceType).await.len(),
        ServiceType::iter().count()
    );
    assert_eq!(
        distinct::<service_record::Entity, ServiceMethod>(db, service_record::Column::Method).await.len(),
        ServiceMethod::iter().count()
    );
    assert_eq!(
        distinct::<client_category::Entity, ClientCategoryKind>(db, client_category::Column::Category).await.len(),
        ClientCategoryKind::iter().count()
    );
    assert_eq!(
        distinct::<project::Entity, FundingMode>(db, project::Column::FundingMode).await.len(),
        FundingMode::iter().count()
    );
    assert_eq!(
        distinct::<project::Entity, project::ProjectStatus>(db, project::Column::Status).await.len(),
        project::ProjectStatus::iter().count()
    );
    assert_eq!(
        distinct::<charity_resource::Entity, CharityKind>(db, charity_resource::Column::Kind).await.len(),
        CharityKind::iter().count()
    );
    assert_eq!(
        distinct::<case_file::Entity, case_file::CaseStage>(db, case_file::Column::Stage).await.len(),
        case_file::CaseStage::iter().count()
    );
    assert_eq!(
        distinct::<station::Entity, StationStatus>(db, station::Column::Status).await.len(),
        StationStatus::iter().count()
    );
    assert_eq!(
        distinct::<station::Entity, StationLevel>(db, station::Column::Level).await.len(),
        StationLevel::iter().count()
    );
    assert_eq!(
        distinct::<organization::Entity, OrganizationKind>(db, organization::Column::Kind).await.len(),
        OrganizationKind::iter().count()
    );
    assert_eq!(
        distinct::<station_assignment::Entity, station_assignment::AssignmentRole>(
            db,
            station_assignment::Column::Role
        )
        .await
        .len(),
        station_assignment::AssignmentRole::iter().count()
    );
    let levels: BTreeSet<String> =
        distinct::<charity_resource::Entity, Option<MatchingLevel>>(db, charity_resource::Column::MatchingLevel).await;
    assert_eq!(levels.len(), MatchingLevel::iter().count() + 1, "every matching level, and none for gifts");

    // Five-society participants name exactly their party's column (the CHECK constraint),
    // communities by a division code.
    let communities = project_participant::Entity::find()
        .filter(project_participant::Column::Party.eq(Party::Community))
        .filter(project_participant::Column::RegionCode.is_null())
        .count(db)
        .await
        .expect("count");
    assert_eq!(communities, 0);

    // Assignments: one current per worker, a few ended ones before it.
    let assignments = station_assignment::Entity::find().all(db).await.expect("assignments");
    let current = assignments.iter().filter(|a| a.ended_on.is_none()).count();
    assert_eq!(current, workers.len(), "one current assignment per worker");
    let ended: Vec<_> = assignments.iter().filter(|a| a.ended_on.is_some()).collect();
    assert!(!ended.is_empty() && ended.len() * 10 < workers.len(), "a few ended assignments");
    assert!(ended.iter().all(|a| a.ended_on.is_some_and(|e| e >= a.started_on)));

    // Services across 2023-2024; ledger minutes and points.
    let dates: Vec<NaiveDate> = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::ServedOn)
        .into_tuple()
        .all(db)
        .await
        .expect("dates");
    assert!(dates.iter().all(|d| {
        (NaiveDate::from_ymd_opt(2023, 1, 1).expect("date")..=NaiveDate::from_ymd_opt(2024, 12, 31).expect("date"))
            .contains(d)
    }));
    let redemptions = volunteer_ledger_entry::Entity::find()
        .filter(volunteer_ledger_entry::Column::Points.lt(0))
        .filter(volunteer_ledger_entry::Column::ServiceMinutes.eq(0))
        .count(db)
        .await
        .expect("count");
    assert!(redemptions > 0, "some points are redeemed");
}

/// Two seeds on fresh databases, one SQLite and one PostgreSQL, write the same rows.
#[tokio::test]
async fn two_seeds_on_fresh_databases_write_identical_rows() {
    let (a, b) = (TestDb::sqlite().await, TestDb::postgres().await);
    let (sa, sb) = (a.seed().await, b.seed().await);
    assert_eq!(sa, sb);
    assert_eq!(fingerprint(&a.db).await, fingerprint(&b.db).await);
}

/// The identifying content of the demo rows, sorted.
async fn fingerprint(db: &DatabaseConnection) -> Vec<String> {
    let mut out = Vec::new();
    for s in station::Entity::find().all(db).await.expect("stations") {
        out.push(format!(
            "station {} {} {} {:?} {} {:?} {:?} {:?} {:?} {:?} {}",
            s.id,
            s.name,
            s.region_code,
            s.parent_station_id,
            s.investment_fen,
            s.opened_on,
            s.latitude,
            s.longitude,
            s.external_id,
            s.operator_id,
            s.created_at
        ));
    }
    for w in social_worker::Entity::find().all(db).await.expect("workers") {
        out.push(format!(
            "worker {} {} {:?} {:?} {:?}",
            w.id, w.name, w.id_number, w.certificate_number, w.employer_id
        ));
    }
    for c in client::Entity::find().all(db).await.expect("clients") {
        out.push(format!("client {} {} {:?} {} {:?}", c.id, c.name, c.id_number, c.region_code, c.station_id));
    }
    for p in project::Entity::find().all(db).await.expect("projects") {
        out.push(format!("project {} {} {} {} {}", p.id, p.name, p.budget_fen, p.funds_raised_fen, p.starts_on));
    }
    let records: Vec<(uuid::Uuid, i32, NaiveDate)> = service_record::Entity::find()
        .select_only()
        .columns([service_record::Column::Id, service_record::Column::PersonTimes, service_record::Column::ServedOn])
        .into_tuple()
        .all(db)
        .await
        .expect("records");
    out.extend(records.into_iter().map(|(id, n, d)| format!("record {id} {n} {d}")));
    let entries: Vec<(uuid::Uuid, i32, i32)> = volunteer_ledger_entry::Entity::find()
        .select_only()
        .columns([
            volunteer_ledger_entry::Column::Id,
            volunteer_ledger_entry::Column::ServiceMinutes,
            volunteer_ledger_entry::Column::Points,
        ])
        .into_tuple()
        .all(db)
        .await
        .expect("ledger");
    out.extend(entries.into_iter().map(|(id, m, p)| format!("ledger {id} {m} {p}")));
    for t in entity::training::Entity::find().all(db).await.expect("trainings") {
        out.push(format!("training {} {} {} {} {:?}", t.id, t.topic, t.held_on, t.person_times, t.station_id));
    }
    for m in entity::deliberation_meeting::Entity::find().all(db).await.expect("meetings") {
        out.push(format!("meeting {} {} {} {} {}", m.id, m.region_code, m.held_on, m.participants, m.resolved));
    }
    for a in entity::award::Entity::find().all(db).await.expect("awards") {
        out.push(format!("award {} {} {} {:?}", a.id, a.title, a.year, a.social_worker_id));
    }
    out.sort();
    out
}
