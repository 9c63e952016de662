//! `underwrite backtest` and `underwrite compare` through the binary, over the small history
//! files of `testdata/history/` (see its README): counts against the input, bad lines counted
//! by kind and never dropped, text / JSON / CSV agreeing, gzip input, the swap matrix and the
//! `--swapped` file against `underwrite batch`'s own per-line decisions, the split against the
//! documented hash, PSI against a reference given as history or as a saved report, and the
//! exit status 2 with one line for inputs that cannot be read at all.

#![allow(clippy::unwrap_used, clippy::panic)] // Tests fail loudly.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use underwrite_analysis::{Arm, Split};

const STARTER: &str = "rules/starter.yaml";
const CHALLENGER: &str = "testdata/history/challenger.yaml";
const PORTFOLIO: &str = "testdata/history/portfolio.jsonl";
const SHIFTED: &str = "testdata/history/shifted.jsonl";
const OUTCOMES: [&str; 3] = ["approve", "review", "reject"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run `underwrite ARGS` in the repository root, stdin closed.
fn underwrite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .current_dir(repo())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("underwrite runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit 0 and stdout as one JSON document.
fn json_ok(args: &[&str]) -> (Value, String) {
    let out = underwrite(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    let v = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    (v, stderr(&out))
}

fn backtest_json(policy: &str, input: &str, extra: &[&str]) -> Value {
    let mut args = vec!["backtest", "--policy", policy, "--json"];
    args.extend_from_slice(extra);
    args.push(input);
    json_ok(&args).0
}

fn compare_json(champion: &str, challenger: &str, input: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "compare",
        "--champion",
        champion,
        "--challenger",
        challenger,
        "--json",
    ];
    args.extend_from_slice(extra);
    args.push(input);
    json_ok(&args).0
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn sum_counts(failures: &Value) -> u64 {
    failures
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| u(&f["count"]))
        .sum()
}

/// The history file's lines, as JSON (blank lines skipped).
fn history_lines(rel: &str) -> Vec<Value> {
    std::fs::read_to_string(repo().join(rel))
        .expect(rel)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The label a history line gives: Some(true) bad, Some(false) good, None unlabelled.
fn label(line: &Value) -> Option<bool> {
    line.get("outcome")
        .and_then(|o| o.get("bad"))
        .and_then(Value::as_bool)
}

/// What `underwrite batch` decides on each line of a history file (its outcomes removed, the
/// one key `batch` does not read): line number → (id, outcome or `None` for a failed line).
fn batch(policy: &str, rel: &str, dir: &Path) -> BTreeMap<u64, (Value, Option<String>)> {
    let apps = dir.join(format!("{}.apps.jsonl", policy.replace('/', "_")));
    let mut file = std::fs::File::create(&apps).unwrap();
    for mut line in history_lines(rel) {
        line.as_object_mut().unwrap().remove("outcome");
        writeln!(file, "{line}").unwrap();
    }
    drop(file);
    let out = underwrite(&["batch", "--policy", policy, apps.to_str().unwrap()]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let outcome = v["decision"]["decision"].as_str().map(str::to_string);
            (u(&v["line"]), (v["id"].clone(), outcome))
        })
        .collect()
}

fn matrix(report: &Value) -> [[u64; 3]; 3] {
    let m = &report["swap"]["matrix"];
    std::array::from_fn(|a| std::array::from_fn(|b| u(&m[a][b])))
}

/// The titles and header rows of the text report's tables (blank-line separated).
fn text_tables(stdout: &str) -> Vec<(String, Vec<String>)> {
    stdout
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut lines = block.lines();
            let title = lines.next().unwrap().to_string();
            let header = lines
                .next()
                .unwrap_or("")
                .trim()
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            (title, header)
        })
        .collect()
}

/// The CSV files of a directory: stem → rows (header first).
fn csv_files(dir: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            assert_eq!(path.extension().and_then(|e| e.to_str()), Some("csv"));
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&path)
                .unwrap();
            let rows = reader
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            (stem, rows)
        })
        .collect()
}

