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
    row_with_a_missing_parent_fails_naming_file_line_and_code_and_writes_nothing_of_its_batch,
    gzip_files_and_every_villages_file_are_streamed_in_batches,
    malformed_rows_fail_with_a_specific_message,
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
         (31 provinces, 342 prefectures, 2975 counties, 41351 townships, 3098 villages)"
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

async fn row_with_a_missing_parent_fails_naming_file_line_and_code_and_writes_nothing_of_its_batch(t: TestDb) {
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

    // provinces.csv was committed; the cities batch holding line 4 was not, nor anything after.
    assert_eq!(stored_at_level(db, RegionLevel::Province).await, 2);
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
    let cases: [(&str, u64, Check, &str); 5] = [
        (
            "522301,\"兴义市\",5223\n52x302,\"兴仁市\",5223\n",
            3,
            |p| matches!(p, RowProblem::InvalidCode { .. }),
            "character 'x'",
        ),
        ("522301001,\"黄草街道\",5223\n", 2, |p| matches!(p, RowProblem::WrongLevel { .. }), "Township code"),
        ("522301,\"兴义市\",4419\n", 2, |p| matches!(p, RowProblem::ParentMismatch { .. }), "says parent `4419`"),
        ("522301,\"\",5223\n", 2, |p| matches!(p, RowProblem::EmptyName { .. }), "empty name"),
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

/// `serve` spawns the import on the runtime, so its future must be `Send`. Compile-time check.
#[allow(dead_code)]
fn import_futures_are_send(db: &DatabaseConnection, dir: &Path) {
    fn is_send<T: Send>(_: T) {}
    is_send(import_shipped_regions(db, &NoProgress));
    is_send(import_regions_dir(db, dir, &NoProgress));
}
