//! Policy lifecycle against a service started in-process: reloads by file watching and by the
//! admin route, under load, and refused reloads that never replace the live policy.

#![allow(clippy::panic)] // Test helpers (here and in `fixtures`) panic to fail the test.

mod common;
mod fixtures;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Running;
use fixtures::{
    application, assert_decided_by, decide, fixture, policy, policy_status, policy_until, reload,
    replace_by_rename, sha, Files,
};
use serde_json::Value;
use underwrite_service::{ChallengerMode, PolicyFileError, ReloadError};

fn champion_sha(status: &Value) -> &str {
    status["champion"]["sha256"].as_str().unwrap_or_default()
}

fn failed_reloads(status: &Value) -> u64 {
    status["reloads"]["failed"].as_u64().unwrap_or_default()
}

#[tokio::test]
async fn a_watched_policy_goes_live_when_edited_in_place_or_replaced_by_a_rename() {
    let files = Files::new();
    let mut config = files.config(None);
    config.watch = true;
    let svc = Running::start(config).await;
    let v1 = fixture("champion-v1.yaml");
    let v2 = fixture("champion-v2.yaml");
    assert_eq!(champion_sha(&policy_status(&svc).await), sha(&v1));

    // In place: truncate and write, as `cat > file` or a plain `write` does.
    std::fs::write(&files.champion, &v2).expect("write");
    let status = policy_until(&svc, "v2 live after an in-place edit", |s| {
        champion_sha(s) == sha(&v2)
    })
    .await;
    assert_eq!(status["champion"]["version"], "2");
    let body = application("w-1", 1, 3);
    let (code, answer) = decide(&svc, &body).await;
    assert_eq!(code, 200);
    assert_decided_by(&answer, &policy(&v2), &body);

    // By rename, as most editors save: a new file takes the old one's name.
    let failed_before = failed_reloads(&status);
    let v3 = String::from_utf8(v1.clone())
        .expect("utf-8")
        .replace("version: \"1\"", "version: \"3\"")
        .into_bytes();
    replace_by_rename(&files.champion, &v3);
    let status = policy_until(&svc, "v3 live after a rename", |s| {
        champion_sha(s) == sha(&v3)
    })
    .await;
    assert_eq!(status["champion"]["version"], "3");
    assert_eq!(
        failed_reloads(&status),
        failed_before,
        "a rename never shows a half file"
    );
    assert!(status["reloads"]["last_error"].is_null(), "{status}");
    // One reload per save: the in-place save's several events, once looked at, left the file as
    // the reload had read it, and cost no second reload.
    assert_eq!(status["reloads"]["succeeded"], 2, "{status}");
    let (_, answer) = decide(&svc, &body).await;
    assert_decided_by(&answer, &policy(&v3), &body);
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_broken_edit_leaves_the_old_policy_live_and_the_next_edit_reloads() {
    let files = Files::new();
    let mut config = files.config(None);
    config.watch = true;
    let svc = Running::start(config).await;
    let v1 = fixture("champion-v1.yaml");
    let v2 = fixture("champion-v2.yaml");

    // Half of v2, cut inside a flow mapping: what a reader sees mid-write.
    let cut = String::from_utf8(v2.clone())
        .expect("utf-8")
        .find("cutoffs: { approve: 6")
        .expect("the cut-off line")
        + "cutoffs: { approve: 6".len();
    std::fs::write(&files.champion, &v2[..cut]).expect("write half");
    let status = policy_until(&svc, "the half-written file refused", |s| {
        failed_reloads(s) >= 1
    })
    .await;
    assert_eq!(champion_sha(&status), sha(&v1), "the old policy stays live");
    let error = status["reloads"]["last_error"]
        .as_str()
        .expect("last_error");
    assert!(
        error.starts_with(&format!("{}: ", files.champion.display())),
        "names the file: {error}"
    );
    assert!(
        error.contains("line"),
        "says where the YAML breaks: {error}"
    );
    let body = application("b-1", 1, 3);
    let (code, answer) = decide(&svc, &body).await;
    assert_eq!(code, 200);
    assert_decided_by(&answer, &policy(&v1), &body);

    // The rest of the write arrives: the next event reloads, and the file is whole now.
    std::fs::write(&files.champion, &v2).expect("write whole");
    let status = policy_until(&svc, "v2 live once whole", |s| champion_sha(s) == sha(&v2)).await;
    assert!(status["reloads"]["last_error"].is_null(), "{status}");
    assert!(status["reloads"]["succeeded"].as_u64() >= Some(1));
    let (_, answer) = decide(&svc, &body).await;
    assert_decided_by(&answer, &policy(&v2), &body);

    // Deleted, then put back by another name's rename: refused while missing, live when back.
    let failed = failed_reloads(&status);
    std::fs::remove_file(&files.champion).expect("remove");
    let status = policy_until(&svc, "the missing file refused", |s| {
        failed_reloads(s) > failed
    })
    .await;
    assert_eq!(champion_sha(&status), sha(&v2));
    let error = status["reloads"]["last_error"]
        .as_str()
        .expect("last_error");
    assert!(error.contains("cannot read"), "{error}");
    replace_by_rename(&files.champion, &v1);
    policy_until(&svc, "v1 live once back", |s| champion_sha(s) == sha(&v1)).await;
    svc.server.shutdown().await;
}

/// What the clients of the reload-under-load test saw.
#[derive(Debug, Default)]
struct Seen {
    /// Answers per policy sha.
    by_sha: BTreeMap<String, usize>,
    /// Requests that did not answer 200 with the right decision, as messages.
    failures: Vec<String>,
    /// Slowest answer.
    slowest: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloading_every_100_ms_under_load_fails_no_request_and_mixes_no_policies() {
    let files = Files::new();
    let svc = Arc::new(Running::start(files.config(None)).await);
    let versions = [fixture("champion-v1.yaml"), fixture("champion-v2.yaml")];
    let policies: Arc<BTreeMap<String, underwrite_core::policy::Policy>> = Arc::new(
        versions
            .iter()
            .map(|bytes| (sha(bytes), policy(bytes)))
            .collect(),
    );
    let done = Arc::new(AtomicBool::new(false));

    let mut clients = tokio::task::JoinSet::new();
    for client in 0..6u32 {
        let (svc, policies, done) = (Arc::clone(&svc), Arc::clone(&policies), Arc::clone(&done));
        clients.spawn(async move {
            let mut seen = Seen::default();
            let mut n = 0u32;
            while !done.load(Ordering::Acquire) {
                n += 1;
                let body = application(&format!("c{client}-{n}"), n % 3, n % 4);
                let started = Instant::now();
                let (code, answer) = decide(&svc, &body).await;
                seen.slowest = seen.slowest.max(started.elapsed());
                let hash = answer["policy"]["hash"].as_str().unwrap_or_default();
                match policies.get(hash) {
                    Some(policy) if code == 200 => {
                        assert_decided_by(&answer, policy, &body);
                        *seen.by_sha.entry(hash.to_string()).or_default() += 1;
                    }
                    _ => seen.failures.push(format!("{code}: {answer}")),
                }
            }
            seen
        });
    }
    // A batch client: every line of one batch is decided by one policy.
    let batches = {
        let (svc, policies, done) = (Arc::clone(&svc), Arc::clone(&policies), Arc::clone(&done));
        tokio::spawn(async move {
            let mut batches = 0u32;
            while !done.load(Ordering::Acquire) {
                let lines: Vec<String> = (0..50)
                    .map(|i| application(&format!("b{i}"), i % 3, i % 4))
                    .collect();
                let answers = svc.post_batch(&lines).await;
                assert_eq!(answers.len(), lines.len());
                let hash = answers[0]["decision"]["policy"]["hash"]
                    .as_str()
                    .expect("hash");
                let policy = policies.get(hash).expect("one of the two policies");
                for (answer, body) in answers.iter().zip(&lines) {
                    assert_eq!(
                        answer["decision"]["policy"]["hash"], hash,
                        "one policy per batch"
                    );
                    assert_decided_by(&answer["decision"], policy, body);
                }
                batches += 1;
            }
            batches
        })
    };

    // The reloader: alternate the file and reload every 100 ms for 3 s.
    let started = Instant::now();
    let mut reloads = 0u32;
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    while started.elapsed() < Duration::from_secs(3) {
        ticker.tick().await;
        reloads += 1;
        let next = &versions[(reloads % 2) as usize];
        std::fs::write(&files.champion, next).expect("write");
        let (code, answer) = reload(&svc).await;
        assert_eq!(code, 200, "{answer}");
        assert_eq!(answer["replaced"], true);
        assert_eq!(answer["sha256"], sha(next));
    }
    done.store(true, Ordering::Release);

    let mut total = Seen::default();
    while let Some(seen) = clients.join_next().await {
        let seen = seen.expect("a client finished");
        for (sha, n) in seen.by_sha {
            *total.by_sha.entry(sha).or_default() += n;
        }
        total.failures.extend(seen.failures);
        total.slowest = total.slowest.max(seen.slowest);
    }
    let batches = batches.await.expect("the batch client finished");
    let answered: usize = total.by_sha.values().sum();
    eprintln!(
        "{reloads} reloads in {:?}; {answered} decisions and {batches} batches of 50 answered; \
         by sha {:?}; slowest {:?}",
        started.elapsed(),
        total.by_sha.values().collect::<Vec<_>>(),
        total.slowest
    );
    assert!(total.failures.is_empty(), "{:?}", total.failures);
    assert!(reloads >= 20, "{reloads} reloads");
    assert_eq!(
        total.by_sha.len(),
        2,
        "both policies answered: {:?}",
        total.by_sha
    );
    assert!(answered >= 100, "{answered} decisions");
    assert!(batches >= 2, "{batches} batches");
    let status = policy_status(&svc).await;
    assert_eq!(status["reloads"]["succeeded"], u64::from(reloads));
    assert_eq!(status["reloads"]["failed"], 0);
    let svc = Arc::into_inner(svc).expect("the clients are done");
    svc.server.shutdown().await;
}

/// Breaks the policy file in one way.
type MakeBad<'a> = Box<dyn Fn() + 'a>;

#[tokio::test]
async fn a_bad_reload_never_replaces_the_live_policy() {
    let files = Files::new();
    let svc = Running::start(files.config(None)).await;
    let v1 = fixture("champion-v1.yaml");
    let v2_text = String::from_utf8(fixture("champion-v2.yaml")).expect("utf-8");
    let body = application("bad-1", 1, 3);
    let shown = files.champion.display().to_string();

    // Each bad file, and what its refusal must say.
    let cases: [(&str, MakeBad<'_>, &str); 6] = [
        (
            "does not parse",
            Box::new(|| std::fs::write(&files.champion, "name: [\n").expect("write")),
            "line 2, column 1: YAML syntax error",
        ),
        (
            "has an unknown key",
            Box::new(|| {
                let text = v2_text.replace("when: overdue_30 >= 2", "wen: overdue_30 >= 2");
                std::fs::write(&files.champion, text).expect("write");
            }),
            "unknown field `wen`",
        ),
        (
            "reads an unknown feature",
            Box::new(|| {
                let text = v2_text.replace("when: overdue_30 >= 2", "when: overdue_31 >= 2");
                std::fs::write(&files.champion, text).expect("write");
            }),
            "overdue_31",
        ),
        (
            "loads but one of its tests fails",
            Box::new(|| {
                let text = v2_text.replace(
                    "expect: { decision: approve, reasons: [], score: 660 }",
                    "expect: { decision: approve, reasons: [], score: 999 }",
                );
                std::fs::write(&files.champion, text).expect("write");
            }),
            "1 of 2 policy test(s) failed: three repayments and no overdue approve: ",
        ),
        (
            "deleted",
            Box::new(|| std::fs::remove_file(&files.champion).expect("remove")),
            "cannot read",
        ),
        (
            "a directory in its place",
            Box::new(|| std::fs::create_dir(&files.champion).expect("mkdir")),
            "not a regular file",
        ),
    ];
    for (n, (what, make_bad, says)) in cases.iter().enumerate() {
        make_bad();
        let (code, answer) = reload(&svc).await;
        assert_eq!(code, 409, "{what}: {answer}");
        assert_eq!(answer["type"], "urn:underwrite:problem:reload-refused");
        assert_eq!(answer["at"], shown.as_str(), "{what}");
        let error = answer["detail"].as_str().expect("detail");
        assert!(
            error.starts_with(&format!("{shown}: ")) && error.contains(says),
            "{what}: {error}"
        );
        let status = policy_status(&svc).await;
        assert_eq!(champion_sha(&status), sha(&v1), "{what}");
        assert_eq!(status["reloads"]["failed"], n as u64 + 1, "{what}");
        assert_eq!(status["reloads"]["succeeded"], 0, "{what}");
        assert_eq!(status["reloads"]["last_error"], error, "{what}");
        let (code, decided) = decide(&svc, &body).await;
        assert_eq!(code, 200, "{what}");
        assert_decided_by(&decided, &policy(&v1), &body);
        if files.champion.is_dir() {
            std::fs::remove_dir(&files.champion).expect("rmdir");
        }
    }
    // A good file after all that goes live, and the refusal is no longer reported.
    std::fs::write(&files.champion, &v2_text).expect("write");
    let (code, answer) = reload(&svc).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["sha256"], sha(v2_text.as_bytes()));
    let status = policy_status(&svc).await;
    assert_eq!(status["reloads"]["succeeded"], 1);
    assert!(status["reloads"]["last_error"].is_null(), "{status}");
    assert!(status["reloads"]["last_at"].is_string());

    // The handle SIGHUP uses says the same.
    let reloader = svc.server.reloader();
    assert_eq!(reloader.reload().await, Ok(sha(v2_text.as_bytes())));
    std::fs::write(&files.champion, "name: [\n").expect("write");
    let refused = reloader.reload().await.expect_err("refused");
    // A typed refusal: the file and the load error's diagnostics, not a message to search.
    let ReloadError::Refused {
        first: PolicyFileError::Invalid { path, error },
        second: None,
    } = &refused
    else {
        panic!("the broken champion is named: {refused}");
    };
    assert_eq!(path, &shown);
    assert!(!error.diagnostics.is_empty(), "{refused}");
    assert_eq!(refused.first_file(), Some(shown.as_str()));
    assert!(
        refused.to_string().starts_with(&format!("{shown}: ")),
        "{refused}"
    );
    assert_eq!(
        champion_sha(&policy_status(&svc).await),
        sha(v2_text.as_bytes())
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_bad_challenger_refuses_the_whole_reload_and_both_files_are_named() {
    let files = Files::new();
    let svc = Running::start(files.config(Some(ChallengerMode::Shadow))).await;
    let v1 = fixture("champion-v1.yaml");
    let challenger = fixture("challenger.yaml");
    // The champion changes to a good v2, but the challenger's test breaks: nothing changes.
    std::fs::write(&files.champion, fixture("champion-v2.yaml")).expect("write");
    let broken = String::from_utf8(challenger.clone())
        .expect("utf-8")
        .replace("score: 630 }", "score: 631 }");
    std::fs::write(&files.challenger, broken).expect("write");
    let (code, answer) = reload(&svc).await;
    assert_eq!(code, 409, "{answer}");
    assert_eq!(answer["at"], files.challenger.display().to_string());
    let error = answer["detail"].as_str().expect("detail");
    assert!(
        error.starts_with(&format!(
            "{}: 1 of 2 policy test(s) failed: one repayment",
            files.challenger.display()
        )),
        "{error}"
    );
    let status = policy_status(&svc).await;
    assert_eq!(
        champion_sha(&status),
        sha(&v1),
        "the champion did not move alone"
    );
    assert_eq!(status["challenger"]["sha256"], sha(&challenger));
    assert_eq!(status["reloads"]["last_error"], error);
    let body = application("ch-1", 1, 1);
    let (code, decided) = decide(&svc, &body).await;
    assert_eq!(code, 200);
    assert_decided_by(&decided, &policy(&v1), &body);

    // Both bad: both named, champion first.
    std::fs::write(&files.champion, "name: [\n").expect("write");
    let (code, answer) = reload(&svc).await;
    assert_eq!(code, 409);
    assert_eq!(answer["at"], files.champion.display().to_string());
    let error = answer["detail"].as_str().expect("detail");
    let (first, second) = error.split_once("; ").expect("two errors");
    assert!(
        first.starts_with(&files.champion.display().to_string()),
        "{error}"
    );
    assert!(
        second.starts_with(&files.challenger.display().to_string()),
        "{error}"
    );
    svc.server.shutdown().await;
}
