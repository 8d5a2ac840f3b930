//! Every input the user names (manifests, stdin, profiles, `-f` values, `extends:`, the
//! config file, a CA file) is read through here: at most the input limit
//! (`--max-input-bytes`), and only from a regular file or stdin. A device (`/dev/zero`), a
//! FIFO or a socket is refused before a byte is read, a file whose size is over the limit
//! before it is read at all (a sparse 1 GB file costs nothing), and a stream (stdin) is
//! read no further than one byte past the limit.

use crate::escape::printable;
use anyhow::{Context, bail};
use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default limit: the largest document `lint` parses (`manifest::MAX_DOCUMENT_BYTES`);
/// Kubernetes itself accepts objects up to 1.5 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = crate::manifest::MAX_DOCUMENT_BYTES as u64;

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT_BYTES);

/// Set the limit for the rest of the process (`--max-input-bytes`).
pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// The current limit.
pub fn limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// The bytes of the regular file at `path`; `shown` names it in errors.
pub fn file(path: &Path, shown: &str) -> anyhow::Result<Vec<u8>> {
    let shown = printable(shown);
    // Non-blocking, so that opening a FIFO with no writer does not wait forever; the
    // flag changes nothing for a regular file.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("cannot read {shown}"))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("cannot read {shown}"))?;
    if !metadata.is_file() {
        bail!(
            "cannot read {shown}: not a regular file (a directory, device, FIFO or socket); \
             give a file, or `-` to read stdin"
        );
    }
    let limit = limit();
    if metadata.len() > limit {
        bail!(
            "{shown} is {}, more than the input limit of {} (--max-input-bytes)",
            size(metadata.len()),
            size(limit)
        );
    }
    at_most(file, limit, &shown)
}

/// The text of the regular file at `path`, which must be UTF-8.
pub fn text_file(path: &Path, shown: &str) -> anyhow::Result<String> {
    let bytes = file(path, shown)?;
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        let byte = err.as_bytes().get(at).copied().unwrap_or_default();
        anyhow::anyhow!(
            "{}: not UTF-8 text (byte {} is 0x{byte:02X})",
            printable(shown),
            at + 1
        )
    })
}

/// Everything on stdin, up to the limit.
pub fn stdin() -> anyhow::Result<Vec<u8>> {
    at_most(std::io::stdin().lock(), limit(), "stdin")
}

fn at_most(reader: impl Read, limit: u64, shown: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {shown}"))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{shown} holds more than the input limit of {} (--max-input-bytes); nothing was read",
            size(limit)
        );
    }
    Ok(bytes)
}

/// A byte count as people read it.
fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Cursor;

    #[test]
    fn a_stream_is_read_one_byte_past_the_limit_and_no_further() {
        let err = at_most(std::io::repeat(0), 1024, "stdin").unwrap_err();
        assert!(
            err.to_string()
                .contains("more than the input limit of 1024 bytes")
        );
        assert_eq!(
            at_most(Cursor::new(vec![1; 1024]), 1024, "x")
                .unwrap()
                .len(),
            1024
        );
    }

    #[test]
    fn devices_and_folders_are_refused_before_reading() {
        for path in ["/dev/zero", "/dev/null", "/"] {
            let err = file(Path::new(path), path).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{path}: {err}");
        }
    }

    #[test]
    fn a_large_sparse_file_is_refused_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse.yaml");
        let sparse = File::create(&path).unwrap();
        sparse.set_len(1 << 30).unwrap();
        let started = std::time::Instant::now();
        let err = file(&path, "sparse.yaml").unwrap_err().to_string();
        assert!(
            err.contains("sparse.yaml is 1024 MiB, more than the input limit of 16 MiB"),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(size(1536 * 1024), "1.5 MiB");
        assert_eq!(size(10), "10 bytes");
    }
}
