//! `underwrite serve` as a real child process: SIGTERM drains the requests in flight and the
//! process exits 0; a service that cannot start exits 2 with one line naming the file or address.
//!
//! Requests are written by hand on `std::net::TcpStream`s so the test controls exactly how much
//! of each request the server has when SIGTERM arrives. Requests "in flight" are made so
//! deterministically: each sends `Expect: 100-continue` and waits for the server's `100
//! Continue`, which hyper sends only once the handler reads the body.
#![allow(clippy::panic)] // Helpers fail the test the way assertions do.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::{application, Serve};

fn starter() -> String {
    common::repo()
        .join("rules/starter.yaml")
        .display()
        .to_string()
}

/// One HTTP/1.1 response.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// Read one response (1xx included) off `stream`, keeping what follows in `buf`. Its body has a
/// `Content-Length`, or is chunked (the batch route streams its answer) and read to its last
/// chunk.
fn read_answer(stream: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Answer> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let status: u16 = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| io::Error::other(format!("bad head {head:?}")))?;
            if head
                .to_ascii_lowercase()
                .contains("\r\ntransfer-encoding: chunked")
            {
                buf.drain(..end + 4);
                let body = read_chunks(stream, buf)?;
                return Ok(Answer { status, body });
            }
            let length = if status < 200 {
                0
            } else {
                lines
                    .filter_map(|l| l.split_once(':'))
                    .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| io::Error::other(format!("no content-length: {head}")))?
            };
            while buf.len() < end + 4 + length {
                read_more(stream, buf)?;
            }
            let body = buf[end + 4..end + 4 + length].to_vec();
            buf.drain(..end + 4 + length);
            return Ok(Answer { status, body });
        }
        read_more(stream, buf)?;
    }
}

/// A chunked body's data, read from `buf` and then `stream` up to its last chunk.
fn read_chunks(stream: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let eol = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            read_more(stream, buf)?;
        };
        let size = std::str::from_utf8(&buf[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .ok_or_else(|| io::Error::other("bad chunk size"))?;
        while buf.len() < eol + 2 + size + 2 {
            read_more(stream, buf)?;
        }
        body.extend_from_slice(&buf[eol + 2..eol + 2 + size]);
        buf.drain(..eol + 2 + size + 2);
        if size == 0 {
            return Ok(body);
        }
    }
}

fn read_more(stream: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk)?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn read_final(stream: &mut impl Read, buf: &mut Vec<u8>) -> Answer {
    loop {
        let answer = read_answer(stream, buf).expect("an answer");
        if answer.status >= 200 {
            return answer;
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connects");
    // A hang fails the test instead of blocking it.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout set");
    stream
}

/// A request whose handler is reading its body (the server said `100 Continue`), with `sent`
/// bytes of its body written and the rest still to come.
struct InFlight {
    stream: TcpStream,
    buf: Vec<u8>,
    rest: Vec<u8>,
}

impl InFlight {
    fn open(addr: SocketAddr, path: &str, media: &str, body: &[u8]) -> InFlight {
        let mut stream = connect(addr);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: {media}\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("head sent");
        let mut buf = Vec::new();
        let interim = read_answer(&mut stream, &mut buf).expect("an interim answer");
        assert_eq!(interim.status, 100, "{path}");
        let half = body.len() / 2;
        stream.write_all(&body[..half]).expect("half the body sent");
        InFlight {
            stream,
            buf,
            rest: body[half..].to_vec(),
        }
    }

    fn finish(mut self) -> Answer {
        self.stream.write_all(&self.rest).expect("the rest sent");
        read_final(&mut self.stream, &mut self.buf)
    }
}

/// Every line of every file in `dir`.
fn log_lines(dir: &Path) -> Vec<Value> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir).expect("log dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).expect("log file");
            lines.extend(
                text.lines()
                    .map(|l| serde_json::from_str::<Value>(l).expect("a JSON log line")),
            );
        }
    }
    lines
}