#[test]
fn backtest_text_names_the_policy_and_every_section() {
    let report = backtest_json(STARTER, PORTFOLIO, &[]);
    let out = underwrite(&["backtest", "--policy", STARTER, PORTFOLIO]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let p = &report["policy"]["policy"];
    let sha = p["sha256"].as_str().unwrap();
    let named = format!(
        "{} {} ({})",
        p["name"].as_str().unwrap(),
        p["version"].as_str().unwrap(),
        &sha[..12]
    );
    assert_eq!(named, format!("starter 2026.11.1 ({})", &sha[..12]));
    let titles: Vec<String> = text_tables(&text).into_iter().map(|t| t.0).collect();
    let expected = [
        "Input".to_string(),
        format!(
            "Decisions — {named} ({} decided)",
            report["policy"]["decided"]
        ),
        "Score power".to_string(),
        format!("Score — {named}"),
        format!("Strategy — {named} (cut-off"),
        "Knock-outs".to_string(),
        "Reason codes".to_string(),
        "Lines without a decision".to_string(),
    ];
    assert_eq!(titles.len(), expected.len(), "{titles:#?}");
    for (title, want) in titles.iter().zip(&expected) {
        assert!(title.starts_with(want.as_str()), "{title:?} vs {want:?}");
    }
    // Every knock-out of the policy has its row, every failure kind its line.
    for k in report["policy"]["knockouts"].as_array().unwrap() {
        assert!(text.contains(k["id"].as_str().unwrap()), "{k}");
    }
    assert!(text.contains("signals not ready: status is PROCESSING"));
    assert!(text.contains("rule `overdue_rate_180`"));
}

#[test]
fn backtest_json_counts_equal_the_input_and_batch() {
    let dir = tempfile::tempdir().unwrap();
    let lines = history_lines(PORTFOLIO);
    let report = backtest_json(STARTER, PORTFOLIO, &[]);
    assert_eq!(report["format"], "underwrite.backtest");
    let input = &report["input"];
    assert_eq!(u(&input["lines"]), lines.len() as u64);
    // The one line no policy can read: its payload is still processing.
    let unread: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["signals"]["data"]["status"] == "PROCESSING")
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(unread.len(), 1);
    let failures = input["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["kind"], "signals");
    assert_eq!(u(&failures[0]["first_line"]), unread[0] as u64);
    assert_eq!(u(&input["read"]), lines.len() as u64 - 1);
    let read_lines = || {
        lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !unread.contains(&(i + 1)))
            .map(|(_, l)| l)
    };
    let labelled = read_lines().filter(|l| label(l).is_some()).count() as u64;
    let bad = read_lines().filter(|l| label(l) == Some(true)).count() as u64;
    assert_eq!((u(&input["labelled"]), u(&input["bad"])), (labelled, bad));
    assert!(labelled > 0 && bad > 0 && labelled < u(&input["read"]));

    // Decided + failures account for every line, and the mix is batch's, line by line.
    let p = &report["policy"];
    assert_eq!(
        u(&p["decided"]) + sum_counts(&p["failures"]) + sum_counts(&input["failures"]),
        u(&input["lines"])
    );
    let decided = batch(STARTER, PORTFOLIO, dir.path());
    assert_eq!(decided.len(), lines.len());
    for outcome in OUTCOMES {
        let n = decided
            .values()
            .filter(|(_, o)| o.as_deref() == Some(outcome))
            .count() as u64;
        assert_eq!(u(&p["decisions"][outcome]["count"]), n, "{outcome}");
    }
    let failed = decided.values().filter(|(_, o)| o.is_none()).count() as u64;
    assert_eq!(
        sum_counts(&p["failures"]) + sum_counts(&input["failures"]),
        failed
    );
    // Bad rate of the approved, from the labels of the lines batch approved.
    let approved: Vec<&Value> = decided
        .iter()
        .filter(|(_, (_, o))| o.as_deref() == Some("approve"))
        .map(|(n, _)| &lines[*n as usize - 1])
        .collect();
    let rate = &p["bad_rate_approved"];
    assert_eq!(
        u(&rate["labelled"]),
        approved.iter().filter(|l| label(l).is_some()).count() as u64
    );
    assert_eq!(
        u(&rate["bad"]),
        approved.iter().filter(|l| label(l) == Some(true)).count() as u64
    );
    let score = &p["score"];
    let histogram: u64 = score["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u(&b["count"]))
        .sum();
    assert_eq!(histogram, u(&score["scored"]));
}

/// A good line, a line that is not JSON, a bad outcome, a line over `--max-line-bytes`, a
/// line that is not UTF-8, then good lines again: each bad line counted under its kind with
/// its number, named on stderr, and the good lines around it decided.
#[test]
fn bad_lines_are_counted_by_kind_with_their_line_and_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let good: Vec<String> = std::fs::read_to_string(repo().join(PORTFOLIO))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"result\"") && !l.contains("PROCESSING"))
        .take(4)
        .map(str::to_string)
        .collect();
    let mut bad_outcome: Value = serde_json::from_str(&good[1]).unwrap();
    bad_outcome["outcome"] = serde_json::json!({"bad": "yes"});
    let mut long: Value = serde_json::from_str(&good[2]).unwrap();
    long["id"] = Value::from("long");
    let long = long.to_string().replacen(
        "\"signals\":{",
        &format!("\"signals\":{{{}", " ".repeat(20_000)),
        1,
    );
    let mut bytes = Vec::new();
    for line in [
        good[0].as_bytes(),
        b"{\"id\": \"app-x\", \"signals\": " as &[u8],
        bad_outcome.to_string().as_bytes(),
        long.as_bytes(),
        b"{\"id\": \"caf\xe9\", \"signals\": {}}",
        good[2].as_bytes(),
        good[3].as_bytes(),
    ] {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    let (report, err) = json_ok(&[
        "backtest",
        "--policy",
        STARTER,
        "--max-line-bytes",
        "16K",
        "--json",
        path.to_str().unwrap(),
    ]);
    let input = &report["input"];
    assert_eq!(u(&input["lines"]), 7);
    assert_eq!(u(&input["read"]), 3);
    let kinds: BTreeMap<&str, (u64, u64)> = input["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                (u(&f["count"]), u(&f["first_line"])),
            )
        })
        .collect();
    let expected: BTreeMap<&str, (u64, u64)> = [
        ("not_an_application", (1, 2)),
        ("bad_outcome", (1, 3)),
        ("too_long", (1, 4)),
        ("not_utf8", (1, 5)),
    ]
    .into();
    assert_eq!(kinds, expected);
    assert_eq!(
        u(&report["policy"]["decided"]) + sum_counts(&report["policy"]["failures"]),
        3
    );
    for (kind, (_, at)) in &expected {
        let named = format!("({kind}), first at line {at}:");
        assert!(err.lines().any(|l| l.contains(&named)), "{named} in {err}");
    }
    assert!(err.contains("16 KiB"), "{err}");
    assert!(err.contains("`outcome`"), "{err}");
}

