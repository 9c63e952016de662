//! Test support: a service started in-process on an ephemeral loopback port, and a client.

#![allow(dead_code)] // Each test file uses part of this.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use underwrite_service::{Config, Server};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the repository, read.
pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A configuration serving the shipped starter policy on a free loopback port.
pub fn starter_config() -> Config {
    Config::new(repo().join("rules/starter.yaml"), loopback())
}

/// 127.0.0.1, port chosen by the system.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A started service and a client for it.
pub struct Running {
    /// The service.
    pub server: Server,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client.
    pub client: reqwest::Client,
}

impl Running {
    /// Start `config`.
    pub async fn start(config: Config) -> Running {
        let server = Server::start(config).await.expect("service starts");
        let base = format!("http://{}", server.local_addr());
        Running {
            server,
            base,
            client: reqwest::Client::new(),
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST JSON bytes.
    pub async fn post_json(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request answered")
    }

    /// POST a JSON Lines batch, expect 200, and read its answer's lines.
    pub async fn post_batch(&self, lines: &[String]) -> Vec<serde_json::Value> {
        let response = self
            .client
            .post(self.url("/v1/decisions/batch"))
            .header("content-type", "application/x-ndjson")
            .body(lines.join("\n"))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("body");
        text.lines()
            .map(|line| serde_json::from_str(line).expect("a json line"))
            .collect()
    }

    /// GET.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request answered")
    }
}

/// A JSON file of the repository on one line (numbers keep their text).
pub fn compact(rel: &str) -> String {
    let value: serde_json::Value = serde_json::from_slice(&read(rel)).expect("json");
    value.to_string()
}

/// An application body on one line: `{"id": id, "signals": <file>, "kyc": <file>}`.
pub fn application(id: &str, signals: &str, kyc: Option<&str>) -> Vec<u8> {
    let signals = compact(signals);
    let mut body = format!(r#"{{"id": "{id}", "signals": {signals}"#);
    if let Some(kyc) = kyc {
        let kyc = compact(kyc);
        body.push_str(&format!(r#", "kyc": {kyc}"#));
    }
    body.push('}');
    body.into_bytes()
}

/// A copy of the starter policy in a temporary directory beside `rules/` (so its tests still find
/// `../testdata`), to change or break under a running service. The directory goes when the
/// `TempDir` is dropped.
pub fn starter_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir_in(repo()).expect("temp dir");
    let path = dir.path().join("starter.yaml");
    std::fs::write(&path, read("rules/starter.yaml")).expect("write the policy copy");
    (dir, path)
}

/// One sample of a Prometheus text exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample's name (`underwrite_decisions_total`, `..._bucket`, ...).
    pub name: String,
    /// Its labels.
    pub labels: std::collections::BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

/// The samples of a Prometheus text exposition (comment lines skipped); a line that is not a
/// sample fails the test.
#[allow(clippy::panic)] // Test support: a malformed exposition fails the test, naming the line.
pub fn samples(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (head, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample: {line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a value: {line}"));
        let (name, labels) = match head.split_once('{') {
            None => (head, std::collections::BTreeMap::new()),
            Some((name, rest)) => {
                let inner = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("labels: {line}"));
                (name, parse_labels(inner, line))
            }
        };
        out.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    out
}

#[allow(clippy::panic)] // As `samples`.
fn parse_labels(mut inner: &str, line: &str) -> std::collections::BTreeMap<String, String> {
    let mut labels = std::collections::BTreeMap::new();
    while !inner.is_empty() {
        let (key, rest) = inner
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label: {line}"));
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => {
                    let (_, escaped) = chars.next().unwrap_or_else(|| panic!("escape: {line}"));
                    value.push(if escaped == 'n' { '\n' } else { escaped });
                }
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value: {line}"),
            }
        };
        labels.insert(key.to_string(), value);
        inner = rest[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&rest[end + 1..]);
    }
    labels
}
