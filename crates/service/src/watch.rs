//! Reloading when a policy file changes (`underwrite serve --watch`).
//!
//! Editors and deployment tools change a file in many ways: written in place (truncate, then one
//! or more writes), written beside it and renamed over it (vim, most editors, `mv`), deleted and
//! created again, or swapped behind a symlink (Kubernetes ConfigMaps). So the watcher watches
//! the files' *directories*, never the files: a watch on a file follows the old inode away when
//! a new one is renamed over it. Then:
//!
//! * **Filter.** Only events naming a policy file count; opening or reading a file does not (the
//!   service's own reads would otherwise wake it). Where a policy path is a symlink, every event
//!   in its directory counts, since the link's target changes by a rename of another name, and
//!   the target's own directory is watched too.
//! * **Debounce.** One save is several events. After the first, the watcher waits until
//!   [`QUIET`] passes without another (or [`MAX_WAIT`] since the first, so a directory that never
//!   settles still gets looked at), then acts once.
//! * **Compare.** It reloads only when a file's bytes differ from what the last load or reload
//!   read ([`Live::changed_on_disk`](crate::live::Live::changed_on_disk)), so a `touch` or an
//!   unchanged save costs nothing.
//! * **Reload** through the same path as SIGHUP and `POST /v1/admin/reload`: the new files go
//!   live only if they load and pass their tests. A half-written or briefly missing file is
//!   refused (the old policy stays, the refusal is logged and counted), and the next event, when
//!   the file is whole again, reloads again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::state::AppState;

/// How long the files must be left alone after an event before the watcher looks at them.
pub const QUIET: Duration = Duration::from_millis(200);

/// The longest the watcher waits after the first event before looking, however busy the
/// directory is.
pub const MAX_WAIT: Duration = Duration::from_secs(2);

/// A policy file's directory could not be watched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The policy path has no file name (`/`, `..`).
    #[error("cannot watch {path} for policy changes: not a file name")]
    NotAFileName {
        /// The path.
        path: String,
    },
    /// The file's directory cannot be resolved (it does not exist, or cannot be read).
    #[error("cannot watch {path} for policy changes: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The system's file watcher refused (no inotify instance or watch left, say).
    #[error("cannot watch {path} for policy changes: {source}")]
    Watcher {
        /// The file or directory.
        path: String,
        /// The watcher's error.
        source: notify::Error,
    },
}

impl WatchError {
    fn watcher(path: &Path, source: notify::Error) -> WatchError {
        WatchError::Watcher {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Start watching the live policy files; the watch ends when `stop` turns true (or its sender
/// is gone). Fails when a file's directory cannot be watched.
pub fn spawn(state: Arc<AppState>, stop: watch::Receiver<bool>) -> Result<(), WatchError> {
    let paths = state.live.paths();
    let targets = Targets::of(&paths)?;
    let (events, received) = mpsc::unbounded_channel();
    let mut watcher = RecommendedWatcher::new(
        move |event: notify::Result<Event>| {
            // The receiver is gone only once the watch has ended.
            let _ = events.send(event);
        },
        notify::Config::default(),
    )
    .map_err(|e| WatchError::watcher(&paths[0], e))?;
    for dir in &targets.dirs {
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|e| WatchError::watcher(dir, e))?;
    }
    tracing::info!(dirs = ?targets.dirs, "watching the policy files");
    tokio::spawn(run(state, watcher, targets, received, stop));
    Ok(())
}

/// The watch loop: collect events, debounce, compare, reload.
async fn run(
    state: Arc<AppState>,
    mut watcher: RecommendedWatcher,
    mut targets: Targets,
    mut received: mpsc::UnboundedReceiver<notify::Result<Event>>,
    mut stop: watch::Receiver<bool>,
) {
    // (first relevant event, last relevant event) since the files were last looked at.
    let mut pending: Option<(Instant, Instant)> = None;
    loop {
        let deadline = pending.map(|(first, last)| (last + QUIET).min(first + MAX_WAIT));
        tokio::select! {
            biased;
            () = stop_requested(&mut stop) => return,
            () = sleep_until(deadline), if deadline.is_some() => {
                pending = None;
                if state.live.changed_on_disk().await {
                    tracing::info!("a policy file changed; reloading");
                    // The outcome is logged and counted by `AppState::reload`.
                    let _ = state.reload().await;
                }
                targets = retarget(&mut watcher, targets, &state.live.paths());
            }
            event = received.recv() => {
                let Some(event) = event else { return };
                if targets.counts(&event) {
                    let now = Instant::now();
                    pending = Some((pending.map_or(now, |(first, _)| first), now));
                }
            }
        }
    }
}

/// Resolves once the service stops (or the handle is gone).
async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}

/// Where the policy files' changes show.
#[derive(Debug, Default, PartialEq, Eq)]
struct Targets {
    /// Directories to watch (canonical, as the events name them).
    dirs: BTreeSet<PathBuf>,
    /// Files whose events count: canonical directory joined with the file's name.
    files: BTreeSet<PathBuf>,
    /// Directories in which every event counts: those holding a policy path that is a symlink.
    every_event_in: BTreeSet<PathBuf>,
}

impl Targets {
    /// The targets of `paths` now (symlinks resolved as they stand).
    fn of(paths: &[PathBuf]) -> Result<Targets, WatchError> {
        let mut targets = Targets::default();
        for path in paths {
            let (dir, name) = dir_and_name(path)?;
            let file = dir.join(name);
            targets.dirs.insert(dir.clone());
            targets.files.insert(file);
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            if is_link {
                targets.every_event_in.insert(dir);
                // The final target may be gone (a dangling link): its directory is then
                // watched from the next change of the link on.
                if let Ok(target) = std::fs::canonicalize(path) {
                    if let Some(dir) = target.parent() {
                        targets.dirs.insert(dir.to_path_buf());
                        targets.files.insert(target);
                    }
                }
            }
        }
        Ok(targets)
    }

    /// Whether an event may have changed a policy file.
    fn counts(&self, event: &notify::Result<Event>) -> bool {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                // A lost or failed watch: look at the files rather than miss a change.
                tracing::warn!(error = %e, "policy file watch error");
                return true;
            }
        };
        if event.need_rescan() {
            return true;
        }
        if let EventKind::Access(kind) = event.kind {
            // Only a close after writing says the content may be new.
            if kind != AccessKind::Close(AccessMode::Write) {
                return false;
            }
        }
        event.paths.iter().any(|path| {
            self.files.contains(path)
                || path
                    .parent()
                    .is_some_and(|dir| self.every_event_in.contains(dir))
        })
    }
}

