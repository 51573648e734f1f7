//! A spool for streamed output: bytes rendered file by file as reports
//! arrive, held until the renderer knows what goes before them (JSON's
//! summary, JUnit's totals) and then copied out in one go.
//!
//! The bytes go to a temporary file of our own, removed when the spool is
//! dropped, so memory stays flat however large the output; if no temporary
//! file can be made, they are kept in memory instead.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

/// Bytes written now, copied out later by [`Spool::copy_to`].
pub(crate) struct Spool {
    store: Store,
}

enum Store {
    File(PathBuf, BufWriter<File>),
    Memory(Vec<u8>),
}

impl Spool {
    /// A new, empty spool; `kind` names what it holds (`json`, `xml`) in
    /// the temporary file's name.
    pub(crate) fn new(kind: &str) -> Spool {
        let store = spool_file(kind)
            .map(|(path, file)| Store::File(path, BufWriter::with_capacity(1 << 20, file)))
            .unwrap_or(Store::Memory(Vec::new()));
        Spool { store }
    }

    /// Add bytes at the end.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.store {
            Store::File(_, w) => w.write_all(bytes),
            Store::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Write everything spooled so far to `out`.
    pub(crate) fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match &mut self.store {
            Store::File(path, w) => {
                w.flush()?;
                // In large reads: the spool of a national collection is
                // hundreds of megabytes (`io::copy` writes straight from a
                // `BufReader`'s buffer).
                let mut f = BufReader::with_capacity(1 << 20, File::open(&*path)?);
                io::copy(&mut f, out).map(|_| ())
            }
            Store::Memory(v) => out.write_all(v),
        }
    }

    /// [`Spool::copy_to`], a line at a time, each line (with its line
    /// break) replaced by what `edit` makes of it, if anything.
    pub(crate) fn copy_lines_to(
        &mut self,
        out: &mut dyn Write,
        edit: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> io::Result<()> {
        let mut put = |line: &[u8]| match edit(line) {
            Some(edited) => out.write_all(&edited),
            None => out.write_all(line),
        };
        match &mut self.store {
            Store::File(path, w) => {
                w.flush()?;
                let mut f = BufReader::with_capacity(1 << 20, File::open(&*path)?);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    if f.read_until(b'\n', &mut line)? == 0 {
                        return Ok(());
                    }
                    put(&line)?;
                }
            }
            Store::Memory(v) => v.split_inclusive(|&b| b == b'\n').try_for_each(put),
        }
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Store::File(path, _) = &self.store {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A new temporary file of our own: `ragcheck-PID-NANOS-N.KIND.part`.
fn spool_file(kind: &str) -> Option<(PathBuf, File)> {
    let dir = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    for attempt in 0..8u32 {
        let path = dir.join(format!(
            "ragcheck-{}-{nanos}-{attempt}.{kind}.part",
            std::process::id()
        ));
        if let Ok(file) = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            return Some((path, file));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    // A test fails by panicking: expect is how it says why.
    #![allow(clippy::expect_used, clippy::unwrap_used)]

    use super::*;

    #[test]
    fn what_goes_in_comes_out_and_the_file_goes_away() {
        let in_memory = Spool {
            store: Store::Memory(Vec::new()),
        };
        for mut spool in [Spool::new("test"), in_memory] {
            let path = match &spool.store {
                Store::File(path, _) => Some(path.clone()),
                Store::Memory(_) => None,
            };
            spool.write_all(b"one, ").unwrap();
            spool.write_all(&[b'x'; 3 << 20]).unwrap();
            spool.write_all(b", two").unwrap();
            let mut out = Vec::new();
            spool.copy_to(&mut out).unwrap();
            assert_eq!(out.len(), 10 + (3 << 20));
            assert!(out.starts_with(b"one, x") && out.ends_with(b"x, two"));
            let mut edited = Vec::new();
            spool.copy_lines_to(&mut edited, &mut |_| None).unwrap();
            assert_eq!(edited, out);
            spool.write_all(b"\nthree\none more").unwrap();
            edited.clear();
            spool
                .copy_lines_to(&mut edited, &mut |line| {
                    (line == b"one more").then(|| b"four".to_vec())
                })
                .unwrap();
            assert!(edited.ends_with(b"x, two\nthree\nfour"));
            drop(spool);
            if let Some(path) = path {
                assert!(!path.exists(), "{} is left behind", path.display());
            }
        }
    }
}
