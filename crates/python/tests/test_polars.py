"""The Polars recipe (`examples/python/polars_decide.py`) decides like `Policy.decide`, row by row.

`pl.from_arrow(policy.decide_arrow(df.to_arrow()))`, the frame handed over directly (Arrow
PyCapsule stream) and the lazy `map_batches` form must all give every row what `policy.decide`
gives its signals and KYC: decision, score, reason codes, policy hash, or the error's message.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Dict, List, Optional, Tuple

import pytest

pl = pytest.importorskip("polars")
import underwrite  # noqa: E402  (after the skip: nothing here runs without polars)
from conftest import KYC, RULES, SIGNALS, import_example  # noqa: E402

POLICY = RULES / "starter.yaml"

#: ("decision", decision, score, reason codes, policy sha256) or ("error", message).
Outcome = Tuple[Any, ...]


@pytest.fixture(scope="module")
def example() -> ModuleType:
    """The Polars example as a module."""
    return import_example("polars_decide")


@pytest.fixture(scope="module")
def policy() -> underwrite.Policy:
    """The starter policy."""
    return underwrite.Policy.load(str(POLICY))


@pytest.fixture(scope="module")
def applications() -> pl.DataFrame:
    """Every test payload with no KYC and with every KYC file, plus bad payloads and KYC."""
    payloads = {p.stem: p.read_text(encoding="utf-8") for p in sorted(SIGNALS.glob("*.json"))}
    kycs: Dict[str, Optional[str]] = {"none": None}
    kycs.update({p.stem: p.read_text(encoding="utf-8") for p in sorted(KYC.glob("*.json"))})
    rows: List[Tuple[str, str, Optional[str]]] = [
        (f"{signals}/{kyc}", payload, kyc_text)
        for signals, payload in payloads.items()
        for kyc, kyc_text in kycs.items()
    ]
    clean = payloads["clean"]
    rows += [
        ("bad/number", "42", None),
        ("bad/empty", "{}", None),
        ("bad/no-data", '{"code": "OK", "message": "Success!"}', None),
        ("bad/kyc-array", clean, "[]"),
        ("bad/kyc-field", clean, '{"submitted": 5}'),
    ]
    return pl.DataFrame(rows, schema={"id": pl.String, "signals": pl.String, "kyc": pl.String}, orient="row")


def per_row(policy: underwrite.Policy, frame: pl.DataFrame) -> Dict[str, Outcome]:
    """What `policy.decide` gives each row, by id."""
    outcomes: Dict[str, Outcome] = {}
    for row in frame.iter_rows(named=True):
        try:
            decision = policy.decide(row["signals"], kyc=row["kyc"])
        except underwrite.UnderwriteError as error:
            outcomes[row["id"]] = ("error", str(error))
        else:
            outcomes[row["id"]] = (
                "decision", decision.decision, decision.score, decision.reason_codes,
                decision.policy.sha256,
            )
    return outcomes


def decided_outcomes(decided: pl.DataFrame) -> Dict[str, Outcome]:
    """The outcomes in a decided frame, by id; a failed row must have no decision."""
    outcomes: Dict[str, Outcome] = {}
    for row in decided.iter_rows(named=True):
        if row["error"] is not None:
            assert (row["decision"], row["score"], row["reason_codes"]) == (None, None, None), row
            outcomes[row["id"]] = ("error", row["error"])
        else:
            outcomes[row["id"]] = (
                "decision", row["decision"], row["score"], row["reason_codes"], row["policy_sha256"],
            )
    return outcomes


def assert_same(expected: Dict[str, Outcome], got: Dict[str, Outcome]) -> None:
    """Same ids, same outcome for each, and both paths exercised."""
    assert list(got) == list(expected), "same rows, same order"
    different = {key: (expected[key], got[key]) for key in expected if got[key] != expected[key]}
    assert not different, f"{len(different)} rows differ, e.g. {next(iter(different.items()))}"
    kinds = [outcome[0] for outcome in expected.values()]
    assert kinds.count("error") >= 5 and kinds.count("decision") >= 50


@pytest.mark.parametrize("compat", ["oldest", "newest"], ids=["large_string", "string_view"])
def test_recipe_equals_decide(policy: underwrite.Policy, applications: pl.DataFrame, compat: str) -> None:
    """`pl.from_arrow(policy.decide_arrow(df.to_arrow()))`, with either Arrow string layout."""
    table = applications.to_arrow(compat_level=getattr(pl.CompatLevel, compat)())
    decided = pl.from_arrow(policy.decide_arrow(table, kyc="kyc", id="id"))
    assert isinstance(decided, pl.DataFrame)
    assert decided.columns == ["id", "signals", "kyc", "decision", "score", "reason_codes", "policy_sha256", "error"]
    assert decided.schema["score"] == pl.Int32
    assert decided.schema["reason_codes"] == pl.List(pl.String)
    assert isinstance(decided.schema["decision"], pl.Categorical)
    assert_same(per_row(policy, applications), decided_outcomes(decided))


def test_frame_handed_over_directly(policy: underwrite.Policy, applications: pl.DataFrame) -> None:
    """A Polars frame goes in as it is (the Arrow PyCapsule stream) and a Table comes out."""
    import pyarrow as pa

    out = policy.decide_arrow(applications, kyc="kyc", id="id")
    assert isinstance(out, pa.Table)
    assert_same(per_row(policy, applications), decided_outcomes(pl.from_arrow(out)))


def test_text_that_is_not_json(policy: underwrite.Policy) -> None:
    """Payload text that is not JSON fails its row, the message naming the column.

    (Not compared with `policy.decide`, whose message for its own argument is worded otherwise.)
    """
    clean = (SIGNALS / "clean.json").read_text(encoding="utf-8")
    apps = pl.DataFrame({"id": ["signals", "kyc"], "signals": ["{not json", clean], "kyc": [None, "{"]})
    decided = pl.from_arrow(policy.decide_arrow(apps.to_arrow(), kyc="kyc", id="id"))
    errors = decided["error"].to_list()
    assert errors[0].startswith("`signals` is not JSON: ") and errors[1].startswith("`kyc` is not JSON: ")
    assert decided["decision"].null_count() == 2
    with pytest.raises(underwrite.SignalsError):
        policy.decide("{not json")
    with pytest.raises(underwrite.KycError):
        policy.decide(clean, kyc="{")


def test_example_lazy_form(example: ModuleType, policy: underwrite.Policy, applications: pl.DataFrame) -> None:
    """The example's `map_batches` form equals its eager recipe, inside a lazy query."""
    lazy = example.decide_lazy(policy, applications.lazy()).filter(pl.col("error").is_null())
    eager = example.decide(policy, applications).filter(pl.col("error").is_null())
    assert lazy.collect().equals(eager)
    assert eager.height == sum(1 for o in per_row(policy, applications).values() if o[0] == "decision")


def test_example_runs(example: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    """The example prints a decision for every sample payload and the mix."""
    example.main(["--policy", str(POLICY)])
    printed = capsys.readouterr().out
    for payload in SIGNALS.glob("*.json"):
        assert payload.stem in printed
    assert "applications" in printed and "mean score" in printed
