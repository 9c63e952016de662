//! `underwrite signals fetch` and `underwrite serve`'s `POST /v1/applications` against the
//! provider stand-in on a loopback port, as an integrator runs them.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::{repo, Serve};
use serde_json::{json, Value};
use underwrite_signals_standin::{Script, Standin};

const KEY: &str = "standin-key";
const SECRET: &str = "standin-secret-never-printed";

/// A stand-in running on its own runtime for the length of a test.
struct Provider {
    runtime: tokio::runtime::Runtime,
    standin: Option<Standin>,
}

impl Provider {
    fn start(script: Script) -> Provider {
        Provider::start_as(script, SECRET)
    }

    /// A stand-in that accepts `KEY` and `secret`.
    fn start_as(script: Script, secret: &str) -> Provider {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let standin = runtime
            .block_on(Standin::start(Script {
                key: KEY.into(),
                secret: secret.into(),
                ..script
            }))
            .unwrap();
        Provider {
            runtime,
            standin: Some(standin),
        }
    }

    fn standin(&self) -> &Standin {
        self.standin.as_ref().unwrap()
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        if let Some(standin) = self.standin.take() {
            self.runtime.block_on(standin.shutdown());
        }
    }
}

fn consent_file(consent: &Value) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), consent.to_string()).unwrap();
    file
}

fn good_consent() -> Value {
    json!({"consentedAt": "2024-08-08T16:06:00Z", "consentTemplateId": "ct-1"})
}

