//! Importers: the NBS division-code tree ([`regions`]) and roster spreadsheets ([`roster`],
//! read within limits by [`table`]).
//!
//! Importers are library code shared by the CLI, `serve` (which loads the shipped division
//! codes into an empty database) and sync jobs. They report progress through [`Progress`], so
//! the CLI can draw a bar while tests and the server stay quiet.

pub mod regions;
pub mod roster;
pub mod table;

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

pub use regions::{
    DEFAULT_EDITION_YEAR, ImportCounts, ImportError, ImportOptions, LevelCounts, RowProblem, import_regions_dir,
    import_regions_dir_with, import_shipped_regions, import_shipped_regions_with, regions_empty,
};

/// Receives progress of a long import. One `start` … `advance`* … `finish` sequence per
/// input file, never interleaved.
pub trait Progress: Send + Sync {
    /// A new phase begins, e.g. `"streets.csv"`; `total` is the number of rows expected, when
    /// known (an estimate from the line count: quoted line breaks make it an upper bound).
    fn start(&self, label: &str, total: Option<u64>);
    /// `n` more rows are done.
    fn advance(&self, n: u64);
    /// The phase is complete.
    fn finish(&self);
}

/// Reports nothing: for tests and for `serve`, whose log line says what was imported.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _label: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// A terminal progress bar (indicatif) on stderr, one bar per phase. Hidden automatically when
/// stderr is not a terminal.
#[derive(Debug, Default)]
pub struct BarProgress {
    bar: Mutex<Option<ProgressBar>>,
}

impl BarProgress {
    /// A reporter with no bar drawn yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        // A poisoned lock only means another thread panicked while drawing: keep drawing.
        self.bar.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Progress for BarProgress {
    fn start(&self, label: &str, total: Option<u64>) {
        let bar = match total {
            Some(len) => {
                let style = ProgressStyle::with_template(
                    "{msg:>28} [{bar:40}] {human_pos:>7}/{human_len:7} {per_sec:>12} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                ProgressBar::new(len).with_style(style)
            }
            None => {
                let style = ProgressStyle::with_template("{spinner} {msg:>28} {human_pos:>7} rows {per_sec:>12}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                ProgressBar::new_spinner().with_style(style)
            }
        };
        bar.set_message(label.to_owned());
        if let Some(old) = self.current().replace(bar) {
            old.finish();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.current().as_ref() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.current().take() {
            bar.finish();
        }
    }
}
