//! The `signals-standin` binary: prints where it listens, serves, and stops on SIGTERM.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::body;

/// Wait for `child` to exit, at most `limit`; kill it if it does not.
async fn wait_exit(mut child: Child, limit: Duration) -> std::process::ExitStatus {
    let pid = child.id();
    let waited = tokio::task::spawn_blocking(move || {
        let status = child.wait();
        (child, status)
    });
    match tokio::time::timeout(limit, waited).await {
        Ok(joined) => joined.unwrap().1.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
            panic!("signals-standin (pid {pid}) did not exit within {limit:?}");
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_serves_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_signals-standin"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--fail-first",
            "1",
            "--fail-status",
            "502",
        ])
        .env("UNDERWRITE_SIGNALS_KEY", "env-key")
        .env("UNDERWRITE_SIGNALS_SECRET", "env-secret")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let read_line = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).map(|_| (line, reader))
    });
    let (line, mut rest) = tokio::time::timeout(Duration::from_secs(10), read_line)
        .await
        .expect("a line within 10 s")
        .unwrap()
        .unwrap();
    let base = line
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("listening "))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v1"),
        "{base}"
    );

    let client = common::client();
    let url = format!("{base}/beta/signals");
    // The flags and the environment reached the script.
    let first = client
        .post(&url)
        .basic_auth("env-key", Some("env-secret"))
        .body(body("+639170000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 502);
    let second = client
        .post(&url)
        .basic_auth("env-key", Some("env-secret"))
        .body(body("+639170000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 200);
    let (_, answer) = common::json(second).await;
    assert_eq!(answer["data"]["resultCode"], "SUCCESS");
    let refused = client
        .post(&url)
        .basic_auth("standin-key", Some("standin-secret"))
        .body(body("+639170000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let sent = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = wait_exit(child, Duration::from_secs(5)).await;
    assert!(status.success(), "{status:?}");
    // Nothing more was printed.
    let mut more = String::new();
    rest.read_to_string(&mut more).unwrap();
    assert_eq!(more, "");
}

#[tokio::test]
async fn the_binary_refuses_a_non_loopback_address() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_signals-standin"))
        .args(["--listen", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    // A binary that listened instead would never exit: it is killed after 5 s.
    let status = wait_exit(child, Duration::from_secs(5)).await;
    assert_eq!(status.code(), Some(2));
    let mut printed = String::new();
    stdout.read_to_string(&mut printed).unwrap();
    assert_eq!(printed, "");
    let mut complaint = String::new();
    stderr.read_to_string(&mut complaint).unwrap();
    let stderr = complaint;
    assert!(stderr.contains("not loopback"), "{stderr}");
    assert!(stderr.contains("--allow-non-loopback"), "{stderr}");
}