fn fetch(provider: &Provider, args: &[&str], consent: &Value, with_secret: bool) -> Output {
    let consent = consent_file(consent);
    let mut command = Command::new(env!("CARGO_BIN_EXE_underwrite"));
    command
        .current_dir(repo())
        .args(["signals", "fetch", "--consent"])
        .arg(consent.path())
        .args(args)
        .env_remove("UNDERWRITE_SIGNALS_TEMPLATE")
        .env("UNDERWRITE_SIGNALS_KEY", KEY)
        .env("UNDERWRITE_SIGNALS_BASE_URL", provider.standin().base_url());
    if with_secret {
        command.env("UNDERWRITE_SIGNALS_SECRET", SECRET);
    } else {
        command.env_remove("UNDERWRITE_SIGNALS_SECRET");
    }
    let output = command.output().unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!shown.contains(SECRET), "the secret was printed: {shown}");
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn fetch_prints_the_provider_payload() {
    let provider = Provider::start(Script::default());
    let output = fetch(
        &provider,
        &["--phone", "+63 917 123 4564"],
        &good_consent(),
        true,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let payload: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(payload["data"]["resultCode"], "SUCCESS");
    assert_eq!(payload["data"]["requestMeta"]["phone"], "+639171234564");
    let id = payload["data"]["id"].as_str().unwrap();
    assert!(
        stderr(&output).contains(&format!("completed: signal request {id}")),
        "{}",
        stderr(&output)
    );

    // --raw: the bytes as served, which `underwrite decide` reads as they are.
    let output = fetch(
        &provider,
        &[
            "--phone",
            "0917 123 4564",
            "--signals-country",
            "PH",
            "--raw",
        ],
        &good_consent(),
        true,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let raw: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(raw["data"]["requestMeta"]["phone"], "+639171234564");
}

#[test]
fn bad_input_and_configuration_are_refused_before_anything_is_sent() {
    let provider = Provider::start(Script::default());
    let no_secret = fetch(
        &provider,
        &["--phone", "+639171234564"],
        &good_consent(),
        false,
    );
    assert_eq!(no_secret.status.code(), Some(2));
    assert!(
        stderr(&no_secret).contains("UNDERWRITE_SIGNALS_SECRET is not set"),
        "{}",
        stderr(&no_secret)
    );

    let bad_phone = fetch(
        &provider,
        &["--phone", "0917-CALL-NOW"],
        &good_consent(),
        true,
    );
    assert_eq!(bad_phone.status.code(), Some(2));
    assert!(
        stderr(&bad_phone).starts_with("underwrite: phone: \"0917-CALL-NOW\" is not"),
        "{}",
        stderr(&bad_phone)
    );

    let bad_consent = fetch(
        &provider,
        &["--phone", "+639171234564"],
        &json!({"consentedAt": "2024-08-08T16:06:00Z", "type": "T&C", "version": 1}),
        true,
    );
    assert_eq!(bad_consent.status.code(), Some(2));
    assert!(
        stderr(&bad_consent).contains("consent.consentedWith"),
        "{}",
        stderr(&bad_consent)
    );

    let not_an_object = fetch(&provider, &["--phone", "+639171234564"], &json!("{"), true);
    assert_eq!(not_an_object.status.code(), Some(2));
    assert!(
        stderr(&not_an_object).contains("consent"),
        "{}",
        stderr(&not_an_object)
    );

    let bad_country = fetch(
        &provider,
        &["--phone", "0917 123 4564", "--signals-country", "XX"],
        &good_consent(),
        true,
    );
    assert_eq!(bad_country.status.code(), Some(2));
    assert!(
        stderr(&bad_country).contains("--signals-country: \"XX\""),
        "{}",
        stderr(&bad_country)
    );

    // The secret never goes out in the clear: http only to this machine.
    let clear = fetch(
        &provider,
        &[
            "--phone",
            "+639171234564",
            "--signals-base-url",
            "http://open.smileapi.io/v1",
        ],
        &good_consent(),
        true,
    );
    assert_eq!(clear.status.code(), Some(2));
    assert!(stderr(&clear).contains("use https"), "{}", stderr(&clear));

    assert!(provider.standin().requests().is_empty());
}

#[test]
fn unavailable_signals_exit_1_and_refusals_exit_2_with_the_provider_message() {
    let down = Provider::start(Script {
        fail_first: 100,
        ..Script::default()
    });
    let output = fetch(
        &down,
        &["--phone", "+639171234564", "--signals-deadline-ms", "800"],
        &good_consent(),
        true,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).starts_with("signals unavailable: the provider answered HTTP 503"),
        "{}",
        stderr(&output)
    );

    let refusing = Provider::start(Script {
        reject_auth: true,
        ..Script::default()
    });
    let output = fetch(
        &refusing,
        &["--phone", "+639171234564"],
        &good_consent(),
        true,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("HTTP 401 UNAUTHORIZED"),
        "{}",
        stderr(&output)
    );
    assert_eq!(refusing.standin().posts(), 1);
}

#[test]
fn serve_decides_an_application_from_a_phone_number() {
    let provider = Provider::start(Script::default());
    let base = provider.standin().base_url();
    let mut serve = Serve::start_with_env(
        &[
            "serve",
            "--policy",
            "rules/starter.yaml",
            "--listen",
            "127.0.0.1:0",
            "--signals-country",
            "PH",
        ],
        &[
            ("UNDERWRITE_SIGNALS_KEY", KEY),
            ("UNDERWRITE_SIGNALS_SECRET", SECRET),
            ("UNDERWRITE_SIGNALS_BASE_URL", &base),
        ],
    );
    let url = format!("http://{}/v1/applications", serve.addr);
    let kyc: Value =
        serde_json::from_slice(&std::fs::read(repo().join("testdata/kyc/joe-exact.json")).unwrap())
            .unwrap();
    let body =
        json!({"id": "app-1", "phone": "0917 123 4564", "consent": good_consent(), "kyc": kyc});
    let answer: Value = provider.runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    });
    assert_eq!(answer["decision"], "approve", "{answer}");
    assert_eq!(answer["signals"]["outcome"], "completed");
    assert!(answer["signals"]["signal_id"].is_string());
    serve.signal("TERM");
    assert!(serve.exit(Duration::from_secs(10)).success());
    assert!(!serve.stderr().contains(SECRET));
}

/// A secret with every character a form treats specially (see the client's hostile tests).
const HOSTILE_SECRET: &str = "s3cr3t/+=:%41 é-4711";

/// The forms of the key and `secret` found in `text`.
fn leaks(text: &str, secret: &str) -> Vec<String> {
    underwrite_signals_standin::leak_forms(KEY, secret)
        .into_iter()
        .filter(|form| text.contains(form.as_str()))
        .collect()
}

/// Every file under `dir`, as text.
fn files_text(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text.push_str(&files_text(&path));
        } else {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    text
}

