"""The Spark example (`examples/python/spark_decide.py`) decides like `underwrite batch`.

Generated applications (`underwrite gen`, with malformed lines, plus a few hand-made bad ones) are
decided twice: by the release CLI's `underwrite batch` and by the example in PySpark local mode
(`mapInArrow` over `Policy.decide_arrow`). Every application must get the same decision, score,
reason codes and policy hash, or the same error message, from both.

Needs pyspark and Java; without them the tests are skipped, unless `UNDERWRITE_REQUIRE_SPARK=1`
(as in CI), which makes a missing Spark a failure. The CLI binary is found as conftest.py finds
it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from conftest import EXAMPLES, REPO, cli_path, import_example

EXAMPLE = EXAMPLES / "spark_decide.py"
POLICY = REPO / "rules" / "starter.yaml"
COUNT = 2000
SEED = 14
MALFORMED_SHARE = "0.02"

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

#: What each application got: ("decision", decision, score, reason codes, policy sha256) or
#: ("error", message).
Outcome = Tuple[Any, ...]


def underwrite_bin() -> Path:
    """The CLI the other tests compare with (see conftest.py)."""
    return cli_path()


def spark_missing() -> Optional[str]:
    """Why PySpark cannot run here (no pyspark module, no Java), or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and (Path(java_home) / "bin" / "java").exists()) and not shutil.which("java"):
        return "no Java (neither $JAVA_HOME/bin/java nor java on PATH)"
    return None


def load_example() -> ModuleType:
    """The example imported as the module `spark_decide`."""
    return import_example("spark_decide")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local PySpark session on two cores (loopback only, no UI, quiet), stopped at the end."""
    reason = spark_missing()
    if reason is not None:
        if os.environ.get("UNDERWRITE_REQUIRE_SPARK") == "1":
            pytest.fail(f"UNDERWRITE_REQUIRE_SPARK=1 but {reason}", pytrace=False)
        pytest.skip(f"Spark cannot run: {reason}")
    from pyspark.sql import SparkSession

    saved = {name: os.environ.get(name) for name in ("PYSPARK_PYTHON", "SPARK_LOCAL_IP")}
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers import underwrite from this venv
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # loopback only
    session = (
        SparkSession.builder.master("local[2]")
        .appName("underwrite-test-spark")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.addPyFile(str(EXAMPLE))  # workers import the example's functions
    try:
        yield session
    finally:
        session.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def example() -> ModuleType:
    """The Spark example as a module."""
    return load_example()


def hand_made_bad_lines(good_signals: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Applications whose signals or KYC are not what they should be (and one without KYC)."""
    return [
        {"id": "bad-number", "signals": 42},
        {"id": "bad-array", "signals": [1, 2]},
        {"id": "bad-empty", "signals": {}},
        {"id": "bad-no-data", "signals": {"code": "OK", "message": "Success!"}},
        {"id": "bad-kyc-field", "signals": good_signals, "kyc": {"submitted": 5}},
        {"id": "bad-kyc-array", "signals": good_signals, "kyc": []},
        {"id": "bad-kyc-empty", "signals": good_signals, "kyc": {}},
        {"id": "null-kyc", "signals": good_signals, "kyc": None},
    ]


