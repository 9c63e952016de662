"""underwrite: credit decisions from risk signals and KYC, decided in Rust.

Load a policy (YAML with Rhai expressions) and decide applications one at a time, many at a
time on all cores, or a whole Arrow batch at once (pyarrow, Polars, Spark's ``mapInArrow``):

>>> import underwrite
>>> policy = underwrite.Policy.load("rules/starter.yaml")
>>> signals = open("testdata/signals/clean.json").read()
>>> decision = policy.decide(signals, kyc=open("testdata/kyc/joe-exact.json").read())
>>> decision.decision, decision.score, decision.reason_codes
('approve', 835, [])
>>> policy.decide(signals).reason_codes  # no KYC run
['KYC_UNVERIFIED']

Every decision is the one ``underwrite decide``, ``underwrite batch`` and the decision service
give for the same input and policy sha256. See ``docs/python.md``.
"""

from . import kyc
from ._errors import (
    ColumnError,
    DecisionError,
    Diagnostic,
    InternalError,
    KycError,
    PolicyError,
    SignalsError,
    UnderwriteError,
)
from ._underwrite import (
    Decision,
    Policy,
    PolicyId,
    Reason,
    TestResult,
    TestRun,
    __version__,
)

OUTPUT_COLUMNS = ("decision", "score", "reason_codes", "policy_sha256", "error")
"""The columns ``Policy.decide_arrow`` adds, in order."""

__all__ = [
    "Policy",
    "Decision",
    "Reason",
    "PolicyId",
    "TestRun",
    "TestResult",
    "OUTPUT_COLUMNS",
    "UnderwriteError",
    "PolicyError",
    "Diagnostic",
    "SignalsError",
    "KycError",
    "DecisionError",
    "ColumnError",
    "InternalError",
    "kyc",
    "__version__",
]