#[test]
fn a_provider_that_repeats_the_credentials_never_gets_them_printed() {
    let hostile = |script: Script| {
        Provider::start_as(
            Script {
                echo_credentials: true,
                ..script
            },
            HOSTILE_SECRET,
        )
    };
    let run = |provider: &Provider, raw: bool| {
        let consent = consent_file(&good_consent());
        let mut command = Command::new(env!("CARGO_BIN_EXE_underwrite"));
        command
            .current_dir(repo())
            .args(["signals", "fetch", "--consent"])
            .arg(consent.path())
            .args(["--phone", "+639171234564", "--signals-deadline-ms", "1500"])
            .env_remove("UNDERWRITE_SIGNALS_TEMPLATE")
            .env("UNDERWRITE_SIGNALS_KEY", KEY)
            .env("UNDERWRITE_SIGNALS_SECRET", HOSTILE_SECRET)
            .env("UNDERWRITE_SIGNALS_BASE_URL", provider.standin().base_url())
            .env("RUST_LOG", "trace");
        if raw {
            command.arg("--raw");
        }
        command.output().unwrap()
    };
    let cases = [
        (
            "401",
            Script {
                reject_auth: true,
                ..Script::default()
            },
            Some(2),
        ),
        (
            "503s",
            Script {
                fail_first: 100,
                ..Script::default()
            },
            Some(1),
        ),
        (
            "SYSTEM_ERROR",
            Script {
                result_code: Some("SYSTEM_ERROR".into()),
                ..Script::default()
            },
            Some(1),
        ),
        ("completed", Script::default(), Some(0)),
    ];
    for (case, script, exit) in cases {
        let provider = hostile(script);
        for raw in [false, true] {
            let output = run(&provider, raw);
            assert_eq!(output.status.code(), exit, "{case}: {}", stderr(&output));
            let shown = format!(
                "{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                stderr(&output)
            );
            let found = leaks(&shown, HOSTILE_SECRET);
            assert!(found.is_empty(), "{case}: {found:?} in {shown}");
            // The provider's words are shown, the credentials marked as taken out.
            assert!(shown.contains("[redacted]"), "{case}: {shown}");
        }
    }
}

#[test]
fn serve_answers_logs_and_records_no_credential_a_provider_repeats() {
    let provider = Provider::start_as(
        Script {
            echo_credentials: true,
            result_code: Some("SYSTEM_ERROR".into()),
            ..Script::default()
        },
        HOSTILE_SECRET,
    );
    let log_dir = tempfile::tempdir().unwrap();
    let base = provider.standin().base_url();
    let log = log_dir.path().to_str().unwrap();
    let mut serve = Serve::start_with_env(
        &[
            "serve",
            "--policy",
            "rules/starter.yaml",
            "--listen",
            "127.0.0.1:0",
            "--signals-country",
            "PH",
            "--signals-deadline-ms",
            "1500",
            "--decision-log",
            log,
        ],
        &[
            ("UNDERWRITE_SIGNALS_KEY", KEY),
            ("UNDERWRITE_SIGNALS_SECRET", HOSTILE_SECRET),
            ("UNDERWRITE_SIGNALS_BASE_URL", &base),
            ("RUST_LOG", "trace"),
        ],
    );
    let url = format!("http://{}/v1/applications", serve.addr);
    let body = json!({"id": "app-1", "phone": "0917 123 4564", "consent": good_consent()});
    let answer: String = provider.runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    });
    let value: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(value["decision"], "review", "{answer}");
    assert!(
        value["signals"]["cause"]
            .as_str()
            .unwrap()
            .contains("[redacted]"),
        "{answer}"
    );
    serve.signal("TERM");
    assert!(serve.exit(Duration::from_secs(10)).success());
    let logged = files_text(log_dir.path());
    assert!(
        logged.contains("app-1"),
        "the decision was logged: {logged}"
    );
    for (what, text) in [
        ("answer", answer),
        ("stderr", serve.stderr()),
        ("log", logged),
    ] {
        let found = leaks(&text, HOSTILE_SECRET);
        assert!(found.is_empty(), "{what}: {found:?} in {text}");
    }
}