#[test]
fn csv_writes_one_file_per_table_with_its_header_and_the_json_counts() {
    let dir = tempfile::tempdir().unwrap();
    let csv_dir = dir.path().join("tables");
    let (report, _) = json_ok(&[
        "backtest",
        "--policy",
        STARTER,
        "--json",
        "--csv",
        csv_dir.to_str().unwrap(),
        PORTFOLIO,
    ]);
    let text = underwrite(&["backtest", "--policy", STARTER, PORTFOLIO]);
    let tables = text_tables(&String::from_utf8(text.stdout).unwrap());
    let files = csv_files(&csv_dir);
    assert_eq!(files.len(), tables.len(), "{:?}", files.keys());
    let stems: BTreeSet<&str> = files.keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = [
        "input",
        "decisions",
        "score_power",
        "score",
        "strategy",
        "knockouts",
        "reasons",
        "failures",
    ]
    .into();
    assert_eq!(stems, want);
    // Each file's header is its text table's.
    let headers: BTreeSet<Vec<String>> = tables.into_iter().map(|t| t.1).collect();
    for (stem, rows) in &files {
        assert!(headers.contains(&rows[0]), "{stem}: {:?}", rows[0]);
    }
    let cell = |file: &str, key: &str, col: usize| -> String {
        let rows = &files[file];
        let row = rows
            .iter()
            .find(|r| r[0] == key)
            .unwrap_or_else(|| panic!("{file}: no row {key}"));
        row[col].clone()
    };
    let input = &report["input"];
    for (key, field) in [
        ("lines", "lines"),
        ("read", "read"),
        ("labelled", "labelled"),
        ("labelled bad", "bad"),
    ] {
        assert_eq!(cell("input", key, 1), input[field].to_string(), "{key}");
    }
    let p = &report["policy"];
    for outcome in OUTCOMES {
        assert_eq!(
            cell("decisions", outcome, 1),
            p["decisions"][outcome]["count"].to_string()
        );
        let share: f64 = cell("decisions", outcome, 2).parse().unwrap();
        assert_eq!(Some(share), p["decisions"][outcome]["share"].as_f64());
    }
    for k in p["knockouts"].as_array().unwrap() {
        let id = k["id"].as_str().unwrap();
        assert_eq!(cell("knockouts", id, 2), k["fired"]["count"].to_string());
        assert_eq!(cell("knockouts", id, 4), k["alone"].to_string());
    }
    assert_eq!(
        files["reasons"].len() - 1,
        p["reasons"].as_array().unwrap().len()
    );
    for r in p["reasons"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        assert_eq!(cell("reasons", code, 1), r["given"]["count"].to_string());
    }
    let failures: Vec<&Value> = input["failures"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p["failures"].as_array().unwrap())
        .collect();
    assert_eq!(files["failures"].len() - 1, failures.len());
    for f in failures {
        let kind = f["kind"].as_str().unwrap();
        assert_eq!(cell("failures", kind, 1), f["count"].to_string());
        assert_eq!(cell("failures", kind, 2), f["first_line"].to_string());
        assert_eq!(
            cell("failures", kind, 3),
            f["first_message"].as_str().unwrap()
        );
    }
    let strategy_rows = files["strategy"].len() - 1;
    assert_eq!(strategy_rows, p["strategy"].as_array().unwrap().len());
}

