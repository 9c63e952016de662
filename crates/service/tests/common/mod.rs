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
