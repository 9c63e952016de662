//! Hostile input, round two: every read is capped, a bad line never loses good lines, blank
//! lines follow one rule, ids are bounded, nothing reaches the terminal raw, and a closed stdout
//! ends quietly. Every child runs under a memory limit (`ulimit -v`) and a deadline, so a
//! regression fails the test instead of eating the machine; limits are lowered with the flags so
//! no input is large.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Address space allowed to each child, in KiB (`ulimit -v`): far above what it needs.
const CHILD_MEMORY_KIB: u64 = 2 * 1024 * 1024;
/// Time allowed to each child.
const CHILD_DEADLINE: Duration = Duration::from_secs(60);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `underwrite ARGS` under the memory limit, from the repository root.
fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.current_dir(root())
        .arg("-c")
        .arg(format!(
            "ulimit -v {CHILD_MEMORY_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_underwrite"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

struct Run {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }

    fn stdout_lines(&self) -> Vec<Value> {
        String::from_utf8(self.stdout.clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// Exit 2, nothing on stdout, exactly one line on stderr; returns it.
    fn bad_input_line(&self) -> &str {
        assert_eq!(self.code(), Some(2), "stderr: {}", self.stderr);
        assert!(self.stdout.is_empty());
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.stderr);
        self.stderr.trim_end()
    }
}

/// Wait for `child` until the deadline, killing it if it overruns.
fn wait(mut child: Child) -> Run {
    let stdout = child.stdout.take();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stdout) = stdout {
            stdout.read_to_end(&mut bytes).unwrap();
        }
        bytes
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        stderr
            .read_to_string(&mut text)
            .map(|_| text)
            .unwrap_or_default()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > CHILD_DEADLINE {
            let _ = child.kill();
            panic!("underwrite ran past {CHILD_DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Run {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Run with `stdin` fed from a thread (write errors ignored: the child may stop reading).
fn run(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = command(args).spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let feeder = thread::spawn(move || {
        let _ = pipe.write_all(&bytes);
    });
    let run = wait(child);
    feeder.join().unwrap();
    run
}

/// A real signals payload, compacted to one line.
fn payload(name: &str) -> String {
    let text = std::fs::read_to_string(root().join("testdata/signals").join(name)).unwrap();
    serde_json::from_str::<Value>(&text).unwrap().to_string()
}

/// A batch line for `id` with the clean payload.
fn application(id: &str) -> String {
    format!(r#"{{"id":{id},"signals":{}}}"#, payload("clean.json"))
}

/// Whether a batch output line holds a decision (no KYC given: the starter policy reviews).
fn decided(line: &Value) -> bool {
    line["decision"]["decision"] == "review" && line.get("error").is_none()
}

/// A KYC JSONL request that is an exact match.
const KYC_LINE: &str = r#"{"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": {"first_name": "Joe", "last_name": "Leo"}}"#;

const TINY_POLICY: &str = r#"name: tiny
version: "1"
features:
  aliases:
    overdue_30: events_overdue_day30
knockouts:
  - id: recent_overdue
    when: overdue_30 >= 2
    outcome: reject
    reason: { code: KO_OVERDUE, text: Two or more overdue events in 30 days }
"#;

fn no_raw_controls(text: &str) {
    let hostile = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(
                c,
                '\u{2028}'
                    | '\u{2029}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{200E}'
                    | '\u{200F}'
                    | '\u{061C}'
            )
    };
    assert!(
        !text.chars().any(hostile),
        "raw control reached the terminal: {text:?}"
    );
}

// ---- 2. Unbounded reads ----

#[test]
fn oversized_stdin_and_files_are_refused_naming_file_limit_and_flag() {
    let big = vec![b' '; 4096];
    for command in ["features", "kyc"] {
        let out = run(&[command, "--max-input-bytes", "1K", "-"], &big);
        let line = out.bad_input_line();
        assert!(
            line.contains("<stdin>")
                && line.contains("1 KiB")
                && line.contains("--max-input-bytes"),
            "{line}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.json");
    std::fs::write(&file, vec![b' '; 8192]).unwrap();
    let file = file.to_str().unwrap();
    let small = root().join("testdata/signals/clean.json");
    let small = small.to_str().unwrap();
    let cases: [&[&str]; 4] = [
        &["features", "--max-input-bytes", "1K", file],
        &["kyc", "--max-input-bytes", "1K", file],
        &[
            "decide",
            "-p",
            "rules/starter.yaml",
            "--max-input-bytes",
            "1K",
            file,
        ],
        &[
            "decide",
            "-p",
            "rules/starter.yaml",
            "--max-input-bytes",
            "4K",
            "--kyc",
            file,
            small,
        ],
    ];
    for args in cases {
        let out = run(args, b"");
        let line = out.bad_input_line();
        assert!(
            line.contains("big.json") && line.contains("KiB") && line.contains("--max-input-bytes"),
            "{args:?}: {line}"
        );
    }
}

#[test]
fn endless_inputs_stop_at_the_cap() {
    // /dev/zero as signals, as stdin, and as the policy of every command that reads one.
    let out = run(&["features", "/dev/zero"], b"");
    assert!(
        out.bad_input_line().contains("larger than 8 MiB"),
        "{}",
        out.stderr
    );
    let mut child = command(&["features", "--max-input-bytes", "64K"])
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let feeder = thread::spawn(move || {
        let zeros = vec![0u8; 1 << 16];
        while pipe.write_all(&zeros).is_ok() {}
    });
    let out = wait(child);
    feeder.join().unwrap();
    assert!(out
        .bad_input_line()
        .contains("<stdin>: input is larger than 64 KiB"));
    for args in [
        &[
            "decide",
            "--policy",
            "/dev/zero",
            "testdata/signals/clean.json",
        ][..],
        &[
            "batch",
            "--policy",
            "/dev/zero",
            "testdata/applications.jsonl",
        ],
        &["check", "/dev/zero"],
    ] {
        let out = run(args, b"");
        assert_eq!(out.code(), Some(2), "{args:?}");
        assert!(
            out.stderr
                .contains("/dev/zero: policy file is larger than 1 MiB"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn policy_test_inputs_are_capped_and_fail_only_their_test() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.json"), vec![b' '; 4096]).unwrap();
    let policy = format!(
        "{TINY_POLICY}tests:\n  - name: big\n    signals: big.json\n    expect: {{ decision: approve }}\n  - name: inline\n    signals: {{\"status\": \"COMPLETED\", \"resultCode\": \"SUCCESS\", \"result\": {{\"events_overdue_day30\": 3}}}}\n    expect: {{ decision: reject }}\n"
    );
    let path = dir.path().join("tiny.yaml");
    std::fs::write(&path, policy).unwrap();
    let out = run(
        &["test", "--max-input-bytes", "2K", path.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    let text = String::from_utf8(out.stdout).unwrap();
    // The runner's message, the same from `underwrite test`, the service and Python.
    assert!(
        text.contains("big.json: input is larger than 2 KiB, the most a file a test names may be"),
        "{text}"
    );
    assert!(text.contains("ok   ") && text.contains("inline"), "{text}");
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");
}

// ---- 3. Bounded lines ----

#[test]
fn over_long_lines_are_their_own_errors_and_the_rest_go_on() {
    let long = format!(r#"{{"id":"long","signals":"{}"}}"#, "x".repeat(200_000));
    let input = format!("{}\n{long}\n{}\n", application("1"), application("3"));
    let out = run(
        &[
            "batch",
            "-p",
            "rules/starter.yaml",
            "--max-line-bytes",
            "64K",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 3);
    assert!(decided(&lines[0]));
    assert_eq!(lines[1]["line"], 2);
    assert!(
        lines[1].get("id").is_none(),
        "the id of a skipped line is unknown"
    );
    let message = lines[1]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("longer than 64 KiB") && message.contains("--max-line-bytes"),
        "{message}"
    );
    assert_eq!(lines[2]["id"], 3);
    assert!(decided(&lines[2]));

    let input = format!("{KYC_LINE}\n{}\n{KYC_LINE}", "y".repeat(10_000));
    let out = run(
        &["kyc", "--jsonl", "--max-line-bytes", "1K"],
        input.as_bytes(),
    );
    assert_eq!(out.code(), Some(1));
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 3);
    assert!(lines[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("longer than 1 KiB"));
    assert_eq!(lines[2]["ResultCode"], "1020");
}

// ---- 4. A bad line never loses good lines ----

#[test]
fn invalid_utf8_among_good_lines_keeps_every_good_line() {
    let mut input = Vec::new();
    for i in 0..50 {
        if i == 20 {
            input.extend_from_slice(b"{\"id\":\"bad\xff\xfe\",\"signals\":{}}\n");
        } else {
            input.extend_from_slice(application(&i.to_string()).as_bytes());
            input.push(b'\n');
        }
    }
    let out = run(&["batch", "-p", "rules/starter.yaml"], &input);
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 50, "one output line per input line");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["line"], i + 1, "in order");
        if i == 20 {
            let message = line["error"]["message"].as_str().unwrap();
            assert!(message.contains("not UTF-8"), "{message}");
        } else {
            assert!(decided(line), "{line}");
        }
    }
    assert!(out.stderr.contains("1 line(s) failed"), "{}", out.stderr);

    let input = [
        KYC_LINE.as_bytes(),
        b"\n\xc3\x28\n",
        KYC_LINE.as_bytes(),
        b"\n",
    ]
    .concat();
    let out = run(&["kyc", "--jsonl"], &input);
    assert_eq!(out.code(), Some(1));
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 3);
    assert!(lines[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not UTF-8"));
    assert_eq!(lines[2]["ResultCode"], "1020");
}

#[test]
fn blank_lines_are_skipped_but_counted_in_both_commands() {
    let blank_mix = |good: &str| format!("{good}\n\n   \t\r\n{good}\r\n\n{{}}\n{good}\n");
    let out = run(
        &["batch", "-p", "rules/starter.yaml"],
        blank_mix(&application("\"a\"")).as_bytes(),
    );
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    let numbers: Vec<Value> = out
        .stdout_lines()
        .iter()
        .map(|l| l["line"].clone())
        .collect();
    assert_eq!(numbers, [1, 4, 6, 7]);

    let out = run(&["kyc", "--jsonl"], blank_mix(KYC_LINE).as_bytes());
    assert_eq!(out.code(), Some(1));
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 4, "blank lines print nothing");
    assert_eq!(lines[2]["error"]["line"], 6);
    assert_eq!(lines[3]["ResultCode"], "1020");

    // Only blank lines: nothing to do, nothing failed.
    for args in [
        &["batch", "-p", "rules/starter.yaml"][..],
        &["kyc", "--jsonl"],
    ] {
        let out = run(args, b"\n \n\r\n");
        assert_eq!(out.code(), Some(0), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

// ---- 9. Output hygiene ----

#[test]
fn ids_are_echoed_only_when_short_strings_or_numbers() {
    let ok_string = format!("\"{}\"", "é".repeat(256));
    let long_string = format!("\"{}\"", "a".repeat(257));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let long_number = "1".repeat(41);
    let ids = [
        ok_string.as_str(),
        "12345",
        "-1.5e3",
        long_string.as_str(),
        deep.as_str(),
        long_number.as_str(),
        "{\"a\":1}",
        "true",
        "[1]",
    ];
    let input: String = ids.iter().map(|id| application(id) + "\n").collect();
    let out = run(&["batch", "-p", "rules/starter.yaml"], input.as_bytes());
    assert_eq!(out.code(), Some(1));
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), ids.len());
    assert_eq!(lines[0]["id"].as_str().unwrap().chars().count(), 256);
    assert_eq!(lines[1]["id"], 12345);
    let raw = String::from_utf8_lossy(&out.stdout);
    assert!(
        raw.contains(r#""id":-1.5e3,"#),
        "a number id is echoed as written"
    );
    for line in &lines[..3] {
        assert!(decided(line), "{line}");
    }
    for line in &lines[3..] {
        assert!(line.get("id").is_none(), "{line}");
        assert!(line.get("decision").is_none());
        let message = line["error"]["message"].as_str().unwrap();
        assert!(message.contains("`id` must be"), "{message}");
    }
    assert!(out.stdout.len() < 100_000, "no huge id is echoed");
}

#[test]
fn control_characters_from_inputs_are_escaped_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // A file name, a provider message and a policy's names carrying terminal controls.
    let name = "evil\u{1b}[2J\r\u{202e}.json";
    let path = dir.path().join(name);
    std::fs::write(
        &path,
        "{\"code\":\"UNAUTHORIZED\",\"message\":\"bad\\u001b[31m key\\u2028\\u2066\",\"data\":null}",
    )
    .unwrap();
    let out = run(&["features", path.to_str().unwrap()], b"");
    let line = out.bad_input_line();
    no_raw_controls(line);
    assert!(line.contains("evil\\u{1b}[2J\\r\\u{202e}.json"), "{line}");

    let policy = TINY_POLICY.replace("name: tiny", "name: \"tiny\\e]0;pwned\\a\"").replace(
        "id: recent_overdue",
        "id: \"recent\\roverdue\\u2029\"",
    ) + "tests:\n  - name: \"evil\\e[1A\\u2067test\\n\"\n    signals: \"missing\\e[K.json\"\n    expect: { decision: approve }\n";
    let path = dir.path().join("p\u{9b}olicy.yaml");
    std::fs::write(&path, &policy).unwrap();
    let path = path.to_str().unwrap();
    for command in ["check", "test"] {
        let out = run(&[command, path], b"");
        no_raw_controls(&out.stderr);
        no_raw_controls(&String::from_utf8(out.stdout.clone()).unwrap());
        assert!(
            out.stderr.contains("\\u{9b}")
                || String::from_utf8_lossy(&out.stdout).contains("\\u{9b}"),
            "{command}: {}",
            out.stderr
        );
    }
    let out = run(&["test", path], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("evil\\u{1b}[1A\\u{2067}test\\n"), "{text}");
    assert!(text.contains("missing\\u{1b}[K.json"), "{text}");

    // A broken policy whose diagnostics quote the rule id.
    let broken = policy.replace("overdue_30 >= 2", "overdue_thirty >= 2");
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, broken).unwrap();
    let out = run(&["check", path.to_str().unwrap()], b"");
    assert_eq!(out.code(), Some(2));
    no_raw_controls(&out.stderr);
    assert!(
        out.stderr.contains("recent\\roverdue\\u{2029}"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // Enough output to fill the pipe, so batch is still writing when the reader goes.
    let dir = tempfile::tempdir().unwrap();
    let input: String = (0..3000)
        .map(|i| application(&i.to_string()) + "\n")
        .collect();
    let file = dir.path().join("apps.jsonl");
    std::fs::write(&file, input).unwrap();
    let mut child = command(&[
        "batch",
        "-p",
        "rules/starter.yaml",
        "--trace",
        file.to_str().unwrap(),
    ])
    .spawn()
    .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"line\":1"), "{first}");
    drop(child.stdout.take());
    let out = wait(child);
    assert_eq!(out.code(), Some(0), "stderr: {}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);

    let kyc_input = format!("{KYC_LINE}\n").repeat(20_000);
    let single: [&[&str]; 6] = [
        &[
            "decide",
            "-p",
            "rules/starter.yaml",
            "testdata/signals/clean.json",
        ],
        &["features", "testdata/signals/clean.json"],
        &["kyc", "testdata/kyc/exact.json"],
        &["kyc", "--jsonl"],
        &["test", "rules/"],
        &["schema"],
    ];
    for args in single {
        let mut child = command(args).spawn().unwrap();
        drop(child.stdout.take());
        let mut pipe = child.stdin.take().unwrap();
        let bytes = kyc_input.clone().into_bytes();
        let feeder = thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
        let out = wait(child);
        feeder.join().unwrap();
        assert_eq!(out.code(), Some(0), "{args:?}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{args:?}: {}", out.stderr);
    }
}

// ---- 6. Duplicate keys in a batch line, 7. bounded tolerance options ----
#[test]
fn duplicate_keys_in_a_batch_line_are_that_lines_error() {
    let clean = payload("clean.json");
    let no_match = r#"{"ResultCode":"1022","ResultText":"No Match","ResultText":"Exact Match"}"#;
    let lines = [
        format!(r#"{{"id":1,"signals":{clean},"signals":{clean}}}"#),
        format!(r#"{{"id":2,"id":3,"signals":{clean}}}"#),
        format!(r#"{{"id":4,"signals":{clean},"kyc":{no_match}}}"#),
        application("5"),
    ];
    let input: String = lines.iter().map(|l| l.clone() + "\n").collect();
    let out = run(&["batch", "-p", "rules/starter.yaml"], input.as_bytes());
    assert_eq!(out.code(), Some(1));
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 4);
    for (line, needle) in lines[..3].iter().zip([
        "duplicate field `signals`",
        "duplicate field `id`",
        "duplicate key `ResultText`",
    ]) {
        let message = line["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{needle}: {message}");
        assert!(line.get("decision").is_none());
    }
    assert!(decided(&lines[3]));
}

#[test]
fn kyc_max_distance_is_capped_at_the_documented_limit() {
    let out = run(
        &["kyc", "--max-distance", "200000", "-"],
        KYC_LINE.as_bytes(),
    );
    assert_eq!(out.code(), Some(2));
    let err = &out.stderr;
    assert!(
        err.contains("--max-distance") && err.contains("0..=8"),
        "{err}"
    );
    let out = run(&["kyc", "--max-distance", "8", "-"], KYC_LINE.as_bytes());
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
}

// ---- 9. Output hygiene, round two: JSON strings on stdout ----

/// An id carrying bidi overrides, a line separator, C1 controls, DEL and the marks.
const HOSTILE_TEXT: &str =
    "\u{202e}evil\u{2028}x\u{9b}31m\u{7f}\u{85}\u{200e}\u{200f}\u{61c}\u{2066}\u{2069}\u{2029}";
/// An unknown key a library error message quotes.
const HOSTILE_KEY: &str = "\u{202e}Z\u{9b}2J";

/// `stdout` has no raw hostile character (a newline between lines is fine) and is UTF-8.
fn no_raw_controls_in(stdout: &[u8]) {
    no_raw_controls(&std::str::from_utf8(stdout).unwrap().replace('\n', ""));
}

#[test]
fn json_on_stdout_escapes_bidi_c1_and_separators_and_parses_back() {
    let id = serde_json::to_string(HOSTILE_TEXT).unwrap();
    let unknown = format!(
        r#"{{"id":2,"signals":{},{}:1}}"#,
        payload("clean.json"),
        serde_json::to_string(HOSTILE_KEY).unwrap()
    );
    // The id as written (a raw fragment) and in JSON's own escapes (a parsed string).
    let escaped_id = r#""\u202eevil\u2028x\u009b31m""#;
    let input = format!(
        "{}\n{unknown}\n{}\n",
        application(&id),
        application(escaped_id)
    );
    let out = run(&["batch", "-p", "rules/starter.yaml"], input.as_bytes());
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    no_raw_controls_in(&out.stdout);
    let lines = out.stdout_lines();
    assert_eq!(lines[0]["id"], HOSTILE_TEXT);
    assert!(decided(&lines[0]), "{}", lines[0]);
    let message = lines[1]["error"]["message"].as_str().unwrap();
    assert!(message.contains(HOSTILE_KEY), "{message}");
    assert_eq!(lines[2]["id"], "\u{202e}evil\u{2028}x\u{9b}31m");

    let kyc = KYC_LINE.replace(
        "{\"submitted\"",
        &format!(
            "{{{}:1, \"submitted\"",
            serde_json::to_string(HOSTILE_KEY).unwrap()
        ),
    );
    let out = run(&["kyc", "--jsonl"], format!("{kyc}\n").as_bytes());
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    no_raw_controls_in(&out.stdout);
    let message = out.stdout_lines()[0]["error"]["message"].clone();
    assert!(message.as_str().unwrap().contains(HOSTILE_KEY), "{message}");

    // Pretty documents: an unknown signal's name in `features`, a policy's name in `decide`.
    let signals = format!(
        r#"{{"status":"COMPLETED","resultCode":"SUCCESS","result":{{{}:1,"events_overdue_day30":3}}}}"#,
        serde_json::to_string(HOSTILE_TEXT).unwrap()
    );
    let out = run(&["features", "-"], signals.as_bytes());
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    no_raw_controls_in(&out.stdout);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["unknown"][HOSTILE_TEXT], 1, "{value}");

    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    // YAML's `\uXXXX` escapes: YAML refuses raw C1 controls and DEL.
    let name: String = HOSTILE_TEXT
        .chars()
        .map(|c| format!("\\u{:04x}", u32::from(c)))
        .collect();
    let name = format!("\"{name}\"");
    std::fs::write(
        &policy,
        TINY_POLICY.replace("name: tiny", &format!("name: {name}")),
    )
    .unwrap();
    let out = run(
        &["decide", "-p", policy.to_str().unwrap(), "-"],
        signals.as_bytes(),
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    no_raw_controls_in(&out.stdout);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["policy"]["name"], HOSTILE_TEXT, "{value}");
}

// ---- 2, round two: a policy's `tests:` read regular files only ----

#[test]
fn policy_tests_naming_a_fifo_or_a_device_fail_quickly_and_alone() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let inline = r#"{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 3}}"#;
    std::fs::write(dir.path().join("real.json"), inline).unwrap();
    std::os::unix::fs::symlink("real.json", dir.path().join("link.json")).unwrap();
    let policy = format!(
        "{TINY_POLICY}tests:\n  - name: fifo\n    signals: pipe.json\n    expect: {{ decision: approve }}\n  - name: device\n    signals: /dev/zero\n    expect: {{ decision: approve }}\n  - name: through a symlink\n    signals: link.json\n    expect: {{ decision: reject }}\n  - name: kyc from a device\n    signals: real.json\n    kyc: /dev/zero\n    expect: {{ decision: reject }}\n"
    );
    let path = dir.path().join("tiny.yaml");
    std::fs::write(&path, policy).unwrap();
    let start = Instant::now();
    let out = run(&["test", path.to_str().unwrap()], b"");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pipe.json: not a regular file"), "{text}");
    assert!(text.contains("/dev/zero: not a regular file"), "{text}");
    assert!(
        text.contains("ok   ") && text.contains("through a symlink"),
        "{text}"
    );
    assert!(text.ends_with("1 passed, 3 failed\n"), "{text}");
}

// ---- 3, round two: JSON whitespace only, and the cap without the terminator ----

#[test]
fn a_form_feed_line_is_that_lines_error_not_a_blank_line() {
    let input = format!(
        "{}\n\x0c\n \x0c \r\n{}\n",
        application("1"),
        application("4")
    );
    let out = run(&["batch", "-p", "rules/starter.yaml"], input.as_bytes());
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    let lines = out.stdout_lines();
    let numbers: Vec<&Value> = lines.iter().map(|l| &l["line"]).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    for line in &lines[1..3] {
        let message = line["error"]["message"].as_str().unwrap();
        assert!(message.contains("not an application"), "{message}");
    }
    assert!(decided(&lines[3]));

    let out = run(
        &["kyc", "--jsonl"],
        format!("\x0c\n{KYC_LINE}\n").as_bytes(),
    );
    assert_eq!(out.code(), Some(1), "{}", out.stderr);
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"]["line"], 1);
    assert_eq!(lines[1]["ResultCode"], "1020");
}

#[test]
fn the_line_cap_counts_neither_newline_nor_crlf() {
    let cap = KYC_LINE.len().to_string();
    let over = format!("{KYC_LINE} ");
    let long = "y".repeat(5000);
    for ending in ["\n", "\r\n"] {
        let input = [KYC_LINE, over.as_str(), long.as_str(), KYC_LINE]
            .map(|line| format!("{line}{ending}"))
            .concat();
        let out = run(
            &["kyc", "--jsonl", "--max-line-bytes", &cap],
            input.as_bytes(),
        );
        assert_eq!(out.code(), Some(1), "{ending:?}: {}", out.stderr);
        let lines = out.stdout_lines();
        assert_eq!(lines.len(), 4, "{ending:?}");
        assert_eq!(lines[0]["ResultCode"], "1020", "exactly the cap fits");
        let size = |line: &Value| line["error"]["message"].as_str().unwrap().to_owned();
        let expected = format!(
            "line is {} bytes, longer than {cap} bytes",
            cap.parse::<usize>().unwrap() + 1
        );
        assert!(
            size(&lines[1]).starts_with(&expected),
            "{ending:?}: {}",
            size(&lines[1])
        );
        assert!(
            size(&lines[2]).starts_with("line is 5000 bytes"),
            "{ending:?}: {}",
            size(&lines[2])
        );
        assert_eq!(lines[3]["ResultCode"], "1020");
    }
}

// ---- 4, round two: the flags themselves have a ceiling ----

#[test]
fn size_flags_above_their_ceiling_are_refused_at_parsing() {
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[
                "batch",
                "-p",
                "rules/starter.yaml",
                "--max-line-bytes",
                "1000G",
            ],
            "--max-line-bytes",
            "64 MiB",
        ),
        (
            &["kyc", "--jsonl", "--max-line-bytes", "65M"],
            "--max-line-bytes",
            "64 MiB",
        ),
        (
            &["features", "--max-input-bytes", "257MiB"],
            "--max-input-bytes",
            "256 MiB",
        ),
        (
            &["test", "--max-input-bytes", "99999999999999"],
            "--max-input-bytes",
            "256 MiB",
        ),
    ];
    for (args, flag, ceiling) in cases {
        let out = run(args, b"");
        assert_eq!(out.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr.contains(flag) && out.stderr.contains(ceiling),
            "{args:?}: {}",
            out.stderr
        );
    }
    // The ceilings themselves are accepted.
    let out = run(
        &["kyc", "--jsonl", "--max-line-bytes", "64MiB"],
        KYC_LINE.as_bytes(),
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    let out = run(
        &[
            "features",
            "--max-input-bytes",
            "256M",
            "testdata/signals/clean.json",
        ],
        b"",
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
}

// ---- 9, round two: stdout closed in the middle of a large document ----

#[test]
fn stdout_closed_mid_document_ends_quietly() {
    // A thousand unknown signals (the most a payload may list) with 1 KB texts: a `features`
    // document of a megabyte, far more than a pipe holds.
    let text = "x".repeat(1024);
    let result: String = (0..1_000)
        .map(|i| format!("\"unknown_{i}\":\"{text}\""))
        .collect::<Vec<_>>()
        .join(",");
    let signals =
        format!(r#"{{"status":"COMPLETED","resultCode":"SUCCESS","result":{{{result}}}}}"#);
    let kyc_input = format!("{KYC_LINE}\n").repeat(50_000);
    for (args, input) in [
        (&["features", "-"][..], signals.into_bytes()),
        (&["kyc", "--jsonl"][..], kyc_input.into_bytes()),
    ] {
        let mut child = command(args).spawn().unwrap();
        let mut pipe = child.stdin.take().unwrap();
        let feeder = thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
        let mut first = [0u8; 64];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        assert!(first.starts_with(b"{"), "{args:?}");
        drop(child.stdout.take());
        let out = wait(child);
        feeder.join().unwrap();
        assert_eq!(out.code(), Some(0), "{args:?}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{args:?}: {}", out.stderr);
    }
}
