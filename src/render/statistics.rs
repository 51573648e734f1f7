//! `--statistics`: how many times each check fired, instead of the
//! diagnostics themselves, as ruff's `--statistics` does: for a first look
//! at a large collection, or to see which rule is noisy.
//!
//! ```text
//!  count  severity  check
//!      3  error     percent_range
//!      1  warning   sudden_jump
//! ```
//!
//! Sorted by count, most first, then by check. Waived diagnostics are
//! counted on their own rows (`waived`). The summary line follows, as in
//! human output.

use std::collections::BTreeMap;
use std::io;

use super::{Finished, RenderOptions, Renderer, summary_line, unread_note};
use crate::report::{FileReport, Summary};

/// Counts by (check, severity): `severity` is `waived` for a waived one.
type Counts = BTreeMap<(String, String), usize>;

/// `--statistics`, for human and concise output.
pub struct Statistics {
    opts: RenderOptions,
}

impl Statistics {
    pub fn new(opts: &RenderOptions) -> Statistics {
        Statistics { opts: opts.clone() }
    }
}

impl Renderer for Statistics {
    type Part = (Summary, Counts);
    type Document = (Summary, Counts);

    fn start(&self) -> Self::Document {
        (Summary::default(), Counts::new())
    }

    fn part(&self, file: FileReport) -> io::Result<Self::Part> {
        let mut counts = Counts::new();
        for d in file.all_diagnostics() {
            let severity = match d.is_waived() {
                true => "waived".to_string(),
                false => d.severity.to_string(),
            };
            *counts.entry((d.code.clone(), severity)).or_default() += 1;
        }
        Ok((file.summary(), counts))
    }

    fn take(
        &self,
        (summary, counts): &mut Self::Document,
        (file_summary, file_counts): Self::Part,
        _out: &mut dyn io::Write,
    ) -> io::Result<()> {
        summary.add(&file_summary);
        for (key, n) in file_counts {
            *counts.entry(key).or_default() += n;
        }
        Ok(())
    }

    fn finish(
        &self,
        (summary, counts): Self::Document,
        out: &mut dyn io::Write,
    ) -> io::Result<Finished> {
        let mut rows: Vec<((String, String), usize)> = counts.into_iter().collect();
        rows.sort_by(|(a, n), (b, m)| m.cmp(n).then_with(|| a.cmp(b)));
        let listed = !rows.is_empty();
        if listed {
            let width = rows
                .iter()
                .map(|(_, n)| n.to_string().len())
                .max()
                .unwrap_or(0)
                .max("count".len());
            writeln!(out, "{:>width$}  {:<8}  check", "count", "severity")?;
            for ((code, severity), n) in rows {
                writeln!(out, "{n:>width$}  {severity:<8}  {code}")?;
            }
        }
        if !self.opts.quiet {
            if listed {
                writeln!(out)?;
            }
            let note = unread_note(&self.opts);
            writeln!(out, "{}{note}", summary_line(&summary))?;
        }
        Ok(Finished::default())
    }
}
