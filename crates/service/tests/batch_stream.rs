//! `POST /v1/decisions/batch` streams both ways, against raw TCP clients that send the body in
//! chunks when they choose: lines are answered before the body ends, each answered line was
//! logged first, and a batch that cannot go on ends with one `aborted` line naming the first line
//! not decided and a body cut short. Batches share one memory budget.
#![allow(clippy::panic)] // Helpers fail the test the way assertions do.

mod common;

use std::time::Duration;

use common::{application, starter_config, Running};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use underwrite_service::{Config, LogConfig};

/// One application line (with its newline).
fn line(id: &str) -> Vec<u8> {
    let mut line = application(id, "testdata/signals/clean.json", None);
    line.push(b'\n');
    line
}

/// Lines `ids` as one piece of body.
fn lines(ids: impl IntoIterator<Item = String>) -> Vec<u8> {
    ids.into_iter().flat_map(|id| line(&id)).collect()
}

/// A batch request under way: its head sent, its body sent in chunks.
struct Batch {
    write: OwnedWriteHalf,
    answer: Reader,
}

impl Batch {
    async fn open(svc: &Running) -> Batch {
        let stream = TcpStream::connect(svc.server.local_addr())
            .await
            .expect("connects");
        let (read, mut write) = stream.into_split();
        write
            .write_all(
                b"POST /v1/decisions/batch HTTP/1.1\r\nHost: test\r\n\
                  Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n",
            )
            .await
            .expect("head sent");
        Batch {
            write,
            answer: Reader {
                read,
                buf: Vec::new(),
                status: None,
                body: Vec::new(),
                ended: None,
            },
        }
    }

    /// Send `bytes` as one chunk.
    async fn send(&mut self, bytes: &[u8]) {
        let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
        chunk.extend_from_slice(bytes);
        chunk.extend_from_slice(b"\r\n");
        self.write.write_all(&chunk).await.expect("chunk sent");
    }

    /// Send the last chunk.
    async fn end(&mut self) {
        self.write.write_all(b"0\r\n\r\n").await.expect("end sent");
    }
}

/// The answer, read as it comes.
struct Reader {
    read: OwnedReadHalf,
    /// Bytes read and not yet decoded.
    buf: Vec<u8>,
    status: Option<u16>,
    /// The body's data so far.
    body: Vec<u8>,
    /// `Some(true)` once the last chunk came, `Some(false)` if the connection ended first.
    ended: Option<bool>,
}

impl Reader {
    /// Read more from the connection; false when it has ended.
    async fn more(&mut self) -> bool {
        let mut piece = [0u8; 16 * 1024];
        match self.read.read(&mut piece).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&piece[..n]);
                true
            }
        }
    }

    /// Decode what has been read: the head, then chunks.
    fn decode(&mut self) {
        if self.status.is_none() {
            let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
            self.status = head.split(' ').nth(1).and_then(|s| s.parse().ok());
            assert!(
                head.to_ascii_lowercase()
                    .contains("transfer-encoding: chunked")
                    || self.status != Some(200),
                "{head}"
            );
            self.buf.drain(..end + 4);
        }
        while self.ended.is_none() {
            let Some(eol) = self.buf.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size = usize::from_str_radix(
                std::str::from_utf8(&self.buf[..eol]).expect("chunk size"),
                16,
            )
            .expect("chunk size");
            if self.buf.len() < eol + 2 + size + 2 {
                return;
            }
            self.body
                .extend_from_slice(&self.buf[eol + 2..eol + 2 + size]);
            self.buf.drain(..eol + 2 + size + 2);
            if size == 0 {
                self.ended = Some(true);
            }
        }
    }

    /// The answer lines so far.
    fn lines(&self) -> Vec<Value> {
        self.body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("a JSON line"))
            .collect()
    }

    /// Read until the answer has `n` lines (within `within`).
    async fn lines_at_least(&mut self, n: usize, within: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.decode();
            let lines = self.lines();
            if lines.len() >= n {
                return lines;
            }
            match tokio::time::timeout_at(deadline, self.more()).await {
                Ok(true) => {}
                Ok(false) => panic!("the connection ended after {} line(s)", lines.len()),
                Err(_) => panic!("{} line(s) after {within:?}, waiting for {n}", lines.len()),
            }
        }
    }

    /// Read to the end of the answer (its last chunk, or the connection's end): its lines and
    /// whether it was whole.
    async fn read_to_end(&mut self, within: Duration) -> (Vec<Value>, bool) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.decode();
            if let Some(whole) = self.ended {
                return (self.lines(), whole);
            }
            match tokio::time::timeout_at(deadline, self.more()).await {
                Ok(true) => {}
                Ok(false) => {
                    self.decode();
                    return (self.lines(), self.ended.unwrap_or(false));
                }
                Err(_) => panic!("the answer did not end within {within:?}"),
            }
        }
    }
}

