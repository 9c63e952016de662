//! `underwrite gen`: JSON Lines on stdout or in a file (gzip for `.gz`), the same bytes for the
//! same seed whatever the threads, slices that equal the whole, refused flags.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Read;
use std::process::{Command, Output};

fn gen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .arg("gen")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn writes_count_lines_in_index_order_and_the_same_bytes_each_run() {
    // More than one block (16,384 lines), so the writer's ordering across blocks is exercised.
    let a = stdout(gen(&["--count", "17000", "--seed", "3"]));
    let text = std::str::from_utf8(&a).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 17_000);
    assert!(text.ends_with('\n'));
    for (i, line) in lines.iter().enumerate().step_by(997) {
        let prefix = format!("{{\"id\":\"app-{:07}\",", i + 1);
        assert!(line.starts_with(&prefix), "line {i}: {}", &line[..40]);
    }
    // One thread or many: the same bytes.
    let one = Command::new(env!("CARGO_BIN_EXE_underwrite"))
        .args(["gen", "--count", "17000", "--seed", "3"])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert!(stdout(one) == a, "one thread wrote other bytes");
    let other = stdout(gen(&["--count", "200", "--seed", "4"]));
    assert_ne!(&other[..], &a[..other.len()]);
}

#[test]
fn a_slice_equals_the_same_lines_of_the_whole() {
    let whole = String::from_utf8(stdout(gen(&["--count", "600", "--seed", "9"]))).unwrap();
    let slice = String::from_utf8(stdout(gen(&[
        "--count", "100", "--seed", "9", "--start", "450",
    ])))
    .unwrap();
    let expected: Vec<&str> = whole.lines().skip(450).take(100).collect();
    assert_eq!(slice.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn writes_a_file_and_gzips_a_gz_file() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("apps.jsonl");
    let gz = dir.path().join("apps.jsonl.gz");
    for path in [&plain, &gz] {
        let out = gen(&[
            "--count",
            "500",
            "--seed",
            "1",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(stdout(out).is_empty());
    }
    let plain = std::fs::read(&plain).unwrap();
    let compressed = std::fs::read(&gz).unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "not gzip");
    assert!(compressed.len() * 4 < plain.len(), "barely compressed");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert!(unzipped == plain, "the .gz holds other lines");
    assert_eq!(plain, stdout(gen(&["--count", "500", "--seed", "1"])));
}

#[test]
fn malformed_share_sets_how_many_lines_are_not_json() {
    let count_bad = |share: &str| {
        let out = stdout(gen(&[
            "--count",
            "2000",
            "--seed",
            "5",
            "--malformed-share",
            share,
        ]));
        String::from_utf8(out)
            .unwrap()
            .lines()
            .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err())
            .count()
    };
    assert_eq!(count_bad("0"), 0);
    // A third of malformed lines are cut off (not JSON): about 100 of 2000 at 15%.
    let cut = count_bad("0.15");
    assert!((60..140).contains(&cut), "{cut} lines not JSON");
}

#[test]
fn refuses_a_bad_share_and_an_unwritable_file() {
    for share in ["1.5", "-0.1", "NaN", "lots"] {
        let out = gen(&["--count", "1", "--seed", "1", "--malformed-share", share]);
        assert_eq!(out.status.code(), Some(2), "{share}");
        assert!(out.stdout.is_empty());
    }
    let out = gen(&[
        "--count",
        "1",
        "--seed",
        "1",
        "-o",
        "/nonexistent/dir/x.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("/nonexistent/dir/x.jsonl: cannot create"),
        "{stderr}"
    );
}

#[test]
fn lines_run_up_to_the_last_index_and_no_further() {
    // The last two indexes, 2^64 - 2 and 2^64 - 1 (ids count from 1, past u64 for the last).
    let out = stdout(gen(&[
        "--count",
        "2",
        "--seed",
        "1",
        "--start",
        "18446744073709551614",
    ]));
    let text = String::from_utf8(out).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| l.split('"').nth(3).unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        ["app-18446744073709551615", "app-18446744073709551616"]
    );
    // One line more would need index 2^64: refused before anything is written.
    for (start, count) in [("18446744073709551615", "2"), ("2", "18446744073709551615")] {
        let out = gen(&["--count", count, "--seed", "1", "--start", start]);
        assert_eq!(out.status.code(), Some(2), "{start} {count}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("--start") && stderr.contains("past the last index"),
            "{stderr}"
        );
    }
    let out = gen(&[
        "--count",
        "0",
        "--seed",
        "1",
        "--start",
        "18446744073709551615",
    ]);
    assert!(stdout(out).is_empty());
}
