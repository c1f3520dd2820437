//! Reading a roster file into rows of text, within limits: the part of the roster import that
//! touches bytes a stranger may have made. A file that would take more memory or time than its
//! size suggests is refused before it is parsed, with a code saying which limit it broke:
//!
//! - XLSX is a zip archive: a few kilobytes may inflate to gigabytes (a "zip bomb"). The central
//!   directory's declared sizes are checked first (total and compression ratio), then every
//!   entry is inflated once into a counter, stopping at the limit, since the declared sizes are
//!   the sender's word. Only then does calamine see the file.
//! - calamine's `worksheet_range` allocates rows × columns from the cells' positions: one cell
//!   at `XFD1048576` makes seventeen billion. Cells are streamed instead
//!   (`worksheet_cells_reader`) and a row or column past the limit stops the read.
//! - A CSV line longer than the limit stops the read before the csv reader buffers it.
//!
//! Numbers in XLSX cells are IEEE doubles: an 18-digit citizen ID number typed as a number has
//! lost its last digits before civlink sees it (Excel keeps 15 significant digits). Such cells
//! are marked [`Table::lossy`], and a row reading one fails with `NUMBER_PRECISION_LOST`
//! instead of importing a different number.

use std::collections::{BTreeMap, HashSet};
use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, DataRef, Reader, Xlsx};

/// How much of a file a read may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Most data rows (the header row not counted).
    pub max_rows: usize,
    /// Most columns (the last non-empty cell's column, 1-based).
    pub max_columns: usize,
    /// Longest CSV line, in bytes.
    pub max_line_bytes: usize,
    /// Most bytes an XLSX archive's entries may inflate to, together.
    pub max_uncompressed_bytes: u64,
}

/// The limits on files uploaded through the API (`importRoster`), from the `CIVLINK_MAX_UPLOAD_*`
/// settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Largest file, in bytes (`CIVLINK_MAX_UPLOAD_BYTES`); the request body around it must
    /// also fit `CIVLINK_MAX_BODY_BYTES`.
    pub max_file_bytes: usize,
    /// How much of the file a read may take.
    pub read: ReadLimits,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_file_bytes: 4 * 1024 * 1024,
            read: ReadLimits {
                max_rows: 10_000,
                max_columns: 100,
                max_line_bytes: 64 * 1024,
                max_uncompressed_bytes: 64 * 1024 * 1024,
            },
        }
    }
}

/// Largest uncompressed/compressed ratio accepted for an XLSX entry of more than
/// [`RATIO_FLOOR`] bytes. Spreadsheet XML compresses about 5-20 times, very repetitive sheets up
/// to about 100; a bomb compresses a thousand times or more.
pub const MAX_RATIO: u64 = 200;
/// Entries smaller than this are not ratio-checked (an empty sheet compresses very well).
const RATIO_FLOOR: u64 = 1024 * 1024;

impl ReadLimits {
    /// The limits of `civlink import` on the operator's own files: no row limit (files are
    /// sent in batches), and room for any sheet Excel can save.
    pub const OPERATOR: ReadLimits = ReadLimits {
        max_rows: usize::MAX,
        max_columns: 16_384,
        max_line_bytes: 64 * 1024 * 1024,
        max_uncompressed_bytes: 4 * 1024 * 1024 * 1024,
    };
}

/// Why a file could not be read: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// `UNSUPPORTED_FILE`, `UNREADABLE_FILE`, `TOO_MANY_ROWS`, `TOO_MANY_COLUMNS`,
    /// `LINE_TOO_LONG`, `SPREADSHEET_TOO_LARGE`, `INVALID_TEXT`.
    pub code: &'static str,
    pub message: String,
}

impl ReadError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        ReadError { code, message: message.into() }
    }

    fn unreadable(e: impl std::fmt::Display) -> Self {
        ReadError::new("UNREADABLE_FILE", e.to_string())
    }
}

/// A file's header and data rows (spreadsheet row number, cells as text).
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    /// Cells `(spreadsheet row, column index)` holding a number too long for a double to keep
    /// every digit (16 digits or more): their text is not what the sheet shows.
    pub lossy: HashSet<(u64, usize)>,
}