fn ids(range: std::ops::Range<usize>) -> impl Iterator<Item = String> {
    range.map(|i| format!("s-{i}"))
}

/// Every line numbered `from..=to` is a decision, in order.
fn assert_decided(lines: &[Value], from: usize, to: usize) {
    let numbers: Vec<u64> = lines
        .iter()
        .map(|l| l["line"].as_u64().expect("line"))
        .collect();
    let expected: Vec<u64> = (from as u64..=to as u64).collect();
    assert_eq!(numbers, expected);
    for line in lines {
        assert!(line["decision"]["decision"].is_string(), "{line}");
        assert_eq!(
            line["id"],
            format!("s-{}", line["line"].as_u64().expect("n") - 1)
        );
    }
}

#[tokio::test]
async fn lines_are_answered_before_the_body_ends() {
    let svc = Running::start(starter_config()).await;
    let mut batch = Batch::open(&svc).await;
    batch.send(&lines(ids(0..20))).await;
    // The body has not ended (no last chunk): the first twenty are answered all the same.
    let first = batch
        .answer
        .lines_at_least(20, Duration::from_secs(20))
        .await;
    assert_eq!(batch.answer.status, Some(200));
    assert_decided(&first, 1, 20);
    batch.send(&lines(ids(20..40))).await;
    let second = batch
        .answer
        .lines_at_least(40, Duration::from_secs(20))
        .await;
    assert_decided(&second, 1, 40);
    batch.end().await;
    let (all, whole) = batch.answer.read_to_end(Duration::from_secs(20)).await;
    assert!(
        whole,
        "a batch answered to its end ends with the last chunk"
    );
    assert_decided(&all, 1, 40);
    svc.server.shutdown().await;
}

/// The decision log's records, read from every segment in `dir`.
fn records(dir: &std::path::Path) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .expect("segment")
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .map(|l| serde_json::from_str(&l).expect("record"))
        .collect()
}

#[tokio::test]
async fn when_the_log_fails_mid_batch_the_answer_ends_naming_the_first_line_not_decided() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("log");
    let mut config = starter_config();
    let mut log = LogConfig::new(&dir);
    log.max_file_bytes = 100; // every append opens a new segment, so a gone directory fails it
    config.decision_log = Some(log);
    let svc = Running::start(config).await;
    let mut batch = Batch::open(&svc).await;
    batch.send(&lines(ids(0..10))).await;
    let answered = batch
        .answer
        .lines_at_least(10, Duration::from_secs(20))
        .await;
    assert_decided(&answered, 1, 10);
    // Every answered line was logged before it was answered.
    let logged: Vec<Value> = records(&dir)
        .iter()
        .map(|r| r["decision_id"].clone())
        .collect();
    let given: Vec<Value> = answered
        .iter()
        .map(|l| l["decision"]["decision_id"].clone())
        .collect();
    assert_eq!(logged, given);

    std::fs::remove_dir_all(&dir).expect("the log directory goes");
    batch.send(&lines(ids(10..20))).await;
    batch.end().await;
    let (lines, whole) = batch.answer.read_to_end(Duration::from_secs(20)).await;
    assert!(!whole, "a batch that stopped must not look whole");
    let (last, decided) = lines.split_last().expect("lines");
    assert_decided(decided, 1, 10);
    assert_eq!(last["line"], 11, "{last}");
    assert_eq!(
        last["aborted"]["type"],
        "urn:underwrite:problem:unavailable"
    );
    assert_eq!(last["aborted"]["status"], 503);
    let detail = last["aborted"]["detail"].as_str().expect("detail");
    assert!(
        detail.starts_with("the decisions were not logged, so they are not given"),
        "{detail}"
    );
    assert!(last.get("decision").is_none() && last.get("error").is_none());
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_malformed_chunked_body_mid_batch_ends_the_answer_naming_the_first_line_not_decided() {
    let svc = Running::start(starter_config()).await;
    let mut batch = Batch::open(&svc).await;
    batch.send(&lines(ids(0..5))).await;
    let answered = batch
        .answer
        .lines_at_least(5, Duration::from_secs(20))
        .await;
    assert_decided(&answered, 1, 5);
    // Half a line, then a chunk size that is not hexadecimal.
    batch.send(b"{\"id\": \"s-5\", \"sig").await;
    batch
        .write
        .write_all(b"zz\r\nnonsense\r\n")
        .await
        .expect("sent");
    let (lines, whole) = batch.answer.read_to_end(Duration::from_secs(20)).await;
    assert!(!whole);
    let (last, decided) = lines.split_last().expect("lines");
    assert_decided(decided, 1, 5);
    assert_eq!(last["line"], 6, "{last}");
    assert_eq!(last["aborted"]["type"], "urn:underwrite:problem:malformed");
    let detail = last["aborted"]["detail"].as_str().expect("detail");
    assert!(detail.starts_with("cannot read the body"), "{detail}");
    // The service goes on.
    let after = svc
        .post_batch(&[String::from_utf8(line("after")).expect("utf-8")])
        .await;
    assert_eq!(after.len(), 1);
    svc.server.shutdown().await;
}

