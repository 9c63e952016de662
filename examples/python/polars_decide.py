#!/usr/bin/env python3
"""Decide a Polars DataFrame of applications with underwrite: one Arrow call for the whole frame.

    python examples/python/polars_decide.py [--policy rules/starter.yaml]

The frame holds an ``id``, the provider's payload as JSON text (``signals``) and a KYC request
or result as JSON text, or null for none (``kyc``); here it is built from the payloads in
``testdata/signals`` and one KYC request. ``Policy.decide_arrow`` decides every row in Rust, on all
cores, and returns the rows with ``decision``, ``score``, ``reason_codes``, ``policy_sha256`` and
``error`` added; ``pl.from_arrow`` makes that a Polars frame again (``decision`` is categorical).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

import polars as pl
import underwrite

REPO = Path(__file__).resolve().parents[2]

#: The columns `decide_arrow` adds, as Polars types (for the lazy form's `map_batches`).
DECIDED_SCHEMA = {
    "decision": pl.Categorical(),
    "score": pl.Int32,
    "reason_codes": pl.List(pl.String),
    "policy_sha256": pl.String,
    "error": pl.String,
}


def sample_applications() -> pl.DataFrame:
    """One application per payload in testdata/signals, every other one with a KYC request."""
    kyc = (REPO / "testdata" / "kyc" / "joe-exact.json").read_text(encoding="utf-8")
    payloads = sorted((REPO / "testdata" / "signals").glob("*.json"))
    return pl.DataFrame(
        {
            "id": [path.stem for path in payloads],
            "signals": [path.read_text(encoding="utf-8") for path in payloads],
            "kyc": [kyc if index % 2 == 0 else None for index in range(len(payloads))],
        }
    )


def decide(policy: underwrite.Policy, apps: pl.DataFrame) -> pl.DataFrame:
    """The recipe: the frame to Arrow, decided, back to Polars."""
    return pl.from_arrow(policy.decide_arrow(apps.to_arrow(), kyc="kyc", id="id"))


def decide_lazy(policy: underwrite.Policy, apps: pl.LazyFrame) -> pl.LazyFrame:
    """The same inside a lazy query: each batch Polars materializes is decided."""
    schema = {**apps.collect_schema(), **DECIDED_SCHEMA}
    return apps.map_batches(lambda frame: decide(policy, frame), schema=schema)


def main(argv: Optional[List[str]] = None) -> None:
    """Decide the sample applications and print the decisions and the mix."""
    parser = argparse.ArgumentParser(description="Decide a Polars DataFrame with underwrite.")
    parser.add_argument("--policy", default=str(REPO / "rules" / "starter.yaml"))
    args = parser.parse_args(argv)

    policy = underwrite.Policy.load(args.policy)
    decided = decide(policy, sample_applications())
    with pl.Config(tbl_rows=-1, fmt_str_lengths=60):
        print(decided.select("id", "decision", "score", "reason_codes", "error"))
        mix = (
            decide_lazy(policy, sample_applications().lazy())
            .group_by("decision")
            .agg(pl.len().alias("applications"), pl.col("score").mean().alias("mean score"))
            .sort("decision")
            .collect()
        )
        print(mix)


if __name__ == "__main__":
    main()