/// The kinds of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format of a file named `name` (by extension), else of its first bytes (a zip archive
    /// is taken for XLSX, anything else for CSV). Errors: an extension of another kind.
    pub fn of(name: &str, bytes: &[u8]) -> Result<Format, ReadError> {
        let ext = Path::new(name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("xlsx" | "xlsm") => Ok(Format::Xlsx),
            Some("csv" | "txt") => Ok(Format::Csv),
            None if bytes.starts_with(b"PK\x03\x04") => Ok(Format::Xlsx),
            None => Ok(Format::Csv),
            Some(other) => Err(ReadError::new(
                "UNSUPPORTED_FILE",
                format!("`.{other}` files are not read: send CSV (UTF-8 or GBK) or XLSX"),
            )),
        }
    }
}

/// Reads a file's bytes as `format`, within `limits`. A cell holding the NUL character is
/// refused (`INVALID_TEXT`): PostgreSQL refuses NUL in text, so such a value reaching a
/// lookup would fail as a database error (the HTTP layer refuses NUL in variables for the
/// same reason).
pub fn read(format: Format, bytes: &[u8], limits: &ReadLimits) -> Result<Table, ReadError> {
    let table = match format {
        Format::Csv => read_csv(bytes, limits),
        Format::Xlsx => read_xlsx(bytes, limits),
    }?;
    let header = std::iter::once((1, &table.headers));
    let rows = table.rows.iter().map(|(row, cells)| (*row, cells));
    if let Some((row, _)) = header.chain(rows).find(|(_, cells)| cells.iter().any(|c| c.contains('\0'))) {
        let message = format!("row {row}: cells may not contain the NUL character (U+0000)");
        return Err(ReadError::new("INVALID_TEXT", message));
    }
    Ok(table)
}

/// A reader that fails once a physical line (bytes between `\n`) grows past `max`: the csv
/// reader would otherwise buffer a whole endless record.
struct LineBound<R> {
    inner: R,
    line: usize,
    max: usize,
}

impl<R: Read> Read for LineBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for b in &buf[..n] {
            if *b == b'\n' {
                self.line = 0;
            } else {
                self.line += 1;
                if self.line > self.max {
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, LineTooLong));
                }
            }
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct LineTooLong;

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("line too long")
    }
}

impl std::error::Error for LineTooLong {}

fn read_csv(bytes: &[u8], limits: &ReadLimits) -> Result<Table, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Excel in a Chinese locale saves CSV as GBK (a subset of GB 18030).
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    };
    let bounded = LineBound { inner: text.as_bytes(), line: 0, max: limits.max_line_bytes };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bounded);
    let csv_error = |e: csv::Error, row: u64| {
        let too_long =
            matches!(e.kind(), csv::ErrorKind::Io(io) if io.get_ref().is_some_and(|i| i.is::<LineTooLong>()));
        if too_long {
            let max = limits.max_line_bytes;
            ReadError::new("LINE_TOO_LONG", format!("row {row}: a line is longer than {max} bytes"))
        } else {
            ReadError::unreadable(format!("row {row}: {e}"))
        }
    };
    let headers: Vec<String> =
        reader.headers().map_err(|e| csv_error(e, 1))?.iter().map(|h| h.trim().to_owned()).collect();
    check_columns(headers.len(), 1, limits)?;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        row += 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, row)),
        }
        check_columns(record.len(), row, limits)?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        check_rows(rows.len() + 1, limits)?;
        rows.push((row, record.iter().map(|c| unguard_formula(c.trim()).to_owned()).collect()));
    }
    Ok(Table { headers, rows, lossy: HashSet::new() })
}

fn check_columns(n: usize, row: u64, limits: &ReadLimits) -> Result<(), ReadError> {
    if n > limits.max_columns {
        let max = limits.max_columns;
        return Err(ReadError::new("TOO_MANY_COLUMNS", format!("row {row} has {n} columns; at most {max} are read")));
    }
    Ok(())
}

