//! The service at its edges, against raw TCP clients: a client that trickles its headers or its
//! body is cut by the timeouts without starving anyone else, and a body far over the cap is
//! refused without being held.
//!
//! What the server does after refusing or cutting a request whose body it did not read: it
//! answers, then closes the connection (hyper reads no further than it must and does not keep a
//! connection whose request body is unread). The tests assert that close.
#![allow(clippy::panic)] // Helpers fail the test the way assertions do.

mod common;

use std::io;
use std::time::{Duration, Instant};

use common::{application, starter_config, Running};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use underwrite_service::Config;

/// The starter policy with short timeouts, so the tests see them fire.
fn timed(header: Duration, request: Duration) -> Config {
    let mut config = starter_config();
    config.limits.header_timeout = header;
    config.limits.request_timeout = request;
    config
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One HTTP/1.1 response as read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Whether the body was whole: a chunked body cut off before its last (empty) chunk is not.
    complete: bool,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as a problem: asserts the media type.
    fn problem(&self) -> Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "status {}",
            self.status
        );
        serde_json::from_slice(&self.body).expect("problem json")
    }
}

/// Read one response (interim 1xx ones included) from `stream`, keeping what follows it in
/// `buf`. The body has a `Content-Length`, or is chunked (the batch route's); a chunked body the
/// connection ends before its last chunk is returned as read, not `complete`.
async fn read_answer(
    stream: &mut (impl AsyncRead + Unpin),
    buf: &mut Vec<u8>,
) -> io::Result<Answer> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let status_line = lines.next().unwrap_or_default();
            let status: u16 = status_line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| io::Error::other(format!("bad status line {status_line:?}")))?;
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            buf.drain(..end + 4);
            let chunked = headers
                .iter()
                .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
            if chunked {
                let (body, complete) = read_chunked(stream, buf).await;
                return Ok(Answer {
                    status,
                    headers,
                    body,
                    complete,
                });
            }
            let length = if (100..200).contains(&status) {
                0
            } else {
                headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse::<usize>().ok())
                    .ok_or_else(|| io::Error::other(format!("no content-length: {head}")))?
            };
            while buf.len() < length {
                read_more(stream, buf).await?;
            }
            let body = buf.drain(..length).collect();
            return Ok(Answer {
                status,
                headers,
                body,
                complete: true,
            });
        }
        read_more(stream, buf).await?;
    }
}

