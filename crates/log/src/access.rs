//! Who may read the log: the modes of its directory and segment files.
//!
//! A log holds applicants' payloads and KYC outcomes, so by default only the service's own user
//! can read it: segments are created `0600` and the directory `0700`, with those modes at
//! creation (never a looser file chmod-ed afterwards, so there is no moment when another user
//! could open it). [`LogAccess::Group`] lets the service's group read too (`0640` / `0750`),
//! for a log shipper running as another user of that group. The process's umask can only take
//! permissions away from these.
//!
//! An existing directory with permissions beyond the chosen ones (a log directory made by hand,
//! or by an older release, `0755`) is tightened to them when the log opens, and the change is
//! reported ([`ModeChange`]) so the service can say so; if it cannot be tightened (another
//! user's directory), the log does not open. Segments already in it were never written again
//! and are out of other users' reach once the directory is.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::path::Path;

/// Who may read the log's files besides the service's own user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogAccess {
    /// Nobody: files `0600`, the directory `0700` (the default).
    #[default]
    Owner,
    /// The service's group, read-only: files `0640`, the directory `0750`.
    Group,
}

impl LogAccess {
    /// The mode segment files are created with.
    pub fn file_mode(self) -> u32 {
        match self {
            LogAccess::Owner => 0o600,
            LogAccess::Group => 0o640,
        }
    }

    /// The mode the directory is created with, or tightened to.
    pub fn dir_mode(self) -> u32 {
        match self {
            LogAccess::Owner => 0o700,
            LogAccess::Group => 0o750,
        }
    }
}

/// A directory's permissions, tightened when the log opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeChange {
    /// Its permission bits before.
    pub from: u32,
    /// After.
    pub to: u32,
}

/// Create `dir` (and missing parents) with the access's mode, or tighten an existing one; the
/// change, if one was made.
pub(crate) fn prepare_dir(dir: &Path, access: LogAccess) -> io::Result<Option<ModeChange>> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, access.dir_mode());
    builder.create(dir)?;
    tighten(dir, access)
}

#[cfg(unix)]
fn tighten(dir: &Path, access: LogAccess) -> io::Result<Option<ModeChange>> {
    use std::os::unix::fs::PermissionsExt;
    let from = std::fs::metadata(dir)?.permissions().mode() & 0o7777;
    // Only the permission bits: a setgid bit (files inherit the directory's group) stays.
    let to = from & (0o7000 | access.dir_mode());
    if to == from {
        return Ok(None);
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(to))?;
    Ok(Some(ModeChange { from, to }))
}

#[cfg(not(unix))]
fn tighten(_: &Path, _: LogAccess) -> io::Result<Option<ModeChange>> {
    Ok(None)
}

/// Create `path`, which must not exist, with the access's file mode.
pub(crate) fn create_new(path: &Path, access: LogAccess) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, access.file_mode());
    #[cfg(not(unix))]
    let _ = access;
    options.open(path)
}
