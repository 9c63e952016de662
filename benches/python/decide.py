"""Benchmark: underwrite from Python (``decide_arrow``) against ``underwrite batch`` and zen-engine.

One run on one machine; every figure is reported next to baselines measured in the same run:

1. ``underwrite gen --count N --seed 14`` writes N applications; their ``outcome`` key is dropped
   and the rest written as ``underwrite batch``'s input (JSON Lines).
2. ``underwrite batch --policy rules/starter.yaml`` on that file (a subprocess; wall time,
   best of ``--runs``) is the baseline. A first, untimed run gives the reference answers.
   Every measurement runs once per round, ``--runs`` rounds, so that load drifting on a shared
   machine hits all of them alike.
3. ``policy.decide_arrow`` on a pyarrow Table of the same applications (columns ``id``,
   ``signals``, ``kyc`` as JSON text; built before the clock starts): throughput and its ratio to
   batch (goal >= 80 %). Its decisions must equal batch's, line for line (decision, score, reason
   codes), or nothing is reported. ``policy.decide_many`` on the same payloads, for information.
4. zen-engine's own Python package (``import zen``) on ``benches/zen/starter.jdm.json``, its
   inputs built as ``benches/src/decide_data/zen.rs`` builds them (see ``zen_inputs.py``). The
   inputs are built before the clock starts, which favours zen: underwrite's timed path includes
   JSON parsing and normalization of the provider's payload. zen's decisions must agree with
   batch's (decision, score, reason codes) on every input timed.

Run from the repository root with the venv's python::

    python benches/python/decide.py [--count N] [--runs N] [--underwrite BIN] [--json FILE]

See ``benches/python/README.md`` for how to read the output.
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import zen_inputs  # noqa: E402  (benches/python, next to this file)

REPO = Path(__file__).resolve().parents[2]

#: The names of the baseline and the measured call, as the report shows them.
BATCH = "underwrite batch (CLI)"
ARROW = "Policy.decide_arrow"

#: One decision as compared between engines: (decision, score, reason codes), or an error text.
Outcome = Any


@dataclass
class Timing:
    """The best of several timed runs of one measurement."""

    name: str
    decisions: int
    wall: float  # best wall time, seconds
    cpu: float  # CPU time (all threads or the child process) of that run, seconds
    runs: list[float] = field(default_factory=list)  # every run's wall time
    note: str = ""

    @property
    def per_second(self) -> float:
        """Decisions per second of wall time."""
        return self.decisions / self.wall

    @property
    def wall_per_decision_us(self) -> float:
        """Wall time per decision, microseconds."""
        return self.wall / self.decisions * 1e6

    @property
    def cpu_per_decision_us(self) -> float:
        """CPU time per decision, microseconds (all cores' time added up)."""
        return self.cpu / self.decisions * 1e6

    def to_dict(self) -> dict[str, Any]:
        """The timing with its derived figures, for the JSON report."""
        return {
            **asdict(self),
            "decisions_per_second": self.per_second,
            "wall_per_decision_us": self.wall_per_decision_us,
            "cpu_per_decision_us": self.cpu_per_decision_us,
        }


@dataclass
class Applications:
    """The generated applications, as batch input text and as columns."""

    ids: list[Any]
    signals: list[Optional[str]]  # each line's "signals", as JSON text (None if absent)
    kycs: list[Optional[str]]  # each line's "kyc", as JSON text (None if absent)
    path: Path  # the batch input (JSON Lines)
    dropped: int  # generated lines that are not JSON (gen's deliberately malformed ones)


def default_underwrite() -> str:
    """The most recently built ``release/underwrite`` among the usual target directories."""
    dirs = [os.environ.get("CARGO_TARGET_DIR"), REPO / "target", REPO.parent / "target"]
    found = [Path(d) / "release/underwrite" for d in dirs if d]
    found = [p for p in found if p.is_file()]
    if not found:
        return "underwrite"
    return str(max(found, key=lambda p: p.stat().st_mtime))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=100_000, help="applications (default 100000)")
    p.add_argument("--runs", type=int, default=3, help="timed runs per measurement, best kept")
    p.add_argument("--seed", type=int, default=14, help="underwrite gen --seed (default 14)")
    p.add_argument(
        "--underwrite",
        default=default_underwrite(),
        help="the underwrite CLI, a release build (default: the newest of "
        "$CARGO_TARGET_DIR, ./target and ../target's release/underwrite)",
    )
    p.add_argument("--policy", default=str(REPO / "rules/starter.yaml"))
    p.add_argument("--jdm", default=str(REPO / "benches/zen/starter.jdm.json"))
    p.add_argument(
        "--zen-count",
        type=int,
        default=20_000,
        help="applications zen evaluates: the first N decided ones (0: all; default 20000); "
        "its figures are per decision",
    )
    p.add_argument(
        "--features-check",
        type=int,
        default=200,
        help="payloads whose Python normalization is compared with `underwrite features`",
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    return p.parse_args(argv)


@dataclass
class Measure:
    """One timed measurement: a call that decides ``decisions`` applications."""

    name: str
    decisions: int
    run: Callable[[], Any]
    note: str = ""


def cpu_seconds() -> float:
    """CPU time so far of this process (all threads) and of its waited-for children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run_rounds(measures: Sequence[Measure], runs: int) -> tuple[list[Timing], list[Any]]:
    """Run every measure once per round, ``runs`` rounds; each one's fastest run and last result.

    Rounds rather than each measure's runs back to back: on a shared machine the load drifts,
    and interleaving gives every measure the same chances, so ratios within the run hold up.
    """
    walls: list[list[float]] = [[] for _ in measures]
    best: list[Optional[tuple[float, float]]] = [None for _ in measures]
    results: list[Any] = [None for _ in measures]
    for round_ in range(runs):
        for k, m in enumerate(measures):
            results[k] = None  # free the last result before the next run
            cpu0, wall0 = cpu_seconds(), time.perf_counter()
            results[k] = m.run()
            wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
            walls[k].append(wall)
            if best[k] is None or wall < best[k][0]:
                best[k] = (wall, cpu)
        print(f"round {round_ + 1}/{runs} done", file=sys.stderr)
    timings = [
        Timing(m.name, m.decisions, b[0], b[1], w, m.note)
        for m, b, w in zip(measures, best, walls)
        if b is not None
    ]
    return timings, results


def uptime() -> str:
    """``uptime``'s line: the time and the load averages."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def environment(underwrite: str) -> dict[str, Any]:
    """Load, CPUs and versions, read before anything runs."""

    def version(dist: str) -> Optional[str]:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    cli = subprocess.run([underwrite, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "uptime": uptime(),
        "loadavg": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "underwrite_cli": f"{cli} ({underwrite})",
        "underwrite_python": version("underwrite"),
        "zen_engine": version("zen-engine"),
        "pyarrow": version("pyarrow"),
    }


def generate(underwrite: str, count: int, seed: int, workdir: Path) -> Applications:
    """``underwrite gen``, with each line's ``outcome`` dropped: batch's input file and columns.

    gen writes a few deliberately malformed lines (``--malformed-share``, 0.3 % by default). Those
    that are JSON are kept: batch and the Arrow rows must refuse them alike (a misspelled
    ``signal`` key is a null ``signals`` cell). Those that are not JSON at all are left out of
    both inputs, since no Arrow row can stand for them, and counted.
    """
    history = workdir / "history.jsonl"
    subprocess.run(
        [underwrite, "gen", "--count", str(count), "--seed", str(seed), "-o", str(history)],
        check=True,
    )
    path = workdir / "input.jsonl"
    ids, signals, kycs, dropped = [], [], [], 0
    with history.open() as src, path.open("w") as dst:
        for line in src:
            try:
                app = json.loads(line)
            except ValueError:  # a deliberately malformed line: no Arrow row can stand for it
                dropped += 1
                continue
            app.pop("outcome", None)
            dst.write(json.dumps(app, separators=(",", ":")) + "\n")
            ids.append(app.get("id"))
            signals.append(json_text(app.get("signals")))
            kycs.append(json_text(app.get("kyc")))
    history.unlink()
    return Applications(ids, signals, kycs, path, dropped)


def json_text(value: Any) -> Optional[str]:
    """Compact JSON text of a value; ``None`` for an absent or ``null`` value."""
    return None if value is None else json.dumps(value, separators=(",", ":"))


def run_batch(underwrite: str, policy: str, apps: Applications, out: Path) -> Path:
    """One ``underwrite batch`` run, its output written to ``out``."""
    with out.open("wb") as stdout:
        done = subprocess.run(
            [underwrite, "batch", "--policy", policy, str(apps.path)],
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
    # Exit status 1: some lines failed (each has its error line); anything else is a failure.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"underwrite batch: exit {done.returncode}: {done.stderr[-2000:]!r}")
    return out


def batch_outcomes(path: Path) -> tuple[list[Outcome], set[str]]:
    """Batch's outcome per input line, in line order, and the policy hashes it reported."""
    outcomes: dict[int, Outcome] = {}
    hashes = set()
    with path.open() as f:
        for line in f:
            row = json.loads(line)
            if "decision" in row:
                d = row["decision"]
                hashes.add(d["policy"]["hash"])
                codes = [r["code"] for r in d["reasons"]]
                outcomes[row["line"]] = (d["decision"], d["score"], codes)
            else:
                outcomes[row["line"]] = ("error", row["error"]["message"])
    return [outcomes[i] for i in range(1, len(outcomes) + 1)], hashes


def arrow_outcomes(table: Any) -> list[Outcome]:
    """``decide_arrow``'s outcome per row, in batch's terms."""
    cols = {name: table.column(name).to_pylist() for name in
            ("decision", "score", "reason_codes", "error")}
    return [
        ("error", err) if err is not None else (dec, score, codes)
        for dec, score, codes, err in zip(
            cols["decision"], cols["score"], cols["reason_codes"], cols["error"]
        )
    ]


def many_outcomes(decisions: Sequence[Any]) -> list[Outcome]:
    """``decide_many``'s outcome per item (``errors="return"``), in batch's terms."""
    return [
        ("error", str(d)) if isinstance(d, BaseException) else
        (d.decision, d.score, list(d.reason_codes))
        for d in decisions
    ]


def mismatches(name: str, got: Sequence[Outcome], want: Sequence[Outcome]) -> list[str]:
    """Lines where ``got`` differs from batch: decision, score and reason codes, or being an error.

    Error messages are compared apart (``error_messages``): a line batch refuses for its shape
    (a misspelled ``signal`` key) is a null cell in Arrow, refused with another message.
    """
    if len(got) != len(want):
        return [f"{name}: {len(got)} outcomes for {len(want)} lines"]
    out = []
    for line, (g, w) in enumerate(zip(got, want), start=1):
        same = g == w or (g[0] == "error" and w[0] == "error")
        if not same:
            out.append(f"{name}: line {line}: {g} but batch {w}")
    return out


def error_messages(got: Sequence[Outcome], want: Sequence[Outcome]) -> tuple[str, list[str]]:
    """How many of the lines both refuse have batch's very message; the other pairs, counted."""
    both = [(g[1], w[1]) for g, w in zip(got, want) if g[0] == "error" and w[0] == "error"]
    other = collections.Counter((g, w) for g, w in both if g != w)
    same = len(both) - sum(other.values())
    return f"{same}/{len(both)}", [f"{n} x {g!r}; batch: {w!r}" for (g, w), n in other.items()]


def underwrite_measures(
    args: argparse.Namespace, apps: Applications, hashes: set[str], info: dict[str, Any]
) -> tuple[list[Measure], list[str]]:
    """``decide_arrow`` and ``decide_many`` on all applications (none if not installed)."""
    try:
        import pyarrow as pa
        import underwrite
    except ImportError as e:
        print(f"underwrite Python package not importable ({e}): its rows are left out",
              file=sys.stderr)
        return [], []
    policy = underwrite.Policy.load(args.policy)
    info["policy_sha256"] = policy.sha256
    if hashes and hashes != {policy.sha256}:
        return [], [f"policy sha256 {policy.sha256} but batch reported {sorted(hashes)}"]
    table = pa.table(
        {
            "id": pa.array(apps.ids),
            "signals": pa.array(apps.signals, pa.utf8()),
            "kyc": pa.array(apps.kycs, pa.utf8()),
        }
    )
    n = len(apps.ids)
    measures = [
        Measure(
            ARROW, n, lambda: policy.decide_arrow(table, signals="signals", kyc="kyc", id="id"),
            "pyarrow Table in, Table out; JSON parsing, normalization, KYC matching included",
        )
    ]
    # decide_many takes payloads, not lines: a line without "signals" gets the payload `null`,
    # which it refuses (returned in place, errors="return") as batch refuses the line.
    payloads = [s if s is not None else "null" for s in apps.signals]

    def many() -> list[Any]:
        return policy.decide_many(payloads, kycs=apps.kycs, errors="return")

    try:
        many()  # for information only: if it cannot run, say why and go on
    except Exception as e:
        info["decide_many"] = f"failed: {type(e).__name__}: {e}"
    else:
        measures.append(Measure("Policy.decide_many", n, many,
                                "list of JSON str in, list of Decision objects out"))
    return measures, []


def check_underwrite(
    timings: dict[str, Any], expected: list[Outcome], info: dict[str, Any]
) -> list[str]:
    """Compare ``decide_arrow``'s and ``decide_many``'s last results with batch's, line by line."""
    problems = []
    out = timings.get(ARROW)
    if out is not None:
        got = arrow_outcomes(out)
        problems += mismatches("decide_arrow", got, expected)
        info["decide_arrow_errors_with_batch_message"], other = error_messages(got, expected)
        for message in other[:10]:
            print(f"decide_arrow's error message is not batch's: {message}", file=sys.stderr)
        if set(out.column("policy_sha256").unique().to_pylist()) != {info["policy_sha256"]}:
            problems.append("decide_arrow: policy_sha256 column differs from policy.sha256")
    decisions = timings.get("Policy.decide_many")
    if decisions is not None:
        problems += mismatches("decide_many", many_outcomes(decisions), expected)
    if out is not None or decisions is not None:
        info["underwrite_python_agrees_with_batch"] = "NO" if problems else "yes"
    return problems


def zen_outcome(response: dict[str, Any]) -> Outcome:
    """The graph's answer in batch's terms (``read_decision`` of ``zen.rs``)."""
    r = response["result"]
    score = r.get("score")
    if isinstance(score, float) and score.is_integer():
        score = int(score)
    return (r["decision"], score, list(r["reasons"]))


@dataclass
class ZenWay:
    """One way of calling zen-engine on all inputs."""

    name: str
    note: str
    run: Callable[[], list[Any]]  # evaluates every input, returns zen's responses
    response: Callable[[Any], dict[str, Any]]  # one item of that list -> {"result": ...}


def zen_ways(jdm: str, inputs: list[bytes]) -> list[ZenWay]:
    """The sync ways zen-engine's Python package offers, each on the same inputs."""
    import zen

    content = Path(jdm).read_text()
    loader = {"type": "static", "content": {"starter": json.loads(content)}}
    engine = zen.ZenEngine({"loader": loader})
    decision = zen.ZenEngine().create_decision(content)
    dicts = [json.loads(i) for i in inputs]
    requests = [{"key": "starter", "context": d} for d in dicts]
    return [
        ZenWay(
            "zen ZenEngine.evaluate(key, JSON bytes)",
            "one call per input; graph from a static loader, loaded once",
            lambda: [engine.evaluate("starter", i) for i in inputs],
            lambda r: r,
        ),
        ZenWay(
            "zen ZenEngine.evaluate_batch(list of dicts)",
            "zen's batch call",
            lambda: engine.evaluate_batch(requests),
            lambda r: r["data"],
        ),
        ZenWay(
            "zen ZenDecision.evaluate(dict)",
            "create_decision(content) once, one call per input",
            lambda: [decision.evaluate(d) for d in dicts],
            lambda r: r,
        ),
    ]


def zen_measures(
    args: argparse.Namespace, apps: Applications, expected: list[Outcome], info: dict[str, Any]
) -> tuple[list[Measure], list[int], list[str]]:
    """zen's input building and each way of calling zen, on the first ``--zen-count`` decided
    applications; which lines those are; and the normalizer check's problems."""
    decided = [i for i, o in enumerate(expected) if o[0] != "error"]
    if args.zen_count > 0:
        decided = decided[: args.zen_count]
    payloads = [apps.signals[i] for i in decided]
    n = len(decided)
    info["zen_inputs"] = n
    sample = payloads[:: max(1, n // max(1, args.features_check))][: args.features_check]
    problems = zen_inputs.check_against_cli(args.underwrite, sample)
    info["zen_normalization_checked_against_underwrite_features"] = (
        f"{len(sample) - len(problems)}/{len(sample)} payloads agree"
    )
    requests = [None if apps.kycs[i] is None else json.loads(apps.kycs[i]) for i in decided]
    kycs = zen_inputs.kyc_objects(args.underwrite, requests)
    inputs = zen_inputs.build_inputs(payloads, kycs)
    measures = [
        Measure(
            "Python: building zen's inputs (not in zen's rows)", n,
            lambda: zen_inputs.build_inputs(payloads, kycs),
            "parse the payload JSON, normalize the 12 signals, encode; KYC matching excluded",
        )
    ]
    for way in zen_ways(args.jdm, inputs):
        measures.append(Measure(way.name, n, _zen_run(way), way.note))
    return measures, decided, problems


def _zen_run(way: ZenWay) -> Callable[[], list[Outcome]]:
    """A way's run, its responses read into outcomes (so only those are kept)."""
    return lambda: [zen_outcome(way.response(r)) for r in way.run()]


def check_zen(
    results: dict[str, Any], decided: list[int], expected: list[Outcome], info: dict[str, Any]
) -> list[str]:
    """Compare each way's outcomes with batch's on the lines zen was given."""
    want = [expected[i] for i in decided]
    problems, agreement = [], []
    for name, got in results.items():
        if not name.startswith("zen "):
            continue
        wrong = [(decided[k] + 1, g, w) for k, (g, w) in enumerate(zip(got, want)) if g != w]
        agreement.append(f"{name.removeprefix('zen ')}: {len(want) - len(wrong)}/{len(want)}")
        problems += [f"{name}: line {line}: {g} but batch {w}" for line, g, w in wrong[:20]]
    info["zen_agreement_with_batch"] = "; ".join(agreement)
    return problems


def ratio_rows(timings: dict[str, Timing]) -> list[tuple[str, str, str]]:
    """The ratios the issue sets goals for, and a few for context: (what, value, goal)."""
    rows = []
    arrow, batch = timings.get(ARROW), timings.get(BATCH)
    if arrow and batch:
        rows.append(("decide_arrow throughput / batch throughput",
                     f"{arrow.per_second / batch.per_second:.0%}", ">= 80 %"))
    zens = [t for k, t in timings.items() if k.startswith("zen ")]
    if not zens:
        return rows
    fastest = min(zens, key=lambda t: t.wall_per_decision_us)
    least_cpu = min(zens, key=lambda t: t.cpu_per_decision_us)
    build = next((t for k, t in timings.items() if k.startswith("Python: building")), None)
    for ours in (arrow, batch):
        if ours is None:
            continue
        goal = ">= 10x" if ours is arrow else "context"
        rows.append((f"wall per decision: zen's fastest ({fastest.name}) / {ours.name}",
                     f"{fastest.wall_per_decision_us / ours.wall_per_decision_us:.1f}x", goal))
        rows.append((f"CPU per decision: zen's least ({least_cpu.name}) / {ours.name}",
                     f"{least_cpu.cpu_per_decision_us / ours.cpu_per_decision_us:.1f}x",
                     "context: per core"))
        if build is not None:
            with_build = fastest.wall_per_decision_us + build.wall_per_decision_us
            rows.append((f"wall per decision: zen's fastest + building its inputs / {ours.name}",
                         f"{with_build / ours.wall_per_decision_us:.1f}x", "context"))
    return rows


def markdown(env: dict[str, Any], timings: list[Timing], ratios: list, info: dict) -> str:
    """The results as a small Markdown report."""
    lines = [
        f"Load before the run: `{env['uptime']}`; after: `{env['uptime_after']}`; "
        f"CPUs: {env['cpu_count']} "
        f"({env['cpus_usable']} usable); Python {env['python']}; {env['underwrite_cli']}; "
        f"underwrite (Python) {env['underwrite_python']}; zen-engine {env['zen_engine']}; "
        f"pyarrow {env['pyarrow']}.",
        "",
        "| measurement | decisions | best wall | decisions/s | wall/decision | CPU/decision "
        "| runs (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in timings:
        runs = ", ".join(f"{w:.2f}" for w in t.runs)
        lines.append(
            f"| {t.name} | {t.decisions:,} | {t.wall:.3f} s | {t.per_second:,.0f} | "
            f"{t.wall_per_decision_us:.1f} µs | {t.cpu_per_decision_us:.1f} µs | {runs} |"
        )
    lines += ["", "| ratio | value | goal |", "| --- | ---: | --- |"]
    lines += [f"| {what} | {value} | {goal} |" for what, value, goal in ratios]
    lines += [""] + [f"- {k}: {v}" for k, v in info.items()]
    lines += [
        "- zen's inputs (normalized signals and KYC facts) are built before its clock starts; "
        "underwrite's timed path parses and normalizes the provider's JSON itself. "
        "This favours zen.",
        "- CPU/decision adds up the time of all threads (batch: the child process's).",
    ]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run everything, print the report, write the JSON; 1 if any answer disagreed."""
    args = parse_args(argv)
    env = environment(args.underwrite)
    print(f"load: {env['uptime']}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="underwrite-bench-") as tmp:
        workdir = Path(tmp)
        apps = generate(args.underwrite, args.count, args.seed, workdir)
        print(f"generated {len(apps.ids):,} applications", file=sys.stderr)
        # An untimed batch run: the reference answers (and a warm page cache for the input).
        expected, hashes = batch_outcomes(
            run_batch(args.underwrite, args.policy, apps, workdir / "reference.jsonl")
        )
        info: dict[str, Any] = {
            "applications": len(apps.ids),
            "generated_lines_not_json_left_out": apps.dropped,
            "batch_errors": sum(1 for o in expected if o[0] == "error"),
        }
        out = workdir / "batch.jsonl"
        measures = [
            Measure(BATCH, len(apps.ids),
                    lambda: run_batch(args.underwrite, args.policy, apps, out),
                    "subprocess: start-up, reading the file and writing JSON lines included")
        ]
        py_measures, problems = underwrite_measures(args, apps, hashes, info)
        zen_ms, decided, zen_problems = zen_measures(args, apps, expected, info)
        problems += zen_problems
        measures += py_measures + zen_ms
        timings, results = run_rounds(measures, args.runs)
        by_measure = {m.name: r for m, r in zip(measures, results)}
        if out.read_bytes() != (workdir / "reference.jsonl").read_bytes():
            problems.append("underwrite batch: the timed run's output differs from the first run's")
        del results, by_measure[BATCH]
        problems += check_underwrite(by_measure, expected, info)
        problems += check_zen(by_measure, decided, expected, info)
    env["uptime_after"] = uptime()
    if problems:
        print("ANSWERS DISAGREE; no figures reported:", file=sys.stderr)
        for p in problems[:50]:
            print(f"  {p}", file=sys.stderr)
        for k, v in info.items():
            print(f"  {k}: {v}", file=sys.stderr)
        return 1
    ratios = ratio_rows({t.name: t for t in timings})
    print(markdown(env, timings, ratios, info))
    if args.json:
        report = {
            "environment": env,
            "args": {k: str(v) for k, v in vars(args).items()},
            "timings": [t.to_dict() for t in timings],
            "ratios": [{"what": w, "value": v, "goal": g} for w, v, g in ratios],
            "info": info,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
