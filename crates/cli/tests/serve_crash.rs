//! `kill -9` under load: every decision the service answered is in its log, the log reads
//! cleanly, and a restart writes a new segment instead of appending to the killed one.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use underwrite_service::decision_log::list_segments;
use underwrite_service::decision_log::read::{read, Entry};

/// Concurrent clients during the load.
const CLIENTS: usize = 8;
/// Decisions answered before the kill.
const ACKED_BEFORE_KILL: usize = 300;
/// The longest the load runs, whatever happens.
const LOAD_LIMIT: Duration = Duration::from_secs(8);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `underwrite serve` as a child process, killed when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    /// Start serving the starter policy on a free loopback port, logging into `dir`, and wait
    /// for its `listening` line.
    fn start(dir: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_underwrite"))
            .current_dir(root())
            .args(["serve", "--policy", "rules/starter.yaml"])
            .args(["--listen", "127.0.0.1:0", "--decision-log"])
            .arg(dir)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (found, listening) = mpsc::channel();
        let lines = Arc::clone(&stderr);
        // Keeps draining stderr for the child's whole life, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let line = strip_ansi(&line);
                if let Some(addr) = listening_addr(&line) {
                    let _ = found.send(addr);
                }
                lines.lock().unwrap().push(line);
            }
        });
        let mut serve = Serve {
            child,
            addr: "127.0.0.1:0".parse().unwrap(),
            stderr,
        };
        match listening.recv_timeout(Duration::from_secs(20)) {
            Ok(addr) => serve.addr = addr,
            Err(_) => panic!(
                "serve did not say where it listens; stderr:\n{}",
                serve.stderr()
            ),
        }
        serve
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    fn url(&self) -> String {
        format!("http://{}/v1/decisions", self.addr)
    }

    /// SIGKILL, and reap.
    fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM (a graceful drain), and wait for a clean exit.
    fn terminate(&mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}; stderr:\n{}", self.stderr());
                return;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The line without ANSI colour sequences (`ESC [ ... m`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The address of serve's `listening addr=...` line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    let rest = &line[line.find("addr=")? + "addr=".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

fn application(id: &str) -> Vec<u8> {
    let signals: Value =
        serde_json::from_slice(&std::fs::read(root().join("testdata/signals/clean.json")).unwrap())
            .unwrap();
    format!(r#"{{"id": "{id}", "signals": {signals}}}"#).into_bytes()
}

/// POST one application; its decision id if answered 200.
async fn decide(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<String, String> {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()));
    }
    let answer: Value = response.json().await.map_err(|e| e.to_string())?;
    Ok(answer["decision_id"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_decision_survives_kill_9_and_a_restart_starts_a_new_segment() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Serve::start(dir.path());

    // Load from several clients; the kill comes once enough decisions have been answered.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(tokio::sync::Notify::new());
    let body = application("load");
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (acked, count, enough) = (Arc::clone(&acked), Arc::clone(&count), Arc::clone(&enough));
        let (url, body) = (first.url(), body.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let started = Instant::now();
            while started.elapsed() < LOAD_LIMIT {
                match decide(&client, &url, body.clone()).await {
                    Ok(id) => {
                        acked.lock().unwrap().push(id);
                        if count.fetch_add(1, Ordering::SeqCst) + 1 == ACKED_BEFORE_KILL {
                            enough.notify_one();
                        }
                    }
                    // The server is gone: this client's load is over.
                    Err(_) => break,
                }
            }
        }));
    }
    if tokio::time::timeout(LOAD_LIMIT, enough.notified())
        .await
        .is_err()
    {
        panic!(
            "only {} decisions answered in {LOAD_LIMIT:?}; stderr:\n{}",
            count.load(Ordering::SeqCst),
            first.stderr()
        );
    }
    first.kill_9();
    for client in clients {
        client.await.unwrap();
    }
    let acked_first: Vec<String> = acked.lock().unwrap().clone();
    assert!(acked_first.len() >= ACKED_BEFORE_KILL);
    let killed_segments: BTreeSet<PathBuf> =
        list_segments(dir.path()).unwrap().into_iter().collect();
    assert!(!killed_segments.is_empty());

    // Restart on the same directory; answer a few more; stop gracefully.
    let mut second = Serve::start(dir.path());
    let client = reqwest::Client::new();
    let mut acked_second = Vec::new();
    for i in 0..20 {
        let id = decide(&client, &second.url(), application(&format!("after-{i}")))
            .await
            .unwrap_or_else(|e| panic!("after restart: {e}; stderr:\n{}", second.stderr()));
        acked_second.push(id);
    }
    second.terminate();

    // The restart wrote only to new segments.
    let all_segments = list_segments(dir.path()).unwrap();
    let new_segments: Vec<PathBuf> = all_segments
        .iter()
        .filter(|s| !killed_segments.contains(*s))
        .cloned()
        .collect();
    assert!(!new_segments.is_empty(), "{all_segments:?}");
    let in_new: BTreeSet<String> = read(&new_segments)
        .unwrap()
        .map(|e| match e.unwrap() {
            Entry::Record { record, .. } => record.decision_id,
            Entry::Torn { at, .. } => panic!("torn line in a cleanly closed segment: {at}"),
        })
        .collect();
    assert_eq!(in_new, acked_second.iter().cloned().collect());

    // The whole log reads cleanly: torn last lines only in the killed process's segments.
    let mut logged: BTreeMap<String, usize> = BTreeMap::new();
    let mut torn = Vec::new();
    for entry in read(&[dir.path().to_path_buf()]).unwrap() {
        match entry.unwrap_or_else(|e| panic!("bad line: {e}")) {
            Entry::Record { record, .. } => *logged.entry(record.decision_id).or_default() += 1,
            Entry::Torn { at, len } => {
                assert!(killed_segments.contains(&at.file), "torn line at {at}");
                torn.push((at, len));
            }
        }
    }
    assert!(torn.len() <= killed_segments.len(), "{torn:?}");
    // Every acknowledged decision is there exactly once.
    for id in acked_first.iter().chain(&acked_second) {
        assert_eq!(logged.get(id), Some(&1), "decision {id}");
    }
    // Nothing is logged twice, acknowledged or not.
    assert!(logged.values().all(|n| *n == 1));
}
