#!/usr/bin/env python3
"""PySpark local mode against `underwrite batch` on generated applications (a benchmark, not a test).

    python benches/python/spark.py                  # 1,000,000 applications (about 2.8 GB of JSON)
    python benches/python/spark.py --count 50000    # a quick run

Generates the applications with `underwrite gen` (not timed; `outcome` stripped so that `batch`
reads the same file), then times, in the same run on the same file:

* `underwrite batch --policy rules/starter.yaml` writing its JSON Lines (the baseline);
* the Spark example (`examples/python/spark_decide.py`: the JSON read by Spark, `mapInArrow` over
  `Policy.decide_arrow`) writing the decisions as Parquet, which decides every row.

Both must count the same decisions of each kind. Prints a Markdown table with the machine's core
count and load (`uptime`). The CLI is `$UNDERWRITE_BIN`, else `$CARGO_TARGET_DIR/release/underwrite`,
else `target/release/underwrite`; Spark needs Java 17+.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "python"
POLICY = REPO / "rules" / "starter.yaml"

#: The end of a generated line that has an outcome: `,"outcome":{"bad":...}}`.
OUTCOME_TAIL = re.compile(rb',"outcome":\{"bad":(?:true|false|null)\}\}$')
#: The decision of a `batch` output line.
BATCH_DECISION = re.compile(rb'"decision":\{"decision":"(\w+)"')


def underwrite_bin() -> Path:
    """The release CLI: `$UNDERWRITE_BIN`, else the cargo target directory's release build."""
    if os.environ.get("UNDERWRITE_BIN"):
        return Path(os.environ["UNDERWRITE_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    return (target if target.is_absolute() else REPO / target) / "release" / "underwrite"


def uptime() -> str:
    """The load averages, as `uptime` prints them."""
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return out.split("load average:")[-1].strip() if "load average" in out else out.strip()


def generate(binary: Path, count: int, seed: int, path: Path) -> float:
    """Write `count` generated applications without `outcome` to `path`; the seconds it took."""
    start = time.perf_counter()
    gen = subprocess.Popen(
        [str(binary), "gen", "--count", str(count), "--seed", str(seed)], stdout=subprocess.PIPE
    )
    assert gen.stdout is not None
    with path.open("wb") as out:
        for line in gen.stdout:
            out.write(OUTCOME_TAIL.sub(b"}", line.rstrip(b"\n")) + b"\n")
    if gen.wait() != 0:
        raise SystemExit(f"underwrite gen failed with status {gen.returncode}")
    return time.perf_counter() - start


def run_batch(binary: Path, apps: Path, out: Path) -> Tuple[float, Dict[str, int]]:
    """Time `underwrite batch` on `apps` (writing `out`); its seconds and decisions by kind."""
    start = time.perf_counter()
    with out.open("wb") as sink:
        status = subprocess.run(
            [str(binary), "batch", "--policy", str(POLICY), str(apps)],
            stdout=sink, stderr=subprocess.DEVNULL, check=False,
        ).returncode
    seconds = time.perf_counter() - start
    if status not in (0, 1):  # 1: some lines failed, which generated files have
        raise SystemExit(f"underwrite batch failed with status {status}")
    counts: Dict[str, int] = collections.Counter()
    with out.open("rb") as lines:
        for line in lines:
            found = BATCH_DECISION.search(line)
            counts[found.group(1).decode() if found else "error"] += 1
    return seconds, dict(counts)


def run_spark(
    apps: Path, out: Path, master: str, worker_threads: Optional[int]
) -> Tuple[float, float, Dict[str, int], str, int]:
    """Time the Spark example writing Parquet; session start and job seconds, decisions by kind,
    the Spark version and the number of input partitions. `worker_threads` sets each Python
    worker's thread pool (`RAYON_NUM_THREADS`; local-mode workers inherit this environment)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if worker_threads is not None:
        os.environ["RAYON_NUM_THREADS"] = str(worker_threads)
    sys.path.insert(0, str(EXAMPLES))
    import spark_decide
    from pyspark.sql import SparkSession

    start = time.perf_counter()
    spark = (
        SparkSession.builder.master(master)
        .appName("underwrite-bench-spark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.addPyFile(spark_decide.__file__)
    session_seconds = time.perf_counter() - start
    try:
        policy_yaml = POLICY.read_text(encoding="utf-8")
        applications = spark_decide.read_applications(spark, str(apps))
        partitions = applications.rdd.getNumPartitions()
        start = time.perf_counter()
        spark_decide.decide_dataframe(applications, policy_yaml).write.parquet(str(out))
        job_seconds = time.perf_counter() - start
        rows = spark.read.parquet(str(out)).groupBy("decision").count().collect()
        counts = {row["decision"] or "error": row["count"] for row in rows}
        return session_seconds, job_seconds, counts, spark.version, partitions
    finally:
        spark.stop()


def table(rows: List[Tuple[str, int, float]]) -> str:
    """A Markdown table of (run, applications, seconds)."""
    lines = ["| run | applications | wall (s) | applications/s |", "| --- | ---: | ---: | ---: |"]
    for name, count, seconds in rows:
        lines.append(f"| {name} | {count:,} | {seconds:.1f} | {count / seconds:,.0f} |")
    return "\n".join(lines)


def main() -> int:
    """Generate, run both, check they agree, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="applications (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[*]", help="Spark master (default local[*])")
    parser.add_argument("--worker-threads", type=int,
                        help="threads of each Spark Python worker's pool (default: all cores each)")
    parser.add_argument("--workdir", help="where the files go (default: a temporary directory, removed)")
    args = parser.parse_args()

    binary = underwrite_bin()
    if not binary.exists():
        raise SystemExit(f"no underwrite binary at {binary}: cargo build --release -p underwrite-cli")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="underwrite-spark-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        apps = workdir / "applications.jsonl"
        print(f"generating {args.count:,} applications ...", file=sys.stderr)
        gen_seconds = generate(binary, args.count, args.seed, apps)
        load_before = uptime()
        print("underwrite batch ...", file=sys.stderr)
        batch_seconds, batch_counts = run_batch(binary, apps, workdir / "batch.jsonl")
        print("Spark ...", file=sys.stderr)
        session_seconds, spark_seconds, spark_counts, version, partitions = run_spark(
            apps, workdir / "decided.parquet", args.master, args.worker_threads
        )
        load_after = uptime()
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"{args.count:,} generated applications (seed {args.seed}, {gen_seconds:.1f} s to generate, not timed), "
          f"policy rules/starter.yaml; {os.cpu_count()} cores; load average before {load_before}, after {load_after}; "
          f"Spark {version}, master {args.master}, {partitions} input partitions, "
          f"worker threads {args.worker_threads or 'all cores'}, "
          f"session start {session_seconds:.1f} s (not in the table).\n")
    print(table([
        ("`underwrite batch` (JSON Lines out)", args.count, batch_seconds),
        ("Spark `mapInArrow` + `decide_arrow` (Parquet out)", args.count, spark_seconds),
    ]))
    print(f"\ndecisions: batch {dict(sorted(batch_counts.items()))}, Spark {dict(sorted(spark_counts.items()))}")
    if batch_counts != spark_counts:
        print("MISMATCH: batch and Spark decided differently", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