#[test]
fn sigterm_drains_the_requests_in_flight_then_exits_0() {
    let log = tempfile::tempdir().expect("temp dir");
    let log_dir = log.path().display().to_string();
    let policy = starter();
    let mut svc = Serve::start(&[
        "serve",
        "--policy",
        &policy,
        "--listen",
        "127.0.0.1:0",
        "--decision-log",
        &log_dir,
        "--header-timeout",
        "20",
    ]);
    let addr = svc.addr;
    // A connection that has sent part of a `/readyz` head: it is open and busy when the drain
    // begins, so it is answered (and then closed).
    let mut ready = connect(addr);
    ready
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: test\r\n")
        .expect("half a head sent");
    // A decision and a 200-line batch, each inside its handler with half its body received.
    let one = InFlight::open(
        addr,
        "/v1/decisions",
        "application/json",
        application("solo").as_bytes(),
    );
    let lines: String = (0..200)
        .map(|i| application(&format!("b{i}")) + "\n")
        .collect();
    let batch = InFlight::open(
        addr,
        "/v1/decisions/batch",
        "application/x-ndjson",
        lines.as_bytes(),
    );

    let signalled = Instant::now();
    svc.signal("TERM");
    svc.wait_for("stopped accepting", Duration::from_secs(10));
    // The listener is closed: a new connection is refused.
    let refused = TcpStream::connect(addr).expect_err("a new connection after the drain began");
    assert_eq!(
        refused.kind(),
        io::ErrorKind::ConnectionRefused,
        "{refused}"
    );

    // The open connection learns the service is draining.
    ready.write_all(b"\r\n").expect("head finished");
    let mut buf = Vec::new();
    let readiness = read_final(&mut ready, &mut buf);
    assert_eq!(readiness.status, 503);
    let readiness: Value = serde_json::from_slice(&readiness.body).expect("json");
    assert_eq!(readiness["status"], "draining");

    // The requests in flight are answered in full.
    let answer = one.finish();
    assert_eq!(answer.status, 200);
    let decision: Value = serde_json::from_slice(&answer.body).expect("json");
    assert_eq!(decision["decision"], "approve");
    assert_eq!(decision["id"], "solo");
    let answer = batch.finish();
    assert_eq!(answer.status, 200);
    let text = String::from_utf8(answer.body).expect("utf-8");
    let decided: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(decided.len(), 200);
    for (i, line) in decided.iter().enumerate() {
        assert_eq!(line["id"], format!("b{i}").as_str());
        assert_eq!(line["decision"]["decision"], "approve", "{line}");
    }

    // Then the process stops by itself, cleanly, as soon as nothing is in flight: well before
    // the 30 s drain timeout would have stopped it anyway.
    let status = svc.exit(Duration::from_secs(30));
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "{:#?}", svc.seen);
    assert!(
        took < Duration::from_secs(10),
        "exited {took:?} after SIGTERM"
    );
    eprintln!("exited {took:?} after SIGTERM");
    assert!(svc.seen.iter().any(|l| l.contains("stopped")));

    // Every decision answered during the drain is in the log.
    let logged = log_lines(log.path());
    let mut ids: Vec<&str> = logged.iter().filter_map(|r| r["id"].as_str()).collect();
    ids.sort_unstable();
    let mut expected: Vec<String> = (0..200).map(|i| format!("b{i}")).collect();
    expected.push("solo".to_string());
    expected.sort_unstable();
    assert_eq!(ids, expected);
}

/// Run `underwrite` with `args` to its exit (within 60 s): status and stderr lines.
fn run_to_exit(args: &[&str]) -> (ExitStatus, Vec<String>) {
    let mut serve = Serve::spawn(args);
    let status = serve.exit(Duration::from_secs(60));
    (status, std::mem::take(&mut serve.seen))
}

#[test]
fn a_policy_that_cannot_be_served_exits_2_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "name: broken\nrules: [\n").expect("written");
    let missing = dir.path().join("missing.yaml");
    for (file, why) in [(&broken, "YAML syntax error"), (&missing, "cannot read")] {
        let file = file.display().to_string();
        let (status, stderr) =
            run_to_exit(&["serve", "--policy", &file, "--listen", "127.0.0.1:0"]);
        assert_eq!(status.code(), Some(2), "{file}: {stderr:#?}");
        assert_eq!(stderr.len(), 1, "one line: {stderr:#?}");
        assert!(
            stderr[0].starts_with(&format!("underwrite: {file}: ")) && stderr[0].contains(why),
            "{:?}",
            stderr[0]
        );
    }
}

#[test]
fn a_port_in_use_exits_2_with_one_line_naming_the_address() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("its address").to_string();
    let policy = starter();
    let (status, stderr) = run_to_exit(&["serve", "--policy", &policy, "--listen", &addr]);
    assert_eq!(status.code(), Some(2), "{stderr:#?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:#?}");
    assert!(
        stderr[0].starts_with(&format!("underwrite: cannot listen on {addr}: ")),
        "{:?}",
        stderr[0]
    );
    drop(taken);
}

#[test]
fn a_batch_memory_budget_below_one_batch_s_share_exits_2_naming_both_flags() {
    let policy = starter();
    // One batch's share with the default --max-line-bytes (1 MiB): 4 x 2 MiB + 2 MiB = 10 MiB.
    let (status, stderr) = run_to_exit(&[
        "serve",
        "--policy",
        &policy,
        "--listen",
        "127.0.0.1:0",
        "--batch-memory",
        "1K",
    ]);
    assert_eq!(status.code(), Some(2), "{stderr:#?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:#?}");
    assert!(
        stderr[0]
            .starts_with("underwrite: --batch-memory 1 KiB is less than one batch's share, 10 MiB"),
        "{:?}",
        stderr[0]
    );
    assert!(stderr[0].contains("--max-line-bytes"), "{:?}", stderr[0]);
    // A long --max-line-bytes raises the share past the default budget (64 MiB): refused too,
    // where the budget was raised without a word before.
    let (status, stderr) = run_to_exit(&[
        "serve",
        "--policy",
        &policy,
        "--listen",
        "127.0.0.1:0",
        "--max-line-bytes",
        "64M",
    ]);
    assert_eq!(status.code(), Some(2), "{stderr:#?}");
    assert!(
        stderr[0].starts_with(
            "underwrite: --batch-memory 64 MiB is less than one batch's share, 262 MiB"
        ),
        "{:?}",
        stderr[0]
    );
}
