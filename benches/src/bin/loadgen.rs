//! `loadgen`: the open-loop load generator of `benches/service/run.sh` and `applications.sh`.
//!
//! `wrk` finds the service's peak (a closed loop: each connection sends its next request as
//! soon as the last is answered), but a closed loop cannot measure latency at a given load: when
//! the server slows, the client slows with it and the requests that would have queued are never
//! sent ("coordinated omission"). Debian has no `wrk2`, so this sends at a constant rate
//! instead: connection `i` of `C` sends its `k`-th request at `start + (i + k·C) / rate`,
//! whatever happened to the previous ones, and a request's latency runs from that intended
//! time when it had to wait for its connection (the server was behind), or from when it was
//! actually sent otherwise (the tokio timer's millisecond granularity is the generator's
//! lateness, not the server's).
//!
//! ```text
//! loadgen body                                 the application body after its id, for wrk
//! loadgen run --url URL --rate R --seconds S   send at R per second for S seconds, print figures
//! ```
//!
//! Both take `--body-kind decision` (the default: `POST /v1/decisions`' body, the signals
//! payload included) or `--body-kind application` (`POST /v1/applications`' body: a phone and
//! a consent, the service fetching the signals itself; `benches/service/applications.sh`). With
//! `application`, `run` also reads every 200 answer: one whose `signals.outcome` is not
//! `completed` (the service decided on a payload it wrote because the provider gave none) is
//! counted as an error, and the figures add the provider POSTs and the decisions seen.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use clap::{Parser, Subcommand, ValueEnum};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Open-loop HTTP/1.1 load for the decision service.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the body that follows `{"id": ...` (compacted JSON).
    Body(BodyArgs),
    /// Send requests at a constant rate and print what came back.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
struct BodyArgs {
    /// Which route's body.
    #[arg(long, value_enum, default_value_t = BodyKind::Decision)]
    body_kind: BodyKind,
    /// The signals payload (`decision` bodies).
    #[arg(long, default_value = "testdata/signals/clean.json")]
    signals: PathBuf,
    /// The applicant's phone (`application` bodies). The stand-in serves clean.json's signals
    /// for a number ending in 4.
    #[arg(long, default_value = "+639171234564")]
    phone: String,
    /// The KYC request.
    #[arg(long, default_value = "testdata/kyc/joe-exact.json")]
    kyc: PathBuf,
}

/// The body a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BodyKind {
    /// `POST /v1/decisions`: `{"id", "signals", "kyc"}`.
    Decision,
    /// `POST /v1/applications`: `{"id", "phone", "consent", "kyc"}`.
    Application,
}

/// The consent every application body carries (the stand-in checks its shape only).
const CONSENT: &str = r#"{"consentedAt":"2024-08-08T16:06:00Z","consentTemplateId":"ct-1"}"#;

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// `http://127.0.0.1:PORT/v1/decisions` (or `/v1/applications`, with `--body-kind
    /// application`).
    #[arg(long)]
    url: String,
    /// Requests per second, in all.
    #[arg(long)]
    rate: f64,
    /// How long to send.
    #[arg(long, default_value_t = 15.0)]
    seconds: f64,
    /// Connections (each has one request in flight at most).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// The body.
    #[command(flatten)]
    body: BodyArgs,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("loadgen: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Body(args) => {
            let tail = body_tail(&args)?;
            std::io::stdout()
                .write_all(tail.as_bytes())
                .map_err(|e| format!("stdout: {e}"))
        }
        Command::Run(args) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start a runtime: {e}"))?;
            let report = runtime.block_on(load(&args))?;
            println!("{report}");
            Ok(())
        }
    }
}

/// What follows the id in every request body: `,"signals":{...},"kyc":{...}}` for a decision,
/// `,"phone":"...","consent":{...},"kyc":{...}}` for an application.
fn body_tail(args: &BodyArgs) -> Result<String, String> {
    let compact = |path: &PathBuf| -> Result<String, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(value.to_string())
    };
    let kyc = compact(&args.kyc)?;
    Ok(match args.body_kind {
        BodyKind::Decision => format!(r#","signals":{},"kyc":{kyc}}}"#, compact(&args.signals)?),
        BodyKind::Application => format!(
            r#","phone":{},"consent":{CONSENT},"kyc":{kyc}}}"#,
            serde_json::Value::from(args.phone.as_str())
        ),
    })
}

/// What one connection saw.
#[derive(Debug, Default)]
struct Seen {
    /// Latencies of 200 answers, in microseconds.
    latencies: Vec<u64>,
    /// Answers other than 200, and failed requests.
    errors: u64,
    /// The first error's text.
    first_error: Option<String>,
    /// POSTs the service sent the provider, as its answers say (`application` bodies).
    provider_posts: u64,
    /// Answers by decision (`application` bodies).
    decisions: BTreeMap<String, u64>,
}

