//! The HTML report as a browser sees it: hand-built reports rendered to files, loaded in
//! headless Chromium, and the figures read back from the DOM it dumps.
//!
//! Without a Chromium binary the test prints a notice and passes, unless
//! `UNDERWRITE_REQUIRE_BROWSER=1` is set (CI sets it and installs Chromium).

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use underwrite_analysis::report::*;
use underwrite_analysis::stats::Stability;
use underwrite_analysis::FailureKind;

#[path = "fixtures/reports.rs"]
mod fixtures;

/// How long the browser may take to load and dump a page.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// The first Chromium binary on `PATH`.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// Chromium, or `None` after a notice when it is missing and not required.
fn chromium() -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        if std::env::var("UNDERWRITE_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("UNDERWRITE_REQUIRE_BROWSER=1 but no chromium or chromium-browser on PATH");
        }
        eprintln!("notice: no Chromium on PATH; the browser test is skipped (set UNDERWRITE_REQUIRE_BROWSER=1 to fail instead)");
    }
    found
}

/// The DOM Chromium builds from `file`, serialized; the browser is killed after
/// [`BROWSER_TIMEOUT`].
fn dump_dom(chromium: &Path, file: &Path, profile: &Path) -> String {
    let mut child = Command::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // Read on a thread so a full pipe never stalls the browser while we wait on it.
    let mut stdout = child.stdout.take().expect("chromium's stdout");
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        stdout.read_to_string(&mut dom).map(|_| dom)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not dump {} within {BROWSER_TIMEOUT:?}",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium exited with {status}");
    let _ = std::fs::remove_dir_all(profile);
    reader
        .join()
        .expect("reader thread")
        .expect("chromium's output is UTF-8")
}

/// The text of the element with `data-figure="name"` in the dumped DOM, up to its first tag.
fn figure<'a>(dom: &'a str, name: &str) -> &'a str {
    let hook = format!("data-figure=\"{name}\"");
    let at = dom
        .find(&hook)
        .unwrap_or_else(|| panic!("no figure {name} in the DOM"));
    let start = at + dom[at..].find('>').unwrap() + 1;
    let end = start + dom[start..].find('<').unwrap();
    &dom[start..end]
}

/// Write `page` under the test's scratch directory (kept, so a failing page can be opened).
fn write_page(name: &str, page: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_browser");
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    let file = dir.join(name);
    std::fs::write(&file, page).expect("write the page");
    file.canonicalize().expect("absolute path")
}

#[test]
fn chromium_renders_the_comparison_with_its_figures() {
    let Some(chromium) = chromium() else { return };
    let mut report = fixtures::compare();
    report.champion.policy.name = "starter <script>document.title='pwned'</script>".to_owned();
    let file = write_page(
        "compare.html",
        &underwrite_analysis::report::html::compare(&report),
    );
    let profile = file.with_extension("profile");
    let dom = dump_dom(&chromium, &file, &profile);

    // The page parsed as written: the figures are where the hooks say.
    assert_eq!(figure(&dom, "approval-rate-champion"), "61.2%");
    assert_eq!(figure(&dom, "approval-rate-challenger"), "65.0%");
    assert_eq!(figure(&dom, "ks-champion"), "0.370");
    assert_eq!(figure(&dom, "ks-challenger"), "0.410");
    assert_eq!(figure(&dom, "swap-approve-approve"), "5,600");
    assert_eq!(figure(&dom, "swap-approve-review"), "300");
    assert_eq!(figure(&dom, "swap-approve-reject"), "150");
    assert_eq!(figure(&dom, "swap-review-approve"), "600");
    assert_eq!(figure(&dom, "swap-reject-approve"), "220");
    assert_eq!(figure(&dom, "swap-reject-reject"), "2,040");
    assert_eq!(figure(&dom, "swap-both-decided"), "9,880");
    assert_eq!(figure(&dom, "swap-in-count"), "820");
    assert_eq!(figure(&dom, "arm-size-challenger"), "989");
    // The script in the name stayed text: no script element, the title unchanged.
    assert!(!dom.contains("<script"), "a script element in the DOM");
    assert!(dom.contains("starter &lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(!dom.contains("<title>pwned"));
    // The charts are in the DOM as SVG.
    for chart in [
        "chart-decision-mix",
        "chart-score-histogram",
        "chart-strategy",
    ] {
        assert!(dom.contains(&format!("data-figure=\"{chart}\"")), "{chart}");
    }
}

#[test]
fn chromium_renders_the_backtest_with_its_psi_flags() {
    let Some(chromium) = chromium() else { return };
    let mut report = fixtures::backtest();
    report.input.failures[1].first_message =
        "signals: <script>alert(1)</script> is not a payload".to_owned();
    let file = write_page(
        "backtest.html",
        &underwrite_analysis::report::html::backtest(&report),
    );
    let profile = file.with_extension("profile");
    let dom = dump_dom(&chromium, &file, &profile);

    assert_eq!(figure(&dom, "approval-rate-policy"), "61.2%");
    assert_eq!(figure(&dom, "psi-score"), "0.043");
    assert_eq!(figure(&dom, "psi-overdue_30"), "0.310");
    let flag = &dom[dom.find("data-figure=\"psi-flag-overdue_30\"").unwrap()..];
    assert!(
        flag.starts_with(
            "data-figure=\"psi-flag-overdue_30\"><span class=\"flag shift\">shift</span>"
        ),
        "{}",
        &flag[..80]
    );
    assert_eq!(figure(&dom, "failure-signals"), "12");
    assert!(!dom.contains("<script"), "a script element in the DOM");
    assert!(dom.contains("signals: &lt;script&gt;alert(1)&lt;/script&gt; is not a payload"));
}