/// A chunked body from `buf` and then `stream`: its data, and whether its last chunk came
/// before the connection ended (or broke).
async fn read_chunked(stream: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if read_more(stream, buf).await.is_err() {
                return (body, false);
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size line {size_text:?}"));
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            if read_more(stream, buf).await.is_err() {
                body.extend_from_slice(&buf[..size.min(buf.len())]);
                return (body, false);
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
        if size == 0 {
            return (body, true);
        }
    }
}

async fn read_more(stream: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("closed after {} byte(s)", buf.len()),
        ));
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// Read a final (non-1xx) response.
async fn read_final(stream: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> Answer {
    loop {
        let answer = read_answer(stream, buf).await.expect("an answer");
        if answer.status >= 200 {
            return answer;
        }
    }
}

/// Whether the server has closed the connection: reads to its end (an orderly close or a reset
/// both count), failing if it sends anything more or keeps it open past `within`.
async fn assert_closed(stream: &mut (impl AsyncRead + Unpin), within: Duration) {
    let mut rest = Vec::new();
    match tokio::time::timeout(within, stream.read_to_end(&mut rest)).await {
        Err(_) => panic!("the connection is still open after {within:?}"),
        Ok(Ok(_)) => assert!(
            rest.is_empty(),
            "more bytes after the answer: {:?}",
            String::from_utf8_lossy(&rest)
        ),
        Ok(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}"),
    }
}

/// Write `bytes` one at a time, one every `every`, until all are sent or a write fails. Returns
/// how many were sent.
async fn trickle(mut write: OwnedWriteHalf, bytes: Vec<u8>, every: Duration) -> usize {
    let mut tick = tokio::time::interval(every);
    for (sent, byte) in bytes.iter().enumerate() {
        tick.tick().await;
        if write.write_all(&[*byte]).await.is_err() {
            return sent;
        }
    }
    bytes.len()
}

/// A decision request's head (without its body), with `extra` header lines.
fn decision_head(length: usize, extra: &str) -> Vec<u8> {
    format!(
        "POST /v1/decisions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n{extra}\r\n"
    )
    .into_bytes()
}

fn clean_application() -> Vec<u8> {
    application(
        "edge",
        "testdata/signals/clean.json",
        Some("testdata/kyc/joe-exact.json"),
    )
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_at_the_header_timeout() {
    let svc = Running::start(timed(ms(1000), ms(2000))).await;
    let stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    let started = Instant::now();
    let (mut read, write) = stream.into_split();
    // 120+ bytes at two a second: the head would take a minute.
    let head = decision_head(10, "");
    let total = head.len();
    let writer = tokio::spawn(trickle(write, head, ms(500)));
    // hyper answers nothing to a head that never completes: it closes the connection.
    assert_closed(&mut read, Duration::from_secs(10)).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= ms(900) && elapsed < ms(2500),
        "cut after {elapsed:?}, the header timeout is 1 s"
    );
    let sent = writer.await.expect("writer");
    assert!(sent < total, "the whole head went through ({sent} bytes)");
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_client_trickling_its_body_is_cut_at_the_request_timeout_with_a_408_problem() {
    let svc = Running::start(timed(ms(1000), ms(2000))).await;
    let mut stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    let body = clean_application();
    stream
        .write_all(&decision_head(body.len(), ""))
        .await
        .expect("head sent");
    let started = Instant::now();
    let (mut read, write) = stream.into_split();
    // A byte every 300 ms: never idle as long as the 1 s body timeout, so only the 2 s request
    // timeout can cut it.
    let writer = tokio::spawn(trickle(write, body.clone(), ms(300)));
    let mut buf = Vec::new();
    let answer = tokio::time::timeout(Duration::from_secs(10), read_final(&mut read, &mut buf))
        .await
        .expect("answered within 10 s");
    let elapsed = started.elapsed();
    assert_eq!(answer.status, 408);
    let problem = answer.problem();
    assert_eq!(
        problem["type"], "urn:underwrite:problem:timeout",
        "{problem}"
    );
    assert_eq!(problem["status"], 408);
    assert!(
        elapsed >= ms(1900) && elapsed < ms(3500),
        "cut after {elapsed:?}, the request timeout is 2 s"
    );
    assert_closed(&mut read, Duration::from_secs(5)).await;
    let sent = writer.await.expect("writer");
    assert!(sent < body.len(), "the whole body went through");
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_client_whose_body_stalls_is_cut_at_the_body_timeout_with_a_408_problem() {
    let svc = Running::start(timed(ms(1000), ms(5000))).await;
    let mut stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    let body = clean_application();
    stream
        .write_all(&decision_head(body.len(), ""))
        .await
        .expect("head sent");
    stream.write_all(&body[..10]).await.expect("ten bytes sent");
    let started = Instant::now();
    let mut buf = Vec::new();
    let answer = tokio::time::timeout(Duration::from_secs(10), read_final(&mut stream, &mut buf))
        .await
        .expect("answered within 10 s");
    let elapsed = started.elapsed();
    assert_eq!(answer.status, 408);
    let problem = answer.problem();
    assert_eq!(
        problem["detail"], "the body was not received in time",
        "{problem}"
    );
    assert!(
        elapsed >= ms(900) && elapsed < ms(2500),
        "cut after {elapsed:?}, the body timeout is 1 s (the request timeout 5 s)"
    );
    assert_closed(&mut stream, Duration::from_secs(5)).await;
    svc.server.shutdown().await;
}

/// How a slow connection ended, and when.
#[derive(Debug)]
struct Cut {
    at: Instant,
    /// The final answer's status, if one came before the close.
    status: Option<u16>,
}

#[tokio::test]
async fn fifty_slow_clients_do_not_starve_normal_requests() {
    // Timeouts long enough that the slow connections outlive the normal requests.
    let svc = Running::start(timed(ms(3000), ms(5000))).await;
    let addr = svc.server.local_addr();
    let body = clean_application();
    let mut slow = tokio::task::JoinSet::new();
    // 25 trickling their heads.
    for _ in 0..25 {
        let stream = TcpStream::connect(addr).await.expect("connects");
        let (mut read, write) = stream.into_split();
        let head = decision_head(body.len(), "");
        slow.spawn(async move {
            let writer = tokio::spawn(trickle(write, head, ms(500)));
            let mut rest = Vec::new();
            let _ = read.read_to_end(&mut rest).await;
            writer.abort();
            Cut {
                at: Instant::now(),
                status: None,
            }
        });
    }
    // 25 trickling their bodies, each inside its handler (it asked to continue and was told
    // to) before the normal requests start.
    let (inside, mut entered) = tokio::sync::mpsc::channel::<()>(25);
    for _ in 0..25 {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream
            .write_all(&decision_head(body.len(), "Expect: 100-continue\r\n"))
            .await
            .expect("head sent");
        let body = body.clone();
        let inside = inside.clone();
        slow.spawn(async move {
            let (mut read, write) = stream.into_split();
            let mut buf = Vec::new();
            let interim = read_answer(&mut read, &mut buf).await.expect("100");
            assert_eq!(interim.status, 100);
            inside.send(()).await.expect("test waits");
            let writer = tokio::spawn(trickle(write, body, ms(200)));
            let answer = read_answer(&mut read, &mut buf).await.ok();
            writer.abort();
            Cut {
                at: Instant::now(),
                status: answer.map(|a| a.status),
            }
        });
    }
    drop(inside);
    for _ in 0..25 {
        tokio::time::timeout(Duration::from_secs(5), entered.recv())
            .await
            .expect("every slow body is being read within 5 s")
            .expect("sender alive");
    }
    // Meanwhile, normal requests on their own connections: each answered promptly.
    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        let sent = Instant::now();
        let response = svc.post_json("/v1/decisions", body.clone()).await;
        let took = sent.elapsed();
        assert_eq!(response.status(), 200, "request {i}");
        assert!(took < Duration::from_secs(1), "request {i} took {took:?}");
        slowest = slowest.max(took);
    }
    let normal_done = Instant::now();
    // Every slow connection was still open through all of that, and each was then cut: the
    // heads by the header timeout (closed), the bodies by the request timeout (408).
    let mut cuts = Vec::new();
    while let Some(cut) = tokio::time::timeout(Duration::from_secs(15), slow.join_next())
        .await
        .expect("every slow connection is cut within 15 s")
    {
        cuts.push(cut.expect("slow client task"));
    }
    assert_eq!(cuts.len(), 50);
    for cut in &cuts {
        assert!(
            cut.at > normal_done,
            "a slow connection was cut before the normal requests were done"
        );
    }
    let timed_out = cuts.iter().filter(|c| c.status == Some(408)).count();
    assert_eq!(timed_out, 25, "{cuts:?}");
    eprintln!("slowest normal request beside 50 slow clients: {slowest:?}");
    svc.server.shutdown().await;
}

/// Held by the tests that measure this process's peak RSS, so one's allocations do not land in
/// the other's measurement.
static MEMORY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

const HUNDRED_MB: usize = 100 * 1024 * 1024;

#[tokio::test]
async fn a_declared_100_mb_body_is_refused_from_its_head_alone() {
    let svc = Running::start(starter_config()).await;
    // 100 MB is over the router's backstop (the largest route cap, 64 MiB by default) too, which
    // answers before any handler runs.
    for (route, media) in [
        ("/v1/decisions", "application/json"),
        ("/v1/decisions/batch", "application/x-ndjson"),
    ] {
        let mut stream = TcpStream::connect(svc.server.local_addr())
            .await
            .expect("connects");
        // The head only: no byte of the body is ever sent, and the answer comes all the same.
        let head = format!(
            "POST {route} HTTP/1.1\r\nHost: test\r\nContent-Type: {media}\r\n\
             Content-Length: {HUNDRED_MB}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.expect("head sent");
        let mut buf = Vec::new();
        let answer =
            tokio::time::timeout(Duration::from_secs(5), read_final(&mut stream, &mut buf))
                .await
                .expect("answered without the body");
        assert_eq!(answer.status, 413, "{route}");
        let problem = answer.problem();
        assert_eq!(problem["type"], "urn:underwrite:problem:too-large");
        assert_eq!(
            problem["detail"], "the body is larger than the route allows",
            "{route}"
        );
        // The connection is not kept: the server would have to read 100 MB to find the next
        // request.
        assert_closed(&mut stream, Duration::from_secs(5)).await;
    }
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_chunked_100_mb_batch_is_refused_past_the_cap_without_being_held() {
    let _measuring = MEMORY.lock().await;
    let mut config = starter_config();
    config.limits.max_batch_bytes = 4 << 20;
    let svc = Running::start(config).await;
    let mut stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    stream
        .write_all(
            b"POST /v1/decisions/batch HTTP/1.1\r\nHost: test\r\n\
              Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n",
        )
        .await
        .expect("head sent");
    // Peak memory from here on; writing 5 to clear_refs resets the high-water mark.
    let before = memory_kib("VmRSS:");
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let (mut read, mut write) = stream.into_split();
    // One 64 KiB chunk of application lines, sent again and again: the client holds 64 KiB.
    let line = String::from_utf8(clean_application()).expect("utf-8") + "\n";
    let payload = line.repeat((64 << 10) / line.len()).into_bytes();
    let mut chunk = format!("{:x}\r\n", payload.len()).into_bytes();
    chunk.extend_from_slice(&payload);
    chunk.extend_from_slice(b"\r\n");
    let writer = tokio::spawn(async move {
        let mut sent = 0;
        while sent < HUNDRED_MB {
            if write.write_all(&chunk).await.is_err() {
                return sent;
            }
            sent += payload.len();
        }
        let _ = write.write_all(b"0\r\n\r\n").await;
        sent
    });
    let mut buf = Vec::new();
    let answer = tokio::time::timeout(Duration::from_secs(20), read_final(&mut read, &mut buf))
        .await
        .expect("answered within 20 s");
    // The batch streams: its lines were answered as they came, until the body passed the cap;
    // then its last line says so, naming the first line not decided, and the body is cut off.
    assert_eq!(answer.status, 200);
    assert!(!answer.complete, "a batch that stopped must not look whole");
    let lines: Vec<Value> = answer
        .body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect();
    let (last, decided) = lines.split_last().expect("lines");
    assert!(!decided.is_empty(), "lines before the cap are answered");
    for (i, line) in decided.iter().enumerate() {
        assert_eq!(line["line"], i + 1, "{line}");
        assert!(line["decision"].is_object(), "{line}");
    }
    assert_eq!(last["line"], decided.len() + 1, "{last}");
    assert_eq!(
        last["aborted"]["type"], "urn:underwrite:problem:too-large",
        "{last}"
    );
    assert_eq!(
        last["aborted"]["detail"],
        "the body is larger than 4194304 bytes"
    );
    let answered_bytes: usize = decided.len() * line.len();
    assert!(
        answered_bytes <= 4 << 20,
        "{} lines answered: more than the cap",
        decided.len()
    );
    let sent = tokio::time::timeout(Duration::from_secs(5), writer)
        .await
        .expect("the writer is refused once the connection is closed")
        .expect("writer");
    assert!(
        sent < 32 << 20,
        "{sent} bytes went through before the server closed"
    );
    let peak = memory_kib("VmHWM:");
    let grew = peak.saturating_sub(before);
    assert!(
        grew < 20 << 10,
        "peak RSS grew by {grew} KiB while refusing a 100 MB body"
    );
    eprintln!(
        "chunked 100 MB stopped at the cap after {sent} bytes sent, {} lines answered; peak RSS \
         +{grew} KiB",
        decided.len()
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn the_next_request_on_a_connection_works_after_a_refusal_whose_body_was_read() {
    // A body over the cap that is small enough to have been received whole: the connection
    // stays usable, so only an unread body costs the client its connection.
    let mut config = starter_config();
    config.limits.max_body_bytes = 1000;
    let svc = Running::start(config).await;
    let mut stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    let body = clean_application();
    assert!(body.len() > 1000);
    let mut request = decision_head(body.len(), "");
    request.extend_from_slice(&body);
    stream.write_all(&request).await.expect("sent");
    let mut buf = Vec::new();
    let refused = read_final(&mut stream, &mut buf).await;
    assert_eq!(refused.status, 413);
    // Whether hyper kept the connection: if it did, a second request on it is answered.
    let mut small = decision_head(2, "");
    small.extend_from_slice(b"{}");
    stream.write_all(&small).await.expect("second request sent");
    let second = read_final(&mut stream, &mut buf).await;
    assert_eq!(
        second.status,
        400,
        "{:?}",
        String::from_utf8_lossy(&second.body)
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn small_answers_are_not_compressed_and_batch_answers_are() {
    let svc = Running::start(starter_config()).await;
    let body = clean_application();
    let one = svc
        .client
        .post(svc.url("/v1/decisions"))
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip")
        .body(body.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(one.status(), 200);
    assert_eq!(one.headers().get("content-encoding"), None);
    let answer: Value = one.json().await.expect("plain JSON");
    assert_eq!(answer["decision"], "approve");

    let line = String::from_utf8(body).expect("utf-8") + "\n";
    let batch = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .header("accept-encoding", "gzip")
        .body(line.repeat(50))
        .send()
        .await
        .expect("answered");
    assert_eq!(batch.status(), 200);
    assert_eq!(batch.headers()["content-encoding"], "gzip");
    let compressed = batch.bytes().await.expect("body");
    assert_eq!(&compressed[..2], [0x1f, 0x8b], "a gzip stream");
    svc.server.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_header_timeout() {
    // hyper's header timer starts when it waits for a request's head, the next one on a kept
    // connection included: the header timeout is also the keep-alive idle timeout.
    let svc = Running::start(timed(ms(1000), ms(5000))).await;
    let mut stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    let mut request = decision_head(2, "");
    request.extend_from_slice(b"{}");
    stream.write_all(&request).await.expect("sent");
    let mut buf = Vec::new();
    let answer = read_final(&mut stream, &mut buf).await;
    assert_eq!(answer.status, 400);
    let answered = Instant::now();
    assert_closed(&mut stream, Duration::from_secs(5)).await;
    let idle = answered.elapsed();
    assert!(
        idle >= ms(900) && idle < ms(2500),
        "closed after {idle:?} idle, the header timeout is 1 s"
    );
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_large_batch_body_is_never_held_whole() {
    let _measuring = MEMORY.lock().await;
    let mut config = starter_config();
    config.limits.max_batch_bytes = 32 << 20;
    let svc = Running::start(config).await;
    // 24 MiB of blank lines: read as they come, decided as nothing, so what the server holds is
    // what reading a stream costs (its buffers, one chunk), not the body.
    const SIZE: usize = 24 << 20;
    let line = format!("{}\n", " ".repeat(1023));
    let piece = line.repeat(64).into_bytes();
    assert_eq!(SIZE % piece.len(), 0);
    let mut stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    let head = format!(
        "POST /v1/decisions/batch HTTP/1.1\r\nHost: test\r\n\
         Content-Type: application/x-ndjson\r\nContent-Length: {SIZE}\r\n\r\n"
    );
    let before = memory_kib("VmRSS:");
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    stream.write_all(head.as_bytes()).await.expect("head sent");
    for _ in 0..SIZE / piece.len() {
        stream.write_all(&piece).await.expect("body sent");
    }
    let mut buf = Vec::new();
    let answer = tokio::time::timeout(Duration::from_secs(20), read_final(&mut stream, &mut buf))
        .await
        .expect("answered within 20 s");
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(answer.complete);
    assert!(answer.body.is_empty(), "blank lines give no output line");
    let grew = memory_kib("VmHWM:").saturating_sub(before);
    let size_kib = (SIZE >> 10) as u64;
    eprintln!("a {size_kib} KiB body raised the peak RSS by {grew} KiB");
    // Held once, as it was before the route streamed, the body alone would be 24 MiB.
    assert!(
        grew < 8 << 10,
        "peak RSS grew by {grew} KiB to read a {size_kib} KiB body"
    );
    svc.server.shutdown().await;
}

/// Send `request` on a fresh connection and read its answer.
async fn exchange(svc: &Running, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(svc.server.local_addr())
        .await
        .expect("connects");
    stream.write_all(request).await.expect("sent");
    let mut buf = Vec::new();
    read_final(&mut stream, &mut buf).await
}

/// The value of `underwrite_errors_total{kind, status}` (0 when absent).
async fn errors_counted(svc: &Running, kind: &str, status: &str) -> f64 {
    let text = svc.get("/metrics").await.text().await.expect("metrics");
    common::samples(&text)
        .into_iter()
        .filter(|s| s.name == "underwrite_errors_total")
        .find(|s| {
            s.labels.get("kind").map(String::as_str) == Some(kind)
                && s.labels.get("status").map(String::as_str) == Some(status)
        })
        .map_or(0.0, |s| s.value)
}

#[tokio::test]
async fn an_http_1_1_request_without_one_valid_host_is_a_400_problem() {
    let svc = Running::start(starter_config()).await;
    for request in [
        &b"GET /healthz HTTP/1.1\r\n\r\n"[..],
        b"GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: user@a.example\r\n\r\n",
        b"GET /healthz HTTP/1.0\r\nHost: a.example:port\r\n\r\n",
        b"POST /v1/decisions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    ] {
        let answer = exchange(&svc, request).await;
        let shown = String::from_utf8_lossy(request).into_owned();
        assert_eq!(answer.status, 400, "{shown}");
        let problem = answer.problem();
        assert_eq!(problem["type"], "urn:underwrite:problem:bad-host", "{shown}");
        assert_eq!(problem["at"], "Host", "{shown}");
    }
    assert_eq!(errors_counted(&svc, "bad-host", "400").await, 5.0);
    // HTTP/1.0 may omit it; a valid one, an IPv6 literal and an empty one (a target without an
    // authority) pass.
    for request in [
        &b"GET /healthz HTTP/1.0\r\n\r\n"[..],
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost:\r\n\r\n",
    ] {
        let answer = exchange(&svc, request).await;
        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(request));
    }
    svc.server.shutdown().await;
}

/// `{"id": "gz-1", "signals": {"status": "COMPLETED", "resultCode": "NO_DATA"}}` gzipped
/// (Python's `gzip.compress(body, mtime=0)`).
const GZIPPED_APPLICATION: &str =
    "1f8b0800000000000203ab56ca4c51b252504aafd23554d251502ace4ccf4bcc\
    29060a552b159724969482984acefebe013eae21ae2e202545a9c5a53925cef929a920293fff7817c71047a5da5a\
    002341c6ca4b000000";

fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("hex"), 16).expect("hex"))
        .collect()
}

#[tokio::test]
async fn a_coded_body_is_refused_with_415_naming_the_coding_and_identity_is_read() {
    let svc = Running::start(starter_config()).await;
    let gzipped = unhex(GZIPPED_APPLICATION);
    assert_eq!(&gzipped[..2], [0x1f, 0x8b]);
    for (coding, body) in [
        ("gzip", gzipped.clone()),
        ("x-unheard-of", clean_application()),
        ("identity, gzip", gzipped.clone()),
    ] {
        for path in ["/v1/decisions", "/v1/kyc"] {
            let response = svc
                .client
                .post(svc.url(path))
                .header("content-type", "application/json")
                .header("content-encoding", coding)
                .body(body.clone())
                .send()
                .await
                .expect("answered");
            assert_eq!(response.status(), 415, "{coding} {path}");
            assert_eq!(response.headers()["accept-encoding"], "identity");
            let problem: Value = response.json().await.expect("problem");
            assert_eq!(
                problem["type"],
                "urn:underwrite:problem:unsupported-encoding"
            );
            let last = coding.rsplit(", ").next().expect("coding");
            assert!(
                problem["detail"].as_str().is_some_and(|d| d.contains(last)),
                "{problem}"
            );
        }
    }
    let response = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .header("content-encoding", "gzip")
        .body(gzipped)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 415);
    assert_eq!(
        errors_counted(&svc, "unsupported-encoding", "415").await,
        7.0
    );
    // `identity` is no coding at all.
    let response = svc
        .client
        .post(svc.url("/v1/decisions"))
        .header("content-type", "application/json")
        .header("content-encoding", "identity")
        .body(clean_application())
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    svc.server.shutdown().await;
}
