//! `underwrite serve` as a child process, for the tests that need the real binary: started on a
//! free loopback port (its address read from its `listening` log line), signalled, killed, and
//! killed anyway if a test ends without stopping it.

#![allow(dead_code, clippy::panic)] // Each test file uses part of this; helpers fail loudly.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root (where the binary runs, so `rules/...` resolves).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A JSON file of the repository on one line (numbers keep their text).
pub fn compact(rel: &str) -> String {
    let text = std::fs::read_to_string(repo().join(rel)).expect(rel);
    serde_json::from_str::<Value>(&text).expect(rel).to_string()
}

/// A clean applicant with an exact KYC match, as one line.
pub fn application(id: &str) -> String {
    format!(
        r#"{{"id": "{id}", "signals": {}, "kyc": {}}}"#,
        compact("testdata/signals/clean.json"),
        compact("testdata/kyc/joe-exact.json")
    )
}

/// Spawn `underwrite` with `args` in the repository root; its stderr read line by line on a
/// thread into a channel (so the child never blocks on a full pipe). stderr is a pipe, so the
/// log has no colour codes.
fn spawn(args: &[&str], env: &[(&str, &str)]) -> (Child, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(repo())
        .args(args)
        // A developer's own provider settings must not turn the provider on in these tests.
        .env_remove("UNDERWRITE_SIGNALS_KEY")
        .env_remove("UNDERWRITE_SIGNALS_SECRET")
        .env_remove("UNDERWRITE_SIGNALS_BASE_URL")
        .env_remove("UNDERWRITE_SIGNALS_TEMPLATE")
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("underwrite starts");
    let stderr = child.stderr.take().expect("stderr piped");
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

/// A running `underwrite`, killed if a test ends without stopping it.
pub struct Serve {
    child: Child,
    lines: Receiver<String>,
    /// The stderr lines read so far.
    pub seen: Vec<String>,
    /// Where it listens (once its `listening` line was read).
    pub addr: SocketAddr,
}

impl Serve {
    /// Run `underwrite ARGS` (a `serve` on `127.0.0.1:0`) and wait for its `listening` line.
    pub fn start(args: &[&str]) -> Serve {
        Serve::start_with_env(args, &[])
    }

    /// [`Serve::start`] with these environment variables set.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut serve = Serve::spawn_with_env(args, env);
        let line = serve.wait_for("listening", Duration::from_secs(60));
        let addr = line
            .split_whitespace()
            .find_map(|word| word.strip_prefix("addr="))
            .unwrap_or_else(|| panic!("no addr= in {line:?}"));
        serve.addr = addr.parse().expect("a socket address");
        serve
    }

    /// Run `underwrite ARGS` without waiting for anything.
    pub fn spawn(args: &[&str]) -> Serve {
        Serve::spawn_with_env(args, &[])
    }

    /// [`Serve::spawn`] with these environment variables set.
    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> Serve {
        let (child, lines) = spawn(args, env);
        Serve {
            child,
            lines,
            seen: Vec::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://ADDR/v1/decisions`.
    pub fn decisions_url(&self) -> String {
        format!("http://{}/v1/decisions", self.addr)
    }

    /// The stderr lines read so far, and any waiting, as one text.
    pub fn stderr(&mut self) -> String {
        self.seen.extend(self.lines.try_iter());
        self.seen.join("\n")
    }

    /// The first stderr line (from here on) containing `needle`.
    pub fn wait_for(&mut self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!("no {needle:?} on stderr ({e:?}); saw {:#?}", self.seen),
            }
        }
    }

    /// Send a signal with `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name}");
    }

    /// SIGKILL, and reap.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("killed");
        self.child.wait().expect("reaped");
    }

    /// Wait for the process to exit: its stderr closes, then it is reaped.
    pub fn exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("still running after {within:?}; saw {:#?}", self.seen)
                }
            }
        }
        self.child.wait().expect("reaped")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