@pytest.fixture(scope="module")
def applications(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`underwrite gen` lines, `outcome` stripped from those that are JSON, and bad ones added.

    The generated malformed lines stay: lines that are not JSON, lines with `signals` misspelt,
    and lines with a bad signal value.
    """
    binary = underwrite_bin()
    assert binary.exists(), f"no underwrite binary at {binary} (cargo build --release -p underwrite-cli, or set UNDERWRITE_BIN)"
    directory = tmp_path_factory.mktemp("spark")
    generated = directory / "generated.jsonl"
    subprocess.run(
        [str(binary), "gen", "--count", str(COUNT), "--seed", str(SEED),
         "--malformed-share", MALFORMED_SHARE, "-o", str(generated)],
        check=True,
    )
    lines: List[str] = []
    good_signals: Any = None
    for line in generated.read_text(encoding="utf-8").splitlines():
        try:
            application = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        application.pop("outcome", None)
        good_signals = good_signals or application.get("signals")
        lines.append(json.dumps(application, separators=(",", ":"), ensure_ascii=False))
    lines += [json.dumps(bad, separators=(",", ":")) for bad in hand_made_bad_lines(good_signals)]
    # Cut short in its KYC: Spark alone would keep the signals read before the cut (and decide).
    whole = json.dumps({"id": "cut-short", "signals": good_signals}, separators=(",", ":"))
    lines.append(whole[:-1] + ',"kyc":{"submitted":')
    path = directory / "applications.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def input_ids(path: Path) -> List[Optional[str]]:
    """Each line's id; None for a line that is not JSON."""
    ids: List[Optional[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            ids.append(json.loads(line).get("id"))
        except ValueError:
            ids.append(None)
    return ids


def batch_outcomes(path: Path) -> Dict[int, Outcome]:
    """What `underwrite batch --policy rules/starter.yaml` gives each line, by line number."""
    run = subprocess.run(
        [str(underwrite_bin()), "batch", "--policy", str(POLICY), str(path)],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    outcomes: Dict[int, Outcome] = {}
    for line in run.stdout.splitlines():
        result = json.loads(line)
        if "error" in result:
            outcomes[result["line"]] = ("error", result["error"]["message"])
        else:
            decision = result["decision"]
            outcomes[result["line"]] = (
                "decision", decision["decision"], decision.get("score"),
                [reason["code"] for reason in decision["reasons"]], decision["policy"]["hash"],
            )
    return outcomes


def spark_outcomes(rows: List[Dict[str, Any]]) -> Tuple[Dict[str, Outcome], List[Outcome]]:
    """The same, from the Spark example's output rows: by id, and those without an id."""
    by_id: Dict[str, Outcome] = {}
    anonymous: List[Outcome] = []
    for row in rows:
        if row["error"] is not None:
            assert (row["decision"], row["score"], row["reason_codes"]) == (None, None, None), row
            outcome: Outcome = ("error", row["error"])
        else:
            outcome = (
                "decision", row["decision"], row["score"], list(row["reason_codes"]),
                row["policy_sha256"],
            )
        if row["id"] is None:
            anonymous.append(outcome)
        else:
            assert row["id"] not in by_id, f"id {row['id']} twice"
            by_id[row["id"]] = outcome
    return by_id, anonymous


def test_spark_example_decides_like_batch(
    spark: Any, example: ModuleType, applications: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The script's Parquet output equals `underwrite batch`, application by application.

    A line `batch` refuses as "not an application" (not JSON, `signals` misspelt) has no columns
    to carry it faithfully: its row must fail in Spark too, with a message of Spark's.
    """
    import pyarrow.parquet as pq

    output = tmp_path / "decided"
    assert example.main(["--policy", str(POLICY), "--input", str(applications), "--output", str(output)]) == 0
    rows = pq.read_table(output).to_pylist()
    ids = input_ids(applications)
    expected = batch_outcomes(applications)
    got, anonymous = spark_outcomes(rows)
    assert len(rows) == len(ids) == len(expected), "one row and one batch line per input line"

    refused = [n for n, o in expected.items() if o[0] == "error" and o[1].startswith("not an application: ")]
    different = {}
    for number, outcome in expected.items():
        if number not in refused:
            app_id = ids[number - 1]
            assert app_id is not None, f"line {number}"
            if got.get(app_id) != outcome:
                different[app_id] = (outcome, got.get(app_id))
            got.pop(app_id, None)
    assert not different, f"{len(different)} differ, e.g. {next(iter(different.items()))}"
    leftover = list(got.values()) + anonymous
    assert len(leftover) == len(refused) and all(o[0] == "error" for o in leftover), leftover

    compared_errors = [o for n, o in expected.items() if o[0] == "error" and n not in refused]
    decisions = {o[1] for o in expected.values() if o[0] == "decision"}
    assert len(refused) >= 2 and None in ids, "lines that are not JSON and misspelt lines are in"
    assert len(compared_errors) >= len(hand_made_bad_lines({})) - 1, "the error path is compared"
    assert decisions == {"approve", "review", "reject"}, "every kind of decision is compared"
    printed = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert int(printed["error"]) == len(compared_errors) + len(refused)


def test_decided_columns_are_spark_types(spark: Any, example: ModuleType, applications: Path) -> None:
    """The payloads are dropped (or kept on request) and the decision columns are plain Spark types."""
    policy_yaml = POLICY.read_text(encoding="utf-8")
    apps = example.read_applications(spark, str(applications))
    decided = example.decide_dataframe(apps, policy_yaml)
    assert decided.schema.simpleString() == (
        "struct<id:string,decision:string,score:int,reason_codes:array<string>,"
        "policy_sha256:string,error:string>"
    )
    kept = example.decide_dataframe(apps.limit(3), policy_yaml, keep_payloads=True)
    assert kept.columns[:3] == ["id", "signals", "kyc"]
    assert [row["id"] for row in kept.collect()] == [row["id"] for row in apps.limit(3).collect()]


def test_decide_dataframe_refuses_a_bad_policy_or_missing_column(spark: Any, example: ModuleType) -> None:
    """A broken policy fails on the driver with PolicyError; a missing column says which."""
    import underwrite

    apps = spark.createDataFrame([("a-1", "{}")], "id string, signals string")
    with pytest.raises(underwrite.PolicyError):
        example.decide_dataframe(apps, "name: broken\nthis is not a policy: [\n", kyc=None)
    with pytest.raises(ValueError, match="no column kyc"):
        example.decide_dataframe(apps, POLICY.read_text(encoding="utf-8"))