/// Batches one at a time: a budget of exactly one batch's share.
fn one_batch_at_a_time() -> Config {
    let mut config = starter_config();
    config.limits.batch_memory_bytes = config.limits.batch_share_bytes();
    config.limits.request_timeout = Duration::from_secs(2);
    config
}

#[tokio::test]
async fn a_batch_beyond_the_budget_waits_then_is_refused_with_503_batch_busy() {
    let svc = Running::start(one_batch_at_a_time()).await;
    let mut first = Batch::open(&svc).await;
    first.send(&lines(ids(0..3))).await;
    first
        .answer
        .lines_at_least(3, Duration::from_secs(20))
        .await;
    // The first holds the whole budget while its body is open: the second waits half the
    // request timeout, then is refused.
    let started = std::time::Instant::now();
    let refused = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .body(line("second"))
        .send()
        .await
        .expect("answered");
    let waited = started.elapsed();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["type"], "urn:underwrite:problem:batch-busy");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(2),
        "refused after {waited:?}; the wait is half the request timeout (1 s)"
    );
    // Once the first is answered, the budget is back.
    first.end().await;
    let (lines, whole) = first.answer.read_to_end(Duration::from_secs(20)).await;
    assert!(whole);
    assert_decided(&lines, 1, 3);
    let after = svc
        .post_batch(&[String::from_utf8(line("s-0")).expect("utf-8")])
        .await;
    assert_eq!(after.len(), 1);
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_goes_away_mid_batch_gives_back_its_budget() {
    let svc = Running::start(one_batch_at_a_time()).await;
    let mut batch = Batch::open(&svc).await;
    batch.send(&lines(ids(0..3))).await;
    batch
        .answer
        .lines_at_least(3, Duration::from_secs(20))
        .await;
    drop(batch);
    // The only share of the budget comes back: the next batch is taken, not refused.
    let response = svc
        .client
        .post(svc.url("/v1/decisions/batch"))
        .header("content-type", "application/x-ndjson")
        .body(line("s-0"))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    assert_eq!(text.lines().count(), 1, "{text}");
    svc.server.shutdown().await;
}

#[tokio::test]
async fn a_body_that_breaks_before_its_first_piece_is_answered_with_a_problem() {
    let svc = Running::start(starter_config()).await;
    let mut batch = Batch::open(&svc).await;
    batch
        .write
        .write_all(b"zz\r\nnonsense\r\n")
        .await
        .expect("sent");
    // Nothing was answered yet: the batch is refused as a whole, not streamed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while batch.answer.status.is_none() {
        batch.answer.decode();
        if batch.answer.status.is_some() {
            break;
        }
        let more = tokio::time::timeout_at(deadline, batch.answer.more())
            .await
            .expect("answered");
        assert!(
            more || batch.answer.status.is_some(),
            "closed without an answer"
        );
    }
    assert_eq!(batch.answer.status, Some(400));
    let text = String::from_utf8_lossy(&batch.answer.buf).into_owned();
    assert!(text.contains("urn:underwrite:problem:malformed"), "{text}");
    svc.server.shutdown().await;
}