#[test]
fn gzip_input_gives_the_json_of_the_plain_file() {
    use flate2::write::GzEncoder;
    use flate2::Compression;

    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(repo().join(PORTFOLIO)).unwrap();
    // Two gzip members, as `cat a.gz b.gz` makes: the halves at a line boundary.
    let cut = plain[..plain.len() / 2]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    let gz = dir.path().join("portfolio.jsonl.gz");
    let mut file = std::fs::File::create(&gz).unwrap();
    for half in [&plain[..cut], &plain[cut..]] {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(half).unwrap();
        file.write_all(&encoder.finish().unwrap()).unwrap();
    }
    drop(file);
    let expected = backtest_json(STARTER, PORTFOLIO, &[]);
    assert_eq!(backtest_json(STARTER, gz.to_str().unwrap(), &[]), expected);
    assert_eq!(
        compare_json(STARTER, CHALLENGER, gz.to_str().unwrap(), &[]),
        compare_json(STARTER, CHALLENGER, PORTFOLIO, &[])
    );
}

#[test]
fn compare_of_a_policy_with_itself_is_diagonal_with_no_swaps() {
    let dir = tempfile::tempdir().unwrap();
    let swapped = dir.path().join("swapped.jsonl");
    let report = compare_json(
        STARTER,
        STARTER,
        PORTFOLIO,
        &["--swapped", swapped.to_str().unwrap()],
    );
    assert_eq!(report["format"], "underwrite.compare");
    let m = matrix(&report);
    for (a, row) in m.iter().enumerate() {
        for (b, n) in row.iter().enumerate() {
            if a == b {
                let outcome = OUTCOMES[a];
                assert_eq!(*n, u(&report["champion"]["decisions"][outcome]["count"]));
            } else {
                assert_eq!(*n, 0, "{m:?}");
            }
        }
    }
    let s = &report["swap"];
    assert_eq!(u(&s["swap_in"]["size"]["count"]), 0);
    assert_eq!(u(&s["swap_out"]["size"]["count"]), 0);
    assert_eq!(s["approval_rate_delta"].as_f64(), Some(0.0));
    assert_eq!(report["champion"], report["challenger"]);
    assert_eq!(std::fs::read_to_string(&swapped).unwrap(), "");
}