fn check_rows(n: usize, limits: &ReadLimits) -> Result<(), ReadError> {
    if n > limits.max_rows {
        let max = limits.max_rows;
        return Err(ReadError::new(
            "TOO_MANY_ROWS",
            format!("the file has more than {max} data rows; split it into smaller files"),
        ));
    }
    Ok(())
}

/// Refuses an archive whose entries inflate to more than the limit or much more than they
/// weigh, by their declared sizes first and then by inflating them.
pub fn check_archive(bytes: &[u8], limits: &ReadLimits) -> Result<(), ReadError> {
    let too_large = |what: String| {
        ReadError::new(
            "SPREADSHEET_TOO_LARGE",
            format!("{what}; the workbook is refused (re-save it without empty formatted cells, or split it)"),
        )
    };
    let max = limits.max_uncompressed_bytes;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError::unreadable(format!("not an XLSX file ({e})")))?;
    let mut declared = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(ReadError::unreadable)?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        declared = declared.saturating_add(size);
        if size > RATIO_FLOOR && size / packed > MAX_RATIO {
            return Err(too_large(format!(
                "`{}` inflates {} times (at most {MAX_RATIO} accepted)",
                entry.name().unwrap_or_default(),
                size / packed
            )));
        }
    }
    if declared > max {
        return Err(too_large(format!("its parts inflate to {declared} bytes, more than the limit of {max}")));
    }
    // The declared sizes are the sender's word: inflate each entry into a counter, never past
    // what is left of the limit.
    let mut left = max;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(ReadError::unreadable)?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let n = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink()).map_err(ReadError::unreadable)?;
        if n > left {
            return Err(too_large(format!("`{name}` inflates past the limit of {max} bytes")));
        }
        left -= n;
    }
    Ok(())
}

/// First characters that make a spreadsheet program read a CSV cell as a formula (OWASP, "CSV
/// Injection"): a name such as `=HYPERLINK(…)` in an export would run when the file is opened.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell's text for a CSV file that people open in spreadsheet programs: text a program would
/// read as a formula gets a leading `'`, which the programs show as text; the import takes it
/// off again ([`unguard_formula`]), so an exported file imports back unchanged.
pub fn guard_formula(text: String) -> String {
    if text.starts_with(FORMULA_STARTS) { format!("'{text}") } else { text }
}

/// A cell's text as imported: without the `'` that [`guard_formula`] put before a formula-like
/// value, nor the `'` people type before a number to keep it text in a spreadsheet
/// (`'522301199001010145`, so that Excel keeps every digit), which a CSV keeps literally.
fn unguard_formula(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => text,
    }
}

/// A cell as text, and whether a number in it may have lost digits.
fn cell_text(cell: &DataRef<'_>) -> (String, bool) {
    match cell {
        DataRef::SharedString(s) => (unguard_formula(s.trim()).to_owned(), false),
        other => {
            let data = Data::from(other.clone());
            (data_text(&data), lossy(&data))
        }
    }
}

/// Whether a cell is a number of 16 digits or more: beyond what Excel keeps (15 significant
/// digits), and from 2^53 beyond what a double holds exactly, so its text may not be what was
/// typed.
pub fn lossy(cell: &Data) -> bool {
    match cell {
        Data::Float(f) => f.abs() >= 1e15,
        Data::Int(i) => i.unsigned_abs() >= 1_000_000_000_000_000,
        _ => false,
    }
}

