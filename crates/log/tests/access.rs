//! The log's files are private from their creation: segments 0600 in a 0700 directory (0640 /
//! 0750 with group access), under the usual umask 022, and an existing directory open to others
//! is tightened.
//!
//! Each case runs in a child process started under `umask 022` (this test binary again, told by
//! an environment variable what to write where), so the umask is known and no other test's
//! process state is touched; the parent checks the modes.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use underwrite_log::{
    DecisionLog, Lines, LogAccess, LogConfig, ModeChange, PhoneMasking, RecordParts,
};

const CHILD: &str = "UNDERWRITE_LOG_TEST_CHILD_DIR";
const ACCESS: &str = "UNDERWRITE_LOG_TEST_CHILD_ACCESS";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

/// In the child: open a log in the directory given, append a line, close; write a plain file
/// beside it as a control of the umask; print a tightening, if any.
fn child(dir: &Path, access: LogAccess) {
    let mut config = LogConfig::new(dir);
    config.access = access;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let log = DecisionLog::open(&config).expect("open");
    std::fs::write(dir.with_extension("control"), b"x").expect("control file");
    if let Some(ModeChange { from, to }) = log.tightened() {
        println!("tightened {from:o} {to:o}");
    }
    let policy = underwrite_core::policy::PolicyId {
        name: "p".to_owned(),
        version: "1".to_owned(),
        hash: "a".repeat(64),
    };
    let parts = RecordParts {
        decision_id: "d-1",
        time: "2026-11-26T09:30:00.000Z",
        policy: &policy,
        arm: underwrite_log::Arm::Champion,
        id: None,
        input_sha256: "b",
        signals: "{}",
        kyc: None,
        decision: underwrite_core::policy::Outcome::Approve,
        score: None,
        reasons: &[],
        latency_us: 1,
        shadow: None,
        signals_fetch: None,
    };
    let line = Lines::one(&parts, &PhoneMasking::Remove).expect("encoded");
    runtime.block_on(async {
        log.append(line).await.expect("logged");
        log.close().await.expect("closed");
    });
}

/// Run the child under umask 022 on `dir`; its stdout.
fn under_umask_022(dir: &Path, access: LogAccess) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"umask 022 && exec "$0" "$@""#)
        .arg(exe)
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD, dir)
        .env(ACCESS, format!("{access:?}"))
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The child's entry: does nothing unless started by `under_umask_022`.
#[test]
fn child_entry() {
    let Some(dir) = std::env::var_os(CHILD) else {
        return;
    };
    let access = match std::env::var(ACCESS).as_deref() {
        Ok("Group") => LogAccess::Group,
        _ => LogAccess::Owner,
    };
    child(Path::new(&dir), access);
}

fn segments(dir: &Path) -> Vec<std::path::PathBuf> {
    let segments = underwrite_log::list_segments(dir).expect("segments");
    assert_eq!(segments.len(), 1, "{segments:?}");
    segments
}

#[test]
fn a_new_log_is_private_under_umask_022() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("new/log");
    let out = under_umask_022(&dir, LogAccess::Owner);
    // The control shows the umask: a file created without a mode is 0644.
    assert_eq!(mode(&dir.with_extension("control")), 0o644);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&segments(&dir)[0]), 0o600);
    // Missing parents are made as private as the log directory.
    assert_eq!(mode(&root.path().join("new")), 0o700);
    assert!(!out.contains("tightened"), "{out}");
}

#[test]
fn group_access_lets_the_group_read_and_no_one_else() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("log");
    under_umask_022(&dir, LogAccess::Group);
    assert_eq!(mode(&dir), 0o750);
    assert_eq!(mode(&segments(&dir)[0]), 0o640);
}

#[test]
fn an_existing_directory_open_to_others_is_tightened_and_never_loosened() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("log");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = under_umask_022(&dir, LogAccess::Owner);
    assert!(out.contains("tightened 755 700"), "{out}");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&segments(&dir)[0]), 0o600);

    // Group access on a directory the owner alone can read: left as it is.
    let dir = root.path().join("private");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let out = under_umask_022(&dir, LogAccess::Group);
    assert!(!out.contains("tightened"), "{out}");
    assert_eq!(mode(&dir), 0o700);

    // A group-writable directory under group access loses the group's write.
    let dir = root.path().join("shared");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o2775)).expect("chmod");
    let out = under_umask_022(&dir, LogAccess::Group);
    assert!(out.contains("tightened 2775 2750"), "{out}");
    assert_eq!(mode(&dir), 0o2750);
}