/// One `--swapped` line: (line, id, direction, champion, challenger).
fn swapped_lines(path: &Path) -> Vec<(u64, Value, String, String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (
                u(&v["line"]),
                v["id"].clone(),
                s("direction"),
                s("champion"),
                s("challenger"),
            )
        })
        .collect()
}

#[test]
fn compare_with_a_stricter_challenger_agrees_with_batch_and_the_swapped_file() {
    let dir = tempfile::tempdir().unwrap();
    let swapped = dir.path().join("swapped.jsonl");
    let report = compare_json(
        STARTER,
        CHALLENGER,
        PORTFOLIO,
        &["--swapped", swapped.to_str().unwrap()],
    );
    let s = &report["swap"];
    let m = matrix(&report);
    let both = u(&s["both_decided"]);
    assert_eq!(m.iter().flatten().sum::<u64>(), both);
    let failed = &s["failed"];
    assert_eq!(
        both + u(&failed["champion_only"]) + u(&failed["challenger_only"]) + u(&failed["both"]),
        u(&report["input"]["read"])
    );

    // The matrix cell by cell from batch's decisions with each policy, line by line.
    let champion = batch(STARTER, PORTFOLIO, dir.path());
    let challenger = batch(CHALLENGER, PORTFOLIO, dir.path());
    let mut expected = [[0u64; 3]; 3];
    let mut expected_swaps = Vec::new();
    for (line, (id, a)) in &champion {
        let (_, b) = &challenger[line];
        let (Some(a), Some(b)) = (a, b) else { continue };
        let index = |o: &str| OUTCOMES.iter().position(|x| *x == o).unwrap();
        expected[index(a)][index(b)] += 1;
        match (a.as_str() == "approve", b.as_str() == "approve") {
            (true, false) => {
                expected_swaps.push((*line, id.clone(), "out".into(), a.clone(), b.clone()))
            }
            (false, true) => {
                expected_swaps.push((*line, id.clone(), "in".into(), a.clone(), b.clone()))
            }
            _ => {}
        }
    }
    assert_eq!(m, expected);
    let swaps = swapped_lines(&swapped);
    assert_eq!(swaps, expected_swaps);
    let (ins, outs) = (
        u(&s["swap_in"]["size"]["count"]),
        u(&s["swap_out"]["size"]["count"]),
    );
    assert_eq!(swaps.len() as u64, ins + outs);
    assert_eq!(outs, m[0][1] + m[0][2]);
    assert_eq!(ins, m[1][0] + m[2][0]);
    assert!(
        outs > 0,
        "the stricter challenger declines some of the champion's approvals"
    );
    for (_, id, direction, a, b) in &swaps {
        assert!(id.is_string() || id.is_number(), "{id}");
        match direction.as_str() {
            "out" => assert!(a == "approve" && b != "approve"),
            "in" => assert!(a != "approve" && b == "approve"),
            other => panic!("direction {other}"),
        }
    }

    // The other way round: the matrix transposed, the same lines swapped the other way.
    let reversed_file = dir.path().join("reversed.jsonl");
    let reversed = compare_json(
        CHALLENGER,
        STARTER,
        PORTFOLIO,
        &["--swapped", reversed_file.to_str().unwrap()],
    );
    let r = matrix(&reversed);
    for (a, row) in r.iter().enumerate() {
        for (b, n) in row.iter().enumerate() {
            assert_eq!(*n, m[b][a], "{r:?} is {m:?} transposed");
        }
    }
    let flipped: Vec<_> = swaps
        .iter()
        .map(|(line, id, d, a, b)| {
            let d = if d == "in" { "out" } else { "in" };
            (*line, id.clone(), d.to_string(), b.clone(), a.clone())
        })
        .collect();
    assert_eq!(swapped_lines(&reversed_file), flipped);
    assert_eq!(reversed["champion"], report["challenger"]);
}

