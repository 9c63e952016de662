#!/usr/bin/env python3
"""Decide a Spark DataFrame of credit applications with underwrite, one Arrow batch at a time.

The policy's YAML text travels to the executors inside the job (captured by the function that
``mapInArrow`` runs); each Python worker process loads it once and hands every Arrow batch Spark
gives it to ``Policy.decide_arrow``, which decides the batch in Rust on the worker's cores with no
per-row Python objects. The same code runs in local mode and on a cluster (Databricks, EMR):
install the ``underwrite`` wheel on the cluster and make the same call.

As a library (the input has an ``id``, a ``signals`` column holding the provider's payload as JSON
text and a nullable ``kyc`` column holding a KYC request or result as JSON text)::

    import spark_decide
    from spark_decide import decide_dataframe, read_applications

    spark.sparkContext.addPyFile(spark_decide.__file__)  # the executors import it too
    apps = read_applications(spark, "apps.jsonl")   # `underwrite batch` lines -> id, signals, kyc
    decided = decide_dataframe(apps, Path("rules/starter.yaml").read_text())

As a script (local mode on all cores, unless started by ``spark-submit`` or given ``--master``)::

    python examples/python/spark_decide.py --policy rules/starter.yaml --input apps.jsonl --output out_dir

The result keeps the input's columns except the payloads (``signals``, ``kyc``) and adds
``decision`` (string: approve, review or reject), ``score`` (int), ``reason_codes``
(array<string>), ``policy_sha256`` (string) and ``error`` (string: for an application that cannot
be decided, the message ``underwrite batch`` writes for it; null otherwise). A bad application
fills its row's ``error``; it never fails the job.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pyarrow as pa

if TYPE_CHECKING:  # pyspark and underwrite are imported where they are used
    import underwrite
    from pyspark.sql import DataFrame, SparkSession

#: How `read_applications` reads JSON Lines: Spark keeps an object held by a string field as its
#: exact JSON text, so each row's ``signals`` and ``kyc`` are the bytes of the line's values.
APPLICATION_SCHEMA = "id string, signals string, kyc string"
#: Where Spark puts a line that is not JSON.
_CORRUPT = "_corrupt_record"

#: The decision columns added to the input, as Arrow types Spark reads directly.
DECIDED_ARROW_TYPES: Dict[str, pa.DataType] = {
    "decision": pa.string(),
    "score": pa.int32(),
    "reason_codes": pa.list_(pa.string()),
    "policy_sha256": pa.string(),
    "error": pa.string(),
}

#: The same columns in Spark's terms (a DDL fragment).
DECIDED_DDL = (
    "decision string, score int, reason_codes array<string>, policy_sha256 string, error string"
)

_CACHE_MODULE = "_underwrite_spark_policies"


def policy_key(policy_yaml: str) -> str:
    """The cache key of a policy: the SHA-256 of its YAML text, in hex."""
    return hashlib.sha256(policy_yaml.encode("utf-8")).hexdigest()


def _policy_cache() -> Dict[str, "underwrite.Policy"]:
    """This Python process's loaded policies, by `policy_key`.

    The dictionary lives in a module registered in ``sys.modules``, not in a global of this file:
    run as a script, this file's functions are shipped to the executors by value (cloudpickle), so
    each task would unpickle its own fresh copy of a global. A module in ``sys.modules`` lives as
    long as the worker process, which Spark reuses from task to task
    (``spark.python.worker.reuse``, on by default).
    """
    module = sys.modules.get(_CACHE_MODULE)
    if module is None:
        module = types.ModuleType(_CACHE_MODULE)
        module.policies = {}  # type: ignore[attr-defined]
        sys.modules[_CACHE_MODULE] = module
    return module.policies  # type: ignore[attr-defined,no-any-return]


def load_policy_once(policy_yaml: str) -> "underwrite.Policy":
    """The policy of this YAML text, parsed on the first call in this process and cached after."""
    cache = _policy_cache()
    key = policy_key(policy_yaml)
    policy = cache.get(key)
    if policy is None:
        import underwrite

        policy = cache[key] = underwrite.Policy.from_yaml(policy_yaml)
    return policy


def _as_spark_column(column: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """A decided column cast to the Arrow type Spark expects (the dictionary decoded first)."""
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return column if column.type == arrow_type else column.cast(arrow_type)


def spark_ready(decided: pa.RecordBatch, names: Sequence[str]) -> pa.RecordBatch:
    """The columns `names` of a `decide_arrow` result, the decision columns cast for Spark."""
    columns = []
    for name in names:
        column = decided.column(name)
        if name in DECIDED_ARROW_TYPES:
            column = _as_spark_column(column, DECIDED_ARROW_TYPES[name])
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=list(names))


def batch_decider(
    policy_yaml: str,
    output_names: Sequence[str],
    signals: str = "signals",
    kyc: Optional[str] = "kyc",
    id: Optional[str] = "id",
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function `mapInArrow` runs on the executors: decides each batch of a partition.

    It captures the policy's YAML text (a few kilobytes, shipped with the task) and the column
    names; the policy itself is loaded in the executor's process by `load_policy_once`.
    """
    names = list(output_names)

    def decide(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        policy = load_policy_once(policy_yaml)
        for batch in batches:
            decided = policy.decide_arrow(batch, signals=signals, kyc=kyc, id=id)
            parts = decided.to_batches() if isinstance(decided, pa.Table) else [decided]
            for part in parts:
                yield spark_ready(part, names)

    return decide


def decide_dataframe(
    df: "DataFrame",
    policy_yaml: str,
    *,
    signals: str = "signals",
    kyc: Optional[str] = "kyc",
    id: Optional[str] = "id",
    keep_payloads: bool = False,
) -> "DataFrame":
    """Decide every row of `df` with the policy whose YAML text is `policy_yaml`.

    `signals` names the column of provider payloads (JSON text), `kyc` the nullable column of KYC
    requests or results (JSON text; None when there is none) and `id` the applications' id column
    (string or integer, checked as ``underwrite batch`` checks ``id``; None for none). The result
    has `df`'s columns, without the payload columns unless `keep_payloads`, then the decision
    columns (`DECIDED_DDL`). The policy is parsed here first, so a broken policy fails on the
    driver with ``underwrite.PolicyError`` rather than in every task.
    """
    import underwrite
    from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField, StructType

    underwrite.Policy.from_yaml(policy_yaml)
    payloads = [name for name in (signals, kyc) if name is not None]
    missing = [name for name in payloads + ([id] if id else []) if name not in df.columns]
    if missing:
        raise ValueError(f"no column {', '.join(missing)} in the DataFrame ({', '.join(df.columns)})")
    clashing = [name for name in df.columns if name in DECIDED_ARROW_TYPES]
    if clashing:
        raise ValueError(f"the DataFrame already has decision columns: {', '.join(clashing)}")

    kept = [field for field in df.schema.fields if keep_payloads or field.name not in payloads]
    decided_fields = [
        StructField("decision", StringType()),
        StructField("score", IntegerType()),
        StructField("reason_codes", ArrayType(StringType())),
        StructField("policy_sha256", StringType()),
        StructField("error", StringType()),
    ]
    schema = StructType(kept + decided_fields)
    decide = batch_decider(policy_yaml, schema.fieldNames(), signals=signals, kyc=kyc, id=id)
    return df.mapInArrow(decide, schema)


def read_applications(spark: "SparkSession", path: str) -> "DataFrame":
    """The applications of a JSON Lines file as ``underwrite batch`` reads them: id, signals, kyc.

    ``signals`` and ``kyc`` hold the exact JSON text of the line's values (other keys, such as the
    ``outcome`` of ``underwrite gen``, are not read). A line that is not JSON gets null
    ``signals`` and ``kyc`` (and whatever ``id`` Spark could read), so it is never decided: its
    ``error`` says ``signals`` is null. (Spark alone would keep the values it read before the
    break: a line cut short inside its ``kyc`` would be decided without KYC.) A ``signals`` value that
    is a JSON string is read as that string's content.
    """
    from pyspark.sql import functions as F

    lines = (
        spark.read.schema(f"{APPLICATION_SCHEMA}, {_CORRUPT} string")
        .option("columnNameOfCorruptRecord", _CORRUPT)
        .json(path)
    )
    whole = F.col(_CORRUPT).isNull()
    return lines.select(
        "id",
        F.when(whole, F.col("signals")).alias("signals"),
        F.when(whole, F.col("kyc")).alias("kyc"),
    )


def _session(master: Optional[str]) -> Tuple["SparkSession", bool]:
    """The active Spark session (not ours to stop) or a new one (ours), and whether it is ours.

    Started with plain ``python`` (not ``spark-submit``, which sets ``PYSPARK_GATEWAY_PORT``) and no
    ``--master``, this runs in local mode on all cores, with this interpreter for the workers.
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[*]"
    builder = SparkSession.builder.appName("underwrite-decide")
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return builder.getOrCreate(), True


def main(argv: Optional[List[str]] = None) -> int:
    """Decide a JSON Lines file of applications with Spark and write the decisions as Parquet."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policy", required=True, help="the policy YAML file (read on the driver)")
    parser.add_argument("--input", required=True, help="applications, JSON Lines (id, signals, kyc)")
    parser.add_argument("--output", required=True, help="the Parquet directory to write (must not exist)")
    parser.add_argument("--master", help="Spark master URL (default: spark-submit's, else local[*])")
    args = parser.parse_args(argv)

    policy_yaml = Path(args.policy).read_text(encoding="utf-8")
    spark, ours = _session(args.master)
    try:
        decided = decide_dataframe(read_applications(spark, args.input), policy_yaml)
        decided.write.parquet(args.output)
        counts = spark.read.parquet(args.output).groupBy("decision").count().collect()
    finally:
        if ours:
            spark.stop()
    for row in sorted(counts, key=lambda row: row["decision"] or "~error"):
        print(f"{row['decision'] or 'error'}\t{row['count']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