impl Seen {
    /// Add what another connection saw.
    fn merge(&mut self, other: Seen) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
        self.provider_posts += other.provider_posts;
        for (decision, n) in other.decisions {
            *self.decisions.entry(decision).or_default() += n;
        }
    }
}

async fn load(args: &RunArgs) -> Result<String, String> {
    let (addr, path) = parse_url(&args.url)?;
    if !(args.rate > 0.0 && args.seconds > 0.0 && args.connections > 0) {
        return Err("--rate, --seconds and --connections must be positive".into());
    }
    let tail = Bytes::from(body_tail(&args.body)?);
    let start = Instant::now() + Duration::from_millis(100);
    let end = start + Duration::from_secs_f64(args.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.connections {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(connection);
        let plan = Plan {
            first: start + Duration::from_secs_f64(i as f64 / args.rate),
            every: Duration::from_secs_f64(args.connections as f64 / args.rate),
            end,
        };
        tasks.spawn(connection_loop(
            sender,
            plan,
            Target {
                connection: i,
                path: path.clone(),
                addr,
                tail: tail.clone(),
                kind: args.body.body_kind,
            },
        ));
    }
    let mut all = Seen::default();
    while let Some(seen) = tasks.join_next().await {
        all.merge(seen.map_err(|e| format!("a connection task failed: {e}"))?);
    }
    let elapsed = start.elapsed().as_secs_f64();
    Ok(report(args, &mut all, elapsed))
}

/// When a connection sends.
#[derive(Debug, Clone, Copy)]
struct Plan {
    first: Instant,
    every: Duration,
    end: Instant,
}

/// What a connection sends, and how its answers are read.
#[derive(Debug, Clone)]
struct Target {
    /// The connection's number (in the ids it sends).
    connection: usize,
    path: String,
    addr: SocketAddr,
    /// The body after its id.
    tail: Bytes,
    kind: BodyKind,
}

async fn connection_loop(
    mut sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    plan: Plan,
    target: Target,
) -> Seen {
    let Target {
        connection,
        path,
        addr,
        tail,
        kind,
    } = target;
    let mut seen = Seen::default();
    let host = addr.to_string();
    let mut intended = plan.first;
    let mut n = 0u64;
    while intended < plan.end {
        // Free before its time: wait for it (and count from when it really went). Busy past its
        // time: the server is behind, and the wait counts.
        let behind = Instant::now() > intended;
        tokio::time::sleep_until(intended).await;
        let sent = if behind { intended } else { Instant::now() };
        n += 1;
        let mut body = Vec::with_capacity(tail.len() + 32);
        body.extend_from_slice(format!(r#"{{"id":"lg-{connection}-{n}""#).as_bytes());
        body.extend_from_slice(&tail);
        let request = Request::post(path.as_str())
            .header("host", host.as_str())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)));
        let outcome = match request {
            Ok(request) => exchange(&mut sender, request).await,
            Err(e) => Err(e.to_string()),
        };
        let latency = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
        let outcome = outcome.and_then(|answer| match kind {
            BodyKind::Decision => Ok(()),
            BodyKind::Application => read_application_answer(&answer, &mut seen),
        });
        match outcome {
            Ok(()) => seen.latencies.push(latency),
            Err(e) => {
                seen.errors += 1;
                seen.first_error.get_or_insert(e);
                if sender.is_closed() {
                    break;
                }
            }
        }
        intended += plan.every;
    }
    seen
}