/// The split's arms as the documented hash routes the history's ids, decided by each arm's
/// policy as `batch` decides: (decided, approve, review, reject) per arm, and the lines
/// without an id.
fn expected_arms(salt: &str, dir: &Path) -> ([[u64; 4]; 2], u64, BTreeSet<String>) {
    let split = "50/50".parse::<Split>().unwrap().with_salt(salt);
    let decided = [
        batch(STARTER, PORTFOLIO, dir),
        batch(CHALLENGER, PORTFOLIO, dir),
    ];
    let mut arms = [[0u64; 4]; 2];
    let mut unroutable = 0;
    let mut champion_ids = BTreeSet::new();
    for (i, line) in history_lines(PORTFOLIO).iter().enumerate() {
        let key = match &line["id"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                unroutable += 1;
                continue;
            }
        };
        let arm = split.arm_of_key(&key);
        if arm == Arm::Champion {
            champion_ids.insert(key);
        }
        let side = usize::from(arm == Arm::Challenger);
        if let (_, Some(outcome)) = &decided[side][&(i as u64 + 1)] {
            arms[side][0] += 1;
            arms[side][1 + OUTCOMES.iter().position(|o| o == outcome).unwrap()] += 1;
        }
    }
    (arms, unroutable, champion_ids)
}

fn arms_of(report: &Value) -> [[u64; 4]; 2] {
    let split = &report["split"];
    std::array::from_fn(|side| {
        let arm = &split[["champion", "challenger"][side]];
        [
            // Lines routed here that its policy decided.
            u(&arm["size"]["count"]) - u(&arm["failed"]),
            u(&arm["decisions"]["approve"]["count"]),
            u(&arm["decisions"]["review"]["count"]),
            u(&arm["decisions"]["reject"]["count"]),
        ]
    })
}

#[test]
fn a_split_routes_by_the_salted_hash_of_the_id_the_same_way_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--split", "50/50", "--salt", "s"];
    let first = compare_json(STARTER, CHALLENGER, PORTFOLIO, &args);
    let second = compare_json(STARTER, CHALLENGER, PORTFOLIO, &args);
    assert_eq!(first, second);
    let other = compare_json(
        STARTER,
        CHALLENGER,
        PORTFOLIO,
        &["--split", "50/50", "--salt", "t"],
    );
    assert_eq!(first["split"]["salt"], "s");
    assert_eq!(other["split"]["salt"], "t");
    assert_eq!(u(&first["split"]["champion_percent"]), 50);

    let (arms_s, unroutable, ids_s) = expected_arms("s", dir.path());
    let (arms_t, _, ids_t) = expected_arms("t", dir.path());
    assert_ne!(
        ids_s, ids_t,
        "another salt routes other ids to the champion"
    );
    assert_eq!(arms_of(&first), arms_s);
    assert_eq!(arms_of(&other), arms_t);
    assert_ne!(arms_of(&first), arms_of(&other));
    assert_eq!(u(&first["split"]["unroutable"]), unroutable);
    assert_eq!(unroutable, 1, "the history has one line without an id");
    // The split adds a section; the comparison itself is the same.
    let mut without = first.clone();
    without.as_object_mut().unwrap().remove("split");
    assert_eq!(without, compare_json(STARTER, CHALLENGER, PORTFOLIO, &[]));
}