/// The canonical directory of `path` and its file name.
fn dir_and_name(path: &Path) -> Result<(PathBuf, &std::ffi::OsStr), WatchError> {
    let name = path.file_name().ok_or_else(|| WatchError::NotAFileName {
        path: path.display().to_string(),
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).map_err(|source| WatchError::Directory {
        path: dir.display().to_string(),
        source,
    })?;
    Ok((dir, name))
}

/// Follow symlinked policy files to where they point now: watch new directories, drop old ones.
/// On failure the old targets stay.
fn retarget(watcher: &mut RecommendedWatcher, old: Targets, paths: &[PathBuf]) -> Targets {
    let new = match Targets::of(paths) {
        Ok(new) if new != old => new,
        Ok(_) => return old,
        Err(e) => {
            tracing::warn!(error = %e, "policy files not re-resolved; watching as before");
            return old;
        }
    };
    for dir in new.dirs.difference(&old.dirs) {
        if let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot watch a policy directory");
        }
    }
    for dir in old.dirs.difference(&new.dirs) {
        // Gone already when its directory was deleted; nothing to undo then.
        let _ = watcher.unwatch(dir);
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, ModifyKind, RenameMode};

    fn event(kind: EventKind, paths: &[&Path]) -> notify::Result<Event> {
        let mut event = Event::new(kind);
        for path in paths {
            event = event.add_path(path.to_path_buf());
        }
        Ok(event)
    }

    #[test]
    fn only_changes_to_the_policy_files_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let policy = dir.path().join("policy.yaml");
        std::fs::write(&policy, "x").expect("write");
        let targets = Targets::of(std::slice::from_ref(&policy)).expect("targets");
        let canonical = std::fs::canonicalize(&policy).expect("canonical");
        let other = canonical.with_file_name("policy.yaml.swp");
        let modify = EventKind::Modify(ModifyKind::Any);
        assert!(targets.counts(&event(modify, &[&canonical])));
        assert!(!targets.counts(&event(modify, &[&other])));
        // A rename of a temporary file onto the policy names both.
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert!(targets.counts(&event(renamed, &[&other, &canonical])));
        assert!(targets.counts(&event(EventKind::Create(CreateKind::File), &[&canonical])));
        // Reading the file (the service's own loads) does not count; closing after a write does.
        let open = EventKind::Access(AccessKind::Open(AccessMode::Any));
        assert!(!targets.counts(&event(open, &[&canonical])));
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert!(targets.counts(&event(closed, &[&canonical])));
        // A watch error means a change may have been missed.
        assert!(targets.counts(&Err(notify::Error::generic("overflow"))));
    }

    #[test]
    fn a_symlinked_policy_counts_every_event_in_its_directory_and_watches_its_target() {
        let links = tempfile::tempdir().expect("tempdir");
        let store = tempfile::tempdir().expect("tempdir");
        let real = store.path().join("v1.yaml");
        std::fs::write(&real, "x").expect("write");
        let link = links.path().join("policy.yaml");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let targets = Targets::of(std::slice::from_ref(&link)).expect("targets");
        let links_dir = std::fs::canonicalize(links.path()).expect("canonical");
        let store_dir = std::fs::canonicalize(store.path()).expect("canonical");
        assert_eq!(
            targets.dirs,
            BTreeSet::from([links_dir.clone(), store_dir.clone()])
        );
        let swapped = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        assert!(targets.counts(&event(swapped, &[&links_dir.join("..data")])));
        let modify = EventKind::Modify(ModifyKind::Any);
        assert!(targets.counts(&event(modify, &[&store_dir.join("v1.yaml")])));
        assert!(!targets.counts(&event(modify, &[&store_dir.join("v2.yaml")])));
    }

    #[test]
    fn a_relative_path_in_the_working_directory_is_watched_there() {
        let (dir, name) = dir_and_name(Path::new("policy.yaml")).expect("resolved");
        assert_eq!(dir, std::env::current_dir().expect("cwd"));
        assert_eq!(name, "policy.yaml");
        assert!(matches!(
            dir_and_name(Path::new("/")),
            Err(WatchError::NotAFileName { path }) if path == "/"
        ));
        assert!(matches!(
            dir_and_name(Path::new("/no/such/dir/policy.yaml")),
            Err(WatchError::Directory { path, source })
                if path == "/no/such/dir" && source.kind() == std::io::ErrorKind::NotFound
        ));
    }
}
