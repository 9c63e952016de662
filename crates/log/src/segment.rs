//! Segment files: their names, creating one, and listing a directory's in order.
//!
//! A segment is named `decisions-<UTC time it was opened>-<sequence>.jsonl`, e.g.
//! `decisions-20261126T093000.123Z-000001.jsonl`: fixed-width fields, so names sort as the
//! segments were opened (the sequence orders segments opened in the same millisecond; ordering
//! across processes relies on the clock not going backwards). A segment is created with
//! `create_new`: an existing file is never appended to, so a torn tail left by a crash stays the
//! last bytes of its own segment. Its mode is the log's [`LogAccess`] from the start.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::access::{create_new, LogAccess};

/// The start of every segment's name.
pub const PREFIX: &str = "decisions-";
/// The end of every segment's name.
pub const SUFFIX: &str = ".jsonl";

/// Whether `name` is a segment's file name.
pub fn is_segment_name(name: &str) -> bool {
    name.starts_with(PREFIX) && name.ends_with(SUFFIX) && name.len() > PREFIX.len() + SUFFIX.len()
}

/// `decisions-20261126T093000.123Z-000001.jsonl`.
pub fn name(at: SystemTime, seq: u32) -> String {
    let stamp: String = humantime::format_rfc3339_millis(at)
        .to_string()
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    format!("{PREFIX}{stamp}-{seq:06}{SUFFIX}")
}

/// Names segments for one writer: the time never goes back within a process, and the
/// sequence grows with every segment.
#[derive(Debug)]
pub struct Namer {
    last: SystemTime,
    seq: u32,
}

impl Namer {
    /// A namer whose first segment is numbered 1.
    pub fn new() -> Namer {
        Namer {
            last: SystemTime::UNIX_EPOCH,
            seq: 0,
        }
    }

    /// Create the next segment in `dir` (never an existing file) with `access`'s mode. With
    /// `durable`, the directory is synced too, so the new file's name survives a power loss
    /// along with its data.
    pub fn create(
        &mut self,
        dir: &Path,
        access: LogAccess,
        durable: bool,
    ) -> io::Result<(File, PathBuf)> {
        self.last = self.last.max(SystemTime::now());
        // Another process may have opened a segment in the same millisecond: try the next
        // sequence numbers a few times before giving up.
        let mut last_error = None;
        for _ in 0..16 {
            self.seq = self.seq.wrapping_add(1);
            let path = dir.join(name(self.last, self.seq));
            match create_new(&path, access) {
                Ok(file) => {
                    if durable {
                        File::open(dir)?.sync_all()?;
                    }
                    return Ok((file, path));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no free segment name")))
    }
}

/// The segments of `dir`, in order (by name). Other files are not segments and are left out.
pub fn list(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_segment_name(&name) && entry.file_type()?.is_file() {
            names.push(name);
        }
    }
    names.sort_unstable();
    Ok(names.into_iter().map(|n| dir.join(n)).collect())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn names_sort_as_time_and_sequence() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_685_400_123);
        assert_eq!(name(t, 1), "decisions-20261126T093000.123Z-000001.jsonl");
        let later = t + Duration::from_millis(1);
        let mut names = [name(later, 1), name(t, 2), name(t, 1)];
        names.sort_unstable();
        assert_eq!(names, [name(t, 1), name(t, 2), name(later, 1)]);
        assert!(is_segment_name(&names[0]));
        assert!(!is_segment_name("decisions-.jsonl"));
        assert!(!is_segment_name("notes.jsonl"));
    }

    #[test]
    fn created_segments_are_new_files_listed_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("README"), "not a segment").expect("write");
        let mut namer = Namer::new();
        let (_, first) = namer
            .create(dir.path(), LogAccess::Owner, true)
            .expect("create");
        let (_, second) = namer
            .create(dir.path(), LogAccess::Group, false)
            .expect("create");
        assert_ne!(first, second);
        assert_eq!(list(dir.path()).expect("list"), [first, second]);
    }
}