#[test]
fn psi_against_the_saved_report_of_the_same_history_is_zero_and_stable() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("portfolio.report.json");
    let report = backtest_json(STARTER, PORTFOLIO, &[]);
    std::fs::write(&saved, serde_json::to_vec(&report).unwrap()).unwrap();
    let again = backtest_json(
        STARTER,
        PORTFOLIO,
        &["--reference", saved.to_str().unwrap()],
    );
    let st = &again["stability"];
    assert_eq!(st["reference"]["policy"], report["policy"]["policy"]);
    assert_eq!(st["reference"]["decided"], report["policy"]["decided"]);
    let features = st["features"].as_array().unwrap();
    let names: Vec<&Value> = report["policy"]["distributions"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["name"])
        .collect();
    assert_eq!(
        features.iter().map(|f| &f["name"]).collect::<Vec<_>>(),
        names
    );
    assert!(!features.is_empty());
    for row in std::iter::once(&st["score"]).chain(features) {
        let psi = row["psi"]
            .as_f64()
            .unwrap_or_else(|| panic!("no PSI: {row}"));
        assert!(psi.abs() < 1e-12, "{row}");
        assert_eq!(row["flag"], "stable", "{row}");
        for bin in row["bins"].as_array().unwrap() {
            assert_eq!(bin["reference"], bin["actual"], "{row}");
        }
    }
    // The report with a stability section is otherwise the same report.
    let mut without = again.clone();
    without.as_object_mut().unwrap().remove("stability");
    assert_eq!(without, report);
}

#[test]
fn a_reference_gives_the_same_psi_as_history_or_as_its_saved_report() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("shifted.report.json");
    let shifted = backtest_json(STARTER, SHIFTED, &[]);
    std::fs::write(&saved, serde_json::to_string_pretty(&shifted).unwrap()).unwrap();
    let as_history = backtest_json(STARTER, PORTFOLIO, &["--reference", SHIFTED]);
    let as_report = backtest_json(
        STARTER,
        PORTFOLIO,
        &["--reference", saved.to_str().unwrap()],
    );
    assert_eq!(as_history["stability"], as_report["stability"]);
    let st = &as_history["stability"];
    assert_eq!(st["reference"]["decided"], shifted["policy"]["decided"]);
    let score_psi = st["score"]["psi"].as_f64().unwrap();
    assert!(
        score_psi > 0.1,
        "a riskier population shifts the score: {score_psi}"
    );
    // A reference gzip-compressed reads as history too.
    let gz = dir.path().join("shifted.jsonl.gz");
    let status = Command::new("gzip")
        .arg("-c")
        .arg(repo().join(SHIFTED))
        .stdout(std::fs::File::create(&gz).unwrap())
        .status()
        .expect("gzip runs");
    assert!(status.success());
    let as_gz = backtest_json(STARTER, PORTFOLIO, &["--reference", gz.to_str().unwrap()]);
    assert_eq!(as_gz["stability"], st.clone());
    // History whose first line is blank or malformed is still history, its bad line named.
    for first in ["", r#"{"id":"x","signal":{}}"#] {
        let odd = dir.path().join("odd.jsonl");
        let text = std::fs::read_to_string(repo().join(SHIFTED)).unwrap();
        std::fs::write(&odd, format!("{first}\n{text}")).unwrap();
        let (report, err) = json_ok(&[
            "backtest",
            "--policy",
            STARTER,
            "--json",
            "--reference",
            odd.to_str().unwrap(),
            PORTFOLIO,
        ]);
        assert_eq!(report["stability"], st.clone(), "first line {first:?}");
        assert_eq!(
            err.contains("reference") && err.contains("line 1"),
            !first.is_empty(),
            "{err}"
        );
    }
}

/// Exit 2, nothing on stdout, and a message of one line (clap's own usage hint aside)
/// containing `needle`.
fn refused(args: &[&str], needle: &str) {
    let out = underwrite(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
    let message: Vec<&str> = err
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("For more information"))
        .collect();
    assert_eq!(message.len(), 1, "{args:?}: {err}");
    assert!(message[0].contains(needle), "{needle} in {err}");
}