/// A calamine cell as text.
pub fn data_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => unguard_formula(s.trim()).to_owned(),
        // Phone numbers and codes typed as numbers: no ".0", no exponent.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_xlsx(bytes: &[u8], limits: &ReadLimits) -> Result<Table, ReadError> {
    check_archive(bytes, limits)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(ReadError::unreadable)?;
    let sheet =
        book.sheet_names().first().cloned().ok_or_else(|| ReadError::unreadable("the workbook has no sheet"))?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(ReadError::unreadable)?;
    // Non-empty cells by row: (column, text, lossy).
    let mut grid: BTreeMap<u32, Vec<(usize, String, bool)>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(ReadError::unreadable)? {
        let (row, col) = cell.get_position();
        let (text, lossy) = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        check_columns(col as usize + 1, u64::from(row) + 1, limits)?;
        if !grid.contains_key(&row) {
            // The header row and at most `max_rows` data rows.
            check_rows(grid.len(), limits)?;
        }
        grid.entry(row).or_default().push((col as usize, text, lossy));
    }
    let mut table = Table::default();
    let mut lines = grid.into_iter();
    let spread = |cells: Vec<(usize, String, bool)>| {
        let width = cells.iter().map(|(c, _, _)| c + 1).max().unwrap_or(0);
        let mut out = vec![String::new(); width];
        let mut lossy = Vec::new();
        for (c, text, l) in cells {
            if l {
                lossy.push(c);
            }
            out[c] = text;
        }
        (out, lossy)
    };
    if let Some((_, header)) = lines.next() {
        table.headers = spread(header).0;
    }
    for (row, cells) in lines {
        let row = u64::from(row) + 1;
        let (cells, lossy) = spread(cells);
        table.lossy.extend(lossy.into_iter().map(|c| (row, c)));
        table.rows.push((row, cells));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ReadLimits {
        ReadLimits { max_rows: 3, max_columns: 4, max_line_bytes: 64, max_uncompressed_bytes: 1 << 20 }
    }

    #[test]
    fn formula_like_cells_are_guarded_for_spreadsheets_and_read_back_as_they_were() {
        for value in ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1)", "+8613800138000", "-1", "\tx"] {
            let guarded = guard_formula(value.to_owned());
            assert_eq!(guarded, format!("'{value}"));
            assert_eq!(unguard_formula(&guarded), value);
        }
        for value in ["王芳", "'quoted", "13800138000", ""] {
            assert_eq!(guard_formula(value.to_owned()), value);
            assert_eq!(unguard_formula(value), value);
        }
        // Found by a review: an ID number or phone typed as `'522301…` to keep it text.
        assert_eq!(unguard_formula("'522301199001010145"), "522301199001010145");
        let file = format!("a\n{}\n", guard_formula("=1+1".to_owned()));
        assert_eq!(read_csv(file.as_bytes(), &limits()).unwrap().rows, vec![(2, vec!["=1+1".into()])]);
    }

    #[test]
    fn csv_limits_name_what_was_exceeded() {
        // Rows are numbered by record, as `civlink import` always has: the csv reader skips a
        // blank line without a record.
        let ok = read_csv("a,b\n1,2\n\n3,4\n".as_bytes(), &limits()).unwrap();
        assert_eq!(ok.rows, vec![(2, vec!["1".into(), "2".into()]), (3, vec!["3".into(), "4".into()])]);
        let rows = read_csv("a\n1\n2\n3\n4\n".as_bytes(), &limits()).unwrap_err();
        assert_eq!(rows.code, "TOO_MANY_ROWS");
        let cols = read_csv("a,b\n1,2,3,4,5\n".as_bytes(), &limits()).unwrap_err();
        assert_eq!(cols.code, "TOO_MANY_COLUMNS");
        let long = format!("a\n{}\n", "x".repeat(1000));
        assert_eq!(read_csv(long.as_bytes(), &limits()).unwrap_err().code, "LINE_TOO_LONG");
    }

    #[test]
    fn long_numbers_are_marked_lossy() {
        assert!(cell_text(&DataRef::Float(522_301_199_001_010_131.0)).1);
        assert_eq!(cell_text(&DataRef::Float(13_900_000_001.0)), ("13900000001".to_owned(), false));
        assert!(!cell_text(&DataRef::Float(999_999_999_999_999.0)).1);
    }

    #[test]
    fn formats_by_name_or_content() {
        assert_eq!(Format::of("a.XLSX", b"").unwrap(), Format::Xlsx);
        assert_eq!(Format::of("blob", b"PK\x03\x04..").unwrap(), Format::Xlsx);
        assert_eq!(Format::of("blob", b"a,b").unwrap(), Format::Csv);
        assert_eq!(Format::of("a.exe", b"").unwrap_err().code, "UNSUPPORTED_FILE");
    }
}
