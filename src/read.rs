//! Reading a file or standard input, bounded before a byte is held.
//!
//! Every input ragcheck reads — returns, standard input, rule files, the
//! sample returns of rule tests — comes through here, so that one place
//! decides what may be read and how much of it (SPEC 5):
//!
//! - only a regular file is opened: a FIFO would block for ever, and a
//!   device (`/dev/zero`) never ends, so both are refused from their
//!   metadata, before opening;
//! - a file larger than the limit is refused from its size, without reading
//!   it (a sparse 1 GiB file costs nothing);
//! - at most the limit plus one byte is ever read, so a file that grows
//!   while it is read, or a stream of unknown length, is held to the limit
//!   too.

use std::fs::Metadata;
use std::io::Read;
use std::path::Path;

/// Why an input was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file: what it is instead (`a FIFO (named pipe)`, …).
    NotAFile(&'static str),
    /// More than the limit: its size when known (a file), or `None` for a
    /// stream that went past it.
    TooBig { size: Option<u64>, limit: u64 },
    /// The operating system's error.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotAFile(kind) => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooBig { size, limit } => {
                match size {
                    Some(size) => write!(f, "it is {}", bytes_text(*size))?,
                    None => write!(f, "it holds more than {}", bytes_text(*limit))?,
                }
                write!(f, "; the most ragcheck reads is {}", bytes_text(*limit))
            }
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// A size in words: `64 MiB`, `1.5 GiB`, `700 bytes`.
pub fn bytes_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = KIB * 1024;
    const GIB: u64 = MIB * 1024;
    let (unit, name) = match bytes {
        b if b >= GIB => (GIB, "GiB"),
        b if b >= MIB => (MIB, "MiB"),
        b if b >= KIB => (KIB, "KiB"),
        _ => return format!("{bytes} bytes"),
    };
    let tenths = bytes.saturating_mul(10).div_ceil(unit);
    if tenths % 10 == 0 {
        format!("{} {name}", tenths / 10)
    } else {
        format!("{}.{} {name}", tenths / 10, tenths % 10)
    }
}

/// What a file that is not a regular one is, in words.
fn kind(meta: &Metadata) -> &'static str {
    let ty = meta.file_type();
    if ty.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ty.is_char_device() || ty.is_block_device() {
            return "a device";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Whether `path` is something [`file()`] would refuse to open (a FIFO, a
/// device, a socket): `Some(why)`. A missing path or a folder is `None`.
pub fn refused_kind(path: &Path) -> Option<&'static str> {
    let meta = std::fs::metadata(path).ok()?;
    (!meta.is_file() && !meta.is_dir()).then(|| kind(&meta))
}

/// Read a regular file of at most `limit` bytes.
pub fn file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path, limit)?;
    let capacity = usize::try_from(meta.len().min(limit)).unwrap_or(0);
    bounded(file, limit, capacity)
}

/// Open a regular file of at most `limit` bytes (refused as [`file()`]
/// refuses it), without reading it; with its metadata.
pub fn open_regular(path: &Path, limit: u64) -> Result<(std::fs::File, Metadata), ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind(&meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooBig {
            size: Some(meta.len()),
            limit,
        });
    }
    let file = open(path)?;
    // The path may have been replaced since it was looked at.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind(&meta)));
    }
    Ok((file, meta))
}

/// Open for reading without waiting: a FIFO swapped in after the check
/// would otherwise block the open itself.
#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Read standard input, at most `limit + 1` bytes of it: more than `limit`
/// bytes back means it went past the limit, and the rest is left unread
/// (whoever loads it refuses it for its size).
pub fn stdin(limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Read at most `limit + 1` bytes; more than `limit` is [`ReadError::TooBig`].
pub fn bounded(reader: impl Read, limit: u64, capacity: usize) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooBig { size: None, limit });
    }
    Ok(bytes)
}

/// The identity of a file whatever its name: on Unix its device and inode
/// (one `stat`; a hard link or a symlink is the same file).
#[cfg(unix)]
pub fn identity(meta: &Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// The identity of a path's file, if it exists.
#[cfg(unix)]
pub fn path_identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| identity(&m))
}

/// The identity of a path's file, if it exists: elsewhere its canonical path.
#[cfg(not(unix))]
pub fn path_identity(path: &Path) -> Option<std::path::PathBuf> {
    path.canonicalize().ok()
}

/// The identity of the file standard input reads, when it is a regular file
/// (`ragcheck check - < f.yaml`).
#[cfg(unix)]
pub fn stdin_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    meta.is_file().then(|| identity(&meta))
}

#[cfg(not(unix))]
pub fn stdin_identity() -> Option<std::path::PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(bytes_text(700), "700 bytes");
        assert_eq!(bytes_text(64 << 20), "64 MiB");
        assert_eq!(bytes_text(3 << 29), "1.5 GiB");
        assert_eq!(bytes_text((64 << 20) + 1), "64.1 MiB");
    }

    #[test]
    fn a_stream_is_read_to_the_limit_and_no_further() {
        let endless = std::io::repeat(b'x');
        match bounded(endless, 1000, 0) {
            Err(ReadError::TooBig { size: None, limit }) => assert_eq!(limit, 1000),
            other => panic!("{other:?}"),
        }
        let ok = bounded(&b"abc"[..], 3, 0).unwrap_or_default();
        assert_eq!(ok, b"abc");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_folders_are_refused_unopened() {
        match file(Path::new("/dev/zero"), 10) {
            Err(ReadError::NotAFile(kind)) => assert_eq!(kind, "a device"),
            other => panic!("{other:?}"),
        }
        match file(Path::new("/"), 10) {
            Err(ReadError::NotAFile(kind)) => assert_eq!(kind, "a folder"),
            other => panic!("{other:?}"),
        }
    }
}