#[test]
fn inputs_that_cannot_be_read_at_all_exit_2_with_one_line_naming_them() {
    refused(
        &[
            "backtest",
            "--policy",
            STARTER,
            "testdata/history/missing.jsonl",
        ],
        "testdata/history/missing.jsonl",
    );
    refused(
        &[
            "compare",
            "--champion",
            STARTER,
            "--challenger",
            CHALLENGER,
            "testdata/history/missing.jsonl",
        ],
        "testdata/history/missing.jsonl",
    );
    refused(
        &["backtest", "--policy", "rules/missing.yaml", PORTFOLIO],
        "rules/missing.yaml",
    );
    // A file that is not a policy at all.
    refused(&["backtest", "--policy", PORTFOLIO, PORTFOLIO], PORTFOLIO);
    refused(
        &[
            "compare",
            "--champion",
            STARTER,
            "--challenger",
            "testdata/history/generate.py",
            PORTFOLIO,
        ],
        "testdata/history/generate.py",
    );
    refused(
        &[
            "compare",
            "--champion",
            STARTER,
            "--challenger",
            CHALLENGER,
            "--split",
            "90/20",
            PORTFOLIO,
        ],
        "--split",
    );
    // Neither history (no line of it can be decided) nor a saved report.
    refused(
        &[
            "backtest",
            "--policy",
            STARTER,
            "--reference",
            STARTER,
            PORTFOLIO,
        ],
        STARTER,
    );
    let dir = tempfile::tempdir().unwrap();
    let compare = dir.path().join("compare.json");
    let report = compare_json(STARTER, STARTER, PORTFOLIO, &[]);
    std::fs::write(&compare, report.to_string()).unwrap();
    refused(
        &[
            "backtest",
            "--policy",
            STARTER,
            "--reference",
            compare.to_str().unwrap(),
            PORTFOLIO,
        ],
        "not a saved `underwrite backtest --json` report",
    );
}

/// A saved report whose counts add up past `u64::MAX` (one bin given twice, two bins, or the
/// scores) is refused with one line, not a panic in the PSI's totals (exit 101 in a debug
/// build, a wrapped total and a wrong PSI in a release one). The same inputs are the
/// `reference` fuzz target's regressions.
#[test]
fn a_saved_report_whose_counts_overflow_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (max, i) = (u64::MAX, i64::MAX);
    let report = backtest_json(STARTER, SHIFTED, &[]);
    let first = report["policy"]["distributions"]["features"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let cases = [
        ("twice", format!(r#"[["3", {max}], ["3", 1]]"#), None),
        ("two", format!(r#"[["3", {max}], ["4", 1]]"#), None),
        (
            "scores",
            r#"[["3", 1]]"#.to_string(),
            Some(format!("[[600, {i}, {i}, {i}], [700, {i}, 0, 0]]")),
        ),
    ];
    for (name, bins, score) in cases {
        let mut bad = report.clone();
        let d = &mut bad["policy"]["distributions"];
        d["features"][0]["bins"] = serde_json::from_str(&bins).unwrap();
        let what = match score {
            Some(score) => {
                d["score"] = serde_json::from_str(&score).unwrap();
                "score".to_string()
            }
            None => format!("feature `{first}`"),
        };
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, bad.to_string()).unwrap();
        refused(
            &[
                "backtest",
                "--policy",
                STARTER,
                "--reference",
                path.to_str().unwrap(),
                PORTFOLIO,
            ],
            &format!("{what}: the counts add up to more than {max}"),
        );
    }
    // Counts that fit, however large, are a reference.
    let mut large = report.clone();
    large["policy"]["distributions"]["features"][0]["bins"] =
        serde_json::from_str(&format!(r#"[["3", {}], ["4", 1]]"#, max - 1)).unwrap();
    let path = dir.path().join("large.json");
    std::fs::write(&path, large.to_string()).unwrap();
    let psi = backtest_json(STARTER, PORTFOLIO, &["--reference", path.to_str().unwrap()]);
    assert!(psi["stability"]["features"][0]["psi"].as_f64().unwrap() > 0.0);
}