/// Send one request and read its whole answer; `Err` unless it is a 200.
async fn exchange(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<Bytes, String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if status == 200 {
        Ok(body)
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}

/// Check a 200 answer of `POST /v1/applications`: its signals were fetched
/// (`signals.outcome` `completed`), not written by the service for want of an answer. Counts its
/// provider POSTs and its decision. Read after the latency is taken, so it is not in it.
fn read_application_answer(answer: &[u8], seen: &mut Seen) -> Result<(), String> {
    let value: serde_json::Value = serde_json::from_slice(answer)
        .map_err(|e| format!("200 with an answer that is not JSON: {e}"))?;
    let signals = &value["signals"];
    seen.provider_posts += signals["posts"].as_u64().unwrap_or(0);
    let outcome = signals["outcome"].as_str().unwrap_or("(none)");
    if outcome != "completed" {
        return Err(format!(
            "200 but signals.outcome {outcome} (cause: {})",
            signals["cause"].as_str().unwrap_or("(none)")
        ));
    }
    let decision = value["decision"].as_str().unwrap_or("(none)");
    *seen.decisions.entry(decision.to_owned()).or_default() += 1;
    Ok(())
}

/// `http://HOST:PORT/PATH` on a literal address (the generator never resolves names).
fn parse_url(url: &str) -> Result<(SocketAddr, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr: SocketAddr = authority
        .parse()
        .map_err(|e| format!("{url}: the host must be IP:PORT ({e})"))?;
    Ok((addr, format!("/{path}")))
}

/// One line of `key=value` figures, for the script to read.
fn report(args: &RunArgs, seen: &mut Seen, elapsed: f64) -> String {
    seen.latencies.sort_unstable();
    let at = |q: f64| -> f64 {
        if seen.latencies.is_empty() {
            return f64::NAN;
        }
        let rank =
            ((q * seen.latencies.len() as f64).ceil() as usize).clamp(1, seen.latencies.len());
        seen.latencies[rank - 1] as f64 / 1000.0
    };
    let ok = seen.latencies.len();
    let mut line = format!(
        "target_rate={:.0} achieved_rate={:.0} ok={ok} errors={} p50_ms={:.3} p90_ms={:.3} \
         p99_ms={:.3} p999_ms={:.3} max_ms={:.3}",
        args.rate,
        ok as f64 / elapsed.max(f64::EPSILON),
        seen.errors,
        at(0.50),
        at(0.90),
        at(0.99),
        at(0.999),
        at(1.0),
    );
    if args.body.body_kind == BodyKind::Application {
        let decisions: Vec<String> = seen
            .decisions
            .iter()
            .map(|(decision, n)| format!("{decision}:{n}"))
            .collect();
        line.push_str(&format!(
            " provider_posts={} decisions={}",
            seen.provider_posts,
            decisions.join(",")
        ));
    }
    if let Some(e) = &seen.first_error {
        line.push_str(&format!(" first_error={e:?}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(kind: BodyKind) -> BodyArgs {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        BodyArgs {
            body_kind: kind,
            signals: root.join("testdata/signals/clean.json"),
            phone: "+639171234564".into(),
            kyc: root.join("testdata/kyc/joe-exact.json"),
        }
    }

    fn body(kind: BodyKind) -> serde_json::Value {
        let text = format!(
            r#"{{"id":"lg-0-1"{}"#,
            body_tail(&args(kind)).expect("tail")
        );
        serde_json::from_str(&text).expect("the body is JSON")
    }

    #[test]
    fn an_application_body_has_the_phone_consent_and_kyc_and_no_signals() {
        let body = body(BodyKind::Application);
        assert_eq!(body["id"], "lg-0-1");
        assert_eq!(body["phone"], "+639171234564");
        assert_eq!(body["consent"]["consentedAt"], "2024-08-08T16:06:00Z");
        assert_eq!(body["consent"]["consentTemplateId"], "ct-1");
        assert_eq!(body["kyc"]["submitted"]["first_name"], "Joe");
        assert!(body.get("signals").is_none());
    }

    #[test]
    fn a_decision_body_has_the_signals_and_kyc() {
        let body = body(BodyKind::Decision);
        assert_eq!(body["id"], "lg-0-1");
        assert_eq!(body["signals"]["code"], "OK");
        assert_eq!(body["kyc"]["authority"]["first_name"], "JOE");
        assert!(body.get("phone").is_none());
    }

    #[test]
    fn an_application_answer_with_fetched_signals_is_counted() {
        let mut seen = Seen::default();
        let answer = br#"{"decision":"approve","signals":{"outcome":"completed","synthesized":false,"posts":1,"polls":0,"elapsed_ms":0}}"#;
        read_application_answer(answer, &mut seen).expect("completed is fine");
        assert_eq!(seen.provider_posts, 1);
        assert_eq!(seen.decisions.get("approve"), Some(&1));
    }

    #[test]
    fn an_application_answer_without_fetched_signals_is_an_error() {
        let mut seen = Seen::default();
        let answer = br#"{"decision":"refer","signals":{"outcome":"unavailable","cause":"deadline passed","synthesized":true,"posts":3,"polls":0,"elapsed_ms":5000}}"#;
        let error = read_application_answer(answer, &mut seen).expect_err("not fetched");
        assert!(error.contains("unavailable"), "{error}");
        assert!(error.contains("deadline passed"), "{error}");
        assert_eq!(seen.provider_posts, 3);
        assert!(seen.decisions.is_empty());
        assert!(read_application_answer(b"<html>", &mut seen).is_err());
    }
}
