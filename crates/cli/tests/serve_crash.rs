//! `kill -9` under load: every decision the service answered is in its log, the log reads
//! cleanly, and a restart writes a new segment instead of appending to the killed one.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use underwrite_log::list_segments;
use underwrite_log::read::{read, Entry};

/// Concurrent clients during the load.
const CLIENTS: usize = 8;
/// Decisions answered before the kill.
const ACKED_BEFORE_KILL: usize = 300;
/// The longest the load runs, whatever happens.
const LOAD_LIMIT: Duration = Duration::from_secs(8);

mod common;

use common::{application, Serve};

/// Serve the starter policy on a free loopback port, logging into `dir`.
fn serve(dir: &Path) -> Serve {
    let dir = dir.display().to_string();
    Serve::start(&[
        "serve",
        "--policy",
        "rules/starter.yaml",
        "--listen",
        "127.0.0.1:0",
        "--decision-log",
        &dir,
    ])
}

/// SIGTERM (a graceful drain), and a clean exit.
fn terminate(serve: &mut Serve) {
    serve.signal("TERM");
    let status = serve.exit(Duration::from_secs(20));
    assert!(status.success(), "{status}; stderr:\n{}", serve.stderr());
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
    let mut first = serve(dir.path());

    // Load from several clients; the kill comes once enough decisions have been answered.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(tokio::sync::Notify::new());
    let body = application("load").into_bytes();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (acked, count, enough) = (Arc::clone(&acked), Arc::clone(&count), Arc::clone(&enough));
        let (url, body) = (first.decisions_url(), body.clone());
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
    let mut second = serve(dir.path());
    let client = reqwest::Client::new();
    let mut acked_second = Vec::new();
    for i in 0..20 {
        let id = decide(
            &client,
            &second.decisions_url(),
            application(&format!("after-{i}")).into_bytes(),
        )
        .await
        .unwrap_or_else(|e| panic!("after restart: {e}; stderr:\n{}", second.stderr()));
        acked_second.push(id);
    }
    terminate(&mut second);

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
